"""Model files: save and load fitted estimators, with no pickle.

A model file is a zip of ``.npy`` arrays and a JSON header. The container — its atomic write
and its checked, size-limited read — is :mod:`nnbackend.model_file.container`; the registry of
estimator classes is :mod:`nnbackend.model_file.registry`. Neither knows an estimator class:
each estimator turns its own fitted state into the header's fields and arrays and back
(``to_state`` / ``from_state``) and registers itself (importing :mod:`nnbackend` does that).
"""

from __future__ import annotations

import os
from typing import Any

from nnbackend.errors import ModelFileError
from nnbackend.model_file.container import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_COMPRESSION_RATIO,
    FORMAT,
    READABLE_VERSIONS,
    TEMP_SUFFIX,
    VERSION,
    ModelFileContents,
    read,
    write,
)
from nnbackend.model_file.registry import (
    StatefulEstimator,
    estimator_class,
    load_estimator,
    register_estimator,
    registered_estimators,
    save_estimator,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_COMPRESSION_RATIO",
    "FORMAT",
    "READABLE_VERSIONS",
    "TEMP_SUFFIX",
    "VERSION",
    "ModelFileContents",
    "ModelFileError",
    "StatefulEstimator",
    "estimator_class",
    "load",
    "load_estimator",
    "read",
    "register_estimator",
    "registered_estimators",
    "save",
    "save_estimator",
    "write",
]


def save(model: Any, path: str | os.PathLike[str]) -> None:
    """Write a fitted estimator to exactly ``path``, atomically.

    The model goes to a temporary file beside the target, renamed over it only once complete;
    a crash mid-save leaves any earlier file intact. A symlink is followed and its target
    written; an existing target that is not a regular file is refused. A new file gets the
    usual mode (0o666 less the umask), a replaced file keeps its own.

    Parameters
    ----------
    model : LogisticRegression, NeuralNetworkClassifier or NeuralNetworkRegressor
        A fitted estimator.
    path : path-like
        The file to write.

    Raises
    ------
    NotFittedError
        When the model is not fitted.
    ValueError
        When ``path`` is ``''``, longer than the file system allows (nothing is written) or
        an existing non-regular file (a device, a FIFO), or a constructor argument is not
        valid.
    TypeError
        When ``model`` is not an estimator nnbackend can save, or its labels are not ints,
        floats, bools or strings.
    OSError
        When the file cannot be written (a missing folder, a directory at ``path``,
        permissions, a full disk); the message names ``path``.
    """
    save_estimator(model, path)


def load(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO,
) -> Any:
    """Read a model written by :func:`save`, onto the active backend.

    A model trained on a GPU loads on the CPU and vice versa: the arrays are stored on the host
    and moved to whatever backend is active now. The file is checked in full before anything
    is built: its size, its structure and the model's consistency.

    Parameters
    ----------
    path : path-like
    max_bytes : int, default 1 GiB
        The most bytes the file's members may declare (each array's shape × itemsize, and all
        members together), checked before anything is allocated. Raise it to load a larger
        model you trust.
    max_compression_ratio : float, default 100
        The most a member over 1 MiB may inflate (nnbackend stores members uncompressed).

    Returns
    -------
    estimator
        A fitted LogisticRegression, NeuralNetworkClassifier or NeuralNetworkRegressor.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    IsADirectoryError
        When ``path`` is a directory.
    ValueError
        When ``path`` is longer than the file system allows.
    ModelFileError
        When the file is truncated, corrupt, over a limit, of another format or of a newer
        version, or describes an inconsistent model; the message names the path and the
        field.
    """
    return load_estimator(path, max_bytes=max_bytes, max_compression_ratio=max_compression_ratio)
