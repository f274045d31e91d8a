"""scikit-learn-style estimators over the core network, on any backend.

This is the boundary where user data is validated and converted, once: X of shape
(n_samples, n_features) becomes a course-layout (n_features, n_samples) array of the active
backend and dtype, and everything below works on that. Results go back out in the library the
input came in (NumPy for host data).

The estimators follow scikit-learn's conventions without depending on it: ``__init__`` only
stores its arguments, fitted attributes end in ``_``, and ``get_params`` / ``set_params`` /
``fit`` / ``predict`` / ``score`` behave as there.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import numbers
import os
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace, dtype_name
from nnbackend.backends import (
    DEFAULT_BACKEND,
    Adapter,
    Backend,
    asarray,
    backend_of,
    get_backend,
    move_like,
    to_numpy,
)
from nnbackend.core import network
from nnbackend.core.activations import HIDDEN_ACTIVATIONS, sigmoid, softmax
from nnbackend.core.initializers import INITS, initialize_parameters
from nnbackend.errors import convergence_warning, not_fitted_error, user_stacklevel
from nnbackend.estimators import state_checks as checks
from nnbackend.estimators.holdout import holdout_split
from nnbackend.estimators.memory import check_fit_memory
from nnbackend.estimators.validation import (
    check_feature_count,
    check_label_values,
    check_labels,
    check_regression_targets,
    check_same_length,
    check_sample_weight,
    compute_backend,
    encode_known_labels,
    to_backend_features,
)
from nnbackend.model_file import register_estimator, save_estimator
from nnbackend.training import TrainingResult, train
from nnbackend.training.optimizers import SOLVERS, Optimizer, make_optimizer

__all__ = ["LogisticRegression", "NeuralNetworkClassifier", "NeuralNetworkRegressor"]

Array = Any


def _make_rng(random_state: Any) -> np.random.Generator | np.random.RandomState:
    # A RandomState is used as is: with init="xavier" or "small" it replays the course's
    # legacy np.random.seed(n) + randn stream exactly.
    if isinstance(random_state, np.random.Generator | np.random.RandomState):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    # bool is an int to Python, but True is no seed anybody means
    if _is_int(random_state) and int(random_state) >= 0:
        return np.random.default_rng(int(random_state))
    raise ValueError(
        f"random_state={random_state!r} is not valid: expected None, an int >= 0, or a NumPy "
        "Generator/RandomState"
    )


def _is_int(value: Any) -> bool:
    # numbers.Integral takes NumPy's integers too; bool is an int to Python, never a count here
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_finite_real(value: Any) -> bool:
    # numbers.Real takes NumPy's floats and ints (np.float32(0.1), np.int64(1)); NumPy's bool
    # is no numbers.Real, Python's is excluded by hand
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    # the type first: ``value in choices`` fails on its own for a dict (unhashable) or an array
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={value!r} is not valid: expected one of {choices}")


def _json_param(value: Any) -> Any:
    # Constructor arguments as plain JSON: NumPy scalars become Python numbers, tuples lists.
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, tuple | list):
        return [_json_param(v) for v in value]
    return value


def _computing(method: Callable[..., Any]) -> Callable[..., Any]:
    # A front door runs inside its library's computing context (JAX: 64-bit mode, in this
    # thread, for the call), so that float64 works without switching JAX to 64 bits for the
    # whole process. fit computes where X says; the other methods where the parameters are.
    @functools.wraps(method)
    def wrapper(self: _NetworkEstimator, X: Any, *args: Any, **kwargs: Any) -> Any:
        adapter: Adapter | None
        try:
            if method.__name__ in ("fit", "partial_fit") and not hasattr(self, "_params"):
                adapter = compute_backend(X, get_backend()).adapter
            else:
                adapter = self._params_backend().adapter if hasattr(self, "_params") else None
        except Exception:  # a bad input or NNBACKEND: the method itself reports it precisely
            adapter = None
        with contextlib.nullcontext() if adapter is None else adapter.computing():
            return method(self, X, *args, **kwargs)

    return wrapper


def _mlp_values(fitted: Mapping[str, Any], curve: list[float]) -> dict[str, Any]:
    # best_loss_, validation_scores_ and best_validation_score_ from a model file; files
    # written before they existed get what fit would have set without early stopping.
    scores = fitted.get("validation_scores_")
    if scores is None:
        best_loss = fitted.get("best_loss_", min(curve))
        return {
            "best_loss_": None
            if best_loss is None
            else checks.finite_numbers([best_loss], "fitted.best_loss_", 1)[0],
            "validation_scores_": None,
            "best_validation_score_": None,
        }
    length = len(scores) if isinstance(scores, list) else -1
    values = checks.finite_numbers(scores, "fitted.validation_scores_", length)
    best = fitted.get("best_validation_score_")
    return {
        "best_loss_": None,
        "validation_scores_": values,
        "best_validation_score_": None
        if best is None
        else checks.finite_numbers([best], "fitted.best_validation_score_", 1)[0],
    }


def _uniform_to_none(weights: np.ndarray | None) -> np.ndarray | None:
    # Equal weights give exactly the unweighted cost and gradients (each mean's weights cancel),
    # so they take the unweighted path: the same numbers for less work.
    if weights is not None and (weights == weights[0]).all():
        return None
    return weights


def _class_targets(encoded: np.ndarray, n_classes: int, like: Array) -> tuple[Array, str]:
    # Y in course layout on like's backend, and the output paired with it: one sigmoid unit for
    # two classes, a softmax over one-hot rows for more
    if n_classes == 2:
        return move_like(encoded.reshape(1, -1).astype(np.float64), like), "sigmoid"
    return move_like(np.eye(n_classes)[encoded].T, like), "softmax"


def _r2_score(truth: np.ndarray, predicted: np.ndarray, sample_weight: Any = None) -> float:
    # R² per output, averaged uniformly, as scikit-learn's r2_score; a constant truth scores 1
    # when predicted exactly, else 0
    w = np.ones(truth.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    w = w.reshape(-1, 1)
    mean = (w * truth).sum(axis=0) / w.sum()
    residual = (w * (truth - predicted) ** 2).sum(axis=0)
    total = (w * (truth - mean) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(
            total > 0,
            1 - residual / np.where(total > 0, total, 1),
            np.where(residual == 0, 1.0, 0.0),
        )
    return float(r2.mean())


class _NetworkEstimator:
    """Shared machinery: parameters, validation, fitting, prediction plumbing, persistence."""

    _output_kind = "classifier"
    # Whether the estimator has MLPClassifier/MLPRegressor's early stopping and the fitted
    # attributes that go with it (best_loss_, validation_scores_, best_validation_score_).
    _mlp_like = False
    # The constructor arguments the subclasses store (declared for type checkers only).
    init: str
    solver: str
    learning_rate: float
    max_iter: int
    batch_size: int | None
    tol: float | None
    random_state: Any
    dtype: str | None
    verbose: bool
    # The fitted state, which _set_fitted swaps in whole (declared for type checkers only:
    # before fit the attributes do not exist, so hasattr says the estimator is unfitted).
    _params: list[tuple[Array, Array]]
    _hidden: str
    _output: str
    loss_curve_: list[float]
    n_iter_: int
    n_features_in_: int
    n_layers_: int
    n_outputs_: int
    out_activation_: str
    best_loss_: float | None
    validation_scores_: list[float] | None
    best_validation_score_: float | None
    _optimizer: Optimizer

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

    def set_params(self, **params: Any) -> _NetworkEstimator:
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

    # ----------------------------------------------------------- configuration checks
    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = getattr(self, "hidden_layer_sizes", ())
        if _is_int(sizes):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise ValueError(
                f"hidden_layer_sizes={sizes!r} is not valid: expected a tuple of positive ints"
            ) from None
        if not all(_is_int(s) and s > 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes={sizes!r} is not valid: every size must be a positive int"
            )
        return tuple(int(s) for s in sizes)

    def _check_config(self) -> dict[str, Any]:
        activation = getattr(self, "activation", "relu")
        _check_choice("activation", activation, HIDDEN_ACTIVATIONS)
        _check_choice("init", self.init, tuple(INITS))
        _check_choice("solver", self.solver, SOLVERS)
        lr = self.learning_rate
        if not (_is_finite_real(lr) and lr > 0):
            raise ValueError(f"learning_rate={lr!r} is not valid: expected a finite number > 0")
        if not _is_int(self.max_iter) or self.max_iter < 1:
            raise ValueError(f"max_iter={self.max_iter!r} is not valid: expected an int >= 1")
        if self.batch_size is not None and (not _is_int(self.batch_size) or self.batch_size < 1):
            raise ValueError(
                f"batch_size={self.batch_size!r} is not valid: expected None or an int >= 1"
            )
        if self.tol is not None and not (_is_finite_real(self.tol) and self.tol >= 0):
            # NaN would compare False forever (stopping after n_iter_no_change), inf likewise
            raise ValueError(
                f"tol={self.tol!r} is not valid: expected None or a finite number >= 0"
            )
        if self.dtype not in (None, "float32", "float64"):
            raise ValueError(
                f"dtype={self.dtype!r} is not valid: expected None, 'float32' or 'float64'"
            )
        return {"hidden": activation, "sizes": self._hidden_sizes()}

    def _check_sklearn_options(self) -> dict[str, Any]:
        # The options of scikit-learn's MLPs; an estimator without one gets its neutral value.
        alpha = getattr(self, "alpha", 0.0)
        if not (_is_finite_real(alpha) and alpha >= 0):
            raise ValueError(f"alpha={alpha!r} is not valid: expected a finite number >= 0")
        for flag in ("warm_start", "early_stopping"):
            value = getattr(self, flag, False)
            if not isinstance(value, bool | np.bool_):
                raise ValueError(f"{flag}={value!r} is not valid: expected True or False")
        fraction = getattr(self, "validation_fraction", 0.1)
        if not (_is_finite_real(fraction) and 0 < fraction < 1):
            raise ValueError(
                f"validation_fraction={fraction!r} is not valid: expected a number strictly "
                "between 0 and 1"
            )
        patience = getattr(self, "n_iter_no_change", 10)
        if not _is_int(patience) or patience < 1:
            raise ValueError(f"n_iter_no_change={patience!r} is not valid: expected an int >= 1")
        return {
            "alpha": float(alpha),
            "warm_start": bool(getattr(self, "warm_start", False)),
            "early_stopping": bool(getattr(self, "early_stopping", False)),
            "validation_fraction": float(fraction),
            "n_iter_no_change": int(patience),
        }

    # ----------------------------------------------------------- fitting
    def _fit_network(
        self,
        XT: Array,
        Y: Array,
        config: dict[str, Any],
        output: str,
        *,
        options: dict[str, Any] | None = None,
        targets: np.ndarray | None = None,
        sample_weight: np.ndarray | None = None,
        incremental: bool = False,
    ) -> tuple[dict[str, Any], TrainingResult]:
        """Train the network and return its fitted state, without touching ``self``.

        The caller adds its own fitted attributes and swaps them all in with
        :meth:`_set_fitted`: a fit that fails at any point (divergence, Ctrl-C) leaves the
        estimator exactly as it was, unfitted or with its previous fit.

        ``targets`` (on the host: class indices or regression targets) score the held-out
        split of early stopping; ``incremental`` is partial_fit: one iteration from the fitted
        state, with the optimizer's state kept.
        """
        options = options or self._check_sklearn_options()
        if incremental and options["early_stopping"]:
            raise ValueError(
                "partial_fit does not support early_stopping=True (one call sees one batch, "
                "with nothing held out): set early_stopping=False"
            )
        rng = _make_rng(self.random_state)
        dims = [int(XT.shape[0]), *config["sizes"], int(Y.shape[0])]
        check_fit_memory(dims, int(XT.shape[1]), XT.dtype, self.batch_size)
        continuing = (incremental or options["warm_start"]) and hasattr(self, "_params")
        optimizer = None
        if continuing:
            params, moved = self._fitted_params_like(dims, XT, incremental)
            if incremental and not moved:
                optimizer = self._continued_optimizer()
        else:
            params = initialize_parameters(dims, XT, init=self.init, rng=rng)
        if optimizer is None:
            optimizer = make_optimizer(self.solver, float(self.learning_rate))
        weights = None if sample_weight is None else move_like(sample_weight.reshape(1, -1), XT)
        X_fit, Y_fit, weights_fit, score = XT, Y, weights, None
        if options["early_stopping"]:
            X_fit, Y_fit, weights_fit, score = self._hold_out(
                XT, Y, targets, sample_weight, rng, config["hidden"], options
            )
        result = train(
            X_fit,
            Y_fit,
            params,
            optimizer,
            hidden=config["hidden"],
            output=output,
            max_iter=1 if incremental else int(self.max_iter),
            batch_size=None if self.batch_size is None else int(self.batch_size),
            tol=None if incremental or self.tol is None else float(self.tol),
            n_iter_no_change=options["n_iter_no_change"],
            random_state=rng,
            verbose=bool(self.verbose),
            alpha=options["alpha"],
            sample_weight=weights_fit,
            validation_score=score,
        )
        state = {
            "_params": result.params,
            "_hidden": config["hidden"],
            "_output": output,
            "loss_curve_": result.loss_curve,
            "n_iter_": result.n_iter,
            "n_features_in_": dims[0],
            "n_layers_": len(dims),
            "n_outputs_": dims[-1],
            "out_activation_": output,
        }
        state.update(self._sklearn_state(result, optimizer, continuing, options))
        return state, result

    def _fitted_params_like(
        self, dims: list[int], XT: Array, incremental: bool
    ) -> tuple[list[tuple[Array, Array]], bool]:
        # The starting point of warm_start and partial_fit: the fitted parameters, on X's
        # library, device and dtype; also whether they had to move there. They need no copy:
        # training never writes to the arrays it is given, so a failed fit leaves them as
        # they were.
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

    def _continued_optimizer(self) -> Optimizer | None:
        # partial_fit keeps the optimizer's state (velocities, Adam moments) between calls, as
        # long as the solver and the learning rate are the same. The optimizer updates its
        # state in place, so the call trains a copy: a failed call leaves the state as it was.
        previous = getattr(self, "_optimizer", None)
        fresh = make_optimizer(self.solver, float(self.learning_rate))
        if (
            previous is None
            or type(previous) is not type(fresh)
            or previous.learning_rate != fresh.learning_rate
        ):
            return None
        return previous.copy()

    def _hold_out(
        self,
        XT: Array,
        Y: Array,
        targets: np.ndarray | None,
        sample_weight: np.ndarray | None,
        rng: Any,
        hidden: str,
        options: dict[str, Any],
    ) -> tuple[Array, Array, Array | None, Any]:
        # Early stopping: split off validation_fraction of the examples (on the host, with the
        # estimator's random state; stratified for classifiers) and score them after every
        # iteration with the estimator's own score (accuracy or R², weighted like the fit).
        assert targets is not None
        n = int(XT.shape[1])
        stratify = targets if self._output_kind == "classifier" else None
        train_idx, val_idx = holdout_split(n, options["validation_fraction"], rng, stratify)
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
        take_train = move_like(train_idx, XT, keep_dtype=True)
        X_val = xp.take(XT, move_like(val_idx, XT, keep_dtype=True), axis=1)
        truth = targets[val_idx]

        def score(params: list[tuple[Array, Array]]) -> float:
            out = network.predict_output(X_val, params, hidden=hidden, output="identity")
            return self._holdout_score(to_numpy(out), truth, w_val)

        return (
            xp.take(XT, take_train, axis=1),
            xp.take(Y, take_train, axis=1),
            None if w_train is None else move_like(w_train.reshape(1, -1), XT),
            score,
        )

    def _holdout_score(
        self, out: np.ndarray, truth: np.ndarray, sample_weight: np.ndarray | None
    ) -> float:  # pragma: no cover - each estimator kind defines its score
        raise NotImplementedError

    def _sklearn_state(
        self,
        result: TrainingResult,
        optimizer: Optimizer,
        continuing: bool,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        # warm_start and partial_fit continue the curves of the fit they start from; n_iter_
        # counts this call's iterations, as in scikit-learn
        curve = (list(self.loss_curve_) if continuing else []) + result.loss_curve
        state: dict[str, Any] = {"loss_curve_": curve, "_optimizer": optimizer}
        if not self._mlp_like:
            return state
        if options["early_stopping"]:
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

    def _warn_if_not_converged(self, result: TrainingResult, options: dict[str, Any]) -> None:
        # Called by fit once the whole fitted state is in place: where warnings are errors, the
        # model is still complete.
        if self.tol is None or result.stopped_early:
            return
        criterion = "validation score" if options["early_stopping"] else "training cost"
        warnings.warn(
            f"{type(self).__name__} reached max_iter={self.max_iter} before its {criterion} "
            f"stopped improving by tol={self.tol} (n_iter_no_change="
            f"{options['n_iter_no_change']}): the optimisation has not converged. Raise "
            "max_iter or learning_rate, or pass tol=None to train for exactly max_iter "
            "iterations.",
            convergence_warning(),
            stacklevel=user_stacklevel(),
        )

    def _partial_fit_features(self, X: Any) -> Array:
        # The first call computes where X says, as fit does; later calls where the parameters
        # are, in their dtype, as predict does
        if not hasattr(self, "_params"):
            return to_backend_features(X, compute_backend(X, get_backend()), self.dtype)[0]
        return self._features_where_params(
            X, "where this model's parameters are, from its first partial_fit or fit"
        )[0]

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

    # ----------------------------------------------------------- prediction plumbing
    def _check_fitted(self) -> None:
        if not hasattr(self, "_params"):
            raise not_fitted_error(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                "appropriate arguments before using this estimator."
            )

    def _params_backend(self) -> Backend:
        w = self._params[0][0]
        return backend_of(w) or Backend(DEFAULT_BACKEND, array_namespace(w))

    def _features(self, X: Any) -> tuple[Array, str | None]:
        self._check_fitted()
        return self._features_where_params(
            X, "where this model's parameters are, from its fit or load"
        )

    def _features_where_params(self, X: Any, where: str) -> tuple[Array, str | None]:
        # X in course layout on the parameters' library, device and dtype, with their count
        w = self._params[0][0]
        XT, owner = to_backend_features(X, self._params_backend(), dtype_name(w.dtype), where=where)
        check_feature_count(int(XT.shape[0]), self.n_features_in_, type(self).__name__)
        return XT, owner

    def _logits(self, XT: Array) -> Array:
        # The output layer with an identity activation gives Z[L]: scores for decision_function,
        # and probabilities after the output activation, from one forward pass.
        return network.predict_output(XT, self._params, hidden=self._hidden, output="identity")

    @staticmethod
    def _out(result: Array, owner: str | None) -> Array:
        return to_numpy(result) if owner is None else result

    # ----------------------------------------------------------- fitted attributes
    @property
    def coefs_(self) -> list[Array]:
        """Weight matrices in scikit-learn's layout: coefs_[i] is (n_in, n_out) for layer i+1."""
        self._check_fitted()
        return [w.T for w, _ in self._params]

    @property
    def intercepts_(self) -> list[Array]:
        """Bias vectors: intercepts_[i] is (n_out,) for layer i+1."""
        self._check_fitted()
        return [b[:, 0] for _, b in self._params]

    # ----------------------------------------------------------- persistence
    # The fitted state: every attribute fit sets (subclasses add theirs). Saving reads them
    # from this list and loading installs exactly this list.
    _fitted_attributes: tuple[str, ...] = (
        "_params",
        "_hidden",
        "_output",
        "loss_curve_",
        "n_iter_",
        "n_features_in_",
        "n_layers_",
        "n_outputs_",
        "out_activation_",
    )
    # What only the scikit-learn-MLP-like estimators have (best_loss_, validation_scores_...).
    _mlp_fitted_attributes: tuple[str, ...] = (
        "best_loss_",
        "validation_scores_",
        "best_validation_score_",
    )
    # The optimizer's state lives in memory only (partial_fit continues it); a loaded model's
    # partial_fit starts a fresh optimizer from the fitted parameters.
    _memory_only_attributes: tuple[str, ...] = ("_optimizer",)

    @classmethod
    def _all_fitted_attributes(cls) -> tuple[str, ...]:
        mlp = cls._mlp_fitted_attributes if cls._mlp_like else ()
        return (*cls._fitted_attributes, *mlp, *cls._memory_only_attributes)

    _outputs: tuple[str, ...] = ()  # the output activations a model file may name
    # The fields of a model file's "fitted" object (subclasses add theirs).
    _state_fields: tuple[str, ...] = (
        "hidden",
        "output",
        "n_features_in_",
        "n_iter_",
        "loss_curve_",
        "n_layers",
    )
    _optional_state_fields: tuple[str, ...] = ()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to ``path`` atomically (see :func:`nnbackend.save`).

        Parameters
        ----------
        path : path-like
        """
        save_estimator(self, path)

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted model as plain JSON fields and named host arrays, for a model file.

        Returns
        -------
        state : dict
            ``{"params": constructor arguments, "fitted": fitted values}``, plain JSON. A
            Generator or RandomState as ``random_state`` is stored as None: its state is not
            part of the model.
        arrays : dict of str to numpy.ndarray
            ``W1``, ``b1``, ``W2``... in course layout, on the host; ``classes`` for labels
            of a NumPy dtype.

        Raises
        ------
        NotFittedError
            When the model is not fitted.
        ValueError
            When a constructor argument is not valid (``fit`` would refuse it too).
        TypeError
            When the labels are not ints, floats, bools or strings.
        """
        self._check_fitted()
        self._check_config()  # a file that load would refuse is never written
        state = {name: getattr(self, name) for name in self._all_fitted_attributes()}
        arrays: dict[str, np.ndarray] = {}
        for layer, (w, b) in enumerate(state["_params"], start=1):
            arrays[f"W{layer}"] = to_numpy(w)
            arrays[f"b{layer}"] = to_numpy(b)
        fitted: dict[str, Any] = {
            "hidden": state["_hidden"],
            "output": state["_output"],
            "n_features_in_": int(state["n_features_in_"]),
            "n_iter_": int(state["n_iter_"]),
            "loss_curve_": [float(c) for c in state["loss_curve_"]],
            "n_layers": len(state["_params"]),
        }
        if self._mlp_like:
            best = state["best_loss_"]
            scores = state["validation_scores_"]
            best_score = state["best_validation_score_"]
            fitted["best_loss_"] = None if best is None else float(best)
            fitted["validation_scores_"] = None if scores is None else [float(v) for v in scores]
            fitted["best_validation_score_"] = None if best_score is None else float(best_score)
        self._extra_to_state(state, fitted, arrays)
        params = {k: _json_param(v) for k, v in self.get_params().items()}
        if not (params.get("random_state") is None or _is_int(params["random_state"])):
            params["random_state"] = None
        return {"params": params, "fitted": fitted}, arrays

    def _extra_to_state(
        self, state: dict[str, Any], fitted: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> None:
        """Add a subclass's own fitted attributes to the file's fields and arrays."""

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
    ) -> _NetworkEstimator:
        """Rebuild a fitted estimator from what :meth:`to_state` returned, checking it all.

        Parameters
        ----------
        state : mapping
            ``{"params": ..., "fitted": ...}`` as read from a model file.
        arrays : mapping of str to numpy.ndarray
            The file's arrays, moved to the active backend once checked.

        Returns
        -------
        estimator
            Fitted.

        Raises
        ------
        ModelFileError
            When anything is missing, of the wrong type or inconsistent: keys, the layer
            shapes (W1 (n1, n_features_in_), b1 (n1, 1), W2 (n2, n1)...), dtypes (float32 or
            float64), finiteness, the classes against the output. The message names the
            field (the file is named by :func:`nnbackend.load`).
        """
        state = checks.fields(state, "", ("params", "fitted"))
        names = cls._param_names()
        model = cls(**checks.params(state["params"], names))
        try:
            model._check_config()
        except (ValueError, TypeError) as exc:
            checks.fail("params", str(exc))
        fitted = checks.fields(
            state["fitted"],
            "fitted",
            cls._state_fields,
            (*cls._optional_state_fields, *(cls._mlp_fitted_attributes if cls._mlp_like else ())),
        )
        hidden = checks.choice(fitted["hidden"], "fitted.hidden", HIDDEN_ACTIVATIONS)
        output = checks.choice(fitted["output"], "fitted.output", cls._outputs)
        n_layers = checks.integer(fitted["n_layers"], "fitted.n_layers", 1)
        if "hidden_layer_sizes" not in names and n_layers != 1:
            checks.fail("fitted.n_layers", f"{cls.__name__} has 1 layer, got {n_layers}")
        n_features = checks.integer(fitted["n_features_in_"], "fitted.n_features_in_", 1)
        layers = checks.layers(arrays, n_layers, n_features)
        n_iter = checks.integer(fitted["n_iter_"], "fitted.n_iter_", 1)
        values: dict[str, Any] = {
            "_params": layers,
            "_hidden": hidden,
            "_output": output,
            "loss_curve_": checks.finite_numbers(
                fitted["loss_curve_"], "fitted.loss_curve_", n_iter
            ),
            "n_iter_": n_iter,
            "n_features_in_": n_features,
            "n_layers_": n_layers + 1,
            "n_outputs_": int(layers[-1][0].shape[0]),
            "out_activation_": output,
        }
        values["_optimizer"] = None
        if cls._mlp_like:
            values.update(_mlp_values(fitted, values["loss_curve_"]))
        used = {f"{kind}{layer}" for layer in range(1, n_layers + 1) for kind in "Wb"}
        used |= cls._extra_from_state(fitted, arrays, values)
        for name in arrays:
            if name not in used:
                checks.fail(f"arrays/{name}.npy", f"unexpected array for {cls.__name__}")
        # Only a model that passed every check reaches the backend (a GPU, say).
        values["_params"] = [(asarray(w), asarray(b)) for w, b in layers]
        model._set_fitted({name: values[name] for name in cls._all_fitted_attributes()})
        return model

    @classmethod
    def _extra_from_state(
        cls, fitted: dict[str, Any], arrays: Mapping[str, np.ndarray], values: dict[str, Any]
    ) -> set[str]:
        """Check and add a subclass's own fitted attributes; return the arrays it used."""
        return set()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        # The optimizer's state lives in memory only: an unpickled model's partial_fit starts a
        # fresh optimizer from the fitted parameters.
        state.pop("_optimizer", None)
        if "_params" in state:
            # Host copies: a pickle must not hold GPU buffers or library-specific objects.
            state["_params"] = [(to_numpy(w), to_numpy(b)) for w, b in state["_params"]]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "_params" in state:
            state["_params"] = [(asarray(w), asarray(b)) for w, b in state["_params"]]
        self.__dict__.update(state)


