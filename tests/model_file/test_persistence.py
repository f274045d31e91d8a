"""Model files: the format module, atomic saves, load limits, validation, typed labels, and a
property test that damages valid files at random (issue 13, items 1-6; issue 11's layering)."""

from __future__ import annotations

import ast
import copy
import decimal
import errno
import io
import json
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import nnbackend
from helpers import blobs as _blobs
from helpers import host as _np
from nnbackend import datasets, model_file
from nnbackend import model_file as persistence
from nnbackend.core.activations import HIDDEN_ACTIVATIONS
from nnbackend.errors import ModelFileError

SRC = Path(nnbackend.__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data():
    return _blobs()


@pytest.fixture(scope="module")
def binary_net(data):
    """A 2-class network: W1 (5, 4), b1 (5, 1), W2 (1, 5), b2 (1, 1), int classes [0, 1]."""
    X, y = data
    return nnbackend.NeuralNetworkClassifier(
        (5,), activation="tanh", max_iter=20, random_state=0
    ).fit(X, (y == 0).astype(np.int64))


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(model_file.TEMP_SUFFIX))


# ---------------------------------------------------------------------- editing model files
def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _central_entries(blob: bytes, name: str) -> list[int]:
    found, at = [], blob.find(b"PK\x01\x02")
    while at != -1:
        (name_length,) = struct.unpack_from("<H", blob, at + 28)
        if blob[at + 46 : at + 46 + name_length] == name.encode():
            found.append(at)
        at = blob.find(b"PK\x01\x02", at + 4)
    assert found, f"{name} not in the central directory"
    return found


def _raw_npy(descr: str, shape: tuple, payload: bytes) -> bytes:
    # A .npy member as anyone could write it, whatever it declares.
    text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode() + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + payload


def _zip(path, members, compression=zipfile.ZIP_STORED, encrypted=()):
    """Write ``members`` ({name: bytes} or [(name, bytes)]) as a zip, duplicates allowed.

    Members named in ``encrypted`` get the "encrypted" flag (their data stays as it is).
    """
    items = members.items() if isinstance(members, dict) else members
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names, on purpose here
        with zipfile.ZipFile(out, "w", compression=compression) as zf:
            for name, body in items:
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = compression
                zf.writestr(info, body)
    blob = bytearray(out.getvalue())
    for name in encrypted:  # zipfile clears the flag when writing: set it in both headers
        with zipfile.ZipFile(io.BytesIO(bytes(blob))) as zf:
            offsets = [i.header_offset for i in zf.infolist() if i.filename == name]
        for offset in offsets:
            blob[offset + 6] |= 0x1
        for entry in _central_entries(bytes(blob), name):
            blob[entry + 8] |= 0x1
    if isinstance(path, io.BytesIO):
        path.write(bytes(blob))
    else:
        path.write_bytes(bytes(blob))
    return path


def _edit(src: Path, dst: Path, header=None, arrays=None, manifest=True) -> Path:
    """A copy of ``src`` with its header changed by ``header(h)`` and arrays replaced.

    ``arrays`` maps names to a new array, or None to drop it; the header's array list follows
    unless ``manifest`` is False, so that the estimator's own checks are reached.
    """
    members = _members(src)
    head = json.loads(members["header.json"])
    for name, array in (arrays or {}).items():
        members.pop(f"arrays/{name}.npy", None)
        if manifest:
            head["arrays"].pop(name, None)
        if array is not None:
            members[f"arrays/{name}.npy"] = _npy(array)
            if manifest:
                head["arrays"][name] = {"dtype": array.dtype.str, "shape": list(array.shape)}
    if header is not None:
        header(head)
    members["header.json"] = json.dumps(head).encode()
    return _zip(dst, members)


# ---------------------------------------------------------------------- 1. what is at the path
def test_save_through_a_symlink_writes_its_target(tmp_path, binary_net, data):
    X, _ = data
    real = tmp_path / "real.nnb"
    real.write_bytes(b"an older model")
    real.chmod(0o640)
    link = tmp_path / "link.nnb"
    link.symlink_to("real.nnb")  # relative, as people make them
    chain = tmp_path / "chain.nnb"
    chain.symlink_to(link)
    binary_net.save(chain)
    assert chain.is_symlink() and link.is_symlink()
    assert os.readlink(link) == "real.nnb"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    np.testing.assert_array_equal(nnbackend.load(real).predict(X), binary_net.predict(X))
    # a dangling symlink is written through too, as open() would: its target is created
    dangling = tmp_path / "dangling.nnb"
    dangling.symlink_to(tmp_path / "new.nnb")
    nnbackend.save(binary_net, dangling)
    assert dangling.is_symlink() and (tmp_path / "new.nnb").is_file()
    assert _temps(tmp_path) == []


def _mknod_char_device(path: Path) -> bool:
    # The same node as /dev/full (1, 7), made in a scratch folder: the test never touches
    # /dev itself, even if the code under test regressed.
    if not hasattr(os, "mknod") or os.geteuid() != 0:
        return False
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except OSError:
        return False
    return True


def test_save_refuses_a_target_that_is_not_a_regular_file(tmp_path, binary_net):
    folder = tmp_path / "folder.nnb"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match=r"over a directory: '.*folder\.nnb'"):
        binary_net.save(folder)
    assert folder.is_dir()
    fifo = tmp_path / "fifo.nnb"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"path='.*fifo\.nnb' is a FIFO.*regular file"):
        binary_net.save(fifo)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    to_folder = tmp_path / "to-folder.nnb"
    to_folder.symlink_to(folder)
    with pytest.raises(IsADirectoryError, match="symlink's target"):
        binary_net.save(to_folder)
    loop = tmp_path / "loop.nnb"
    loop.symlink_to(tmp_path / "loop2.nnb")
    (tmp_path / "loop2.nnb").symlink_to(loop)
    with pytest.raises(ValueError, match="a symlink loop"):
        binary_net.save(loop)
    device = tmp_path / "full"
    if _mknod_char_device(device):  # as root, where m.save("/dev/full") used to clobber it
        with pytest.raises(ValueError, match=r"'.*full' is a character device"):
            binary_net.save(device)
        assert stat.S_ISCHR(device.lstat().st_mode)
    assert _temps(tmp_path) == []


