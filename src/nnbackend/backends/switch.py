"""The backend switch: which array library and device nnbackend computes on.

The libraries themselves are described by adapters in :mod:`nnbackend.backends`; this module
only chooses among them and moves data. Optional libraries are imported only when a backend is
chosen and first used, never at ``import nnbackend``.

The choice comes from the ``NNBACKEND`` environment variable (read at the first
:func:`get_backend` call) or from :func:`set_backend`: that is the process default. For a block,
:func:`use_backend` overrides it in the current thread or asyncio task only (the override lives
in a :class:`contextvars.ContextVar`). ``NNBACKEND_DEVICE`` optionally names the device (``cpu``,
``cuda:1``, ``device1``...).

A new thread starts from the process default, not from the block that started it: pass the
choice on with ``contextvars.copy_context().run(...)`` or call :func:`use_backend` in the
thread. An asyncio task inherits the block it was created in.
"""

from __future__ import annotations

import contextvars
import difflib
import os
import threading
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from nnbackend.backends import _registry as backends
from nnbackend.backends._adapter import Adapter
from nnbackend.backends.numpy import numpy_blas
from nnbackend.errors import BackendError

__all__ = [
    "Backend",
    "BackendScope",
    "backend_names",
    "get_backend",
    "info",
    "installed_backends",
    "set_backend",
    "use_backend",
    "valid_names",
]


@dataclass(frozen=True)
class Backend:
    """One array library on one device.

    Attributes
    ----------
    name : str
        A registered backend name (see :func:`backend_names`).
    xp : module
        The array-API namespace that math functions receive for this library's arrays.
    device : object
        The library's device object, or None for the library's default device.
    adapter : Adapter
        What nnbackend knows about the library (:mod:`nnbackend.backends`).
    """

    name: str
    xp: ModuleType
    device: Any = None
    adapter: Adapter = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.adapter is None:
            object.__setattr__(self, "adapter", backends.get(self.name))

    def __repr__(self) -> str:
        device = "default" if self.device is None else str(self.device)
        return f"Backend(name={self.name!r}, device={device!r})"


def backend_names() -> tuple[str, ...]:
    """The registered backend names, in the order ``nnbackend info`` lists them.

    Returns
    -------
    tuple of str
    """
    return backends.registered()


def valid_names() -> tuple[str, ...]:
    """Every value ``NNBACKEND`` accepts: the registered names and ``"auto"``.

    The empty string also means ``"numpy"``.

    Returns
    -------
    tuple of str
    """
    return (*backends.registered(), "auto")


def __getattr__(name: str) -> tuple[str, ...]:
    # BACKEND_NAMES and VALID_NAMES were constants; they now follow the registry.
    if name == "BACKEND_NAMES":
        return backend_names()
    if name == "VALID_NAMES":
        return valid_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The process default (NNBACKEND or set_backend), and the per-thread/per-task override of
# use_backend. A ContextVar, not a global: two threads inside two use_backend blocks at once
# must each see their own library.
_default: Backend | None = None
_default_lock = threading.Lock()
_override: contextvars.ContextVar[Backend | None] = contextvars.ContextVar(
    "nnbackend_backend", default=None
)
# The use_backend blocks open in this thread or task, innermost last: a block may only exit
# while it is the innermost, since resetting an outer block's token first would leave the
# inner block's backend active after both exited.
_open_scopes: contextvars.ContextVar[tuple[BackendScope, ...]] = contextvars.ContextVar(
    "nnbackend_open_scopes", default=()
)


def chosen_backend() -> Backend | None:
    """The backend chosen so far in this context, or None before any choice was read.

    Unlike :func:`get_backend`, it never reads ``NNBACKEND``: asking which library an array
    belongs to must not fail on a bad variable.

    Returns
    -------
    Backend or None
    """
    return _override.get() or _default


# --------------------------------------------------------------------------- discovery
def installed_backends() -> tuple[str, ...]:
    """Return the backend names whose library is installed, without importing any of them.

    Returns
    -------
    tuple of str
        A subset of :func:`backend_names`, in its order.
    """
    return tuple(name for name in backends.registered() if backends.get(name).is_installed())


def _how_to_fix(extra: str = "") -> str:
    return (
        f"{extra}Set NNBACKEND to one of {', '.join(valid_names())} (empty means numpy), "
        "or call nnbackend.set_backend(name)."
    )


