"""Issue 13: what an adversarial run found in training, scoring and checks, kept out by tests.

Each test reproduces one finding (the item number is in its name's comment) and asserts what
must happen instead: a clear error naming the argument, or nothing lost. The sections at the
end hold issue 21's findings (sample weights, hyperparameters, labels and scores).
"""

from __future__ import annotations

import math
import pickle
import warnings
from fractions import Fraction

import numpy as np
import pytest

import nnbackend
from helpers import blobs
from helpers import host as _np
from nnbackend import datasets, training
from nnbackend.core import losses
from nnbackend.core.initializers import initialize_parameters
from nnbackend.course import logistic_regression as lr
from nnbackend.errors import TrainingDivergedError
from nnbackend.training import optimizers
from nnbackend.training.progress import Progress


def _regression_data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((40, 3)), rng.standard_normal((40, 2))


def _blobs():
    return blobs(60, cluster_std=1.0)


def _snapshot(model):
    return {
        "params": [(_np(w).copy(), _np(b).copy()) for w, b in model._params],
        "attrs": {
            k: v for k, v in vars(model).items() if k.endswith("_") and not k.startswith("_")
        },
        "private": {k: v for k, v in vars(model).items() if k in ("_hidden", "_output")},
        "single": getattr(model, "_single_output", None),
    }


def _assert_unchanged(model, before):
    after = _snapshot(model)
    for (w0, b0), (w1, b1) in zip(before["params"], after["params"], strict=True):
        np.testing.assert_array_equal(w0, w1)
        np.testing.assert_array_equal(b0, b1)
    assert after["private"] == before["private"] and after["single"] == before["single"]
    assert set(after["attrs"]) == set(before["attrs"])
    for key, value in before["attrs"].items():
        np.testing.assert_array_equal(after["attrs"][key], value, err_msg=key)


# ------------------------------------------------------------------ 7: a failed refit
@pytest.mark.parametrize("solver", ["gd", "momentum"])
def test_diverged_refit_leaves_the_regressor_as_it_was(solver):
    X, Y = _regression_data()
    model = nnbackend.NeuralNetworkRegressor((3,), solver=solver, max_iter=20, random_state=0)
    model.fit(X, Y)
    before, predicted = _snapshot(model), model.predict(X[:4])
    model.set_params(learning_rate=1e6)
    with pytest.raises(TrainingDivergedError):
        model.fit(X, Y[:, 0])  # one target now: n_outputs_ and the output shape would change
    _assert_unchanged(model, before)
    assert model.n_outputs_ == 2 and model.predict(X[:4]).shape == (4, 2)
    np.testing.assert_array_equal(model.predict(X[:4]), predicted)


def test_diverged_refit_keeps_the_classifiers_classes():
    X, y = _blobs()
    model = nnbackend.NeuralNetworkClassifier((4,), solver="gd", max_iter=20, random_state=0)
    model.fit(X, y)
    before, predicted = _snapshot(model), model.predict(X)
    model.set_params(learning_rate=1e300)
    with pytest.raises(TrainingDivergedError):
        model.fit(X * 1e200, np.where(y == 0, "a", "b"))
    _assert_unchanged(model, before)
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    np.testing.assert_array_equal(model.predict(X), predicted)


