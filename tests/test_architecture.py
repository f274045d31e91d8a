"""The architecture's promises: one-way layers with no import cycle, library names only in the
adapters, a public way to add a backend, and a backend switch that is per thread."""

from __future__ import annotations

import ast
import re
import threading
from pathlib import Path

import numpy as np
import pytest

import nnbackend
from nnbackend import backends
from nnbackend.backends import backend_of

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "nnbackend"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """The nnbackend modules ``name`` imports, function-level imports included.

    ``from package import module`` counts as importing the module; importing a submodule does
    not count as importing its parent packages (Python runs them, but they are not a choice of
    the importing code).
    """
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name) for name in MODULES}


def test_the_import_graph_has_no_cycle():
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(GRAPH[node]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


# The layers, lowest first: packages (and the two ground modules). A module may import only
# from its own layer or the layers below; within a package, anything goes (its own modules are
# its business), across packages only downwards.
LAYERS = [
    ("ground", ["nnbackend.errors", "nnbackend._arrays"]),
    ("backends", ["nnbackend.backends"]),
    # the explicit-loop oracle sits beside the math: it shares only the activation names
    ("math", ["nnbackend.core", "nnbackend.reference"]),
    ("training", ["nnbackend.training"]),
    ("model files", ["nnbackend.model_file"]),
    ("data", ["nnbackend.datasets", "nnbackend.plotting"]),
    ("estimators", ["nnbackend.estimators"]),
    ("front doors", ["nnbackend.sklearn", "nnbackend.course", "nnbackend.bench"]),
    ("edges", ["nnbackend.cli", "nnbackend._cli", "nnbackend.__main__", "nnbackend"]),
]


def test_every_top_level_module_is_a_package_of_a_layer():
    # the tree shows the layers: beyond the ground modules and the edges, src/nnbackend holds
    # only the layers' packages
    listed = {prefix for _, prefixes in LAYERS for prefix in prefixes}
    top = {
        "nnbackend." + (p.stem if p.is_file() else p.name)
        for p in SRC.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    assert top <= listed, f"not in a layer: {sorted(top - listed)}"
    loose = sorted(
        name
        for name in top
        if (SRC / (name.split(".")[1] + ".py")).exists()
        and name not in ("nnbackend.errors", "nnbackend._arrays", "nnbackend.plotting")
        and LAYERS[_layer(name)][0] != "edges"
    )
    assert not loose, f"modules outside a package: {loose}"


def _layer(module: str) -> int:
    best, rank = -1, None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    assert rank is not None, f"{module} belongs to no layer: add it to LAYERS"
    return rank


def test_every_import_goes_down_the_layers():
    upward = [
        f"{name} ({LAYERS[_layer(name)][0]}) imports {target} ({LAYERS[_layer(target)][0]})"
        for name, targets in GRAPH.items()
        for target in targets
        if _layer(target) > _layer(name)
    ]
    assert not upward, "\n".join(upward)


# Where library names may appear: the adapters, and the benchmark's hand-written peers.
ALLOWED = ("nnbackend.backends", "nnbackend.bench.peers")
IS_LIBRARY_ARRAY = re.compile(
    r"^is_(numpy|cupy|torch|jax|dask|array_api_strict|pydata_sparse|ndonnx)_array$"
)


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _library_names_in(name: str) -> list[str]:
    names = set(backends.registered())
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    docstrings = _docstring_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and node.value in names
        ):
            found.append(f"{name}:{node.lineno}: literal {node.value!r}")
        callee = None
        if isinstance(node, ast.Call):
            callee = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        elif isinstance(node, ast.alias):
            callee = node.name
        if callee and IS_LIBRARY_ARRAY.match(callee):
            found.append(f"{name}:{getattr(node, 'lineno', '?')}: {callee}")
    return found


def test_no_library_name_outside_the_adapters_and_the_peers():
    found = [
        hit
        for name in MODULES
        if not any(name == a or name.startswith(a + ".") for a in ALLOWED)
        for hit in _library_names_in(name)
    ]
    assert not found, "library names outside nnbackend.backends:\n" + "\n".join(found)


def test_the_literal_check_would_catch_one(tmp_path, monkeypatch):
    # the check itself must be able to fail
    fake = tmp_path / "fake.py"
    fake.write_text(
        'from array_api_compat import is_torch_array\nif name == "torch":\n    pass\n',
        encoding="utf-8",
    )
    monkeypatch.setitem(MODULES, "nnbackend.fake", fake)
    assert len(_library_names_in("nnbackend.fake")) == 2


def test_the_benchmark_imports_no_private_name():
    private = []
    for name, path in MODULES.items():
        if not name.startswith("nnbackend.bench"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nnbackend"):
                module_parts = (node.module or "").split(".")
                names = [alias.name for alias in node.names]
                if any(p.startswith("_") for p in module_parts) or any(
                    n.startswith("_") for n in names
                ):
                    private.append(f"{name}:{node.lineno}: from {node.module} import {names}")
    assert not private, "\n".join(private)


# ----------------------------------------------------------------------- adding a backend
class CountingNumpyAdapter(backends.NumpyAdapter):
    """NumPy under another name, counting the arrays it converts from the host."""

    name = "counting_numpy"
    benchmark_device = None

    def __init__(self) -> None:
        self.converted = 0

    def from_host(self, host, device, dtype=None):
        self.converted += 1
        return super().from_host(host, device, dtype)


@pytest.fixture
def counting_backend():
    adapter = backends.register(CountingNumpyAdapter())
    try:
        yield adapter
    finally:
        backends.unregister(adapter.name)


def test_a_registered_numpy_subclass_fits_every_estimator(counting_backend):
    from nnbackend import datasets

    X, y = datasets.make_moons(80, noise=0.2, seed=0)
    estimators = [
        nnbackend.LogisticRegression(max_iter=30, tol=None),
        nnbackend.NeuralNetworkClassifier((5,), max_iter=30, tol=None, random_state=0),
        nnbackend.NeuralNetworkRegressor((5,), max_iter=30, tol=None, random_state=0),
    ]
    with nnbackend.use_backend("counting_numpy") as active:
        assert active.name == "counting_numpy" and active.adapter is counting_backend
        for estimator in estimators:
            before = counting_backend.converted
            target = y if not isinstance(estimator, nnbackend.NeuralNetworkRegressor) else X[:, 0]
            estimator.fit(X, target)
            assert counting_backend.converted > before, type(estimator).__name__
            assert np.isfinite(estimator.loss_curve_[-1])
            assert estimator.predict(X).shape[0] == X.shape[0]


def test_a_registered_backend_is_selected_by_nnbackend(counting_backend, monkeypatch):
    from nnbackend.backends import switch as switch

    monkeypatch.setattr(switch, "_default", None)
    monkeypatch.setenv("NNBACKEND", "counting_numpy")
    monkeypatch.delenv("NNBACKEND_DEVICE", raising=False)
    assert nnbackend.get_backend().name == "counting_numpy"
    assert "counting_numpy" in nnbackend.info(probe_devices=False)["backends"]


def test_register_refuses_bad_adapters():
    with pytest.raises(TypeError, match="expected an Adapter"):
        backends.register(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already registered"):
        backends.register(backends.NumpyAdapter())

    class Auto(backends.NumpyAdapter):
        name = "auto"

    with pytest.raises(ValueError, match="other than 'auto'"):
        backends.register(Auto())


# ----------------------------------------------------------------------- the registry is the list
def test_the_registry_is_the_only_list_of_backends():
    from conftest import BACKEND_CASES

    names = backends.registered()
    assert [case[1] for case in BACKEND_CASES] == list(names)
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    nox_backends = re.search(r"BACKENDS = \{(.*?)\n\}", noxfile, re.S)
    assert nox_backends is not None
    assert re.findall(r'^\s+"(\w+)":', nox_backends.group(1), re.M) == list(names)
    for page, section in (
        (ROOT / "README.md", "## Backends and extras"),
        (ROOT / "docs" / "guide" / "backends.md", "## What each backend supports"),
    ):
        text = page.read_text(encoding="utf-8").split(section, 1)[1].split("\n## ", 1)[0]
        rows = re.findall(r"^\| `(\w+)`", text, re.M)
        table = [m for m in rows if m not in ("auto", "NNBACKEND")]
        assert table == list(names), page.name


def test_the_benchmark_rows_name_registered_backends():
    from nnbackend import bench

    for row in bench.implementation_rows():
        assert row.library is None or row.library in backends.registered(), row.name


# ----------------------------------------------------------------------- per-thread switch
def test_two_threads_fit_on_their_own_library_at_once():
    pytest.importorskip("torch")
    pytest.importorskip("array_api_strict")
    from nnbackend import datasets

    X, y = datasets.make_moons(60, noise=0.2, seed=1)
    default = nnbackend.get_backend()
    barrier = threading.Barrier(2, timeout=60)
    results: dict[str, object] = {}
    errors: list[BaseException] = []

    def fit_on(name: str, device: str | None) -> None:
        try:
            with nnbackend.use_backend(name, device):
                barrier.wait()  # both blocks are open now
                model = nnbackend.NeuralNetworkClassifier(
                    (4,), max_iter=20, tol=None, random_state=0
                )
                model.fit(X, y)
                barrier.wait()  # and both fits are done before either block exits
                results[name] = (nnbackend.get_backend().name, backend_of(model.coefs_[0]))
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)
            barrier.abort()

    threads = [
        threading.Thread(target=fit_on, args=("torch", "cpu")),
        threading.Thread(target=fit_on, args=("array_api_strict", "device1")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    for name in ("torch", "array_api_strict"):
        active, owner = results[name]
        assert active == name
        assert owner is not None and owner.name == name
    assert nnbackend.get_backend() is default


def test_a_new_thread_starts_from_the_process_default():
    pytest.importorskip("array_api_strict")
    seen = []

    def look() -> None:
        worker = threading.Thread(target=lambda: seen.append(nnbackend.get_backend()))
        worker.start()
        worker.join()

    look()
    with nnbackend.use_backend("array_api_strict", "device1") as inner:
        look()
    assert seen[0] is seen[1] is not inner
