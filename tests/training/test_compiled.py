"""Compiled training loops: the same numbers and the same observable behaviour as the eager
loop, on every library that has a compiler, and which loop is chosen for which capabilities.

A NumPy adapter with the generic compiler (the eager step, run by the block machinery) checks
the bookkeeping bit for bit against the eager loop: tolerance stop, divergence, progress and
callback. JAX's ``jax.jit`` device loop and PyTorch's lean loop are then checked against NumPy
and against their own eager loops.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest

import nnbackend
from nnbackend import backends, datasets, training
from nnbackend.backends.loops import Compiler, HostLoop, Layout, QueuedLoop
from nnbackend.core.initializers import initialize_parameters
from nnbackend.core.spec import NetworkSpec
from nnbackend.errors import TrainingDivergedError
from nnbackend.training import compiled, optimizers

SOLVERS = optimizers.SOLVERS


# ----------------------------------------------------------------------- helpers
class _BlockNumpy(backends.NumpyAdapter):
    """NumPy with the generic compiler: eager steps, run in blocks by training.compiled."""

    name = "block_numpy"
    benchmark_device = None
    functional = False

    def compiler(self):
        if self._compiler is None:
            self._compiler = Compiler(self)
            self._compiler.functional = self.functional
        return self._compiler


class _FunctionalNumpy(_BlockNumpy):
    """NumPy running the functional step (the form tracing compilers take) in a host loop."""

    name = "functional_numpy"
    functional = True


class _QueuedCompiler(Compiler):
    functional = True
    captures: list[str]

    def loop(self, step, layout, xp, score=None):
        if layout.batch_size is not None:
            return super().loop(step, layout, xp, score)
        return QueuedLoop(
            step, layout, xp, self._move, np.asarray, capture=self._capture, score=score
        )

    def _capture(self, body, warm_up):
        # stands in for a CUDA graph: warm up, then "replay" the body
        warm_up()
        self.captures.append("captured")
        return body


class _QueuedNumpy(_BlockNumpy):
    """NumPy running full batches as CuPy does: queued steps on owned buffers, one read-back
    per block, through a stand-in for graph capture."""

    name = "queued_numpy"
    functional = True

    def compiler(self):
        if self._compiler is None:
            self._compiler = _QueuedCompiler(self)
            self._compiler.captures = []
        return self._compiler


@pytest.fixture(
    params=[_BlockNumpy, _FunctionalNumpy, _QueuedNumpy], ids=["in-place", "functional", "queued"]
)
def block_numpy(request):
    adapter = backends.register(request.param())
    try:
        with nnbackend.use_backend(adapter.name):
            yield adapter
    finally:
        backends.unregister(adapter.name)


def _xor(m=200, dtype="float64"):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, m))
    Y = (X[0:1] * X[1:2] > 0).astype(float)
    return X.astype(dtype), Y.astype(dtype)


def _train(X, Y, solver="gd", lr=None, dims=(2, 8, 1), **kwargs):
    lr = lr if lr is not None else {"gd": 0.5, "momentum": 0.5, "adam": 0.02}[solver]
    params = initialize_parameters(list(dims), X, init="xavier", rng=0)
    kwargs.setdefault("hidden", "tanh")
    return training.train(X, Y, params, optimizers.make_optimizer(solver, lr), **kwargs)


def _eager(monkeypatch, *args, **kwargs):
    with monkeypatch.context() as patch:
        patch.setenv("NNBACKEND_COMPILED", "0")
        return _train(*args, **kwargs)


def _on(library, X, Y, device=None):
    return nnbackend.asarray(X), nnbackend.asarray(Y)


def _assert_params_close(got, want, rtol, *, overall=False):
    # each array relative to its largest entry, or (overall) to the largest of all of them
    largest = max(float(np.max(np.abs(nnbackend.to_numpy(a)))) for p in want for a in p)
    for (w, b), (w0, b0) in zip(got, want, strict=True):
        for a, a0 in ((w, w0), (b, b0)):
            a, a0 = nnbackend.to_numpy(a), nnbackend.to_numpy(a0)
            scale = largest if overall else max(float(np.max(np.abs(a0))), 1e-30)
            assert float(np.max(np.abs(a - a0))) <= rtol * scale, (a, a0)


def _stop_problem():
    # A learning rate and tolerance that stop the run in the middle of a block (not on a
    # block boundary), so that a device loop has to be run again to the stop.
    X, Y = _xor()
    return X, Y, {"solver": "gd", "lr": 0.5, "max_iter": 5000, "tol": 1e-4, "n_iter_no_change": 7}


def _diverging_problem(dtype="float64"):
    # Linear regression with a learning rate 11× the curvature: the error grows tenfold per
    # step, so the cost overflows after some hundred iterations (float64), inside a block.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 64))
    x = (x - x.mean()) / x.std()
    return x.astype(dtype), x.astype(dtype)


def _diverge(X, Y, batch_size=None):
    params = initialize_parameters([1, 1], X, init="zeros", rng=0)
    with pytest.raises(TrainingDivergedError) as info:
        training.train(
            X, Y, params, optimizers.GradientDescent(11.0), output="identity", max_iter=1000,
            batch_size=batch_size, random_state=0,
        )  # fmt: skip
    return params, info.value


# ----------------------------------------------------------------------- the block machinery
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("batch_size", [None, 48])
def test_blocks_give_the_eager_loop_bit_for_bit(block_numpy, monkeypatch, solver, batch_size):
    X, Y = _xor()
    seen, seen_eager = [], []
    got = _train(
        X, Y, solver, max_iter=230, batch_size=batch_size, random_state=3,
        callback=lambda i, c: seen.append((i, c)),
    )  # fmt: skip
    want = _eager(
        monkeypatch, X, Y, solver, max_iter=230, batch_size=batch_size, random_state=3,
        callback=lambda i, c: seen_eager.append((i, c)),
    )  # fmt: skip
    assert block_numpy.compiler().builds >= 1
    assert got.n_iter == want.n_iter == 230 and not got.stopped_early
    assert seen == list(enumerate(got.loss_curve))
    assert seen_eager == list(enumerate(want.loss_curve))
    if block_numpy.functional and solver == "adam":
        # the functional Adam squares the gradient in another order: equal to rounding
        np.testing.assert_allclose(got.loss_curve, want.loss_curve, rtol=1e-12)
        _assert_params_close(got.params, want.params, 1e-11)
        return
    assert got.loss_curve == want.loss_curve
    for (w, b), (w0, b0) in zip(got.params, want.params, strict=True):
        np.testing.assert_array_equal(w, w0)
        np.testing.assert_array_equal(b, b0)


def test_tolerance_stops_at_the_eager_iteration(block_numpy, monkeypatch):
    X, Y, kwargs = _stop_problem()
    want = _eager(monkeypatch, X, Y, **kwargs)
    got = _train(X, Y, **kwargs)
    assert want.stopped_early and want.n_iter % compiled.BLOCK not in (0, compiled.BLOCK - 1)
    assert got.stopped_early and got.n_iter == want.n_iter
    assert got.loss_curve == want.loss_curve
    _assert_params_close(got.params, want.params, 0.0)


def test_divergence_stops_at_the_first_non_finite_step(block_numpy, monkeypatch):
    X, Y = _diverging_problem()
    with monkeypatch.context() as patch:
        patch.setenv("NNBACKEND_COMPILED", "0")
        _, want = _diverge(X, Y)
    params, err = _diverge(X, Y)
    assert 100 < want.iteration < 1000 and want.iteration % compiled.BLOCK != 0
    assert err.iteration == want.iteration
    assert err.last_finite_cost == want.last_finite_cost and math.isfinite(err.last_finite_cost)
    assert f"iteration {want.iteration}" in str(err)
    _assert_params_close(err.params, want.params, 0.0)
    for w, b in err.params:
        assert np.isfinite(w).all() and np.isfinite(b).all()
    assert not params[0][0].any()  # the caller's (zero) parameters are never written to


def test_divergence_inside_a_mini_batch_epoch_is_reported_at_that_epoch(block_numpy, monkeypatch):
    X, Y = _diverging_problem()

    def run():
        params = initialize_parameters([1, 1], X, init="zeros", rng=0)
        with pytest.raises(TrainingDivergedError) as info:
            training.train(
                X, Y, params, optimizers.GradientDescent(5.0), output="identity",
                max_iter=1000, batch_size=16, random_state=0,
            )  # fmt: skip
        return params, info.value

    with monkeypatch.context() as patch:
        patch.setenv("NNBACKEND_COMPILED", "0")
        _, want = run()
    _, err = run()
    assert (err.iteration, err.last_finite_cost) == (want.iteration, want.last_finite_cost)
    assert repr(err.cost) == repr(want.cost)  # inf or nan alike
    _assert_params_close(err.params, want.params, 0.0)


def test_progress_is_updated_for_every_iteration(block_numpy):
    X, Y = _xor()
    updates = []

    class Progress:
        def update(self, iteration, cost):
            updates.append((iteration, cost))

    rng = np.random.default_rng(0)
    params = initialize_parameters([2, 4, 1], X, init="xavier", rng=0)
    result = compiled.train(
        X, Y, params, optimizers.GradientDescent(0.5), NetworkSpec(hidden="tanh"),
        max_iter=150, batch_size=None, tol=None, n_iter_no_change=10, rng=rng,
        progress=Progress(),
    )  # fmt: skip
    assert result is not None
    assert updates == list(enumerate(result[1])) and len(updates) == 150


@pytest.mark.parametrize("batch_size", [None, 40])
def test_early_stopping_in_blocks_equals_the_eager_loop(block_numpy, monkeypatch, batch_size):
    # the held-out score runs in every kind of program (queued: CuPy's full-batch loop), and
    # the best parameters come back from a block run again past the first block
    X, y = datasets.make_moons(200, noise=0.3, seed=0)
    options = dict(hidden_layer_sizes=(6,), learning_rate=0.05, max_iter=250, tol=1e-4)
    options.update(early_stopping=True, n_iter_no_change=60, random_state=0)
    options["batch_size"] = batch_size
    got = nnbackend.NeuralNetworkClassifier(**options).fit(X, y)
    monkeypatch.setenv("NNBACKEND_COMPILED", "0")
    ref = nnbackend.NeuralNetworkClassifier(**options).fit(X, y)
    assert got.n_iter_ == ref.n_iter_
    assert got.validation_scores_ == ref.validation_scores_
    np.testing.assert_allclose(got.coefs_[0], ref.coefs_[0], rtol=1e-9)
    np.testing.assert_allclose(got.intercepts_[1], ref.intercepts_[1], rtol=1e-9)


@pytest.mark.parametrize("batch_size", [None, 40])
def test_host_loops_keep_the_best_state_without_running_a_block_again(
    block_numpy, monkeypatch, batch_size
):
    # a host loop's states are new arrays at every step: the best score's is kept as it is
    if block_numpy.name == "queued_numpy" and batch_size is None:
        pytest.skip("queued full batches are a device loop: the best block is run again")
    redone = []
    real = compiled._redo
    monkeypatch.setattr(compiled, "_redo", lambda *a, **k: redone.append(a[4]) or real(*a, **k))
    X, y = datasets.make_moons(200, noise=0.3, seed=0)
    options = dict(hidden_layer_sizes=(6,), learning_rate=0.05, max_iter=250, tol=None)
    options.update(early_stopping=True, random_state=0, batch_size=batch_size)
    got = nnbackend.NeuralNetworkClassifier(**options).fit(X, y)
    assert [count for count in redone if count] == []
    monkeypatch.setenv("NNBACKEND_COMPILED", "0")
    ref = nnbackend.NeuralNetworkClassifier(**options).fit(X, y)
    assert got.validation_scores_ == ref.validation_scores_
    assert got.best_validation_score_ == ref.best_validation_score_
    # (the functional step may round differently in the last bits)
    np.testing.assert_allclose(got.coefs_[0], ref.coefs_[0], rtol=1e-12)
    np.testing.assert_allclose(got.intercepts_[1], ref.intercepts_[1], rtol=1e-12)


def test_second_fit_of_the_same_shape_does_not_build_again(block_numpy):
    X, y = datasets.make_moons(80, noise=0.2, seed=0)
    compiler = block_numpy.compiler()
    model = nnbackend.NeuralNetworkClassifier((5,), max_iter=120, tol=None, random_state=0)
    model.fit(X, y)
    builds = compiler.builds
    assert builds >= 1
    model.set_params(random_state=1).fit(X, y)
    assert compiler.builds == builds
    model.set_params(hidden_layer_sizes=(6,)).fit(X, y)
    assert compiler.builds == builds + 1


# ----------------------------------------------------------------------- which loop runs
def test_numpy_and_the_strict_library_have_no_compiler():
    assert backends.get("numpy").compiler() is None
    assert backends.get("array_api_strict").compiler() is None
    assert compiled.compiler_for(np.ones((2, 3))) is None


def test_nnbackend_compiled_0_turns_compiled_loops_off(block_numpy, monkeypatch):
    X = np.ones((2, 3))
    assert compiled.compiler_for(X) is block_numpy.compiler()
    monkeypatch.setenv("NNBACKEND_COMPILED", "0")
    assert not compiled.enabled() and compiled.compiler_for(X) is None


def test_an_optimizer_subclass_without_a_pure_form_trains_eagerly(block_numpy):
    class Halved(optimizers.GradientDescent):
        def direction(self, params, grads, *, grad_scale=1.0):
            return [d / 2 for d in super().direction(params, grads, grad_scale=grad_scale)]

    assert optimizers.Adam(0.1).compilable and not Halved(0.1).compilable
    X, Y = _xor()
    builds = block_numpy.compiler().builds
    result = _train(X, Y, max_iter=5)
    assert block_numpy.compiler().builds == builds + 1
    params = initialize_parameters([2, 8, 1], X, init="xavier", rng=0)
    training.train(X, Y, params, Halved(0.5), hidden="tanh", max_iter=5)
    assert block_numpy.compiler().builds == builds + 1  # no program for Halved
    assert result.n_iter == 5


def test_programs_are_cached_per_key_and_the_oldest_goes_first():
    compiler = Compiler(backends.get("numpy"), max_programs=2)
    layout = Layout(3, None, 10)
    made = []

    def build(tag):
        def make():
            made.append(tag)
            return HostLoop(lambda *a: a, layout, np, compiler._move)

        return make

    first = compiler.program("a", build("a"))
    assert compiler.program("a", build("a2")) is first
    compiler.program("b", build("b"))
    compiler.program("c", build("c"))  # evicts "a"
    compiler.program("a", build("a3"))
    assert made == ["a", "b", "c", "a3"] and compiler.builds == 4


def test_layouts_split_epochs_into_the_eager_loops_batches():
    assert Layout(10, None, 100).batch_sizes == [10]
    assert Layout(10, 4, 100).batch_sizes == [4, 4, 2]
    assert Layout(12, 4, 100).batch_sizes == [4, 4, 4]
    big = compiled._layout(10**6, 100, optimizers.Adam(0.1))
    assert big.block == 4 and big.n_scalars == 2  # 4 permutations of 10⁶ per block
    assert compiled._layout(50, 64, optimizers.GradientDescent(0.1)).batch_size is None


# ----------------------------------------------------------------------- real compilers
def _library(name):
    adapter = backends.get(name)
    if not adapter.is_installed():
        pytest.skip(f"{name} is not installed")
    return adapter


@pytest.fixture(params=["jax", "torch", "cupy"])
def compiled_library(request):
    adapter = _library(request.param)
    try:
        context = nnbackend.use_backend(request.param, adapter.test_device)
        active = context.__enter__()
    except nnbackend.BackendError as exc:
        pytest.skip(f"{request.param} cannot run here: {exc}")
    try:
        yield active
    finally:
        context.__exit__(None, None, None)


@pytest.fixture
def cupy_gpu():
    adapter = _library("cupy")
    if not adapter.usable():
        pytest.skip("cupy has no usable GPU here")
    with nnbackend.use_backend("cupy") as active:
        yield active


@pytest.mark.parametrize("solver", SOLVERS)
def test_compiled_weights_after_200_iterations_equal_numpys(compiled_library, dtype, solver):
    X, Y = _xor(dtype=dtype)
    with nnbackend.use_backend("numpy"):
        want = _train(X, Y, solver, dims=(2, 6, 3, 1), hidden="relu", max_iter=200)
    compiler = compiled_library.adapter.compiler()
    builds = compiler.builds
    got = _train(*_on(compiled_library.name, X, Y), solver, dims=(2, 6, 3, 1), hidden="relu",
                 max_iter=200)  # fmt: skip
    assert compiler.builds == builds + 1  # the compiled loop ran
    assert got.params[0][0].dtype == nnbackend.asarray(X).dtype
    rtol = 1e-7 if dtype == "float64" else 1e-4
    _assert_params_close(got.params, want.params, rtol)
    np.testing.assert_allclose(got.loss_curve, want.loss_curve, rtol=rtol)


@pytest.mark.parametrize("solver", ["momentum", "adam"])
def test_compiled_mini_batches_follow_the_host_permutations(compiled_library, solver):
    X, Y = _xor(m=150)
    with nnbackend.use_backend("numpy"):
        want = _train(X, Y, solver, max_iter=40, batch_size=32, random_state=5)
    got = _train(*_on(compiled_library.name, X, Y), solver, max_iter=40, batch_size=32,
                 random_state=5)  # fmt: skip
    np.testing.assert_allclose(got.loss_curve, want.loss_curve, rtol=1e-10)
    _assert_params_close(got.params, want.params, 1e-9)


def test_compiled_tolerance_stop_and_loss_curve_equal_eager(compiled_library, monkeypatch):
    X, Y, kwargs = _stop_problem()
    Xb, Yb = _on(compiled_library.name, X, Y)
    want = _eager(monkeypatch, Xb, Yb, **kwargs)
    got = _train(Xb, Yb, **kwargs)
    assert want.stopped_early and got.stopped_early
    assert got.n_iter == want.n_iter and len(got.loss_curve) == got.n_iter
    np.testing.assert_allclose(got.loss_curve, want.loss_curve, rtol=1e-12)
    _assert_params_close(got.params, want.params, 1e-11)
    with nnbackend.use_backend("numpy"):
        assert _train(X, Y, **kwargs).n_iter == want.n_iter


@pytest.mark.parametrize("batch_size", [None, 24])
def test_compiled_divergence_raises_with_the_iteration_and_keeps_the_last_finite_params(
    compiled_library, batch_size
):
    # mini-batches: the epoch diverges at a batch inside it, whose earlier batches are kept
    # (a device loop that runs the epoch unguarded runs it again with its careful twin)
    X, Y = _diverging_problem()
    with nnbackend.use_backend("numpy"):
        _, want = _diverge(X, Y, batch_size)
    params, err = _diverge(*_on(compiled_library.name, X, Y), batch_size)
    assert err.iteration == want.iteration
    assert err.last_finite_cost == pytest.approx(want.last_finite_cost, rel=1e-9)
    # b is rounding noise amplified tenfold per step: compare it on w's scale
    _assert_params_close(err.params, want.params, 1e-9, overall=True)
    for w, _ in err.params:
        assert bool(np.isfinite(nnbackend.to_numpy(w)).all())
    assert not nnbackend.to_numpy(params[0][0]).any()  # the caller's, never written to


def test_a_tolerance_stop_on_the_step_before_a_divergence_keeps_that_step(compiled_library):
    # The stop lands on the last finite step of a block that then diverged: the run stops
    # there (no error), with that step's parameters, not the non-finite ones after it.
    X, Y = _diverging_problem()
    with nnbackend.use_backend("numpy"):
        _, err = _diverge(X, Y)
    # scikit-learn's count: the stop trips once the count exceeds n_iter_no_change
    kwargs = dict(output="identity", max_iter=1000, tol=1e-4, n_iter_no_change=err.iteration - 2)

    def run(X, Y):
        params = initialize_parameters([1, 1], X, init="zeros", rng=0)
        return training.train(X, Y, params, optimizers.GradientDescent(11.0), **kwargs)

    with nnbackend.use_backend("numpy"):
        want = run(X, Y)
    got = run(*_on(compiled_library.name, X, Y))
    assert want.stopped_early and got.stopped_early and got.n_iter == want.n_iter
    _assert_params_close(got.params, want.params, 1e-9, overall=True)


def test_second_fit_hits_the_compiled_cache(compiled_library):
    X, y = datasets.make_moons(90, noise=0.2, seed=2)
    compiler = compiled_library.adapter.compiler()
    kwargs = dict(hidden_layer_sizes=(7,), solver="adam", max_iter=50, tol=None)
    nnbackend.NeuralNetworkClassifier(random_state=0, **kwargs).fit(X, y)
    builds = compiler.builds
    model = nnbackend.NeuralNetworkClassifier(random_state=1, **kwargs).fit(X, y)
    assert compiler.builds == builds and model.n_iter_ == 50


def test_the_compiled_loop_leaves_the_callers_parameters_usable(compiled_library):
    # JAX donates its buffers to each dispatch: only copies, never the caller's arrays
    X, Y = _on(compiled_library.name, *_xor())
    params = initialize_parameters([2, 4, 1], X, init="xavier", rng=0)
    before = [nnbackend.to_numpy(w).copy() for w, _ in params]
    result = training.train(X, Y, params, optimizers.Adam(0.01), hidden="tanh", max_iter=20)
    for (w, _), old in zip(params, before, strict=True):
        now = nnbackend.to_numpy(w)
        assert now.shape == old.shape and np.isfinite(now).all()
    assert result.n_iter == 20


def test_lean_torch_equals_eager_torch_bit_for_bit(monkeypatch):
    _library("torch")
    X, Y = _xor()
    with nnbackend.use_backend("torch"):
        Xt, Yt = nnbackend.asarray(X, dtype="float32"), nnbackend.asarray(Y, dtype="float32")
        for solver, batch_size in (("gd", None), ("adam", 64)):
            got = _train(Xt, Yt, solver, max_iter=120, batch_size=batch_size, random_state=0)
            want = _eager(monkeypatch, Xt, Yt, solver, max_iter=120, batch_size=batch_size,
                          random_state=0)  # fmt: skip
            assert got.loss_curve == want.loss_curve
            for (w, _), (w0, _) in zip(got.params, want.params, strict=True):
                assert bool((w == w0).all())
            assert not got.params[0][0].is_inference()


def test_torch_compile_is_off_by_default_and_wired_when_asked(monkeypatch):
    _library("torch")
    compiler = backends.get("torch").compiler()
    monkeypatch.delenv("NNBACKEND_TORCH_COMPILE", raising=False)
    assert not compiler.functional and compiler.variant() is None
    monkeypatch.setenv("NNBACKEND_TORCH_COMPILE", "1")
    # aot_eager runs torch.compile's graph capture without generating C++ code
    monkeypatch.setenv("NNBACKEND_TORCH_COMPILE_BACKEND", "aot_eager")
    assert compiler.functional and compiler.variant() == ("default", "aot_eager")
    X, Y = _xor(m=64)
    with nnbackend.use_backend("torch"):
        Xt, Yt = nnbackend.asarray(X), nnbackend.asarray(Y)
        got = _train(Xt, Yt, "adam", dims=(2, 3, 1), max_iter=12)
    with nnbackend.use_backend("numpy"):
        want = _train(X, Y, "adam", dims=(2, 3, 1), max_iter=12)
    np.testing.assert_allclose(got.loss_curve, want.loss_curve, rtol=1e-10)


# ----------------------------------------------------------------------- CuPy, without a GPU
class _FakeCupyAdapter(backends.NumpyAdapter):
    """NumPy posing as CuPy's adapter, for CuPy's compiler without a GPU."""

    name = "fake_cupy"
    benchmark_device = None

    def compiler(self):
        if self._compiler is None:
            self._compiler = _StreamlessCupyCompiler(self)
        return self._compiler


class _StreamlessCupyCompiler(backends.CupyCompiler):
    refuse = False

    def _new_stream(self):
        return contextlib.nullcontext()

    def _capture(self, body, warm_up):
        if self.refuse:
            raise RuntimeError("operation not permitted when stream is capturing")
        warm_up()
        return body


@pytest.fixture
def fake_cupy():
    adapter = backends.register(_FakeCupyAdapter())
    try:
        with nnbackend.use_backend(adapter.name):
            yield adapter
    finally:
        backends.unregister(adapter.name)


def test_cupy_queues_full_batches_for_graphs_and_loops_mini_batches(monkeypatch):
    compiler = backends.CupyCompiler(backends.get("numpy"))
    full, mini = Layout(100, None, 100, 2), Layout(100, 32, 100, 2)
    assert compiler.functional
    queued = compiler.loop(lambda *a: a, full, np)
    assert isinstance(queued, QueuedLoop) and queued.capture is not None and queued.device_loop
    assert isinstance(compiler.loop(lambda *a: a, mini, np), HostLoop)
    monkeypatch.setenv("NNBACKEND_CUDA_GRAPHS", "0")
    assert compiler.loop(lambda *a: a, full, np).capture is None
    assert compiler.variant() is False  # a cache key apart from the graph programs


@pytest.mark.parametrize("refuse", [False, True], ids=["captured", "refused"])
def test_cupy_loop_gives_numpys_numbers_captured_or_not(fake_cupy, refuse, monkeypatch):
    compiler = fake_cupy.compiler()
    monkeypatch.setattr(compiler, "refuse", refuse)
    X, Y = _xor()
    got = _train(X, Y, "adam", max_iter=150)
    want = _eager(monkeypatch, X, Y, "adam", max_iter=150)
    np.testing.assert_allclose(got.loss_curve, want.loss_curve, rtol=1e-12)
    _assert_params_close(got.params, want.params, 1e-11)
    program = next(iter(compiler._programs.values()))
    assert isinstance(program, QueuedLoop)
    assert (program.graph_error is not None) == refuse
    if refuse:
        assert "capturing" in program.graph_error


def test_queued_loop_hands_back_copies_of_its_buffers(fake_cupy):
    X, Y = _xor()
    first = _train(X, Y, max_iter=20)
    kept = [w.copy() for w, _ in first.params]
    _train(X, Y, max_iter=20, dims=(2, 8, 1))  # the same program runs again
    for (w, _), old in zip(first.params, kept, strict=True):
        np.testing.assert_array_equal(w, old)


def test_queued_loop_refuses_mini_batches():
    with pytest.raises(ValueError, match="batch_size"):
        QueuedLoop(lambda *a: a, Layout(10, 5, 10), np, None, np.asarray)


class _Marked(np.ndarray):
    """An array type of a fake library with fused kernels."""


class _SpyKernels:
    min_output_elements = 1

    def __init__(self):
        self.calls = []

    def applies(self, *arrays):
        return all(isinstance(a, _Marked) for a in arrays)

    def activate_inplace(self, z, name, slope=0.01):
        self.calls.append(("activate", name))
        return False  # the generic activation runs

    def hidden_delta(self, da, source, name, slope=0.01):
        self.calls.append(("delta", name))

    def sigmoid_cross_entropy_delta(self, z, y, scale):
        self.calls.append(("output", z.shape))
        plain, targets = np.asarray(z), np.asarray(y)
        from nnbackend.backends import _numpy_kernels

        return _numpy_kernels.sigmoid_cross_entropy_delta(plain, targets.copy(), scale)


class _MarkedAdapter(backends.NumpyAdapter):
    name = "marked_numpy"
    benchmark_device = None

    def __init__(self):
        self.spy = _SpyKernels()

    def owns(self, x):
        return isinstance(x, _Marked)

    def kernels(self):
        return self.spy


def test_the_step_asks_a_librarys_adapter_for_its_fused_kernels(monkeypatch):
    numpy_owns = backends.NumpyAdapter.owns
    monkeypatch.setattr(
        backends.NumpyAdapter,
        "owns",
        lambda self, x: not isinstance(x, _Marked) and numpy_owns(self, x),
    )
    adapter = backends.register(_MarkedAdapter())
    try:
        from nnbackend.core import network

        X, Y = (a.view(_Marked) for a in _xor(m=20))
        params = initialize_parameters([2, 3, 1], np.asarray(X), init="xavier", rng=0)
        params = [(w.view(_Marked), b.view(_Marked)) for w, b in params]
        cost, _ = network.cost_and_gradients(X, Y, params, hidden="tanh")
        assert ("activate", "tanh") in adapter.spy.calls
        assert ("output", (1, 20)) in adapter.spy.calls
        assert ("delta", "tanh") in adapter.spy.calls
        want, _ = network.cost_and_gradients(
            np.asarray(X), np.asarray(Y), [(np.asarray(w), np.asarray(b)) for w, b in params],
            hidden="tanh",
        )  # fmt: skip
        assert float(cost) == pytest.approx(float(want), rel=1e-12)
        assert backends.fused_kernels(np.ones(2)) is None  # NumPy's are the math's own
    finally:
        backends.unregister(adapter.name)


# ----------------------------------------------------------------------- CuPy, on a GPU
@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_cupy_fused_kernels_equal_the_generic_path(cupy_gpu, dtype, name):
    from nnbackend.core import activations, losses, network

    kernels = backends.fused_kernels(nnbackend.asarray(np.ones((1, 1))))
    assert kernels is cupy_gpu.adapter.kernels()
    xp = cupy_gpu.xp
    rng = np.random.default_rng(0)
    z = nnbackend.asarray(rng.standard_normal((5, 300)) * 4, dtype=dtype)
    a = z.copy()
    assert kernels.activate_inplace(a, name, 0.1)
    want = activations.activation_forward(z, name, slope=0.1, xp=xp)
    np.testing.assert_array_equal(nnbackend.to_numpy(a), nnbackend.to_numpy(want))
    da = nnbackend.asarray(rng.standard_normal((5, 300)), dtype=dtype)
    source = a > 0 if name in ("relu", "leaky_relu") else a
    want = network._hidden_delta(da.copy(), source, name, 0.1, xp)  # the fused kernel
    generic = (
        da * xp.astype(source, da.dtype)
        if name == "relu"
        else xp.where(source, da, 0.1 * da)
        if name == "leaky_relu"
        else activations.activation_backward(da, source, name, slope=0.1, xp=xp)
    )
    np.testing.assert_array_equal(nnbackend.to_numpy(want), nnbackend.to_numpy(generic))
    y = nnbackend.asarray((rng.random((1, 300)) > 0.5).astype(float), dtype=dtype)
    logits = z[:1].copy()
    cost = kernels.sigmoid_cross_entropy_delta(logits, y, 0.5)
    want_cost = losses.binary_cross_entropy_with_logits(z[:1], y, xp=xp)
    want_dz = network.output_delta(activations.sigmoid(z[:1], xp=xp), y, "sigmoid", scale=0.5)
    assert float(cost) == pytest.approx(float(want_cost), rel=1e-12 if dtype == "float64" else 1e-6)
    np.testing.assert_array_equal(nnbackend.to_numpy(logits), nnbackend.to_numpy(want_dz))


def test_cupy_full_batch_training_is_captured_as_a_graph(cupy_gpu):
    X, Y = _xor()
    Xc, Yc = nnbackend.asarray(X), nnbackend.asarray(Y)
    compiler = cupy_gpu.adapter.compiler()
    got = _train(Xc, Yc, "adam", max_iter=150)
    with nnbackend.use_backend("numpy"):
        want = _train(X, Y, "adam", max_iter=150)
    _assert_params_close(got.params, want.params, 1e-9)
    programs = [p for p in compiler._programs.values() if isinstance(p, QueuedLoop)]
    assert programs and all(p.graph_error is None for p in programs), [
        p.graph_error for p in programs
    ]


# ----------------------------------------------------------------------- PyTorch's kernels
@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "leaky_relu", "identity"])
def test_torch_in_place_kernels_equal_the_generic_path_bit_for_bit(dtype, name):
    torch = pytest.importorskip("torch")
    from nnbackend.core import activations

    kernels = backends.get("torch").kernels()
    xp = backends.get("torch").namespace(None)
    rng = np.random.default_rng(1)
    z = torch.from_numpy(rng.standard_normal((6, 50)) * 30).to(getattr(torch, dtype))
    a = z.clone()
    if kernels.activate_inplace(a, name, 0.1):
        want = activations.activation_forward(z, name, slope=0.1, xp=xp)
        assert torch.equal(a, want)
    else:
        assert name == "leaky_relu" and torch.equal(a, z)
        a = activations.activation_forward(z, name, slope=0.1, xp=xp)
    da = torch.from_numpy(rng.standard_normal((6, 50))).to(z.dtype)
    source = a > 0 if name in ("relu", "leaky_relu") else a
    got = kernels.hidden_delta(da.clone(), source, name, 0.1)
    if got is None:
        assert name == "leaky_relu"
    elif name == "relu":
        assert torch.equal(got, da * xp.astype(source, da.dtype))
    else:
        assert torch.equal(got, activations.activation_backward(da, source, name, xp=xp))
    theta, delta = [z.clone(), a.clone()], [da.clone(), da.clone() * 2]
    want = [t - d for t, d in zip(theta, delta, strict=True)]
    out = kernels.subtract_over(theta, delta)
    assert out is delta and all(torch.equal(g, w) for g, w in zip(out, want, strict=True))


def test_torch_update_lands_in_the_steps_own_buffers():
    torch = pytest.importorskip("torch")
    params = [(torch.ones((2, 3)), torch.zeros((2, 1)))]
    deltas = [torch.full((2, 3), 0.5), torch.full((2, 1), -1.0)]
    updated = optimizers.GradientDescent(1.0).propose(params, deltas)
    assert updated[0][0] is deltas[0] and updated[0][1] is deltas[1]
    assert torch.equal(updated[0][0], torch.full((2, 3), 0.5))
    assert torch.equal(params[0][0], torch.ones((2, 3)))  # the parameters are untouched


def test_torch_fused_output_equals_the_generic_cost_and_delta(dtype):
    torch = pytest.importorskip("torch")
    from nnbackend.core import activations, losses, network

    kernels = backends.get("torch").kernels()
    xp = backends.get("torch").namespace(None)
    rng = np.random.default_rng(3)
    # logits across the sigmoid's whole range, saturated ones included
    z = torch.from_numpy(rng.standard_normal((1, 400)) * 40).to(getattr(torch, dtype))
    y = torch.from_numpy((rng.random((1, 400)) > 0.5).astype(float)).to(z.dtype)
    logits = z.clone()
    cost = kernels.sigmoid_cross_entropy_delta(logits, y, 0.5)
    want_cost = losses.binary_cross_entropy_with_logits(z, y, xp=xp)
    want_dz = network.output_delta(activations.sigmoid(z, xp=xp), y, "sigmoid", scale=0.5, xp=xp)
    rtol = 1e-12 if dtype == "float64" else 1e-6
    assert float(cost) == pytest.approx(float(want_cost), rel=rtol)
    np.testing.assert_allclose(logits.numpy(), want_dz.numpy(), rtol=rtol, atol=1e-7 * 0.5 / 400)


@pytest.mark.parametrize("library", ["jax", "torch"])
def test_compiler_namespaces_transposed_products_equal_matmul(library, dtype):
    from nnbackend._arrays import matmul_nt, matmul_tn

    _library(library)
    adapter = backends.get(library)
    rng = np.random.default_rng(4)
    a, b, w = (
        rng.standard_normal((3, 50)),
        rng.standard_normal((7, 50)),
        rng.standard_normal((3, 7)),
    )
    with nnbackend.use_backend(library), adapter.computing(dtype):
        A, B, W = (nnbackend.asarray(v, dtype=dtype) for v in (a, b, w))
        xp = adapter.compiler().namespace(nnbackend.backends.array_namespace(A))
        assert hasattr(xp, "matmul_nt") and hasattr(xp, "matmul_tn")
        nt, tn = matmul_nt(A, B, xp), matmul_tn(W, A, xp)
        # sums of 50 and 3 products: float32 rounding is relative to their magnitude
        tol = {"rtol": 1e-12, "atol": 1e-12} if dtype == "float64" else {"rtol": 1e-5, "atol": 1e-4}
        np.testing.assert_allclose(nnbackend.to_numpy(nt), a @ b.T, **tol)
        np.testing.assert_allclose(nnbackend.to_numpy(tn), w.T @ a, **tol)


def test_torch_product_with_bias_equals_matmul_plus_bias(dtype):
    torch = pytest.importorskip("torch")
    from nnbackend.core import network

    rng = np.random.default_rng(5)
    w, a, b = (
        rng.standard_normal((4, 30)),
        rng.standard_normal((30, 50)),
        rng.standard_normal((4, 1)),
    )
    W, A, B = (torch.from_numpy(v).to(getattr(torch, dtype)) for v in (w, a, b))
    z = network.linear_forward(A, W, B)
    assert backends.get("torch").kernels().linear is not None
    tol = {"rtol": 1e-12, "atol": 1e-12} if dtype == "float64" else {"rtol": 1e-5, "atol": 1e-4}
    np.testing.assert_allclose(z.numpy(), w @ a + b, **tol)
