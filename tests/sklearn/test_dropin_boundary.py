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
