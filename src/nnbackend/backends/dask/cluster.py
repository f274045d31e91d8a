"""Where Dask computes for nnbackend: a distributed cluster, or Dask's local scheduler.

The order, first found wins:

1. the active ``distributed.Client`` (Dask's default client, the one the user made last);
2. ``NNBACKEND_DASK_SCHEDULER``: a scheduler address (``tcp://host:8786``) or the path of a
   scheduler file (``dask scheduler --scheduler-file PATH``). nnbackend connects once, at the
   first computation that needs it, and makes that client Dask's default so that everything
   else (predictions, the input checks) runs on the same cluster;
3. Dask's local scheduler (threads, unless ``dask.config`` says otherwise).

Nothing here imports ``distributed`` unless the variable asks for a cluster: an active client
exists only when the user imported it already.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnbackend.errors import BackendError

__all__ = ["SCHEDULER_VARIABLE", "Scheduler", "close_connections", "current"]

SCHEDULER_VARIABLE = "NNBACKEND_DASK_SCHEDULER"
"""The environment variable naming a scheduler address or a scheduler file."""

# Clients nnbackend opened itself, by the variable's value: one connection per process.
_opened: dict[str, Any] = {}
_lock = threading.Lock()
_ADDRESS = re.compile(r"^([a-z][a-z0-9+]*://)?[\w.\-\[\]:]+:\d+$", re.IGNORECASE)


@dataclass(frozen=True)
class Scheduler:
    """Where the computations go.

    Attributes
    ----------
    kind : {"client", "variable", "local"}
        The active client, the one ``NNBACKEND_DASK_SCHEDULER`` names, or Dask's local
        scheduler.
    client : distributed.Client or None
        None for the local scheduler (and for a variable not connected yet).
    description : str
        One line for ``nnbackend info`` and error messages.
    """

    kind: str
    client: Any
    description: str

    @property
    def distributed(self) -> bool:
        """Whether the work goes to a dask.distributed cluster."""
        return self.client is not None

    def compute(self, obj: Any, *, tasks: int = 2) -> Any:
        """Evaluate one Dask collection (a Delayed) here and return its value.

        Parameters
        ----------
        obj : Dask collection
        tasks : int, default 2
            How many independent tasks the graph has: one runs in this thread on the local
            scheduler, where a thread pool would only add its overhead.

        Returns
        -------
        object
        """
        if self.client is not None:
            return self.client.compute(obj, sync=True)
        import dask

        if tasks <= 1:
            return dask.compute(obj, scheduler="sync")[0]
        return dask.compute(obj)[0]

    def persist(self, arrays: Sequence[Any]) -> list[Any]:
        """Evaluate Dask arrays and keep the results where they were computed.

        On a cluster the chunks stay in the workers' memory (spilled to disk past their
        memory target); on the local scheduler they are held in this process.

        Parameters
        ----------
        arrays : sequence of Dask arrays

        Returns
        -------
        list of Dask arrays
        """
        if not arrays:
            return []
        if self.client is not None:
            return list(self.client.persist(list(arrays)))
        import dask

        return list(dask.persist(*arrays))

    def threads(self) -> int:
        """The worker threads of the cluster (1 for the local scheduler: it is not split)."""
        if self.client is None:
            return 1
        workers = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))

    def holds(self, array: Any) -> bool:
        """Whether some of ``array``'s data is already on this cluster (it was persisted)."""
        if self.client is None:
            return False
        return bool(sys.modules["distributed"].futures_of(array))

    def scatter(self, data: Any) -> Any:
        """Send ``data`` to every worker once; returns a future (the data itself locally)."""
        if self.client is None:
            return data
        return self.client.scatter(data, broadcast=True, hash=False)


def _active_client() -> Any:
    module = sys.modules.get("distributed")
    if module is None:  # no client can exist before distributed is imported
        return None
    try:
        client = module.default_client()
    except ValueError:
        return None
    return None if client.status in ("closing", "closed") else client


def _address_of(client: Any) -> str:
    try:
        return str(client.scheduler.address)
    except Exception:  # a client between connections has no address
        return "unknown address"


def _workers(client: Any) -> str:
    try:
        n = len(client.scheduler_info().get("workers", {}))
    except Exception:  # the count is a courtesy; never fail a description on it
        return "workers unknown"
    return f"{n} worker{'s' if n != 1 else ''}"


def _local_description() -> str:
    dask = sys.modules.get("dask")
    configured = None if dask is None else dask.config.get("scheduler", None)
    return f"Dask's local scheduler ({configured or 'threads'})"


def _connect(value: str) -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise BackendError(
            f"{SCHEDULER_VARIABLE}={value!r} asks for a dask.distributed cluster, but "
            f"distributed is not installed ({exc}). Install it with: pip install "
            f"'nnbackend[dask]', or unset {SCHEDULER_VARIABLE} to use Dask's local scheduler."
        ) from exc
    path = Path(value).expanduser()
    if path.is_file():
        target: dict[str, Any] = {"scheduler_file": str(path)}
    elif _ADDRESS.match(value):
        target = {"address": value}
    else:
        raise BackendError(
            f"{SCHEDULER_VARIABLE}={value!r} is not valid: expected a scheduler address such "
            "as tcp://10.0.0.5:8786 or the path of an existing scheduler file (dask scheduler "
            "--scheduler-file PATH)."
        )
    try:
        return distributed.Client(**target, set_as_default=True)
    except (OSError, TimeoutError, ValueError) as exc:
        raise BackendError(
            f"could not connect to the Dask scheduler {SCHEDULER_VARIABLE}={value!r} "
            f"({type(exc).__name__}: {exc}). Start it with `dask scheduler` and workers with "
            f"`dask worker ADDRESS`, fix the variable, or unset it to use Dask's local "
            "scheduler."
        ) from exc


def current(*, connect: bool = True) -> Scheduler:
    """Where Dask computes now (see the module's docstring for the order).

    Parameters
    ----------
    connect : bool, default True
        Connect to the scheduler ``NNBACKEND_DASK_SCHEDULER`` names if that has not happened
        yet. False only describes it (``nnbackend info`` must not wait on a network).

    Returns
    -------
    Scheduler

    Raises
    ------
    BackendError
        When the variable's value is neither an address nor a scheduler file, when distributed
        is not installed, or when the scheduler cannot be reached.
    """
    client = _active_client()
    value = os.environ.get(SCHEDULER_VARIABLE, "").strip()
    if client is not None:
        source = next((v for v, c in _opened.items() if c is client), None)
        if source is not None:
            return Scheduler(
                "variable",
                client,
                f"dask.distributed at {_address_of(client)} ({_workers(client)}), "
                f"from {SCHEDULER_VARIABLE}",
            )
        return Scheduler(
            "client",
            client,
            f"the active dask.distributed Client at {_address_of(client)} ({_workers(client)})",
        )
    if value:
        if not connect:
            return Scheduler(
                "variable", None, f"{SCHEDULER_VARIABLE}={value} (connects at the first fit)"
            )
        with _lock:
            opened = _opened.get(value)
            if opened is None or opened.status in ("closing", "closed"):
                opened = _opened[value] = _connect(value)
        return Scheduler(
            "variable",
            opened,
            f"dask.distributed at {_address_of(opened)} ({_workers(opened)}), "
            f"from {SCHEDULER_VARIABLE}",
        )
    return Scheduler("local", None, _local_description())


def close_connections() -> None:
    """Close the clients nnbackend opened for ``NNBACKEND_DASK_SCHEDULER`` (tests, shutdown)."""
    with _lock:
        clients = list(_opened.values())
        _opened.clear()
    for client in clients:
        client.close()
