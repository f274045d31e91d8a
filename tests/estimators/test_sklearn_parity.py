"""scikit-learn's MLP options on the network estimators: the L2 penalty, example weights,
early stopping, partial_fit, warm_start, the ConvergenceWarning and the attributes that go
with them. The penalty and the weights are checked in the core math against central finite
differences and torch autograd, and on every backend against NumPy."""

from __future__ import annotations

import itertools
import pickle
import sys
import warnings

import numpy as np
import pytest

import nnbackend
from helpers import blobs as _blobs
from helpers import central_differences, rtol_for
from helpers import host as _np
from nnbackend import backends, errors, training
from nnbackend.core import initializers, network
from nnbackend.errors import ConvergenceWarning, TrainingDivergedError
from nnbackend.estimators.holdout import holdout_split
from nnbackend.training import optimizers

HIDDEN = ("relu", "tanh", "leaky_relu")
OUTPUTS = network.OUTPUTS
SLOPE = 0.1


def _flat(pairs):
    return np.concatenate([_np(a).ravel() for pair in pairs for a in pair])


def _problem(output, n_out=2, m=9, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, m))
    if output == "sigmoid":
        Y = (rng.random((n_out, m)) > 0.5).astype(float)
    elif output == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, m)].T.copy()
    elif output == "exp":  # counts, for the Poisson output
        Y = rng.poisson(2.0, (n_out, m)).astype(float)
    else:
        Y = rng.standard_normal((n_out, m)) + 1.0
    params = initializers.draw_parameters([3, 5, 4, n_out], "xavier", rng)
    params = [(w, rng.standard_normal(b.shape) * 0.1) for w, b in params]
    weights = rng.integers(0, 4, (1, m)).astype(float)
    weights[0, 0] = 2.5  # a fractional weight, and at least one positive
    return X, Y, params, weights


def _cost(X, Y, params, hidden, output, alpha, weights):
    cost, _ = network.cost_and_gradients(
        X, Y, params, hidden=hidden, output=output, slope=SLOPE, alpha=alpha, sample_weight=weights
    )
    return float(cost)


def _grads(X, Y, params, hidden, output, alpha, weights, scale=1.0):
    _, grads = network.cost_and_gradients(
        X,
        Y,
        params,
        hidden=hidden,
        output=output,
        slope=SLOPE,
        alpha=alpha,
        sample_weight=weights,
        scale=scale,
    )
    return grads


def _regression(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(n)
    return X, y


# ------------------------------------------------------------------ the core math
@pytest.mark.parametrize(
    ("hidden", "output", "alpha", "weighted"),
    [
        (h, o, a, w)
        for (h, o), (a, w) in itertools.product(
            itertools.product(HIDDEN, OUTPUTS), [(0.7, False), (0.0, True), (0.7, True)]
        )
    ],
)
def test_penalty_and_weights_equal_central_finite_differences(
    numpy_backend, hidden, output, alpha, weighted
):
    X, Y, params, weights = _problem(output)
    weights = weights if weighted else None
    analytic = _flat(_grads(X, Y, params, hidden, output, alpha, weights))
    numeric = central_differences(
        lambda: _cost(X, Y, params, hidden, output, alpha, weights), params
    )
    rel = np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))
    assert rel < 1e-7


@pytest.mark.parametrize(("hidden", "output"), list(itertools.product(HIDDEN, OUTPUTS)))
def test_penalty_and_weights_equal_torch_autograd(numpy_backend, hidden, output):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    alpha = 0.7
    X, Y, params, weights = _problem(output)
    tX, tY, tw = torch.from_numpy(X), torch.from_numpy(Y), torch.from_numpy(weights[0])
    tparams = [
        (torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True))
        for w, b in params
    ]
    g = {
        "relu": torch.relu,
        "tanh": torch.tanh,
        "leaky_relu": lambda z: F.leaky_relu(z, SLOPE),
    }[hidden]
    a = tX
    for w, b in tparams[:-1]:
        a = g(w @ a + b)
    z = tparams[-1][0] @ a + tparams[-1][1]
    if output == "sigmoid":
        per_example = F.binary_cross_entropy_with_logits(z, tY, reduction="none").sum(0)
    elif output == "softmax":
        per_example = F.cross_entropy(z.T, tY.argmax(dim=0), reduction="none")
    elif output == "exp":  # half Poisson deviance with the log link
        per_example = (torch.xlogy(tY, tY) - tY * z - tY + torch.exp(z)).sum(0)
    else:  # half squared error, averaged over the outputs
        out = torch.relu(z) if output == "relu" else z
        per_example = ((out - tY) ** 2).sum(0) / (2 * tY.shape[0])
    total_weight = tw.sum()
    penalty = sum((w**2).sum() for w, _ in tparams) * alpha / (2 * total_weight)
    cost = (tw * per_example).sum() / total_weight + penalty
    cost.backward()
    expected = np.concatenate([t.grad.numpy().ravel() for pair in tparams for t in pair])
    np.testing.assert_allclose(
        _cost(X, Y, params, hidden, output, alpha, weights), cost.item(), rtol=1e-12
    )
    analytic = _flat(_grads(X, Y, params, hidden, output, alpha, weights))
    assert np.linalg.norm(analytic - expected) / np.linalg.norm(expected) < 1e-10
    # the gradients' scale (gradient descent folds its learning rate in) scales the penalty's too
    scaled = _flat(_grads(X, Y, params, hidden, output, alpha, weights, scale=0.3))
    np.testing.assert_allclose(scaled, 0.3 * analytic, rtol=1e-12, atol=1e-15)


