"""The implementations the benchmark times: one registry row each.

nnbackend's own rows come from the backend registry (every adapter with a
``benchmark_device``); the hand-written peers come from :mod:`nnbackend.bench.peers`.

On a library whose adapter has a compiler, ``nnbackend-<library>`` times the compiled step
(:class:`nnbackend.bench.stepping.Stepper`: ``jax.jit``, PyTorch's lean path, CuPy's fused
kernels
replayed as a CUDA graph), dispatched once per call like the hand-written peers. The
``nnbackend-<library>-fit`` rows (:func:`fit_implementations`) time whole ``fit`` calls of
:data:`FIT_ITERATIONS` full-batch iterations on the small cases, where compiled loops pay off,
and report the time per iteration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from nnbackend import backends
from nnbackend.backends import array_namespace, asarray, use_backend
from nnbackend.bench import peers
from nnbackend.bench.cases import Case, matmul_flops, problem
from nnbackend.bench.peers import Step, sync_none
from nnbackend.bench.stepping import Stepper, training_step
from nnbackend.core import network
from nnbackend.core.spec import NetworkSpec
from nnbackend.estimators.models import NeuralNetworkClassifier
from nnbackend.training import compiled, optimizers

__all__ = [
    "FIT_ITERATIONS",
    "Implementation",
    "available_implementations",
    "device_of",
    "fit_implementations",
    "implementation_names",
    "implementation_rows",
    "make_step",
    "nnbackend_step",
    "row_of",
]

FIT_ITERATIONS: int = 1000
"""Iterations of each ``fit`` a fit row times."""

# Fit rows run on cases whose step needs at most this many matrix-product FLOPs (the planar
# network; logistic regression with 2 features and m <= 10⁴): where launching and dispatching,
# not computing, is the step, and compiled loops pay off.
_FIT_MAX_FLOPS = 2e5


@dataclass(frozen=True)
class Implementation:
    """One row of the benchmark.

    Attributes
    ----------
    name : str
        "loop", "nnbackend-<backend>", or a peer's name ("torch-eager", "jax-jit"...).
    library : str or None
        The registered backend whose library it runs on (None for the pure-Python loop);
        ``--backends`` selects rows by it.
    device : {"cpu", "gpu"}
    build : callable
        ``build(case, dtype)`` returns ``(step, sync)``.
    unavailable : callable
        Returns None when the row can run here, else the reason it cannot.
    skips : callable, optional
        ``skips(case)`` returns why the row does not run on that case, or None.
    steps_per_call : int, default 1
        Steps one call of the built step runs (its time is divided by it).
    warmup, min_rounds : int, default 3
        Untimed calls before timing, and the fewest timed calls.
    """

    name: str
    library: str | None
    device: str
    build: Callable[[Case, str], Step]
    unavailable: Callable[[], str | None]
    skips: Callable[[Case], str | None] | None = None
    steps_per_call: int = 1
    warmup: int = 3
    min_rounds: int = 3


def nnbackend_step(case: Case, dtype: str, backend: str, device: str | None) -> Step:
    """nnbackend's :func:`~nnbackend.core.network.gradient_step` on one backend and device.

    Parameters
    ----------
    case : Case
    dtype : {"float32", "float64"}
    backend : str
        A registered backend name.
    device : str or None

    Returns
    -------
    (step, sync)
    """
    X, Y, host = problem(case, dtype)
    with use_backend(backend, device) as active:
        Xb, Yb = asarray(X), asarray(Y)
        params = [(asarray(w), asarray(b)) for w, b in host]
    if compiled.compiler_for(Xb) is not None:
        return _compiled_step(Xb, Yb, params, case, active)
    xp = active.xp
    state = {"params": params}

    def step() -> None:
        state["params"], _ = network.gradient_step(
            Xb, Yb, state["params"], 0.01, hidden=case.hidden, output="sigmoid", xp=xp
        )

    def sync() -> None:
        active.adapter.synchronize(active.device, [state["params"][-1][0]])

    return step, sync if not active.adapter.host else sync_none


def _compiled_step(Xb: Any, Yb: Any, params: Any, case: Case, active: Any) -> Step:
    # the library's compiled step, one dispatch per call, nothing read back
    spec = NetworkSpec.of(params, hidden=case.hidden, output="sigmoid")
    stepper = Stepper(Xb, Yb, params, optimizers.GradientDescent(0.01), spec)

    def sync() -> None:
        active.adapter.synchronize(active.device, [stepper.params[-1][0]])

    return stepper.step, sync


def fit_step(case: Case, dtype: str, backend: str, device: str | None) -> Step:
    """One ``fit`` of :data:`FIT_ITERATIONS` full-batch gradient-descent iterations.

    Parameters
    ----------
    case : Case
    dtype : {"float32", "float64"}
    backend : str
    device : str or None

    Returns
    -------
    (step, sync)
        ``step`` fits a :class:`~nnbackend.NeuralNetworkClassifier` on the case's data (host
        data, moved to ``backend`` by ``fit``); ``fit`` reads every cost back, so it returns
        with the device done.
    """
    X, Y, _ = problem(case, dtype)
    features, labels = X.T.copy(), Y[0].copy()
    model = NeuralNetworkClassifier(
        hidden_layer_sizes=case.layer_dims[1:-1],
        activation=case.hidden,
        init="he" if case.hidden == "relu" else "xavier",
        solver="gd",
        learning_rate=0.01,
        max_iter=FIT_ITERATIONS,
        tol=None,
        random_state=0,
        dtype=dtype,
    )

    def step() -> None:
        with use_backend(backend, device):
            model.fit(features, labels)

    return step, sync_none


def _fit_skips(case: Case) -> str | None:
    if matmul_flops(case.layer_dims, case.m) > _FIT_MAX_FLOPS:
        return "skipped (fit rows: small cases)"
    return None


def _fit_step(case: Case, dtype: str) -> Step:
    # One iteration exactly as NeuralNetworkClassifier.fit runs it on NumPy: the training
    # loop's step, with its cost read, divergence check and optimizer.
    X, Y, host = problem(case, dtype)
    xp = array_namespace(X)
    optimizer = optimizers.GradientDescent(0.01)
    state = {"params": [(w.copy(), b.copy()) for w, b in host]}
    spec = NetworkSpec.of(host, hidden=case.hidden, output="sigmoid")

    def step() -> None:
        state["params"], _ = training_step(X, Y, state["params"], optimizer, spec, xp=xp)

    return step, sync_none


def _unavailable(
    library: str | None, probe: Callable[[], bool] | None = None
) -> Callable[[], str | None]:
    def unavailable() -> str | None:
        if library is not None and not backends.get(library).is_installed():
            return f"{library} is not installed"
        if probe is not None and not probe():
            return "no usable GPU"
        return None

    return unavailable


def _nnbackend_row(name: str) -> Implementation:
    adapter = backends.get(name)
    return Implementation(
        f"nnbackend-{name}",
        name,
        "gpu" if adapter.accelerator else "cpu",
        partial(nnbackend_step, backend=name, device=adapter.benchmark_device),
        _unavailable(name, adapter.usable if adapter.accelerator else None),
    )


def _peer_row(peer: peers.Peer) -> Implementation:
    return Implementation(
        peer.name, peer.library, peer.device, peer.build, _unavailable(peer.library, peer.probe)
    )


def implementation_rows() -> list[Implementation]:
    """Every row, in table order: the loop and the host rows, the other CPU rows, the GPU rows.

    Each group holds nnbackend's rows first, then the hand-written peers on the same libraries.

    Returns
    -------
    list of Implementation
    """
    benched = [backends.get(n) for n in backends.registered()]
    benched = [a for a in benched if a.benchmark_device is not None]

    def group(adapters: list, peer_test: Callable[[peers.Peer], bool]) -> list[Implementation]:
        own = [_nnbackend_row(a.name) for a in adapters]
        return own + [_peer_row(p) for p in peers.PEERS if peer_test(p)]

    def is_host(library: str | None) -> bool:
        return library is not None and backends.get(library).host

    host = [a for a in benched if a.host]
    rows = [_peer_row(p) for p in peers.PEERS if p.library is None]
    rows += group(host, lambda p: p.device == "cpu" and is_host(p.library))
    rows.append(
        Implementation(
            "nnbackend-fit-step", backends.DEFAULT_BACKEND, "cpu", _fit_step, lambda: None
        )
    )
    cpu = [a for a in benched if not a.host and not a.accelerator]
    rows += group(
        cpu, lambda p: p.device == "cpu" and p.library is not None and not is_host(p.library)
    )
    gpu = [a for a in benched if a.accelerator]
    rows += group(gpu, lambda p: p.device == "gpu")
    return rows


def fit_implementations() -> list[Implementation]:
    """The fit rows: one per benchmarked library whose adapter has a compiler.

    They are apart from :func:`implementations` (the per-step rows that ``benchmarks/`` and
    the tests sweep over every case): ``nnbackend bench`` adds them, on the small cases.
    NumPy's whole-loop row is ``nnbackend-fit-step`` (one iteration of the training loop).

    Returns
    -------
    list of Implementation
    """
    rows = []
    for name in backends.registered():
        adapter = backends.get(name)
        if adapter.benchmark_device is None or adapter.compiler() is None:
            continue
        rows.append(
            Implementation(
                f"nnbackend-{name}-fit",
                name,
                "gpu" if adapter.accelerator else "cpu",
                partial(fit_step, backend=name, device=adapter.benchmark_device),
                _unavailable(name, adapter.usable if adapter.accelerator else None),
                skips=_fit_skips,
                steps_per_call=FIT_ITERATIONS,
                warmup=1,
                min_rounds=1,
            )
        )
    return rows


def implementation_names() -> tuple[str, ...]:
    """The rows' names, in table order.

    Returns
    -------
    tuple of str
    """
    return tuple(row.name for row in implementation_rows())


def _row(name: str) -> Implementation:
    for row in [*implementation_rows(), *fit_implementations()]:
        if row.name == name:
            return row
    raise ValueError(
        f"implementation={name!r} is not valid: expected one of {implementation_names()}"
    )


def make_step(case: Case, implementation: str, dtype: str = "float32") -> Step:
    """Build ``(step, sync)`` for one implementation on one case.

    Parameters
    ----------
    case : Case
    implementation : str
        A name from :func:`implementation_names`.
    dtype : {"float32", "float64"}

    Returns
    -------
    step : callable
        Runs one gradient step.
    sync : callable
        Waits for the device to finish (a no-op on the CPU).
    """
    return _row(implementation).build(case, dtype)


def device_of(implementation: str) -> str:
    """ "cpu" or "gpu": where an implementation runs."""
    return _row(implementation).device


def row_of(implementation: str) -> Implementation:
    """The registry row called ``implementation`` (a per-step row or a fit row).

    Raises
    ------
    ValueError
        For an unknown name.
    """
    return _row(implementation)


def available_implementations(libraries: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Which implementations can run here for the requested libraries.

    Parameters
    ----------
    libraries : sequence of str
        Registered backend names ("numpy", "cupy", "torch", "jax"...).

    Returns
    -------
    runnable : list of str
        Always starts with "loop".
    missing : dict
        Implementation → why it cannot run here.
    """
    runnable, missing = [], {}
    wanted = set(libraries)
    for row in [*implementation_rows(), *fit_implementations()]:
        if row.library is not None and row.library not in wanted:
            continue
        why = row.unavailable()
        if why is None:
            runnable.append(row.name)
        else:
            missing[row.name] = why
    return runnable, missing
