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
