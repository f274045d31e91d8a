"""The in-place NumPy kernels against the generic array-API code they stand in for."""

from __future__ import annotations

import numpy as np
import pytest

from nnbackend.backends import _numpy_kernels as kernels
from nnbackend.core import activations, initializers, losses, network

DTYPES = [np.float32, np.float64]


def _logits(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(shape) * 6
    # the edges: signed zeros, saturation on both sides, past float32's exp bound
    edges = np.array([0.0, -0.0, 30.0, -30.0, 88.0, -88.0, 700.0, -700.0, -1000.0, 1000.0])
    z.flat[: edges.size] = edges
    return z.astype(dtype)


def _generic_cost_and_delta(z, y, scale):
    a = activations.sigmoid(z, xp=np)
    cost = losses.binary_cross_entropy_with_logits(z, y, xp=np)
    return cost, network.output_delta(a, y, "sigmoid", scale=scale, xp=np)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", activations.HIDDEN_ACTIVATIONS)
def test_in_place_activations_equal_the_generic_ones_bit_for_bit(name, dtype):
    z = _logits((5, 301), dtype)
    expected = activations.activation_forward(z.copy(), name, slope=0.1, xp=np)
    work = z.copy()
    with np.errstate(over="ignore"):
        assert kernels.activate_inplace(work, name, slope=0.1)
    np.testing.assert_array_equal(work, expected, strict=True)
    # the sign of zero too: the ReLU family's masks are read from it
    assert np.array_equal(np.signbit(work), np.signbit(expected))


def test_softmax_has_no_in_place_kernel_and_is_left_alone():
    z = _logits((3, 20), np.float64)
    before = z.copy()
    assert not kernels.activate_inplace(z, "softmax")
    np.testing.assert_array_equal(z, before)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("rows", "m"),
    [(1, 7), (1, 100_000), (3, 40_000), (1, 300_000)],
    ids=["one-block", "two-blocks", "three-outputs", "many-blocks"],
)
def test_fused_sigmoid_cost_and_delta_equal_the_generic_path(dtype, rows, m):
    z = _logits((rows, m), dtype, seed=m)
    y = (np.random.default_rng(1).random((rows, m)) > 0.5).astype(dtype)
    cost, delta = _generic_cost_and_delta(z, y, scale=0.3)
    work = z.copy()
    fused = kernels.sigmoid_cross_entropy_delta(work, y, 0.3)
    assert fused.dtype == dtype and fused.shape == ()
    np.testing.assert_allclose(fused, cost, rtol=1e-6 if dtype == np.float32 else 1e-13)
    # bit for bit wherever the generic sigmoid's clip does not bind; beyond it both are 0 to
    # the dtype's accuracy (the generic one is the smallest normal number)
    safe = z >= -float(np.floor(np.log(np.finfo(dtype).max)))
    np.testing.assert_array_equal(work[safe], delta[safe])
    tiny = float(np.finfo(dtype).tiny) * 0.3 / m
    np.testing.assert_allclose(work[~safe], delta[~safe], rtol=0, atol=tiny)


def test_fused_kernel_with_soft_targets():
    z = _logits((1, 70_000), np.float64)
    y = np.random.default_rng(2).random((1, 70_000))
    cost, delta = _generic_cost_and_delta(z, y, scale=1.0)
    work = z.copy()
    np.testing.assert_allclose(kernels.sigmoid_cross_entropy_delta(work, y, 1.0), cost, rtol=1e-13)
    np.testing.assert_allclose(work, delta, rtol=1e-15, atol=1e-300)


def test_fused_kernel_overflow_is_silent_but_other_errors_follow_the_callers_state():
    z = np.full((1, 100_000), -1000.0)
    z[0, 1::2] = 1000.0
    y = np.zeros_like(z)
    # exp(1000) overflows and 1 / exp(-1000) divides by zero silently, as the generic
    # sigmoid's clip never overflows (underflow, which both paths meet in exp(-|z|), stays
    # the caller's business)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        cost = kernels.sigmoid_cross_entropy_delta(z.copy(), y, 1.0)
    assert cost == 500.0  # softplus(1000) on half the examples, softplus(-1000) = 0
    bad = z.copy()
    bad[0, -1] = np.inf  # inf - inf in the last block: invalid
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        kernels.sigmoid_cross_entropy_delta(bad, np.ones_like(z), 1.0)


