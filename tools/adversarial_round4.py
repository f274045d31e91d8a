"""Round 4 of the adversarial pass of docs/reliability.md (issue 21): the newest features.

The compiled training options on PyTorch and JAX, the Dask backend, the backend switch (bad
names, two threads), mixed libraries and dtypes, model files across libraries, ``nnbackend
bench`` arguments, ``nnbackend train/predict`` on ``.npy``/``.parquet`` tables, the native
estimators' progress output, and ``load_catvnoncat`` on malformed HDF5 files.

Run from the repository root: ``OMP_NUM_THREADS=1 PYTHONPATH=src python tools/adversarial_round4.py``;
``ADV_FAMILIES=name,name`` runs only those families (the names printed in the report).
"""
import contextlib
import io
import math
import os
import sys
import threading
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from adversarial_harness import (KNOWN, ONLY, SRC, Silent, attempt, check_pred, finite_model, report,  # noqa: E402
                                 roundtrip, run_cli)
import numpy as np  # noqa: E402
import nnbackend  # noqa: E402
from nnbackend import datasets, NeuralNetworkClassifier as NNC, NeuralNetworkRegressor as NNR, LogisticRegression as LR  # noqa: E402
from nnbackend.errors import TrainingDivergedError  # noqa: E402
from nnbackend.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

import torch  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import dask  # noqa: E402
import dask.array as da  # noqa: E402

X, y = datasets.make_moons(60, seed=0)
yr = X[:, 0] * 2 + X[:, 1]
ONES = np.ones(60)
import array_api_strict  # noqa: E402
CONV = {"numpy": np.asarray, "torch": torch.as_tensor, "jax": jnp.asarray, "array_api_strict": array_api_strict.asarray,
        "dask": lambda a: da.from_array(np.asarray(a), chunks=16)}
N = lambda a: nnbackend.to_numpy(a) if not isinstance(a, np.ndarray) else a  # noqa: E731


def want(cond, msg):
    if not cond:
        raise Silent(msg)


def refused(desc):
    raise Silent("accepted %s" % desc)


def outputs(m, Xq):
    return N(m.predict_proba(Xq)) if hasattr(m, "predict_proba") else N(m.predict(Xq))


def fit_lib(lib, est, kw, Xd, yd, sw=None):
    """Fit ``est(**kw)`` with the data moved to ``lib``'s arrays."""
    c = CONV[lib]
    args = {} if sw is None else {"sample_weight": c(sw) if isinstance(sw, np.ndarray) else sw}
    return est(**kw).fit(c(Xd), c(yd), **args)


def finite_or_diverged(m):
    """A fit that returned must hold finite parameters (divergence must be reported)."""
    for a in list(getattr(m, "coefs_", []) or []) + list(getattr(m, "intercepts_", []) or []):
        if not np.all(np.isfinite(N(a))):
            raise Silent("fit returned non-finite parameters")
    for v in getattr(m, "loss_curve_", None) or []:
        if not math.isfinite(v):
            raise Silent("loss_curve_ holds %r" % v)


# ============ family: compiled training options on torch and jax (native estimators) ============
F = "compiled-opts"
SW = {
    "NaN one": (np.r_[np.nan, ONES[1:]], False), "inf one": (np.r_[np.inf, ONES[1:]], False),
    "negative one": (np.r_[-1.0, ONES[1:]], False), "all zero": (np.zeros(60), False),
    "-0.0 all": (np.full(60, -0.0), False),
    "first 16 zero": (np.r_[np.zeros(16), ONES[16:]], True), "huge 1e300": (np.full(60, 1e300), True),
    "tiny 1e-300": (np.full(60, 1e-300), True), "mixed 1e300/1e-300": (np.where(np.arange(60) % 2, 1e300, 1e-300), True),
    "uniform 7": (np.full(60, 7.0), True), "int 3": (np.full(60, 3), True), "bool": (np.ones(60, bool), True),
    "one nonzero": (np.r_[1.0, np.zeros(59)], True), "float32": (np.ones(60, np.float32), True),
    "max float64": (np.full(60, np.finfo(np.float64).max), True),
}
UNIFORM = ("uniform 7", "int 3", "bool", "float32", "huge 1e300", "tiny 1e-300", "max float64")
for lib in ("torch", "jax"):
    for est, yy in ((NNC, y), (NNR, yr)):
        for bs in (None, 16):
            for desc, (sw, ok) in SW.items():
                def f(lib=lib, est=est, yy=yy, bs=bs, desc=desc, sw=sw, ok=ok):
                    kw = dict(hidden_layer_sizes=(3,), max_iter=6, tol=None, random_state=0, batch_size=bs, solver="gd")
                    m = fit_lib(lib, est, kw, X, yy, sw)
                    if not ok: refused("sample_weight %s" % desc)
                    finite_or_diverged(m)
                    if desc in UNIFORM:
                        ref = fit_lib(lib, est, kw, X, yy)
                        tol = 1e-4 if lib == "jax" or desc == "float32" else 1e-9
                        want(np.allclose(outputs(ref, CONV[lib](X)), outputs(m, CONV[lib](X)), atol=tol),
                             "uniform weights (%s) change the fit" % desc)
                    if desc == "first 16 zero" and bs is None:
                        ref = fit_lib(lib, est, kw, X[16:], yy[16:])
                        tol = 1e-4 if lib == "jax" else 1e-9
                        want(np.allclose(outputs(ref, CONV[lib](X)), outputs(m, CONV[lib](X)), atol=tol),
                             "zero weights differ from dropping the rows")
                attempt(F, "%s %s(batch_size=%s).fit(sample_weight=%s)" % (lib, est.__name__, bs, desc), f,
                        names=("sample_weight",))
    # parity with NumPy, option by option (the same seed gives the same model on every library)
    OPTS = {
        "alpha=1": dict(alpha=1.0), "alpha=1e6": dict(alpha=1e6), "alpha=1e300": dict(alpha=1e300),
        "momentum": dict(solver="momentum"), "adam": dict(solver="adam"), "gd bs=7": dict(solver="gd", batch_size=7),
        "adam bs=1": dict(solver="adam", batch_size=1), "momentum bs=59": dict(solver="momentum", batch_size=59),
        "bs=1000": dict(batch_size=1000), "early_stopping": dict(early_stopping=True, n_iter_no_change=2, tol=0.0),
        "es vf=0.5": dict(early_stopping=True, validation_fraction=0.5), "es bs=8": dict(early_stopping=True, batch_size=8),
        "es + alpha + sw": dict(early_stopping=True, alpha=0.5, _sw=True), "sw bs=16 adam": dict(solver="adam", batch_size=16, _sw=True),
        "tol=0": dict(tol=0.0), "tol=1e9": dict(tol=1e9), "n_iter_no_change=1": dict(n_iter_no_change=1),
        "n_iter_no_change=10**9": dict(n_iter_no_change=10**9), "max_iter=1": dict(max_iter=1),
        "lr=1e-300": dict(learning_rate=1e-300), "seeded shuffle bs=5": dict(batch_size=5, random_state=123),
        "es vf=0.02 (1 held out)": dict(early_stopping=True, validation_fraction=0.02),
        "es vf=0.98": dict(early_stopping=True, validation_fraction=0.98),
        "es n_iter_no_change=10**9": dict(early_stopping=True, n_iter_no_change=10**9),
    }
    SWV = np.linspace(0.5, 2.0, 60)
    for est, yy in ((NNC, y), (NNR, yr), (LR, y)):
        for desc, extra in OPTS.items():
            def f(lib=lib, est=est, yy=yy, desc=desc, extra=extra):
                kw = dict(max_iter=8, random_state=0)
                if est is not LR: kw["hidden_layer_sizes"] = (3,)
                kw.update({k: v for k, v in extra.items() if k != "_sw"})
                if est is LR:  # no early stopping on LogisticRegression
                    for k in ("early_stopping", "validation_fraction", "n_iter_no_change"):
                        kw.pop(k, None)
                sw = SWV if extra.get("_sw") else None
                Xd = X.astype(np.float32) if lib == "jax" else X
                try:
                    ref = est(**kw).fit(Xd, yy, **({} if sw is None else {"sample_weight": sw}))
                except TrainingDivergedError:
                    ref = None
                try:
                    m = fit_lib(lib, est, kw, Xd, yy, sw)
                except TrainingDivergedError:
                    if ref is None: return
                    raise Silent("%s diverged where NumPy did not" % lib)
                finite_or_diverged(m)
                want(ref is not None, "NumPy diverged (TrainingDivergedError) but %s returned a model" % lib)
                want(m.n_iter_ == ref.n_iter_, "n_iter_ %s vs NumPy's %s" % (m.n_iter_, ref.n_iter_))
                # float32 on JAX: Adam's g / sqrt(v) amplifies rounding where gradients are tiny
                tol = (2e-3 if kw.get("solver") == "adam" else 2e-4) if lib == "jax" else 1e-8
                a, b = outputs(ref, Xd), outputs(m, CONV[lib](Xd))
                want(np.allclose(a, b, atol=tol, rtol=tol), "predictions differ from NumPy's by %.3g" % np.abs(a - b).max())
                want(np.allclose(ref.loss_curve_, m.loss_curve_, rtol=max(tol, 1e-6), atol=tol), "loss_curve_ differs from NumPy's")
            attempt(F, "%s %s(%s) parity with NumPy" % (lib, est.__name__, desc), f,
                    names=("alpha", "validation", "early_stopping", "sample_weight", "batch_size", "diverg"))
    # hostile scalar options and divergence
    HOST = {
        "tol=-1": dict(tol=-1.0), "tol=nan": dict(tol=float("nan")), "tol=inf": dict(tol=float("inf")),
        "alpha=-1": dict(alpha=-1.0), "alpha=nan": dict(alpha=float("nan")), "alpha=inf": dict(alpha=float("inf")),
        "vf=0": dict(early_stopping=True, validation_fraction=0.0), "vf=1": dict(early_stopping=True, validation_fraction=1.0),
        "vf=nan": dict(early_stopping=True, validation_fraction=float("nan")), "n_iter_no_change=0": dict(n_iter_no_change=0),
        "lr=1e30 gd": dict(learning_rate=1e30, solver="gd"), "lr=1e30 momentum": dict(learning_rate=1e30, solver="momentum"),
        "lr=1e30 adam": dict(learning_rate=1e30, solver="adam"), "lr=1e300 bs=8": dict(learning_rate=1e300, batch_size=8),
        "lr=1e300 es": dict(learning_rate=1e300, early_stopping=True), "lr=1e30 es bs=8": dict(learning_rate=1e30, early_stopping=True, batch_size=8),
        "lr=1e200 sw": dict(learning_rate=1e200, _sw=True), "lr=inf": dict(learning_rate=float("inf")),
    }
    for est, yy in ((NNC, y), (NNR, yr * 1e5)):
        for desc, extra in HOST.items():
            def f(lib=lib, est=est, yy=yy, desc=desc, extra=extra):
                kw = dict(hidden_layer_sizes=(4,), max_iter=30, random_state=0)
                kw.update({k: v for k, v in extra.items() if k != "_sw"})
                m = fit_lib(lib, est, kw, X, yy, SWV if extra.get("_sw") else None)
                if desc.startswith(("tol=-", "tol=nan", "tol=inf", "alpha=", "vf=", "n_iter_no_change=0", "lr=inf")):
                    refused(desc)
                finite_or_diverged(m); check_pred(m, CONV[lib](X), (60,))
            attempt(F, "%s %s(%s).fit" % (lib, est.__name__, desc), f,
                    names=("tol", "alpha", "validation_fraction", "n_iter_no_change", "learning_rate", "diverg"))
    # early stopping on awkward targets and tiny n
    SMALL = {
        "n=2 es": (X[:2], np.array([0, 1])), "n=3 es": (X[:3], np.array([0, 1, 0])), "n=4 es": (X[:4], np.array([0, 1, 0, 1])),
        "57 vs 3, es vf=0.05": (X, np.r_[np.zeros(57, int), np.ones(3, int)]),
        "59 vs 1, es": (X, np.r_[np.zeros(59, int), 1]), "3 classes, one with 1 row": (X, np.r_[np.zeros(30, int), np.ones(29, int), 2]),
        "n=1 no es": (X[:1], np.array([1])), "n=2 bs=1 es": (X[:2], np.array([0, 1])),
    }
    for desc, (Xs, ys) in SMALL.items():
        for bs in (None, 2):
            def f(lib=lib, desc=desc, Xs=Xs, ys=ys, bs=bs):
                kw = dict(hidden_layer_sizes=(3,), max_iter=5, random_state=0, batch_size=bs,
                          early_stopping="no es" not in desc, validation_fraction=0.05 if "0.05" in desc else 0.1)
                m = fit_lib(lib, NNC, kw, Xs, ys)
                finite_or_diverged(m); p = check_pred(m, CONV[lib](Xs), (len(ys),))
                want(set(np.unique(p)) <= set(np.unique(ys)), "predicts a label not in y")
                if m.validation_scores_ is not None:
                    want(all(math.isfinite(s) for s in m.validation_scores_), "validation_scores_ holds NaN")
            attempt(F, "%s NNC(%s, batch_size=%s).fit" % (lib, desc, bs), f,
                    names=("validation", "early_stopping", "class", "sample", "least"))
    # zero held-out weight: every weight but 4 rows is zero
    for est, yy in ((NNC, y), (NNR, yr)):
        for sw_desc, sw in (("4 nonzero", np.r_[np.ones(4), np.zeros(56)]), ("held-out share zero", np.r_[np.zeros(6), ONES[6:]])):
            def f(lib=lib, est=est, yy=yy, sw=sw):
                m = fit_lib(lib, est, dict(hidden_layer_sizes=(3,), max_iter=5, random_state=0, early_stopping=True), X, yy, sw)
                finite_or_diverged(m)
                want(all(math.isfinite(s) for s in m.validation_scores_), "validation_scores_ holds NaN: %s" % m.validation_scores_[:3])
            attempt(F, "%s %s(early_stopping).fit(sample_weight=%s)" % (lib, est.__name__, sw_desc), f,
                    names=("sample_weight", "validation", "weight"))

