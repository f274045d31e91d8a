"""``nnbackend predict MODEL FILE``: a saved model's predictions for a user's table."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from nnbackend._cli import UsageError
from nnbackend._cli.data import TABLE_SUFFIXES, read_table
from nnbackend._cli.paths import check_output

__all__ = ["OUTPUT_SUFFIXES", "add_parser", "predict"]

OUTPUT_SUFFIXES = (".csv", ".npy")


def add_parser(sub: argparse._SubParsersAction, formatter: type) -> argparse.ArgumentParser:
    """Add the ``predict`` command to ``sub``; returns its parser."""
    parser = sub.add_parser(
        "predict",
        help="predict with a saved model on a table (CSV, Parquet, .npy, .npz)",
        formatter_class=formatter,
        description="Write a saved model's predictions for each row of FILE: one label per "
        "row, in the rows' order. FILE holds the same feature columns as the file the model "
        "was trained on: matched by name where both name their columns (CSV, Parquet), else "
        "in the same order.",
    )
    parser.add_argument("model", metavar="MODEL", help="a model file written by train --save")
    parser.add_argument(
        "file", metavar="FILE", help=f"the samples: a {', '.join(TABLE_SUFFIXES)} file"
    )
    parser.add_argument(
        "--target",
        metavar="COLUMN",
        help="a labels column to leave out, as train's --target names it (default: none, "
        "every column is a feature)",
    )
    parser.add_argument(
        "--output",
        metavar="PATH",
        help="write the predictions there, as .csv (a 'prediction' column) or .npy "
        "(default: CSV on stdout)",
    )
    parser.set_defaults(func=predict, parser=parser)
    return parser


def _load_model(path: str) -> Any:
    import nnbackend
    from nnbackend.errors import ModelFileError

    where = f"argument MODEL: {path!r}"
    if not Path(path).exists():
        raise UsageError(f"{where} does not exist: expected a model file written by train --save")
    try:
        return nnbackend.load(path)
    except (ModelFileError, OSError) as exc:
        raise UsageError(f"{where} cannot be loaded: {exc}") from None


def _write(predictions: np.ndarray, output: str | None) -> None:
    if output is not None and output.lower().endswith(".npy"):
        with open(output, "wb") as fh:  # a file object: np.save would add a suffix to a name
            np.save(fh, predictions, allow_pickle=False)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["prediction"])
    writer.writerows([value] for value in predictions.tolist())
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        Path(output).write_text(buffer.getvalue(), encoding="utf-8")


def _in_model_order(
    X: np.ndarray, names: tuple[str, ...] | None, model: Any, args: argparse.Namespace
) -> np.ndarray:
    # A model trained on a CSV or Parquet file knows its columns by name: a file that names
    # as many columns is matched by name, whatever their order; anything else by position.
    fitted = getattr(model, "feature_names_in_", None)
    if fitted is None or names is None:
        return X
    fitted = [str(n) for n in fitted]
    missing = [n for n in fitted if n not in names]
    extra = [n for n in names if n not in fitted]
    if missing or extra:
        found = [f"lacks the model's columns {missing!r}"] if missing else []
        found += [f"has columns the model was not trained on {extra!r}"] if extra else []
        raise UsageError(
            f"argument FILE: {args.file!r} {' and '.join(found)}: expected the columns "
            f"{fitted!r} (in any order)"
        )
    return X[:, [names.index(n) for n in fitted]]


def predict(args: argparse.Namespace) -> int:
    """Run ``nnbackend predict``; returns the exit status.

    Raises
    ------
    UsageError
        For a bad model, file or output path: before anything is predicted or written.
    """
    import nnbackend

    check_output("--output", args.output, suffixes=OUTPUT_SUFFIXES)
    model = _load_model(args.model)
    X, _, names = read_table(args.file, args.target, option="FILE", need_target=False)
    expected = int(getattr(model, "n_features_in_", X.shape[1]))
    if X.shape[1] != expected:
        hint = "" if args.target else "; pass --target COLUMN to leave out a labels column"
        raise UsageError(
            f"argument FILE: {args.file!r} has {X.shape[1]} feature columns and the model "
            f"{expected}: expected the columns it was trained on{hint}"
        )
    X = _in_model_order(X, names, model, args)
    predictions = np.asarray(nnbackend.to_numpy(model.predict(X)))
    _write(predictions, args.output)
    if args.output is not None:
        print(f"wrote {len(predictions)} predictions to {args.output}")
    return 0
