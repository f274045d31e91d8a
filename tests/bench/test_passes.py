"""The benchmark's passes over the cases: pooled samples, pairings within a pass, the option."""

from __future__ import annotations

import json
import re
import statistics

import pytest

from nnbackend import bench
from nnbackend.bench import implementations, passes, peers, runner
from nnbackend.bench.cases import product_shapes
from nnbackend.bench.drift import drift_factor
from nnbackend.cli import main as cli_main

DRIFT = (1.0, 1.5, 2.0)
"""The fake machine's slowness in passes 1, 2 and 3: it slows down over the run."""

CASES = [bench.Case("A", (2, 1), 100), bench.Case("B", (2, 3, 1), 50)]


class FakeWorld:
    """Fake rows, products and memory on a fake clock whose speed drifts from pass to pass.

    The runner's progress lines say which pass is running; every fake step advances the clock
    by its base time times that pass's :data:`DRIFT` factor.
    """

    def __init__(self, monkeypatch, seconds, fails=None, speed=None, devices=None):
        self.fails = fails  # (row, pass) whose step raises
        # (pass, case, row) -> slowness (row "product" for the plain products); by default
        # DRIFT's factor of the pass
        self.speed = speed or (lambda pass_number, case, row: DRIFT[pass_number - 1])
        devices = devices or {}  # row -> device, "cpu" where not named
        self.case = ""
        self.now = 0.0
        self.pass_number = 0
        self.builds: list[tuple[int, str, str]] = []  # (pass, case, row) of every build
        self.calls: list[tuple[int, str, str]] = []  # (pass, case, row) of every step call
        self.memory: list[tuple[int, str]] = []
        rows = [
            implementations.Implementation(
                name,
                None if name == "loop" else "numpy",
                devices.get(name, "cpu"),
                self._builder(name, base),
                lambda: None,
                warmup=1,
            )
            for name, base in seconds.items()
        ]
        monkeypatch.setattr(implementations, "implementation_rows", lambda: rows)
        monkeypatch.setattr(implementations, "fit_implementations", lambda: [])
        monkeypatch.setattr(peers, "product_step", self._product_step)
        monkeypatch.setattr(runner, "measure_memory", self._measure_memory)

    def clock(self):
        return self.now

    def progress(self, line):
        found = re.match(r"pass (\d+)/(\d+): ", line)
        assert found, line
        self.pass_number = int(found[1])

    def _advance(self, base, row):
        self.now += base * self.speed(self.pass_number, self.case, row)

    def _builder(self, name, base):
        def build(case, dtype):
            self.builds.append((self.pass_number, case.name, name))
            self.case = case.name

            def step():
                self.calls.append((self.pass_number, case.name, name))
                if (name, self.pass_number) == self.fails:
                    raise RuntimeError("out of memory")
                self._advance(base, name)

            return step, lambda: None

        return build

    def _product_step(self, product, dtype, device, library=None):
        def step():
            self._advance(1e-3, "product")

        return step, lambda: None

    def _measure_memory(self, case, dtype):
        self.memory.append((self.pass_number, case.name))
        return 1.0, 2.0

    def run(self, budget_s=0.3, n_passes=3):
        return bench.run(
            CASES,
            [row.name for row in implementations.implementation_rows()],
            budget_s=budget_s,
            progress=self.progress,
            passes=n_passes,
            clock=self.clock,
        )


# the loop's step is longer than a pass's share of the budget; nnbackend's step fills 30 ms
# samples (4 per pass) while the course step's 10 ms samples number 10 per pass
SECONDS = {"loop": 0.2, "numpy-course": 1e-3, "nnbackend-numpy": 30e-3}


def _rows(report):
    return {(r["case"], r["implementation"]): r for r in report["results"]}


def _dedupe(sequence):
    return [x for i, x in enumerate(sequence) if i == 0 or sequence[i - 1] != x]


def test_the_cases_are_visited_in_turn_once_per_pass(monkeypatch):
    world = FakeWorld(monkeypatch, SECONDS)
    world.run()
    visits = _dedupe([(p, case) for p, case, _ in world.builds])
    assert visits == [(1, "A"), (1, "B"), (2, "A"), (2, "B"), (3, "A"), (3, "B")]
    # every row rebuilt in every pass (the memory of one case is freed before the next)
    for case in ("A", "B"):
        for name in SECONDS:
            assert {p for p, c, n in world.builds if (c, n) == (case, name)} == {1, 2, 3}
    # peak memory once, in the first pass
    assert world.memory == [(1, "A"), (1, "B")]


