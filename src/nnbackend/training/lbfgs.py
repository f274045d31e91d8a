"""L-BFGS through SciPy: the cost and gradients on the data's device, the search on the host.

``scipy.optimize.minimize(method="L-BFGS-B")`` drives the search. Each of its evaluations
unpacks the flat parameter vector into the network's (W, b) pairs on the data's library and
device, runs :func:`nnbackend.core.network.cost_and_gradients` there, and packs the gradients
back: only the flat vectors of parameters and gradients (and the scalar cost) cross to the
host, never the data.

The vector is packed in scikit-learn's order (every weight matrix in its (fan_in, fan_out)
layout, then every bias), so that the same starting point gives scikit-learn's iterates.

SciPy is an optional dependency (the ``lbfgs`` extra); it is imported when this solver runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnbackend.backends import move_like, to_numpy
from nnbackend.core import network

__all__ = ["LbfgsResult", "minimize_lbfgs"]

Array = Any
Params = list[tuple[Array, Array]]


@dataclass
class LbfgsResult:
    """What :func:`minimize_lbfgs` returns.

    Attributes
    ----------
    params : list of (W, b)
        The final parameters, on the data's library and device.
    loss : float
        The cost at ``params``.
    n_iter : int
        SciPy's iteration count (``nit``).
    converged : bool
        False when SciPy stopped on ``maxiter`` or ``maxfun`` (or failed).
    message : str
        SciPy's reason for stopping.
    """

    params: Params
    loss: float
    n_iter: int
    converged: bool
    message: str


def _scipy_minimize() -> Any:
    try:
        from scipy.optimize import minimize
    except ImportError as exc:  # pragma: no cover - scipy is in the test environment
        raise ImportError(
            "solver='lbfgs' needs SciPy, which is not installed: "
            "pip install 'nnbackend[lbfgs]' (or 'nnbackend[sklearn]')"
        ) from exc
    return minimize


def pack(pairs: Params) -> np.ndarray:
    """The flat host vector of (W, b) pairs in scikit-learn's order.

    Parameters
    ----------
    pairs : list of (W, b)
        Course layout: W is (n_l, n_{l-1}), b is (n_l, 1).

    Returns
    -------
    numpy.ndarray of shape (n_parameters,)
        Every Wᵀ (scikit-learn's ``coefs_``) row by row, then every bias.
    """
    weights = [to_numpy(w).T.ravel() for w, _ in pairs]
    biases = [to_numpy(b).ravel() for _, b in pairs]
    return np.concatenate(weights + biases)


def unpack(flat: np.ndarray, like: Params) -> Params:
    """The inverse of :func:`pack`, on the library, device and dtype of ``like``.

    Parameters
    ----------
    flat : numpy.ndarray
    like : list of (W, b)

    Returns
    -------
    list of (W, b)
    """
    out: list[list[Array]] = [[None, None] for _ in like]
    start = 0
    for i, (w, _) in enumerate(like):
        rows, cols = int(w.shape[0]), int(w.shape[1])
        block = flat[start : start + rows * cols].reshape(cols, rows).T
        out[i][0] = move_like(np.ascontiguousarray(block), w)
        start += rows * cols
    for i, (_, b) in enumerate(like):
        rows = int(b.shape[0])
        out[i][1] = move_like(np.ascontiguousarray(flat[start : start + rows].reshape(rows, 1)), b)
        start += rows
    return [(w, b) for w, b in out]


def minimize_lbfgs(
    X: Array,
    Y: Array,
    params: Params,
    *,
    hidden: str,
    output: str,
    alpha: float = 0.0,
    sample_weight: Array | None = None,
    max_iter: int = 200,
    max_fun: int = 15000,
    tol: float = 1e-4,
) -> LbfgsResult:
    """Minimise the network's cost (with its L2 term) over the full batch with L-BFGS-B.

    Parameters
    ----------
    X : array of shape (n_x, m)
        Course layout, on the backend.
    Y : array of shape (n_L, m)
    params : list of (W, b)
        The starting point; not written to.
    hidden, output : str
        As in :func:`nnbackend.core.network.forward`.
    alpha : float, default 0.0
        The L2 penalty.
    sample_weight : array of shape (1, m), optional
    max_iter : int, default 200
        SciPy's ``maxiter``.
    max_fun : int, default 15000
        SciPy's ``maxfun``: the most cost evaluations.
    tol : float, default 1e-4
        SciPy's ``gtol``.

    Returns
    -------
    LbfgsResult

    Raises
    ------
    ImportError
        When SciPy is not installed, naming the extra to install.
    """
    minimize = _scipy_minimize()
    kwargs: dict[str, Any] = {"hidden": hidden, "output": output, "alpha": alpha}
    if sample_weight is not None:
        kwargs["sample_weight"] = sample_weight

    def cost_and_gradient(flat: np.ndarray) -> tuple[float, np.ndarray]:
        current = unpack(flat, params)
        cost, grads = network.cost_and_gradients(X, Y, current, **kwargs)
        return float(cost), pack(grads).astype(np.float64, copy=False)

    options: dict[str, Any] = {"maxfun": max_fun, "maxiter": max_iter, "gtol": tol}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = minimize(
            cost_and_gradient,
            pack(params).astype(np.float64, copy=False),
            method="L-BFGS-B",
            jac=True,
            options=options,
        )
    message = result.message.decode() if isinstance(result.message, bytes) else str(result.message)
    return LbfgsResult(
        params=unpack(np.asarray(result.x), params),
        loss=float(result.fun),
        n_iter=int(result.nit),
        converged=int(result.status) == 0,
        message=message,
    )
