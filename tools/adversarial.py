"""The round-3 adversarial pass of docs/reliability.md (issue 21), kept as it ran.

Run from the repository root: ``OMP_NUM_THREADS=1 PYTHONPATH=src python tools/adversarial.py``;
``ADV_FAMILIES=name,name`` runs only those families (the names printed in the report).
It works in a temporary folder and prints the counts per class and family.
"""
import os, sys, json, shutil, zipfile, subprocess, warnings, fractions, io, itertools, traceback
from adversarial_harness import (WORK, SRC, KNOWN, Silent, DataLoss, Hang, results, attempt, finite_model, check_pred,
                                 roundtrip, run_cli, report)
import numpy as np
import nnbackend
from nnbackend import datasets, NeuralNetworkClassifier as NNC, NeuralNetworkRegressor as NNR, LogisticRegression as LR
from nnbackend.errors import ModelFileError, BackendError, NotFittedError, TrainingDivergedError
from nnbackend.sklearn import MLPClassifier, MLPRegressor
import scipy.sparse as sp

X, y = datasets.make_moons(60, seed=0)
Xr = X.copy(); yr = X[:, 0] * 2 + X[:, 1]
Xb, yb = datasets.make_blobs(60, centers=3, seed=0)

# ---------------- family 1: sklearn drop-in constructor values ----------------
F = "sklearn-ctor"
BAD = {
 "hidden_layer_sizes": [(), (0,), (-1,), (3.5,), "3", None, np.array([3, 2]), range(2, 4), (True,), [3, np.int64(2)], 3, (3, 0), (2**62,), fractions.Fraction(3)],
 "activation": ["bad", None, 1, "RELU", "softmax"],
 "solver": ["bad", None, "SGD", 3],
 "alpha": [-1, float("nan"), float("inf"), "a", None, 1j, fractions.Fraction(1, 10), np.float32(1e-4), 0],
 "batch_size": [0, -1, 1.5, "x", 10**9, None, np.int64(8), True],
 "learning_rate": ["bad", 1, None, "adaptive", "invscaling"],
 "learning_rate_init": [0, -1, float("nan"), float("inf"), "x", fractions.Fraction(1, 100), 1e300],
 "power_t": [-1, float("nan"), "x"],
 "max_iter": [0, -1, 1.5, True, "5", None, np.int64(3)],
 "shuffle": ["yes", None, 2],
 "random_state": [-5, 2**40, "a", 1.5, np.random.RandomState(0), np.int64(3), True],
 "tol": [-1, float("nan"), None, "x", float("inf")],
 "verbose": [2, "yes", -1, True],
 "warm_start": [1, "yes", None],
 "momentum": [-0.1, 1.5, float("nan")],
 "nesterovs_momentum": ["x", None],
 "early_stopping": [1, "yes", True],
 "validation_fraction": [0, 1, -0.1, 1.5, float("nan"), fractions.Fraction(1, 5), "0.1"],
 "beta_1": [1, -0.1, float("nan")],
 "beta_2": [1, -0.1],
 "epsilon": [0, -1, float("nan")],
 "n_iter_no_change": [0, -1, 1.5, float("inf")],
 "max_fun": [0, -1, 2.5],
 "dtype": ["float16", "int32", "bad", np.float32, "float32"],
}
for est in (MLPClassifier, MLPRegressor):
    for p, vals in BAD.items():
        for v in vals:
            def f(est=est, p=p, v=v):
                kw = dict(hidden_layer_sizes=(3,), max_iter=5, random_state=0); kw[p] = v
                if p == "solver" and v is None: pass
                m = est(**kw)
                yy = y if est is MLPClassifier else yr
                m.fit(X, yy); finite_model(m); check_pred(m, X, (60,))
                gp = m.get_params()[p]
                # get_params must round-trip through json-able plain values for save
                roundtrip(m, X, "ctor.nnb")
            attempt(F, "%s(%s=%r).fit(moons)" % (est.__name__, p, v), f, names=(p,))

# ---------------- family 2: sklearn y variants / multilabel / multioutput ----------------
F = "sklearn-y"
Y2 = np.stack([y, 1 - y * (X[:, 0] > 0)], axis=1).astype(int)
yvar = {
 "multilabel 0/1 (60,2)": (MLPClassifier, Y2, (60, 2)),
 "multilabel bool": (MLPClassifier, Y2.astype(bool), (60, 2)),
 "multilabel 3 cols one all-zero": (MLPClassifier, np.c_[Y2, np.zeros(60, int)], (60, 3)),
 "multilabel one all-one col": (MLPClassifier, np.c_[Y2, np.ones(60, int)], (60, 3)),
 "multiclass strings": (MLPClassifier, np.array(["a", "b"])[y], (60,)),
 "object labels mixed": (MLPClassifier, np.array(["a", 1], dtype=object)[y], (60,)),
 "single class": (MLPClassifier, np.zeros(60, int), (60,)),
 "float labels 0.5": (MLPClassifier, y + 0.5, (60,)),
 "continuous y to classifier": (MLPClassifier, yr, None),
 "y with NaN clf": (MLPClassifier, np.where(np.arange(60) == 3, np.nan, y), None),
 "y (60,1) clf": (MLPClassifier, y[:, None], (60,)),
 "y 3d": (MLPClassifier, y[:, None, None], None),
 "y short": (MLPClassifier, y[:59], None),
 "y list": (MLPClassifier, list(y), (60,)),
 "y 3 classes": (MLPClassifier, np.arange(60) % 3, (60,)),
 "multilabel with 2 in it": (MLPClassifier, np.where(Y2 == 1, 2, 0), None),
 "y (60,2) strings": (MLPClassifier, np.array(["a", "b"])[Y2], None),
 "multioutput reg (60,2)": (MLPRegressor, np.c_[yr, -yr], (60, 2)),
 "reg y (60,1)": (MLPRegressor, yr[:, None], (60,)),
 "reg y NaN": (MLPRegressor, np.where(np.arange(60) == 3, np.nan, yr), None),
 "reg y inf": (MLPRegressor, np.where(np.arange(60) == 3, np.inf, yr), None),
 "reg y 1e300": (MLPRegressor, yr * 1e300, None),
 "reg y complex": (MLPRegressor, yr + 1j, None),
 "reg y strings": (MLPRegressor, yr.astype(str), None),
 "reg y int": (MLPRegressor, (yr * 10).astype(int), (60,)),
 "reg y bool": (MLPRegressor, yr > 0, (60,)),
 "reg y (60,0)": (MLPRegressor, np.zeros((60, 0)), None),
 "reg y 3d": (MLPRegressor, yr[:, None, None], None),
}
for solver in ("adam", "sgd", "lbfgs"):
    for desc, (est, yy, shape) in yvar.items():
        def f(est=est, yy=yy, shape=shape, solver=solver):
            m = est(hidden_layer_sizes=(3,), max_iter=5, random_state=0, solver=solver).fit(X, yy)
            finite_model(m)
            if shape is None: raise Silent("accepted y that should be refused")
            p = check_pred(m, X, shape)
            if est is MLPClassifier and np.ndim(yy) == 2 and shape[1:] == np.shape(yy)[1:]:
                if not set(np.unique(p)) <= set(np.unique(yy)): raise Silent("multilabel predictions outside labels")
            roundtrip(m, X, "y.nnb")
        attempt(F, "%s(solver=%s).fit(X, %s)" % (est.__name__, solver, desc), f, names=("y", "label", "target", "class", "output"))

# ---------------- family 3: sparse X ----------------
F = "sparse-X"
for est, yy in ((MLPClassifier, y), (MLPRegressor, yr), (NNC, y), (NNR, yr), (LR, y)):
    for fmt in ("csr", "csc", "coo", "lil", "dok", "bsr", "csr_array", "nan", "empty", "int", "1row"):
        def f(est=est, yy=yy, fmt=fmt):
            kw = dict(max_iter=5, random_state=0)
            if est is not LR: kw["hidden_layer_sizes"] = (3,)
            Xd = X.copy(); yv = yy
            if fmt == "nan": Xd[0, 0] = np.nan
            if fmt == "int": Xd = (Xd * 10).astype(int)
            if fmt == "empty": Xd = Xd[:0]; yv = yy[:0]
            if fmt == "1row": Xd = Xd[:1]; yv = yy[:1]
            if fmt == "csr_array": Xs = sp.csr_array(Xd)
            elif fmt in ("nan", "empty", "int", "1row"): Xs = sp.csr_matrix(Xd)
            else: Xs = getattr(sp, fmt + "_matrix")(Xd)
            m = est(**kw).fit(Xs, yv)
            if fmt in ("nan", "empty"): raise Silent("accepted sparse X with %s" % fmt)
            finite_model(m)
            md = est(**kw).fit(Xd, yv)
            ps, pd = np.asarray(m.predict(Xs)), np.asarray(md.predict(Xd))
            if ps.shape != pd.shape or not np.allclose(ps.astype(float), pd.astype(float), atol=1e-6):
                raise Silent("sparse fit predicts differently from dense fit")
        attempt(F, "%s.fit(sparse %s)" % (est.__name__, fmt), f, names=("x", "sparse", "sample", "nan", "finite"))

# ---------------- family 4: partial_fit / warm_start sequences + save ----------------
F = "continue-seq"
rng = np.random.default_rng(0)
OPS = ["fit", "partial_fit", "warm", "early", "save_load", "set_iter", "partial_fit_half"]
def make_est(kind):
    if kind == "MLPClassifier": return MLPClassifier(hidden_layer_sizes=(3,), max_iter=4, random_state=0), y
    if kind == "MLPRegressor": return MLPRegressor(hidden_layer_sizes=(3,), max_iter=4, random_state=0), yr
    if kind == "NNC": return NNC(hidden_layer_sizes=(3,), max_iter=4, tol=None, random_state=0), y
    if kind == "NNR": return NNR(hidden_layer_sizes=(3,), max_iter=4, tol=None, random_state=0), yr
    return LR(max_iter=4, tol=None, random_state=0), y
