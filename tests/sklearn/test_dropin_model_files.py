"""Model files of the scikit-learn drop-in: every header field is read with fit's rules and
checked against the weights; a tampered file is refused naming the field."""

from __future__ import annotations

import io
import json
import math
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import nnbackend
from nnbackend.errors import ModelFileError

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

from nnbackend.datasets import make_moons
from nnbackend.sklearn import MLPClassifier, MLPRegressor

X, Y = make_moons(60, seed=0)
YR = X[:, 0] * 2 + X[:, 1]


def _fit(kind: str, **options):
    est, y = (MLPClassifier, Y) if kind == "classifier" else (MLPRegressor, YR)
    kw = {"hidden_layer_sizes": (3,), "max_iter": 4, "random_state": 0, **options}
    return est(**kw).fit(X, y)


def _rewrite(src: Path, dst: Path, header=None, raw=None, member=None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "header.json" and header is not None:
                h = json.loads(data)
                header(h)
                data = json.dumps(h).encode()
            elif name == "header.json" and raw is not None:
                data = raw(data.decode()).encode()
            elif name != "header.json" and member is not None:
                data = member(name, data)
            zout.writestr(name, data)
    return dst


def _set(section, key, value):
    return lambda h: h[section].__setitem__(key, value)


def _p(key, value):
    return _set("params", key, value)


HLS = "params.hidden_layer_sizes"


TAMPERS = [
    ("hidden_layer_sizes [7]", _p("hidden_layer_sizes", [7]), HLS),
    ("hidden_layer_sizes []", _p("hidden_layer_sizes", []), HLS),
    ("hidden_layer_sizes [3.5]", _p("hidden_layer_sizes", [3.5]), HLS),
    ("hidden_layer_sizes [10**400]", _p("hidden_layer_sizes", [10**400]), HLS),
    ("random_state -5", _set("params", "random_state", -5), "params.random_state"),
    ("random_state 2**70", _set("params", "random_state", 2**70), "params.random_state"),
    ("n_iter_no_change 0", _set("params", "n_iter_no_change", 0), "params.n_iter_no_change"),
    ("solver bogus", _set("params", "solver", "bogus"), "params.solver"),
    ("batch_size 0", _set("params", "batch_size", 0), "params.batch_size"),
    ("dtype object", _set("params", "dtype", "object"), "params.dtype"),
    ("tol -1", _set("params", "tol", -1), "params.tol"),
    ("max_iter 10**400", _set("params", "max_iter", 10**400), "params.max_iter"),
    ("warm_start 1", _set("params", "warm_start", 1), "params.warm_start"),
    ("unknown param", _set("params", "evil", 1), "params.evil"),
    ("activation over other weights", _set("params", "activation", "tanh"), "params.activation"),
    ("hidden bogus", _set("fitted", "hidden", "bogus"), "fitted.hidden"),
    ("out_activation_ softmax", _set("fitted", "out_activation_", "softmax"), "fitted.out_activation_"),  # noqa: E501
    ("n_features_in_ 5", _set("fitted", "n_features_in_", 5), "arrays/coef0.npy"),
    ("n_layers_ 7", _set("fitted", "n_layers_", 7), "arrays/coef2.npy"),
    ("n_outputs_ 3", _set("fitted", "n_outputs_", 3), "fitted.n_outputs_"),
    ("n_iter_ -3", _set("fitted", "n_iter_", -3), "fitted.n_iter_"),
    ("loss_curve_ empty", _set("fitted", "loss_curve_", []), "fitted.n_iter_"),
    ("t_ -1", _set("fitted", "t_", -1), "fitted.t_"),
    ("unknown fitted key", _set("fitted", "evil", 1), "fitted.evil"),
]  # fmt: skip


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize(("desc", "mutate", "field"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_a_tampered_header_is_refused_naming_the_field(tmp_path, kind, desc, mutate, field):
    good = tmp_path / "good.nnb"
    _fit(kind).save(good)
    bad = _rewrite(good, tmp_path / "bad.nnb", header=mutate)
    with pytest.raises(ModelFileError, match="bad.nnb") as info:
        nnbackend.load(bad)
    assert info.value.field == field, str(info.value)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (_set("fitted", "out_activation_", "identity"), "fitted.out_activation_"),
        (_set("fitted", "classes_", [1, 0]), "fitted.classes_"),
        (_set("fitted", "classes_", [[0], [1]]), "fitted.classes_"),
        (_set("fitted", "classes_", [0, 1, 2]), "fitted.out_activation_"),
        (lambda h: h["fitted"].pop("classes_"), "fitted.classes_"),
    ],
)
def test_classifier_outputs_must_agree_with_classes(tmp_path, mutate, field):
    good = tmp_path / "good.nnb"
    _fit("classifier").save(good)
    with pytest.raises(ModelFileError) as info:
        nnbackend.load(_rewrite(good, tmp_path / "bad.nnb", header=mutate))
    assert info.value.field == field, str(info.value)


def test_a_regressor_file_holds_no_classes(tmp_path):
    good = tmp_path / "good.nnb"
    _fit("regressor").save(good)
    bad = _rewrite(good, tmp_path / "bad.nnb", header=_set("fitted", "classes_", [0, 1]))
    with pytest.raises(ModelFileError) as info:
        nnbackend.load(bad)
    assert info.value.field == "fitted.classes_"


def test_nan_weights_are_refused(tmp_path):
    good = tmp_path / "good.nnb"
    _fit("classifier").save(good)

    def nan(name, data):
        if "coef" not in name:
            return data
        buf = io.BytesIO()
        np.save(buf, np.full_like(np.load(io.BytesIO(data)), np.nan))
        return buf.getvalue()

    with pytest.raises(ModelFileError, match="NaN") as info:
        nnbackend.load(_rewrite(good, tmp_path / "bad.nnb", member=nan))
    assert info.value.field == "arrays/coef0.npy"


def test_a_repeated_json_key_is_refused(tmp_path):
    good = tmp_path / "good.nnb"
    _fit("classifier").save(good)
    twice = '"activation": "relu", "activation": "tanh"'
    bad = _rewrite(
        good, tmp_path / "bad.nnb", raw=lambda text: text.replace('"activation": "relu"', twice, 1)
    )
    with pytest.raises(ModelFileError, match="appears twice") as info:
        nnbackend.load(bad)
    assert info.value.field == "header.json"


@pytest.mark.parametrize(
    "options",
    [
        {"hidden_layer_sizes": np.array([3, 2])},
        {"hidden_layer_sizes": range(2, 4)},
        {"hidden_layer_sizes": [np.int32(3)]},
        {"random_state": np.random.RandomState(0)},
        {"dtype": np.float32},
        {"batch_size": np.int8(16)},
        {"n_iter_no_change": np.inf},
    ],
    ids=repr,
)
def test_values_fit_accepts_are_saved_plain(tmp_path, options):
    model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    model.set_params(**options).fit(X, Y)
    model.save(tmp_path / "m.nnb")
    loaded = nnbackend.load(tmp_path / "m.nnb")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    for name, value in options.items():
        assert model.get_params()[name] is value  # scikit-learn's clone needs the very object
        plain = loaded.get_params()[name]
        assert type(plain) in (int, float, tuple, str, type(None)), (name, plain)
    if "n_iter_no_change" in options:
        assert math.isinf(loaded.n_iter_no_change)


@pytest.mark.parametrize("name", ["alpha", "learning_rate_init", "validation_fraction"])
def test_a_fraction_is_refused_by_name(tmp_path, name):
    # scikit-learn's own check raises a TypeError from np.isnan that names nothing
    with pytest.raises(ValueError, match=name):
        MLPClassifier((3,), max_iter=2, **{name: Fraction(1, 10)}).fit(X, Y)
    model = _fit("classifier")
    model.set_params(**{name: Fraction(1, 10)})
    with pytest.raises(ValueError, match=name):
        model.save(tmp_path / "m.nnb")


def test_save_names_a_parameter_fit_would_refuse(tmp_path):
    model = _fit("classifier")
    model.alpha = -1.0  # set directly: set_params does not check either
    with pytest.raises(ValueError, match="alpha"):
        model.save(tmp_path / "m.nnb")
    model.set_params(alpha=1e-4, hidden_layer_sizes=(7,))
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        model.save(tmp_path / "m.nnb")
    assert not (tmp_path / "m.nnb").exists()


@pytest.mark.parametrize("target", ["multiclass", "multilabel", "strings", "poisson", "lbfgs"])
def test_models_of_every_kind_load_back(tmp_path, target):
    if target == "poisson":
        model = _fit("regressor", loss="poisson")
        model = MLPRegressor(loss="poisson", hidden_layer_sizes=(3,), max_iter=4, random_state=0)
        model.fit(X, np.abs(YR))
    else:
        y = {
            "multiclass": np.arange(60) % 3,
            "multilabel": np.c_[Y, 1 - Y],
            "strings": np.array(["a", "b"])[Y],
            "lbfgs": Y,
        }[target]
        solver = "lbfgs" if target == "lbfgs" else "adam"
        model = MLPClassifier((3,), max_iter=4, random_state=0, solver=solver).fit(X, y)
    model.save(tmp_path / "m.nnb")
    loaded = nnbackend.load(tmp_path / "m.nnb")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.out_activation_ == model.out_activation_


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_column_names_survive_a_model_file(tmp_path, kind):
    pd = pytest.importorskip("pandas")
    table = pd.DataFrame(X, columns=["width", "height"])
    est, y = (MLPClassifier, Y) if kind == "classifier" else (MLPRegressor, YR)
    model = est(hidden_layer_sizes=(3,), max_iter=4, random_state=0).fit(table, y)
    model.save(tmp_path / "m.nnb")
    loaded = nnbackend.load(tmp_path / "m.nnb")
    assert list(loaded.feature_names_in_) == ["width", "height"]
    np.testing.assert_array_equal(loaded.predict(table), model.predict(table))
    # the loaded model checks a table's columns as the fitted one does
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(table[["height", "width"]])
    # a plain array still predicts, with scikit-learn's warning, as the fitted model does
    with pytest.warns(UserWarning, match="valid feature names"):
        assert np.asarray(loaded.predict(X)).shape[0] == len(X)


@pytest.mark.parametrize(
    "names, problem",
    [
        (["width"], "1 names for n_features_in_=2"),
        (["width", "width"], "repeated"),
        (["width", 3], "column names"),
    ],
)
def test_tampered_column_names_are_refused(tmp_path, names, problem):
    pd = pytest.importorskip("pandas")
    model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=4, random_state=0)
    model.fit(pd.DataFrame(X, columns=["width", "height"]), Y)
    model.save(tmp_path / "m.nnb")

    bad = _rewrite(
        tmp_path / "m.nnb", tmp_path / "bad.nnb", header=_set("fitted", "feature_names_in_", names)
    )
    with pytest.raises(ModelFileError, match=problem) as caught:
        nnbackend.load(bad)
    assert caught.value.field == "fitted.feature_names_in_"


@pytest.mark.parametrize("library", ["numpy", "torch", "jax"])
def test_a_pickled_model_continues_with_partial_fit_as_the_original(library):
    # scikit-learn's test_mlp_loading_from_joblib_partial_fit, on every library: a JAX model's
    # Adam moments came back from the pickle in float32 and the compiled step refused them
    import pickle

    pytest.importorskip(library)
    import nnbackend
    from nnbackend.sklearn import MLPRegressor

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 4)), rng.standard_normal(60)
    X2, y2 = rng.standard_normal((30, 4)), rng.standard_normal(30)
    with nnbackend.use_backend(library):
        model = MLPRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
        with pytest.warns(Warning):  # not converged in 5 iterations
            model.fit(X, y)
        restored = pickle.loads(pickle.dumps(model))
        model.partial_fit(X2, y2)
        restored.partial_fit(X2, y2)
        np.testing.assert_allclose(restored.predict(X2), model.predict(X2), rtol=1e-12)
        assert restored.coefs_[0].dtype == np.float64
