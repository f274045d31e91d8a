"""The network spec, the backend resolved once at the estimators' boundary, and the passes
over X before the first step (issue 19)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnbackend.core.spec import NetworkSpec


def test_network_spec_is_frozen_hashable_and_read_from_params():
    params = [(np.zeros((4, 3)), np.zeros((4, 1))), (np.zeros((1, 4)), np.zeros((1, 1)))]
    spec = NetworkSpec.of(params, hidden="tanh")
    assert spec == NetworkSpec((np.int64(3), 4, 1), "tanh", "sigmoid", 0.01)
    assert hash(spec) == hash(NetworkSpec((3, 4, 1), "tanh"))
    assert spec.with_output("identity").output == "identity" and spec.output == "sigmoid"
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.hidden = "relu"  # type: ignore[misc]


def _spy_resolution(monkeypatch, adapter):
    # Count the registry's "which adapter owns this array" answers, wherever they are asked
    # from, and the entries into the adapter's computing scope other than its own conversions'
    # (from_host enters it around each device_put, inside the one conversion it is).
    import sys

    from nnbackend import backends
    from nnbackend.backends import _registry

    calls = {"adapter_of": 0, "computing": 0}
    original = _registry.adapter_of

    def adapter_of(x, prefer=None):
        calls["adapter_of"] += 1
        return original(x, prefer)

    monkeypatch.setattr(_registry, "adapter_of", adapter_of)
    monkeypatch.setattr(backends, "adapter_of", adapter_of)
    computing = type(adapter).computing

    def counted(self, dtype=None):
        if sys._getframe(1).f_code.co_name != "from_host":
            calls["computing"] += 1
        return computing(self, dtype)

    monkeypatch.setattr(type(adapter), "computing", counted)
    return calls


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 3))
    return X, (X[:, 0] > 0).astype(int)


def test_a_numpy_fit_resolves_its_backend_once(monkeypatch):
    import nnbackend
    from nnbackend import backends

    X, y = _data()
    model = nnbackend.NeuralNetworkClassifier(hidden_layer_sizes=(4,), max_iter=5, tol=None)
    with nnbackend.use_backend("numpy"):
        calls = _spy_resolution(monkeypatch, backends.get("numpy"))
        model.fit(X, y)
    assert calls["adapter_of"] <= 1
    assert calls["computing"] == 1


@pytest.mark.parametrize("solver", ["gd", "adam"])
def test_a_jax_fit_resolves_its_backend_once(monkeypatch, solver):
    jnp = pytest.importorskip("jax.numpy")
    import nnbackend
    from nnbackend import backends

    X, y = _data()
    Xj = jnp.asarray(X, dtype=jnp.float32)

    def fit():
        nnbackend.NeuralNetworkClassifier(
            hidden_layer_sizes=(4,), max_iter=5, tol=None, solver=solver
        ).fit(Xj, y)

    # The first fit traces the step, and the core math asks each traced array's capabilities
    # then (in-place updates, fused kernels); a fit that reuses the compiled program shows
    # what the boundary and the driver ask.
    fit()
    calls = _spy_resolution(monkeypatch, backends.get("jax"))
    fit()
    assert calls["adapter_of"] <= 1
    assert calls["computing"] == 1


def test_a_library_mismatch_raises_one_error_type():
    strict = pytest.importorskip("array_api_strict")
    import nnbackend
    from nnbackend.errors import BackendError

    X, y = _data()
    with nnbackend.use_backend("numpy"):
        model = nnbackend.NeuralNetworkClassifier(hidden_layer_sizes=(2,), max_iter=1).fit(X, y)
        with pytest.raises(BackendError, match="never mixes libraries") as predicted:
            model.predict(strict.asarray(X))
        with pytest.raises(BackendError, match="never mixes libraries") as converted:
            nnbackend.asarray(strict.asarray(X))
    assert type(predicted.value) is type(converted.value) is BackendError


def test_fit_converts_x_in_one_pass(monkeypatch):
    # Between fit and the first step X is read once: the transposed copy, checked finite
    # block by block on the way. Counted two ways: no finiteness check sees an array of X's
    # size, and the conversion allocates one array of X's size (the copy) and nothing else big.
    import tracemalloc

    import nnbackend
    from nnbackend.estimators import validation

    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 300))  # 4.8 MB: far above the block size
    y = (X[:, 0] > 0).astype(int)
    seen = []
    isfinite = np.isfinite

    class CountingNumpy:
        def __getattr__(self, attr):
            return getattr(np, attr)

        @staticmethod
        def isfinite(x, *args, **kwargs):
            seen.append(np.size(x))
            return isfinite(x, *args, **kwargs)

    monkeypatch.setattr(validation, "np", CountingNumpy())
    tracemalloc.start()
    try:
        XT = validation.transposed_finite(X, "float64")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert XT.flags.c_contiguous and np.array_equal(XT, X.T)
    assert peak < 1.05 * X.nbytes
    assert seen and max(seen) < X.size
    seen.clear()
    with nnbackend.use_backend("numpy"):
        nnbackend.NeuralNetworkClassifier(hidden_layer_sizes=(2,), max_iter=1, tol=None).fit(X, y)
    assert seen and max(seen) < X.size  # the fit's conversion is this one pass
    bad = X.copy()
    bad[1500, 7] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        validation.transposed_finite(bad, "float32")


def test_a_wide_x_is_transposed_and_checked_in_tiles():
    # fewer than 32 examples of 12288 features fit a block: the copy goes in tiles, each
    # checked as it is copied, the last (partial) one included
    from nnbackend.estimators import validation

    rng = np.random.default_rng(1)
    X = rng.standard_normal((70, 12288))
    for dtype in ("float64", "float32"):
        XT = validation.transposed_finite(X, dtype)
        assert XT.flags.c_contiguous and XT.dtype == dtype
        np.testing.assert_array_equal(XT, X.T.astype(dtype))
    bad = X.copy()
    bad[-1, -1] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        validation.transposed_finite(bad, "float64")


def test_numpy_reads_a_c_contiguous_x_in_place():
    # host data on NumPy in its own dtype: the course layout is X's transposed view (no array
    # of X's size is written), still checked finite block by block, the last block included
    import nnbackend
    from nnbackend.estimators import validation

    rng = np.random.default_rng(2)
    X = rng.standard_normal((3000, 40))
    with nnbackend.use_backend("numpy") as numpy_backend:  # the host backend
        pass
    XT, owner = validation.to_backend_features(X, numpy_backend, "float64")
    assert owner is None and XT.shape == (40, 3000) and np.shares_memory(XT, X)
    np.testing.assert_array_equal(XT, X.T)
    # another dtype or layout: the checked copy
    for other, dtype in ((X, "float32"), (np.asfortranarray(X), "float64")):
        copied = validation.to_backend_features(other, numpy_backend, dtype)[0]
        assert not np.shares_memory(copied, other) and copied.flags.c_contiguous
    bad = X.copy()
    bad[-1, -1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        validation.to_backend_features(bad, numpy_backend, "float64")
    # the fit reads the view and leaves the caller's X as it was
    before = X.copy()
    y = (X[:, 0] > 0).astype(int)
    with nnbackend.use_backend("numpy"):
        nnbackend.NeuralNetworkClassifier(
            hidden_layer_sizes=(3,),
            max_iter=3,
            batch_size=64,
            early_stopping=True,
            tol=None,
            dtype="float64",
        ).fit(X, y)
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("library", ["numpy", "jax"])
def test_move_all_gives_what_move_gives_each(library):
    if library == "jax":
        pytest.importorskip("jax")
    from nnbackend import backends
    from nnbackend.backends import Placement

    adapter = backends.get(library)
    hosts = [np.arange(6.0).reshape(2, 3), np.ones((2, 1), dtype=np.float32), [[1, 2]]]
    for dtype in ("float32", "float64"):
        with adapter.computing(dtype):
            like = adapter.from_host(np.zeros((1, 1)), None, dtype)
            place = Placement.of(like, adapter, compiled=False)
            moved = place.move_all(hosts)
            each = [place.move(h) for h in hosts]
        assert [str(a.dtype) for a in moved] == [dtype] * 3
        for a, b in zip(moved, each, strict=True):
            assert adapter.device_of(a) == adapter.device_of(b)
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_jax_moves_a_models_parameters_in_one_transfer(monkeypatch):
    jax = pytest.importorskip("jax")
    from nnbackend import backends

    calls = []
    put = jax.device_put
    monkeypatch.setattr(jax, "device_put", lambda x, *a, **k: calls.append(x) or put(x, *a, **k))
    hosts = [np.zeros((3, 2)), np.zeros((3, 1)), np.zeros((1, 3)), np.zeros((1, 1))]
    moved = backends.get("jax").from_host_all(hosts, jax.devices()[0], "float64")
    assert len(calls) == 1
    assert [a.shape for a in moved] == [h.shape for h in hosts]
    assert {str(a.dtype) for a in moved} == {"float64"}
