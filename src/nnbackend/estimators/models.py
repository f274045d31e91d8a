"""scikit-learn-style estimators in the course's vocabulary, over the one fitting core.

This module holds the public classes: their constructors (the course's words), their
constraint tables, the mapping into :class:`~nnbackend.estimators.params.FitConfig`, and what
each kind makes of y. The fitting core is :mod:`nnbackend.estimators.base`, the prediction
plumbing :mod:`nnbackend.estimators.prediction`, the model-file schema
:mod:`nnbackend.estimators.schema`, the parameter checks :mod:`nnbackend.estimators.params`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from nnbackend.backends import Placement, to_numpy
from nnbackend.estimators.base import NetworkEstimator, Targets
from nnbackend.estimators.hyperparams import RULES
from nnbackend.estimators.params import (
    FitConfig,
    Rule,
)
from nnbackend.estimators.prediction import ClassifierPrediction, RegressorPrediction
from nnbackend.estimators.schema import ClassifierFileState, RegressorFileState
from nnbackend.estimators.validation import (
    check_labels,
    check_regression_targets,
    check_same_length,
    encode_known_labels,
)
from nnbackend.model_file import register_estimator
from nnbackend.training.optimizers import make_optimizer

__all__ = ["LogisticRegression", "NeuralNetworkClassifier", "NeuralNetworkRegressor"]

Array = Any

# The course vocabulary's constraints, in the order they are checked: one rule per name
# (estimators.hyperparams), which fit, load and the model file's params all use.
_COMMON: dict[str, Any] = {
    name: RULES[name]
    for name in (
        "activation",
        "init",
        "solver",
        "learning_rate",
        "max_iter",
        "batch_size",
        "tol",
        "dtype",
        "random_state",
        "verbose",
    )
}
_COMMON_MLP: dict[str, Any] = {
    name: RULES[name]
    for name in (
        "hidden_layer_sizes",
        "alpha",
        "warm_start",
        "early_stopping",
        "validation_fraction",
        "n_iter_no_change",
    )
}


class _CourseVocabulary(NetworkEstimator):
    """The course's words (``learning_rate``, ``solver="gd"``, ``init``) mapped into a config."""

    init: str
    solver: str
    learning_rate: float
    max_iter: int
    batch_size: int | None
    tol: float | None
    random_state: Any
    dtype: str | None
    verbose: bool

    def _fit_config(self) -> FitConfig:
        v = self._checked_params()
        return FitConfig(
            sizes=tuple(v.get("hidden_layer_sizes", ())),
            activation=v.get("activation", "relu"),
            init=v["init"],
            optimizer=functools.partial(make_optimizer, v["solver"], float(v["learning_rate"])),
            max_iter=int(v["max_iter"]),
            batch_size=None if v["batch_size"] is None else int(v["batch_size"]),
            tol=None if v["tol"] is None else float(v["tol"]),
            n_iter_no_change=int(v.get("n_iter_no_change", 10)),
            alpha=float(v.get("alpha", 0.0)),
            early_stopping=bool(v.get("early_stopping", False)),
            validation_fraction=float(v.get("validation_fraction", 0.1)),
            warm_start=bool(v.get("warm_start", False)),
            dtype=v["dtype"],
            verbose=bool(self.verbose),
            # the argument itself: a Generator or RandomState seeds the fit (the plain value,
            # None, is what a model file records)
            random_state=self.random_state,
        )


def _class_targets(encoded: np.ndarray, n_classes: int, place: Placement) -> tuple[Array, str]:
    # Y in course layout where the fit computes, and the output paired with it: one sigmoid
    # unit for two classes, a softmax over one-hot rows for more
    # A single class trains one sigmoid unit towards 0 (scikit-learn's encoding of one class)
    # and is predicted whatever it outputs.
    if n_classes == 1:
        return place.move(np.zeros((1, encoded.shape[0]))), "sigmoid"
    if n_classes == 2:
        return place.move(encoded.reshape(1, -1).astype(np.float64)), "sigmoid"
    return place.move(np.eye(n_classes)[encoded].T), "softmax"


