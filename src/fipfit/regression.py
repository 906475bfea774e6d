"""Regressors of the per-event sensitivity gamma, and the signal classifier baseline.

A partition of the selected events keeps the information I(P) = sum_k D_k^2 / W_k.
With positive weights,

    I_ideal(selected) - I(P) = sum_e w_e (gamma_e - Gamma_k(e))^2,

so the partition that loses the least is the one whose bins best predict
gamma = d / w in the weighted mean squared error. `GammaRegressor` learns
r(x) = E[gamma | x] with that loss; binning r(x) finely approaches the most
information any analysis of the features x can reach. `SignalClassifier` is the
baseline analysts use today: a signal-versus-background classifier, whose output
is sufficient for a cross section but not for a mass or a coupling (signal events
on the two sides of a peak have opposite gamma and the same signal probability).

Both estimators follow the scikit-learn contract (``fit``, ``predict``,
``get_params``, fitted attributes ending in ``_``) and wrap one of four backends:
``"hgb"`` (scikit-learn's HistGradientBoosting), ``"lightgbm"``, ``"xgboost"`` and
``"mlp"`` (scikit-learn's multi-layer perceptron after a StandardScaler).

Negative weights
----------------
`fit_gamma_regressor` and `fit_signal_classifier` use sample_weight = |w|. The
squared-error loss sum_e w_e (gamma_e - r)^2 with signed weights has its
stationary point at r = sum d / sum w, the bin mean Gamma_k that I(P) uses, but
where the negative weights dominate it is a maximum, not a minimum: the loss is
unbounded below and tree or network training diverges. With |w| the loss is
bounded below and the fit estimates sum |w| gamma / sum |w| instead. The two
agree where negative- and positive-weight events at the same x have the same
mean gamma (a cross section: gamma = 1/mu for every signal event); they differ
where the negative-weight events have a different gamma (for example NLO
subtraction events with other generator-level kinematics). The difference only
changes which partition the regressor proposes: the information of that
partition is computed from the signed sums D_k and W_k, so the reported FIP
stays correct, only possibly below the best reachable.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import Events

__all__ = [
    "MODELS",
    "GammaRegressor",
    "SignalClassifier",
    "fit_gamma_regressor",
    "fit_signal_classifier",
    "model_output",
]

FloatArray = NDArray[np.float64]

#: Backends accepted by the ``model`` parameter.
MODELS = ("hgb", "lightgbm", "xgboost", "mlp")

#: Training sets at least this large use early stopping when it is "auto".
EARLY_STOPPING_MIN_SAMPLES = 10_000


class _BackendParams(BaseEstimator):  # type: ignore[misc]
    """Hyper-parameters and backend construction shared by both estimators."""

    def __init__(
        self,
        model: str = "hgb",
        *,
        max_iter: int = 200,
        learning_rate: float | None = None,
        max_leaf_nodes: int = 31,
        max_depth: int | None = None,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        hidden_layer_sizes: tuple[int, ...] = (64, 64),
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.model = model
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.hidden_layer_sizes = hidden_layer_sizes
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_params(self) -> None:
        if self.model not in MODELS:
            raise FipfitError(
                f"model must be one of {', '.join(MODELS)}, got {self.model!r}"
            )
        if self.max_iter < 1:
            raise FipfitError(f"max_iter must be at least 1, got {self.max_iter}")
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise FipfitError(
                f"learning_rate must be positive, got {self.learning_rate}"
            )
        if self.early_stopping not in (True, False, "auto"):
            raise FipfitError(
                "early_stopping must be True, False or 'auto', "
                f"got {self.early_stopping!r}"
            )
        if not 0 < self.validation_fraction < 1:
            raise FipfitError(
                "validation_fraction must be between 0 and 1, "
                f"got {self.validation_fraction}"
            )

    def _uses_early_stopping(self, n_samples: int) -> bool:
        if self.early_stopping == "auto":
            return n_samples >= EARLY_STOPPING_MIN_SAMPLES
        return bool(self.early_stopping)

    def _learning_rate(self) -> float:
        if self.learning_rate is not None:
            return float(self.learning_rate)
        return 1e-3 if self.model == "mlp" else 0.1

    def _make_backend(self, classification: bool, early: bool, seed: int) -> Any:
        """Build an unfitted backend estimator for one output."""
        rate = self._learning_rate()
        if self.model == "hgb":
            from sklearn.ensemble import (
                HistGradientBoostingClassifier,
                HistGradientBoostingRegressor,
            )

            hgb = (
                HistGradientBoostingClassifier
                if classification
                else HistGradientBoostingRegressor
            )
            return hgb(
                learning_rate=rate,
                max_iter=self.max_iter,
                max_leaf_nodes=self.max_leaf_nodes,
                max_depth=self.max_depth,
                min_samples_leaf=self.min_samples_leaf,
                l2_regularization=self.l2_regularization,
                early_stopping=early,
                validation_fraction=self.validation_fraction,
                n_iter_no_change=self.n_iter_no_change,
                random_state=seed,
            )
        if self.model == "lightgbm":
            import lightgbm

            lgbm = lightgbm.LGBMClassifier if classification else lightgbm.LGBMRegressor
            return lgbm(
                n_estimators=self.max_iter,
                learning_rate=rate,
                num_leaves=self.max_leaf_nodes,
                max_depth=-1 if self.max_depth is None else self.max_depth,
                min_child_samples=self.min_samples_leaf,
                reg_lambda=self.l2_regularization,
                n_jobs=self.n_jobs,
                random_state=seed,
                verbose=-1,
            )
        if self.model == "xgboost":
            import xgboost

            xgb = xgboost.XGBClassifier if classification else xgboost.XGBRegressor
            return xgb(
                n_estimators=self.max_iter,
                learning_rate=rate,
                max_leaves=self.max_leaf_nodes,
                max_depth=0 if self.max_depth is None else self.max_depth,
                grow_policy="lossguide",
                tree_method="hist",
                min_child_weight=1e-3,
                reg_lambda=self.l2_regularization,
                early_stopping_rounds=self.n_iter_no_change if early else None,
                n_jobs=self.n_jobs,
                random_state=seed,
            )
        from sklearn.neural_network import MLPClassifier, MLPRegressor
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        mlp = MLPClassifier if classification else MLPRegressor
        network = mlp(
            hidden_layer_sizes=self.hidden_layer_sizes,
            alpha=self.l2_regularization,
            learning_rate_init=rate,
            max_iter=self.max_iter,
            early_stopping=early,
            validation_fraction=self.validation_fraction,
            n_iter_no_change=self.n_iter_no_change,
            random_state=seed,
        )
        return Pipeline([("scale", StandardScaler()), ("mlp", network)])

    def _fit_backend(
        self,
        backend: Any,
        X: FloatArray,
        y: NDArray[Any],
        sample_weight: FloatArray,
        early: bool,
        rng: np.random.RandomState,
    ) -> Any:
        """Fit `backend`; LightGBM and XGBoost stop early on a held-out split."""
        if self.model in ("lightgbm", "xgboost") and early:
            order = rng.permutation(X.shape[0])
            n_valid = max(1, round(self.validation_fraction * X.shape[0]))
            valid, train = order[:n_valid], order[n_valid:]
            if self.model == "lightgbm":
                import lightgbm

                # LightGBM 4.7 deprecates eval_set in favour of eval_X and eval_y;
                # older versions accept only eval_set.
                validation: dict[str, Any]
                if "eval_X" in inspect.signature(backend.fit).parameters:
                    validation = {"eval_X": (X[valid],), "eval_y": (y[valid],)}
                else:
                    validation = {"eval_set": [(X[valid], y[valid])]}
                backend.fit(
                    X[train],
                    y[train],
                    sample_weight=sample_weight[train],
                    eval_sample_weight=[sample_weight[valid]],
                    callbacks=[
                        lightgbm.early_stopping(self.n_iter_no_change, verbose=False)
                    ],
                    **validation,
                )
            else:
                backend.fit(
                    X[train],
                    y[train],
                    sample_weight=sample_weight[train],
                    eval_set=[(X[valid], y[valid])],
                    sample_weight_eval_set=[sample_weight[valid]],
                    verbose=False,
                )
            return backend
        if self.model == "mlp":
            network = backend.named_steps["mlp"]
            if "sample_weight" in inspect.signature(network.fit).parameters:
                backend.fit(X, y, mlp__sample_weight=sample_weight)
            elif np.all(sample_weight == sample_weight[0]):
                backend.fit(X, y)
            else:
                raise FipfitError(
                    "this scikit-learn's MLP does not accept sample weights: "
                    "upgrade scikit-learn to 1.7 or later, or choose model='hgb'"
                )
            return backend
        backend.fit(X, y, sample_weight=sample_weight)
        return backend


def _iterations(backend: Any) -> int:
    """Return the boosting iterations or training epochs that a backend ran."""
    for name in ("n_iter_", "best_iteration_"):
        value = getattr(backend, name, None)
        if isinstance(value, int | np.integer) and value > 0:
            return int(value)
    best = getattr(backend, "best_iteration", None)
    if best is not None:
        return int(best) + 1
    network = getattr(backend, "named_steps", {}).get("mlp")
    if network is not None:
        return int(network.n_iter_)
    return int(getattr(backend, "n_estimators", 0))


def _check_sample_weight(sample_weight: ArrayLike | None, n_samples: int) -> FloatArray:
    """Validate non-negative sample weights and scale them to mean 1.

    The weighted loss has the same minimum under any positive rescaling, and a
    mean of 1 makes the backends' minimum leaf weight (a sum of sample weights)
    count events whatever the units of the MC weights.
    """
    if sample_weight is None:
        return np.ones(n_samples)
    weight = np.asarray(sample_weight, dtype=np.float64)
    if weight.shape != (n_samples,):
        raise FipfitError(
            f"sample_weight has shape {weight.shape}, expected ({n_samples},): "
            "one weight per event"
        )
    if not np.all(np.isfinite(weight)):
        raise FipfitError("sample_weight contains NaN or infinity: fix the weights")
    if np.any(weight < 0):
        raise FipfitError(
            f"sample_weight has {int((weight < 0).sum())} negative values: pass "
            "the absolute event weights |w| (see the notes on negative weights)"
        )
    total = weight.sum()
    if total <= 0:
        raise FipfitError("all sample weights are zero: no event can be fitted")
    return np.asarray(weight * (n_samples / total), dtype=np.float64)


class GammaRegressor(RegressorMixin, _BackendParams):  # type: ignore[misc]
    """Regressor of the per-event sensitivity gamma = d / w on observables.

    Trains one backend model per output with the squared-error loss and the
    given sample weights, so each output estimates the weighted conditional
    mean E[gamma_i | x].

    Parameters
    ----------
    model : {"hgb", "lightgbm", "xgboost", "mlp"}, default "hgb"
        Backend: scikit-learn's HistGradientBoostingRegressor, LightGBM,
        XGBoost (histogram trees grown leaf-wise) or scikit-learn's
        MLPRegressor after a StandardScaler.
    max_iter : int, default 200
        Boosting iterations (trees), or training epochs for "mlp".
    learning_rate : float or None, default None
        Shrinkage of the trees, or the initial Adam step of "mlp"; None means
        0.1 for trees and 0.001 for "mlp".
    max_leaf_nodes : int, default 31
        Leaves per tree (ignored by "mlp").
    max_depth : int or None, default None
        Depth limit of each tree; None leaves it unlimited (ignored by "mlp").
    min_samples_leaf : int, default 20
        Minimum events per leaf for "hgb" and "lightgbm".
    l2_regularization : float, default 0.0
        L2 penalty on leaf values, or on the network weights for "mlp".
    hidden_layer_sizes : tuple of int, default (64, 64)
        Hidden layers of "mlp".
    early_stopping : bool or "auto", default "auto"
        Stop when the weighted loss on a held-out validation split has not
        improved for `n_iter_no_change` iterations. "auto" enables it for
        training sets of at least 10000 events.
    validation_fraction : float, default 0.1
        Fraction of the training events held out for early stopping.
    n_iter_no_change : int, default 10
    n_jobs : int or None, default None
        Threads of "lightgbm" and "xgboost"; None leaves the library's
        default. "hgb" and "mlp" follow the OpenMP and BLAS settings
        (``OMP_NUM_THREADS`` or `threadpoolctl`).
    random_state : int, RandomState or None, default None
        Seeds the validation split and the backends.

    Attributes
    ----------
    estimators_ : list
        One fitted backend per output.
    n_outputs_ : int
    n_iter_ : list of int
        Iterations (or epochs) each backend ran.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names.

    Notes
    -----
    Sample weights are rescaled to mean 1 before training: the minimiser of the
    weighted loss does not change, and the backends' minimum leaf weight then
    counts events. Negative sample weights are rejected because the squared
    error with negative weights is unbounded below; see the module notes.
    """

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> GammaRegressor:
        """Fit one backend per output of `y`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The sensitivity gamma of each event, one column per parameter.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights, |w| for MC events.

        Raises
        ------
        FipfitError
            If an output is zero for every event with a non-zero weight (no
            event is sensitive), or on invalid weights or hyper-parameters.
        """
        self._check_params()
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        X = np.asarray(X, dtype=np.float64)
        targets = np.asarray(y, dtype=np.float64)
        self._output_2d = targets.ndim == 2
        if targets.ndim == 1:
            targets = targets[:, np.newaxis]
        weight = _check_sample_weight(sample_weight, X.shape[0])
        for output in range(targets.shape[1]):
            if not np.any(targets[weight > 0, output] != 0):
                raise FipfitError(
                    f"the target gamma of output {output} is zero for every event: "
                    "no event is sensitive to that parameter, so there is nothing "
                    "to learn; check the dweight column and the selection"
                )

        rng = check_random_state(self.random_state)
        early = self._uses_early_stopping(X.shape[0])
        self.estimators_: list[Any] = []
        self._target_offset = np.zeros(targets.shape[1])
        self._target_scale = np.ones(targets.shape[1])
        for output in range(targets.shape[1]):
            target = targets[:, output]
            if self.model == "mlp":
                # The network trains on a standardised target: gamma may be
                # of any size (1/mu, or a mass shift per GeV).
                mean = np.average(target, weights=weight)
                scale = np.sqrt(np.average((target - mean) ** 2, weights=weight))
                self._target_offset[output] = mean
                self._target_scale[output] = scale if scale > 0 else 1.0
                target = (target - mean) / self._target_scale[output]
            seed = int(rng.randint(np.iinfo(np.int32).max))
            backend = self._make_backend(False, early, seed)
            self.estimators_.append(
                self._fit_backend(backend, X, target, weight, early, rng)
            )
        self.n_outputs_ = targets.shape[1]
        self.n_iter_ = [_iterations(backend) for backend in self.estimators_]
        return self

    def predict(self, X: ArrayLike) -> FloatArray:
        """Predict E[gamma | x].

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Two-dimensional when `y` was two-dimensional at fit time.
        """
        check_is_fitted(self)
        X = np.asarray(validate_data(self, X, reset=False), dtype=np.float64)
        columns = [
            np.asarray(backend.predict(X), dtype=np.float64) * scale + offset
            for backend, scale, offset in zip(
                self.estimators_,
                self._target_scale,
                self._target_offset,
                strict=True,
            )
        ]
        prediction = np.column_stack(columns)
        if not self._output_2d:
            return np.asarray(prediction[:, 0], dtype=np.float64)
        return np.asarray(prediction, dtype=np.float64)


class SignalClassifier(ClassifierMixin, _BackendParams):  # type: ignore[misc]
    """Signal-versus-background classifier with the same backends.

    Parameters are those of `GammaRegressor`; the backends are the
    classification counterparts, trained with the log loss.

    Attributes
    ----------
    estimator_ : fitted backend
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names.
    """

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> SignalClassifier:
        """Fit the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels, 1 for signal and 0 for background in fipfit's use.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights, |w| for MC events.
        """
        self._check_params()
        X, y = validate_data(self, X, y)
        X = np.asarray(X, dtype=np.float64)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if self.classes_.size < 2:
            raise FipfitError(
                f"the training events have only one class {self.classes_.tolist()}: "
                "a classifier needs both signal and background events"
            )
        encoded = encoder.transform(y)
        weight = _check_sample_weight(sample_weight, X.shape[0])

        rng = check_random_state(self.random_state)
        early = self._uses_early_stopping(X.shape[0])
        seed = int(rng.randint(np.iinfo(np.int32).max))
        backend = self._make_backend(True, early, seed)
        self.estimator_ = self._fit_backend(backend, X, encoded, weight, early, rng)
        self.n_iter_ = _iterations(self.estimator_)
        return self

    def predict_proba(self, X: ArrayLike) -> FloatArray:
        """Return the class probabilities, shape (n_samples, n_classes)."""
        check_is_fitted(self)
        X = np.asarray(validate_data(self, X, reset=False), dtype=np.float64)
        return np.asarray(self.estimator_.predict_proba(X), dtype=np.float64)

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Return the most probable class of each sample."""
        probability = self.predict_proba(X)
        return np.asarray(self.classes_[np.argmax(probability, axis=1)])