@pytest.mark.parametrize("first_fit", [False, True])
def test_interrupted_fit_changes_nothing(monkeypatch, first_fit):
    X, Y = _regression_data()
    model = nnbackend.NeuralNetworkRegressor((3,), solver="gd", max_iter=20, random_state=0)
    if first_fit:
        model.fit(X, Y)
        before = _snapshot(model)
    real = Progress.update
    calls = []

    def interrupted(self, iteration, cost):
        # Ctrl-C in the middle of training, after 4 iterations: every loop reports each
        # iteration here (a compiled one after its block), so this reaches them all
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return real(self, iteration, cost)

    monkeypatch.setattr(Progress, "update", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.set_params(max_iter=50).fit(X * 2, Y[:, 0])
    if first_fit:
        _assert_unchanged(model, before)
    else:
        assert not hasattr(model, "n_outputs_") and not hasattr(model, "coefs_")


def test_training_never_writes_into_the_parameters_it_is_given(backend):
    X = nnbackend.asarray(np.random.default_rng(1).standard_normal((2, 30)))
    Y = nnbackend.asarray((np.arange(30) % 2).reshape(1, 30).astype(float))
    for solver in optimizers.SOLVERS:
        params = initialize_parameters([2, 3, 1], X, init="xavier", rng=0)
        copies = [(_np(w).copy(), _np(b).copy()) for w, b in params]
        result = training.train(
            X, Y, params, optimizers.make_optimizer(solver, 0.5), hidden="tanh", max_iter=3
        )
        for (w, b), (w0, b0) in zip(params, copies, strict=True):
            np.testing.assert_array_equal(_np(w), w0)
            np.testing.assert_array_equal(_np(b), b0)
        assert not np.array_equal(_np(result.params[0][0]), copies[0][0])


# ------------------------------------------------------------------ 8: the updated parameters
ISSUE_X = np.array([[1e-3], [-1e-3], [2e-3], [-2e-3]], dtype=np.float32)
ISSUE_Y = np.array([1, 0, 1, 0])


def test_overflowing_update_raises_instead_of_returning_inf():
    model = nnbackend.LogisticRegression(solver="adam", learning_rate=1e38, max_iter=7, tol=None)
    with pytest.raises(TrainingDivergedError) as info:
        model.fit(ISSUE_X, ISSUE_Y)
    assert 0 < info.value.iteration < 7
    assert math.isfinite(info.value.cost)  # the cost was fine: the update overflowed
    assert not hasattr(model, "coef_")


def test_divergence_keeps_the_last_finite_parameters(backend):
    X = nnbackend.asarray(ISSUE_X.T)
    Y = nnbackend.asarray(ISSUE_Y.reshape(1, -1).astype(np.float32))

    def run(max_iter):
        params = initialize_parameters([1, 1], X, init="zeros", rng=0)
        return training.train(X, Y, params, optimizers.Adam(1e38), max_iter=max_iter)

    with pytest.raises(TrainingDivergedError) as info:
        run(7)
    err = info.value
    assert 0 < err.iteration < 7 and f"iteration {err.iteration}" in str(err)
    assert err.last_finite_cost is not None and math.isfinite(err.last_finite_cost)
    # the parameters the failed update started from: those of a run that stops just before
    last = run(err.iteration).params
    for (w, b), (w_ok, b_ok) in zip(err.params, last, strict=True):
        assert np.isfinite(_np(w)).all() and np.isfinite(_np(b)).all()
        np.testing.assert_array_equal(_np(w), _np(w_ok))
        np.testing.assert_array_equal(_np(b), _np(b_ok))


def test_finite_parameters_whose_sum_overflows_are_no_divergence(backend):
    # 8 features of ±1 by label: gradient descent moves each weight by 1e38, finite in float32,
    # but the 8 updated weights sum to 8e38, past float32's 3.4e38
    X = nnbackend.asarray(np.repeat([[1.0, -1.0, 1.0, -1.0]], 8, axis=0), dtype="float32")
    Y = nnbackend.asarray([[1.0, 0.0, 1.0, 0.0]], dtype="float32")
    params = initialize_parameters([8, 1], X, init="zeros", rng=0)
    result = training.train(X, Y, params, optimizers.GradientDescent(2e38), max_iter=1)
    assert result.n_iter == 1
    np.testing.assert_array_equal(_np(result.params[0][0]), np.full((1, 8), 1e38, np.float32))


def test_diverged_error_pickles():
    err = pickle.loads(pickle.dumps(TrainingDivergedError(3, 0.5, math.inf, params=[])))
    assert (err.iteration, err.last_finite_cost, err.cost) == (3, 0.5, math.inf)
    assert "iteration 3" in str(err)


# ------------------------------------------------------------------ 9, 10: hyperparameters
ESTIMATORS = [
    nnbackend.LogisticRegression,
    nnbackend.NeuralNetworkClassifier,
    nnbackend.NeuralNetworkRegressor,
]


@pytest.mark.parametrize("tol", [float("nan"), float("inf"), np.float64("nan"), -1e-3])
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_non_finite_or_negative_tol_is_rejected(cls, tol):
    X, y = _blobs()
    with pytest.raises(ValueError, match=r"tol=.* is not valid: expected None or a finite"):
        cls(tol=tol).fit(X, y)


def test_numpy_scalars_are_accepted_as_hyperparameters():
    X, y = _blobs()
    plain = nnbackend.NeuralNetworkClassifier(
        (4,), learning_rate=0.1, max_iter=5, batch_size=16, tol=1e-4, random_state=0
    ).fit(X, y)
    scalars = nnbackend.NeuralNetworkClassifier(
        (np.int64(4),),
        learning_rate=np.float64(0.1),
        max_iter=np.int64(5),
        batch_size=np.int32(16),
        tol=np.float32(1e-4),
        random_state=np.int64(0),
    ).fit(X, y)
    np.testing.assert_array_equal(_np(scalars.coefs_[0]), _np(plain.coefs_[0]))
    assert scalars.n_iter_ == 5
    one = nnbackend.LogisticRegression(learning_rate=np.float32(0.1), max_iter=np.int64(1))
    assert one.fit(X, y).n_iter_ == 1
    assert nnbackend.LogisticRegression(learning_rate=np.int64(1), max_iter=3).fit(X, y).n_iter_


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("learning_rate", True),
        ("learning_rate", np.bool_(True)),
        ("learning_rate", np.float32("inf")),
        ("learning_rate", np.float64("nan")),
        ("learning_rate", np.float32(0.0)),
        ("max_iter", True),
        ("max_iter", np.float64(5.0)),
        ("batch_size", np.bool_(True)),
        ("tol", True),
    ],
)
def test_bool_and_non_finite_scalars_are_still_rejected(name, value):
    X, y = _blobs()
    with pytest.raises(ValueError, match=f"{name}=.* is not valid"):
        nnbackend.LogisticRegression(**{name: value}).fit(X, y)