def test_l2_penalty_is_the_courses_regularisation_cost(numpy_backend):
    # compute_cost_with_regularization: (1/m)(λ/2)(ΣW1² + ΣW2² + ΣW3²); biases not included
    _, _, params, _ = _problem("sigmoid")
    expected = (1 / 9) * (0.7 / 2) * sum(np.sum(np.square(w)) for w, _ in params)
    assert float(network.l2_penalty(params, 0.7, 9)) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("output", OUTPUTS)
def test_integer_weights_equal_repeated_examples_and_ones_equal_none(numpy_backend, output):
    X, Y, params, weights = _problem(output)
    weights[0, 0] = 3.0
    counts = weights[0].astype(int)
    repeated = (np.repeat(X, counts, axis=1), np.repeat(Y, counts, axis=1))
    for alpha in (0.0, 0.4):
        cost_w = _cost(X, Y, params, "tanh", output, alpha, weights)
        cost_r = _cost(*repeated, params, "tanh", output, alpha, None)
        assert cost_w == pytest.approx(cost_r, rel=1e-12)
        np.testing.assert_allclose(
            _flat(_grads(X, Y, params, "tanh", output, alpha, weights)),
            _flat(_grads(*repeated, params, "tanh", output, alpha, None)),
            rtol=1e-11,
            atol=1e-14,
        )
        ones = np.ones_like(weights)
        # equal up to the order of the sums (the softmax cost sums per example first)
        assert _cost(X, Y, params, "tanh", output, alpha, ones) == pytest.approx(
            _cost(X, Y, params, "tanh", output, alpha, None), rel=1e-15
        )
        np.testing.assert_array_equal(
            _flat(_grads(X, Y, params, "tanh", output, alpha, ones)),
            _flat(_grads(X, Y, params, "tanh", output, alpha, None)),
        )


@pytest.mark.parametrize(("hidden", "output"), [("relu", "sigmoid"), ("tanh", "softmax")])
def test_penalty_and_weights_on_every_backend_equal_numpy(backend, dtype, hidden, output):
    X, Y, params, weights = _problem(output, seed=4)
    X, Y, weights = X.astype(dtype), Y.astype(dtype), weights.astype(dtype)
    params = [(w.astype(dtype), b.astype(dtype)) for w, b in params]
    with nnbackend.use_backend("numpy"):
        ref = [
            network.cost_and_gradients(
                X, Y, [(w.copy(), b.copy()) for w, b in params], hidden=hidden, output=output,
                alpha=0.5, sample_weight=sw, scale=0.2,
            )
            for sw in (weights, None)
        ]  # fmt: skip
    bparams = [(nnbackend.asarray(w), nnbackend.asarray(b)) for w, b in params]
    rtol = rtol_for(dtype)
    for sw, (ref_cost, ref_grads) in zip((weights, None), ref, strict=True):
        cost, grads = network.cost_and_gradients(
            nnbackend.asarray(X),
            nnbackend.asarray(Y),
            bparams,
            hidden=hidden,
            output=output,
            alpha=0.5,
            sample_weight=None if sw is None else nnbackend.asarray(sw),
            scale=0.2,
        )
        assert cost.dtype == bparams[0][0].dtype
        np.testing.assert_allclose(float(cost), float(ref_cost), rtol=rtol)
        np.testing.assert_allclose(_flat(grads), _flat(ref_grads), rtol=rtol, atol=rtol)


