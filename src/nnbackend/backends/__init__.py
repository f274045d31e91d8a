"""Backends as adapters: one :class:`Adapter` per array library, in one registry.

Every library nnbackend computes with is described by an adapter: its name, its import, its
devices, how data moves to it and back, and what its arrays can do. The registry is the only
list of backends: the ``NNBACKEND`` switch, ``nnbackend info``, the test suite and the benchmark
all read it. Optional libraries are imported only when their backend is used.

Add a library by subclassing :class:`Adapter` (or an existing adapter) and calling
:func:`register`; see the backends guide.
"""

from __future__ import annotations

from nnbackend.backends._adapter import Adapter
from nnbackend.backends._compiler import Block, Compiler, HostLoop, Layout, Program, QueuedLoop
from nnbackend.backends._registry import (
    adapter_of,
    fused_kernels,
    get,
    register,
    registered,
    unregister,
)
from nnbackend.backends.array_api_strict import ArrayApiStrictAdapter
from nnbackend.backends.cupy import CupyAdapter, CupyCompiler
from nnbackend.backends.dask import DaskAdapter
from nnbackend.backends.jax import JaxAdapter, JaxCompiler
from nnbackend.backends.numpy import NumpyAdapter
from nnbackend.backends.torch import TorchAdapter, TorchCompiler

__all__ = [
    "DEFAULT_BACKEND",
    "Adapter",
    "ArrayApiStrictAdapter",
    "Block",
    "Compiler",
    "CupyAdapter",
    "CupyCompiler",
    "DaskAdapter",
    "HostLoop",
    "JaxAdapter",
    "JaxCompiler",
    "Layout",
    "NumpyAdapter",
    "Program",
    "QueuedLoop",
    "TorchAdapter",
    "TorchCompiler",
    "adapter_of",
    "fused_kernels",
    "get",
    "register",
    "registered",
    "unregister",
]

DEFAULT_BACKEND: str = NumpyAdapter.name
"""The backend used when ``NNBACKEND`` is unset or empty: NumPy, the host."""

# The built-in adapters, in the order `nnbackend info` lists them.
for _adapter in (
    NumpyAdapter(),
    CupyAdapter(),
    TorchAdapter(),
    JaxAdapter(),
    DaskAdapter(),
    ArrayApiStrictAdapter(),
):
    register(_adapter)
del _adapter
