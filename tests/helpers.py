"""Helpers shared by the test modules."""

from __future__ import annotations

import numpy as np


def rtol_for(dtype) -> float:
    """The comparison tolerance a dtype affords, against a float64 NumPy reference."""
    return 1e-5 if np.dtype(str(dtype).rsplit(".", 1)[-1]) == np.float32 else 1e-12
