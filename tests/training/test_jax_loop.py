"""JAX's training state made and copied in one dispatch each, with the same values."""

from __future__ import annotations

import numpy as np
import pytest

import nnbackend
from nnbackend import backends
from nnbackend.backends.loops import Layout
from nnbackend.training import optimizers

jax = pytest.importorskip("jax")

SHAPES = [(5, 3), (5, 1), (1, 5), (1, 1)]


def _params(dtype):
    rng = np.random.default_rng(0)
    return [nnbackend.asarray(rng.standard_normal(s).astype(dtype)) for s in SHAPES]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_optimizer_state_is_made_by_the_jax_kernels(monkeypatch, dtype):
    from nnbackend.backends.jax import JaxKernels

    calls = []
    real = JaxKernels.zeros_like_all
    monkeypatch.setattr(JaxKernels, "zeros_like_all", lambda self, like: calls.append(len(like))
                        or real(self, like))  # fmt: skip
    with nnbackend.use_backend("jax"), backends.get("jax").computing(dtype):
        params = _params(dtype)
        state = optimizers.Adam(0.1).state_arrays(params)
        assert calls == [4, 4]
        assert [s.shape for s in state] == [p.shape for p in params] * 2
        assert all(s.dtype == params[0].dtype and not np.asarray(s).any() for s in state)
        assert backends.fused_kernels(params[0]).applies(*params) is False


def test_a_jax_snapshot_is_a_copy_in_new_buffers():
    from nnbackend.backends.jax import _JaxLoop

    adapter = backends.get("jax")
    program = _JaxLoop(adapter, lambda *a: a, Layout(10, None, 4))
    with nnbackend.use_backend("jax"), adapter.computing("float64"):
        params = _params("float64")
        state = (tuple(params), tuple(optimizers.Momentum(0.1).state_arrays(params)))
        copy = program.snapshot(state)
    leaves, copied = jax.tree.leaves(state), jax.tree.leaves(copy)
    assert len(copied) == len(leaves) == 8
    for a, b in zip(leaves, copied, strict=True):
        assert a.unsafe_buffer_pointer() != b.unsafe_buffer_pointer()
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
