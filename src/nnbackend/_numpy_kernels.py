"""In-place NumPy kernels: the same math as the generic array-API code, without temporaries.

The array API standard has no ``out=``, so the generic code allocates a fresh array for every
element-wise operation. On NumPy that costs twice: each (n, m) temporary is a pass through
memory, and large ones come back from the operating system as fresh pages that fault one by
one (an array of 10⁶ float32 numbers is just under NumPy's 4 MiB huge-page threshold).

These kernels are taken only for writeable NumPy arrays that the caller owns (a fresh matrix
product, never user data). Each one computes exactly the operations of its generic twin, in
the same order and dtype, so the results agree to the last bit except where noted; the tests
compare every kernel with the generic path.
"""

from __future__ import annotations

import itertools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["activate_inplace", "applies", "sigmoid_cross_entropy_delta", "worker_count"]

# Elements per block of the fused output kernel. Each NumPy call costs about 1 µs of Python,
# run under the GIL, so small blocks serialise the threads (8192-element blocks: 3.6 ms for
# 10⁶ logits on two threads, 49152: 1.4 ms). Two 49152-element scratch buffers per thread
# (192 KiB each in float32) stay in the L2 cache and, at m = 10⁶ on two threads, add a fifth of
# the logits' size to the step's peak memory.
_BLOCK_ELEMENTS = 49152
# Below this many elements a second thread costs more than it saves (10⁵ logits: 0.22 ms on
# one thread, 0.28 ms on two).
_PARALLEL_MIN_ELEMENTS = 262144


def applies(*arrays: Any) -> bool:
    """Whether the in-place kernels may run on ``arrays``.

    True when every array is a NumPy array (not a subclass) of one floating dtype and the first
    is writeable.

    Parameters
    ----------
    *arrays : arrays
        The array to overwrite first, then the arrays it is combined with.

    Returns
    -------
    bool
    """
    first = arrays[0]
    if type(first) is not np.ndarray or not first.flags.writeable or first.dtype.kind != "f":
        return False
    dtype = first.dtype
    return all(type(a) is np.ndarray and a.dtype == dtype for a in arrays[1:])


def _exp_bound(dtype: np.dtype) -> float:
    return float(math.floor(math.log(float(np.finfo(dtype).max))))


def activate_inplace(z: np.ndarray, name: str, slope: float = 0.01) -> bool:
    """Overwrite ``z`` with g(z) for a hidden activation, where a kernel exists.

    The result is :func:`nnbackend.activations.activation_forward`'s, bit for bit.

    Parameters
    ----------
    z : numpy.ndarray
        Writeable pre-activations, owned by the caller.
    name : str
    slope : float, default 0.01
        The leaky ReLU slope.

    Returns
    -------
    bool
        True when ``z`` now holds the activations; False when ``name`` has no kernel here
        (``z`` is then unchanged).
    """
    if name == "relu":
        np.clip(z, 0, None, out=z)
    elif name == "tanh":
        np.tanh(z, out=z)
    elif name == "sigmoid":
        _sigmoid_inplace(z)
    elif name == "leaky_relu":
        # where(z > 0, z, slope·z): only the other entries change
        np.multiply(z, slope, out=z, where=~(z > 0))
    elif name != "identity":
        return False
    return True


def _sigmoid_inplace(z: np.ndarray) -> None:
    # the generic sigmoid's operations in its order: 1 / (1 + exp(min(-z, bound)))
    np.negative(z, out=z)
    np.minimum(z, _exp_bound(z.dtype), out=z)
    np.exp(z, out=z)
    np.add(z, 1, out=z)
    np.divide(1, z, out=z)