# ---------------------------------------------------------------------- 2. file modes
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_honours_the_umask(tmp_path, binary_net, umask):
    old = os.umask(umask)
    try:
        binary_net.save(tmp_path / "model.nnb")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "model.nnb").stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_a_replaced_file_keeps_its_mode(tmp_path, binary_net, mode):
    path = tmp_path / "model.nnb"
    binary_net.save(path)
    path.chmod(mode)
    old = os.umask(0o077)  # the umask applies to new files only
    try:
        binary_net.save(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode


# ---------------------------------------------------------------------- 3. messages, orphans
def _assert_names_only_the_users_path(exc: BaseException, path: str) -> None:
    message = str(exc)
    assert path in message, message
    assert model_file.TEMP_SUFFIX not in message and ".tmp" not in message, message
    assert exc.__cause__ is None or model_file.TEMP_SUFFIX not in str(exc.__cause__)


def test_save_errors_name_the_users_path_never_the_temporary_file(tmp_path, binary_net):
    missing = str(tmp_path / "no-such-folder" / "model.nnb")
    with pytest.raises(FileNotFoundError, match="does not exist") as info:
        binary_net.save(missing)
    _assert_names_only_the_users_path(info.value, missing)
    assert info.value.filename == missing
    with pytest.raises(ValueError, match="path='' is not valid"):
        binary_net.save("")
    with pytest.raises(TypeError, match="path=3 is not valid"):
        nnbackend.save(binary_net, 3)
    if Path("/proc/self").exists():
        with pytest.raises(OSError) as info:
            binary_net.save("/proc/nnbackend-test.nnb")
        _assert_names_only_the_users_path(info.value, "/proc/nnbackend-test.nnb")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(PermissionError) as info:
            binary_net.save(locked / "model.nnb")
        _assert_names_only_the_users_path(info.value, str(locked / "model.nnb"))
    assert _temps(tmp_path) == []


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_save_removes_its_temporary_file_and_keeps_the_old_one(
    tmp_path, binary_net, monkeypatch, failing
):
    path = tmp_path / "model.nnb"
    path.write_bytes(b"the previous model")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(model_file.container.os, failing, disk_full)
    with pytest.raises(OSError, match="No space left on device") as info:
        binary_net.save(path)
    monkeypatch.undo()
    _assert_names_only_the_users_path(info.value, str(path))
    assert path.read_bytes() == b"the previous model"
    assert _temps(tmp_path) == []


def test_a_killed_save_leaves_an_orphan_that_is_easy_to_find(tmp_path, binary_net, data):
    path = tmp_path / "model.nnb"
    binary_net.save(path)
    before = path.read_bytes()
    started = tmp_path / "started"
    script = f"""
import time
import numpy as np
import nnbackend
model = nnbackend.load({str(path)!r})
def stall(*args, **kwargs):
    open({str(started)!r}, "w").close()
    time.sleep(120)
np.lib.format.write_array = stall
model.save({str(path)!r})
"""
    env = dict(os.environ, PYTHONPATH=str(SRC), NNBACKEND="numpy")
    env.pop("NNBACKEND_DEVICE", None)
    child = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert child.poll() is None, "the saving process ended early"
            assert time.monotonic() < deadline, "the saving process never started writing"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)  # kill -9: nothing in the process can clean up
    finally:
        child.kill()
        child.wait()
    orphans = sorted(p.name for p in tmp_path.glob(".*" + model_file.TEMP_SUFFIX))
    assert len(orphans) == 1, orphans
    assert re.fullmatch(
        rf"\.model\.nnb\.{child.pid}-[0-9a-f]{{8}}\.nnbackend-partial", orphans[0]
    ), orphans
    assert path.read_bytes() == before  # the earlier model is intact
    np.testing.assert_array_equal(
        nnbackend.load(path).predict(data[0]), binary_net.predict(data[0])
    )


# ---------------------------------------------------------------------- 4. load limits


def _declare_size(path: Path, name: str, size: int) -> None:
    # A member whose directory entry claims `size` uncompressed bytes: what a zip bomb shows.
    blob = bytearray(path.read_bytes())
    struct.pack_into("<I", blob, _central_entries(bytes(blob), name)[0] + 24, size)
    path.write_bytes(bytes(blob))


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_load_refuses_a_member_that_declares_gigabytes_before_inflating_it(tmp_path, binary_net):
    path = tmp_path / "bomb.nnb"
    binary_net.save(path)
    _edit(path, path)  # a plain copy, then the W1 entry claims 3.2 GB, as the bomb's did
    _declare_size(path, "arrays/W1.npy", 3_200_000_000)

    def load():
        with pytest.raises(ModelFileError, match=r"bomb\.nnb: arrays/W1\.npy: .*max_bytes="):
            nnbackend.load(path)

    assert _peak_bytes(load) < 20 * 2**20
    with pytest.raises(ModelFileError, match="max_compression_ratio"):
        nnbackend.load(path, max_bytes=10**10)  # past the size limit, the ratio one holds


def test_load_refuses_an_array_header_that_declares_a_huge_shape(tmp_path, binary_net):
    path = tmp_path / "model.nnb"
    binary_net.save(path)
    members = _members(path)
    members["arrays/W1.npy"] = _raw_npy("<f8", (10**12,), b"\0" * 8)
    # Listed as it declares itself: the sum of the listed arrays is over the limit.
    listed = json.loads(members["header.json"])
    listed["arrays"]["W1"] = {"dtype": "<f8", "shape": [10**12]}
    with_manifest = _zip(tmp_path / "listed.nnb", {**members, "header.json": json.dumps(listed)})
    # A version 1 file has no list: the array's own header is checked before reading it.
    unlisted = copy.deepcopy(listed)
    del unlisted["arrays"]
    unlisted["version"] = 1
    without = _zip(tmp_path / "v1.nnb", {**members, "header.json": json.dumps(unlisted)})

    def load_both():
        with pytest.raises(ModelFileError, match=r"listed\.nnb: arrays: .* declare \d{13} bytes"):
            nnbackend.load(with_manifest)
        with pytest.raises(ModelFileError, match=r"v1\.nnb: arrays/W1\.npy: .*max_bytes"):
            nnbackend.load(without)

    assert _peak_bytes(load_both) < 20 * 2**20  # no MemoryError, nothing allocated


