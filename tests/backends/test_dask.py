"""Scaling out on Dask: data-parallel training over chunks of examples, where it runs,
out-of-core data read lazily, and a worker killed in the middle of training.

The cluster tests start LocalClusters of worker processes. Each runs under a wall-clock limit
(SIGALRM) and closes its cluster, so that a hang fails the test instead of the suite.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import nnbackend
from helpers import host as _np
from nnbackend import backends, training
from nnbackend.backends.dask import cluster as _dask_scheduler
from nnbackend.backends.dask.parallel import Parameters, chunk_terms
from nnbackend.cli import main as cli_main
from nnbackend.core import network
from nnbackend.errors import BackendError, TrainingDivergedError
from nnbackend.training.optimizers import GradientDescent

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise TimeoutError in this (the main) thread once ``seconds`` have passed."""

    def expire(signum, frame):
        raise TimeoutError(f"the test took longer than its limit of {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# The worker-kill and out-of-core tests together stay under 2 minutes (the bound);
# each typically takes a third of its share on a loaded 2-core machine.
KILL_LIMIT_S = 45
OUT_OF_CORE_LIMIT_S = 75


def _data(n=4000, d=6, seed=0, dtype=np.float64, classes=2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    scores = X @ rng.standard_normal((d, classes))
    y = (scores[:, 0] > 0).astype(int) if classes == 2 else np.argmax(scores, axis=1)
    return X, y


def _relative(got, want) -> float:
    """The largest difference relative to the largest value (per layer, worst layer)."""
    worst = 0.0
    for a, b in zip(got, want, strict=True):
        a, b = np.asarray(_np(a), np.float64), np.asarray(_np(b), np.float64)
        worst = max(worst, float(np.max(np.abs(a - b)) / np.max(np.abs(b))))
    return worst


NET = dict(hidden_layer_sizes=(8,), activation="tanh", solver="gd", learning_rate=0.5, tol=None)


# ------------------------------------------------------------------ on Dask's local scheduler
@pytest.mark.parametrize(
    ("chunks", "dtype", "classes"),
    [
        ((500, 6), np.float64, 2),  # even chunks of examples
        (((7, 993, 1200, 1800), (6,)), np.float64, 3),  # uneven chunks: weights m_i / M
        ((1000, 3), np.float32, 2),  # features split too: joined per band of examples
    ],
)
def test_chunked_fit_equals_numpy(chunks, dtype, classes):
    X, y = _data(dtype=dtype, classes=classes)
    with nnbackend.use_backend("numpy"):  # the reference, in memory
        ref = nnbackend.NeuralNetworkClassifier(**NET, max_iter=15, random_state=0).fit(X, y)
    model = nnbackend.NeuralNetworkClassifier(**NET, max_iter=15, random_state=0)
    model.fit(da.from_array(X, chunks=chunks), y)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert model.n_iter_ == ref.n_iter_ == 15
    np.testing.assert_allclose(model.loss_curve_, ref.loss_curve_, rtol=tol)
    assert _relative(model.coefs_, ref.coefs_) < tol
    assert _relative(model.intercepts_, ref.intercepts_) < tol
    assert backends.get("dask").owns(model.coefs_[0])  # results in the library X came in
    assert model.coefs_[0].dtype == dtype


@pytest.mark.parametrize(
    "options",
    [
        {"alpha": 1e-2},
        {"sample_weight": True},
        {"alpha": 1e-2, "sample_weight": True},
        {"early_stopping": True, "n_iter_no_change": 3},
        {"early_stopping": True, "n_iter_no_change": 3, "sample_weight": True},
    ],
)
def test_alpha_weights_and_early_stopping_run_data_parallel(options):
    # weights travel with their (uneven) chunks, one of which weighs nothing at all; the L2
    # term is added once; no PerformanceWarning: the data-parallel runner computes them all
    import warnings

    from nnbackend.errors import PerformanceWarning

    X, y = _data(n=2000, d=5, seed=3)
    options = dict(options)
    weights = None
    if options.pop("sample_weight", False):
        weights = np.random.default_rng(4).uniform(0.2, 3.0, size=2000)
        weights[:7] = 0.0  # the first chunk
    kwargs = {**NET, "max_iter": 12, "random_state": 0, **options}
    with nnbackend.use_backend("numpy"):
        ref = nnbackend.NeuralNetworkClassifier(**kwargs).fit(X, y, sample_weight=weights)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerformanceWarning)
        model = nnbackend.NeuralNetworkClassifier(**kwargs)
        model.fit(da.from_array(X, chunks=((7, 593, 600, 800), (5,))), y, sample_weight=weights)
    assert model.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(model.loss_curve_, ref.loss_curve_, rtol=1e-10)
    assert _relative(model.coefs_, ref.coefs_) < 1e-10
    assert _relative(model.intercepts_, ref.intercepts_) < 1e-10
    if ref.validation_scores_ is not None:
        np.testing.assert_allclose(model.validation_scores_, ref.validation_scores_, 1e-12)
    assert backends.get("dask").owns(model.coefs_[0])


def test_chunked_regressor_and_logistic_regression_equal_numpy():
    X, _ = _data(n=3000, d=4, seed=1)
    target = np.sin(X[:, 0]) + X[:, 1]
    Xd = da.from_array(X, chunks=(700, 4))
    ref = nnbackend.NeuralNetworkRegressor(
        (6,), solver="adam", max_iter=10, tol=None, random_state=0
    ).fit(X, target)
    got = nnbackend.NeuralNetworkRegressor(
        (6,), solver="adam", max_iter=10, tol=None, random_state=0
    )
    got.fit(Xd, target)
    assert _relative(got.coefs_, ref.coefs_) < 1e-10
    y = (target > 0).astype(int)
    with nnbackend.use_backend("numpy"):  # the reference, in memory
        ref = nnbackend.LogisticRegression(solver="momentum", max_iter=12, tol=None).fit(X, y)
    got = nnbackend.LogisticRegression(solver="momentum", max_iter=12, tol=None).fit(Xd, y)
    assert _relative([got.coef_], [ref.coef_]) < 1e-10


def test_tolerance_stop_and_divergence_behave_as_on_numpy():
    X, y = _data(n=2000, d=5, seed=2)
    Xd = da.from_array(X, chunks=(400, 5))
    kwargs = dict(solver="gd", learning_rate=0.5, max_iter=500, tol=1e-3)
    with nnbackend.use_backend("numpy"):  # the reference, in memory
        ref = nnbackend.LogisticRegression(**kwargs).fit(X, y)
    got = nnbackend.LogisticRegression(**kwargs).fit(Xd, y)
    assert got.n_iter_ == ref.n_iter_ < 500  # stopped early, at the same iteration
    np.testing.assert_allclose(got.loss_curve_, ref.loss_curve_, rtol=1e-10)
    huge = nnbackend.LogisticRegression(solver="gd", learning_rate=1e308, max_iter=50, tol=None)
    with pytest.raises(TrainingDivergedError, match="diverged at iteration") as caught:
        huge.fit(Xd * 1e3, y)
    # the last finite parameters come back in the data's library, as everywhere
    assert all(backends.get("dask").owns(a) for pair in caught.value.params for a in pair)
    assert not hasattr(huge, "coef_")  # left unfitted, as everywhere


def _runner(X, Y, batch_size=None):
    adapter = backends.get("dask")
    return adapter.data_parallel(X, Y, gradients=network.cost_and_gradients, batch_size=batch_size)


def _course(X, y, chunks):
    XT = da.from_array(np.ascontiguousarray(X), chunks=chunks).T
    Y = da.from_array(y.reshape(1, -1).astype(X.dtype), chunks=(1, chunks[0]))
    return XT, Y


def _params(dims, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((b, a)).astype(dtype) * 0.3, np.zeros((b, 1), dtype))
        for a, b in itertools.pairwise(dims)
    ]


