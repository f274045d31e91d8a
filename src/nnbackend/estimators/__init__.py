"""scikit-learn-style estimators in the course's vocabulary: the boundary where data is checked,
the backend resolved and converted once, and the training driver called.
"""

from __future__ import annotations

from nnbackend.estimators.models import (
    LogisticRegression,
    NeuralNetworkClassifier,
    NeuralNetworkRegressor,
)

__all__ = ["LogisticRegression", "NeuralNetworkClassifier", "NeuralNetworkRegressor"]
