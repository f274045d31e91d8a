"""Estimators, training loop, save/load, data sets, validation and plots (the CLI: test_cli)."""

from __future__ import annotations

import json
import math
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnbackend
from helpers import blobs as _blobs
from helpers import host as _np
from nnbackend import datasets, training
from nnbackend.core import network
from nnbackend.core.initializers import initialize_parameters
from nnbackend.errors import BackendError, NotFittedError, TrainingDivergedError
from nnbackend.model_file import ModelFileError
from nnbackend.training import optimizers


# ------------------------------------------------------------------ estimators on backends
@pytest.mark.parametrize("solver", ["gd", "momentum", "adam"])
def test_same_random_state_same_model_on_every_backend(backend, solver):
    X, y = _blobs()
    kwargs = dict(
        hidden_layer_sizes=(8, 5),
        activation="tanh",
        solver=solver,
        learning_rate=0.05,
        max_iter=30,
        batch_size=32,
        tol=None,
        random_state=7,
    )
    with nnbackend.use_backend("numpy"):
        ref = nnbackend.NeuralNetworkClassifier(**kwargs).fit(X, y)
    model = nnbackend.NeuralNetworkClassifier(**kwargs).fit(X, y)
    assert model.coefs_[0].dtype == nnbackend.asarray(X).dtype
    np.testing.assert_allclose(model.loss_curve_, ref.loss_curve_, rtol=1e-10)
    for got, want in zip(model.coefs_, ref.coefs_, strict=True):
        np.testing.assert_allclose(_np(got), want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), rtol=1e-9)
    np.testing.assert_array_equal(model.predict(X), ref.predict(X))


def test_results_come_back_in_the_input_library(backend):
    X, y = _blobs()
    model = nnbackend.NeuralNetworkClassifier((6,), max_iter=20, tol=None, random_state=0).fit(X, y)
    Xb = nnbackend.asarray(X)
    for method in ("predict", "predict_proba", "decision_function"):
        host = getattr(model, method)(X)
        assert isinstance(host, np.ndarray)
        on_backend = getattr(model, method)(Xb)
        lib = nnbackend.backends.library_of(on_backend)
        assert lib == (None if backend.name == "numpy" else backend.name)
        np.testing.assert_allclose(_np(on_backend), host, rtol=1e-12)


def test_float32_stays_float32(backend):
    X, y = _blobs()
    model = nnbackend.NeuralNetworkClassifier((6,), max_iter=10, tol=None, random_state=0)
    model.fit(X.astype(np.float32), y)
    assert _np(model.coefs_[0]).dtype == np.float32
    assert model.predict_proba(X.astype(np.float32)).dtype == np.float32
    model64 = nnbackend.NeuralNetworkClassifier(
        (6,), max_iter=10, tol=None, random_state=0, dtype="float64"
    ).fit(X.astype(np.float32), y)
    assert _np(model64.coefs_[0]).dtype == np.float64
    ints = nnbackend.NeuralNetworkClassifier((6,), max_iter=10, tol=None, random_state=0).fit(
        (X * 10).astype(np.int64), y
    )
    assert _np(ints.coefs_[0]).dtype == np.float64


def test_string_labels_binary_and_multiclass():
    X, y = _blobs()
    names = np.array(["cat", "dog", "emu"])[y]
    model = nnbackend.NeuralNetworkClassifier((10,), max_iter=200, random_state=0).fit(X, names)
    assert list(model.classes_) == ["cat", "dog", "emu"]
    assert model.predict_proba(X).shape == (120, 3)
    assert model.decision_function(X).shape == (120, 3)
    assert model.score(X, names) > 0.9
    binary = nnbackend.LogisticRegression().fit(X, names == "dog")
    assert binary.predict_proba(X).shape == (120, 2)
    assert binary.decision_function(X).shape == (120,)
    np.testing.assert_allclose(binary.predict_proba(X).sum(axis=1), 1.0)
    assert binary.coef_.shape == (1, 4) and binary.intercept_.shape == (1,)


