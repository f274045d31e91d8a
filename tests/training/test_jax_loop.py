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


def test_a_jax_snapshot_is_a_copy_only_where_the_state_is_donated(monkeypatch):
    # On an accelerator a block consumes (donates) its state: a snapshot must be a copy in
    # new buffers. On the CPU the state is kept, so the state is its own snapshot, and a run
    # leaves it readable.
    from nnbackend.backends.jax import _JaxLoop

    adapter = backends.get("jax")
    program = _JaxLoop(adapter, lambda *a: a, Layout(10, None, 4))
    with nnbackend.use_backend("jax"), adapter.computing("float64"):
        params = _params("float64")
        state = (tuple(params), tuple(optimizers.Momentum(0.1).state_arrays(params)))
        assert not program._donates(state)
        assert program.snapshot(state) is state and program.prepare(state) is state
        monkeypatch.setattr(_JaxLoop, "_donates", lambda self, state: True)
        copy = program.snapshot(state)
    leaves, copied = jax.tree.leaves(state), jax.tree.leaves(copy)
    assert len(copied) == len(leaves) == 8
    for a, b in zip(leaves, copied, strict=True):
        assert a.unsafe_buffer_pointer() != b.unsafe_buffer_pointer()
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_cpu_block_keeps_its_input_state():
    # the kept (not donated) state survives the block: it is the snapshot a redo starts from
    from nnbackend.backends.jax import _JaxLoop

    jnp = jax.numpy

    def step(state, X, Y, scalars):
        params, opt = state
        return (tuple(p + 1.0 for p in params), opt), jnp.sum(X), jnp.asarray(True)

    adapter = backends.get("jax")
    program = _JaxLoop(adapter, step, Layout(10, None, 4))
    with nnbackend.use_backend("jax"), adapter.computing("float64"):
        params = _params("float64")
        state = program.prepare((tuple(params), ()))
        X = jnp.zeros((3, 10))
        block = program.run(state, X, X[:1], 2)
    assert block.done == 2
    for before, after in zip(state[0], block.state[0], strict=True):
        np.testing.assert_allclose(np.asarray(after), np.asarray(before) + 2.0, rtol=1e-15)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_a_blocks_rates_and_orders_go_to_the_device_in_one_put(monkeypatch, solver):
    import sys

    from nnbackend.backends.jax import _JaxLoop
    from nnbackend.sklearn import MLPClassifier

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = (X[:, 0] > 0).astype(int)

    def fit():
        MLPClassifier((4,), solver=solver, batch_size=16, max_iter=3, random_state=0).fit(X, y)

    with nnbackend.use_backend("jax"), pytest.warns(Warning):
        fit()  # compiles
        puts, runs = [], []
        real_put, real_run = jax.device_put, _JaxLoop.run

        def put(x, *args, **kwargs):
            if sys._getframe(1).f_code.co_name == "run":
                puts.append(x)
            return real_put(x, *args, **kwargs)

        monkeypatch.setattr(jax, "device_put", put)
        monkeypatch.setattr(_JaxLoop, "run", lambda self, *a, **k: runs.append(1)
                            or real_run(self, *a, **k))  # fmt: skip
        fit()
    assert runs and len(puts) == len(runs)
