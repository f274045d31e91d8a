"""Costs J: the mean over the m examples (the columns) of a per-example loss.

All functions take course layout: predictions and targets of shape (n_outputs, m). Each returns
a 0-d array of the inputs' library, dtype and device; call ``float()`` on it to read it.

Every cost takes an optional ``sample_weight`` of shape (1, m): the mean becomes the weighted
mean J = Σ_i w_i L_i / Σ_i w_i, which equals the plain mean for equal weights and the mean over
a data set in which example i is repeated w_i times for integer weights.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from nnbackend._arrays import array_namespace, reduce_sum

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "clip_epsilon",
    "mean_squared_error",
    "poisson_deviance_with_log_link",
    "softmax_cross_entropy",
    "softmax_cross_entropy_with_logits",
    "softplus",
]

Array = Any


def _n_examples(y: Array) -> int:
    return 1 if y.ndim < 2 else int(y.shape[-1])


def _weighted_mean(losses: Array, sample_weight: Array, xp: ModuleType) -> Array:
    # Σ_i w_i L_i / Σ_i w_i; ``losses`` is (n_outputs, m) or (1, m), the weights (1, m) broadcast
    # over the rows
    return reduce_sum(losses * sample_weight, xp) / reduce_sum(sample_weight, xp)


def clip_epsilon(dtype: Any, xp: ModuleType) -> float:
    """The clipping margin for probabilities of ``dtype``: its machine epsilon.

    Parameters
    ----------
    dtype : dtype
    xp : module

    Returns
    -------
    float
        About 1.2e-7 for float32 and 2.2e-16 for float64.
    """
    return float(xp.finfo(dtype).eps)


def softplus(z: Array, *, xp: ModuleType | None = None) -> Array:
    """log(1 + exp(z)), computed as max(z, 0) + log1p(exp(-|z|)) so it never overflows.

    Parameters
    ----------
    z : array
    xp : module, optional

    Returns
    -------
    array
    """
    xp = xp or array_namespace(z)
    return xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))


def binary_cross_entropy(
    a: Array,
    y: Array,
    *,
    sample_weight: Array | None = None,
    xp: ModuleType | None = None,
) -> Array:
    """J = -(1/m) Σ [y log a + (1 - y) log(1 - a)], from probabilities a.

    ``a`` is clipped to [eps, 1 - eps], with eps the machine epsilon of its dtype, so saturated
    predictions (a exactly 0 or 1) give a large but finite cost.

    Parameters
    ----------
    a : array of shape (n_outputs, m)
        Predicted probabilities.
    y : array of shape (n_outputs, m)
        Targets in {0, 1}.
    sample_weight : array of shape (1, m), optional
        Non-negative example weights: the cost becomes their weighted mean.
    xp : module, optional

    Returns
    -------
    array
        The cost, 0-d.
    """
    xp = xp or array_namespace(a, y)
    eps = clip_epsilon(a.dtype, xp)
    a = xp.clip(a, min=eps, max=1 - eps)
    losses = y * xp.log(a) + (1 - y) * xp.log(1 - a)
    if sample_weight is not None:
        return -_weighted_mean(losses, sample_weight, xp)
    return -reduce_sum(losses, xp) / _n_examples(y)


def binary_cross_entropy_with_logits(
    z: Array,
    y: Array,
    *,
    sample_weight: Array | None = None,
    xp: ModuleType | None = None,
) -> Array:
    """The same cost as :func:`binary_cross_entropy`, from logits z (a = σ(z)).

    Uses the identity L = softplus(z) - y z, which is exact and finite for every finite z.

    Parameters
    ----------
    z : array of shape (n_outputs, m)
        Pre-activations of the sigmoid output.
    y : array of shape (n_outputs, m)
        Targets in {0, 1}.
    sample_weight : array of shape (1, m), optional
        Non-negative example weights: the cost becomes their weighted mean.
    xp : module, optional

    Returns
    -------
    array
        The cost, 0-d.
    """
    xp = xp or array_namespace(z, y)
    if sample_weight is not None:
        return _weighted_mean(softplus(z, xp=xp) - y * z, sample_weight, xp)
    return reduce_sum(softplus(z, xp=xp) - y * z, xp) / _n_examples(y)


def softmax_cross_entropy(
    a: Array,
    y: Array,
    *,
    sample_weight: Array | None = None,
    xp: ModuleType | None = None,
) -> Array:
    """J = -(1/m) Σ_i Σ_k y_k log a_k, from softmax probabilities (clipped like the binary case).

    Parameters
    ----------
    a : array of shape (n_classes, m)
        Class probabilities; each column sums to 1.
    y : array of shape (n_classes, m)
        One-hot targets.
    sample_weight : array of shape (1, m), optional
        Non-negative example weights: the cost becomes their weighted mean.
    xp : module, optional

    Returns
    -------
    array
        The cost, 0-d.
    """
    xp = xp or array_namespace(a, y)
    eps = clip_epsilon(a.dtype, xp)
    if sample_weight is not None:
        return -_weighted_mean(y * xp.log(xp.clip(a, min=eps, max=1.0)), sample_weight, xp)
    return -reduce_sum(y * xp.log(xp.clip(a, min=eps, max=1.0)), xp) / _n_examples(y)


def softmax_cross_entropy_with_logits(
    z: Array,
    y: Array,
    *,
    sample_weight: Array | None = None,
    xp: ModuleType | None = None,
) -> Array:
    """The softmax cross-entropy from logits, per example through a stable log-sum-exp.

    Each example's loss is L = Σ_k y_k (lse - s_k), with s = z - max(z) ≤ 0 and
    lse = log Σ_k exp(s_k) ∈ [0, log n_classes]: a sum of terms that are all ≥ 0, so nothing
    cancels. (The same quantity as Σ lse(z) - Σ y·z, whose two huge sums cancel to garbage
    once the logits are large.) Logits at both ends of the dtype's range give no NaN.

    Parameters
    ----------
    z : array of shape (n_classes, m)
    y : array of shape (n_classes, m)
        One-hot (or any non-negative, column-normalised) targets.
    sample_weight : array of shape (1, m), optional
        Non-negative example weights: the cost becomes their weighted mean.
    xp : module, optional

    Returns
    -------
    array
        The cost, 0-d.
    """
    xp = xp or array_namespace(z, y)
    zmax = xp.max(z, axis=0, keepdims=True)
    # Logits more than the dtype's range below their column's maximum are raised to that
    # bound first, so that z - zmax never overflows to -inf (a 0 target times -inf is NaN).
    # The bound is computed on the (1, m) row, and cannot overflow itself.
    floor = xp.maximum(zmax, 0.0) - float(xp.finfo(z.dtype).max)
    shifted = xp.maximum(z, floor) - zmax
    lse = xp.log(reduce_sum(xp.exp(shifted), xp, axis=0, keepdims=True))
    if sample_weight is not None:
        per_example = reduce_sum(y * (lse - shifted), xp, axis=0, keepdims=True)
        return _weighted_mean(per_example, sample_weight, xp)
    per_example = reduce_sum(y * (lse - shifted), xp, axis=0)
    return reduce_sum(per_example, xp) / _n_examples(y)


def mean_squared_error(
    a: Array,
    y: Array,
    *,
    sample_weight: Array | None = None,
    xp: ModuleType | None = None,
) -> Array:
    """Half the mean squared error, averaged over outputs: J = (1/(2 m k)) Σ ||a - y||².

    k is the number of outputs (rows). The ½ makes the gradient (a - y)/(m k), the same form
    as the cross-entropy pairs. scikit-learn's MLPRegressor reports this cost, averaged over
    outputs, but steps along the gradient of the sum over outputs, (a - y)/m: with k > 1
    outputs its sgd steps are k times longer than the gradient of its own loss, where ours
    follow the cost they report (the same weights for one output).

    Parameters
    ----------
    a : array of shape (n_outputs, m)
    y : array of shape (n_outputs, m)
    sample_weight : array of shape (1, m), optional
        Non-negative example weights: the cost becomes their weighted mean.
    xp : module, optional

    Returns
    -------
    array
        The cost, 0-d.
    """
    xp = xp or array_namespace(a, y)
    d = a - y
    k = 1 if d.ndim < 2 else int(d.shape[0])
    if sample_weight is not None:
        return _weighted_mean(d * d, sample_weight, xp) / (2 * k)
    return reduce_sum(d * d, xp) / (2 * k * _n_examples(y))


def poisson_deviance_with_log_link(
    z: Array,
    y: Array,
    *,
    sample_weight: Array | None = None,
    xp: ModuleType | None = None,
) -> Array:
    """Half the Poisson deviance of the prediction a = exp(z), summed over outputs.

    J = (1/m) Σ [y log(y / a) - y + a], with y log y = 0 at y = 0: scikit-learn's
    ``poisson_loss``. Its gradient with respect to z is (a - y)/m, the canonical-link form
    the other pairs share.

    Parameters
    ----------
    z : array of shape (n_outputs, m)
        The log of the predicted mean (the output layer's logits).
    y : array of shape (n_outputs, m)
        Non-negative targets.
    sample_weight : array of shape (1, m), optional
    xp : module, optional

    Returns
    -------
    array
        The cost, 0-d.
    """
    xp = xp or array_namespace(z, y)
    positive = y > 0
    # y log(y/a) = y (log y - z); where y = 0 the term is 0, and log is given 1 there
    ylogy = xp.where(positive, y * xp.log(xp.where(positive, y, xp.ones_like(y))), 0.0 * y)
    losses = ylogy - y * z - y + xp.exp(z)
    if sample_weight is not None:
        return _weighted_mean(losses, sample_weight, xp)
    return reduce_sum(losses, xp) / _n_examples(y)
