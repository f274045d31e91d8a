"""Shared fixtures: every test that takes ``backend`` runs once per installed array library.

array_api_strict runs with its strictest flags on a non-default device ("device1"), standing in
for a GPU: device mixing and non-standard calls fail there as they would on CuPy.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import nnbackend
from nnbackend import backends
from nnbackend.errors import BackendError
from skip_summary import pytest_terminal_summary  # noqa: F401  (skips grouped by reason)


def _case_id(name: str) -> str:
    device = backends.get(name).test_device
    return name if device is None else f"{name}-{device}"


# (id, backend name, device): one case per registered adapter, on the device the adapter names
# for tests (array_api_strict on "device1", standing in for a GPU).
BACKEND_CASES = [
    (_case_id(name), name, backends.get(name).test_device) for name in backends.registered()
]
CAT_DATA = Path(
    os.environ.get(
        "NNBACKEND_CATVNONCAT",
        Path(__file__).resolve().parents[2] / "shared" / "data" / "catvnoncat",
    )
)


def _installed(name: str) -> bool:
    return backends.get(name).is_installed()


def _strict_flags(on: bool) -> None:
    import array_api_strict

    if on:
        array_api_strict.set_array_api_strict_flags(
            boolean_indexing=False, data_dependent_shapes=False, enabled_extensions=()
        )
    else:
        array_api_strict.reset_array_api_strict_flags()


@pytest.fixture(params=[c[0] for c in BACKEND_CASES])
def backend(request):
    """Make one backend active for the test; skip with a reason when it cannot run here."""
    case = next(c for c in BACKEND_CASES if c[0] == request.param)
    _, name, device = case
    if not _installed(name):
        pytest.skip(f"{name} is not installed: {backends.get(name).install_hint}")
    try:
        ctx = nnbackend.use_backend(name, device)
        active = ctx.__enter__()
    except BackendError as exc:
        pytest.skip(f"{name} cannot run here: {exc}")
    if name == "array_api_strict":
        _strict_flags(True)
    # Tests call the math directly, as a user computing on the library would: inside the
    # library's computing context (JAX's 64-bit mode, which nnbackend's front doors enter by
    # themselves and which JAX requires for float64 work).
    computing = active.adapter.computing()
    computing.__enter__()
    try:
        yield active
    finally:
        computing.__exit__(None, None, None)
        if name == "array_api_strict":
            _strict_flags(False)
        ctx.__exit__(None, None, None)


@pytest.fixture
def numpy_backend():
    """Run the test on NumPy whatever NNBACKEND says."""
    with nnbackend.use_backend("numpy") as active:
        yield active


@pytest.fixture(params=["float64", "float32"])
def dtype(request):
    """Both first-class float dtypes."""
    return request.param


@pytest.fixture
def cat_data_dir():
    """The course's cat/non-cat HDF5 folder; the test skips when it is absent."""
    if not (CAT_DATA / "train_catvnoncat.h5").exists():
        pytest.skip(f"cat data not found at {CAT_DATA} (set NNBACKEND_CATVNONCAT)")
    pytest.importorskip("h5py")
    return CAT_DATA


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test left open (the notebook-style plotting calls keep theirs open
    for the learner's plt.title), so that matplotlib's 20-figure warning never fires later."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
