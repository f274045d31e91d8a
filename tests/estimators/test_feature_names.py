"""feature_names_in_ of the native estimators: a table's column names, kept by the model file,
and a table with the same columns in another order refused rather than matched by position."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import nnbackend
from nnbackend.datasets import make_moons
from nnbackend.errors import ModelFileError

pd = pytest.importorskip("pandas")

X, Y = make_moons(60, seed=0)
TABLE = pd.DataFrame({"a": X[:, 0], "b": X[:, 1]})


def _model(**options):
    return nnbackend.NeuralNetworkClassifier(
        hidden_layer_sizes=(3,), max_iter=3, tol=None, random_state=0, **options
    )


def test_a_table_gives_its_column_names_and_an_array_none():
    model = _model().fit(TABLE, Y)
    assert list(model.feature_names_in_) == ["a", "b"]
    assert model.feature_names_in_.dtype == object
    assert not hasattr(_model().fit(X, Y), "feature_names_in_")
    # columns named by ints are no names, as in scikit-learn
    assert not hasattr(_model().fit(pd.DataFrame(X), Y), "feature_names_in_")


def test_repeated_names_are_no_names_and_the_model_saves(tmp_path):
    table = pd.DataFrame(X, columns=["a", "a"])
    model = _model().fit(table, Y)
    assert not hasattr(model, "feature_names_in_")
    nnbackend.save(model, tmp_path / "m.nnb")
    np.testing.assert_array_equal(nnbackend.load(tmp_path / "m.nnb").predict(X), model.predict(X))


def test_another_column_order_is_refused_and_the_fit_order_predicts():
    model = _model().fit(TABLE, Y)
    with pytest.raises(ValueError, match=r"columns of the fit in another order: \['b', 'a'\]"):
        model.predict(TABLE[["b", "a"]])
    with pytest.raises(ValueError, match=r"X has the columns \['a', 'c'\]"):
        model.predict(TABLE.rename(columns={"b": "c"}))
    np.testing.assert_array_equal(model.predict(TABLE), model.predict(X))
    with pytest.raises(ValueError, match="another order"):
        model.partial_fit(TABLE[["b", "a"]], Y)


def test_the_model_file_keeps_the_names(tmp_path):
    model = _model().fit(TABLE, Y)
    nnbackend.save(model, tmp_path / "m.nnb")
    loaded = nnbackend.load(tmp_path / "m.nnb")
    assert list(loaded.feature_names_in_) == ["a", "b"]
    with pytest.raises(ValueError, match="another order"):
        loaded.predict(TABLE[["b", "a"]])
    nnbackend.save(_model().fit(X, Y), tmp_path / "plain.nnb")
    assert not hasattr(nnbackend.load(tmp_path / "plain.nnb"), "feature_names_in_")


def _with_names(src, dst, names):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "header.json":
                head = json.loads(data)
                head["fitted"]["feature_names_in_"] = names
                data = json.dumps(head).encode()
            zout.writestr(name, data)
    return dst


@pytest.mark.parametrize(
    ("names", "why"),
    [(["a"], "1 names for n_features_in_=2"), (["a", "a"], "repeated"), ([1, 2], "strings"),
     ("ab", "strings")],
)  # fmt: skip
def test_bad_names_in_a_model_file_are_refused_by_field(tmp_path, names, why):
    nnbackend.save(_model().fit(TABLE, Y), tmp_path / "m.nnb")
    bad = _with_names(tmp_path / "m.nnb", tmp_path / "bad.nnb", names)
    with pytest.raises(ModelFileError, match=rf"fitted.feature_names_in_.*{why}"):
        nnbackend.load(bad)
