"""The NNBACKEND switch: parsing, errors, context manager, conversion, lazy imports."""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest

import nnbackend
from nnbackend import backends
from nnbackend.backends import switch as backend_module
from nnbackend.errors import BackendError

VALID_NAMES = backend_module.valid_names()


@pytest.fixture
def fresh_env(monkeypatch):
    """Forget the process default so that the next get_backend() reads the environment."""
    monkeypatch.setattr(backend_module, "_default", None)
    monkeypatch.delenv("NNBACKEND", raising=False)
    monkeypatch.delenv("NNBACKEND_DEVICE", raising=False)
    return monkeypatch


@pytest.mark.parametrize("value", [None, ""])
def test_unset_or_empty_means_numpy(fresh_env, value):
    if value is not None:
        fresh_env.setenv("NNBACKEND", value)
    assert nnbackend.get_backend().name == "numpy"


@pytest.mark.parametrize("value", ["nmupy", "NumPy", "0", "1", "true", "cuda", " numpy", "gpu"])
def test_bad_names_give_the_full_message(fresh_env, value):
    fresh_env.setenv("NNBACKEND", value)
    with pytest.raises(BackendError) as info:
        nnbackend.get_backend()
    message = str(info.value)
    assert repr(value) in message
    for name in VALID_NAMES:
        assert name in message
    assert "Installed: numpy" in message
    assert "Set NNBACKEND to one of" in message


def test_misspelling_suggests_the_close_name(fresh_env):
    fresh_env.setenv("NNBACKEND", "nmupy")
    with pytest.raises(BackendError, match="Did you mean 'numpy'"):
        nnbackend.get_backend()


def test_backend_error_is_catchable_as_import_and_runtime_error(fresh_env):
    fresh_env.setenv("NNBACKEND", "bogus")
    with pytest.raises(ImportError):
        nnbackend.get_backend()
    with pytest.raises(RuntimeError):
        nnbackend.get_backend()


def test_uninstalled_backend_says_how_to_install(fresh_env, monkeypatch):
    monkeypatch.setattr(
        backends.Adapter, "is_installed", lambda self: isinstance(self, backends.NumpyAdapter)
    )
    fresh_env.setenv("NNBACKEND", "torch")
    with pytest.raises(BackendError) as info:
        nnbackend.get_backend()
    message = str(info.value)
    assert "'torch' is not installed" in message
    assert "Installed: numpy." in message
    assert "pip install 'nnbackend[torch]'" in message
    for name in VALID_NAMES:
        assert name in message


def _fake_cupy(device_count_error: bool) -> types.ModuleType:
    cupy = types.ModuleType("cupy")
    runtime = types.SimpleNamespace()

    def get_device_count():
        if device_count_error:
            raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")
        return 0

    runtime.getDeviceCount = get_device_count
    cupy.cuda = types.SimpleNamespace(runtime=runtime)
    return cupy


@pytest.mark.parametrize("raises", [True, False])
def test_cupy_without_gpu_is_a_clear_error(fresh_env, monkeypatch, raises):
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(raises))
    fresh_env.setenv("NNBACKEND", "cupy")
    with pytest.raises(BackendError) as info:
        nnbackend.get_backend()
    message = str(info.value)
    assert "no usable CUDA device" in message
    assert "NNBACKEND=numpy" in message
    for name in VALID_NAMES:
        assert name in message


def test_auto_falls_back_to_numpy_without_gpu(fresh_env, monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(True))
    fresh_env.setenv("NNBACKEND", "auto")
    assert nnbackend.get_backend().name == "numpy"


def test_bad_device_for_numpy(fresh_env):
    fresh_env.setenv("NNBACKEND_DEVICE", "cuda:0")
    with pytest.raises(BackendError, match="'cuda:0' is not valid for backend 'numpy'"):
        nnbackend.get_backend()


def test_array_api_strict_device_from_env(fresh_env):
    pytest.importorskip("array_api_strict")
    fresh_env.setenv("NNBACKEND", "array_api_strict")
    fresh_env.setenv("NNBACKEND_DEVICE", "device1")
    active = nnbackend.get_backend()
    assert active.name == "array_api_strict"
    assert str(active.device) == "array_api_strict.Device('device1')"
    x = nnbackend.asarray([1.0, 2.0])
    assert x.device == active.device


def test_set_backend_rejects_and_keeps_the_previous(numpy_backend):
    with pytest.raises(BackendError):
        nnbackend.set_backend("tensorflow")
    assert nnbackend.get_backend() is numpy_backend


def test_use_backend_restores_after_an_exception(numpy_backend):
    pytest.importorskip("array_api_strict")
    with pytest.raises(ZeroDivisionError):
        with nnbackend.use_backend("array_api_strict", "device1") as inner:
            assert nnbackend.get_backend() is inner
            1 / 0  # noqa: B018
    assert nnbackend.get_backend() is numpy_backend


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_asarray_and_to_numpy_round_trip(backend, dtype_name):
    host = np.arange(6, dtype=np.float64).reshape(2, 3) / 7
    x = nnbackend.asarray(host, dtype=dtype_name)
    assert nnbackend.backends.library_of(x) in (None if backend.name == "numpy" else backend.name,)
    back = nnbackend.to_numpy(x)
    assert back.dtype == np.dtype(dtype_name)
    np.testing.assert_allclose(back, host.astype(dtype_name))


def test_asarray_refuses_another_library(backend):
    pytest.importorskip("array_api_strict")
    if backend.name == "array_api_strict":
        other_name, other_device = "numpy", None
        foreign = None
    else:
        other_name, other_device = "array_api_strict", "device1"
    with nnbackend.use_backend(other_name, other_device):
        foreign = nnbackend.asarray([1.0, 2.0])
    if foreign is None or nnbackend.backends.library_of(foreign) is None:
        pytest.skip("host data is always accepted")
    with pytest.raises(BackendError, match="never mixes libraries silently"):
        nnbackend.asarray(foreign)


