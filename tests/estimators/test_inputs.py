"""Inputs pick their library (scikit-learn's array-API rule: everything follows X), and
library-specific traps are caught at the boundary by the adapters."""

from __future__ import annotations

import numpy as np
import pytest

import nnbackend
from nnbackend import datasets
from nnbackend.backends import backend_of, library_of
from nnbackend.errors import BackendError


@pytest.fixture
def moons():
    return datasets.make_moons(60, noise=0.2, seed=3)


def _on(name, device, host):
    with nnbackend.use_backend(name, device):
        return nnbackend.asarray(host)


@pytest.mark.parametrize(
    ("library", "device"), [("torch", "cpu"), ("array_api_strict", "device1"), ("jax", None)]
)
def test_library_arrays_compute_on_their_library_whatever_the_active_backend(
    moons, numpy_backend, library, device
):
    pytest.importorskip(library)
    X, y = moons
    Xl = _on(library, device, X)
    model = nnbackend.NeuralNetworkClassifier((4,), max_iter=20, tol=None, random_state=0).fit(
        Xl, y
    )
    owner = backend_of(model.coefs_[0])
    assert owner is not None and owner.name == library
    if device is not None:
        assert owner.adapter.same_device(owner.device, backend_of(Xl).device)
    assert library_of(model.predict_proba(Xl)) == library
    # the same numbers as NumPy, from the same seed
    reference = nnbackend.NeuralNetworkClassifier((4,), max_iter=20, tol=None, random_state=0).fit(
        X, y
    )
    np.testing.assert_allclose(
        nnbackend.to_numpy(model.predict_proba(Xl)), reference.predict_proba(X), rtol=1e-10
    )


def test_host_data_goes_to_the_active_backend(moons):
    pytest.importorskip("array_api_strict")
    X, y = moons
    with nnbackend.use_backend("array_api_strict", "device1"):
        model = nnbackend.LogisticRegression(max_iter=20, tol=None).fit(X, y)
        assert library_of(model.coef_) == "array_api_strict"
    # results for host input come back as NumPy
    assert isinstance(model.predict_proba(X), np.ndarray)


def test_y_of_another_library_follows_x(moons, numpy_backend):
    torch = pytest.importorskip("torch")
    X, y = moons
    model = nnbackend.LogisticRegression(max_iter=20, tol=None).fit(X, torch.asarray(y))
    assert isinstance(model.coef_, np.ndarray)
    regressor = nnbackend.NeuralNetworkRegressor((3,), max_iter=10, tol=None, random_state=0)
    regressor.fit(torch.asarray(X), X[:, 0])
    assert library_of(regressor.coefs_[0]) == "torch"


def test_predict_on_another_library_says_how_to_fix(moons, numpy_backend):
    torch = pytest.importorskip("torch")
    X, y = moons
    model = nnbackend.LogisticRegression(max_iter=5, tol=None).fit(X, y)
    with pytest.raises(BackendError) as info:
        model.predict(torch.asarray(X))
    message = str(info.value)
    assert "'torch'" in message and "'numpy'" in message
    assert "where this model's parameters are" in message
    assert "use_backend('torch')" in message and "NNBACKEND=torch" in message


def test_a_tensor_that_requires_grad_records_no_graph(moons, numpy_backend):
    torch = pytest.importorskip("torch")
    X, y = moons
    Xt = torch.asarray(X).requires_grad_(True)
    model = nnbackend.NeuralNetworkClassifier((4,), max_iter=5, tol=None, random_state=0).fit(Xt, y)
    for w in model.coefs_:
        assert w.grad_fn is None and not w.requires_grad
    assert model.predict_proba(Xt).grad_fn is None


def test_a_sparse_tensor_is_refused_clearly(moons, numpy_backend):
    torch = pytest.importorskip("torch")
    X, y = moons
    with pytest.raises(TypeError, match=r"X is a sparse torch tensor .*to_dense\(\)"):
        nnbackend.LogisticRegression(max_iter=5, tol=None).fit(torch.asarray(X).to_sparse(), y)


@pytest.mark.parametrize("device", ["meta", "mps", "xpu", "cuda:7x"])
def test_torch_devices_that_cannot_compute_are_refused_at_selection(device):
    pytest.importorskip("torch")
    with pytest.raises(BackendError, match=repr(device)):
        nnbackend.set_backend("torch", device)


def test_asarray_refusal_names_both_libraries_and_the_fix():
    strict = pytest.importorskip("array_api_strict")
    x = strict.asarray([1.0], device=strict.Device("device1"))
    with nnbackend.use_backend("numpy"):
        with pytest.raises(BackendError) as info:
            nnbackend.asarray(x)
    message = str(info.value)
    assert "'array_api_strict'" in message and "'numpy'" in message
    assert "use_backend('array_api_strict')" in message


@pytest.mark.parametrize(
    "labels",
    [
        np.array([1.5, 2.5] * 30, dtype=object),
        np.array([np.float32(0.5), np.float32(1.0)] * 30, dtype=object),
        np.array([1.5, 2.5] * 30),
    ],
)
def test_non_integer_floats_are_continuous_in_an_object_array_too(moons, labels):
    # Issue 21, item 25: the object array was taken as two classes, float64 refused.
    X, _ = moons
    with pytest.raises(ValueError, match=r"Unknown label type: y holds continuous values"):
        nnbackend.LogisticRegression(max_iter=3).fit(X, labels)


def test_integral_floats_are_labels_in_an_object_array_as_in_float64(moons):
    X, y = moons
    as_object = nnbackend.LogisticRegression(max_iter=3).fit(X, y.astype(object) + 1.0)
    as_float = nnbackend.LogisticRegression(max_iter=3).fit(X, y + 1.0)
    assert as_object.classes_.tolist() == as_float.classes_.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"Input y contains NaN or infinity"):
        nnbackend.LogisticRegression().fit(X, np.array([np.float32("nan"), 1.0] * 30, object))
