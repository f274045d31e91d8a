"""The optimizer contract: what every update rule offers the training loops.

:meth:`Optimizer.direction` turns gradients into the step Δ (θ ← θ - Δ), and
:meth:`Optimizer.apply` subtracts it in place. The training loop takes the step with
:meth:`Optimizer.propose` instead, which builds θ - Δ as new arrays: it checks them for NaN and
infinity and keeps them only when they are finite, so a diverging step never replaces the last
finite parameters. :meth:`Optimizer.functional_direction` is the pure form compiled loops
trace. The rules themselves live in :mod:`nnbackend.training.optimizers`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace
from nnbackend.backends import _numpy_kernels, fused_kernels, is_writeable, move_like, to_numpy

__all__ = ["Optimizer", "check_learning_rate"]

Array = Any
Params = list[tuple[Array, Array]]
Grads = list[tuple[Array, Array]]


def check_learning_rate(value: Any, name: str = "learning_rate") -> None:
    """Refuse a step size that cannot train: not a real number, NaN, infinite, zero or negative.

    The one rule for a learning rate below the estimators' parameter table: every optimizer
    applies it at construction, and the course's functions that take a rate (including the
    single-step ``update_parameters``) apply it before any work. Zero is refused: α = 0 never
    moves, so it can only be a mistake (and a step's direction divides by α).

    Parameters
    ----------
    value : object
    name : str, default "learning_rate"
        The argument's name in the messages.

    Raises
    ------
    TypeError
        ``value`` is not a real number (a bool, a string, None).
    ValueError
        ``value`` is NaN, infinite, zero or negative.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name}={value!r} is not valid: expected a number > 0, got {type(value).__name__}"
        )
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}={value!r} is not valid: expected a finite number > 0")


def _flat(pairs: list[tuple[Array, Array]]) -> list[Array]:
    return [a for pair in pairs for a in pair]


def _pairs(flat: list[Array]) -> list[tuple[Array, Array]]:
    return list(zip(flat[0::2], flat[1::2], strict=True))