def test_load_refuses_a_high_compression_ratio(tmp_path, binary_net):
    path = tmp_path / "model.nnb"
    binary_net.save(path)
    zeros = np.zeros(2**19)  # 4 MiB that deflate to a few kB
    bomb = _edit(path, tmp_path / "bomb.nnb", arrays={"W1": zeros})
    _zip(bomb, _members(bomb), compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(
        ModelFileError, match=r"bomb\.nnb: arrays/W1\.npy: .*max_compression_ratio=100"
    ):
        nnbackend.load(bomb)
    # Raised, the ratio limit lets it through to the model's own checks.
    with pytest.raises(ModelFileError, match=r"arrays/W1\.npy: shape \(524288,\)"):
        nnbackend.load(bomb, max_compression_ratio=10**6)


def test_the_size_limit_can_be_raised(tmp_path, binary_net, data):
    path = tmp_path / "model.nnb"
    binary_net.save(path)
    with pytest.raises(ModelFileError, match=r"max_bytes=1000; .*load it with a larger max_bytes"):
        nnbackend.load(path, max_bytes=1000)
    loaded = persistence.load(path, max_bytes=path.stat().st_size * 2)
    np.testing.assert_array_equal(loaded.predict(data[0]), binary_net.predict(data[0]))
    # NumPy's integers are limits too; bools and non-positive values are not
    loaded = persistence.load(path, max_bytes=np.int64(path.stat().st_size * 2))
    np.testing.assert_array_equal(loaded.predict(data[0]), binary_net.predict(data[0]))
    for bad in (True, np.bool_(True), 0, -5, 2.5):
        with pytest.raises(ValueError, match=r"max_bytes=.* is not valid: expected a positive int"):
            nnbackend.load(path, max_bytes=bad)
    for bad in (0, -1, 1.5, True, "1e9"):
        with pytest.raises(ValueError, match=r"max_bytes=.* is not valid"):
            nnbackend.load(path, max_bytes=bad)
    with pytest.raises(ValueError, match=r"max_compression_ratio=0 is not valid"):
        nnbackend.load(path, max_compression_ratio=0)


# ---------------------------------------------------------------------- 5. validation
def _set(path, value):
    def change(head):
        *parents, last = path
        node = head
        for key in parents:
            node = node[key]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value

    return change


_DELETE = object()
_W1 = np.ones((5, 4))


@pytest.mark.parametrize(
    ("header", "arrays", "field"),
    [
        # raw exceptions before: KeyError, TypeError, IndexError
        (_set(("fitted", "hidden"), _DELETE), None, r"fitted\.hidden: missing"),
        (_set(("fitted", "n_iter_"), _DELETE), None, r"fitted\.n_iter_: missing"),
        (_set(("params",), [1, 2]), None, r"params: expected an object"),
        (_set(("fitted", "n_layers"), 0), None, r"fitted\.n_layers: expected an int >= 1"),
        (_set(("fitted", "n_layers"), -1), None, r"fitted\.n_layers: expected an int >= 1"),
        (_set(("fitted", "n_layers"), 3), None, r"arrays/W3\.npy: missing"),
        (_set(("fitted", "n_layers"), 1), None, r"arrays/W1\.npy: 5 outputs for 2 classes"),
        (_set(("fitted", "n_layers"), "2"), None, r"fitted\.n_layers: expected an int"),
        # files that loaded, then failed or lied at predict
        (None, {"W2": np.ones((1, 4))}, r"arrays/W2\.npy: shape \(1, 4\), expected \(n2, 5\)"),
        (None, {"W1": np.ones(4)}, r"arrays/W1\.npy: shape \(4,\)"),
        (None, {"b1": np.ones((1, 5))}, r"arrays/b1\.npy: shape \(1, 5\), expected \(5, 1\)"),
        (None, {"b1": np.ones(5)}, r"arrays/b1\.npy: shape \(5,\)"),
        (None, {"classes": None}, r"arrays/classes\.npy: missing"),
        (None, {"classes": np.array([0, 1, 2])}, r"fitted\.output: 'sigmoid' with 3 classes"),
        (None, {"W1": np.ones((5, 4), dtype=np.int64)}, r"arrays/W1\.npy: dtype int64"),
        (None, {"W1": np.ones((5, 4), dtype=complex)}, r"arrays\.W1\.dtype: '<c16' is not"),
        (None, {"W2": np.full((1, 5), np.nan)}, r"arrays/W2\.npy: holds NaN"),
        (None, {"b2": np.full((1, 1), np.inf)}, r"arrays/b2\.npy: holds NaN or infinity"),
        (_set(("fitted", "n_features_in_"), "3"), None, r"fitted\.n_features_in_: expected an int"),
        (_set(("fitted", "n_features_in_"), 3), None, r"arrays/W1\.npy: .*n_features_in_"),
        # and the rest of the structure
        (None, {"b1": np.ones((5, 1), np.float32)}, r"arrays/b1\.npy: dtype float32, but W1"),
        (None, {"W1": _W1.astype(">f8")}, r"arrays\.W1\.dtype: '>f8' is not"),
        (None, {"classes": np.array([1, 0])}, r"arrays/classes\.npy: .*not sorted and unique"),
        (None, {"classes": np.array([[0, 1]])}, r"arrays/classes\.npy: shape \(1, 2\)"),
        (None, {"classes": np.array([0.0, np.nan])}, r"arrays/classes\.npy: holds NaN"),
        (None, {"W3": np.ones((1, 1))}, r"arrays/W3\.npy: unexpected array"),
        (_set(("fitted", "classes"), [0, 1]), None, r"fitted\.classes: the classes are also in"),
        (_set(("fitted", "hidden"), "swish"), None, r"fitted\.hidden: expected one of"),
        (_set(("fitted", "output"), "softmax"), None, r"fitted\.output: 'softmax' with 2 classes"),
        (_set(("fitted", "output"), "identity"), None, r"fitted\.output: expected one of"),
        (_set(("fitted", "n_iter_"), True), None, r"fitted\.n_iter_: expected an int, got True"),
        (_set(("fitted", "loss_curve_", 3), "0.5"), None, r"fitted\.loss_curve_\[3\]: expected a"),
        (_set(("fitted", "loss_curve_", 0), float("nan")), None, r"fitted\.loss_curve_\[0\]"),
        (_set(("fitted", "n_iter_"), 10**6), None, r"fitted\.n_iter_: 1000000 iterations, but"),
        (_set(("fitted", "bogus"), 1), None, r"fitted\.bogus: unexpected field"),
        (_set(("bogus",), 1), None, r"bogus: unexpected field"),
        (_set(("params", "bogus"), 1), None, r"params\.bogus: unexpected field"),
        (_set(("params", "learning_rate"), -1), None, r"params\.learning_rate: learning_rate=-1 "),
        (_set(("params", "random_state"), "x"), None, r"params\.random_state: expected an int"),
        # issue 21, item 3: parameters that fit would refuse, or that contradict the weights
        (_set(("params", "random_state"), -5), None, r"params\.random_state: random_state=-5 "),
        (_set(("params", "n_iter_no_change"), 0), None, r"params\.n_iter_no_change: .*>= 1"),
        (_set(("params", "validation_fraction"), 1), None, r"params\.validation_fraction: "),
        (_set(("params", "warm_start"), 1), None, r"params\.warm_start: .*True or False"),
        (_set(("params", "verbose"), "yes"), None, r"params\.verbose: verbose='yes' is not"),
        (_set(("params", "hidden_layer_sizes"), [10**12]), None, r"params\.hidden_layer_sizes: "),
        (_set(("params", "hidden_layer_sizes"), [5, 5]), None, r"hidden_layer_sizes: .*\(5,\)"),
        (_set(("params", "activation"), "relu"), None, r"params\.activation: 'relu', but .*tanh"),
        # issue 21, item 4: integers too large for a float (or for a count) anywhere
        (_set(("params", "learning_rate"), 10**400), None, r"params\.learning_rate: .*too large"),
        (_set(("params", "alpha"), 10**400), None, r"params\.alpha: .*too large for a float"),
        (_set(("params", "tol"), -(10**400)), None, r"params\.tol: tol=-<an int of about 401"),
        (_set(("params", "max_iter"), 10**400), None, r"params\.max_iter: .*at most 2\*\*63"),
        (_set(("params", "hidden_layer_sizes"), [10**400]), None, r"params\.hidden_layer_s"),
        (_set(("fitted", "loss_curve_", 0), 10**400), None, r"fitted\.loss_curve_\[0\]: expe"),
        (_set(("fitted", "loss_curve_"), [10**400] * 20), None, r"fitted\.loss_curve_\[0\]"),
        (_set(("fitted", "best_loss_"), 10**400), None, r"fitted\.best_loss_\[0\]: expected"),
        (_set(("fitted", "n_iter_"), 10**400), None, r"fitted\.n_iter_: expected an int of at"),
        (_set(("fitted", "n_layers"), 10**400), None, r"fitted\.n_layers: expected an int of"),
        (_set(("fitted", "n_features_in_"), 10**400), None, r"fitted\.n_features_in_: expec"),
        (_set(("params", "activation"), {"a": 1}), None, r"params\.activation: expected a"),
        (_set(("estimator",), "Pipeline"), None, r"estimator: no estimator 'Pipeline'"),
        (_set(("estimator",), ["x"]), None, r"estimator: no estimator \['x'\]"),
        (_set(("arrays", "W1", "shape"), [5, 3]), None, r"arrays/W1\.npy: .*header lists"),
        (
            _set(("arrays", "W9"), {"dtype": "<f8", "shape": [1]}),
            None,
            r"W9\.npy: listed .*missing",
        ),
        (_set(("arrays",), [1]), None, r"arrays: expected an object"),
        (_set(("version",), True), None, r"version: model format version True"),
        (_set(("format",), None), None, r"format: not an nnbackend model"),
    ],
)
def test_load_validates_the_whole_model(tmp_path, binary_net, header, arrays, field):
    good = tmp_path / "good.nnb"
    binary_net.save(good)
    bad = _edit(good, tmp_path / "bad.nnb", header=header, arrays=arrays)
    with pytest.raises(ModelFileError, match=re.escape(str(bad)) + ": .*" + field) as info:
        nnbackend.load(bad)
    assert info.value.path == str(bad)
    assert info.value.field and info.value.field in str(info.value)


def test_load_refuses_deep_json_and_encrypted_members(tmp_path, binary_net):
    good = tmp_path / "good.nnb"
    binary_net.save(good)
    members = _members(good)
    head = members["header.json"].decode()
    for depth, message in ((100_000, "not valid JSON .*RecursionError"), (40, "nested deeper")):
        deep = head.replace('"verbose": false', '"verbose": ' + "[" * depth + "]" * depth)
        bad = _zip(tmp_path / "deep.nnb", {**members, "header.json": deep})
        with pytest.raises(ModelFileError, match=r"deep\.nnb: header\.json: " + message):
            nnbackend.load(bad)
    locked = _zip(tmp_path / "locked.nnb", members, encrypted=["arrays/W1.npy"])
    with pytest.raises(ModelFileError, match=r"locked\.nnb: arrays/W1\.npy: .*encrypted"):
        nnbackend.load(locked)
    foreign = _zip(tmp_path / "foreign.nnb", {**members, "model.pkl": b"\x80\x04."})
    with pytest.raises(ModelFileError, match=r"foreign\.nnb: model\.pkl: unexpected member"):
        nnbackend.load(foreign)
    pickled = _zip(
        tmp_path / "pickled.nnb",
        {**members, "arrays/W1.npy": _raw_npy("|O", (1,), b"\x80\x04N.")},  # pickled None
    )
    with pytest.raises(ModelFileError, match=r"arrays/W1\.npy: dtype '\|O' is not allowed"):
        nnbackend.load(pickled)


def test_load_validates_the_regressor_and_logistic_regression(tmp_path, data):
    X, y = data
    reg = nnbackend.NeuralNetworkRegressor((3,), max_iter=5, random_state=0)
    reg.fit(X, np.stack([y, -y], axis=1).astype(float))
    good = tmp_path / "reg.nnb"
    reg.save(good)
    bad = _edit(good, tmp_path / "bad.nnb", header=_set(("fitted", "single_output"), True))
    with pytest.raises(ModelFileError, match=r"fitted\.single_output: true .* 2 outputs"):
        nnbackend.load(bad)
    bad = _edit(good, tmp_path / "bad.nnb", header=_set(("fitted", "single_output"), _DELETE))
    with pytest.raises(ModelFileError, match=r"fitted\.single_output: missing"):
        nnbackend.load(bad)
    logreg = tmp_path / "logreg.nnb"
    nnbackend.LogisticRegression(max_iter=5).fit(X, y).save(logreg)
    two_layers = _edit(
        logreg,
        tmp_path / "bad.nnb",
        header=_set(("fitted", "n_layers"), 2),
        arrays={"W2": np.ones((3, 3)), "b2": np.ones((3, 1))},
    )
    with pytest.raises(ModelFileError, match=r"fitted\.n_layers: LogisticRegression has 1 layer"):
        nnbackend.load(two_layers)


def test_load_names_a_directory_and_refuses_special_files(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory, not a model file"):
        nnbackend.load(tmp_path)
    fifo = tmp_path / "fifo.nnb"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match=r"fifo\.nnb: a FIFO, not a model file"):
        nnbackend.load(fifo)  # refused, never opened (which would block)
    with pytest.raises(FileNotFoundError, match=r"no such model file: '.*missing\.nnb'"):
        nnbackend.load(tmp_path / "missing.nnb")


def test_version_1_files_still_load(tmp_path, data):
    # As the first nnbackend wrote them: deflated, no array list, object labels as strings.
    X, y = data
    model = nnbackend.NeuralNetworkClassifier((5,), max_iter=10, random_state=0)
    model.fit(X, np.array(["a", "b", "c"])[y])
    path = tmp_path / "model.nnb"
    model.save(path)
    members = _members(path)
    head = json.loads(members["header.json"])
    del head["arrays"]
    head["version"] = 1
    old = _zip(
        tmp_path / "v1.nnb",
        {**members, "header.json": json.dumps(head, indent=1)},
        compression=zipfile.ZIP_DEFLATED,
    )
    loaded = nnbackend.load(old)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_allclose(_np(loaded.predict_proba(X)), _np(model.predict_proba(X)))


# ---------------------------------------------------------------------- 5b. every state saves
def _snapshot(model, X):
    return type(model), model.n_iter_, list(model.loss_curve_), _np(model.predict(X)).tolist()


def _assert_same_model(loaded, model, X):
    expected = model if isinstance(model, tuple) else _snapshot(model, X)
    assert _snapshot(loaded, X) == expected


def _partial_fits(cls, X, y, kwargs):
    model = cls(**kwargs).fit(X, y)
    model.partial_fit(X, y)
    return model.partial_fit(X, y)


def _warm_fits(cls, X, y, kwargs):
    return cls(warm_start=True, **kwargs).fit(X, y).fit(X, y)


def _load_then_warm(cls, X, y, kwargs, tmp_path):
    cls(**kwargs).fit(X, y).save(tmp_path / "first.nnb")
    model = nnbackend.load(tmp_path / "first.nnb")
    return model.set_params(warm_start=True).fit(X, y)


def _early_stopping_warm(cls, X, y, kwargs):
    model = cls(early_stopping=True, validation_fraction=0.2, **kwargs).fit(X, y)
    return model.set_params(warm_start=True).fit(X, y)


def _set_params_after_fit(cls, X, y, kwargs):
    # set_params changes the estimator, not the fitted model: the file records the fit's
    model = cls(**kwargs).fit(X, y)
    model.set_params(learning_rate=0.5)
    if "hidden_layer_sizes" in kwargs:
        model.set_params(hidden_layer_sizes=(9, 9), activation="sigmoid")
    return model


_NET, _REG, _LOGREG = (
    nnbackend.NeuralNetworkClassifier,
    nnbackend.NeuralNetworkRegressor,
    nnbackend.LogisticRegression,
)


@pytest.mark.parametrize(
    ("cls", "make"),
    [
        (_NET, _partial_fits),
        (_REG, _partial_fits),
        (_NET, _warm_fits),
        (_REG, _warm_fits),
        (_LOGREG, _warm_fits),
        (_NET, _load_then_warm),
        (_REG, _load_then_warm),
        (_LOGREG, _load_then_warm),
        (_NET, _early_stopping_warm),
        (_REG, _early_stopping_warm),
        (_NET, _set_params_after_fit),
        (_LOGREG, _set_params_after_fit),
    ],
)
def test_a_continued_model_saves_and_loads_back(tmp_path, data, cls, make):
    # Issue 21, item 1: these files were written over good ones, and load refused them.
    X, y = data
    kwargs = {"max_iter": 4, "tol": None, "random_state": 0}
    if cls is not _LOGREG:
        kwargs["hidden_layer_sizes"] = (4,)
    targets = y.astype(float) if cls is _REG else y
    args = (tmp_path,) if make is _load_then_warm else ()
    model = make(cls, X, targets, kwargs, *args)
    # n_iter_ counts the last call's iterations and the curve keeps them all, as scikit-learn's
    assert 1 <= model.n_iter_ < len(model.loss_curve_) or make is _set_params_after_fit
    model.save(tmp_path / "model.nnb")
    loaded = nnbackend.load(tmp_path / "model.nnb")
    _assert_same_model(loaded, model, X)
    if make is _set_params_after_fit:
        assert loaded.get_params()["learning_rate"] == (0.1 if cls is _LOGREG else 0.01)


def test_a_save_that_would_not_load_back_is_refused_and_keeps_the_old_file(
    tmp_path, binary_net, monkeypatch
):
    path = tmp_path / "model.nnb"
    binary_net.save(path)
    before = path.read_bytes()
    state, arrays = binary_net.to_state()
    broken = copy.deepcopy(state)
    broken["fitted"]["n_iter_"] = len(broken["fitted"]["loss_curve_"]) + 1
    monkeypatch.setattr(binary_net, "to_state", lambda: (broken, arrays))
    with pytest.raises(ModelFileError, match=r"would not load back") as info:
        binary_net.save(path)
    assert info.value.path == str(path) and info.value.field == "fitted.n_iter_"
    assert "nnbackend-partial" not in str(info.value)  # the user's path, not the temporary file
    assert path.read_bytes() == before and _temps(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "value", "plain"),
    [
        ("hidden_layer_sizes", np.array([3, 2]), (3, 2)),
        ("hidden_layer_sizes", range(2, 4), (2, 3)),
        ("hidden_layer_sizes", [np.int64(3)], (3,)),
        ("learning_rate", Fraction(1, 50), 0.02),
        ("alpha", Fraction(1, 100), 0.01),
        ("validation_fraction", Fraction(1, 5), 0.2),
        ("tol", np.float32(0.5), float(np.float32(0.5))),
        ("max_iter", np.int32(3), 3),
        ("dtype", np.dtype("float64"), "float64"),
        ("verbose", np.bool_(False), False),
        ("random_state", np.random.default_rng(0), None),
    ],
)
def test_fit_makes_hyperparameters_plain_for_the_file(tmp_path, data, name, value, plain):
    # Issue 21, item 2: fit took these and save failed on them ("not plain JSON").
    X, y = data
    kwargs = {"hidden_layer_sizes": (3,), "max_iter": 3, "tol": None, "random_state": 0}
    model = nnbackend.NeuralNetworkClassifier(**{**kwargs, name: value}).fit(X, y)
    assert model.get_params()[name] is value  # scikit-learn's clone checks identity
    model.save(tmp_path / "model.nnb")
    loaded = nnbackend.load(tmp_path / "model.nnb")
    got = loaded.get_params()[name]
    assert got == plain and type(got) is type(plain)
    assert _np(loaded.predict(X)).tolist() == _np(model.predict(X)).tolist()


