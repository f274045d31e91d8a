"""The run's drift factor and the ranges it widens."""

from __future__ import annotations

import pytest

from nnbackend.bench.drift import DRIFT_QUANTILE, drift_factor, widened


def test_a_steady_machine_has_no_drift():
    assert drift_factor([[2e-3] * 20, [5.0] * 9]) == 1.0
    assert drift_factor([]) == 1.0
    assert drift_factor([[1.0]]) == 1.0  # one sample says nothing


def test_a_machine_at_two_speeds_drifts_by_their_ratio_whichever_row_saw_them():
    # row a ran at its usual speed; row b was half as fast for a third of its samples
    steady = [1e-3] * 30
    two_speeds = [4e-3] * 20 + [8e-3] * 10
    assert drift_factor([steady, two_speeds]) == pytest.approx(2.0)
    # a machine that ran faster for a while drifts by the same factor, the other way round
    assert drift_factor([steady, [8e-3] * 20 + [4e-3] * 10]) == pytest.approx(2.0)


def test_a_few_stalled_samples_do_not_widen_every_row():
    samples = [1.0 + 0.01 * (i % 5) for i in range(500)]
    stalled = [*samples[:-3], 10.0, 12.0, 15.0]  # three stalls in 500 samples, under 2 %
    assert DRIFT_QUANTILE > 3 / 500
    assert drift_factor([stalled]) < 1.05


def test_drift_factor_rejects_a_quantile_it_cannot_use():
    with pytest.raises(ValueError, match="quantile=0.5"):
        drift_factor([[1.0, 2.0]], quantile=0.5)
    with pytest.raises(ValueError, match="quantile=-0.1"):
        drift_factor([[1.0, 2.0]], quantile=-0.1)


def test_samples_too_short_for_the_clock_are_left_out_not_fatal():
    # a zero-length sample cannot be set against a median; the others still count
    with_zero = [0.0, *[4e-3] * 20, *[8e-3] * 10]
    assert drift_factor([with_zero]) == pytest.approx(2.0)
    assert drift_factor([[0.0, 0.0], [float("nan")]]) == 1.0


def test_widened_keeps_the_samples_range_and_reaches_the_drift():
    assert widened(2.0, 1.9, 2.1, 1.5) == pytest.approx((2.0 / 1.5, 3.0))
    # a row whose samples spread wider than the drift keeps its own range
    assert widened(2.0, 0.5, 9.0, 1.5) == (0.5, 9.0)
    assert widened(2.0, 1.9, 2.1, 1.0) == (1.9, 2.1)
