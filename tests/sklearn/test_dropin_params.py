"""The drop-in's argument checks: each accepted plain value is checked once, not at every fit."""

from __future__ import annotations

from typing import Any

import pytest

from nnbackend.sklearn import MLPClassifier, MLPRegressor, _params


def test_a_checked_value_is_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    check = _params._check

    def counting(cls: type, name: str, value: object) -> object:
        calls.append(name)
        return check(cls, name, value)

    monkeypatch.setattr(_params, "_check", counting)
    monkeypatch.setattr(_params, "_CHECKED", {})
    model = MLPClassifier(hidden_layer_sizes=(7, 3), alpha=0.5)
    first = _params.plain_params(model)
    assert len(calls) == len(first)
    calls.clear()
    assert _params.plain_params(model) == first
    assert calls == []
    # another class has its own constraints: checked afresh
    _params.check_param(MLPRegressor, "alpha", 0.5)
    assert calls[-1] == "alpha"


@pytest.mark.parametrize(
    ("name", "first", "then"),
    [
        ("alpha", 0.0, -0.0),  # equal, but -0.0 is refused by neither: kept apart all the same
        ("max_iter", 1, True),  # 1 == True: a bool is refused as an iteration count
        ("hidden_layer_sizes", (3,), (3.0,)),  # a float size is refused
    ],
)
def test_equal_values_of_other_kinds_are_checked_on_their_own(
    name: str, first: object, then: object
) -> None:
    _params.check_param(MLPClassifier, name, first)
    assert _outcome(_params.check_param, name, then) == _outcome(_params._check, name, then)


def _outcome(check: Any, name: str, value: object) -> tuple[str, str]:
    try:
        return "accepted", repr(check(MLPClassifier, name, value))
    except ValueError as exc:
        return "refused", str(exc)


def test_a_refused_value_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="alpha"):
            _params.check_param(MLPClassifier, "alpha", -1.0)
