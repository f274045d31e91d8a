"""``MLPClassifier`` and ``MLPRegressor``: scikit-learn's constructor and behaviour, our core.

scikit-learn's vocabulary is a parameter table here: its constructor, its
``_parameter_constraints`` (taken from scikit-learn itself, so the messages are its own) and its
fitted attributes. The math is nnbackend's: :func:`nnbackend.core.network.cost_and_gradients`
for every step, the optimizers of :mod:`nnbackend.training.optimizers` (:class:`SGD` and Adam
with scikit-learn's epsilon placement), :func:`nnbackend.training.lbfgs.minimize_lbfgs`, and
the step with its divergence check from :mod:`nnbackend.training.loop`. Data of any supported
library trains on that library; host data on the active backend.

sgd and adam run the one training driver, :func:`nnbackend.training.train`, as the native
estimators do: its rules are scikit-learn's (the shuffled order of each epoch, the stall count
compared with ``> n_iter_no_change``, the ``on_plateau`` hook for the adaptive schedule, ``t_``
across warm starts and ``partial_fit``), so that the same seed gives scikit-learn's weights,
and it runs the compiled loop where the library has one. This module maps scikit-learn's
settings and attributes onto it, and nothing more.
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier as _SkClassifier
from sklearn.neural_network import MLPRegressor as _SkRegressor
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from nnbackend.core import network
from nnbackend.errors import TrainingDivergedError, convergence_warning, user_stacklevel
from nnbackend.estimators.memory import check_fit_memory
from nnbackend.sklearn import _boundary as bd
from nnbackend.sklearn._holdout import HoldOutMixin
from nnbackend.sklearn._params import check_param, plain_params
from nnbackend.sklearn._solvers import OUTPUT, SolversMixin
from nnbackend.sklearn._state import StateMixin
from nnbackend.sklearn._targets import binarize, check_indicator, check_numeric
from nnbackend.training import train
from nnbackend.training.rules import Stall

__all__ = ["MLPClassifier", "MLPRegressor"]

_STOCHASTIC = ("sgd", "adam")
_NONFINITE = (
    "Solver produced non-finite parameter weights. The input data may contain large values "
    "and need to be preprocessed."
)


class _BaseMLP(StateMixin, SolversMixin, HoldOutMixin, BaseEstimator):
    """What MLPClassifier and MLPRegressor share: fit, partial_fit, the two solvers' drivers."""

    def _validate_params(self) -> None:
        # fit's check (scikit-learn's _fit_context calls it) is the rule a model file's
        # arguments are read with: scikit-learn's constraint, then the native rule
        plain_params(self)

    def _hidden(self) -> str:
        return "sigmoid" if self.activation == "logistic" else self.activation

    # ---------------------------------------------------------------- parameters
    def _course_params(self, place: Any, host: bool) -> list[tuple[Any, Any]]:
        # coefs_ (fan_in, fan_out) → W (fan_out, fan_in), on the compute library
        return bd.params_on(self.coefs_, self.intercepts_, place, host)

    def _store(self, params: list[tuple[Any, Any]], to_host: bool) -> None:
        move = bd.host if to_host else (lambda a: a)
        self.coefs_ = [move(w).T for w, _ in params]
        self.intercepts_ = [move(b).reshape(-1) for _, b in params]

    def _init_coef(self, fan_in: int, fan_out: int, dtype: np.dtype) -> tuple[Any, Any]:
        # Glorot's uniform bound, drawn on the host in scikit-learn's order: one seed, its weights
        factor = 2.0 if self.activation == "logistic" else 6.0
        bound = np.sqrt(factor / (fan_in + fan_out))
        coef = self._random_state.uniform(-bound, bound, (fan_in, fan_out))
        intercept = self._random_state.uniform(-bound, bound, fan_out)
        return coef.astype(dtype, copy=False), intercept.astype(dtype, copy=False)

    def _initialize(self, y: np.ndarray, layer_units: list[int], dtype: np.dtype) -> None:
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        self.coefs_, self.intercepts_ = [], []
        for fan_in, fan_out in itertools.pairwise(layer_units):
            coef, intercept = self._init_coef(fan_in, fan_out, dtype)
            self.coefs_.append(coef)
            self.intercepts_.append(intercept)
        if self.solver in _STOCHASTIC:
            self.loss_curve_ = []
            self.__dict__.pop("_stall", None)
            self._new_stall()
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    # ---------------------------------------------------------------- fit
    def _fit(self, X: Any, y: Any, sample_weight: Any = None, incremental: bool = False) -> Any:
        sizes = list(check_param(type(self), "hidden_layer_sizes", self.hidden_layer_sizes))
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        backend, on_host = bd.backend_for(X)
        X, y = self._validate_input(X, y, incremental, reset=first_pass, host=on_host)
        n_samples, n_features = X.shape
        if sample_weight is not None:
            if bd.backend_of(sample_weight) is not None:  # a library's array: to the host
                sample_weight = bd.host(sample_weight)
            sample_weight = _check_sample_weight(
                sample_weight, np.empty(n_samples), ensure_non_negative=True
            )
        y = np.asarray(y)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        self.n_outputs_ = y.shape[1]
        layer_units = [n_features, *sizes, self.n_outputs_]
        self._random_state = check_random_state(self.random_state)
        dtype = bd.float_dtype(X, self.dtype)
        if first_pass:
            # refused before allocating: hidden_layer_sizes=(2**62,) names itself, not NumPy
            check_fit_memory(layer_units, n_samples, dtype, self._batch(n_samples))
            self._initialize(y, layer_units, dtype)
        # the whole fit in the library's computing scope (JAX's float64 is per call): the
        # held-out arrays and L-BFGS's callbacks are made here, outside the driver's own scope
        with (
            backend.adapter.computing(dtype),
            np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        ):
            Xc, place = bd.to_course(X, backend, on_host, dtype)
            params = self._course_params(place, on_host)
            if self.solver in _STOCHASTIC:
                params = self._fit_stochastic(Xc, y, sample_weight, params, incremental)
            else:
                params = self._fit_lbfgs(Xc, y, sample_weight, params)
            self._store(params, on_host)
        if not all(np.isfinite(bd.host(a)).all() for a in [*self.coefs_, *self.intercepts_]):
            raise ValueError(_NONFINITE)
        return self

    def _batch(self, n_samples: int) -> int | None:
        # the examples of one step (None: all of them, L-BFGS)
        if self.solver not in _STOCHASTIC:
            return None
        if self.batch_size == "auto":
            return min(200, n_samples)
        return int(np.clip(self.batch_size, 1, n_samples))

    def _fit_stochastic(
        self, Xc: Any, y: np.ndarray, sw: Any, params: list, incremental: bool
    ) -> list:
        # scikit-learn's settings mapped onto the one driver (nnbackend.training.train): its
        # rules (stall count, on_plateau, best held-out weights, t_, the loss curve) are the
        # native estimators' own, compiled where the library compiles.
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer()
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        X_train, y_train, sw_train, X_val, y_val, sw_val = self._split(Xc, y, sw)
        n_samples = y_train.shape[0]
        if self.batch_size != "auto" and self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to "
                "be clipped",
                stacklevel=user_stacklevel(),
            )
        batch_size = self._batch(n_samples)
        self._continue_record()
        # the count and best value go on over warm starts and partial_fit, as scikit-learn's
        stall = self._new_stall()
        stall.tol, stall.n_iter_no_change = self.tol, self.n_iter_no_change
        try:
            result = train(
                X_train,
                bd.targets_like(y_train, Xc),
                params,
                self._optimizer,
                hidden=self._hidden(),
                output=OUTPUT[self.out_activation_],
                max_iter=1 if incremental else self.max_iter,
                batch_size=batch_size,
                tol=self.tol,
                n_iter_no_change=self.n_iter_no_change,
                random_state=self._random_state,
                verbose="epochs" if self.verbose else False,
                alpha=self.alpha,
                sample_weight=bd.weights_like(sw_train, Xc),
                validation_score=(
                    self._held_out(X_val, y_val, sw_val) if self.early_stopping else None
                ),
                shuffle=self.shuffle,
                samples_seen=self.t_,
                stall=stall,
            )
        except TrainingDivergedError as exc:
            raise ValueError(_NONFINITE) from exc
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=user_stacklevel())
            return params
        self.n_iter_ = result.n_iter
        self.t_ = result.samples_seen
        self.loss_curve_ += result.loss_curve
        if result.loss_curve:
            self.loss_ = result.loss_curve[-1]
        if self.early_stopping:
            # a score of diverged weights is NaN, as scikit-learn's r2_score/accuracy give it
            # (a device score of overflowing outputs can read -inf)
            self.validation_scores_ += [
                v if math.isfinite(v) else math.nan for v in result.validation_scores or []
            ]
            self.best_validation_score_ = stall.best
        else:
            self.best_loss_ = stall.best
        if not incremental and not result.stopped_early and self.n_iter_ == self.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                convergence_warning(),
                stacklevel=user_stacklevel(),
            )
        return result.params

    @property
    def _no_improvement_count(self) -> int:
        """scikit-learn's private stall count (its tests read it): the driver's, carried over."""
        return self._stall.count

    @_no_improvement_count.setter
    def _no_improvement_count(self, count: int) -> None:
        # scikit-learn's tests set up a model by hand, this count included
        self._new_stall().count = int(count)

    def _continue_record(self) -> None:
        # the stochastic solvers' record after a fit that kept none (L-BFGS, a model file) or
        # followed another quantity (early stopping turned on or off since): start afresh
        # what is missing, as a first fit would
        if getattr(self, "loss_curve_", None) is None:
            self.loss_curve_ = []
        if self._new_stall().higher != bool(self.early_stopping):
            del self._stall
            self._new_stall()
            if self.early_stopping:
                self.best_validation_score_ = -np.inf
            else:
                self.best_loss_ = np.inf
        if self.early_stopping and getattr(self, "validation_scores_", None) is None:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf

    def _new_stall(self) -> Stall:
        if not hasattr(self, "_stall"):
            self._stall = Stall(
                self.tol, self.n_iter_no_change, higher_is_better=self.early_stopping
            )
        return self._stall

    # ---------------------------------------------------------------- predict
    def _forward_pass_fast(self, X: Any, check_input: bool = True) -> Any:
        backend, on_host = bd.backend_for(X)
        if check_input:
            if on_host:
                bd.check_host_X(X)
                X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
            else:
                X = bd.check_library_X(self, X, reset=False)
        dtype = bd.numpy_dtype(self.coefs_[0].dtype)
        # in the library's computing scope, as fit ran (JAX's float64 is per call)
        with backend.adapter.computing(dtype):
            Xc, place = bd.to_course(X, backend, on_host, dtype)
            out = network.predict_output(
                Xc,
                self._course_params(place, on_host),
                hidden=self._hidden(),
                output=OUTPUT[self.out_activation_],
            )
            return bd.host(out).T if on_host else out.T

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Host data, or an array of a supported library (it trains there).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        return self._fit_validated(X, y, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def _fit_validated(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self) -> bool:
        if self.solver not in _STOCHASTIC:
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. {self.solver} is not "
                "stochastic."
            )
        return True

    def _validate_library(self, X: Any, y: Any, reset: bool, host: bool) -> tuple:
        if host:
            bd.check_host_X(X)
            return validate_data(
                self,
                X,
                y,
                accept_sparse=["csr", "csc"],
                multi_output=True,
                y_numeric=not self._is_classifier(),
                dtype=(np.float64, np.float32),
                reset=reset,
            )
        X = bd.check_library_X(self, X, reset=reset)
        y = bd.host(y)
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: "
                f"[{X.shape[0]}, {y.shape[0]}]"
            )
        return X, y

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _extras(table: dict) -> dict:
    # nnbackend's keyword-only extras join scikit-learn's own constraints
    return {**table, "dtype": [None, str, type, np.dtype]}


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier: scikit-learn's, trained by nnbackend on any library.

    Every parameter, default, fitted attribute and method is scikit-learn's
    (:class:`sklearn.neural_network.MLPClassifier`); see its documentation. nnbackend adds:

    Parameters
    ----------
    dtype : {None, "float32", "float64"}, default=None, keyword-only
        The training dtype; None follows X (float32 or float64, else float64).

    Notes
    -----
    X of a supported library (torch, JAX, CuPy, Dask, array-api-strict) trains on its library
    and device, and predictions are of that library; host data trains on the active backend
    (``NNBACKEND`` / ``nnbackend.use_backend``) and gives NumPy results.
    """

    _parameter_constraints = _extras(dict(_SkClassifier._parameter_constraints))

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dtype=None,
    ) -> None:
        for name, value in locals().items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    loss = "log_loss"
    _stores_classes = True

    def _is_classifier(self) -> bool:
        return True

    def _output_activation(self) -> str:
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    _score_function = staticmethod(accuracy_score)

    def _decode(self, out: np.ndarray) -> np.ndarray:
        if self.n_outputs_ == 1:
            out = out.ravel()
        return self._label_binarizer.inverse_transform(out)

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool, host: bool) -> tuple:
        X, y = self._validate_library(X, y, reset, host)
        if y.ndim == 2 and y.shape[1] == 1:
            from sklearn.utils.validation import column_or_1d

            y = column_or_1d(y, warn=True)
        check_indicator(y)
        first = (not hasattr(self, "classes_")) or (not self.warm_start and not incremental)
        plain = binarize(y) if first else None
        if plain is not None:
            self._label_binarizer, Y = plain
            self.classes_ = self._label_binarizer.classes_
            return X, Y
        if first:
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the "
                        f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return X, self._label_binarizer.transform(y).astype(bool)

    def predict(self, X: Any) -> Any:
        """Predict using the multi-layer perceptron classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self._decode(bd.host(self._forward_pass_fast(X)))

    def _predict(self, X: Any, check_input: bool = True) -> Any:
        return self._decode(bd.host(self._forward_pass_fast(X, check_input=check_input)))

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None) -> Any:
        """Update the model with a single iteration over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array of shape (n_classes,), default=None
            Required on the first call.

        Returns
        -------
        self
        """
        return self._partial_fit(X, y, sample_weight, classes)

    @_fit_context(prefer_skip_nested_validation=True)
    def _partial_fit(self, X: Any, y: Any, sample_weight: Any, classes: Any) -> Any:
        if classes is not None and np.ndim(classes) != 1:
            raise ValueError(
                f"classes must be a 1-D list of the labels, got an array of shape "
                f"{np.shape(classes)}: {classes!r:.80}"
            )
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target_is_multilabel(y):
                self._label_binarizer.fit(bd.host(y))
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict_log_proba(self, X: Any) -> Any:
        """The log of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
        """
        y_prob = self.predict_proba(X)
        # not in place: a host view of another library's result may be read-only (JAX)
        return np.log(y_prob) if isinstance(y_prob, np.ndarray) else _log(y_prob)

    def predict_proba(self, X: Any) -> Any:
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        y_pred = self._forward_pass_fast(X)
        if self.n_outputs_ == 1 and isinstance(y_pred, np.ndarray):
            y_pred = y_pred.ravel()
            if y_pred.ndim == 1:
                return np.vstack([1 - y_pred, y_pred]).T
        if self.n_outputs_ == 1:
            xp = bd.array_namespace(y_pred)
            return xp.concat([1 - y_pred, y_pred], axis=1)
        return y_pred

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def type_of_target_is_multilabel(y: Any) -> bool:
    """Whether ``y`` is a 2-D indicator matrix (scikit-learn's ``multilabel-indicator``)."""
    from sklearn.utils.multiclass import type_of_target

    return type_of_target(bd.host(y)) == "multilabel-indicator"


