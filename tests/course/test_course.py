"""The course façade: notebook values, hand-computed cases, gradient checks, every backend."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
from array_api_compat import array_namespace

import nnbackend
from helpers import host as _np
from nnbackend.course import deep_network as dn
from nnbackend.course import logistic_regression as lr
from nnbackend.course import shallow_network as sn


def _on(x):
    return nnbackend.asarray(np.asarray(x, dtype=float))


# ------------------------------------------------------------------ signatures
SIGNATURES = {
    lr.sigmoid: "(z)",
    lr.initialize_with_zeros: "(dim)",
    lr.propagate: "(w, b, X, Y)",
    lr.optimize: "(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False)",
    lr.predict: "(w, b, X)",
    lr.model: "(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, "
    "print_cost=False)",
    sn.load_planar_dataset: "()",
    sn.layer_sizes: "(X, Y)",
    sn.initialize_parameters: "(n_x, n_h, n_y, seed=2)",
    sn.forward_propagation: "(X, parameters)",
    sn.compute_cost: "(A2, Y)",
    sn.backward_propagation: "(parameters, cache, X, Y)",
    sn.update_parameters: "(parameters, grads, learning_rate=1.2)",
    sn.nn_model: "(X, Y, n_h, num_iterations=10000, print_cost=False, seed=2)",
    sn.predict: "(parameters, X)",
    dn.initialize_parameters: "(n_x, n_h, n_y, seed=1)",
    dn.initialize_parameters_deep: "(layer_dims, seed=3)",
    dn.linear_forward: "(A, W, b)",
    dn.linear_activation_forward: "(A_prev, W, b, activation)",
    dn.L_model_forward: "(X, parameters)",
    dn.compute_cost: "(AL, Y)",
    dn.linear_backward: "(dZ, cache)",
    dn.linear_activation_backward: "(dA, cache, activation)",
    dn.L_model_backward: "(AL, Y, caches)",
    dn.update_parameters: "(params, grads, learning_rate)",
    dn.two_layer_model: "(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, "
    "print_cost=False)",
    dn.L_layer_model: "(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, "
    "print_cost=False)",
    dn.predict: "(X, y, parameters)",
}


@pytest.mark.parametrize("func", list(SIGNATURES), ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_signatures_are_the_notebooks(func):
    sig = inspect.signature(func)
    plain = sig.replace(
        parameters=[p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()],
        return_annotation=inspect.Signature.empty,
    )
    assert str(plain) == SIGNATURES[func]


# ------------------------------------------------------------------ week 2
def test_week2_notebook_values(backend):
    w, b = _on([[1.0], [2.0]]), 2.0
    X = _on([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
    Y = nnbackend.asarray(np.array([[1, 0, 1]]))
    grads, cost = lr.propagate(w, b, X, Y)
    assert set(grads) == {"dw", "db"}
    np.testing.assert_allclose(_np(grads["dw"]), [[0.99845601], [2.39507239]], rtol=1e-7)
    assert float(grads["db"]) == pytest.approx(0.00145557813678, rel=1e-9)
    assert float(cost) == pytest.approx(5.801545319394553, rel=1e-12)
    params, grads, costs = lr.optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009)
    np.testing.assert_allclose(_np(params["w"]), [[0.19033591], [0.12259159]], rtol=1e-7)
    assert float(params["b"]) == pytest.approx(1.92535983008, rel=1e-9)
    np.testing.assert_allclose(_np(grads["dw"]), [[0.67752042], [1.41625495]], rtol=1e-7)
    assert float(grads["db"]) == pytest.approx(0.219194504541, rel=1e-9)
    assert [float(c) for c in costs] == [pytest.approx(5.801545319394553)]
    np.testing.assert_allclose(_np(w), [[1.0], [2.0]])  # the learner's w is not modified
    pred = lr.predict(
        _on([[0.1124579], [0.23106775]]), -0.3, _on([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    )
    np.testing.assert_array_equal(_np(pred), [[1.0, 1.0, 0.0]])
    assert array_namespace(pred) is array_namespace(X)


def test_week2_hand_computed_propagate():
    # w = 0, b = 0: every a = 1/2, so cost = log 2, dw = X (a - y)ᵀ / m, db = mean(a - y)
    X = np.array([[1.0, -2.0], [0.5, 4.0]])
    Y = np.array([[1.0, 0.0]])
    grads, cost = lr.propagate(np.zeros((2, 1)), 0.0, X, Y)
    assert cost == pytest.approx(np.log(2))
    np.testing.assert_allclose(
        grads["dw"], [[(-0.5 * 1 + 0.5 * -2) / 2], [(-0.5 * 0.5 + 0.5 * 4) / 2]]
    )
    assert grads["db"] == pytest.approx(0.0)


def test_week2_sigmoid_and_zeros(backend):
    np.testing.assert_allclose(_np(lr.sigmoid(_on([0.0, 2.0]))), [0.5, 0.88079708], rtol=1e-7)
    assert float(lr.sigmoid(0.0)) == 0.5
    w, b = lr.initialize_with_zeros(2)
    assert w.shape == (2, 1) and not _np(w).any()
    assert b == 0.0 and isinstance(b, float)


def test_week2_model_learns_and_prints(capsys, backend):
    rng = np.random.default_rng(0)
    Xh = rng.standard_normal((3, 60))
    Yh = (Xh[0:1] + 0.5 * Xh[1:2] > 0).astype(float)
    d = lr.model(
        _on(Xh[:, :40]),
        _on(Yh[:, :40]),
        _on(Xh[:, 40:]),
        _on(Yh[:, 40:]),
        num_iterations=300,
        learning_rate=0.5,
        print_cost=True,
    )
    assert set(d) == {
        "costs",
        "Y_prediction_test",
        "Y_prediction_train",
        "w",
        "b",
        "learning_rate",
        "num_iterations",
    }
    assert len(d["costs"]) == 3 and float(d["costs"][0]) > float(d["costs"][-1])
    assert np.mean(_np(d["Y_prediction_train"]) == Yh[:, :40]) >= 0.95
    out = capsys.readouterr().out
    assert "Cost after iteration 0: 0.693147" in out
    assert "Cost after iteration 200:" in out
    assert "train accuracy:" in out and "test accuracy:" in out


# ------------------------------------------------------------------ week 3
def test_planar_dataset_follows_the_recipe(backend):
    X, Y = sn.load_planar_dataset()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    Xh, Yh = _np(X), _np(Y)
    np.random.seed(1)
    t = np.linspace(0, 3.12, 200) + np.random.randn(200) * 0.2
    r = 4 * np.sin(4 * t) + np.random.randn(200) * 0.2
    np.testing.assert_allclose(Xh[:, :200], np.vstack([r * np.sin(t), r * np.cos(t)]))
    assert Yh[0, :200].sum() == 0 and Yh[0, 200:].sum() == 200
    np.testing.assert_allclose(Xh[:, 0], [1.20444229, 3.57611415], rtol=1e-7)
    assert sn.layer_sizes(X, Y) == (2, 4, 1)


def test_shallow_initialisation_replays_the_legacy_stream(backend):
    p = sn.initialize_parameters(2, 4, 1)
    rs = np.random.RandomState(2)
    np.testing.assert_array_equal(_np(p["W1"]), rs.randn(4, 2) * 0.01)
    np.testing.assert_array_equal(_np(p["W2"]), rs.randn(1, 4) * 0.01)
    assert not _np(p["b1"]).any() and p["b2"].shape == (1, 1)
    np.testing.assert_allclose(_np(p["W1"])[0], [-0.00416758, -0.00056267], atol=5e-9)


def _numeric_grads(cost_of, parameters, h=1e-6):
    out = {}
    for key, value in parameters.items():
        arr = _np(value).copy()
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            for sign in (1, -1):
                shifted = arr.copy()
                shifted[idx] += sign * h
                trial = dict(parameters, **{key: nnbackend.asarray(shifted)})
                g[idx] += sign * cost_of(trial) / (2 * h)
        out["d" + key] = g
    return out


def test_shallow_backward_is_the_gradient_of_the_cost(numpy_backend):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2, 6))
    Y = (rng.random((1, 6)) > 0.5).astype(float)
    params = {k: v * 50 for k, v in sn.initialize_parameters(2, 3, 1).items()}
    params["b1"] = rng.standard_normal((3, 1)) * 0.1
    A2, cache = sn.forward_propagation(X, params)
    assert set(cache) == {"Z1", "A1", "Z2", "A2"}
    grads = sn.backward_propagation(params, cache, X, Y)
    numeric = _numeric_grads(lambda p: sn.compute_cost(sn.forward_propagation(X, p)[0], Y), params)
    for key in ("dW1", "db1", "dW2", "db2"):
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-6, atol=1e-9)


def test_shallow_update_is_gradient_descent(backend):
    params = {
        k: _on(v) for k, v in {"W1": [[1.0]], "b1": [[2.0]], "W2": [[3.0]], "b2": [[4.0]]}.items()
    }
    grads = {
        k: _on(v)
        for k, v in {"dW1": [[1.0]], "db1": [[1.0]], "dW2": [[-1.0]], "db2": [[0.5]]}.items()
    }
    new = sn.update_parameters(params, grads)
    assert float(new["W1"][0, 0]) == pytest.approx(-0.2)
    assert float(new["W2"][0, 0]) == pytest.approx(4.2)
    assert float(new["b2"][0, 0]) == pytest.approx(3.4)
    assert float(params["W1"][0, 0]) == 1.0


def test_planar_training_reaches_90_percent(capsys, backend):
    X, Y = sn.load_planar_dataset()
    parameters = sn.nn_model(X, Y, 4, num_iterations=10000, print_cost=True)
    accuracy = float(np.mean(_np(sn.predict(parameters, X)) == _np(Y)))
    assert accuracy >= 0.90
    lines = capsys.readouterr().out.splitlines()
    # The notebook's printed costs (its first iterations are insensitive to BLAS rounding).
    assert lines[:4] == [
        "Cost after iteration 0: 0.693048",
        "Cost after iteration 1000: 0.288083",
        "Cost after iteration 2000: 0.254385",
        "Cost after iteration 3000: 0.233864",
    ]


# ------------------------------------------------------------------ week 4
def test_deep_initialisation_replays_the_legacy_stream(backend):
    p = dn.initialize_parameters_deep([5, 4, 3])
    rs = np.random.RandomState(3)
    np.testing.assert_array_equal(_np(p["W1"]), rs.randn(4, 5) * 0.01)
    np.testing.assert_array_equal(_np(p["W2"]), rs.randn(3, 4) * 0.01)
    np.testing.assert_allclose(_np(p["W1"])[0, :2], [0.01788628, 0.0043651], atol=5e-9)
    q = dn.initialize_parameters(3, 2, 1)
    rs = np.random.RandomState(1)
    np.testing.assert_array_equal(_np(q["W1"]), rs.randn(2, 3) * 0.01)


def test_deep_forward_caches_and_values(backend):
    A = _on([[1.0, 2.0], [3.0, 4.0]])
    W = _on([[1.0, -1.0]])
    b = _on([[0.5]])
    Z, linear_cache = dn.linear_forward(A, W, b)
    np.testing.assert_allclose(_np(Z), [[-1.5, -1.5]])
    assert linear_cache[1] is W and linear_cache[2] is b
    A1, (lin, Zc) = dn.linear_activation_forward(A, W, b, "relu")
    np.testing.assert_allclose(_np(A1), [[0.0, 0.0]])
    np.testing.assert_allclose(_np(Zc), [[-1.5, -1.5]])
    A2, _ = dn.linear_activation_forward(A, W, b, "sigmoid")
    np.testing.assert_allclose(_np(A2), 1 / (1 + np.exp(1.5)) * np.ones((1, 2)))
    with pytest.raises(ValueError, match="activation='tanh' is not valid"):
        dn.linear_activation_forward(A, W, b, "tanh")


def test_deep_backward_is_the_gradient_of_the_cost(numpy_backend):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((4, 5))
    Y = (rng.random((1, 5)) > 0.5).astype(float)
    params = {k: v * 100 for k, v in dn.initialize_parameters_deep([4, 3, 2, 1]).items()}
    AL, caches = dn.L_model_forward(X, params)
    assert len(caches) == 3
    grads = dn.L_model_backward(AL, Y, caches)
    assert set(grads) == {"dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"}
    numeric = _numeric_grads(lambda p: dn.compute_cost(dn.L_model_forward(X, p)[0], Y), params)
    for key in ("dW1", "db1", "dW2", "db2", "dW3", "db3"):
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-6, atol=1e-9)


def test_deep_backward_starts_from_the_course_dAL(numpy_backend):
    AL = np.array([[0.8, 0.3]])
    Y = np.array([[1.0, 0.0]])
    Z = np.log(AL / (1 - AL))
    cache = ((np.array([[1.0, 2.0]]), np.array([[0.5]]), np.array([[0.0]])), Z)
    dA_prev, dW, db = dn.linear_activation_backward(
        -(Y / AL - (1 - Y) / (1 - AL)), cache, "sigmoid"
    )
    grads = dn.L_model_backward(AL, Y, [cache])
    np.testing.assert_allclose(grads["dW1"], dW)
    # dZ = AL - Y = [-0.2, 0.3]; dW = dZ A_prevᵀ / m; db = mean(dZ)
    np.testing.assert_allclose(dW, [[(-0.2 * 1 + 0.3 * 2) / 2]])
    np.testing.assert_allclose(db, [[0.05]])
    np.testing.assert_allclose(dA_prev, [[-0.1, 0.15]])


def test_deep_relu_backward_masks_where_z_is_not_positive(backend):
    dA = _on([[1.0, 2.0, 3.0]])
    Z = _on([[-1.0, 0.0, 2.0]])
    cache = ((_on([[1.0, 1.0, 1.0]]), _on([[2.0]]), _on([[0.0]])), Z)
    dA_prev, dW, db = dn.linear_activation_backward(dA, cache, "relu")
    np.testing.assert_allclose(_np(db), [[1.0]])  # (0 + 0 + 3) / 3
    np.testing.assert_allclose(_np(dA_prev), [[0.0, 0.0, 6.0]])


def test_deep_update_and_predict(capsys, backend):
    params = {"W1": _on([[1.0, 1.0]]), "b1": _on([[0.0]])}
    grads = {"dW1": _on([[1.0, -1.0]]), "db1": _on([[2.0]])}
    new = dn.update_parameters(params, grads, 0.1)
    np.testing.assert_allclose(_np(new["W1"]), [[0.9, 1.1]])
    np.testing.assert_allclose(_np(new["b1"]), [[-0.2]])
    p = dn.predict(_on([[1.0, -1.0, 3.0], [0.0, -2.0, 1.0]]), _on([[1.0, 0.0, 0.0]]), params)
    np.testing.assert_array_equal(_np(p), [[1.0, 0.0, 1.0]])
    assert "Accuracy: 0.666666" in capsys.readouterr().out
    # the notebook sums (p == y) / m: 209 right answers print its 0.9999999999999998, not 1.0
    dn.predict(_on(np.ones((2, 209))), _on(np.ones((1, 209))), params)
    assert capsys.readouterr().out == "Accuracy: 0.9999999999999998\n"


def test_week3_predictions_serve_the_notebooks_arithmetic(backend):
    # the planar notebook computes 1 - predictions and np.dot(Y, predictions.T): PyTorch
    # refuses 1 - bool_tensor, so predict returns 0.0/1.0 in the parameters' float dtype
    X = _on([[1.0, -1.0, 3.0], [0.0, -2.0, 1.0]])
    parameters = {
        "W1": _on([[1.0, 0.0]]),
        "b1": _on([[0.0]]),
        "W2": _on([[5.0]]),
        "b2": _on([[0.0]]),
    }
    predictions = sn.predict(parameters, X)
    assert predictions.dtype == X.dtype
    np.testing.assert_array_equal(_np(predictions), [[1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(_np(1 - predictions), [[0.0, 1.0, 0.0]])


def test_week4_prints_the_full_cost_as_the_notebook(capsys, backend):
    # the Week 4 application prints "{}".format(np.squeeze(cost)): the full value, where
    # Weeks 2 and 3 print "%f"
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 8))
    Y = (rng.random((1, 8)) > 0.5).astype(float)
    _, costs = dn.L_layer_model(_on(X), _on(Y), [3, 2, 1], num_iterations=2, print_cost=True)
    first, second = capsys.readouterr().out.splitlines()
    assert first == f"Cost after iteration 0: {float(_np(costs[0]))!r}"
    assert re.fullmatch(r"Cost after iteration 1: 0\.\d{12,}", second), second


def test_week4_prints_a_float32_cost_in_float32s_digits(capsys, numpy_backend):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 8)).astype(np.float32)
    Y = (rng.random((1, 8)) > 0.5).astype(np.float32)
    _, costs = dn.two_layer_model(X, Y, (3, 2, 1), num_iterations=1, print_cost=True)
    assert costs[0].dtype == np.float32
    assert capsys.readouterr().out == f"Cost after iteration 0: {np.squeeze(costs[0])}\n"


def test_two_layer_model_trains(capsys, backend):
    rng = np.random.default_rng(0)
    Xh = rng.standard_normal((3, 50))
    Yh = (Xh[0:1] * Xh[1:2] > 0).astype(float)
    parameters, costs = dn.two_layer_model(
        _on(Xh), _on(Yh), (3, 7, 1), learning_rate=0.5, num_iterations=201, print_cost=True
    )
    assert len(costs) == 3 and float(costs[-1]) < float(costs[0])
    assert set(parameters) == {"W1", "b1", "W2", "b2"}
    assert "Cost after iteration 200:" in capsys.readouterr().out


def test_l_layer_model_on_the_cat_data(cat_data_dir, numpy_backend, capsys):
    train_x, train_y, test_x, test_y, classes = dn.load_catvnoncat(cat_data_dir)
    assert train_x.shape == (12288, 209) and test_x.shape == (12288, 50)
    assert train_y.shape == (1, 209) and float(train_x.max()) <= 1.0
    parameters, costs = dn.L_layer_model(
        train_x, train_y, [12288, 20, 7, 5, 1], num_iterations=2500, print_cost=True
    )
    assert float(costs[0]) == pytest.approx(0.771749, abs=1e-6)  # the notebook's first cost
    dn.predict(train_x, train_y, parameters)
    p = dn.predict(test_x, test_y, parameters)
    assert float(np.mean(p == test_y)) >= 0.78
    assert "Cost after iteration 0: 0.771749" in capsys.readouterr().out


def test_cat_loader_names_a_missing_path(tmp_path):
    pytest.importorskip("h5py")
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        dn.load_catvnoncat(tmp_path)


def test_host_numpy_data_meets_parameters_on_the_active_backend(backend, capsys):
    # The notebooks load their data as NumPy arrays and make parameters with initialize_*,
    # which land on the active backend: every step function must accept that mix.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 20))
    Y = (rng.random((1, 20)) > 0.5).astype(float)

    def run_weeks():
        p = dn.initialize_parameters_deep([3, 4, 1])
        AL, caches = dn.L_model_forward(X, p)
        cost_deep = dn.compute_cost(AL, Y)
        p = dn.update_parameters(p, dn.L_model_backward(AL, Y, caches), 0.1)
        q = sn.initialize_parameters(3, 4, 1)
        A2, cache = sn.forward_propagation(X, q)
        q = sn.update_parameters(q, sn.backward_propagation(q, cache, X, Y))
        w, b = lr.initialize_with_zeros(3)
        grads, cost_lr = lr.propagate(w, b, X, Y)
        return [
            _np(p["W1"]),
            _np(sn.predict(q, X)),
            _np(grads["dw"]),
            np.array([float(cost_deep), float(cost_lr)]),
        ]

    got = run_weeks()
    with nnbackend.use_backend("numpy"):
        expected = run_weeks()
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ the notebooks' own checks
def test_integer_arrays_are_taken_as_the_notebooks_pass_them(backend):
    # Week 2's first check is sigmoid(np.array([0, 2])); np.exp casts integers to float64
    s = lr.sigmoid(np.array([0, 2]))
    assert s.dtype == np.float64
    np.testing.assert_allclose(s, [0.5, 0.88079708], rtol=1e-7)
    on_backend = nnbackend.asarray(np.array([0, 2]))
    np.testing.assert_allclose(_np(lr.sigmoid(on_backend)), [0.5, 0.88079708], rtol=1e-6)
    w = _on([[0.5], [-0.25]])
    Xi = np.array([[1, 2, -1, 0], [3, 4, -3, 1]])
    Xf = Xi.astype(float)
    Y = np.array([[1, 0, 1, 0]])
    for X in (Xi, nnbackend.asarray(Xi)):
        grads, cost = lr.propagate(w, 1.0, X, Y)
        grads_f, cost_f = lr.propagate(w, 1.0, Xf, Y)
        np.testing.assert_allclose(_np(grads["dw"]), _np(grads_f["dw"]), rtol=1e-12)
        assert float(cost) == pytest.approx(float(cost_f), rel=1e-12)
        np.testing.assert_array_equal(_np(lr.predict(w, 1.0, X)), _np(lr.predict(w, 1.0, Xf)))
        p = sn.initialize_parameters(2, 3, 1)
        np.testing.assert_array_equal(_np(sn.predict(p, X)), _np(sn.predict(p, Xf)))
        q = dn.initialize_parameters_deep([2, 3, 1])
        AL, _ = dn.L_model_forward(X, q)
        np.testing.assert_allclose(_np(AL), _np(dn.L_model_forward(Xf, q)[0]), rtol=1e-12)
    np.testing.assert_allclose(
        _np(sn.nn_model(Xi, Y, 2, num_iterations=3)["W1"]),
        _np(sn.nn_model(Xf, Y, 2, num_iterations=3)["W1"]),
    )
    with pytest.raises(TypeError, match="z='0, 2' is not valid: expected an array or a number"):
        lr.sigmoid("0, 2")
    with pytest.raises(TypeError, match=r"(?s)X=\{'X': array.* is not valid: .* got dict"):
        lr.propagate(w, 1.0, {"X": Xi}, Y)


def test_training_functions_take_integer_data(numpy_backend, capsys):
    Xi = np.array([[1, 2, -1, 0, 2], [3, 4, -3, 1, -1]])
    Y = np.array([[1, 0, 1, 0, 1]])
    d = lr.model(Xi, Y, Xi, Y, num_iterations=101)
    d_f = lr.model(Xi.astype(float), Y, Xi.astype(float), Y, num_iterations=101)
    np.testing.assert_allclose(d["w"], d_f["w"])
    for train in (dn.two_layer_model, dn.L_layer_model):
        params, costs = train(Xi, Y, [2, 3, 1], num_iterations=101)
        params_f, costs_f = train(Xi.astype(float), Y, [2, 3, 1], num_iterations=101)
        np.testing.assert_allclose(params["W1"], params_f["W1"])
        np.testing.assert_allclose(costs, costs_f)


def _is_0d_ndarray(x):
    return type(x) is np.ndarray and x.shape == ()


def test_return_types_are_the_notebooks_on_numpy(numpy_backend):
    # The graders compare types: a cost is np.squeeze(cost), a 0-d ndarray; db and b are
    # np.float64, as NumPy's sums make them; Week 3 alone ends with float(np.squeeze(cost)).
    w, b = np.array([[1.0], [2.0]]), 2.0
    X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
    Y = np.array([[1, 0, 1]])
    grads, cost = lr.propagate(w, b, X, Y)
    assert _is_0d_ndarray(cost)
    assert type(grads["dw"]) is np.ndarray and grads["dw"].shape == (2, 1)
    assert type(grads["db"]) is np.float64
    params, grads, costs = lr.optimize(w, b, X, Y, num_iterations=201)
    assert type(costs) is list and len(costs) == 3 and all(map(_is_0d_ndarray, costs))
    assert type(params["b"]) is np.float64 and type(grads["db"]) is np.float64
    d = lr.model(X, Y, X, Y, num_iterations=101)
    assert len(d["costs"]) == 2 and all(map(_is_0d_ndarray, d["costs"]))
    assert type(d["b"]) is np.float64
    w0, b0 = lr.initialize_with_zeros(2)
    assert type(b0) is float
    # Week 3's compute_cost test: bool Y, float cost
    np.random.seed(1)
    Yb = np.random.randn(1, 5) > 0
    A2 = np.array([[0.5002307, 0.49985831, 0.50023963, 0.25, 0.7]])
    cost3 = sn.compute_cost(A2, Yb)
    assert type(cost3) is float and cost3 == pytest.approx(0.5447066599017815, rel=1e-12)
    # Week 4's compute_cost test and the application's cost lists
    cost4 = dn.compute_cost(np.array([[0.8, 0.9, 0.4]]), np.asarray([[1, 1, 0]]))
    assert _is_0d_ndarray(cost4) and float(cost4) == pytest.approx(0.2797765635793422)
    for train in (dn.two_layer_model, dn.L_layer_model):
        _, costs = train(X, Y, [2, 3, 1], num_iterations=101)
        assert type(costs) is list and len(costs) == 2 and all(map(_is_0d_ndarray, costs))


def test_costs_are_0d_arrays_of_the_backend(backend):
    X = _on([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
    Y = _on([[1.0, 0.0, 1.0]])
    xp = array_namespace(X)
    grads, cost = lr.propagate(_on([[1.0], [2.0]]), 2.0, X, Y)
    _, grads_opt, costs = lr.optimize(_on([[1.0], [2.0]]), 2.0, X, Y, num_iterations=1)
    cost4 = dn.compute_cost(_on([[0.8, 0.9, 0.4]]), Y)
    for value in (cost, grads["db"], costs[0], grads_opt["db"], cost4):
        assert array_namespace(value) is xp and tuple(value.shape) == ()
    assert float(cost4) == pytest.approx(-np.mean(np.log([0.8, 0.1, 0.4])))


def test_nn_model_seed_none_draws_from_the_global_random_state(numpy_backend):
    # The later 2021 notebook runs np.random.seed(3) and then nn_model(X, Y, 4): its
    # initialize_parameters draws from the global stream instead of reseeding with 2.
    X, Y = sn.load_planar_dataset()
    np.random.seed(3)
    p = sn.nn_model(X, Y, 4, num_iterations=0, seed=None)
    legacy = np.random.RandomState(3)
    np.testing.assert_array_equal(p["W1"], legacy.randn(4, 2) * 0.01)
    np.testing.assert_array_equal(p["W2"], legacy.randn(1, 4) * 0.01)
    assert np.random.randn() == legacy.randn()  # the global stream moved past the draws
    np.random.seed(3)
    trained = sn.nn_model(X, Y, 4, num_iterations=50, seed=None)
    np.random.seed(3)
    again = sn.nn_model(X, Y, 4, num_iterations=50, seed=None)
    np.testing.assert_array_equal(trained["W1"], again["W1"])
    # The default (May 2021) reseeds with 2, whatever the global state.
    np.random.seed(3)
    first = sn.nn_model(X, Y, 4, num_iterations=0)
    np.random.seed(99)
    second = sn.nn_model(X, Y, 4, num_iterations=0)
    np.testing.assert_array_equal(first["W1"], second["W1"])
    np.testing.assert_array_equal(first["W1"], np.random.RandomState(2).randn(4, 2) * 0.01)


def test_initializers_take_seed_none_and_refuse_other_seeds(numpy_backend):
    np.random.seed(7)
    got = [
        sn.initialize_parameters(2, 3, 1, seed=None)["W1"],
        dn.initialize_parameters(2, 3, 1, seed=None)["W1"],
        dn.initialize_parameters_deep([2, 3, 1], seed=None)["W1"],
    ]
    legacy = np.random.RandomState(7)
    for w in got:
        np.testing.assert_array_equal(w, legacy.randn(3, 2) * 0.01)
        legacy.randn(1, 3)  # W2 of the same call
    for bad in ("3", 2.5, True):
        with pytest.raises(TypeError, match=rf"seed={bad!r} is not valid: expected an int"):
            sn.nn_model(np.zeros((2, 3)), np.zeros((1, 3)), 2, seed=bad)


def test_plot_decision_boundary_takes_the_notebooks_call(numpy_backend, tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from nnbackend import plotting

    X, Y = sn.load_planar_dataset()
    parameters = sn.nn_model(X, Y, 4, num_iterations=300)
    grids = []

    def model(x):
        grids.append(x)
        return sn.predict(parameters, x.T)

    # the planar notebook's call, course layout: X (2, m), Y (1, m), drawn on the current axes
    ax = plotting.plot_decision_boundary(model, X, Y)
    plt.title("Decision Boundary for hidden layer size 4")  # the notebook's next line
    assert ax is plt.gca()
    assert ax.get_title() == "Decision Boundary for hidden layer size 4"
    (grid,) = grids
    assert grid.shape[1] == 2  # rows (x1, x2), as the notebook's np.c_[xx.ravel(), ...]
    np.testing.assert_allclose(grid.min(axis=0), X.min(axis=1) - 1)
    np.testing.assert_allclose(grid.max(axis=0), X.max(axis=1) + 1)
    points = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(points, X.T)  # the scatter shows the examples, not features
    # with a path: a figure of its own, written exactly there
    saved = plotting.plot_decision_boundary(model, X, Y, path=tmp_path / "boundary.png")
    assert saved.figure is not ax.figure
    assert (tmp_path / "boundary.png").stat().st_size > 10_000
    # the same points in rows with flat labels draw the same scatter
    ax = plotting.plot_decision_boundary(model, X.T, Y.ravel(), ax=plt.figure().add_subplot())
    np.testing.assert_allclose(ax.collections[-1].get_offsets(), X.T)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\) or.*\(3, 4\)"):
        plotting.plot_decision_boundary(model, np.zeros((3, 4)), np.zeros(4))
    with pytest.raises(ValueError, match="y has 5 labels but X has 400 points"):
        plotting.plot_decision_boundary(model, X, np.zeros((1, 5)))
    with pytest.raises(ValueError, match="model returned 1 predictions for"):
        plotting.plot_decision_boundary(lambda x: np.zeros(1), X, Y)
    with pytest.raises(TypeError, match="model must be a fitted estimator .* got int"):
        plotting.plot_decision_boundary(3, X, Y)


def test_week2_load_dataset_is_the_notebooks(
    cat_data_dir, numpy_backend, capsys, monkeypatch, tmp_path
):
    loaded = lr.load_dataset(cat_data_dir)
    train_set_x_orig, train_set_y, test_set_x_orig, test_set_y, classes = loaded
    assert type(train_set_x_orig) is np.ndarray and train_set_x_orig.dtype == np.uint8
    assert train_set_x_orig.shape == (209, 64, 64, 3) and test_set_x_orig.shape == (50, 64, 64, 3)
    assert train_set_y.shape == (1, 209) and test_set_y.shape == (1, 50)
    # the notebook's example picture: index 25 is a cat
    assert classes[np.squeeze(train_set_y[:, 25])].decode("utf-8") == "cat"
    # the flattening exercise, then the notebook's model: its printed costs
    train_set_x = train_set_x_orig.reshape(train_set_x_orig.shape[0], -1).T / 255.0
    test_set_x = test_set_x_orig.reshape(test_set_x_orig.shape[0], -1).T / 255.0
    assert train_set_x.shape == (12288, 209)
    lr.model(train_set_x, train_set_y, test_set_x, test_set_y, 201, 0.005, print_cost=True)
    assert capsys.readouterr().out.splitlines()[:3] == [
        "Cost after iteration 0: 0.693147",
        "Cost after iteration 100: 0.584508",
        "Cost after iteration 200: 0.466949",
    ]
    # without an argument it reads datasets/ beside the notebook, as the notebook does
    (tmp_path / "datasets").symlink_to(cat_data_dir, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    np.testing.assert_array_equal(lr.load_dataset()[1], train_set_y)


def test_week2_load_dataset_names_a_missing_folder(tmp_path, monkeypatch):
    pytest.importorskip("h5py")
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        lr.load_dataset(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="path='datasets'"):
        lr.load_dataset()


# ------------------------------------------------------------------ issue 21, items 20-23
def _labels_case():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2, 40))
    return X, (X[0:1] > 0).astype(float)


def _column_calls():
    # every façade function that takes Y, called with the labels as a column (m, 1)
    X, Y = _labels_case()
    column, A = Y.T, np.full((1, 40), 0.25)
    shallow = sn.initialize_parameters(2, 3, 1)
    cache = sn.forward_propagation(X, shallow)[1]
    AL, caches = dn.L_model_forward(X, dn.initialize_parameters_deep([2, 3, 1]))
    return {
        "sn.layer_sizes": lambda: sn.layer_sizes(X, column),
        "sn.compute_cost": lambda: sn.compute_cost(A, column),
        "sn.backward_propagation": lambda: sn.backward_propagation(shallow, cache, X, column),
        "sn.nn_model": lambda: sn.nn_model(X, column, 3, num_iterations=2),
        "dn.compute_cost": lambda: dn.compute_cost(AL, column),
        "dn.L_model_backward": lambda: dn.L_model_backward(AL, column, caches),
        "dn.two_layer_model": lambda: dn.two_layer_model(X, column, (2, 3, 1), num_iterations=2),
        "dn.L_layer_model": lambda: dn.L_layer_model(X, column, [2, 3, 1], num_iterations=2),
        "lr.propagate": lambda: lr.propagate(np.zeros((2, 1)), 0.0, X, column),
        "lr.optimize": lambda: lr.optimize(np.zeros((2, 1)), 0.0, X, column, num_iterations=2),
    }


@pytest.mark.parametrize("where", list(_column_calls()))
def test_every_function_taking_y_refuses_a_column_y(numpy_backend, where):
    with pytest.raises(ValueError, match=r"Y has shape \(40, 1\), but expected .*\(m,\)"):
        _column_calls()[where]()


def test_a_1d_y_is_read_as_the_label_row_everywhere(numpy_backend):
    X, Y = _labels_case()
    A = np.full((1, 40), 0.25)
    assert sn.compute_cost(A, Y[0]) == pytest.approx(sn.compute_cost(A, Y), rel=1e-12)
    assert float(dn.compute_cost(A, Y[0])) == pytest.approx(float(dn.compute_cost(A, Y)))
    assert sn.layer_sizes(X, Y[0]) == (2, 4, 1)
    one_d = sn.nn_model(X, Y[0], 3, num_iterations=3)
    two_d = sn.nn_model(X, Y, 3, num_iterations=3)
    np.testing.assert_array_equal(one_d["W2"], two_d["W2"])
    _, costs_1d = dn.L_layer_model(X, Y[0], [2, 3, 1], num_iterations=101)
    _, costs_2d = dn.L_layer_model(X, Y, [2, 3, 1], num_iterations=101)
    assert [float(c) for c in costs_1d] == [float(c) for c in costs_2d]
    parameters = dn.initialize_parameters_deep([2, 3, 1])
    with pytest.raises(ValueError, match=r"y has shape \(40, 1\), but expected \(1, m\)"):
        dn.predict(X, Y.T, parameters)
    with pytest.raises(ValueError, match=r"Y has shape \(2, 40\), but expected \(1, m\)"):
        dn.L_layer_model(X, np.vstack([Y, Y]), [2, 3, 1], num_iterations=2)
    with pytest.raises(ValueError, match=r"Y has shape \(1, 40\), but expected \(n_y, m\) = \(2"):
        dn.L_layer_model(X, Y, [2, 3, 2], num_iterations=2)  # the last layer says 2 outputs


def test_a_diverging_course_model_fails_alike_on_every_library(backend):
    X, Y = _labels_case()
    # the whole-model trainers run the training driver everywhere: TrainingDivergedError
    # (a step of 1e300 on inputs of 1e300 overflows; a NaN rate is refused before training)
    huge = _on(X * 1e300)
    with pytest.raises(nnbackend.TrainingDivergedError, match="diverged at iteration 0"):
        lr.model(huge, _on(Y), _on(X), _on(Y), num_iterations=5, learning_rate=1e300)
    with pytest.raises(nnbackend.TrainingDivergedError, match="diverged at iteration 0"):
        dn.two_layer_model(huge, _on(Y), (2, 3, 1), 1e300, num_iterations=5)
    with pytest.raises(nnbackend.TrainingDivergedError, match="diverged at iteration 0"):
        dn.L_layer_model(huge, _on(Y), [2, 3, 1], 1e300, num_iterations=5)
    # a huge but finite rate saturates AL: the course's dAL = -(Y/AL - (1-Y)/(1-AL)) would
    # give NaN on NumPy's notebook loop, the driver's dZ = AL - Y stays finite everywhere
    parameters, _ = dn.L_layer_model(_on(X), _on(Y), [2, 4, 1], 1e6, num_iterations=20)
    assert all(np.isfinite(_np(v)).all() for v in parameters.values())
    # the notebook's own loop and single steps compute as NumPy does: NaN in, NaN out
    params, _, _ = lr.optimize(_on(np.zeros((2, 1))), 0.0, _on(X * np.nan), _on(Y), 3, 0.1)
    assert np.isnan(_np(params["w"])).all()
    nan_params = {"W1": _on(np.full((1, 2), np.nan)), "b1": _on(np.zeros((1, 1)))}
    AL, _ = dn.L_model_forward(_on(X), nan_params)
    assert np.isnan(_np(AL)).all()


def test_a_parameter_dict_must_form_w1_to_wl_and_b1_to_bl(numpy_backend):
    X, Y = _labels_case()
    good = dn.initialize_parameters_deep([2, 3, 1])
    without_b2 = {k: v for k, v in good.items() if k != "b2"}
    with pytest.raises(ValueError, match=r"do not form W1..WL, b1..bL .*: missing b2"):
        dn.L_model_forward(X, without_b2)
    with pytest.raises(ValueError, match="missing b3"):  # an extra W3 is not ignored
        dn.L_model_forward(X, {**good, "W3": np.ones((1, 1))})
    with pytest.raises(ValueError, match=r"do not form W1, b1, W2, b2: unexpected 'W3'"):
        sn.forward_propagation(X, {**good, "W3": np.ones((1, 1))})
    with pytest.raises(ValueError, match="unexpected 'lr'"):
        dn.update_parameters({**good, "lr": 0.1}, {}, 0.1)
    with pytest.raises(
        ValueError, match=r"parameters\['W2'\] has shape \(1, 2\), but .*\(n_2, 3\)"
    ):
        dn.L_model_forward(X, {**good, "W2": np.ones((1, 2))})
    with pytest.raises(ValueError, match=r"parameters\['b1'\] has shape \(3,\), but .*\(3, 1\)"):
        sn.predict({**good, "b1": np.zeros(3)}, X)
    with pytest.raises(ValueError, match=r"X has shape \(1, 40\), but expected \(n_x, m\) = \(2"):
        dn.L_model_forward(X[:1], good)
    with pytest.raises(TypeError, match="parameters must be a dict"):
        dn.L_model_forward(X, list(good.values()))
    AL, caches = dn.L_model_forward(X, good)
    grads = dn.L_model_backward(AL, Y, caches)
    with pytest.raises(ValueError, match="grads has no 'db2'"):
        dn.update_parameters(good, {k: v for k, v in grads.items() if k != "db2"}, 0.1)
    with pytest.raises(ValueError, match=r"grads\['db1'\] has shape \(3,\), but expected \(3, 1\)"):
        dn.update_parameters(good, {**grads, "db1": np.zeros(3)}, 0.1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda X, Y: dn.L_layer_model(X, Y, [2, 0, 1]), r"layers_dims\[1\]=0 is not valid"),
        (lambda X, Y: dn.L_layer_model(X, Y, [2]), r"layers_dims=\[2\] is not valid.*at least 2"),
        (lambda X, Y: dn.initialize_parameters_deep([2, 0, 1]), r"layer_dims\[1\]=0 is not"),
        (lambda X, Y: dn.initialize_parameters_deep([2]), r"layer_dims=\[2\] is not valid"),
        (lambda X, Y: dn.two_layer_model(X, Y, (2, 3, 3, 1)), "expected 3 layer sizes, got 4"),
        (lambda X, Y: dn.L_layer_model(X, Y, [3, 2, 1]), r"X has shape \(2, 40\).*layers_dims"),
        (lambda X, Y: sn.nn_model(X, Y, n_h=-3), "n_h=-3 is not valid: expected a number"),
        (lambda X, Y: sn.initialize_parameters(2, 0, 1), "n_h=0 is not valid"),
        (lambda X, Y: dn.initialize_parameters(-1, 3, 1), "n_x=-1 is not valid"),
    ],
)
def test_bad_layer_sizes_name_the_argument(numpy_backend, call, message):
    X, Y = _labels_case()
    with pytest.raises(ValueError, match=message):
        call(X, Y)


def test_non_integer_layer_sizes_are_a_type_error(numpy_backend):
    with pytest.raises(TypeError, match=r"layer_dims\[1\]=2.5 is not valid: expected an int"):
        dn.initialize_parameters_deep([2, 2.5, 1])
    with pytest.raises(TypeError, match="n_h=True is not valid"):
        sn.initialize_parameters(2, True, 1)
    assert dn.initialize_parameters_deep(np.array([2, 3, 1]))["W2"].shape == (1, 3)
