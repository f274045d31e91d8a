"""The documentation: every code block runs, the site builds with --strict, the API reference
covers every public name, and the benchmark numbers come from a recorded run."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import inspect
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

from conftest import CAT_DATA

ROOT = Path(__file__).resolve().parents[2]
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
            # the dask extra: Dask arrays (nnbackend.backends.dask's readers make them too), and
            # dask.distributed for a cluster
            if re.search(r"\bdask\b|import distributed", code):
                pytest.importorskip("dask.array", reason="pip install 'nnbackend[dask]'")
            if re.search(r"^(from|import) distributed\b", code, re.M):
                pytest.importorskip("distributed", reason="pip install 'nnbackend[dask]'")
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


DOCS_EXTRA = "the docs toolchain is not installed: pip install '.[docs]'"


def _require_docs_toolchain() -> None:
    for module in ("mkdocs", "mkdocstrings", "material", "matplotlib"):
        pytest.importorskip(module, reason=f"{DOCS_EXTRA} ({module} is missing)")
    try:
        importlib.metadata.distribution("django-static-mathjax")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{DOCS_EXTRA} (django-static-mathjax, the site's MathJax, is missing)")


def _fresh_checkout(tmp_path: Path) -> Path:
    """What a fresh clone holds for the docs: no figures drawn by hand, no caches."""
    root = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("generated", "__pycache__", "*.egg-info")
    shutil.copytree(DOCS, root / "docs", ignore=ignore)
    shutil.copytree(ROOT / "src", root / "src", ignore=ignore)
    shutil.copy2(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    return root


def _build(tmp_path: Path) -> Path:
    _require_docs_toolchain()
    root = _fresh_checkout(tmp_path)
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "WARNING" not in result.stderr, result.stderr[-4000:]
    assert not (root / "docs" / "assets" / "generated").exists()  # nothing written into docs/
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("docs"))


def _api_reference(site: Path) -> str:
    """The public API page and the internals page, together."""
    return "".join(
        (site / "reference" / page / "index.html").read_text(encoding="utf-8")
        for page in ("api", "internals")
    )


def test_the_site_builds_strict_and_every_public_name_is_in_the_api_reference(site):
    html = _api_reference(site)
    modules = [
        "nnbackend.backends.switch",
        "nnbackend.backends.moves",
        "nnbackend.backends.loops",
        "nnbackend.estimators.models",
        "nnbackend.model_file",
        "nnbackend.core.activations",
        "nnbackend.core.losses",
        "nnbackend.core.initializers",
        "nnbackend.core.network",
        "nnbackend.training.optimizers",
        "nnbackend.training",
        "nnbackend.course.logistic_regression",
        "nnbackend.course.shallow_network",
        "nnbackend.course.deep_network",
        "nnbackend.datasets",
        "nnbackend.plotting",
        "nnbackend.reference.loop",
        "nnbackend.bench",
        "nnbackend.errors",
        "nnbackend.sklearn",
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
    # the public API has its own page; the internals have theirs
    public_page = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    internals = (site / "reference" / "internals" / "index.html").read_text(encoding="utf-8")
    for name in (
        "nnbackend.estimators.models",
        "nnbackend.course.deep_network",
        "nnbackend.plotting",
    ):
        assert f'id="{name}"' in public_page and f'id="{name}"' not in internals, name
    for name in ("nnbackend.core.network", "nnbackend.backends", "nnbackend.training"):
        assert f'id="{name}"' in internals and f'id="{name}"' not in public_page, name


REFERENCE_LINK = re.compile(r"\]\(((?:\.\./)*)reference/(api|internals)\.md#([\w.]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_the_markdown_renders_on_github_too(page):
    # GitHub shows mkdocs-autorefs' [x][nnbackend.x] and \\( \\) math raw: the pages use plain
    # links to the API pages' anchors and $...$ math, which both render
    prose, _ = _prose_and_code(page)
    assert not re.search(r"\]\[nnbackend[\w.]*\]", prose), page
    assert "\\(" not in prose and not re.search(r"^\s*\\\[\s*$", prose, re.M), page


def test_every_link_to_the_api_reference_lands_on_an_anchor(site):
    pages = {
        name: (site / "reference" / name / "index.html").read_text(encoding="utf-8")
        for name in ("api", "internals")
    }
    links = [
        (page, m.group(2), m.group(3))
        for page in [*PAGES, ROOT / "README.md"]
        for m in REFERENCE_LINK.finditer(page.read_text(encoding="utf-8"))
    ]
    assert len(links) > 40
    missing = [
        (p.name, target, anchor)
        for p, target, anchor in links
        if f'id="{anchor}"' not in pages[target]
    ]
    assert not missing, missing


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
    run = bench_markdown.latest_run(DOCS)
    assert bench_markdown.render(run) in (DOCS / "benchmarks.md").read_text(encoding="utf-8")
    # the README keeps a few rows of the same run and links to the page
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert bench_markdown.readme_summary(json.loads(run.read_text())) in readme
    assert "](docs/benchmarks.md)" in readme
    assert "logreg [" not in readme  # the long table is on the page


def test_a_recorded_run_with_passes_says_so(tmp_path):
    sys.path.insert(0, str(DOCS / "scripts"))
    try:
        import bench_markdown
    finally:
        sys.path.pop(0)
    report = json.loads(bench_markdown.latest_run(DOCS).read_text())
    report["meta"]["passes"] = 3
    report["meta"].pop("drift", None)
    run = tmp_path / "run.json"
    run.write_text(json.dumps(report))
    text = bench_markdown.render(run)
    assert "samples from 3 passes over the cases." in bench_markdown.summary(report)
    assert report["parity"]  # the recorded run has the parity table
    assert "in each of the run's 3 passes" in text and "pooled over the passes" in text
    assert "drift" not in text
    # a run that measured its drift says how far each range was widened
    report["meta"]["drift"] = {"time": 1.9, "ratio": 1.7, "quantile": 0.02}
    run.write_text(json.dumps(report))
    assert (
        "3 passes over the cases; each range widened to the run's drift, ×1.90 for the times "
        "and ×1.70 for the ratios." in bench_markdown.summary(report)
    )
    assert "with their range where the run recorded it, widened to the run's drift;" in (
        bench_markdown.render(run)
    )


def _pages(site: Path) -> dict[str, str]:
    return {
        str(p.relative_to(site)): p.read_text(encoding="utf-8")
        for p in sorted(site.rglob("*.html"))
    }


SPHINX_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):(?:`|<code>)")


def test_no_raw_sphinx_roles_in_the_site(site):
    found = {
        page: sorted(set(SPHINX_ROLE.findall(html)))
        for page, html in _pages(site).items()
        if SPHINX_ROLE.search(html)
    }
    assert not found, f"raw Sphinx roles in the built pages: {found}"
    # the roles became links where their target is documented
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert 'href="#nnbackend.backends.moves.to_numpy"' in api


def test_the_api_reference_shows_every_public_method_of_every_estimator(site):
    import nnbackend.estimators.models

    html = _api_reference(site)
    missing = []
    for name in nnbackend.estimators.models.__all__:
        cls = getattr(nnbackend.estimators.models, name)
        methods = [
            m for m in dir(cls) if not m.startswith("_") and inspect.isfunction(getattr(cls, m))
        ]
        assert {"fit", "predict", "score", "save", "get_params", "set_params"} <= set(methods)
        missing += [
            f"{name}.{m}"
            for m in methods
            if f'id="nnbackend.estimators.models.{name}.{m}"' not in html
        ]
    assert not missing, f"inherited methods missing from the API reference: {missing}"


def _parameter_rows(html: str, anchor: str) -> dict[str, tuple[str, str]]:
    """The Parameters table of the object whose heading has id ``anchor``.

    Returns name -> (type cell, default cell), as text.
    """
    start = html.index(f'id="{anchor}"')
    table = html[start : html.index("</table>", html.index("Parameters", start))]
    rows = {}
    for row in re.findall(r"<tr.*?</tr>", table, re.S)[1:]:
        cells = [
            unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell))).strip()
            for cell in re.findall(r"<td.*?</td>", row, re.S)
        ]
        rows[cells[0]] = (cells[1], cells[-1])
    return rows


def _same_default(shown: str, actual: object) -> bool:
    shown = shown.strip("\"'")
    try:
        return float(shown) == actual
    except (TypeError, ValueError):
        return shown == str(actual)


def test_every_estimator_parameter_row_has_its_own_type_and_default(site):
    import nnbackend.estimators.models

    html = _api_reference(site)
    for name in nnbackend.estimators.models.__all__:
        rows = _parameter_rows(html, f"nnbackend.estimators.models.{name}")
        expected = inspect.signature(getattr(nnbackend.estimators.models, name)).parameters
        assert set(rows) == set(expected), name
        for param, (kind, default) in rows.items():
            assert "tuple" not in kind or param == "hidden_layer_sizes", (name, param, kind)
            assert _same_default(default, expected[param].default), (name, param, default)


def test_the_site_works_offline(site):
    external = re.compile(
        r"""<(?:script|link|img)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//"""
        r"""|import\(["']https?://"""  # an ES module loaded from a CDN (nbconvert's mermaid)
    )
    found = {page: external.findall(html) for page, html in _pages(site).items()}
    assert not any(found.values()), {p: f for p, f in found.items() if f}
    theory = (site / "theory" / "logistic-regression" / "index.html").read_text(encoding="utf-8")
    assert "assets/mathjax/tex-mml-chtml.js" in theory and "arithmatex" in theory
    mathjax = site / "assets" / "mathjax"
    assert (mathjax / "tex-mml-chtml.js").stat().st_size > 500_000
    assert (
        mathjax / "output" / "chtml" / "fonts" / "woff-v2" / "MathJax_Main-Regular.woff"
    ).exists()
    assert (mathjax / "input" / "tex" / "extensions" / "boldsymbol.js").exists()  # autoload