def test_asarray_refuses_another_device():
    strict = pytest.importorskip("array_api_strict")
    on_device2 = strict.asarray([1.0], device=strict.Device("device2"))
    with nnbackend.use_backend("array_api_strict", "device1"):
        with pytest.raises(BackendError, match="device2"):
            nnbackend.asarray(on_device2)


def test_import_does_not_load_optional_libraries():
    code = (
        "import sys, nnbackend; "
        "print(' '.join(m for m in ('cupy','torch','jax','dask','matplotlib','sklearn','h5py',"
        "'tqdm','array_api_strict') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_importtime_shows_no_optional_library():
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import nnbackend"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip().split(".")[0] for line in out.stderr.splitlines()}
    assert imported.isdisjoint({"cupy", "torch", "jax", "dask", "matplotlib", "sklearn", "h5py"})


def test_info_lists_every_backend(numpy_backend):
    report = nnbackend.info()
    assert report["active"] == "numpy"
    assert tuple(report["backends"]) == backends.registered()
    assert report["backends"]["numpy"]["installed"] is True
    assert report["backends"]["numpy"]["devices"] == ["cpu"]
    assert report["numpy_blas"]


def test_info_reports_a_bad_env_instead_of_crashing(fresh_env):
    fresh_env.setenv("NNBACKEND", "bogus")
    report = nnbackend.info(probe_devices=False)
    assert report["active"] is None
    assert "bogus" in report["error"]


# ----------------------------------------------------------------- issue 21, items 17-19
def test_use_backend_checks_the_name_at_the_call(numpy_backend):
    with pytest.raises(BackendError, match="unknown backend 'no-such-backend'"):
        nnbackend.use_backend("no-such-backend")  # no with: it fails here all the same
    with pytest.raises(BackendError, match="device must be a string"):
        nnbackend.use_backend("numpy", 3)  # type: ignore[arg-type]


def test_use_backend_as_a_statement_changes_nothing_and_says_so(numpy_backend):
    pytest.importorskip("array_api_strict")
    with pytest.warns(RuntimeWarning, match=r"never entered.*set_backend\('array_api_strict'\)"):
        nnbackend.use_backend("array_api_strict")
    assert nnbackend.get_backend() is numpy_backend
    scope = nnbackend.use_backend("array_api_strict")
    # a notebook shows the repr of a cell's last statement
    assert "not active" in repr(scope) and "with nnbackend.use_backend" in repr(scope)
    with scope as inner:
        assert nnbackend.get_backend() is inner and "active;" in repr(scope)
        with pytest.raises(RuntimeError, match="cannot be entered twice"):
            scope.__enter__()
    assert nnbackend.get_backend() is numpy_backend


def test_blocks_exited_out_of_order_are_refused_and_leak_nothing(numpy_backend):
    pytest.importorskip("array_api_strict")
    outer = nnbackend.use_backend("array_api_strict")
    inner = nnbackend.use_backend("numpy")
    outer.__enter__()
    inner.__enter__()
    # resetting the outer token first used to leave the outer block's backend active after
    # both blocks had exited
    with pytest.raises(
        BackendError,
        match=r"use_backend\('array_api_strict'\) cannot exit.*"
        r"use_backend\('numpy'\).*still open",
    ):
        outer.__exit__(None, None, None)
    assert "active;" in repr(outer)
    inner.__exit__(None, None, None)
    assert nnbackend.get_backend().name == "array_api_strict"
    outer.__exit__(None, None, None)
    assert nnbackend.get_backend() is numpy_backend
    with outer:  # a block that exited may be entered again
        with inner:
            assert nnbackend.get_backend().name == "numpy"
        assert nnbackend.get_backend().name == "array_api_strict"
    assert nnbackend.get_backend() is numpy_backend


def test_mixed_library_messages_advise_forms_that_work(numpy_backend):
    torch = pytest.importorskip("torch")
    with pytest.raises(BackendError) as info:
        nnbackend.asarray(torch.zeros(2))
    message = str(info.value)
    assert "`with nnbackend.use_backend('torch'):`" in message
    assert "nnbackend.set_backend('torch')" in message


def test_a_bad_torch_compile_backend_names_the_variable(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setenv("NNBACKEND_TORCH_COMPILE", "1")
    monkeypatch.setenv("NNBACKEND_TORCH_COMPILE_BACKEND", "indcutor")
    X = np.random.default_rng(0).standard_normal((20, 2))
    y = (X[:, 0] > 0).astype(int)
    with nnbackend.use_backend("torch"):
        with pytest.raises(
            BackendError,
            match=r"NNBACKEND_TORCH_COMPILE_BACKEND='indcutor' is not a torch.compile backend"
            r".*inductor.*aot_eager",
        ):
            nnbackend.LogisticRegression(max_iter=2).fit(X, y)


def test_a_meta_tensor_is_refused_at_the_boundary(numpy_backend):
    torch = pytest.importorskip("torch")
    meta = torch.empty((20, 2), device="meta")
    y = np.arange(20) % 2
    with pytest.raises(TypeError, match="X is a torch tensor on the 'meta' device"):
        nnbackend.NeuralNetworkClassifier((3,), max_iter=2).fit(meta, y)
    with pytest.raises(TypeError, match="'meta' device holds no data"):
        nnbackend.NeuralNetworkClassifier((3,), max_iter=2).fit(torch.zeros((20, 2)), meta[:, 0])
    with pytest.raises(TypeError, match="'meta' device holds no data"):
        nnbackend.to_numpy(meta)
