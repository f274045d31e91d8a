"""Reference implementations with explicit Python loops: the benchmark's baseline and an
independent test oracle. They import nothing from the rest of nnbackend."""

from nnbackend.reference.loop import (
    logistic_regression_step,
    network_step,
    to_examples,
    to_lists,
)

__all__ = ["logistic_regression_step", "network_step", "to_examples", "to_lists"]