for i in range(80):
    kind = ["MLPClassifier", "MLPRegressor", "NNC", "NNR", "LR"][i % 5]
    seq = list(rng.choice(OPS, size=5))
    def f(kind=kind, seq=seq, i=i):
        m, yy = make_est(kind)
        path = "seq%d.nnb" % i; good = None
        for op in seq:
            if op == "fit": m.fit(X, yy)
            elif op == "partial_fit":
                if hasattr(m, "partial_fit"):
                    kw = {"classes": np.unique(yy)} if kind in ("MLPClassifier", "NNC", "LR") else {}
                    m.partial_fit(X, yy, **kw)
            elif op == "partial_fit_half":
                if hasattr(m, "partial_fit"):
                    kw = {"classes": np.unique(yy)} if kind in ("MLPClassifier", "NNC", "LR") else {}
                    m.partial_fit(X[:30], yy[:30], **kw)
            elif op == "warm": m.set_params(warm_start=True); m.fit(X, yy)
            elif op == "early":
                if kind != "LR": m.set_params(early_stopping=True, n_iter_no_change=2); m.fit(X, yy)
            elif op == "set_iter": m.set_params(max_iter=2)
            elif op == "save_load":
                if not hasattr(m, "n_features_in_"): continue
                before = m.predict(X)
                try: nnbackend.save(m, path)
                except KNOWN:
                    if good is not None:
                        try: nnbackend.load(path)
                        except Exception: raise DataLoss("failed save destroyed the good file %s" % path)
                    raise
                try: m2 = nnbackend.load(path)
                except KNOWN as e:
                    raise DataLoss("save wrote a file load refuses: %s" % str(e)[:100])
                if not np.array_equal(np.asarray(before), np.asarray(m2.predict(X))): raise Silent("loaded predicts differently")
                good = path; m = m2
        if hasattr(m, "n_features_in_"):
            finite_model(m)
            if hasattr(m, "loss_curve_") and m.loss_curve_ is not None and hasattr(m, "n_iter_"):
                if kind.startswith("MLP") and len(m.loss_curve_) < m.n_iter_ and not m.early_stopping:
                    raise Silent("n_iter_=%s but len(loss_curve_)=%s" % (m.n_iter_, len(m.loss_curve_)))
            check_pred(m, X, (60,), proba=False)
            roundtrip(m, X, path)
    attempt(F, "%s ops=%s then save/load" % (kind, "->".join(seq)), f, names=("classes", "feature", "partial_fit", "warm"))
# partial_fit edge cases
pf_cases = {
 "partial_fit first call no classes": lambda m: m.partial_fit(X, y),
 "partial_fit classes missing a label": lambda m: m.partial_fit(X, y, classes=[0]),
 "partial_fit classes then new label": lambda m: (m.partial_fit(X, y, classes=[0, 1]), m.partial_fit(X, np.full(60, 5))),
 "partial_fit then n_features change": lambda m: (m.partial_fit(X, y, classes=[0, 1]), m.partial_fit(np.c_[X, X], y)),
 "partial_fit classes changed 2nd call": lambda m: (m.partial_fit(X, y, classes=[0, 1]), m.partial_fit(X, y, classes=[0, 1, 2])),
 "partial_fit classes duplicates": lambda m: m.partial_fit(X, y, classes=[0, 0, 1]),
 "partial_fit classes 2d": lambda m: m.partial_fit(X, y, classes=[[0, 1]]),
 "partial_fit classes strings vs int y": lambda m: m.partial_fit(X, y, classes=["0", "1"]),
 "partial_fit empty batch": lambda m: (m.partial_fit(X, y, classes=[0, 1]), m.partial_fit(X[:0], y[:0])),
 "partial_fit one-row batch": lambda m: (m.partial_fit(X, y, classes=[0, 1]), m.partial_fit(X[:1], y[:1])),
 "fit then partial_fit other classes": lambda m: (m.fit(X, y), m.partial_fit(X, y + 1)),
 "partial_fit classes NaN": lambda m: m.partial_fit(X, y, classes=[0, np.nan]),
 "partial_fit 1 class given": lambda m: m.partial_fit(X, np.zeros(60, int), classes=[0]),
 "fit then warm fit with different n_features": lambda m: (m.fit(X, y), m.set_params(warm_start=True), m.fit(np.c_[X, X], y)),
 "fit then warm fit with new hidden sizes": lambda m: (m.fit(X, y), m.set_params(warm_start=True, hidden_layer_sizes=(5,)), m.fit(X, y)),
 "fit then warm fit with 3 classes": lambda m: (m.fit(X, y), m.set_params(warm_start=True), m.fit(X, np.arange(60) % 3)),
}
for kind in ("MLPClassifier", "NNC", "LR"):
    for desc, op in pf_cases.items():
        def f(kind=kind, op=op, desc=desc):
            m, _ = make_est(kind)
            if kind == "LR" and "hidden" in desc: m.set_params(max_iter=3)
            op(m)
            finite_model(m)
            p = check_pred(m, X, (60,), proba=False)
            if not set(np.unique(p)) <= set(np.asarray(m.classes_).tolist()): raise Silent("predicts a label not in classes_")
            if "missing a label" in desc or "new label" in desc or "NaN" in desc or "n_features change" in desc or "different n_features" in desc:
                raise Silent("accepted: %s" % desc)
            roundtrip(m, X, "pf.nnb")
        attempt(F, "%s: %s" % (kind, desc), f, names=("classes", "feature", "label", "partial_fit", "warm", "hidden", "x", "y"))

# ---------------- family 5: sample weights ----------------
F = "sample_weight"
SW = {
 "ones": np.ones(60), "all zero": np.zeros(60), "some zero": (np.arange(60) % 2).astype(float),
 "tiny 1e-300": np.full(60, 1e-300), "huge 1e300": np.full(60, 1e300), "mixed huge/tiny": np.where(np.arange(60) % 2, 1e300, 1e-300),
 "negative one": np.r_[-1.0, np.ones(59)], "NaN one": np.r_[np.nan, np.ones(59)], "inf one": np.r_[np.inf, np.ones(59)],
 "complex": np.ones(60) + 0j, "complex nonzero imag": np.ones(60) + 1j, "wrong length 59": np.ones(59), "wrong length 61": np.ones(61),
 "2d (60,1)": np.ones((60, 1)), "2d (60,2)": np.ones((60, 2)), "strings": np.array(["1"] * 60), "list": [1.0] * 60,
 "int": np.full(60, 3), "bool": np.ones(60, bool), "scalar 2.0": 2.0, "float32": np.ones(60, np.float32),
 "object": np.array([1.0] * 60, dtype=object), "scaled x7": np.full(60, 7.0), "sparse": sp.csr_matrix(np.ones((60, 1))),
 "empty": np.array([]), "dict": {"a": 1}, "float16 overflow": np.full(60, 1e5),
}
for est_name in ("NNC", "NNR", "LR", "MLPClassifier", "MLPRegressor"):
    for desc, sw in SW.items():
        def f(est_name=est_name, desc=desc, sw=sw):
            m, yy = make_est(est_name)
            if est_name in ("NNC", "NNR", "LR"): m.set_params(solver="gd")
            m.fit(X, yy, sample_weight=sw)
            if desc in ("all zero", "negative one", "NaN one", "inf one", "complex nonzero imag", "wrong length 59",
                        "wrong length 61", "2d (60,2)", "empty", "dict"):
                raise Silent("accepted sample_weight %s" % desc)
            finite_model(m); check_pred(m, X, (60,), proba=False)
            ref, _ = make_est(est_name)
            if est_name in ("NNC", "NNR", "LR"): ref.set_params(solver="gd")
            ref.fit(X, yy)
            if desc == "tiny 1e-300" and est_name.startswith("MLP"):
                # scikit-learn divides the L2 term by the weights' sum, so weights of 1e-300 make
                # alpha dominate: the drop-in must match scikit-learn's own fit, not the unweighted one
                import sklearn.neural_network as sk_nn
                ref = getattr(sk_nn, est_name)(hidden_layer_sizes=(3,), max_iter=4, random_state=0)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ref.fit(X, yy, sample_weight=sw)
            if desc in ("ones", "scaled x7", "int", "bool", "list", "float32", "scalar 2.0", "tiny 1e-300", "huge 1e300", "float16 overflow"):
                a = ref.predict_proba(X) if hasattr(ref, "predict_proba") else ref.predict(X)
                b = m.predict_proba(X) if hasattr(m, "predict_proba") else m.predict(X)
                tol = 1e-3 if desc == "float32" else 1e-6
                if not np.allclose(np.asarray(a, float), np.asarray(b, float), atol=tol):
                    raise Silent("uniform weights (%s) change the fit vs no weights" % desc)
            if desc == "some zero" and est_name in ("NNC", "NNR", "LR"):
                keep = np.arange(60) % 2 == 1
                r2, _ = make_est(est_name); r2.set_params(solver="gd"); r2.fit(X[keep], yy[keep])
                a = np.asarray(r2.predict(X), float); b = np.asarray(m.predict(X), float)
                if not np.allclose(a, b, atol=1e-6): raise Silent("zero weights differ from dropping the rows")
            roundtrip(m, X, "sw.nnb")
        attempt(F, "%s.fit(X, y, sample_weight=%s)" % (est_name, desc), f, names=("sample_weight",))
# partial_fit with sample_weight
for est_name in ("NNC", "MLPClassifier", "MLPRegressor"):
    for desc in ("all zero", "NaN one", "wrong length 59", "negative one", "ones", "complex"):
        def f(est_name=est_name, desc=desc):
            m, yy = make_est(est_name); kw = {"classes": [0, 1]} if "Class" in est_name or est_name == "NNC" else {}
            m.partial_fit(X, yy, sample_weight=SW[desc], **kw)
            if desc not in ("ones", "complex"): raise Silent("partial_fit accepted sample_weight %s" % desc)
            finite_model(m); check_pred(m, X, (60,), proba=False)
        attempt(F, "%s.partial_fit(sample_weight=%s)" % (est_name, desc), f, names=("sample_weight",))

