"""Draw the documentation's figures (never committed).

* activations.png and activation-derivatives.png, from nnbackend.core.activations itself;
* planar-boundary.png, a 4-unit tanh network on the course's flower;
* bench-cpu.png, from the benchmark run recorded in docs/benchmarks/.

``mkdocs build`` draws them itself (``docs/scripts/hooks.py`` calls ``main()`` into a
temporary folder and adds them to the site as ``assets/generated/``). Run this file by hand to
look at them: ``python docs/scripts/make_figures.py [FOLDER]`` writes them into FOLDER, by
default ``docs/assets/generated/`` (git-ignored).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import nnbackend
from nnbackend import bench, datasets, plotting
from nnbackend.core import activations

DOCS = Path(__file__).resolve().parents[1]
OUT = DOCS / "assets" / "generated"
NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")


def activation_plots(out: Path) -> None:
    z = np.linspace(-5, 5, 501)
    fig, ax = plt.subplots(figsize=(6, 4))
    for name in NAMES:
        ax.plot(z, activations.activation_forward(z, name, slope=0.1), label=name)
    ax.set_title("Activation functions g(z) (leaky ReLU slope 0.1 for visibility)")
    ax.set_xlabel("z")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.savefig(out / "activations.png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 4))
    for name in NAMES:
        a = activations.activation_forward(z, name, slope=0.1)
        ax.plot(
            z,
            activations.activation_backward(np.ones_like(z), a, name, slope=0.1),
            label=f"{name}'",
        )
    ax.set_title("Derivatives g'(z), computed from a = g(z)")
    ax.set_xlabel("z")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.savefig(out / "activation-derivatives.png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def planar_plot(out: Path) -> None:
    X, y = datasets.make_planar()
    model = nnbackend.NeuralNetworkClassifier(
        (4,),
        activation="tanh",
        init="small",
        solver="gd",
        learning_rate=1.2,
        max_iter=10000,
        tol=None,
        random_state=np.random.RandomState(2),
    ).fit(X, y)
    ax = plotting.plot_decision_boundary(model, X, y, path=out / "planar-boundary.png")
    plt.close(ax.figure)


def bench_plot(out: Path) -> None:
    runs = sorted((DOCS / "benchmarks").glob("*.json"))
    if not runs:
        return
    report = json.loads(runs[-1].read_text())
    bench.plot(report, str(out / "bench-cpu.png"))


def main(out: Path = OUT) -> list[Path]:
    """Draw every figure into the folder ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    activation_plots(out)
    planar_plot(out)
    bench_plot(out)
    return sorted(out.glob("*.png"))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
