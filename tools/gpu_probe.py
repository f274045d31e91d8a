"""Questions only a GPU can answer, asked once per device call (see tools/gpu_check.sh).

1. Does CuPy's stream capture accept cuBLAS calls? (A CUDA-graph path for small networks
   depends on it.)
2. What does TF32 cost in accuracy? A float32 product of two 1024 × 1024 normal matrices with
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
    for probe in (cupy_graph_capture, cupy_tf32_error, torch_tf32_error):
        print(probe(), flush=True)
