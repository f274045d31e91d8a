"""The ``nnbackend`` command: ``info``, ``bench``, ``train`` and ``predict``.

Everything a command needs is checked before it starts working: option values when they are
parsed, then the output paths and the input data. A bad value ends in one line naming the
option, the value and what was expected, with exit status 2, never in a traceback, and never
after minutes of training or benchmarking.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from nnbackend import __version__
from nnbackend._cli import UsageError as _UsageError
from nnbackend._cli import predict as _predict
from nnbackend._cli import warn as _warn
from nnbackend._cli.data import CAT_FILES, TABLE_SUFFIXES, NamedTable, load_cat, read_table
from nnbackend._cli.paths import check_outputs as _check_outputs
from nnbackend.core.activations import HIDDEN_ACTIVATIONS
from nnbackend.core.initializers import INITS
from nnbackend.training.optimizers import SOLVERS

__all__ = ["DATASET_DEFAULTS", "build_parser", "main"]

DATASET_DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "planar": {
        # the planar assignment's network: 4 tanh units, lr 1.2, 10,000 iterations
        "mlp": {
            "hidden": (4,),
            "activation": "tanh",
            "init": "xavier",
            "lr": 1.2,
            "iters": 10000,
            "seed": 0,
        },
        "logistic": {"init": "zeros", "lr": 0.5, "iters": 500, "seed": 0},
    },
    "moons": {
        "mlp": {
            "hidden": (8,),
            "activation": "tanh",
            "init": "xavier",
            "lr": 1.0,
            "iters": 2000,
            "seed": 0,
        },
        "logistic": {"init": "zeros", "lr": 0.5, "iters": 500, "seed": 0},
    },
    "catvnoncat": {
        # Week 4's L_layer_model: np.random.seed(1), W = randn(n, n_prev) / sqrt(n_prev)
        "mlp": {
            "hidden": (20, 7, 5),
            "activation": "relu",
            "init": "xavier",
            "lr": 0.0075,
            "iters": 2500,
            "seed": 1,
        },
        # Week 2's model(): zero weights, lr 0.005, 2000 iterations
        "logistic": {"init": "zeros", "lr": 0.005, "iters": 2000, "seed": 1},
    },
    "table": {
        # a user's own file (--data FILE --target COLUMN): a small relu network
        "mlp": {
            "hidden": (16,),
            "activation": "relu",
            "init": "he",
            "lr": 0.1,
            "iters": 1000,
            "seed": 0,
        },
        "logistic": {"init": "zeros", "lr": 0.1, "iters": 1000, "seed": 0},
    },
}
"""The settings ``nnbackend train`` uses for each data set and model when an option is left
unset. An option given on the command line always wins."""

_LEGACY_SEEDING = frozenset({"catvnoncat"})
"""Data sets whose seed drives the notebooks' legacy ``np.random.seed(n)`` + ``randn`` stream."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line: what was wrong and where the help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows each option's default; a help text that states its default itself is kept as is."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text:
            return text
        return super()._get_help_string(action)


# ---------------------------------------------------------------------- option types
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not valid: expected an int >= 1")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:  # the range NumPy's seeding accepts
        raise argparse.ArgumentTypeError(
            f"{text!r} is not valid: expected an int from 0 to 2**32 - 1"
        )
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not valid: expected a positive number")
    return value


def _hidden(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not valid: expected comma-separated ints such as 20,7,5"
        ) from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"{text!r} is not valid: every size must be an int >= 1")
    return sizes


# ---------------------------------------------------------------------- info
def _info(args: argparse.Namespace) -> int:
    from nnbackend.backends import info

    report = info()
    active = report["active"]
    print(f"nnbackend: active backend {active or 'none'} (device {report.get('device', '-')})")
    if report.get("error"):
        print(f"  NNBACKEND problem: {report['error']}")
    print(f"NumPy BLAS: {report['numpy_blas']}")
    print(f"{'backend':<18}{'installed':<11}{'version':<16}devices")
    for name, entry in report["backends"].items():
        mark = "*" if name == active else " "
        devices = ", ".join(entry.get("devices", [])) or "-"
        print(
            f"{mark}{name:<17}{'yes' if entry['installed'] else 'no':<11}"
            f"{entry['version'] or '-':<16}{devices}"
        )
    _adapter_details()
    return 0