def test_a_rows_samples_are_pooled_over_the_passes(monkeypatch):
    world = FakeWorld(monkeypatch, SECONDS)
    report = world.run()
    assert report["meta"]["passes"] == 3
    for (case, name), row in _rows(report).items():
        assert row["status"] == "ok", row
        base = SECONDS[name]
        counts = row["samples_per_pass"]
        assert len(counts) == 3 and all(n >= 1 for n in counts)  # every row, every pass
        assert sum(counts) == len(row["times_s"])
        # the samples of all passes, pass after pass: each pass's at its own speed
        expected = [base * f for f, n in zip(DRIFT, counts, strict=True) for _ in range(n)]
        assert row["times_s"] == pytest.approx(expected)
        # the figures are over all of them: the range spans the drift of the whole run
        assert row["min_s"] == pytest.approx(base * DRIFT[0])
        assert row["max_s"] == pytest.approx(base * DRIFT[-1])
        assert row["median_s"] == pytest.approx(statistics.median(expected))
        assert row["q1_s"] <= row["median_s"] <= row["q3_s"]
        assert row["speedup_vs_loop"] == pytest.approx(
            _rows(report)[(case, "loop")]["median_s"] / row["median_s"]
        )


def test_every_row_gets_samples_in_every_pass_and_nine_in_all(monkeypatch):
    world = FakeWorld(monkeypatch, SECONDS)
    report = world.run()
    for case in ("A", "B"):
        for row in ("loop", "numpy-course"):
            entry = _rows(report)[(case, row)]
            assert all(n >= 3 for n in entry["samples_per_pass"])
            assert len(entry["times_s"]) >= passes.ROW_MIN_SAMPLES == 9
        # the loop: 0.2 s a step against 0.1 s a pass: the fewest samples, three per pass
        assert _rows(report)[(case, "loop")]["samples_per_pass"] == [3, 3, 3]
        # and a warm-up call in each pass before them, untimed
        for p in (1, 2, 3):
            assert world.calls.count((p, case, "loop")) == 1 + 3
    # with one pass, the loop still takes its nine
    world = FakeWorld(monkeypatch, SECONDS)
    report = world.run(n_passes=1)
    assert _rows(report)[("A", "loop")]["samples_per_pass"] == [passes.ROW_MIN_SAMPLES]


def test_relative_ratios_pair_samples_of_the_same_pass(monkeypatch):
    world = FakeWorld(monkeypatch, SECONDS)
    report = world.run()
    for case in ("A", "B"):
        ours = _rows(report)[(case, "nnbackend-numpy")]
        reference = _rows(report)[(case, "numpy-course")]
        # the passes took different numbers of samples of the two rows, so pairing the pooled
        # lists would pair a sample of pass 2 with one of pass 1 (a ratio of 45, not 30)
        assert ours["samples_per_pass"] != reference["samples_per_pass"]
        assert ours["relative"] == pytest.approx(30)
        assert ours["relative_min"] == pytest.approx(30)
        assert ours["relative_max"] == pytest.approx(30)
        assert reference["relative"] == pytest.approx(1)


def test_parity_pairs_are_split_across_passes_and_pooled(monkeypatch):
    world = FakeWorld(monkeypatch, SECONDS)
    report = world.run()
    cells = {(e["case"], e["ours"], e["peer"]): e for e in report["parity"]}
    assert set(cells) == {(c.label, "nnbackend-numpy", "numpy-course") for c in CASES}
    for cell in cells.values():
        assert cell["samples"] >= runner.PAIR_MIN_SAMPLES
        # pairs within a pass: every ratio compares two samples at the same speed
        assert cell["ratio_min"] == pytest.approx(30) and cell["ratio_max"] == pytest.approx(30)
        # the medians are over the samples of all passes, at three speeds
        assert cell["ours_s"] == pytest.approx(30e-3 * statistics.median(DRIFT))
    # the pairs are timed in every pass, right after the case's rows
    pair_passes = {p for p, c, n in world.builds if n == "numpy-course"}
    assert pair_passes == {1, 2, 3}


def test_the_product_rate_is_the_best_sample_of_all_passes(monkeypatch):
    world = FakeWorld(monkeypatch, SECONDS)
    report = world.run()
    for case in CASES:
        # every product takes 1 ms × the pass's slowness: the first pass's samples are best
        best = max(p.flops for p in product_shapes(case.layer_dims, case.m)) / 1e-3 / 1e9
        assert report["matmul_gflops"][case.label]["cpu"] == pytest.approx(best)


def test_a_row_failing_in_a_later_pass_reports_the_error_and_is_not_timed_again(monkeypatch):
    world = FakeWorld(monkeypatch, SECONDS, fails=("nnbackend-numpy", 2))
    report = world.run()
    for case in ("A", "B"):
        row = _rows(report)[(case, "nnbackend-numpy")]
        assert row["status"] == "error: RuntimeError: out of memory"
        assert row["times_s"] == [] and row["median_s"] is None
        assert (3, case, "nnbackend-numpy") not in world.calls
        # the other rows keep the samples of every pass
        assert len(_rows(report)[(case, "numpy-course")]["samples_per_pass"]) == 3
    assert report["parity"] == []  # the pair has lost a row