def test_regressor_single_and_multi_output(backend):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2
    model = nnbackend.NeuralNetworkRegressor((32,), max_iter=400, random_state=0).fit(X, y)
    assert model.predict(X).shape == (200,)
    assert model.score(X, y) > 0.9
    Y2 = np.column_stack([y, -y])
    multi = nnbackend.NeuralNetworkRegressor((32,), max_iter=400, random_state=0).fit(X, Y2)
    assert multi.predict(X).shape == (200, 2)
    assert multi.n_outputs_ == 2 and multi.out_activation_ == "identity"


def test_get_set_params_and_repr():
    model = nnbackend.NeuralNetworkClassifier(hidden_layer_sizes=(3,), solver="gd")
    assert model.get_params()["hidden_layer_sizes"] == (3,)
    assert repr(model) == "NeuralNetworkClassifier(hidden_layer_sizes=(3,), solver='gd')"
    model.set_params(learning_rate=0.5)
    assert model.learning_rate == 0.5
    with pytest.raises(ValueError, match="Invalid parameter 'lr'"):
        model.set_params(lr=1)


def test_unfitted_use_is_a_clear_error():
    model = nnbackend.NeuralNetworkClassifier()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.predict(np.zeros((2, 2)))
    assert not hasattr(model, "coefs_")


# ------------------------------------------------------------------ training loop
def _xor_problem():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 200))
    Y = (X[0:1] * X[1:2] > 0).astype(float)
    return X, Y


@pytest.mark.parametrize("solver", optimizers.SOLVERS)
@pytest.mark.parametrize("batch_size", [None, 32])
def test_training_lowers_the_cost(solver, batch_size):
    X, Y = _xor_problem()
    params = initialize_parameters([2, 8, 1], X, init="xavier", rng=0)
    lr = {"gd": 0.5, "momentum": 0.5, "adam": 0.02}[solver]
    result = training.train(
        X,
        Y,
        params,
        optimizers.make_optimizer(solver, lr),
        hidden="tanh",
        max_iter=100,
        batch_size=batch_size,
        random_state=0,
    )
    assert result.n_iter == 100 and len(result.loss_curve) == 100
    assert result.loss_curve[-1] < 0.8 * result.loss_curve[0]


def test_minibatches_are_shuffled_by_the_seed():
    X, Y = _xor_problem()

    def run(seed):
        params = initialize_parameters([2, 4, 1], X, init="xavier", rng=0)
        return training.train(
            X,
            Y,
            params,
            optimizers.GradientDescent(0.3),
            hidden="tanh",
            max_iter=3,
            batch_size=50,
            random_state=seed,
        ).loss_curve

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_tolerance_stops_early():
    X, Y = _xor_problem()
    params = initialize_parameters([2, 4, 1], X, init="xavier", rng=0)
    result = training.train(
        X,
        Y,
        params,
        optimizers.GradientDescent(0.5),
        hidden="tanh",
        max_iter=5000,
        tol=1e-3,
        n_iter_no_change=5,
    )
    assert result.stopped_early and result.n_iter < 5000
    never = training.train(
        X,
        Y,
        initialize_parameters([2, 4, 1], X, init="xavier", rng=0),
        optimizers.GradientDescent(0.5),
        hidden="tanh",
        max_iter=300,
        tol=None,
    )
    assert not never.stopped_early and never.n_iter == 300


def test_divergence_raises_with_iteration_and_last_cost_and_keeps_params_finite():
    X, Y = _xor_problem()
    X = X * 1e150  # the first update overflows the gradients
    params = initialize_parameters([2, 4, 1], X, init="he", rng=0)
    with pytest.raises(TrainingDivergedError) as info:
        training.train(X, Y, params, optimizers.GradientDescent(1e200), hidden="relu", max_iter=50)
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert err.iteration >= 0
    assert err.last_finite_cost is None or math.isfinite(err.last_finite_cost)
    assert f"iteration {err.iteration}" in str(err)
    for w, b in params:
        assert np.isfinite(w).all() and np.isfinite(b).all()


