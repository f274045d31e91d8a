"""``nnbackend train --data``: a corrupt archive or a folder ends in one line and exit 2."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

import nnbackend
from nnbackend.cli import main as cli_main


def _run(argv, capsys):
    try:
        status = cli_main(argv)
    except SystemExit as exc:
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def no_training(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("training started before the data was checked")

    monkeypatch.setattr(nnbackend.NeuralNetworkClassifier, "fit", refuse)
    monkeypatch.setattr(nnbackend.LogisticRegression, "fit", refuse)


def _one_line(status, out, err, *fragments):
    assert status == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("nnbackend train: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _damaged_archives(tmp_path):
    X, y = np.zeros((6, 2)), np.arange(6) % 2
    good = tmp_path / "good.npz"
    np.savez(good, X=X, y=y)
    (tmp_path / "garbage.npz").write_bytes(b"PK\x03\x04garbage")
    (tmp_path / "truncated.npz").write_bytes(good.read_bytes()[:200])
    deflated = tmp_path / "deflated.npz"
    np.savez_compressed(deflated, X=np.arange(4000.0).reshape(2000, 2), y=np.arange(2000) % 2)
    data = bytearray(deflated.read_bytes())
    with zipfile.ZipFile(deflated) as zf:
        info = zf.getinfo("X.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 100
    data[start : start + 64] = b"\xff" * 64  # a broken deflate stream
    (tmp_path / "bad-deflate.npz").write_bytes(bytes(data))
    return ["garbage.npz", "truncated.npz", "bad-deflate.npz"]


@pytest.mark.parametrize("name", ["garbage.npz", "truncated.npz", "bad-deflate.npz"])
def test_a_damaged_npz_ends_in_one_line(tmp_path, capsys, no_training, name):
    _damaged_archives(tmp_path)
    path = str(tmp_path / name)
    status, out, err = _run(["train", "--data", path, "--target", "y"], capsys)
    _one_line(status, out, err, "argument --data", repr(path), "cannot be read as .npz")


def test_a_folder_as_data_is_refused_rather_than_training_on_the_flower(
    tmp_path, capsys, no_training
):
    status, out, err = _run(["train", "--data", str(tmp_path), "--iters", "2"], capsys)
    _one_line(status, out, err, "argument --data", repr(str(tmp_path)), "is a folder")
    assert "--dataset catvnoncat" in err


def test_a_folder_as_data_through_the_real_command(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run(
        [sys.executable, "-m", "nnbackend", "train", "--data", str(tmp_path), "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "is a folder" in result.stderr


def test_a_binary_file_named_csv_is_named_as_no_text(tmp_path, capsys, no_training):
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"\x00\x01\x02\xc3\xbf" * 50)
    status, out, err = _run(["train", "--data", str(path), "--target", "label"], capsys)
    _one_line(status, out, err, repr(str(path)), "is not a text CSV file", "NUL bytes")


def test_an_unknown_target_lists_a_long_header_briefly(tmp_path, capsys, no_training):
    names = [f"c{i}" + "x" * 60 for i in range(30)]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(names) + "\n" + ",".join(["1"] * 30) + "\n")
    status, out, err = _run(["train", "--data", str(path), "--target", "label"], capsys)
    _one_line(status, out, err, "'label' is not a column", "'c0" + "x" * 38 + "'...", "10 more")
    assert len(err) < 1200


@pytest.mark.parametrize("label", [1e20, -1e20, 2.0**63])
def test_a_label_past_int64_ends_in_one_line(tmp_path, capsys, no_training, label):
    X = np.arange(8.0).reshape(4, 2)
    path = tmp_path / "big.npy"
    np.save(path, np.c_[X, [0, 1, 0, label]])
    status, out, err = _run(["train", "--data", str(path), "--target", "-1"], capsys)
    _one_line(status, out, err, "label column 'column 2', row 4", "outside the int64 range")


def test_complex_features_are_refused_not_cut_to_their_real_part(tmp_path, capsys, no_training):
    path = tmp_path / "complex.npy"
    np.save(path, np.c_[np.arange(4) + 1j, [0, 1, 0, 1]])
    status, out, err = _run(["train", "--data", str(path), "--target", "-1"], capsys)
    _one_line(status, out, err, "column 'column 0' holds complex numbers", "expected real")


def test_complex_labels_are_refused(tmp_path, capsys, no_training):
    path = tmp_path / "complex.npz"
    np.savez(path, X=np.arange(8.0).reshape(4, 2), y=np.array([0, 1, 0, 1]) + 0j)
    status, out, err = _run(["train", "--data", str(path), "--target", "y"], capsys)
    _one_line(status, out, err, "label column 'y' holds complex numbers")


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".parquet", ".csv"])
def test_a_folder_with_a_table_suffix_is_refused(tmp_path, capsys, no_training, suffix):
    folder = tmp_path / f"d{suffix}"
    folder.mkdir()
    for extra in ([], ["--dataset", "table"]):
        argv = ["train", "--data", str(folder), "--target", "-1", *extra]
        status, out, err = _run(argv, capsys)
        _one_line(status, out, err, "argument --data", repr(str(folder)))


def _csv(path, columns):
    names = list(columns)
    rows = zip(*columns.values(), strict=True)
    path.write_text(",".join(names) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return str(path)


def test_predict_matches_a_named_table_by_column_name(tmp_path, capsys):
    from nnbackend.datasets import make_moons

    X, y = make_moons(40, seed=0)
    data = _csv(tmp_path / "d.csv", {"a": X[:, 0], "b": X[:, 1], "label": y})
    model = str(tmp_path / "m.nnb")
    argv = ["train", "--data", data, "--target", "label", "--iters", "3", "--quiet", "--save"]
    assert _run([*argv, model], capsys)[0] == 0
    assert list(nnbackend.load(model).feature_names_in_) == ["a", "b"]
    in_order = _csv(tmp_path / "p1.csv", {"a": X[:, 0], "b": X[:, 1]})
    swapped = _csv(tmp_path / "p2.csv", {"b": X[:, 1], "a": X[:, 0]})
    outputs = []
    for i, path in enumerate((in_order, swapped)):
        out = str(tmp_path / f"o{i}.npy")
        assert _run(["predict", model, path, "--output", out], capsys)[0] == 0
        outputs.append(np.load(out))
    np.testing.assert_array_equal(outputs[0], outputs[1])
    # the same predictions as the model's on the columns in the fit's order
    np.testing.assert_array_equal(outputs[0], nnbackend.load(model).predict(X))


@pytest.mark.parametrize(
    ("columns", "says"),
    [({"a": [0.1], "c": [0.2]}, "lacks the model's columns ['b'] and has columns the model was "
      "not trained on ['c']"),
     ({"a": [0.1], "b": [0.2], "label": [1]}, "3 feature columns and the model 2")],
)  # fmt: skip
def test_predict_refuses_other_column_names_in_one_line(tmp_path, capsys, columns, says):
    from nnbackend.datasets import make_moons

    X, y = make_moons(40, seed=0)
    data = _csv(tmp_path / "d.csv", {"a": X[:, 0], "b": X[:, 1], "label": y})
    model = str(tmp_path / "m.nnb")
    argv = ["train", "--data", data, "--target", "label", "--iters", "3", "--quiet", "--save"]
    assert _run([*argv, model], capsys)[0] == 0
    status, out, err = _run(["predict", model, _csv(tmp_path / "p.csv", columns)], capsys)
    assert status == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1 and says in err, err


def test_a_csv_with_repeated_column_names_trains_saves_and_predicts_by_position(tmp_path, capsys):
    from nnbackend.datasets import make_moons

    X, y = make_moons(40, seed=0)
    path = tmp_path / "d.csv"
    rows = "\n".join(f"{a},{b},{c}" for a, b, c in zip(X[:, 0], X[:, 1], y, strict=True))
    path.write_text("x,x,label\n" + rows + "\n")
    model = str(tmp_path / "m.nnb")
    argv = ["train", "--data", str(path), "--target", "label", "--iters", "3", "--quiet"]
    assert _run([*argv, "--save", model], capsys)[0] == 0
    assert not hasattr(nnbackend.load(model), "feature_names_in_")
    out = str(tmp_path / "p.npy")
    assert _run(["predict", model, str(path), "--target", "label", "--output", out], capsys)[0] == 0
    np.testing.assert_array_equal(np.load(out), nnbackend.load(model).predict(X))