@pytest.mark.parametrize(("name", "value"), [("init", {}), ("solver", []), ("activation", {})])
def test_unhashable_choices_name_the_argument(name, value):
    X, y = _blobs()
    with pytest.raises(ValueError, match=f"{name}=.* is not valid: expected one of"):
        nnbackend.NeuralNetworkClassifier(**{name: value}).fit(X, y)


def test_negative_random_state_names_the_argument():
    X, y = _blobs()
    with pytest.raises(ValueError, match=r"random_state=-1 is not valid: expected None, an int"):
        nnbackend.LogisticRegression(random_state=-1).fit(X, y)


@pytest.mark.parametrize("seed", [True, False, np.bool_(True)])
def test_a_bool_is_no_random_state(seed):
    X, y = _blobs()
    with pytest.raises(ValueError, match=r"random_state=(np\.)?(True|False)_? is not valid"):
        nnbackend.LogisticRegression(random_state=seed).fit(X, y)


def test_cat_files_that_are_not_hdf5_name_the_file(tmp_path):
    pytest.importorskip("h5py")
    for split in ("train", "test"):
        (tmp_path / f"{split}_catvnoncat.h5").write_text("not an HDF5 file\n")
    with pytest.raises(ValueError, match=r"train_catvnoncat\.h5 is not an HDF5 file"):
        datasets.load_catvnoncat(tmp_path)


