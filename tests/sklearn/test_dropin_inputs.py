"""The drop-in's input checks: what scikit-learn would accept or refuse, and what it lets
through silently, refused clearly naming the argument."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

from nnbackend.datasets import make_moons
from nnbackend.sklearn import MLPClassifier, MLPRegressor

X, Y = make_moons(60, seed=0)
YR = X[:, 0] * 2 + X[:, 1]
SOLVERS = ["adam", "sgd", "lbfgs"]


def _model(est=MLPClassifier, **options):
    return est(**{"hidden_layer_sizes": (3,), "max_iter": 4, "random_state": 0, **options})


@pytest.mark.parametrize("solver", SOLVERS)
def test_y_as_a_list_fits_as_an_array(solver):
    a = _model(solver=solver).fit(X, list(Y))
    b = _model(solver=solver).fit(X, Y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_partial_fit_refuses_2d_classes():
    with pytest.raises(ValueError, match="classes must be a 1-D"):
        _model().partial_fit(X, Y, classes=[[0, 1]])


@pytest.mark.parametrize("est", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_negative_sample_weights_are_refused(est, method):
    y = Y if est is MLPClassifier else YR
    kw = {"classes": [0, 1]} if method == "partial_fit" and est is MLPClassifier else {}
    weights = np.r_[-1.0, np.ones(59)]
    with pytest.raises(ValueError, match="sample_weight"):
        getattr(_model(est), method)(X, y, sample_weight=weights, **kw)


@pytest.mark.parametrize("solver", SOLVERS)
def test_regressor_refuses_string_targets(solver):
    with pytest.raises(ValueError, match="numeric targets"):
        _model(MLPRegressor, solver=solver).fit(X, YR.astype(str))


@pytest.mark.parametrize("solver", SOLVERS)
def test_classifier_refuses_a_2d_y_that_is_no_0_1_indicator(solver):
    Y2 = np.c_[Y, 1 - Y]
    with pytest.raises(ValueError, match="multiclass-multioutput"):
        _model(solver=solver).fit(X, np.where(Y2 == 1, 2, 0))
    # a true indicator (0/1 or bool) is multilabel, as in scikit-learn
    assert _model(solver=solver).fit(X, Y2.astype(bool)).predict(X).shape == (60, 2)


def test_lbfgs_refuses_a_non_finite_loss():
    with pytest.raises(ValueError, match="loss is not finite"):
        _model(MLPRegressor, solver="lbfgs").fit(X, YR * 1e300)


@pytest.mark.parametrize(
    ("name", "value"),
    [("hidden_layer_sizes", (True,)), ("hidden_layer_sizes", (3.5,)), ("dtype", "float16")],
)
def test_fit_refuses_by_name_what_a_model_file_could_not_hold(name, value):
    with pytest.raises(ValueError, match=name):
        _model(**{name: value}).fit(X, Y)


@pytest.mark.parametrize("est", [MLPClassifier, MLPRegressor])
def test_a_warm_start_may_turn_early_stopping_on_and_off(est):
    y = Y if est is MLPClassifier else YR
    model = _model(est).fit(X, y)
    model.set_params(warm_start=True, early_stopping=True, n_iter_no_change=2).fit(X, y)
    assert model.validation_scores_ and np.isfinite(model.best_validation_score_)
    model.set_params(early_stopping=False).fit(X, y)
    assert np.isfinite(model.best_loss_) and model.best_loss_ == min(model.loss_curve_[-4:])


def test_layers_too_large_to_allocate_are_refused_by_name():
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        _model(hidden_layer_sizes=(2**62,)).fit(X, Y)


@pytest.mark.parametrize("est", [MLPClassifier, MLPRegressor])
def test_a_number_weighs_every_example_alike(est):
    # scikit-learn takes a scalar sample_weight
    y = Y if est is MLPClassifier else YR
    a = _model(est).fit(X, y, sample_weight=2.0)
    b = _model(est).fit(X, y, sample_weight=np.full(60, 2.0))
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_a_warm_start_with_sgd_or_adam_continues_an_lbfgs_model(tmp_path):
    import nnbackend

    model = _model(solver="lbfgs").fit(X, Y)
    model.set_params(solver="adam", warm_start=True).fit(X, Y)
    assert len(model.loss_curve_) == model.n_iter_ == 4
    model.save(tmp_path / "m.nnb")
    loaded = nnbackend.load(tmp_path / "m.nnb")
    loaded.set_params(early_stopping=True).fit(X, Y)  # the file's model had no held-out record
    assert loaded.validation_scores_ and np.isfinite(loaded.best_validation_score_)