class _ClassifierMixin(_NetworkEstimator):
    _output_kind = "classifier"
    classes_: np.ndarray  # fitted state, as in _NetworkEstimator
    _fitted_attributes = (*_NetworkEstimator._fitted_attributes, "classes_")
    _outputs = ("sigmoid", "softmax")
    _optional_state_fields = ("classes",)

    def _extra_to_state(
        self, state: dict[str, Any], fitted: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> None:
        # Labels of a NumPy dtype stay an array of that dtype; object labels become typed
        # JSON values, so 1 stays the int 1 (not the string '1').
        array, values = checks.labels_for_file(state["classes_"])
        if array is not None:
            arrays["classes"] = array
        else:
            fitted["classes"] = values

    @classmethod
    def _extra_from_state(
        cls, fitted: dict[str, Any], arrays: Mapping[str, np.ndarray], values: dict[str, Any]
    ) -> set[str]:
        if "classes" in fitted and "classes" in arrays:
            checks.fail("fitted.classes", "the classes are also in arrays/classes.npy")
        if "classes" in fitted:
            classes = checks.labels_from_json(fitted["classes"], "fitted.classes")
        elif "classes" in arrays:
            classes = checks.labels_from_array(arrays["classes"], "arrays/classes.npy")
        else:
            checks.fail("arrays/classes.npy", "missing: a classifier stores its classes")
        k = int(classes.shape[0])
        output, n_out = ("sigmoid", 1) if k == 2 else ("softmax", k)
        if values["_output"] != output:
            checks.fail(
                "fitted.output", f"{values['_output']!r} with {k} classes: expected {output!r}"
            )
        if values["n_outputs_"] != n_out:
            checks.fail(
                f"arrays/W{values['n_layers_'] - 1}.npy",
                f"{values['n_outputs_']} outputs for {k} classes: expected {n_out}",
            )
        values["classes_"] = classes
        return {"classes"} if "classes" in arrays else set()

    @_computing
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _ClassifierMixin:
        """Train on X (n_samples, n_features) and labels y (n_samples,).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Any labels (ints, strings...), at least two classes.
        sample_weight : array_like of shape (n_samples,) or number, optional
            Non-negative weights, at least one positive: the cost is the weighted mean of the
            examples' losses, so an integer weight k counts an example k times. None (or any
            constant) weighs all examples alike.

        Returns
        -------
        self

        Raises
        ------
        TrainingDivergedError
            When the cost or the parameters become NaN or infinite; the estimator is then left
            as it was before this call.

        Warns
        -----
        ConvergenceWarning
            When ``max_iter`` ends the training before ``tol`` stops it.
        """
        config = self._check_config()
        options = self._check_sklearn_options()
        XT, _ = to_backend_features(X, compute_backend(X, get_backend()), self.dtype)
        classes, encoded = check_labels(y)
        check_same_length(int(XT.shape[1]), encoded)
        weights = _uniform_to_none(check_sample_weight(sample_weight, int(XT.shape[1])))
        if options["warm_start"] and hasattr(self, "_params"):
            previous = self.classes_
            if previous.shape != classes.shape or not np.array_equal(previous, classes):
                raise ValueError(
                    "warm_start=True continues the previous fit, which had the classes "
                    f"{previous.tolist()}, but y has the classes {classes.tolist()}: fit with "
                    "warm_start=False to start over."
                )
        Y, output = _class_targets(encoded, classes.shape[0], XT)
        state, result = self._fit_network(
            XT, Y, config, output, options=options, targets=encoded, sample_weight=weights
        )
        self._set_fitted({**state, "classes_": classes})
        self._warn_if_not_converged(result, options)
        return self

    def _partial_fit_classes(
        self, X: Any, y: Any, sample_weight: Any, classes: Any
    ) -> _ClassifierMixin:
        config = self._check_config()
        options = self._check_sklearn_options()
        first = not hasattr(self, "_params")
        if classes is not None:
            declared, _ = check_labels(classes, name="classes")
            if not first and (
                declared.shape != self.classes_.shape or not np.array_equal(declared, self.classes_)
            ):
                raise ValueError(
                    f"classes={declared.tolist()} is not the same as the model's classes "
                    f"{self.classes_.tolist()} (from the first call to partial_fit or fit)."
                )
        elif first:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every label the "
                "model will ever see, e.g. classes=np.unique(y_all)."
            )
        else:
            declared = self.classes_
        XT = self._partial_fit_features(X)
        encoded = encode_known_labels(y, declared)
        check_same_length(int(XT.shape[1]), encoded)
        weights = _uniform_to_none(check_sample_weight(sample_weight, int(XT.shape[1])))
        Y, output = _class_targets(encoded, declared.shape[0], XT)
        state, _ = self._fit_network(
            XT, Y, config, output, options=options, sample_weight=weights, incremental=True
        )
        self._set_fitted({**state, "classes_": declared})
        return self

    def _holdout_score(
        self, out: np.ndarray, truth: np.ndarray, sample_weight: np.ndarray | None
    ) -> float:
        # accuracy, from the output layer's logits (n_out, n_val) and the class indices
        predicted = out[0] > 0 if out.shape[0] == 1 else np.argmax(out, axis=0)
        return float(np.average(predicted == truth, weights=sample_weight))

    @_computing
    def decision_function(self, X: Any) -> Array:
        """Raw scores Z[L]: shape (n_samples,) for two classes, (n_samples, n_classes) else.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        array
            In the library X came in (NumPy for host data).
        """
        XT, owner = self._features(X)
        z = self._logits(XT)
        return self._out(z[0, :] if z.shape[0] == 1 else z.T, owner)

    @_computing
    def predict_proba(self, X: Any) -> Array:
        """Class probabilities, shape (n_samples, n_classes), rows summing to 1.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        array
            In the library X came in.
        """
        XT, owner = self._features(X)
        z = self._logits(XT)
        xp = array_namespace(z)
        if z.shape[0] == 1:
            p = sigmoid(z[0, :], xp=xp)
            proba = xp.stack([1 - p, p], axis=1)
        else:
            proba = softmax(z, xp=xp).T
        return self._out(proba, owner)

    @_computing
    def predict(self, X: Any) -> Any:
        """Predicted labels, shape (n_samples,).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        array
            Labels from ``classes_``: in X's library when X came as a backend array and the
            labels are numbers, else NumPy.
        """
        XT, owner = self._features(X)
        z = self._logits(XT)
        xp = array_namespace(z)
        index = z[0, :] > 0 if z.shape[0] == 1 else xp.argmax(z, axis=0)
        labels = self.classes_[to_numpy(index).astype(np.intp)]
        if owner is None or labels.dtype.kind not in "biuf":
            return labels
        return move_like(labels, X, keep_dtype=True)

    @_computing
    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Mean accuracy of ``predict(X)`` against ``y``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Labels, checked as ``fit`` checks them (a single class is allowed).
        sample_weight : array_like of shape (n_samples,), optional
            Weights of the examples in the mean.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            When y is not 1-D, holds NaN, infinity, complex or continuous values, or has
            another length than X.
        """
        predicted = to_numpy(self.predict(X))
        truth = check_label_values(y)
        check_same_length(int(predicted.shape[0]), truth)
        weights = check_sample_weight(sample_weight, int(predicted.shape[0]))
        return float(np.average(predicted == truth, weights=weights))


class _LayeredNetwork(_NetworkEstimator):
    """The constructor shared by the two multi-layer estimators (same parameters, same
    meaning); scikit-learn reads the parameter names from this signature."""

    _mlp_like = True

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (100,),
        activation: str = "relu",
        init: str = "he",
        solver: str = "adam",
        learning_rate: float = 0.01,
        max_iter: int = 200,
        batch_size: int | None = None,
        tol: float | None = 1e-4,
        random_state: Any = None,
        dtype: str | None = None,
        verbose: bool = False,
        alpha: float = 0.0,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        warm_start: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose
        self.alpha = alpha
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start


@register_estimator
class NeuralNetworkClassifier(_ClassifierMixin, _LayeredNetwork):
    """A dense network classifier: sigmoid output for two classes, softmax for more.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        Units per hidden layer.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu"}, default "relu"
        The hidden layers' activation.
    init : {"he", "xavier", "small", "zeros"}, default "he"
        Weight initialisation (see :data:`nnbackend.core.initializers.INITS`).
    solver : {"adam", "gd", "momentum"}, default "adam"
        "gd" is the course's plain gradient descent.
    learning_rate : float, default 0.01
    max_iter : int, default 200
        Iterations (full batch) or epochs (mini-batches).
    batch_size : int or None, default None
        None trains on the full batch, as the course does.
    tol : float or None, default 1e-4
        Stop when the cost has not improved on its best by at least tol for
        ``n_iter_no_change`` consecutive iterations (with ``early_stopping``: the held-out
        score). When ``max_iter`` ends the training first, fit warns with a
        :class:`~nnbackend.errors.ConvergenceWarning`. None never stops early and never warns.
    random_state : int, Generator, RandomState or None, default None
        Seeds the initialisation, the held-out split and the shuffling; the same seed gives the
        same model on every backend. A ``numpy.random.RandomState(n)`` replays the course's
        legacy ``np.random.seed(n)`` stream (with init "xavier" or "small", the notebooks'
        weights).
    dtype : {None, "float32", "float64"}, default None
        None keeps float32/float64 input and turns the rest to float64.
    verbose : bool, default False
        Report progress on stderr: a live progress bar with the cost where someone watches
        (a terminal or a notebook; tqdm's when it is installed, else one line redrawn in
        place), and the cost at iteration 0, every tenth of the run and the last iteration as
        lines of their own, in the course's words.
    alpha : float, default 0.0
        L2 regularisation, as in the course after this one: the cost gains
        α/(2m) Σ_l ‖W[l]‖² and each dW[l] gains (α/m) W[l]; the biases are not penalised.
        (scikit-learn's MLPs default to 1e-4; 0 keeps the course's unregularised cost.)
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the training data (stratified by class), score the
        network on it after every iteration (epoch) with :meth:`score`, stop once the score
        has not improved by at least ``tol`` for ``n_iter_no_change`` iterations, and keep the
        parameters of the best score.
    validation_fraction : float, default 0.1
        The held-out share for ``early_stopping``, strictly between 0 and 1.
    n_iter_no_change : int, default 10
        Iterations without an improvement of at least ``tol`` before training stops.
    warm_start : bool, default False
        True makes :meth:`fit` start from the current parameters (when fitted) instead of a
        new initialisation, with a fresh optimizer; the features, classes and
        ``hidden_layer_sizes`` must stay the same.

    Attributes
    ----------
    classes_ : ndarray
    coefs_ : list of arrays
    intercepts_ : list of arrays
    loss_curve_ : list of float
        The cost of every iteration (epoch), continued by ``warm_start`` fits and
        :meth:`partial_fit`.
    best_loss_ : float or None
        The lowest value of ``loss_curve_``; None with ``early_stopping``.
    validation_scores_ : list of float or None
        With ``early_stopping``, the held-out accuracy after every iteration; else None.
    best_validation_score_ : float or None
        With ``early_stopping``, the best held-out accuracy of the last fit, whose parameters
        the model keeps; else None.
    n_iter_ : int
        The iterations (epochs) the last call to fit or partial_fit ran.
    n_features_in_ : int
    """

    @_computing
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> NeuralNetworkClassifier:
        """One iteration (an epoch, with ``batch_size``) on (X, y), from the current state.

        The first call initialises the network and needs ``classes``; later calls continue
        from the parameters and the optimizer's state (velocities, Adam moments) that the last
        call (or :meth:`fit`) left. The optimizer's state lives in memory only: a loaded or
        unpickled model continues with a fresh one.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Labels from ``classes``; a call may see only some of them.
        sample_weight : array_like of shape (n_samples,) or number, optional
            As in :meth:`fit`.
        classes : array_like of shape (n_classes,), optional
            Every label the model will ever see (at least two), e.g. ``np.unique(y_all)``.
            Required on the first call; later calls may repeat it unchanged or omit it.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Without ``classes`` on the first call, with other ``classes`` later, with labels
            not in ``classes``, with another number of features, or with
            ``early_stopping=True``.
        TrainingDivergedError
            When the cost becomes NaN or infinite; the estimator is then left as it was.
        """
        self._partial_fit_classes(X, y, sample_weight, classes)
        return self


@register_estimator
class LogisticRegression(_ClassifierMixin):
    """Logistic regression trained as the course does: a network with no hidden layer.

    Two classes use a sigmoid output; more classes use a softmax (multinomial regression).

    Parameters
    ----------
    init : {"zeros", "small", "xavier", "he"}, default "zeros"
        The course initialises w and b to zero.
    solver : {"gd", "momentum", "adam"}, default "gd"
    learning_rate : float, default 0.1
    max_iter : int, default 1000
    batch_size : int or None, default None
    tol : float or None, default 1e-4
        As in :class:`NeuralNetworkClassifier` (with ``n_iter_no_change`` = 10); a fit that
        reaches ``max_iter`` first warns with a :class:`~nnbackend.errors.ConvergenceWarning`.
    random_state : int, Generator, RandomState or None, default None
    dtype : {None, "float32", "float64"}, default None
    verbose : bool, default False
        Report progress on stderr: a live progress bar with the cost where someone watches
        (a terminal or a notebook; tqdm's when it is installed, else one line redrawn in
        place), and the cost at iteration 0, every tenth of the run and the last iteration as
        lines of their own, in the course's words.
    alpha : float, default 0.0
        L2 regularisation of w: the cost gains α/(2m) ‖w‖² (the course's λ; scikit-learn's
        LogisticRegression calls its inverse C).
    warm_start : bool, default False
        True makes :meth:`fit` start from the current w and b (when fitted).

    Notes
    -----
    Of scikit-learn's network options, logistic regression takes those its scikit-learn
    namesake has: ``sample_weight``, ``warm_start``, a penalty and the
    :class:`~nnbackend.errors.ConvergenceWarning`. Early stopping and ``partial_fit`` belong
    to the networks (scikit-learn's LogisticRegression has neither).

    Attributes
    ----------
    classes_ : ndarray
        The labels seen by fit, sorted.
    coefs_ : list of arrays
        As in :class:`NeuralNetworkClassifier`: here one layer.
    intercepts_ : list of arrays
    loss_curve_ : list of float
    n_iter_ : int
    n_features_in_ : int
    coef_ : array of shape (1, n_features) or (n_classes, n_features)
    intercept_ : array of shape (1,) or (n_classes,)
    """

    def __init__(
        self,
        init: str = "zeros",
        solver: str = "gd",
        learning_rate: float = 0.1,
        max_iter: int = 1000,
        batch_size: int | None = None,
        tol: float | None = 1e-4,
        random_state: Any = None,
        dtype: str | None = None,
        verbose: bool = False,
        alpha: float = 0.0,
        warm_start: bool = False,
    ) -> None:
        self.init = init
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose
        self.alpha = alpha
        self.warm_start = warm_start

    @property
    def coef_(self) -> Array:
        """Weights, (1, n_features) for two classes or (n_classes, n_features)."""
        self._check_fitted()
        return self._params[0][0]

    @property
    def intercept_(self) -> Array:
        """Biases, (1,) or (n_classes,)."""
        self._check_fitted()
        return self._params[0][1][:, 0]


@register_estimator
class NeuralNetworkRegressor(_LayeredNetwork):
    """A dense network regressor: linear output, half mean squared error.

    The parameters mean what they mean for :class:`NeuralNetworkClassifier`.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        Units per hidden layer.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu"}, default "relu"
        The hidden layers' activation.
    init : {"he", "xavier", "small", "zeros"}, default "he"
        Weight initialisation (see :data:`nnbackend.core.initializers.INITS`).
    solver : {"adam", "gd", "momentum"}, default "adam"
        "gd" is the course's plain gradient descent.
    learning_rate : float, default 0.01
    max_iter : int, default 200
        Iterations (full batch) or epochs (mini-batches).
    batch_size : int or None, default None
        None trains on the full batch, as the course does.
    tol : float or None, default 1e-4
        Stop when the cost has not improved on its best by at least tol for
        ``n_iter_no_change`` consecutive iterations (with ``early_stopping``: the held-out
        R²); fit warns with a :class:`~nnbackend.errors.ConvergenceWarning` when
        ``max_iter`` ends the training first. None never stops early and never warns.
    random_state : int, Generator, RandomState or None, default None
        Seeds the initialisation, the held-out split and the shuffling; the same seed gives
        the same model on every backend.
    dtype : {None, "float32", "float64"}, default None
        None keeps float32/float64 input and turns the rest to float64.
    verbose : bool, default False
        Report progress on stderr: a live progress bar with the cost where someone watches
        (a terminal or a notebook; tqdm's when it is installed, else one line redrawn in
        place), and the cost at iteration 0, every tenth of the run and the last iteration as
        lines of their own, in the course's words.
    alpha : float, default 0.0
        L2 regularisation: the cost gains α/(2m) Σ_l ‖W[l]‖² (biases not penalised).
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data (a random share), score it with R² after
        every iteration, stop once it has not improved by ``tol`` for ``n_iter_no_change``
        iterations, and keep the parameters of the best score.
    validation_fraction : float, default 0.1
        The held-out share for ``early_stopping``, strictly between 0 and 1.
    n_iter_no_change : int, default 10
        Iterations without an improvement of at least ``tol`` before training stops.
    warm_start : bool, default False
        True makes :meth:`fit` start from the current parameters (when fitted).

    Attributes
    ----------
    coefs_ : list of arrays
        W[l] per layer, in scikit-learn's layout (n_{l-1}, n_l).
    intercepts_ : list of arrays
        b[l] per layer, of shape (n_l,).
    loss_curve_ : list of float
        The cost per iteration (or epoch), continued by ``warm_start`` fits and
        :meth:`partial_fit`.
    best_loss_ : float or None
        The lowest value of ``loss_curve_``; None with ``early_stopping``.
    validation_scores_ : list of float or None
        With ``early_stopping``, the held-out R² after every iteration; else None.
    best_validation_score_ : float or None
        With ``early_stopping``, the best held-out R² of the last fit, whose parameters the
        model keeps; else None.
    n_iter_ : int
        Iterations (or epochs) the last call to fit or partial_fit ran.
    n_features_in_ : int
        Features seen by fit.
    n_outputs_ : int
        Targets per sample.
    """

    _output_kind = "regressor"
    _single_output: bool  # fitted state, as in _NetworkEstimator
    _fitted_attributes = (*_NetworkEstimator._fitted_attributes, "_single_output")
    _outputs = ("identity",)
    _state_fields = (*_NetworkEstimator._state_fields, "single_output")

    def _extra_to_state(
        self, state: dict[str, Any], fitted: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> None:
        fitted["single_output"] = bool(state["_single_output"])

    @classmethod
    def _extra_from_state(
        cls, fitted: dict[str, Any], arrays: Mapping[str, np.ndarray], values: dict[str, Any]
    ) -> set[str]:
        single = checks.boolean(fitted["single_output"], "fitted.single_output")
        if single and values["n_outputs_"] != 1:
            checks.fail(
                "fitted.single_output",
                f"true (fit on 1-D y), but the model has {values['n_outputs_']} outputs",
            )
        values["_single_output"] = single
        return set()

    @_computing
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuralNetworkRegressor:
        """Train on X (n_samples, n_features) and targets y (n_samples,) or (n_samples, k).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array_like of shape (n_samples,) or number, optional
            As in :meth:`NeuralNetworkClassifier.fit`.

        Returns
        -------
        self

        Raises
        ------
        TrainingDivergedError
            When the cost or the parameters become NaN or infinite; the estimator is then left
            as it was before this call.

        Warns
        -----
        ConvergenceWarning
            When ``max_iter`` ends the training before ``tol`` stops it.
        """
        config = self._check_config()
        options = self._check_sklearn_options()
        XT, _ = to_backend_features(X, compute_backend(X, get_backend()), self.dtype)
        targets = check_regression_targets(y)
        check_same_length(int(XT.shape[1]), targets)
        weights = _uniform_to_none(check_sample_weight(sample_weight, int(XT.shape[1])))
        Y = move_like(np.ascontiguousarray(targets.T), XT)
        state, result = self._fit_network(
            XT, Y, config, "identity", options=options, targets=targets, sample_weight=weights
        )
        self._set_fitted({**state, "_single_output": np.ndim(to_numpy(y)) == 1})
        self._warn_if_not_converged(result, options)
        return self

    @_computing
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuralNetworkRegressor:
        """One iteration (an epoch, with ``batch_size``) on (X, y), from the current state.

        As :meth:`NeuralNetworkClassifier.partial_fit`, without ``classes``: the first call
        fixes the number of features and of outputs.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array_like of shape (n_samples,) or number, optional

        Returns
        -------
        self
        """
        config = self._check_config()
        options = self._check_sklearn_options()
        first = not hasattr(self, "_params")
        XT = self._partial_fit_features(X)
        targets = check_regression_targets(y)
        check_same_length(int(XT.shape[1]), targets)
        if not first and targets.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {targets.shape[1]} output(s), but {type(self).__name__} was fitted "
                f"with {self.n_outputs_}."
            )
        weights = _uniform_to_none(check_sample_weight(sample_weight, int(XT.shape[1])))
        Y = move_like(np.ascontiguousarray(targets.T), XT)
        state, _ = self._fit_network(
            XT, Y, config, "identity", options=options, sample_weight=weights, incremental=True
        )
        single = np.ndim(to_numpy(y)) == 1 if first else self._single_output
        self._set_fitted({**state, "_single_output": single})
        return self

    def _holdout_score(
        self, out: np.ndarray, truth: np.ndarray, sample_weight: np.ndarray | None
    ) -> float:
        return _r2_score(truth, out.T, sample_weight)

    @_computing
    def predict(self, X: Any) -> Array:
        """Predicted targets: (n_samples,) when fit on 1-D y, else (n_samples, n_outputs).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        array
            In the library X came in.
        """
        XT, owner = self._features(X)
        out = self._logits(XT)
        return self._out(out[0, :] if self._single_output else out.T, owner)

    @_computing
    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The coefficient of determination R² (averaged uniformly over outputs).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, checked as ``fit`` checks them.
        sample_weight : array_like of shape (n_samples,), optional
            Weights of the examples in every sum of squares.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            When y holds NaN, infinity or complex values, has another length than X, or
            another number of outputs than the model predicts.
        """
        predicted = to_numpy(self.predict(X))
        predicted = predicted.reshape(predicted.shape[0], -1)
        truth = check_regression_targets(y)
        check_same_length(int(predicted.shape[0]), truth)
        if truth.shape[1] != predicted.shape[1]:
            raise ValueError(
                f"y has {truth.shape[1]} output(s) per sample, but this "
                f"{type(self).__name__} predicts {predicted.shape[1]}: expected y of shape "
                f"({predicted.shape[0]}, {predicted.shape[1]})."
            )
        weights = check_sample_weight(sample_weight, int(predicted.shape[0]))
        return _r2_score(truth, predicted, weights)
