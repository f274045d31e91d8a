r"""The L-layer dense network in course notation: forward, cost, backward and update.

Shapes follow the course: X is (n_x, m), so columns are examples; W[l] is (n_l, n_{l-1});
b[l] is (n_l, 1). ``params`` is a list of (W, b) pairs, layer 1 first. Logistic regression is
the one-layer network ``[n_x, 1]`` with a sigmoid output; the shallow network has two layers.

Forward, for l = 1..L:

    Z[l] = W[l] A[l-1] + b[l],   A[l] = g[l](Z[l]),   A[0] = X

Backward, with the output layer paired with its natural cost (sigmoid + cross-entropy, softmax +
softmax cross-entropy, identity + half MSE), starts from dZ[L] = (A[L] - Y) / m and then, for
l = L..1:

    dW[l] = dZ[l] A[l-1]ᵀ,   db[l] = Σ_columns dZ[l],   dA[l-1] = W[l]ᵀ dZ[l],
    dZ[l-1] = dA[l-1] * g'[l-1](Z[l-1])

The 1/m sits in dZ[L] once, instead of in every dW and db: the same numbers, fewer operations.

Two options of :func:`cost_and_gradients` extend the course's cost (both off by default, and
then not a single operation is added):

* **L2 regularisation** (the next course's): J += α/(2m) Σ_l ‖W[l]‖², so dW[l] += (α/m) W[l];
  the biases are not penalised.
* **Example weights** w (shape (1, m)): every mean over the examples becomes the weighted mean,
  m becomes S = Σ_i w_i, and dZ[L] = w (A[L] - Y) / S, so that integer weights train exactly as
  repeated examples do:

      J = (1/S) [Σ_i w_i L_i + (α/2) Σ_l ‖W[l]‖²]
Only the activations A[0..L-1] and the output logits are kept for backward, never both Z and A,
because every hidden derivative is read from A (see :mod:`nnbackend.core.activations`). dA[0], the
gradient with respect to X, is never computed.

Every function resolves the array namespace once per call, or takes it as ``xp``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace, matmul_nt, matmul_tn, reduce_sum
from nnbackend.backends import _numpy_kernels, fused_kernels, is_writeable
from nnbackend.core import losses
from nnbackend.core.activations import activation_backward, activation_forward

__all__ = [
    "OUTPUTS",
    "ForwardCache",
    "add_l2_gradients",
    "backward",
    "compute_cost",
    "cost_and_gradients",
    "forward",
    "gradient_step",
    "input_gradient",
    "is_writeable",
    "l2_penalty",
    "layer_forward",
    "linear_backward",
    "linear_forward",
    "output_delta",
    "predict_output",
    "update",
]

Array = Any
Params = list[tuple[Array, Array]]
Grads = list[tuple[Array, Array]]

OUTPUTS: tuple[str, ...] = ("sigmoid", "softmax", "identity", "relu", "exp")
"""Output activations, each paired with its cost.

