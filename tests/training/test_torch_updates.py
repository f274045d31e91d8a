"""PyTorch's optimizer updates on state held in one flat buffer: the generic in-place
arithmetic run once for all parameters, with the generic numbers bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from nnbackend.training import optimizers
from nnbackend.training.optimizer_base import _pairs

torch = pytest.importorskip("torch")

SHAPES = [(5, 3), (5, 1), (1, 5), (1, 1)]


def _tensors(seed, dtype):
    rng = np.random.default_rng(seed)
    return [torch.from_numpy(rng.standard_normal(s)).to(dtype) for s in SHAPES]


def _per_parameter(optimizer, params):
    # the state as one array per parameter: the generic in-place path runs on it
    zeros = [torch.zeros_like(p) for p in params]
    if isinstance(optimizer, optimizers.Adam):
        optimizer._m, optimizer._v = zeros, [torch.zeros_like(p) for p in params]
    else:
        optimizer._velocity = zeros
    return optimizer


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make", [lambda: optimizers.Adam(0.01), lambda: optimizers.Momentum(0.1)],
                         ids=["adam", "momentum"])  # fmt: skip
def test_flat_state_updates_equal_the_per_parameter_path_bit_for_bit(make, dtype):
    dtype = getattr(torch, dtype)
    params = _tensors(0, dtype)
    pairs = _pairs(params)
    fused, generic = make(), _per_parameter(make(), params)
    state = fused.state_arrays(params)
    # one buffer behind every parameter's state, in order
    bases = {s._base.data_ptr() for s in state[: len(params)]}
    assert len(bases) == 1 and all(s._base is not None for s in state)
    with torch.inference_mode():
        for step in range(4):
            grads = _tensors(step + 1, dtype)
            got = fused.direction(pairs, _pairs([g.clone() for g in grads]))
            want = generic.direction(pairs, _pairs(grads))
            assert all(torch.equal(a, b) for a, b in zip(got, want, strict=True))
            assert [a.shape for a in got] == [p.shape for p in params]
    got_state, want_state = fused.state_arrays(params), generic.state_arrays(params)
    assert all(torch.equal(a, b) for a, b in zip(got_state, want_state, strict=True))


def test_flat_state_updates_equal_numpys():
    params = _tensors(0, torch.float64)
    adam_t, adam_n = optimizers.Adam(0.01), optimizers.Adam(0.01)
    adam_t.state_arrays(params)
    for step in range(3):
        grads = _tensors(step + 1, torch.float64)
        got = adam_t.direction(_pairs(params), _pairs(grads))
        want = adam_n.direction(
            _pairs([p.numpy() for p in params]),
            _pairs([g.numpy() for g in grads]),
        )
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a.numpy(), b, rtol=1e-13, atol=0)


@pytest.mark.parametrize("layout", ["transposed", "contiguous"])
def test_lean_take_gathers_columns_of_a_transposed_view_as_its_rows(layout):
    # an estimator's X is the transposed view of its (samples, features) data: a mini-batch
    # is picked from the rows below it, never by copying the whole view contiguous first
    from nnbackend.backends import get

    data = torch.arange(60, dtype=torch.float64).reshape(12, 5)
    x = data.T if layout == "transposed" else data.T.contiguous()
    xp = get("torch").compiler().namespace(get("torch").namespace(None))
    idx = torch.tensor([7, 0, 11, 3])
    got = xp.take(x, idx, axis=1)
    assert torch.equal(got, x[:, idx]) and got.shape == (5, 4)
    if layout == "transposed":
        assert got.T.is_contiguous()  # the rows of data, gathered
    assert torch.equal(xp.take(x, torch.tensor([1, 0]), axis=0), x[[1, 0], :])