def test_loading_a_directory_says_so(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory, not a model file"):
        nnbackend.load(tmp_path)


# ------------------------------------------------------------------ 11: complex y
@pytest.mark.parametrize(
    "make_y",
    [
        lambda y: y + 1j,
        lambda y: np.array([complex(v, 1) for v in y], dtype=object),
    ],
)
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_complex_y_is_rejected(cls, make_y):
    X, y = _blobs()
    with pytest.raises(ValueError, match="Complex data not supported: y holds complex"):
        cls(max_iter=2).fit(X, make_y(y.astype(float)))


# ------------------------------------------------------------------ 13: softmax from logits
def test_softmax_cross_entropy_from_huge_logits_is_exact(backend, dtype):
    m = 1000
    rng = np.random.default_rng(0)  # this seed gave -32.768 with Σ lse - Σ y·z
    c = np.arange(m) % 3
    z = np.zeros((3, m))
    z[c, np.arange(m)] = rng.uniform(1e17, 2e17, m)
    y = np.eye(3)[c].T
    cost = losses.softmax_cross_entropy_with_logits(
        nnbackend.asarray(z, dtype=dtype), nnbackend.asarray(y, dtype=dtype)
    )
    assert float(cost) == 0.0  # every example is classified with certainty


def test_softmax_cross_entropy_survives_logits_at_the_dtype_limits(backend, dtype):
    big = 1e306 if dtype == "float64" else 1e38
    limit = 0.9 * float(np.finfo(dtype).max)  # limit - (-limit) overflows to inf
    z = np.array([[big, -big, limit], [-big, big, -limit]])
    y = np.eye(2)[[0, 0, 0]].T  # right; wrong by 2·big; right, with a 0 target at -inf
    cost = float(
        losses.softmax_cross_entropy_with_logits(
            nnbackend.asarray(z, dtype=dtype), nnbackend.asarray(y, dtype=dtype)
        )
    )
    assert cost == pytest.approx(2 * big / 3, rel=1e-6)


def test_binary_cross_entropy_from_huge_logits_is_exact(backend, dtype):
    # the binary cost is computed element by element already: certain answers cost 0
    z = nnbackend.asarray([[1e17, -1e17, 3e37, -3e37]], dtype=dtype)
    y = nnbackend.asarray([[1.0, 0.0, 1.0, 0.0]], dtype=dtype)
    assert float(losses.binary_cross_entropy_with_logits(z, y)) == 0.0


# ------------------------------------------------------------------ 14: score checks y
@pytest.mark.parametrize(
    ("bad_y", "message"),
    [
        (np.zeros((20, 2)), r"y must be 1-D of shape \(n_samples,\), got shape \(20, 2\)"),
        (np.full(60, np.nan), "Input y contains NaN"),
        (np.zeros(59), "X and y have inconsistent numbers of samples: X has 60, y has 59"),
        (np.zeros(60) + 1j, "Complex data not supported: y"),
        (np.linspace(0, 1, 60), "y holds continuous values"),
    ],
)
def test_classifier_score_checks_y_as_fit_does(bad_y, message):
    X, y = _blobs()
    model = nnbackend.LogisticRegression(max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match=message):
        model.score(X, bad_y)
    assert model.score(X, np.full(60, 1)) == np.mean(model.predict(X) == 1)  # one class is fine


def test_regressor_score_checks_y_as_fit_does():
    X, Y = _regression_data()
    model = nnbackend.NeuralNetworkRegressor((3,), max_iter=5, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match="X and y have inconsistent numbers of samples"):
        model.score(X[:20], Y[:20].ravel())  # 2 outputs flattened into 40 values
    with pytest.raises(ValueError, match=r"y has 1 output\(s\) per sample, but .* predicts 2"):
        model.score(X, Y[:, 0])
    with pytest.raises(ValueError, match="Input y contains NaN"):
        model.score(X, np.full_like(Y, np.nan))
    with pytest.raises(ValueError, match="X and y have inconsistent numbers of samples"):
        model.score(X, Y[:-1])
    assert math.isfinite(model.score(X, Y))


# ------------------------------------------------------------------ 15: course propagate
def test_propagate_reads_a_1d_y_as_the_label_row(backend):
    rng = np.random.default_rng(2)
    w, X = rng.standard_normal((3, 1)), rng.standard_normal((3, 40))
    Y = (rng.random(40) > 0.5).astype(float)
    on = nnbackend.asarray
    grads_1d, cost_1d = lr.propagate(on(w), 0.2, on(X), on(Y))
    grads_2d, cost_2d = lr.propagate(on(w), 0.2, on(X), on(Y.reshape(1, 40)))
    # the façade returns the notebooks' types: 0-d arrays of the backend for cost and db
    assert float(cost_1d) == pytest.approx(float(cost_2d), rel=1e-12) and float(cost_2d) < 5
    np.testing.assert_allclose(_np(grads_1d["dw"]), _np(grads_2d["dw"]), rtol=1e-12)
    assert float(grads_1d["db"]) == pytest.approx(float(grads_2d["db"]), rel=1e-12)
    params, _, _ = lr.optimize(on(w), 0.2, on(X), on(Y), num_iterations=3)
    params_2d, _, _ = lr.optimize(on(w), 0.2, on(X), on(Y.reshape(1, 40)), num_iterations=3)
    np.testing.assert_allclose(_np(params["w"]), _np(params_2d["w"]), rtol=1e-12)


@pytest.mark.parametrize("shape", [(40, 1), (2, 20), (1, 39)])
def test_propagate_rejects_other_label_shapes_naming_y(shape):
    w, X = np.zeros((3, 1)), np.ones((3, 40))
    with pytest.raises(ValueError, match=r"Y has shape .* expected \(1, m\) = \(1, 40\)"):
        lr.propagate(w, 0.0, X, np.zeros(shape))
    with pytest.raises(ValueError, match="Y_test has shape"):
        lr.model(X, np.zeros(40), X, np.zeros(shape), num_iterations=1)


# ------------------------------------------------------------------ issue 21, item 28: data sets
def test_train_test_split_refuses_an_empty_part():
    X, y = datasets.make_moons(60, seed=0)
    with pytest.raises(ValueError, match=r"test_size=0.9 of 2 sample\(s\) leaves 0 for training"):
        datasets.train_test_split(X[:2], y[:2], test_size=0.9)
    with pytest.raises(ValueError, match="leaves 0 for training and 1 for testing"):
        datasets.train_test_split(X[:1], y[:1], test_size=0.1)
    X_train, X_test, _, _ = datasets.train_test_split(X[:2], y[:2], test_size=0.5)
    assert len(X_train) == len(X_test) == 1


@pytest.mark.parametrize(
    ("make", "argument", "value"),
    [
        (datasets.make_planar, "noise", math.nan),
        (datasets.make_planar, "noise", -0.1),
        (datasets.make_moons, "noise", math.inf),
        (datasets.make_moons, "noise", -1),
        (datasets.make_classification, "class_sep", math.nan),
        (datasets.make_classification, "class_sep", -math.inf),
        (datasets.make_blobs, "cluster_std", math.nan),
        (datasets.make_blobs, "cluster_std", -2.0),
    ],
)
def test_generators_refuse_non_finite_or_negative_scales(make, argument, value):
    with pytest.raises(ValueError, match=rf"{argument}={value!r} is not valid: expected a finite"):
        make(**{argument: value})


@pytest.mark.parametrize(
    "make",
    [
        datasets.make_planar,
        datasets.make_moons,
        datasets.make_blobs,
        datasets.make_classification,
        lambda seed: datasets.train_test_split(np.ones((4, 1)), np.ones(4), seed=seed),
    ],
)
def test_generators_and_the_split_check_the_seed(make):
    with pytest.raises(ValueError, match=r"seed=-1 is not valid: expected an int >= 0"):
        make(seed=-1)
    with pytest.raises(TypeError, match=r"seed=1.5 is not valid: expected an int >= 0 or None"):
        make(seed=1.5)
    make(seed=None)  # fresh entropy, as NumPy's None
    make(seed=np.int64(3))


def test_the_legacy_seeded_planar_data_checks_numpys_range():
    with pytest.raises(ValueError, match=r"seed=4294967296 is not valid: .* <= 4294967295"):
        datasets.make_planar(seed=2**32)
    X, _ = datasets.make_planar()
    np.testing.assert_array_equal(datasets.make_planar(seed=np.int64(1))[0], X)


def test_train_test_split_takes_lists_and_refuses_what_is_no_sample_array():
    X, y = datasets.make_moons(20, seed=0)
    got = datasets.train_test_split(X.tolist(), y.tolist(), test_size=0.25, seed=3)
    want = datasets.train_test_split(X, y, test_size=0.25, seed=3)
    for a, b in zip(got, want, strict=True):
        assert isinstance(a, np.ndarray)
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="X must be an array or a list of samples, got NoneType"):
        datasets.train_test_split(None, y)
    with pytest.raises(ValueError, match="y must hold samples along its first axis"):
        datasets.train_test_split(X, np.float64(1.0))
    with pytest.raises(TypeError, match=r"test_size='0.2' is not valid: expected a number"):
        datasets.train_test_split(X, y, test_size="0.2")
    with pytest.raises(ValueError, match="X and y have inconsistent numbers of samples"):
        datasets.train_test_split(X, y[:-1])


