"""The ``nnbackend`` command line and the training progress display.

Training runs here are a few iterations long: what is tested is what the command says and
refuses, not how well it learns (the defaults' accuracy is checked against the course's
first cost instead).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnbackend
from nnbackend import bench, cli, datasets
from nnbackend.cli import main as cli_main
from nnbackend.core.activations import HIDDEN_ACTIVATIONS
from nnbackend.core.initializers import INITS
from nnbackend.estimators.models import NeuralNetworkClassifier
from nnbackend.training.optimizers import SOLVERS
from nnbackend.training.progress import Progress

COST_LINE = re.compile(r"^cost after iteration (\d+): ([0-9.]+)$", re.M)


def run(argv, capsys):
    """(exit status, stdout, stderr) of ``nnbackend ARGV``, usage errors included."""
    try:
        status = cli_main(argv)
    except SystemExit as exc:
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_process(*argv, cwd=None):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run(
        [sys.executable, "-m", "nnbackend", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if anything is fitted: the command had to stop before."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("training started before the command line was checked")

    monkeypatch.setattr(nnbackend.NeuralNetworkClassifier, "fit", refuse)
    monkeypatch.setattr(nnbackend.LogisticRegression, "fit", refuse)


@pytest.fixture
def no_benchmark(monkeypatch):
    def refuse(args):
        raise AssertionError("the benchmark started before the command line was checked")

    monkeypatch.setattr(bench, "run_from_cli", refuse)
    monkeypatch.setattr("nnbackend.bench.options.run_options_from_cli", refuse)
    monkeypatch.setattr("nnbackend.bench.dask.run_dask_from_cli", refuse)


@pytest.fixture
def without_tqdm(monkeypatch):
    # None in sys.modules makes "import tqdm" raise ImportError, as when it is not installed
    for name in ("tqdm", "tqdm.auto"):
        monkeypatch.setitem(sys.modules, name, None)


@pytest.fixture
def fake_cat(tmp_path):
    """A folder with the cat data's file names holding something that is not HDF5."""
    pytest.importorskip("h5py")
    folder = tmp_path / "cats"
    folder.mkdir()
    for name in cli.CAT_FILES:
        (folder / name).write_text("not an HDF5 file\n")
    return folder


def assert_usage_error(status, out, err, *fragments):
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one line, no traceback
    assert "Traceback" not in err
    assert re.match(r"nnbackend( \w+)?: error: ", lines[0]), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# ------------------------------------------------------------------ help and version
def test_version():
    result = run_process("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"nnbackend {nnbackend.__version__}"


def _subparsers(parser):
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


@pytest.mark.parametrize("command", ["info", "bench", "train", "predict"])
def test_every_option_shows_its_default(command, capsys):
    parser = _subparsers(cli.build_parser())[command]
    status, out, _ = run([command, "--help"], capsys)
    assert status == 0
    # the help's entries: an option line, then its indented continuation lines
    entries = re.split(r"\n(?=  -)", out.split("options:\n", 1)[1].split("\n\n", 1)[0])
    shown = {entry.split()[0].rstrip(","): " ".join(entry.split()) for entry in entries}
    for action in parser._actions:
        if not action.option_strings or action.dest == "help":
            continue
        entry = shown[action.option_strings[0]]
        assert "default" in entry, f"{command} {action.option_strings[0]}: {entry!r}"


def test_train_help_lists_each_datasets_defaults(capsys):
    _, out, _ = run(["train", "--help"], capsys)
    table = out.split("defaults per data set and model", 1)[1]
    assert re.search(r"catvnoncat\s+mlp\s+20,7,5\s+relu\s+xavier\s+0\.0075\s+2500\s+1", table)
    assert re.search(r"planar\s+mlp\s+4\s+tanh\s+xavier\s+1\.2\s+10000\s+0", table)


def test_choices_come_from_the_projects_lists():
    train = _subparsers(cli.build_parser())["train"]
    choices = {a.dest: tuple(a.choices) for a in train._actions if a.choices}
    assert choices["activation"] == HIDDEN_ACTIVATIONS  # what the estimators validate with
    assert choices["solver"] == SOLVERS
    assert choices["init"] == tuple(INITS)


# ------------------------------------------------------------------ bad values
@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["train", "--iters", "0"], ["--iters", "'0'", "int >= 1"]),
        (["train", "--lr", "-1"], ["--lr", "'-1'", "positive number"]),
        (["train", "--lr", "abc"], ["--lr", "'abc'", "positive number"]),
        (["train", "--lr", "nan"], ["--lr", "'nan'", "positive number"]),
        (["train", "--batch-size", "0"], ["--batch-size", "'0'", "int >= 1"]),
        (["train", "--seed", "-1"], ["--seed", "'-1'", "0 to 2**32 - 1"]),
        (["train", "--seed", "x"], ["--seed", "'x'"]),
        (["train", "--hidden", "4,0"], ["--hidden", "'4,0'"]),
        (["train", "--activation", "softmax"], ["--activation", "'softmax'"]),
        (["bench", "--budget", "0"], ["--budget", "'0'", "positive number"]),
        ([], ["required"]),
    ],
)
def test_bad_values_end_in_a_one_line_usage_error(argv, fragments, capsys, no_training):
    assert_usage_error(*run(argv, capsys), *fragments)


