"""The Dask adapter: lazy, chunked arrays, on Dask's local scheduler or a distributed cluster.

Training on Dask arrays is data-parallel (:mod:`nnbackend.backends.dask.parallel`): the core's
forward, cost and backward run on each chunk of examples where it is, and only the parameters
and the summed gradients travel. Where the work runs is decided by
:mod:`nnbackend.backends.dask.cluster`: the active ``distributed.Client``, else
``NNBACKEND_DASK_SCHEDULER``, else Dask's local scheduler.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from nnbackend._arrays import numpy_dtype
from nnbackend.backends._adapter import Adapter
from nnbackend.backends._registry import adapter_of
from nnbackend.backends.dask import cluster as _dask_scheduler
from nnbackend.backends.dask.parallel import HOST_PREFIX, TRANSPORTS, ChunkedTraining

__all__ = ["DaskAdapter"]


class DaskAdapter(Adapter):
    """Dask arrays. Training on them is data-parallel over their chunks of examples.

    Dask arrays accept ``+=``, but only by rebinding the name to a new lazy array: the object
    held elsewhere (in a parameter list) would not change, so they count as not writeable.

    Attributes
    ----------
    transport : {"graph", "scatter"}
        How each training step's parameters reach the workers (see
        :data:`nnbackend.backends.dask.parallel.TRANSPORTS`).
    split_every : int
        The fan-in of the tree reduction that sums the per-chunk gradients.
    """

    name = "dask"
    import_name = "dask.array"
    distributions = ("dask",)
    install_hint = "pip install 'nnbackend[dask]'"
    writeable = False
    lazy = True

    def __init__(self) -> None:
        self.transport = "graph"
        self.split_every = 4

    def namespace(self, device: Any) -> ModuleType:
        return array_api_compat.array_namespace(self.module().empty(0))

    def owns(self, x: Any) -> bool:
        return self.loaded() is not None and array_api_compat.is_dask_array(x)

    def device_of(self, x: Any) -> Any:
        return None

    def materialize(self, arrays: list[Any]) -> list[Any]:
        return list(sys.modules["dask"].persist(*arrays))

    def check_input(self, x: Any, name: str) -> Any:
        # The boundary computes on the input (the finiteness check): connect to the cluster that
        # NNBACKEND_DASK_SCHEDULER names first, so that this happens there and not here.
        _dask_scheduler.current()
        if any(np.isnan(size) for size in x.shape):
            # After boolean indexing Dask does not know how many rows each chunk holds, and
            # training needs them (each chunk weighs its share of the examples). Computing
            # them reads the data once, as the finiteness check does anyway. A new Array
            # object: compute_chunk_sizes() works in place, and the user's array stays as it was.
            known = type(x)(x.dask, x.name, x.chunks, meta=x._meta)
            try:
                known.compute_chunk_sizes()
            except Exception as exc:
                raise ValueError(
                    f"{name} is a Dask array with unknown chunk sizes (shape {x.shape}), and "
                    f"computing them failed ({type(exc).__name__}: {exc}). Call "
                    f"{name}.compute_chunk_sizes() (or persist it) before passing it."
                ) from exc
            return known
        return x

    def from_host(self, host: np.ndarray, device: Any, dtype: Any = None) -> Any:
        data = np.asarray(host, dtype=None if dtype is None else numpy_dtype(dtype))
        # A recognisable name: training sends such arrays to the workers once, while a user's
        # own Dask arrays stay where they are.
        return self.module().from_array(data, chunks="auto", name=HOST_PREFIX + uuid.uuid4().hex)

    def to_host(self, x: Any) -> np.ndarray:
        value = x.compute()
        # chunks of another library (CuPy on GPU workers) leave through that library's converter
        owner = adapter_of(value)
        return np.asarray(value) if owner is None or owner.host else owner.to_host(value)

    # ------------------------------------------------------------------ scale-out
    def describe(self) -> dict[str, str]:
        """Where Dask computes now, for ``nnbackend info`` (connects to nothing).

        Returns
        -------
        dict
            ``{"scheduler": description}``.
        """
        return {"scheduler": _dask_scheduler.current(connect=False).description}

    def data_parallel(
        self,
        X: Any,
        Y: Any,
        *,
        gradients: Callable[..., Any],
        batch_size: int | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> ChunkedTraining | None:
        """The data-parallel runner the training loop uses for Dask data, or None.

        Parameters
        ----------
        X : array of shape (n_x, m)
            Inputs in course layout.
        Y : array of shape (n_L, m)
            Targets; host data is brought into Dask.
        gradients : callable
            The core's ``cost_and_gradients``, mapped over the chunks.
        batch_size : int, optional
            As in :class:`~nnbackend.backends.dask.parallel.ChunkedTraining`.
        sample_weight : numpy array of shape (m,), optional
            Host example weights, carried with the chunks.

        Returns
        -------
        ChunkedTraining or None
            None when X is not a Dask array.
        """
        if not self.owns(X):
            return None
        # the course façade comes here without the estimators' boundary: unknown chunk sizes
        # are computed here too
        X = self.check_input(X, "X")
        if not self.owns(Y):
            Y = self.from_host(np.asarray(Y), None, X.dtype)
        else:
            Y = self.check_input(Y, "Y")
        if self.transport not in TRANSPORTS:
            raise ValueError(
                f"transport={self.transport!r} is not valid for backend {self.name!r}: "
                f"expected one of {TRANSPORTS}"
            )
        return ChunkedTraining(
            X,
            Y,
            adapter=self,
            scheduler=_dask_scheduler.current(),
            gradients=gradients,
            batch_size=batch_size,
            split_every=self.split_every,
            transport=self.transport,
            sample_weight=sample_weight,
        )