class Optimizer:
    """Base class: ``direction`` computes the step, ``apply`` takes it, ``step`` does both.

    Parameters
    ----------
    learning_rate : float
        The step size α: finite and > 0.

    Raises
    ------
    ValueError
        ``learning_rate`` is zero, negative, NaN or infinite (a zero rate would also divide by
        zero where gradients come pre-scaled by α).
    """

    #: The factor this rule would like the gradients computed with (see
    #: :func:`nnbackend.core.network.backward`'s ``scale``); 1.0 means plain gradients.
    preferred_grad_scale: float = 1.0

    #: How many scalars :meth:`step_scalars` gives each step (Adam: its two corrected rates).
    n_step_scalars: int = 0

    #: The attributes holding the rule's state: lists of arrays, one per parameter (or None).
    _state_fields: tuple[str, ...] = ()

    def __init__(self, learning_rate: float) -> None:
        check_learning_rate(learning_rate)
        self.learning_rate = float(learning_rate)

    def __getstate__(self) -> dict[str, Any]:
        # A pickle (a model kept for partial_fit, saved with joblib) holds the state as NumPy
        # arrays, in their dtype: a JAX array unpickled outside JAX's 64-bit mode would come
        # back in float32, and a device array needs its device. state_arrays moves them back.
        state = self.__dict__.copy()
        for name in self._state_fields:
            arrays = state.get(name)
            if arrays is not None:
                state[name] = [to_numpy(a) for a in arrays]
        return state

    @staticmethod
    def _placed(arrays: list[Array], flat_params: list[Array]) -> list[Array]:
        """State read back from a pickle (NumPy) on the parameters' library and device."""
        if isinstance(flat_params[0], np.ndarray) or not isinstance(arrays[0], np.ndarray):
            return arrays
        return [move_like(a, p) for a, p in zip(arrays, flat_params, strict=True)]

    def direction(
        self, params: Params, grads: Grads, *, grad_scale: float = 1.0
    ) -> list[Array]:  # pragma: no cover
        """The step Δ for every parameter, flat in (W1, b1, W2, b2, ...) order.

        Parameters
        ----------
        params : list of (W, b)
        grads : list of (dW, db)
            Consumed: the arrays may be overwritten.
        grad_scale : float, default 1.0
            The factor the gradients were computed with.

        Returns
        -------
        list of arrays
            The caller's to overwrite (:meth:`propose` does): never the optimizer's own state.
        """
        raise NotImplementedError

    @staticmethod
    def _unscaled(flat: list[Array], grad_scale: float) -> list[Array]:
        if grad_scale == 1.0:
            return flat
        return [g / grad_scale for g in flat]

    def apply(self, params: Params, deltas: list[Array]) -> Params:
        """θ ← θ - Δ, in place where the parameters are writeable; returns the parameters."""
        flat = _flat(params)
        if is_writeable(flat[0]):
            for p, d in zip(flat, deltas, strict=True):
                p -= d
            return params
        return _pairs([p - d for p, d in zip(flat, deltas, strict=True)])

    def propose(self, params: Params, deltas: list[Array]) -> Params:
        """θ - Δ as new parameters, leaving ``params`` untouched.

        On writeable NumPy steps the difference is written over Δ's own buffers: the same one
        pass as an in-place ``θ -= Δ``, and no allocation; so on libraries whose adapter has
        fused kernels with a ``subtract_over`` (PyTorch, CuPy). Other libraries get ``θ - Δ``
        as fresh arrays (the functional path; their allocators cache).

        Parameters
        ----------
        params : list of (W, b)
        deltas : list of arrays
            From :meth:`direction`; consumed (they may be overwritten).

        Returns
        -------
        list of (W, b)
            New arrays; ``params`` keeps its values.
        """
        flat = _flat(params)
        # one check for all: direction makes every Δ the same way, so the first stands for all
        if _numpy_kernels.applies(deltas[0], flat[0]):
            return _pairs(_numpy_kernels.subtract_over(flat, deltas))
        kernels = fused_kernels(deltas[0])
        if kernels is not None and kernels.applies(deltas[0], flat[0]):
            return _pairs(kernels.subtract_over(flat, deltas))
        return _pairs([p - d for p, d in zip(flat, deltas, strict=True)])

    def step(self, params: Params, grads: Grads) -> Params:
        """Apply one update and return the parameters."""
        return self.apply(params, self.direction(params, grads))

    # ------------------------------------------------------------------ epoch hooks
    #: Whether :meth:`epoch_ends` changes the rate (the driver then gives each epoch its own).
    rate_per_epoch: bool = False

    def epoch_ends(self, samples_seen: int) -> None:
        """Called by the driver after every epoch with the examples seen so far (``t_``).

        Schedules that change the rate between epochs (:class:`SGD`'s ``invscaling``) do it
        here; the others ignore it.

        Parameters
        ----------
        samples_seen : int
        """

    # ------------------------------------------------------------------ pure form
    @property
    def compilable(self) -> bool:
        """Whether a compiled loop may run this rule through :meth:`functional_direction`.

        True when the class that defines :meth:`direction` also defines the pure form: a
        subclass that changes ``direction`` alone must not be compiled with its parent's rule.
        """
        cls = type(self)
        owner = next(k for k in cls.__mro__ if "direction" in k.__dict__)
        return "functional_direction" in owner.__dict__ and owner is not Optimizer

    def signature(self) -> tuple[Any, ...]:
        """What a compiled loop bakes in: the rule and its hyperparameters.

        Returns
        -------
        tuple
            Hashable; equal for two optimizers that compute the same steps.
        """
        return (type(self), self.learning_rate)

    def fresh(self) -> Optimizer:
        """A copy with the same hyperparameters and no state: what a compiled step keeps.

        Returns
        -------
        Optimizer
        """
        clone = _shallow_copy(self)
        clone._clear()
        return clone

    def _clear(self) -> None:
        """Drop the state (velocities, moments, step count)."""

    def state_arrays(self, flat_params: list[Array]) -> list[Array]:
        """The rule's state (velocities, moments) as a flat list, made now if not yet.

        Parameters
        ----------
        flat_params : list of arrays
            The parameters in (W1, b1, W2, b2, ...) order, for the shapes and the library.

        Returns
        -------
        list of arrays
            Empty for plain gradient descent.
        """
        return []

    def load_state(self, arrays: list[Array], steps: int) -> None:
        """Take back the state a compiled loop computed over ``steps`` steps.

        Parameters
        ----------
        arrays : list of arrays
            As :meth:`state_arrays` returns them.
        steps : int
            How many steps the loop took (Adam counts them).
        """

    def step_scalars(self, count: int, offset: int = 0) -> np.ndarray:
        """The per-step scalars of ``count`` steps, computed on the host in float64.

        Parameters
        ----------
        count : int
        offset : int, default 0
            Steps taken since the optimizer's state was last loaded: the rows start after them.

        Returns
        -------
        numpy.ndarray of shape (count, n_step_scalars)
        """
        return np.zeros((count, self.n_step_scalars))

    def functional_direction(
        self,
        state: list[Array],
        flat_grads: list[Array],
        scalars: Any,
        *,
        grad_scale: float = 1.0,
        xp: Any = None,
    ) -> tuple[list[Array], list[Array]]:  # pragma: no cover
        """The pure form of :meth:`direction`: (steps Δ, new state), nothing modified.

        Parameters
        ----------
        state : list of arrays
            From :meth:`state_arrays`.
        flat_grads : list of arrays
            The gradients in (dW1, db1, ...) order.
        scalars : sequence
            This step's row of :meth:`step_scalars` (Python floats or 0-d arrays).
        grad_scale : float, default 1.0
            The factor the gradients were computed with.
        xp : module, optional
            The gradients' namespace; resolved from them when omitted.

        Returns
        -------
        deltas : list of arrays
        state : list of arrays
        """
        raise NotImplementedError

    def on_plateau(self) -> bool:
        """Called when the stall count trips; True continues the run (the rate was lowered).

        The default ends the run. A schedule that lowers its rate on a plateau (scikit-learn's
        "adaptive") returns True; the driver then resets the count and continues, with the new
        rate in :meth:`step_scalars` (compiled loops) and :meth:`direction` (the eager loop).

        Returns
        -------
        bool
        """
        return False

    def copy(self) -> Optimizer:
        """An independent copy, state included (velocities, moments, step count).

        Training updates the state arrays in place where they are writeable, so a caller that
        must be able to go back to this state (an estimator whose ``partial_fit`` fails) trains
        a copy.

        Returns
        -------
        Optimizer
        """
        twin = _shallow_copy(self)
        for name in self._state_fields:
            arrays = getattr(self, name, None)
            if arrays is not None:
                setattr(twin, name, [_copy_array(a) for a in arrays])
        return twin


