"""Raw data recipes on the host (NumPy only), shared by the course façade and ``datasets``.

Both front doors lay these out their own way (course columns, scikit-learn rows); the recipe
itself lives here once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["planar_flower", "read_catvnoncat"]

MAX_CAT_BYTES = 2**28
"""The most bytes one dataset of a cat/non-cat file may hold (the course's images take 2.5 MB):
a file that declares more is refused before it is read, not met by a MemoryError."""


def planar_flower(
    n_samples: int, noise: float, rng: Any, petals: float = 4.0
) -> tuple[np.ndarray, np.ndarray]:
    """The course's two-class "flower" in course layout, drawn with the legacy ``randn`` stream.

    Follows the planar assignment: N = n_samples // 2 points per class (class 1 takes the odd
    one of an odd n_samples); for class j,
    t = linspace(3.12 j, 3.12 (j + 1), N) + noise·randn(N), then r = petals·sin(4t) +
    noise·randn(N); each point is (r sin t, r cos t).

    Parameters
    ----------
    n_samples : int
    noise : float
    rng : numpy.random.RandomState or the numpy.random module
        Anything with the legacy ``randn``. The notebook seeds the global stream
        (``np.random.seed(1)``), which ``RandomState(1)`` replays exactly.
    petals : float, default 4.0
        The radius scale ``a``.

    Returns
    -------
    X : ndarray of shape (2, n_samples)
    Y : ndarray of shape (1, n_samples), dtype uint8
    """
    X = np.zeros((n_samples, 2))
    Y = np.zeros((n_samples, 1), dtype="uint8")
    # the notebook's N points per class; an odd n_samples gives its last point to class 1
    # (an even one draws exactly the notebook's stream)
    first = n_samples // 2
    for j, (start, count) in enumerate(((0, first), (first, n_samples - first))):
        ix = range(start, start + count)
        t = np.linspace(j * 3.12, (j + 1) * 3.12, count) + rng.randn(count) * noise
        r = petals * np.sin(4 * t) + rng.randn(count) * noise
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T


def read_catvnoncat(
    path: str | os.PathLike[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read the course's cat / non-cat HDF5 files from the folder ``path``.

    Parameters
    ----------
    path : path-like
        A folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``.

    Returns
    -------
    train_images : ndarray of shape (m_train, 64, 64, 3), uint8
    train_labels : ndarray of shape (m_train,)
    test_images : ndarray of shape (m_test, 64, 64, 3), uint8
    test_labels : ndarray of shape (m_test,)
    classes : ndarray of bytes
        [b"non-cat", b"cat"].

    Raises
    ------
    ImportError
        When h5py is not installed (it is the optional ``data`` extra).
    FileNotFoundError
        When a file is missing; the message names the path.
    ValueError
        When a file is not HDF5, or lacks the expected datasets.
    """
    try:
        import h5py
    except ImportError as exc:
        raise ImportError("reading the cat data needs h5py: pip install 'nnbackend[data]'") from exc
    folder = Path(path)
    out = []
    for split in ("train", "test"):
        file = folder / f"{split}_catvnoncat.h5"
        if not file.is_file():
            raise FileNotFoundError(
                f"path={str(folder)!r}: expected {file.name} in that folder (the course's "
                "cat/non-cat data set), but it is not there"
            )
        try:
            h5 = h5py.File(file, "r")
        except OSError as exc:  # h5py's message for a file that is no HDF5 names no file
            raise ValueError(
                f"path={str(folder)!r}: {file.name} is not an HDF5 file ({exc}); expected the "
                "course's cat/non-cat data set"
            ) from exc
        with h5:
            images = _read(h5, file, f"{split}_set_x", _check_images)
            labels = _read(h5, file, f"{split}_set_y", _check_labels)
            if len(images) != len(labels):
                raise ValueError(
                    f"{file}: {split}_set_x has {len(images)} images but {split}_set_y has "
                    f"{len(labels)} labels: expected one label per image"
                )
            out += [images, labels]
            if split == "test":
                out.append(_read(h5, file, "list_classes", None))
    classes = out[4]
    for split, labels in (("train", out[1]), ("test", out[3])):
        _check_label_range(labels, classes, folder / f"{split}_catvnoncat.h5", f"{split}_set_y")
    train_shape, test_shape = out[0].shape[1:], out[2].shape[1:]
    if test_shape != train_shape:
        raise ValueError(
            f"{folder / 'test_catvnoncat.h5'}: test_set_x holds images of shape {test_shape}, "
            f"train_set_x of shape {train_shape}: expected images of one size"
        )
    return out[0], out[1], out[2], out[3], out[4]