def test_train_test_split_takes_pandas_rows_by_position():
    pd = pytest.importorskip("pandas")
    X, y = datasets.make_moons(20, seed=0)
    frame = pd.DataFrame(X, index=np.arange(100, 120))
    X_train, X_test, y_train, _ = datasets.train_test_split(frame, pd.Series(y), seed=3)
    want = datasets.train_test_split(X, y, seed=3)
    np.testing.assert_array_equal(X_train.to_numpy(), want[0])
    np.testing.assert_array_equal(y_train.to_numpy(), want[2])


# ------------------------------------------------------------------ issue 22: smaller fixes
def test_saving_a_pipeline_says_what_is_supported_and_suggests_joblib(tmp_path):
    pipeline_module = pytest.importorskip("sklearn.pipeline")
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    X, y = datasets.make_moons(60, seed=0)
    model = nnbackend.NeuralNetworkClassifier(hidden_layer_sizes=(3,), max_iter=3, tol=None)
    pipeline = pipeline_module.make_pipeline(preprocessing.StandardScaler(), model).fit(X, y)
    with pytest.raises(TypeError) as info:
        nnbackend.save(pipeline, tmp_path / "p.nnb")
    message = str(info.value)
    assert "Pipeline is not one of nnbackend's estimators" in message
    assert "NeuralNetworkClassifier" in message  # what save does write
    assert "joblib.dump(model, path)" in message
    assert "nnbackend.save(model[1], path)" in message  # the estimator inside it
    assert "register_estimator" not in message  # decorating Pipeline is no advice
    assert not (tmp_path / "p.nnb").exists()


