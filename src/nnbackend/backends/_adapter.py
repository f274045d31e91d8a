"""The :class:`Adapter` base class: everything nnbackend needs to know about one array library.

An adapter is the only place where a library's name, its import, its devices and its quirks
are written down. The math asks an adapter about capabilities (is this array writeable? lazy?
can a step be compiled?) instead of testing a library's name.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from nnbackend._arrays import array_namespace, numpy_dtype
from nnbackend.errors import BackendError

__all__ = ["Adapter"]


class Adapter:
    """One array library, as nnbackend uses it.

    Subclass it, set the class attributes, override what differs, then register an instance
    with :func:`nnbackend.backends.register`. The defaults suit a library that follows the array
    API standard through array-api-compat and computes eagerly on writeable arrays.

    Attributes
    ----------
    name : str
        The name ``NNBACKEND`` and :func:`nnbackend.use_backend` accept.
    import_name : str
        The module to import (``"dask.array"``, say). Imported only when the backend is used.
    distributions : tuple of str
        Distribution names to read the installed version from, first found wins.
    install_hint : str
        The command that installs the library, quoted in error messages.
    host : bool
        Whether this library's arrays count as host data (NumPy's do): host data goes to the
        active backend, while arrays of other libraries keep their own library and device.
    writeable : bool
        Whether the library's arrays may be updated in place.
    lazy : bool
        Whether arrays are lazy task graphs that :meth:`materialize` must evaluate.
    test_device : str or None
        The device the test suite runs this backend on (None: the library's default).
    accelerator : bool
        Whether ``NNBACKEND=auto`` should pick this library when it has a usable device.
    benchmark_device : str or None
        The device ``nnbackend bench`` times this backend on; None leaves it out of the
        benchmark.
    """

    name: ClassVar[str] = ""
    import_name: ClassVar[str] = ""
    distributions: ClassVar[tuple[str, ...]] = ()
    install_hint: ClassVar[str] = ""
    host: ClassVar[bool] = False
    writeable: ClassVar[bool] = True
    lazy: ClassVar[bool] = False
    test_device: ClassVar[str | None] = None
    accelerator: ClassVar[bool] = False
    benchmark_device: ClassVar[str | None] = None
    _compiler: Any = None  # the adapter's Compiler, made on first use (see compiler())

    # ------------------------------------------------------------------ installation
    def is_installed(self) -> bool:
        """Whether the library can be imported, found without importing it.

        Returns
        -------
        bool
        """
        top = self.import_name.split(".")[0]
        if top in sys.modules:
            return True
        try:
            return importlib.util.find_spec(top) is not None
        except (ImportError, ValueError):
            return False

    def version(self) -> str | None:
        """The installed version, or None.

        Returns
        -------
        str or None
        """
        for dist in self.distributions:
            try:
                return importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                continue
        return None

    def module(self) -> ModuleType:
        """Import the library (once; Python caches it).

        Returns
        -------
        module

        Raises
        ------
        BackendError
            When it is not installed or its import fails.
        """
        try:
            return importlib.import_module(self.import_name)
        except ImportError as exc:
            raise BackendError(
                f"backend {self.name!r} is not installed ({type(exc).__name__}: {exc}). "
                f"Install it with: {self.install_hint}."
            ) from exc

    def loaded(self) -> ModuleType | None:
        """The library's module if something already imported it, else None (imports nothing).

        Returns
        -------
        module or None
        """
        return sys.modules.get(self.import_name)

    # ------------------------------------------------------------------ devices
    def resolve_device(self, spec: str | None) -> Any:
        """Check a device string and return the library's device object (None: its default).

        Called when the backend is selected, so that a device the library cannot compute on
        is refused there, not deep inside ``fit``.

        Parameters
        ----------
        spec : str or None
            ``NNBACKEND_DEVICE`` or the ``device`` argument of :func:`nnbackend.set_backend`.

        Returns
        -------
        object

        Raises
        ------
        BackendError
            For a device this library does not have.
        """
        if spec not in (None, "cpu"):
            raise BackendError(
                f"device {spec!r} is not valid for backend {self.name!r}: it runs on 'cpu' "
                "only. Unset NNBACKEND_DEVICE or choose a backend with that device."
            )
        return None

    def usable(self) -> bool:
        """Whether the library has a device to compute on here (``auto`` asks this).

        Returns
        -------
        bool
        """
        return True

    def devices(self) -> list[str]:
        """The devices this library can compute on here, as strings (imports the library).

        Returns
        -------
        list of str
        """
        return ["cpu"]

    def namespace(self, device: Any) -> ModuleType:
        """The array-API namespace the math receives for this library's arrays.

        Parameters
        ----------
        device : object
            From :meth:`resolve_device`.

        Returns
        -------
        module
        """
        module = self.module()
        return array_namespace(module.empty(0) if hasattr(module, "empty") else module.asarray(0))

    def synchronize(self, device: Any = None, arrays: Sequence[Any] = ()) -> None:
        """Wait until ``device`` has finished the work queued so far and ``arrays`` are ready.

        A no-op for libraries that compute eagerly and synchronously. Benchmarks call it before
        reading a clock.

        Parameters
        ----------
        device : object, optional
        arrays : sequence of arrays, optional
            Results whose computation must be complete.
        """

    # ------------------------------------------------------------------ arrays
    def owns(self, x: Any) -> bool:
        """Whether ``x`` is an array of this library. Never imports anything.

        The answer must follow from ``type(x)``: the registry remembers it per type.

        Parameters
        ----------
        x : object

        Returns
        -------
        bool
        """
        return False

    def device_of(self, x: Any) -> Any:
        """The device object of array ``x`` (None for a library with one device).

        Parameters
        ----------
        x : array of this library

        Returns
        -------
        object
        """
        return x.device

    def same_device(self, a: Any, b: Any) -> bool:
        """Whether two device objects of this library are the same device.

        Parameters
        ----------
        a, b : device objects

        Returns
        -------
        bool
        """
        if a is None or b is None:
            return a is b
        try:
            return bool(a == b)
        except Exception:  # some device types lack rich comparison
            return str(a) == str(b)

    def is_writeable(self, x: Any) -> bool:
        """Whether ``x`` may be updated in place.

        Parameters
        ----------
        x : array of this library

        Returns
        -------
        bool
        """
        return self.writeable

    def materialize(self, arrays: list[Any]) -> list[Any]:
        """Evaluate lazy arrays now, so that a loop's task graph does not grow each step.

        Parameters
        ----------
        arrays : list of arrays of this library

        Returns
        -------
        list of arrays
        """
        return arrays

    def check_input(self, x: Any, name: str) -> Any:
        """Refuse or clean up a user's array of this library at the boundary.

        The default refuses nothing. Adapters override it for library-specific traps (an
        autograd-tracked tensor, a sparse layout).

        Parameters
        ----------
        x : array of this library
        name : str
            The argument's name, for error messages.

        Returns
        -------
        array
            ``x``, or a version of it safe to compute on.
        """
        return x

    # ------------------------------------------------------------------ conversion
    def from_host(self, host: np.ndarray, device: Any, dtype: Any = None) -> Any:
        """The one host → library converter: copy a NumPy array onto ``device``.

        Parameters
        ----------
        host : numpy.ndarray
        device : object
            From :meth:`resolve_device` or :meth:`device_of`.
        dtype : str or dtype, optional
            The target dtype (any library's dtype or its name); None keeps ``host``'s.

        Returns
        -------
        array
        """
        xp = self.namespace(device)
        target = None if dtype is None else getattr(xp, numpy_dtype(dtype).name)
        if device is None:
            return xp.asarray(host, dtype=target)
        return xp.asarray(host, dtype=target, device=device)

    def from_host_all(
        self, hosts: Sequence[np.ndarray], device: Any, dtype: Any = None
    ) -> list[Any]:
        """:meth:`from_host` of several arrays at once (a library may move them in one go).

        Parameters
        ----------
        hosts : sequence of numpy.ndarray
        device : object
        dtype : str or dtype, optional
            As for :meth:`from_host`, for every array.

        Returns
        -------
        list of arrays
        """
        return [self.from_host(host, device, dtype) for host in hosts]

    def to_host(self, x: Any) -> np.ndarray:
        """The one library → host converter: a NumPy copy (or view) of ``x``.

        Parameters
        ----------
        x : array of this library

        Returns
        -------
        numpy.ndarray
        """
        return np.asarray(x)

    # ------------------------------------------------------------------ compiled training
    def computing(self, dtype: Any = None) -> contextlib.AbstractContextManager[Any]:
        """The context nnbackend computes in on this library's arrays of ``dtype``.

        Most libraries need none. JAX computes in 32 bits unless ``jax_enable_x64`` is on, so
        its adapter turns that on here, for the current thread, for 64-bit work: nnbackend's
        front doors (estimators, training loops, the course's models) and conversions enter it,
        so that float64 is first-class without changing JAX's defaults for the whole process.

        Parameters
        ----------
        dtype : dtype or str, optional
            The dtype about to be computed with; None when not known yet (the widest).

        Returns
        -------
        context manager
        """
        return contextlib.nullcontext()

    def kernels(self) -> Any:
        """Fused element-wise kernels for the training step, or None (the generic code runs).

        An object with ``applies(*arrays)``, ``activate_inplace(z, name, slope)``,
        ``hidden_delta(da, source, name, slope)``, ``sigmoid_cross_entropy_delta(z, y, scale)``,
        ``subtract_over(minuends, subtrahends)`` and ``min_output_elements``, as CuPy's and
        PyTorch's adapters return; each computes the generic operations in their order, with
        the generic results, in place on arrays the step owns (fresh products, its own steps).
        An optional ``linear(w, a_prev, b)`` computes W A_prev + b in one call (PyTorch's
        ``addmm``).

        Returns
        -------
        object or None
        """
        return None

    def compiler(self) -> Any:
        """The compiled-training capability, or None when the library has no compiler.

        A :class:`~nnbackend.backends.loops.Compiler` runs the training step many times
        as fast as the library allows (a ``jax.jit`` device loop, a lean PyTorch loop, CUDA
        graphs), and caches what it builds per architecture, shape and dtype. The training
        loop uses it when there is one (see :mod:`nnbackend.training.compiled`).

        Returns
        -------
        Compiler or None
        """
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
