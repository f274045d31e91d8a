"""Questions only a GPU can answer, asked once per device call (see tools/gpu_check.sh).

1. Does CuPy's stream capture accept cuBLAS calls? (A CUDA-graph path for small networks
   depends on it.)
2. Does nnbackend's own CuPy training loop run as a CUDA graph, and does it compute NumPy's
   numbers? (Its capture falls back to launching the steps one by one when refused; this says
   which happened, and the time per iteration both ways.)
3. What does TF32 cost in accuracy? A float32 product of two 1024 × 1024 normal matrices with
   TF32 off and on, against the float64 product, for CuPy (CUPY_TF32) and PyTorch
   (torch.backends.cuda.matmul.allow_tf32).

Prints one line per answer; never raises, so the rest of the check still runs.
"""

from __future__ import annotations

import os
import subprocess
import sys

_TF32_ERROR = """
import numpy as np, cupy as cp
rng = np.random.default_rng(0)
a, b = rng.standard_normal((1024, 1024)), rng.standard_normal((1024, 1024))
exact = a @ b
got = cp.asnumpy(cp.asarray(a, dtype=cp.float32) @ cp.asarray(b, dtype=cp.float32))
print(float(np.max(np.abs(got - exact)) / np.max(np.abs(exact))))
"""


def cupy_graph_capture() -> str:
    try:
        import cupy as cp
    except ImportError as exc:
        return f"cupy graph capture: not checked ({exc})"
    try:
        a = cp.ones((256, 256), dtype=cp.float32)
        stream = cp.cuda.Stream(non_blocking=True)
        with stream:
            stream.begin_capture()
            c = a @ a
            c += 1
            graph = stream.end_capture()
        graph.launch(stream)
        stream.synchronize()
        ok = bool(cp.allclose(c, 257.0))
        return f"cupy graph capture of a cuBLAS matmul: works (result correct: {ok})"
    except Exception as exc:  # the answer is the point, whatever it is
        return f"cupy graph capture of a cuBLAS matmul: refused ({type(exc).__name__}: {exc})"


def nnbackend_cupy_loop() -> str:
    try:
        import time

        import numpy as np

        import nnbackend
        from nnbackend import training
        from nnbackend.backends import QueuedLoop
        from nnbackend.core.initializers import initialize_parameters
        from nnbackend.training import optimizers
    except ImportError as exc:
        return f"nnbackend cupy loop: not checked ({exc})"
    try:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((2, 400))
        Y = (X[0:1] * X[1:2] > 0).astype(float)

        def fit(Xa, Ya, iterations=1000):
            params = initialize_parameters([2, 4, 1], Xa, init="xavier", rng=0)
            start = time.perf_counter()
            result = training.train(
                Xa, Ya, params, optimizers.GradientDescent(1.2), hidden="tanh",
                max_iter=iterations,
            )  # fmt: skip
            return result, (time.perf_counter() - start) / iterations

        with nnbackend.use_backend("numpy"):
            want, _ = fit(X, Y)
        lines = []
        for graphs in ("1", "0"):
            os.environ["NNBACKEND_CUDA_GRAPHS"] = graphs
            with nnbackend.use_backend("cupy") as active:
                Xc, Yc = nnbackend.asarray(X), nnbackend.asarray(Y)
                fit(Xc, Yc, 200)  # builds and captures
                got, per_iteration = fit(Xc, Yc)
                programs = active.adapter.compiler()._programs.values()
                queued = [p for p in programs if isinstance(p, QueuedLoop)]
                error = max(
                    float(np.max(np.abs(nnbackend.to_numpy(a) - b)) / np.max(np.abs(b)))
                    for (a, _), (b, _) in zip(got.params, want.params, strict=True)
                )
                status = (
                    "graph"
                    if graphs == "1" and not queued[-1].graph_error
                    else (
                        f"launched one by one ({queued[-1].graph_error})"
                        if graphs == "1"
                        else "launched one by one (NNBACKEND_CUDA_GRAPHS=0)"
                    )
                )
                lines.append(
                    f"nnbackend cupy loop, planar 1000 iterations: {status}, "
                    f"{per_iteration * 1e6:.1f} µs/iteration, max rel. weight error vs NumPy "
                    f"{error:.1e}"
                )
        os.environ.pop("NNBACKEND_CUDA_GRAPHS", None)
        return "\n".join(lines)
    except Exception as exc:  # the answer is the point, whatever it is
        return f"nnbackend cupy loop: failed ({type(exc).__name__}: {exc})"


def cupy_tf32_error() -> str:
    errors = {}
    for flag in ("0", "1"):
        env = dict(os.environ, CUPY_TF32=flag)
        done = subprocess.run(
            [sys.executable, "-c", _TF32_ERROR], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            return f"cupy TF32: not measured ({done.stderr.strip()[-200:]})"
        errors[flag] = float(done.stdout.strip())
    return (
        "cupy float32 matmul 1024³, max error / max |exact|: "
        f"TF32 off {errors['0']:.2e}, TF32 on {errors['1']:.2e}"
    )


def torch_tf32_error() -> str:
    try:
        import numpy as np
        import torch
    except ImportError as exc:
        return f"torch TF32: not measured ({exc})"
    if not torch.cuda.is_available():
        return "torch TF32: not measured (no CUDA device)"
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((1024, 1024)), rng.standard_normal((1024, 1024))
    exact = a @ b
    ta = torch.from_numpy(a).float().cuda()
    tb = torch.from_numpy(b).float().cuda()
    errors = []
    for allowed in (False, True):
        torch.backends.cuda.matmul.allow_tf32 = allowed
        got = (ta @ tb).cpu().double().numpy()
        errors.append(float(np.max(np.abs(got - exact)) / np.max(np.abs(exact))))
    torch.backends.cuda.matmul.allow_tf32 = False
    return (
        "torch float32 matmul 1024³, max error / max |exact|: "
        f"TF32 off {errors[0]:.2e}, TF32 on {errors[1]:.2e}"
    )


if __name__ == "__main__":
    for probe in (cupy_graph_capture, nnbackend_cupy_loop, cupy_tf32_error, torch_tf32_error):
        print(probe(), flush=True)