def _log(x: Any) -> Any:
    return bd.array_namespace(x).log(x)


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: scikit-learn's, trained by nnbackend on any library.

    Every parameter, default, fitted attribute and method is scikit-learn's
    (:class:`sklearn.neural_network.MLPRegressor`); see its documentation. nnbackend adds:

    Parameters
    ----------
    dtype : {None, "float32", "float64"}, default=None, keyword-only
        The training dtype; None follows X (float32 or float64, else float64).
    """

    _parameter_constraints = _extras(dict(_SkRegressor._parameter_constraints))

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dtype=None,
    ) -> None:
        for name, value in locals().items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def _is_classifier(self) -> bool:
        return False

    def _output_activation(self) -> str:
        return "exp" if self.loss == "poisson" else "identity"

    _score_function = staticmethod(r2_score)

    def _decode(self, out: np.ndarray) -> np.ndarray:
        return out.ravel() if out.shape[1] == 1 else out

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool, host: bool) -> tuple:
        X, y = self._validate_library(X, y, reset, host)
        check_numeric(y)
        if y.ndim == 2 and y.shape[1] == 1:
            from sklearn.utils.validation import column_or_1d

            y = column_or_1d(y, warn=True)
        return X, y

    def predict(self, X: Any) -> Any:
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples, n_outputs) or (n_samples,)
        """
        check_is_fitted(self)
        return self._predict(X)

    def _predict(self, X: Any, check_input: bool = True) -> Any:
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        if y_pred.shape[1] == 1:
            return y_pred.reshape(-1) if not isinstance(y_pred, np.ndarray) else y_pred.ravel()
        return y_pred

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """Update the model with a single iteration over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        return self._partial_fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def _partial_fit(self, X: Any, y: Any, sample_weight: Any) -> Any:
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)