def test_no_penalty_and_no_weights_add_no_work_to_a_step(monkeypatch, numpy_backend):
    X, Y, params, _ = _problem("sigmoid", n_out=1)
    seen = []
    original = network.cost_and_gradients

    def spy(*args, **kwargs):
        seen.append(set(kwargs))
        return original(*args, **kwargs)

    def never(*args, **kwargs):
        raise AssertionError("the L2 code ran with alpha=0")

    monkeypatch.setattr(network, "cost_and_gradients", spy)
    monkeypatch.setattr(network, "l2_penalty", never)
    monkeypatch.setattr(network, "add_l2_gradients", never)
    for batch_size in (None, 4):
        training.train(X, Y, params, optimizers.Adam(0.01), max_iter=3, batch_size=batch_size)
    assert seen and all(not ({"alpha", "sample_weight"} & keys) for keys in seen)
    # and the fused NumPy output kernel is still taken without weights
    big = np.random.default_rng(0).standard_normal((3, 4096))
    target = (big[:1] > 0).astype(float)
    calls = []
    fused = network._numpy_kernels.sigmoid_cross_entropy_delta
    monkeypatch.setattr(
        network._numpy_kernels,
        "sigmoid_cross_entropy_delta",
        lambda *a: calls.append(1) or fused(*a),
    )
    p = initializers.draw_parameters([3, 1], "xavier", np.random.default_rng(0))
    original(big, target, p)
    assert calls


def test_zero_weight_mini_batches_are_skipped(numpy_backend):
    X, Y, params, _ = _problem("sigmoid", n_out=1, m=10)
    weights = np.array([[1.0, 0, 2, 0, 0, 1, 0, 3, 0, 0]])

    class Counting(optimizers.GradientDescent):
        steps = 0

        def direction(self, params, grads, *, grad_scale=1.0):
            Counting.steps += 1
            return super().direction(params, grads, grad_scale=grad_scale)

    result = training.train(
        X, Y, params, Counting(0.1), max_iter=3, batch_size=1, sample_weight=weights, random_state=0
    )
    assert Counting.steps == 3 * 4  # one step per example of positive weight, per epoch
    assert all(np.isfinite(result.loss_curve))
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        training.train(X, Y, params, Counting(0.1), max_iter=1, sample_weight=0 * weights)


# ------------------------------------------------------------------ ConvergenceWarning
def test_max_iter_before_tol_warns_with_a_convergence_warning():
    sklearn_exceptions = pytest.importorskip("sklearn.exceptions")
    X, y = _blobs()
    with pytest.warns(ConvergenceWarning, match=r"max_iter=5 .*tol=0.0001") as caught:
        nnbackend.LogisticRegression(max_iter=5).fit(X, y)
    # scikit-learn's own filters and except clauses see it too
    assert issubclass(caught[0].category, sklearn_exceptions.ConvergenceWarning)
    assert nnbackend.ConvergenceWarning is ConvergenceWarning
    with pytest.warns(ConvergenceWarning, match="NeuralNetworkRegressor"):
        nnbackend.NeuralNetworkRegressor((3,), max_iter=3, random_state=0).fit(*_regression())
    with pytest.warns(ConvergenceWarning, match="validation score"):
        nnbackend.NeuralNetworkClassifier(
            (3,), max_iter=3, early_stopping=True, random_state=0
        ).fit(X, y)