@pytest.mark.parametrize("bad", [0, -2])
def test_run_refuses_passes_below_one(bad):
    with pytest.raises(ValueError, match=rf"passes={bad} is not valid: expected an int >= 1"):
        bench.run(CASES, ["loop"], passes=bad)


def test_run_refuses_passes_that_are_not_ints():
    with pytest.raises(TypeError, match=r"passes=2\.5 is not valid"):
        bench.run(CASES, ["loop"], passes=2.5)


def test_cli_refuses_passes_zero(capsys, monkeypatch):
    def refuse(args):
        raise AssertionError("the benchmark started before the command line was checked")

    monkeypatch.setattr(bench, "run_from_cli", refuse)
    with pytest.raises(SystemExit) as exc:
        cli_main(["bench", "--quick", "--passes", "0"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "argument --passes: '0' is not valid: expected an int >= 1" in err


def test_cli_refuses_passes_with_a_benchmark_that_does_not_read_it(capsys, monkeypatch):
    monkeypatch.setattr("nnbackend.bench.options.run_options_from_cli", lambda args: 0)
    with pytest.raises(SystemExit):
        cli_main(["bench", "--options", "--passes", "2"])
    assert "argument --passes: not used by bench --options" in capsys.readouterr().err


def test_cli_bench_records_its_passes(tmp_path, capsys, monkeypatch):
    # a real (tiny) run: the JSON's meta and each row's samples say how many passes there were
    monkeypatch.setattr(runner, "quick_cases", lambda: [bench.Case("logreg", (2, 1), 300)])
    out_json = tmp_path / "b.json"
    argv = ["bench", "--quick", "--backends", "numpy", "--budget", "0.02", "--passes", "2"]
    assert cli_main([*argv, "--json", str(out_json)]) == 0
    report = json.loads(out_json.read_text())
    assert report["meta"]["passes"] == 2
    timed = [r for r in report["results"] if r["status"] == "ok"]
    assert timed and all(len(r["samples_per_pass"]) == 2 for r in timed)
    printed = capsys.readouterr()
    assert "the samples from 2 passes over the cases" in printed.out
    assert "pass 2/2: " in printed.err


def test_the_default_is_three_passes(monkeypatch):
    class StartedError(Exception):
        pass

    def started(*args, **kwargs):
        raise StartedError(kwargs["passes"])

    monkeypatch.setattr(runner, "run", started)
    with pytest.raises(StartedError) as exc:
        cli_main(["bench", "--quick", "--backends", "numpy"])
    assert exc.value.args == (passes.DEFAULT_PASSES,) and passes.DEFAULT_PASSES == 3


def test_every_printed_range_is_widened_to_the_runs_drift(monkeypatch):
    world = FakeWorld(monkeypatch, SECONDS)
    report = world.run()
    rows = [r for r in report["results"] if r["status"] == "ok"]
    factor = report["meta"]["drift"]["time"]
    assert factor == pytest.approx(drift_factor(r["times_s"] for r in rows))
    assert factor >= 1.4  # the machine ran at 1, 1.5 and 2 × its speed in the three passes
    for r in rows:
        assert r["low_s"] == pytest.approx(min(r["min_s"], r["median_s"] / factor))
        assert r["high_s"] == pytest.approx(max(r["max_s"], r["median_s"] * factor))
    # every pair of samples within a round ran at the same speed: the ratios did not drift
    assert report["meta"]["drift"]["ratio"] == pytest.approx(1.0)
    ours = _rows(report)[("A", "nnbackend-numpy")]
    assert ours["relative_low"] == pytest.approx(30) and ours["relative_high"] == pytest.approx(30)


def test_a_rerun_lands_in_the_ranges_when_the_machine_slows_for_rows_that_saw_no_slow_spell(
    monkeypatch,
):
    # run 1: the machine is twice as slow while case A is timed in pass 2, and steady for B;
    # run 2: it is 1.8 × as slow for all of case B. B's rows saw no slow spell in run 1, so
    # their own samples' range is a point; the run's drift, seen on A's rows, widens it.
    first = FakeWorld(
        monkeypatch, SECONDS, speed=lambda p, case, _: 2.0 if (p, case) == (2, "A") else 1.0
    )
    one = first.run()
    second = FakeWorld(monkeypatch, SECONDS, speed=lambda p, case, _: 1.8 if case == "B" else 1.0)
    two = second.run()
    b_rows = [r for r in one["results"] if r["case"] == "B" and r["status"] == "ok"]
    assert b_rows and all(r["min_s"] == pytest.approx(r["max_s"]) for r in b_rows)
    assert one["meta"]["drift"]["time"] == pytest.approx(2.0)
    # run 2's medians lie in run 1's ranges (the other way round they need not: run 2's
    # machine was steady for every row, so it has no drift and its ranges are points)
    assert [f for f in bench.disagreements([two, one]) if f["run"] == 0] == []
    assert two["meta"]["drift"]["time"] == pytest.approx(1.0)
    # without the widening, every row of B would disagree
    own = [
        {**report, "results": [{**r, "low_s": None} for r in report["results"]]}
        for report in (two, one)
    ]
    missed = {(f["case"], f["implementation"]) for f in bench.disagreements(own) if f["run"] == 0}
    assert {implementation for case, implementation in missed if case.startswith("B")} == set(
        SECONDS
    )


@pytest.mark.parametrize("drift", [1.0, 1.9])
def test_the_command_prints_the_drift_and_warns_when_the_machine_was_unsteady(
    drift, capsys, monkeypatch
):
    real_run = runner.run

    def run_with_drift(*args, **kwargs):
        report = real_run(*args, **kwargs)
        report["meta"]["drift"] = {
            "time": drift,
            "ratio": 1.1,
            "quantile": 0.02,
            "devices": {"cpu": {"time": drift, "ratio": 1.1}},
        }
        return report

    monkeypatch.setattr(runner, "run", run_with_drift)
    monkeypatch.setattr(runner, "quick_cases", lambda: [bench.Case("logreg", (2, 1), 300)])
    argv = ["bench", "--quick", "--backends", "numpy", "--budget", "0.02", "--passes", "1"]
    assert cli_main(argv) == 0
    out = capsys.readouterr().out
    assert f"cpu: times ÷{drift:.2f} to ×{drift:.2f}, ratios ÷1.10 to ×1.10" in out
    unsteady = f"note: this run's samples scattered by ×{drift:.2f} around their rows' medians"
    assert (unsteady in out) == (drift >= 1.25)


def test_each_device_has_its_own_drift(monkeypatch):
    # the CPU rows drift from pass to pass; the GPU row runs at one speed throughout
    seconds = {**SECONDS, "gpu-step": 5e-3}
    world = FakeWorld(
        monkeypatch,
        seconds,
        devices={"gpu-step": "gpu"},
        speed=lambda p, case, row: 1.0 if row == "gpu-step" else DRIFT[p - 1],
    )
    report = world.run()
    devices = report["meta"]["drift"]["devices"]
    assert devices["gpu"]["time"] == pytest.approx(1.0) and devices["cpu"]["time"] >= 1.4
    assert report["meta"]["drift"]["time"] == devices["cpu"]["time"]  # the largest
    for r in report["results"]:
        if r["status"] != "ok":
            continue
        factor = devices[r["device"]]["time"]
        assert r["low_s"] == pytest.approx(min(r["min_s"], r["median_s"] / factor))
        if r["implementation"] == "gpu-step":
            # steady: its range stays its samples' own, not widened by the CPU's drift
            assert r["min_s"] == pytest.approx(r["max_s"])
            assert r["low_s"] == pytest.approx(r["min_s"])
            assert r["high_s"] == pytest.approx(r["max_s"])


def test_paired_ratios_that_scatter_widen_every_rows_ratio_range(monkeypatch):
    # nnbackend's step is twice as slow on every third call while the course step is steady,
    # so its ratios to the course step scatter; the loop's ratios do not
    calls = {"n": 0}

    def speed(p, case, row):
        if row != "nnbackend-numpy":
            return 1.0
        calls["n"] += 1
        return 2.0 if calls["n"] % 3 == 0 else 1.0

    world = FakeWorld(monkeypatch, SECONDS, speed=speed)
    report = world.run()
    factor = report["meta"]["drift"]["ratio"]
    assert factor > 1.2
    for case in ("A", "B"):
        loop = _rows(report)[(case, "loop")]
        assert loop["relative_min"] == pytest.approx(loop["relative_max"])  # steady pair
        assert loop["relative_low"] == pytest.approx(loop["relative"] / factor)
        assert loop["relative_high"] == pytest.approx(loop["relative"] * factor)
        reference = _rows(report)[(case, "numpy-course")]
        assert reference["relative_low"] == reference["relative_high"] == 1.0
    for cell in report["parity"]:
        assert cell["ratio_low"] == pytest.approx(min(cell["ratio_min"], cell["ratio"] / factor))
        assert cell["ratio_high"] == pytest.approx(max(cell["ratio_max"], cell["ratio"] * factor))
