"""The L-layer network: gradients against finite differences and torch autograd, every backend
against NumPy, dtype preservation, and the in-place vs functional update paths."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from array_api_compat import array_namespace
from hypothesis import given, settings
from hypothesis import strategies as st

import nnbackend
from helpers import central_differences, rtol_for
from nnbackend.core import activations, initializers, network

HIDDEN = activations.HIDDEN_ACTIVATIONS
OUTPUTS = network.OUTPUTS
SLOPE = 0.1
DIMS = [3, 5, 4]


def _problem(output, n_out=2, m=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((DIMS[0], m))
    if output == "sigmoid":
        Y = (rng.random((n_out, m)) > 0.5).astype(float)
    elif output == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, m)].T.copy()
    elif output == "exp":  # Poisson counts' means: non-negative
        Y = np.abs(rng.standard_normal((n_out, m))) + 0.5
    else:
        Y = rng.standard_normal((n_out, m)) + 1.0
    params = initializers.draw_parameters([*DIMS, n_out], "xavier", np.random.default_rng(seed))
    # non-zero biases so that every term of the gradient is exercised
    params = [(w, rng.standard_normal(b.shape) * 0.1) for w, b in params]
    return X, Y, params


def _cost(X, Y, params, hidden, output):
    AL, cache = network.forward(X, params, hidden=hidden, output=output, slope=SLOPE)
    return float(network.compute_cost(AL, Y, output, logits=cache.logits))


def _grads(X, Y, params, hidden, output):
    AL, cache = network.forward(X, params, hidden=hidden, output=output, slope=SLOPE)
    return network.backward(AL, Y, cache, params, hidden=hidden, output=output, slope=SLOPE)


def _flat(pairs):
    return np.concatenate([nnbackend.to_numpy(a).ravel() for pair in pairs for a in pair])


@pytest.mark.parametrize(("hidden", "output"), list(itertools.product(HIDDEN, OUTPUTS)))
def test_gradients_equal_central_finite_differences(numpy_backend, hidden, output):
    X, Y, params = _problem(output)
    analytic = _flat(_grads(X, Y, params, hidden, output))
    numeric = central_differences(lambda: _cost(X, Y, params, hidden, output), params)
    rel = np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))
    assert rel < 1e-7


@pytest.mark.parametrize(("hidden", "output"), list(itertools.product(HIDDEN, OUTPUTS)))
def test_gradients_equal_torch_autograd(numpy_backend, hidden, output):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    X, Y, params = _problem(output)
    tX, tY = torch.from_numpy(X), torch.from_numpy(Y)
    tparams = [
        (torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True))
        for w, b in params
    ]
    g = {
        "relu": torch.relu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "leaky_relu": lambda z: F.leaky_relu(z, SLOPE),
        "identity": lambda z: z,
    }[hidden]
    a = tX
    for w, b in tparams[:-1]:
        a = g(w @ a + b)
    z = tparams[-1][0] @ a + tparams[-1][1]
    m = X.shape[1]
    if output == "sigmoid":
        cost = F.binary_cross_entropy_with_logits(z, tY, reduction="sum") / m
    elif output == "softmax":
        cost = F.cross_entropy(z.T, tY.argmax(dim=0), reduction="sum") / m
    elif output == "exp":
        # half the Poisson deviance of exp(z), summed over outputs: y log(y/a) - y + a
        cost = (torch.xlogy(tY, tY) - tY * z - tY + torch.exp(z)).sum() / m
    else:
        out = torch.relu(z) if output == "relu" else z
        # half the squared error, averaged over examples and outputs (scikit-learn's)
        cost = ((out - tY) ** 2).sum() / (2 * m * Y.shape[0])
    cost.backward()
    expected = np.concatenate([t.grad.numpy().ravel() for pair in tparams for t in pair])
    analytic = _flat(_grads(X, Y, params, hidden, output))
    np.testing.assert_allclose(_cost(X, Y, params, hidden, output), cost.item(), rtol=1e-12)
    rel = np.linalg.norm(analytic - expected) / np.linalg.norm(expected)
    assert rel < 1e-10


@pytest.mark.parametrize(
    ("hidden", "output"),
    [("relu", "sigmoid"), ("tanh", "softmax"), ("leaky_relu", "identity"), ("sigmoid", "relu")],
)
def test_every_backend_equals_numpy(backend, dtype, hidden, output):
    X, Y, params = _problem(output, seed=4)
    X, Y = X.astype(dtype), Y.astype(dtype)
    with nnbackend.use_backend("numpy"):
        ref_params = [(w.astype(dtype), b.astype(dtype)) for w, b in params]
        ref_cost = _cost(X, Y, ref_params, hidden, output)
        ref_grads = _flat(_grads(X, Y, ref_params, hidden, output))
        ref_after, _ = network.gradient_step(
            X, Y, ref_params, 0.1, hidden=hidden, output=output, slope=SLOPE
        )
        ref_after = _flat(ref_after)
    bX, bY = nnbackend.asarray(X), nnbackend.asarray(Y)
    bparams = [
        (nnbackend.asarray(w, dtype=dtype), nnbackend.asarray(b, dtype=dtype)) for w, b in params
    ]
    AL, cache = network.forward(bX, bparams, hidden=hidden, output=output, slope=SLOPE)
    assert AL.dtype == bX.dtype
    cost = network.compute_cost(AL, bY, output, logits=cache.logits)
    assert cost.dtype == bX.dtype
    grads = network.backward(AL, bY, cache, bparams, hidden=hidden, output=output, slope=SLOPE)
    for dw, db in grads:
        assert dw.dtype == bX.dtype and db.dtype == bX.dtype
        assert array_namespace(dw) is array_namespace(bX)
    rtol = rtol_for(dtype)
    # float64: 1e-12 relative (atol 1e-12 for entries near zero); float32: 1e-5.
    np.testing.assert_allclose(float(cost), ref_cost, rtol=rtol)
    np.testing.assert_allclose(_flat(grads), ref_grads, rtol=rtol, atol=rtol)
    both_cost, both_grads = network.cost_and_gradients(
        bX, bY, bparams, hidden=hidden, output=output, slope=SLOPE
    )
    np.testing.assert_allclose(float(both_cost), ref_cost, rtol=rtol)
    np.testing.assert_allclose(_flat(both_grads), ref_grads, rtol=rtol, atol=rtol)
    after, _ = network.gradient_step(
        bX, bY, bparams, 0.1, hidden=hidden, output=output, slope=SLOPE
    )
    np.testing.assert_allclose(_flat(after), ref_after, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_every_backend_equals_numpys_fused_output_path(backend, dtype, hidden):
    # m large enough for NumPy's fused output kernel (several blocks); the other libraries take
    # the generic path, so this compares the two
    m = 300_000
    rng = np.random.default_rng(8)
    X = rng.standard_normal((3, m)).astype(dtype)
    Y = (rng.random((1, m)) > 0.5).astype(dtype)
    params = initializers.draw_parameters([3, 4, 1], "xavier", np.random.default_rng(0), dtype)
    with nnbackend.use_backend("numpy"):
        ref_params = [(w.copy(), b.copy()) for w, b in params]
        ref_cost, ref_grads = network.cost_and_gradients(X, Y, ref_params, hidden=hidden)
    bparams = [(nnbackend.asarray(w), nnbackend.asarray(b)) for w, b in params]
    cost, grads = network.cost_and_gradients(
        nnbackend.asarray(X), nnbackend.asarray(Y), bparams, hidden=hidden
    )
    rtol = rtol_for(dtype)
    np.testing.assert_allclose(float(cost), float(ref_cost), rtol=rtol)
    np.testing.assert_allclose(_flat(grads), _flat(ref_grads), rtol=rtol, atol=rtol)


def test_first_layer_skips_the_gradient_wrt_x(monkeypatch):
    X, Y, params = _problem("sigmoid", n_out=1)
    passed_down = []
    original = network.input_gradient

    def spy(dZ, w, **kwargs):
        passed_down.append(w.shape)
        return original(dZ, w, **kwargs)

    monkeypatch.setattr(network, "input_gradient", spy)
    _grads(X, Y, params, "relu", "sigmoid")
    # dA is computed for layers 3 and 2 only: never W[1]ᵀ dZ[1], the gradient wrt X
    assert passed_down == [params[2][0].shape, params[1][0].shape]


def test_peak_memory_of_a_step_stays_near_what_it_must_hold():
    from nnbackend import bench

    case = bench.Case("wide", (784, 128, 64, 1), 2048)
    _, ratio = bench.measure_memory(case, "float64")
    assert ratio <= 1.25


def test_forward_keeps_only_layer_inputs():
    X, Y, params = _problem("sigmoid", n_out=1)
    AL, cache = network.forward(X, params, hidden="tanh", output="sigmoid")
    assert len(cache.activations) == len(params)
    assert cache.activations[0] is X
    assert cache.logits.shape == AL.shape


def test_in_place_and_functional_updates_agree():
    X, Y, params = _problem("sigmoid", n_out=1)
    grads = _grads(X, Y, params, "relu", "sigmoid")
    functional_params = []
    for w, b in params:
        w_ro, b_ro = w.copy(), b.copy()
        w_ro.flags.writeable = False
        b_ro.flags.writeable = False
        functional_params.append((w_ro, b_ro))
    in_place = network.update([(w.copy(), b.copy()) for w, b in params], grads, 0.5)
    functional = network.update(functional_params, grads, 0.5)
    assert functional[0][0] is not functional_params[0][0]
    np.testing.assert_allclose(_flat(in_place), _flat(functional), rtol=0, atol=0)


def test_update_does_not_touch_the_gradients_unless_allowed():
    X, Y, params = _problem("sigmoid", n_out=1)
    grads = _grads(X, Y, params, "relu", "sigmoid")
    before = _flat(grads)
    network.update(params, grads, 0.5)
    np.testing.assert_array_equal(_flat(grads), before)


def test_logistic_regression_is_the_one_layer_case():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 9))
    Y = (rng.random((1, 9)) > 0.5).astype(float)
    w, b = rng.standard_normal((4, 1)), np.array([[0.3]])
    ((dw, db),) = _grads(X, Y, [(w.T.copy(), b)], "relu", "sigmoid")
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    np.testing.assert_allclose(dw.T, X @ (A - Y).T / 9, rtol=1e-12)
    np.testing.assert_allclose(db, np.sum(A - Y, keepdims=True) / 9, rtol=1e-12)


def test_parameters_are_identical_on_every_backend(backend, dtype):
    X = nnbackend.asarray(np.zeros((6, 3)), dtype=dtype)
    params = initializers.initialize_parameters([6, 4, 1], X, init="he", rng=42)
    host = initializers.draw_parameters([6, 4, 1], "he", np.random.default_rng(42), dtype)
    for (w, b), (hw, hb) in zip(params, host, strict=True):
        assert w.dtype == X.dtype
        np.testing.assert_array_equal(nnbackend.to_numpy(w), hw)
        np.testing.assert_array_equal(nnbackend.to_numpy(b), hb)


@pytest.mark.parametrize("init", ["he", "xavier", "small", "zeros"])
def test_init_scales(init):
    ((w, b),) = initializers.draw_parameters([400, 300], init, np.random.default_rng(0))
    expected = {"he": np.sqrt(2 / 400), "xavier": np.sqrt(1 / 400), "small": 0.01, "zeros": 0}[init]
    assert w.std() == pytest.approx(expected, rel=0.02, abs=1e-12)
    assert not b.any()


def test_bad_names_are_reported():
    with pytest.raises(ValueError, match="init='glorot' is not valid"):
        initializers.draw_parameters([2, 1], "glorot", np.random.default_rng(0))
    with pytest.raises(ValueError, match="output='tanh' is not valid"):
        network.compute_cost(np.zeros((1, 2)), np.zeros((1, 2)), "tanh")
    with pytest.raises(ValueError, match="activation='swish' is not valid"):
        network.forward(
            np.zeros((2, 3)), [(np.zeros((2, 2)), np.zeros((2, 1)))] * 2, hidden="swish"
        )


@settings(max_examples=25, deadline=None)
@given(
    dims=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    m=st.integers(1, 9),
    hidden=st.sampled_from(HIDDEN),
    output=st.sampled_from(OUTPUTS),
)
def test_shapes_follow_course_notation(dims, m, hidden, output):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((dims[0], m))
    Y = rng.random((dims[-1], m))
    params = initializers.initialize_parameters(dims, X, init="xavier", rng=0)
    AL, cache = network.forward(X, params, hidden=hidden, output=output)
    assert AL.shape == (dims[-1], m)
    cost = network.compute_cost(AL, Y, output, logits=cache.logits)
    assert cost.shape == ()
    grads = network.backward(AL, Y, cache, params, hidden=hidden, output=output)
    for (w, b), (dw, db) in zip(params, grads, strict=True):
        assert dw.shape == w.shape and db.shape == b.shape