# ---------------- family 6: model files ----------------
F = "model-file"
def write_variant(src, dst, mutate_header=None, mutate_members=None, raw_header=None):
    zin = zipfile.ZipFile(src)
    with zipfile.ZipFile(dst, "w") as zout:
        for n in zin.namelist():
            data = zin.read(n)
            if n == "header.json":
                if raw_header is not None: data = raw_header.encode() if isinstance(raw_header, str) else raw_header
                elif mutate_header:
                    h = json.loads(data); mutate_header(h); data = json.dumps(h).encode()
            elif mutate_members:
                data = mutate_members(n, data)
                if data is None: continue
            zout.writestr(n, data)
def header_of(path):
    return json.loads(zipfile.ZipFile(path).read("header.json"))
bases = {}
for kind in ("NNC", "NNR", "LR", "MLPClassifier", "MLPRegressor"):
    m, yy = make_est(kind); m.fit(X, yy); nnbackend.save(m, "base_%s.nnb" % kind); bases[kind] = (m, "base_%s.nnb" % kind)
def setp(k, v): return lambda h: h["params"].__setitem__(k, v)
def setf(k, v): return lambda h: h["fitted"].__setitem__(k, v)
def delk(sec, k): return lambda h: h[sec].pop(k, None)
TAMPER = [  # (desc, mutate, must_refuse)
 ("version 10**400", lambda h: h.__setitem__("version", 10**400), True),
 ("version 3", lambda h: h.__setitem__("version", 3), True),
 ("version '2'", lambda h: h.__setitem__("version", "2"), True),
 ("version 2.0", lambda h: h.__setitem__("version", 2.0), False),
 ("version true", lambda h: h.__setitem__("version", True), True),
 ("format wrong", lambda h: h.__setitem__("format", "pickle"), True),
 ("estimator os.system", lambda h: h.__setitem__("estimator", "os.system"), True),
 ("estimator None", lambda h: h.__setitem__("estimator", None), True),
 ("estimator other registered", lambda h: h.__setitem__("estimator", "NeuralNetworkRegressor" if h["estimator"] != "NeuralNetworkRegressor" else "NeuralNetworkClassifier"), True),
 ("params list", lambda h: h.__setitem__("params", []), True),
 ("fitted null", lambda h: h.__setitem__("fitted", None), True),
 ("hidden_layer_sizes [10**12]", setp("hidden_layer_sizes", [10**12]), True),
 ("hidden_layer_sizes [10**400]", setp("hidden_layer_sizes", [10**400]), True),
 ("hidden_layer_sizes 'abc'", setp("hidden_layer_sizes", "abc"), True),
 ("hidden_layer_sizes [3.5]", setp("hidden_layer_sizes", [3.5]), True),
 ("hidden_layer_sizes [7]", setp("hidden_layer_sizes", [7]), True),
 ("random_state -5", setp("random_state", -5), True),
 ("random_state 2**70", setp("random_state", 2**70), True),
 ("n_iter_no_change 0", setp("n_iter_no_change", 0), True),
 ("validation_fraction 1", setp("validation_fraction", 1), True),
 ("warm_start 1", setp("warm_start", 1), True),
 ("max_iter -1", setp("max_iter", -1), True),
 ("max_iter 10**400", setp("max_iter", 10**400), True),
 ("learning_rate 'x'", setp("learning_rate", "x"), True),
 ("learning_rate_init -1", setp("learning_rate_init", -1), True),
 ("alpha -1", setp("alpha", -1), True),
 ("activation 'bogus'", setp("activation", "bogus"), True),
 ("activation 'tanh' (contradicts weights' training)", setp("activation", "tanh"), True),
 ("solver 'bogus'", setp("solver", "bogus"), True),
 ("batch_size 0", setp("batch_size", 0), True),
 ("dtype 'object'", setp("dtype", "object"), True),
 ("tol -1", setp("tol", -1), True),
 ("unknown param", setp("evil", 1), True),
 ("missing param max_iter", delk("params", "max_iter"), False),
 ("n_features_in_ 5", setf("n_features_in_", 5), True),
 ("n_features_in_ -1", setf("n_features_in_", -1), True),
 ("n_features_in_ 10**400", setf("n_features_in_", 10**400), True),
 ("n_features_in_ '2'", setf("n_features_in_", "2"), True),
 ("n_iter_ -3", setf("n_iter_", -3), True),
 ("n_iter_ 'x'", setf("n_iter_", "x"), True),
 ("n_iter_ 10**400", setf("n_iter_", 10**400), True),
 ("loss_curve_ strings", setf("loss_curve_", ["a", "b"]), True),
 ("loss_curve_ dict", setf("loss_curve_", {"a": 1}), True),
 ("loss_curve_ empty", setf("loss_curve_", []), True),
 ("n_layers 7", setf("n_layers", 7), True),
 ("n_layers_ 7", setf("n_layers_", 7), True),
 ("n_outputs_ 3", setf("n_outputs_", 3), True),
 ("out_activation_ 'softmax'", setf("out_activation_", "softmax"), True),
 ("out_activation_ 'identity'", setf("out_activation_", "identity"), True),
 ("classes_ [0,1,2]", setf("classes_", [0, 1, 2]), True),
 ("classes_ [1,0]", setf("classes_", [1, 0]), True),
 ("classes_ [[0],[1]]", setf("classes_", [[0], [1]]), True),
 ("hidden 'bogus'", setf("hidden", "bogus"), True),
 ("output 'identity'", setf("output", "identity"), True),
 ("best_loss_ 'x'", setf("best_loss_", "x"), True),
 ("t_ -1", setf("t_", -1), True),
 ("validation_scores_ 'x'", setf("validation_scores_", "x"), True),
 ("unknown fitted key", setf("evil", 1), True),
 ("arrays W1 shape huge", lambda h: [v.__setitem__("shape", [10**9, 10**9]) for v in list(h["arrays"].values())[:1]], True),
 ("arrays dtype |O", lambda h: [v.__setitem__("dtype", "|O") for v in list(h["arrays"].values())[:1]], True),
 ("arrays dtype <c16", lambda h: [v.__setitem__("dtype", "<c16") for v in list(h["arrays"].values())[:1]], True),
 ("arrays manifest missing", lambda h: h.pop("arrays"), False),
 ("arrays manifest extra entry", lambda h: h["arrays"].__setitem__("evil", {"dtype": "<f8", "shape": [1]}), True),
 ("arrays shape negative", lambda h: [v.__setitem__("shape", [-1]) for v in list(h["arrays"].values())[:1]], True),
 ("params hidden_layer_sizes []", setp("hidden_layer_sizes", []), True),
]
for kind, (m0, base) in bases.items():
    for desc, mut, must in TAMPER:
        def f(kind=kind, m0=m0, base=base, mut=mut, must=must, desc=desc):
            dst = "t_%s.nnb" % kind
            try: write_variant(base, dst, mutate_header=mut)
            except (KeyError, TypeError, IndexError, AttributeError): return  # not applicable to this layout
            m2 = nnbackend.load(dst)
            if not np.array_equal(np.asarray(m2.predict(X)), np.asarray(m0.predict(X))): raise Silent("loaded tampered model predicts differently")
            if must and header_of(dst) == header_of(base):
                return  # the "tamper" wrote the value already there (e.g. a regressor's output 'identity'): the good file
            if must and desc == "random_state 2**70" and kind in ("NNC", "NNR", "LR"):
                # the native estimators take any int seed (NumPy's SeedSequence): correct if
                # the loaded model keeps it and refits reproducibly with it
                if m2.get_params()["random_state"] != 2**70: raise Silent("loaded random_state is not 2**70")
                yy = yr if kind == "NNR" else y
                from sklearn.base import clone
                a, b = (clone(m2).fit(X, yy) for _ in range(2))
                weights = lambda m: [nnbackend.to_numpy(w) for w in (m.coefs_ if hasattr(m, "coefs_") else [m.coef_])]
                if not all(np.array_equal(p, q) for p, q in zip(weights(a), weights(b), strict=True)):
                    raise Silent("random_state 2**70 does not refit reproducibly")
                return
            if must: raise Silent("load accepted tampered header (%s)" % desc)
        attempt(F, "load(%s with header %s)" % (kind, desc), f, names=(desc.split()[0].strip("'"), "header", "version", "format", "estimator", "params", "fitted", "arrays"))
RAW = [("not json", "{not json"), ("json NaN in loss", None), ("array top-level", "[1,2]"), ("deeply nested", "[" * 100000 + "]" * 100000),
       ("duplicate keys", None), ("empty", ""), ("utf-16 BOM", "\ufeff{}"), ("huge int literal", '{"version": ' + "9" * 5000 + "}")]
for kind, (m0, base) in list(bases.items())[:3]:
    hdr = zipfile.ZipFile(base).read("header.json").decode()
    for desc, raw in RAW:
        if desc == "json NaN in loss": raw = hdr.replace('"loss_curve_": [', '"loss_curve_": [NaN, ', 1)
        if desc == "duplicate keys": raw = hdr.replace('"version": 2,', '"version": 2, "version": 1,', 1)
        def f(base=base, raw=raw, desc=desc, kind=kind):
            write_variant(base, "r.nnb", raw_header=raw); nnbackend.load("r.nnb")
            raise Silent("load accepted header: %s" % desc)
        attempt(F, "load(%s with raw header %s)" % (kind, desc), f, names=("header", "json", "version", "loss", "r.nnb"))