def test_a_bad_value_through_the_real_command_has_no_traceback():
    result = run_process("train", "--lr", "abc")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "nnbackend train: error: argument --lr: 'abc' is not valid: expected a positive "
        "number (see 'nnbackend train --help')"
    )


def test_catvnoncat_needs_data(capsys, no_training):
    assert_usage_error(
        *run(["train", "--dataset", "catvnoncat"], capsys),
        "--data",
        "required with --dataset catvnoncat",
        "train_catvnoncat.h5",
    )


def test_missing_data_folder(tmp_path, capsys, no_training):
    missing = tmp_path / "nowhere"
    assert_usage_error(
        *run(["train", "--dataset", "catvnoncat", "--data", str(missing)], capsys),
        "--data",
        repr(str(missing)),
        "does not exist",
    )


def test_data_folder_without_the_files(tmp_path, capsys, no_training):
    pytest.importorskip("h5py")
    assert_usage_error(
        *run(["train", "--dataset", "catvnoncat", "--data", str(tmp_path)], capsys),
        "--data",
        "has no train_catvnoncat.h5",
    )


def test_data_given_a_file(fake_cat, capsys, no_training):
    file = fake_cat / cli.CAT_FILES[0]
    assert_usage_error(
        *run(["train", "--dataset", "catvnoncat", "--data", str(file)], capsys),
        "--data",
        "is a file",
        "expected the folder",
    )


def test_data_that_is_not_hdf5(fake_cat, capsys, no_training):
    assert_usage_error(
        *run(["train", "--dataset", "catvnoncat", "--data", str(fake_cat)], capsys),
        "--data",
        "train_catvnoncat.h5 is not an HDF5 file",
    )


def test_data_that_is_not_hdf5_through_the_real_command(fake_cat):
    result = run_process("train", "--dataset", "catvnoncat", "--data", str(fake_cat))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "is not an HDF5 file" in result.stderr


# ------------------------------------------------------------------ output paths, checked first
@pytest.mark.parametrize("option", ["--save", "--plot"])
def test_train_output_in_a_missing_folder_fails_before_training(
    option, tmp_path, capsys, no_training
):
    pytest.importorskip("matplotlib")
    target = tmp_path / "missing" / ("model.nnb" if option == "--save" else "plot.png")
    assert_usage_error(
        *run(["train", option, str(target)], capsys),
        option,
        "does not exist",
        str(tmp_path / "missing"),
    )


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["--options", "--dask"], ["argument --dask: not allowed with --options"]),
        (["--options", "--json", "x.json"], ["--json: not used by bench --options", "--budget"]),
        (["--options", "--plot", "x.png"], ["--plot: not used by bench --options"]),
        (["--options", "--backends", "bogus"], ["--backends: not used by bench --options"]),
        (["--dask", "--budget", "1"], ["--budget: not used by bench --dask", "--json"]),
        (["--dask", "--backends", "torch"], ["--backends: not used by bench --dask"]),
        (["--dask", "--plot", "x.png"], ["--plot: not used by bench --dask"]),
        (["--backends", ""], ["--backends: '' names no implementation"]),
        (["--backends", " , "], ["--backends: ' , ' names no implementation"]),
    ],
)
def test_bench_options_a_benchmark_would_drop_are_refused_before_it_runs(
    argv, fragments, capsys, no_benchmark
):
    # each of these used to run a benchmark that ignored the option without a word
    assert_usage_error(*run(["bench", "--quick", *argv], capsys), *fragments)


