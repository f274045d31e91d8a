"""A table's column names (scikit-learn's ``feature_names_in_``): read from X, and checked
against the fit's when predicting or continuing a fit."""

from __future__ import annotations

from typing import Any

import numpy as np


def feature_names_of(X: Any) -> tuple[str, ...] | None:
    """The column names of a table-like X (a DataFrame's ``columns``), when all are strings.

    scikit-learn's rule for ``feature_names_in_``: names only when every column is named by a
    string; an array, or columns named by ints, have none. Repeated names are no names either
    (they cannot say which column is which, and a model file holds distinct names only).

    Parameters
    ----------
    X : object

    Returns
    -------
    tuple of str or None
    """
    columns = getattr(X, "columns", None)
    if columns is None or isinstance(X, np.ndarray):
        return None
    names = tuple(columns)
    if not names or not all(isinstance(n, str) for n in names):
        return None
    # repeated names cannot tell their columns apart: by position, as an array's
    return names if len(set(names)) == len(names) else None


def check_feature_names(X: Any, fitted: tuple[str, ...] | None, estimator: str) -> None:
    """Refuse a table whose column names are not the fit's, in the fit's order.

    Parameters
    ----------
    X : object
    fitted : tuple of str or None
        The fit's names (None: the fit had none, so nothing to compare).
    estimator : str
        The estimator's class name, for the message.

    Raises
    ------
    ValueError
        When X names its columns otherwise, or in another order, than the fit did.
    """
    names = feature_names_of(X)
    if fitted is None or names is None or names == fitted:
        return
    if sorted(names) == sorted(fitted):
        raise ValueError(
            f"X has the columns of the fit in another order: {list(names)!r}, but {estimator} "
            f"was fitted with {list(fitted)!r}: reorder them, e.g. "
            "X[list(model.feature_names_in_)]."
        )
    raise ValueError(
        f"X has the columns {list(names)!r}, but {estimator} was fitted with {list(fitted)!r}: "
        "expected the same columns in the same order."
    )
