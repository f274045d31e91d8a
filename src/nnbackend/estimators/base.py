"""The estimators' core: scikit-learn's protocol and one ``_fit(incremental)`` path.

``fit``, ``partial_fit`` and ``warm_start`` of every estimator run :meth:`NetworkEstimator._fit`.
It reads a :class:`~nnbackend.estimators.params.FitConfig` (each vocabulary maps its
constructor arguments into one), resolves the backend at the boundary once, converts X, y and
the weights once, and hands the run to :func:`nnbackend.training.train`. Each kind of estimator
adds only its targets (:meth:`NetworkEstimator._targets`): classes and their encoding for a
classifier, outputs for a regressor.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from nnbackend._arrays import array_namespace, dtype_name, take_columns
from nnbackend.backends import Placement, backend_of, get_backend, move_like, to_numpy
from nnbackend.core.initializers import draw_parameters
from nnbackend.core.spec import NetworkSpec
from nnbackend.errors import convergence_warning, user_stacklevel
from nnbackend.estimators import holdout
from nnbackend.estimators.feature_names import feature_names_of
from nnbackend.estimators.memory import check_fit_memory
from nnbackend.estimators.params import FitConfig, Rule, make_rng, validate_params
from nnbackend.estimators.prediction import Prediction
from nnbackend.estimators.sample_weight import check_sample_weight, rescale_sample_weight
from nnbackend.estimators.schema import FileState
from nnbackend.estimators.validation import (
    to_backend_features,
)
from nnbackend.training import TrainingResult, compiled, train
from nnbackend.training.holdout import HeldOut
from nnbackend.training.optimizers import Optimizer

__all__ = ["NetworkEstimator", "Targets"]

Array = Any


class Targets(NamedTuple):
    """What an estimator kind makes of y for one fit.

    Attributes
    ----------
    Y : array of shape (n_outputs, n_samples)
        On X's library, device and dtype (one-hot rows for a softmax).
    output : str
        The output activation paired with Y.
    truth : numpy.ndarray
        Host targets (class indices, or values) that early stopping scores against.
    fitted : dict
        The kind's own fitted attributes (``classes_``, ``_single_output``).
    """

    Y: Array
    output: str
    truth: np.ndarray
    fitted: dict[str, Any]


def _uniform_to_none(weights: np.ndarray | None) -> np.ndarray | None:
    # Equal weights give exactly the unweighted cost and gradients (each mean's weights cancel),
    # so they take the unweighted path: the same numbers for less work.
    if weights is not None and (weights == weights[0]).all():
        return None
    return weights


class NetworkEstimator(FileState, Prediction):
    """Shared machinery: the protocol, the configuration, the one fitting path."""

    _output_kind = "classifier"
    #: The constructor arguments' constraints; :func:`validate_params` reads only this.
    _parameter_constraints: Mapping[str, Rule] = {}
    # The fitted state, which _set_fitted swaps in whole (declared for type checkers only).
    loss_curve_: list[float]
    n_iter_: int
    n_layers_: int
    n_outputs_: int
    out_activation_: str
    validation_scores_: list[float] | None
    _optimizer: Optimizer | None

    # ----------------------------------------------------------- scikit-learn protocol
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments, as scikit-learn's ``get_params``.

        Parameters
        ----------
        deep : bool, default True
            Ignored (there are no nested estimators); kept for compatibility.

        Returns
        -------
        dict
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> NetworkEstimator:
        """Set constructor arguments; they are checked at the next ``fit``.

        Parameters
        ----------
        **params
            Names from :meth:`get_params`.

        Returns
        -------
        self
        """
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {valid}."
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if not (isinstance(value, type(defaults[name])) and value == defaults[name])
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "_params")

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import ClassifierTags, InputTags, RegressorTags, Tags, TargetTags

        is_classifier = self._output_kind == "classifier"
        return Tags(
            estimator_type="classifier" if is_classifier else "regressor",
            target_tags=TargetTags(required=True, multi_output=not is_classifier),
            classifier_tags=ClassifierTags(multi_class=True) if is_classifier else None,
            regressor_tags=None if is_classifier else RegressorTags(),
            input_tags=InputTags(allow_nan=False, sparse=False),
            non_deterministic=False,
        )

    # ----------------------------------------------------------- configuration
    def _fit_config(self) -> FitConfig:
        """Check the constructor arguments and map them into a :class:`FitConfig`.

        A vocabulary overrides this (and its table); the fitting core reads only the result.
        """
        raise NotImplementedError  # pragma: no cover

    def _checked_params(self) -> dict[str, Any]:
        return validate_params(self, self._parameter_constraints)

    # ----------------------------------------------------------- fitting
    def _targets(
        self,
        y: Any,
        XT: Array,
        *,
        place: Placement,
        incremental: bool,
        continuing: bool,
        **extra: Any,
    ) -> Targets:  # pragma: no cover - each kind defines its targets
        raise NotImplementedError

    def _fit(
        self, X: Any, y: Any, sample_weight: Any, *, incremental: bool, **extra: Any
    ) -> NetworkEstimator:
        """fit (``incremental=False``, ``warm_start`` included) and partial_fit, for every kind.

        The boundary: the backend is resolved once (X's own library, or the active backend
        for host data, or the fitted parameters' for a continued partial_fit), its precision
        scope entered once, and X, y and the weights converted once.
        """
        config = self._fit_config()
        if incremental and config.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True (one call sees one batch, "
                "with nothing held out): set early_stopping=False"
            )
        fitted = hasattr(self, "_params")
        if incremental and fitted:
            backend = self._params_backend()
        else:
            # X's own library and device (everything follows X), or the active backend for
            # host data: the one registry look-up of the fit
            owner = backend_of(X)
            backend = owner or get_backend()
        # the column names of a table X: a continued partial_fit checks them against the fit's
        continued = incremental and fitted
        names = getattr(self, "_feature_names", None) if continued else feature_names_of(X)
        with backend.adapter.computing():
            if incremental and fitted:
                XT = self._features_where_params(
                    X, "where this model's parameters are, from its first partial_fit or fit"
                )[0]
            else:
                XT = to_backend_features(X, backend, config.dtype, owner=owner)[0]
            # below here nothing asks the registry again: the placement carries the adapter,
            # device, dtype and compiler, and every conversion goes through it
            place = compiled.place(XT, backend.adapter)
            continuing = (incremental or config.warm_start) and fitted
            targets = self._targets(
                y, XT, place=place, incremental=incremental, continuing=continuing, **extra
            )
            weights = _uniform_to_none(check_sample_weight(sample_weight, int(XT.shape[1])))
            state, result = self._train(
                XT, targets, config, weights, incremental, continuing, place
            )
            self._set_fitted({**state, **targets.fitted, "_feature_names": names})
            if not incremental:
                self._warn_if_not_converged(result, config)
        return self

    def _train(
        self,
        XT: Array,
        targets: Targets,
        config: FitConfig,
        sample_weight: np.ndarray | None,
        incremental: bool,
        continuing: bool,
        place: Placement,
    ) -> tuple[dict[str, Any], TrainingResult]:
        # Train and return the fitted state, without touching ``self``: the caller swaps it in
        # whole, so a fit that fails at any point (divergence, Ctrl-C) leaves the estimator
        # exactly as it was.
        rng = make_rng(config.random_state)
        Y = targets.Y
        dims = [int(XT.shape[0]), *config.sizes, int(Y.shape[0])]
        check_fit_memory(dims, int(XT.shape[1]), XT.dtype, config.batch_size)
        optimizer = None
        if continuing:
            params, moved = self._fitted_params_like(dims, XT, incremental)
            if incremental and not moved:
                optimizer = self._continued_optimizer(config)
        else:
            params = [
                (place.move(w), place.move(b)) for w, b in draw_parameters(dims, config.init, rng)
            ]
        if optimizer is None:
            optimizer = config.optimizer()
        sample_weight, alpha = rescale_sample_weight(sample_weight, config.alpha)
        weights = None if sample_weight is None else place.move(sample_weight.reshape(1, -1))
        X_fit, Y_fit, weights_fit, score = XT, Y, weights, None
        if config.early_stopping:
            X_fit, Y_fit, weights_fit, score = self._hold_out(
                XT, Y, targets.truth, sample_weight, rng, config, place
            )
        spec = NetworkSpec(
            tuple(dims), config.activation, targets.output, dtype=dtype_name(XT.dtype)
        )
        result = train(
            X_fit,
            Y_fit,
            params,
            optimizer,
            spec=spec,
            max_iter=1 if incremental else config.max_iter,
            batch_size=config.batch_size,
            tol=None if incremental else config.tol,
            n_iter_no_change=config.n_iter_no_change,
            random_state=rng,
            verbose=config.verbose,
            alpha=alpha,
            sample_weight=weights_fit,
            validation_score=score,
            placement=place,
        )
        state = {
            "_params": result.params,
            "_hidden": config.activation,
            "_output": targets.output,
            "n_features_in_": dims[0],
            "n_layers_": len(dims),
            "n_outputs_": dims[-1],
            "out_activation_": targets.output,
            # the constructor arguments of this fit, plain: what a model file records
            "_fit_params": self._checked_params(),
        }
        state.update(self._history_state(result, optimizer, continuing, config))
        return state, result

    def _fitted_params_like(
        self, dims: list[int], XT: Array, incremental: bool
    ) -> tuple[list[tuple[Array, Array]], bool]:
        # The starting point of warm_start and partial_fit: the fitted parameters, on X's
        # library, device and dtype; also whether they had to move there. They need no copy:
        # training never writes to the arrays it is given.
        old = self._params
        old_dims = [int(old[0][0].shape[1]), *(int(w.shape[0]) for w, _ in old)]
        if old_dims != dims:
            how = "partial_fit" if incremental else "warm_start=True"
            raise ValueError(
                f"{how} continues the fitted network, whose layer sizes are {old_dims}, but "
                f"this data and hidden_layer_sizes need {dims}. Keep the features, the "
                "outputs (classes) and hidden_layer_sizes, or fit from scratch "
                "(warm_start=False)."
            )
        w0 = old[0][0]
        if backend_of(w0) == backend_of(XT) and dtype_name(w0.dtype) == dtype_name(XT.dtype):
            return old, False
        return [(move_like(to_numpy(w), XT), move_like(to_numpy(b), XT)) for w, b in old], True

    def _continued_optimizer(self, config: FitConfig) -> Optimizer | None:
        # partial_fit keeps the optimizer's state (velocities, Adam moments) between calls, as
        # long as the rule and its hyperparameters are the same. The optimizer updates its
        # state in place, so the call trains a copy: a failed call leaves the state as it was.
        previous = getattr(self, "_optimizer", None)
        if previous is None or previous.signature() != config.optimizer().signature():
            return None
        return previous.copy()

    def _hold_out(
        self,
        XT: Array,
        Y: Array,
        truth: np.ndarray,
        sample_weight: np.ndarray | None,
        rng: Any,
        config: FitConfig,
        place: Placement,
    ) -> tuple[Array, Array, Array | None, Any]:
        # Early stopping: split off validation_fraction of the examples (on the host, with the
        # estimator's random state; stratified for classifiers) and score them after every
        # iteration with the estimator's own score (accuracy or R², weighted like the fit).
        n = int(XT.shape[1])
        stratify = truth if self._output_kind == "classifier" else None
        train_idx, val_idx = holdout.holdout_split(n, config.validation_fraction, rng, stratify)
        w_train = w_val = None
        if sample_weight is not None:
            w_train, w_val = sample_weight[train_idx], sample_weight[val_idx]
            for part, w in (("training", w_train), ("validation", w_val)):
                if not w.sum() > 0:
                    raise ValueError(
                        f"early_stopping's {part} split has only zero sample weights: use "
                        "another random_state or validation_fraction, or early_stopping=False."
                    )
        xp = array_namespace(XT)
        take_train = place.move(train_idx, keep_dtype=True)
        X_val = take_columns(XT, place.move(val_idx, keep_dtype=True), xp)
        held = truth[val_idx]
        classifier = self._output_kind == "classifier"
        # the score runs where the data is, in the training loop (compiled ones included):
        # class indices or targets in course layout, on X's device
        score = HeldOut(
            X_val,
            (
                place.move(held.astype(np.int32), keep_dtype=True)
                if classifier
                else place.move(held.T)
            ),
            None if w_val is None else place.move(w_val),
            kind="accuracy" if classifier else "r2",
            hidden=config.activation,
        )

        return (
            take_columns(XT, take_train, xp),
            take_columns(Y, take_train, xp),
            None if w_train is None else place.move(w_train.reshape(1, -1)),
            score,
        )

    def _history_state(
        self, result: TrainingResult, optimizer: Optimizer, continuing: bool, config: FitConfig
    ) -> dict[str, Any]:
        # warm_start and partial_fit continue the curve of the fit they start from, while
        # n_iter_ counts this call's iterations, as scikit-learn's do (its _fit_stochastic
        # sets n_iter_ = 0 on every call): the curve is never shorter than n_iter_
        curve = (list(self.loss_curve_) if continuing else []) + result.loss_curve
        n_iter = result.n_iter
        state: dict[str, Any] = {"loss_curve_": curve, "n_iter_": n_iter, "_optimizer": optimizer}
        if not self._mlp_like:
            return state
        if config.early_stopping:
            previous = getattr(self, "validation_scores_", None) if continuing else None
            state["best_loss_"] = None
            state["validation_scores_"] = list(previous or []) + list(
                result.validation_scores or []
            )
            state["best_validation_score_"] = result.best_validation_score
        else:
            state["best_loss_"] = min(curve)
            state["validation_scores_"] = None
            state["best_validation_score_"] = None
        return state

    def _warn_if_not_converged(self, result: TrainingResult, config: FitConfig) -> None:
        # Called by fit once the whole fitted state is in place: where warnings are errors, the
        # model is still complete.
        if config.tol is None:
            return
        if result.stopped_early:
            self._warn_if_still_falling(result.loss_curve, config)
            return
        criterion = "validation score" if config.early_stopping else "training cost"
        warnings.warn(
            f"{type(self).__name__} reached max_iter={config.max_iter} before its {criterion} "
            f"stopped improving by tol={config.tol} (n_iter_no_change="
            f"{config.n_iter_no_change}): the optimisation has not converged. Raise "
            "max_iter or learning_rate, or pass tol=None to train for exactly max_iter "
            "iterations.",
            convergence_warning(),
            stacklevel=user_stacklevel(),
        )

    def _warn_if_still_falling(self, curve: list[float], config: FitConfig) -> None:
        # The stall count stops a fit whose cost fails to beat its best by tol for
        # n_iter_no_change + 1 iterations, also where the cost is noisy (mini-batches, a rate
        # that overshoots) but still going down: the fit then under-trains silently. When the
        # mean cost of the last n_iter_no_change + 1 iterations is below that of the ones
        # before by more than twice tol per iteration, the cost is still falling overall, and the
        # warning says so. (A cost that creeps down by less than tol per step is the stop
        # working as asked.)
        n = config.n_iter_no_change + 1
        if config.early_stopping or config.tol is None or len(curve) < 2 * n:
            return
        before, last = float(np.mean(curve[-2 * n : -n])), float(np.mean(curve[-n:]))
        if not before - last > 2 * config.tol * n:
            return
        warnings.warn(
            f"{type(self).__name__} stopped at iteration {len(curve)} on n_iter_no_change="
            f"{config.n_iter_no_change} and tol={config.tol}, but its training cost was still "
            f"falling overall (mean {before:.6g}, then {last:.6g}, over the last {2 * n} "
            "iterations): the model may be under-trained. Raise n_iter_no_change or lower "
            "tol, or pass tol=None to train for max_iter iterations.",
            convergence_warning(),
            stacklevel=user_stacklevel(),
        )

    def _set_fitted(self, state: dict[str, Any]) -> None:
        # Exactly the attributes of _fitted_attributes, the one list that saving and loading
        # read too: a fitted attribute added to fit but not to the list fails here, not in a
        # model file.
        if set(state) != set(self._all_fitted_attributes()):
            raise RuntimeError(
                f"{type(self).__name__}: fitted state {sorted(state)} does not match "
                f"_fitted_attributes {sorted(self._all_fitted_attributes())}"
            )
        # One dict update, so no exception (KeyboardInterrupt included) lands halfway.
        self.__dict__.update(state)