# ---------------------------------------------------------------------- 5c. stateful: any sequence
class _FitSaveLoad(RuleBasedStateMachine):
    """Random sequences of fit, partial_fit, warm starts, early stopping, set_params, save and
    load: every model saved loads back predicting the same, with the same history."""

    library = "numpy"

    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="nnbackend-stateful-"))
        X, y = datasets.make_moons(40, noise=0.2, seed=1)
        self.X, self.labels = X, y
        self.curve = 0  # how long loss_curve_ must be
        self.saved = None

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(kind=st.sampled_from(["network", "regressor", "logistic"]), seed=st.integers(0, 3))
    def make(self, kind, seed):
        self.kind = kind
        kwargs = {"max_iter": 2, "tol": None, "random_state": seed}
        if kind == "logistic":
            self.model = _LOGREG(**kwargs)
        else:
            self.model = (_NET if kind == "network" else _REG)(hidden_layer_sizes=(3,), **kwargs)
        self.y = self.labels if kind != "regressor" else self.labels * 2.0 - 0.5

    def _fitted(self):
        return hasattr(self.model, "n_iter_")

    def _call(self, method, continuing, **kwargs):
        # A continued fit over other layer sizes is refused, and changes nothing.
        before = list(self.model.loss_curve_) if self._fitted() else None
        try:
            with nnbackend.use_backend(self.library):
                getattr(self.model, method)(self.X, self.y, **kwargs)
        except ValueError as exc:
            assert continuing and "layer sizes" in str(exc), exc
            assert list(self.model.loss_curve_) == before
            return
        self.curve = (self.curve if continuing else 0) + self.model.n_iter_

    @rule(warm=st.booleans(), early=st.booleans(), max_iter=st.integers(1, 3))
    def fit(self, warm, early, max_iter):
        params = {"warm_start": warm, "max_iter": max_iter}
        if self.kind != "logistic":
            params["early_stopping"] = early
        self.model.set_params(**params)
        self._call("fit", warm and self._fitted())

    @precondition(lambda self: self.kind != "logistic")
    @rule()
    def partial_fit(self):
        first = not self._fitted()
        self.model.set_params(early_stopping=False)
        classes = {"classes": [0, 1]} if first and self.kind == "network" else {}
        self._call("partial_fit", not first, **classes)

    @precondition(lambda self: self.kind != "logistic")
    @rule(
        sizes=st.sampled_from([(3,), [2, 2], np.array([3]), range(3, 4)]),
        learning_rate=st.sampled_from([0.01, Fraction(1, 50), np.float32(0.02)]),
    )
    def set_params(self, sizes, learning_rate):
        self.model.set_params(hidden_layer_sizes=sizes, learning_rate=learning_rate)

    @precondition(lambda self: self._fitted())
    @rule()
    def save(self):
        path = self.folder / "model.nnb"
        with nnbackend.use_backend(self.library):
            self.model.save(path)
            loaded = nnbackend.load(path)
        self.saved = (path, _snapshot(self.model, self.X))
        _assert_same_model(loaded, self.saved[1], self.X)

    @precondition(lambda self: self.saved is not None)
    @rule()
    def load(self):
        path, snapshot = self.saved
        with nnbackend.use_backend(self.library):
            self.model = nnbackend.load(path)
        _assert_same_model(self.model, snapshot, self.X)
        self.curve = len(snapshot[2])

    @invariant()
    def history_is_consistent(self):
        if self._fitted():
            assert len(self.model.loss_curve_) == self.curve
            assert 1 <= self.model.n_iter_ <= self.curve