def _shallow_copy(optimizer: Optimizer) -> Optimizer:
    # copy.copy would go through __getstate__, which copies every state array to the host
    clone = object.__new__(type(optimizer))
    clone.__dict__.update(optimizer.__dict__)
    return clone


def _zeros_like_all(like: list[Array]) -> list[Array]:
    # Zeros for a rule's state, made by the library's kernels where they have a way (PyTorch:
    # in one flat buffer that they then update at once, see _fused; JAX: in one dispatch);
    # else one array per parameter.
    make = getattr(fused_kernels(like[0]), "zeros_like_all", None)
    made = None if make is None else make(like)
    if made is not None:
        return made
    xp = array_namespace(like[0])
    return [xp.zeros_like(p) for p in like]


def _fused(grad: Array, state: Array, name: str) -> Any:
    # The library's form of a rule's in-place update on state held in one flat buffer
    # (PyTorch's), or None: the same arithmetic in the same order, one call per operation for
    # all parameters at once. It returns None itself where the state is not so held.
    kernels = fused_kernels(grad)
    update = getattr(kernels, name, None)
    if update is None or not kernels.applies(grad, state):
        return None
    return update


def _copy_array(x: Array) -> Array:
    return array_namespace(x).asarray(x, copy=True) if is_writeable(x) else x
