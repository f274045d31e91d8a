"""Data on disk as Dask arrays chunked by examples, read lazily where they are computed.

Each reader returns an array of shape ``(n_samples, n_features)`` (or ``(n_samples,)`` for a
1-D data set) whose chunks are bands of rows with every column. Nothing is read when the array
is made, apart from the file's header: each chunk is one task that opens the file and reads its
own rows, on whichever worker computes it. Out-of-core training relies on that: the data never
has to fit in memory, in one place or in total.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DEFAULT_ROWS", "read_hdf5", "read_memmap", "read_parquet", "read_zarr"]

DEFAULT_ROWS = 65_536
"""Rows per chunk when a reader is not told (for 20 float32 features: 5 MiB a chunk)."""

PathLike = str | os.PathLike[str]


def _rows(rows: Any, name: str = "rows") -> int:
    if isinstance(rows, bool) or not isinstance(rows, int | np.integer) or rows < 1:
        raise ValueError(f"{name}={rows!r} is not valid: expected a positive int (rows per chunk)")
    return int(rows)


def _existing(path: PathLike, what: str) -> Path:
    found = Path(path).expanduser()
    if not found.exists():
        raise FileNotFoundError(f"{what} {str(found)!r} does not exist")
    return found


def _from_row_reader(
    read: Callable[..., np.ndarray],
    args: tuple[Any, ...],
    shape: tuple[int, ...],
    dtype: np.dtype,
    rows: int,
    name: str,
) -> Any:
    """A Dask array whose chunk ``i`` is ``read(*args, start, stop)`` for its band of rows."""
    import dask
    import dask.array as da

    if len(shape) not in (1, 2):
        raise ValueError(
            f"{name} has shape {shape}: expected 1-D (n_samples,) or 2-D (n_samples, n_features)"
        )
    task = dask.delayed(read, pure=True)
    blocks = []
    for start in range(0, shape[0], rows):
        stop = min(start + rows, shape[0])
        blocks.append(
            da.from_delayed(
                task(*args, start, stop),
                shape=(stop - start, *shape[1:]),
                dtype=dtype,
                meta=np.empty((0,) * len(shape), dtype=dtype),
            )
        )
    if not blocks:
        raise ValueError(f"{name} has no rows")
    return da.concatenate(blocks, axis=0)


# ---------------------------------------------------------------------- Zarr
def read_zarr(path: PathLike, component: str | None = None, *, rows: int | None = None) -> Any:
    """A Zarr array as a Dask array chunked by rows.

    Parameters
    ----------
    path : path-like or str
        The Zarr store (a directory, or any URL Zarr accepts).
    component : str, optional
        The array's path inside a group.
    rows : int, optional
        Rows per chunk; by default the store's own chunking along the rows. Columns are
        always one chunk.

    Returns
    -------
    dask.array.Array
    """
    import dask.array as da

    if importlib.util.find_spec("zarr") is None:
        raise ImportError("reading Zarr needs zarr: pip install 'nnbackend[data]'")
    if rows is not None:
        rows = _rows(rows)
    array = da.from_zarr(os.fspath(path), component=component)
    if array.ndim not in (1, 2):
        raise ValueError(
            f"the Zarr array at {os.fspath(path)!r} has shape {array.shape}: expected 1-D or 2-D"
        )
    if rows is not None or (array.ndim == 2 and len(array.chunks[1]) > 1):
        # each task reads its own band of rows straight from the store, every column
        band = {0: rows or array.chunks[0][0], **({1: -1} if array.ndim == 2 else {})}
        array = da.from_zarr(os.fspath(path), component=component, chunks=band)
    return array


# ---------------------------------------------------------------------- HDF5
def _hdf5_rows(path: str, dataset: str, start: int, stop: int) -> np.ndarray:
    import h5py

    with h5py.File(path, "r") as file:
        return np.asarray(file[dataset][start:stop])


def read_hdf5(path: PathLike, dataset: str, *, rows: int = DEFAULT_ROWS) -> Any:
    """An HDF5 data set as a Dask array chunked by rows (needs h5py).

    Each chunk opens the file itself, so the array can be computed on any worker that sees
    the file (h5py file handles cannot travel between processes).

    Parameters
    ----------
    path : path-like
    dataset : str
        The data set's name inside the file, e.g. ``"X"`` or ``"/train/X"``.
    rows : int, default DEFAULT_ROWS
        Rows per chunk.

    Returns
    -------
    dask.array.Array
    """
    try:
        import h5py
    except ImportError as exc:
        raise ImportError(
            f"reading HDF5 needs h5py ({exc}): pip install 'nnbackend[data]'"
        ) from exc
    found = _existing(path, "HDF5 file")
    with h5py.File(found, "r") as file:
        if dataset not in file:
            raise KeyError(
                f"dataset={dataset!r} is not in {str(found)!r}: it holds {sorted(file.keys())}"
            )
        data = file[dataset]
        shape, dtype = tuple(int(s) for s in data.shape), np.dtype(data.dtype)
    return _from_row_reader(
        _hdf5_rows, (str(found), dataset), shape, dtype, _rows(rows), f"{found}:{dataset}"
    )


# ---------------------------------------------------------------------- NumPy memmap
def _npy_rows(path: str, start: int, stop: int) -> np.ndarray:
    # a copy: the task's result must not keep the file mapped
    return np.array(np.load(path, mmap_mode="r")[start:stop])


def _npy_header(found: Path) -> np.memmap:
    """``found`` mapped as a .npy file, or a ValueError saying why it is not one."""
    with found.open("rb") as file:
        magic = file.read(len(np.lib.format.MAGIC_PREFIX))
    # Without this check NumPy takes any other file for pickled data and advises allow_pickle,
    # which read_memmap never sets (a pickle can run code).
    if magic != np.lib.format.MAGIC_PREFIX:
        raise ValueError(
            f"{str(found)!r} is not a .npy file: it does not start with NumPy's magic string "
            f"{np.lib.format.MAGIC_PREFIX!r}. Save the array with np.save, or read a raw binary "
            "file under another suffix with dtype and shape."
        )
    try:
        return np.load(found, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        # object arrays (pickled) and files shorter than their header says
        raise ValueError(f"{str(found)!r} is not a readable .npy file of numbers: {exc}") from exc


def _raw_rows(
    path: str, dtype: str, shape: tuple[int, ...], offset: int, start: int, stop: int
) -> np.ndarray:
    mapped = np.memmap(path, dtype=np.dtype(dtype), mode="r", shape=shape, offset=offset)
    return np.array(mapped[start:stop])


def read_memmap(
    path: PathLike,
    *,
    dtype: Any = None,
    shape: Sequence[int] | None = None,
    offset: int = 0,
    rows: int = DEFAULT_ROWS,
) -> Any:
    """A ``.npy`` file, or a raw binary file, as a Dask array chunked by rows.

    Each chunk maps the file and copies its own rows: nothing else is read.

    Parameters
    ----------
    path : path-like
        A ``.npy`` file (its header gives the dtype and the shape) or a raw C-ordered binary
        file (then ``dtype`` and ``shape`` are required).
    dtype : dtype, optional
        Raw files only.
    shape : sequence of int, optional
        Raw files only.
    offset : int, default 0
        Raw files only: bytes to skip at the start.
    rows : int, default DEFAULT_ROWS
        Rows per chunk.

    Returns
    -------
    dask.array.Array
    """
    found = _existing(path, "file")
    rows = _rows(rows)
    if found.suffix == ".npy":
        if dtype is not None or shape is not None or offset:
            raise ValueError(
                f"dtype, shape and offset are read from the header of {str(found)!r}; pass them "
                "only for raw binary files"
            )
        header = _npy_header(found)
        if not header.flags.c_contiguous:
            raise ValueError(
                f"{str(found)!r} is stored in Fortran order: rows are not contiguous on disk. "
                "Save it in C order (np.save(path, np.ascontiguousarray(a)))."
            )
        return _from_row_reader(
            _npy_rows, (str(found),), header.shape, header.dtype, rows, str(found)
        )
    if dtype is None or shape is None:
        raise ValueError(
            f"{str(found)!r} is not a .npy file: pass dtype and shape (and offset if it has a "
            "header) to read it as a raw binary file"
        )
    dims = tuple(int(s) for s in shape)
    dt = np.dtype(dtype)
    needed = offset + dt.itemsize * int(np.prod(dims))
    if found.stat().st_size < needed:
        raise ValueError(
            f"{str(found)!r} holds {found.stat().st_size} bytes, fewer than the {needed} that "
            f"shape={dims} of dtype {dt} at offset={offset} needs"
        )
    return _from_row_reader(
        _raw_rows, (str(found), dt.str, dims, int(offset)), dims, dt, rows, str(found)
    )


# ---------------------------------------------------------------------- Parquet
def _parquet_module() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError(
            f"reading Parquet needs pyarrow ({exc}): pip install 'nnbackend[parquet]'"
        ) from exc
    return pq


def _parquet_group(path: str, group: int, columns: list[str], dtype: str) -> np.ndarray:
    table = _parquet_module().ParquetFile(path).read_row_group(group, columns=columns)
    return np.column_stack(
        [np.asarray(table.column(name).to_numpy(), dtype=np.dtype(dtype)) for name in columns]
    )


def read_parquet(
    path: PathLike, columns: Sequence[str] | None = None, *, dtype: Any = "float64"
) -> Any:
    """Parquet data as a Dask array with one chunk per row group (needs pyarrow).

    Parameters
    ----------
    path : path-like
        A Parquet file, or a directory of ``*.parquet`` files (read in name order).
    columns : sequence of str, optional
        The columns to read, in this order; by default every column.
    dtype : dtype, default "float64"
        The array's dtype.

    Returns
    -------
    dask.array.Array of shape (n_rows, n_columns)
    """
    import dask
    import dask.array as da

    pq = _parquet_module()
    found = _existing(path, "Parquet path")
    files = sorted(found.glob("*.parquet")) if found.is_dir() else [found]
    if not files:
        raise FileNotFoundError(f"the directory {str(found)!r} holds no *.parquet file")
    dt = np.dtype(dtype)
    task = dask.delayed(_parquet_group, pure=True)
    blocks = []
    names: list[str] | None = None if columns is None else [str(c) for c in columns]
    for file in files:
        meta = pq.ParquetFile(file)
        available = list(meta.schema_arrow.names)
        if names is None:
            names = available
        missing = [c for c in names if c not in available]
        if missing:
            raise KeyError(f"columns {missing} are not in {str(file)!r}: it has {available}")
        for group in range(meta.metadata.num_row_groups):
            n = int(meta.metadata.row_group(group).num_rows)
            if n:
                blocks.append(
                    da.from_delayed(
                        task(str(file), group, names, dt.str),
                        shape=(n, len(names)),
                        dtype=dt,
                        meta=np.empty((0, 0), dtype=dt),
                    )
                )
    if not blocks:
        raise ValueError(f"{str(found)!r} holds no rows")
    return da.concatenate(blocks, axis=0)
