"""Backends as adapters: one :class:`Adapter` per array library, in one registry.

Every library nnbackend computes with is described by an adapter: its name, its import, its
devices, how data moves to it and back, and what its arrays can do. The registry is the only
list of backends: the ``NNBACKEND`` switch, ``nnbackend info``, the test suite and the benchmark
all read it. Optional libraries are imported only when their backend is used.

Add a library by subclassing :class:`Adapter` (or an existing adapter) and calling
:func:`register`; see the backends guide.
"""

from __future__ import annotations

from nnbackend._arrays import array_namespace
from nnbackend.backends._adapter import Adapter
from nnbackend.backends._registry import (
    DEFAULT_BACKEND,
    adapter_of,
    fused_kernels,
    get,
    register,
    registered,
    unregister,
)
from nnbackend.backends.array_api_strict import ArrayApiStrictAdapter
from nnbackend.backends.cupy import CupyAdapter, CupyCompiler
from nnbackend.backends.dask.adapter import DaskAdapter
from nnbackend.backends.jax import JaxAdapter, JaxCompiler
from nnbackend.backends.loops import Block, Compiler, HostLoop, Layout, Program, QueuedLoop
from nnbackend.backends.numpy import NumpyAdapter
from nnbackend.backends.placement import Placement, mismatch_error
from nnbackend.backends.torch import TorchAdapter, TorchCompiler

__all__ = [
    "DEFAULT_BACKEND",
    "Adapter",
    "ArrayApiStrictAdapter",
    "Backend",
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
    "Placement",
    "Program",
    "QueuedLoop",
    "TorchAdapter",
    "TorchCompiler",
    "adapter_of",
    "array_namespace",
    "asarray",
    "backend_names",
    "backend_of",
    "fused_kernels",
    "get",
    "get_backend",
    "info",
    "installed_backends",
    "is_writeable",
    "library_of",
    "materialize",
    "materialize_params",
    "mismatch_error",
    "move_like",
    "register",
    "registered",
    "set_backend",
    "to_numpy",
    "unregister",
    "use_backend",
    "valid_names",
]

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

# The switch and the moves come after the registry is filled: they read it at call time.
from nnbackend.backends.moves import (  # noqa: E402
    asarray,
    backend_of,
    is_writeable,
    library_of,
    materialize,
    materialize_params,
    move_like,
    to_numpy,
)
from nnbackend.backends.switch import (  # noqa: E402
    Backend,
    backend_names,
    get_backend,
    info,
    installed_backends,
    set_backend,
    use_backend,
    valid_names,
)
