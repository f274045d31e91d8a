"""Checks and conversions of user input, done once at the estimators' boundary.

Host data (lists, NumPy arrays, anything with ``__array__``) is checked with NumPy and then
moved to the backend in one copy. Arrays already of the active library are checked in that
library, so data on a GPU is never copied to the host for validation. Arrays of any other
library are refused: mixing libraries is an error, never a silent copy.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace
from nnbackend.backends import Backend, asarray, backend_of, to_numpy
from nnbackend.backends.placement import mismatch_error
from nnbackend.errors import data_conversion_warning, user_stacklevel

__all__ = [
    "check_feature_count",
    "check_known_labels",
    "check_label_values",
    "check_labels",
    "check_regression_targets",
    "check_same_length",
    "compute_backend",
    "course_layout_view",
    "encode_known_labels",
    "resolve_dtype",
    "to_backend_features",
    "transposed_finite",
]

Array = Any

_UNKNOWN: Any = object()  # "not looked up yet", as None means host data


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _reject_sparse(x: Any, name: str) -> None:
    module = type(x).__module__
    if module.startswith(("scipy.sparse", "sparse")) or hasattr(x, "tocsr"):
        raise TypeError(
            f"{name} is a sparse matrix ({type(x).__name__}), but sparse input is not "
            f"supported: pass a dense array, e.g. {name}.toarray()."
        )


def compute_backend(X: Any, active: Backend, name: str = "X") -> Backend:
    """Where to compute for input ``X``: its own library and device, or the active backend.

    scikit-learn's array-API rule: everything follows X. An array of a supported library (a
    torch tensor, a CuPy or JAX array...) computes on that library and device whatever
    ``NNBACKEND`` says; host data (NumPy, lists, pandas) goes to the active backend.

    Parameters
    ----------
    X : object
    active : Backend
        The active backend, for host data.
    name : str, default "X"

    Returns
    -------
    Backend
    """
    owner = backend_of(X)
    return active if owner is None else owner


def _check_library(
    x: Any, name: str, backend: Backend, where: str, owner: Any = _UNKNOWN
) -> Backend | None:
    # ``owner``: backend_of(x), when the boundary has asked already (asked once per fit)
    owner = backend_of(x) if owner is _UNKNOWN else owner
    if owner is None:
        return None
    if owner.name != backend.name:
        raise mismatch_error(name, owner.name, backend.name, where)
    if backend.device is not None and not owner.adapter.same_device(owner.device, backend.device):
        raise mismatch_error(
            name, owner.name, backend.name, where, device=owner.device,
            target_device=backend.device,
        )  # fmt: skip
    return owner


def resolve_dtype(requested: str | None, data_dtype: Any) -> str:
    """The float dtype name to compute in.

    Parameters
    ----------
    requested : {None, "float32", "float64"}
        The estimator's ``dtype`` parameter.
    data_dtype : dtype
        The input's dtype (any library).

    Returns
    -------
    str
        ``requested``, or, when it is None, the input's own float32/float64, else "float64".
    """
    if requested is not None:
        if requested not in ("float32", "float64"):
            raise ValueError(
                f"dtype={requested!r} is not valid: expected None, 'float32' or 'float64'"
            )
        return requested
    name = str(data_dtype).rsplit(".", 1)[-1]
    return name if name in ("float32", "float64") else "float64"


def _host_features(X: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} could not be read as an array: {exc}") from exc
    check_host_dtype(arr.dtype, name)
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} holds values that are not numbers: {exc}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} has the non-numeric dtype {arr.dtype}: expected numbers (bool, int or float)."
        )
    return arr


def _check_shape(shape: tuple[int, ...], name: str) -> None:
    if len(shape) != 2:
        raise ValueError(
            f"Expected 2D array for {name} of shape (n_samples, n_features), got "
            f"{len(shape)}D array of shape {_shape_text(shape)} instead. Reshape your data "
            "either using array.reshape(-1, 1) if your data has a single feature or "
            "array.reshape(1, -1) if it contains a single sample."
        )
    if shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={_shape_text(shape)}) while a minimum of 1 "
            f"is required: {name} is empty."
        )
    if shape[1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={_shape_text(shape)}) while a minimum of 1 "
            f"is required: {name} has no features."
        )


# Bytes per block of transposed_finite: a block of X and its transposed copy stay in the CPU's
# cache between the copy and the check. A block is whole rows (examples) of X, unless fewer
# than _MIN_BLOCK_ROWS of them fit: then it is that many rows by as many columns as fit.
# Narrower blocks of a wide X (the cat images' 12288 features gave blocks of 2 rows) copy
# each written line a few values at a time: 32 × 1024 blocks transpose it about twice as fast.
_BLOCK_BYTES = 1 << 18
_MIN_BLOCK_ROWS = 32


def transposed_finite(arr: np.ndarray, dtype: str, name: str = "X") -> np.ndarray:
    """X (n_samples, n_features) as a C-contiguous (n_features, n_samples) copy in ``dtype``,
    checked finite on the way: one pass over X.

    The copy goes block by block (whole examples, or tiles of a wide X), and each block is
    checked while it is still in the cache, so the check reads no memory the copy has not
    just read and allocates no boolean array of X's size. The copy is the only array of X's
    size the conversion makes.

    Parameters
    ----------
    arr : numpy.ndarray of shape (n_samples, n_features)
    dtype : {"float32", "float64"}
    name : str, default "X"

    Returns
    -------
    numpy.ndarray of shape (n_features, n_samples)

    Raises
    ------
    ValueError
        When X holds NaN or infinity.
    """
    n, d = arr.shape
    out = np.empty((d, n), dtype=dtype)
    itemsize = max(out.itemsize, arr.itemsize)
    rows = _BLOCK_BYTES // max(1, d * itemsize)
    cols = d
    if rows < _MIN_BLOCK_ROWS:
        rows = _MIN_BLOCK_ROWS
        cols = max(1, _BLOCK_BYTES // (rows * itemsize))
    check = arr.dtype.kind == "f"
    for start in range(0, n, rows):
        for first in range(0, d, cols):
            source = arr[start : start + rows, first : first + cols]
            out[first : first + cols, start : start + rows] = source.T
            if check:  # the source values the copy has just read: X's own values
                _check_finite_block(source, name)
    return out


def _check_finite_block(block: np.ndarray, name: str) -> None:
    # min and max propagate NaN and are finite only when every value is: reductions with no
    # temporary of the block's size
    if not (np.isfinite(block.min()) and np.isfinite(block.max())):
        raise ValueError(f"Input {name} contains NaN or infinity.")


def course_layout_view(arr: np.ndarray, dtype: str, name: str = "X") -> np.ndarray:
    """X (n_samples, n_features) in course layout for NumPy, checked finite, copied only when
    it must be.

    A C-contiguous X already in ``dtype`` is returned as its transposed view: NumPy's matrix
    products take either layout without a copy, and gathering a mini-batch's columns reads
    whole rows of X. The view saves the one array of X's size :func:`transposed_finite` writes
    (about 4 % of a 50-iteration fit of the course's cat network). The check goes block by
    block, with min and max reductions, and allocates nothing of X's size. Any other X (another
    dtype, not C-contiguous) is converted by :func:`transposed_finite`.

    Parameters
    ----------
    arr : numpy.ndarray of shape (n_samples, n_features)
    dtype : {"float32", "float64"}
    name : str, default "X"

    Returns
    -------
    numpy.ndarray of shape (n_features, n_samples)
        The view ``arr.T``, or a C-contiguous copy.

    Raises
    ------
    ValueError
        When X holds NaN or infinity.
    """
    if arr.dtype != np.dtype(dtype) or not arr.flags.c_contiguous:
        return transposed_finite(arr, dtype, name)
    rows = max(1, _BLOCK_BYTES // max(1, arr.shape[1] * arr.itemsize))
    for start in range(0, arr.shape[0], rows):
        _check_finite_block(arr[start : start + rows], name)
    return arr.T


def check_host_dtype(dtype: Any, name: str = "X") -> None:
    """Refuse a NumPy dtype of complex numbers, dates or durations.

    Parameters
    ----------
    dtype : numpy.dtype or pandas dtype
    name : str, default "X"

    Raises
    ------
    ValueError
        Complex.
    TypeError
        Dates or durations (datetime64, timedelta64).
    """
    kind = getattr(dtype, "kind", "")  # pandas' own dtypes (tz-aware dates) have a kind too
    if kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {dtype}.")
    if kind in "mM":
        # NumPy casts dates and durations to their integer ticks: a silent, meaningless feature
        raise TypeError(
            f"{name} has the dtype {dtype} (dates or durations): expected numbers (bool, int "
            "or float); convert it explicitly, e.g. to seconds."
        )


def check_library_features(X: Any, library: Backend, name: str = "X") -> Any:
    """Checks of features that are an array of a supported library, made where they are.

    Parameters
    ----------
    X : array
        An array of ``library`` (a torch tensor, a JAX or CuPy array...).
    library : Backend
        ``backend_of(X)``.
    name : str, default "X"

    Returns
    -------
    array
        ``X`` as its adapter accepts it (a torch tensor detached from autograd).

    Raises
    ------
    TypeError
        Refused by its adapter (a torch tensor on the ``meta`` device, sparse), or not numbers.
    ValueError
        Complex.
    """
    X = library.adapter.check_input(X, name)
    xp = array_namespace(X)
    if xp.isdtype(X.dtype, "complex floating"):
        raise ValueError(f"Complex data not supported: {name} has dtype {X.dtype}.")
    if not xp.isdtype(X.dtype, ("real floating", "integral", "bool")):
        raise TypeError(f"{name} has the non-numeric dtype {X.dtype}: expected numbers.")
    return X


def to_backend_features(
    X: Any,
    backend: Backend,
    dtype: str | None,
    name: str = "X",
    *,
    where: str = "where X is",
    owner: Any = _UNKNOWN,
) -> tuple[Array, str | None]:
    """Validate X of shape (n_samples, n_features) and return it in course layout.

    Parameters
    ----------
    X : array_like
    backend : Backend
        Where to compute.
    dtype : {None, "float32", "float64"}
        As :func:`resolve_dtype` takes it.
    name : str, default "X"
        The argument's name, for error messages.
    where : str, default "where X is"
        Why the computation runs on ``backend``, for error messages.
    owner : Backend or None, optional
        ``backend_of(X)`` when the caller has looked it up already (None: host data).

    Returns
    -------
    XT : array of shape (n_features, n_samples)
        On the backend, in the resolved dtype.
    owner : str or None
        The library X came in (None for host data), so that results can go back there.

    Raises
    ------
    TypeError
        Sparse or non-numeric.
    BackendError
        Another library's or device's array.
    ValueError
        Complex, not 2-D, empty, or holding NaN or infinity.
    """
    _reject_sparse(X, name)
    library = _check_library(X, name, backend, where, owner)
    owner = None if library is None else library.name
    if library is None:
        arr = _host_features(X, name)
        _check_shape(arr.shape, name)
        target = resolve_dtype(dtype, arr.dtype)
        if backend.adapter.host:
            # host to host: no copy unless the dtype or the layout needs one
            return course_layout_view(arr, target, name), owner
        XT = transposed_finite(arr, target, name)
        return asarray(XT, backend=backend), owner
    X = check_library_features(X, library, name)
    xp = array_namespace(X)
    _check_shape(tuple(X.shape), name)
    target = resolve_dtype(dtype, X.dtype)
    converted = xp.astype(X, getattr(xp, target))
    if not bool(xp.all(xp.isfinite(converted))):
        raise ValueError(f"Input {name} contains NaN or infinity.")
    return converted.T, owner


def check_same_length(n_x: int, y: np.ndarray, name_y: str = "y") -> None:
    """Raise when X and y hold different numbers of samples, naming both counts."""
    n_y = int(y.shape[0])
    if n_y != n_x:
        raise ValueError(
            f"X and {name_y} have inconsistent numbers of samples: X has {n_x}, {name_y} has {n_y}."
        )


def _targets_to_host(y: Any, name: str) -> np.ndarray:
    # Targets are small: they come to the host (labels may be strings), checked there once.
    if y is None:
        raise ValueError(
            f"This estimator requires {name} to be passed, but the target {name} is None: "
            "call fit(X, y)."
        )
    _reject_sparse(y, name)
    if isinstance(y, set | frozenset | Mapping):
        # NumPy makes a 0-d object array of them ("must be 1-D ... got shape ()")
        raise TypeError(
            f"{name} is a {type(y).__name__}, which has no order: expected an array-like of "
            f"shape (n,) (a list, a tuple or an array), e.g. sorted({name})."
        )
    return to_numpy(y)


def _host_targets(y: Any, name: str) -> np.ndarray:
    arr = _targets_to_host(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change the "
            "shape of y to (n_samples,), for example using ravel().",
            data_conversion_warning(),
            stacklevel=user_stacklevel(),
        )
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D of shape (n_samples,), got shape {_shape_text(arr.shape)}."
        )
    return arr


def _reject_complex(arr: np.ndarray, name: str, what: str = "labels or targets") -> None:
    # NumPy would compare complex labels and drop the imaginary part of targets silently
    if arr.dtype.kind == "c" or (
        arr.dtype == object
        and any(isinstance(v, numbers.Complex) and not isinstance(v, numbers.Real) for v in arr)
    ):
        raise ValueError(
            f"Complex data not supported: {name} holds complex numbers (dtype {arr.dtype}); "
            f"expected real {what}."
        )


def check_label_values(y: Any, name: str = "y") -> np.ndarray:
    """Classification labels checked as ``fit`` checks them, without encoding them.

    ``score`` uses this: its y may hold a single class, but it must be labels as fit's are.

    Parameters
    ----------
    y : array_like of shape (n_samples,)
        A column vector is accepted with a warning, as scikit-learn does.
    name : str, default "y"

    Returns
    -------
    ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        Not 1-D, empty, complex, NaN or infinite, or continuous.
    TypeError
        Labels of mixed Python types.
    """
    arr = _host_targets(y, name)
    if arr.size == 0:
        raise ValueError(f"{name} is empty: at least 2 samples of 2 classes are required.")
    _reject_complex(arr, name)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise ValueError(f"Input {name} contains NaN or infinity.")
        if np.any(arr != np.round(arr)):
            raise ValueError(
                f"Unknown label type: {name} holds continuous values (e.g. "
                f"{arr[arr != np.round(arr)][0]!r}); a classifier needs discrete labels. "
                "Use NeuralNetworkRegressor for continuous targets."
            )
    elif arr.dtype == object:
        kinds = {type(v) for v in arr}
        if any(_fraction_of(v) is None for v in arr):
            raise ValueError(f"Input {name} contains NaN or infinity.")
        if len(kinds) > 1:
            raise TypeError(
                f"{name} mixes label types {sorted(k.__name__ for k in kinds)}: use one type."
            )
        # the rule of float64 labels: numbers with a fractional part are continuous
        continuous = [v for v in arr if _fraction_of(v)]
        if continuous:
            raise ValueError(
                f"Unknown label type: {name} holds continuous values (e.g. {continuous[0]!r}); "
                "a classifier needs discrete labels. Use NeuralNetworkRegressor for continuous "
                "targets."
            )
    return arr


def _fraction_of(value: Any) -> bool | None:
    # Whether a label in an object array is a real number with a fractional part (1.5, not
    # 2.0 or 2); None for NaN or infinity. Ints, strings and the rest have none.
    if isinstance(value, numbers.Integral) or not isinstance(value, numbers.Real):
        return False
    try:
        return value != math.floor(value)
    except (OverflowError, ValueError):  # floor of infinity or NaN
        return None


def check_labels(y: Any, name: str = "y", min_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Classification labels: encode to indices 0..k-1 and check there are enough classes.

    Parameters
    ----------
    y : array_like of shape (n_samples,)
        Any labels (ints, strings...).
    name : str, default "y"
    min_classes : int, default 2
        ``fit`` accepts a single class (as scikit-learn's MLP does); ``partial_fit``'s
        ``classes``, which declare every label ever, need two.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        Sorted unique labels.
    encoded : ndarray of shape (n_samples,), int
    """
    arr = check_label_values(y, name)
    classes, encoded = np.unique(arr, return_inverse=True)
    if classes.shape[0] < min_classes:
        raise ValueError(
            f"{name} has only 1 class ({classes.tolist()[0]!r}), but a classifier needs at least 2 "
            "classes."
        )
    return classes, encoded.reshape(-1)


