"""Option rows: whole fits with one option set, against the plain compiled GD fit.

For JAX and PyTorch, each of ``alpha=1e-3``, ``sample_weight``, ``solver="momentum"``,
``solver="adam"`` and ``early_stopping=True`` is timed as a whole ``fit`` beside the plain
full-batch gradient-descent fit of the same network, data and iterations (20 → 16 tanh → 1,
2000 examples, 300 iterations, by default), in alternating samples
(:func:`nnbackend.bench.parity.interleaved`), and reported as a ratio: above 1, the option
costs that factor. ``nnbackend bench --options`` prints the table.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnbackend import backends
from nnbackend.backends import asarray, use_backend
from nnbackend.bench.parity import interleaved
from nnbackend.bench.peers import sync_none
from nnbackend.estimators.models import NeuralNetworkClassifier

__all__ = [
    "OPTIONS",
    "OptionRow",
    "compiled_libraries",
    "format_options",
    "option_rows",
    "run_options_from_cli",
]

#: The options timed, as (label, constructor arguments, with sample weights).
OPTIONS: tuple[tuple[str, dict[str, Any], bool], ...] = (
    ("alpha=1e-3", {"alpha": 1e-3}, False),
    ("sample_weight", {}, True),
    ('solver="momentum"', {"solver": "momentum"}, False),
    ('solver="adam"', {"solver": "adam"}, False),
    ("early_stopping=True", {"early_stopping": True}, False),
)


def compiled_libraries() -> tuple[str, ...]:
    """The installed backends whose adapter has a compiled loop (JAX, PyTorch; CuPy too).

    Returns
    -------
    tuple of str
    """
    names = []
    for name in backends.registered():
        adapter = backends.get(name)
        if adapter.is_installed() and adapter.compiler() is not None:
            names.append(name)
    return tuple(names)


@dataclass(frozen=True)
class OptionRow:
    """One option's fit against the plain fit on one library.

    Attributes
    ----------
    library, option : str
    option_s, plain_s : float
        Median seconds per fit.
    ratio : float or None
        ``option_s / plain_s``; None with ``skipped``.
    skipped : str or None
        Why the row was not timed.
    """

    library: str
    option: str
    option_s: float
    plain_s: float
    ratio: float | None
    skipped: str | None = None


def _fit(
    library: str, X: np.ndarray, y: np.ndarray, iterations: int, dtype: str,
    options: dict[str, Any], weights: np.ndarray | None,
) -> Callable[[], None]:  # fmt: skip
    model = NeuralNetworkClassifier(
        hidden_layer_sizes=(16,), activation="tanh", init="xavier", solver="gd",
        learning_rate=0.01, max_iter=iterations, tol=None, random_state=0, dtype=dtype,
    )  # fmt: skip
    model.set_params(**options)
    with use_backend(library):
        # the data on the library, as a user of that library passes it (fit reads every cost
        # back, so it returns with the device done)
        Xb = asarray(X.astype(dtype))

    def fit() -> None:
        with use_backend(library):
            model.fit(Xb, y, sample_weight=weights)

    return fit


def option_rows(
    *,
    libraries: tuple[str, ...] | None = None,
    m: int = 2000,
    features: int = 20,
    iterations: int = 300,
    dtype: str = "float32",
    budget_s: float = 4.0,
    min_samples: int = 5,
) -> list[OptionRow]:
    """Time every option's fit against the plain fit, interleaved, on each library.

    Parameters
    ----------
    libraries : tuple of str, optional
        Backend names; by default :func:`compiled_libraries`.
    m, features, iterations : int
        The data and the run (the issue's: 2000, 20, 300).
    dtype : {"float32", "float64"}, default "float32"
    budget_s : float, default 4.0
        Seconds per row, both fits together.
    min_samples : int, default 5

    Returns
    -------
    list of OptionRow
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((m, features))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    weights = rng.uniform(0.5, 2.0, m)
    rows: list[OptionRow] = []
    for library in compiled_libraries() if libraries is None else libraries:
        if not backends.get(library).is_installed():
            rows += [OptionRow(library, o, 0.0, 0.0, None, f"{library} is not installed")
                     for o, _, _ in OPTIONS]  # fmt: skip
            continue
        plain = (_fit(library, X, y, iterations, dtype, {}, None), sync_none)
        for label, options, weighted in OPTIONS:
            fit = _fit(library, X, y, iterations, dtype, options, weights if weighted else None)
            option_s, plain_s, _ = interleaved(
                (fit, sync_none), plain, budget_s, warmup=1, min_samples=min_samples
            )
            rows.append(OptionRow(library, label, option_s, plain_s, option_s / plain_s))
    return rows


def format_options(rows: list[OptionRow]) -> str:
    """The ratio table: one line per option, one column per library.

    Parameters
    ----------
    rows : list of OptionRow

    Returns
    -------
    str
    """
    libraries = list(dict.fromkeys(row.library for row in rows))
    by = {(row.library, row.option): row for row in rows}
    lines = ["| option | " + " | ".join(libraries) + " |", "|---|" + "---|" * len(libraries)]
    for label, _, _ in OPTIONS:
        cells = []
        for library in libraries:
            row = by.get((library, label))
            if row is None or row.ratio is None:
                cells.append("skipped" if row is None else f"skipped ({row.skipped})")
            else:
                cells.append(f"{row.ratio:.2f}×")
        lines.append(f"| `{label}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_options_from_cli(args: argparse.Namespace) -> int:
    """``nnbackend bench --options``: time the option rows and print the ratio table.

    Parameters
    ----------
    args : argparse.Namespace
        ``quick``, ``dtype`` and ``budget`` are read.

    Returns
    -------
    int
        The exit status.
    """
    quick = bool(getattr(args, "quick", False))
    budget = getattr(args, "budget", None)
    rows = option_rows(
        dtype=getattr(args, "dtype", "float32"),
        budget_s=budget if budget is not None else (1.0 if quick else 4.0),
        iterations=50 if quick else 300,
        m=500 if quick else 2000,
        min_samples=3 if quick else 5,
    )
    print("Whole fits with one option, over the plain compiled GD fit (20 → 16 tanh → 1):")
    print(format_options(rows))
    return 0