# ============ family: the drop-in's solvers on torch and jax (sgd, nesterov, schedules, lbfgs) ============
F = "dropin-compiled"
for lib in ("torch", "jax"):
    for est, yy in ((MLPClassifier, y), (MLPRegressor, yr)):
        for solver, sched, nest in [("sgd", "constant", True), ("sgd", "constant", False), ("sgd", "invscaling", True),
                                    ("sgd", "adaptive", False), ("sgd", "adaptive", True), ("adam", "constant", True), ("lbfgs", "constant", True)]:
            for extra_desc, extra in [("plain", {}), ("es", dict(early_stopping=True, n_iter_no_change=2)),
                                      ("bs=7 sw", dict(batch_size=7, _sw=True)), ("lr huge", dict(learning_rate_init=1e30))]:
                if solver == "lbfgs" and extra_desc == "es": continue
                def f(lib=lib, est=est, yy=yy, solver=solver, sched=sched, nest=nest, extra=extra, extra_desc=extra_desc):
                    kw = dict(hidden_layer_sizes=(3,), max_iter=6, random_state=0, solver=solver, learning_rate=sched,
                              nesterovs_momentum=nest, learning_rate_init=0.05, tol=0.0)
                    kw.update({k: v for k, v in extra.items() if k != "_sw"})
                    sw = np.linspace(0.5, 2, 60) if extra.get("_sw") else None
                    Xd = X.astype(np.float32) if lib == "jax" else X
                    args = {} if sw is None else {"sample_weight": sw}
                    try:
                        ref = est(**kw).fit(Xd, yy, **args)
                    except KNOWN:
                        ref = None
                    with nnbackend.use_backend(lib):
                        try:
                            m = est(**kw).fit(Xd, yy, **args)
                        except KNOWN:
                            if ref is None: return
                            raise Silent("%s refused what NumPy fits" % lib)
                    finite_or_diverged(m)
                    want(ref is not None, "NumPy refused but %s fit" % lib)
                    want(m.n_iter_ == ref.n_iter_, "n_iter_ %s vs NumPy's %s" % (m.n_iter_, ref.n_iter_))
                    tol = 2e-4 if lib == "jax" else 1e-7
                    a, b = outputs(ref, Xd), outputs(m, Xd)
                    want(np.allclose(a, b, atol=tol, rtol=tol), "predictions differ from NumPy's by %.3g" % np.abs(a - b).max())
                attempt(F, "%s %s(solver=%s, learning_rate=%s, nesterov=%s, %s)" % (lib, est.__name__, solver, sched, nest, extra_desc),
                        f, names=("learning_rate", "diverg", "sample_weight", "validation"))

# ============ family: Dask ============
F = "dask"
Xd0 = da.from_array(X, chunks=16)
CHUNKS = {"chunks=7": 7, "chunks=1": 1, "chunks=59": 59, "uneven (5,55)": ((5, 55), (2,)), "per-feature (60,1)": (60, 1),
          "(1, 59)": ((1, 59), (2,)), "one chunk": 60, "(30,30) x (1,1)": ((30, 30), (1, 1))}
