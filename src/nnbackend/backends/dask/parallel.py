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

With example weights, the weights travel with the chunk as Y's last row. A chunk runs the
core's weighted cost (its own weighted mean) scaled by its share ``w_i / W`` of the step's
total weight, so that the sums are the step's weighted mean. The L2 term of ``alpha``
depends on the parameters only: it is added once, on the client, to the summed terms.

Early stopping's held-out examples are persisted once where the training data is, and each
iteration maps the output layer over them in a graph of fresh keys (see
:meth:`ChunkedTraining.outputs`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
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
    "chunk_outputs",
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


def _where_chunk_is(x: Array, params: Params) -> tuple[Params, Callable[[Array], np.ndarray]]:
    """The parameters on ``x``'s library and device, and the conversion of results to host."""
    adapter = adapter_of(x)
    if adapter is None or adapter.host:
        return params, np.asarray
    device = adapter.device_of(x)
    moved = [(adapter.from_host(w, device), adapter.from_host(b, device)) for w, b in params]
    return moved, adapter.to_host


def chunk_terms(
    x: Array,
    y: Array,
    parameters: Parameters,
    total: float,
    scale: float,
    options: dict[str, Any],
    gradients: Callable[..., tuple[Array, list[tuple[Array, Array]]]],
    weighted: bool = False,
) -> Terms:
    """On a worker: one chunk's weighted cost and gradients, as host arrays.

    Parameters
    ----------
    x : array of shape (n_x, m_i)
        The chunk in course layout, in its own library (NumPy, CuPy...).
    y : array of shape (n_L, m_i), or (n_L + 1, m_i) when ``weighted``
        Its targets (then its example weights as the last row); moved to x's library and
        device when they are elsewhere.
    parameters : Parameters
        The step's parameters, on the host.
    total : float
        The step's examples ``M`` (or its total weight ``W`` when ``weighted``): the chunk
        weighs ``m_i / M`` (or ``w_i / W``, ``w_i`` the sum of its weights).
    scale : float
        The gradient scale the optimizer asked for.
    options : dict
        ``hidden``, ``output`` and ``slope`` for ``gradients``.
    gradients : callable
        The core's ``cost_and_gradients``.
    weighted : bool, default False
        Whether y's last row holds the example weights.

    Returns
    -------
    cost : float
        The chunk's (weighted) mean cost times its share.
    grads : list of (dW, db)
        Its gradients times ``scale`` and its share, on the host.
    """
    params, to_host = _where_chunk_is(x, parameters.arrays)
    adapter = adapter_of(x)
    if adapter is not None and not adapter.host and adapter_of(y) is not adapter:
        y = adapter.from_host(np.asarray(y), adapter.device_of(x), x.dtype)
    extra: dict[str, Any] = {}
    if weighted:
        y, sample_weight = y[:-1, :], y[-1:, :]
        share = float(sample_weight.sum()) / total
        if share == 0.0:  # no example of this chunk counts (and its weighted mean is 0 / 0)
            zeros = [(np.zeros_like(w), np.zeros_like(b)) for w, b in parameters.arrays]
            return 0.0, zeros
        extra["sample_weight"] = sample_weight
    else:
        share = int(x.shape[1]) / total
    cost, grads = gradients(x, y, params, scale=scale * share, **options, **extra)
    return float(cost) * share, [(to_host(dw), to_host(db)) for dw, db in grads]


def chunk_outputs(x: Array, parameters: Parameters, predict: Callable[..., Array]) -> np.ndarray:
    """On a worker: ``predict(x, params)`` for a chunk of held-out examples, on the host."""
    params, to_host = _where_chunk_is(x, parameters.arrays)
    return np.asarray(to_host(predict(x, params)))


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
    weight : float or None
        With example weights: their sum over the step (None: unweighted).
    """

    size: int
    chunks: tuple[int, ...] = ()
    columns: np.ndarray | None = None
    weight: float | None = None

    @property
    def total(self) -> float:
        """What the step's terms are averaged over: its total weight, else its examples."""
        return float(self.size) if self.weight is None else self.weight


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
    sample_weight : numpy array of shape (m,), optional
        Host example weights: they travel with the chunks as Y's last row.

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
        sample_weight: np.ndarray | None = None,
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
        self._weights = None if sample_weight is None else np.asarray(sample_weight).reshape(-1)
        X_from_host, Y_from_host = _from_host_data(X), _from_host_data(Y)
        if not scheduler.distributed and X_from_host and Y_from_host:
            # Host data on the local scheduler: a graph per step would only add Dask's
            # overhead (about a millisecond, most of a small network's step) to work that runs
            # in this process anyway.
            x_host, y_host = dask.compute(X, Y, scheduler="sync")
            y_host = np.asarray(y_host)
            if self._weights is not None:
                y_host = np.concatenate([y_host, self._weights.reshape(1, -1).astype(y_host.dtype)])
            self._held = (np.asarray(x_host), y_host)
            self.sizes: tuple[int, ...] = (self.m,)
            self._chunk_weights = None if self._weights is None else [float(self._weights.sum())]
            return
        if self._weights is not None:
            # the weights travel with the targets, as their last row
            import dask.array as da

            row = adapter.from_host(self._weights.reshape(1, -1), None, Y.dtype)
            Y = da.concatenate([Y, row], axis=0)
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
        filled = [i for i, size in enumerate(X.chunks[1]) if size > 0]
        if len(filled) < len(X.chunks[1]):
            # Empty chunks (common after filtering) hold no examples: a step over them would
            # divide by their zero examples, and a mini-batch of them would be no step at all.
            X, Y = X.blocks[:, filled], Y.blocks[:, filled]
        self._chunk_weights = None
        if self._weights is not None:  # each chunk's weight sum, from the host weights
            ends = np.cumsum([int(s) for s in X.chunks[1]])
            self._chunk_weights = [
                float(self._weights[end - size : end].sum())
                for end, size in zip(ends, X.chunks[1], strict=True)
            ]
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
            batches = [Batch(self.m, chunks=tuple(range(self.n_chunks)))]
        elif self._held is not None:
            examples = rng.permutation(self.m) if order is None else order.next(rng)
            batches = [
                Batch(int(idx.shape[0]), columns=idx)
                for idx in (examples[s : s + batch_size] for s in range(0, self.m, batch_size))
            ]
        else:
            per_step = self._chunks_per_step(batch_size)
            chunks = [int(i) for i in rng.permutation(self.n_chunks)]
            steps = [tuple(chunks[i : i + per_step]) for i in range(0, self.n_chunks, per_step)]
            batches = [Batch(sum(self.sizes[i] for i in step), chunks=step) for step in steps]
        if self._weights is None:
            return batches
        weighed = [replace(batch, weight=self._weight_of(batch)) for batch in batches]
        # a step whose examples all weigh zero has nothing to learn from: skipped
        return [batch for batch in weighed if batch.weight]

    def _chunks_per_step(self, batch_size: int) -> int:
        # batch_size rounded to whole chunks of the mean size, at least one
        return max(1, round(batch_size * self.n_chunks / self.m))

    def batch_size_note(self, batch_size: int | None) -> str | None:
        """Why these chunks cannot give steps of ``batch_size`` examples, or None.

        A step takes whole chunks, so ``batch_size`` is honoured to within whole chunks. When
        a chunk holds on average more than twice ``batch_size`` examples, even one chunk per
        step is more than twice the batch asked for (a single chunk: full-batch steps); the
        note says so and how to rechunk. Data held in this process batches as asked.

        Parameters
        ----------
        batch_size : int or None

        Returns
        -------
        str or None
            A sentence naming ``batch_size`` and the chunking, for a warning.
        """
        if batch_size is None or batch_size >= self.m or self._held is not None:
            return None
        step = self._chunks_per_step(batch_size) * self.m / self.n_chunks
        if step <= 2 * batch_size:
            return None
        kind = (
            "one full-batch step per epoch"
            if self.n_chunks == 1
            else f"steps of about {round(step)} examples"
        )
        return (
            f"batch_size={batch_size} cannot be honoured on these Dask arrays: a step takes "
            f"whole chunks, and {self.m} examples in {self.n_chunks} chunk(s) give {kind}. "
            f"Rechunk X along the samples to about batch_size rows, e.g. "
            f"X.rechunk({{0: {batch_size}}}), for steps of that size."
        )

    def _weight_of(self, batch: Batch) -> float:
        assert self._weights is not None and self._chunk_weights is not None
        if batch.columns is not None:
            return float(self._weights[batch.columns].sum())
        if self._held is not None:
            return self._chunk_weights[0]
        return float(sum(self._chunk_weights[i] for i in batch.chunks))

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

    # ------------------------------------------------------------------ held-out examples
    def outputs(
        self, X: Any, predict: Callable[[Array, Params], Array]
    ) -> Callable[[Params], np.ndarray]:
        """``predict`` over held-out examples, where they are, as one host array per call.

        The examples are persisted once: on a cluster they stay on the workers in chunks no
        larger than the training chunks, and each call maps ``predict`` over them in a graph of
        fresh keys (one task per chunk and the parameters), so that the scheduler never sees a
        key again with another task. Host data on the local scheduler is held in this process.

        Parameters
        ----------
        X : Dask array of shape (n_x, m_val)
            The held-out inputs in course layout.
        predict : callable
            ``predict(x, params)``: an output array of shape (n_out, m_i) for a chunk.

        Returns
        -------
        callable
            ``outputs(params)``: the host array of shape (n_out, m_val).
        """
        import dask

        if self._held is not None or not self.scheduler.distributed:
            (x_host,) = dask.compute(X, scheduler="sync")
            x_host = np.asarray(x_host)
            return lambda params: np.asarray(predict(x_host, params))
        X = X.rechunk({0: -1, 1: max(self.sizes)})
        (X,) = self.scheduler.persist([X])
        self._persisted_held_out = X  # owns the futures for as long as training runs
        chunks = len(X.chunks[1])

        def outputs(params: Params) -> np.ndarray:
            token = uuid.uuid4().hex
            parameters = self._send(params, token)
            parts = [
                dask.delayed(chunk_outputs, pure=False)(
                    block, parameters, predict, dask_key_name=f"nnbackend-held-out-{token}-{i}"
                )
                for i, block in enumerate(X.to_delayed().ravel())
            ]
            joined = dask.delayed(np.concatenate, pure=False)(
                parts, axis=1, dask_key_name=f"nnbackend-held-out-join-{token}"
            )
            return np.asarray(self.scheduler.compute(joined, tasks=chunks))

        return outputs

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
            batch.total,
            float(scale),
            {"hidden": hidden, "output": output, "slope": slope},
            self.gradients,
            self._weights is not None,
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

        The (weighted) mean over the batch's examples, without the L2 term of ``alpha``,
        which depends on the parameters only: the training loop adds it once per step.

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
                x, y, Parameters(params), batch.total, scale, options, self.gradients,
                self._weights is not None,
            )  # fmt: skip
        else:
            graph = self.step_graph(
                batch, params, scale=scale, hidden=hidden, output=output, slope=slope
            )
            cost, grads = self.scheduler.compute(graph, tasks=len(batch.chunks))
        return np.asarray(cost, dtype=np.float64), grads