def check_regression_targets(y: Any, name: str = "y") -> np.ndarray:
    """Regression targets as a float64 host array of shape (n_samples, n_outputs).

    Parameters
    ----------
    y : array_like of shape (n_samples,) or (n_samples, n_outputs)
    name : str, default "y"

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
    """
    arr = _targets_to_host(y, name)
    _reject_complex(arr.reshape(-1), name)
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}: {exc}") from exc
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {_shape_text(arr.shape)}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty.")
    if not np.isfinite(arr).all():
        raise ValueError(f"Input {name} contains NaN or infinity.")
    return arr.reshape(arr.shape[0], -1).astype(np.float64)


def check_feature_count(n_features: int, expected: int, estimator: str) -> None:
    """Raise when predict-time data has another number of features than fit-time data."""
    if n_features != expected:
        raise ValueError(
            f"X has {n_features} features, but {estimator} is expecting {expected} features "
            "as input."
        )


def encode_known_labels(y: Any, classes: np.ndarray, name: str = "y") -> np.ndarray:
    """Indices of y's labels in ``classes`` (sorted), refusing labels that are not in it.

    For ``partial_fit``, whose batches may hold any subset of the classes declared on the first
    call (even a single one).

    Parameters
    ----------
    y : array_like of shape (n_samples,)
    classes : ndarray of shape (n_classes,)
        Sorted unique labels.
    name : str, default "y"

    Returns
    -------
    ndarray of shape (n_samples,), int
    """
    arr = check_known_labels(y, classes, name, "classes", "declared on the first call")
    return np.searchsorted(classes, arr).reshape(-1)