def test_diverged_fit_leaves_the_estimator_unfitted():
    X, y = _blobs()
    model = nnbackend.NeuralNetworkClassifier(
        (4,), solver="gd", learning_rate=1e300, max_iter=50, random_state=0
    )
    with pytest.raises(TrainingDivergedError):
        model.fit(X * 1e200, y)
    assert not hasattr(model, "coefs_")


def test_functional_and_in_place_optimizers_agree():
    X, Y = _xor_problem()
    for solver in optimizers.SOLVERS:
        a = initialize_parameters([2, 5, 1], X, init="xavier", rng=3)
        b = []
        for w, bias in initialize_parameters([2, 5, 1], X, init="xavier", rng=3):
            w.flags.writeable = False
            bias.flags.writeable = False
            b.append((w, bias))
        frozen = [w.copy() for w, _ in b]
        originals = [w for w, _ in b]
        opt_a, opt_b = (
            optimizers.make_optimizer(solver, 0.1),
            optimizers.make_optimizer(solver, 0.1),
        )
        for _ in range(3):
            ga = network.backward(*_fwd(X, Y, a), a, hidden="tanh")
            gb = network.backward(*_fwd(X, Y, b), b, hidden="tanh")
            a = opt_a.step(a, ga)
            b = opt_b.step(b, gb)
        for original, copy in zip(originals, frozen, strict=True):
            np.testing.assert_array_equal(original, copy)  # the functional path made new ones
        for (wa, ba), (wb, bb) in zip(a, b, strict=True):
            np.testing.assert_allclose(wa, wb, rtol=1e-13)
            np.testing.assert_allclose(ba, bb, rtol=1e-13)


def _fwd(X, Y, params):
    AL, cache = network.forward(X, params, hidden="tanh")
    return AL, Y, cache


# ------------------------------------------------------------------ accuracy targets
def test_planar_four_tanh_units_reach_90_percent(backend):
    X, y = datasets.make_planar()
    model = nnbackend.NeuralNetworkClassifier(
        (4,),
        activation="tanh",
        init="small",
        solver="gd",
        learning_rate=1.2,
        max_iter=10000,
        tol=None,
        random_state=np.random.RandomState(2),
    )
    assert model.fit(X, y).score(X, y) >= 0.90


def test_cat_network_reaches_078(cat_data_dir):
    X_train, y_train, X_test, y_test, _ = datasets.load_catvnoncat(cat_data_dir)
    assert X_train.shape == (209, 12288)
    model = nnbackend.NeuralNetworkClassifier(
        (20, 7, 5),
        activation="relu",
        init="xavier",
        solver="gd",
        learning_rate=0.0075,
        max_iter=2500,
        tol=None,
        random_state=np.random.RandomState(1),
    )
    model.fit(X_train, y_train)
    assert model.loss_curve_[0] == pytest.approx(0.771749, abs=1e-6)  # the notebook's
    assert model.score(X_test, y_test) >= 0.78


def test_digits_softmax_network_reaches_095():
    sk_datasets = pytest.importorskip("sklearn.datasets")
    X, y = sk_datasets.load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X / 16.0, y, 0.25, seed=0)
    model = nnbackend.NeuralNetworkClassifier((64,), random_state=0, max_iter=300)
    model.fit(X_train, y_train)
    assert model.out_activation_ == "softmax"
    assert model.score(X_test, y_test) >= 0.95