def _read(h5: Any, file: Path, key: str, check: Any) -> np.ndarray:
    # Each dataset is checked before use: a malformed file must stop here, in one line that
    # names the file and the dataset, not in a reshape or after a whole training.
    import h5py

    if key not in h5:
        raise ValueError(f"{file}: not a cat/non-cat data file (no dataset {key!r})")
    try:
        node = h5[key]
    except (KeyError, OSError) as exc:  # a dangling soft link, an external link to no file
        raise ValueError(f"{file}: {key} cannot be opened ({exc}): expected a dataset") from None
    if not isinstance(node, h5py.Dataset):
        raise ValueError(f"{file}: {key} is a {type(node).__name__}: expected a dataset")
    if node.shape is None or node.ndim == 0:
        raise ValueError(f"{file}: {key} is a scalar: expected an array")
    size = int(np.prod(node.shape, dtype=object)) * node.dtype.itemsize
    if size > MAX_CAT_BYTES:
        raise ValueError(
            f"{file}: {key} declares shape {node.shape} of {node.dtype} ({size / 2**30:.1f} GiB): "
            f"expected the course's data set, at most {MAX_CAT_BYTES // 2**20} MiB per dataset"
        )
    values = np.array(node[()])
    if check is not None:
        check(values, f"{file}: {key}")
    return values


def _check_images(values: np.ndarray, where: str) -> None:
    if values.dtype.kind not in "biuf":
        raise ValueError(f"{where} holds {values.dtype} values: expected numeric pixel values")
    if values.ndim < 3:
        raise ValueError(
            f"{where} has shape {values.shape}: expected images of shape "
            "(m, height, width[, channels])"
        )
    if values.shape[0] == 0 or values.size == 0:
        raise ValueError(f"{where} has shape {values.shape}: expected at least one image")
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        index = int(np.argwhere(~np.isfinite(values))[0][0])
        raise ValueError(f"{where} holds NaN or infinite pixel values (image {index})")
    # the images are scaled by 1/255 to [0, 1]: a pixel outside [0, 255] would leave that range
    outside = (values < 0) | (values > 255)
    if outside.any():
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"{where} holds the pixel value {values[index].item()!r} (image {index[0]}): expected "
            "values from 0 to 255"
        )


def _check_labels(values: np.ndarray, where: str) -> None:
    if values.ndim == 2 and 1 in values.shape:
        values = values.reshape(-1)
    if values.ndim != 1:
        raise ValueError(f"{where} has shape {values.shape}: expected one label per image")
    if values.dtype.kind not in "biuf":
        raise ValueError(f"{where} holds {values.dtype} values: expected integer class labels")
    if values.dtype.kind == "f":
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            index = int(np.argmax(bad))
            raise ValueError(
                f"{where} holds the label {values[index]!r} at index {index}: expected "
                "integer class labels (a NaN or a fraction is no class)"
            )


def _check_label_range(labels: np.ndarray, classes: np.ndarray, file: Path, key: str) -> None:
    # A label indexes list_classes: one past it names no class.
    flat = labels.reshape(-1)
    bad = (flat < 0) | (flat >= len(classes))
    if bad.any():
        index = int(np.argmax(bad))
        raise ValueError(
            f"{file}: {key} holds the label {flat[index].item()!r} at index {index}: expected a "
            f"class index from 0 to {len(classes) - 1} (list_classes holds {len(classes)} names)"
        )