class _Classifier(ClassifierFileState, ClassifierPrediction, _CourseVocabulary):
    """A classifier's targets: its classes, encoded; fit and the target side of partial_fit."""

    _output_kind = "classifier"

    def _targets(
        self,
        y: Any,
        XT: Array,
        *,
        place: Placement,
        incremental: bool,
        continuing: bool,
        classes: Any = None,
    ) -> Targets:
        if incremental:
            declared = self._declared_classes(classes)
            encoded = encode_known_labels(y, declared)
        else:
            declared, encoded = check_labels(y, min_classes=1)
            if continuing:
                previous = self.classes_
                if previous.shape != declared.shape or not np.array_equal(previous, declared):
                    raise ValueError(
                        "warm_start=True continues the previous fit, which had the classes "
                        f"{previous.tolist()}, but y has the classes {declared.tolist()}: fit "
                        "with warm_start=False to start over."
                    )
        check_same_length(int(XT.shape[1]), encoded)
        Y, output = _class_targets(encoded, declared.shape[0], place)
        return Targets(Y, output, encoded, {"classes_": declared})

    def _declared_classes(self, classes: Any) -> np.ndarray:
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
            return declared
        if first:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every label the "
                "model will ever see, e.g. classes=np.unique(y_all)."
            )
        return self.classes_

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _Classifier:
        """Train on X (n_samples, n_features) and labels y (n_samples,).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Any labels (ints, strings...). A single class is accepted, as scikit-learn's MLP
            accepts it: the model predicts that class.
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
        return self._fit(X, y, sample_weight, incremental=False)  # type: ignore[return-value]


class _LayeredNetwork(_CourseVocabulary):
    """The constructor shared by the two multi-layer estimators (same parameters, same
    meaning); scikit-learn reads the parameter names from this signature."""

    _mlp_like = True
    _parameter_constraints: Mapping[str, Rule] = {**_COMMON, **_COMMON_MLP}

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
class NeuralNetworkClassifier(_Classifier, _LayeredNetwork):
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
        The iterations (epochs) of the last ``fit`` or :meth:`partial_fit` call, as in
        scikit-learn (``loss_curve_`` holds those of every call since the first).
    n_features_in_ : int
    """

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
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)  # type: ignore[return-value]


@register_estimator
class LogisticRegression(_Classifier):
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

    _parameter_constraints: Mapping[str, Rule] = {
        **{name: rule for name, rule in _COMMON.items() if name != "activation"},
        "alpha": _COMMON_MLP["alpha"],
        "warm_start": _COMMON_MLP["warm_start"],
    }

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
class NeuralNetworkRegressor(RegressorFileState, RegressorPrediction, _LayeredNetwork):
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
        Iterations (or epochs) of the last ``fit`` or :meth:`partial_fit` call, as in
        scikit-learn (``loss_curve_`` holds those of every call since the first).
    n_features_in_ : int
        Features seen by fit.
    n_outputs_ : int
        Targets per sample.
    """

    _output_kind = "regressor"

    def _targets(
        self,
        y: Any,
        XT: Array,
        *,
        place: Placement,
        incremental: bool,
        continuing: bool,
        **extra: Any,
    ) -> Targets:
        targets = check_regression_targets(y)
        check_same_length(int(XT.shape[1]), targets)
        first = not hasattr(self, "_params")
        if incremental and not first and targets.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {targets.shape[1]} output(s), but {type(self).__name__} was fitted "
                f"with {self.n_outputs_}."
            )
        Y = place.move(np.ascontiguousarray(targets.T))
        single = np.ndim(to_numpy(y)) == 1 if first or not incremental else self._single_output
        return Targets(Y, "identity", targets, {"_single_output": single})

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
        return self._fit(X, y, sample_weight, incremental=False)  # type: ignore[return-value]

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
        return self._fit(X, y, sample_weight, incremental=True)  # type: ignore[return-value]