# ------------------------------------------------------------------ save / load
@pytest.mark.parametrize(
    "cls", ["LogisticRegression", "NeuralNetworkClassifier", "NeuralNetworkRegressor"]
)
def test_save_load_round_trip(tmp_path, backend, cls):
    X, y = _blobs()
    estimator = getattr(nnbackend, cls)(max_iter=20, tol=None, random_state=0)
    target = y.astype(float) if cls == "NeuralNetworkRegressor" else np.array(["a", "b", "c"])[y]
    estimator.fit(X, target)
    path = tmp_path / "model.nnb"
    estimator.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.nnb"]
    with zipfile.ZipFile(path) as zf:
        header = json.loads(zf.read("header.json"))
    assert header["format"] == "nnbackend.model" and header["version"] == 2
    with nnbackend.use_backend("numpy"):
        loaded = nnbackend.load(path)  # trained on any backend, loads on the CPU
        np.testing.assert_allclose(
            _np(loaded.predict(X)) if cls == "NeuralNetworkRegressor" else 0,
            _np(estimator.predict(X)) if cls == "NeuralNetworkRegressor" else 0,
            rtol=1e-12,
        )
        if cls != "NeuralNetworkRegressor":
            np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))
            np.testing.assert_allclose(
                loaded.predict_proba(X), estimator.predict_proba(X), rtol=1e-12
            )
        assert loaded.get_params() == estimator.get_params()
        assert loaded.loss_curve_ == estimator.loss_curve_


