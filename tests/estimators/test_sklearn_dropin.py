"""nnbackend.sklearn against scikit-learn: the same weights from the same seed, and
scikit-learn's own test file for its MLP run against the drop-in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import nnbackend

sklearn = pytest.importorskip("sklearn")
pytest.importorskip("scipy")

from sklearn.datasets import load_digits  # noqa: E402

from nnbackend.sklearn import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn import neural_network as sk_nn  # noqa: E402

SOLVERS = [
    pytest.param({"solver": "sgd", "nesterovs_momentum": False}, id="sgd-momentum"),
    pytest.param({"solver": "sgd"}, id="sgd-nesterov"),
    pytest.param({"solver": "sgd", "momentum": 0.0}, id="sgd-plain"),
    pytest.param({"solver": "sgd", "learning_rate": "invscaling"}, id="sgd-invscaling"),
    pytest.param(
        {"solver": "sgd", "learning_rate": "adaptive", "tol": 0.5, "n_iter_no_change": 2},
        id="sgd-adaptive",
    ),
    pytest.param({"solver": "adam"}, id="adam"),
    pytest.param({"solver": "lbfgs"}, id="lbfgs"),
]

# Only the import line of scikit-learn's file changes; global_random_seed is a fixture of
# scikit-learn's own conftest, which the copy does not see.
IMPORT_LINE = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
CONFTEST = """
import pytest

@pytest.fixture
def global_random_seed():
    return 42