with dask.config.set(scheduler="synchronous"):
    for cdesc, ch in CHUNKS.items():
        for est, yy in ((NNC, y), (NNR, yr)):
            for odesc, extra in [("gd", dict(solver="gd")), ("adam bs=8", dict(solver="adam", batch_size=8)),
                                 ("es", dict(early_stopping=True, n_iter_no_change=2)), ("alpha sw", dict(alpha=0.3, _sw=True))]:
                def f(ch=ch, est=est, yy=yy, extra=extra):
                    kw = dict(hidden_layer_sizes=(3,), max_iter=6, random_state=0)
                    kw.update({k: v for k, v in extra.items() if k != "_sw"})
                    sw = np.linspace(0.5, 2, 60) if extra.get("_sw") else None
                    Xc = da.from_array(X, chunks=ch); yc = da.from_array(yy, chunks=13)
                    args = {} if sw is None else {"sample_weight": da.from_array(sw, chunks=11)}
                    m = est(**kw).fit(Xc, yc, **args)
                    finite_or_diverged(m)
                    if kw.get("batch_size"):  # whole chunks per step (docs/scaling-out.md): no NumPy twin
                        want(m.loss_curve_[-1] < m.loss_curve_[0], "mini-batch training on chunks did not lower the cost")
                        return
                    ref = est(**kw).fit(X, yy, **({} if sw is None else {"sample_weight": sw}))
                    a, b = outputs(ref, X), outputs(m, Xc)
                    want(np.allclose(a, b, atol=1e-6), "predictions differ from NumPy's by %.3g" % np.abs(a - b).max())
                    want(m.n_iter_ == ref.n_iter_, "n_iter_ %s vs NumPy's %s" % (m.n_iter_, ref.n_iter_))
                attempt(F, "dask X %s %s(%s)" % (cdesc, est.__name__, odesc), f, names=("chunk", "sample_weight"))
    DBAD = {
        "NaN in last chunk": lambda: (da.from_array(np.r_[X[:-1], [[np.nan, 0]]], chunks=16), da.from_array(y, chunks=16), None, True),
        "inf in X": lambda: (da.from_array(np.r_[[[np.inf, 0]], X[1:]], chunks=7), da.from_array(y, chunks=7), None, True),
        "sw NaN in 3rd chunk": lambda: (Xd0, da.from_array(y, chunks=16), da.from_array(np.r_[ONES[:40], np.nan, ONES[41:]], chunks=16), True),
        "sw negative": lambda: (Xd0, da.from_array(y, chunks=16), da.from_array(np.r_[-1, ONES[1:]], chunks=5), True),
        "sw all zero": lambda: (Xd0, da.from_array(y, chunks=16), da.from_array(np.zeros(60), chunks=30), True),
        "sw short": lambda: (Xd0, da.from_array(y, chunks=16), da.from_array(ONES[:50], chunks=16), True),
        "y short": lambda: (Xd0, da.from_array(y[:59], chunks=16), None, True),
        "unknown chunk sizes": lambda: (Xd0[Xd0[:, 0] > -100], da.from_array(y, chunks=16), None, False),
        "y unknown chunk sizes": lambda: (Xd0, da.from_array(y, chunks=16)[da.from_array(y, chunks=16) > -1], None, False),
        "sw numpy with dask X": lambda: (Xd0, da.from_array(y, chunks=16), np.linspace(0.5, 2, 60), False),
        "y numpy with dask X": lambda: (Xd0, y, None, False),
        "X 3-D": lambda: (da.from_array(X[:, :, None], chunks=16), da.from_array(y, chunks=16), None, True),
        "X int": lambda: (da.from_array((X * 10).astype(int), chunks=16), da.from_array(y, chunks=16), None, False),
        "X float16": lambda: (da.from_array(X.astype(np.float16), chunks=16), da.from_array(y, chunks=16), None, False),
        "X complex": lambda: (da.from_array(X + 1j, chunks=16), da.from_array(y, chunks=16), None, True),
        "X empty": lambda: (da.from_array(X[:0], chunks=16), da.from_array(y[:0], chunks=16), None, True),
        "y strings": lambda: (Xd0, da.from_array(np.array(["a", "b"])[y], chunks=16), None, False),
        "y float labels": lambda: (Xd0, da.from_array(y + 0.5, chunks=16), None, False),
        "y one class": lambda: (Xd0, da.from_array(np.zeros(60, int), chunks=16), None, False),  # as on NumPy
    }
    for desc, mk in DBAD.items():
        for est in (NNC, LR):
            def f(desc=desc, mk=mk, est=est):
                Xc, yc, sw, bad = mk()
                kw = dict(max_iter=4, random_state=0)
                if est is NNC: kw["hidden_layer_sizes"] = (3,)
                m = est(**kw).fit(Xc, yc, **({} if sw is None else {"sample_weight": sw}))
                if bad: refused(desc)
                finite_or_diverged(m)
                ref = est(**kw).fit(np.asarray(Xc.compute() if hasattr(Xc, "compute") else Xc),
                                    np.asarray(yc.compute() if hasattr(yc, "compute") else yc),
                                    **({} if sw is None else {"sample_weight": np.asarray(sw.compute() if hasattr(sw, "compute") else sw)}))
                a, b = outputs(ref, np.asarray(Xc.compute())), outputs(m, Xc)
                want(np.allclose(np.asarray(a, float), np.asarray(b, float), atol=1e-3), "predictions differ from NumPy's")
            attempt(F, "dask %s.fit(%s)" % (est.__name__, desc), f, names=("x", "y", "sample_weight", "nan", "finite", "chunk", "class", "sample", "dtype", "label"))
    # a chunk whose examples all weigh zero: its steps are skipped, the rest train as without it
    for est, yy in ((NNC, y), (NNR, yr)):
        for bs in (None, 16):
            for zero in ("first chunk", "last chunk", "all but one chunk"):
                def f(est=est, yy=yy, bs=bs, zero=zero):
                    sw = np.ones(60)
                    if zero == "first chunk": sw[:16] = 0
                    elif zero == "last chunk": sw[48:] = 0
                    else: sw[16:] = 0
                    kw = dict(hidden_layer_sizes=(3,), max_iter=5, random_state=0, batch_size=bs, tol=None)
                    m = est(**kw).fit(da.from_array(X, chunks=16), da.from_array(yy, chunks=16), sample_weight=da.from_array(sw, chunks=16))
                    finite_or_diverged(m)
                    if bs is None:
                        keep = sw > 0
                        ref = est(**kw).fit(X[keep], yy[keep])
                        want(np.allclose(outputs(ref, X), outputs(m, da.from_array(X, chunks=16)), atol=1e-6),
                             "zero-weight chunk differs from dropping its rows")
                attempt(F, "dask %s(batch_size=%s) sample_weight zero on the %s" % (est.__name__, bs, zero), f, names=("sample_weight",))
# the threaded scheduler and a small in-process cluster
for sched in ("threads", "cluster"):
    def run_sched(body, sched=sched):
        if sched == "threads":
            with dask.config.set(scheduler="threads"):
                return body()
        from distributed import Client, LocalCluster
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cl, Client(cl):
            return body()
    for est, yy in ((NNC, y), (NNR, yr)):
        for odesc, extra in [("gd", {}), ("es", dict(early_stopping=True)), ("sw chunks differ", dict(_sw=True)),
                             ("adam bs=16", dict(solver="adam", batch_size=16)), ("alpha", dict(alpha=1.0))]:
            def f(est=est, yy=yy, extra=extra, run_sched=run_sched):
                kw = dict(hidden_layer_sizes=(3,), max_iter=4, random_state=0)
                kw.update({k: v for k, v in extra.items() if k != "_sw"})
                sw = np.linspace(0.5, 2, 60) if extra.get("_sw") else None
                def body():
                    Xc = da.from_array(X, chunks=(17, 2)); yc = da.from_array(yy, chunks=23)
                    m = est(**kw).fit(Xc, yc, **({} if sw is None else {"sample_weight": da.from_array(sw, chunks=9)}))
                    return m, outputs(m, Xc)
                m, b = run_sched(body)
                if kw.get("batch_size"):  # whole chunks per step (docs/scaling-out.md)
                    want(m.loss_curve_[-1] < m.loss_curve_[0], "mini-batch training on chunks did not lower the cost")
                    return
                ref = est(**kw).fit(X, yy, **({} if sw is None else {"sample_weight": sw}))
                want(np.allclose(outputs(ref, X), b, atol=1e-6), "predictions differ from NumPy's")
            attempt(F, "dask %s %s(%s)" % (sched, est.__name__, odesc), f, names=("chunk",), bound=60)

# ============ family: the backend switch ============
F = "switch"
BADNAMES = [None, "", "TORCH", " torch", "torch ", "numpy:0", 3, b"numpy", "cupy", "bogus", "np", "array-api-strict",
            ["numpy"], "dask.array", "jax.numpy", "numpy\x00", "torch" * 1000]