def test_the_model_is_complete_even_where_the_warning_is_an_error():
    X, y = _blobs()
    model = nnbackend.LogisticRegression(max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            model.fit(X, y)
    assert model.classes_.tolist() == [0, 1, 2] and model.predict(X).shape == (120,)


def test_no_convergence_warning_when_tol_stops_or_is_none():
    X, y = _blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        converged = nnbackend.LogisticRegression(learning_rate=0.5, max_iter=5000).fit(X, y)
        assert converged.n_iter_ < 5000
        nnbackend.LogisticRegression(max_iter=5, tol=None).fit(X, y)
        # one partial_fit call is one iteration by design: no warning
        nnbackend.NeuralNetworkClassifier((3,), random_state=0).partial_fit(
            X, y, classes=np.unique(y)
        )


def test_convergence_warning_is_ours_alone_without_sklearn(monkeypatch):
    monkeypatch.delitem(sys.modules, "sklearn.exceptions", raising=False)
    assert errors.convergence_warning() is ConvergenceWarning


# ------------------------------------------------------------------ alpha
def test_alpha_is_in_the_cost_and_shrinks_the_weights():
    X, y = _blobs()
    kwargs = dict(hidden_layer_sizes=(6,), solver="gd", learning_rate=0.3, tol=None)
    kwargs.update(random_state=0, activation="tanh", init="xavier")
    first = nnbackend.NeuralNetworkClassifier(max_iter=1, alpha=2.0, **kwargs).fit(X, y)
    # the first cost is the initial parameters' cross-entropy plus α/(2m) Σ‖W‖²
    initial = initializers.draw_parameters([4, 6, 3], "xavier", np.random.default_rng(0))
    Y = np.eye(3)[np.searchsorted(np.unique(y), y)].T
    AL, cache = network.forward(X.T, initial, hidden="tanh", output="softmax")
    plain = float(network.compute_cost(AL, Y, "softmax", logits=cache.logits))
    penalty = 2.0 / (2 * len(y)) * sum(np.sum(w**2) for w, _ in initial)
    assert first.loss_curve_[0] == pytest.approx(plain + penalty, rel=1e-12)
    free = nnbackend.NeuralNetworkClassifier(max_iter=200, **kwargs).fit(X, y)
    held = nnbackend.NeuralNetworkClassifier(max_iter=200, alpha=5.0, **kwargs).fit(X, y)
    norm = [sum(float(np.sum(_np(w) ** 2)) for w in m.coefs_) for m in (free, held)]
    assert norm[1] < 0.5 * norm[0]
    # alpha=0 is exactly the unregularised fit
    zero = nnbackend.NeuralNetworkClassifier(max_iter=200, alpha=0.0, **kwargs).fit(X, y)
    np.testing.assert_array_equal(zero.loss_curve_, free.loss_curve_)


@pytest.mark.parametrize("batch_size", [None, 32])
def test_alpha_and_sample_weight_fits_equal_numpy_on_every_backend(backend, batch_size):
    X, y = _blobs()
    weights = np.random.default_rng(1).integers(0, 4, len(y)).astype(float)
    kwargs = dict(hidden_layer_sizes=(6, 4), activation="tanh", learning_rate=0.05)
    kwargs.update(max_iter=12, batch_size=batch_size, tol=None, random_state=7, alpha=0.3)
    Xr, yr = _regression()
    wr = np.linspace(0.0, 2.0, len(yr))
    with nnbackend.use_backend("numpy"):
        ref = nnbackend.NeuralNetworkClassifier(**kwargs).fit(X, y, sample_weight=weights)
        ref_r = nnbackend.NeuralNetworkRegressor(**kwargs).fit(Xr, yr, sample_weight=wr)
    model = nnbackend.NeuralNetworkClassifier(**kwargs).fit(X, y, sample_weight=weights)
    reg = nnbackend.NeuralNetworkRegressor(**kwargs).fit(Xr, yr, sample_weight=wr)
    for got, want in ((model, ref), (reg, ref_r)):
        np.testing.assert_allclose(got.loss_curve_, want.loss_curve_, rtol=1e-10)
        for a, b in zip(got.coefs_, want.coefs_, strict=True):
            np.testing.assert_allclose(_np(a), b, rtol=1e-9, atol=1e-12)
    assert model.best_loss_ == pytest.approx(min(ref.loss_curve_), rel=1e-10)


# ------------------------------------------------------------------ sample_weight
@pytest.mark.parametrize("cls", [nnbackend.LogisticRegression, nnbackend.NeuralNetworkClassifier])
def test_sample_weight_ones_equal_none_and_integers_equal_repeats(cls):
    X, y = _blobs(60)
    kwargs = dict(solver="gd", learning_rate=0.2, max_iter=40, tol=None, random_state=0)
    if cls is nnbackend.NeuralNetworkClassifier:
        kwargs.update(hidden_layer_sizes=(5,), activation="tanh")
    plain = cls(**kwargs).fit(X, y)
    for ones in (np.ones(len(y)), 1.0, [2] * len(y)):
        same = cls(**kwargs).fit(X, y, sample_weight=ones)
        np.testing.assert_array_equal(same.loss_curve_, plain.loss_curve_)
        np.testing.assert_array_equal(same.predict_proba(X), plain.predict_proba(X))
    counts = np.random.default_rng(2).integers(0, 4, len(y))
    weighted = cls(**kwargs).fit(X, y, sample_weight=counts)
    repeated = cls(**kwargs).fit(np.repeat(X, counts, 0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-9)


def test_sample_weight_changes_the_fit_and_is_not_modified():
    X, y = _regression()
    weights = np.where(X[:, 0] > 0, 5.0, 0.1)
    keep = weights.copy()
    kwargs = dict(hidden_layer_sizes=(4,), max_iter=30, tol=None, random_state=0)
    a = nnbackend.NeuralNetworkRegressor(**kwargs).fit(X, y)
    b = nnbackend.NeuralNetworkRegressor(**kwargs).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(weights, keep)
    assert not np.allclose(a.predict(X), b.predict(X))


@pytest.mark.parametrize(
    ("weights", "error", "pattern"),
    [
        (np.ones(5), ValueError, "sample_weight has 5 weights, but X has 120 samples"),
        (np.ones((120, 2)), ValueError, r"sample_weight must be 1-D .* got shape \(120, 2\)"),
        (np.r_[-1.0, np.ones(119)], ValueError, r"negative weight \(-1.0 at index 0\)"),
        (np.r_[np.nan, np.ones(119)], ValueError, "sample_weight contains NaN or infinity"),
        (np.zeros(120), ValueError, "sample_weight sums to zero"),
        (np.array(["a"] * 120), TypeError, "sample_weight must hold numbers"),
    ],
)
def test_bad_sample_weight_is_named(weights, error, pattern):
    X, y = _blobs()
    for model in (nnbackend.LogisticRegression(), nnbackend.NeuralNetworkRegressor((2,))):
        with pytest.raises(error, match=pattern):
            model.fit(X, y, sample_weight=weights)
        assert not hasattr(model, "coefs_")


def test_score_takes_sample_weight():
    X, y = _blobs()
    model = nnbackend.LogisticRegression(max_iter=50, tol=None).fit(X, y)
    y = y.copy()
    y[:10] = (y[:10] + 1) % 3  # labels the model gets wrong
    right = model.predict(X) == y
    assert 0 < right.mean() < 1  # some mistakes to weigh
    assert model.score(X, y, sample_weight=np.where(right, 0.0, 1.0)) == 0.0
    assert model.score(X, y, sample_weight=np.where(right, 1.0, 0.0)) == 1.0
    assert model.score(X, y, sample_weight=np.ones(len(y))) == model.score(X, y)
    Xr, yr = _regression()
    reg = nnbackend.NeuralNetworkRegressor((3,), max_iter=20, tol=None, random_state=0)
    reg.fit(Xr, yr)
    assert reg.score(Xr, yr, sample_weight=np.ones(len(yr))) == pytest.approx(reg.score(Xr, yr))
    assert reg.score(Xr, yr, sample_weight=np.arange(len(yr))) != pytest.approx(reg.score(Xr, yr))


# ------------------------------------------------------------------ early stopping
def test_holdout_split_is_seeded_sized_and_stratified():
    labels = np.r_[np.zeros(90, int), np.ones(27, int), np.full(3, 2)]
    train, val = holdout_split(120, 0.1, np.random.default_rng(0), labels)
    assert len(val) == 12 and len(train) == 108
    assert np.array_equal(np.sort(np.r_[train, val]), np.arange(120))
    assert np.bincount(labels[val], minlength=3).tolist() == [9, 3, 0]  # shares of 12
    again = holdout_split(120, 0.1, np.random.default_rng(0), labels)
    assert np.array_equal(again[1], val)
    assert not np.array_equal(holdout_split(120, 0.1, np.random.default_rng(1), labels)[1], val)
    # every class keeps a training example, even a large share is asked for
    train, val = holdout_split(120, 0.9, np.random.default_rng(0), labels)
    assert set(labels[train]) == {0, 1, 2}
    plain_train, plain_val = holdout_split(10, 0.25, np.random.default_rng(0))
    assert len(plain_val) == 3 and len(plain_train) == 7
    with pytest.raises(ValueError, match="n_samples=1 .* validation_fraction=0.1"):
        holdout_split(1, 0.1, np.random.default_rng(0))


def test_early_stopping_tracks_the_holdout_and_restores_the_best(monkeypatch):
    X, y = _blobs(200, seed=5)
    splits = []
    original = holdout_split

    def spy(*args, **kwargs):
        splits.append(original(*args, **kwargs))
        return splits[-1]

    monkeypatch.setattr("nnbackend.estimators.holdout.holdout_split", spy)
    model = nnbackend.NeuralNetworkClassifier(
        (30,), learning_rate=0.05, max_iter=300, early_stopping=True, validation_fraction=0.2,
        n_iter_no_change=5, tol=1e-3, random_state=0,
    ).fit(X, y)  # fmt: skip
    train, val = splits[0]
    assert len(val) == 40 and np.bincount(y[val]).min() >= 13  # stratified
    scores = model.validation_scores_
    assert len(scores) == model.n_iter_ == len(model.loss_curve_) < 300
    assert model.best_validation_score_ == max(scores)
    assert model.best_loss_ is None
    # the parameters kept are those of the best held-out score, not the last
    assert model.score(X[val], y[val]) == model.best_validation_score_
    best_at = scores.index(max(scores))
    assert all(s < scores[best_at] + 1e-3 for s in scores[best_at + 1 :])
    # scikit-learn stops when the stall count exceeds n_iter_no_change: 5 + 1 iterations
    # without an improvement of tol after the last one
    assert len(scores) - 1 - _last_improvement(scores, 1e-3) == 5 + 1


def _last_improvement(scores, tol):
    best, at = -np.inf, 0
    for i, s in enumerate(scores):
        if s >= best + tol:
            at = i
        best = max(best, s)
    return at


def test_early_stopping_regressor_scores_r2_with_weights(monkeypatch):
    X, y = _regression(100)
    weights = np.random.default_rng(0).random(100) + 0.5
    splits = []
    original = holdout_split
    monkeypatch.setattr(
        "nnbackend.estimators.holdout.holdout_split",
        lambda *a, **k: splits.append(original(*a, **k)) or splits[-1],
    )
    model = nnbackend.NeuralNetworkRegressor(
        (8,), learning_rate=0.02, max_iter=60, tol=None, early_stopping=True, random_state=0
    ).fit(X, y, sample_weight=weights)
    _, val = splits[0]
    assert len(model.validation_scores_) == 60  # tol=None never stops, but the best is kept
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.score(X[val], y[val], sample_weight=weights[val]) == pytest.approx(
        model.best_validation_score_, rel=1e-12
    )


def test_early_stopping_on_every_backend_equals_numpy(backend):
    X, y = _blobs()
    kwargs = dict(hidden_layer_sizes=(6,), max_iter=15, early_stopping=True, tol=None)
    kwargs.update(random_state=3, batch_size=40)
    with nnbackend.use_backend("numpy"):
        ref = nnbackend.NeuralNetworkClassifier(**kwargs).fit(X, y)
    model = nnbackend.NeuralNetworkClassifier(**kwargs).fit(X, y)
    assert model.validation_scores_ == ref.validation_scores_
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), rtol=1e-9)