def _adapter_details() -> None:
    # Extra lines an adapter offers through describe() (where Dask computes, say), read from
    # the registry like everything else here; nothing is imported or connected for them.
    from nnbackend import backends

    for name in backends.registered():
        adapter = backends.get(name)
        describe = getattr(adapter, "describe", None)
        if describe is None or not adapter.is_installed():
            continue
        try:
            details = describe()
        except Exception as exc:  # a broken optional install must not break `info`
            details = {"error": f"{type(exc).__name__}: {exc}"}
        for key, value in details.items():
            print(f"{name} {key}: {value}")


# ---------------------------------------------------------------------- bench
_BENCH_BACKENDS = "numpy,cupy,torch,jax"
"""The implementations ``nnbackend bench`` times besides the loop when --backends is not given."""

_BENCH_APPLIES = {
    "--options": ("--quick", "--dtype", "--budget"),
    "--dask": ("--quick", "--dtype", "--json"),
}
"""What each special benchmark reads of the options; the step benchmark reads them all."""

_BENCH_VALUES = {
    "--backends": "backends",
    "--json": "json",
    "--plot": "plot",
    "--budget": "budget",
    "--passes": "passes",
}


def _check_bench_options(args: argparse.Namespace) -> None:
    # An option a benchmark does not read would be dropped without a word (--options --json
    # wrote no file): it is refused, naming what that benchmark reads.
    chosen = [flag for flag in _BENCH_APPLIES if getattr(args, flag.lstrip("-"))]
    if len(chosen) > 1:
        raise _UsageError(
            f"argument {chosen[1]}: not allowed with {chosen[0]}: choose one benchmark"
        )
    if args.backends is not None and not [b for b in args.backends.split(",") if b.strip()]:
        raise _UsageError(
            f"argument --backends: {args.backends!r} names no implementation: expected "
            "comma-separated names such as numpy,torch"
        )
    for flag in chosen:
        for option, attribute in _BENCH_VALUES.items():
            if option not in _BENCH_APPLIES[flag] and getattr(args, attribute) is not None:
                raise _UsageError(
                    f"argument {option}: not used by bench {flag} (it reads "
                    f"{', '.join(_BENCH_APPLIES[flag])})"
                )
    if args.backends is None:
        args.backends = _BENCH_BACKENDS


def _bench(args: argparse.Namespace) -> int:
    _check_bench_options(args)
    _check_outputs({"--json": (args.json, False), "--plot": (args.plot, True)})
    if getattr(args, "options", False):
        from nnbackend.bench.options import run_options_from_cli

        return run_options_from_cli(args)
    if args.dask:
        from nnbackend.bench.dask import run_dask_from_cli

        return run_dask_from_cli(args)
    from nnbackend.bench import run_from_cli

    return run_from_cli(args)


# ---------------------------------------------------------------------- train
def _resolve(args: argparse.Namespace) -> list[str]:
    """Fill the options left unset with the data set's defaults; say which given ones are ignored.

    Returns
    -------
    list of str
        One warning per option that was given but has no effect.

    Raises
    ------
    UsageError
        When ``--data`` names a folder and no ``--dataset`` says what it holds.
    """
    ignored = []
    if args.dataset is None:
        # a file (not a folder) given to --data is the user's own table; a folder names no
        # data set (training on the flower instead would answer another question)
        if args.data is not None and Path(args.data).is_dir():
            raise _UsageError(
                f"argument --data: {args.data!r} is a folder: expected a table file ending in "
                f"{', '.join(TABLE_SUFFIXES)}, or --dataset catvnoncat with the folder holding "
                f"{' and '.join(CAT_FILES)}"
            )
        args.dataset = "table" if args.data is not None else "planar"
    if args.target is not None and args.dataset != "table":
        ignored.append(f"--target is ignored with --dataset {args.dataset} (it has its labels)")
    if args.model == "logistic":
        for option, value in (("--hidden", args.hidden), ("--activation", args.activation)):
            if value is not None:
                ignored.append(
                    f"{option} is ignored with --model logistic (it has no hidden layer)"
                )
    if args.data is not None and args.dataset not in ("catvnoncat", "table"):
        ignored.append(f"--data is ignored with --dataset {args.dataset} (it is generated)")
    seed_given = args.seed is not None
    for name, value in DATASET_DEFAULTS[args.dataset][args.model].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if seed_given and args.dataset == "catvnoncat" and args.init == "zeros" and not args.batch_size:
        # the cat data comes split, zeros draw nothing and a full batch is never shuffled
        ignored.append(
            "--seed is ignored here: --init zeros draws nothing and a full batch is never shuffled"
        )
    return ignored


