"""The classifier's own encoding of plain labels gives scikit-learn's LabelBinarizer result."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import LabelBinarizer

from nnbackend.sklearn._targets import binarize

PLAIN = {
    "int binary": np.array([3, 7, 7, 3, 7]),
    "int multiclass": np.array([2, 0, 1, 2, 5, 0]),
    "int8": np.array([1, -1, 1], dtype=np.int8),
    "uint": np.array([4, 9, 2, 9], dtype=np.uint16),
    "one class": np.array([5, 5, 5]),
    "bool": np.array([True, False, True]),
    "integral float": np.array([1.0, 0.0, 2.0, 1.0]),
    "float32 binary": np.array([-1.0, 1.0, 1.0], dtype=np.float32),
    "str": np.array(["cat", "dog", "cat", "bird"]),
    "wide str": np.array(["a", "b", "a"], dtype="<U10"),
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_binarize_gives_label_binarizers_result(name: str) -> None:
    y = PLAIN[name]
    expected = LabelBinarizer().fit(y)
    binarizer, Y = binarize(y)
    assert binarizer.y_type_ == expected.y_type_
    assert binarizer.sparse_input_ == expected.sparse_input_
    assert binarizer.classes_.dtype == expected.classes_.dtype
    np.testing.assert_array_equal(binarizer.classes_, expected.classes_)
    indicator = expected.transform(y).astype(bool)
    assert Y.dtype == np.bool_
    np.testing.assert_array_equal(Y, indicator)
    # the binarizer decodes as scikit-learn's does (predict goes through it)
    np.testing.assert_array_equal(binarizer.inverse_transform(Y.astype(float)), y)


@pytest.mark.parametrize(
    "y",
    [
        np.array([0.5, 1.0, 0.0]),  # continuous: scikit-learn's "Unknown label type" error
        np.array([0.0, np.nan]),
        np.array([1.0, np.inf]),
        np.array([2.0**60, 0.0]),
        np.array(["a", 1], dtype=object),
        np.array([[0, 1], [1, 0]]),
        np.array([], dtype=int),
        [0, 1, 1],
    ],
    ids=["continuous", "nan", "inf", "huge", "object", "2-D", "empty", "list"],
)
def test_binarize_leaves_the_unusual_to_scikit_learn(y: object) -> None:
    assert binarize(y) is None  # type: ignore[arg-type]


def test_classifier_keeps_scikit_learns_error_for_continuous_targets() -> None:
    from nnbackend.sklearn import MLPClassifier

    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier(max_iter=1).fit(X, np.array([0.5, 1.0, 0.0]))