def test_early_stopping_needs_enough_samples():
    X, y = _regression(10)
    model = nnbackend.NeuralNetworkRegressor((2,), early_stopping=True, validation_fraction=0.1)
    with pytest.raises(ValueError, match="validation set would have 1 sample"):
        model.fit(X, y)
    with pytest.raises(ValueError, match="(training|validation) split has only zero sample"):
        nnbackend.NeuralNetworkRegressor(
            (2,), early_stopping=True, validation_fraction=0.5, random_state=0
        ).fit(X, y, sample_weight=np.r_[np.ones(1), np.zeros(9)])


def test_without_early_stopping_best_loss_is_the_lowest_cost():
    X, y = _blobs()
    model = nnbackend.NeuralNetworkClassifier((5,), max_iter=20, tol=None, random_state=0)
    model.fit(X, y)
    assert model.best_loss_ == min(model.loss_curve_)
    assert model.validation_scores_ is None and model.best_validation_score_ is None
    # logistic regression has neither, like scikit-learn's
    lr = nnbackend.LogisticRegression(max_iter=20, tol=None).fit(X, y)
    assert not hasattr(lr, "best_loss_") and not hasattr(lr, "validation_scores_")


# ------------------------------------------------------------------ partial_fit
@pytest.mark.parametrize("solver", ["gd", "momentum", "adam"])
def test_partial_fit_calls_continue_like_one_fit(solver):
    X, y = _blobs()
    kwargs = dict(hidden_layer_sizes=(6,), solver=solver, learning_rate=0.05, random_state=0)
    whole = nnbackend.NeuralNetworkClassifier(max_iter=8, tol=None, **kwargs).fit(X, y)
    steps = nnbackend.NeuralNetworkClassifier(**kwargs)
    for call in range(8):
        steps.partial_fit(X, y, classes=np.unique(y) if call == 0 else None)
        # scikit-learn's n_iter_ counts this call's epochs (1); its loss_curve_ accumulates
        assert steps.n_iter_ == 1 and len(steps.loss_curve_) == call + 1
    # the optimizer's state (velocity, Adam moments and step count) carried over every call
    np.testing.assert_allclose(steps.loss_curve_, whole.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(steps.predict_proba(X), whole.predict_proba(X), rtol=1e-12)
    Xr, yr = _regression()
    reg_whole = nnbackend.NeuralNetworkRegressor(max_iter=5, tol=None, **kwargs).fit(Xr, yr)
    reg = nnbackend.NeuralNetworkRegressor(**kwargs)
    for _ in range(5):
        reg.partial_fit(Xr, yr)
    np.testing.assert_allclose(reg.predict(Xr), reg_whole.predict(Xr), rtol=1e-12)
    assert reg.predict(Xr).shape == (len(yr),)


def test_partial_fit_classes_rules():
    X, y = _blobs()
    model = nnbackend.NeuralNetworkClassifier((4,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(X, y)
    with pytest.raises(ValueError, match="y has labels that are not in classes: \\[2\\]"):
        model.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(model, "classes_")
    # a batch may hold a single class, once all classes are declared
    model.partial_fit(X[y == 1], y[y == 1], classes=[0, 1, 2])
    assert model.classes_.tolist() == [0, 1, 2] and model.predict_proba(X).shape == (120, 3)
    model.partial_fit(X, y, classes=np.array([2, 1, 0]))  # the same set, in any order
    with pytest.raises(ValueError, match=r"classes=\[0, 1\] is not the same"):
        model.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="X has 3 features, but NeuralNetworkClassifier is"):
        model.partial_fit(X[:, :3], y)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        nnbackend.NeuralNetworkClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="classes has only 1 class"):
        nnbackend.NeuralNetworkClassifier().partial_fit(X, y, classes=[1])
    assert not hasattr(nnbackend.LogisticRegression(), "partial_fit")


def _forget_compiled_programs():
    for name in backends.registered():
        adapter = backends.get(name)
        if adapter.loaded() is not None and adapter.compiler() is not None:
            adapter.compiler().clear()


def test_partial_fit_after_fit_continues_and_a_failed_call_changes_nothing(monkeypatch):
    X, y = _blobs()
    kwargs = dict(hidden_layer_sizes=(5,), learning_rate=0.05, tol=None, random_state=0)
    reference = nnbackend.NeuralNetworkClassifier(max_iter=4, **kwargs).fit(X, y)
    reference.partial_fit(X, y)
    reference.partial_fit(X, y)
    model = nnbackend.NeuralNetworkClassifier(max_iter=4, **kwargs).fit(X, y)
    model.partial_fit(X, y)
    before = [_np(w).copy() for w in model.coefs_]
    real = network.cost_and_gradients

    def nan_cost(*args, **kwargs):
        # the real gradients (Adam folds them into its moments) with a cost that diverged
        cost, grads = real(*args, **kwargs)
        return cost * np.nan, grads

    # A compiled loop traced the real function once and keeps the program: forget the
    # programs so that the patched function is traced, and again so that it is not kept.
    with monkeypatch.context() as patch:
        patch.setattr(network, "cost_and_gradients", nan_cost)
        _forget_compiled_programs()
        try:
            with pytest.raises(TrainingDivergedError):
                model.partial_fit(X, y)
        finally:
            _forget_compiled_programs()
    for got, want in zip(model.coefs_, before, strict=True):
        np.testing.assert_array_equal(_np(got), want)
    model.partial_fit(X, y)
    # Adam's moments are those before the failed call: the same model as without it
    np.testing.assert_array_equal(model.loss_curve_, reference.loss_curve_)
    np.testing.assert_array_equal(model.predict_proba(X), reference.predict_proba(X))


def test_partial_fit_regressor_checks_outputs_and_survives_pickle():
    X, y = _regression()
    model = nnbackend.NeuralNetworkRegressor((3,), random_state=0).partial_fit(X, y)
    with pytest.raises(ValueError, match="y has 2 output"):
        model.partial_fit(X, np.c_[y, y])
    copy = pickle.loads(pickle.dumps(model))
    assert "_optimizer" not in copy.__dict__  # the state stays in memory only
    copy.partial_fit(X, y)
    assert len(copy.loss_curve_) == 2


def test_partial_fit_on_every_backend_equals_numpy(backend):
    X, y = _blobs()
    kwargs = dict(hidden_layer_sizes=(5,), batch_size=50, random_state=1)
    with nnbackend.use_backend("numpy"):
        ref = nnbackend.NeuralNetworkClassifier(**kwargs)
        for _ in range(3):
            ref.partial_fit(X, y, classes=[0, 1, 2])
    model = nnbackend.NeuralNetworkClassifier(**kwargs)
    for _ in range(3):
        model.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_allclose(model.loss_curve_, ref.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), rtol=1e-9)