def _record(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return caught


@pytest.mark.parametrize(
    "fit",
    [
        lambda X, y: nnbackend.NeuralNetworkClassifier((3,), max_iter=2, tol=1e-12).fit(X, y),
        lambda X, y: nnbackend.LogisticRegression(max_iter=2, tol=1e-12).fit(X, y),
        lambda X, y: nnbackend.NeuralNetworkRegressor((3,), max_iter=2, tol=1e-12).fit(
            X, y.astype(float)
        ),
        lambda X, y: nnbackend.NeuralNetworkClassifier((3,), max_iter=2, tol=None).fit(
            X, y[:, None]
        ),
        lambda X, y: nnbackend.NeuralNetworkClassifier((3,), max_iter=2).partial_fit(
            X, y[:, None], classes=[0, 1]
        ),
    ],
    ids=["classifier", "logistic", "regressor", "column-y-fit", "column-y-partial_fit"],
)
def test_warnings_point_at_the_users_line(fit):
    X, y = datasets.make_moons(60, seed=0)
    caught = _record(lambda: fit(X, y))
    assert caught, "expected a ConvergenceWarning or a DataConversionWarning"
    for warning in caught:
        assert warning.filename == __file__, (warning.category.__name__, warning.filename)


# ------------------------------------------------------------------ issue 21 C: absurd sizes
@pytest.fixture
def eight_gib(monkeypatch):
    """A machine with 8 GiB available, whatever this one has."""
    from nnbackend.estimators import memory as _memory

    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: 8 * 2**30)


@pytest.mark.parametrize(
    ("sizes", "fragments"),
    [
        ((50000, 50000), ["hidden_layer_sizes=(50000, 50000)", "37.3 GiB", "8.0 GiB"]),
        # (10**400 is past any int64: the hyperparameter rule refuses it before this check)
        ((2**62,), ["hidden_layer_sizes=(4.61e+18,)", "EiB"]),
        ((100_000_000,), ["hidden_layer_sizes=(100000000,)", "GiB", "mini-batches"]),
    ],
)
def test_absurd_sizes_are_refused_before_allocating(sizes, fragments, eight_gib):
    import tracemalloc

    X, y = datasets.make_moons(60, seed=0)
    model = nnbackend.NeuralNetworkClassifier(hidden_layer_sizes=sizes, max_iter=2)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="too large for this machine") as info:
            model.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20  # nothing of the network's size was allocated
    for fragment in fragments:
        assert fragment in str(info.value)
    assert not hasattr(model, "coefs_")