def _training_arrays(
    events: Events, features: Sequence[str]
) -> tuple[FloatArray, Events]:
    """Return the features of the selected events and those events."""
    if not np.any(events.selected):
        raise InvalidEventsError("no event is selected: there is nothing to train on")
    chosen = events.take(events.selected) if not events.selected.all() else events
    return chosen.features(list(features)), chosen


def fit_gamma_regressor(
    events: Events,
    features: Sequence[str],
    *,
    model: str = "hgb",
    random_state: int | None = 0,
    **params: Any,
) -> GammaRegressor:
    """Train a `GammaRegressor` on the selected events.

    Parameters
    ----------
    events : Events
    features : sequence of str
        Observable columns the regressor reads.
    model : {"hgb", "lightgbm", "xgboost", "mlp"}, default "hgb"
    random_state : int or None, default 0
    **params
        Further `GammaRegressor` hyper-parameters.

    Returns
    -------
    GammaRegressor
        Fitted with target gamma = d / w (a 1-D target for one parameter, one
        column per parameter otherwise) and sample_weight = |w|.

    Raises
    ------
    InvalidEventsError
        If no selected event is sensitive (d = 0 for all of them).

    Notes
    -----
    With positive weights the fit minimises the weighted MSE whose excess over
    the bin means is the information a partition loses. With negative weights
    it estimates sum |w| gamma / sum |w| rather than sum d / sum w; the module
    notes say when that matters.
    """
    X, chosen = _training_arrays(events, features)
    gamma = chosen.gamma
    sensitive = np.any(chosen.dweight != 0, axis=0)
    if not sensitive.all():
        missing = [
            name
            for name, flag in zip(chosen.parameters, sensitive, strict=True)
            if not flag
        ]
        raise InvalidEventsError(
            f"no selected event has a non-zero weight derivative for {missing}, so "
            "gamma is zero everywhere and a regressor would learn a constant; "
            "check the dweight columns and the selection"
        )
    target = gamma[:, 0] if chosen.n_parameters == 1 else gamma
    regressor = GammaRegressor(model=model, random_state=random_state, **params)
    return regressor.fit(X, target, sample_weight=np.abs(chosen.weight))


