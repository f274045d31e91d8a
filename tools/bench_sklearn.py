"""nnbackend.sklearn against scikit-learn: whole fits, the same data and settings.

Produces the rows of the speed table in docs/guide/coming-from-sklearn.md. Each row fits
scikit-learn's MLPClassifier and nnbackend.sklearn's on the same data with the same settings
(100 hidden units, batches of 200) for a fixed number of epochs on both sides: ``tol=0`` and
``n_iter_no_change=max_iter``, so that no stopping rule ends one fit earlier than the other.
Every fit of a row is timed in the same repeat, one after the other in a rotating order (so
that a noisy neighbour slows both alike), after one untimed fit of one epoch on the same data
(imports, JAX's compilation). The table gives each side's median time and its speed-up over
scikit-learn (above 1: nnbackend is faster) as the median of the repeats' paired ratios, with
their range: scikit-learn's time in a repeat over the side's time in the same repeat, so that
the machine's drift between repeats (a fifth on this shared machine) cancels out of the ratio.

The synthetic 10⁵ × 100 set runs fewer epochs and repeats (``--large-epochs``,
``--large-repeats``) so that the whole script takes minutes, not hours. Run it on a quiet
machine, with the BLAS thread count you mean to compare (scikit-learn's NumPy and nnbackend's
NumPy use the BLAS; JAX and PyTorch use their own thread pools)::

    python tools/bench_sklearn.py                              # numpy, jax and torch
    python tools/bench_sklearn.py --backends jax --datasets digits breast_cancer
    python tools/bench_sklearn.py --quick                      # a smoke run: small sizes
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

LARGE = "synthetic"
"""The name of the large synthetic data set (its size follows in the table)."""

DATASETS = ("digits", "breast_cancer", LARGE)


def datasets(names: tuple[str, ...], quick: bool) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The named data sets as float64 (X, y): digits (scaled to [0, 1]), breast cancer
    (standardised) and a synthetic 10⁵ × 100 classification set (2000 × 100 with ``quick``)."""
    from sklearn.datasets import load_breast_cancer, load_digits, make_classification
    from sklearn.preprocessing import StandardScaler

    out = {}
    if "digits" in names:
        X, y = load_digits(return_X_y=True)
        out["digits"] = (X / 16.0, y)
    if "breast_cancer" in names:
        X, y = load_breast_cancer(return_X_y=True)
        out["breast_cancer"] = (StandardScaler().fit_transform(X), y)
    if LARGE in names:
        n = 2_000 if quick else 100_000
        X, y = make_classification(n_samples=n, n_features=100, n_informative=20, random_state=0)
        out[LARGE] = (X, y)
    return {name: (X.astype(np.float64), y) for name, (X, y) in out.items()}


def settings(solver: str, epochs: int) -> dict[str, Any]:
    """The constructor arguments both sides get: a fixed ``epochs`` epochs of ``solver``."""
    return {
        "hidden_layer_sizes": (100,),
        "solver": solver,
        "batch_size": 200,
        "max_iter": epochs,
        "tol": 0.0,
        "n_iter_no_change": epochs,
        "random_state": 0,
    }


def _fitter(side: str, params: dict[str, Any], X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    # ``side`` is "sklearn" or an nnbackend backend name; one call is one whole fit
    if side == "sklearn":
        from sklearn.neural_network import MLPClassifier as Sk

        return lambda: Sk(**params).fit(X, y) and None

    import nnbackend
    from nnbackend.sklearn import MLPClassifier

    def fit() -> None:
        with nnbackend.use_backend(side):
            MLPClassifier(**params).fit(X, y)

    return fit


def time_row(
    sides: list[str], X: np.ndarray, y: np.ndarray, solver: str, epochs: int, repeats: int
) -> dict[str, list[float]]:
    """The seconds of ``repeats`` fits of every side, timed in rotating order, by side."""
    for side in sides:  # untimed: imports, compilation (same shapes), memory pools
        _fitter(side, settings(solver, 1), X, y)()
    fits = {side: _fitter(side, settings(solver, epochs), X, y) for side in sides}
    times: dict[str, list[float]] = {side: [] for side in sides}
    for repeat in range(repeats):
        shift = repeat % len(sides)
        for side in sides[shift:] + sides[:shift]:
            start = time.perf_counter()
            fits[side]()
            times[side].append(time.perf_counter() - start)
    return times


def speed_up(base: list[float], side: list[float]) -> tuple[float, float, float]:
    """The median of the repeats' paired ratios ``base / side``, and their minimum and maximum.

    A repeat times every side within seconds of the others: the ratio of two fits of the same
    repeat leaves out the machine's speed at that moment, which the ratio of two medians keeps.
    """
    ratios = [b / s for b, s in zip(base, side, strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def installed(backends: list[str]) -> list[str]:
    """The backends that are installed, in the order given (the others are named and left
    out)."""
    from nnbackend import backends as registry

    kept = []
    for name in backends:
        if registry.get(name).is_installed():
            kept.append(name)
        else:
            print(f"(left out: {name} is not installed)")
    return kept


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["numpy", "jax", "torch"])
    parser.add_argument("--solvers", nargs="+", default=["adam", "sgd"])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--epochs", type=int, default=10, help="epochs on digits, breast cancer")
    parser.add_argument("--repeats", type=int, default=7, help="fits timed per side and row")
    parser.add_argument("--large-epochs", type=int, default=5, help="epochs on the 10⁵ × 100 set")
    parser.add_argument("--large-repeats", type=int, default=3, help="its fits timed per side")
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    args = parser.parse_args(argv)
    for name in ("epochs", "repeats", "large_epochs", "large_repeats"):
        value = getattr(args, name)
        if value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    if args.quick:
        args.epochs, args.repeats, args.large_epochs, args.large_repeats = 2, 1, 2, 1
    backends = installed(args.backends)
    sides = ["sklearn", *backends]

    header = ["data", "solver", "epochs", "scikit-learn (s)"]
    for backend in backends:
        header += [f"{backend} (s)", f"{backend} speed-up [min–max]"]
    print("| " + " | ".join(header) + " |")
    print("|---" * len(header) + "|", flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fixed epoch count does not converge, on purpose
        for name, (X, y) in datasets(tuple(args.datasets), args.quick).items():
            large = name == LARGE
            epochs = args.large_epochs if large else args.epochs
            repeats = args.large_repeats if large else args.repeats
            label = f"{name} ({X.shape[0]} × {X.shape[1]})"
            for solver in args.solvers:
                seconds = time_row(sides, X, y, solver, epochs, repeats)
                base = seconds["sklearn"]
                cells = [label, solver, str(epochs), f"{statistics.median(base):.3f}"]
                for backend in backends:
                    ratio, low, high = speed_up(base, seconds[backend])
                    cells += [
                        f"{statistics.median(seconds[backend]):.3f}",
                        f"{ratio:.2f}× [{low:.2f}–{high:.2f}]",
                    ]
                print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
