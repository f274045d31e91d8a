"""Data-parallel gradient descent on Dask arrays chunked by examples.

The training loop (:func:`nnbackend.training.train`) stays the same; only the cost and the
gradients of a step come from here. X (course layout, ``(n_x, m)``) and Y stay where they are,
as chunks of examples. Each step maps the core's own ``cost_and_gradients`` over the step's
chunks, on the workers and with each chunk's library (NumPy, or CuPy on GPU workers), and sums
the per-chunk results with a tree reduction. Only the small parameters travel: out once per
step, and the summed gradients back. The optimizer then updates them on the client, so every
iteration submits a fresh graph of O(chunks) tasks that never refers to an earlier one.

The core divides by the number of examples inside dZ[L] (``(A[L] - Y) / m``). A chunk of
``m_i`` examples in a step of ``M`` therefore runs with the gradient scale multiplied by
``m_i / M``, and its cost is weighted by the same factor: the sums are then exactly the
full step's mean cost and gradients.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnbackend.backends._adapter import Adapter
from nnbackend.backends._registry import adapter_of
from nnbackend.backends.dask.cluster import Scheduler

__all__ = [
    "HOST_PREFIX",
    "TRANSPORTS",
    "Batch",
    "ChunkedTraining",
    "Parameters",
    "add_terms",
    "chunk_terms",
]

Array = Any
Params = list[tuple[Array, Array]]
Terms = tuple[float, list[tuple[np.ndarray, np.ndarray]]]

HOST_PREFIX = "nnbackend-host-"
"""Name prefix of the Dask arrays the adapter makes from host data (see ``from_host``)."""

TRANSPORTS = ("graph", "scatter")
"""How the parameters reach the workers each step: as one key of the step's graph, which the
scheduler hands to each worker that needs it, or broadcast to every worker beforehand with
``Client.scatter``. Both send the parameters once per step; on the local scheduler neither
copies anything."""


@dataclass(frozen=True)
class Parameters:
    """The host parameters of one step, as one object (so that they travel as one key)."""

    arrays: list[tuple[np.ndarray, np.ndarray]]


def chunk_terms(
    x: Array,
    y: Array,
    parameters: Parameters,
    total: int,
    scale: float,
    options: dict[str, Any],
    gradients: Callable[..., tuple[Array, list[tuple[Array, Array]]]],
) -> Terms:
    """On a worker: one chunk's weighted cost and gradients, as host arrays.

    Parameters
    ----------
    x : array of shape (n_x, m_i)
        The chunk in course layout, in its own library (NumPy, CuPy...).
    y : array of shape (n_L, m_i)
        Its targets; moved to x's library and device when they are elsewhere.
    parameters : Parameters
        The step's parameters, on the host.
    total : int
        ``M``, the step's examples: the chunk weighs ``m_i / M``.
    scale : float
        The gradient scale the optimizer asked for.
    options : dict
        ``hidden``, ``output`` and ``slope`` for ``gradients``.
    gradients : callable
        The core's ``cost_and_gradients``.

    Returns
    -------
    cost : float
        The chunk's mean cost times ``m_i / M``.
    grads : list of (dW, db)
        Its gradients times ``scale * m_i / M``, on the host.
    """
    weight = int(x.shape[1]) / total
    params = parameters.arrays
    to_host: Callable[[Array], np.ndarray] = np.asarray
    adapter = adapter_of(x)
    if adapter is not None and not adapter.host:
        device = adapter.device_of(x)
        params = [(adapter.from_host(w, device), adapter.from_host(b, device)) for w, b in params]
        if adapter_of(y) is not adapter:
            y = adapter.from_host(np.asarray(y), device, x.dtype)
        to_host = adapter.to_host
    cost, grads = gradients(x, y, params, scale=scale * weight, **options)
    return float(cost) * weight, [(to_host(dw), to_host(db)) for dw, db in grads]


def add_terms(*parts: Terms) -> Terms:
    """Sum per-chunk terms: one node of the tree reduction."""
    cost = sum(part[0] for part in parts)
    first = parts[0][1]
    grads = [(dw.copy(), db.copy()) for dw, db in first]
    for _, other in parts[1:]:
        for (dw, db), (ow, ob) in zip(grads, other, strict=True):
            dw += ow
            db += ob
    return cost, grads


def _into_library_of(block: np.ndarray, like: Any) -> Any:
    """``block`` (host data) moved to the library of ``like``, on this worker's device."""
    adapter = adapter_of(like)
    return block if adapter is None else adapter.from_host(np.asarray(block), None)


