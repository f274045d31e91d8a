"""The model file format: named NumPy arrays and a JSON header in a zip, with no pickle.

This module knows no estimator class. It writes a header dict and named host arrays
atomically, and reads them back with size limits and strict checks. Estimators turn their own
fitted state into that dict and those arrays and back (``to_state`` / ``from_state``), and
register themselves with :func:`register_estimator`, so that a file names its estimator by
class name.

Layout of a model file (version 2)::

    header.json          {"format": "nnbackend.model", "version": 2,
                          "arrays": {"W1": {"dtype": "<f8", "shape": [4, 2]}, ...},
                          "estimator": ..., "params": {...}, "fitted": {...}}
    arrays/W1.npy ...    one .npy member per array: little-endian, C order, no pickle

Members are stored uncompressed (weights barely compress), so a file nnbackend wrote never
trips the compression-ratio limit. Version 1 files (no ``arrays`` manifest) are still read.

Saving
    Everything goes to a temporary file beside the target, which is renamed over the target
    once complete and flushed to disk: a crash mid-save leaves any earlier file intact. The
    temporary file is named ``.<name>.<pid>-<random>.nnbackend-partial`` (``<name>`` is the
    target's name, cut to 100 characters); it is removed on any error, and a process killed
    mid-save (``kill -9``, a power cut) leaves it behind: find such orphans with
    ``find DIR -name '.*.nnbackend-partial'``. A symlink is followed: its target is written.
    An existing target that is not a regular file (a directory, a device such as /dev/full,
    a FIFO) is refused. A new file gets the usual mode (0o666 less the umask); a replaced
    file keeps its mode.

Loading
    The declared size of every member (the zip's and the .npy header's shape × itemsize) and
    their sum are limited to ``max_bytes``, and a member may not inflate more than
    ``max_compression_ratio`` times, all checked before anything is allocated. Anything
    malformed raises :class:`~nnbackend.errors.ModelFileError` naming the file and the field.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import io
import json
import math
import numbers
import os
import re
import reprlib
import secrets
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, cast

import numpy as np

from nnbackend.errors import ModelFileError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_COMPRESSION_RATIO",
    "FORMAT",
    "READABLE_VERSIONS",
    "TEMP_SUFFIX",
    "VERSION",
    "ModelFileContents",
    "read",
    "write",
]

FORMAT = "nnbackend.model"
"""The ``format`` value in every model file's header."""
VERSION = 2
"""The model file format version this nnbackend writes."""
READABLE_VERSIONS: tuple[int, ...] = (1, 2)
"""The versions this nnbackend reads."""
DEFAULT_MAX_BYTES = 2**30
"""Default limit (1 GiB) on the declared, uncompressed size of a model file's members."""
DEFAULT_MAX_COMPRESSION_RATIO = 100.0
"""Default limit on how many times a member may inflate (members over 1 MiB only)."""
TEMP_SUFFIX = ".nnbackend-partial"
"""The suffix of the temporary file a save writes before renaming it over the target."""

HEADER = "header.json"
_ARRAY_MEMBER = re.compile(r"arrays/([A-Za-z_][A-Za-z0-9_]{0,63})\.npy")
_ARRAY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# The dtypes a model file may hold, as .npy descriptors: booleans, integers, floats, and
# fixed-width strings. Never objects (pickle), structures, complex numbers or dates.
_DESCR = re.compile(r"\|b1|\|[iu]1|<[iu][248]|<f[248]|<U[1-9][0-9]{0,5}|\|S[1-9][0-9]{0,5}")
_RATIO_FLOOR = 2**20  # a member this small cannot hurt, whatever its ratio
_MAX_JSON_DEPTH = 16
_MAX_NPY_HEADER = 4096
_TEMP_NAME_CHARS = 100

_show = reprlib.Repr()
_show.maxstring = 60
_show.maxother = 60
_show.maxlist = 6
_show.maxdict = 6
_show.maxlevel = 3


