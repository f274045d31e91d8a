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


# --------------------------------------------------------------- the CPU's traced namespace
class _Device:
    """A device of another platform, as JaxCompiler.namespace reads it."""

    def __init__(self, platform):
        self.platform = platform


def _cpu_namespace():
    from nnbackend.backends.jax import _CpuTracedNamespace

    adapter = backends.get("jax")
    xp = adapter.compiler().namespace(adapter.namespace(None), jax.devices("cpu")[0])
    assert isinstance(xp, _CpuTracedNamespace)
    return xp


def test_the_namespace_sums_as_products_on_the_cpu_only():
    from nnbackend.backends.jax import _CpuTracedNamespace, _TracedNamespace

    adapter = backends.get("jax")
    compiler, xp = adapter.compiler(), adapter.namespace(None)
    for device in (None, _Device("gpu"), _Device("tpu")):
        other = compiler.namespace(xp, device)
        assert type(other) is _TracedNamespace and not hasattr(other, "all_finite")
    cpu = compiler.namespace(xp, jax.devices("cpu")[0])
    assert isinstance(cpu, _CpuTracedNamespace)
    assert compiler.namespace(xp, jax.devices("cpu")[0]) is cpu  # made once


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(7, 200), (1, 200), (200, 1), (3, 4096)])
@pytest.mark.parametrize("axis", [0, 1, -1, -2])
@pytest.mark.parametrize("keepdims", [False, True])
def test_a_product_sum_equals_the_sum(dtype, shape, axis, keepdims):
    xp = _cpu_namespace()
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape).astype(dtype)
    with backends.get("jax").computing(dtype):
        got = jax.jit(lambda x: xp.sum(x, axis=axis, keepdims=keepdims))(a)
    expected = np.sum(a.astype(np.float64), axis=axis, keepdims=keepdims)
    assert got.shape == expected.shape and got.dtype == np.dtype(dtype)
    tol = 1e-12 if dtype == "float64" else 1e-4
    np.testing.assert_allclose(np.asarray(got), expected, rtol=tol, atol=tol)


def test_other_sums_are_the_libraries_own(monkeypatch):
    # integers, other ranks, several axes, a dtype, an axis past the product's bound: no
    # product (the ones vector's length is what would give one away)
    xp = _cpu_namespace()
    products = []
    real = xp._ones_product
    monkeypatch.setattr(xp, "_ones_product", lambda x, axis: products.append(x.shape) or
                        real(x, axis))  # fmt: skip
    rng = np.random.default_rng(2)
    with backends.get("jax").computing("float64"):
        cases = [
            (np.arange(12).reshape(3, 4), {"axis": 1}),
            (rng.standard_normal(5), {"axis": 0}),
            (rng.standard_normal((2, 3, 4)), {"axis": 1}),
            (rng.standard_normal((3, 4)), {"axis": None}),
            (rng.standard_normal((3, 4)), {"axis": (0, 1)}),
            (rng.standard_normal((3, 4)), {"axis": 1, "dtype": np.float64}),
            (rng.standard_normal((2, 5000)), {"axis": 1}),
        ]
        for a, kwargs in cases:
            got = xp.sum(jax.numpy.asarray(a), **kwargs)
            np.testing.assert_allclose(np.asarray(got), np.sum(a, **kwargs), rtol=1e-12)
    assert products == []


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_all_finite_finds_every_nan_and_infinity(dtype):
    from nnbackend.training.rules import finite_flag

    xp = _cpu_namespace()
    rng = np.random.default_rng(3)
    shapes = [(5, 3), (5, 1), (1, 5)]
    check = jax.jit(lambda cost, arrays: finite_flag(cost, arrays, xp))
    with backends.get("jax").computing(dtype):
        clean = [rng.standard_normal(s).astype(dtype) for s in shapes]
        assert bool(check(np.asarray(0.5, dtype), clean)) is True
        assert bool(check(np.asarray(np.nan, dtype), clean)) is False
        assert bool(check(np.asarray(np.inf, dtype), clean)) is False
        for index in range(len(shapes)):
            for bad in (np.nan, np.inf, -np.inf):
                arrays = [a.copy() for a in clean]
                arrays[index].flat[-1] = bad
                assert bool(check(np.asarray(0.5, dtype), arrays)) is False, (index, bad)
        # +inf and -inf in two arrays: their sum is NaN, still caught
        arrays = [a.copy() for a in clean]
        arrays[0].flat[0], arrays[1].flat[0] = np.inf, -np.inf
        assert bool(check(np.asarray(0.5, dtype), arrays)) is False
        # finite values whose total overflows are finite: the exact check says so
        big = np.finfo(dtype).max
        arrays = [np.full(s, big, dtype=dtype) for s in shapes]
        assert bool(check(np.asarray(0.5, dtype), arrays)) is True
