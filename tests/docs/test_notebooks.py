"""The course's notebooks (docs/notebooks/), executed top to bottom in a real Jupyter kernel.

Each notebook runs on NumPy and on PyTorch (the library comes from ``NNBACKEND``, which its
first cell reads), prints the course's numbers, and every plot cell (tagged ``plot``) shows a
PNG. A small notebook of its own checks the plots' manners: after the notebook's call of
``plot_decision_boundary`` the backend is still inline and a later ``plt.plot`` shows; the
Week 3 grid cell makes one figure with its panels.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import struct
from pathlib import Path

import pytest

from conftest import CAT_DATA

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "docs" / "notebooks"
NOTEBOOK_EXTRA = "pip install '.[notebooks]'"
PLOT_CALL = re.compile(
    r"\bplt\.(?:imshow|plot|scatter|figure)\(|plot_decision_boundary\(|plot_costs\("
    r"|print_mislabeled_images\("
)
FLOAT = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")


def _lines(*lines: str) -> list[str]:
    return [re.escape(line) for line in lines]


# What each notebook prints, in order: a regular expression, or (label, numbers) for the
# numbers printed after the label (compared to 1e-7, the 8 digits NumPy prints). The course's
# values; where BLAS rounding decides a digit, the pattern stops before it.
EXPECTED: dict[str, list] = {
    "week2-logistic-regression": [
        *_lines(
            "y = [1], it's a 'cat' picture.",
            "Number of training examples: m_train = 209",
            "Number of testing examples: m_test = 50",
            "Height/Width of each image: num_px = 64",
            "train_set_x_flatten shape: (12288, 209)",
            "sanity check after reshaping: [17 31 56 22 33]",
        ),
        ("sigmoid([0, 2]) = ", [0.5, 0.88079708]),
        ("w = ", [0.0, 0.0]),
        ("b = ", [0.0]),
        ("dw = ", [0.99845601, 2.39507239]),
        ("db = ", [0.00145557813678]),
        ("cost = ", [5.801545319394553]),
        ("w = ", [0.19033591, 0.12259159]),
        ("b = ", [1.92535983008]),
        ("dw = ", [0.67752042, 1.41625495]),
        ("db = ", [0.219194504541]),
        ("predictions = ", [1.0, 1.0, 0.0]),
        r"one gradient step on 20 images: loop [\d.]+ ms, vectorized \(\w+\) [\d.]+ ms",
        *_lines(
            "Cost after iteration 0: 0.693147\n",
            "Cost after iteration 100: 0.584508\n",
            "Cost after iteration 200: 0.466949\n",
            "Cost after iteration 1900: 0.140872\n",
            "train accuracy: 99.04306220095694 %",
            "test accuracy: 70.0 %",
            'y = 1, you predicted that it is a "cat" picture.',
            "learning rate is: 0.01",
            "train accuracy: 99.52153110047847 %",
            "test accuracy: 68.0 %",
            "learning rate is: 0.001",
            "train accuracy: 88.99521531100478 %",
            "test accuracy: 64.0 %",
            "learning rate is: 0.0001",
            "train accuracy: 68.42105263157895 %",
            "test accuracy: 36.0 %",
        ),
    ],
    "week3-planar": [
        *_lines(
            "The shape of X is: (2, 400)",
            "The shape of Y is: (1, 400)",
            "I have m = 400 training examples!",
        ),
        # scikit-learn's LogisticRegressionCV gets 47 % in the course; any linear model is
        # about as bad on the flower
        r"Accuracy of logistic regression: (4\d|5[0-5]) % ",
        *_lines(
            "The size of the input layer is: n_x = 2",
            "The size of the hidden layer is: n_h = 4",
            "The size of the output layer is: n_y = 1",
        ),
        ("W1 = ", [-0.00416758, -0.00056267, -0.02136196, 0.01640271, -0.01793436]),
        ("b1 = ", [0.0, 0.0, 0.0, 0.0]),
        ("W2 = ", [-0.01057952, -0.00909008, 0.00551454, 0.02292208]),
        ("cost = ", [0.5447066599017815]),
        r"one gradient step on 400 points: loop [\d.]+ ms, vectorized \(\w+\) [\d.]+ ms",
        *_lines(
            "Cost after iteration 0: 0.693048\n",
            "Cost after iteration 1000: 0.288083\n",
            "Cost after iteration 2000: 0.254385\n",
            "Cost after iteration 3000: 0.233864\n",
            "Accuracy: 90%",
            "Accuracy for 1 hidden units: 67.5 %",
            "Accuracy for 2 hidden units: 67.25 %",
            "Accuracy for 3 hidden units: 90.75 %",
            "Accuracy for 4 hidden units: 90.5 %",
            "Accuracy for 5 hidden units: 91.25 %",
        ),
        # 20 and 50 units: the course prints 90.0 and 90.25 %; after 5000 iterations BLAS
        # rounding moves a point or two across the boundary
        r"Accuracy for 20 hidden units: (89|90|91)\.\d+ %",
        r"Accuracy for 50 hidden units: (89|90|91)\.\d+ %",
    ],
    "week4-step-by-step": [
        ("W1 = ", [0.01624345, -0.00611756, -0.00528172, -0.01072969, 0.00865408, -0.02301539]),
        ("b1 = ", [0.0, 0.0]),
        ("W2 = ", [0.01744812, -0.00761207]),
        ("W1 = ", [0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388]),
        ("Z = ", [3.26295337, -1.23429987]),
        ("With sigmoid: A = ", [0.96890023, 0.11013289]),
        ("With ReLU: A = ", [3.43896131, 0.0]),
        ("AL = ", [0.03921668, 0.70498921, 0.19734387, 0.04728177]),
        re.escape("Length of caches list = 3"),
        ("cost = ", [0.2797765635793422]),
        ("dA_prev = ", [-1.15171336, 0.06718465, -0.3204696, 2.09812712]),
        ("dW = ", [0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716]),
        ("db = ", [-0.14713786, -0.11313155, -0.13209101]),
        re.escape("sigmoid:"),
        ("dA_prev = ", [0.11017994, 0.01105339, 0.09466817, 0.00949723, -0.05743092]),
        ("dW = ", [0.10266786, 0.09778551, -0.01968084]),
        ("db = ", [-0.05729622]),
        re.escape("relu:"),
        ("dA_prev = ", [0.44090989, 0.0, 0.37883606, 0.0, -0.2298228, 0.0]),
        ("dW = ", [0.44513824, 0.37371418, -0.10478989]),
        ("db = ", [-0.20837892]),
        ("dW1 = ", [0.41010002, 0.07807203, 0.13798444, 0.10502167, 0.0, 0.0, 0.0, 0.0]),
        ("db1 = ", [-0.22007063, 0.0, -0.02835349]),
        ("dA1 = ", [0.12913162, -0.44014127, -0.14175655, 0.48317296, 0.01663708, -0.05670698]),
        ("W1 = ", [0.0, 3.0]),
        ("b1 = ", [0.4]),
        ("unchanged: W1 = ", [1.0, 2.0]),
        r"one gradient step on 200 examples: loop [\d.]+ ms, vectorized \(\w+\) [\d.]+ ms",
        r"cost: loop (0\.\d{10})\d*, vectorized \1",
    ],
    "week4-cat-application": [
        *_lines(
            "y = 0. It's a non-cat picture.",
            "Number of training examples: 209",
            "train_x's shape: (12288, 209)",
        ),
        r"one gradient step, per image: loop [\d.]+ ms, vectorized \(\w+\) [\d.]+ ms",
        # the full value, as the notebook prints it: 0.6930497356599888 there; the last
        # digits are BLAS rounding
        r"Cost after iteration 0: 0\.69304973565998\d+\n",
        r"Cost after iteration 100: 0\.6464320953428\d+\n",
        r"Cost after iteration 2499: 0\.0442149821586\d+\n",
        *_lines("Accuracy: 0.9999999999999998\n", "Accuracy: 0.72\n"),
        r"Cost after iteration 0: 0\.77174932842376\d+\n",
        r"Cost after iteration 2499: 0\.088439943441\d+\n",
        *_lines("Accuracy: 0.9856459330143539\n", "Accuracy: 0.8\n"),
    ],
}
NEEDS_CAT_DATA = {"week2-logistic-regression", "week4-cat-application"}
BACKENDS = ["numpy", "torch"]


def _require_jupyter() -> None:
    for module in ("nbclient", "nbformat", "ipykernel", "matplotlib_inline", "matplotlib"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"a Jupyter kernel needs {module}: {NOTEBOOK_EXTRA}")


def _kernel_env(backend: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # the kernel picks its own (inline) matplotlib backend, as in Jupyter
        if k not in ("MPLBACKEND", "NNBACKEND_DEVICE")
    }
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    env["NNBACKEND"] = backend
    env["NNBACKEND_CATVNONCAT"] = str(CAT_DATA)
    # One thread: the kernel shares the CI machine's cores with pytest, and PyTorch's OpenMP
    # threads slow down by an order of magnitude when the cores are oversubscribed.
    env["OMP_NUM_THREADS"] = "1"
    return env


def _execute(nb, backend: str, cwd: Path):
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute(env=_kernel_env(backend))
    return nb


def _stdout(cell) -> str:
    return "".join(
        o.get("text", "")
        for o in cell.get("outputs", [])
        if o.output_type == "stream" and o.name == "stdout"
    )


def _pngs(cell) -> list[bytes]:
    return [
        base64.b64decode(o.data["image/png"])
        for o in cell.get("outputs", [])
        if o.output_type in ("display_data", "execute_result") and "image/png" in o.get("data", {})
    ]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _check_printed(out: str, expected: list) -> None:
    """Find each expectation in order, each after the one before."""
    position = 0
    for item in expected:
        if isinstance(item, tuple):
            label, numbers = item
            start = out.find(label, position)
            assert start >= 0, f"{label!r} not printed after position {position}:\n{out}"
            position = start + len(label)
            found = FLOAT.findall(out, position)[: len(numbers)]
            assert [float(v) for v in found] == pytest.approx(numbers, rel=1e-7, abs=1e-8), (
                label,
                found,
            )
        else:
            match = re.compile(item).search(out, position)
            assert match, f"{item!r} not printed after position {position}:\n{out[position:]}"
            position = match.end()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_notebooks_are_committed_without_outputs(name):
    import json

    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)
    first = "".join(code[0]["source"])
    assert 'NNBACKEND = os.environ.get("NNBACKEND", "numpy")' in first
    for cell in code:
        source = "".join(cell["source"])
        tagged = "plot" in cell.get("metadata", {}).get("tags", [])
        assert tagged == bool(PLOT_CALL.search(source)), f"{name}: tag the plot cell\n{source}"


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_notebook_runs_and_prints_the_courses_numbers(name, backend, tmp_path):
    _require_jupyter()
    import nbformat

    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    if name in NEEDS_CAT_DATA:
        if not (CAT_DATA / "train_catvnoncat.h5").exists():
            pytest.skip(f"cat data not found at {CAT_DATA} (set NNBACKEND_CATVNONCAT)")
        pytest.importorskip("h5py", reason="the cat data needs h5py: pip install '.[data]'")
    nb = _execute(nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4), backend, tmp_path)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    assert f"Backend(name='{backend}'" in _stdout(cells[1])
    _check_printed("".join(_stdout(c) for c in cells), EXPECTED[name])
    plot_cells = [c for c in cells if "plot" in c.metadata.get("tags", [])]
    assert plot_cells or name == "week4-step-by-step"
    for cell in plot_cells:
        pngs = _pngs(cell)
        assert len(pngs) == 1, f"{len(pngs)} images from\n{cell.source}"
        width, height = _png_size(pngs[0])
        assert width > 150 and height > 150 and len(pngs[0]) > 5_000, cell.source
    if name == "week3-planar":
        # the hidden-sizes grid: one tall figure (4 rows of 2 panels), not seven small ones
        width, height = _png_size(_pngs(plot_cells[-1])[0])
        assert height > width > 900


def test_plots_keep_the_inline_backend_and_fill_the_weeks_grid(tmp_path):
    _require_jupyter()
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cells = [
        "import matplotlib\n"
        "import matplotlib.pyplot as plt\n"
        "from nnbackend import plotting\n"
        "from nnbackend.course import shallow_network as sn\n"
        "%matplotlib inline\n"
        "X, Y = sn.load_planar_dataset()\n"
        "parameters = sn.nn_model(X, Y, 4, num_iterations=200)",
        # the planar notebook's call and its next line
        "plotting.plot_decision_boundary(lambda x: sn.predict(parameters, x.T), X, Y)\n"
        'plt.title("Decision Boundary for hidden layer size " + str(4))',
        "print(matplotlib.get_backend())",
        "plt.plot([1, 2, 3], [3, 1, 2])",
        # the Week 3 grid cell (three sizes, fewer iterations)
        "plt.figure(figsize=(16, 32))\n"
        "for i, n_h in enumerate([1, 2, 3]):\n"
        "    plt.subplot(5, 2, i + 1)\n"
        '    plt.title("Hidden Layer of size %d" % n_h)\n'
        "    parameters = sn.nn_model(X, Y, n_h, num_iterations=200)\n"
        "    plotting.plot_decision_boundary(lambda x: sn.predict(parameters, x.T), X, Y)\n"
        "print(len(plt.get_fignums()), [ax.get_title() for ax in plt.gcf().axes])",
    ]
    nb = new_notebook(cells=[new_code_cell(source) for source in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    nbformat.validate(nb)
    _execute(nb, "numpy", tmp_path)
    setup, boundary, backend, later, grid = nb.cells
    assert len(_pngs(boundary)) == 1
    assert "inline" in _stdout(backend)
    assert len(_pngs(later)) == 1  # a plain plt.plot after it still shows
    (png,) = _pngs(grid)  # one figure, 16 inches wide: the cell's own
    assert _png_size(png)[0] > 900
    titles = str([f"Hidden Layer of size {n}" for n in (1, 2, 3)])
    assert _stdout(grid).strip() == f"1 {titles}"