def check_known_labels(
    y: Any,
    classes: np.ndarray,
    name: str = "y",
    known: str = "classes_",
    origin: str = "the labels fit saw",
) -> np.ndarray:
    """Labels checked as ``fit`` checks them, every one among ``classes``.

    ``score`` uses this as ``partial_fit`` does: labels the model cannot predict (strings
    against int classes, say) are an error, never an accuracy of 0.

    Parameters
    ----------
    y : array_like of shape (n_samples,)
    classes : ndarray of shape (n_classes,)
        Sorted unique labels.
    name : str, default "y"
    known : str, default "classes_"
        What ``classes`` is called in messages.
    origin : str, default "the labels fit saw"
        Where ``classes`` came from, for messages.

    Returns
    -------
    ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        As :func:`check_label_values`, and for labels that are not in ``classes``.
    """
    arr = check_label_values(y, name)  # labels as fit takes them: finite, discrete, 1-D
    try:
        present = np.unique(arr)
        unknown = present[~np.isin(present, classes)]
    except TypeError as exc:  # labels of a type that does not compare with the classes'
        raise ValueError(
            f"{name} holds labels that cannot be compared with {known} {classes.tolist()}: {exc}"
        ) from exc
    if unknown.size:
        raise ValueError(
            f"{name} has labels that are not in {known}: {unknown.tolist()}; the {known} "
            f"({origin}) are {classes.tolist()}."
        )
    return arr
