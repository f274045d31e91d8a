"""The two solvers' entry points of the scikit-learn front door: L-BFGS and the optimizers.

Both run nnbackend's math: :func:`nnbackend.training.lbfgs.minimize_lbfgs` over
:func:`nnbackend.core.network.cost_and_gradients`, and :class:`SGD` / :class:`Adam` (with
scikit-learn's epsilon placement) from :mod:`nnbackend.training.optimizers`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from nnbackend.core import network
from nnbackend.errors import convergence_warning, user_stacklevel
from nnbackend.sklearn import _boundary as bd
from nnbackend.training.lbfgs import minimize_lbfgs, pack, unpack
from nnbackend.training.optimizers import SGD, Adam, Optimizer

# scikit-learn's output names → the core's
OUTPUT = {"logistic": "sigmoid", "softmax": "softmax", "identity": "identity", "exp": "exp"}


class SolversMixin:
    """``_fit_lbfgs``, ``_loss_grad_lbfgs`` and ``_make_optimizer`` for the MLP estimators."""

    def _fit_lbfgs(self, Xc: Any, y: np.ndarray, sw: Any, params: list) -> list:
        result = minimize_lbfgs(
            Xc,
            bd.targets_like(y, Xc),
            params,
            hidden=self._hidden(),
            output=OUTPUT[self.out_activation_],
            alpha=self.alpha,
            sample_weight=bd.weights_like(sw, Xc),
            max_iter=self.max_iter,
            max_fun=self.max_fun,
            tol=self.tol,
        )
        if not result.converged:
            warnings.warn(
                f"lbfgs failed to converge after {result.n_iter} iteration(s) "
                f"(status=1):\n{result.message}\n\nIncrease the number of iterations to "
                f"improve the convergence (max_iter={self.max_iter}).",
                convergence_warning(),
                stacklevel=user_stacklevel(),
            )
        if not np.isfinite(result.loss):
            # the stochastic solvers' divergence error: X or y too large for the dtype
            raise ValueError(
                f"The loss is not finite ({result.loss}): the input data (X or y) may contain "
                "values too large for the training dtype and need to be preprocessed."
            )
        self.n_iter_ = min(result.n_iter, self.max_iter)
        self.loss_ = result.loss
        return result.params

    def _loss_grad_lbfgs(self, packed: Any, X: Any, y: Any, sample_weight: Any, *_: Any) -> tuple:
        """scikit-learn's private cost-and-gradient of a packed vector (its tests call it).

        The buffers scikit-learn passes after ``sample_weight`` are not needed here.
        """
        backend, on_host = bd.backend_for(X)
        Xc, place = bd.to_course(X, backend, on_host, bd.numpy_dtype(self.coefs_[0].dtype))
        like = self._course_params(place, on_host)
        Y = bd.targets_like(np.asarray(y).reshape(X.shape[0], -1), Xc)
        cost, grads = network.cost_and_gradients(
            Xc,
            Y,
            unpack(np.asarray(packed), like),
            hidden=self._hidden(),
            output=OUTPUT[self.out_activation_],
            alpha=self.alpha,
            sample_weight=bd.weights_like(sample_weight, Xc),
        )
        return float(cost), pack(grads)

    def _make_optimizer(self) -> Optimizer:
        if self.solver == "sgd":
            return SGD(
                self.learning_rate_init,
                self.learning_rate,
                self.momentum,
                self.nesterovs_momentum,
                self.power_t,
            )
        return Adam(
            self.learning_rate_init,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            corrected_epsilon=False,  # scikit-learn adds ε to √v, before the bias correction
        )