MEMB = [("drop W1/coef0", lambda n, d: None if n.endswith(("W1.npy", "coef0.npy")) else d),
        ("truncate arrays", lambda n, d: d[:20]),
        ("garbage arrays", lambda n, d: b"\x93NUMPY garbage" + d[14:]),
        ("NaN weights", lambda n, d: (lambda a: (lambda b: (np.save(b, np.full_like(a, np.nan)), b.getvalue())[1])(io.BytesIO()))(np.load(io.BytesIO(d))) if "W" in n or "coef" in n else d),
        ("pickled object array", lambda n, d: (lambda b: (np.save(b, np.array([object()], dtype=object), allow_pickle=True), b.getvalue())[1])(io.BytesIO()) if "1" in n else d),
        ("transpose W1", lambda n, d: (lambda a: (lambda b: (np.save(b, np.ascontiguousarray(a.T)), b.getvalue())[1])(io.BytesIO()))(np.load(io.BytesIO(d))) if n.endswith(("W1.npy", "coef0.npy")) else d),
        ("float32 weights", lambda n, d: (lambda a: (lambda b: (np.save(b, a.astype(np.float32) if a.dtype.kind == "f" else a), b.getvalue())[1])(io.BytesIO()))(np.load(io.BytesIO(d)))),
        ("big-endian weights", lambda n, d: (lambda a: (lambda b: (np.save(b, a.astype(">f8") if a.dtype.kind == "f" else a), b.getvalue())[1])(io.BytesIO()))(np.load(io.BytesIO(d)))),
        ]
for kind, (m0, base) in bases.items():
    for desc, mm in MEMB:
        def f(base=base, mm=mm, desc=desc, m0=m0):
            write_variant(base, "mm.nnb", mutate_members=mm); m2 = nnbackend.load("mm.nnb")
            if desc in ("float32 weights", "big-endian weights"): return
            raise Silent("load accepted member tamper: %s" % desc)
        attempt(F, "load(%s with %s)" % (kind, desc), f, names=("arrays", "w1", "coef", "mm.nnb", "dtype", "shape", "nan", "finite", "member"))
# fit-accepted hyperparameters that save must write (item A.2) + data-loss over a good file
ODD = {"hidden np.array": dict(hidden_layer_sizes=np.array([3, 2])), "hidden range": dict(hidden_layer_sizes=range(2, 4)),
       "lr Fraction": dict(learning_rate=fractions.Fraction(1, 100)), "alpha Fraction": dict(alpha=fractions.Fraction(1, 100)),
       "vf Fraction": dict(validation_fraction=fractions.Fraction(1, 5), early_stopping=True), "max_iter np.int64": dict(max_iter=np.int64(3)),
       "alpha np.float32": dict(alpha=np.float32(0.01)), "random_state np.int64": dict(random_state=np.int64(3)),
       "random_state RandomState": dict(random_state=np.random.RandomState(0)), "tol np.float16": dict(tol=np.float16(0.01)),
       "hidden list of np.int32": dict(hidden_layer_sizes=[np.int32(3)]), "hidden tuple of bool": dict(hidden_layer_sizes=(True,)),
       "dtype np.float32 type": dict(dtype=np.float32), "batch_size np.int8": dict(batch_size=np.int8(16))}
for kind in ("NNC", "MLPClassifier"):
    for desc, kw in ODD.items():
        def f(kind=kind, kw=kw, desc=desc):
            m, yy = make_est(kind)
            if kind == "MLPClassifier" and "learning_rate" in kw: kw = {"learning_rate_init": kw["learning_rate"]}
            m.set_params(**kw); m.fit(X, yy)
            good = "good_%s.nnb" % kind; shutil.copy(bases[kind][1], good)
            try: nnbackend.save(m, good)
            except KNOWN:
                try: nnbackend.load(good)
                except Exception: raise DataLoss("failed save of %s destroyed the good file" % desc)
                raise
            try: m2 = nnbackend.load(good)
            except KNOWN as e: raise DataLoss("save(%s) replaced a good file with one load refuses: %s" % (desc, str(e)[:80]))
            if not np.array_equal(m2.predict(X), m.predict(X)): raise Silent("loaded predicts differently")
            gp = m.get_params(); saved = header_of(good)["params"]; loaded = m2.get_params()
            for k in kw:
                v = gp[k]
                if isinstance(v, (np.ndarray, range, fractions.Fraction)):
                    # scikit-learn's convention: get_params returns the value as given. Correct
                    # as long as the fit and the model file use the plain value
                    plain = [int(i) for i in v] if isinstance(v, (np.ndarray, range)) else float(v)
                    as_saved = list(saved.get(k)) if isinstance(saved.get(k), (list, tuple)) else saved.get(k)
                    as_loaded = list(loaded[k]) if isinstance(loaded[k], (list, tuple)) else loaded[k]
                    if as_saved != plain or as_loaded != plain or type(as_loaded) is not type(plain):
                        raise Silent("get_params()[%r] keeps %s and the file holds %r" % (k, type(v).__name__, saved.get(k)))
        attempt(F, "%s(%s).fit; save over good file; load" % (kind, desc), f, names=tuple(kw) + ("hidden_layer_sizes", "learning_rate"))
# save destinations
DEST = [("directory", lambda: (os.makedirs("adir", exist_ok=True), "adir")[1]), ("missing parent", lambda: "no/such/dir/m.nnb"),
        ("empty path", lambda: ""), ("/dev/full", lambda: "/dev/full"), ("None", lambda: None), ("int 3", lambda: 3),
        ("bytes path", lambda: b"bytes.nnb"), ("pathlib", lambda: __import__("pathlib").Path("p.nnb")), ("trailing slash", lambda: "x.nnb/"),
        ("readonly dir", lambda: (os.makedirs("ro", exist_ok=True), os.chmod("ro", 0o500), "ro/m.nnb")[2]),
        ("symlink to good", lambda: (shutil.copy(bases["NNC"][1], "tgt.nnb"), os.path.lexists("ln.nnb") or os.symlink("tgt.nnb", "ln.nnb"), "ln.nnb")[2]),
        ("unfitted over good", None), ("non-model object over good", None), ("very long name", lambda: "a" * 300 + ".nnb")]
for desc, mk in DEST:
    def f(desc=desc, mk=mk):
        m0 = bases["NNC"][0]
        if mk is None:
            shutil.copy(bases["NNC"][1], "g.nnb")
            obj = NNC() if desc.startswith("unfitted") else {"W1": 1}
            try: nnbackend.save(obj, "g.nnb")
            finally:
                try: nnbackend.load("g.nnb")
                except Exception: raise DataLoss("save(%s) destroyed g.nnb" % desc)
            raise Silent("save accepted %s" % desc)
        p = mk(); nnbackend.save(m0, p)
        if desc in ("directory", "/dev/full", "None", "int 3", "empty path", "trailing slash"): raise Silent("save accepted %s" % desc)
        m2 = nnbackend.load(p)
        if not np.array_equal(m2.predict(X), m0.predict(X)): raise Silent("differs")
    attempt(F, "save(model, %s)" % desc, f, names=("path", "model", "directory", "file", "fitted", "estimator", "/dev/full", "no/such", "ro/", "name"))
os.chmod("ro", 0o700) if os.path.exists("ro") else None
# load args
for desc, kw in [("max_bytes 0", dict(max_bytes=0)), ("max_bytes -1", dict(max_bytes=-1)), ("max_bytes 'x'", dict(max_bytes="x")),
                 ("ratio 0", dict(max_compression_ratio=0)), ("ratio nan", dict(max_compression_ratio=float("nan"))), ("max_bytes 10", dict(max_bytes=10)),
                 ("max_bytes 1.5", dict(max_bytes=1.5)), ("ratio -1", dict(max_compression_ratio=-1))]:
    def f(kw=kw, desc=desc):
        nnbackend.load(bases["NNC"][1], **kw)
        raise Silent("load accepted %s" % desc)
    attempt(F, "load(base, %s)" % desc, f, names=tuple(kw))
for desc, p in [("missing", "nope.nnb"), ("directory", "adir"), ("empty file", None), ("text file", None), ("npz file", None), ("zip without header", None)]:
    def f(desc=desc, p=p):
        if desc == "empty file": open("e.nnb", "w").close(); p = "e.nnb"
        if desc == "text file": open("t.nnb", "w").write("hello"); p = "t.nnb"
        if desc == "npz file": np.savez("n.npz", a=1); p = "n.npz"
        if desc == "zip without header":
            with zipfile.ZipFile("z.nnb", "w") as z: z.writestr("x", "1")
            p = "z.nnb"
        nnbackend.load(p); raise Silent("load accepted %s" % desc)
    attempt(F, "load(%s)" % desc, f, names=(p or "", "nnb", "header", "npz", "model file", "zip"))

# ---------------- family 7: CLI train/predict on malformed tables ----------------
F = "cli"
good_csv = "a,b,label\n" + "\n".join("%f,%f,%d" % (X[i, 0], X[i, 1], y[i]) for i in range(60)) + "\n"
CSV = {
 "good": good_csv, "empty": "", "header only": "a,b,label\n", "ragged": "a,b,label\n1,2,0\n3,0\n1,2,1,9\n" + good_csv.split("\n", 1)[1],
 "non-numeric feature": good_csv.replace("\n0.", "\nabc", 3), "nan feature": good_csv.replace("\n", "\nnan,", 1).replace("nan,a", "a", 1) if False else "a,b,label\nnan,1,0\n" + good_csv.split("\n", 1)[1],
 "inf feature": "a,b,label\ninf,1,0\n" + good_csv.split("\n", 1)[1], "1e400 feature": "a,b,label\n1e400,1,0\n" + good_csv.split("\n", 1)[1],
 "target one class": "a,b,label\n" + "\n".join("%f,%f,0" % (X[i, 0], X[i, 1]) for i in range(20)),
 "target strings": "a,b,label\n" + "\n".join("%f,%f,%s" % (X[i, 0], X[i, 1], "cat" if y[i] else "dog") for i in range(60)),
 "target float": "a,b,label\n" + "\n".join("%f,%f,%f" % (X[i, 0], X[i, 1], yr[i]) for i in range(60)),
 "target empty cells": "a,b,label\n" + "\n".join("%f,%f,%s" % (X[i, 0], X[i, 1], "" if i == 3 else y[i]) for i in range(60)),
 "BOM": "\ufeff" + good_csv, "semicolon": good_csv.replace(",", ";"), "quoted": good_csv.replace("label", '"label"'),
 "duplicate columns": good_csv.replace("a,b,label", "a,a,label"), "duplicate target col": good_csv.replace("a,b,label", "label,b,label"),
 "only target column": "label\n" + "\n".join(str(v) for v in y), "one row": "a,b,label\n1,2,0\n", "two rows": "a,b,label\n1,2,0\n3,4,1\n",
 "binary garbage": "\x00\x01\x02\xff" * 50, "very long line": "a,b,label\n" + ("1," * 100000) + "0\n",
 "CRLF": good_csv.replace("\n", "\r\n"), "blank lines": good_csv.replace("\n", "\n\n"), "comment line": "# hi\n" + good_csv,
 "feature bool words": "a,b,label\n" + "\n".join("%s,%f,%d" % ("true" if y[i] else "false", X[i, 1], y[i]) for i in range(60)),
 "no header numeric": good_csv.split("\n", 1)[1], "trailing comma": good_csv.replace("\n", ",\n"),
 "10 features": "f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,label\n" + "\n".join(",".join(["%f" % v for v in np.r_[X[i], X[i], X[i], X[i], X[i]]]) + ",%d" % y[i] for i in range(60)),
 "negative zero/hex": "a,b,label\n0x1F,-0,0\n" + good_csv.split("\n", 1)[1],
}
cli_cases = []
for name, text in CSV.items():
    fn = "d_%s.csv" % name.replace(" ", "_").replace("/", "_"); open(fn, "w", encoding="utf-8", errors="surrogateescape").write(text)
    cli_cases.append(("csv %s" % name, fn, "label"))
