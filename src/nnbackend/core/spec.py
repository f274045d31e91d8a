"""The network's frozen description: layer sizes, activations, leaky ReLU slope and dtype.

A :class:`NetworkSpec` is what the front doors (estimators, the course façade, the benchmark)
hand to training instead of a loose ``hidden, output, slope`` triple or a dict of keywords.
It is frozen and hashable, so it is also part of a compiled program's cache key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["NetworkSpec"]


@dataclass(frozen=True)
class NetworkSpec:
    """A network's architecture, as the core math and the training programs read it.

    Parameters
    ----------
    sizes : tuple of int
        ``(n_x, n_1, ..., n_L)``; empty when only the activations are known (the course's
        façade trains parameters it was handed, whose sizes it does not check).
    hidden : str, default "relu"
        The hidden layers' activation.
    output : str, default "sigmoid"
        The output activation.
    slope : float, default 0.01
        The leaky ReLU slope.
    dtype : {None, "float32", "float64"}, default None
        The float dtype of parameters and data; None when it follows the data.
    """

    sizes: tuple[int, ...] = ()
    hidden: str = "relu"
    output: str = "sigmoid"
    slope: float = 0.01
    dtype: str | None = None

    def __post_init__(self) -> None:
        # a list would make the spec unhashable, and a numpy integer would make two equal
        # specs hash apart in a compiled-program cache
        object.__setattr__(self, "sizes", tuple(int(n) for n in self.sizes))
        object.__setattr__(self, "slope", float(self.slope))

    @classmethod
    def of(
        cls,
        params: Sequence[tuple[Any, Any]],
        *,
        hidden: str = "relu",
        output: str = "sigmoid",
        slope: float = 0.01,
        dtype: str | None = None,
    ) -> NetworkSpec:
        """The spec of the parameters ``params`` (their layer sizes) with these activations.

        Parameters
        ----------
        params : list of (W, b)
            W[l] of shape (n_l, n_{l-1}).
        hidden, output, slope, dtype
            As in :class:`NetworkSpec`.

        Returns
        -------
        NetworkSpec
        """
        sizes: tuple[int, ...] = ()
        if params:
            sizes = (int(params[0][0].shape[1]), *(int(w.shape[0]) for w, _ in params))
        return cls(sizes, hidden, output, slope, dtype)

    def with_output(self, output: str) -> NetworkSpec:
        """The same spec with another output activation (scoring logits: ``"identity"``).

        Parameters
        ----------
        output : str

        Returns
        -------
        NetworkSpec
        """
        return replace(self, output=output)
