"""Stateless array helpers that every layer may use: the namespace look-up, sums, dtype names.

Nothing here knows a library by name or holds state. The one ``Array`` alias lives here too.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

__all__ = [
    "MAX_ALLOCATION_BYTES",
    "Array",
    "array_namespace",
    "check_allocation",
    "dtype_name",
    "exp_bound",
    "format_bytes",
    "matmul_nt",
    "matmul_tn",
    "numpy_dtype",
    "reduce_sum",
    "short_int",
    "take_columns",
    "total_sum",
]

Array = Any
"""Any array of a supported library (the array API standard has no common base class)."""

# NumPy 2.1 and later implement the array API standard themselves (clip with min/max, astype,
# isdtype...). Handing out NumPy itself skips array-api-compat's Python wrappers, which cost
# several microseconds per call (clip: 5.8 µs wrapped, 2.0 µs native, on a (4, 400) array):
# that is most of a small network's step.
_NUMPY_IS_STANDARD = tuple(int(p) for p in np.__version__.split(".")[:2]) >= (2, 1)


def array_namespace(*arrays: Any) -> ModuleType:
    """The array-API namespace of ``arrays``, resolved once per call by the math functions.

    The same as ``array_api_compat.array_namespace``, except that NumPy arrays get NumPy itself
    when NumPy is 2.1 or later (standard-compliant, and much faster on small arrays).

    Parameters
    ----------
    *arrays : arrays of one library

    Returns
    -------
    module
    """
    if _NUMPY_IS_STANDARD and all(isinstance(a, np.ndarray | np.generic) for a in arrays):
        return np
    return array_api_compat.array_namespace(*arrays)


def numpy_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype of the same name as ``dtype`` (a string or any library's dtype).

    Parameters
    ----------
    dtype : str or dtype

    Returns
    -------
    numpy.dtype
    """
    try:
        return np.dtype(dtype)
    except TypeError:
        # A dtype object of another namespace (torch.float32...): go through its name.
        return np.dtype(str(dtype).rsplit(".", 1)[-1])


def dtype_name(dtype: Any) -> str:
    """The standard name of a dtype of any library: ``"float32"``, ``"int64"``...

    Parameters
    ----------
    dtype : str or dtype

    Returns
    -------
    str
    """
    return numpy_dtype(dtype).name


def reduce_sum(x: Any, xp: ModuleType, axis: int | None = None, keepdims: bool = False) -> Any:
    """``xp.sum(x, axis=axis, keepdims=keepdims)``, minus NumPy's Python wrapper.

    ``np.sum`` spends about 0.5 µs in Python before its ``ufunc.reduce`` does the work: on the
    small arrays of a small network, where the training loop sums a few arrays every step, that
    is half of each call. Other libraries get their own ``sum``.

    Parameters
    ----------
    x : array
    xp : module
        The namespace of ``x``.
    axis : int, optional
        None sums every element.
    keepdims : bool, default False

    Returns
    -------
    array
    """
    if xp is np:
        # numpy's stubs type keepdims only as a literal True/False
        return np.add.reduce(x, axis=axis, keepdims=keepdims)  # type: ignore[call-overload]
    return xp.sum(x, axis=axis, keepdims=keepdims)


def take_columns(x: Any, indices: Any, xp: ModuleType) -> Any:
    """``xp.take(x, indices, axis=1)``: the columns (examples, in course layout) ``indices``.

    NumPy's ``take`` first copies an array that is not C-contiguous whole, and the course
    layout of host data is often the transposed view of a C-contiguous X: NumPy gets the same
    columns by indexing, which gathers them from any layout (4.5 µs against take's 132 µs for
    200 of digits' 1797 examples).

    Parameters
    ----------
    x : array of shape (n, m)
    indices : integer array of shape (k,)
        Of ``x``'s library.
    xp : module
        The namespace of ``x``.

    Returns
    -------
    array of shape (n, k)
    """
    if xp is np:
        return x[:, indices]
    return xp.take(x, indices, axis=1)


def total_sum(arrays: list[Any], xp: ModuleType) -> Any:
    """Σ over every element of every array, as one 0-d value (for finiteness checks).

    Parameters
    ----------
    arrays : list of arrays
    xp : module

    Returns
    -------
    array
    """
    total = reduce_sum(arrays[0], xp)
    for a in arrays[1:]:
        total = total + reduce_sum(a, xp)
    return total