def test_optimizer_copy_is_independent():
    X, Y, params, _ = _problem("sigmoid", n_out=2)
    for solver in ("momentum", "adam"):
        opt = optimizers.make_optimizer(solver, 0.1)
        grads = network.cost_and_gradients(X, Y, params, hidden="tanh")[1]
        params = opt.step(params, grads)
        twin = opt.copy()
        state = {k: [a.copy() for a in v] for k, v in vars(opt).items() if isinstance(v, list)}
        grads = network.cost_and_gradients(X, Y, params, hidden="tanh")[1]
        twin.step([(w.copy(), b.copy()) for w, b in params], grads)
        assert state
        for name, arrays in state.items():
            for kept, now in zip(arrays, getattr(opt, name), strict=True):
                np.testing.assert_array_equal(kept, now)
            assert not np.array_equal(getattr(twin, name)[0], arrays[0])
        if solver == "adam":
            assert (opt.t, twin.t) == (1, 2)


# ------------------------------------------------------------------ warm_start
@pytest.mark.parametrize("cls", [nnbackend.LogisticRegression, nnbackend.NeuralNetworkClassifier])
def test_warm_start_continues_from_the_previous_solution(cls):
    X, y = _blobs()
    kwargs = dict(solver="gd", learning_rate=0.1, tol=None, random_state=0)
    if cls is nnbackend.NeuralNetworkClassifier:
        kwargs["hidden_layer_sizes"] = (5,)
    whole = cls(max_iter=10, **kwargs).fit(X, y)
    warm = cls(max_iter=5, warm_start=True, **kwargs).fit(X, y).fit(X, y)
    # plain gradient descent has no state: two warm halves are the whole run
    np.testing.assert_allclose(warm.loss_curve_, whole.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(warm.predict_proba(X), whole.predict_proba(X), rtol=1e-12)
    # scikit-learn's n_iter_ counts the last fit's iterations; loss_curve_ holds them all
    assert warm.n_iter_ == 5 and len(warm.loss_curve_) == 10
    cold = cls(max_iter=5, **kwargs).fit(X, y).fit(X, y)
    assert len(cold.loss_curve_) == 5
    np.testing.assert_array_equal(cold.loss_curve_, whole.loss_curve_[:5])


def test_warm_start_refuses_another_shape_and_keeps_the_model():
    X, y = _blobs()
    model = nnbackend.NeuralNetworkClassifier((5,), max_iter=5, tol=None, warm_start=True)
    model.fit(X, y)
    before = _np(model.coefs_[0]).copy()
    with pytest.raises(ValueError, match=r"warm_start=True continues the previous fit, which had"):
        model.fit(X, np.where(y == 2, 7, y))
    with pytest.raises(ValueError, match=r"layer sizes are \[4, 5, 3\].*need \[4, 6, 3\]"):
        model.set_params(hidden_layer_sizes=(6,)).fit(X, y)
    np.testing.assert_array_equal(_np(model.coefs_[0]), before)


# ------------------------------------------------------------------ parameters
def test_new_parameters_round_trip_get_set_params_and_model_files(tmp_path):
    model = nnbackend.NeuralNetworkRegressor(
        (3,), alpha=0.1, early_stopping=True, validation_fraction=0.2, n_iter_no_change=4,
        warm_start=True, max_iter=10, tol=None, random_state=0,
    )  # fmt: skip
    params = model.get_params()
    assert {k: params[k] for k in ("alpha", "early_stopping", "validation_fraction")} == {
        "alpha": 0.1,
        "early_stopping": True,
        "validation_fraction": 0.2,
    }
    assert "alpha=0.1" in repr(model) and "warm_start=True" in repr(model)
    assert nnbackend.LogisticRegression(alpha=2.0).set_params(warm_start=True).warm_start is True
    X, y = _regression()
    model.fit(X, y)
    model.save(tmp_path / "m.nnb")
    loaded = nnbackend.load(tmp_path / "m.nnb")
    assert loaded.get_params() == model.get_params()
    np.testing.assert_allclose(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize(
    ("params", "pattern"),
    [
        ({"alpha": -0.1}, r"alpha=-0.1 is not valid: expected a finite number >= 0"),
        ({"alpha": "big"}, r"alpha='big' is not valid"),
        ({"alpha": float("inf")}, r"alpha=inf is not valid"),
        ({"validation_fraction": 0.0}, r"validation_fraction=0.0 is not valid"),
        ({"validation_fraction": 1}, r"validation_fraction=1 is not valid"),
        ({"n_iter_no_change": 0}, r"n_iter_no_change=0 is not valid: expected an int >= 1"),
        ({"n_iter_no_change": 2.5}, r"n_iter_no_change=2.5 is not valid"),
        ({"early_stopping": "yes"}, r"early_stopping='yes' is not valid: expected True or"),
        ({"warm_start": 1}, r"warm_start=1 is not valid"),
    ],
)
def test_bad_new_parameters_name_the_value(params, pattern):
    X, y = _blobs()
    with pytest.raises(ValueError, match=pattern):
        nnbackend.NeuralNetworkClassifier(**params).fit(X, y)
    if set(params) <= {"alpha", "warm_start"}:
        with pytest.raises(ValueError, match=pattern):
            nnbackend.LogisticRegression(**params).fit(X, y)