cli_cases += [("csv target missing col", "d_good.csv", "nope"), ("csv target index 99", "d_good.csv", "99"), ("csv target ''", "d_good.csv", ""),
              ("csv target -1", "d_good.csv", "-1")]
np.save("n_good.npy", np.c_[X, y]); np.save("n_1d.npy", y); np.save("n_3d.npy", np.zeros((5, 3, 2))); np.save("n_obj.npy", np.array([{"a": 1}] * 5, dtype=object), allow_pickle=True)
np.save("n_nan.npy", np.c_[np.where(np.arange(60)[:, None] == 2, np.nan, X), y]); np.save("n_str.npy", np.array([["a", "b", "0"]] * 5)); np.save("n_empty.npy", np.zeros((0, 3)))
np.save("n_complex.npy", np.c_[X, y] + 1j); np.save("n_bool.npy", np.c_[X > 0, y].astype(bool)); open("n_trunc.npy", "wb").write(open("n_good.npy", "rb").read()[:100])
np.save("n_1col.npy", y[:, None]); np.save("n_structured.npy", np.zeros(5, dtype=[("a", "f8"), ("b", "i4")]))
for nm, tgt in [("good", "-1"), ("good", "2"), ("good", "3"), ("good", "-4"), ("good", "label"), ("good", "1.5"), ("1d", "0"), ("3d", "-1"), ("obj", "0"), ("nan", "-1"),
                ("str", "-1"), ("empty", "-1"), ("complex", "-1"), ("bool", "-1"), ("trunc", "-1"), ("1col", "0"), ("structured", "a")]:
    cli_cases.append(("npy %s target %s" % (nm, tgt), "n_%s.npy" % nm, tgt))
np.savez("z_good.npz", X=X, y=y); np.savez("z_noX.npz", A=X, y=y); np.savez("z_three.npz", A=X, B=X, y=y); np.savez("z_len.npz", X=X, y=y[:50])
np.savez("z_obj.npz", X=np.array([None] * 60, dtype=object), y=y); np.savez("z_empty.npz"); np.savez("z_y2d.npz", X=X, y=np.c_[y, y]); np.savez("z_X1d.npz", X=X[:, 0], y=y)
open("z_corrupt.npz", "wb").write(b"PK\x03\x04garbage")
for nm, tgt in [("good", "y"), ("good", "X"), ("good", "nope"), ("noX", "y"), ("three", "y"), ("len", "y"), ("obj", "y"), ("empty", "y"), ("y2d", "y"), ("X1d", "y"), ("corrupt", "y")]:
    cli_cases.append(("npz %s target %s" % (nm, tgt), "z_%s.npz" % nm, tgt))
open("weird.txt", "w").write(good_csv); cli_cases += [("unknown suffix .txt", "weird.txt", "label"), ("missing file", "nope.csv", "label"), ("directory", "adir", "label")]
shutil.copy(bases["NNC"][1], "cli_good.nnb")
for desc, fn, tgt in cli_cases:
    def f(desc=desc, fn=fn, tgt=tgt):
        save_to = "cli_good.nnb"; shutil.copy(bases["NNC"][1], save_to)
        r = run_cli(["train", "--data", fn, "--target", tgt, "--iters", "5", "--hidden", "3", "--quiet", "--save", save_to])
        if "Traceback" in r.stderr: raise RuntimeError("traceback: " + r.stderr.strip().splitlines()[-1][:150])
        if r.returncode not in (0, 2, 130): raise RuntimeError("exit %d: %s" % (r.returncode, r.stderr.strip()[-150:]))
        try: nnbackend.load(save_to)
        except Exception: raise DataLoss("train left a --save file that does not load")
        if r.returncode == 2:
            raise ValueError(r.stderr.strip()[-200:])
        # train ok -> predict on the same file
        r2 = run_cli(["predict", save_to, fn, "--target", tgt])
        if "Traceback" in r2.stderr: raise RuntimeError("predict traceback: " + r2.stderr.strip().splitlines()[-1][:150])
        if r2.returncode not in (0, 2, 130): raise RuntimeError("predict exit %d" % r2.returncode)
        if r2.returncode == 2: raise Silent("train accepted %s but predict refuses it: %s" % (fn, r2.stderr.strip()[-120:]))
        lines = [l for l in r2.stdout.splitlines() if l.strip()]
        if "good" not in desc and "10 features" not in desc and "CRLF" not in desc and desc.split()[0] == "csv" and any(k in desc for k in ("nan", "inf", "1e400", "empty cells", "garbage")):
            raise Silent("train accepted %s (rc 0)" % desc)
        if len(lines) < 2: raise Silent("predict wrote %d lines" % len(lines))
    attempt(F, "nnbackend train --data %s --target %r --save good.nnb; predict" % (fn, tgt), f,
            names=(fn, "--data", "--target", "target", "column", "data", "file", "row", "feature", "label"), bound=130)
# predict on malformed input with a good model (trained on 2 features)
r = run_cli(["train", "--data", "d_good.csv", "--target", "label", "--iters", "5", "--hidden", "3", "--quiet", "--save", "pm.nnb"])
PRED = [("d_good.csv", ["--target", "label"]), ("d_good.csv", []), ("d_10_features.csv", ["--target", "label"]), ("d_empty.csv", []), ("d_header_only.csv", []),
        ("d_ragged.csv", ["--target", "label"]), ("d_nan_feature.csv", ["--target", "label"]), ("d_binary_garbage.csv", []), ("n_good.npy", ["--target", "-1"]),
        ("n_good.npy", []), ("n_3d.npy", []), ("n_obj.npy", []), ("z_good.npz", ["--target", "y"]), ("z_noX.npz", []), ("d_good.csv", ["--output", "adir"]),
        ("d_good.csv", ["--output", "out.txt"]), ("d_good.csv", ["--output", "pm.nnb"]), ("d_good.csv", ["--output", "no/such/o.csv"]), ("d_good.csv", ["--output", "o.npy"]),
        ("d_good.csv", ["--output", "d_good.csv"]), ("d_good.csv", ["--target", "nope"])]
for fn, extra in PRED:
    for model in ("pm.nnb", "e.nnb", "nope.nnb"):
        def f(fn=fn, extra=extra, model=model):
            if model == "pm.nnb" and not os.path.exists("pm.nnb"): raise RuntimeError("train for predict failed")
            shutil.copy("d_good.csv", "d_good_backup.csv")
            r = run_cli(["predict", model, fn] + extra)
            if "Traceback" in r.stderr: raise RuntimeError("traceback: " + r.stderr.strip().splitlines()[-1][:150])
            if r.returncode not in (0, 2, 130): raise RuntimeError("exit %d" % r.returncode)
            if model == "pm.nnb":
                try: nnbackend.load("pm.nnb")
                except Exception: shutil.copy(bases["NNC"][1], "pm.nnb"); raise DataLoss("predict --output destroyed the model file")
            if open("d_good.csv").read() != good_csv: open("d_good.csv", "w").write(good_csv); raise DataLoss("predict overwrote its own input table")
            if r.returncode == 2: raise ValueError(r.stderr.strip()[-200:])
            if model != "pm.nnb": raise Silent("predict accepted model %s" % model)
            if fn in ("d_empty.csv", "d_header_only.csv", "d_nan_feature.csv", "d_binary_garbage.csv", "n_3d.npy", "n_obj.npy", "d_10_features.csv") or "nope" in extra:
                raise Silent("predict accepted %s %s" % (fn, extra))
        attempt(F, "nnbackend predict %s %s %s" % (model, fn, " ".join(extra)), f,
                names=(fn, model, "model", "file", "--output", "output", "target", "column", "feature", "row", "argument"), bound=70)

