"""The Dask backend: its adapter, where Dask computes, and data read lazily in chunks.

Training on Dask arrays is data-parallel wherever they are: on the active
``distributed.Client``, on the cluster ``NNBACKEND_DASK_SCHEDULER`` names (an address or a
scheduler file), or on Dask's local scheduler. The readers below make Dask arrays of shape
``(n_samples, n_features)`` chunked by rows, read chunk by chunk on the workers, for data that
does not fit in memory. See the "Scaling out" page of the documentation.

Nothing here imports Dask until a function is called.
"""

from __future__ import annotations

from nnbackend.backends.dask.adapter import DaskAdapter
from nnbackend.backends.dask.cluster import SCHEDULER_VARIABLE, current
from nnbackend.backends.dask.readers import (
    DEFAULT_ROWS,
    read_hdf5,
    read_memmap,
    read_parquet,
    read_zarr,
)

__all__ = [
    "DEFAULT_ROWS",
    "SCHEDULER_VARIABLE",
    "DaskAdapter",
    "read_hdf5",
    "read_memmap",
    "read_parquet",
    "read_zarr",
    "scheduler",
]


def scheduler(*, connect: bool = False) -> str:
    """Where training on Dask arrays runs now, in one line.

    Parameters
    ----------
    connect : bool, default False
        Connect to the scheduler ``NNBACKEND_DASK_SCHEDULER`` names first (and make it Dask's
        default client); False only describes it.

    Returns
    -------
    str
        The active client's address and worker count, the variable's value, or Dask's local
        scheduler.
    """
    return current(connect=connect).description
