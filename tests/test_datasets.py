"""The data-set generators: sizes checked before anything is allocated, and exactly the samples
and classes asked for."""

from __future__ import annotations

import numpy as np
import pytest

from nnbackend import datasets


@pytest.mark.parametrize(
    ("make", "kwargs", "argument"),
    [
        (datasets.make_moons, {"n_samples": 10**12}, "n_samples=1000000000000"),
        (datasets.make_planar, {"n_samples": 10**12}, "n_samples=1000000000000"),
        (datasets.make_blobs, {"n_samples": 10**12}, "n_samples=1000000000000"),
        (datasets.make_blobs, {"n_samples": 20, "n_features": 10**9}, "n_features=1000000000"),
        (datasets.make_blobs, {"n_samples": 10**9, "centers": 10**9}, "centers=1000000000"),
        (datasets.make_classification, {"n_samples": 10**12}, "n_samples=1000000000000"),
        (
            datasets.make_classification,
            {"n_samples": 20, "n_features": 10**9},
            "n_features=1000000000",
        ),
        (datasets.make_planar, {"n_samples": 10**400}, "n_samples=1.00e+400"),
    ],
)
def test_generators_refuse_sizes_over_the_cap_before_allocating(make, kwargs, argument):
    with pytest.raises(ValueError, match=r"too large.*over the cap of 8\.0 GiB") as info:
        make(**kwargs)
    assert argument in str(info.value)


@pytest.mark.parametrize("n_samples", [2, 3, 5, 400, 401])
def test_make_planar_returns_exactly_the_samples_asked_for(n_samples):
    X, y = datasets.make_planar(n_samples)
    assert X.shape == (n_samples, 2) and y.shape == (n_samples,)
    assert set(np.unique(y).tolist()) == {0, 1}
    assert np.all(np.isfinite(X))


def test_make_planar_of_an_even_size_is_still_the_notebooks_draw():
    # the odd sample goes to class 1 at the end: the even sizes keep the notebook's stream
    X, y = datasets.make_planar(400)
    X5, y5 = datasets.make_planar(401)
    assert np.array_equal(X5[:200], X[:200]) and np.array_equal(y5[:200], y[:200])


@pytest.mark.parametrize(
    ("make", "kwargs", "argument"),
    [
        (datasets.make_classification, {"n_classes": 100, "n_features": 4}, "n_classes=100"),
        (datasets.make_blobs, {"centers": 25}, "centers=25"),
    ],
)
def test_generators_refuse_more_classes_than_samples(make, kwargs, argument):
    with pytest.raises(ValueError, match=argument + r" is not valid with n_samples=20"):
        make(20, **kwargs)


@pytest.mark.parametrize("make", [datasets.make_classification, datasets.make_blobs])
def test_generators_give_every_class_asked_for(make):
    kwargs = {"n_classes": 20} if make is datasets.make_classification else {"centers": 20}
    _, y = make(20, **kwargs)
    assert len(np.unique(y)) == 20


@pytest.mark.parametrize(
    "make",
    [
        datasets.make_moons,
        datasets.make_planar,
        datasets.make_blobs,
        datasets.make_classification,
    ],
)
def test_a_bool_is_no_number_of_samples(make):
    with pytest.raises(TypeError, match=r"n_samples=True is not valid: expected an int"):
        make(True)