@pytest.mark.parametrize("library", ["numpy", "torch"])
def test_any_sequence_of_fits_saves_and_loads_back(library):
    # Issue 21, item 1, on NumPy and on a compiled library; bounded to a few seconds each.
    pytest.importorskip(library)
    machine = type(f"FitSaveLoad_{library}", (_FitSaveLoad,), {"library": library})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=40,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# ---------------------------------------------------------------------- 6. labels keep their type
@pytest.mark.parametrize(
    "labels",
    [
        np.array([1, 2] * 20, dtype=object),  # the case: 0.625 before, 0.0 after
        np.array([1, 2, 3] * 20, dtype=object),
        np.array([10**30, -(10**30)] * 20, dtype=object),  # beyond int64
        np.array([1.0, 2.0] * 20, dtype=object),
        np.array([True, False] * 20, dtype=object),
        np.array(["cat", "dog"] * 20, dtype=object),
        np.array([1, 2] * 20, dtype=np.int32),
        np.array([1, 2] * 20, dtype=np.uint8),
        np.array([1.0, 2.0] * 20),
        np.array([True, False] * 20),
        np.array(["cat", "dog"] * 20),
        np.array([b"cat", b"dog"] * 20),
    ],
    ids=lambda a: f"{a.dtype}-{type(a[0]).__name__}",
)
def test_labels_keep_their_type_through_save_and_load(tmp_path, labels):
    X = datasets.make_blobs(labels.shape[0], centers=2, n_features=3, seed=1)[0]
    model = nnbackend.LogisticRegression(max_iter=30).fit(X, labels)
    model.save(tmp_path / "model.nnb")
    loaded = nnbackend.load(tmp_path / "model.nnb")
    assert loaded.score(X, labels) == model.score(X, labels)
    assert loaded.classes_.dtype == model.classes_.dtype
    assert [type(c) for c in loaded.classes_] == [type(c) for c in model.classes_]
    assert loaded.classes_.tolist() == model.classes_.tolist()
    predicted, expected = loaded.predict(X), model.predict(X)
    assert [type(p) for p in predicted] == [type(p) for p in expected]
    np.testing.assert_array_equal(predicted, expected)


