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

from typing import Any

import numpy as np

from nnbackend._arrays import exp_bound

__all__ = [
    "activate_inplace",
    "applies",
    "min_output_elements",
    "sigmoid_cross_entropy_delta",
    "subtract_over",
]

# Elements per block of the fused output kernel: three 49152-element scratch buffers (192 KiB
# each in float32) and the block's slices of Z and Y stay in L2 cache, and each NumPy call's
# Python overhead (about 1 µs) stays small next to its work. At m = 10⁶ the scratch adds
# about a sixth of the logits' size to the step's peak memory. (One block for all of
# m = 10⁵ was tried on a busy machine: roughly 3 % faster there, 5 % slower at m = 10⁶.)
#
# The blocks run on one thread. Two threads (a thread pool over halves of the columns) were
# measured and dropped: each thread needs the GIL between its NumPy calls, and on the 2-core
# development VM a thread woken for the GIL arrived after the other had taken it back, so the
# halves ran one after the other (gradient step at m = 10⁶: 2.42 ms on one thread, 2.55 ms
# on two).
_BLOCK_ELEMENTS = 49152

# Below this many output elements the blocked pass's fixed costs (scratch buffers, an
# errstate scope: a few microseconds) exceed the allocations it saves, and the output is
# computed as the generic code computes it, in one call instead of a dozen (2-feature logistic
# regression, float32: at m = 1000 the blocked step took 18.1 µs against the generic
# path's 17.7 µs; at m = 2048, 19.8 against 20.3).
_BLOCKED_MIN_ELEMENTS = 2048

min_output_elements = 1
"""Every NumPy output takes :func:`sigmoid_cross_entropy_delta` (small ones unblocked)."""


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
    # a plain loop: a generator in all() costs a Python call on every training step
    for a in arrays[1:]:  # noqa: SIM110
        if type(a) is not np.ndarray or a.dtype != dtype:
            return False
    return True


