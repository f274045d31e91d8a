"""The memory a fit needs, checked before anything is allocated.

A network far too large for the machine used to start allocating: a 1.6 GB weight matrix,
then NumPy's ``_ArrayMemoryError`` for 238 GiB of activations, minutes later; or, for
``hidden_layer_sizes=(10**400,)``, NumPy's "Maximum allowed dimension exceeded". The
estimators' ``fit`` and ``nnbackend train`` both call :func:`check_fit_memory` first, which
refuses such a network with its size, the estimate and the memory available.

The estimate is a lower bound, so that nothing that could fit is refused: the parameters and
their gradients, and the activations that backward keeps (every layer's output for the
examples of one batch) plus one layer's deltas. The optimizer's state, temporaries and the
library's own overhead come on top.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from typing import Any

from nnbackend._arrays import format_bytes, numpy_dtype, short_int

__all__ = ["available_memory_bytes", "check_fit_memory", "fit_memory_bytes", "format_bytes"]


def fit_memory_bytes(
    layer_dims: Sequence[int], n_samples: int, itemsize: int, batch_size: int | None = None
) -> tuple[int, int]:
    """The least memory a fit of this network holds at once, in bytes.

    Parameters
    ----------
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``; Python ints of any size (no overflow).
    n_samples : int
    itemsize : int
        Bytes per number (8 for float64).
    batch_size : int, optional
        None: the full batch.

    Returns
    -------
    parameters : int
        The weights and biases and their gradients.
    activations : int
        What one batch's forward pass keeps for backward, and one layer's deltas.
    """
    dims = [int(d) for d in layer_dims]
    weights = sum(n * (n_prev + 1) for n_prev, n in itertools.pairwise(dims))
    batch = n_samples if batch_size is None else min(int(batch_size), n_samples)
    kept = sum(dims[1:]) * batch + max(dims[1:]) * batch
    return 2 * weights * itemsize, kept * itemsize


def available_memory_bytes() -> int | None:
    """The memory the system can give this process now, in bytes; None where unknown.

    Linux's ``MemAvailable`` (free memory plus what the kernel can reclaim), else the free
    physical pages that ``os.sysconf`` reports.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def check_fit_memory(
    layer_dims: Sequence[int],
    n_samples: int,
    dtype: Any,
    batch_size: int | None = None,
    setting: str | None = None,
    available: int | None = None,
) -> None:
    """Refuse, before allocating, a fit that cannot fit in the memory available.

    Parameters
    ----------
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``.
    n_samples : int
    dtype : str or dtype
        The data's dtype, of any library.
    batch_size : int, optional
    setting : str, optional
        How the caller names the sizes in the message (``"argument --hidden 100000000"``);
        default ``"hidden_layer_sizes=(n_1, ...)"``.
    available : int, optional
        The bytes to compare with; default :func:`available_memory_bytes`. When that is
        unknown, only a network whose arrays no machine could index (over 2**63 bytes) is
        refused.

    Raises
    ------
    ValueError
        Naming the sizes, the estimate and the memory available.
    """
    itemsize = numpy_dtype(dtype).itemsize
    parameters, activations = fit_memory_bytes(layer_dims, n_samples, itemsize, batch_size)
    needed = parameters + activations
    limit = available if available is not None else available_memory_bytes()
    if limit is None:
        limit = 2**63 - 1
    if needed <= limit:
        return
    if setting is None:
        sizes = ", ".join(short_int(int(d)) for d in layer_dims[1:-1])
        setting = f"hidden_layer_sizes=({sizes}{',' if len(layer_dims) == 3 else ''})"
    batch = "" if batch_size is None else f" in batches of {batch_size}"
    raise ValueError(
        f"{setting} is too large for this machine: a fit on {n_samples} samples of "
        f"{int(layer_dims[0])} features{batch} needs at least {format_bytes(needed)} "
        f"({format_bytes(parameters)} for the parameters and their gradients, "
        f"{format_bytes(activations)} for the activations, in {numpy_dtype(dtype).name}), "
        f"and {format_bytes(limit)} of memory is available: expected smaller hidden layers"
        + (", or mini-batches" if activations > parameters and batch_size is None else "")
    )