def test_numpy_scalars_among_object_labels_come_back_as_python_values(tmp_path):
    labels = np.array([np.int64(4)] * 10 + [np.int64(6)] * 10, dtype=object)
    X = datasets.make_blobs(labels.shape[0], centers=2, n_features=3, seed=1)[0]
    model = nnbackend.LogisticRegression(max_iter=30).fit(X, labels)
    model.save(tmp_path / "model.nnb")
    loaded = nnbackend.load(tmp_path / "model.nnb")
    assert loaded.classes_.tolist() == [4, 6]
    assert [type(c) for c in loaded.classes_] == [int, int]
    assert loaded.score(X, labels) == model.score(X, labels)


@pytest.mark.parametrize(
    ("labels", "kind"),
    [
        (np.array([decimal.Decimal(1), decimal.Decimal(2)] * 10, dtype=object), "Decimal"),
        (np.array(["2020-01-01", "2021-01-01"] * 10, dtype="datetime64[D]"), "datetime64"),
    ],
)
def test_other_label_types_are_refused_at_save(tmp_path, labels, kind):
    X = datasets.make_blobs(labels.shape[0], centers=2, n_features=3, seed=1)[0]
    model = nnbackend.LogisticRegression(max_iter=5).fit(X, labels)
    with pytest.raises(TypeError, match=f"classes_ .*{kind}.*int, float, bool and str"):
        model.save(tmp_path / "model.nnb")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- layering (issue 11)