sigmoid → binary cross-entropy (summed over outputs: independent labels), softmax → softmax
cross-entropy, identity (linear) and relu → half mean squared error (averaged over outputs),
exp → half Poisson deviance (the log link).
"""


@dataclass(slots=True)
class ForwardCache:
    """What :func:`forward` keeps for :func:`backward`.

    Attributes
    ----------
    activations : list of arrays
        A[0] = X, A[1], ..., A[L-1]: the inputs of each layer.
    logits : array
        Z[L], the output layer's pre-activation (n_L × m, small), for the stable costs.
    """

    activations: list[Array]
    logits: Array


def linear_forward(a_prev: Array, w: Array, b: Array, *, xp: ModuleType | None = None) -> Array:
    """Z = W A_prev + b, with b broadcast over the m columns.

    Parameters
    ----------
    a_prev : array of shape (n_{l-1}, m)
    w : array of shape (n_l, n_{l-1})
    b : array of shape (n_l, 1)
    xp : module, optional

    Returns
    -------
    array of shape (n_l, m)
    """
    if type(a_prev) is np.ndarray:
        # np.dot, not np.matmul: the same BLAS call and result for 2-D arrays, for a third
        # less of the call's fixed cost (0.6 µs against 0.9 on a small layer). The result is
        # ours: add in place, saving one (n_l, m) temporary (and, on a small network's step,
        # the look-ups below).
        z = np.dot(w, a_prev)
        z += b
        return z
    xp = xp or array_namespace(a_prev, w, b)
    # a library's product with the bias added inside it (torch.addmm): one pass over Z
    # fewer, which is a few per cent of a matrix-bound step
    kernels = fused_kernels(a_prev)
    linear = getattr(kernels, "linear", None)
    if linear is not None and kernels.applies(a_prev, w, b):
        return linear(w, a_prev, b)
    z = xp.matmul(w, a_prev)
    if is_writeable(z):
        z += b  # the matmul result is ours: add in place, saving one (n_l, m) temporary
        return z
    return z + b


def layer_forward(
    a_prev: Array,
    w: Array,
    b: Array,
    activation: str,
    *,
    slope: float = 0.01,
    xp: ModuleType | None = None,
) -> tuple[Array, Array]:
    """One layer: Z = W A_prev + b, then A = g(Z).

    Parameters
    ----------
    a_prev, w, b : arrays
        As in :func:`linear_forward`.
    activation : str
        A name from :data:`nnbackend.core.activations.ACTIVATIONS`.
    slope : float, default 0.01
        The leaky ReLU slope.
    xp : module, optional

    Returns
    -------
    (A, Z) : tuple of arrays
    """
    xp = xp or array_namespace(a_prev, w, b)
    z = linear_forward(a_prev, w, b, xp=xp)
    return activation_forward(z, activation, slope=slope, xp=xp), z


def forward(
    X: Array,
    params: Params,
    *,
    hidden: str = "relu",
    output: str = "sigmoid",
    slope: float = 0.01,
    xp: ModuleType | None = None,
) -> tuple[Array, ForwardCache]:
    """Forward propagation through all L layers.

    Parameters
    ----------
    X : array of shape (n_x, m)
    params : list of (W, b)
    hidden : str, default "relu"
        The activation of layers 1..L-1.
    output : {"sigmoid", "softmax", "identity", "relu"}, default "sigmoid"
    slope : float, default 0.01
        The leaky ReLU slope.
    xp : module, optional

    Returns
    -------
    AL : array of shape (n_L, m)
        The output activations (predictions).
    cache : ForwardCache
        What :func:`backward` needs.
    """
    xp = xp or array_namespace(X)
    activations, logits = _hidden_forward(X, params, hidden, slope, xp)
    return activation_forward(logits, output, xp=xp), ForwardCache(activations, logits)


def _hidden_forward(
    X: Array, params: Params, hidden: str, slope: float, xp: ModuleType
) -> tuple[list[Array], Array]:
    # Layers 1..L-1 and the output's linear part: everything forward does before g[L]. The
    # activations and the logits, as a tuple: the training step has no use for a ForwardCache.
    activations = [X]
    a = X
    for w, b in params[:-1]:
        # Z[l] is not kept (backward reads g' from A[l]); it dies here, so Z and A of one layer
        # are the only pair ever held together, and on NumPy not even that (A overwrites Z).
        z = linear_forward(a, w, b, xp=xp)
        kernels = _numpy_kernels if type(z) is np.ndarray else fused_kernels(z)
        inplace = (
            kernels is not None
            and kernels.applies(z)
            and kernels.activate_inplace(z, hidden, slope)
        )
        a = z if inplace else activation_forward(z, hidden, slope=slope, xp=xp)
        activations.append(a)
    w, b = params[-1]
    return activations, linear_forward(a, w, b, xp=xp)


def predict_output(
    X: Array,
    params: Params,
    *,
    hidden: str = "relu",
    output: str = "sigmoid",
    slope: float = 0.01,
    xp: ModuleType | None = None,
) -> Array:
    """The network's output A[L] for X, keeping no cache (inference only).

    Parameters
    ----------
    X, params, hidden, output, slope, xp
        As in :func:`forward`.

    Returns
    -------
    array of shape (n_L, m)
    """
    xp = xp or array_namespace(X)
    a = X
    last = len(params) - 1
    for layer, (w, b) in enumerate(params):
        a, _ = layer_forward(a, w, b, hidden if layer < last else output, slope=slope, xp=xp)
    return a


def compute_cost(
    AL: Array,
    Y: Array,
    output: str,
    *,
    logits: Array | None = None,
    sample_weight: Array | None = None,
    xp: ModuleType | None = None,
) -> Array:
    """The cost paired with the output activation.

    Parameters
    ----------
    AL : array of shape (n_L, m)
        Output activations.
    Y : array of shape (n_L, m)
        Targets (one-hot for softmax).
    output : {"sigmoid", "softmax", "identity", "relu"}
    logits : array, optional
        Z[L]. When given, the cross-entropies are computed from it (exact for saturated
        outputs); otherwise from AL, clipped.
    sample_weight : array of shape (1, m), optional
        Example weights: the cost is their weighted mean (see :mod:`nnbackend.core.losses`).
    xp : module, optional

    Returns
    -------
    array
        The cost, 0-d.
    """
    xp = xp or array_namespace(AL, Y)
    sw = sample_weight
    if output == "sigmoid":
        if logits is not None:
            return losses.binary_cross_entropy_with_logits(logits, Y, sample_weight=sw, xp=xp)
        return losses.binary_cross_entropy(AL, Y, sample_weight=sw, xp=xp)
    if output == "softmax":
        if logits is not None:
            return losses.softmax_cross_entropy_with_logits(logits, Y, sample_weight=sw, xp=xp)
        return losses.softmax_cross_entropy(AL, Y, sample_weight=sw, xp=xp)
    if output in ("identity", "relu"):
        return losses.mean_squared_error(AL, Y, sample_weight=sw, xp=xp)
    if output == "exp":
        z = logits if logits is not None else xp.log(AL)
        return losses.poisson_deviance_with_log_link(z, Y, sample_weight=sw, xp=xp)
    raise ValueError(f"output={output!r} is not valid: expected one of {OUTPUTS}")


def output_delta(
    AL: Array,
    Y: Array,
    output: str,
    *,
    scale: float = 1.0,
    sample_weight: Array | None = None,
    xp: ModuleType | None = None,
) -> Array:
    """dZ[L] = ∂J/∂Z[L] for the output paired with its cost: (A[L] - Y) / m.

    With example weights w it is w (A[L] - Y) / Σ_i w_i.

    For a relu output (with half MSE) the ReLU derivative masks it as well.

    Parameters
    ----------
    AL, Y : arrays of shape (n_L, m)
    output : {"sigmoid", "softmax", "identity", "relu"}
    scale : float, default 1.0
        Multiplies dZ[L], and so every gradient of the backward pass (see :func:`backward`).
    sample_weight : array of shape (1, m), optional
        Example weights, as in :func:`compute_cost`.
    xp : module, optional

    Returns
    -------
    array of shape (n_L, m)
    """
    xp = xp or array_namespace(AL, Y)
    if output in ("identity", "relu") and AL.shape[0] > 1:
        # the squared error is averaged over the k outputs: its gradient carries 1/k
        scale = scale / AL.shape[0]
    if sample_weight is None:
        dz = (AL - Y) * (scale / AL.shape[1])
    else:
        dz = (AL - Y) * (sample_weight * (scale / reduce_sum(sample_weight, xp)))
    if output == "relu":
        return activation_backward(dz, AL, "relu", xp=xp)
    if output not in OUTPUTS:
        raise ValueError(f"output={output!r} is not valid: expected one of {OUTPUTS}")
    return dz


def linear_backward(
    dZ: Array,
    a_prev: Array,
    w: Array,
    *,
    scale: float = 1.0,
    need_da_prev: bool = True,
    xp: ModuleType | None = None,
) -> tuple[Array | None, Array, Array]:
    """Gradients of one linear step Z = W A_prev + b.

    dW = scale · dZ A_prevᵀ, db = scale · Σ_columns dZ, dA_prev = Wᵀ dZ.

    Parameters
    ----------
    dZ : array of shape (n_l, m)
    a_prev : array of shape (n_{l-1}, m)
    w : array of shape (n_l, n_{l-1})
    scale : float, default 1.0
        1 when dZ already carries the 1/m (as in :func:`backward`); 1/m for the course's
        convention, where dZ does not.
    need_da_prev : bool, default True
        False skips dA_prev (returned as None): the first layer never needs ∂J/∂X.
    xp : module, optional

    Returns
    -------
    (dA_prev, dW, db)
    """
    xp = xp or array_namespace(dZ, a_prev, w)
    if xp is np:  # NumPy's calls inline: the planar network's step is 30 µs, and every call shows
        dw = np.dot(dZ, a_prev.T)  # np.dot: see linear_forward
        db = np.add.reduce(dZ, axis=1, keepdims=True)
    else:
        dw = matmul_nt(dZ, a_prev, xp)
        db = reduce_sum(dZ, xp, axis=1, keepdims=True)
    if scale != 1.0:
        dw = dw * scale
        db = db * scale
    da_prev = input_gradient(dZ, w, xp=xp) if need_da_prev else None
    return da_prev, dw, db


def input_gradient(dZ: Array, w: Array, *, xp: ModuleType | None = None) -> Array:
    """dA_prev = Wᵀ dZ: the gradient passed down to the previous layer.

    Parameters
    ----------
    dZ : array of shape (n_l, m)
    w : array of shape (n_l, n_{l-1})
    xp : module, optional

    Returns
    -------
    array of shape (n_{l-1}, m)
    """
    xp = xp or array_namespace(dZ, w)
    return np.dot(w.T, dZ) if xp is np else matmul_tn(w, dZ, xp)


def backward(
    AL: Array,
    Y: Array,
    cache: ForwardCache,
    params: Params,
    *,
    hidden: str = "relu",
    output: str = "sigmoid",
    slope: float = 0.01,
    scale: float = 1.0,
    sample_weight: Array | None = None,
    xp: ModuleType | None = None,
) -> Grads:
    """Backward propagation: the gradients of the cost with respect to every W[l] and b[l].

    The cache's activation list is consumed (emptied) as backward walks down the layers, so
    each A[l] is released as soon as it is no longer needed.

    Every gradient is linear in dZ[L], so ``scale`` multiplies them all for the price of one
    (n_L × m) multiplication: plain gradient descent passes its learning rate and gets the
    steps α·dW, α·db directly, saving a pass over every parameter.

    Parameters
    ----------
    AL : array of shape (n_L, m)
    Y : array of shape (n_L, m)
    cache : ForwardCache
        From :func:`forward`.
    params : list of (W, b)
    hidden, output, slope, xp
        As in :func:`forward`.
    scale : float, default 1.0
        Multiplies every gradient.
    sample_weight : array of shape (1, m), optional
        Example weights, as in :func:`compute_cost`.

    Returns
    -------
    list of (dW, db)
        In layer order, with the shapes of ``params``.
    """
    xp = xp or array_namespace(AL, Y)
    dz = output_delta(AL, Y, output, scale=scale, sample_weight=sample_weight, xp=xp)
    return _backpropagate(dz, cache.activations, params, hidden, slope, xp)


def _backpropagate(
    dz: Array, activations: list[Array], params: Params, hidden: str, slope: float, xp: ModuleType
) -> Grads:
    # From dZ[L] down to layer 1, popping each A[l-1] off ``activations`` as it is used.
    grads: Grads = [None] * len(params)  # type: ignore[list-item]
    # A library whose kernel takes ReLU's derivative from A itself in one pass (PyTorch's
    # threshold_backward) is handed A rather than a mask made in a pass of its own.
    kernels = None if type(dz) is np.ndarray else fused_kernels(dz)
    mask = hidden == "leaky_relu" or (
        hidden == "relu" and not getattr(kernels, "relu_delta_from_activation", False)
    )
    for layer in range(len(params) - 1, -1, -1):
        a_prev = activations.pop()
        w = params[layer][0]
        _, dw, db = linear_backward(dz, a_prev, w, need_da_prev=False, xp=xp)
        grads[layer] = (dw, db)
        if layer == 0:
            break
        # Shrink A[l-1] to what the chain rule still needs (a 1-byte sign mask for the ReLU
        # family) and drop it before dA[l-1] is allocated, so that A, dZ and dA never all
        # live at once: the step's peak memory stays near what it must hold.
        source = a_prev > 0 if mask else a_prev
        a_prev = None
        da = input_gradient(dz, w, xp=xp)
        dz = None
        dz = _hidden_delta(da, source, hidden, slope, xp)
    return grads


def cost_and_gradients(
    X: Array,
    Y: Array,
    params: Params,
    *,
    hidden: str = "relu",
    output: str = "sigmoid",
    slope: float = 0.01,
    scale: float = 1.0,
    alpha: float = 0.0,
    sample_weight: Array | None = None,
    xp: ModuleType | None = None,
) -> tuple[Array, Grads]:
    """The cost and every gradient for (X, Y): forward, cost and backward in one call.

    The same numbers as :func:`forward`, :func:`compute_cost` (from the logits) and
    :func:`backward`, for less work: since nobody sees A[L], the output layer's activation,
    cost and dZ[L] are computed together. On NumPy with a sigmoid output that is one blocked
    pass over Z[L] that writes dZ[L] over it (see
    :mod:`nnbackend.backends._numpy_kernels`), instead of
    a dozen passes with a fresh array each.

    Parameters
    ----------
    X : array of shape (n_x, m)
    Y : array of shape (n_L, m)
    params : list of (W, b)
    hidden, output, slope, xp
        As in :func:`forward`.
    scale : float, default 1.0
        Multiplies every gradient, as in :func:`backward`.
    alpha : float, default 0.0
        The L2 penalty α: J += α/(2m) Σ_l ‖W[l]‖² and dW[l] += (α/m) W[l] (m is Σ_i w_i with
        ``sample_weight``); the biases are not penalised. 0 adds no operation.
    sample_weight : array of shape (1, m), optional
        Non-negative example weights with a positive sum: the cost and its gradients become
        the weighted ones (see the module docstring). None weighs every example 1.

    Returns
    -------
    cost : array
        0-d.
    grads : list of (dW, db)
    """
    xp = xp or array_namespace(X, Y)
    activations, z = _hidden_forward(X, params, hidden, slope, xp)
    kernels = _numpy_kernels if type(z) is np.ndarray else fused_kernels(z)
    if (
        output == "sigmoid"
        and sample_weight is None
        and kernels is not None
        and z.shape[0] * z.shape[1]  # torch's size is a method: the (n_L, m) product
        >= kernels.min_output_elements
        and kernels.applies(z, Y)
    ):
        cost = kernels.sigmoid_cross_entropy_delta(z, Y, scale)
        dz = z
    else:
        AL = activation_forward(z, output, xp=xp)
        cost = compute_cost(AL, Y, output, logits=z, sample_weight=sample_weight, xp=xp)
        dz = output_delta(AL, Y, output, scale=scale, sample_weight=sample_weight, xp=xp)
    z = None
    grads = _backpropagate(dz, activations, params, hidden, slope, xp)
    if alpha:
        n = int(X.shape[1]) if sample_weight is None else reduce_sum(sample_weight, xp)
        cost = cost + l2_penalty(params, alpha, n, xp=xp)
        grads = add_l2_gradients(grads, params, alpha * scale / n)
    return cost, grads


def l2_penalty(params: Params, alpha: float, n: Any, *, xp: ModuleType | None = None) -> Array:
    """The L2 regularisation cost α/(2n) Σ_l ‖W[l]‖²_F (the biases are not penalised).

    Parameters
    ----------
    params : list of (W, b)
    alpha : float
        α (the course's λ), >= 0.
    n : int or 0-d array
        The number of examples m (or the sum of the example weights).
    xp : module, optional

    Returns
    -------
    array
        0-d, of the weights' library and dtype.
    """
    xp = xp or array_namespace(params[0][0])
    total = reduce_sum(params[0][0] * params[0][0], xp)
    for w, _ in params[1:]:
        total = total + reduce_sum(w * w, xp)
    return total * (alpha / (2 * n))


def add_l2_gradients(grads: Grads, params: Params, coefficient: Any) -> Grads:
    """dW[l] += coefficient · W[l] for every layer: the gradient of :func:`l2_penalty`.

    The coefficient is α/m, times the gradients' ``scale`` when they carry one. The gradient
    arrays are updated in place where writeable (they are fresh products that only the caller
    holds), else replaced.

    Parameters
    ----------
    grads : list of (dW, db)
    params : list of (W, b)
    coefficient : float or 0-d array

    Returns
    -------
    list of (dW, db)
    """
    out: Grads = []
    for (dw, db), (w, _) in zip(grads, params, strict=True):
        if is_writeable(dw):
            dw += coefficient * w
        else:
            dw = dw + coefficient * w
        out.append((dw, db))
    return out


def _hidden_delta(da: Array, source: Array, hidden: str, slope: float, xp: ModuleType) -> Array:
    # ``source`` is the sign mask (ReLU family) or A itself. ``da`` is a fresh matmul result
    # that nobody else holds: scale it in place where the library allows.
    if type(da) is not np.ndarray:
        # a library's own kernel (CuPy: the whole chain rule in one pass; PyTorch: in place)
        kernels = fused_kernels(da)
        if kernels is not None and kernels.applies(da):
            delta = kernels.hidden_delta(da, source, hidden, slope)
            if delta is not None:
                return delta
    if hidden == "relu":
        if is_writeable(da):
            da *= xp.astype(source, da.dtype) if not isinstance(da, np.ndarray) else source
            return da
        return da * xp.astype(source, da.dtype)
    if hidden == "leaky_relu":
        return xp.where(source, da, slope * da)
    return activation_backward(da, source, hidden, slope=slope, xp=xp)


def update(
    params: Params, grads: Grads, learning_rate: float, *, consume_grads: bool = False
) -> Params:
    """Gradient descent: W[l] ← W[l] - α dW[l], b[l] ← b[l] - α db[l].

    Updates in place where the arrays are writeable, and builds new arrays where they are not
    (JAX, Dask). Either way the updated parameters are returned.

    Parameters
    ----------
    params : list of (W, b)
    grads : list of (dW, db)
    learning_rate : float
        α.
    consume_grads : bool, default False
        True lets the update scale the gradient arrays in place (saving a temporary); only for
        callers that discard the gradients afterwards.

    Returns
    -------
    list of (W, b)
    """
    if not params or not is_writeable(params[0][0]):
        return [
            (w - learning_rate * dw, b - learning_rate * db)
            for (w, b), (dw, db) in zip(params, grads, strict=True)
        ]
    for (w, b), (dw, db) in zip(params, grads, strict=True):
        if learning_rate == 1.0:  # the gradients are already the steps (see backward's scale)
            w -= dw
            b -= db
        elif consume_grads and is_writeable(dw):
            dw *= learning_rate
            db *= learning_rate
            w -= dw
            b -= db
        else:
            w -= learning_rate * dw
            b -= learning_rate * db
    return params


def gradient_step(
    X: Array,
    Y: Array,
    params: Params,
    learning_rate: float,
    *,
    hidden: str = "relu",
    output: str = "sigmoid",
    slope: float = 0.01,
    xp: ModuleType | None = None,
) -> tuple[Params, Array]:
    """One full gradient-descent step: forward, cost, backward, update.

    This is the unit the benchmark times and the course's training loops repeat.

    Parameters
    ----------
    X : array of shape (n_x, m)
    Y : array of shape (n_L, m)
    params : list of (W, b)
    learning_rate : float
    hidden, output, slope, xp
        As in :func:`forward`.

    Returns
    -------
    params : list of (W, b)
        Updated (the same arrays, where updated in place).
    cost : array
        The cost before the update, 0-d.
    """
    cost, steps = cost_and_gradients(
        X, Y, params, hidden=hidden, output=output, slope=slope, scale=learning_rate, xp=xp
    )
    return update(params, steps, 1.0), cost
