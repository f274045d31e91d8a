"""The data a command is given: the course's cat folder, or a user's own table.

Both are read and checked in full before any work: a malformed file ends in one line naming
the file, the column or dataset, the value and what was expected (:class:`UsageError`).

A table is a ``.csv`` (a header row, then one row per sample), a ``.parquet`` file, a
``.npy`` 2-D array or a ``.npz`` archive. ``--target`` says where the labels are: a column
name for CSV and Parquet, a column index for ``.npy`` (``-1``: the last column) and the
labels' array name for ``.npz``, whose features are then its array ``X``, or its only other
array. Every other column is a feature and must be numeric and finite; labels may be ints or
text (a float label must be a whole number: a classifier is trained).
"""

from __future__ import annotations

import csv
import math
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnbackend._cli import UsageError

__all__ = ["CAT_FILES", "TABLE_SUFFIXES", "NamedTable", "load_cat", "read_table"]

CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")

TABLE_SUFFIXES = (".csv", ".npy", ".npz", ".parquet")

_INT64 = np.iinfo(np.int64)


# ---------------------------------------------------------------------- the cat folder
def load_cat(path: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cat data from ``--data``: ``X_train, X_test, y_train, y_test``, checked.

    Raises
    ------
    UsageError
        For a missing or malformed folder or file (see ``datasets.load_catvnoncat``), and a
        training set of one class.
    """
    folder_hint = f"expected the folder holding {' and '.join(CAT_FILES)}"
    if path is None:
        raise UsageError(f"argument --data: required with --dataset catvnoncat: {folder_hint}")
    where = f"argument --data: {path!r}"
    folder = Path(path)
    if not folder.exists():
        raise UsageError(f"{where} does not exist: {folder_hint}")
    if not folder.is_dir():
        raise UsageError(f"{where} is a file: {folder_hint}")
    try:
        import h5py
    except ImportError:
        raise UsageError(
            "argument --data: reading the cat data needs h5py: pip install 'nnbackend[data]'"
        ) from None
    for name in CAT_FILES:
        file = folder / name
        if not file.is_file():
            raise UsageError(f"{where} has no {name}: {folder_hint}")
        if not h5py.is_hdf5(file):
            raise UsageError(f"{where}: {name} is not an HDF5 file (the course's cat data)")
    from nnbackend import datasets

    try:
        X_train, y_train, X_test, y_test, _ = datasets.load_catvnoncat(folder)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"{where}: cannot read the cat data: {exc}") from None
    classes = np.unique(y_train)
    if len(classes) < 2:
        raise UsageError(
            f"{where}: train_set_y holds one class only ({classes.tolist()}): expected "
            "labels of two classes to train a classifier"
        )
    return X_train, X_test, y_train, y_test


# ---------------------------------------------------------------------- a user's table
class NamedTable:
    """Features with their column names, presented as a table library presents them.

    The estimators take a table's column names from its ``columns`` (scikit-learn's rule for
    ``feature_names_in_``, which a model file keeps) and its values through ``__array__``;
    the commands read CSV and Parquet without pandas, so they present a table so.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_features)
    columns : sequence of str
    """

    def __init__(self, values: np.ndarray, columns: Sequence[str]) -> None:
        self.values = values
        self.columns = list(columns)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self.values if dtype is None else self.values.astype(dtype, copy=False)

    def __len__(self) -> int:
        return len(self.values)


def read_table(
    path: str, target: str | None, *, option: str = "--data", need_target: bool = True
) -> tuple[np.ndarray, np.ndarray | None, tuple[str, ...] | None]:
    """Features and labels from a user's file.

    Parameters
    ----------
    path : str
    target : str or None
        Where the labels are (see the module's docstring); None: there are none.
    option : str, default "--data"
        The option that named the file, for messages.
    need_target : bool, default True
        Refuse a missing ``target`` (``train``); ``predict`` reads features alone.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,) or None
        Ints, or strings where a label is text.
    feature_names : tuple of str or None
        The features' column names where the file names its columns (CSV, Parquet); None for
        ``.npy`` and ``.npz``, whose columns have positions only.

    Raises
    ------
    UsageError
    """
    where = f"argument {option}: {path!r}"
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise UsageError(
            f"{where} is not a table nnbackend reads: expected a file ending in "
            f"{', '.join(TABLE_SUFFIXES)}"
        )
    if not file.exists():
        raise UsageError(f"{where} does not exist: expected a {suffix} file")
    if not file.is_file():
        raise UsageError(f"{where} is not a file: expected a {suffix} file")
    if target is None and need_target:
        raise UsageError(
            f"argument --target: required with {option} {path}: expected " + _TARGET_HELP[suffix]
        )
    reader = {".csv": _csv, ".parquet": _parquet, ".npy": _npy, ".npz": _npz}[suffix]
    try:
        names, columns, label = reader(file, target, where)
    except UsageError:
        raise
    # unreadable, corrupt or truncated: what NumPy, zipfile and zlib raise on a damaged file
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise UsageError(f"{where} cannot be read as {suffix}: {exc}") from None
    if not columns or len(columns[0]) == 0:
        raise UsageError(f"{where} holds no samples: expected at least one row")
    if not names:
        raise UsageError(f"{where} holds no feature column: expected at least one")
    X = np.column_stack([_features(c, n, where) for n, c in zip(names, columns, strict=True)])
    y = None if label is None else _labels(label[1], label[0], where)
    return X, y, tuple(names) if suffix in (".csv", ".parquet") else None


_TARGET_HELP = {
    ".csv": "the name of the column holding the labels",
    ".parquet": "the name of the column holding the labels",
    ".npy": "the index of the column holding the labels (-1 for the last)",
    ".npz": "the name of the array holding the labels",
}

Columns = tuple[list[str], list[Any], tuple[str, Any] | None]
"""Feature names, feature columns, and (name, values) of the labels or None."""


def _pick(names: Sequence[str], target: str | None, where: str) -> int | None:
    if target is None:
        return None
    if target in names:
        return list(names).index(target)
    shown = ", ".join(_short(name) for name in names[:_MAX_NAMES])
    more = f" (and {len(names) - _MAX_NAMES} more)" if len(names) > _MAX_NAMES else ""
    raise UsageError(
        f"argument --target: {_short(target)} is not a column of {where.split(': ', 1)[1]}: "
        f"expected one of {shown}{more}"
    )


_MAX_NAMES = 20
_MAX_NAME_CHARS = 40


def _short(name: str) -> str:
    # a header of thousands of columns, or a binary file's first line, stays readable
    if len(name) <= _MAX_NAME_CHARS:
        return repr(name)
    return repr(name[:_MAX_NAME_CHARS]) + "..."


def _split(names: list[str], columns: list[Any], index: int | None) -> Columns:
    if index is None:
        return names, columns, None
    label = (names[index], columns[index])
    return names[:index] + names[index + 1 :], columns[:index] + columns[index + 1 :], label


def _csv(file: Path, target: str | None, where: str) -> Columns:
    with open(file, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise UsageError(f"{where} is empty: expected a header row naming the columns")
    if any("\x00" in cell for cell in rows[0]):
        raise UsageError(f"{where} is not a text CSV file: its first line holds NUL bytes")
    header = [name.strip() for name in rows[0]]
    body = [row for row in rows[1:] if row]  # a blank line is no sample
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise UsageError(
                f"{where}: line {number} has {len(row)} values and the header {len(header)}: "
                "expected one value per column"
            )
    columns = [[row[i].strip() for row in body] for i in range(len(header))]
    return _split(header, columns, _pick(header, target, where))


def _parquet(file: Path, target: str | None, where: str) -> Columns:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError(f"{where}: reading Parquet needs pyarrow: pip install pyarrow") from None
    try:
        table = pq.read_table(file)
    except Exception as exc:  # pyarrow's own errors (ArrowInvalid...) for a corrupt file
        raise UsageError(f"{where} cannot be read as .parquet: {exc}") from None
    names = [str(n) for n in table.column_names]
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return _split(names, columns, _pick(names, target, where))


def _check_magic(file: Path, magic: bytes, where: str, what: str) -> None:
    # NumPy reads a file of another kind as pickled data and says so: name what it is not
    with open(file, "rb") as fh:
        if fh.read(len(magic)) != magic:
            raise UsageError(f"{where} is not a {what} file (it does not start as one)")


def _check_npy_size(file: Path, where: str) -> None:
    # The header states the shape; NumPy allocates it before reading a byte of data, so a
    # header that claims more than the file holds (a truncated or forged file) would end in a
    # MemoryError, or in a machine out of memory.
    from numpy.lib import format as npy_format

    with open(file, "rb") as fh:
        try:
            major, _ = npy_format.read_magic(fh)
            read_header = (
                npy_format.read_array_header_1_0 if major == 1 else npy_format.read_array_header_2_0
            )
            shape, _, dtype = read_header(fh)
        except ValueError as exc:
            raise UsageError(f"{where} has a malformed .npy header: {exc}") from None
        if dtype.hasobject:
            return  # pickled objects: np.load refuses them below, by name
        declared = math.prod(shape) * dtype.itemsize
        held = file.stat().st_size - fh.tell()
    if declared > held:
        raise UsageError(
            f"{where} declares an array of shape {tuple(shape)} ({declared} bytes of data) but "
            f"holds {held} bytes: the file is truncated or malformed"
        )


def _load_npy(file: Path, where: str) -> Any:
    _check_magic(file, b"\x93NUMPY", where, ".npy")
    _check_npy_size(file, where)
    try:
        return np.load(file, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise UsageError(f"{where} holds Python objects: expected numbers") from None
        raise


def _npy(file: Path, target: str | None, where: str) -> Columns:
    array = _load_npy(file, where)
    if not isinstance(array, np.ndarray) or array.ndim != 2:
        raise UsageError(
            f"{where} holds an array of shape {getattr(array, 'shape', '?')}: expected a 2-D "
            "table (one row per sample)"
        )
    names = [f"column {i}" for i in range(array.shape[1])]
    index = None
    if target is not None:
        try:
            index = int(target)
        except ValueError:
            index = None
        if index is None or not -array.shape[1] <= index < array.shape[1]:
            raise UsageError(
                f"argument --target: {target!r} is not valid for a .npy file of "
                f"{array.shape[1]} columns: expected a column index from {-array.shape[1]} "
                f"to {array.shape[1] - 1}"
            )
        index %= array.shape[1]
    return _split(names, [array[:, i] for i in range(array.shape[1])], index)


def _npz(file: Path, target: str | None, where: str) -> Columns:
    _check_magic(file, b"PK", where, ".npz (zip)")
    # our own handle: np.load leaves the one it opens unclosed when the zip is damaged
    with open(file, "rb") as fh, np.load(fh, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    keys = list(arrays)
    if target is not None and target not in arrays:
        raise UsageError(
            f"argument --target: {target!r} is not an array of {where.split(': ', 1)[1]}: "
            f"expected one of {', '.join(map(repr, keys))}"
        )
    others = [k for k in keys if k != target]
    feature_key = "X" if "X" in others else (others[0] if len(others) == 1 else None)
    if feature_key is None:
        raise UsageError(
            f"{where} holds the arrays {', '.join(map(repr, keys))}: expected the features "
            "as 'X' or as the only array besides the labels"
        )
    X = arrays[feature_key]
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2:
        raise UsageError(
            f"{where}: array {feature_key!r} has shape {X.shape}: expected a 2-D table of "
            "features (one row per sample)"
        )
    names = [f"{feature_key}[:, {i}]" for i in range(X.shape[1])]
    columns = [X[:, i] for i in range(X.shape[1])]
    if target is None:
        return names, columns, None
    y = arrays[target]
    if y.ndim != 1 or len(y) != len(X):
        raise UsageError(
            f"{where}: array {target!r} has shape {y.shape} and {feature_key!r} {X.shape}: "
            "expected one label per row of features"
        )
    return names, columns, (target, y)


def _refuse_complex(values: Any, name: str, where: str, what: str) -> None:
    # float() of a NumPy complex keeps the real part and drops the rest silently
    if isinstance(values, np.ndarray) and values.dtype.kind == "c":
        raise UsageError(
            f"{where}: {what} {name!r} holds complex numbers (dtype {values.dtype}): expected "
            "real numbers"
        )


def _features(values: Any, name: str, where: str) -> np.ndarray:
    _refuse_complex(values, name, where, "column")
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        column = values.astype(np.float64)
    else:
        column = np.empty(len(values))
        for row, value in enumerate(values):
            try:
                column[row] = float(value)
            except (TypeError, ValueError):
                text = "empty" if value in ("", None) else f"{value!r}, not a number"
                raise UsageError(
                    f"{where}: column {name!r}, row {row + 1} is {text}: expected numeric, "
                    "finite features (only the labels, named by --target, may hold text; "
                    "fill or drop missing values first)"
                ) from None
    bad = np.flatnonzero(~np.isfinite(column))
    if bad.size:
        raise UsageError(
            f"{where}: column {name!r}, row {bad[0] + 1} is {column[bad[0]]!r}: expected "
            "finite features (fill or drop missing values first)"
        )
    return column


def _labels(values: Any, name: str, where: str) -> np.ndarray:
    def refuse(row: int, value: Any, why: str) -> UsageError:
        return UsageError(
            f"{where}: label column {name!r}, row {row + 1} is {value!r}: {why}; expected "
            "class labels (ints or text)"
        )

    _refuse_complex(values, name, where, "label column")
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    for row, value in enumerate(items):
        if value is None or (isinstance(value, str) and not value):
            raise refuse(row, value, "a missing label")
    numbers = []
    for value in items:
        try:
            numbers.append(float(value))
        except (TypeError, ValueError):
            # text labels: kept as text, as the estimators take them
            return np.asarray([str(v) for v in items])
    for row, number in enumerate(numbers):
        if not math.isfinite(number):
            raise refuse(row, items[row], "not a class")
        if number != round(number):
            raise refuse(row, items[row], "a fraction, so the column is continuous")
        if not _INT64.min <= number <= _INT64.max:
            raise refuse(row, items[row], f"outside the int64 range [{_INT64.min}, {_INT64.max}]")
    return np.asarray([int(n) for n in numbers], dtype=np.int64)