def test_bench_backends_default_when_not_given(monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr(
        bench, "run_from_cli", lambda args: seen.setdefault("b", args.backends) and 0
    )
    assert run(["bench", "--quick"], capsys)[0] == 0
    assert seen["b"] == "numpy,cupy,torch,jax"


@pytest.mark.parametrize("option", ["--json", "--plot"])
def test_bench_output_in_a_missing_folder_fails_before_benchmarking(
    option, tmp_path, capsys, no_benchmark
):
    pytest.importorskip("matplotlib")
    target = tmp_path / "missing" / ("x.json" if option == "--json" else "x.png")
    assert_usage_error(
        *run(["bench", "--quick", option, str(target)], capsys), option, "does not exist"
    )


@pytest.mark.parametrize("command", ["train", "bench"])
def test_an_empty_output_path_is_an_error(command, capsys, no_training, no_benchmark):
    option = "--save" if command == "train" else "--json"
    assert_usage_error(*run([command, option, ""], capsys), option, "''", "expected a file path")


@pytest.mark.parametrize("command", ["train", "bench"])
def test_plot_into_a_directory_is_refused(command, tmp_path, capsys, no_training, no_benchmark):
    pytest.importorskip("matplotlib")
    assert_usage_error(*run([command, "--plot", str(tmp_path)], capsys), "--plot", "is a directory")
    assert list(tmp_path.parent.glob(tmp_path.name + ".*")) == []


@pytest.mark.parametrize("command", ["train", "bench"])
def test_plot_without_an_image_suffix_is_refused(
    command, tmp_path, capsys, no_training, no_benchmark
):
    # matplotlib would append .png and write elsewhere than the path the command names
    pytest.importorskip("matplotlib")
    target = tmp_path / "boundary"
    assert_usage_error(
        *run([command, "--plot", str(target)], capsys), "--plot", "image format", ".png"
    )
    assert list(tmp_path.iterdir()) == []


def test_save_onto_something_that_is_not_a_file_is_refused(tmp_path, capsys, no_training):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert_usage_error(*run(["train", "--save", str(fifo)], capsys), "--save", "not a regular file")


def test_save_and_plot_to_the_same_file_is_refused(tmp_path, capsys, no_training):
    pytest.importorskip("matplotlib")
    same = str(tmp_path / "out.png")
    assert_usage_error(
        *run(["train", "--save", same, "--plot", same], capsys), "--save", "--plot", "same file"
    )


def test_plot_and_save_write_exactly_where_told(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png, model = tmp_path / "boundary.png", tmp_path / "model.nnb"
    status, out, _ = run(
        ["train", "--iters", "3", "--plot", str(png), "--save", str(model)], capsys
    )
    assert status == 0
    assert f"wrote the plot to {png}\n" in out and f"saved the model to {model}\n" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boundary.png", "model.nnb"]
    assert png.read_bytes().startswith(b"\x89PNG")


# ------------------------------------------------------------------ quiet, progress, cost lines
def test_quiet_prints_only_the_final_accuracies(tmp_path, capsys):
    status, out, err = run(
        ["train", "--iters", "30", "--quiet", "--save", str(tmp_path / "m.nnb")], capsys
    )
    assert status == 0
    assert re.fullmatch(r"train accuracy: [0-9.]+ %\ntest accuracy: [0-9.]+ %\n", out)
    assert err == ""
    assert (tmp_path / "m.nnb").is_file()


def _cost_lines(text):
    return [int(i) for i, _ in COST_LINE.findall(text)]


@pytest.mark.parametrize("tqdm_installed", [True, False])
def test_each_cost_is_printed_once(tqdm_installed, capsys, request):
    if tqdm_installed:
        pytest.importorskip("tqdm")
    else:
        request.getfixturevalue("without_tqdm")
    status, out, err = run(["train", "--iters", "20"], capsys)
    assert status == 0
    both = out + err
    assert _cost_lines(both) == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 19]
    assert "iteration 0: cost" not in both  # the old second format
    assert "\r" not in both  # no live display in a capture (not a terminal)
    assert "train accuracy" in out and "cost after" not in out


def _shown(text):
    """What a terminal ends up showing: of each line, what follows its last carriage return."""
    return [line.rsplit("\r", 1)[-1].rstrip() for line in text.split("\n")]


def _watched(monkeypatch):
    monkeypatch.setattr(Progress, "_watched", staticmethod(lambda stream: True))


def test_a_terminal_gets_a_tqdm_bar_and_each_cost_once(monkeypatch, capsys):
    pytest.importorskip("tqdm")
    _watched(monkeypatch)
    X, y = datasets.make_moons(60, seed=1)
    nnbackend.LogisticRegression(max_iter=30, tol=None, verbose=True).fit(X, y)
    err = capsys.readouterr().err
    assert "training" in err and "30/30" in err and "cost=" in err
    assert _cost_lines("\n".join(_shown(err))) == [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 29]


def test_a_terminal_without_tqdm_gets_one_line_redrawn_in_place(monkeypatch, capsys, without_tqdm):
    _watched(monkeypatch)
    X, y = datasets.make_moons(60, seed=1)
    model = nnbackend.LogisticRegression(max_iter=30, tol=None, verbose=True).fit(X, y)
    err = capsys.readouterr().err
    assert f"\rtraining: 30/30 it, cost {model.loss_curve_[-1]:.6f}" in err
    shown = _shown(err)
    assert _cost_lines("\n".join(shown)) == [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 29]
    assert shown[-2:] == [f"training: 30/30 it, cost {model.loss_curve_[-1]:.6f}", ""]
    assert len(shown) == 13  # 11 cost lines, the live line, and nothing after its newline


def test_an_early_stop_still_prints_the_last_cost(capsys):
    X, y = datasets.make_moons(60, seed=1)
    model = nnbackend.LogisticRegression(max_iter=5000, tol=1e-3, verbose=True).fit(X, y)
    assert model.n_iter_ < 5000
    err = capsys.readouterr().err
    printed = dict(COST_LINE.findall(err))
    last = model.n_iter_ - 1
    assert printed[str(last)] == f"{model.loss_curve_[last]:.6f}"
    assert len(printed) == len(COST_LINE.findall(err))  # each once


def test_huge_costs_stay_short(capsys):
    progress = Progress(3, True, "training")
    for iteration, cost in enumerate([0.5, 2.5e300, 1e7]):
        progress.update(iteration, cost)
    progress.close()
    assert capsys.readouterr().err.splitlines() == [
        "cost after iteration 0: 0.500000",
        "cost after iteration 1: 2.500000e+300",
        "cost after iteration 2: 1.000000e+07",
    ]


def test_not_verbose_prints_nothing(capsys):
    X, y = datasets.make_moons(60, seed=1)
    nnbackend.LogisticRegression(max_iter=30, tol=None).fit(X, y)
    assert capsys.readouterr() == ("", "")


# ------------------------------------------------------------------ per-data-set defaults
def _resolved(*argv):
    args = cli.build_parser().parse_args(["train", *argv])
    warnings = cli._resolve(args)
    return args, warnings


def test_catvnoncat_gets_the_courses_l_layer_settings():
    args, warnings = _resolved("--dataset", "catvnoncat", "--data", "somewhere")
    assert warnings == []
    model = cli.build_model(args)
    assert isinstance(model, NeuralNetworkClassifier)
    params = model.get_params()
    assert params["hidden_layer_sizes"] == (20, 7, 5)
    assert params["activation"] == "relu"
    assert params["learning_rate"] == 0.0075
    assert params["max_iter"] == 2500
    assert params["init"] == "xavier"
    # the notebook's np.random.seed(1): a RandomState replays that legacy stream
    state = params["random_state"]
    assert isinstance(state, np.random.RandomState)
    assert np.array_equal(state.randn(3), np.random.RandomState(1).randn(3))


def test_planar_and_moons_keep_their_own_defaults():
    args, _ = _resolved("--dataset", "planar")
    assert (args.hidden, args.activation, args.lr, args.iters) == ((4,), "tanh", 1.2, 10000)
    args, _ = _resolved("--dataset", "moons")
    assert (args.hidden, args.activation, args.lr, args.iters) == ((8,), "tanh", 1.0, 2000)
    args, _ = _resolved("--dataset", "moons", "--model", "logistic")
    assert (args.init, args.lr, args.iters) == ("zeros", 0.5, 500)


def test_explicit_options_win_over_the_datasets_defaults():
    args, _ = _resolved(
        "--dataset", "catvnoncat", "--hidden", "3", "--activation", "tanh", "--lr", "0.1",
        "--iters", "7", "--init", "he", "--seed", "5",
    )  # fmt: skip
    assert (args.hidden, args.activation, args.lr, args.iters) == ((3,), "tanh", 0.1, 7)
    assert (args.init, args.seed) == ("he", 5)


def test_a_bare_catvnoncat_run_starts_where_the_notebook_does(cat_data_dir, capsys):
    from nnbackend.course import deep_network as dn

    status, out, err = run(
        ["train", "--dataset", "catvnoncat", "--data", str(cat_data_dir), "--iters", "1"], capsys
    )
    assert status == 0
    assert "hidden 20,7,5 relu" in out and "lr 0.0075" in out
    X_train, y_train, *_ = datasets.load_catvnoncat(cat_data_dir)
    _, costs = dn.L_layer_model(
        X_train.T, y_train.reshape(1, -1), [12288, 20, 7, 5, 1], num_iterations=1
    )
    assert COST_LINE.findall(err) == [("0", f"{float(costs[0]):.6f}")]  # 0.771749 in the course


# ------------------------------------------------------------------ warnings
def test_options_without_effect_are_named(capsys, tmp_path):
    # a real table: a folder given as --data is refused outright (tests/test_cli_data.py)
    table = tmp_path / "t.csv"
    table.write_text("a,b,label\n1,2,0\n3,4,1\n")
    status, _, err = run(
        ["train", "--model", "logistic", "--hidden", "3", "--activation", "relu",
         "--data", str(table), "--dataset", "planar", "--iters", "3", "--quiet"],
        capsys,
    )  # fmt: skip
    assert status == 0
    warnings = [line for line in err.splitlines() if ": warning: " in line]
    assert len(warnings) == 3
    assert "--hidden is ignored with --model logistic" in warnings[0]
    assert "--activation is ignored with --model logistic" in warnings[1]
    assert "--data is ignored with --dataset planar" in warnings[2]


def test_seed_without_effect_is_named():
    _, warnings = _resolved("--dataset", "catvnoncat", "--model", "logistic", "--seed", "3")
    assert warnings == [
        "--seed is ignored here: --init zeros draws nothing and a full batch is never shuffled"
    ]
    assert _resolved("--dataset", "catvnoncat", "--model", "logistic")[1] == []


def test_a_model_that_predicts_one_class_is_flagged(capsys):
    # zero weights everywhere: the hidden units stay at 0, only the output bias learns
    status, out, err = run(["train", "--init", "zeros", "--iters", "5", "--quiet"], capsys)
    assert status == 0
    assert "warning: the model predicts one class only" in err
    assert "on all 400 samples" in err


def test_a_working_run_warns_about_nothing(capsys):
    status, _, err = run(["train", "--iters", "50", "--quiet"], capsys)
    assert status == 0 and err == ""


# ------------------------------------------------------------------ whole runs
def test_divergence_ends_in_one_error_line(capsys):
    status, out, err = run(["train", "--lr", "1e300", "--iters", "50", "--quiet"], capsys)
    assert status == 1 and out == ""
    assert err.startswith("nnbackend train: error: training diverged")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_train_planar(tmp_path, capsys, backend):
    pytest.importorskip("matplotlib")
    model_path, png = tmp_path / "planar.nnb", tmp_path / "planar.png"
    status, out, err = run(
        ["train", "--dataset", "planar", "--iters", "2000", "--quiet",
         "--save", str(model_path), "--plot", str(png)],
        capsys,
    )  # fmt: skip
    assert status == 0 and err == ""
    train_acc = float(out.split("train accuracy: ")[1].split(" %")[0])
    assert train_acc > 85
    assert "test accuracy:" in out
    assert png.stat().st_size > 10_000
    assert nnbackend.load(model_path).n_features_in_ == 2


def test_cli_train_logistic_on_moons(capsys):
    status, out, _ = run(
        ["train", "--dataset", "moons", "--model", "logistic", "--iters", "300"], capsys
    )
    assert status == 0
    assert "training logistic (init zeros, solver gd, lr 0.5, 300 iterations" in out
    assert float(out.split("test accuracy: ")[1].split(" %")[0]) > 75


def test_loss_curve_plot_for_the_cat_data(cat_data_dir, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "loss.svg"
    status, *_ = run(
        ["train", "--dataset", "catvnoncat", "--data", str(cat_data_dir), "--model", "logistic",
         "--iters", "3", "--plot", str(png), "--quiet"],
        capsys,
    )  # fmt: skip
    assert status == 0
    assert png.read_text().lstrip().startswith("<?xml")


def test_cli_writes_nothing_next_to_the_outputs(tmp_path):
    # a real process, from a clean folder: only the files asked for appear
    pytest.importorskip("matplotlib")
    result = run_process(
        "train", "--iters", "2", "--quiet", "--save", "m.nnb", "--plot", "p.png", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == ["m.nnb", "p.png"]


# ------------------------------------------------------------------ the docs page
CLI_PAGE = Path(__file__).resolve().parents[1] / "docs" / "guide" / "cli.md"


def _documented_sessions():
    """The ``$ nnbackend ...`` commands of the page's text blocks, with the lines they print."""
    sessions = []
    for block in re.findall(r"^```text\n(.*?)^```", CLI_PAGE.read_text(), re.S | re.M):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *printed = chunk.rstrip("\n").split("\n")
            sessions.append((command, printed))
    return sessions


def test_the_cli_page_shows_the_help_table_as_it_is():
    assert cli._defaults_table() in CLI_PAGE.read_text()


@pytest.mark.parametrize("command, printed", _documented_sessions())
def test_the_cli_page_shows_what_the_command_prints(
    command, printed, capsys, tmp_path, monkeypatch, numpy_backend
):
    monkeypatch.chdir(tmp_path)
    argv = command.split()
    assert argv[0] == "nnbackend"
    _, out, err = run(argv[1:], capsys)
    assert err.splitlines() + out.splitlines() == printed


# ------------------------------------------------------------------ issue 22: your own table
def _write_csv(path, X, labels, header=("x1", "x2", "label")):
    lines = [",".join(header)]
    lines += [f"{a!r},{b!r},{label}" for (a, b), label in zip(X.tolist(), labels, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def my_csv(tmp_path):
    X, y = datasets.make_moons(80, noise=0.2, seed=0)
    return _write_csv(tmp_path / "my.csv", X, ["cat" if v else "dog" for v in y])


def test_train_on_a_csv_then_predict_end_to_end(my_csv, tmp_path, capsys):
    model = tmp_path / "m.nnb"
    status, out, err = run(
        ["train", "--data", str(my_csv), "--target", "label", "--iters", "30",
         "--save", str(model)],
        capsys,
    )  # fmt: skip
    assert status == 0, err
    assert f"on {my_csv} (labels: label): 64 train / 16 test samples" in out
    assert "test accuracy:" in out and model.exists()
    # the features alone, as a new file would hold them
    X, _ = datasets.make_moons(80, noise=0.2, seed=0)
    new = tmp_path / "new.csv"
    new.write_text("x1,x2\n" + "".join(f"{a!r},{b!r}\n" for a, b in X[:5].tolist()))
    status, out, err = run(["predict", str(model), str(new)], capsys)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "prediction" and len(lines) == 6
    assert set(lines[1:]) <= {"cat", "dog"}
    expected = nnbackend.load(model).predict(X[:5]).tolist()
    assert lines[1:] == expected
    # the labelled file itself, its labels left out; to .csv and to .npy
    for output in ("p.csv", "p.npy"):
        target = tmp_path / output
        status, out, err = run(
            ["predict", str(model), str(my_csv), "--target", "label", "--output", str(target)],
            capsys,
        )
        assert (status, err) == (0, ""), err
        assert out == f"wrote 80 predictions to {target}\n"
    assert np.load(tmp_path / "p.npy").tolist() == (tmp_path / "p.csv").read_text().split()[1:]


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".parquet"])
def test_train_reads_npy_npz_and_parquet(suffix, tmp_path, capsys):
    X, y = datasets.make_moons(60, noise=0.2, seed=1)
    path = tmp_path / f"t{suffix}"
    if suffix == ".npy":
        np.save(path, np.column_stack([X, y]))
        target = "-1"  # a column index
    elif suffix == ".npz":
        np.savez(path, X=X, y=y)
        target = "y"  # the labels' array
    else:
        pyarrow = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        pq.write_table(pyarrow.table({"a": X[:, 0], "b": X[:, 1], "label": y}), path)
        target = "label"
    status, out, err = run(
        ["train", "--data", str(path), "--target", target, "--iters", "5", "--quiet"], capsys
    )
    assert status == 0, err
    assert out.startswith("train accuracy:")


def _bad_tables(tmp_path):
    X, y = datasets.make_moons(20, seed=0)
    good = _write_csv(tmp_path / "good.csv", X, y.tolist())
    rows = good.read_text().splitlines()
    cases = {
        "text.csv": ("\n".join([rows[0], "1.0,abc,1", *rows[2:]]), ["'x2'", "row 1", "'abc'"]),
        "empty-cell.csv": ("\n".join([rows[0], "1.0,,1", *rows[2:]]), ["'x2'", "is empty"]),
        "nan.csv": ("\n".join([rows[0], "1.0,nan,1", *rows[2:]]), ["'x2'", "nan"]),
        "ragged.csv": ("\n".join([rows[0], "1.0,2.0", *rows[2:]]), ["line 2", "2 values"]),
        "nan-label.csv": ("\n".join([rows[0], "1,2,nan", *rows[2:]]), ["'label'", "not a class"]),
        "fraction.csv": ("\n".join([rows[0], "1,2,0.5", *rows[2:]]), ["'label'", "continuous"]),
        "one-class.csv": ("\n".join([rows[0]] + [r[:-1] + "1" for r in rows[1:]]), ["one class"]),
        "header-only.csv": (rows[0] + "\n", ["no samples"]),
        "empty.csv": ("", ["is empty"]),
        "binary.npy": (None, ["is not a .npy file"]),
        "binary.npz": (None, ["is not a .npz (zip) file"]),
    }  # fmt: skip
    for name, (text, fragments) in cases.items():
        path = tmp_path / name
        if text is None:
            path.write_bytes(b"\x00\x01 not numpy")
        else:
            path.write_text(text)
        yield path, fragments


def _npy_with_header(path, shape):
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}"
    path.write_bytes(b"\x93NUMPY\x01\x00v\x00" + header.encode().ljust(117) + b"\n")
    return path


@pytest.mark.parametrize("command", ["train", "predict"])
def test_a_npy_header_the_data_cannot_fill_is_refused_before_reading(command, tmp_path, capsys):
    # NumPy allocated the declared shape first: a MemoryError for 2 TiB
    path = _npy_with_header(tmp_path / "forged.npy", (10**11, 3))
    if command == "train":
        argv = ["train", "--data", str(path), "--target", "-1"]
    else:
        model = tmp_path / "m.nnb"
        X, y = datasets.make_moons(20, seed=0)
        nnbackend.save(nnbackend.LogisticRegression(max_iter=2).fit(X, y), model)
        argv = ["predict", str(model), str(path)]
    assert_usage_error(
        *run(argv, capsys),
        repr(str(path)),
        "declares an array of shape (100000000000, 3)",
        "holds 0 bytes",
    )


def test_bad_tables_end_in_one_line_and_exit_2(tmp_path, capsys, no_training):
    for path, fragments in _bad_tables(tmp_path):
        target = {".npy": "0", ".npz": "y"}.get(path.suffix, "label")
        status, out, err = run(["train", "--data", str(path), "--target", target], capsys)
        assert_usage_error(status, out, err, repr(str(path)) if path.suffix else "", *fragments)


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["--target", "nope"], ["--target", "'nope'", "expected one of 'x1', 'x2', 'label'"]),
        ([], ["--target", "required", "name of the column"]),
    ],
)
def test_a_missing_or_unknown_target_is_named(my_csv, argv, fragments, capsys, no_training):
    assert_usage_error(*run(["train", "--data", str(my_csv), *argv], capsys), *fragments)