def _error(path: str, field: str | None, problem: str) -> NoReturn:
    where = f"{path}: {field}: " if field else f"{path}: "
    raise ModelFileError(where + problem, path=path, field=field)


def _user_path(path: Any) -> str:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"path={_show.repr(path)} is not valid: expected a str or os.PathLike file path"
        )
    text = os.fspath(path)
    if not isinstance(text, str):
        raise TypeError(f"path={text!r} is not valid: expected a str path, not bytes")
    if not text:
        raise ValueError("path='' is not valid: expected a file path")
    return text


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symlink loop"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _os_error(exc: OSError, path: str, action: str) -> OSError | ValueError:
    # The same OSError subclass (OSError() picks it from errno), naming the user's path and
    # never the temporary file; a name too long is the argument's fault: a ValueError.
    if exc.errno == errno.ENAMETOOLONG:
        return _name_too_long(path)
    reason = exc.strerror or str(exc)
    return OSError(exc.errno, f"{action}: {reason}", path)


def _name_too_long(path: str, *, written: bool = True) -> ValueError:
    # the system's limits where it tells them (Linux: 255 bytes a name, 4096 a path)
    folder = os.path.dirname(path) or os.curdir
    try:
        name_max = os.pathconf(folder, "PC_NAME_MAX")
        path_max = os.pathconf(folder, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        name_max, path_max = 255, 4096
    longest = max((len(os.fsencode(part)) for part in path.split(os.sep)), default=0)
    size = len(os.fsencode(path))
    return ValueError(
        f"path={path!r} is not valid: file name too long (a name of {longest} bytes "
        f"in a path of {size}, and the file system allows {name_max} bytes a name, "
        f"{path_max} a path): expected a shorter file name"
        + ("; nothing was written" if written else "")
    )


# ------------------------------------------------------------------------------ writing
def _resolve_target(path: str) -> tuple[str, os.stat_result | None]:
    # A symlink is written through (as open() would): the file replaced is its target.
    final = os.path.realpath(path) if os.path.islink(path) else path
    try:
        st = os.lstat(final)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _os_error(exc, path, "cannot save the model there") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        through = f" (the symlink's target {final!r})" if final != path else ""
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(
                errno.EISDIR, f"cannot save the model over a directory{through}", path
            )
        raise ValueError(
            f"path={path!r}{through} is {_kind(st.st_mode)}: a model is saved only to a "
            "regular file (new or replaced), never over anything else"
        )
    directory = os.path.dirname(final) or os.curdir
    if not os.path.isdir(directory):
        missing = not os.path.exists(directory)
        raise OSError(
            errno.ENOENT if missing else errno.ENOTDIR,
            f"cannot save the model: the folder {directory!r} "
            + ("does not exist" if missing else "is not a folder"),
            path,
        )
    return final, st


def _create_temp(final: str, path: str) -> tuple[int, str]:
    directory, name = os.path.split(final)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(16):
        tmp = os.path.join(
            directory,
            f".{name[:_TEMP_NAME_CHARS]}.{os.getpid()}-{secrets.token_hex(4)}{TEMP_SUFFIX}",
        )
        try:
            # 0o666: the kernel applies the umask, as for any new file (mkstemp's 0o600
            # would not).
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise _os_error(exc, path, "cannot save the model there") from None
    raise FileExistsError(errno.EEXIST, "cannot find a free temporary name", path)


def _array_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _file_array(name: str, array: Any, path: str) -> np.ndarray:
    if not isinstance(name, str) or not _ARRAY_NAME.fullmatch(name):
        raise ValueError(
            f"cannot save {path!r}: the array name {name!r} is not valid: expected a "
            "Python identifier of at most 64 characters"
        )
    arr = np.asarray(array)
    # Little-endian on every machine, so that a file reads the same everywhere.
    little = arr.dtype if arr.dtype.byteorder == "|" else arr.dtype.newbyteorder("<")
    arr = np.ascontiguousarray(arr, dtype=little)
    if not _DESCR.fullmatch(arr.dtype.str) or arr.ndim == 0:
        raise ValueError(
            f"cannot save {path!r}: the array {name!r} has dtype {arr.dtype} and "
            f"{arr.ndim} dimension(s): a model file holds arrays of booleans, integers, "
            "floats or fixed-width strings with at least one dimension"
        )
    return arr


def write(
    path: str | os.PathLike[str],
    header: Mapping[str, Any],
    arrays: Mapping[str, Any],
    *,
    verify: Callable[[str], None] | None = None,
) -> None:
    """Write ``header`` and ``arrays`` to exactly ``path``, atomically.

    Parameters
    ----------
    path : path-like
        The file to write. A symlink is followed and its target written. An existing
        regular file is replaced and keeps its mode; anything else there is refused.
    header : mapping
        JSON-able fields (str keys). ``format``, ``version`` and ``arrays`` are added here
        and may not be given.
    arrays : mapping of str to array_like
        Host arrays by name (Python identifiers): booleans, integers, floats or fixed-width
        strings. Each becomes ``arrays/<name>.npy``.
    verify : callable, optional
        Called with the complete temporary file's path before it replaces the target; an
        exception it raises stops the save, removes the temporary file and leaves the target
        as it was.

    Raises
    ------
    TypeError, ValueError
        When ``path`` is not a path, ``''``, longer than the file system allows, or an
        existing non-regular file; when the header is not JSON or an array cannot be stored.
    OSError
        When the file cannot be written (missing folder, permissions, full disk): the
        message names ``path``, never the temporary file, which is removed.
    """
    target = _user_path(path)
    reserved = {"format", "version", "arrays"} & set(header)
    if reserved:
        raise ValueError(f"header fields {sorted(reserved)} are reserved for the file format")
    stored = {name: _file_array(name, arr, target) for name, arr in arrays.items()}
    manifest = {
        name: {"dtype": arr.dtype.str, "shape": [int(s) for s in arr.shape]}
        for name, arr in stored.items()
    }
    try:
        body = json.dumps(
            {"format": FORMAT, "version": VERSION, "arrays": manifest, **header},
            indent=1,
            allow_nan=False,
        ).encode()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot save {target!r}: the header is not plain JSON: {exc}") from None
    final, existing = _resolve_target(target)
    fd, tmp = _create_temp(final, target)
    try:
        with os.fdopen(fd, "wb") as raw:
            if existing is not None:  # a replaced file keeps its mode
                if hasattr(os, "fchmod"):
                    os.fchmod(raw.fileno(), stat.S_IMODE(existing.st_mode))
                else:
                    os.chmod(tmp, stat.S_IMODE(existing.st_mode))
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED) as zf:
                zf.writestr(HEADER, body)
                for name, arr in stored.items():
                    zf.writestr(f"arrays/{name}.npy", _array_bytes(arr))
            raw.flush()
            os.fsync(raw.fileno())
        if verify is not None:
            verify(tmp)
        os.replace(tmp, final)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _os_error(exc, target, "cannot save the model there") from None
        raise
    _sync_directory(os.path.dirname(final) or os.curdir)


