"""The benchmark's problems: network shapes and example counts, with their data."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnbackend.core.initializers import draw_parameters

__all__ = [
    "Case",
    "Product",
    "default_cases",
    "matmul_flops",
    "predicted_loop_seconds",
    "problem",
    "product_shapes",
    "quick_cases",
]


@dataclass(frozen=True)
class Case:
    """One problem: a network shape and a number of examples.

    Attributes
    ----------
    name : str
        Short label ("logreg", "planar", "cat", "wide", "large").
    layer_dims : tuple of int
        [n_x, n_1, ..., n_L]; logistic regression is [n_x, 1].
    m : int
        Examples (columns of X).
    hidden : str
        Hidden activation.
    """

    name: str
    layer_dims: tuple[int, ...]
    m: int
    hidden: str = "relu"

    @property
    def label(self) -> str:
        dims = ",".join(str(d) for d in self.layer_dims)
        return f"{self.name} [{dims}] m={self.m:g}"

    @property
    def data_bytes(self) -> int:
        """Bytes of the float64 data X (the largest array a step touches)."""
        return self.layer_dims[0] * self.m * 8


def matmul_flops(layer_dims: Sequence[int], m: int) -> int:
    """FLOPs of the matrix products one step needs (no gradient with respect to X).

    Per layer: 2 n_l n_{l-1} m for Z = W A, the same for dW = dZ Aᵀ, and for every layer but
    the first the same again for dA_prev = Wᵀ dZ. Element-wise work is not counted.
    """
    total = 0
    for layer, (n_prev, n) in enumerate(itertools.pairwise(layer_dims)):
        total += (4 if layer == 0 else 6) * n * n_prev * m
    return total


@dataclass(frozen=True)
class Product:
    """One matrix product a step computes: ``(rows × inner) @ (inner × cols)``.

    Attributes
    ----------
    rows, inner, cols : int
    form : {"nn", "nt", "tn"}
        Which operand is a transposed view, as the step passes it: "nn" is Z = W A, "nt" is
        dW = dZ A_prevᵀ, "tn" is dA_prev = Wᵀ dZ. A transposed operand changes the BLAS
        kernel (and its speed) for the same sizes.
    """

    rows: int
    inner: int
    cols: int
    form: str

    @property
    def flops(self) -> int:
        return 2 * self.rows * self.inner * self.cols

    @property
    def label(self) -> str:
        return f"matmul {self.form} ({self.rows}×{self.inner})@({self.inner}×{self.cols})"


def product_shapes(layer_dims: Sequence[int], m: int) -> list[Product]:
    """The distinct matrix products one step computes, those :func:`matmul_flops` counts.

    Parameters
    ----------
    layer_dims : sequence of int
    m : int

    Returns
    -------
    list of Product
        In the order the step meets them, each shape once.
    """
    found: list[Product] = []
    for layer, (n_prev, n) in enumerate(itertools.pairwise(layer_dims)):
        shapes = [Product(n, n_prev, m, "nn"), Product(n, m, n_prev, "nt")]
        if layer > 0:
            shapes.append(Product(n_prev, n, m, "tn"))
        found += [p for p in shapes if p not in found]
    return found


def quick_cases() -> list[Case]:
    """The ``--quick`` set: the small cases, for a run of a minute or two on two CPU cores."""
    return [
        Case("logreg", (2, 1), 1_000),
        Case("logreg", (2, 1), 100_000),
        Case("planar", (2, 4, 1), 400, hidden="tanh"),
        Case("cat", (12288, 20, 7, 5, 1), 209),
        Case("wide", (784, 512, 256, 1), 4096),
    ]


def default_cases() -> list[Case]:
    """The full set: logistic regression over m, and the course and matrix-bound networks."""
    cases = [Case("logreg", (2, 1), m) for m in (100, 1_000, 10_000, 100_000, 1_000_000)]
    cases += [Case("logreg", (12288, 1), m) for m in (100, 1_000, 10_000, 100_000)]
    cases += [
        Case("planar", (2, 4, 1), 400, hidden="tanh"),
        Case("cat", (12288, 20, 7, 5, 1), 209),
        Case("wide", (784, 512, 256, 1), 4096),
        Case("large", (1024, 1024, 1024, 1), 8192),
    ]
    return cases


def problem(case: Case, dtype: str) -> tuple[np.ndarray, np.ndarray, list[tuple[Any, Any]]]:
    """Host data X (n_x, m), binary targets Y and initial parameters, the same for everyone.

    Parameters
    ----------
    case : Case
    dtype : {"float32", "float64"}

    Returns
    -------
    X, Y : numpy.ndarray
    params : list of (W, b) NumPy arrays
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((case.layer_dims[0], case.m), dtype=np.float32).astype(dtype)
    Y = (rng.random((case.layer_dims[-1], case.m)) > 0.5).astype(dtype)
    init = "he" if case.hidden == "relu" else "xavier"
    params = draw_parameters(case.layer_dims, init, np.random.default_rng(1), dtype)
    return X, Y, params


def predicted_loop_seconds(case: Case) -> float:
    """A rough forecast of one explicit-loop step's seconds, to skip sizes over the budget."""
    # About 60 ns per multiply-add in a CPython inner loop on these machines, and three
    # multiply-adds per weight and example (forward, dW, dA). Used only to decide whether to
    # run the loop at all: a size over budget is reported as skipped, never extrapolated.
    return 3 * 60e-9 * sum(a * b for a, b in itertools.pairwise(case.layer_dims)) * case.m