def test_unknown_table_formats_are_named(tmp_path, capsys, no_training):
    path = tmp_path / "my.txt"
    path.write_text("a,b\n")
    assert_usage_error(
        *run(["train", "--data", str(path), "--target", "b"], capsys),
        "--data",
        str(path),
        ".csv, .npy, .npz, .parquet",
    )


def test_predict_refuses_bad_input_in_one_line(my_csv, tmp_path, capsys):
    model = tmp_path / "m.nnb"
    assert run(["train", "--data", str(my_csv), "--target", "label", "--iters", "3",
                "--quiet", "--save", str(model)], capsys)[0] == 0  # fmt: skip
    wide = tmp_path / "wide.csv"
    wide.write_text("a,b,c\n1,2,3\n")
    corrupt = tmp_path / "corrupt.nnb"
    corrupt.write_text("not a model")
    cases = [
        ([str(tmp_path / "none.nnb"), str(my_csv)], ["MODEL", "does not exist"]),
        ([str(corrupt), str(my_csv)], ["MODEL", "cannot be loaded"]),
        ([str(model), str(tmp_path / "none.csv")], ["FILE", "does not exist"]),
        ([str(model), str(wide)], ["3 feature columns and the model 2", "--target"]),
        ([str(model), str(my_csv)], ["'label'", "--target"]),  # the labels are text
        ([str(model), str(my_csv), "--output", str(tmp_path / "p.txt")], ["--output", ".npy"]),
    ]
    for argv, fragments in cases:
        assert_usage_error(*run(["predict", *argv], capsys), *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.nnb", "m.nnb", "my.csv",
                                                          "wide.csv"]  # fmt: skip