def _sync_directory(directory: str) -> None:
    # Makes the rename itself durable. Not every system can open a folder (Windows cannot):
    # the file is complete either way.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------ reading
@dataclass(frozen=True)
class ModelFileContents:
    """What :func:`read` returns.

    Attributes
    ----------
    path : str
        The file, as the caller named it.
    version : int
        The file's format version.
    header : dict
        The header's fields, less ``format``, ``version`` and ``arrays``.
    arrays : dict of str to numpy.ndarray
        The arrays by name, in native byte order.
    """

    path: str
    version: int
    header: dict[str, Any]
    arrays: dict[str, np.ndarray]


def _check_limit(value: Any, name: str, integer: bool) -> None:
    # numbers.Integral / Real take NumPy's scalars too (np.int64(2**30) is a fine limit)
    kinds = (numbers.Integral,) if integer else (numbers.Integral, numbers.Real)
    if isinstance(value, bool | np.bool_) or not isinstance(value, kinds) or not float(value) > 0:
        expected = "a positive int" if integer else "a positive number"
        raise ValueError(f"{name}={value!r} is not valid: expected {expected}")


def read(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO,
) -> ModelFileContents:
    """Read and check a model file's header and arrays, within limits.

    Parameters
    ----------
    path : path-like
    max_bytes : int, default DEFAULT_MAX_BYTES
        The most bytes the members may declare, each and all together (shape × itemsize for
        arrays). Raise it for a model you trust that is larger.
    max_compression_ratio : float, default DEFAULT_MAX_COMPRESSION_RATIO
        The most a member over 1 MiB may inflate.

    Returns
    -------
    ModelFileContents

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError
        When ``path`` is missing, a directory, or unreadable.
    ValueError
        When ``path`` is longer than the file system allows.
    ModelFileError
        When the file is not a regular file, not a model file, of an unknown version,
        corrupt, over a limit, or its arrays do not match its header.
    """
    source = _user_path(path)
    _check_limit(max_bytes, "max_bytes", integer=True)
    _check_limit(max_compression_ratio, "max_compression_ratio", integer=False)
    try:
        st = os.stat(source)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "no such model file", source) from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise _name_too_long(source, written=False) from None
        raise
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(
            errno.EISDIR, "is a directory, not a model file: pass the file's path", source
        )
    if not stat.S_ISREG(st.st_mode):
        _error(source, None, f"{_kind(st.st_mode)}, not a model file (a regular file)")
    with open(source, "rb") as fh:
        try:
            with zipfile.ZipFile(fh) as zf:
                return _read_zip(zf, source, int(max_bytes), float(max_compression_ratio))
        except ModelFileError:
            raise
        # What zipfile, zlib and struct raise on a damaged archive: a bad signature, a
        # seek before the start, a short read, a bad CRC or deflate stream, a bad name.
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            ValueError,
            struct.error,
            OverflowError,
            NotImplementedError,
        ) as exc:
            _error(source, None, f"truncated or corrupt model file ({type(exc).__name__}: {exc})")


