"""Training: the optimizers, the loop that runs a fit, compiled blocks and progress.

:func:`train` is the one entry point every estimator, the course façade and the benchmark
use; it works on data already converted to the backend and laid out in course notation.
"""

from __future__ import annotations

from nnbackend.training.loop import TrainingResult, full_batch_step, train

__all__ = ["TrainingResult", "full_batch_step", "train"]