def test_applies_only_to_writeable_numpy_floats_of_one_dtype():
    a = np.zeros((2, 3))
    assert kernels.applies(a, np.ones((2, 3)))
    read_only = a.copy()
    read_only.flags.writeable = False
    assert not kernels.applies(read_only)
    assert not kernels.applies(np.zeros((2, 3), dtype=np.int64))
    assert not kernels.applies(a, np.ones((2, 3), dtype=np.float32))
    assert not kernels.applies(np.ma.masked_array(a))  # a subclass may not honour out=
    strict = pytest.importorskip("array_api_strict")
    assert not kernels.applies(strict.asarray([1.0, 2.0]))


@pytest.mark.parametrize("hidden", activations.HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("m", [9, 20_000], ids=["generic-output", "fused-output"])
def test_cost_and_gradients_equal_forward_cost_and_backward(hidden, m):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((3, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    params = initializers.draw_parameters([3, 4, 1], "xavier", np.random.default_rng(0))
    kwargs = {"hidden": hidden, "output": "sigmoid", "slope": 0.1}
    AL, cache = network.forward(X, params, **kwargs)
    cost = network.compute_cost(AL, Y, "sigmoid", logits=cache.logits)
    grads = network.backward(AL, Y, cache, params, scale=0.5, **kwargs)
    X_before = X.copy()
    params_before = [(w.copy(), b.copy()) for w, b in params]
    fused_cost, fused_grads = network.cost_and_gradients(X, Y, params, scale=0.5, **kwargs)
    np.testing.assert_allclose(float(fused_cost), float(cost), rtol=1e-13)
    for (dw, db), (fdw, fdb) in zip(grads, fused_grads, strict=True):
        np.testing.assert_allclose(fdw, dw, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(fdb, db, rtol=1e-12, atol=1e-15)
    # the kernels overwrite only arrays the step made itself
    np.testing.assert_array_equal(X, X_before)
    for (w, b), (w0, b0) in zip(params, params_before, strict=True):
        np.testing.assert_array_equal(w, w0)
        np.testing.assert_array_equal(b, b0)


def test_logistic_regression_step_memory_stays_near_what_it_must_hold():
    from nnbackend import bench

    _, ratio = bench.measure_memory(bench.Case("logreg", (2, 1), 1_000_000), "float32")
    assert ratio <= 1.25


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("rows", "m"), [(1, 7), (1, 1000), (3, 400)])
def test_a_small_output_is_the_generic_path_bit_for_bit_in_one_call(dtype, rows, m):
    # below the blocked pass's size the kernel runs the generic operations themselves: the
    # cost and dZ are the generic ones exactly, the sigmoid's clip included
    z = _logits((rows, m), dtype, seed=m)
    y = (np.random.default_rng(1).random((rows, m)) > 0.5).astype(dtype)
    cost, delta = _generic_cost_and_delta(z, y, scale=0.3)
    work = z.copy()
    with np.errstate(over="raise"):  # the clip keeps exp finite, as the generic one does
        fused = kernels.sigmoid_cross_entropy_delta(work, y, 0.3)
    assert fused.dtype == dtype and fused.shape == () and fused == cost
    np.testing.assert_array_equal(work, delta, strict=True)


def test_cost_and_gradients_takes_the_numpy_output_kernel_at_every_size(monkeypatch):
    calls = []
    fused = kernels.sigmoid_cross_entropy_delta
    monkeypatch.setattr(
        kernels, "sigmoid_cross_entropy_delta", lambda *a: calls.append(a[0].shape) or fused(*a)
    )
    rng = np.random.default_rng(3)
    params = initializers.draw_parameters([2, 4, 1], "xavier", np.random.default_rng(0))
    for m in (5, 400, 5000):
        X = rng.standard_normal((2, m))
        network.cost_and_gradients(X, (X[:1] > 0).astype(float), params)
    assert calls == [(1, 5), (1, 400), (1, 5000)]


def test_the_blocked_output_takes_one_exp_per_block(monkeypatch):
    # the sigmoid's exp(-z) serves the loss's exp(-|z|) too: exp is the block's dearest pass
    calls = []

    class CountingNumPy:
        def __getattr__(self, name):
            return getattr(np, name)

        @staticmethod
        def exp(*args, **kwargs):
            calls.append(args[0].shape)
            return np.exp(*args, **kwargs)

    monkeypatch.setattr(kernels, "np", CountingNumPy())
    z = _logits((1, 100_000), np.float32)
    y = (z > 0).astype(np.float32)
    kernels.sigmoid_cross_entropy_delta(z, y, 1.0)
    assert calls == [(1, 50_000), (1, 50_000)]