# ---------------- family 8: course façade ----------------
F = "course"
from nnbackend.course import logistic_regression as clr, shallow_network as csn, deep_network as cdn
Xc, Yc = X.T.copy(), y[None, :].astype(float)
COURSE = {
 "lr.model good": lambda: clr.model(Xc, Yc, Xc, Yc, num_iterations=5),
 "lr.model X transposed": lambda: clr.model(X, Yc, X, Yc, num_iterations=5),
 "lr.model Y 1d": lambda: clr.model(Xc, y, Xc, y, num_iterations=5),
 "lr.model Y (m,1)": lambda: clr.model(Xc, Yc.T, Xc, Yc.T, num_iterations=5),
 "lr.model test n_x mismatch": lambda: clr.model(Xc, Yc, Xc[:1], Yc, num_iterations=5),
 "lr.model num_iterations 0": lambda: clr.model(Xc, Yc, Xc, Yc, num_iterations=0),
 "lr.model num_iterations -1": lambda: clr.model(Xc, Yc, Xc, Yc, num_iterations=-1),
 "lr.model num_iterations 2.5": lambda: clr.model(Xc, Yc, Xc, Yc, num_iterations=2.5),
 "lr.model lr nan": lambda: clr.model(Xc, Yc, Xc, Yc, num_iterations=5, learning_rate=float("nan")),
 "lr.model lr -1": lambda: clr.model(Xc, Yc, Xc, Yc, num_iterations=5, learning_rate=-1),
 "lr.model lr 'x'": lambda: clr.model(Xc, Yc, Xc, Yc, num_iterations=5, learning_rate="x"),
 "lr.model X dict": lambda: clr.model({"a": 1}, Yc, Xc, Yc, num_iterations=5),
 "lr.model X NaN": lambda: clr.model(np.where(Xc > 0.5, np.nan, Xc), Yc, Xc, Yc, num_iterations=5),
 "lr.model Y labels 2": lambda: clr.model(Xc, Yc * 2, Xc, Yc, num_iterations=5),
 "lr.model X 3d": lambda: clr.model(Xc[None], Yc, Xc, Yc, num_iterations=5),
 "lr.model empty m": lambda: clr.model(Xc[:, :0], Yc[:, :0], Xc, Yc, num_iterations=5),
 "lr.propagate w wrong shape": lambda: clr.propagate(np.zeros((3, 1)), 0.0, Xc, Yc),
 "lr.propagate w 1d": lambda: clr.propagate(np.zeros(2), 0.0, Xc, Yc),
 "lr.propagate b array(2)": lambda: clr.propagate(np.zeros((2, 1)), np.zeros(2), Xc, Yc),
 "lr.propagate b 'x'": lambda: clr.propagate(np.zeros((2, 1)), "x", Xc, Yc),
 "lr.propagate b complex": lambda: clr.propagate(np.zeros((2, 1)), 1j, Xc, Yc),
 "lr.predict w None": lambda: clr.predict(None, 0.0, Xc),
 "lr.predict X list": lambda: clr.predict(np.zeros((2, 1)), 0.0, Xc.tolist()),
 "lr.optimize print_cost 'yes'": lambda: clr.optimize(np.zeros((2, 1)), 0.0, Xc, Yc, num_iterations=3, print_cost="yes"),
 "lr.initialize_with_zeros 0": lambda: clr.initialize_with_zeros(0),
 "lr.initialize_with_zeros -1": lambda: clr.initialize_with_zeros(-1),
 "lr.initialize_with_zeros 2.5": lambda: clr.initialize_with_zeros(2.5),
 "lr.initialize_with_zeros '3'": lambda: clr.initialize_with_zeros("3"),
 "lr.sigmoid str": lambda: clr.sigmoid("x"),
 "lr.sigmoid dict": lambda: clr.sigmoid({"a": 1}),
 "lr.sigmoid -1000": lambda: clr.sigmoid(np.array([-1000.0, 1000.0])),
 "sn.nn_model good": lambda: csn.nn_model(Xc, Yc, 3, num_iterations=5),
 "sn.nn_model X transposed": lambda: csn.nn_model(X, Yc, 3, num_iterations=5),
 "sn.nn_model Y 1d": lambda: csn.nn_model(Xc, y, 3, num_iterations=5),
 "sn.nn_model n_h 0": lambda: csn.nn_model(Xc, Yc, 0, num_iterations=5),
 "sn.nn_model n_h -1": lambda: csn.nn_model(Xc, Yc, -1, num_iterations=5),
 "sn.nn_model n_h 2.5": lambda: csn.nn_model(Xc, Yc, 2.5, num_iterations=5),
 "sn.nn_model n_h True": lambda: csn.nn_model(Xc, Yc, True, num_iterations=5),
 "sn.nn_model n_h 10**12": lambda: csn.nn_model(Xc, Yc, 10**12, num_iterations=5),
 "sn.nn_model num_iterations 0": lambda: csn.nn_model(Xc, Yc, 3, num_iterations=0),
 "sn.nn_model seed -1": lambda: csn.nn_model(Xc, Yc, 3, num_iterations=5, seed=-1),
 "sn.nn_model seed 'a'": lambda: csn.nn_model(Xc, Yc, 3, num_iterations=5, seed="a"),
 "sn.nn_model X dict": lambda: csn.nn_model({"X": Xc}, Yc, 3, num_iterations=5),
 "sn.nn_model Y 2 rows": lambda: csn.nn_model(Xc, np.r_[Yc, Yc], 3, num_iterations=5),
 "sn.layer_sizes Y wrong m": lambda: csn.layer_sizes(Xc, Yc[:, :5]),
 "sn.predict params missing W2": lambda: csn.predict({"W1": np.zeros((3, 2)), "b1": np.zeros((3, 1))}, Xc),
 "sn.predict params wrong shape": lambda: csn.predict({"W1": np.zeros((3, 5)), "b1": np.zeros((3, 1)), "W2": np.zeros((1, 3)), "b2": np.zeros((1, 1))}, Xc),
 "sn.predict params b1 wrong": lambda: csn.predict({"W1": np.zeros((3, 2)), "b1": np.zeros((4, 1)), "W2": np.zeros((1, 3)), "b2": np.zeros((1, 1))}, Xc),
 "sn.predict params list": lambda: csn.predict([np.zeros((3, 2))], Xc),
 "sn.predict params extra key": lambda: csn.predict({"W1": np.zeros((3, 2)), "b1": np.zeros((3, 1)), "W2": np.zeros((1, 3)), "b2": np.zeros((1, 1)), "W3": 1}, Xc),
 "sn.predict params str values": lambda: csn.predict({"W1": "a", "b1": "b", "W2": "c", "b2": "d"}, Xc),
 "sn.predict params NaN": lambda: csn.predict({"W1": np.full((3, 2), np.nan), "b1": np.zeros((3, 1)), "W2": np.zeros((1, 3)), "b2": np.zeros((1, 1))}, Xc),
 "sn.initialize_parameters 0,0,0": lambda: csn.initialize_parameters(0, 0, 0),
 "sn.initialize_parameters n_y 2": lambda: csn.initialize_parameters(2, 3, 2),
 "dn.L_layer good": lambda: cdn.L_layer_model(Xc, Yc, [2, 3, 1], num_iterations=5),
 "dn.L_layer dims wrong n_x": lambda: cdn.L_layer_model(Xc, Yc, [5, 3, 1], num_iterations=5),
 "dn.L_layer dims wrong n_y": lambda: cdn.L_layer_model(Xc, Yc, [2, 3, 2], num_iterations=5),
 "dn.L_layer dims empty": lambda: cdn.L_layer_model(Xc, Yc, [], num_iterations=5),
 "dn.L_layer dims one": lambda: cdn.L_layer_model(Xc, Yc, [2], num_iterations=5),
 "dn.L_layer dims 0 hidden": lambda: cdn.L_layer_model(Xc, Yc, [2, 0, 1], num_iterations=5),
 "dn.L_layer dims floats": lambda: cdn.L_layer_model(Xc, Yc, [2, 3.5, 1], num_iterations=5),
 "dn.L_layer dims str": lambda: cdn.L_layer_model(Xc, Yc, "231", num_iterations=5),
 "dn.L_layer dims dict": lambda: cdn.L_layer_model(Xc, Yc, {0: 2, 1: 1}, num_iterations=5),
 "dn.L_layer dims np.array": lambda: cdn.L_layer_model(Xc, Yc, np.array([2, 3, 1]), num_iterations=5),
 "dn.L_layer dims tuple": lambda: cdn.L_layer_model(Xc, Yc, (2, 3, 1), num_iterations=5),
 "dn.L_layer lr 0": lambda: cdn.L_layer_model(Xc, Yc, [2, 3, 1], learning_rate=0, num_iterations=5),
 "dn.L_layer lr inf": lambda: cdn.L_layer_model(Xc, Yc, [2, 3, 1], learning_rate=float("inf"), num_iterations=5),
 "dn.L_layer X transposed": lambda: cdn.L_layer_model(X, Yc, [2, 3, 1], num_iterations=5),
 "dn.L_layer Y 1d": lambda: cdn.L_layer_model(Xc, y, [2, 3, 1], num_iterations=5),
 "dn.L_layer Y labels 3": lambda: cdn.L_layer_model(Xc, Yc * 3, [2, 3, 1], num_iterations=5),
 "dn.two_layer good": lambda: cdn.two_layer_model(Xc, Yc, (2, 3, 1), num_iterations=5),
 "dn.two_layer dims 4 long": lambda: cdn.two_layer_model(Xc, Yc, (2, 3, 3, 1), num_iterations=5),
 "dn.predict params missing W2": lambda: cdn.predict(Xc, Yc, {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1)), "b2": 0}),
 "dn.predict params gap W1,W3": lambda: cdn.predict(Xc, Yc, {"W1": np.zeros((3, 2)), "b1": np.zeros((3, 1)), "W3": np.zeros((1, 3)), "b3": np.zeros((1, 1))}),
 "dn.predict params wrong chain": lambda: cdn.predict(Xc, Yc, {"W1": np.zeros((3, 2)), "b1": np.zeros((3, 1)), "W2": np.zeros((1, 4)), "b2": np.zeros((1, 1))}),
 "dn.predict empty dict": lambda: cdn.predict(Xc, Yc, {}),
 "dn.predict y wrong m": lambda: cdn.predict(Xc, Yc[:, :3], {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))}),
 "dn.L_model_forward params list": lambda: cdn.L_model_forward(Xc, [np.zeros((1, 2))]),
 "dn.compute_cost AL >1": lambda: cdn.compute_cost(np.full((1, 60), 2.0), Yc),
 "dn.compute_cost shapes mismatch": lambda: cdn.compute_cost(np.full((1, 5), 0.5), Yc),
 "dn.compute_cost AL 0": lambda: cdn.compute_cost(np.zeros((1, 60)), Yc),
 "dn.linear_forward W mismatch": lambda: cdn.linear_forward(Xc, np.zeros((3, 5)), np.zeros((3, 1))),
 "dn.linear_activation_forward act 'x'": lambda: cdn.linear_activation_forward(Xc, np.zeros((3, 2)), np.zeros((3, 1)), "x"),
 "dn.initialize_parameters_deep [2]": lambda: cdn.initialize_parameters_deep([2]),
 "dn.initialize_parameters_deep [2,-1]": lambda: cdn.initialize_parameters_deep([2, -1]),
 "dn.update_parameters lr nan": lambda: cdn.update_parameters(cdn.initialize_parameters_deep([2, 1]), {"dW1": np.zeros((1, 2)), "db1": np.zeros((1, 1))}, float("nan")),
 "dn.update_parameters grads missing": lambda: cdn.update_parameters(cdn.initialize_parameters_deep([2, 1]), {}, 0.1),
 "dn.update_parameters grads wrong shape": lambda: cdn.update_parameters(cdn.initialize_parameters_deep([2, 1]), {"dW1": np.zeros((2, 2)), "db1": np.zeros((1, 1))}, 0.1),
 "dn.load_catvnoncat missing": lambda: cdn.load_catvnoncat("/nonexistent"),
}
OK_COURSE = ("lr.predict X list", "sn.initialize_parameters n_y 2", "lr.model Y 1d", "sn.nn_model Y 1d", "dn.L_layer Y 1d", "sn.nn_model Y 2 rows", "dn.compute_cost AL 0")
MUST_REFUSE_COURSE = ("transposed", "1d", "mismatch", "-1", "nan", "'x'", "dict", "NaN", "labels", "3d", "empty", "wrong", "missing", "list", "str", "0,0,0", "n_h 0", "2.5", "gap", "chain", "AL >1", "4 long", "10**12", "dims one", "0 hidden", "floats", "'a'", "'3'", "complex", "None", "Y 2 rows", "n_y 2", "lr 0", "lr inf", "AL 0", "extra key")
for desc, fn in COURSE.items():
    def f(desc=desc, fn=fn):
        r = fn()
        # check finiteness of anything array-like returned
        vals = r if isinstance(r, (tuple, list)) else [r]
        for v in vals:
            items = v.values() if isinstance(v, dict) else [v]
            for a in items:
                try: arr = np.asarray(nnbackend.to_numpy(a) if not isinstance(a, (int, float, str, list, type(None))) else a, dtype=float)
                except Exception: continue
                if arr.size and not np.all(np.isfinite(arr)) and "AL 0" not in desc and "-1000" not in desc:
                    raise Silent("non-finite output")
        if any(k in desc for k in MUST_REFUSE_COURSE) and desc not in OK_COURSE and "good" not in desc and "-1000" not in desc:
            raise Silent("accepted")
    attempt(F, "course %s" % desc, f, names=("x", "y", "w", "b", "n_h", "layer", "dims", "num_iterations", "learning_rate", "seed", "param", "w1", "w2", "b1", "al", "grads", "dw1", "activation", "dim", "shape", "print_cost", "z", "path", "nonexistent", "n_x", "n_y"))