def _imports(module: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):  # function level too
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {n for n in names if n.startswith("nnbackend")}


def test_the_model_file_package_knows_no_estimator():
    package = SRC / "nnbackend" / "model_file"
    errors = {"nnbackend.errors", "nnbackend.errors.ModelFileError"}
    assert _imports(package / "container.py") == errors
    for name in _imports(package / "registry.py"):
        assert name.startswith(("nnbackend.errors", "nnbackend.model_file.container")), name
    for module in package.glob("*.py"):
        assert not {n for n in _imports(module) if n.startswith("nnbackend.estimators")}, module
    assert _imports(SRC / "nnbackend" / "estimators" / "state_checks.py") <= errors
    assert nnbackend.ModelFileError is persistence.ModelFileError is model_file.ModelFileError
    assert {"FORMAT", "VERSION", "ModelFileError", "load", "save"} <= set(persistence.__all__)
    assert (persistence.FORMAT, persistence.VERSION) == ("nnbackend.model", 2)


def test_estimators_register_themselves_and_only_registered_ones_are_saved(tmp_path, data):
    registered = model_file.registered_estimators()
    for name in ("LogisticRegression", "NeuralNetworkClassifier", "NeuralNetworkRegressor"):
        assert registered[name] is getattr(nnbackend, name)

    class Mine(nnbackend.LogisticRegression):
        pass

    model = Mine(max_iter=5).fit(*data)
    with pytest.raises(TypeError, match="Mine is not a registered estimator"):
        model.save(tmp_path / "mine.nnb")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(TypeError, match="it has no to_state"):
        model_file.register_estimator(type("Bare", (), {}))

    class LogisticRegression(nnbackend.LogisticRegression):  # the same name, another class
        pass

    with pytest.raises(ValueError, match="already name"):
        model_file.register_estimator(LogisticRegression)
    assert model_file.estimator_class("LogisticRegression") is nnbackend.LogisticRegression


def test_the_format_module_round_trips_any_header_and_arrays(tmp_path):
    arrays = {
        "weights": np.arange(6, dtype=np.float32).reshape(2, 3),
        "flags": np.array([True, False]),
        "names": np.array(["a", "bc"]),
        "big": np.arange(3, dtype=">i4"),  # stored little-endian
    }
    model_file.write(tmp_path / "f.nnb", {"anything": {"nested": [1, "x"]}}, arrays)
    contents = model_file.read(tmp_path / "f.nnb")
    assert contents.version == model_file.VERSION
    assert contents.header == {"anything": {"nested": [1, "x"]}}
    for name, array in arrays.items():
        np.testing.assert_array_equal(contents.arrays[name], array)
        assert contents.arrays[name].dtype == array.dtype.newbyteorder("=")
    with pytest.raises(ValueError, match="reserved"):
        model_file.write(tmp_path / "g.nnb", {"version": 3}, {})
    with pytest.raises(ValueError, match="dtype object"):
        model_file.write(tmp_path / "g.nnb", {}, {"x": np.array([None], dtype=object)})
    with pytest.raises(ValueError, match="array name '../x'"):
        model_file.write(tmp_path / "g.nnb", {}, {"../x": np.zeros(1)})
    with pytest.raises(ValueError, match="not plain JSON"):
        model_file.write(tmp_path / "g.nnb", {"x": float("nan")}, {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.nnb"]


# ---------------------------------------------------------------------- property: damaged files
@pytest.fixture(scope="module")
def originals(tmp_path_factory, data):
    """Valid model files of each kind, with what their models predict."""
    X, y = data
    folder = tmp_path_factory.mktemp("originals")
    models = {
        "network-3-strings": nnbackend.NeuralNetworkClassifier(
            (5, 3), activation="tanh", max_iter=10, random_state=0
        ).fit(X, np.array(["a", "b", "c"])[y]),
        "logistic-object-ints": nnbackend.LogisticRegression(max_iter=10).fit(
            X, np.array([1, 2], dtype=object)[(y == 0).astype(int)]
        ),
        "regressor-2-outputs": nnbackend.NeuralNetworkRegressor(
            (4,), max_iter=10, random_state=0, dtype="float32"
        ).fit(X, np.stack([y, 2.0 * y], axis=1)),
    }
    out = {}
    for name, model in models.items():
        path = folder / f"{name}.nnb"
        model.save(path)
        out[name] = (path.read_bytes(), model, _np(model.predict(X)))
    return out


def _json_values():
    leaves = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**70), max_value=2**70)
        | st.floats()
        | st.text(max_size=12)
    )
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=8,
    )


