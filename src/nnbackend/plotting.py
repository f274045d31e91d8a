"""Plots of training, as in the course's notebooks (matplotlib, the optional ``plot`` extra).

matplotlib is imported inside each function, so importing this module stays cheap and works
without it; the Agg backend is used, so plots render without a display.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from nnbackend.backend import to_numpy

__all__ = ["plot_decision_boundary", "plot_loss_curve"]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("plotting needs matplotlib: pip install 'nnbackend[plot]'") from exc
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _finish(fig: Any, path: str | os.PathLike[str] | None) -> Any:
    if path is not None:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig


def plot_loss_curve(model: Any, path: str | os.PathLike[str] | None = None, ax: Any = None) -> Any:
    """Plot a fitted model's cost per iteration (``loss_curve_``).

    Parameters
    ----------
    model : fitted estimator
        Anything with ``loss_curve_``.
    path : path-like, optional
        Save the figure there (PNG by the suffix).
    ax : matplotlib Axes, optional
        Draw into it instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not hasattr(model, "loss_curve_"):
        raise ValueError("model has no loss_curve_: fit it first")
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4))
    else:
        fig = ax.figure
    ax.plot(np.arange(len(model.loss_curve_)), model.loss_curve_)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title(f"{type(model).__name__}: cost per iteration")
    ax.grid(True, alpha=0.3)
    return _finish(fig, path)


def plot_decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    path: str | os.PathLike[str] | None = None,
    ax: Any = None,
    resolution: int = 300,
) -> Any:
    """Colour the plane by the model's prediction and scatter the points, as the planar
    notebook does.

    Parameters
    ----------
    model : fitted classifier
        Trained on two features.
    X : array_like of shape (n_samples, 2)
    y : array_like of shape (n_samples,)
    path : path-like, optional
        Save the figure there.
    ax : matplotlib Axes, optional
    resolution : int, default 300
        Grid points per axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    X = to_numpy(X)
    y = to_numpy(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2) to plot a plane, got {X.shape}")
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 5))
    else:
        fig = ax.figure
    pad = 1.0
    x0 = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    x1 = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    g0, g1 = np.meshgrid(x0, x1)
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    predicted = to_numpy(model.predict(grid))
    codes = np.searchsorted(model.classes_, predicted).reshape(g0.shape)
    ax.contourf(g0, g1, codes, alpha=0.35, cmap=plt.cm.Spectral)
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=np.searchsorted(model.classes_, y),
        s=14,
        cmap=plt.cm.Spectral,
        edgecolors="k",
        linewidths=0.3,
    )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(f"Decision boundary: {type(model).__name__}")
    return _finish(fig, path)
