"""The façade's checks of sizes, training settings and labels: refused before anything runs,
naming the argument, the value and what was expected."""

from __future__ import annotations

import numpy as np
import pytest

from nnbackend.course import deep_network as dn
from nnbackend.course import logistic_regression as lr
from nnbackend.course import shallow_network as sn


def _case():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2, 40))
    return X, (X[0:1] > 0).astype(float)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda X, Y: sn.nn_model(X, Y, 10**12, num_iterations=5), "n_h=1000000000000"),
        (lambda X, Y: sn.initialize_parameters(2, 10**12, 1), "n_h=1000000000000"),
        (lambda X, Y: dn.initialize_parameters(2, 10**12, 1), "n_h=1000000000000"),
        (
            lambda X, Y: dn.initialize_parameters_deep([2, 10**6, 10**6, 1]),
            "layer_dims=[2, 1000000, 1000000, 1]",
        ),
        (
            lambda X, Y: dn.L_layer_model(X, Y, [2, 10**12, 1], num_iterations=5),
            "layers_dims=[2, 1000000000000, 1]",
        ),
        (
            lambda X, Y: dn.two_layer_model(X, Y, (2, 10**400, 1), num_iterations=5),
            "layers_dims=[2, 1.00e+400, 1]",
        ),
        (lambda X, Y: lr.initialize_with_zeros(10**12), "dim=1000000000000"),
    ],
)
def test_sizes_over_the_allocation_cap_are_refused_before_drawing(numpy_backend, call, argument):
    X, Y = _case()
    state = np.random.get_state()[1].copy()
    with pytest.raises(ValueError, match=r"too large.*over the cap of 8\.0 GiB") as info:
        call(X, Y)
    assert argument in str(info.value)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # nothing was drawn


@pytest.mark.parametrize("dim", [0, -1])
def test_initialize_with_zeros_names_a_bad_dim(numpy_backend, dim):
    with pytest.raises(ValueError, match=rf"dim={dim} is not valid: expected a number of units"):
        lr.initialize_with_zeros(dim)


@pytest.mark.parametrize("dim", [2.5, "3", True])
def test_initialize_with_zeros_refuses_a_dim_that_is_no_int(numpy_backend, dim):
    with pytest.raises(TypeError, match=r"dim=.* is not valid: expected an int"):
        lr.initialize_with_zeros(dim)


def _trainers():
    X, Y = _case()
    w = np.zeros((2, 1))
    return {
        "lr.model": lambda **kw: lr.model(X, Y, X, Y, **kw),
        "lr.optimize": lambda **kw: lr.optimize(w, 0.0, X, Y, **kw),
        "dn.two_layer_model": lambda **kw: dn.two_layer_model(X, Y, (2, 3, 1), **kw),
        "dn.L_layer_model": lambda **kw: dn.L_layer_model(X, Y, [2, 3, 1], **kw),
    }


@pytest.mark.parametrize("where", list(_trainers()))
@pytest.mark.parametrize("rate", [0, 0.0, -1, -0.5, float("nan"), float("inf")])
def test_learning_rates_that_cannot_train_are_refused(numpy_backend, where, rate):
    with pytest.raises(
        ValueError, match=r"learning_rate=.* is not valid: expected a finite number > 0"
    ):
        _trainers()[where](learning_rate=rate, num_iterations=5)


@pytest.mark.parametrize("where", list(_trainers()))
def test_a_learning_rate_that_is_no_number_is_a_type_error(numpy_backend, where):
    with pytest.raises(TypeError, match=r"learning_rate='x' is not valid: expected a number"):
        _trainers()[where](learning_rate="x", num_iterations=5)


@pytest.mark.parametrize("where", list(_trainers()))
def test_negative_iterations_are_refused(numpy_backend, where):
    with pytest.raises(ValueError, match=r"num_iterations=-1 is not valid: expected an int >= 0"):
        _trainers()[where](num_iterations=-1)
    with pytest.raises(TypeError, match=r"num_iterations=2.5 is not valid: expected an int"):
        _trainers()[where](num_iterations=2.5)


def test_zero_iterations_still_train_nothing(numpy_backend):
    X, Y = _case()
    assert lr.model(X, Y, X, Y, num_iterations=0)["costs"] == []
    assert sn.nn_model(X, Y, 3, num_iterations=0)["W1"].shape == (3, 2)
    with pytest.raises(ValueError, match=r"num_iterations=-5 is not valid"):
        sn.nn_model(X, Y, 3, num_iterations=-5)