def sigmoid_cross_entropy_delta(z: np.ndarray, y: np.ndarray, scale: float) -> np.ndarray:
    """Cost and dZ of a sigmoid output with binary cross-entropy, fused, overwriting ``z``.

    Computes, in cache-sized blocks and on every core (see :func:`worker_count`):

    * J = (1/m) Σ softplus(z) - y z, the cost from logits of
      :func:`nnbackend.losses.binary_cross_entropy_with_logits`;
    * dZ = (σ(z) - y) · scale / m, written over ``z``, as :func:`nnbackend.network.output_delta`
      computes it from :func:`nnbackend.activations.sigmoid`.

    dZ equals the generic result bit for bit wherever z ≥ -88 (float32) or z ≥ -709 (float64).
    Below that the generic sigmoid clips exp's argument and returns the smallest normal number,
    while this kernel lets exp overflow (silently) and returns 0: both are 0 to the dtype's
    accuracy. The cost adds its blocks' sums in float64, so it can differ from the generic
    float32 sum in the last digits.

    Parameters
    ----------
    z : numpy.ndarray of shape (n_L, m)
        The output layer's logits, writeable and owned by the caller; holds dZ afterwards.
    y : numpy.ndarray of shape (n_L, m)
        Targets, of z's dtype.
    scale : float
        Multiplies dZ (the learning rate, when gradient descent folds it in).

    Returns
    -------
    numpy.ndarray
        The cost, 0-d, of z's dtype.
    """
    m = z.shape[1]
    ranges = _split(m, worker_count() if z.size >= _PARALLEL_MIN_ELEMENTS else 1)
    factor = scale / m
    errors = np.geterr()
    if len(ranges) == 1:
        total = _sigmoid_cross_entropy_range(z, y, factor, 0, m, errors)
    else:
        pool = _pool()
        futures = [
            pool.submit(_sigmoid_cross_entropy_range, z, y, factor, start, stop, errors)
            for start, stop in ranges[1:]
        ]
        total = _sigmoid_cross_entropy_range(z, y, factor, *ranges[0], errors)
        total += sum(f.result() for f in futures)
    return np.asarray(total / m, dtype=z.dtype)


def _sigmoid_cross_entropy_range(
    z: np.ndarray, y: np.ndarray, factor: float, first: int, last: int, errors: dict[str, str]
) -> float:
    # Columns first..last-1 of sigmoid_cross_entropy_delta. NumPy's error state is per thread,
    # so a worker runs under the caller's, plus a silent overflow for exp(-z) (see above).
    rows = z.shape[0]
    width = max(1, _BLOCK_ELEMENTS // max(rows, 1))
    shape = (rows, min(width, last - first))
    first_buffer, second_buffer = np.empty(shape, z.dtype), np.empty(shape, z.dtype)
    total = 0.0
    with np.errstate(**{**errors, "over": "ignore"}):  # type: ignore[arg-type]
        for start in range(first, last, width):
            stop = min(start + width, last)
            zb, yb = z[:, start:stop], y[:, start:stop]
            v, w = first_buffer[:, : stop - start], second_buffer[:, : stop - start]
            # loss = max(z, 0) + log1p(exp(-|z|)) - y z; NumPy's maximum with a scalar is a
            # slow loop, so max(z, 0) is (z + |z|) / 2, which is exact
            np.negative(zb, out=v)
            np.minimum(zb, v, out=v)  # -|z|
            np.subtract(zb, v, out=w)
            np.multiply(w, 0.5, out=w)
            np.exp(v, out=v)
            np.log1p(v, out=v)
            np.add(w, v, out=v)
            np.multiply(yb, zb, out=w)
            np.subtract(v, w, out=v)
            total += float(np.add.reduce(v, axis=None))
            # a = 1 / (1 + exp(-z)), then dZ = (a - y) · scale / m over z
            np.negative(zb, out=v)
            np.exp(v, out=v)
            np.add(v, 1, out=v)
            np.divide(1, v, out=v)
            np.subtract(v, yb, out=zb)
            np.multiply(zb, factor, out=zb)
    return total


def _split(m: int, parts: int) -> list[tuple[int, int]]:
    parts = max(1, min(parts, m))
    bounds = [m * i // parts for i in range(parts + 1)]
    return list(itertools.pairwise(bounds))


def worker_count() -> int:
    """Threads the fused kernels use: ``OMP_NUM_THREADS`` when set, else the usable cores.

    The same convention as OpenBLAS and PyTorch, so that NumPy's element-wise work runs on as
    many cores as their matrix products do.

    Returns
    -------
    int
        At least 1.
    """
    setting = os.environ.get("OMP_NUM_THREADS", "").strip()
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=worker_count(), thread_name_prefix="nnbackend")
    return _POOL


def _forget_pool() -> None:
    # a forked child inherits the executor object but none of its threads
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)