def test_a_step_graph_has_a_task_per_chunk_and_does_not_grow():
    X, y = _data(n=8000, d=5)
    XT, Y = _course(X, y, (1000, 5))
    runner = _runner(XT, Y)
    params = _params([5, 4, 1])
    batch = runner.batches(None, np.random.default_rng(0))[0]
    sizes = []
    for _ in range(3):
        graph = dict(runner.step_graph(batch, params, hidden="relu").__dask_graph__())
        sizes.append(len(graph))
        names = [str(k[0] if isinstance(k, tuple) else k) for k in graph]
        # the layout change is per chunk, inside the chunk's task: nothing global
        assert not [n for n in names if "rechunk" in n or "transpose" in n], names
        cost, grads = runner.cost_and_gradients(batch, None, params, scale=0.1)
        params = [(w - dw, b - db) for (w, b), (dw, db) in zip(params, grads, strict=True)]
    n = runner.n_chunks
    assert n == 8
    # per chunk: its data, its target chunk, its gradient task; then the sums and the params
    assert sizes[0] == sizes[1] == sizes[2] <= 3 * n + n // 2 + 3


def test_step_gradients_are_the_full_batch_gradients():
    X, y = _data(n=3001, d=5, seed=3)
    XT, Y = _course(X, y, (500, 5))  # a short last chunk
    params = _params([5, 4, 1], seed=1)
    runner = _runner(XT, Y)
    batch = runner.batches(None, np.random.default_rng(0))[0]
    cost, grads = runner.cost_and_gradients(batch, None, params, scale=0.7, hidden="relu")
    want_cost, want = network.cost_and_gradients(
        np.ascontiguousarray(X.T), y.reshape(1, -1).astype(float), params, scale=0.7
    )
    assert float(cost) == pytest.approx(float(want_cost), rel=1e-12)
    assert (
        _relative([g for pair in grads for g in pair], [g for pair in want for g in pair]) < 1e-12
    )