for name in BADNAMES:
    for fn_name in ("set_backend", "use_backend"):
        def f(name=name, fn_name=fn_name):
            before = nnbackend.get_backend().name
            try:
                if fn_name == "set_backend":
                    b = nnbackend.set_backend(name)
                else:
                    with nnbackend.use_backend(name) as b:
                        pass
            finally:
                after = nnbackend.get_backend().name
                nnbackend.set_backend("numpy")
            if fn_name == "use_backend": want(after == before, "backend left at %s after the block" % after)
            if name not in (None, "", "TORCH", " torch", "torch ", "np", "array-api-strict", "dask.array", "jax.numpy"):
                refused("backend name %r" % (name,))
        attempt(F, "%s(%r)" % (fn_name, name if not isinstance(name, str) or len(name) < 30 else name[:20] + "..."), f,
                names=("backend", "name", str(name)[:10]))
for dev in ("cuda:0", "cuda:9", "gpu", "device1", "", 3, "cpu:0", "tpu", "meta"):
    for lib in ("numpy", "torch", "jax", "dask", "array_api_strict"):
        def f(dev=dev, lib=lib):
            try:
                with nnbackend.use_backend(lib, device=dev):
                    m = NNC(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(X, y)
                    check_pred(m, X, (60,))
            finally:
                nnbackend.set_backend("numpy")
        attempt(F, "use_backend(%r, device=%r) + fit" % (lib, dev), f, names=("device", str(dev)))
# scopes exited out of order, re-entered, set_backend inside a block
def out_of_order():
    a = nnbackend.use_backend("torch"); b = nnbackend.use_backend("jax")
    a.__enter__(); b.__enter__()
    try:
        a.__exit__(None, None, None)
        refused("scopes exited out of order")
    finally:
        with contextlib.suppress(Exception): b.__exit__(None, None, None)
        with contextlib.suppress(Exception): a.__exit__(None, None, None)
        left = nnbackend.get_backend().name
        nnbackend.set_backend("numpy")
        want(left == "numpy", "after every block exited the backend is %s" % left)
attempt(F, "use_backend scopes exited out of order", out_of_order, names=("use_backend", "order", "scope", "block"))
def reenter():
    s = nnbackend.use_backend("torch")
    with s:
        pass
    with s:
        want(nnbackend.get_backend().name == "torch", "re-entered scope is not torch")
    want(nnbackend.get_backend().name == "numpy", "scope left the backend at %s" % nnbackend.get_backend().name)
attempt(F, "use_backend scope entered twice", reenter, names=("use_backend", "scope", "enter"))
def set_inside():
    # documented: inside its own block set_backend applies at once, and it is the new default after
    try:
        with nnbackend.use_backend("torch"):
            nnbackend.set_backend("jax")
            want(nnbackend.get_backend().name == "jax", "set_backend inside a block did not apply there")
        want(nnbackend.get_backend().name == "jax", "set_backend inside a block was lost: %s" % nnbackend.get_backend().name)
    finally:
        nnbackend.set_backend("numpy")
attempt(F, "set_backend inside a use_backend block", set_inside, names=("set_backend",))
# two fits on different libraries in two threads
PAIRS = [("torch", "jax"), ("torch", "numpy"), ("jax", "dask"), ("numpy", "dask"), ("torch", "dask"), ("jax", "numpy"),
         ("torch", "torch"), ("array_api_strict", "torch")]
for a, b in PAIRS:
    for est, yy in ((NNC, y), (NNR, yr)):
        for how in ("use_backend in thread", "arrays of the library"):
            def f(a=a, b=b, est=est, yy=yy, how=how):
                out, errs = {}, []
                # mini-batches on Dask take whole chunks (docs/scaling-out.md): full batch there
                kw = dict(hidden_layer_sizes=(3,), max_iter=10, random_state=0, tol=None, batch_size=None if "dask" in (a, b) else 8)
                barrier = threading.Barrier(2)
                def work(lib):
                    try:
                        barrier.wait(10)
                        for _ in range(2):
                            if how == "use_backend in thread":
                                with nnbackend.use_backend(lib):
                                    m = est(**kw).fit(X.astype(np.float32), yy)
                                    out[lib] = (m, nnbackend.get_backend().name)
                            else:
                                m = fit_lib(lib if lib in CONV else "numpy", est, kw, X.astype(np.float32), yy)
                                out[lib] = (m, lib)
                    except BaseException as e:
                        errs.append(e)
                ts = [threading.Thread(target=work, args=(lib,)) for lib in (a, b)]
                [t.start() for t in ts]; [t.join(15) for t in ts]
                if errs: raise errs[0]
                for lib in (a, b):
                    m, seen = out[lib]
                    want(seen == lib, "thread for %s saw backend %s" % (lib, seen))
                    ref = est(**kw).fit(X.astype(np.float32), yy)
                    want(np.allclose(outputs(ref, X.astype(np.float32)), N(outputs(m, CONV.get(lib, np.asarray)(X.astype(np.float32)))), atol=2e-4),
                         "%s thread's model differs from NumPy's" % lib)
                    mod = type(m.coefs_[0]).__module__.split(".")[0]
                    exp = {"numpy": "numpy", "torch": "torch", "jax": "jax", "dask": "dask", "array_api_strict": "array_api_strict"}[lib]
                    want(mod.startswith(exp) or (exp == "jax" and mod == "jaxlib"), "%s thread's coefs_ are %s" % (lib, mod))
            attempt(F, "two threads: %s and %s, %s (%s)" % (a, b, est.__name__, how), f, names=("backend",), bound=40)

# ============ family: mixing libraries and dtypes ============
F = "mix"
def tx(a, dt=None): return torch.tensor(np.asarray(a), dtype=dt) if dt is not None else torch.as_tensor(np.asarray(a))
MIXES = {
    "X torch, y numpy": lambda: (tx(X), y, None, True),
    "X numpy, y torch": lambda: (X, tx(y), None, True),
    "X torch, y jax": lambda: (tx(X), jnp.asarray(y), None, True),
    "X torch, sw jax": lambda: (tx(X), tx(y), jnp.ones(60), True),
    "X jax, sw torch": lambda: (jnp.asarray(X), jnp.asarray(y), tx(ONES), True),
    "X jax, y dask": lambda: (jnp.asarray(X), da.from_array(y, chunks=10), None, True),
    "X dask, y torch": lambda: (Xd0, tx(y), None, True),
    "X numpy, sw torch": lambda: (X, y, tx(ONES), True),
    "X numpy, sw jax": lambda: (X, y, jnp.ones(60), True),
    "X torch float16": lambda: (tx(X, torch.float16), tx(y), None, True),
    "X torch bfloat16": lambda: (tx(X, torch.float32).to(torch.bfloat16), tx(y), None, True),
    "X torch int64": lambda: (tx((X * 10).astype(int)), tx(y), None, True),
    "X torch uint8": lambda: (tx((X * 10 + 30).astype(np.uint8)), tx(y), None, True),
    "X torch bool": lambda: (tx(X > 0), tx(y), None, True),
    "X torch complex64": lambda: (tx(X.astype(np.complex64)), tx(y), None, False),
    "X torch NaN": lambda: (tx(np.r_[[[np.nan, 0]], X[1:]]), tx(y), None, False),
    "X torch non-contiguous": lambda: (tx(np.ascontiguousarray(X.T)).T, tx(y), None, True),
    "X torch requires_grad": lambda: (tx(X).requires_grad_(True), tx(y), None, True),
    "X torch meta device": lambda: (tx(X).to("meta"), tx(y), None, False),
    "X torch 0-stride expand": lambda: (tx(X[:1]).expand(60, 2), tx(y), None, True),
    "y torch float 0./1.": lambda: (tx(X), tx(y.astype(float)), None, True),
    "y torch bool": lambda: (tx(X), tx(y.astype(bool)), None, True),
    "sw torch int": lambda: (tx(X), tx(y), tx(np.full(60, 2)), True),
    "sw torch bool": lambda: (tx(X), tx(y), tx(np.ones(60, bool)), True),
    "sw torch float16": lambda: (tx(X), tx(y), tx(ONES, torch.float16), True),
    "sw torch NaN": lambda: (tx(X), tx(y), tx(np.r_[np.nan, ONES[1:]]), False),
    "sw torch complex": lambda: (tx(X), tx(y), tx(ONES + 1j), False),
    "sw torch (60,1)": lambda: (tx(X), tx(y), tx(ONES[:, None]), True),
    "X jax float16": lambda: (jnp.asarray(X, dtype=jnp.float16), jnp.asarray(y), None, True),
    "X jax bfloat16": lambda: (jnp.asarray(X, dtype=jnp.bfloat16), jnp.asarray(y), None, True),
    "X jax int32": lambda: (jnp.asarray((X * 10).astype(np.int32)), jnp.asarray(y), None, True),
    "X jax bool": lambda: (jnp.asarray(X > 0), jnp.asarray(y), None, True),
    "X jax complex64": lambda: (jnp.asarray(X.astype(np.complex64)), jnp.asarray(y), None, False),
    "X jax inf": lambda: (jnp.asarray(np.r_[[[np.inf, 0]], X[1:]]), jnp.asarray(y), None, False),
    "sw jax NaN": lambda: (jnp.asarray(X), jnp.asarray(y), jnp.asarray(np.r_[np.nan, ONES[1:]]), False),
    "sw jax negative": lambda: (jnp.asarray(X), jnp.asarray(y), jnp.asarray(np.r_[-1.0, ONES[1:]]), False),
    "sw jax short": lambda: (jnp.asarray(X), jnp.asarray(y), jnp.ones(59), False),
    "X numpy float16": lambda: (X.astype(np.float16), y, None, True),
    "X numpy complex": lambda: (X + 0j, y, None, False),
    "X numpy object": lambda: (X.astype(object), y, None, True),
    "X numpy uint64 huge": lambda: (np.full((60, 2), 2**63, dtype=np.uint64), y, None, True),
    "X numpy longdouble": lambda: (X.astype(np.longdouble), y, None, True),
    "X numpy datetime64": lambda: (np.zeros((60, 2), "datetime64[s]"), y, None, False),
    "X numpy structured": lambda: (np.zeros(60, dtype=[("a", "f8"), ("b", "f8")]), y, None, False),
    "X numpy big-endian": lambda: (X.astype(">f8"), y, None, True),
    "X numpy float32 1e38": lambda: ((X * 1e38).astype(np.float32), y, None, True),
}
for desc, mk in MIXES.items():
    for est, on in ((NNC, "fit"), (NNR, "fit"), (MLPClassifier, "fit"), (NNC, "partial_fit")):
        def f(desc=desc, mk=mk, est=est, on=on):
            Xq, yq, sw, ok = mk()
            if est is NNR:
                yq = (N(yq) if not isinstance(yq, np.ndarray) else yq).astype(float) * 1.5
            kw = dict(hidden_layer_sizes=(3,), max_iter=4, random_state=0)
            args = {} if sw is None else {"sample_weight": sw}
            m = est(**kw)
            if on == "partial_fit": m.partial_fit(Xq, yq, classes=[0, 1], **args)
            else: m.fit(Xq, yq, **args)
            if not ok: refused(desc)
            finite_or_diverged(m)
            p = N(m.predict(Xq))
            want(p.shape == (60,), "predict shape %s" % (p.shape,))
            if p.dtype.kind == "f": want(np.all(np.isfinite(p)), "NaN predictions")
        attempt(F, "%s.%s(%s)" % (est.__name__, on, desc), f,
                names=("x", "y", "sample_weight", "dtype", "library", "device", "complex", "nan", "finite", "float", "array", "backend", "mix"))
# predicting with another library's arrays than the fit's
for fit_lib_name in ("numpy", "torch", "jax", "dask"):
    for pred_lib in ("numpy", "torch", "jax", "dask", "list"):
        def f(fit_lib_name=fit_lib_name, pred_lib=pred_lib):
            m = fit_lib(fit_lib_name, NNC, dict(hidden_layer_sizes=(3,), max_iter=4, random_state=0), X.astype(np.float32), y)
            Xp = X.astype(np.float32).tolist() if pred_lib == "list" else CONV[pred_lib](X.astype(np.float32))
            p = N(m.predict_proba(Xp))
            ref = N(m.predict_proba(CONV[fit_lib_name](X.astype(np.float32))))
            want(np.allclose(p, ref, atol=1e-5), "predict on %s arrays differs" % pred_lib)
        attempt(F, "fit on %s, predict_proba on %s arrays" % (fit_lib_name, pred_lib), f, names=("library", "backend", "device", "array", "mix", "x"))

# ============ family: model files across libraries ============
F = "model-file-xlib"
EST5 = {"NNC": (NNC, y, dict(hidden_layer_sizes=(3,))), "NNR": (NNR, yr, dict(hidden_layer_sizes=(3,))), "LR": (LR, y, {}),
        "MLPClassifier": (MLPClassifier, y, dict(hidden_layer_sizes=(3,))), "MLPRegressor": (MLPRegressor, yr, dict(hidden_layer_sizes=(3,)))}
for kind, (est, yy, kw0) in EST5.items():
    for train_lib in ("torch", "jax", "dask"):
        for how in ("arrays", "use_backend"):
            def f(kind=kind, est=est, yy=yy, kw0=kw0, train_lib=train_lib, how=how):
                kw = dict(kw0, max_iter=4, random_state=0)
                if how == "arrays":
                    m = fit_lib(train_lib, est, kw, X, yy)
                else:
                    with nnbackend.use_backend(train_lib):
                        m = est(**kw).fit(X, yy)
                before = outputs(m, X)
                path = "x_%s_%s_%s.nnb" % (kind, train_lib, how)
                nnbackend.save(m, path)
                for load_lib in ("numpy", "torch", "jax", "dask", "array_api_strict"):
                    with nnbackend.use_backend(load_lib):
                        m2 = nnbackend.load(path)
                        after = outputs(m2, X)
                    tol = 1e-5 if train_lib == "jax" or load_lib == "jax" else 1e-12
                    want(np.allclose(np.asarray(before, float), np.asarray(after, float), atol=tol),
                         "trained on %s, loaded under %s: predictions differ by %.3g" % (train_lib, load_lib, np.abs(np.asarray(before, float) - np.asarray(after, float)).max()))
                    for attr in ("classes_", "n_features_in_", "n_iter_"):
                        if hasattr(m, attr):
                            want(np.array_equal(np.asarray(N(getattr(m, attr))), np.asarray(N(getattr(m2, attr)))), "%s changed" % attr)
                    finite_model(m2)
                # continue training a loaded model on another library
                with nnbackend.use_backend("torch" if train_lib != "torch" else "numpy"):
                    m3 = nnbackend.load(path)
                    if hasattr(m3, "partial_fit") and kind not in ("MLPRegressor", "NNR"):
                        m3.partial_fit(X, yy)
                    elif hasattr(m3, "partial_fit"):
                        m3.partial_fit(X, yy)
                    finite_or_diverged(m3)
            attempt(F, "%s trained on %s (%s), saved, loaded under every library" % (kind, train_lib, how), f,
                    names=("model", "backend", "file", "dtype"), bound=40)
# torch-trained model with float16/float32 data, early stopping, sample weights
for lib in ("torch", "jax"):
    for desc, kw, args in [("float32 es", dict(early_stopping=True), {}), ("sw", {}, {"sample_weight": np.linspace(0.1, 3, 60)}),
                           ("alpha bs", dict(alpha=1.0, batch_size=7), {}), ("adam", dict(solver="adam"), {}), ("momentum", dict(solver="momentum"), {})]:
        for est, yy in ((NNC, y), (NNR, yr)):
            def f(lib=lib, kw=kw, args=args, est=est, yy=yy):
                m = fit_lib(lib, est, dict(hidden_layer_sizes=(4,), max_iter=5, random_state=0, **kw), X.astype(np.float32), yy, args.get("sample_weight"))
                m2 = roundtrip(m, CONV[lib](X.astype(np.float32)), "xx.nnb")
                want(m2.loss_curve_ == m.loss_curve_, "loss_curve_ changed")
                if m.validation_scores_ is not None: want(list(m2.validation_scores_) == list(m.validation_scores_), "validation_scores_ changed")
                with nnbackend.use_backend("numpy"):
                    m3 = nnbackend.load("xx.nnb")
                    want(np.allclose(outputs(m3, X.astype(np.float32)), N(outputs(m, CONV[lib](X.astype(np.float32)))), atol=1e-5), "loaded under numpy differs")
            attempt(F, "%s %s(%s) save/load roundtrip" % (lib, est.__name__, desc), f, names=("model", "file"))

# ============ family: nnbackend bench arguments ============
F = "bench-cli"
BENCH = [["--budget", "0"], ["--budget", "-1"], ["--budget", "nan"], ["--budget", "inf"], ["--budget", "abc"], ["--budget", "1e400"],
         ["--budget", ""], ["--budget", "0x10"], ["--budget", "1e-300"], ["--budget"],
         ["--backends", ""], ["--backends", ","], ["--backends", "bogus"], ["--backends", "numpy,,torch"], ["--backends", "NUMPY"],
         ["--backends", "numpy,numpy"], ["--backends", "x" * 5000], ["--backends", "cupy"], ["--backends", "numpy;torch"],
         ["--dtype", "float16"], ["--dtype", "int"], ["--dtype", ""], ["--json", "nodir/out.json"], ["--json", "."],
         ["--json", "/dev/full"], ["--json", ""], ["--plot", "out.xyz"], ["--plot", "nodir/p.png"], ["--plot", ""], ["--plot", "."],
         ["--options", "--dask"], ["--options", "--backends", "bogus"], ["--dask", "--backends", "torch"], ["--dask", "--budget", "-1"],
         ["--options", "--budget", "nan"], ["--options", "--dtype", "float16"], ["--options=1"], ["--dask=yes"], ["--quick=1"],
         ["--bogus"], ["--quick", "extra"], ["--json"], ["--dask", "--json", "nodir/x.json"], ["--options", "--json", "nodir/x.json"],
         ["--options", "--plot", "nodir/p.png"], ["--dask", "--plot", "out.xyz"], ["--budget", "1", "--budget", "-2"], ["--backends", "loop"],
         ["--backends", "reference"], ["--budget", "\u0661"]]
BENCH_OK = {("--budget", "1e-300"), ("--backends", "numpy,numpy"), ("--backends", "numpy,,torch"), ("--backends", "cupy"), ("--budget", "\u0661")}
def run_bench(args, started_after=12):
    """Exit code and stderr of ``nnbackend bench``, or None as the code once it has run past
    ``started_after`` seconds (it took the arguments and is timing: stopped there)."""
    import subprocess
    env = dict(os.environ, PYTHONPATH=SRC, OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    with subprocess.Popen([sys.executable, "-m", "nnbackend", "bench"] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env) as proc:
        try:
            out, err = proc.communicate(timeout=started_after)
            return proc.returncode, err
        except subprocess.TimeoutExpired:
            proc.kill(); out, err = proc.communicate()
            return None, err
for args in BENCH:
    def f(args=args):
        rc, err = run_bench(["--quick", "--budget", "0.01"] + args)
        err = err.strip()
        if "Traceback" in err: raise RuntimeError("traceback: " + err.splitlines()[-1][:150])
        if rc in (0, None):
            if tuple(args) in BENCH_OK: return
            raise Silent("bench %s ran (stderr: %s)" % (" ".join(args)[:60], err[-120:].replace("\n", " | ")))
        want(rc == 2, "exit %d, not 2 (%s)" % (rc, err[-150:]))
        lines = [l for l in err.splitlines() if l.strip() and not l.startswith("usage:") and not l.startswith("  ")]
        want(len(lines) <= 2, "%d lines of error: %s" % (len(lines), err[-200:]))
        raise ValueError(err[-300:])
    names = tuple(a.lstrip("-").split("=")[0] for a in args if a.startswith("--")) + ("argument", "unrecognized", "expected")
    attempt(F, "nnbackend bench --quick %s" % " ".join(a if len(a) < 30 else a[:10] + "..." for a in args), f, names=names, bound=30)

# ============ family: nnbackend train/predict on .npy and .parquet ============
F = "cli-npy-parquet"
from nnbackend.cli import main as cli_main  # noqa: E402
def cli(argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            rc = cli_main(argv)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 1
    return rc, err.getvalue()
good = np.c_[X, y]
NPY = {
    "good": (good, True), "1-D": (good[:, 0], False), "3-D": (good[:, :, None], False), "0-d": (np.float64(3), False),
    "object": (good.astype(object), False), "complex": (good + 1j, False), "float16": (good.astype(np.float16), True),
    "bool": (good > 0, True), "int8": ((good * 10).astype(np.int8), True), "uint64": (np.c_[(X * 10 + 50).astype(np.uint64), y], True),
    "structured": (np.zeros(60, dtype=[("a", "f8"), ("b", "f8"), ("label", "i8")]), False),
    "fortran": (np.asfortranarray(good), True), "big-endian": (good.astype(">f8"), True), "empty (0,3)": (good[:0], False),
    "(60,1) only target": (good[:, 2:], False), "NaN feature": (np.r_[[[np.nan, 0, 1]], good[1:]], False),
    "inf feature": (np.r_[[[np.inf, 0, 1]], good[1:]], False), "fraction label": (np.c_[X, y + 0.5], False),
    "NaN label": (np.c_[X, np.r_[np.nan, y[1:]]], False), "one class": (np.c_[X, np.zeros(60)], False),
    "(1,3)": (good[:1], False), "(2,3)": (good[:2], True), "(60,3000)": (np.c_[np.tile(X, 1500), y], True),
    "string array": (good.astype(str), True),  # numeric text, as a CSV holds "datetime": (np.zeros((60, 3), "datetime64[s]"), False),
    "float labels 1e20": (np.c_[X, y * 1e20], False), "negative int labels": (np.c_[X, -y - 5], True),
}
for desc, (arr, ok) in NPY.items():
    for target in ("-1", "2", "5", "-9", "label", "1.5"):
        if target not in ("-1",) and desc not in ("good", "float16", "(2,3)"): continue
        def f(desc=desc, arr=arr, ok=ok, target=target):
            fn = "t_%s.npy" % "".join(c if c.isalnum() else "_" for c in desc)
            np.save(fn, arr, allow_pickle=True)
            rc, err = cli(["train", "--data", fn, "--target", target, "--iters", "3", "--quiet", "--save", fn + ".nnb"])
            if "Traceback" in err: raise RuntimeError(err.strip().splitlines()[-1][:150])
            good_target = target in ("-1", "2")
            if rc == 0:
                if not (ok and good_target): raise Silent("train accepted %s with --target %s" % (desc, target))
                rc2, err2 = cli(["predict", fn + ".nnb", fn, "--target", target, "--output", fn + ".pred.npy"])
                if rc2 != 0: raise ValueError("predict on the training file failed: " + err2[-200:])
                p = np.load(fn + ".pred.npy", allow_pickle=False)
                want(p.shape == (len(arr),), "predictions shape %s" % (p.shape,))
                return
            want(rc == 2, "exit %s, not 2: %s" % (rc, err[-150:]))
            raise ValueError(err.strip()[-250:])
        attempt(F, "train --data %s.npy --target %s" % (desc, target), f, names=("--data", "--target", ".npy", "column", "label", "feature"))
# a pickled object array and broken files
def pickled():
    np.save("pk.npy", np.array([{"a": 1}] * 3, dtype=object), allow_pickle=True)
    rc, err = cli(["train", "--data", "pk.npy", "--target", "-1", "--iters", "2", "--quiet"])
    if "Traceback" in err: raise RuntimeError(err.strip().splitlines()[-1][:150])
    want(rc == 2, "exit %s" % rc); raise ValueError(err)
attempt(F, "train on a pickled object .npy", pickled, names=("--data", "pk.npy", "pickle", "object"))
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
def ptab(**cols): return pa.table(cols)
PARQ = {
    "good": (lambda: ptab(a=X[:, 0], b=X[:, 1], label=y), True),
    "string feature": (lambda: ptab(a=X[:, 0].astype(str), b=X[:, 1], label=y), True),  # numeric text
    "null feature": (lambda: ptab(a=pa.array([None] + list(X[1:, 0])), b=X[:, 1], label=y), False),
    "null label": (lambda: ptab(a=X[:, 0], b=X[:, 1], label=pa.array([None] + list(y[1:]))), False),
    "list column": (lambda: ptab(a=pa.array([[1.0, 2.0]] * 60), b=X[:, 1], label=y), False),
    "dictionary label": (lambda: ptab(a=X[:, 0], b=X[:, 1], label=pa.array(np.array(["c", "d"])[y]).dictionary_encode()), True),
    "dictionary feature": (lambda: ptab(a=pa.array(np.array(["c", "d"])[y]).dictionary_encode(), b=X[:, 1], label=y), False),
    "zero rows": (lambda: ptab(a=X[:0, 0], b=X[:0, 1], label=y[:0]), False),
    "timestamp feature": (lambda: ptab(a=pa.array(np.zeros(60, "datetime64[s]")), b=X[:, 1], label=y), False),
    "bool feature": (lambda: ptab(a=X[:, 0] > 0, b=X[:, 1], label=y), True),
    "decimal feature": (lambda: ptab(a=pa.array([__import__("decimal").Decimal("1.5")] * 60), b=X[:, 1], label=y), True),
    "uint64 huge": (lambda: ptab(a=pa.array(np.full(60, 2**64 - 1, np.uint64)), b=X[:, 1], label=y), True),
    "large_string label": (lambda: ptab(a=X[:, 0], b=X[:, 1], label=pa.array(np.array(["c", "d"])[y], type=pa.large_string())), True),
    "float16 feature": (lambda: ptab(a=pa.array(X[:, 0].astype(np.float16)), b=X[:, 1], label=y), True),
    "NaN feature": (lambda: ptab(a=np.r_[np.nan, X[1:, 0]], b=X[:, 1], label=y), False),
    "struct column": (lambda: ptab(a=pa.array([{"x": 1.0}] * 60), b=X[:, 1], label=y), False),
    "binary column": (lambda: ptab(a=pa.array([b"\x00"] * 60), b=X[:, 1], label=y), False),
    "only label": (lambda: ptab(label=y), False),
    "one class": (lambda: ptab(a=X[:, 0], b=X[:, 1], label=np.zeros(60, int)), False),
    "float label 0.5": (lambda: ptab(a=X[:, 0], b=X[:, 1], label=y + 0.5), False),
    "1000 columns": (lambda: pa.table({**{"c%d" % i: X[:, i % 2] for i in range(1000)}, "label": y}), True),
    "unicode names": (lambda: pa.table({"ä": X[:, 0], "\u200b": X[:, 1], "label": y}), True),
    "empty-name column": (lambda: pa.table({"": X[:, 0], "b": X[:, 1], "label": y}), True),
    "null type column": (lambda: ptab(a=pa.nulls(60), b=X[:, 1], label=y), False),
    "inf feature": (lambda: ptab(a=np.r_[np.inf, X[1:, 0]], b=X[:, 1], label=y), False),
}
for desc, (mk, ok) in PARQ.items():
    for target in ("label", "missing"):
        if target == "missing" and desc not in ("good", "1000 columns"): continue
        def f(desc=desc, mk=mk, ok=ok, target=target):
            fn = "p_%s.parquet" % "".join(c if c.isalnum() else "_" for c in desc)
            pq.write_table(mk(), fn)
            rc, err = cli(["train", "--data", fn, "--target", target, "--iters", "3", "--quiet", "--save", fn + ".nnb"])
            if "Traceback" in err: raise RuntimeError(err.strip().splitlines()[-1][:150])
            if rc == 0:
                if not ok or target == "missing": raise Silent("train accepted %s" % desc)
                rc2, err2 = cli(["predict", fn + ".nnb", fn, "--target", target, "--output", fn + ".csv"])
                if rc2 != 0: raise ValueError("predict on the training file failed: " + err2[-200:])
                n = len(open(fn + ".csv").read().strip().splitlines()) - 1
                want(n == 60, "%d predictions for 60 rows" % n)
                return
            want(rc == 2, "exit %s, not 2: %s" % (rc, err[-150:]))
            raise ValueError(err.strip()[-250:])
        attempt(F, "train --data %s.parquet --target %s" % (desc, target), f, names=("--data", "--target", "column", "label", "feature", "parquet", "row"))
# broken files and predict mismatches
np.save("good.npy", good); pq.write_table(ptab(a=X[:, 0], b=X[:, 1], label=y), "good.parquet")
with contextlib.redirect_stdout(io.StringIO()):
    cli(["train", "--data", "good.npy", "--target", "-1", "--iters", "3", "--quiet", "--save", "g.nnb"])
BROKEN = {
    "npy truncated": lambda: open("b.npy", "wb").write(open("good.npy", "rb").read()[:100]) and "b.npy",
    "npy header only": lambda: open("b.npy", "wb").write(open("good.npy", "rb").read()[:128]) and "b.npy",
    "parquet as .npy": lambda: open("b.npy", "wb").write(open("good.parquet", "rb").read()) and "b.npy",
    "npy as .parquet": lambda: open("b.parquet", "wb").write(open("good.npy", "rb").read()) and "b.parquet",
    "parquet truncated": lambda: open("b.parquet", "wb").write(open("good.parquet", "rb").read()[:-20]) and "b.parquet",
    "empty .parquet": lambda: open("b.parquet", "wb").write(b"") == 0 and "b.parquet",
    "empty .npy": lambda: open("b.npy", "wb").write(b"") == 0 and "b.npy",
    "directory .npy": lambda: (os.makedirs("d.npy", exist_ok=True), "d.npy")[1],
    "npy huge shape header": lambda: open("b.npy", "wb").write(b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 3), }".ljust(128 - 1, b" ") + b"\n") and "b.npy",
    "npy negative shape": lambda: open("b.npy", "wb").write(b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 3), }".ljust(128 - 1, b" ") + b"\n") and "b.npy",
}
for desc, mk in BROKEN.items():
    for cmd in ("train", "predict"):
        def f(desc=desc, mk=mk, cmd=cmd):
            fn = mk()
            argv = ["train", "--data", fn, "--target", "label" if fn.endswith("parquet") else "-1", "--iters", "2", "--quiet"] if cmd == "train" else ["predict", "g.nnb", fn, "--target", "-1"]
            rc, err = cli(argv)
            if "Traceback" in err: raise RuntimeError(err.strip().splitlines()[-1][:150])
            if rc == 0: raise Silent("%s accepted %s" % (cmd, desc))
            want(rc == 2, "exit %s: %s" % (rc, err[-150:]))
            raise ValueError(err.strip()[-250:])
        attempt(F, "%s on %s" % (cmd, desc), f, names=("--data", "file", ".npy", ".parquet", "b.npy", "b.parquet", "d.npy", "npy", "parquet", "shape"))
PRED = {
    "npy 3 features": np.c_[X, X[:, :1]], "npy 1 feature": X[:, :1], "npy no target col given": X,
    "npy rows 0": X[:0], "npy NaN": np.r_[[[np.nan, 0]], X[1:]], "npy float16": X.astype(np.float16), "npy 1-D": X[:, 0],
    "parquet missing column": "pq1", "parquet extra column": "pq2", "parquet renamed columns": "pq3", "parquet columns reordered": "pq4",
}
for desc, data in PRED.items():
    def f(desc=desc, data=data):
        if isinstance(data, str):
            fn = data + ".parquet"
            t = {"pq1": ptab(a=X[:, 0]), "pq2": ptab(a=X[:, 0], b=X[:, 1], c=X[:, 0]), "pq3": ptab(u=X[:, 0], v=X[:, 1]), "pq4": ptab(b=X[:, 1], a=X[:, 0])}[data]
            pq.write_table(t, fn)
            rc0, _ = cli(["train", "--data", "good.parquet", "--target", "label", "--iters", "3", "--quiet", "--save", "gp.nnb"])
            model = "gp.nnb"
        else:
            fn = "pr.npy"; np.save(fn, data); model = "g.nnb"
        rc, err = cli(["predict", model, fn, "--output", "pr.csv"])
        if "Traceback" in err: raise RuntimeError(err.strip().splitlines()[-1][:150])
        if rc == 0:
            if desc in ("npy no target col given", "npy float16", "parquet renamed columns"): return
            if desc == "parquet columns reordered":
                # correct only when matched by name: the same predictions as the columns in order
                pq.write_table(ptab(a=X[:, 0], b=X[:, 1]), "pq_in_order.parquet")
                rc3, err3 = cli(["predict", model, "pq_in_order.parquet", "--output", "pr_in_order.csv"])
                if rc3 != 0: raise ValueError("predict on the columns in order failed: " + err3[-200:])
                if open("pr.csv").read() != open("pr_in_order.csv").read():
                    raise Silent("predict accepted reordered columns and matched them by position")
                return
            raise Silent("predict accepted %s" % desc)
        want(rc == 2, "exit %s: %s" % (rc, err[-150:]))
        raise ValueError(err.strip()[-250:])
    attempt(F, "predict %s" % desc, f, names=("feature", "column", "file", "row", "nan", "finite", "shape", "pr.npy", ".parquet"))

# ============ family: progress output of the native estimators ============
F = "progress"
VERB = [True, False, 0, 1, 2, 5, -1, "yes", None, 1.5, np.int64(1), np.bool_(True), 10**20, 2**70, float("nan"), [1]]
for v in VERB:
    for est, yy in ((NNC, y), (NNR, yr), (LR, y)):
        def f(v=v, est=est, yy=yy):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                m = est(max_iter=12, verbose=v, random_state=0).fit(X, yy)
            bad = v is None or isinstance(v, (str, float, list)) or (isinstance(v, int) and not isinstance(v, bool) and (v < 0 or v > 2**63))
            if bad: refused("verbose=%r" % (v,))
            out = err.getvalue()
            if v: want("0" in out or "cost" in out.lower(), "verbose=%r printed nothing on stderr" % (v,))
            else: want(out.strip() == "", "verbose=%r printed: %r" % (v, out[:80]))
        attempt(F, "%s(verbose=%r).fit" % (est.__name__, v), f, names=("verbose",))
for lib in ("torch", "jax", "dask"):
    for est, yy in ((NNC, y), (NNR, yr)):
        for extra_desc, extra in [("full", {}), ("bs=8", dict(batch_size=8)), ("es", dict(early_stopping=True)), ("max_iter=1", dict(max_iter=1))]:
            def f(lib=lib, est=est, yy=yy, extra=extra):
                err = io.StringIO()
                kw = dict(hidden_layer_sizes=(3,), max_iter=10, random_state=0, verbose=True, tol=None); kw.update(extra)
                with contextlib.redirect_stderr(err):
                    m = fit_lib(lib, est, kw, X, yy)
                out = err.getvalue()
                want(out.strip() != "", "verbose=True printed nothing")
                costs = [float(t) for t in __import__("re").findall(r"cost after (?:iteration|epoch) \d+: *(-?[0-9.]+(?:e-?[0-9]+)?)", out, __import__("re").I)]
                want(costs, "no cost in progress output: %r" % out[-100:])
                want(abs(costs[-1] - m.loss_curve_[-1]) < 1e-3 * max(1, abs(m.loss_curve_[-1])), "last cost printed %s, loss_curve_ ends %s" % (costs[-1], m.loss_curve_[-1]))
            attempt(F, "%s %s(verbose=True, %s) progress" % (lib, est.__name__, extra_desc), f, names=("verbose",))
# a closed or broken stderr, and an unknown progress= argument
class Broken(io.StringIO):
    def write(self, s): raise OSError("broken pipe")
for est in (NNC, LR):
    for desc, sink in (("closed stderr", "closed"), ("stderr None", None), ("stderr raises", "broken")):
        def f(est=est, sink=sink):
            old = sys.stderr
            s = io.StringIO() if sink == "closed" else (Broken() if sink == "broken" else None)
            if sink == "closed": s.close()
            sys.stderr = s
            try:
                m = est(max_iter=5, verbose=True, random_state=0).fit(X, y)
            finally:
                sys.stderr = old
            finite_model(m)
        attempt(F, "%s(verbose=True).fit with %s" % (est.__name__, desc), f, names=("verbose", "stderr"))
    for kw in ({"progress": True}, {"progress": "bar"}, {"verbose": True, "progress": False}):
        attempt(F, "%s(%s)" % (est.__name__, kw), lambda est=est, kw=kw: est(**kw).fit(X, y), names=tuple(kw))
    def pf(est=est):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            m = est(max_iter=5, verbose=True, random_state=0)
            for _ in range(3): m.partial_fit(X, y, classes=[0, 1])
        want(err.getvalue().strip() != "", "partial_fit with verbose printed nothing")
    attempt(F, "%s(verbose=True).partial_fit x3" % est.__name__, pf, names=("verbose",))

# ============ family: load_catvnoncat on malformed HDF5 files ============
F = "catvnoncat-h5"
try:
    import h5py
except ImportError:
    h5py = None
if h5py is not None:
    rng = np.random.default_rng(0)
    def write_cat(folder, train=None, test=None):
        os.makedirs(folder, exist_ok=True)
        base = {"x": rng.integers(0, 255, (4, 8, 8, 3), dtype=np.uint8), "y": np.array([0, 1, 0, 1]), "classes": np.array([b"non-cat", b"cat"])}
        for split, over in (("train", train or {}), ("test", test or {})):
            with h5py.File(os.path.join(folder, "%s_catvnoncat.h5" % split), "w") as h:
                spec = {"%s_set_x" % split: base["x"], "%s_set_y" % split: base["y"], "list_classes": base["classes"]}
                for k, v in over.items():
                    k = k.replace("SPLIT", split)
                    if v is None: spec.pop(k, None)
                    else: spec[k] = v
                for k, v in spec.items():
                    if callable(v): v(h, k)
                    else: h.create_dataset(k, data=v)
        return folder
    H5 = {
        "valid small": ({}, {}, True),
        "no train_set_x": ({"SPLIT_set_x": None}, {}, False),
        "no list_classes": ({}, {"list_classes": None}, False),
        "x strings": ({"SPLIT_set_x": np.array([[b"ab"]] * 4)}, {}, False),
        "x scalar": ({"SPLIT_set_x": np.float64(3)}, {}, False),
        "x group": ({"SPLIT_set_x": lambda h, k: h.create_group(k)}, {}, False),
        "x 2-D": ({"SPLIT_set_x": np.zeros((4, 8))}, {}, False),
        "x empty": ({"SPLIT_set_x": np.zeros((0, 8, 8, 3)), "SPLIT_set_y": np.zeros(0)}, {}, False),
        "x NaN": ({"SPLIT_set_x": np.full((4, 8, 8, 3), np.nan)}, {}, False),
        "x negative ints": ({"SPLIT_set_x": np.full((4, 8, 8, 3), -5)}, {}, False),
        "x floats > 255": ({"SPLIT_set_x": np.full((4, 8, 8, 3), 1e6)}, {}, False),
        "x complex": ({"SPLIT_set_x": np.ones((4, 8, 8, 3), complex)}, {}, False),
        "x bool": ({"SPLIT_set_x": np.ones((4, 8, 8, 3), bool)}, {}, True),
        "labels fraction": ({"SPLIT_set_y": np.array([0, 0.5, 1, 0])}, {}, False),
        "labels 5/-1": ({"SPLIT_set_y": np.array([5, -1, 0, 1])}, {}, False),
        "labels (1,4)": ({"SPLIT_set_y": np.array([[0, 1, 0, 1]])}, {}, True),
        "labels (2,2)": ({"SPLIT_set_y": np.array([[0, 1], [0, 1]])}, {}, False),
        "labels strings": ({"SPLIT_set_y": np.array([b"a"] * 4)}, {}, False),
        "labels count mismatch": ({"SPLIT_set_y": np.array([0, 1, 0])}, {}, False),
        "labels one class": ({"SPLIT_set_y": np.zeros(4, int)}, {}, True),
        "test image size differs": ({}, {"SPLIT_set_x": np.zeros((4, 9, 9, 3), np.uint8)}, False),
        "classes ints": ({}, {"list_classes": np.array([0, 1])}, True),
        "classes 3 names": ({}, {"list_classes": np.array([b"a", b"b", b"c"])}, True),
        "x huge lazy (10**5 images)": ({"SPLIT_set_x": lambda h, k: h.create_dataset(k, shape=(10**5, 64, 64, 3), dtype="f8", chunks=(1, 64, 64, 3)),
                                        "SPLIT_set_y": lambda h, k: h.create_dataset(k, shape=(10**5,), dtype="i8")}, {}, False),
        "x lzf compressed": ({"SPLIT_set_x": lambda h, k: h.create_dataset(k, data=np.zeros((4, 8, 8, 3), np.uint8), compression="lzf")}, {}, True),
        "x external link": ({"SPLIT_set_x": lambda h, k: h.__setitem__(k, h5py.ExternalLink("nowhere.h5", "/x"))}, {}, False),
        "x soft link dangling": ({"SPLIT_set_x": lambda h, k: h.__setitem__(k, h5py.SoftLink("/nothing"))}, {}, False),
        "x vlen": ({"SPLIT_set_x": lambda h, k: h.create_dataset(k, (4,), dtype=h5py.vlen_dtype(np.float64))}, {}, False),
        "x compound": ({"SPLIT_set_x": np.zeros((4, 8, 8), dtype=[("r", "u1"), ("g", "u1")])}, {}, False),
    }
    for desc, (tr, te, ok) in H5.items():
        def f(desc=desc, tr=tr, te=te, ok=ok):
            folder = write_cat("cat_" + "".join(c if c.isalnum() else "_" for c in desc), tr, te)
            out = datasets.load_catvnoncat(folder)
            if not ok: refused(desc)
            want(out[0].ndim == 2 and out[0].shape[0] == len(out[1]), "shapes %s / %s" % (out[0].shape, out[1].shape))
            want(np.all(np.isfinite(out[0])) and out[0].min() >= 0 and out[0].max() <= 1, "pixels outside [0, 1]")
        attempt(F, "load_catvnoncat(%s)" % desc, f, names=("catvnoncat", ".h5", "set_x", "set_y", "list_classes", "label", "image", "path"), bound=30)
    RAWF = {
        "zero-byte file": b"", "text file": b"hello", "truncated HDF5": None, "HDF5 magic then garbage": b"\x89HDF\r\n\x1a\n" + b"\x00" * 100,
    }
    for desc, raw in RAWF.items():
        for which in ("train", "test"):
            def f(desc=desc, raw=raw, which=which):
                folder = write_cat("raw_%s_%s" % ("".join(c if c.isalnum() else "_" for c in desc), which))
                p = os.path.join(folder, "%s_catvnoncat.h5" % which)
                data = open(p, "rb").read()[:300] if raw is None else raw
                open(p, "wb").write(data)
                datasets.load_catvnoncat(folder); refused(desc)
            attempt(F, "load_catvnoncat(%s as %s file)" % (desc, which), f, names=("catvnoncat", ".h5", "hdf5"))
    for desc, mk in [("path is a file", lambda: write_cat("cf") and os.path.join("cf", "train_catvnoncat.h5")),
                     ("train file is a directory", lambda: (write_cat("cd"), os.remove("cd/train_catvnoncat.h5"), os.makedirs("cd/train_catvnoncat.h5"), "cd")[3]),
                     ("symlink loop", lambda: (os.makedirs("cl", exist_ok=True), os.path.lexists("cl/train_catvnoncat.h5") or os.symlink("train_catvnoncat.h5", "cl/train_catvnoncat.h5"), "cl")[2]),
                     ("unreadable file", lambda: (write_cat("cu"), os.chmod("cu/train_catvnoncat.h5", 0), "cu")[2] if os.geteuid() else "nonexistent-as-root"),
                     ("path None", lambda: None), ("path int", lambda: 3), ("path bytes", lambda: b"cf"), ("path ''", lambda: "")]:
        def f(mk=mk, desc=desc):
            datasets.load_catvnoncat(mk()); refused(desc)
        attempt(F, "load_catvnoncat(%s)" % desc, f, names=("path", "catvnoncat", ".h5", "folder"))

report(markdown=True)