def test_interrupted_save_never_leaves_a_corrupt_file(tmp_path, monkeypatch):
    X, y = _blobs()
    model = nnbackend.NeuralNetworkClassifier((5,), max_iter=5, tol=None, random_state=0).fit(X, y)
    path = tmp_path / "model.nnb"
    model.save(path)
    before = path.read_bytes()
    calls = {"n": 0}
    original = np.lib.format.write_array

    def crash_midway(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("power cut")
        return original(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", crash_midway)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.nnb"]
    with pytest.raises(KeyboardInterrupt):
        calls["n"] = 0
        model.save(tmp_path / "fresh.nnb")
    assert not (tmp_path / "fresh.nnb").exists()


def test_bad_model_files_name_the_path(tmp_path):
    X, y = _blobs()
    good = tmp_path / "good.nnb"
    nnbackend.LogisticRegression(max_iter=5, tol=None).fit(X, y).save(good)
    truncated = tmp_path / "truncated.nnb"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    garbage = tmp_path / "garbage.nnb"
    garbage.write_bytes(b"not a zip at all")
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("header.json", json.dumps({"format": "something-else"}))
    newer = tmp_path / "newer.nnb"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(newer, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "header.json":
                header = json.loads(data)
                header["version"] = 99
                data = json.dumps(header).encode()
            dst.writestr(item, data)
    for bad in (truncated, garbage, foreign, newer):
        with pytest.raises(ModelFileError, match=str(bad)):
            nnbackend.load(bad)
    with pytest.raises(FileNotFoundError, match="missing.nnb"):
        nnbackend.load(tmp_path / "missing.nnb")


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("X", "y", "error", "pattern"),
    [
        (np.zeros(5), np.zeros(5), ValueError, r"Expected 2D array .* got 1D .*Reshape"),
        (np.zeros((5, 2)), np.array([0, 1, 0, 1]), ValueError, "X has 5, y has 4"),
        (
            np.array([[np.nan, 1.0], [0.0, 1.0]]),
            np.array([0, 1]),
            ValueError,
            "Input X contains NaN",
        ),
        (
            np.array([[np.inf, 1.0], [0.0, 1.0]]),
            np.array([0, 1]),
            ValueError,
            "Input X contains NaN or infinity",
        ),
        (np.zeros((2, 2)), np.array([0.0, np.nan]), ValueError, "Input y contains NaN"),
        (np.zeros((0, 2)), np.array([]), ValueError, r"0 sample\(s\)"),
        (np.zeros((3, 0)), np.array([0, 1, 0]), ValueError, r"0 feature\(s\)"),
        (np.array([["a", "b"], ["c", "d"]]), np.array([0, 1]), TypeError, "non-numeric dtype"),
        (np.zeros((2, 2)) + 1j, np.array([0, 1]), ValueError, "Complex data not supported"),
        (np.zeros((4, 2)), np.array([0.5, 1.5, 0.5, 2.0]), ValueError, "Unknown label type"),
    ],
)
def test_bad_input_names_the_argument(X, y, error, pattern):
    with pytest.raises(error, match=pattern):
        nnbackend.NeuralNetworkClassifier(max_iter=1).fit(X, y)


@pytest.mark.parametrize("cls", [nnbackend.LogisticRegression, nnbackend.NeuralNetworkClassifier])
def test_a_single_class_fits_and_predicts_that_class(cls, tmp_path):
    # scikit-learn's MLP accepts a single class (issue 20): so do the native classifiers
    X, _ = _blobs()
    y = np.full(X.shape[0], "only")
    model = cls(max_iter=5).fit(X, y)
    assert model.classes_.tolist() == ["only"]
    assert (model.predict(X) == "only").all() and model.score(X, y) == 1.0
    np.testing.assert_array_equal(model.predict_proba(X), np.ones((X.shape[0], 1)))
    model.save(tmp_path / "one.nnb")
    assert (nnbackend.load(tmp_path / "one.nnb").predict(X[:3]) == "only").all()


def test_wrong_feature_count_at_predict():
    X, y = _blobs()
    model = nnbackend.LogisticRegression(max_iter=5, tol=None).fit(X, y)
    with pytest.raises(
        ValueError,
        match="X has 3 features, but LogisticRegression is expecting 4 features as input",
    ):
        model.predict(X[:, :3])


@pytest.mark.parametrize(
    ("params", "pattern"),
    [
        ({"activation": "swish"}, "activation='swish' is not valid"),
        ({"init": "glorot"}, "init='glorot' is not valid"),
        ({"solver": "sgd"}, "solver='sgd' is not valid"),
        ({"hidden_layer_sizes": (4, 0)}, r"hidden_layer_sizes=\(4, 0\) is not valid"),
        ({"hidden_layer_sizes": (-3,)}, r"hidden_layer_sizes=\(-3,\) is not valid"),
        ({"learning_rate": -1.0}, "learning_rate=-1.0 is not valid"),
        ({"max_iter": 0}, "max_iter=0 is not valid"),
        ({"batch_size": 0}, "batch_size=0 is not valid"),
        ({"dtype": "float16"}, "dtype='float16' is not valid"),
    ],
)
def test_bad_parameters_name_the_value(params, pattern):
    X, y = _blobs()
    with pytest.raises(ValueError, match=pattern):
        nnbackend.NeuralNetworkClassifier(**params).fit(X, y)


def test_mixed_libraries_are_refused():
    strict = pytest.importorskip("array_api_strict")
    X, y = _blobs()
    foreign = strict.asarray(X)
    with nnbackend.use_backend("numpy"):
        fitted_on_numpy = nnbackend.LogisticRegression(max_iter=2, tol=None).fit(X, y)
        # X picks its library: a strict array fits there whatever the active backend
        on_strict = nnbackend.LogisticRegression(max_iter=2, tol=None).fit(foreign, y)
        assert nnbackend.backends.library_of(on_strict.coef_) == "array_api_strict"
        # but a model's parameters never move silently to another library
        with pytest.raises(
            BackendError, match="array of library 'array_api_strict'.*runs on 'numpy'"
        ):
            fitted_on_numpy.predict(foreign)
    with nnbackend.use_backend("array_api_strict", "device1"):
        model = nnbackend.LogisticRegression(max_iter=2, tol=None).fit(X, y)
        other_device = strict.asarray(X, device=strict.Device("device2"))
        with pytest.raises(BackendError, match="device2"):
            model.predict(other_device)


def test_sparse_input_is_refused():
    sparse = pytest.importorskip("scipy.sparse")
    X, y = _blobs()
    with pytest.raises(TypeError, match="sparse"):
        nnbackend.LogisticRegression().fit(sparse.csr_matrix(X), y)


# ------------------------------------------------------------------ data sets
def test_make_planar_is_the_course_flower_transposed():
    from nnbackend.course import shallow_network

    X, y = datasets.make_planar()
    Xc, Yc = shallow_network.load_planar_dataset()
    np.testing.assert_array_equal(X, _np(Xc).T)
    np.testing.assert_array_equal(y, _np(Yc)[0])


@pytest.mark.parametrize(
    "maker", [datasets.make_moons, datasets.make_blobs, datasets.make_classification]
)
def test_generators_are_seeded_and_shaped(maker):
    X1, y1 = maker(n_samples=101, seed=4)
    X2, y2 = maker(n_samples=101, seed=4)
    assert X1.shape[0] == 101 and y1.shape == (101,)
    np.testing.assert_array_equal(X1, X2)
    assert len(np.unique(y1)) >= 2
    model = nnbackend.NeuralNetworkClassifier((16,), max_iter=300, tol=None, random_state=0)
    assert model.fit(X1, y1).score(X1, y1) > 0.8


def test_make_classification_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_informative=30 is not valid"):
        datasets.make_classification(n_features=10, n_informative=30)


# ------------------------------------------------------------------ plots
def test_plots_are_written(tmp_path, backend):
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    from nnbackend import plotting

    X, y = datasets.make_planar()
    model = nnbackend.NeuralNetworkClassifier(
        (4,),
        activation="tanh",
        solver="gd",
        learning_rate=1.2,
        max_iter=500,
        tol=None,
        random_state=0,
    ).fit(X, y)
    boundary = tmp_path / "boundary.png"
    curve = tmp_path / "curve.png"
    plotting.plot_decision_boundary(model, X, y, path=boundary, resolution=60)
    plotting.plot_loss_curve(model, path=curve)
    for png in (boundary, curve):
        image = imread(png)
        assert image.shape[0] > 200 and image.shape[1] > 200
        assert image[..., :3].std() > 0.05  # not a blank canvas
    with pytest.raises(ValueError, match="shape"):
        plotting.plot_decision_boundary(model, X[:, :1], y)


# ------------------------------------------------------------------ property tests


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_samples=st.integers(2, 12),
    n_features=st.integers(1, 5),
    bad=st.sampled_from(["nan", "inf", "-inf"]),
    row=st.integers(0, 11),
    col=st.integers(0, 4),
)
def test_any_non_finite_value_in_X_is_named(n_samples, n_features, bad, row, col):
    X = np.zeros((n_samples, n_features))
    X[row % n_samples, col % n_features] = float(bad)
    y = np.arange(n_samples) % 2
    with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
        nnbackend.LogisticRegression(max_iter=1).fit(X, y)