def test_mini_batches_take_whole_chunks_in_a_new_order_each_epoch():
    X, y = _data(n=1200, d=4, seed=4)
    chunk = 100
    XT, Y = _course(X, y, (chunk, 4))
    runner = _runner(XT, Y, batch_size=2 * chunk)
    rng = np.random.default_rng(9)
    epochs = [runner.batches(2 * chunk, rng) for _ in range(3)]
    for steps in epochs:
        assert [s.size for s in steps] == [2 * chunk] * 6
        assert sorted(i for s in steps for i in s.chunks) == list(range(12))
    assert len({tuple(i for s in steps for i in s.chunks) for steps in epochs}) == 3
    # training takes exactly those steps: replay them with NumPy on the same chunks
    params = _params([4, 3, 1], seed=2)
    result = training.train(
        XT,
        Y,
        [(da.from_array(w), da.from_array(b)) for w, b in params],
        GradientDescent(0.3),
        hidden="tanh",
        max_iter=3,
        batch_size=2 * chunk,
        random_state=np.random.default_rng(9),
    )
    rng = np.random.default_rng(9)
    host_x, host_y = np.ascontiguousarray(X.T), y.reshape(1, -1).astype(float)
    want = [(w.copy(), b.copy()) for w, b in params]
    curve = []
    for _ in range(3):
        order, total = rng.permutation(12), 0.0
        for start in range(0, 12, 2):
            cols = np.concatenate(
                [np.arange(c * chunk, (c + 1) * chunk) for c in order[start : start + 2]]
            )
            cost, grads = network.cost_and_gradients(
                host_x[:, cols], host_y[:, cols], want, hidden="tanh"
            )
            want = [
                (w - 0.3 * dw, b - 0.3 * db) for (w, b), (dw, db) in zip(want, grads, strict=True)
            ]
            total += float(cost) * cols.size
        curve.append(total / 1200)
    np.testing.assert_allclose(result.loss_curve, curve, rtol=1e-10)
    assert _relative([w for w, _ in result.params], [w for w, _ in want]) < 1e-10