"""
# The cases that read scikit-learn's private attributes nnbackend does not keep, by name.
PRIVATE = {
    "test_gradient": "calls the private _loss_grad_lbfgs with scikit-learn's work buffers",
}
MIN_PASSED = 57


@pytest.mark.parametrize("options", SOLVERS)
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_same_weights_as_sklearn(kind, options):
    X, y = load_digits(n_class=3, return_X_y=True)
    X = X / 16.0
    ours_cls, theirs_cls = (
        (MLPClassifier, sk_nn.MLPClassifier)
        if kind == "classifier"
        else (MLPRegressor, sk_nn.MLPRegressor)
    )
    target = y if kind == "classifier" else y.astype(np.float64)
    common = {
        "hidden_layer_sizes": (20,),
        "random_state": 0,
        "max_iter": 20,
        "batch_size": 50,
        "learning_rate_init": 0.001 if options["solver"] == "adam" else 0.01,
        **options,
    }
    # scikit-learn's weights to 1e-8 is a NumPy float64 promise; the other libraries are
    # compared with NumPy's eager loop in tests/training/test_driver.py
    with warnings.catch_warnings(), nnbackend.use_backend("numpy"):
        warnings.simplefilter("ignore")
        theirs = theirs_cls(**common).fit(X, target)
        ours = ours_cls(**common).fit(X, target)
    # the same seed draws the same initial weights (scikit-learn's order, on the host)
    assert ours.n_iter_ == theirs.n_iter_
    pairs = zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True)
    for a, b in pairs:
        assert a.dtype == b.dtype == np.float64
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.loss_, theirs.loss_, rtol=1e-8)


def test_same_weights_from_sklearn_initial_weights():
    # Weights set from a scikit-learn model (warm_start) train on to the same weights.
    X, y = load_digits(n_class=2, return_X_y=True)
    X = X / 16.0
    # n_iter_no_change=inf: the two histories before the warm start differ, and so would the
    # stall counts that carry over it
    common = {
        "hidden_layer_sizes": (8,),
        "solver": "sgd",
        "max_iter": 20,
        "warm_start": True,
        "n_iter_no_change": np.inf,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sk_nn.MLPClassifier(random_state=3, max_iter=1, hidden_layer_sizes=(8,))
        theirs.fit(X, y)
        ours = MLPClassifier(**common, shuffle=False)
        ours.fit(X, y)  # makes the attributes; then its weights become scikit-learn's
        ours.coefs_ = [c.copy() for c in theirs.coefs_]
        ours.intercepts_ = [b.copy() for b in theirs.intercepts_]
        theirs.set_params(**common, shuffle=False)
        theirs.fit(X, y)
        ours.fit(X, y)
    pairs = zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True)
    for a, b in pairs:
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-8)


def run_sklearn_test_file(tmp_path: Path, env: dict[str, str] | None = None) -> dict:
    """scikit-learn's installed test_mlp.py with its import line changed, run with pytest."""
    source = Path(sk_nn.__file__).parent / "tests" / "test_mlp.py"
    text = source.read_text()
    assert text.count(IMPORT_LINE) == 1, "scikit-learn's import line moved: update IMPORT_LINE"
    patched = text.replace(IMPORT_LINE, "from nnbackend.sklearn import MLPClassifier, MLPRegressor")
    (tmp_path / "test_mlp.py").write_text(patched)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    src = str(Path(__file__).resolve().parents[2] / "src")
    run_env = {**os.environ, **(env or {})}
    if env and "NNBACKEND" in env and "NNBACKEND_DEVICE" not in env:
        run_env.pop("NNBACKEND_DEVICE", None)  # the suite's device belongs to its own library
    run_env["PYTHONPATH"] = os.pathsep.join([src, run_env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", "test_mlp.py"],
        cwd=tmp_path,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    out = proc.stdout
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|error)", out)}
    failed = re.findall(r"^FAILED test_mlp\.py::(\S+)", out, flags=re.M)
    return {"passed": counts.get("passed", 0), "failed": failed, "output": out[-4000:]}


@pytest.mark.slow
def test_sklearn_test_file_passes(tmp_path):
    # the Done-when's count is the default library's (NumPy); the other libraries' counts are
    # recorded in docs/guide/coming-from-sklearn.md
    result = run_sklearn_test_file(tmp_path, {"NNBACKEND": "numpy"})
    print(f"\nscikit-learn's test_mlp.py: {result['passed']} passed")
    for name in result["failed"]:
        why = PRIVATE.get(name.split("[")[0], "UNEXPECTED")
        print(f"  failing: {name} ({why})")
    assert result["passed"] >= MIN_PASSED, result["output"]
    for name in result["failed"]:
        assert name.split("[")[0] in PRIVATE, f"{name} fails and reads no private attribute"


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_jax_fit_runs_the_compiled_loop(solver, monkeypatch):
    # The drop-in's fit is the driver's: on JAX it runs the jax.jit device loop, with no
    # option sending it to the eager loop (which would say so with a PerformanceWarning).
    jnp = pytest.importorskip("jax.numpy")
    from nnbackend.errors import PerformanceWarning
    from nnbackend.training import compiled

    calls = []
    real = compiled.train
    monkeypatch.setattr(compiled, "train", lambda *a, **k: calls.append(1) or real(*a, **k))
    X, y = load_digits(n_class=3, return_X_y=True)
    Xj = jnp.asarray(X / 16.0, dtype=jnp.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerformanceWarning)
        warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
        model = MLPClassifier((16,), solver=solver, max_iter=5, random_state=0).fit(Xj, y)
    assert calls and model.n_iter_ == 5 and len(model.loss_curve_) == 5
    assert type(model.predict_proba(Xj)).__module__.startswith("jax")


def test_load_needs_no_import_of_nnbackend_sklearn(tmp_path):
    # A model file naming MLPClassifier loads in a process that imported only nnbackend
    # (the registry imports nnbackend.sklearn on demand), and `import nnbackend` alone
    # imports no scikit-learn.
    X, y = load_digits(n_class=2, return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier((4,), max_iter=3, random_state=0).fit(X / 16.0, y)
    path = tmp_path / "mlp.nnb"
    model.save(path)
    code = (
        "import sys, numpy as np, nnbackend\n"
        "assert 'sklearn' not in sys.modules, 'import nnbackend imported scikit-learn'\n"
        f"m = nnbackend.load({str(path)!r})\n"
        "print(type(m).__module__, m.predict(np.load(sys.argv[1])).tolist())\n"
    )
    np.save(tmp_path / "X.npy", X[:5] / 16.0)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "X.npy")],
        env=env, capture_output=True, text=True, timeout=300, check=True,
    ).stdout.split(" ", 1)  # fmt: skip
    assert out[0] == "nnbackend.sklearn._mlp"
    assert out[1].strip() == str(model.predict(X[:5] / 16.0).tolist())
