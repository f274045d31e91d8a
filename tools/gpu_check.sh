#!/usr/bin/env bash
# The GPU check, in one call on a lent device machine (see README, "The GPU check").
#
# Prepare here, once per session (the wheels are not committed: .whl/ is ignored):
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#     -d .whl array-api-compat array-api-strict
# then run, with carry [".whl"]:  bash tools/gpu_check.sh
# The dask-cuda row (tools/dask_gpu_check.py) also needs dask, distributed and dask-cuda with
# their dependencies in .whl (the image has none of them); without them it prints "skipped".
#
# It writes to $OUT: machine.txt, probe.txt, tests-cupy.log, dask-cuda.log, bench.log, bench-gpu.json and
# bench-gpu.png. probe.txt says whether nnbackend's CuPy loop ran as a CUDA graph (and its time
# per iteration with and without); tests-cupy.log includes tests/test_compiled.py on CuPy
# (fused kernels against the generic path, graph capture, NumPy's numbers, divergence, tol);
# the benchmark has the nnbackend-cupy row (fused kernels + graph) beside torch-eager-cuda and
# jax-jit-gpu, and the nnbackend-<library>-fit rows. The device image has CuPy, PyTorch, JAX,
# pytest, hypothesis, scikit-learn, h5py and matplotlib; the docs build test skips there.
set -uo pipefail
OUT=${OUT:-gpu-check-out}
mkdir -p "$OUT"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
# the docs' shell examples call the console script, which only an install would create
mkdir -p /tmp/nnbackend-bin
printf '#!/bin/sh\nexec python3 -m nnbackend "$@"\n' >/tmp/nnbackend-bin/nnbackend
chmod +x /tmp/nnbackend-bin/nnbackend
export PATH="/tmp/nnbackend-bin:$PATH"

{ date -u; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  python3 -m nnbackend info; } 2>&1 | tee "$OUT/machine.txt"
timeout 120 python3 tools/gpu_probe.py 2>&1 | tee "$OUT/probe.txt"
NNBACKEND=cupy timeout 330 python3 -m pytest -q --benchmark-disable -p no:cacheprovider \
    2>&1 | tee "$OUT/tests-cupy.log"
timeout 180 python3 tools/dask_gpu_check.py 2>&1 | tee "$OUT/dask-cuda.log"
timeout 240 python3 -m nnbackend bench --backends numpy,cupy,torch,jax \
    --json "$OUT/bench-gpu.json" --plot "$OUT/bench-gpu.png" 2>&1 | tee "$OUT/bench.log"
