"""Checks of the drop-in's targets that scikit-learn's own validation lets through.

scikit-learn reads any 2-D y of two values as a multilabel indicator, and NumPy reads the
string "1.5" as the number 1.5: both would train silently on something else than was meant.
"""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import LabelBinarizer

__all__ = ["binarize", "check_indicator", "check_numeric"]

# integers above this are no longer all exact as float64: leave such labels to scikit-learn
_EXACT = 2.0**52


def binarize(y: np.ndarray) -> tuple[LabelBinarizer, np.ndarray] | None:
    """A fitted ``LabelBinarizer`` and the bool indicator of ``y``, for plain 1-D labels.

    scikit-learn's ``LabelBinarizer().fit(y)`` reads the type of ``y`` and its classes with
    several passes of general checks; for a 1-D NumPy array of bools, integers, integral
    floats or strings one ``np.unique`` gives the same ``classes_``, ``y_type_`` and encoding.

    Parameters
    ----------
    y : numpy.ndarray
        Targets as scikit-learn's ``validate_data`` returned them.

    Returns
    -------
    (LabelBinarizer, numpy.ndarray of bool) or None
        None for anything else (2-D, objects, non-integral floats, no examples): those go
        through scikit-learn's own functions, with their errors.
    """
    if type(y) is not np.ndarray or y.ndim != 1 or y.size == 0 or y.dtype.kind not in "biufU":
        return None
    classes, inverse = np.unique(y, return_inverse=True)
    if y.dtype.kind == "f" and not (
        np.all(np.abs(classes) < _EXACT) and np.all(classes == np.round(classes))
    ):
        return None  # continuous (or NaN, infinite): scikit-learn's error
    if y.dtype.kind == "U":
        classes = np.asarray(classes.tolist())  # as scikit-learn's: as wide as the longest
    binarizer = LabelBinarizer()
    binarizer.y_type_ = "multiclass" if classes.size > 2 else "binary"
    binarizer.sparse_input_ = False
    binarizer.classes_ = classes
    inverse = inverse.reshape(-1)  # NumPy 2.0.x gave it y's shape, others 1-D
    if classes.size > 2:
        return binarizer, np.eye(classes.size, dtype=bool)[inverse]
    return binarizer, (inverse == 1).reshape(-1, 1)


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
