"""nox sessions: tests per backend, lint, typecheck, docs and the benchmark."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint"]
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
# One session per registered backend, in the registry's order (a test checks the two agree).
BACKENDS = {
    "numpy": [],
    "cupy": ["cupy-cuda13x"],
    "torch": ["torch==2.13.0"],
    "jax": ["jax"],
    "dask": [".[dask]"],
    "array_api_strict": [],
}


@nox.session(python=PYTHONS[1])
@nox.parametrize("backend", list(BACKENDS))
def tests(session: nox.Session, backend: str) -> None:
    """The whole suite with NNBACKEND set, so default-backend code paths run on it too."""
    session.install(*BACKENDS[backend], ".[test]")
    session.run(
        "python",
        "-m",
        "pytest",
        "--benchmark-disable",
        *session.posargs,
        env={"NNBACKEND": backend},
    )


@nox.session(python=PYTHONS[1])
def lint(session: nox.Session) -> None:
    """ruff, lint and format."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "benchmarks", "docs", "tools", "noxfile.py")
    session.run(
        "ruff", "format", "--check", "src", "tests", "benchmarks", "docs", "tools", "noxfile.py"
    )


@nox.session(python=PYTHONS[1])
def typecheck(session: nox.Session) -> None:
    """mypy over the package."""
    session.install("mypy", ".")
    session.run("mypy")


@nox.session(python=PYTHONS[1])
def docs(session: nox.Session) -> None:
    """Build the documentation site, warnings as errors."""
    session.install(".[docs]")
    session.run("mkdocs", "build", "--strict")


@nox.session(python=PYTHONS[1])
def bench(session: nox.Session) -> None:
    """The benchmark: the CLI table and the pytest-benchmark suite with JSON output."""
    session.install(".[test,plot]")
    session.run("nnbackend", "bench", *(session.posargs or ["--quick"]))
    session.run("python", "-m", "pytest", "benchmarks", "--benchmark-json=bench-results.json")
