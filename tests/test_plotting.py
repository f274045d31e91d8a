"""The plots: pyplot's conventions in a session, a bare Agg figure for a file without one, the
backend never switched, files written exactly where told, and the notebooks' helpers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from nnbackend.course import shallow_network as sn

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter (a process with no pyplot loaded yet)."""
    environ = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    environ.update(env, PYTHONPATH=str(ROOT / "src"))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _planar_model():
    X, Y = sn.load_planar_dataset()
    parameters = sn.nn_model(X, Y, 4, num_iterations=200)
    return X, Y, lambda x: sn.predict(parameters, x.T)


def test_a_file_without_a_pyplot_session_never_loads_pyplot(tmp_path):
    # the command line's way: nothing imported pyplot, so the figure is a bare Agg Figure
    out = _run(
        f"""
        import sys
        import numpy as np
        from nnbackend import plotting
        from nnbackend.course import shallow_network as sn
        X, Y = sn.load_planar_dataset()
        ax = plotting.plot_decision_boundary(lambda x: x[:, 0] > 0, X, Y,
                                             path={str(tmp_path / "b.png")!r}, resolution=40)
        print("matplotlib.pyplot" in sys.modules, type(ax.figure.canvas).__name__)
        """
    )
    assert out.split() == ["False", "FigureCanvasAgg"]
    assert (tmp_path / "b.png").stat().st_size > 5_000


def test_the_backend_in_use_is_never_switched(tmp_path):
    # a session on a backend other than Agg (the notebook's inline one, in Jupyter) keeps it,
    # and the plot drawn the notebook's way lands on the session's current figure
    out = _run(
        f"""
        import matplotlib
        import matplotlib.pyplot as plt
        from nnbackend import plotting
        from nnbackend.course import shallow_network as sn
        X, Y = sn.load_planar_dataset()
        before = matplotlib.get_backend()
        ax = plotting.plot_decision_boundary(lambda x: x[:, 0] > 0, X, Y, resolution=40)
        plotting.plot_decision_boundary(lambda x: x[:, 0] > 0, X, Y,
                                        path={str(tmp_path / "b.svg")!r}, resolution=40)
        print(before, matplotlib.get_backend(), ax.figure is plt.figure(1))
        """,
        MPLBACKEND="svg",
    )
    assert out.split() == ["svg", "svg", "True"]
    assert (tmp_path / "b.svg").read_text().lstrip().startswith("<?xml")


def test_the_week3_grid_cell_fills_one_figure_and_keeps_the_titles(numpy_backend):
    import matplotlib.pyplot as plt

    from nnbackend import plotting

    X, Y, model = _planar_model()
    # the notebook's cell, unchanged but for the resolution
    figure = plt.figure(figsize=(16, 32))
    hidden_layer_sizes = [1, 2, 3]
    for i, n_h in enumerate(hidden_layer_sizes):
        plt.subplot(5, 2, i + 1)
        plt.title(f"Hidden Layer of size {n_h}")
        plotting.plot_decision_boundary(model, X, Y, resolution=40)
    assert plt.get_fignums() == [figure.number]
    assert [ax.get_title() for ax in figure.axes] == [
        f"Hidden Layer of size {n}" for n in hidden_layer_sizes
    ]
    assert all(len(ax.collections) >= 2 for ax in figure.axes)  # regions and points in each


def test_plots_land_exactly_at_the_path_given(tmp_path, numpy_backend):
    from nnbackend import plotting

    X, Y, model = _planar_model()
    for bad, message in [
        (tmp_path, "is a directory"),
        (tmp_path / "boundary", r"does not name an image format: .*\.png.*boundary\.png"),
        (tmp_path / "boundary.txt", "does not name an image format"),
        ("", "expected a file path"),
    ]:
        with pytest.raises(ValueError, match=message):
            plotting.plot_decision_boundary(model, X, Y, path=bad, resolution=20)
    assert list(tmp_path.iterdir()) == []  # refused before anything was written
    for name in ("boundary.PNG", "boundary.pdf", "curve.svg"):
        plotting.plot_decision_boundary(model, X, Y, path=tmp_path / name, resolution=20)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "boundary.PNG",
        "boundary.pdf",
        "curve.svg",
    ]
    assert (tmp_path / "boundary.PNG").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "boundary.pdf").read_bytes()[:4] == b"%PDF"


