"""Draw the documentation's figures into docs/assets/generated/ (not committed).

* activations.png and activation-derivatives.png, from nnbackend.activations itself;
* planar-boundary.png, a 4-unit tanh network on the course's flower;
* bench-cpu.png, from the benchmark run recorded in docs/benchmarks/.

Run before ``mkdocs build`` (the nox ``docs`` session and the test suite do).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import nnbackend
from nnbackend import activations, bench, datasets, plotting

DOCS = Path(__file__).resolve().parents[1]
OUT = DOCS / "assets" / "generated"
NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")


def activation_plots() -> None:
    z = np.linspace(-5, 5, 501)
    fig, ax = plt.subplots(figsize=(6, 4))
    for name in NAMES:
        ax.plot(z, activations.activation_forward(z, name, slope=0.1), label=name)
    ax.set_title("Activation functions g(z) (leaky ReLU slope 0.1 for visibility)")
    ax.set_xlabel("z")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.savefig(OUT / "activations.png", dpi=110, bbox_inches="tight")
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
    fig.savefig(OUT / "activation-derivatives.png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def planar_plot() -> None:
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
    fig = plotting.plot_decision_boundary(model, X, y, path=OUT / "planar-boundary.png")
    plt.close(fig)


def bench_plot() -> None:
    runs = sorted((DOCS / "benchmarks").glob("*.json"))
    if not runs:
        return
    report = json.loads(runs[-1].read_text())
    bench.plot(report, str(OUT / "bench-cpu.png"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    activation_plots()
    planar_plot()
    bench_plot()


if __name__ == "__main__":
    main()
