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


def planar_flower(
    n_samples: int, noise: float, rng: Any, petals: float = 4.0
) -> tuple[np.ndarray, np.ndarray]:
    """The course's two-class "flower" in course layout, drawn with the legacy ``randn`` stream.

    Follows the planar assignment: N = n_samples // 2 points per class; for class j,
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
    per_class = n_samples // 2
    X = np.zeros((per_class * 2, 2))
    Y = np.zeros((per_class * 2, 1), dtype="uint8")
    for j in range(2):
        ix = range(per_class * j, per_class * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, per_class) + rng.randn(per_class) * noise
        r = petals * np.sin(4 * t) + rng.randn(per_class) * noise
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
            try:
                out.append(np.array(h5[f"{split}_set_x"][:]))
                out.append(np.array(h5[f"{split}_set_y"][:]))
                if split == "test":
                    out.append(np.array(h5["list_classes"][:]))
            except KeyError as exc:
                raise ValueError(f"{file}: not a cat/non-cat data file ({exc})") from exc
    return out[0], out[1], out[2], out[3], out[4]
