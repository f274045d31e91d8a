"""Where a fit computes, resolved once at a front door: the adapter, its namespace, the device,
the dtype and the compiler.

The estimators' boundary (and :func:`nnbackend.training.train` when it is called directly)
makes one :class:`Placement` and hands it down: nothing below asks the registry which library
owns the data again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace, dtype_name
from nnbackend.backends._adapter import Adapter
from nnbackend.backends.loops import Compiler
from nnbackend.errors import BackendError

__all__ = ["Placement", "mismatch_error"]


@dataclass(frozen=True)
class Placement:
    """The library, device and dtype a fit computes in, and the library's compiler.

    Attributes
    ----------
    adapter : Adapter or None
        The adapter that owns the data (None for arrays of no registered library).
    xp : module
        The data's array namespace.
    device : object
        The data's device, as the adapter names it.
    dtype : str
        ``"float32"`` or ``"float64"``.
    compiler : Compiler or None
        The adapter's compiler, or None (none, compiled loops off, or not asked for).
    """

    adapter: Adapter | None
    xp: Any
    device: Any
    dtype: str
    compiler: Compiler | None = None

    @classmethod
    def of(cls, X: Any, adapter: Adapter | None, *, compiled: bool = True) -> Placement:
        """The placement of array ``X``, whose adapter the caller has found already.

        Parameters
        ----------
        X : array
        adapter : Adapter or None
        compiled : bool, default True
            Whether to take the adapter's compiler (False: compiled loops are off).

        Returns
        -------
        Placement
        """
        device = None if adapter is None else adapter.device_of(X)
        compiler = adapter.compiler() if adapter is not None and compiled else None
        return cls(adapter, array_namespace(X), device, dtype_name(X.dtype), compiler)

    @property
    def name(self) -> str:
        """The library's backend name (for messages)."""
        return "this library" if self.adapter is None else self.adapter.name

    def computing(self) -> contextlib.AbstractContextManager[Any]:
        """The adapter's ``computing`` context for this dtype (entered once per fit)."""
        if self.adapter is None:
            return contextlib.nullcontext()
        return self.adapter.computing(self.dtype)

    def move(self, host: Any, *, keep_dtype: bool = False) -> Any:
        """Copy host data here: this library and device, in this dtype unless ``keep_dtype``.

        Parameters
        ----------
        host : array_like
        keep_dtype : bool, default False
            True keeps ``host``'s dtype (index arrays, labels).

        Returns
        -------
        array
        """
        host = np.asarray(host)
        dtype = host.dtype if keep_dtype else np.dtype(self.dtype)
        if self.adapter is None:
            return np.asarray(host, dtype=dtype)
        return self.adapter.from_host(host, self.device, dtype)

    def move_all(self, hosts: Sequence[Any]) -> list[Any]:
        """:meth:`move` of several host arrays, in this dtype, at once where the library can.

        Parameters
        ----------
        hosts : sequence of array_like

        Returns
        -------
        list of arrays
        """
        dtype = np.dtype(self.dtype)
        if self.adapter is None:
            return [np.asarray(host, dtype=dtype) for host in hosts]
        return self.adapter.from_host_all([np.asarray(h) for h in hosts], self.device, dtype)

    def to_host(self, x: Any) -> np.ndarray:
        """Copy an array of this library to NumPy."""
        return np.asarray(x) if self.adapter is None else self.adapter.to_host(x)


def mismatch_error(
    name: str,
    owner: str,
    target: str,
    where: str = "",
    *,
    device: Any = None,
    target_device: Any = None,
) -> BackendError:
    """The one error for data of another library (or device) than the computation's.

    Parameters
    ----------
    name : str
        The argument's name ("X", "the array").
    owner, target : str
        The data's backend name and the computation's.
    where : str, optional
        Why the computation runs on ``target``.
    device, target_device : object, optional
        For a device mismatch on one library: the data's device and the computation's.

    Returns
    -------
    BackendError
    """
    why = f" ({where})" if where else ""
    if owner == target:
        return BackendError(
            f"{name} is on device {device!r}, but the computation runs on {target!r} device "
            f"{target_device!r}{why}. nnbackend never copies between devices silently: move it "
            "there on purpose first (nnbackend.to_numpy), or choose that device with "
            "use_backend/set_backend."
        )
    return BackendError(
        f"{name} is an array of library {owner!r}, but the computation runs on {target!r}"
        f"{why}. nnbackend never mixes libraries silently: pass {name} as host data "
        f"(nnbackend.to_numpy) or as a {target!r} array, or run on {owner!r} from the start: "
        f"`with nnbackend.use_backend({owner!r}):`, nnbackend.set_backend({owner!r}) or "
        f"NNBACKEND={owner}."
    )