def test_a_chunk_of_another_library_computes_there():
    # A GPU worker's chunks are CuPy arrays; torch tensors stand in for them here: the
    # parameters go to the chunk's library, the gradients come back to the host.
    torch = pytest.importorskip("torch")
    X, y = _data(n=300, d=4, seed=5)
    params = _params([4, 3, 1], seed=3)
    x = torch.asarray(np.ascontiguousarray(X.T))
    target = y.reshape(1, -1).astype(float)  # host targets move to the chunk's library
    options = {"hidden": "relu", "output": "sigmoid", "slope": 0.01}
    cost, grads = chunk_terms(
        x, target, Parameters(params), 600, 1.0, options, network.cost_and_gradients
    )
    want_cost, want = network.cost_and_gradients(np.ascontiguousarray(X.T), target, params)
    assert all(type(g) is np.ndarray for pair in grads for g in pair)
    assert cost == pytest.approx(0.5 * float(want_cost), rel=1e-10)  # 300 of 600 examples
    for (dw, db), (ww, wb) in zip(grads, want, strict=True):
        np.testing.assert_allclose(dw, 0.5 * ww, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(db, 0.5 * wb, rtol=1e-10, atol=1e-15)


def test_host_data_on_the_local_scheduler_runs_in_process_with_the_numpy_batches():
    X, y = _data(n=500, d=3, seed=6)
    with nnbackend.use_backend("dask"):
        XT = nnbackend.asarray(np.ascontiguousarray(X.T))
        Y = nnbackend.asarray(y.reshape(1, -1).astype(float))
        runner = _runner(XT, Y, batch_size=64)
    assert runner.held
    steps = runner.batches(64, np.random.default_rng(0))
    order = np.random.default_rng(0).permutation(500)
    np.testing.assert_array_equal(np.concatenate([s.columns for s in steps]), order)
    with pytest.raises(ValueError, match="held in this process"):
        runner.step_graph(steps[0], _params([3, 1]))


def test_training_callback_and_progress_run_per_iteration(capsys):
    X, y = _data(n=600, d=3, seed=7)
    seen = []
    model = nnbackend.LogisticRegression(max_iter=4, tol=None, verbose=True)
    model.fit(da.from_array(X, chunks=(200, 3)), y)
    assert len(model.loss_curve_) == 4 and model.n_iter_ == 4
    assert capsys.readouterr().err  # the progress display went to stderr
    XT, Y = _course(X, y, (200, 3))
    training.train(
        XT,
        Y,
        [(da.zeros((1, 3)), da.zeros((1, 1)))],
        GradientDescent(0.1),
        max_iter=3,
        callback=lambda i, cost: seen.append((i, cost)),
    )
    assert [i for i, _ in seen] == [0, 1, 2]


def test_empty_chunks_are_skipped():
    # issue 21 item 14: filtering leaves empty chunks; they hold no examples and no step
    X, y = _data(n=60, d=2, seed=3)
    with nnbackend.use_backend("numpy"):  # the reference, in memory
        ref = nnbackend.NeuralNetworkClassifier(**NET, max_iter=4, random_state=0).fit(X, y)
        ref_lr = nnbackend.LogisticRegression(max_iter=3, tol=None).fit(X[:6], y[:6])
    got_lr = nnbackend.LogisticRegression(max_iter=3, tol=None)
    got_lr.fit(da.from_array(X[:6], chunks=((0, 6), (2,))), y[:6])
    assert _relative([got_lr.coef_], [ref_lr.coef_]) < 1e-10
    Xd = da.from_array(X, chunks=((0, 20, 0, 40, 0), (2,)))
    model = nnbackend.NeuralNetworkClassifier(**NET, max_iter=4, random_state=0).fit(Xd, y)
    assert _relative(model.coefs_, ref.coefs_) < 1e-10
    assert _np(model.predict(Xd)).shape == (60,)
    # mini-batches of whole chunks: an empty chunk is never a step of its own
    model = nnbackend.NeuralNetworkClassifier(**NET, max_iter=4, random_state=0, batch_size=20)
    assert np.isfinite(model.fit(Xd, y).loss_curve_).all()


@pytest.mark.parametrize(
    ("chunks", "warns", "says"),
    [
        (60, True, "one full-batch step per epoch"),  # a single chunk: full-batch steps
        (30, True, "steps of about 30 examples"),  # chunks of 30 for batches of 8
        (8, False, ""),  # chunks of the batch size: honoured
        (12, False, ""),  # within a factor two: whole chunks, as documented
    ],
)
def test_a_batch_size_the_chunks_cannot_give_warns_once(chunks, warns, says):
    import warnings

    X, y = _data(n=60, d=2, seed=3)
    model = nnbackend.NeuralNetworkClassifier(**NET, max_iter=3, random_state=0, batch_size=8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(da.from_array(X, chunks=(chunks, 2)), y)
    notes = [w for w in caught if "batch_size=8 cannot be honoured" in str(w.message)]
    assert len(notes) == (1 if warns else 0), [str(w.message) for w in caught]
    if warns:
        assert notes[0].category is UserWarning
        assert says in str(notes[0].message) and "X.rechunk({0: 8})" in str(notes[0].message)


def test_unknown_chunk_sizes_are_computed():
    # issue 21 item 15: boolean indexing leaves Dask without the chunks' sizes
    X, y = _data(n=80, d=3, seed=4)
    Xd = da.from_array(X, chunks=(20, 3))
    kept = X[:, 0] > -0.5
    filtered = Xd[da.from_array(kept, chunks=20)]
    assert np.isnan(filtered.shape[0])
    with nnbackend.use_backend("numpy"):  # the reference, in memory
        ref = nnbackend.LogisticRegression(max_iter=3, tol=None).fit(X[kept], y[kept])
    got = nnbackend.LogisticRegression(max_iter=3, tol=None).fit(filtered, y[kept])
    assert _relative([got.coef_], [ref.coef_]) < 1e-10
    assert np.isnan(filtered.shape[0])  # the user's array is left as it was
    assert _np(got.predict(filtered)).shape == (int(kept.sum()),)


def test_the_course_facade_names_compute_chunk_sizes_for_unknown_sizes():
    from nnbackend.course import shallow_network as sn

    X, y = _data(n=40, d=2, seed=6)
    kept = X[:, 1] > -0.3
    filtered = da.from_array(X, chunks=(10, 2))[da.from_array(kept, chunks=10)]
    labels = y[kept][None, :].astype(float)
    with pytest.raises(ValueError, match=r"X has unknown sizes .* X.compute_chunk_sizes\(\)"):
        sn.nn_model(filtered.T, labels, 3, num_iterations=2)
    filtered.compute_chunk_sizes()
    got = sn.nn_model(filtered.T, labels, 3, num_iterations=2)
    want = sn.nn_model(X[kept].T, labels, 3, num_iterations=2)
    assert _relative([got["W1"]], [want["W1"]]) < 1e-10


def test_unknown_chunk_sizes_that_cannot_be_computed_name_the_fix():
    X, y = _data(n=40, d=2, seed=5)

    def fails(block):
        raise RuntimeError("unreadable chunk")

    Xd = da.from_array(X, chunks=(20, 2))
    broken = Xd[da.from_array(X[:, 0] > 0, chunks=20)].map_blocks(fails, dtype=X.dtype)
    with pytest.raises(ValueError, match=r"unknown chunk sizes.*compute_chunk_sizes\(\)"):
        nnbackend.LogisticRegression(max_iter=2).fit(broken, y[X[:, 0] > 0])


# ------------------------------------------------------------------ lazy readers
def test_readers_are_lazy_row_bands_with_every_column(tmp_path):
    h5py = pytest.importorskip("h5py")
    pytest.importorskip("zarr")
    from nnbackend.backends import dask as distributed

    X, _ = _data(n=1000, d=7, seed=8)
    np.save(tmp_path / "x.npy", X)
    X.astype(np.float32).tofile(tmp_path / "x.raw")
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f["group/X"] = X
    da.to_zarr(da.from_array(X, chunks=(300, 4)), str(tmp_path / "x.zarr"))
    arrays = {
        "npy": distributed.read_memmap(tmp_path / "x.npy", rows=256),
        "raw": distributed.read_memmap(
            tmp_path / "x.raw", dtype="float32", shape=(1000, 7), rows=256
        ),
        "hdf5": distributed.read_hdf5(tmp_path / "x.h5", "group/X", rows=256),
        "zarr": distributed.read_zarr(tmp_path / "x.zarr", rows=256),
    }
    for name, array in arrays.items():
        assert array.shape == (1000, 7), name
        assert array.chunks == ((256, 256, 256, 232), (7,)), name
        # one task per chunk (plus bookkeeping), none of which has run yet
        assert len(dict(array.__dask_graph__())) <= 3 * 4 + 2, name
        np.testing.assert_allclose(array.compute(), X, rtol=1e-6 if name == "raw" else 0)
    # and a fit reads them chunk by chunk, as any Dask array
    model = nnbackend.LogisticRegression(max_iter=3, tol=None).fit(arrays["hdf5"], X[:, 0] > 0)
    ref = nnbackend.LogisticRegression(max_iter=3, tol=None).fit(X, X[:, 0] > 0)
    assert _relative([model.coef_], [ref.coef_]) < 1e-10


def test_readers_refuse_bad_input_clearly(tmp_path):
    h5py = pytest.importorskip("h5py")
    from nnbackend.backends import dask as distributed

    with pytest.raises(FileNotFoundError, match="nothing.npy"):
        distributed.read_memmap(tmp_path / "nothing.npy")
    (tmp_path / "x.bin").write_bytes(b"\0" * 64)
    with pytest.raises(ValueError, match="pass dtype and shape"):
        distributed.read_memmap(tmp_path / "x.bin")
    with pytest.raises(ValueError, match="fewer than the 800"):
        distributed.read_memmap(tmp_path / "x.bin", dtype="float64", shape=(10, 10))
    with pytest.raises(ValueError, match="rows=0 is not valid"):
        distributed.read_memmap(tmp_path / "x.bin", dtype="uint8", shape=(64,), rows=0)
    # issue 21 item 16: another file under a .npy name is not pickled data
    (tmp_path / "text.npy").write_text("not an array")
    with pytest.raises(ValueError, match="is not a .npy file"):
        distributed.read_memmap(tmp_path / "text.npy")
    (tmp_path / "empty.npy").write_bytes(b"")
    with pytest.raises(ValueError, match="is not a .npy file"):
        distributed.read_memmap(tmp_path / "empty.npy")
    np.save(tmp_path / "objects.npy", np.array([{}, 1], dtype=object))
    with pytest.raises(ValueError, match="not a readable .npy file of numbers"):
        distributed.read_memmap(tmp_path / "objects.npy")
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f["X"] = np.zeros((3, 2))
    with pytest.raises(KeyError, match="'Y' is not in"):
        distributed.read_hdf5(tmp_path / "x.h5", "Y")


def test_read_parquet_one_chunk_per_row_group(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from nnbackend.backends import dask as distributed

    X, _ = _data(n=500, d=3, seed=9)
    table = pa.table({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2]})
    pq.write_table(table, tmp_path / "x.parquet", row_group_size=200)
    array = distributed.read_parquet(tmp_path / "x.parquet", columns=["c", "a"])
    assert array.chunks == ((200, 200, 100), (2,))
    np.testing.assert_array_equal(array.compute(), X[:, [2, 0]])
    with pytest.raises(KeyError, match="'z'"):
        distributed.read_parquet(tmp_path / "x.parquet", columns=["z"])


# ------------------------------------------------------------------ where it runs
def test_without_a_cluster_it_is_the_local_scheduler(monkeypatch, capsys):
    monkeypatch.delenv(_dask_scheduler.SCHEDULER_VARIABLE, raising=False)
    from nnbackend.backends import dask as distributed

    assert distributed.scheduler().startswith("Dask's local scheduler")
    assert cli_main(["info"]) == 0
    assert "dask scheduler: Dask's local scheduler" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["not an address", "/no/such/scheduler.json"])
def test_a_bad_scheduler_variable_is_a_clear_error(monkeypatch, value):
    pytest.importorskip("distributed")
    monkeypatch.setenv(_dask_scheduler.SCHEDULER_VARIABLE, value)
    if _dask_scheduler._active_client() is not None:
        pytest.skip("a distributed Client is active in this process; it would take precedence")
    with pytest.raises(BackendError, match=f"NNBACKEND_DASK_SCHEDULER={value!r} is not valid"):
        _dask_scheduler.current()
    X, y = _data(n=100, d=2)
    with pytest.raises(BackendError, match="NNBACKEND_DASK_SCHEDULER"):
        nnbackend.LogisticRegression(max_iter=2).fit(da.from_array(X), y)


def test_importing_nnbackend_imports_neither_dask_nor_distributed():
    code = (
        "import sys, nnbackend, nnbackend.backends.dask, nnbackend.backends.dask; "
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ on a cluster
@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one thread each, with nannies that restart a killed worker."""
    distributed = pytest.importorskip("distributed")
    with time_limit(90):
        local = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
    try:
        yield local
    finally:
        with time_limit(60):
            local.close()


def _worker_data(client, n, d, chunks, seed=0):
    """X (float32) and y made on the workers and persisted there."""
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((n, d), chunks=(n // chunks, d), dtype="float32")
    w = np.random.default_rng(seed + 1).standard_normal(d).astype("float32")
    y = (X @ w + 0.5 * rng.standard_normal(n, chunks=n // chunks, dtype="float32") > 0).astype(
        np.int8
    )
    X, y = client.persist([X, y])
    from distributed import wait

    wait([X, y])
    return X, y


@contextlib.contextmanager
def _tasks_run(cluster):
    """Record the tasks the cluster runs (from any client) while the block runs."""
    from distributed import Client, get_task_stream

    with (
        Client(cluster, set_as_default=False) as watcher,
        get_task_stream(client=watcher) as stream,
    ):
        yield stream


def _count(stream, prefix):
    keys = [r["key"][0] if isinstance(r["key"], tuple) else r["key"] for r in stream.data]
    return sum(1 for key in keys if str(key).startswith(prefix))


@pytest.mark.slow
def test_fit_on_two_workers_equals_numpy(cluster):
    from distributed import Client

    # The setup at a CI size: tools/dask_scaling.py runs it at 2e6 x 20.
    with time_limit(150), Client(cluster) as client:
        X, y = _worker_data(client, 80_000, 20, 8)
        kwargs = dict(activation="relu", solver="gd", learning_rate=0.5, max_iter=8, tol=None)
        with _tasks_run(cluster) as stream:
            model = nnbackend.NeuralNetworkClassifier((16,), random_state=0, **kwargs).fit(X, y)
        X_host, y_host = dask.compute(X, y)
        ref = nnbackend.NeuralNetworkClassifier((16,), random_state=0, **kwargs)
        ref.fit(X_host, y_host)
        assert _relative(model.coefs_, ref.coefs_) < 1e-3  # float32
        np.testing.assert_allclose(model.loss_curve_, ref.loss_curve_, rtol=1e-3)
        # one gradient task per chunk and iteration ran on the cluster
        assert _count(stream, "nnbackend-chunk-gradients") == 8 * 8
        # host data under NNBACKEND=dask goes to the cluster once, and trains the same
        with _tasks_run(cluster) as stream, nnbackend.use_backend("dask"):
            host = nnbackend.NeuralNetworkClassifier((16,), random_state=0, **kwargs)
            host.fit(X_host, y_host)
        assert _relative(host.coefs_, ref.coefs_) < 1e-3
        # cut in one chunk per worker thread: 2 tasks per iteration
        assert _count(stream, "nnbackend-chunk-gradients") == 2 * 8


@contextlib.contextmanager
def _distributed_log():
    """The records of the ``distributed`` loggers while the block runs (they do not
    propagate to the root logger, so pytest's caplog does not see them)."""
    import logging

    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("distributed")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


@pytest.mark.slow
def test_early_stopping_on_a_cluster_scores_with_fresh_keys(cluster):
    # The held-out part is persisted once; each iteration scores it with keys of its own,
    # so the scheduler never logs "different run_spec", and the extra tasks stay few.
    from distributed import Client

    kwargs = dict(NET, max_iter=6, n_iter_no_change=100, random_state=0)
    with time_limit(150), Client(cluster) as client:
        X, y = _worker_data(client, 8000, 6, 8)
        X, y = X.astype("float64"), y
        X_host, y_host = dask.compute(X, y)
        per_iteration = {}
        with _distributed_log() as records:
            for early in (False, True):
                model = nnbackend.NeuralNetworkClassifier(**kwargs, early_stopping=early)
                with _tasks_run(cluster) as stream:
                    model.fit(X, y)
                per_iteration[early] = len(stream.data) / model.n_iter_
                if early:
                    fitted = model
        # "Detected different `run_spec` for key ...": a key submitted again with another task
        assert not [r.getMessage() for r in records if "run_spec" in r.getMessage()]
        assert per_iteration[True] <= 1.5 * per_iteration[False], per_iteration
        assert fitted.n_iter_ == 6 and fitted.validation_scores_ is not None
        with nnbackend.use_backend("numpy"):
            ref = nnbackend.NeuralNetworkClassifier(**kwargs, early_stopping=True)
            ref.fit(X_host, y_host)
        assert fitted.n_iter_ == ref.n_iter_
        np.testing.assert_allclose(fitted.validation_scores_, ref.validation_scores_, 1e-12)
        assert _relative(fitted.coefs_, ref.coefs_) < 1e-6
        assert _relative(fitted.intercepts_, ref.intercepts_) < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("how", ["address", "scheduler file"])
def test_the_scheduler_variable_points_at_a_cluster(cluster, monkeypatch, tmp_path, how):
    from distributed import default_client

    with contextlib.suppress(ValueError):
        default_client()
        pytest.skip("a distributed Client is active in this process; it would take precedence")
    value = cluster.scheduler_address
    if how == "scheduler file":
        value = str(tmp_path / "scheduler.json")
        with open(value, "w", encoding="utf-8") as f:
            json.dump({"address": cluster.scheduler_address}, f)
    monkeypatch.setenv(_dask_scheduler.SCHEDULER_VARIABLE, value)
    X, y = _data(n=2000, d=4, seed=10)
    try:
        with time_limit(120), _tasks_run(cluster) as stream:
            from nnbackend.backends import dask as distributed

            assert "connects at the first fit" in distributed.scheduler()
            model = nnbackend.LogisticRegression(max_iter=3, tol=None)
            model.fit(da.from_array(X, chunks=(500, 4)), y)
            assert "from NNBACKEND_DASK_SCHEDULER" in distributed.scheduler()
            assert cluster.scheduler_address in distributed.scheduler()
    finally:
        _dask_scheduler.close_connections()
    # in memory: under NNBACKEND=dask a fit of NumPy data would connect to the variable's
    # cluster again, and leave that client behind as Dask's default
    with nnbackend.use_backend("numpy"):
        ref = nnbackend.LogisticRegression(max_iter=3, tol=None).fit(X, y)
    assert _relative([model.coef_], [ref.coef_]) < 1e-10
    assert _count(stream, "nnbackend-chunk-gradients") == 3 * 4


@pytest.mark.slow
def test_a_worker_killed_mid_training_changes_nothing(cluster):
    from distributed import Client

    with time_limit(KILL_LIMIT_S), Client(cluster) as client:
        X, y = _worker_data(client, 40_000, 10, 8, seed=3)
        XT = X.T
        Y = backends.get("dask").from_host(
            np.asarray(y.compute()).reshape(1, -1).astype("float32"), None
        )
        params = _params([10, 6, 1], seed=4, dtype=np.float32)

        def fit(callback=None):
            return training.train(
                XT,
                Y,
                [(da.from_array(w), da.from_array(b)) for w, b in params],
                GradientDescent(0.5),
                hidden="relu",
                max_iter=6,
                callback=callback,
            )

        undisturbed = fit()
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]

        def kill_one(iteration, cost):
            if iteration == 2:  # after 3 of the 6 iterations
                os.kill(victim, signal.SIGKILL)

        disturbed = fit(kill_one)
        assert disturbed.n_iter == 6
        for (a, b), (c, d) in zip(disturbed.params, undisturbed.params, strict=True):
            np.testing.assert_allclose(_np(a), _np(c), rtol=1e-6)
            np.testing.assert_allclose(_np(b), _np(d), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(disturbed.loss_curve, undisturbed.loss_curve, rtol=1e-6)
        # the nanny restarted the worker: a new process took the dead one's place
        client.wait_for_workers(2, timeout=60)
        deadline = time.monotonic() + 60
        while victim in client.run(os.getpid).values() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert victim not in client.run(os.getpid).values()


@pytest.mark.slow
def test_out_of_core_data_four_times_the_workers_memory(tmp_path):
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("zarr")
    with time_limit(OUT_OF_CORE_LIMIT_S):  # all of it: writing, spilling, training, checking
        _train_out_of_core(tmp_path, distributed)


def _train_out_of_core(tmp_path, distributed):
    from nnbackend.backends.dask import read_zarr

    limit = 4 * 2**20  # per worker; the chunks are 1 MiB
    n, d, rows = 425_000, 20, 12_500
    rng = np.random.default_rng(11)
    X = rng.standard_normal((n, d), dtype=np.float32)
    y = (X[:, :3].sum(axis=1) > 0).astype(np.int8)
    da.to_zarr(da.from_array(X, chunks=(rows, d)), str(tmp_path / "X.zarr"))
    assert X.nbytes >= 4 * 2 * limit
    config = {
        # spill whatever a worker holds past half its limit to disk; never pause or kill a
        # worker for its process memory (the interpreter alone is more than 4 MiB)
        "distributed.worker.memory.target": 0.5,
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.pause": False,
        "distributed.worker.memory.terminate": False,
    }
    kwargs = dict(solver="gd", learning_rate=0.5, max_iter=3, tol=None)
    with dask.config.set(config):
        local = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit=limit,
            dashboard_address=":0",
            local_directory=str(tmp_path / "workers"),
        )
        try:
            with distributed.Client(local) as client:
                lazy = read_zarr(tmp_path / "X.zarr")
                held = lazy.persist()  # read chunk by chunk on the workers, spilled past 2 MiB
                distributed.wait(held)
                on_disk = client.run(lambda dask_worker: dask_worker.data.spilled_total.disk)
                # at most half of each worker's 4 MiB stays in memory: the rest is on disk
                assert sum(on_disk.values()) >= X.nbytes - 2 * limit, on_disk
                model = nnbackend.LogisticRegression(**kwargs).fit(held, y)
                # nothing was lost: every chunk is still on a worker, in memory or on disk
                assert all(client.who_has(held).values())
        finally:
            local.close()
    with nnbackend.use_backend("numpy"):  # the reference, in memory
        ref = nnbackend.LogisticRegression(**kwargs).fit(X, y)
    assert _relative([model.coef_], [ref.coef_]) < 1e-3
    np.testing.assert_allclose(model.loss_curve_, ref.loss_curve_, rtol=1e-4)


# ------------------------------------------------------------------ the Dask benchmark
def test_time_per_iteration_subtracts_the_setup():
    from nnbackend.bench.dask import time_per_iteration

    calls, clock = [], {"now": 0.0}

    def fit(max_iter):
        calls.append(max_iter)
        clock["now"] += 0.05 + 0.01 * max_iter

    seconds = time_per_iteration(fit, 4, repeats=2, clock=lambda: clock["now"])
    assert calls == [1, 1, 5, 5, 1]  # a warm-up, then pairs in alternating order
    assert seconds == pytest.approx(0.01)  # a step's time, the 0.05 s of setup gone
    # a longer fit that ran faster is noise, reported as no measurement, never as 0 s
    clock["now"] = 0.0

    def noisy(max_iter):
        clock["now"] += 0.05 if max_iter == 1 else 0.0

    assert time_per_iteration(noisy, 4, clock=lambda: clock["now"]) is None


def test_bench_dask_option_is_parsed():
    from nnbackend.cli import build_parser

    args = build_parser().parse_args(["bench", "--dask", "--quick", "--json", "out.json"])
    assert args.dask and args.quick and args.json == "out.json"
    assert not build_parser().parse_args(["bench"]).dask


@pytest.mark.slow
def test_the_dask_benchmark_runs_and_reports(tmp_path):
    pytest.importorskip("distributed")
    from nnbackend.bench.dask import DaskCase, format_dask_report, run_dask

    with time_limit(150):
        report = run_dask(
            DaskCase(n_samples=4_000, n_features=5, n_chunks=4, iterations=1),
            workers=(1,),
            transports=("graph",),
        )
    names = [row["implementation"] for row in report["rows"]]
    assert names[:2] == ["NumPy in memory (all cores)", "nnbackend-dask (graph)"]
    assert any(name.startswith("dask-ml") for name in names)  # timed, or skipped with why
    assert report["parity"] < 1e-3
    # tiny data times as noise (a time may even come out 0): only the shape is checked here
    assert report["scaling"] in (1.0, None)
    text = format_dask_report(report)
    assert "| nnbackend-dask (graph) | 1 |" in text and "weights vs NumPy" in text
    json.dumps(report)  # the --json output is plain data
