"""The course's graded assignment functions, exact to the notebooks, on any backend.

* :mod:`nnbackend.course.logistic_regression`: Week 2.
* :mod:`nnbackend.course.shallow_network`: Week 3 (planar data, one hidden layer).
* :mod:`nnbackend.course.deep_network`: Week 4 (the L-layer network and the cat application).

These are thin calls into :mod:`nnbackend.core.network`: the names, signatures, dict keys, tuple
caches and legacy seeding are the course's, the math is the core's.
"""

from nnbackend.course import deep_network, logistic_regression, shallow_network

__all__ = ["deep_network", "logistic_regression", "shallow_network"]