def test_the_memory_estimate_refuses_only_what_cannot_fit():
    from nnbackend.estimators.memory import check_fit_memory, fit_memory_bytes

    # (2 → 3 → 1) on 10 samples: 13 weights and biases (and gradients), 4 + 3 outputs kept
    assert fit_memory_bytes([2, 3, 1], 10, 8) == (2 * 13 * 8, (4 * 10 + 3 * 10) * 8)
    assert fit_memory_bytes([2, 3, 1], 10, 8, batch_size=5)[1] == (4 * 5 + 3 * 5) * 8
    check_fit_memory([2, 3, 1], 10, "float64", available=2 * 13 * 8 + 70 * 8)  # just fits
    with pytest.raises(ValueError, match=r"argument --hidden 3 .* and 100 bytes of memory"):
        check_fit_memory([2, 3, 1], 10, "float32", setting="argument --hidden 3", available=100)


# ------------------------------------------------------------------ issue 21 C: cat labels
@pytest.mark.parametrize("bad", [np.nan, 0.5, np.inf])
def test_load_catvnoncat_refuses_labels_that_are_no_class(bad, tmp_path):
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    for split, m in (("train", 4), ("test", 3)):
        with h5py.File(tmp_path / f"{split}_catvnoncat.h5", "w") as h5:
            h5[f"{split}_set_x"] = rng.integers(0, 255, (m, 2, 2, 3), dtype=np.uint8)
            labels = np.zeros(m)
            labels[1] = bad if split == "train" else 1
            h5[f"{split}_set_y"] = labels
            h5["list_classes"] = np.array([b"non-cat", b"cat"])
    with pytest.raises(ValueError) as info:
        datasets.load_catvnoncat(tmp_path)
    message = str(info.value)
    assert "train_catvnoncat.h5" in message and "train_set_y" in message
    assert f"{bad!r}" in message and "index 1" in message


# ------------------------------------------------------------------ issue 21: sample_weight (B)
def _weighted_fit(weights, **kwargs):
    X, y = _blobs()
    options = {"hidden_layer_sizes": (4,), "max_iter": 4, "tol": None, "random_state": 0}
    return nnbackend.NeuralNetworkClassifier(**{**options, **kwargs}).fit(
        X, y, sample_weight=weights
    )


def test_weights_whose_sum_overflows_train_as_their_ratios_say():
    # Item 6: two weights of 1e308 sum to infinity; the fit gave loss_curve_ == [0.0] * 5.
    huge = _weighted_fit(np.r_[1e308, 1e308, np.ones(58)])
    same_ratios = _weighted_fit(np.r_[1.0, 1.0, np.full(58, 1e-308)])
    assert all(math.isfinite(c) and c > 0 for c in huge.loss_curve_)
    np.testing.assert_allclose(huge.loss_curve_, same_ratios.loss_curve_, rtol=1e-12)


@pytest.mark.parametrize(
    "weights",
    [np.ones(60) + 1j, np.ones(60, dtype=np.complex64), 1 + 2j, np.array([1 + 0j] * 60, object)],
)
def test_complex_weights_are_refused(weights):
    # Item 7: the imaginary part was dropped silently.
    with pytest.raises(ValueError, match=r"Complex data not supported: sample_weight"):
        _weighted_fit(weights)


@pytest.mark.parametrize(
    ("extreme", "plain", "dtype"),
    [
        (np.linspace(1, 2, 60) * 1e40, np.linspace(1, 2, 60), "float32"),  # inf in float32
        (np.linspace(1, 2, 60) * 1e-320, np.linspace(1, 2, 60), "float32"),  # 0 in float32
        (np.r_[5e-324, np.zeros(59)], np.r_[1.0, np.zeros(59)], "float64"),  # 1/Σw is inf
    ],
)
def test_extreme_but_valid_weights_train(extreme, plain, dtype):
    # Item 8: these diverged ("try a smaller learning_rate"), or summed to zero.
    got = _weighted_fit(extreme, dtype=dtype)
    expected = _weighted_fit(plain, dtype=dtype)
    np.testing.assert_allclose(got.loss_curve_, expected.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(_np(got.coefs_[0]), _np(expected.coefs_[0]), rtol=1e-5)


def test_weights_that_cannot_train_are_named():
    # Item 8: with an L2 penalty α / (2 Σw), weights summing to 5e-324 make the cost
    # infinite; the error names the weights, not the learning rate.
    with pytest.raises(ValueError, match=r"sample_weight is too small for alpha=0\.0001"):
        _weighted_fit(np.r_[5e-324, np.zeros(59)], alpha=1e-4)


def test_rescaled_weights_keep_the_penalty_of_repeated_examples():
    # Dividing the weights by their largest must not change the L2 penalty α / (2 Σw):
    # integer weights still train as repeated examples.
    X, y = _blobs()
    counts = np.random.default_rng(2).integers(0, 4, len(y))
    options = {"hidden_layer_sizes": (4,), "max_iter": 4, "tol": None, "random_state": 0}
    kwargs = {**options, "alpha": 0.5, "solver": "gd"}
    weighted = nnbackend.NeuralNetworkClassifier(**kwargs).fit(X, y, sample_weight=counts)
    repeated = nnbackend.NeuralNetworkClassifier(**kwargs).fit(
        np.repeat(X, counts, 0), np.repeat(y, counts)
    )
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-10)


