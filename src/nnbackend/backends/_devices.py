"""Device names shared by the GPU adapters (CuPy, JAX): the one parser of ``cuda:N``."""

from __future__ import annotations

from nnbackend.errors import BackendError

__all__ = ["cuda_index"]


def cuda_index(spec: str | None, backend: str) -> int:
    """The GPU index in ``"cuda"``, ``"cuda:N"``, ``"gpu:N"`` or ``"N"`` (None means 0).

    Parameters
    ----------
    spec : str or None
    backend : str
        The backend's name, for the error message.

    Returns
    -------
    int
    """
    if spec is None or spec in ("cuda", "gpu"):
        return 0
    for prefix in ("cuda:", "gpu:"):
        if spec.startswith(prefix) and spec[len(prefix) :].isdigit():
            return int(spec[len(prefix) :])
    if spec.isdigit():
        return int(spec)
    raise BackendError(
        f"device {spec!r} is not valid for backend {backend!r}: expected 'cuda', 'cuda:N' or N. "
        "Fix NNBACKEND_DEVICE or the device argument."
    )