def matmul_nt(a: Any, b: Any, xp: ModuleType) -> Any:
    """a bᵀ: the product of the backward pass's dW = dZ A_prevᵀ.

    Written ``xp.matmul(a, b.T)``, which is free where a transpose is a view (NumPy, PyTorch,
    CuPy hand BLAS a flag). A namespace with a ``matmul_nt`` of its own gets that instead:
    under ``jax.jit`` a transpose is an operation, and XLA on the CPU copies A_prev to
    transpose it (the whole data set, for the first layer) unless the product is written as
    one contraction.

    Parameters
    ----------
    a : array of shape (n, k)
    b : array of shape (p, k)
    xp : module
        The namespace of both.

    Returns
    -------
    array of shape (n, p)
    """
    if xp is np:  # the hot path of every NumPy step; np.dot is np.matmul for 2-D, called faster
        return np.dot(a, b.T)
    own = getattr(xp, "matmul_nt", None)
    return xp.matmul(a, b.T) if own is None else own(a, b)


def matmul_tn(a: Any, b: Any, xp: ModuleType) -> Any:
    """aᵀ b: the product of the backward pass's dA_prev = Wᵀ dZ (see :func:`matmul_nt`).

    Parameters
    ----------
    a : array of shape (k, n)
    b : array of shape (k, p)
    xp : module

    Returns
    -------
    array of shape (n, p)
    """
    if xp is np:
        return np.dot(a.T, b)
    own = getattr(xp, "matmul_tn", None)
    return xp.matmul(a.T, b) if own is None else own(a, b)


# Keyed by (namespace, dtype): the namespace's identity is compared first, so dtype objects of
# different libraries are never compared with each other (array_api_strict warns about that).
_EXP_BOUND: dict[tuple[int, Any], float] = {}


def exp_bound(dtype: Any, xp: ModuleType) -> float:
    """The largest whole x whose exp(x) is finite in ``dtype``: sigmoid's clip, shared by the
    generic sigmoid and the libraries' fused kernels so that they agree bit for bit.

    Parameters
    ----------
    dtype : dtype
    xp : module
        The dtype's namespace.

    Returns
    -------
    float
    """
    key = (id(xp), dtype)
    bound = _EXP_BOUND.get(key)
    if bound is None:
        bound = _EXP_BOUND[key] = float(math.floor(math.log(float(xp.finfo(dtype).max))))
    return bound


MAX_ALLOCATION_BYTES = 2**33
"""The most one call that makes arrays from a size argument may allocate: 8 GiB.

A data-set generator, a course initializer or a plot's grid computes what a call would take
from its sizes and refuses more than this before allocating anything, naming the argument: a
size such as ``n_samples=10**12`` used to end, minutes later, in NumPy's ``MemoryError`` (or
in the system killing the process). The cap is far above any course or benchmark problem; a
program that really needs more can raise it (``nnbackend._arrays.MAX_ALLOCATION_BYTES``).
"""


def short_int(n: int) -> str:
    """``n`` for a message: in full up to 15 digits, else its first digits and exponent.

    Computed on the digits, so that an int of hundreds of digits (10**400) does not overflow
    a float.
    """
    digits = str(n)
    if len(digits) <= 15:
        return digits
    return f"{digits[0]}.{digits[1:3]}e+{len(digits) - 1}"


def format_bytes(n: int) -> str:
    """``n`` bytes in binary units (``"18.6 GiB"``); past 2**80, in powers of ten.

    Parameters
    ----------
    n : int
        Any size (Python ints do not overflow).

    Returns
    -------
    str
    """
    for unit, scale in (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30)):
        if n >= scale:
            if n >= scale * 2**20 and unit == "EiB":
                return f"{short_int(n)} bytes"
            return f"{n / scale:.1f} {unit}"
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def check_allocation(setting: str, nbytes: int, what: str) -> None:
    """Refuse, before allocating, a call whose arrays would take more than the cap.

    Parameters
    ----------
    setting : str
        The argument and its value as the caller wrote them (``"n_samples=1000000000000"``).
    nbytes : int
        What the call would allocate, computed from its sizes with Python ints (no overflow).
    what : str
        What those bytes are, for the message (``"X of shape (n_samples, 2)"``).

    Raises
    ------
    ValueError
        Naming ``setting``, the bytes it needs and the cap, :data:`MAX_ALLOCATION_BYTES`.
    """
    cap = MAX_ALLOCATION_BYTES
    if nbytes <= cap:
        return
    raise ValueError(
        f"{setting} is too large: {what} would take {format_bytes(nbytes)}, over the cap of "
        f"{format_bytes(cap)} that one call may allocate (MAX_ALLOCATION_BYTES): expected a "
        "smaller value"
    )