# ------------------------------------------------------------------ issue 21: parameters (G)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("learning_rate", 10**400),
        ("alpha", 10**400),
        ("tol", 10**400),
        ("validation_fraction", 10**400),
        ("learning_rate", Fraction(10**400, 3)),
        ("alpha", Fraction(-(10**400), 7)),
        ("verbose", np.array([1, 0])),
        ("verbose", "yes"),
        ("max_iter", 10**400),
        ("batch_size", 10**400),
        ("n_iter_no_change", 10**400),
        ("hidden_layer_sizes", (10**400,)),
        ("hidden_layer_sizes", {3, 2}),
    ],
)
def test_huge_fraction_and_array_hyperparameters_name_the_parameter(name, value):
    # Item 24: OverflowError, NumPy's "truth value is ambiguous" or "Maximum allowed
    # dimension exceeded", or accepted (max_iter=10**400, verbose="yes").
    X, y = _blobs()
    with pytest.raises(ValueError, match=rf"^{name}=.* is not valid: expected"):
        nnbackend.NeuralNetworkClassifier(**{name: value}).fit(X, y)


def test_fractions_are_numbers_like_floats():
    X, y = _blobs()
    kwargs = {"hidden_layer_sizes": (4,), "max_iter": 3, "tol": None, "random_state": 0}
    fraction = nnbackend.NeuralNetworkClassifier(learning_rate=Fraction(1, 20), **kwargs)
    plain = nnbackend.NeuralNetworkClassifier(learning_rate=0.05, **kwargs)
    assert fraction.fit(X, y).loss_curve_ == plain.fit(X, y).loss_curve_


@pytest.mark.parametrize("classes", [{0, 1, 2}, frozenset({0, 1, 2}), {0: "a", 1: "b", 2: "c"}])
def test_an_unordered_collection_is_no_classes(classes):
    # Item 24: a set said "classes must be 1-D ... got shape ()".
    X, y = _blobs()
    with pytest.raises(TypeError, match=r"classes is a (set|frozenset|dict), which has no order"):
        nnbackend.NeuralNetworkClassifier((3,)).partial_fit(X, y, classes=classes)


@pytest.mark.parametrize(
    "labels",
    [np.array(["a", "b", "c"] * 20), np.full(60, 7), np.array([0, 1, 7] * 20, dtype=object)],
)
def test_score_refuses_labels_that_are_not_among_classes(labels):
    # Item 26: strings against int labels scored 0.0 silently.
    X, y = _blobs()
    model = nnbackend.LogisticRegression(max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match=r"y has labels that are not in classes_: "):
        model.score(X, labels)


def test_regressor_r2_of_huge_finite_targets_is_finite():
    # Item 27: the squares of 1e200 overflowed, and R² was NaN.
    X, _ = _regression_data()
    model = nnbackend.NeuralNetworkRegressor((3,), max_iter=5, random_state=0)
    model.fit(X, np.linspace(-1, 1, len(X)))
    truth = np.r_[1e200, np.zeros(len(X) - 1)]
    got = model.score(X, truth)
    # R² is the same for targets and predictions scaled alike: compute it at scale 1e-200
    t, p = truth / 1e200, _np(model.predict(X)) / 1e200
    expected = 1 - ((t - p) ** 2).sum() / ((t - t.mean()) ** 2).sum()
    assert math.isfinite(got) and got == pytest.approx(expected, rel=1e-12)
    weights = np.r_[1e308, 1e308, np.ones(len(X) - 2)]
    assert math.isfinite(model.score(X, truth, sample_weight=weights))
