"""Activations and costs: numerics, dtype and device preservation, agreement with NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from array_api_compat import array_namespace, device

import nnbackend
from helpers import host as _np
from helpers import rtol_for
from nnbackend.core import activations, losses


def _reference_sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))  # an independent closed form


@pytest.mark.parametrize("name", activations.ACTIVATIONS)
def test_activations_match_numpy_and_keep_dtype_and_device(backend, dtype, name):
    host = np.linspace(-6, 6, 24).reshape(3, 8)
    z = nnbackend.asarray(host, dtype=dtype)
    a = activations.activation_forward(z, name)
    assert a.dtype == z.dtype
    assert array_namespace(a) is array_namespace(z)
    if backend.device is not None:
        assert device(a) == device(z)
    with nnbackend.use_backend("numpy"):
        expected = activations.activation_forward(host.astype(dtype), name)
    np.testing.assert_allclose(_np(a), expected, rtol=rtol_for(dtype), atol=1e-7)


def test_sigmoid_limits_without_overflow(backend, dtype):
    z = nnbackend.asarray([-1e4, -745.0, -40.0, -1.0, 0.0, 1.0, 40.0, 745.0, 1e4], dtype=dtype)
    s = _np(activations.sigmoid(z))
    assert np.all(np.isfinite(s))
    assert 0.0 <= s[0] < 1e-37 and s[-1] == 1.0  # 0 to the dtype's accuracy
    assert s[4] == 0.5
    np.testing.assert_allclose(s[3], 1 / (1 + np.e), rtol=rtol_for(dtype))
    if dtype == "float64":
        # full relative precision in the negative tail, where 1 - tanh-based forms lose it
        np.testing.assert_allclose(s[2], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-14)


def test_sigmoid_matches_an_independent_form():
    z = np.linspace(-30, 30, 101)
    np.testing.assert_allclose(
        activations.sigmoid(z), _reference_sigmoid(z), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("name", activations.HIDDEN_ACTIVATIONS)
def test_derivatives_from_the_output_equal_finite_differences(name):
    z = np.linspace(-3, 3, 40).reshape(4, 10) + 0.013  # no exact 0, where relu has a kink
    a = activations.activation_forward(z, name, slope=0.1)
    h = 1e-6
    fd = (
        activations.activation_forward(z + h, name, slope=0.1)
        - activations.activation_forward(z - h, name, slope=0.1)
    ) / (2 * h)
    dz = activations.activation_backward(np.ones_like(z), a, name, slope=0.1)
    np.testing.assert_allclose(dz, fd, rtol=1e-7, atol=1e-9)


def test_softmax_columns_sum_to_one_and_survive_huge_logits(backend, dtype):
    z = nnbackend.asarray(
        [[1000.0, -1000.0, 0.0], [0.0, 0.0, 1.0], [-5.0, 1000.0, 2.0]], dtype=dtype
    )
    a = _np(activations.softmax(z))
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a.sum(axis=0), 1.0, rtol=rtol_for(dtype) * 10)


def test_unknown_activation_names_the_value():
    with pytest.raises(ValueError, match="activation='swish' is not valid"):
        activations.activation_forward(np.zeros(3), "swish")
    with pytest.raises(ValueError, match="softmax is only an output"):
        activations.activation_backward(np.zeros(3), np.zeros(3), "softmax")


def test_saturated_predictions_give_finite_costs(backend, dtype):
    y = nnbackend.asarray([[0.0, 1.0, 1.0, 0.0]], dtype=dtype)
    a = nnbackend.asarray([[1.0, 0.0, 1.0, 0.0]], dtype=dtype)  # two confidently wrong
    z = nnbackend.asarray([[800.0, -800.0, 800.0, -800.0]], dtype=dtype)
    bce = float(losses.binary_cross_entropy(a, y))
    logits = float(losses.binary_cross_entropy_with_logits(z, y))
    assert np.isfinite(bce) and bce > 5  # -log(eps) per wrong example
    assert logits == pytest.approx(400.0, rel=1e-6)  # (800 + 800 + 0 + 0) / 4
    onehot = nnbackend.asarray([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    probs = nnbackend.asarray([[0.0, 0.0], [1.0, 1.0]], dtype=dtype)
    assert np.isfinite(float(losses.softmax_cross_entropy(probs, onehot)))
    zz = nnbackend.asarray([[-900.0, 0.0], [900.0, 0.0]], dtype=dtype)
    assert float(losses.softmax_cross_entropy_with_logits(zz, onehot)) == pytest.approx(
        (1800.0 + np.log(2)) / 2, rel=1e-6
    )


def test_costs_agree_across_forms_and_with_numpy(backend, dtype):
    rng = np.random.default_rng(3)
    zh = rng.standard_normal((1, 9)) * 3
    yh = (rng.random((1, 9)) > 0.5).astype(float)
    z, y = nnbackend.asarray(zh, dtype=dtype), nnbackend.asarray(yh, dtype=dtype)
    from_logits = losses.binary_cross_entropy_with_logits(z, y)
    from_probs = losses.binary_cross_entropy(activations.sigmoid(z), y)
    assert from_logits.dtype == z.dtype
    expected = -np.mean(
        yh * np.log(_reference_sigmoid(zh)) + (1 - yh) * np.log(1 - _reference_sigmoid(zh))
    )
    np.testing.assert_allclose(float(from_logits), expected, rtol=rtol_for(dtype) * 10)
    np.testing.assert_allclose(float(from_probs), expected, rtol=rtol_for(dtype) * 10)
    zk = rng.standard_normal((3, 9))
    yk = np.eye(3)[rng.integers(0, 3, 9)].T
    zk_b, yk_b = nnbackend.asarray(zk, dtype=dtype), nnbackend.asarray(yk, dtype=dtype)
    ce = -np.sum(yk * (zk - np.log(np.exp(zk).sum(axis=0)))) / 9
    np.testing.assert_allclose(
        float(losses.softmax_cross_entropy_with_logits(zk_b, yk_b)), ce, rtol=rtol_for(dtype) * 10
    )
    np.testing.assert_allclose(
        float(losses.softmax_cross_entropy(activations.softmax(zk_b), yk_b)),
        ce,
        rtol=rtol_for(dtype) * 10,
    )
    # half the squared error, averaged over the examples and the outputs (scikit-learn's)
    mse = np.sum((zk - yk) ** 2) / (2 * 9 * 3)
    np.testing.assert_allclose(
        float(losses.mean_squared_error(zk_b, yk_b)), mse, rtol=rtol_for(dtype) * 10
    )


def test_clip_epsilon_follows_the_dtype():
    assert losses.clip_epsilon(np.float32, np) == pytest.approx(1.1920929e-07)
    assert losses.clip_epsilon(np.float64, np) == pytest.approx(2.220446049250313e-16)