# ---------------- family 9: datasets ----------------
F = "datasets"
GEN = {"make_moons": datasets.make_moons, "make_planar": datasets.make_planar, "make_blobs": datasets.make_blobs, "make_classification": datasets.make_classification}
NS = [0, -1, 1, 2, 3, 1.5, "10", True, None, np.int64(10), 10**12, float("nan")]
for g, fn in GEN.items():
    for n in NS:
        def f(fn=fn, n=n, g=g):
            kw = {"n_features": 4} if g == "make_classification" else {}
            Xd, yd = fn(n, **kw)
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1: raise Silent("accepted n_samples=%r" % (n,))
            if Xd.shape[0] != n or yd.shape[0] != n or not np.all(np.isfinite(Xd)): raise Silent("shape %s for n=%r" % (Xd.shape, n))
        attempt(F, "%s(n_samples=%r)" % (g, n), f, names=("n_samples",))
    for seed in [-1, 2**33, 2**64, "a", 1.5, None, np.int64(5), True, np.random.default_rng(0)]:
        def f(fn=fn, seed=seed, g=g):
            kw = {"n_features": 4} if g == "make_classification" else {}
            a = fn(20, seed=seed, **kw); b = fn(20, seed=seed, **kw)
            if isinstance(seed, (bool, float, str)) or (isinstance(seed, int) and seed < 0): raise Silent("accepted seed=%r" % (seed,))
            if seed is not None and not isinstance(seed, np.random.Generator) and not np.array_equal(a[0], b[0]): raise Silent("same seed, different data")
        attempt(F, "%s(20, seed=%r)" % (g, seed), f, names=("seed",))
for g in ("make_moons", "make_planar", "make_blobs"):
    for v in (-1, float("nan"), float("inf"), "x", 0, 1e300):
        arg = "cluster_std" if g == "make_blobs" else "noise"
        def f(g=g, v=v, arg=arg):
            Xd, yd = GEN[g](20, **{arg: v})
            if not isinstance(v, (int, float)) or v < 0 or v != v or v == float("inf"): raise Silent("accepted %s=%r" % (arg, v))
            if not np.all(np.isfinite(Xd)): raise Silent("non-finite X for %s=%r" % (arg, v))
        attempt(F, "%s(20, %s=%r)" % (g, arg, v), f, names=(arg,))
for kw in [dict(centers=0), dict(centers=1), dict(centers=-1), dict(centers=25), dict(centers=2.5), dict(n_features=0), dict(n_features=-1), dict(n_features=10**9), dict(centers=np.zeros((2, 2)))]:
    def f(kw=kw):
        Xd, yd = datasets.make_blobs(20, **kw)
        if any((isinstance(v, (int, float)) and (v < 1 or v != int(v) or v > 1000)) for v in kw.values()): raise Silent("accepted %r" % kw)
        if Xd.shape[0] != 20: raise Silent("wrong shape")
    attempt(F, "make_blobs(20, %r)" % kw, f, names=tuple(kw))
for kw in [dict(n_features=2, n_informative=5), dict(n_features=0), dict(n_classes=1), dict(n_classes=100, n_features=4), dict(n_classes=0), dict(class_sep=float("nan"), n_features=4),
           dict(class_sep=-1, n_features=4), dict(n_informative=0, n_features=4), dict(n_informative=-1, n_features=4), dict(n_features=4, n_classes=2.5), dict(n_features=4, n_informative=2.5),
           dict(n_features=4, class_sep="x"), dict(n_features=3, n_classes=8)]:
    def f(kw=kw):
        Xd, yd = datasets.make_classification(20, **kw)
        if not np.all(np.isfinite(Xd)): raise Silent("non-finite X")
        nc = kw.get("n_classes", 2)
        if len(np.unique(yd)) > nc: raise Silent("more classes than asked")
        if kw in (dict(n_classes=100, n_features=4), dict(n_features=3, n_classes=8)) and len(np.unique(yd)) < nc: raise Silent("asked %d classes, got %d" % (nc, len(np.unique(yd))))
        if any(isinstance(v, float) and (v != v or v != int(v)) for v in kw.values()) or any(isinstance(v, int) and v < (1 if k != "class_sep" else 0) for k, v in kw.items()) or "class_sep" in kw and kw["class_sep"] == "x":
            raise Silent("accepted %r" % kw)
        if kw.get("n_informative", 0) > kw.get("n_features", 20): raise Silent("accepted n_informative > n_features")
    attempt(F, "make_classification(20, %r)" % kw, f, names=tuple(kw))
TTS = [dict(test_size=0), dict(test_size=1), dict(test_size=-0.1), dict(test_size=1.5), dict(test_size=float("nan")), dict(test_size=0.999), dict(test_size=0.001),
       dict(test_size=3), dict(test_size=59), dict(test_size=60), dict(test_size="0.2"), dict(test_size=None), dict(test_size=True), dict(seed=-1), dict(seed="a"), dict(seed=1.5),
       dict(seed=None), dict(seed=2**40), dict(test_size=np.float32(0.3)), dict(test_size=fractions.Fraction(1, 4))]
for kw in TTS:
    def f(kw=kw):
        a, b, c, d = datasets.train_test_split(X, y, **kw)
        ts = kw.get("test_size", 0.25)
        if len(a) + len(b) != 60 or len(a) != len(c) or len(b) != len(d): raise Silent("sizes %d+%d" % (len(a), len(b)))
        if len(a) == 0 or len(b) == 0: raise Silent("empty split for %r" % kw)
        if isinstance(ts, bool) or isinstance(ts, str) or (isinstance(ts, float) and (ts != ts or ts <= 0 or ts >= 1)): raise Silent("accepted %r" % kw)
        if "seed" in kw and (isinstance(kw["seed"], (str, float)) or (kw["seed"] is not None and kw["seed"] < 0)): raise Silent("accepted %r" % kw)
        rows = {tuple(r) for r in np.r_[a, b]}
        if len(rows) != 60: raise Silent("rows duplicated or lost")
    attempt(F, "train_test_split(X, y, %r)" % kw, f, names=tuple(kw))
for desc, args in [("len mismatch", (X, y[:50])), ("lists", (X.tolist(), y.tolist())), ("X None", (None, y)), ("X 1d", (X[:, 0], y)), ("one sample", (X[:1], y[:1])),
                   ("empty", (X[:0], y[:0])), ("X scalar", (3, y)), ("X sparse", (sp.csr_matrix(X), y)), ("y 2d", (X, np.c_[y, y])), ("two samples", (X[:2], y[:2])),
                   ("X dict", ({"a": 1}, y)), ("X string", ("abc", y[:3]))]:
    def f(args=args, desc=desc):
        a, b, c, d = datasets.train_test_split(*args)
        if desc in ("len mismatch", "X None", "one sample", "empty", "X scalar", "X dict", "X string"): raise Silent("accepted %s" % desc)
        if len(a) + len(b) != len(args[0]) if hasattr(args[0], "__len__") else False: raise Silent("sizes")
        if len(b) == 0 or len(a) == 0: raise Silent("empty split")
    attempt(F, "train_test_split(%s)" % desc, f, names=("x", "y", "sample", "length", "rows", "test_size", "split"))

