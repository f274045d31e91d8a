"""pytest-benchmark options for the gradient-step suite."""
