"""The documentation: every code block runs, the site builds with --strict, the API reference
covers every public name, and the benchmark numbers come from a recorded run."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CAT_DATA

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
NOT_RUN = ("pip ", "nox ", "mkdocs ", "git ")


def _blocks(page: Path) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(page.read_text(encoding="utf-8"))]


def _extras() -> set[str]:
    return set(importlib.metadata.metadata("nnbackend").get_all("Provides-Extra") or [])


def _check_install_line(line: str) -> None:
    for extra_group in re.findall(r"nnbackend\[([\w,]+)\]", line):
        for extra in extra_group.split(","):
            assert extra in _extras(), f"{line!r} names an unknown extra {extra!r}"


def _run_shell(line: str, cwd: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    words = shlex.split(line)
    assignments = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        key, value = words.pop(0).split("=", 1)
        assignments[key] = value
    if "NNBACKEND" in assignments and "NNBACKEND_DEVICE" not in assignments:
        # a device chosen for the suite's backend means nothing to the command's own backend
        env.pop("NNBACKEND_DEVICE", None)
    env.update(assignments)
    result = subprocess.run(words, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{line!r} failed:\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize(
    "page", [*PAGES, ROOT / "README.md"], ids=lambda p: str(p.relative_to(ROOT))
)
def test_every_code_block_runs(page, tmp_path, monkeypatch):
    blocks = _blocks(page)
    text = page.read_text(encoding="utf-8")
    if (
        "catvnoncat" in text
        and "load_catvnoncat(" in text
        and not (CAT_DATA / "train_catvnoncat.h5").exists()
    ):
        pytest.skip(f"{page.name} reads the cat data, which is not at {CAT_DATA}")
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NNBACKEND_CATVNONCAT", str(CAT_DATA))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for language, code in blocks:
        if language == "python":
            if "sklearn" in code:
                pytest.importorskip("sklearn")
            if 'use_backend("torch")' in code:
                pytest.importorskip("torch")
            exec(compile(code, f"{page.name}:block", "exec"), namespace)
        elif language == "bash":
            for line in code.strip().splitlines():
                if line.startswith(NOT_RUN):
                    _check_install_line(line)
                    continue
                if "NNBACKEND=torch" in line:
                    pytest.importorskip("torch")
                _run_shell(line, tmp_path)
        elif language in ("text", "mermaid", ""):
            for line in code.splitlines():
                if line.strip().startswith("pip install"):
                    _check_install_line(line)
        else:
            raise AssertionError(f"{page.name}: unexpected code block language {language!r}")


def _build(tmp_path: Path) -> Path:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    pytest.importorskip("matplotlib")
    subprocess.run(
        [sys.executable, str(DOCS / "scripts" / "make_figures.py")], check=True, cwd=ROOT
    )
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "WARNING" not in result.stderr, result.stderr[-4000:]
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("docs"))


def test_the_site_builds_strict_and_every_public_name_is_in_the_api_reference(site):
    html = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    modules = [
        "nnbackend.backend",
        "nnbackend.models",
        "nnbackend.persistence",
        "nnbackend.activations",
        "nnbackend.losses",
        "nnbackend.initializers",
        "nnbackend.network",
        "nnbackend.optimizers",
        "nnbackend.training",
        "nnbackend.course.logistic_regression",
        "nnbackend.course.shallow_network",
        "nnbackend.course.deep_network",
        "nnbackend.datasets",
        "nnbackend.plotting",
        "nnbackend.reference.loop",
        "nnbackend.bench",
        "nnbackend.errors",
    ]
    missing = []
    for name in modules:
        module = importlib.import_module(name)
        for public in module.__all__:
            if f'id="{name}.{public}"' not in html:
                missing.append(f"{name}.{public}")
    assert not missing, f"not in the API reference: {missing}"
    import nnbackend

    for public in nnbackend.__all__:
        if public.startswith("__"):
            continue
        obj = getattr(nnbackend, public)
        home = getattr(obj, "__module__", None)
        assert home and f'id="{home}.{public}"' in html, public


def test_every_theory_page_is_built(site):
    for page in [
        "logistic-regression",
        "gradient-descent",
        "computation-graph",
        "vectorization",
        "broadcasting",
        "shallow-network",
        "activations",
        "backpropagation",
        "initialization",
        "deep-network",
    ]:
        assert (site / "theory" / page / "index.html").exists(), page
    figures = site / "assets" / "generated"
    for figure in (
        "activations.png",
        "activation-derivatives.png",
        "planar-boundary.png",
        "bench-cpu.png",
    ):
        assert (figures / figure).stat().st_size > 10_000, figure


def test_benchmark_numbers_in_readme_and_docs_come_from_the_recorded_run():
    sys.path.insert(0, str(DOCS / "scripts"))
    try:
        import bench_markdown
    finally:
        sys.path.pop(0)
    rendered = bench_markdown.render(bench_markdown.latest_run(DOCS))
    assert rendered in (ROOT / "README.md").read_text(encoding="utf-8")
    assert rendered in (DOCS / "benchmarks.md").read_text(encoding="utf-8")
