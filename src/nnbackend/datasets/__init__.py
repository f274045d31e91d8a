"""Small data sets in scikit-learn layout: X (n_samples, n_features), y (n_samples,).

Everything is returned as NumPy arrays on the host; the estimators move data to the active
backend themselves, once, at ``fit``/``predict``.
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any

import numpy as np

from nnbackend._arrays import check_allocation, short_int
from nnbackend.datasets._sources import planar_flower, read_catvnoncat

__all__ = [
    "load_catvnoncat",
    "make_blobs",
    "make_classification",
    "make_moons",
    "make_planar",
    "train_test_split",
]


def _positive(name: str, value: int, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(
            f"{name}={value!r} is not valid: expected an int >= {minimum}, got "
            f"{type(value).__name__}"
        )
    if value < minimum:
        raise ValueError(f"{name}={value!r} is not valid: expected an int >= {minimum}")


def _sizes(**sizes: int) -> str:
    # the size arguments of a call, as the caller wrote them, for the allocation cap's message
    return ", ".join(f"{name}={short_int(int(value))}" for name, value in sizes.items())


def _enough_samples(name: str, value: int, n_samples: int) -> None:
    # y cycles through the classes: with fewer samples than classes, some would never appear
    if value > n_samples:
        raise ValueError(
            f"{name}={value} is not valid with n_samples={n_samples}: every class needs at "
            f"least one sample, so expected {name} <= n_samples"
        )


def _finite(name: str, value: Any, minimum: float = 0.0) -> float:
    # NaN or infinity would go through every formula and come out as non-finite data
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name}={value!r} is not valid: expected a number, got {type(value).__name__}"
        )
    if not math.isfinite(value) or value < minimum:
        raise ValueError(f"{name}={value!r} is not valid: expected a finite number >= {minimum:g}")
    return float(value)


def _seed(value: Any, maximum: int | None = None) -> int | None:
    # NumPy's own messages for a bad seed name neither the argument nor this function
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"seed={value!r} is not valid: expected an int >= 0 or None, got {type(value).__name__}"
        )
    if value < 0 or (maximum is not None and value > maximum):
        bound = "" if maximum is None else f" and <= {maximum}"
        raise ValueError(f"seed={value!r} is not valid: expected an int >= 0{bound}, or None")
    return int(value)


def make_planar(
    n_samples: int = 400, noise: float = 0.2, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The course's two-class "flower" (the planar assignment's data).

    With the defaults it is exactly the notebook's data set, transposed.

    Parameters
    ----------
    n_samples : int, default 400
        At least 2; half per class (the second class takes the odd one). X and y may take
        at most :data:`nnbackend._arrays.MAX_ALLOCATION_BYTES` (8 GiB).
    noise : float, default 0.2
        Finite, >= 0.
    seed : int or None, default 1
        In [0, 2**32 - 1] (NumPy's legacy ``RandomState``); None draws fresh entropy.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int
    """
    _positive("n_samples", n_samples, 2)
    check_allocation(_sizes(n_samples=n_samples), 24 * int(n_samples), "X and y")
    noise = _finite("noise", noise)
    X, Y = planar_flower(n_samples, noise, np.random.RandomState(_seed(seed, 2**32 - 1)))
    return X.T.copy(), Y[0].astype(np.int64)


