"""The registry of estimator classes a model file may name, and the save/load of an estimator
through the container (:mod:`nnbackend.model_file.container`).

It knows no estimator class: estimators register themselves with :func:`register_estimator`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

import numpy as np

from nnbackend.errors import ModelFileError
from nnbackend.model_file.container import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_COMPRESSION_RATIO,
    _error,
    _show,
    _user_path,
    read,
    write,
)

__all__ = [
    "StatefulEstimator",
    "estimator_class",
    "load_estimator",
    "register_estimator",
    "registered_estimators",
    "save_estimator",
]


class StatefulEstimator(Protocol):
    """What an estimator offers to be saved in and loaded from a model file."""

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted estimator as JSON-able fields and named host arrays."""
        ...

    @classmethod
    def from_state(cls, state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Any:
        """Rebuild a fitted estimator; raise ModelFileError naming the field at fault."""
        ...


E = TypeVar("E", bound=type)

_REGISTRY: dict[str, Any] = {}  # name -> a class with to_state and from_state

# Names whose classes live in a module that ``import nnbackend`` does not import (it would
# import an optional library): the module is imported, and registers them, when a model file
# names one. Module names only, so this registry still knows no estimator class.
_LAZY: dict[str, str] = {
    "MLPClassifier": "nnbackend.sklearn",
    "MLPRegressor": "nnbackend.sklearn",
}


def register_estimator(cls: E) -> E:
    """Class decorator: let model files name ``cls`` by its class name.

    Parameters
    ----------
    cls : type
        A class with ``to_state()`` and a ``from_state(state, arrays)`` classmethod.

    Returns
    -------
    type
        ``cls``, unchanged.

    Raises
    ------
    TypeError
        When ``cls`` lacks ``to_state`` or ``from_state``.
    ValueError
        When another class already holds the name.
    """
    for method in ("to_state", "from_state"):
        if not callable(getattr(cls, method, None)):
            raise TypeError(f"{cls.__qualname__} cannot be registered: it has no {method}()")
    name = cls.__name__
    held = _REGISTRY.get(name)
    same = held is not None and (held.__module__, held.__qualname__) == (
        cls.__module__,
        cls.__qualname__,
    )
    if held is not None and not same:
        raise ValueError(
            f"cannot register {cls.__module__}.{cls.__qualname__}: model files already name "
            f"{held.__module__}.{held.__qualname__} {name!r}"
        )
    _REGISTRY[name] = cls  # a reloaded module's class replaces its earlier self
    return cls


def registered_estimators() -> dict[str, type]:
    """The estimator classes model files can name, by name."""
    return dict(_REGISTRY)


def estimator_class(name: str) -> type:
    """The registered class called ``name``.

    Raises
    ------
    KeyError
        When no registered class has that name; the message lists those that do.
    """
    if isinstance(name, str) and name not in _REGISTRY and name in _LAZY:
        try:
            importlib.import_module(_LAZY[name])
        except ImportError as exc:
            raise ImportError(
                f"the model file holds a {name}, which needs {_LAZY[name]} and its optional "
                f"dependencies (pip install 'nnbackend[sklearn]'): {exc}"
            ) from exc
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise KeyError(
            f"no estimator {_show.repr(name)} is registered: expected one of {sorted(_REGISTRY)}"
        ) from None


def _unsupported(model: Any) -> str:
    # What can be saved, and the way to save what cannot: a subclass of a registered
    # estimator can register itself; anything else (a scikit-learn Pipeline, a grid search)
    # is another library's object, which joblib saves.
    cls = type(model)
    what = f"model={_show.repr(model)} cannot be saved: {cls.__qualname__} is not"
    if any(issubclass(cls, known) for known in _REGISTRY.values()):
        return (
            f"{what} a registered estimator (registered: {sorted(_REGISTRY)}); decorate the "
            "subclass with nnbackend.model_file.register_estimator"
        )
    hint = (
        "to save a scikit-learn Pipeline or any other object, use joblib.dump(model, path) "
        "(a pickle: load it only from a source you trust)"
    )
    steps = getattr(model, "steps", None)
    ours = [
        index
        for index, step in enumerate(steps if isinstance(steps, list) else [])
        if isinstance(step, tuple) and len(step) == 2 and type(step[1]) in _REGISTRY.values()
    ]
    if ours:
        hint += (
            ", or save the nnbackend estimator inside it alone with "
            f"nnbackend.save(model[{ours[0]}], path)"
        )
    return f"{what} one of nnbackend's estimators: save writes only {sorted(_REGISTRY)}; {hint}"


def save_estimator(model: Any, path: str | os.PathLike[str]) -> None:
    """Write a registered, fitted estimator to ``path`` atomically (see :func:`write`).

    The complete temporary file is read back as :func:`load_estimator` reads it before it
    replaces the target.

    Raises
    ------
    TypeError
        When ``model``'s class is not registered (it could not be loaded back).
    ModelFileError
        When the file written would not load back; nothing is replaced.
    """
    name = type(model).__name__
    if _REGISTRY.get(name) is not type(model):
        raise TypeError(_unsupported(model))
    stateful: StatefulEstimator = model
    state, arrays = stateful.to_state()
    target = _user_path(path)

    def reads_back(written: str) -> None:
        # A file that load would refuse never replaces anything (it once replaced good files
        # after a partial_fit): read it as load does, within limits that fit what was written.
        try:
            contents = read(written, max_bytes=max(DEFAULT_MAX_BYTES, os.stat(written).st_size))
            back = dict(contents.header)
            back.pop("estimator", None)
            stateful.from_state(back, contents.arrays)
        except ModelFileError as exc:
            problem = str(exc).removeprefix(f"{exc.path}: ") if exc.path else str(exc)
            _error(
                target,
                exc.field,
                f"{problem.removeprefix(f'{exc.field}: ')}. The model was not saved: the file "
                "written would not load back, and any earlier file at this path is unchanged",
            )

    write(target, {"estimator": name, **state}, arrays, verify=reads_back)


def load_estimator(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO,
) -> Any:
    """Read a model file and rebuild the registered estimator it names.

    Parameters
    ----------
    path : path-like
    max_bytes, max_compression_ratio
        As :func:`read` takes them.

    Returns
    -------
    estimator

    Raises
    ------
    ModelFileError
        As :func:`read`, and when the estimator is unknown or its state is inconsistent; the
        message names the file and the field.
    """
    contents = read(path, max_bytes=max_bytes, max_compression_ratio=max_compression_ratio)
    state = dict(contents.header)
    name = state.pop("estimator", None)
    try:
        cls: Any = estimator_class(name)
    except KeyError as exc:
        _error(contents.path, "estimator", exc.args[0])
    try:
        return cls.from_state(state, contents.arrays)
    except ModelFileError as exc:
        if exc.path is not None:
            raise
        # The estimator names the field; the file is named here, where it is known.
        raise ModelFileError(
            f"{contents.path}: {exc}", path=contents.path, field=exc.field
        ) from None
