"""nnbackend.sklearn against scikit-learn: whole fits, the same data and settings.

Produces the rows of the speed table in docs/guide/coming-from-sklearn.md. Each row fits
scikit-learn's MLPClassifier and nnbackend.sklearn's on the same data with the same settings
(a fixed number of epochs: ``n_iter_no_change=inf`` so that no stopping rule ends one fit
earlier than the other), on every requested nnbackend backend, and reports the median time of
``--repeats`` fits and the speed-up over scikit-learn. Run it on a quiet machine::

    python tools/bench_sklearn.py --backends numpy jax torch
    python tools/bench_sklearn.py --quick            # a smoke run: small sizes, one repeat
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np


def datasets(quick: bool) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """digits, breast cancer (standardised) and a synthetic 10⁵ × 100 set."""
    from sklearn.datasets import load_breast_cancer, load_digits, make_classification
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    out = {"digits": (X / 16.0, y)}
    X, y = load_breast_cancer(return_X_y=True)
    out["breast_cancer"] = (StandardScaler().fit_transform(X), y)
    n = 2_000 if quick else 100_000
    X, y = make_classification(n_samples=n, n_features=100, n_informative=20, random_state=0)
    out[f"synthetic_{n}x100"] = (X, y)
    return out


def time_fit(make, X, y, repeats: int) -> float:
    """The median seconds of ``repeats`` fits (after one untimed warm-up fit)."""
    times = []
    for i in range(repeats + 1):
        model = make()
        start = time.perf_counter()
        model.fit(X, y)
        elapsed = time.perf_counter() - start
        if i:  # the first fit pays for imports and compilation
            times.append(elapsed)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["numpy"])
    parser.add_argument("--solvers", nargs="+", default=["adam", "sgd"])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.repeats = 2, 1

    import sklearn.neural_network as sk

    import nnbackend
    from nnbackend.sklearn import MLPClassifier

    settings = {
        "hidden_layer_sizes": (100,),
        "batch_size": 200,
        "max_iter": args.epochs,
        "n_iter_no_change": np.inf,
        "random_state": 0,
    }
    print(
        "| data | solver | scikit-learn (s) | "
        + " | ".join(f"nnbackend {b} (s) | speed-up {b}" for b in args.backends)
        + " |"
    )
    print("|---" * (3 + 2 * len(args.backends)) + "|")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fixed epoch count does not converge, on purpose
        for name, (X, y) in datasets(args.quick).items():
            X = X.astype(np.float64)
            for solver in args.solvers:
                params = {**settings, "solver": solver}
                base = time_fit(lambda p=params: sk.MLPClassifier(**p), X, y, args.repeats)
                cells = [name, solver, f"{base:.3f}"]
                for backend in args.backends:
                    with nnbackend.use_backend(backend):
                        ours = time_fit(lambda p=params: MLPClassifier(**p), X, y, args.repeats)
                    cells += [f"{ours:.3f}", f"{base / ours:.2f}×"]
                print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