def make_moons(
    n_samples: int = 200, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles.

    Parameters
    ----------
    n_samples : int, default 200
        At least 2. X and y may take at most :data:`nnbackend._arrays.MAX_ALLOCATION_BYTES`.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to each coordinate: finite, >= 0.
    seed : int or None, default 0
        >= 0; None draws fresh entropy.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int
    """
    _positive("n_samples", n_samples, 2)
    check_allocation(_sizes(n_samples=n_samples), 24 * int(n_samples), "X and y")
    noise = _finite("noise", noise)
    rng = np.random.default_rng(_seed(seed))
    n_out = n_samples // 2
    n_in = n_samples - n_out
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.vstack(
        [
            np.column_stack([np.cos(outer), np.sin(outer)]),
            np.column_stack([1 - np.cos(inner), 0.5 - np.sin(inner)]),
        ]
    )
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    X += rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n_samples)
    return X[order], y[order]


def make_blobs(
    n_samples: int = 300,
    centers: int = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs around ``centers`` random centres in [-10, 10]^n_features.

    Parameters
    ----------
    n_samples : int, default 300
    centers : int, default 3
        At most ``n_samples``, so that every centre has a sample.
    n_features : int, default 2
        X, y and the centres may take at most :data:`nnbackend._arrays.MAX_ALLOCATION_BYTES`.
    cluster_std : float, default 1.0
        Finite, >= 0.
    seed : int or None, default 0
        >= 0; None draws fresh entropy.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), int
    """
    _positive("n_samples", n_samples)
    _positive("centers", centers)
    _positive("n_features", n_features)
    _enough_samples("centers", centers, n_samples)
    check_allocation(
        _sizes(n_samples=n_samples, centers=centers, n_features=n_features),
        8 * (int(n_samples) * (int(n_features) + 1) + int(centers) * int(n_features)),
        "X, y and the centres",
    )
    cluster_std = _finite("cluster_std", cluster_std)
    rng = np.random.default_rng(_seed(seed))
    middles = rng.uniform(-10, 10, size=(centers, n_features))
    y = np.arange(n_samples) % centers
    rng.shuffle(y)
    X = middles[y] + rng.normal(scale=cluster_std, size=(n_samples, n_features))
    return X, y.astype(np.int64)


def make_classification(
    n_samples: int = 1000,
    n_features: int = 20,
    n_informative: int | None = None,
    n_classes: int = 2,
    class_sep: float = 1.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A random classification problem: Gaussian classes apart in a few informative features.

    Each class's mean is a random vertex of a hypercube of side 2·class_sep in the
    ``n_informative`` first features; the other features are pure noise. Used by the
    benchmarks to make problems of any size.

    Parameters
    ----------
    n_samples : int, default 1000
    n_features : int, default 20
        X, y and the classes' means may take at most
        :data:`nnbackend._arrays.MAX_ALLOCATION_BYTES`.
    n_informative : int, optional
        Defaults to min(n_features, max(2, ceil(log2(n_classes)) + 1)).
    n_classes : int, default 2
        At most ``n_samples``, so that every class has a sample.
    class_sep : float, default 1.0
        Finite, >= 0.
    seed : int or None, default 0
        >= 0; None draws fresh entropy.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), int
    """
    _positive("n_samples", n_samples)
    _positive("n_features", n_features)
    _positive("n_classes", n_classes, 2)
    _enough_samples("n_classes", n_classes, n_samples)
    if n_informative is None:
        n_informative = min(n_features, max(2, int(np.ceil(np.log2(n_classes))) + 1))
    _positive("n_informative", n_informative)
    if n_informative > n_features:
        raise ValueError(
            f"n_informative={n_informative} is not valid: it must be <= n_features={n_features}"
        )
    check_allocation(
        _sizes(n_samples=n_samples, n_features=n_features, n_classes=n_classes),
        8 * (int(n_samples) * (int(n_features) + 1) + int(n_classes) * int(n_informative)),
        "X, y and the classes' means",
    )
    class_sep = _finite("class_sep", class_sep)
    rng = np.random.default_rng(_seed(seed))
    vertices = rng.choice([-class_sep, class_sep], size=(n_classes, n_informative))
    y = np.arange(n_samples) % n_classes
    rng.shuffle(y)
    X = rng.standard_normal((n_samples, n_features))
    X[:, :n_informative] += vertices[y]
    return X, y.astype(np.int64)


def load_catvnoncat(
    path: str | os.PathLike[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The course's cat / non-cat images, flattened and scaled to [0, 1].

    Parameters
    ----------
    path : path-like
        The folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``.

    Returns
    -------
    X_train : ndarray of shape (209, 12288)
    y_train : ndarray of shape (209,)
    X_test : ndarray of shape (50, 12288)
    y_test : ndarray of shape (50,)
    classes : ndarray of bytes
        [b"non-cat", b"cat"].
    """
    train_images, train_labels, test_images, test_labels, classes = read_catvnoncat(path)
    return (
        train_images.reshape(train_images.shape[0], -1) / 255.0,
        train_labels.astype(np.int64),
        test_images.reshape(test_images.shape[0], -1) / 255.0,
        test_labels.astype(np.int64),
        classes,
    )


def _indexable(value: Any, name: str) -> Any:
    # Arrays of any library index themselves with NumPy's integer arrays; lists and tuples
    # become NumPy arrays, which the docstring promises anyway.
    if isinstance(value, list | tuple):
        value = np.asarray(value)
    if not hasattr(value, "shape") or not hasattr(value, "__getitem__"):
        raise TypeError(f"{name} must be an array or a list of samples, got {type(value).__name__}")
    if len(value.shape) == 0:
        raise ValueError(f"{name} must hold samples along its first axis, got a 0-d array")
    return value


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.25, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into train and test parts.

    Parameters
    ----------
    X : array_like of shape (n_samples, ...)
        An array (of any library) or a list; lists come back as NumPy arrays.
    y : array_like of shape (n_samples, ...)
    test_size : float, default 0.25
        The fraction of samples in the test part, in (0, 1). Both parts must keep at least
        one sample.
    seed : int or None, default 0
        >= 0; None draws fresh entropy.

    Returns
    -------
    X_train, X_test, y_train, y_test : arrays

    Raises
    ------
    TypeError
        X or y not an array or a list, test_size not a number, seed not an int.
    ValueError
        test_size outside (0, 1), X and y of different lengths, or a split that leaves the
        train or the test part empty.
    """
    X, y = _indexable(X, "X"), _indexable(y, "y")
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(
            f"test_size={test_size!r} is not valid: expected a number in (0, 1), got "
            f"{type(test_size).__name__}"
        )
    if not 0 < test_size < 1:
        raise ValueError(f"test_size={test_size!r} is not valid: expected a number in (0, 1)")
    n = int(X.shape[0])
    if int(y.shape[0]) != n:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {n}, y has {int(y.shape[0])}."
        )
    order = np.random.default_rng(_seed(seed)).permutation(n)
    n_test = max(1, round(n * test_size))
    if n_test >= n:
        raise ValueError(
            f"test_size={test_size!r} of {n} sample(s) leaves {n - min(n_test, n)} for "
            f"training and {min(n_test, n)} for testing: both parts need at least one sample "
            "(use a smaller test_size or more samples)"
        )
    test, train = order[:n_test], order[n_test:]
    return _take(X, train), _take(X, test), _take(y, train), _take(y, test)


def _take(value: Any, rows: np.ndarray) -> Any:
    # pandas objects index rows by position through iloc (their [] picks columns or labels)
    return value.iloc[rows] if hasattr(value, "iloc") else value[rows]