def test_predict_through_the_real_command_has_no_traceback(tmp_path):
    result = run_process("predict", str(tmp_path / "none.nnb"), str(tmp_path / "x.csv"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


# ------------------------------------------------------------------ issue 21 C: bad --data folders
def _write_cat(folder, **changes):
    """Small cat files (6 train, 4 test images of 4×4×3); ``changes`` replace datasets
    (``"group"`` makes a group of that name instead)."""
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    data = {
        "train_set_x": rng.integers(0, 255, (6, 4, 4, 3), dtype=np.uint8),
        "train_set_y": np.array([0, 1, 0, 1, 1, 0]),
        "test_set_x": rng.integers(0, 255, (4, 4, 4, 3), dtype=np.uint8),
        "test_set_y": np.array([1, 0, 1, 0]),
        "list_classes": np.array([b"non-cat", b"cat"]),
    }
    data.update(changes)
    folder.mkdir(exist_ok=True)
    for split in ("train", "test"):
        with h5py.File(folder / f"{split}_catvnoncat.h5", "w") as h5:
            for key in (f"{split}_set_x", f"{split}_set_y", "list_classes"):
                if isinstance(data[key], str) and data[key] == "group":
                    h5.create_group(key)
                else:
                    h5[key] = data[key]
    return folder


BAD_CAT = {
    "mismatched lengths": ({"train_set_y": np.array([0, 1, 0, 1, 1])}, ["6 images", "5 labels"]),
    "string pixels": ({"train_set_x": np.full((6, 4, 4, 3), b"x")}, ["train_set_x", "numeric"]),
    "single class": ({"train_set_y": np.ones(6, dtype=np.int64)}, ["one class"]),
    "NaN pixels": ({"train_set_x": np.full((6, 4, 4, 3), np.nan)}, ["train_set_x", "NaN"]),
    "a group": ({"train_set_x": "group"}, ["train_set_x is a Group", "expected a dataset"]),
    "no images": ({"train_set_x": np.zeros((0, 4, 4, 3), np.uint8),
                   "train_set_y": np.zeros(0, np.int64)}, ["at least one image"]),
    "test images of another size": (
        {"test_set_x": np.zeros((4, 8, 8, 3), np.uint8)}, ["test_set_x", "(8, 8, 3)", "(4, 4, 3)"]
    ),
    "1-D images": ({"train_set_x": np.zeros((6, 48), np.uint8)}, ["train_set_x", "(6, 48)"]),
    "NaN label": ({"train_set_y": np.array([0, 1, np.nan, 1, 1, 0])}, ["train_set_y", "index 2"]),
    "fractional label": ({"train_set_y": np.array([0, 1, 0.5, 1, 1, 0])}, ["train_set_y", "0.5"]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_CAT))
def test_malformed_cat_folders_are_refused_before_any_work(case, tmp_path, capsys, no_training):
    changes, fragments = BAD_CAT[case]
    folder = _write_cat(tmp_path / "cats", **changes)
    status, out, err = run(["train", "--dataset", "catvnoncat", "--data", str(folder)], capsys)
    assert_usage_error(status, out, err, "--data", *fragments)


def test_an_empty_cat_folder_is_refused(tmp_path, capsys, no_training):
    (tmp_path / "cats").mkdir()
    assert_usage_error(
        *run(["train", "--dataset", "catvnoncat", "--data", str(tmp_path / "cats")], capsys),
        "has no train_catvnoncat.h5",
    )


def test_a_well_formed_small_cat_folder_trains(tmp_path, capsys):
    folder = _write_cat(tmp_path / "cats")
    status, out, err = run(
        ["train", "--dataset", "catvnoncat", "--data", str(folder), "--iters", "2", "--quiet"],
        capsys,
    )
    assert status == 0, err


# ------------------------------------------------------------------ issue 21 C: sizes, Ctrl-C
def test_an_absurd_hidden_size_is_refused_before_allocating(capsys, no_training, monkeypatch):
    from nnbackend.estimators import memory as _memory

    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: 8 * 2**30)
    assert_usage_error(
        *run(["train", "--hidden", "100000000"], capsys),
        "--hidden 100000000",
        "GiB for the parameters",
        "8.0 GiB of memory is available",
    )


@pytest.mark.parametrize("kind", ["trailing slash", "symlink loop"])
def test_bad_save_paths_are_refused_before_training(kind, tmp_path, capsys, no_training):
    if kind == "trailing slash":
        target = str(tmp_path / "newdir") + "/"
        fragment = "ends in a slash"
    else:
        loop = tmp_path / "loop"
        os.symlink(loop, loop)
        target, fragment = str(loop), "symlink loop"
    assert_usage_error(*run(["train", "--save", target], capsys), "--save", fragment)


def _interrupt(monkeypatch, method):
    def stop(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(NeuralNetworkClassifier, method, stop)


@pytest.mark.parametrize("save", [False, True])
def test_ctrl_c_during_fit_is_one_line_exit_130_and_writes_nothing(
    save, tmp_path, capsys, monkeypatch
):
    _interrupt(monkeypatch, "fit")
    argv = ["train", "--iters", "5", "--quiet"]
    if save:
        argv += ["--save", str(tmp_path / "m.nnb")]
    status, out, err = run(argv, capsys)
    assert (status, out, err) == (130, "", "nnbackend train: training interrupted\n")
    assert list(tmp_path.iterdir()) == []  # a half-trained model is no model


def test_ctrl_c_after_the_fit_saves_the_model_only_if_asked(tmp_path, capsys, monkeypatch):
    _interrupt(monkeypatch, "predict")
    target = tmp_path / "m.nnb"
    status, out, err = run(["train", "--iters", "5", "--quiet", "--save", str(target)], capsys)
    assert status == 130 and out == ""
    assert err == f"nnbackend train: training interrupted; the fitted model is saved to {target}\n"
    assert nnbackend.load(target).n_iter_ == 5
    target.unlink()
    assert run(["train", "--iters", "5", "--quiet"], capsys)[0] == 130
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_through_the_real_command(tmp_path):
    import signal

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONUNBUFFERED="1")
    # A suite started in the background of a shell without job control runs with SIGINT
    # ignored, and a child inherits that: Python then leaves it ignored, and the fit never
    # hears the Ctrl-C. A caught signal is reset to its default action by exec, so the child
    # starts as the command does in a user's terminal. (A preexec_fn would fork, which JAX
    # warns against in a process it runs in.)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "nnbackend", "train", "--iters", "10000000",
             "--save", str(tmp_path / "m.nnb")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        assert process.stdout.readline().startswith("training ")  # the fit is starting
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:  # a failed check must not leave a fit running, nor its pipes
            process.kill()
            process.communicate()
    assert process.returncode == 130
    lines = [line for line in err.splitlines() if not line.startswith("cost after")]
    assert lines[-1].endswith("nnbackend train: training interrupted"), err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
