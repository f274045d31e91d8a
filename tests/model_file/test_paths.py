"""Paths the file system cannot take: a clear ValueError naming the path, nothing written."""

from __future__ import annotations

import os

import numpy as np
import pytest

import nnbackend
from nnbackend import NeuralNetworkClassifier


@pytest.fixture(scope="module")
def fitted():
    X = np.random.default_rng(0).standard_normal((20, 2))
    return NeuralNetworkClassifier(hidden_layer_sizes=(3,), max_iter=3, tol=None).fit(
        X, np.arange(20) % 2
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x" * 300 + ".nnb", r"file name too long \(a name of 304 bytes"),
        (os.path.join(*["d"] * 3000, "m.nnb"), r"file name too long \(a name of 5 bytes in a path"),
    ],
)
def test_saving_to_a_name_too_long_names_the_path_and_writes_nothing(
    fitted, tmp_path, monkeypatch, name, message
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=message) as info:
        nnbackend.save(fitted, name)
    assert repr(name) in str(info.value) and "nothing was written" in str(info.value)
    assert os.listdir(tmp_path) == []


def test_loading_a_name_too_long_names_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "y" * 300 + ".nnb"
    with pytest.raises(ValueError, match=r"path='y{300}\.nnb' is not valid: file name too long"):
        nnbackend.load(name)
