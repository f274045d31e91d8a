"""Where the drop-in computes: the library of X, and the one mismatch error of
:mod:`nnbackend.backends.placement` for data of another library than the weights'."""

from __future__ import annotations

import numpy as np
import pytest

from nnbackend.errors import BackendError

pytest.importorskip("sklearn")

from nnbackend.datasets import make_moons
from nnbackend.sklearn import MLPClassifier

X, Y = make_moons(60, seed=0)


def test_weights_of_one_library_never_meet_data_of_another():
    torch = pytest.importorskip("torch")
    jnp = pytest.importorskip("jax.numpy")
    model = MLPClassifier((3,), max_iter=3, random_state=0).fit(torch.tensor(X), Y)
    assert type(model.coefs_[0]).__module__.startswith("torch")
    with pytest.raises(BackendError, match="where this model's weights are"):
        model.predict(jnp.asarray(X))
    # host data and the weights' own library still predict
    assert model.predict(X).shape == (60,)
    assert model.predict(torch.tensor(X)).shape == (60,)


def test_the_drop_in_has_no_placement_of_its_own():
    from nnbackend.sklearn import _boundary

    assert not hasattr(_boundary, "placement_of")
    _, place = _boundary.to_course(X, *_boundary.backend_for(X), np.dtype(np.float64))
    from nnbackend.backends import Placement

    assert isinstance(place, Placement)


def test_a_meta_tensor_is_refused_at_the_boundary_as_the_native_estimators_do():
    torch = pytest.importorskip("torch")
    meta = torch.empty(60, 2, device="meta")
    with pytest.raises(TypeError, match="X is a torch tensor on the 'meta' device"):
        MLPClassifier((3,), max_iter=3, random_state=0).fit(meta, Y)
    model = MLPClassifier((3,), max_iter=3, random_state=0).fit(torch.tensor(X), Y)
    with pytest.raises(TypeError, match="'meta' device"):
        model.predict(meta)


@pytest.mark.parametrize("library", ["torch", "jax.numpy"])
def test_complex_x_of_a_library_is_refused(library):
    xp = pytest.importorskip(library)
    Xc = xp.asarray(X.astype(np.complex64))
    with pytest.raises(ValueError, match="Complex data not supported: X has dtype"):
        MLPClassifier((3,), max_iter=3, random_state=0).fit(Xc, Y)


@pytest.mark.parametrize("dtype", ["datetime64[s]", "timedelta64[ms]"])
def test_dates_and_durations_are_refused_not_cast_to_ticks(dtype):
    with pytest.raises(TypeError, match=r"X has the dtype .*64.* \(dates or durations\)"):
        MLPClassifier((3,), max_iter=3, random_state=0).fit(X.astype(dtype), Y)
    model = MLPClassifier((3,), max_iter=3, random_state=0).fit(X, Y)
    with pytest.raises(TypeError, match="dates or durations"):
        model.predict(X.astype(dtype))


@pytest.mark.parametrize("library", ["torch", "jax.numpy"])
def test_negative_weights_of_a_library_are_refused(library):
    xp = pytest.importorskip(library)
    weights = xp.asarray(np.r_[-1.0, np.ones(59)])
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        MLPClassifier((3,), max_iter=3, random_state=0).fit(xp.asarray(X), xp.asarray(Y), weights)