def _load_data(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from nnbackend import datasets

    if args.dataset == "catvnoncat":
        return load_cat(args.data)
    if args.dataset == "table":
        if args.data is None:
            raise _UsageError(
                "argument --data: required with --dataset table: expected a "
                f"{', '.join(TABLE_SUFFIXES)} file"
            )
        X, y, args.feature_names = read_table(args.data, args.target)
        if len(np.unique(y)) < 2:
            raise _UsageError(
                f"argument --target: column {args.target!r} of {args.data!r} holds one class "
                f"only ({y[0]!r}): expected labels of two classes or more to train a classifier"
            )
        if len(X) < 2:
            raise _UsageError(
                f"argument --data: {args.data!r} holds {len(X)} sample: expected at least 2 "
                "(one to train on, one to test)"
            )
        return datasets.train_test_split(X, y, test_size=0.2, seed=args.seed)
    if args.dataset == "planar":
        X, y = datasets.make_planar(seed=1)
    else:
        X, y = datasets.make_moons(400, noise=0.2, seed=args.seed)
    return datasets.train_test_split(X, y, test_size=0.2, seed=args.seed)


def build_model(args: argparse.Namespace) -> Any:
    """The estimator ``nnbackend train`` fits, from resolved options (see :data:`DATASET_DEFAULTS`).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``train`` options with the data set's defaults filled in.

    Returns
    -------
    LogisticRegression or NeuralNetworkClassifier
    """
    import nnbackend

    # The course's notebooks seed NumPy's legacy global stream; a RandomState replays it.
    seed = np.random.RandomState(args.seed) if args.dataset in _LEGACY_SEEDING else args.seed
    common = dict(
        solver=args.solver,
        learning_rate=args.lr,
        max_iter=args.iters,
        tol=None,
        init=args.init,
        random_state=seed,
        dtype=args.dtype,
        verbose=not args.quiet,
        batch_size=args.batch_size,
    )
    if args.model == "logistic":
        return nnbackend.LogisticRegression(**common)
    return nnbackend.NeuralNetworkClassifier(
        hidden_layer_sizes=args.hidden, activation=args.activation, **common
    )


def _describe(args: argparse.Namespace) -> str:
    parts = []
    if args.model == "mlp":
        parts.append(f"hidden {','.join(map(str, args.hidden))} {args.activation}")
    parts += [f"init {args.init}", f"solver {args.solver}", f"lr {args.lr:g}"]
    parts.append(f"{args.iters} {'epochs' if args.batch_size else 'iterations'}")
    if args.batch_size:
        parts.append(f"batches of {args.batch_size}")
    legacy = args.dataset in _LEGACY_SEEDING
    parts.append(f"seed {args.seed}" + (" (np.random.seed, as the notebooks)" if legacy else ""))
    return f"{args.model} ({', '.join(parts)})"


def _plot(model: Any, args: argparse.Namespace, X: np.ndarray, y: np.ndarray) -> None:
    from nnbackend import plotting

    if X.shape[1] == 2:
        plotting.plot_decision_boundary(model, X, y, path=args.plot)
    else:
        plotting.plot_loss_curve(model, path=args.plot)


def _check_memory(args: argparse.Namespace, X: np.ndarray, y: np.ndarray) -> None:
    from nnbackend.estimators.memory import check_fit_memory

    hidden = tuple(args.hidden) if args.model == "mlp" else ()
    outputs = len(np.unique(y))
    dims = [X.shape[1], *hidden, 1 if outputs <= 2 else outputs]
    setting = "argument --hidden " + ",".join(map(str, hidden)) if hidden else "the data"
    try:
        check_fit_memory(dims, len(X), args.dtype or "float64", args.batch_size, setting)
    except ValueError as exc:
        raise _UsageError(str(exc).replace("smaller hidden layers", "a smaller --hidden")) from None


def _data_name(args: argparse.Namespace) -> str:
    if args.dataset == "table":
        return f"{args.data} (labels: {args.target})"
    return str(args.dataset)


def _train(args: argparse.Namespace) -> int:

    _check_outputs({"--save": (args.save, False), "--plot": (args.plot, True)})
    for message in _resolve(args):
        _warn("train", message)
    X_train, X_test, y_train, y_test = _load_data(args)
    _check_memory(args, X_train, y_train)
    model = build_model(args)
    saved = False
    try:
        status = _fit_and_report(model, args, X_train, X_test, y_train, y_test)
        if status == 0 and args.save is not None:
            status = _save(model, args.save, args.quiet)
            saved = status == 0
        if status == 0 and args.plot is not None:
            _plot(model, args, np.vstack([X_train, X_test]), np.concatenate([y_train, y_test]))
            if not args.quiet:
                print(f"wrote the plot to {args.plot}")
        return status
    except KeyboardInterrupt:
        # A fit stopped halfway leaves the estimator as it was (unfitted): nothing to save.
        # Stopped later (predicting, plotting), the model is whole and --save asked for it.
        fitted = hasattr(model, "classes_")
        if args.save is not None and not saved and fitted and _save(model, args.save, True) == 0:
            print(
                f"nnbackend train: training interrupted; the fitted model is saved to {args.save}",
                file=sys.stderr,
            )
            return 130
        print("nnbackend train: training interrupted", file=sys.stderr)
        return 130


def _fit_and_report(
    model: Any,
    args: argparse.Namespace,
    X_train: np.ndarray,
    X_test: np.ndarray,
    y_train: np.ndarray,
    y_test: np.ndarray,
) -> int:
    import nnbackend
    from nnbackend.errors import TrainingDivergedError

    say = (lambda *a: None) if args.quiet else print
    say(
        f"training {_describe(args)} on {_data_name(args)}: {len(X_train)} train / "
        f"{len(X_test)} test samples, backend {nnbackend.get_backend().name}"
    )
    # a table's column names go into the model (feature_names_in_), for predict to match
    names = getattr(args, "feature_names", None)
    try:
        model.fit(X_train if names is None else NamedTable(X_train, names), y_train)
    except TrainingDivergedError as exc:
        print(f"nnbackend train: error: {exc}", file=sys.stderr)
        return 1
    predicted = {
        "train": np.asarray(nnbackend.to_numpy(model.predict(X_train))),
        "test": np.asarray(nnbackend.to_numpy(model.predict(X_test))),
    }
    seen = np.unique(np.concatenate(list(predicted.values())))
    if len(seen) == 1 and len(model.classes_) > 1:
        _warn(
            "train",
            f"the model predicts one class only ({seen[0].item()!r}) on all "
            f"{len(X_train) + len(X_test)} samples: it has not learned to tell the classes "
            "apart; try another --lr, more --iters or another --init",
        )
    print(f"train accuracy: {100 * np.mean(predicted['train'] == y_train):.2f} %")
    print(f"test accuracy: {100 * np.mean(predicted['test'] == y_test):.2f} %")
    return 0


def _save(model: Any, path: str, quiet: bool) -> int:
    try:
        model.save(path)
    except (OSError, ValueError) as exc:
        print(f"nnbackend train: error: --save {path!r}: {exc}", file=sys.stderr)
        return 1
    if not quiet:
        print(f"saved the model to {path}")
    return 0


def _defaults_table() -> str:
    rows = [("dataset", "model", "hidden", "activation", "init", "lr", "iters", "seed")]
    for dataset, models in DATASET_DEFAULTS.items():
        for model, d in models.items():
            hidden = ",".join(map(str, d["hidden"])) if "hidden" in d else "-"
            rows.append(
                (
                    dataset,
                    model,
                    hidden,
                    d.get("activation", "-"),
                    d["init"],
                    f"{d['lr']:g}",
                    str(d["iters"]),
                    str(d["seed"]),
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return (
        "defaults per data set and model (an option you give wins):\n  "
        + "\n  ".join(lines)
        + "\n\ncatvnoncat mlp is Week 4's L_layer_model (np.random.seed(1), randn / sqrt(n_prev));"
        "\ncatvnoncat logistic is Week 2's model()."
        "\ntable is your own file: --data FILE --target COLUMN (scale its features first)."
    )


# ---------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``nnbackend`` command."""
    parser = _Parser(
        prog="nnbackend",
        description="The deep-learning course's networks on NumPy, CuPy, PyTorch, JAX or Dask.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p_info = sub.add_parser(
        "info", help="backends, versions, devices and NumPy's BLAS", formatter_class=_Formatter
    )
    p_info.set_defaults(func=_info, parser=p_info)

    p_bench = sub.add_parser(
        "bench",
        help="time one gradient step: loops vs vectorized vs GPU",
        formatter_class=_Formatter,
    )
    p_bench.add_argument(
        "--quick", action="store_true", help="a short run (the small cases, a smaller budget)"
    )
    p_bench.add_argument(
        "--backends",
        default=None,
        help="comma-separated implementations to time besides the loop (missing ones are "
        f"skipped) (default: {_BENCH_BACKENDS})",
    )
    p_bench.add_argument(
        "--dtype", choices=["float32", "float64"], default="float32", help="the arrays' dtype"
    )
    p_bench.add_argument(
        "--json", metavar="PATH", help="write the results as JSON there (default: not written)"
    )
    p_bench.add_argument(
        "--plot",
        metavar="PATH",
        help="write a figure of time per step vs m there, e.g. bench.png (default: not drawn)",
    )
    p_bench.add_argument(
        "--budget",
        type=_positive_float,
        default=None,
        metavar="SECONDS",
        help="time budget per loop measurement (default: 2, or 0.5 with --quick)",
    )
    p_bench.add_argument(
        "--passes",
        type=_positive_int,
        default=None,
        metavar="N",
        help="visits of every case; each row's samples are pooled over them, so they come "
        "from the whole run, not one short window (default: 3)",
    )
    p_bench.add_argument(
        "--dask",
        action="store_true",
        help="time data-parallel training on Dask LocalClusters (1 and 2 workers) against "
        "in-memory NumPy instead (needs the dask extra; --quick, --dtype and --json apply)",
    )
    p_bench.add_argument(
        "--options",
        action="store_true",
        help="time whole fits with one option each (alpha, sample_weight, momentum, adam, "
        "early_stopping) against the plain compiled GD fit on JAX and PyTorch, and print the "
        "ratios (--quick, --dtype and --budget apply)",
    )
    p_bench.set_defaults(func=_bench, parser=p_bench)

    p_train = sub.add_parser(
        "train",
        help="train a model on a course data set or on your own table",
        formatter_class=_Formatter,
        epilog=_defaults_table(),
    )
    dataset_default = "(default: the data set's, see the table below)"
    p_train.add_argument(
        "--dataset",
        choices=list(DATASET_DEFAULTS),
        default=None,
        help="the data: the course's flower, two moons, the cat images (needs --data), or "
        "your own table (--data FILE --target COLUMN) (default: table when --data names a "
        "file, else planar)",
    )
    p_train.add_argument(
        "--data",
        metavar="PATH",
        help=f"your table, a {', '.join(TABLE_SUFFIXES)} file; or, with --dataset catvnoncat, "
        f"the folder with {' and '.join(CAT_FILES)} (default: none)",
    )
    p_train.add_argument(
        "--target",
        metavar="COLUMN",
        help="where --data FILE holds the labels: a column name (.csv, .parquet), a column "
        "index (.npy, -1 for the last) or an array name (.npz; the features are its array X "
        "or its only other array) (default: none; a table needs it)",
    )
    p_train.add_argument(
        "--model", choices=["logistic", "mlp"], default="mlp", help="the estimator to fit"
    )
    p_train.add_argument(
        "--hidden", type=_hidden, metavar="N[,N...]", help=f"hidden layer sizes {dataset_default}"
    )
    p_train.add_argument(
        "--activation",
        choices=HIDDEN_ACTIVATIONS,
        help=f"the hidden layers' activation {dataset_default}",
    )
    p_train.add_argument(
        "--init", choices=list(INITS), help=f"weight initialisation {dataset_default}"
    )
    p_train.add_argument("--solver", choices=SOLVERS, default="gd", help="the optimizer")
    p_train.add_argument(
        "--lr", type=_positive_float, metavar="RATE", help=f"learning rate {dataset_default}"
    )
    p_train.add_argument(
        "--iters",
        type=_positive_int,
        metavar="N",
        help=f"iterations (epochs with --batch-size) {dataset_default}",
    )
    p_train.add_argument(
        "--batch-size",
        type=_positive_int,
        metavar="N",
        help="mini-batch size (default: the full batch, as the course)",
    )
    p_train.add_argument(
        "--dtype",
        choices=["float32", "float64"],
        help="the arrays' dtype (default: the data's, float64)",
    )
    p_train.add_argument(
        "--seed",
        type=_seed,
        help=f"seeds the initialisation, the split and the moons {dataset_default}",
    )
    p_train.add_argument(
        "--save", metavar="PATH", help="save the fitted model there (default: not saved)"
    )
    p_train.add_argument(
        "--plot",
        metavar="PATH",
        help="draw the decision boundary (2-D data) or the loss curve there, e.g. plot.png "
        "(default: not drawn)",
    )
    p_train.add_argument(
        "--quiet", action="store_true", help="print only the final accuracies (and warnings)"
    )
    p_train.set_defaults(func=_train, parser=p_train)
    _predict.add_parser(sub, _Formatter)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (argparse exits with 2 on a usage error)."""
    args = build_parser().parse_args(argv)
    from nnbackend.errors import BackendError

    try:
        return int(args.func(args))
    except _UsageError as exc:
        command_parser: argparse.ArgumentParser = args.parser
        command_parser.error(str(exc))
    except BackendError as exc:
        print(f"nnbackend {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C outside training (train handles its own): one line, the shell's 128 + SIGINT
        print(f"nnbackend {args.command}: interrupted", file=sys.stderr)
        return 130
