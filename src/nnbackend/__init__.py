"""nnbackend: the deep-learning course's neural networks, written once for every array library.

Logistic regression, the one-hidden-layer network and the L-layer network, with forward
propagation, cost, backpropagation and gradient descent, on NumPy, CuPy, PyTorch, JAX, Dask or
array-api-strict. Pick the library with ``NNBACKEND`` (or :func:`set_backend`).

Importing this package imports only NumPy and array-api-compat: every optional library is
imported when it is first used.
"""

from __future__ import annotations

from nnbackend.backends import (
    Backend,
    asarray,
    get_backend,
    info,
    set_backend,
    to_numpy,
    use_backend,
)
from nnbackend.errors import (
    BackendError,
    ConvergenceWarning,
    DataConversionWarning,
    ModelFileError,
    NotFittedError,
    TrainingDivergedError,
)
from nnbackend.estimators import LogisticRegression, NeuralNetworkClassifier, NeuralNetworkRegressor
from nnbackend.model_file import load, save

__version__ = "0.1.0"

__all__ = [
    "Backend",
    "BackendError",
    "ConvergenceWarning",
    "DataConversionWarning",
    "LogisticRegression",
    "ModelFileError",
    "NeuralNetworkClassifier",
    "NeuralNetworkRegressor",
    "NotFittedError",
    "TrainingDivergedError",
    "__version__",
    "asarray",
    "get_backend",
    "info",
    "load",
    "save",
    "set_backend",
    "to_numpy",
    "use_backend",
]