def activate_inplace(z: np.ndarray, name: str, slope: float = 0.01) -> bool:
    """Overwrite ``z`` with g(z) for a hidden activation, where a kernel exists.

    The result is :func:`nnbackend.core.activations.activation_forward`'s, bit for bit.

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


def subtract_over(minuends: list[np.ndarray], subtrahends: list[np.ndarray]) -> list[np.ndarray]:
    """``[a - b for a, b in zip(minuends, subtrahends)]``, each written over its ``b``.

    θ - Δ computed into Δ's buffer costs the one pass of an in-place ``θ -= Δ`` and allocates
    nothing, while θ itself is left untouched. The results equal ``a - b`` bit for bit.

    Parameters
    ----------
    minuends : list of numpy.ndarray
    subtrahends : list of numpy.ndarray
        Writeable, owned by the caller, each of its minuend's shape and dtype (see
        :func:`applies`); they hold the differences afterwards.

    Returns
    -------
    list of numpy.ndarray
        ``subtrahends``.
    """
    for a, b in zip(minuends, subtrahends, strict=True):
        np.subtract(a, b, out=b)
    return subtrahends


def _sigmoid_inplace(z: np.ndarray) -> None:
    # the generic sigmoid's operations in its order: 1 / (1 + exp(min(-z, bound)))
    np.negative(z, out=z)
    np.minimum(z, exp_bound(z.dtype, np), out=z)  # the generic sigmoid's own bound
    np.exp(z, out=z)
    np.add(z, 1, out=z)
    np.divide(1, z, out=z)


def sigmoid_cross_entropy_delta(z: np.ndarray, y: np.ndarray, scale: float) -> np.ndarray:
    """Cost and dZ of a sigmoid output with binary cross-entropy, fused, overwriting ``z``.

    Computes, in cache-sized blocks:

    * J = (1/m) Σ softplus(z) - y z, the cost from logits of
      :func:`nnbackend.core.losses.binary_cross_entropy_with_logits`;
    * dZ = (σ(z) - y) · scale / m, written over ``z``, as
      :func:`nnbackend.core.network.output_delta`
      computes it from :func:`nnbackend.core.activations.sigmoid`.

    An output of fewer than 2048 elements is computed with the generic code's own operations
    in one call, and both results equal the generic ones bit for bit. A larger one goes in
    cache-sized blocks: there dZ equals the generic result bit for bit wherever z ≥ -88
    (float32) or z ≥ -709 (float64). Below that the generic sigmoid clips exp's argument and
    returns the smallest normal number, while the blocks let exp overflow (silently) and
    return 0: both are 0 to the dtype's accuracy. The blocked cost takes exp(-|z|) for z < 0
    as 1 / exp(-z) (one exp for the sigmoid and the loss together, within an ulp or two of
    the generic exp(z)) and adds its blocks' sums in float64, so it can differ from the
    generic float32 sum in the last digits.

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
    rows, m = z.shape
    factor = scale / m
    if rows * m < _BLOCKED_MIN_ELEMENTS:
        # The generic code's operations in its order (nnbackend.core.activations.sigmoid,
        # then losses.binary_cross_entropy_with_logits, then network.output_delta), so the
        # cost and dZ equal it bit for bit, into three temporaries instead of fifteen: on a
        # small output the calls and allocations between them were a tenth of a logistic
        # regression's step.
        a = np.negative(z)
        np.minimum(a, exp_bound(z.dtype, np), out=a)
        np.exp(a, out=a)
        a += 1
        np.divide(1, a, out=a)
        tail = np.abs(z)
        np.negative(tail, out=tail)
        np.exp(tail, out=tail)
        np.log1p(tail, out=tail)
        losses = np.maximum(z, 0.0)
        losses += tail
        losses -= np.multiply(y, z, out=tail)
        cost = np.add.reduce(losses, axis=None) / m
        a -= y
        np.multiply(a, factor, out=z)
        return cost
    # Blocks of equal width, up to a quarter wider than the cache-sized one, so that no short
    # last block pays a block's fixed costs (sixteen calls): at m = 10⁵, two blocks of 50000
    # instead of 49152, 49152 and 1696.
    width = max(1, _BLOCK_ELEMENTS // max(rows, 1))
    width = -(-m // -(-m // (width + width // 4)))
    # exp(-z) overflows for z < -88 and 1 / exp(-z) divides by 0 for z > 103 (float32): see
    # above and _cost_and_delta_block
    with np.errstate(over="ignore", divide="ignore"):
        if m <= width:  # one block: the arrays themselves, without views of them
            scratch = [np.empty_like(z) for _ in range(3)]
            total = _cost_and_delta_block(z, y, *scratch, factor)
        else:
            buffers = [np.empty((rows, width), z.dtype) for _ in range(3)]
            total = 0.0
            for start in range(0, m, width):
                stop = min(start + width, m)
                total += _cost_and_delta_block(
                    z[:, start:stop], y[:, start:stop], *[b[:, : stop - start] for b in buffers],
                    factor,
                )  # fmt: skip
    return np.asarray(total / m, dtype=z.dtype)


def _cost_and_delta_block(
    zb: np.ndarray, yb: np.ndarray, t: np.ndarray, u: np.ndarray, w: np.ndarray, factor: float
) -> float:
    # One block of sigmoid_cross_entropy_delta: returns the block's summed loss and writes
    # its dZ over ``zb``; ``t``, ``u`` and ``w`` are scratch of the block's shape.
    #
    # The sigmoid's exp(-z) serves the loss too, so the block takes one exp instead of two:
    # exp(-|z|) = min(exp(-z), 1 / exp(-z)) (for z < 0 the reciprocal is within an ulp or
    # two of exp(z); for z >= 0 it is exp(-z) itself; exp(-z) = inf gives 0, exp(-z) = 0
    # gives inf and the minimum takes the 0).
    np.negative(zb, out=t)
    np.exp(t, out=t)
    np.divide(1, t, out=u)
    np.minimum(t, u, out=u)
    np.log1p(u, out=u)
    # loss = max(z, 0) + log1p(exp(-|z|)) - y z. max(z, 0) + l is max(z + l, l): rounding is
    # monotonic, so the two are equal bit for bit, and NumPy's maximum of two arrays is a
    # fast loop where its maximum with a scalar is not
    np.add(zb, u, out=w)
    np.maximum(w, u, out=u)
    np.multiply(yb, zb, out=w)
    np.subtract(u, w, out=u)
    total = float(np.add.reduce(u, axis=None))
    # a = 1 / (1 + exp(-z)), then dZ = (a - y) · scale / m over z
    np.add(t, 1, out=t)
    np.divide(1, t, out=t)
    np.subtract(t, yb, out=zb)
    np.multiply(zb, factor, out=zb)
    return total
