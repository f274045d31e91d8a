"""The training layer's own guard on the step size: every optimizer refuses a rate that
cannot step at construction, naming learning_rate."""

from __future__ import annotations

import math

import pytest

from nnbackend.training.optimizers import SGD, Adam, GradientDescent, Momentum, make_optimizer


@pytest.mark.parametrize("cls", [GradientDescent, Momentum, Adam, SGD])
@pytest.mark.parametrize("rate", [0, 0.0, -0.1, math.nan, math.inf])
def test_a_rate_that_cannot_step_is_refused_at_construction(cls, rate):
    with pytest.raises(ValueError, match=r"learning_rate=.* is not valid: expected a finite"):
        cls(rate)


@pytest.mark.parametrize("cls", [GradientDescent, Momentum, Adam, SGD])
@pytest.mark.parametrize("rate", ["fast", None, True])
def test_a_rate_that_is_no_number_is_a_type_error(cls, rate):
    with pytest.raises(TypeError, match=r"learning_rate=.* is not valid: expected a number"):
        cls(rate)


def test_the_course_and_the_optimizers_read_one_rule():
    # one check of the step size below the estimators' table, not a copy per layer
    from nnbackend.course import deep_network, logistic_regression, shallow_network
    from nnbackend.training.optimizer_base import check_learning_rate

    for module in (deep_network, logistic_regression, shallow_network):
        assert module.check_learning_rate is check_learning_rate


@pytest.mark.parametrize("solver", ["gd", "momentum", "adam"])
def test_make_optimizer_refuses_a_zero_rate(solver):
    with pytest.raises(ValueError, match="learning_rate=0"):
        make_optimizer(solver, 0)


def test_a_positive_rate_is_kept_as_a_float():
    assert GradientDescent(1).learning_rate == 1.0
    assert isinstance(Adam(1e-3).learning_rate, float)


# ----------------------------------------------------------- the state in a pickle
@pytest.mark.parametrize("library", ["numpy", "torch", "jax"])
@pytest.mark.parametrize("cls", [Momentum, Adam, SGD])
def test_a_pickled_state_is_numpy_in_its_dtype_and_returns_to_the_library(library, cls):
    # A model kept for partial_fit is pickled with its optimizer. JAX arrays unpickled outside
    # JAX's 64-bit mode come back in float32: the pickle holds NumPy arrays instead, and the
    # next state_arrays puts them back on the parameters' library, dtype and device.
    import pickle

    import numpy as np

    import nnbackend
    from nnbackend import backends

    pytest.importorskip(library)
    rng = np.random.default_rng(0)
    hosts = [rng.standard_normal(s) for s in [(4, 3), (4, 1), (1, 4), (1, 1)]]
    adapter = backends.get(library)
    with nnbackend.use_backend(library), adapter.computing("float64"):
        flat = [nnbackend.asarray(h, dtype="float64") for h in hosts]
        optimizer = cls(0.1)
        state = optimizer.state_arrays(flat)
        moved = [s + nnbackend.asarray(h, dtype="float64") for s, h in
                 zip(state, hosts * (len(state) // len(hosts)), strict=True)]  # fmt: skip
        optimizer.load_state(moved, 1)
        expected = [nnbackend.to_numpy(a) for a in optimizer.state_arrays(flat)]
    restored = pickle.loads(pickle.dumps(optimizer))
    for field in cls._state_fields:
        for a in getattr(restored, field):
            assert type(a) is np.ndarray and a.dtype == np.float64
    with nnbackend.use_backend(library), adapter.computing("float64"):
        again = restored.state_arrays(flat)
        assert [backends.library_of(a) for a in again] == [backends.library_of(flat[0])] * len(
            again
        )
        for a, e in zip(again, expected, strict=True):
            assert str(a.dtype).endswith("float64")
            np.testing.assert_array_equal(nnbackend.to_numpy(a), e)
    # copies within the process keep the library's arrays (no trip to the host)
    with nnbackend.use_backend(library), adapter.computing("float64"):
        twin = optimizer.copy()
        for field in cls._state_fields:
            assert [backends.library_of(a) for a in getattr(twin, field)] == [
                backends.library_of(flat[0])
            ] * len(flat)
        assert all(getattr(optimizer.fresh(), f) is None for f in cls._state_fields)
