"""Checks of the drop-in's targets that scikit-learn's own validation lets through.

scikit-learn reads any 2-D y of two values as a multilabel indicator, and NumPy reads the
string "1.5" as the number 1.5: both would train silently on something else than was meant.
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_indicator", "check_numeric"]


def check_indicator(y: np.ndarray) -> None:
    """A 2-D y is a multilabel indicator of 0 and 1 (scikit-learn reads any two values as one).

    Raises
    ------
    ValueError
        For other values: a column of several labels (multiclass-multioutput) is not
        supported, as in scikit-learn's classifiers that binarize labels.
    """
    if y.ndim != 2:
        return
    values = np.unique(y)
    if not set(values.tolist()) <= {0, 1}:
        raise ValueError(
            f"y is 2-D with the values {values.tolist()!r:.80}: a multilabel y is an "
            "indicator matrix of 0 and 1 (or bool), and multiclass-multioutput targets are not "
            "supported. Encode each column's labels as 0/1 columns, or pass one label per "
            "example as a 1-D y."
        )


def check_numeric(y: np.ndarray) -> None:
    """A regressor's targets are numbers (int, float or bool), not text.

    Raises
    ------
    ValueError
        For strings, bytes or objects, naming y and its dtype.
    """
    if y.dtype.kind in "USO":
        raise ValueError(
            f"y has dtype {y.dtype}: MLPRegressor needs numeric targets (int, float or bool), "
            "not strings. Convert them to numbers first."
        )
