"""The registry of adapters: the only list of backends nnbackend has."""

from __future__ import annotations

from typing import Any

from nnbackend.backends._adapter import Adapter
from nnbackend.errors import BackendError

__all__ = [
    "DEFAULT_BACKEND",
    "adapter_of",
    "fused_kernels",
    "get",
    "register",
    "registered",
    "unregister",
]

DEFAULT_BACKEND: str = "numpy"
"""The backend used when ``NNBACKEND`` is unset or empty: NumPy, the host."""

_ADAPTERS: dict[str, Adapter] = {}
# fused_kernels' and adapter_of's answers per array type: asked once per type, not once per
# layer and step (a small network's step asks a dozen times); cleared when the registry changes
_KERNELS: dict[type, Any] = {}
_OWNERS: dict[tuple[type, Adapter | None], Adapter | None] = {}
# bumped when the registry changes: a look-up that raced a change does not store its answer
_generation = 0


def register(adapter: Adapter) -> Adapter:
    """Add ``adapter`` to the registry, so ``NNBACKEND`` and :func:`use_backend` accept its name.

    Parameters
    ----------
    adapter : Adapter
        An instance whose ``name`` is a non-empty identifier not registered yet.

    Returns
    -------
    Adapter
        ``adapter``, so that the call can decorate or chain.

    Raises
    ------
    TypeError
        When ``adapter`` is not an :class:`Adapter`.
    ValueError
        When its name is empty, reserved ("auto") or already registered.
    """
    if not isinstance(adapter, Adapter):
        raise TypeError(f"adapter={adapter!r} is not valid: expected an Adapter instance")
    name = adapter.name
    if not isinstance(name, str) or not name.isidentifier() or name == "auto":
        raise ValueError(
            f"adapter name {name!r} is not valid: expected a Python identifier other than 'auto'"
        )
    if name in _ADAPTERS:
        raise ValueError(
            f"a backend named {name!r} is already registered ({_ADAPTERS[name]!r}); "
            "unregister it first or choose another name"
        )
    _ADAPTERS[name] = adapter
    _forget_answers()
    return adapter


def unregister(name: str) -> None:
    """Remove the adapter called ``name`` (for tests and plug-ins that replace one).

    Parameters
    ----------
    name : str
    """
    _ADAPTERS.pop(name, None)
    _forget_answers()


def _forget_answers() -> None:
    global _generation
    _generation += 1
    _KERNELS.clear()
    _OWNERS.clear()


def registered() -> tuple[str, ...]:
    """The registered backend names, in registration order.

    Returns
    -------
    tuple of str
    """
    return tuple(_ADAPTERS)


def get(name: str) -> Adapter:
    """The adapter called ``name``.

    Parameters
    ----------
    name : str

    Returns
    -------
    Adapter

    Raises
    ------
    BackendError
        For a name that is not registered; the message lists the registered ones.
    """
    try:
        return _ADAPTERS[name]
    except (KeyError, TypeError):
        raise BackendError(
            f"no backend named {name!r} is registered: expected one of {', '.join(_ADAPTERS)}"
        ) from None


def adapter_of(x: Any, prefer: Adapter | None = None) -> Adapter | None:
    """The adapter whose library owns array ``x``, or None for Python scalars, lists and others.

    Parameters
    ----------
    x : object
    prefer : Adapter, optional
        Asked first: when two adapters own the same array type (a NumPy subclass registered
        under a new name, say), the active one wins.

    Returns
    -------
    Adapter or None

    Notes
    -----
    The answer is remembered per array type (and ``prefer``): an adapter's ``owns`` answers
    from the array's type, as every adapter's does.
    """
    key = (type(x), prefer)
    try:
        return _OWNERS[key]
    except KeyError:
        pass
    generation = _generation
    owner = None
    if prefer is not None and prefer.owns(x):
        owner = prefer
    else:
        for adapter in _ADAPTERS.values():
            if adapter.owns(x):
                owner = adapter
                break
    if generation == _generation:
        _OWNERS[key] = owner
    return owner


def fused_kernels(x: Any) -> Any:
    """The fused element-wise kernels of ``x``'s library, or None (see ``Adapter.kernels``).

    The answer is remembered per array type, so the training step pays a dictionary look-up.

    Parameters
    ----------
    x : array

    Returns
    -------
    object or None
    """
    kind = type(x)
    try:
        return _KERNELS[kind]
    except KeyError:
        pass
    adapter = adapter_of(x)
    kernels = None if adapter is None else adapter.kernels()
    _KERNELS[kind] = kernels
    return kernels
