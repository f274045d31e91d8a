"""Plots of training, as in the course's notebooks (matplotlib, the optional ``plot`` extra).

The plots follow pyplot's conventions, so that they behave in a notebook:

* matplotlib's backend is never chosen or switched here: in Jupyter the inline backend stays
  in charge, and every later plot of the notebook still shows;
* without ``ax`` and ``path``, a plot draws on pyplot's current axes, as the notebooks'
  helpers do, so that ``plt.subplot(...)``, ``plt.title(...)`` before the call and
  ``plt.title(...)`` after it work as in the course; a title the caller has set is kept;
* with ``path``, a plot gets a figure of its own, saved exactly at that path. When no pyplot
  session exists (a script or the command line that never imported ``matplotlib.pyplot``),
  that figure is a bare :class:`matplotlib.figure.Figure` on the Agg canvas, which touches
  no global state.

Every plot returns the axes it drew on (``ax.figure`` is its figure). matplotlib is imported
inside each function, so importing this module stays cheap and works without it.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnbackend._arrays import check_allocation, short_int
from nnbackend.backends import to_numpy

__all__ = [
    "plot_costs",
    "plot_decision_boundary",
    "plot_loss_curve",
    "print_mislabeled_images",
]

PathLike = str | os.PathLike[str]


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError("plotting needs matplotlib: pip install 'nnbackend[plot]'") from exc


def _pyplot() -> Any:
    """pyplot, imported with whatever backend matplotlib resolves (never switched here)."""
    _require_matplotlib()
    import matplotlib.pyplot as plt

    return plt


def _target(path: PathLike | None) -> Path | None:
    """The file a plot is written to, checked before any drawing.

    matplotlib appends ``.png`` to a name without a format's suffix, and fails late on a
    folder: both are refused here, so the figure lands exactly at the path given.
    """
    if path is None:
        return None
    _require_matplotlib()
    from matplotlib.backend_bases import FigureCanvasBase

    text = os.fspath(path)
    target = Path(text)
    if not text.strip():
        raise ValueError(f"path={text!r} is not valid: expected a file path such as plot.png")
    if target.is_dir():
        raise ValueError(f"path={text!r} is a directory: expected a file path in it")
    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    if target.suffix.lower().lstrip(".") not in formats:
        raise ValueError(
            f"path={text!r} does not name an image format: expected a file name ending in "
            f"{', '.join('.' + f for f in formats)} (such as {target.stem or 'plot'}.png)"
        )
    return target


def _axes(ax: Any, target: Path | None, figsize: tuple[float, float]) -> Any:
    """Where a plot draws: ``ax``, else a figure of its own for a file, else the current axes."""
    if ax is not None:
        from matplotlib.axes import Axes

        # anything else would fail inside matplotlib, naming neither ax nor the plot
        if not isinstance(ax, Axes):
            raise TypeError(
                f"ax={ax!r} is not valid: expected a matplotlib Axes (such as the ax of "
                f"fig, ax = plt.subplots()) or None, got {type(ax).__name__}"
            )
        return ax
    if target is not None:
        session = sys.modules.get("matplotlib.pyplot")
        if session is None:
            # No pyplot session: a figure that pyplot never sees, on the non-interactive Agg
            # canvas, so that writing a file changes no backend and leaves no figure open.
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            figure = Figure(figsize=figsize)
            FigureCanvasAgg(figure)
            return figure.add_subplot()
        return session.figure(figsize=figsize).add_subplot()
    return _pyplot().gca()


def _finish(ax: Any, target: Path | None) -> Any:
    if target is not None:
        # the format from the suffix that _target checked, so nothing is appended to the name
        ax.figure.savefig(target, dpi=120, bbox_inches="tight", format=target.suffix[1:].lower())
    return ax


def _title(ax: Any, title: str) -> None:
    # a title the caller set before the call (the Week 3 grid cell) is kept
    if not ax.get_title():
        ax.set_title(title)


def plot_loss_curve(model: Any, path: PathLike | None = None, ax: Any = None) -> Any:
    """Plot a fitted model's cost per iteration (``loss_curve_``).

    Parameters
    ----------
    model : fitted estimator
        Anything with ``loss_curve_``.
    path : path-like, optional
        Save the figure exactly there; the suffix names the format (``.png``, ``.svg``, ...).
    ax : matplotlib Axes, optional
        Draw into it. Without ``ax`` and ``path``, pyplot's current axes.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        When the model is not fitted, or ``path`` is a folder or has no image suffix.
    TypeError
        When ``ax`` is not a matplotlib Axes.
    """
    if not hasattr(model, "loss_curve_"):
        raise ValueError("model has no loss_curve_: fit it first")
    target = _target(path)
    ax = _axes(ax, target, (6, 4))
    ax.plot(np.arange(len(model.loss_curve_)), model.loss_curve_)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    _title(ax, f"{type(model).__name__}: cost per iteration")
    ax.grid(True, alpha=0.3)
    return _finish(ax, target)


def plot_costs(
    costs: Sequence[Any] | Any,
    learning_rate: float = 0.0075,
    path: PathLike | None = None,
    ax: Any = None,
) -> Any:
    """The Week 4 notebook's ``plot_costs``: the cost recorded every 100 iterations.

    Parameters
    ----------
    costs : sequence of scalars or 0-d arrays, or a 1-d array
        As the course's training functions return them (``costs`` of ``L_layer_model``,
        ``d["costs"]`` of Week 2's ``model``), in any array library.
    learning_rate : float, default 0.0075
        Shown in the title, as the notebook does.
    path : path-like, optional
        Save the figure exactly there.
    ax : matplotlib Axes, optional
        Draw into it. Without ``ax`` and ``path``, pyplot's current axes.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        When ``costs`` holds anything but numbers, or ``ax`` is not an Axes.
    ValueError
        When ``costs`` is empty, or ``path`` is a folder or has no image suffix.
    """
    target = _target(path)
    values = _cost_values(costs)
    ax = _axes(ax, target, (6, 4))
    ax.plot(values)
    ax.set_ylabel("cost")
    ax.set_xlabel("iterations (per hundreds)")
    _title(ax, "Learning rate =" + str(learning_rate))
    return _finish(ax, target)


def _cost_values(costs: Any) -> np.ndarray:
    """The costs as a flat float array, else an error naming ``costs``."""
    if isinstance(costs, str | bytes | dict) or not hasattr(costs, "__iter__"):
        raise TypeError(
            f"costs must be a sequence of numbers (the costs a training returns), got "
            f"{type(costs).__name__}"
        )
    try:
        values = np.array([to_numpy(c) for c in costs], dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise TypeError(f"costs must hold numbers (the costs a training returns): {exc}") from None
    if values.size == 0:
        raise ValueError("costs is empty: expected at least one cost to plot")
    return values


def _grid_size(resolution: Any) -> int:
    """``resolution`` checked: an int >= 2 whose grid of resolution² points fits the cap."""
    if isinstance(resolution, bool) or not isinstance(resolution, numbers.Integral):
        raise TypeError(
            f"resolution={resolution!r} is not valid: expected an int >= 2 (grid points per "
            f"axis), got {type(resolution).__name__}"
        )
    if resolution < 2:
        raise ValueError(
            f"resolution={resolution!r} is not valid: expected an int >= 2 (grid points per axis)"
        )
    # the grid's two coordinates, its rows (n, 2) and the class codes: 4 float64 per point
    check_allocation(
        f"resolution={short_int(int(resolution))}",
        32 * int(resolution) ** 2,
        "the grid of resolution² points",
    )
    return int(resolution)


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
    path: PathLike | None = None,
    ax: Any = None,
    resolution: int = 300,
) -> Any:
    """Colour the plane by the model's prediction and scatter the points, as the planar
    notebook does.

    Both the scikit-learn call and the notebook's call work:

        plot_decision_boundary(model, X, y)  # X (n_samples, 2), y (n_samples,)
        plot_decision_boundary(lambda x: predict(parameters, x.T), X, Y)  # X (2, m), Y (1, m)

    Called as the notebook calls it (no ``ax``, no ``path``), it draws on pyplot's current
    axes and keeps a title set before the call, so the Week 3 cell that fills a grid with
    ``plt.subplot(5, 2, i + 1)``, ``plt.title(...)`` and this call gives one figure with
    one panel per hidden-layer size.

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
        Save the figure exactly there; the suffix names the format.
    ax : matplotlib Axes, optional
        Draw into it. Without ``ax`` and ``path``, pyplot's current axes.
    resolution : int, default 300
        Grid points per axis, at least 2; the grid may take at most
        :data:`nnbackend._arrays.MAX_ALLOCATION_BYTES` (8 GiB, a resolution up to 16384).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        When the shapes do not describe points in a plane, the model returns a wrong number
        of labels, ``path`` is a folder or has no image suffix, or ``resolution`` is below 2
        or its grid over the allocation cap.
    TypeError
        When ``model`` is neither an estimator nor a callable, ``resolution`` is not an int
        or ``ax`` not an Axes.
    """
    resolution = _grid_size(resolution)
    X = to_numpy(X)
    y = to_numpy(y)
    if _course_layout(X, y):
        X = X.T
    y = y.ravel()
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y has {y.shape[0]} labels but X has {X.shape[0]} points: they must match"
        )
    target = _target(path)
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
    ax = _axes(ax, target, (6, 5))
    ax.contourf(g0, g1, codes, alpha=0.35, cmap="Spectral")
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=np.searchsorted(classes, y),
        s=14,
        cmap="Spectral",
        edgecolors="k",
        linewidths=0.3,
    )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    name = type(model).__name__ if hasattr(model, "predict") else "the model"
    _title(ax, f"Decision boundary: {name}")
    return _finish(ax, target)


def print_mislabeled_images(classes: Any, X: Any, y: Any, p: Any) -> list[Any]:
    """The Week 4 notebook's ``print_mislabeled_images``: the images the model got wrong.

    Draws on pyplot's current figure, one panel per mislabeled image titled with the
    prediction and the true class, as the notebook does; unlike the notebook's helper it
    leaves ``plt.rcParams`` alone, so later plots keep their size.

    Parameters
    ----------
    classes : array of bytes
        The class names, indexed by a label (``[b"non-cat", b"cat"]``).
    X : array of shape (n_x, m)
        The images in the course's layout, one flattened square RGB image per column
        (n_x = 64 · 64 · 3 for the cat data), in any array library.
    y : array of shape (1, m)
        The true labels.
    p : array of shape (1, m)
        The predicted labels (0 or 1).

    Returns
    -------
    list of matplotlib.axes.Axes
        One per mislabeled image; empty when every image is right.
    """
    X = to_numpy(X)
    y = to_numpy(y).reshape(-1)
    p = to_numpy(p).reshape(-1)
    if X.ndim != 2 or X.shape[1] != y.shape[0] or p.shape != y.shape:
        raise ValueError(
            f"expected X (n_x, m) with y and p of shape (1, m), got X {X.shape}, "
            f"y {y.shape} and p {p.shape}"
        )
    side = math.isqrt(X.shape[0] // 3)
    if side * side * 3 != X.shape[0]:
        raise ValueError(
            f"X's columns must be square RGB images (n_x = side · side · 3), got n_x = {X.shape[0]}"
        )
    wrong = np.flatnonzero(p + y == 1)
    plt = _pyplot()
    figure = plt.gcf()
    if not len(wrong):
        return []
    columns = min(len(wrong), 5)
    rows = -(-len(wrong) // columns)
    if not figure.axes:
        figure.set_size_inches(2.6 * columns, 3.0 * rows)
    axes = []
    for i, index in enumerate(wrong):
        ax = figure.add_subplot(rows, columns, i + 1)
        ax.imshow(X[:, index].reshape(side, side, 3), interpolation="nearest")
        ax.axis("off")
        ax.set_title(
            "Prediction: "
            + classes[int(p[index])].decode("utf-8")
            + " \n Class: "
            + classes[int(y[index])].decode("utf-8"),
            fontsize=9,
        )
        axes.append(ax)
    return axes
