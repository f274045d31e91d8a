"""The harness of the adversarial passes (docs/reliability.md, issue 21).

``attempt(family, desc, fn, names)`` runs one attempt under an alarm and classifies it:

- clear: a deliberate error (:data:`KNOWN`) whose message names one of ``names``;
- unclear: a deliberate error that names none of them;
- accepted: ``fn`` returned (it raises :class:`Silent` itself where accepting was wrong);
- crash: any other exception, or a run past the alarm;
- silent: ``fn`` raised :class:`Silent` (a wrong result that nothing reported);
- dataloss: ``fn`` raised :class:`DataLoss` (a user's file destroyed).

Importing this module sets the pass up: a 6 GiB address-space limit, the Agg backend of
matplotlib, and a fresh temporary working folder (:data:`WORK`). ``ADV_FAMILIES=name,name``
in the environment runs only those families.
"""
import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import warnings
import tempfile
from collections import Counter, defaultdict

os.environ.setdefault("OMP_NUM_THREADS", "1")
warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402

resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import nnbackend  # noqa: E402
from nnbackend.errors import (  # noqa: E402
    BackendError,
    ModelFileError,
    NotFittedError,
    TrainingDivergedError,
)

WORK = tempfile.mkdtemp(prefix="nnbackend-adversarial-")
SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
os.chdir(WORK)
KNOWN = (ValueError, TypeError, ModelFileError, BackendError, NotFittedError, TrainingDivergedError, FileNotFoundError,
         IsADirectoryError, NotADirectoryError, PermissionError, FileExistsError)
CLASSES = ["clear", "accepted", "unclear", "crash", "silent", "dataloss"]


class Silent(Exception):
    """A wrong result that nothing reported."""


class DataLoss(Exception):
    """A user's file destroyed or replaced by one that cannot be read back."""


class Hang(Exception):
    """An attempt ran past its alarm."""


def _alarm(*a):
    raise Hang("timed out")


signal.signal(signal.SIGALRM, _alarm)
results = []  # (family, cls, desc, detail)

ONLY = set(filter(None, os.environ.get("ADV_FAMILIES", "").split(",")))  # e.g. ADV_FAMILIES=course,datasets


def attempt(family, desc, fn, names=(), bound=20):
    if ONLY and family not in ONLY:
        return
    signal.alarm(bound)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            fn()
        cls, detail = "accepted", ""
    except Silent as e: cls, detail = "silent", str(e)
    except DataLoss as e: cls, detail = "dataloss", str(e)
    except Hang as e: cls, detail = "crash", "hang > %ds" % bound
    except KNOWN as e:
        msg = str(e).lower()
        keys = [n.lower() for n in names]
        cls = "clear" if (not keys or any(k in msg for k in keys)) else "unclear"
        detail = "%s: %s" % (type(e).__name__, str(e)[:160])
    except AttributeError as e:
        # scikit-learn hides partial_fit for lbfgs with an AttributeError on purpose
        if "lbfgs" in str(e) or "partial_fit" in str(e): cls = "clear"
        else: cls = "crash"
        detail = "AttributeError: %s" % str(e)[:160]
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt): raise
        cls, detail = "crash", "%s: %s" % (type(e).__name__, str(e)[:160])
    finally:
        signal.alarm(0)
    results.append((family, cls, desc, detail))
    if len(results) % 50 == 0: print(len(results), family, file=sys.stderr, flush=True)


def finite_model(m):
    for name in ("coefs_", "intercepts_"):
        for a in getattr(m, name, []) or []:
            if not np.all(np.isfinite(np.asarray(a))): raise Silent("non-finite %s" % name)
    params = getattr(m, "params_", None) or getattr(m, "parameters_", None)
    if isinstance(params, dict):
        for k, v in params.items():
            if not np.all(np.isfinite(nnbackend.to_numpy(v))): raise Silent("non-finite %s" % k)


def check_pred(m, X, shape, proba=True):
    p = np.asarray(m.predict(X))
    if p.shape != shape: raise Silent("predict shape %s != %s" % (p.shape, shape))
    if p.dtype.kind == "f" and not np.all(np.isfinite(p)): raise Silent("NaN predictions")
    if proba and hasattr(m, "predict_proba"):
        P = np.asarray(m.predict_proba(X))
        if not np.all(np.isfinite(P)): raise Silent("NaN predict_proba")
    return p


def roundtrip(m, X, path="rt.nnb"):
    before = m.predict(X)
    (nnbackend.save(m, path))
    m2 = nnbackend.load(path)
    after = m2.predict(X)
    if not np.array_equal(np.asarray(before), np.asarray(after)): raise Silent("loaded model predicts differently")
    return m2


def run_cli(args, timeout=60):
    env = dict(os.environ, PYTHONPATH=SRC, OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "nnbackend"] + args, capture_output=True, text=True, timeout=timeout, env=env)


def markdown_table(results=results):
    """The counts per family as a Markdown table (tried / clear / accepted / unclear / crash /
    silent / lost), with a total row, to paste into docs/reliability.md."""
    fam = defaultdict(Counter)
    for r in results: fam[r[0]][r[1]] += 1
    fam["**total**"] = Counter(r[1] for r in results)
    lines = ["| family | tried | clear | accepted | unclear | crash | silent | lost |",
             "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for k, c in fam.items():
        lines.append("| %s | %d | " % (k, sum(c.values())) + " | ".join("%d" % c[x] for x in CLASSES) + " |")
    return "\n".join(lines)


def report(results=results, markdown=False):
    """Print the counts per class and family, then every crash, silent, lost and unclear row;
    with ``markdown``, the table of :func:`markdown_table` after the counts."""
    tot = Counter(r[1] for r in results)
    print("TOTAL attempts:", len(results))
    print("per class:", ", ".join("%s=%d" % (c, tot[c]) for c in CLASSES))
    fam = defaultdict(Counter)
    for r in results: fam[r[0]][r[1]] += 1
    print("\nper family:")
    print("%-20s %5s " % ("family", "total") + " ".join("%8s" % c for c in CLASSES))
    for k, c in fam.items(): print("%-20s %5d " % (k, sum(c.values())) + " ".join("%8d" % c[x] for x in CLASSES))
    if markdown:
        print("\n" + markdown_table(results))
    for cls in ("crash", "silent", "dataloss", "unclear"):
        print("\n=== %s (%d) ===" % (cls.upper(), tot[cls]))
        for r in results:
            if r[1] == cls: print("[%s] %s  ->  %s" % (r[0], r[2], r[3]))
    json.dump(results, open(os.path.join(WORK, "results.json"), "w"), indent=0, default=str)
    print("every attempt:", os.path.join(WORK, "results.json"))