def fit_signal_classifier(
    events: Events,
    features: Sequence[str],
    *,
    model: str = "hgb",
    random_state: int | None = 0,
    **params: Any,
) -> SignalClassifier:
    """Train a `SignalClassifier` on the labels of the selected events, weighted by |w|.

    Raises
    ------
    InvalidEventsError
        If the events have no label column.
    """
    if events.label is None:
        raise InvalidEventsError(
            "the events have no label column: a classifier needs 1 for signal "
            "and 0 for background (name the column with --label)"
        )
    X, chosen = _training_arrays(events, features)
    assert chosen.label is not None
    classifier = SignalClassifier(model=model, random_state=random_state, **params)
    return classifier.fit(X, chosen.label, sample_weight=np.abs(chosen.weight))


def model_output(
    estimator: GammaRegressor | SignalClassifier | Any,
    X: ArrayLike,
    *,
    component: int | None = None,
) -> FloatArray:
    """Return the one-dimensional variable to partition in.

    A classifier gives its signal probability (the last class), a regressor its
    prediction of gamma, of output `component` when it has several.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    if hasattr(estimator, "predict_proba"):
        return np.asarray(estimator.predict_proba(X)[:, -1], dtype=np.float64)
    prediction = np.asarray(estimator.predict(X), dtype=np.float64)
    if prediction.ndim == 1:
        if component not in (None, 0):
            raise FipfitError(
                f"the model predicts one output, so component {component} "
                "does not exist: leave it out"
            )
        return prediction
    if component is None:
        if prediction.shape[1] != 1:
            raise FipfitError(
                f"the model predicts {prediction.shape[1]} outputs: choose one "
                "component (--param names its parameter)"
            )
        component = 0
    if not 0 <= component < prediction.shape[1]:
        raise FipfitError(
            f"component {component} is out of range for a model with "
            f"{prediction.shape[1]} outputs"
        )
    return np.asarray(prediction[:, component], dtype=np.float64)