def test_the_mathjax_hook_says_what_to_install_when_the_package_is_missing(monkeypatch):
    pytest.importorskip("mkdocs", reason=DOCS_EXTRA)
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "scripts" / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(hooks.importlib.metadata, "distribution", missing)
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"django-static-mathjax.*pip install '\.\[docs\]'"):
        hooks.mathjax_source()


def _prose_and_code(page: Path) -> tuple[str, str]:
    text = page.read_text(encoding="utf-8")
    code = "\n".join(m.group(2) for m in FENCE.finditer(text))
    return FENCE.sub("", text), code


@pytest.mark.parametrize("page", [*PAGES, ROOT / "README.md"], ids=lambda p: p.name)
def test_the_prose_names_the_environment_variables_the_code_reads(page):
    prose, code = _prose_and_code(page)
    for variable in re.findall(r"os\.environ(?:\.get\(|\[)[\"'](\w+)", code):
        assert f"`{variable}`" in prose, f"{page.name}: the code reads {variable}; say so"


# ------------------------------------------------------------------ the site in a browser
BROWSER_EXTRA = "pip install '.[browser]'"
# what must never show as text on a rendered page (code blocks aside): math delimiters that
# MathJax did not typeset, autorefs that did not resolve, a Markdown fence, a raw chart
RAW_MARKUP = ("$$", "\\(", "\\[", "[nnbackend.", "```", "xychart-beta")
PAGE_REPORT = """async () => {
    if (window.MathJax && MathJax.startup) {
        await MathJax.startup.promise;
        await MathJax.typesetPromise();
    }
    await Promise.all(Array.from(document.images).map((img) =>
        img.complete ? null : new Promise((done) => { img.onload = img.onerror = done; })));
    const prose = document.querySelector("article").cloneNode(true);
    prose.querySelectorAll("pre, code, script, style, mjx-container").forEach((e) => e.remove());
    return {
        math: document.querySelectorAll("article .arithmatex").length,
        typeset: Array.from(document.querySelectorAll("article .arithmatex")).filter(
            (e) => e.querySelector("mjx-container") && !e.querySelector("mjx-merror")).length,
        images: Array.from(document.images).map((img) => [img.getAttribute("src"),
                                                           img.naturalWidth]),
        mermaid: document.querySelectorAll(".language-mermaid, .mermaid").length,
        text: prose.textContent,
    };
}"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def served_site(site):
    """The built site over HTTP on localhost, as a reader's browser gets it."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_the_site_renders_in_a_real_browser(site, served_site):
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium installed: apt-get install chromium (Debian)")
    pytest.importorskip("playwright", reason=f"Playwright drives the browser: {BROWSER_EXTRA}")
    from playwright.sync_api import sync_playwright

    # every page, by its folder ("" for the home page)
    pages = sorted(
        "" if p.parent == site else p.parent.relative_to(site).as_posix()
        for p in site.rglob("index.html")
    )
    reports = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        try:
            tab = browser.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            for path in pages:
                tab.goto(f"{served_site}/{path}/" if path else f"{served_site}/")
                reports[path] = tab.evaluate(PAGE_REPORT)
                assert not errors, (path, errors)
        finally:
            browser.close()
    problems = {}
    for path, report in reports.items():
        raw = [marker for marker in RAW_MARKUP if marker in report["text"]]
        broken = [src for src, width in report["images"] if not width]
        untypeset = report["math"] - report["typeset"]
        if raw or broken or untypeset or report["mermaid"]:
            problems[path] = {"raw": raw, "broken images": broken, "math left": untypeset}
    assert not problems, problems
    # the math is typeset, the charts and figures are drawn
    assert reports["theory/backpropagation"]["typeset"] >= 5
    assert sum(r["typeset"] for r in reports.values()) > 100
    drawn = {
        src.rsplit("/", 1)[-1] for r in reports.values() for src, width in r["images"] if width
    }
    assert {"bench-cpu.png", "planar-boundary.png", "activations.png"} <= drawn
    assert "notebooks/week3-planar" in reports and "reference/internals" in reports
