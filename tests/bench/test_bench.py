"""The loop oracle against the vectorized core, and the benchmark harness itself."""

from __future__ import annotations

import json
import re
import statistics

import numpy as np
import pytest

from nnbackend import bench
from nnbackend.cli import main as cli_main
from nnbackend.core import initializers, network
from nnbackend.reference import loop


class FakeClock:
    """A clock that moves only when a fake step says so: timing logic without wall time."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "leaky_relu", "identity"])
@pytest.mark.parametrize("output", ["sigmoid", "identity"])
def test_loop_gradients_equal_the_vectorized_ones(hidden, output):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 23))
    Y = (
        (rng.random((2, 23)) > 0.5).astype(float)
        if output == "sigmoid"
        else rng.standard_normal((2, 23))
    )
    params = initializers.initialize_parameters([5, 4, 3, 2], X, init="xavier", rng=1)
    params = [(w, rng.standard_normal(b.shape) * 0.1) for w, b in params]
    AL, cache = network.forward(X, params, hidden=hidden, output=output)
    cost = float(network.compute_cost(AL, Y, output, logits=cache.logits))
    grads = network.backward(AL, Y, cache, params, hidden=hidden, output=output)
    weights, biases = loop.to_lists(params)
    new_w, new_b, loop_cost, loop_grads = loop.network_step(
        weights, biases, loop.to_examples(X), Y.T.tolist(), 0.1, hidden=hidden, output=output
    )
    assert loop_cost == pytest.approx(cost, rel=1e-10)
    for (dw, db), (ldw, ldb) in zip(grads, loop_grads, strict=True):
        np.testing.assert_allclose(np.array(ldw), dw, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(np.array(ldb), db[:, 0], rtol=1e-10, atol=1e-14)
    updated = network.update(params, grads, 0.1)
    for (w, b), lw, lb in zip(updated, new_w, new_b, strict=True):
        np.testing.assert_allclose(np.array(lw), w, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(np.array(lb), b[:, 0], rtol=1e-10, atol=1e-14)


def test_loop_logistic_regression_equals_the_vectorized_step():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((3, 50))
    Y = (rng.random((1, 50)) > 0.5).astype(float)
    w = rng.standard_normal(3)
    b = 0.2
    new_w, new_b, cost, dw, db = loop.logistic_regression_step(
        w.tolist(), b, loop.to_examples(X), Y[0].tolist(), 0.5
    )
    params = [(w.reshape(1, 3).copy(), np.array([[b]]))]
    AL, cache = network.forward(X, params, output="sigmoid")
    ((vdw, vdb),) = network.backward(AL, Y, cache, params, output="sigmoid")
    assert cost == pytest.approx(float(network.compute_cost(AL, Y, "sigmoid")), rel=1e-10)
    np.testing.assert_allclose(dw, vdw[0], rtol=1e-10)
    assert db == pytest.approx(float(vdb[0, 0]), rel=1e-10)
    np.testing.assert_allclose(new_w, w - 0.5 * vdw[0], rtol=1e-10)


def test_loop_module_takes_only_the_activation_names_from_nnbackend():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(loop))
    from_nnbackend = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nnbackend")
        for alias in node.names
    }
    plain = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    # an independent oracle: no shared math, only the one list of activation names
    assert from_nnbackend == {("nnbackend.core.activations", "HIDDEN_ACTIVATIONS")}
    assert not any(name.startswith("nnbackend") for name in plain)


def test_flop_count_counts_no_gradient_wrt_x():
    # logistic regression: forward 2 n m, dW 2 n m
    assert bench.matmul_flops((10, 1), 7) == 4 * 10 * 7
    # two layers: layer 1 (no dA0) 4·n1·n0·m, layer 2 6·n2·n1·m
    assert bench.matmul_flops((3, 4, 2), 5) == 4 * 4 * 3 * 5 + 6 * 2 * 4 * 5


def test_every_cpu_implementation_runs_and_agrees_on_the_first_step():
    case = bench.Case("planar", (2, 4, 1), 40, hidden="tanh")
    runnable, _ = bench.available_implementations(bench.benchmarked_backends())
    for implementation in runnable:
        step, sync = bench.make_step(case, implementation, "float64")
        step()
        sync()


def test_run_reports_skips_and_speedups():
    cases = [bench.Case("logreg", (2, 1), 2_000), bench.Case("cat", (12288, 20, 7, 5, 1), 209)]
    report = bench.run(cases, ["loop", "nnbackend-numpy"], dtype="float32", budget_s=0.05)
    rows = {(r["case"], r["implementation"]): r for r in report["results"]}
    assert rows[("cat", "loop")]["status"] == "skipped (budget)"
    assert rows[("cat", "loop")]["median_s"] is None  # never extrapolated
    numpy_row = rows[("logreg", "nnbackend-numpy")]
    assert numpy_row["speedup_vs_loop"] > 1
    assert numpy_row["gflops"] > 0 and numpy_row["pct_matmul"] > 0
    assert numpy_row["memory_ratio"] > 0
    assert report["meta"]["dtype"] == "float32" and report["meta"]["versions"]["numpy"]
    table = bench.format_table(report)
    assert "skipped (budget)" in table and "speedup vs loop" in table


def test_cli_bench_writes_json_and_plot(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(
        bench.runner,
        "quick_cases",
        lambda: [bench.Case("logreg", (2, 1), 500), bench.Case("logreg", (2, 1), 5_000)],
    )
    out_json, out_png = tmp_path / "b.json", tmp_path / "b.png"
    status = cli_main(
        [
            "bench",
            "--quick",
            "--backends",
            "numpy",
            "--budget",
            "0.02",
            "--json",
            str(out_json),
            "--plot",
            str(out_png),
        ]
    )
    assert status == 0
    report = json.loads(out_json.read_text())
    assert {r["implementation"] for r in report["results"]} == {
        "loop",
        "numpy-course",
        "nnbackend-numpy",
        "nnbackend-fit-step",
    }
    assert out_png.stat().st_size > 10_000
    printed = capsys.readouterr()
    assert (
        "| case | implementation | median time / step [range] | × numpy-course [range] |"
        " speedup vs loop |" in printed.out
    )
    assert "logreg [2,1] m=5,000" in printed.out
    drift = report["meta"]["drift"]
    assert f"times ÷{drift['time']:.2f} to ×{drift['time']:.2f}" in printed.out
    assert "[" in printed.err  # progress lines


def test_cli_bench_rejects_unknown_backends(capsys):
    assert cli_main(["bench", "--backends", "numpy,tensorflow"]) == 2
    assert "tensorflow" in capsys.readouterr().err


def test_peer_pairs_match_each_library_with_its_hand_written_step():
    implementations = [
        "loop",
        "nnbackend-numpy",
        "numpy-course",
        "nnbackend-fit-step",
        "nnbackend-torch",
        "torch-eager",
        "nnbackend-jax",
        "nnbackend-jax-fit",
    ]
    assert bench.peer_pairs(implementations) == [
        ("nnbackend-numpy", "numpy-course"),
        ("nnbackend-torch", "torch-eager"),
    ]  # no jax-jit asked for, and the fit rows are not steps


def test_interleaved_timing_tells_a_slower_step_from_a_faster_one():
    clock = FakeClock()

    def busy(seconds):
        def step():
            clock.now += seconds

        return step, lambda: None

    slow, fast, samples = bench.interleaved(busy(4e-4), busy(1e-4), budget_s=0.05, clock=clock)
    assert samples >= 5
    assert slow / fast == pytest.approx(4)


def test_run_times_the_pairs_interleaved_and_the_table_shows_their_ratio():
    cases = [bench.Case("logreg", (2, 1), 2_000)]
    report = bench.run(cases, ["nnbackend-numpy", "numpy-course"], budget_s=0.05)
    (entry,) = report["parity"]
    assert (entry["ours"], entry["peer"]) == ("nnbackend-numpy", "numpy-course")
    # the median of the pairs' ratios, inside the range of those ratios, and the printed
    # range that range widened by the run's drift
    assert entry["ratio_min"] <= entry["ratio"] <= entry["ratio_max"]
    factor = report["meta"]["drift"]["ratio"]
    assert entry["ratio_low"] == pytest.approx(min(entry["ratio_min"], entry["ratio"] / factor))
    assert entry["ratio_high"] == pytest.approx(max(entry["ratio_max"], entry["ratio"] * factor))
    assert entry["samples"] >= 5 and entry["ours_s"] > 0
    table = bench.format_parity(report)
    assert "| case | nnbackend-numpy / numpy-course |" in table
    cell = f"{entry['ratio']:.2f}× [{entry['ratio_low']:.2f}–{entry['ratio_high']:.2f}]"
    assert f"| logreg [2,1] m=2000 | {cell} |" in table
    assert bench.format_parity({"parity": []}) == ""


# ------------------------------------------------------------------ numbers one can trust
def _fake_step(clock, seconds, log, name):
    def step():
        clock.now += seconds
        log.append(name)

    return step


def _samples_in_order(log, warmup_calls):
    # a sample is the calls up to a sync ("|")
    order, calls = [], []
    for name in log[warmup_calls:]:
        if name == "|":
            assert len(set(calls)) == 1
            order.append((calls[0], len(calls)))
            calls = []
        else:
            calls.append(name)
    return order


def test_interleave_fills_each_sample_and_alternates_the_order():
    clock, log = FakeClock(), []
    items = [
        bench.Timed("a", _fake_step(clock, 1e-3, log, "a"), lambda: log.append("|"), 0.05, 3, 3),
        bench.Timed("b", _fake_step(clock, 4e-3, log, "b"), lambda: log.append("|"), 0.05, 3, 3),
    ]
    times, errors = bench.interleave(items, min_sample_s=0.01, clock=clock)
    assert errors == {}
    samples = _samples_in_order(log, warmup_calls=12)  # 3 calls and 3 syncs each
    # a sample lasts at least 10 ms: 10 calls of the 1 ms step, 3 of the 4 ms one
    assert set(samples) == {("a", 10), ("b", 3)}
    # one sample of each per round, in alternating order, until each budget is spent
    assert [name for name, _ in samples] == ["a", "b", "b", "a", "a", "b", "b", "a", "a", "b"]
    assert times["a"] == pytest.approx([1e-3] * 5) and times["b"] == pytest.approx([4e-3] * 5)


def test_interleave_drops_a_failing_step_and_keeps_the_others():
    clock, log = FakeClock(), []
    calls = []

    def flaky():
        calls.append(1)
        clock.now += 1e-3
        if len(calls) > 4:
            raise ZeroDivisionError("boom")

    items = [
        bench.Timed("ok", _fake_step(clock, 1e-3, log, "ok"), lambda: None, 0.02),
        bench.Timed("flaky", flaky, lambda: None, 0.02),
    ]
    times, errors = bench.interleave(items, min_sample_s=0.002, clock=clock)
    assert errors == {"flaky": "error: ZeroDivisionError: boom"}
    assert set(times) == {"ok"} and len(times["ok"]) >= 5


def test_summary_gives_the_median_and_the_spread():
    stats = bench.summarize([5.0, 1.0, 3.0, 2.0, 4.0])
    assert stats == {"median": 3.0, "min": 1.0, "max": 5.0, "q1": 2.0, "q3": 4.0}
    assert bench.summarize([7.0]) == dict.fromkeys(("median", "min", "max", "q1", "q3"), 7.0)


def test_percent_of_matmul_rate_is_bounded_by_construction():
    flops, times = 2e9, [1.0, 1.25, 2.0]  # a median of 1.25 s: 1.6 GFLOP/s, the best 2
    # the products ran faster alone than the step's best: against them
    assert bench.percent_of_matmul(flops, times, 4.0) == (40.0, 4.0, "products")
    # the step's best sample beat the products timed alone (the case the old table printed
    # as 207-244 %): its own fastest sample is the reference, the median is below it
    assert bench.percent_of_matmul(flops, times, 1.0) == (80.0, 2.0, "own fastest sample")
    assert bench.percent_of_matmul(flops, times, None) == (None, None, None)


def test_the_products_timed_beside_a_row_are_the_steps_own():
    shapes = bench.cases.product_shapes((3, 4, 2), 5)
    assert [(p.rows, p.inner, p.cols, p.form) for p in shapes] == [
        (4, 3, 5, "nn"),  # Z1 = W1 X
        (4, 5, 3, "nt"),  # dW1 = dZ1 Xᵀ
        (2, 4, 5, "nn"),  # Z2 = W2 A1
        (2, 5, 4, "nt"),  # dW2 = dZ2 A1ᵀ
        (4, 2, 5, "tn"),  # dA1 = W2ᵀ dZ2
    ]
    # together they are the FLOPs the table counts
    assert sum(p.flops for p in shapes) == bench.matmul_flops((3, 4, 2), 5)
    for product in shapes:
        step, sync = bench.peers.product_step(product, "float64", "cpu")
        step()
        sync()


def _tiny_run():
    implementations, _ = bench.available_implementations(["numpy"])
    cases = [bench.Case("logreg", (2, 1), 300), bench.Case("planar", (2, 4, 1), 40, "tanh")]
    return bench.run(cases, implementations, budget_s=0.01)


def test_no_row_exceeds_the_matmul_rate_measured_beside_it():
    report = _tiny_run()
    timed = [r for r in report["results"] if r["status"] == "ok"]
    assert timed
    for r in timed:
        label = bench.Case(r["case"], tuple(r["layer_dims"]), r["m"]).label
        peak = report["matmul_gflops"][label][r["device"]]
        assert peak > 0  # measured in this run, on this case's products
        best = bench.matmul_flops(r["layer_dims"], r["m"]) / min(r["times_s"]) / 1e9
        assert r["matmul_gflops"] == pytest.approx(max(peak, best))
        assert 0 < r["pct_matmul"] <= 100
        assert r["min_s"] <= r["q1_s"] <= r["median_s"] <= r["q3_s"] <= r["max_s"]
        assert len(r["times_s"]) >= (1 if r["implementation"] == "loop" else 3)
    assert report["meta"]["min_sample_s"] == bench.MIN_SAMPLE_S
    table = bench.format_table(report)
    assert "median time / step [range]" in table
    assert re.search(r"\| nnbackend-numpy \| [0-9.]+ µs \[[0-9.]+–[0-9.]+\] \|", table)


def test_repeated_quick_runs_are_compared_within_their_printed_spread():
    runs = [_tiny_run(), _tiny_run()]
    found = bench.disagreements(runs)
    # what the check reports is exactly the medians outside the other run's range
    expected = 0
    for a, b in ((0, 1), (1, 0)):
        for ra, rb in zip(runs[a]["results"], runs[b]["results"], strict=True):
            if ra["status"] == rb["status"] == "ok":
                expected += not rb["low_s"] <= ra["median_s"] <= rb["high_s"]
    assert len(found) == expected
    assert all(not f["range_s"][0] <= f["median_s"] <= f["range_s"][1] for f in found)


def _fake_report(*rows):
    return {
        "results": [
            {"case": "logreg", "layer_dims": [2, 1], "m": 100, "implementation": name,
             "status": "ok", "median_s": median, "min_s": low, "max_s": high}
            for name, median, low, high in rows
        ]
    }  # fmt: skip


def _by_pass(row):
    # a row's pooled samples, split back into its passes
    samples, start = [], 0
    for count in row["samples_per_pass"]:
        samples.append(row["times_s"][start : start + count])
        start += count
    assert start == len(row["times_s"])
    return samples


def test_each_row_is_also_given_against_the_course_step_in_the_same_rounds():
    report = _tiny_run()
    assert report["meta"]["relative_to"] == "numpy-course"
    for label in {(r["case"], r["m"]) for r in report["results"]}:
        rows = {
            r["implementation"]: r
            for r in report["results"]
            if (r["case"], r["m"]) == label and r["status"] == "ok"
        }
        reference = rows["numpy-course"]
        for r in rows.values():
            # the ratios of samples taken in the same round of the same pass, not of the two
            # medians
            pairs = [
                a / b
                for mine, theirs in zip(_by_pass(r), _by_pass(reference), strict=True)
                for a, b in zip(mine, theirs, strict=False)
            ]
            assert r["relative"] == pytest.approx(statistics.median(pairs))
            assert r["relative_min"] == pytest.approx(min(pairs))
            assert r["relative_max"] == pytest.approx(max(pairs))
            assert r["relative_min"] <= r["relative"] <= r["relative_max"]
        assert reference["relative"] == 1.0
    table = bench.format_table(report)
    assert re.search(r"\| nnbackend-numpy \| [^|]+ \| [0-9.]+× \[[0-9.]+–[0-9.]+\] \|", table)
    for e in report["parity"]:
        assert e["ratio_min"] <= e["ratio"] <= e["ratio_max"]
    assert re.search(r"\| [0-9.]+× \[[0-9.]+–[0-9.]+\] \|", bench.format_parity(report))


def test_the_agreement_check_reads_the_relative_figure_too():
    def report(relative, low, high):
        rows = _fake_report(("a", 1.0, 0.5, 1.5))
        rows["results"][0].update(relative=relative, relative_min=low, relative_max=high)
        return rows

    close = [report(1.10, 1.05, 1.20), report(1.12, 1.02, 1.15)]
    assert bench.disagreements(close, "relative") == []
    apart = [report(1.10, 1.08, 1.12), report(1.30, 1.25, 1.35)]
    found = bench.disagreements(apart, "relative")
    assert [(f["run"], f["other"]) for f in found] == [(0, 1), (1, 0)]
    assert found[0]["value"] == 1.10 and found[0]["range"] == (1.25, 1.35)
    with pytest.raises(ValueError, match="figure='speed'"):
        bench.disagreements(close, "speed")


def test_the_agreement_check_itself():
    agree = [_fake_report(("a", 2.0, 1.0, 3.0)), _fake_report(("a", 2.5, 1.5, 2.6))]
    assert bench.disagreements(agree) == []
    # like the cat row that read 8.24 ms in one run and 2.41 ms in the next
    apart = [_fake_report(("a", 8.24, 8.0, 8.5)), _fake_report(("a", 2.41, 2.3, 2.5))]
    found = bench.disagreements(apart)
    assert [(f["run"], f["other"]) for f in found] == [(0, 1), (1, 0)]
    assert found[0]["median_s"] == 8.24 and found[0]["range_s"] == (2.3, 2.5)
    # one-sided: run 1's median is inside run 0's wide range, not the other way round
    one_sided = [_fake_report(("a", 2.0, 1.0, 5.0)), _fake_report(("a", 4.0, 3.9, 4.1))]
    assert [(f["run"], f["other"]) for f in bench.disagreements(one_sided)] == [(0, 1)]
    # rows without a spread (older recorded runs) are not compared
    old = {"results": [{**_fake_report(("a", 9.0, 0, 0))["results"][0], "min_s": None}]}
    assert bench.disagreements([agree[0], old]) == []


def test_the_agreement_check_reads_the_parity_table():
    def report(ratio, low, high, widened=True):
        cell = {"case": "planar", "ours": "nnbackend-numpy", "peer": "numpy-course",
                "ratio": ratio, "ratio_min": low, "ratio_max": high}  # fmt: skip
        if widened:
            cell.update(ratio_low=low / 2, ratio_high=high * 2)
        return {"results": [], "parity": [cell]}

    # inside the widened range, outside the samples' own: they agree
    assert bench.disagreements([report(0.9, 0.88, 0.92), report(1.2, 1.1, 1.3)], "ratio") == []
    # a run recorded before the drift is compared on its own range
    found = bench.disagreements(
        [report(0.9, 0.88, 0.92), report(1.2, 1.1, 1.3, widened=False)], "ratio"
    )
    assert [(f["run"], f["other"], f["range"]) for f in found] == [(0, 1, (1.1, 1.3))]
    assert found[0]["implementation"] == "nnbackend-numpy / numpy-course"


def test_a_recorded_run_with_its_samples_range_only_renders_it_as_min_max():
    row = {"case": "logreg", "layer_dims": [2, 1], "m": 100, "implementation": "nnbackend-numpy",
           "status": "ok", "median_s": 2e-3, "min_s": 1e-3, "max_s": 3e-3,
           "speedup_vs_loop": None, "gflops": 0.5, "pct_matmul": 10.0, "peak_extra_mb": None,
           "memory_ratio": None}  # fmt: skip
    table = bench.format_table({"results": [row]})
    assert "median time / step [min–max]" in table and "2.00 ms [1.00–3.00]" in table
    widened = bench.format_table({"results": [{**row, "low_s": 5e-4, "high_s": 4e-3}]})
    assert "median time / step [range]" in widened and "2.00 ms [0.50–4.00]" in widened


def test_a_recorded_run_without_spread_renders_as_before():
    report = {
        "results": [
            {"case": "logreg", "layer_dims": [2, 1], "m": 100, "implementation": "loop",
             "status": "ok", "median_s": 2e-3, "speedup_vs_loop": 1.0, "gflops": 0.5,
             "pct_matmul": 10.0, "peak_extra_mb": None, "memory_ratio": None}
        ]
    }  # fmt: skip
    table = bench.format_table(report)
    assert table.splitlines()[0].startswith("| case | implementation | median time / step |")
    assert "| logreg [2,1] m=100 | loop | 2.00 ms | 1× | 0.50 | 10 % |  |" in table


def test_time_step_fills_its_samples_too():
    clock, log = FakeClock(), []
    times = bench.time_step(
        _fake_step(clock, 2e-3, log, "s"), lambda: None, 0.05, min_sample_s=0.01, clock=clock
    )
    assert times == pytest.approx([2e-3] * 5)
    assert len(log) == 2 + 5 * 5  # two warm-up calls, then five samples of five calls


def test_the_dask_baseline_skips_a_cold_first_fit():
    from nnbackend.bench.dask import iteration_samples

    clock, fits = FakeClock(), []

    def fit(max_iter):
        # the first fit in a process pays for imports and thread pools: 0.2 s more
        clock.now += 0.05 + 0.015 * max_iter + (0.2 if not fits else 0.0)
        fits.append(max_iter)

    samples = iteration_samples(fit, 3, repeats=3, clock=clock)
    assert samples == pytest.approx([0.015] * 3)  # not (0.05+0.06 - 0.265) / 3 < 0
    assert fits == [1, 1, 4, 4, 1, 1, 4]


def test_the_dask_benchmark_times_numpy_with_the_dask_rows_harness(monkeypatch):
    pytest.importorskip("dask")
    from nnbackend.bench import dask as distributed

    seen = []

    def fake_samples(fit, iterations, repeats=3, clock=None):
        seen.append((iterations, repeats))
        return [0.02, 0.01, 0.03]

    monkeypatch.setattr(distributed, "iteration_samples", fake_samples)
    case = distributed.DaskCase(n_samples=60, n_features=3, n_chunks=2, iterations=2, repeats=3)
    row, reference = distributed._in_memory(case)
    assert seen == [(case.iterations, case.repeats)]  # the same iterations and repeats
    assert row.seconds_per_iteration == 0.02 and row.samples_s == [0.02, 0.01, 0.03]
    assert reference.n_iter_ == 1 + case.iterations  # the same fit as the Dask rows
    report = {
        "case": {**distributed.asdict(case)},
        "rows": [distributed.asdict(row)],
        "ratio": None,
        "scaling": None,
        "parity": 0.0,
    }
    text = distributed.format_dask_report(report)
    assert "| NumPy in memory (all cores) |  | 20.0 ms [10.0–30.0] |" in text
    assert "median [min–max] of 3 pairs of fits" in text


def test_option_rows_run_on_a_tiny_size_and_print_ratios():
    # A smoke test: every row runs and the table prints; no timing is asserted.
    from nnbackend.bench import options

    rows = options.option_rows(m=40, features=3, iterations=2, budget_s=0.0, min_samples=1)
    assert {row.option for row in rows} == {label for label, _, _ in options.OPTIONS}
    assert all(row.ratio is None or row.ratio > 0 for row in rows)
    table = options.format_options(rows)
    assert "alpha=1e-3" in table and "early_stopping=True" in table


def test_cli_bench_options_prints_the_ratio_table(capsys, monkeypatch):
    from nnbackend import cli
    from nnbackend.bench import options

    original = options.option_rows
    monkeypatch.setattr(
        options,
        "option_rows",
        lambda **kw: original(**{**kw, "m": 40, "iterations": 2, "budget_s": 0.0}),
    )
    assert cli.main(["bench", "--options", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "| option |" in out and 'solver="adam"' in out
