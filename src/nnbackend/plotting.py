"""Plots of training, as in the course's notebooks (matplotlib, the optional ``plot`` extra).

matplotlib is imported inside each function, so importing this module stays cheap and works
without it; the Agg backend is used, so plots render without a display.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from nnbackend.backends import to_numpy

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


def _course_layout(X: np.ndarray, y: np.ndarray) -> bool:
    """Whether (X, y) come in the course's layout, X (2, m) and Y (1, m), rather than rows."""
    if X.ndim != 2 or 2 not in X.shape:
        raise ValueError(
            f"X must have shape (n_samples, 2) or, in the course's layout, (2, m) to plot a "
            f"plane, got {X.shape}"
        )
    if X.shape == (2, 2):
        # a square X is ambiguous: the course's Y is a row (1, m), scikit-learn's y is flat
        return y.ndim == 2 and y.shape[0] == 1
    return X.shape[0] == 2


def _predict_grid(model: Any, grid: np.ndarray) -> np.ndarray:
    """The model's labels on the grid's rows, as a flat NumPy array."""
    if hasattr(model, "predict"):
        predicted = model.predict(grid)
    elif callable(model):
        # the notebooks' convention: the callable takes rows (x1, x2), e.g.
        # lambda x: predict(parameters, x.T)
        predicted = model(grid)
    else:
        raise TypeError(
            f"model must be a fitted estimator (with predict) or a callable mapping rows "
            f"(n, 2) to labels, got {type(model).__name__}"
        )
    flat = to_numpy(predicted).ravel()
    if flat.shape[0] != grid.shape[0]:
        raise ValueError(
            f"model returned {flat.shape[0]} predictions for {grid.shape[0]} grid points: "
            "it must return one label per row of its input"
        )
    return flat


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

    Both the scikit-learn call and the notebook's call work:

        plot_decision_boundary(model, X, y)  # X (n_samples, 2), y (n_samples,)
        plot_decision_boundary(lambda x: predict(parameters, x.T), X, Y)  # X (2, m), Y (1, m)

    Parameters
    ----------
    model : fitted classifier or callable
        An estimator trained on two features (its ``predict`` is called on rows), or, as in the
        notebooks, a callable that takes an array of rows (n, 2) and returns one label per row
        in any shape, e.g. (1, n).
    X : array_like of shape (n_samples, 2) or (2, m)
        The points: rows, or the course's layout with examples in columns. A 2 × 2 X is read
        in the course's layout when y is a row (1, 2).
    y : array_like of shape (n_samples,) or (1, m)
        Their labels.
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
    y = to_numpy(y)
    if _course_layout(X, y):
        X = X.T
    y = y.ravel()
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y has {y.shape[0]} labels but X has {X.shape[0]} points: they must match"
        )
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
    predicted = _predict_grid(model, grid)
    # one colour per class, the same for the regions and the points
    classes = getattr(model, "classes_", None)
    if classes is None:
        classes = np.unique(np.concatenate([predicted, y]))
    classes = to_numpy(classes)
    codes = np.searchsorted(classes, predicted).reshape(g0.shape)
    ax.contourf(g0, g1, codes, alpha=0.35, cmap=plt.cm.Spectral)
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=np.searchsorted(classes, y),
        s=14,
        cmap=plt.cm.Spectral,
        edgecolors="k",
        linewidths=0.3,
    )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    name = type(model).__name__ if hasattr(model, "predict") else "the model"
    ax.set_title(f"Decision boundary: {name}")
    return _finish(fig, path)