@settings(max_examples=30, deadline=None)
@given(n_fit=st.integers(1, 6), n_predict=st.integers(1, 6))
def test_feature_count_mismatch_names_both_numbers(n_fit, n_predict):
    rng = np.random.default_rng(0)
    model = nnbackend.LogisticRegression(max_iter=2, tol=None).fit(
        rng.standard_normal((8, n_fit)), np.arange(8) % 2
    )
    if n_fit == n_predict:
        assert model.predict(rng.standard_normal((3, n_predict))).shape == (3,)
    else:
        with pytest.raises(
            ValueError,
            match=f"X has {n_predict} features, but LogisticRegression is expecting {n_fit}",
        ):
            model.predict(rng.standard_normal((3, n_predict)))


@settings(max_examples=30, deadline=None)
@given(n_x=st.integers(1, 6), n_y=st.integers(1, 6))
def test_length_mismatch_names_both_counts(n_x, n_y):
    X = np.zeros((n_x, 2))
    y = np.arange(n_y) % 2
    if n_x == n_y:
        return
    with pytest.raises(ValueError, match=f"X has {n_x}, y has {n_y}"):
        nnbackend.NeuralNetworkRegressor(max_iter=1).fit(X, y.astype(float))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), m=st.integers(1, 9))
def test_bias_broadcasts_over_the_examples(n, m):
    rng = np.random.default_rng(n * 10 + m)
    A = rng.standard_normal((3, m))
    W = rng.standard_normal((n, 3))
    b = rng.standard_normal((n, 1))
    Z = network.linear_forward(A, W, b)
    assert Z.shape == (n, m)
    np.testing.assert_allclose(Z - W @ A, np.repeat(b, m, axis=1), atol=1e-12)
