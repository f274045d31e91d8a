"""Save and load fitted estimators: a zip of ``.npy`` arrays plus a JSON header, no pickle.

Layout of a model file::

    header.json          {"format": "nnbackend.model", "version": 1, "estimator": ...,
                          "params": {...}, "fitted": {...}}
    arrays/W1.npy ...    the weights and biases, course layout, written without pickle
    arrays/classes.npy   the class labels (classifiers)

The write is atomic: everything goes to a temporary file in the target's folder, which is
renamed over ``path`` only once complete. A crash mid-save leaves any earlier file intact.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from nnbackend.backend import asarray, to_numpy

__all__ = ["FORMAT", "VERSION", "ModelFileError", "load", "save"]

FORMAT = "nnbackend.model"
"""The ``format`` value in every model file's header."""
VERSION = 1
"""The model file format version this nnbackend writes and reads."""


class ModelFileError(ValueError):
    """A model file is truncated, corrupt, or not an nnbackend model."""


def _write_array(zf: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
    zf.writestr(f"arrays/{name}.npy", buffer.getvalue())


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def save(model: Any, path: str | os.PathLike[str]) -> None:
    """Write a fitted estimator to exactly ``path``, atomically.

    Parameters
    ----------
    model : LogisticRegression, NeuralNetworkClassifier or NeuralNetworkRegressor
        A fitted estimator.
    path : path-like
        The file to write (replaced if it exists).

    Raises
    ------
    NotFittedError
        When the model is not fitted.
    ValueError
        When a constructor argument cannot be stored (a Generator as random_state, say).
    """
    model._check_fitted()
    params = {k: _jsonable(v) for k, v in model.get_params().items()}
    if not isinstance(params.get("random_state"), int | type(None)):
        params["random_state"] = None  # a Generator's state is not part of the model
    fitted: dict[str, Any] = {
        "hidden": model._hidden,
        "output": model._output,
        "n_features_in_": int(model.n_features_in_),
        "n_iter_": int(model.n_iter_),
        "loss_curve_": [float(c) for c in model.loss_curve_],
        "n_layers": len(model._params),
    }
    if hasattr(model, "_single_output"):
        fitted["single_output"] = bool(model._single_output)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "estimator": type(model).__name__,
        "params": params,
        "fitted": fitted,
    }
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("header.json", json.dumps(header, indent=1))
                for layer, (w, b) in enumerate(model._params, start=1):
                    _write_array(zf, f"W{layer}", to_numpy(w))
                    _write_array(zf, f"b{layer}", to_numpy(b))
                if hasattr(model, "classes_"):
                    classes = np.asarray(model.classes_)
                    if classes.dtype == object:
                        classes = classes.astype(str)
                    _write_array(zf, "classes", classes)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_array(zf: zipfile.ZipFile, name: str, path: Path) -> np.ndarray:
    try:
        with zf.open(f"arrays/{name}.npy") as fh:
            return np.lib.format.read_array(io.BytesIO(fh.read()), allow_pickle=False)
    except KeyError as exc:
        raise ModelFileError(f"{path}: the model file lacks the array {name!r}") from exc
    except ValueError as exc:
        raise ModelFileError(f"{path}: the array {name!r} is unreadable: {exc}") from exc


def load(path: str | os.PathLike[str]) -> Any:
    """Read a model written by :func:`save`, onto the active backend.

    A model trained on a GPU loads on the CPU and vice versa: the arrays are stored on the host
    and moved to whatever backend is active now.

    Parameters
    ----------
    path : path-like

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
    ModelFileError
        When the file is truncated, corrupt, of another format or of a newer version; the
        message names the path.
    """
    from nnbackend import models

    source = Path(path)
    if source.is_dir():
        raise IsADirectoryError(
            f"path={str(source)!r} is a directory, not a model file: pass the file's path"
        )
    if not source.is_file():
        raise FileNotFoundError(f"path={str(source)!r}: no such model file")
    try:
        with zipfile.ZipFile(source) as zf:
            try:
                header = json.loads(zf.read("header.json"))
            except KeyError as exc:
                raise ModelFileError(f"{source}: not an nnbackend model (no header.json)") from exc
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise ModelFileError(
                    f"{source}: not an nnbackend model (format {header.get('format')!r}, "
                    f"expected {FORMAT!r})"
                    if isinstance(header, dict)
                    else f"{source}: not an nnbackend model (bad header)"
                )
            if header.get("version") != VERSION:
                raise ModelFileError(
                    f"{source}: model format version {header.get('version')!r} is not "
                    f"supported (this nnbackend reads version {VERSION})"
                )
            estimator_cls = {
                "LogisticRegression": models.LogisticRegression,
                "NeuralNetworkClassifier": models.NeuralNetworkClassifier,
                "NeuralNetworkRegressor": models.NeuralNetworkRegressor,
            }.get(str(header.get("estimator")))
            if estimator_cls is None:
                raise ModelFileError(f"{source}: unknown estimator {header.get('estimator')!r}")
            fitted = header["fitted"]
            arrays = [
                (_read_array(zf, f"W{i}", source), _read_array(zf, f"b{i}", source))
                for i in range(1, fitted["n_layers"] + 1)
            ]
            classes = (
                _read_array(zf, "classes", source)
                if "arrays/classes.npy" in zf.namelist()
                else None
            )
    except zipfile.BadZipFile as exc:
        raise ModelFileError(f"{source}: truncated or corrupt model file ({exc})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, EOFError) as exc:
        raise ModelFileError(f"{source}: corrupt model file ({type(exc).__name__}: {exc})") from exc
    params = dict(header["params"])
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    model = estimator_cls(**params)
    model._params = [(asarray(w), asarray(b)) for w, b in arrays]
    model._hidden = fitted["hidden"]
    model._output = fitted["output"]
    model.loss_curve_ = list(fitted["loss_curve_"])
    model.n_iter_ = fitted["n_iter_"]
    model.n_features_in_ = fitted["n_features_in_"]
    model.n_layers_ = fitted["n_layers"] + 1
    model.n_outputs_ = int(arrays[-1][0].shape[0])
    model.out_activation_ = fitted["output"]
    if "single_output" in fitted:
        model._single_output = fitted["single_output"]
    if classes is not None:
        model.classes_ = classes
    return model
