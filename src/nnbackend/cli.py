"""The ``nnbackend`` command: ``info``, ``bench`` and ``train``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

__all__ = ["main"]


def _info(args: argparse.Namespace) -> int:
    from nnbackend.backend import info

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
    return 0


def _hidden(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hidden {text!r} is not valid: expected comma-separated ints such as 20,7,5"
        ) from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"--hidden {text!r}: every size must be a positive int")
    return sizes


def _load_data(args: argparse.Namespace):
    from nnbackend import datasets

    if args.dataset == "catvnoncat":
        if args.data is None:
            raise SystemExit(
                "--dataset catvnoncat needs --data PATH (the folder with the .h5 files)"
            )
        X_train, y_train, X_test, y_test, _ = datasets.load_catvnoncat(args.data)
        return X_train, X_test, y_train, y_test
    if args.dataset == "planar":
        X, y = datasets.make_planar(seed=1)
    else:
        X, y = datasets.make_moons(400, noise=0.2, seed=args.seed)
    return datasets.train_test_split(X, y, test_size=0.2, seed=args.seed)


def _train(args: argparse.Namespace) -> int:
    import nnbackend
    from nnbackend.errors import TrainingDivergedError

    if args.plot:
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            print("error: --plot needs matplotlib: pip install 'nnbackend[plot]'", file=sys.stderr)
            return 2
    X_train, X_test, y_train, y_test = _load_data(args)
    common = dict(
        solver=args.solver,
        learning_rate=args.lr,
        max_iter=args.iters,
        tol=None,
        random_state=args.seed,
        dtype=args.dtype,
        verbose=not args.quiet,
        batch_size=args.batch_size,
    )
    model: nnbackend.LogisticRegression | nnbackend.NeuralNetworkClassifier
    if args.model == "logistic":
        model = nnbackend.LogisticRegression(**common)
    else:
        model = nnbackend.NeuralNetworkClassifier(
            hidden_layer_sizes=args.hidden, activation=args.activation, init=args.init, **common
        )
    backend = nnbackend.get_backend()
    print(
        f"training {model!r} on {args.dataset} ({len(X_train)} train / {len(X_test)} test "
        f"samples) with backend {backend.name}"
    )
    try:
        model.fit(X_train, y_train)
    except TrainingDivergedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    curve = model.loss_curve_
    step = max(1, len(curve) // 10)
    for i in range(0, len(curve), step):
        print(f"  cost after iteration {i}: {curve[i]:.6f}")
    print(f"  final cost (iteration {len(curve) - 1}): {curve[-1]:.6f}")
    print(f"train accuracy: {100 * model.score(X_train, y_train):.2f} %")
    print(f"test accuracy: {100 * model.score(X_test, y_test):.2f} %")
    if args.save:
        model.save(args.save)
        print(f"saved the model to {args.save}")
    if args.plot:
        from nnbackend import plotting

        if X_train.shape[1] == 2:
            plotting.plot_decision_boundary(
                model,
                np.vstack([X_train, X_test]),
                np.concatenate([y_train, y_test]),
                path=args.plot,
            )
        else:
            plotting.plot_loss_curve(model, path=args.plot)
        print(f"wrote the plot to {args.plot}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from nnbackend.bench import run_from_cli

    return run_from_cli(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``nnbackend`` command."""
    parser = argparse.ArgumentParser(
        prog="nnbackend",
        description="The deep-learning course's networks on NumPy, CuPy, PyTorch, JAX or Dask.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p_info = sub.add_parser("info", help="backends, versions, devices and NumPy's BLAS")
    p_info.set_defaults(func=_info)

    p_bench = sub.add_parser("bench", help="time one gradient step: loops vs vectorized vs GPU")
    p_bench.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    p_bench.add_argument(
        "--backends",
        default="numpy,cupy,torch,jax",
        help="comma-separated implementations to time besides the loop "
        "(default: numpy,cupy,torch,jax; missing ones are skipped)",
    )
    p_bench.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p_bench.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p_bench.add_argument("--plot", metavar="PATH", help="write a PNG of time per step vs m")
    p_bench.add_argument(
        "--budget",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time budget per loop measurement (default 2 s, --quick 0.5 s)",
    )
    p_bench.set_defaults(func=_bench)

    p_train = sub.add_parser("train", help="train a model on a course data set")
    p_train.add_argument("--dataset", choices=["planar", "moons", "catvnoncat"], default="planar")
    p_train.add_argument("--data", metavar="PATH", help="folder of the cat/non-cat .h5 files")
    p_train.add_argument("--model", choices=["logistic", "mlp"], default="mlp")
    p_train.add_argument("--hidden", type=_hidden, default=(4,), metavar="N[,N...]")
    p_train.add_argument(
        "--activation", choices=["relu", "tanh", "sigmoid", "leaky_relu"], default="tanh"
    )
    p_train.add_argument("--init", choices=["he", "xavier", "small", "zeros"], default="xavier")
    p_train.add_argument("--solver", choices=["gd", "momentum", "adam"], default="gd")
    p_train.add_argument("--lr", type=float, default=1.2, help="learning rate (default 1.2)")
    p_train.add_argument("--iters", type=int, default=10000, help="iterations (default 10000)")
    p_train.add_argument("--batch-size", type=int, default=None)
    p_train.add_argument("--dtype", choices=["float32", "float64"], default=None)
    p_train.add_argument("--seed", type=int, default=0)
    p_train.add_argument("--save", metavar="PATH", help="save the fitted model there")
    p_train.add_argument(
        "--plot", metavar="PATH", help="PNG: the decision boundary (2-D data) or the loss curve"
    )
    p_train.add_argument("--quiet", action="store_true", help="no progress bar")
    p_train.set_defaults(func=_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    from nnbackend.errors import BackendError

    try:
        return int(args.func(args))
    except BackendError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
