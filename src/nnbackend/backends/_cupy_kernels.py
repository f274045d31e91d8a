"""Fused CuPy kernels: the training step's element-wise chains, one GPU kernel each.

The generic array-API code launches one kernel per operation: a tanh layer's derivative
``da * (1 - a * a)`` is three launches and three passes over memory, and the sigmoid output's
activation, cost and dZ[L] are a dozen. On a GPU each launch costs 10–20 µs, which dominates
networks of the course's size. These kernels compute the same operations, in the same order
and dtype, in one pass each; they are compiled with ``--fmad=false`` so that the compiler
does not contract a multiply and an add into one rounding, which keeps their results equal to
the generic path's (the GPU check compares them).

The math asks for them through :func:`nnbackend.backends.fused_kernels`, exactly as it uses
the NumPy in-place kernels: only on arrays the step owns (fresh products), never user data.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["CupyKernels"]

_OPTIONS = ("--fmad=false",)

_ACTIVATIONS = {
    # clip(z, min=0): NaN stays NaN (the divergence check must see it)
    "relu": "z = z < (T)0 ? (T)0 : z",
    "tanh": "z = tanh(z)",
    # the generic sigmoid: 1 / (1 + exp(min(-z, bound)))
    "sigmoid": "z = (T)1 / ((T)1 + exp(min(-z, bound)))",
    "leaky_relu": "z = z > (T)0 ? z : slope * z",
}

_DERIVATIVES = {
    # dz = da · g'(z), with g' read from a = g(z) (or its sign mask for the ReLU family)
    "tanh": ("T a", "da = da * ((T)1 - a * a)"),
    "sigmoid": ("T a", "da = da * (a * ((T)1 - a))"),
    "relu": ("bool s", "da = da * (T)s"),
    "leaky_relu": ("bool s", "da = s ? da : slope * da"),
}

# J's per-example terms softplus(z) - y z = max(z, 0) + log1p(exp(-|z|)) - y z, and
# dZ = (σ(z) - y) · factor written over z, σ as the generic sigmoid computes it.
_OUTPUT = """
T zi = z;
loss = (max(zi, (T)0) + log1p(exp(-fabs(zi)))) - y * zi;
z = ((T)1 / ((T)1 + exp(min(-zi, bound))) - y) * factor;
"""


class CupyKernels:
    """The fused kernels for one CuPy module, compiled on first use.

    Parameters
    ----------
    cupy : module
    """

    #: Output sizes from which the fused output kernel is used (always, on a GPU).
    min_output_elements = 1

    def __init__(self, cupy: Any) -> None:
        self.cupy = cupy
        self._kernels: dict[str, Any] = {}

    def _kernel(self, key: str, params_in: str, params_out: str, body: str) -> Any:
        kernel = self._kernels.get(key)
        if kernel is None:
            kernel = self.cupy.ElementwiseKernel(
                params_in, params_out, body, f"nnbackend_{key}", options=_OPTIONS
            )
            self._kernels[key] = kernel
        return kernel

    def applies(self, *arrays: Any) -> bool:
        """Whether every array is a CuPy array of the first one's floating dtype."""
        first = arrays[0]
        if not isinstance(first, self.cupy.ndarray) or first.dtype.kind != "f":
            return False
        return all(isinstance(a, self.cupy.ndarray) and a.dtype == first.dtype for a in arrays)

    @staticmethod
    def _bound(dtype: Any) -> float:
        # the generic sigmoid's exp bound (nnbackend._arrays.exp_bound)
        return float(math.floor(math.log(float(np.finfo(dtype).max))))

    def activate_inplace(self, z: Any, name: str, slope: float = 0.01) -> bool:
        """Overwrite ``z`` with g(z) for a hidden activation; False when there is no kernel."""
        if name == "identity":
            return True
        body = _ACTIVATIONS.get(name)
        if body is None:
            return False
        kernel = self._kernel(f"act_{name}", "T slope, T bound", "T z", body)
        kernel(z.dtype.type(slope), z.dtype.type(self._bound(z.dtype)), z)
        return True

    def hidden_delta(self, da: Any, source: Any, name: str, slope: float = 0.01) -> Any:
        """dZ = dA · g'(Z) written over ``da``; None when there is no kernel for ``name``."""
        if name == "identity":
            return da
        spec = _DERIVATIVES.get(name)
        if spec is None:
            return None
        source_param, body = spec
        kernel = self._kernel(f"delta_{name}", f"{source_param}, T slope", "T da", body)
        kernel(source, da.dtype.type(slope), da)
        return da

    def subtract_over(self, minuends: list[Any], subtrahends: list[Any]) -> list[Any]:
        """θ - Δ written over each Δ (owned by the step): one kernel, no allocation."""
        for a, b in zip(minuends, subtrahends, strict=True):
            self.cupy.subtract(a, b, out=b)
        return subtrahends

    def sigmoid_cross_entropy_delta(self, z: Any, y: Any, scale: float) -> Any:
        """The sigmoid output's cost (a 0-d array, never read to the host) and dZ over ``z``."""
        m = z.shape[1]
        loss = self.cupy.empty_like(z)
        kernel = self._kernel("sigmoid_output", "T y, T factor, T bound", "T z, T loss", _OUTPUT)
        kernel(y, z.dtype.type(scale / m), z.dtype.type(self._bound(z.dtype)), z, loss)
        return self.cupy.sum(loss) / m