def _another_valid_model(path: tuple, value, original) -> bool:
    # Replacing a value by another valid one (tanh -> relu, the label 2 -> 5) makes another
    # model, not a damaged file: no reader can tell them apart, so such values are not drawn.
    if path == ("fitted", "hidden"):
        return value in HIDDEN_ACTIVATIONS
    if path[:2] == ("fitted", "classes"):
        return type(value) is type(original)
    return False


@st.composite
def _json_mutation(draw, head):
    head = copy.deepcopy(head)
    path: tuple = ()
    node = head
    while isinstance(node, dict | list) and node and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
        path, node = (*path, key), node[key]
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "add" and isinstance(node, dict):
        node[draw(st.text(max_size=8))] = draw(_json_values())
    elif action == "delete" and path:
        parent = head
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
    elif path:
        value = draw(_json_values().filter(lambda v: not _another_valid_model(path, v, node)))
        parent = head
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
    else:
        head = draw(_json_values())
    return head


_DESCRS = ["<f8", "<f4", ">f8", "<i8", "|b1", "<c16", "|O", "<U4", "|S8", "<M8[s]", "V8", "<f16"]


@st.composite
def _npy_header_mutation(draw, body: bytes) -> bytes:
    # Keep the array's data, change what its header says about it.
    descr, fortran, shape = draw(
        st.one_of(
            st.tuples(st.sampled_from(_DESCRS), st.just(False), st.none()),
            st.tuples(st.none(), st.sampled_from([True, 1, None, "no"]), st.none()),
            st.tuples(
                st.none(),
                st.just(False),
                st.lists(st.integers(-2, 10**13), max_size=3).map(tuple),
            ),
        )
    )
    version = body[6:8]
    size = struct.unpack("<H", body[8:10])[0] if version == b"\x01\x00" else 0
    meta = ast.literal_eval(body[10 : 10 + size].decode("latin1"))
    meta = {
        "descr": meta["descr"] if descr is None else descr,
        "fortran_order": fortran,
        "shape": meta["shape"] if shape is None else shape,
    }
    text = repr(meta) if not draw(st.booleans()) else draw(st.text(max_size=40))
    encoded = text.encode("latin1", "replace") + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(encoded)) + encoded + body[10 + size :]


@st.composite
def _damaged(draw, blob: bytes) -> bytes:
    kind = draw(
        st.sampled_from(
            ["bytes", "truncate", "insert", "json", "json-text", "npy-header", "members"]
        )
    )
    if kind == "bytes":
        data = bytearray(blob)
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "truncate":
        return blob[: draw(st.integers(0, len(blob) - 1))]
    if kind == "insert":
        at = draw(st.integers(0, len(blob)))
        return blob[:at] + draw(st.binary(min_size=1, max_size=16)) + blob[at:]
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        members = [(name, zf.read(name)) for name in zf.namelist()]
    names = [name for name, _ in members]
    if kind == "json":
        head = json.loads(dict(members)["header.json"])
        new = json.dumps(draw(_json_mutation(head))).encode()
        members = [(n, new if n == "header.json" else b) for n, b in members]
    elif kind == "json-text":
        text = dict(members)["header.json"]
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        else:  # punctuation and spacing only: never a digit or a letter of another value
            text = (
                text[:at]
                + draw(st.text('[]{}:,"\\ \n\t\x00é', min_size=1, max_size=4)).encode()
                + text[at:]
            )
        members = [(n, text if n == "header.json" else b) for n, b in members]
    elif kind == "npy-header":
        target = draw(st.sampled_from([n for n in names if n.endswith(".npy")]))
        members = [(n, draw(_npy_header_mutation(b)) if n == target else b) for n, b in members]
    else:
        action = draw(
            st.sampled_from(["drop", "duplicate", "rename", "add", "reorder", "deflate", "encrypt"])
        )
        index = draw(st.integers(0, len(members) - 1))
        name, body = members[index]
        if action == "drop":
            del members[index]
        elif action == "duplicate":
            members.append((name, draw(st.sampled_from([body, b"", body[::-1]]))))
        elif action == "rename":
            members[index] = (
                draw(st.sampled_from([*names, "arrays/W7.npy", "x", "arrays/.npy"])),
                body,
            )
        elif action == "add":
            members.append(
                (draw(st.sampled_from(["arrays/extra.npy", "notes.txt"])), _npy(np.ones(2)))
            )
        elif action == "reorder":
            members = draw(st.permutations(members))
        out = io.BytesIO()
        compression = zipfile.ZIP_DEFLATED if action == "deflate" else zipfile.ZIP_STORED
        encrypted = [name] if action == "encrypt" and any(n == name for n, _ in members) else []
        _zip(out, members, compression=compression, encrypted=encrypted)
        return out.getvalue()
    out = io.BytesIO()
    _zip(out, members)
    return out.getvalue()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_a_damaged_model_file_loads_as_the_original_or_raises_model_file_error(
    originals, tmp_path_factory, data
):
    name = data.draw(st.sampled_from(sorted(originals)), label="original")
    blob, model, expected = originals[name]
    damaged = data.draw(_damaged(blob), label="damage")
    path = tmp_path_factory.getbasetemp() / "damaged.nnb"
    path.write_bytes(damaged)
    try:
        loaded = nnbackend.load(path)
    except ModelFileError as exc:
        assert str(path) in str(exc)
        return
    X = _blobs()[0]
    got = _np(loaded.predict(X))
    assert got.shape == expected.shape
    if got.dtype.kind == "f":
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    else:
        assert got.tolist() == expected.tolist()
        assert [type(v) for v in got.tolist()] == [type(v) for v in expected.tolist()]