# ---------------- family 10: plotting ----------------
F = "plotting"
import matplotlib.pyplot as plt
from nnbackend import plotting
mp = bases["NNC"][0]; msk = bases["MLPClassifier"][0]; mr = bases["NNR"][0]
shutil.copy(bases["NNC"][1], "keep.nnb")
PL = [("png", lambda: plotting.plot_decision_boundary(mp, X, y, path="b.png", resolution=20), "b.png", True),
      ("pdf", lambda: plotting.plot_decision_boundary(mp, X, y, path="b.pdf", resolution=20), "b.pdf", True),
      ("svg loss", lambda: plotting.plot_loss_curve(mp, path="l.svg"), "l.svg", True),
      ("unsupported .xyz", lambda: plotting.plot_decision_boundary(mp, X, y, path="b.xyz", resolution=20), "b.xyz", False),
      ("no suffix", lambda: plotting.plot_decision_boundary(mp, X, y, path="bnosuffix", resolution=20), "bnosuffix", None),
      ("missing parent", lambda: plotting.plot_decision_boundary(mp, X, y, path="no/such/b.png", resolution=20), "no/such/b.png", False),
      ("existing directory", lambda: plotting.plot_decision_boundary(mp, X, y, path="adir", resolution=20), None, False),
      ("over model file .nnb", lambda: plotting.plot_decision_boundary(mp, X, y, path="keep.nnb", resolution=20), "keep.nnb", False),
      ("over csv data", lambda: plotting.plot_loss_curve(mp, path="d_good.csv"), "d_good.csv", False),
      ("path int", lambda: plotting.plot_loss_curve(mp, path=5), None, False),
      ("path empty", lambda: plotting.plot_loss_curve(mp, path=""), None, False),
      ("resolution 0", lambda: plotting.plot_decision_boundary(mp, X, y, resolution=0), None, False),
      ("resolution -1", lambda: plotting.plot_decision_boundary(mp, X, y, resolution=-1), None, False),
      ("resolution 1", lambda: plotting.plot_decision_boundary(mp, X, y, resolution=1), None, None),
      ("resolution 2.5", lambda: plotting.plot_decision_boundary(mp, X, y, resolution=2.5), None, False),
      ("resolution 'x'", lambda: plotting.plot_decision_boundary(mp, X, y, resolution="x"), None, False),
      ("resolution 10**9", lambda: plotting.plot_decision_boundary(mp, X, y, resolution=10**9), None, False),
      ("X 3 features", lambda: plotting.plot_decision_boundary(mp, np.c_[X, X[:, 0]], y, resolution=20), None, False),
      ("X 1 feature", lambda: plotting.plot_decision_boundary(mp, X[:, :1], y, resolution=20), None, False),
      ("y wrong length", lambda: plotting.plot_decision_boundary(mp, X, y[:10], resolution=20), None, False),
      ("X NaN", lambda: plotting.plot_decision_boundary(mp, np.where(X > 1, np.nan, X), y, resolution=20), None, False),
      ("X constant", lambda: plotting.plot_decision_boundary(mp, np.zeros_like(X), y, resolution=20), None, None),
      ("X empty", lambda: plotting.plot_decision_boundary(mp, X[:0], y[:0], resolution=20), None, False),
      ("unfitted model boundary", lambda: plotting.plot_decision_boundary(NNC(), X, y, resolution=20), None, False),
      ("unfitted model loss", lambda: plotting.plot_loss_curve(NNC()), None, False),
      ("sklearn model boundary", lambda: plotting.plot_decision_boundary(msk, X, y, resolution=20), None, True),
      ("sklearn model loss", lambda: plotting.plot_loss_curve(msk), None, True),
      ("regressor boundary", lambda: plotting.plot_decision_boundary(mr, X, yr, resolution=20), None, None),
      ("LR loss", lambda: plotting.plot_loss_curve(bases["LR"][0]), None, True),
      ("plain object loss", lambda: plotting.plot_loss_curve(object()), None, False),
      ("dict model boundary", lambda: plotting.plot_decision_boundary({"W1": 1}, X, y, resolution=20), None, False),
      ("course layout X", lambda: plotting.plot_decision_boundary(lambda Z: (Z[:, 0] > 0).astype(int), Xc, Yc, resolution=20), None, True),
      ("ax not axes", lambda: plotting.plot_loss_curve(mp, ax="ax"), None, False),
      ("ax and path", lambda: plotting.plot_loss_curve(mp, ax=plt.subplots()[1], path="ap.png"), "ap.png", True),
      ("plot_costs empty", lambda: plotting.plot_costs([]), None, False),
      ("plot_costs NaN", lambda: plotting.plot_costs([1.0, float("nan")]), None, None),
      ("plot_costs strings", lambda: plotting.plot_costs(["a"]), None, False),
      ("plot_costs dict", lambda: plotting.plot_costs({"a": 1}), None, False),
      ("print_mislabeled mismatched", lambda: plotting.print_mislabeled_images(np.array([b"a", b"b"]), np.zeros((12, 3)), np.zeros((1, 3)), np.ones((1, 2))), None, False),
      ("print_mislabeled X not images", lambda: plotting.print_mislabeled_images(np.array([b"a", b"b"]), np.zeros((5, 3)), np.zeros((1, 3)), np.ones((1, 3))), None, False)]
for desc, fn, out, ok in PL:
    def f(desc=desc, fn=fn, out=out, ok=ok):
        before = open("keep.nnb", "rb").read(); csv_before = open("d_good.csv").read()
        try: fn()
        finally:
            plt.close("all")
            if open("keep.nnb", "rb").read() != before:
                ok_load = True
                try: nnbackend.load("keep.nnb")
                except Exception: ok_load = False
                shutil.copy(bases["NNC"][1], "keep.nnb")
                if not ok_load: raise DataLoss("plot overwrote the model file keep.nnb")
            if open("d_good.csv").read() != csv_before: open("d_good.csv", "w").write(good_csv); raise DataLoss("plot overwrote d_good.csv")
        if ok is False: raise Silent("plot accepted %s" % desc)
        if out and ok and not os.path.exists(out): raise Silent("no file written at %s" % out)
    attempt(F, "plotting %s" % desc, f, names=("path", "resolution", "x", "y", "model", "fitted", "ax", "costs", "classes", "suffix", "format", "directory", "feature", "loss_curve", "predict"))

# ---------------- family 11: verbose / early_stopping on the drop-in ----------------
F = "sklearn-verbose-es"
import contextlib
for est in (MLPClassifier, MLPRegressor):
    for solver in ("adam", "sgd", "lbfgs"):
        for es, vf, nic in [(True, 0.1, 2), (True, 0.5, 1), (True, 0.02, 2), (True, 0.9, 2), (False, 0.1, 2), (True, 0.1, 100)]:
            for verbose in (True, False):
                def f(est=est, solver=solver, es=es, vf=vf, nic=nic, verbose=verbose):
                    yy = y if est is MLPClassifier else yr
                    buf = io.StringIO()
                    with contextlib.redirect_stdout(buf):
                        m = est(hidden_layer_sizes=(3,), max_iter=8, random_state=0, solver=solver, early_stopping=es, validation_fraction=vf,
                                n_iter_no_change=nic, verbose=verbose).fit(X, yy)
                    finite_model(m); check_pred(m, X, (60,), proba=False)
                    if verbose and solver != "lbfgs" and "Iteration" not in buf.getvalue(): raise Silent("verbose=True printed nothing")
                    if not verbose and buf.getvalue().strip(): raise Silent("verbose=False printed output")
                    if es and solver != "lbfgs":
                        if not m.validation_scores_ or len(m.validation_scores_) != m.n_iter_: raise Silent("validation_scores_ len %s vs n_iter_ %s" % (len(m.validation_scores_ or []), m.n_iter_))
                    if len(m.loss_curve_ if solver != "lbfgs" else [0]) < 1: raise Silent("empty loss_curve_")
                    roundtrip(m, X, "es.nnb")
                attempt(F, "%s(solver=%s, early_stopping=%s, validation_fraction=%s, n_iter_no_change=%s, verbose=%s).fit; save/load" % (est.__name__, solver, es, vf, nic, verbose),
                        f, names=("validation_fraction", "early_stopping", "n_iter_no_change", "sample", "validation"))

# ---------------- a few torch cases ----------------
F = "torch"
try:
    import torch
    for desc, fn in [
        ("NNC on torch, save/load", lambda: roundtrip(NNC(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(torch.tensor(X), torch.tensor(y)), X, "tt.nnb")),
        ("MLPClassifier torch X", lambda: check_pred(MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(torch.tensor(X), y), X, (60,))),
        ("NNC sample_weight torch NaN", lambda: (NNC(hidden_layer_sizes=(3,), max_iter=5).fit(torch.tensor(X), torch.tensor(y), sample_weight=torch.tensor(np.r_[np.nan, np.ones(59)])), (_ for _ in ()).throw(Silent("accepted NaN weight")))),
        ("NNC sample_weight torch wrong len", lambda: (NNC(hidden_layer_sizes=(3,), max_iter=5).fit(torch.tensor(X), torch.tensor(y), sample_weight=torch.ones(5)), (_ for _ in ()).throw(Silent("accepted")))),
        ("NNC torch float16 X", lambda: check_pred(NNC(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(torch.tensor(X, dtype=torch.float16), torch.tensor(y)), X, (60,), proba=False)),
        ("NNC torch requires_grad X", lambda: check_pred(NNC(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(torch.tensor(X, requires_grad=True), torch.tensor(y)), X, (60,), proba=False)),
        ("NNC torch partial_fit + save", lambda: roundtrip(NNC(hidden_layer_sizes=(3,), max_iter=3, random_state=0).partial_fit(torch.tensor(X), torch.tensor(y), classes=[0, 1]), X, "tp.nnb")),
        ("use_backend torch then NNC fit numpy + save", lambda: (lambda cm: (cm.__enter__(), roundtrip(NNC(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(X, y), X, "tb.nnb"), cm.__exit__(None, None, None)))(nnbackend.use_backend("torch"))),
    ]:
        attempt(F, desc, fn, names=("sample_weight", "dtype", "float16", "x", "y", "backend"))
except ImportError:
    pass

# ---------------- report ----------------
report()