def _second(x: Any, y: Any) -> Any:
    """``y``: a task that depends on ``x`` only so that it runs where ``x`` is."""
    return y


def _beside(Y: Any, X: Any) -> Any:
    """Y with each chunk computed on the worker that holds X's matching chunk."""
    import dask.array as da

    return da.map_blocks(
        _second, X, Y, chunks=Y.chunks, dtype=Y.dtype, meta=np.empty((0, 0), dtype=Y.dtype)
    )


def _from_host_data(array: Any) -> bool:
    """Whether ``array``'s graph holds host data that the adapter brought into Dask."""
    return any(str(name).startswith(HOST_PREFIX) for name in array.dask.layers)


@dataclass(frozen=True)
class Batch:
    """The examples of one step.

    Attributes
    ----------
    size : int
        How many examples.
    chunks : tuple of int
        Chunked data: the indices of the step's whole chunks.
    columns : numpy array or None
        Data held in this process: the step's example indices (None: every example).
    """

    size: int
    chunks: tuple[int, ...] = ()
    columns: np.ndarray | None = None


class ChunkedTraining:
    """Per-step cost and gradients of (X, Y), computed chunk by chunk where the chunks are.

    Parameters
    ----------
    X : Dask array of shape (n_x, m)
        Inputs in course layout, chunked along the examples (the columns). Chunks split along
        the features are merged within each band of examples; nothing moves across bands.
    Y : Dask array of shape (n_L, m)
        Targets; aligned once with X's chunks.
    adapter : Adapter
        The Dask adapter (for the host conversions of the parameters).
    scheduler : Scheduler
        Where to compute.
    gradients : callable
        The core's ``cost_and_gradients``, mapped over the chunks.
    batch_size : int, optional
        Host data sent to a cluster is cut into chunks of this many examples, so that a
        mini-batch step is one chunk. A user's Dask arrays keep their chunks.
    split_every : int, default 4
        The fan-in of the tree reduction.
    transport : {"graph", "scatter"}, default "graph"
        How the parameters reach the workers (see :data:`TRANSPORTS`).

    Notes
    -----
    Where the data is decides how a step runs:

    * A user's Dask arrays are used as they are: persisted ones stay in the workers' memory,
      lazily read ones (Zarr, HDF5...) are read chunk by chunk at every step. A mini-batch
      step takes whole chunks, in a new random order every epoch.
    * Host data that nnbackend brought into Dask is sent to the cluster once (persisted).
    * Host data on the local scheduler is this process's memory already: steps run on it
      directly, with the same mini-batches as every other backend for the same seed.
    """

    def __init__(
        self,
        X: Any,
        Y: Any,
        *,
        adapter: Adapter,
        scheduler: Scheduler,
        gradients: Callable[..., Any],
        batch_size: int | None = None,
        split_every: int = 4,
        transport: str = "graph",
    ) -> None:
        import dask

        if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
            raise ValueError(
                f"X and Y must be 2-D in course layout with the same number of columns, got "
                f"shapes {tuple(X.shape)} and {tuple(Y.shape)}"
            )
        if split_every < 2:
            raise ValueError(f"split_every={split_every!r} is not valid: expected an int >= 2")
        if transport not in TRANSPORTS:
            raise ValueError(f"transport={transport!r} is not valid: expected one of {TRANSPORTS}")
        self.adapter = adapter
        self.scheduler = scheduler
        self.gradients = gradients
        self.split_every = int(split_every)
        self.transport = transport
        self.m = int(X.shape[1])
        self.dtype = X.dtype
        # the chunks' library (NumPy, or CuPy on GPU workers): the trained parameters go back
        # there, so that predictions meet the data on its own library
        self._chunk_meta = getattr(X, "_meta", None)
        # made once: wrapping a function in delayed tokenizes it, which is not free per step
        self._sum_task = dask.delayed(add_terms, pure=True)
        self._held: tuple[np.ndarray, np.ndarray] | None = None
        X_from_host, Y_from_host = _from_host_data(X), _from_host_data(Y)
        if not scheduler.distributed and X_from_host and Y_from_host:
            # Host data on the local scheduler: a graph per step would only add Dask's
            # overhead (about a millisecond, most of a small network's step) to work that runs
            # in this process anyway.
            x_host, y_host = dask.compute(X, Y, scheduler="sync")
            self._held = (np.asarray(x_host), np.asarray(y_host))
            self.sizes: tuple[int, ...] = (self.m,)
            return
        if len(X.chunks[0]) > 1:
            # each task needs whole examples: join the feature blocks of each band of examples
            X = X.rechunk({0: -1})
        if X_from_host and batch_size is not None and batch_size < self.m:
            X = X.rechunk({1: int(batch_size)})
        elif X_from_host and len(X.chunks[1]) < scheduler.threads():
            # nnbackend cut this host data itself: give every worker thread a chunk
            X = X.rechunk({1: -(-self.m // scheduler.threads())})
        if Y.chunks[1] != X.chunks[1] or len(Y.chunks[0]) > 1:
            Y = Y.rechunk(((int(Y.shape[0]),), X.chunks[1]))
        if X_from_host:
            (X,) = scheduler.persist([X])
        if Y_from_host:
            Y = scheduler.persist([_beside(Y, X) if scheduler.holds(X) else Y])[0]
        # Held for as long as training runs: on a cluster they own the futures of what was
        # persisted, which each step's graph only names.
        self._arrays = (X, Y)
        self.sizes = tuple(int(s) for s in X.chunks[1])

    # ------------------------------------------------------------------ batches
    @property
    def n_chunks(self) -> int:
        """The number of chunks of examples (1 for data held in this process)."""
        return len(self.sizes)

    @property
    def held(self) -> bool:
        """Whether the data is held in this process (host data on the local scheduler)."""
        return self._held is not None

    def batches(
        self,
        batch_size: int | None,
        rng: np.random.Generator | np.random.RandomState,
        order: Any = None,
    ) -> list[Batch]:
        """The steps of one epoch.

        Parameters
        ----------
        batch_size : int or None
            None (or at least ``m``) is one full-batch step. On chunked data each step takes
            whole chunks: ``batch_size`` rounded to a number of chunks, at least one, in a new
            random order every epoch. On data held in this process the batches are the
            training loop's own: ``batch_size`` examples from one permutation per epoch.
        rng : numpy Generator or RandomState
            Draws the order.
        order : training.rules.Order, optional
            The training loop's order of the examples (data held in this process), so that
            the batches are the eager loop's; a fresh permutation when omitted.

        Returns
        -------
        list of Batch
        """
        if batch_size is None or batch_size >= self.m:
            return [Batch(self.m, chunks=tuple(range(self.n_chunks)))]
        if self._held is not None:
            examples = rng.permutation(self.m) if order is None else order.next(rng)
            return [
                Batch(int(idx.shape[0]), columns=idx)
                for idx in (examples[s : s + batch_size] for s in range(0, self.m, batch_size))
            ]
        per_step = max(1, round(batch_size * self.n_chunks / self.m))
        chunks = [int(i) for i in rng.permutation(self.n_chunks)]
        steps = [tuple(chunks[i : i + per_step]) for i in range(0, self.n_chunks, per_step)]
        return [Batch(sum(self.sizes[i] for i in step), chunks=step) for step in steps]

    # ------------------------------------------------------------------ parameters
    def host_params(self, params: Params) -> Params:
        """Writeable host copies of the parameters, which the optimizer updates in place."""
        to_host = self.adapter.to_host
        return [(np.array(to_host(w)), np.array(to_host(b))) for w, b in params]

    def restore(self, params: Params) -> Params:
        """The trained host parameters as arrays of the data's library, as every fit returns."""
        from_host = self.adapter.from_host
        restored = [(from_host(w, None), from_host(b, None)) for w, b in params]
        chunk_library = adapter_of(self._chunk_meta)
        if chunk_library is None or chunk_library.host:
            return restored
        # lazily, on the workers that use them: the client may have no GPU
        meta = self._chunk_meta
        return [
            tuple(a.map_blocks(_into_library_of, meta, dtype=a.dtype, meta=meta) for a in pair)
            for pair in restored
        ]

    # ------------------------------------------------------------------ one step
    def _send(self, params: Params, token: str) -> Any:
        import dask

        value = Parameters([(np.asarray(w), np.asarray(b)) for w, b in params])
        if self.transport == "scatter" and self.scheduler.distributed:
            return self.scheduler.scatter(value)
        return dask.delayed(value, name=f"nnbackend-parameters-{token}", traverse=False)

    def step_graph(
        self,
        batch: Batch,
        params: Params,
        *,
        scale: float = 1.0,
        hidden: str = "relu",
        output: str = "sigmoid",
        slope: float = 0.01,
    ) -> Any:
        """The Delayed whose value is a step's (cost, gradients), on chunked data.

        One task per chunk, about one per ``split_every`` chunks for the sums, and the
        parameters: O(chunks) tasks, the same at every step.

        Parameters
        ----------
        batch : Batch
            From :meth:`batches`.
        params : list of (W, b)
            Host parameters.
        scale, hidden, output, slope
            As in the core's ``cost_and_gradients``.

        Returns
        -------
        dask.delayed.Delayed
        """
        if self._held is not None:
            raise ValueError("data held in this process has no step graph: it runs directly")
        if not batch.chunks:
            raise ValueError("a step needs at least one chunk, got an empty batch")
        import dask.array as da

        token = uuid.uuid4().hex
        X, Y = self._arrays
        if batch.chunks != tuple(range(self.n_chunks)):
            X, Y = X.blocks[:, list(batch.chunks)], Y.blocks[:, list(batch.chunks)]
        # One blockwise task per chunk: Dask fuses it with whatever makes the chunk (the
        # per-chunk transpose into course layout, a read from disk), on the chunk's worker.
        terms = da.map_blocks(
            chunk_terms,
            X,
            Y,
            self._send(params, token),
            batch.size,
            float(scale),
            {"hidden": hidden, "output": output, "slope": slope},
            self.gradients,
            name=f"nnbackend-chunk-gradients-{token}",
            chunks=((1,), (1,) * len(batch.chunks)),
            dtype=object,
            meta=np.empty((0, 0), dtype=object),
        )
        level = list(terms.to_delayed(optimize_graph=True).ravel())
        depth = 0
        while len(level) > 1:
            k = self.split_every
            level = [
                self._sum_task(
                    *level[j : j + k], dask_key_name=f"nnbackend-sum-gradients-{token}-{depth}-{j}"
                )
                for j in range(0, len(level), k)
            ]
            depth += 1
        return level[0]

    def cost_and_gradients(
        self,
        batch: Batch,
        _targets: Any,
        params: Params,
        *,
        scale: float = 1.0,
        xp: Any = None,
        hidden: str = "relu",
        output: str = "sigmoid",
        slope: float = 0.01,
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """A step's mean cost and gradients, with the core function's calling convention.

        Parameters
        ----------
        batch : Batch
            In place of X: the step's examples.
        _targets : ignored
            In place of Y: the targets are the batch's own.
        params : list of (W, b)
            Host parameters.
        scale, hidden, output, slope
            As in the core's ``cost_and_gradients``.
        xp : ignored
            The results are NumPy.

        Returns
        -------
        cost : numpy 0-d array
        grads : list of (dW, db) NumPy arrays
        """
        options = {"hidden": hidden, "output": output, "slope": slope}
        if self._held is not None:
            x, y = self._held
            if batch.columns is not None:
                x, y = np.take(x, batch.columns, axis=1), np.take(y, batch.columns, axis=1)
            cost, grads = chunk_terms(
                x, y, Parameters(params), int(x.shape[1]), scale, options, self.gradients
            )
        else:
            graph = self.step_graph(
                batch, params, scale=scale, hidden=hidden, output=output, slope=slope
            )
            cost, grads = self.scheduler.compute(graph, tasks=len(batch.chunks))
        return np.asarray(cost, dtype=np.float64), grads
