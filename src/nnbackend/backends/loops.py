"""Compiled training loops: how one library runs a training step many times.

An adapter's :meth:`~nnbackend.backends.Adapter.compiler` returns a :class:`Compiler`, or None
when its library has no way to run steps faster than the eager loop. A compiler knows *how* to
run steps (a ``jax.jit``-compiled device loop, a lean PyTorch loop, a CUDA graph); it never
knows *what* a step computes: the step comes from :mod:`nnbackend.training.compiled`, built from the
network and optimizer code, so the math is written once.

Two kinds of step exist, and a compiler takes one of them (``Compiler.functional``):

* a **functional** step ``step(state, X, Y, scalars) -> (new_state, cost, finite)`` is a pure
  function of arrays (for tracing compilers such as ``jax.jit``): it returns a new state and
  0-d arrays;
* an **eager** step ``step(state, X, Y, scalars) -> (state, cost, finite)`` is the eager
  loop's own step: it returns the updated state when the step is finite (else the state it was
  given), the cost as a Python float and the check as a Python bool (for eager libraries).

A :class:`Program` runs up to ``n`` steps of one of them and stops after the first step whose
cost or update is not finite, without applying it. Programs are cached per key (architecture,
shape, dtype, device) in their compiler, so that a second ``fit`` does not compile again.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from nnbackend._arrays import numpy_dtype, take_columns

__all__ = [
    "Block",
    "Compiler",
    "HostLoop",
    "Layout",
    "Program",
    "QueuedLoop",
    "Score",
    "StopRule",
]

Step = Callable[[Any, Any, Any, Any], tuple[Any, Any, Any]]

Score = Callable[[Any, Any], Any]
"""``score(state, held) -> 0-d array``: early stopping's held-out score of a state, a pure
function of arrays; ``held`` is what :meth:`Program.run` is handed (the held-out data)."""


@dataclass(frozen=True)
class Layout:
    """The shape of a training run that a program is built for.

    Attributes
    ----------
    m : int
        Examples (columns of X).
    batch_size : int or None
        None trains on the full batch; an int on mini-batches of that size (the last one
        smaller when it does not divide ``m``), one epoch per iteration.
    block : int
        Iterations (full batch) or epochs (mini-batches) per dispatch.
    n_scalars : int
        Per-step scalars a functional step takes (the optimizer's).
    """

    m: int
    batch_size: int | None
    block: int
    n_scalars: int = 0

    @property
    def batch_sizes(self) -> list[int]:
        """The size of every step's batch within one iteration (one entry for a full batch)."""
        if self.batch_size is None:
            return [self.m]
        return [min(self.batch_size, self.m - s) for s in range(0, self.m, self.batch_size)]


@dataclass
class Block:
    """What one dispatch of up to ``n`` iterations brought back to the host.

    Attributes
    ----------
    state : object
        The state after the last finite step.
    records : list
        One per finished iteration: its cost (full batch) or the 1-d array of its batches'
        costs (mini-batches), as host floats.
    diverged : bool
        Whether the iteration after the finished ones had a step that was not finite.
    bad_cost : float or None
        The cost of that step.
    bad_batches : int
        Mini-batches of the diverged iteration that were finished and applied before it.
    scores : list of float
        With a score: the held-out score after each finished iteration.
    best : (int, object) or None
        From a program that :attr:`~Program.keeps_best`: the iterations finished up to the
        first highest score of the block, and the state after them (early stopping then
        keeps it as it is, instead of running the block again up to that iteration).
    """

    state: Any
    records: list[Any] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    best: tuple[int, Any] | None = None
    diverged: bool = False
    bad_cost: float | None = None
    bad_batches: int = 0

    @property
    def done(self) -> int:
        """Iterations finished and applied."""
        return len(self.records)


class StopRule(Protocol):
    """What a host loop asks after each iteration: the training driver's stall count, run
    ahead of its booking (:class:`nnbackend.training.rules.Lookahead`), so that the rule that
    stops a run and names a new best score is the driver's own."""

    @property
    def improved(self) -> bool:
        """Whether the iteration just told has the best held-out score so far."""
        ...  # pragma: no cover

    def update(self, record: Any, score: float | None) -> bool:
        """Tell one finished iteration; True when the stall count trips there."""
        ...  # pragma: no cover


class Program:
    """One loop, built for one step and :class:`Layout`.

    Attributes
    ----------
    device_loop : bool
        Whether the iterations of a dispatch run on the device, out of the host's reach: the
        host then cannot stop them in between, and a tolerance stop inside a block is found
        afterwards (see :mod:`nnbackend.training.compiled`).
    """

    device_loop: bool = False

    #: Early stopping's held-out score, computed after every iteration (None: not scored).
    score: Score | None = None

    #: Whether a diverged block's state is the last finite one. A program that skips that
    #: selection (it costs a pass over every parameter at every step) returns the non-finite
    #: state instead, and the caller runs the block again from a snapshot, up to the step
    #: before the divergence.
    keeps_finite: bool = True

    #: Whether a scored block hands back the state of its best score (:attr:`Block.best`):
    #: a host loop's states are new arrays at every step, so keeping one costs nothing.
    keeps_best: bool = False

    def prepare(self, state: Any) -> Any:
        """The state this program may consume, from the caller's (copied where it must be)."""
        return state

    def careful(self) -> Program:
        """A program of the same step that keeps the last finite state of a mini-batch epoch
        (:attr:`keeps_finite`), for running a diverged block again up to its last finite
        step; this program itself when it does."""
        return self

    def snapshot(self, state: Any) -> Any:
        """A copy of ``state`` that survives a dispatch (device loops may consume their input)."""
        raise NotImplementedError  # pragma: no cover

    def finish(self, state: Any) -> Any:
        """The state to hand back to the caller at the end (copied out of the program's own
        buffers, where it keeps them across runs)."""
        return state

    def session(self) -> contextlib.AbstractContextManager[Any]:
        """Held for a whole training run: a program with buffers of its own serves one run at
        a time (another thread's run of the same cached program waits)."""
        return contextlib.nullcontext()

    def run(
        self,
        state: Any,
        X: Any,
        Y: Any,
        n: int,
        scalars: np.ndarray | None = None,
        perms: np.ndarray | None = None,
        stop: StopRule | None = None,
        held: Any = None,
    ) -> Block:  # pragma: no cover
        """Run up to ``n`` iterations from ``state``.

        Parameters
        ----------
        state : object
        X, Y : arrays
            The whole training data, in course layout, on the program's device.
        n : int
            At most ``Layout.block``.
        scalars : numpy.ndarray, optional
            Float64 per-step scalars, shape (n, steps per iteration, n_scalars), for functional
            steps.
        perms : numpy.ndarray, optional
            Integer permutations of the examples, one row per iteration (mini-batches only).
        stop : StopRule, optional
            The driver's stall count run ahead: host loops tell it each finished iteration's
            record and score (None when not scored), stop where it trips, and keep the state
            of each new best score it names; device loops ignore it.
        held : object, optional
            What ``score`` scores against (the held-out arrays), passed as an argument so
            that a cached program serves every fit of the same shapes.

        Returns
        -------
        Block
        """
        raise NotImplementedError


class HostLoop(Program):
    """The generic loop: Python iterates, the library computes each step eagerly.

    It serves libraries without a tracing compiler (PyTorch's lean path, the fallback of a
    CUDA-graph capture that was refused) and, with the eager step, is the training
    loop of :mod:`nnbackend.training` arranged in blocks: the reference the compiled loops are
    tested against.

    Parameters
    ----------
    step : callable
        An eager step, or a functional one when ``functional`` is True.
    layout : Layout
    xp : module
        The namespace of the data, for gathering mini-batches.
    move : callable
        ``move(host_array, like)`` copies a host index array to ``like``'s device.
    functional : bool, default False
        Whether ``step`` is functional (its cost and check are then 0-d arrays, read here).
    score : callable, optional
        Early stopping's held-out score, read after every iteration.
    """

    def __init__(
        self,
        step: Step,
        layout: Layout,
        xp: Any,
        move: Callable[[np.ndarray, Any], Any],
        *,
        functional: bool = False,
        score: Score | None = None,
    ) -> None:
        self.step = step
        self.layout = layout
        self.xp = xp
        self.move = move
        self.functional = functional
        self.score = score

    keeps_best = True

    def snapshot(self, state: Any) -> Any:
        # functional steps make new arrays and never write to their input: the state itself
        # (the driver copies an eager step's optimizer, which updates in place)
        return state

    def _one(self, state: Any, X: Any, Y: Any, scalars: Any) -> tuple[Any, float, bool]:
        new, cost, finite = self.step(state, X, Y, scalars)
        if not self.functional:
            return new, cost, finite
        finite = bool(finite)
        return (new if finite else state), float(cost), finite

    def run(
        self,
        state: Any,
        X: Any,
        Y: Any,
        n: int,
        scalars: np.ndarray | None = None,
        perms: np.ndarray | None = None,
        stop: StopRule | None = None,
        held: Any = None,
    ) -> Block:
        block = Block(state)
        xp, sizes = self.xp, self.layout.batch_sizes
        if scalars is not None and self.functional:
            # on the device, in the data's dtype: rounded once, as a Python float multiplying
            # an array of that dtype is in the eager loop, and without one transfer per step
            scalars = self.move(np.asarray(scalars, dtype=numpy_dtype(X.dtype)), X)
        for i in range(n):
            row = None if scalars is None else scalars[i]
            if perms is None:
                state, cost, finite = self._one(state, X, Y, None if row is None else row[0])
                if not finite:
                    block.diverged, block.bad_cost = True, cost
                    break
                record: Any = cost
            else:
                order = self.move(perms[i], X)
                costs: list[float] = []
                start = 0
                for j, size in enumerate(sizes):
                    idx = order[start : start + size]
                    start += size
                    xb, yb = take_columns(X, idx, xp), take_columns(Y, idx, xp)
                    state, cost, finite = self._one(state, xb, yb, None if row is None else row[j])
                    if not finite:
                        break
                    costs.append(cost)
                if not finite:
                    block.diverged, block.bad_cost, block.bad_batches = True, cost, len(costs)
                    break
                record = np.array(costs)
            block.state = state
            block.records.append(record)
            value = None
            if self.score is not None:
                value = float(self.score(state, held))
                block.scores.append(value)
            if stop is not None:
                tripped = stop.update(record, value)
                if stop.improved:  # the driver's rule names the best: its state is kept
                    block.best = (block.done, state)
                if tripped:
                    break
        block.state = state
        return block


def _flat_state(state: Any) -> list[Any]:
    params, opt_state = state
    return [*params, *opt_state]


def _state_like(state: Any, flat: list[Any]) -> Any:
    n = len(state[0])
    return tuple(flat[:n]), tuple(flat[n:])


class QueuedLoop(Program):
    """Full-batch functional steps queued on the device, read back once per block.

    Each step runs on buffers the program owns — parameters, optimizer state, the data, the
    step's scalars, a "still finite" flag and the cost — and writes its results back into
    them, keeping the old values where the step or any earlier one was not finite. Nothing
    is read back until the block ends, so the host never waits for the device in between.
    Because the buffers never move, the step can be captured once (a CUDA graph) and replayed:
    ``capture(body, warm_up)`` returns the replay callable, or raises, in which case the
    steps are launched one by one and ``graph_error`` says why.

    Parameters
    ----------
    step : callable
        A functional step.
    layout : Layout
        Full batch only.
    xp : module
        The namespace of the data.
    move : callable
        ``move(host_array, like)`` copies host data to ``like``'s device.
    to_host : callable
        Copies an array of the library to a NumPy array.
    capture : callable, optional
        Captures ``body`` for replay; None launches every step directly.
    stream : callable, optional
        Returns the context every operation of a run is issued in (the capture's stream).
    score : callable, optional
        Early stopping's held-out score, queued after every step (outside the captured
        graph: it reads the parameter buffers, and is read back with the costs).

    Attributes
    ----------
    graph_error : str or None
        Why the capture was refused, when it was.
    """

    device_loop = True

    def __init__(
        self,
        step: Step,
        layout: Layout,
        xp: Any,
        move: Callable[[np.ndarray, Any], Any],
        to_host: Callable[[Any], np.ndarray],
        *,
        capture: Callable[[Callable[[], None], Callable[[], None]], Callable[[], None]]
        | None = None,
        stream: Callable[[], contextlib.AbstractContextManager[Any]] | None = None,
        score: Score | None = None,
    ) -> None:
        if layout.batch_size is not None:
            raise ValueError("QueuedLoop runs full batches only: layout.batch_size must be None")
        self.step, self.layout, self.xp, self.move = step, layout, xp, move
        self.to_host = to_host
        self.capture = capture
        self.stream = stream or contextlib.nullcontext
        self.score = score
        self.graph_error: str | None = None
        self._buffers: list[Any] | None = None
        self._template: Any = None
        # the buffers are shared by every run of this (cached) program: one run at a time
        self._lock = threading.RLock()
        self._launch: Callable[[], None] | None = None
        self._data: tuple[Any, Any] | None = None

    def _copy(self, arrays: list[Any]) -> list[Any]:
        return [self.xp.asarray(a, copy=True) for a in arrays]

    def prepare(self, state: Any) -> Any:
        return self.snapshot(state)

    def snapshot(self, state: Any) -> Any:
        with self._lock, self.stream():
            return _state_like(state, self._copy(_flat_state(state)))

    def finish(self, state: Any) -> Any:
        return self.snapshot(state)  # the buffers stay with the program for its next run

    def session(self) -> contextlib.AbstractContextManager[Any]:
        return self._lock

    def _body(self) -> None:
        assert self._buffers is not None
        xp = self.xp
        flat, X, Y, scalars, ok, cost = self._buffers
        new, value, finite = self.step(_state_like(self._template, flat), X, Y, scalars)
        good = ok & finite
        for buffer, updated in zip(flat, _flat_state(new), strict=True):
            buffer[...] = xp.where(good, updated, buffer)
        ok[...] = good
        cost[...] = value

    def _allocate(self, state: Any, X: Any, Y: Any) -> None:
        xp = self.xp
        flat = self._copy(_flat_state(state))
        scalars = xp.zeros((self.layout.n_scalars,), dtype=X.dtype)
        if self.layout.n_scalars:
            scalars = self.move(np.zeros(self.layout.n_scalars, dtype=numpy_dtype(X.dtype)), X)
        ok = xp.asarray(self.move(np.array(True), X), copy=True)
        cost = xp.asarray(self.move(np.zeros((), dtype=numpy_dtype(X.dtype)), X), copy=True)
        data = self._copy([X, Y])
        self._template = state
        self._buffers = [flat, data[0], data[1], scalars, ok, cost]
        self._data = (X, Y)

    def advance(self, state: Any, X: Any, Y: Any, scalars: Any) -> Any:
        """Queue one step (a graph replay) and return the buffers' state, reading nothing."""
        with self._lock, self.stream():
            self._load(state, X, Y)
            if scalars is not None and self.layout.n_scalars:
                host = np.asarray(scalars, dtype=numpy_dtype(X.dtype)).reshape(-1)
                self._buffers[3][...] = self.move(host, X)  # type: ignore[index]
            self._launch_step()
        return _state_like(state, self._buffers[0])  # type: ignore[index]

    def _load(self, state: Any, X: Any, Y: Any) -> None:
        if self._buffers is None:
            self._allocate(state, X, Y)
        assert self._buffers is not None
        flat, Xb, Yb = self._buffers[:3]
        for buffer, value in zip(flat, _flat_state(state), strict=True):
            if buffer is not value:  # a snapshot, or the caller's state on the first run
                buffer[...] = value
        if self._data is None or self._data[0] is not X or self._data[1] is not Y:
            Xb[...], Yb[...] = X, Y  # a new fit on data of the same shape
            self._data = (X, Y)

    def _launch_step(self) -> None:
        if self._launch is None:
            self._launch = self._launcher()
        self._launch()

    def _warm_up(self) -> None:
        # one real step compiles every kernel and fills the memory pool; the state is put back
        assert self._buffers is not None
        flat, ok = self._buffers[0], self._buffers[4]
        saved = self._copy([*flat, ok])
        self._body()
        for buffer, value in zip([*flat, ok], saved, strict=True):
            buffer[...] = value

    def _launcher(self) -> Callable[[], None]:
        if self.capture is not None:
            try:
                return self.capture(self._body, self._warm_up)
            except Exception as exc:  # a refused capture: launch the steps one by one
                self.graph_error = f"{type(exc).__name__}: {exc}"
        return self._body

    def run(
        self,
        state: Any,
        X: Any,
        Y: Any,
        n: int,
        scalars: np.ndarray | None = None,
        perms: np.ndarray | None = None,
        stop: StopRule | None = None,
        held: Any = None,
    ) -> Block:
        xp = self.xp
        with self._lock, self.stream():
            self._load(state, X, Y)
            assert self._buffers is not None
            flat, _, _, scalar_buffer, ok, cost = self._buffers
            ok[...] = True
            rows = None
            if scalars is not None and self.layout.n_scalars:
                host = np.asarray(scalars, dtype=numpy_dtype(X.dtype)).reshape(n, -1)
                rows = self.move(host, X)
            costs = xp.zeros((n,), dtype=X.dtype)
            scores = xp.zeros((n,), dtype=X.dtype)
            finite = xp.asarray(self.move(np.zeros(n, dtype=bool), X), copy=True)
            for i in range(n):
                if rows is not None:
                    scalar_buffer[...] = rows[i]
                self._launch_step()
                costs[i] = cost
                finite[i] = ok
                if self.score is not None:
                    scores[i] = self.score(_state_like(self._template, flat), held)
            costs_host = np.asarray(self.to_host(costs), dtype=np.float64)
            finite_host = np.asarray(self.to_host(finite), dtype=bool)
            scores_host = np.asarray(self.to_host(scores), dtype=np.float64)
        done = int(np.argmin(finite_host)) if not finite_host.all() else n
        block = Block(_state_like(state, flat), [float(c) for c in costs_host[:done]])
        if self.score is not None:
            block.scores = [float(v) for v in scores_host[:done]]
        if done < n:
            block.diverged, block.bad_cost = True, float(costs_host[done])
        return block


class Compiler:
    """How one library runs the training step many times; caches what it builds.

    The default is the generic :class:`HostLoop` with eager steps and no scope: a library
    whose adapter returns this base class gets blocks, nothing faster. Subclasses override
    ``functional``, :meth:`scope`, :meth:`namespace` and :meth:`loop`.

    Parameters
    ----------
    adapter : Adapter
        The library's adapter (for its conversions and devices).
    max_programs : int, default 32
        Programs kept; the least recently used goes first.

    Attributes
    ----------
    functional : bool
        Whether steps must be pure functions of their state.
    builds : int
        Programs built so far (a cache miss each); the tests read it.
    """

    functional: bool = False

    def __init__(self, adapter: Any, max_programs: int = 32) -> None:
        self.adapter = adapter
        self.max_programs = max_programs
        self.builds = 0
        self._programs: OrderedDict[Hashable, Program] = OrderedDict()
        self._lock = threading.Lock()

    def scope(self, dtype: Any) -> contextlib.AbstractContextManager[Any]:
        """The context the loop runs in, inside the adapter's ``computing`` (no autograd...).

        The training state is made before it is entered, in ``computing`` only.

        Parameters
        ----------
        dtype : dtype
            The data's dtype.

        Returns
        -------
        context manager
        """
        return contextlib.nullcontext()

    def namespace(self, xp: Any, device: Any = None) -> Any:
        """The namespace steps compute with, given the data's namespace ``xp``.

        Parameters
        ----------
        xp : module
            The data's namespace.
        device : optional
            Where the data is (None: not known), for a compiler whose programs compute some
            things differently on some devices; part of every program's cache key already.
        """
        return xp

    def release(self, params: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
        """The trained parameters as the caller may use them, outside :meth:`scope`."""
        return params

    def variant(self) -> Hashable:
        """What else the programs depend on (a compile mode); part of every cache key."""
        return None

    def loop(self, step: Step, layout: Layout, xp: Any, score: Score | None = None) -> Program:
        """Build the program that runs ``step`` (one compilation, for :meth:`program`).

        Parameters
        ----------
        step : callable
            Functional when ``functional`` is True, else eager.
        layout : Layout
        xp : module
            The namespace from :meth:`namespace`.
        score : callable, optional
            Early stopping's held-out score (:data:`Score`), computed after every iteration.

        Returns
        -------
        Program
        """
        return HostLoop(step, layout, xp, self._move, functional=self.functional, score=score)

    def single(self, step: Step, layout: Layout, xp: Any) -> Any:
        """Build one step per call with nothing read back, or None (the caller then runs the
        step itself, as the benchmark's ``Stepwise`` does).

        Parameters
        ----------
        step : callable
        layout : Layout
            Full batch.
        xp : module

        Returns
        -------
        object or None
            With ``prepare(state)`` and ``advance(state, X, Y, scalars) -> state``; the
            generic compiler has no such program of its own.
        """
        return None

    def _move(self, host: np.ndarray, like: Any) -> Any:
        return self.adapter.from_host(np.asarray(host), self.adapter.device_of(like))

    def program(self, key: Hashable, build: Callable[[], Program]) -> Program:
        """The cached program for ``key``, built by ``build()`` on the first request.

        Parameters
        ----------
        key : hashable
            Everything the program depends on: architecture, optimizer, shapes, dtype, device.
        build : callable
            Makes the program (compiles) when the key is new.

        Returns
        -------
        Program
        """
        key = (key, self.variant())
        with self._lock:
            program = self._programs.get(key)
            if program is not None:
                self._programs.move_to_end(key)
                return program
            program = build()
            self.builds += 1
            self._programs[key] = program
            while len(self._programs) > self.max_programs:
                self._programs.popitem(last=False)
            return program

    def clear(self) -> None:
        """Forget every cached program."""
        self._programs.clear()