@pytest.mark.parametrize("update", [sn.update_parameters, dn.update_parameters])
@pytest.mark.parametrize("rate", [-0.1, float("nan")])
def test_update_parameters_refuses_a_bad_learning_rate(numpy_backend, update, rate):
    params = dn.initialize_parameters(2, 3, 1)
    grads = {f"d{k}": np.zeros_like(v) for k, v in params.items()}
    with pytest.raises(ValueError, match=r"learning_rate=.* is not valid"):
        update(params, grads, rate)


@pytest.mark.parametrize(
    "call",
    [
        lambda X, Y: lr.model(X[:, :0], Y[:, :0], X, Y, num_iterations=5),
        lambda X, Y: lr.model(X, Y, X[:, :0], Y[:, :0], num_iterations=5),
        lambda X, Y: lr.propagate(np.zeros((2, 1)), 0.0, X[:, :0], Y[:, :0]),
        lambda X, Y: sn.nn_model(X[:, :0], Y[:, :0], 3, num_iterations=5),
        lambda X, Y: dn.L_layer_model(X[:, :0], Y[:, :0], [2, 3, 1], num_iterations=5),
    ],
)
def test_zero_examples_are_refused_naming_the_argument(numpy_backend, call):
    X, Y = _case()
    with pytest.raises(ValueError, match=r"X\w* and Y\w* hold no example \(m = 0"):
        call(X, Y)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda X, Y: lr.model(X, Y * 2, X, Y, num_iterations=5), "Y_train"),
        (lambda X, Y: lr.model(X, Y, X, Y - 1, num_iterations=5), "Y_test"),
        (lambda X, Y: sn.nn_model(X, Y * 3, 3, num_iterations=5), "Y"),
        (lambda X, Y: dn.L_layer_model(X, Y * 3, [2, 3, 1], num_iterations=5), "Y"),
        (lambda X, Y: dn.two_layer_model(X, Y * np.nan, (2, 3, 1), num_iterations=5), "Y"),
    ],
)
def test_labels_outside_zero_and_one_are_refused(numpy_backend, call, name):
    X, Y = _case()
    with pytest.raises(ValueError, match=rf"^{name} holds values from .*: expected labels 0 or 1"):
        call(X, Y)


@pytest.mark.parametrize(("cost", "name"), [(sn.compute_cost, "A2"), (dn.compute_cost, "AL")])
@pytest.mark.parametrize("value", [2.0, -0.5, np.nan])
def test_costs_refuse_outputs_that_are_no_probabilities(numpy_backend, cost, name, value):
    _, Y = _case()
    A = np.full((1, 40), 0.5)
    A[0, 3] = value
    with pytest.raises(ValueError, match=rf"^{name} holds values .*: expected probabilities"):
        cost(A, Y)
    A[0, 3] = 0.0  # the ends of [0, 1] are probabilities
    assert np.isfinite(float(cost(A, Y)))


def test_predictions_from_nan_parameters_are_refused(numpy_backend):
    X, Y = _case()
    shallow = sn.initialize_parameters(2, 3, 1)
    shallow["W1"] = np.full((3, 2), np.nan)
    with pytest.raises(ValueError, match="output holds NaN or infinite values: X or the param"):
        sn.predict(shallow, X)
    deep = dn.initialize_parameters_deep([2, 3, 1])
    deep["b2"] = np.full((1, 1), np.nan)
    with pytest.raises(ValueError, match="output holds NaN or infinite values"):
        dn.predict(X, Y, deep)
    with pytest.raises(ValueError, match="X, w or b hold NaN"):
        lr.predict(np.zeros((2, 1)), float("nan"), X)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda X, Y: sn.nn_model(X, Y, 10**7, num_iterations=5), "n_h=10000000"),
        (
            lambda X, Y: dn.L_layer_model(X, Y, [2, 10**7, 1], num_iterations=5),
            "layers_dims=[2, 10000000, 1]",
        ),
        (
            lambda X, Y: dn.two_layer_model(X, Y, (2, 10**7, 1), num_iterations=5),
            "layers_dims=[2, 10000000, 1]",
        ),
    ],
)
def test_training_that_cannot_fit_in_memory_is_refused_before_drawing(
    numpy_backend, monkeypatch, call, argument
):
    from nnbackend.estimators import memory

    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 2**30)
    X, Y = _case()
    state = np.random.get_state()[1].copy()
    with pytest.raises(ValueError, match=r"too large for this machine.*1\.0 GiB of memory") as info:
        call(X, Y)
    assert argument in str(info.value) and "mini-batches" not in str(info.value)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
