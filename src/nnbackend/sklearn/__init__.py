"""A scikit-learn drop-in: ``MLPClassifier`` and ``MLPRegressor`` on every library nnbackend runs.

Swap one import::

    from nnbackend.sklearn import MLPClassifier, MLPRegressor

and the same code trains on the active backend (``NNBACKEND`` / ``nnbackend.use_backend``), or
on the library of the arrays it is given (torch, JAX, CuPy, Dask). The constructor, defaults,
fitted attributes, warnings and verbose output are scikit-learn's; see
``docs/guide/coming-from-sklearn.md``.

This module needs scikit-learn (its validation, label encoding and splitting are used as they
are, so that messages and edge cases stay scikit-learn's) and SciPy for ``solver="lbfgs"``:
``pip install 'nnbackend[sklearn]'``. ``import nnbackend`` does not import it.
"""

from __future__ import annotations

try:
    import sklearn  # noqa: F401
except ImportError as exc:  # pragma: no cover - scikit-learn is in the test environment
    raise ImportError(
        "nnbackend.sklearn needs scikit-learn, which is not installed: "
        "pip install 'nnbackend[sklearn]'"
    ) from exc

from nnbackend.model_file import register_estimator
from nnbackend.sklearn._mlp import MLPClassifier, MLPRegressor

register_estimator(MLPClassifier)
register_estimator(MLPRegressor)

__all__ = ["MLPClassifier", "MLPRegressor"]
