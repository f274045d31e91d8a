"""The dask-cuda row of the GPU check: data-parallel training on CuPy chunks, one worker per GPU.

X (float32) is made on the GPU workers as CuPy chunks and persisted there; the labels are
host data. A ``NeuralNetworkClassifier`` fitted on it must give NumPy's weights (1e-3
relative), and its predictions must come back from the CuPy chunks. Prints ``skipped: ...``
and exits 0 when CuPy, dask-cuda or a GPU is missing; exits 1 when a check fails.

    PYTHONPATH=src python3 tools/dask_gpu_check.py
"""

from __future__ import annotations

import sys
import time

import numpy as np


def main() -> int:
    try:
        import cupy
        import dask.array as da
        import distributed
        from dask_cuda import LocalCUDACluster
    except ImportError as exc:
        print(f"skipped: {exc} (install dask, distributed and dask-cuda next to CuPy)")
        return 0
    if cupy.cuda.runtime.getDeviceCount() == 0:
        print("skipped: no CUDA device")
        return 0
    import nnbackend
    from nnbackend.bench.dask import parity

    n, d, chunks = 400_000, 20, 8
    kwargs = dict(activation="relu", solver="gd", learning_rate=0.5, max_iter=10, tol=None)
    started = time.perf_counter()
    with LocalCUDACluster() as cluster, distributed.Client(cluster) as client:
        workers = len(client.scheduler_info()["workers"])
        host = da.random.default_rng(0).standard_normal((n, d), chunks=(n // chunks, d))
        X = host.astype("float32").map_blocks(
            cupy.asarray, meta=cupy.empty((0, 0), dtype="float32")
        )
        X = X.persist()
        distributed.wait(X)
        first = X.blocks[0, 0].compute()
        assert isinstance(first, cupy.ndarray), type(first)
        X_host = np.asarray(host.astype("float32").compute())
        y = (X_host[:, :3].sum(axis=1) > 0).astype(np.int8)
        model = nnbackend.NeuralNetworkClassifier((16,), random_state=0, **kwargs).fit(X, y)
        seconds = time.perf_counter() - started
        predicted = model.predict(X[:1000])
        predicted = predicted.compute() if hasattr(predicted, "compute") else predicted
        predicted = cupy.asnumpy(predicted) if isinstance(predicted, cupy.ndarray) else predicted
    ref = nnbackend.NeuralNetworkClassifier((16,), random_state=0, **kwargs).fit(X_host, y)
    worst = parity(model.coefs_, ref.coefs_)
    agree = float(np.mean(np.asarray(predicted) == ref.predict(X_host[:1000])))
    print(
        f"dask-cuda: {workers} GPU worker(s), {n:,} x {d} float32 in {chunks} CuPy chunks, "
        f"10 iterations in {seconds:.1f} s (cluster start included); weights vs NumPy "
        f"{worst:.1e} relative; predictions agree on {100 * agree:.1f} %"
    )
    ok = worst <= 1e-3 and agree >= 0.99
    print("dask-cuda check: " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