def _read_zip(
    zf: zipfile.ZipFile, source: str, max_bytes: int, max_ratio: float
) -> ModelFileContents:
    infos = zf.infolist()
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if name in seen:
            _error(source, name, "the archive holds this member twice")
        seen.add(name)
        if name != HEADER and not _ARRAY_MEMBER.fullmatch(name):
            _error(
                source, name, "unexpected member: a model file holds header.json and arrays/*.npy"
            )
        if info.flag_bits & 0x1:
            _error(source, name, "the member is encrypted; model files are never encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _error(
                source,
                name,
                f"compression method {info.compress_type} is not supported "
                "(stored or deflated only)",
            )
        total += info.file_size
        if total > max_bytes:
            _error(
                source,
                name,
                f"the members declare {total} bytes or more, over the limit of max_bytes="
                f"{max_bytes}; if you trust this file, load it with a larger max_bytes",
            )
        if info.file_size > _RATIO_FLOOR and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            _error(
                source,
                name,
                f"{info.compress_size} compressed bytes declare {info.file_size} bytes, a "
                f"ratio over the limit max_compression_ratio={max_ratio:g}; if you trust this "
                "file, load it with a larger max_compression_ratio",
            )
    if HEADER not in seen:
        _error(source, None, "not an nnbackend model (no header.json)")
    header, version, manifest = _read_header(zf, source)
    if manifest is not None:
        listed = sum(math.prod(shape) * np.dtype(d).itemsize for d, shape in manifest.values())
        if listed > max_bytes:
            _error(
                source,
                "arrays",
                f"the arrays listed declare {listed} bytes, over the limit of max_bytes="
                f"{max_bytes}; if you trust this file, load it with a larger max_bytes",
            )
    arrays: dict[str, np.ndarray] = {}
    declared = 0
    for info in infos:
        match = _ARRAY_MEMBER.fullmatch(info.filename)
        if match is None:
            continue
        name = match.group(1)
        expected = None
        if manifest is not None:
            if name not in manifest:
                _error(source, info.filename, "not listed in the header's arrays")
            expected = manifest[name]
        arrays[name], nbytes = _read_npy(zf, info, source, max_bytes - declared, expected)
        declared += nbytes
    if manifest is not None:
        for name in manifest:
            if name not in arrays:
                _error(source, f"arrays/{name}.npy", "listed in the header but missing")
    return ModelFileContents(source, version, header, arrays)