def test_plot_costs_takes_the_costs_of_any_library(backend, tmp_path):
    import matplotlib.pyplot as plt

    import nnbackend
    from nnbackend import plotting

    costs = [nnbackend.asarray(np.asarray(c)) for c in (0.7, 0.5, 0.3)]
    ax = plotting.plot_costs(costs, learning_rate=0.0075)
    assert ax is plt.gca()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.7, 0.5, 0.3])
    assert ax.get_title() == "Learning rate =0.0075"  # the notebook's title, as it writes it
    assert ax.get_xlabel() == "iterations (per hundreds)" and ax.get_ylabel() == "cost"
    plotting.plot_costs(np.array([0.7, 0.6]), path=tmp_path / "costs.png")
    assert (tmp_path / "costs.png").stat().st_size > 5_000


def test_print_mislabeled_images_shows_each_wrong_image_and_leaves_rcparams_alone():
    import matplotlib.pyplot as plt

    from nnbackend import plotting

    rng = np.random.default_rng(0)
    X = rng.random((8 * 8 * 3, 6))
    y = np.array([[1, 0, 1, 0, 1, 0]])
    p = np.array([[1.0, 1.0, 0.0, 0.0, 1.0, 1.0]])  # examples 1, 2 and 5 are wrong
    classes = np.array([b"non-cat", b"cat"])
    size = tuple(plt.rcParams["figure.figsize"])
    axes = plotting.print_mislabeled_images(classes, X, y, p)
    assert len(axes) == 3 and all(ax.figure is plt.gcf() for ax in axes)
    assert axes[0].get_title() == "Prediction: cat \n Class: non-cat"
    assert axes[1].get_title() == "Prediction: non-cat \n Class: cat"
    np.testing.assert_allclose(axes[0].images[0].get_array(), X[:, 1].reshape(8, 8, 3))
    assert tuple(plt.rcParams["figure.figsize"]) == size
    assert plotting.print_mislabeled_images(classes, X, y, y) == []
    with pytest.raises(ValueError, match="square RGB images"):
        plotting.print_mislabeled_images(classes, X[:-1], y, p)


@pytest.mark.parametrize(
    ("resolution", "error", "message"),
    [
        (10**9, ValueError, r"resolution=1000000000 is too large: .* over the cap of 8\.0 GiB"),
        (1, ValueError, r"resolution=1 is not valid: expected an int >= 2"),
        (-1, ValueError, r"resolution=-1 is not valid: expected an int >= 2"),
        (2.5, TypeError, r"resolution=2.5 is not valid: expected an int >= 2"),
        ("x", TypeError, r"resolution='x' is not valid: expected an int >= 2"),
    ],
)
def test_a_bad_resolution_is_refused_before_the_grid_is_made(
    numpy_backend, resolution, error, message
):
    from nnbackend import plotting

    X = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 2.0]])
    called = []
    with pytest.raises(error, match=message):
        plotting.plot_decision_boundary(
            lambda rows: called.append(rows) or rows[:, 0] > 0,
            X,
            np.array([[0, 1, 1]]),
            resolution=resolution,
        )
    assert not called


@pytest.mark.parametrize(
    "plot",
    [
        lambda plotting: plotting.plot_costs([1.0, 0.5], ax="ax"),
        lambda plotting: plotting.plot_loss_curve(
            type("Fitted", (), {"loss_curve_": [1.0, 0.5]})(), ax="ax"
        ),
    ],
)
def test_an_ax_that_is_no_axes_is_named(numpy_backend, plot):
    from nnbackend import plotting

    with pytest.raises(TypeError, match=r"ax='ax' is not valid: expected a matplotlib Axes"):
        plot(plotting)


@pytest.mark.parametrize(
    ("costs", "error", "message"),
    [
        ([], ValueError, "costs is empty: expected at least one cost"),
        (["a"], TypeError, "costs must hold numbers"),
        ({"a": 1}, TypeError, "costs must be a sequence of numbers .*got dict"),
        ("0.5", TypeError, "costs must be a sequence of numbers .*got str"),
    ],
)
def test_plot_costs_refuses_what_holds_no_cost(numpy_backend, costs, error, message):
    from nnbackend import plotting

    with pytest.raises(error, match=message):
        plotting.plot_costs(costs)
