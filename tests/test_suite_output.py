"""The end of a test run is readable: skips are counted by reason, not listed one by one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _run_pytest(folder: Path, *args: str) -> list[str]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "skip_summary", "-p", "no:cacheprovider", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.stdout.splitlines()


def test_skips_are_grouped_by_reason_in_a_few_lines(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_many_skips.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.parametrize("i", range(30))
            def test_lib(i):
                pytest.skip("lib is not installed")

            @pytest.mark.parametrize("i", range(12))
            def test_reason(i):
                pytest.skip(f"reason {i}")

            def test_fails():
                assert 1 == 2
            """
        )
    )
    lines = _run_pytest(tmp_path, "-q", "-rfE")
    start = next(i for i, line in enumerate(lines) if "42 skipped, by reason" in line)
    section = lines[start + 1 : start + 10]  # 8 reasons, then the rest in one line
    assert section[0] == "   30  lib is not installed"
    assert section[1:8] == [f"    1  reason {i}" for i in range(7)]
    assert section[8] == "    5  for 5 other reasons (pytest -rs lists each skip)"
    # then the failures, one line each, and the counts: the tail stays short
    assert "short test summary info" in lines[start + 10]
    assert lines[start + 11].startswith("FAILED test_many_skips.py::test_fails")
    assert "1 failed" in lines[-1] and "42 skipped" in lines[-1]
    assert len(lines) - start == 13
    assert not any(line.startswith("SKIPPED") for line in lines)


def test_a_run_without_skips_prints_no_section(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_plain.py").write_text("def test_ok():\n    pass\n")
    lines = _run_pytest(tmp_path, "-q")
    assert not any("by reason" in line for line in lines)
