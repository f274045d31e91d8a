"""The loop oracle against the vectorized core, and the benchmark harness itself."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from nnbackend import bench
from nnbackend.cli import main as cli_main
from nnbackend.core import initializers, network
from nnbackend.reference import loop


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
    assert "| case | implementation | median time / step | speedup vs loop |" in printed.out
    assert "logreg [2,1] m=5,000" in printed.out
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
    def busy(seconds):
        def step():
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                pass

        return step, lambda: None

    slow, fast, samples = bench.interleaved(busy(4e-4), busy(1e-4), budget_s=0.05)
    assert samples >= 5
    assert 2.5 < slow / fast < 6  # 4×, with room for a shared machine's noise


def test_run_times_the_pairs_interleaved_and_the_table_shows_their_ratio():
    cases = [bench.Case("logreg", (2, 1), 2_000)]
    report = bench.run(cases, ["nnbackend-numpy", "numpy-course"], budget_s=0.05)
    (entry,) = report["parity"]
    assert (entry["ours"], entry["peer"]) == ("nnbackend-numpy", "numpy-course")
    assert entry["ratio"] == pytest.approx(entry["ours_s"] / entry["peer_s"])
    assert entry["samples"] >= 5 and entry["ours_s"] > 0
    table = bench.format_parity(report)
    assert "| case | nnbackend-numpy / numpy-course |" in table
    assert f"| logreg [2,1] m=2000 | {entry['ratio']:.2f}× |" in table
    assert bench.format_parity({"parity": []}) == ""


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