def _unknown_name_error(value: object, source: str) -> BackendError:
    installed = ", ".join(installed_backends()) or "none"
    close = difflib.get_close_matches(str(value).lower(), valid_names(), n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    return BackendError(
        f"unknown backend {value!r} (from {source}). Valid names: {', '.join(valid_names())}. "
        f"Installed: {installed}. {_how_to_fix(hint)}"
    )


def _with_choices(exc: BackendError) -> BackendError:
    installed = ", ".join(installed_backends()) or "none"
    return BackendError(
        f"{exc} Valid names: {', '.join(valid_names())}. Installed: {installed}. "
        "Choose an installed backend, or install the library."
    )


def _parse_name(value: Any, source: str) -> str:
    if value is None or value == "":
        return backends.DEFAULT_BACKEND
    if not isinstance(value, str):
        raise BackendError(
            f"backend name must be a string, got {type(value).__name__} {value!r}. "
            f"Valid names: {', '.join(valid_names())}."
        )
    # Strict: exact names only, so that no value silently means another.
    if value not in valid_names():
        raise _unknown_name_error(value, source)
    if value == "auto":
        for name in backends.registered():
            adapter = backends.get(name)
            # the first installed accelerator library with a usable device, else NumPy
            if adapter.accelerator and adapter.is_installed() and adapter.usable():
                return name
        return backends.DEFAULT_BACKEND
    adapter = backends.get(value)
    if not adapter.is_installed():
        raise BackendError(
            f"backend {value!r} is not installed. Valid names: {', '.join(valid_names())}. "
            f"Installed: {', '.join(installed_backends()) or 'none'}. Install it with: "
            f"{adapter.install_hint}, or choose an installed backend."
        )
    return value


def _parse_device(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if not isinstance(value, str):
        raise BackendError(
            f"device must be a string such as 'cpu' or 'cuda:0', got {type(value).__name__} "
            f"{value!r}."
        )
    return value.strip()


def _make_backend(name: str, device_spec: str | None) -> Backend:
    """Import the library for ``name`` and build the :class:`Backend` for ``device_spec``."""
    adapter = backends.get(name)
    try:
        device = adapter.resolve_device(device_spec)
        xp = adapter.namespace(device)
    except BackendError as exc:
        raise _with_choices(exc) from exc
    return Backend(name, xp, device, adapter)


# --------------------------------------------------------------------------- the switch
def get_backend() -> Backend:
    """Return the active backend: this thread's :func:`use_backend` block, else the default.

    The process default is chosen from ``NNBACKEND`` and ``NNBACKEND_DEVICE`` on first use.

    Returns
    -------
    Backend
        The active library, its array-API namespace and its device.

    Raises
    ------
    BackendError
        When ``NNBACKEND`` names an unknown or uninstalled library, or a library without a usable
        device. The message lists the valid names and the installed ones.
    """
    active = _override.get()
    if active is not None:
        return active
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                name = _parse_name(
                    os.environ.get("NNBACKEND"), "the NNBACKEND environment variable"
                )
                _default = _make_backend(name, _parse_device(os.environ.get("NNBACKEND_DEVICE")))
    return _default


def set_backend(name: str, device: str | None = None) -> Backend:
    """Make ``name`` the process-wide default backend, on ``device``.

    Threads and tasks inside a :func:`use_backend` block keep that block's backend until it
    exits; everywhere else the new default applies at once, the calling context included.

    Parameters
    ----------
    name : str
        One of :func:`valid_names`.
    device : str, optional
        A device string such as ``"cpu"``, ``"cuda:1"`` or ``"device1"`` (array_api_strict).
        None picks the library's default device.

    Returns
    -------
    Backend
        The backend now active.

    Raises
    ------
    BackendError
        For an unknown or uninstalled name, or an unusable device. The active backend is then
        left unchanged.
    """
    global _default
    backend = _make_backend(_parse_name(name, "set_backend"), _parse_device(device))
    _default = backend
    if _override.get() is not None:
        # The caller asked for this backend: inside its own block it applies at once, and the
        # block's exit restores what was there before the block.
        _override.set(backend)
    return backend


class BackendScope:
    """What :func:`use_backend` returns: a ``with`` block on one backend, checked already.

    Only ``with`` activates the backend. A call used as a statement activates nothing; the
    scope then warns when it is dropped (and says so in its repr, which a notebook shows), so
    that the mistake is never silent.

    Parameters
    ----------
    backend : Backend
        The backend, already validated and imported.
    call : str
        The call as written, for messages.
    """

    def __init__(self, backend: Backend, call: str) -> None:
        self.backend = backend
        self._call = call
        self._entered = False
        self._token: contextvars.Token[Backend | None] | None = None

    def _advice(self) -> str:
        switch = self._call.replace("use_backend(", "set_backend(", 1)
        return (
            f"it activates the backend only in a with block (`with {self._call}:`); "
            f"{switch} switches for the rest of the session"
        )

    def __enter__(self) -> Backend:
        if self._token is not None:
            raise RuntimeError(f"{self._call} is already active: it cannot be entered twice")
        self._entered = True
        self._token = _override.set(self.backend)
        _open_scopes.set((*_open_scopes.get(), self))
        return self.backend

    def __exit__(self, *exc_info: object) -> None:
        if self._token is None:
            return
        scopes = _open_scopes.get()
        if scopes and scopes[-1] is not self and self in scopes:
            inner = scopes[-1]
            raise BackendError(
                f"{self._call} cannot exit while the block {inner._call} inside it is still "
                "open: exit the inner block first (with blocks exit in reverse order)"
            )
        token, self._token = self._token, None
        _override.reset(token)
        _open_scopes.set(tuple(scope for scope in scopes if scope is not self))

    def __repr__(self) -> str:
        state = "active" if self._token is not None else "not active"
        return f"<{self._call}: {state}; {self._advice()}>"

    def __del__(self) -> None:
        # Notebooks' ContextVars do not reliably survive from one cell to the next (it
        # depends on the ipykernel version), so a statement form that switched the backend
        # would sometimes switch it and sometimes not: refuse it loudly instead.
        if not getattr(self, "_entered", True):
            warnings.warn(
                f"{self._call} was never entered, so it changed nothing: {self._advice()}.",
                RuntimeWarning,
                stacklevel=2,
            )


def use_backend(name: str, device: str | None = None) -> BackendScope:
    """Make ``name`` the active backend inside a ``with`` block, for this thread or task only.

    The name and the device are checked, and the library imported, when this is called. The
    previous backend is restored on exit, also when an exception escapes the block. Other
    threads, and the process default, are not affected.

    Used as a statement (without ``with``), it changes nothing, and warns (a
    ``RuntimeWarning``) saying so: :func:`set_backend` is the statement form.

    Parameters
    ----------
    name : str
        One of :func:`valid_names`.
    device : str, optional
        As in :func:`set_backend`.

    Returns
    -------
    BackendScope
        The ``with`` block; entering it yields the :class:`Backend` active inside.

    Raises
    ------
    BackendError
        At the call, for an unknown or uninstalled name or an unusable device.
    """
    backend = _make_backend(_parse_name(name, "use_backend"), _parse_device(device))
    shown = f"{name!r}" if device is None else f"{name!r}, {device!r}"
    return BackendScope(backend, f"nnbackend.use_backend({shown})")


# --------------------------------------------------------------------------- diagnostics
def _devices(adapter: Adapter) -> list[str]:
    try:
        return adapter.devices()
    except Exception as exc:  # a broken optional install must not break `info`
        return [f"error: {type(exc).__name__}: {exc}"]


def info(*, probe_devices: bool = True) -> dict[str, Any]:
    """Describe every backend: installed or not, version, devices, and which one is active.

    Parameters
    ----------
    probe_devices : bool, default True
        Import each installed library to list its devices. False keeps it import-free.

    Returns
    -------
    dict
        ``{"active": ..., "device": ..., "numpy_blas": ..., "backends": {name: {...}}}``.
        ``active`` is None when ``NNBACKEND`` holds an invalid value; ``error`` then says why.
    """
    result: dict[str, Any] = {"numpy_blas": numpy_blas(), "backends": {}}
    try:
        active = get_backend()
        result["active"] = active.name
        result["device"] = "default" if active.device is None else str(active.device)
    except BackendError as exc:
        result["active"] = None
        result["error"] = str(exc)
    for name in backends.registered():
        adapter = backends.get(name)
        installed = adapter.is_installed()
        entry: dict[str, Any] = {"installed": installed, "version": adapter.version()}
        if installed and probe_devices:
            entry["devices"] = _devices(adapter)
        result["backends"][name] = entry
    return result
