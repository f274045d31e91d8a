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