def _json_depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        if depth > _MAX_JSON_DEPTH:
            return depth
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
    return depth


class _DuplicateKeyError(Exception):
    """A JSON object of the header names one key twice."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of a repeated key: a header that says two things is refused instead
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key)
        out[key] = value
    return out


def _read_header(
    zf: zipfile.ZipFile, source: str
) -> tuple[dict[str, Any], int, dict[str, tuple[str, tuple[int, ...]]] | None]:
    data = zf.read(HEADER)
    try:
        header = json.loads(data, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError as exc:
        _error(source, HEADER, f"the key {_show.repr(exc.args[0])} appears twice in one object")
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad JSON, bad UTF-8 and over-long integers.
        _error(source, HEADER, f"not valid JSON ({type(exc).__name__}: {_show.repr(str(exc))})")
    if not isinstance(header, dict):
        _error(source, HEADER, f"expected a JSON object, got {type(header).__name__}")
    if _json_depth(header) > _MAX_JSON_DEPTH:
        _error(source, HEADER, f"nested deeper than {_MAX_JSON_DEPTH} levels")
    if header.get("format") != FORMAT:
        _error(
            source,
            "format",
            f"not an nnbackend model (format {_show.repr(header.get('format'))}, "
            f"expected {FORMAT!r})",
        )
    version = header.get("version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        _error(
            source,
            "version",
            f"model format version {_show.repr(version)} is not supported (this nnbackend "
            f"reads versions {', '.join(map(str, READABLE_VERSIONS))})",
        )
    manifest = None
    if version >= 2 or "arrays" in header:
        manifest = _read_manifest(header.get("arrays"), source)
    fields = {k: v for k, v in header.items() if k not in ("format", "version", "arrays")}
    return fields, version, manifest


def _read_manifest(value: Any, source: str) -> dict[str, tuple[str, tuple[int, ...]]]:
    if not isinstance(value, dict):
        _error(
            source, "arrays", f"expected an object of array descriptions, got {_show.repr(value)}"
        )
    manifest = {}
    for name, entry in value.items():
        field = f"arrays.{name}"
        if not _ARRAY_NAME.fullmatch(name):
            _error(source, field, "not a valid array name")
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape"}:
            _error(
                source, field, f"expected {{'dtype': ..., 'shape': [...]}}, got {_show.repr(entry)}"
            )
        dtype, shape = entry["dtype"], entry["shape"]
        if not isinstance(dtype, str) or not _DESCR.fullmatch(dtype):
            _error(source, f"{field}.dtype", f"{_show.repr(dtype)} is not an allowed dtype")
        if not (
            isinstance(shape, list)
            and shape
            and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape)
        ):
            _error(source, f"{field}.shape", f"{_show.repr(shape)} is not a shape")
        manifest[name] = (dtype, tuple(shape))
    return manifest


def _npy_header(fh: Any, source: str, field: str) -> tuple[str, bool, tuple[int, ...]]:
    # Parsed here rather than by numpy.lib.format: strictly (only what nnbackend writes),
    # within a small bound, and without numpy's warnings about Python 2 headers.
    magic = fh.read(8)
    if len(magic) != 8 or magic[:6] != b"\x93NUMPY" or magic[6:] not in (b"\x01\x00", b"\x02\x00"):
        _error(source, field, "not a .npy array (or a .npy version other than 1.0 and 2.0)")
    size_format = "<H" if magic[6] == 1 else "<I"
    raw_size = fh.read(struct.calcsize(size_format))
    if len(raw_size) != struct.calcsize(size_format):
        _error(source, field, "the .npy header is cut short")
    (size,) = struct.unpack(size_format, raw_size)
    if size > _MAX_NPY_HEADER:
        _error(source, field, f"the .npy header declares {size} bytes (at most {_MAX_NPY_HEADER})")
    text = fh.read(size)
    if len(text) != size:
        _error(source, field, "the .npy header is cut short")
    try:
        meta = ast.literal_eval(text.decode("latin1"))
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError) as exc:
        _error(source, field, f"unreadable .npy header ({type(exc).__name__})")
    if not isinstance(meta, dict) or set(meta) != {"descr", "fortran_order", "shape"}:
        _error(
            source, field, f"the .npy header {_show.repr(meta)} is not descr/fortran_order/shape"
        )
    descr, fortran, shape = meta["descr"], meta["fortran_order"], meta["shape"]
    if not isinstance(descr, str) or not _DESCR.fullmatch(descr):
        _error(
            source,
            field,
            f"dtype {_show.repr(descr)} is not allowed: a model file holds little-endian "
            "booleans, integers, floats and fixed-width strings, never objects",
        )
    if fortran is not False:
        _error(source, field, f"fortran_order={_show.repr(fortran)}: arrays are stored in C order")
    if not (
        isinstance(shape, tuple)
        and 1 <= len(shape) <= 8
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape)
    ):
        _error(source, field, f"shape {_show.repr(shape)} is not a shape of 1 to 8 dimensions")
    return descr, fortran, shape


def _read_npy(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    source: str,
    budget: int,
    expected: tuple[str, tuple[int, ...]] | None,
) -> tuple[np.ndarray, int]:
    field = info.filename
    with zf.open(info) as opened:
        fh = cast(zipfile.ZipExtFile, opened)  # typed IO[bytes], but has readinto and tell
        descr, _, shape = _npy_header(fh, source, field)
        if expected is not None and (descr, shape) != expected:
            _error(
                source,
                field,
                f"the array is {descr} of shape {shape}, but the header lists "
                f"{expected[0]} of shape {expected[1]}",
            )
        dtype = np.dtype(descr)
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > budget:
            _error(
                source,
                field,
                f"shape {shape} of {descr} declares {nbytes} bytes, over what is left of "
                "the limit max_bytes; if you trust this file, load it with a larger max_bytes",
            )
        body = info.file_size - fh.tell()
        if nbytes != body:
            _error(
                source,
                field,
                f"shape {shape} of {descr} declares {nbytes} bytes, but the member holds {body}",
            )
        buffer = bytearray(nbytes)
        view, filled = memoryview(buffer), 0
        while filled < nbytes:
            got = fh.readinto(view[filled:])
            if not got:
                _error(source, field, "the array data is cut short")
            filled += got
        fh.read()  # reaching the end checks the member's CRC
    arr = np.frombuffer(buffer, dtype=dtype).reshape(shape)
    if dtype.kind == "b":
        arr = arr.view(np.uint8) != 0  # any other byte than 0/1 is not a bool numpy knows
    elif dtype.kind == "U" and arr.size and int(arr.view(np.uint32).max()) > 0x10FFFF:
        _error(source, field, "the strings hold an invalid code point")
    elif dtype.byteorder == "<" and not dtype.isnative:
        arr = arr.astype(dtype.newbyteorder("="))
    return arr, nbytes
