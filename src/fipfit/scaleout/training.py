"""Training regressors of gamma at scale: subsamples, their size, XGBoost."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from dask.delayed import delayed

from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import Events
from fipfit.scaleout._common import FloatArray, Sums, float_column
from fipfit.scaleout._reduction import (
    PartitionContext,
    add_sums,
    compute_task,
    partition_events,
    reduce_partitions,
)
from fipfit.scaleout.dataset import EventDataset, Predictor, add_score
from fipfit.scaleout.information import information_with_bootstrap
from fipfit.scaleout.quantiles import approximate_quantile_edges

__all__ = ["fit_xgboost_dask", "training_size_study", "weighted_subsample"]


def weighted_subsample(
    dataset: EventDataset,
    n_events: int,
    *,
    features: Sequence[str] | None = None,
    random_state: int = 0,
) -> Events:
    """Draw about `n_events` events with probability proportional to |weight|.

    Event e is kept with probability p_e = min(1, c |w_e|), c = n_events /
    sum |w|, and its weight and derivatives are divided by p_e, so every sum
    over events (and so I_ideal, W_k and D_k) keeps its expectation, while
    gamma = d / w is unchanged. This unweights the sample: the kept events
    have nearly equal |weight|, the best use of a fixed number of training
    events for a weighted regression of gamma.

    Parameters
    ----------
    dataset : EventDataset
    n_events : int
        Expected number of kept events (fewer where some p_e reach 1).
    features : sequence of str, optional
        Columns to keep besides weights, derivatives, labels and selection;
        default all columns.
    random_state : int, default 0
        With the partition index, seeds the draw of each partition.

    Returns
    -------
    Events
        In memory, with the dataset's column names.
    """
    if n_events < 1:
        raise FipfitError(f"n_events must be at least 1, got {n_events}")
    total = reduce_partitions(dataset, [], _abs_weight_partition, add_sums)[
        "abs_weight"
    ]
    if total <= 0:
        raise FipfitError("all weights are zero: there is nothing to sample")
    rate = n_events / float(total)
    extra = (
        [str(name) for name in dataset.frame.columns]
        if features is None
        else list(features)
    )
    dataset.check_columns(extra, "feature")
    needed = list(dict.fromkeys([*dataset.event_columns(), *extra]))
    context = PartitionContext(dataset.columns, dataset.source)
    parts = [
        delayed(_sample_partition, pure=True)(part, context, index, rate, random_state)
        for index, part in enumerate(dataset.frame[needed].to_delayed())
    ]
    frames = compute_task(delayed(list, pure=True)(parts), dataset.source)
    frame = pd.concat(frames, ignore_index=True)
    return Events.from_frame(frame, dataset.columns)


def _abs_weight_partition(
    part: pd.DataFrame, context: PartitionContext, index: int
) -> Sums:
    events = partition_events(part, context, index)
    return {"abs_weight": float(np.abs(events.weight).sum())}


def _sample_partition(
    part: pd.DataFrame, context: PartitionContext, index: int, rate: float, seed: int
) -> pd.DataFrame:
    events = partition_events(part, context, index)
    probability = np.minimum(1.0, rate * np.abs(events.weight))
    rng = np.random.default_rng([seed, index])
    keep = rng.random(len(part)) < probability
    kept = part.loc[keep].copy()
    scale = 1.0 / probability[keep]
    for name in [context.columns.weight, *(context.columns.dweight or ())]:
        kept[name] = kept[name].to_numpy(dtype=np.float64) * scale
    return kept


def training_size_study(
    train: EventDataset,
    test: EventDataset,
    features: Sequence[str],
    sizes: Sequence[int],
    fit: Callable[[Events, Sequence[str]], Predictor],
    *,
    n_bins: int = 20,
    random_state: int = 0,
) -> list[dict[str, float]]:
    """Measure the held-out FIP of a regressor against its training size.

    For each size, `weighted_subsample` draws the training events from
    `train`, ``fit(events, features)`` returns a trained regressor, and the
    FIP of `n_bins` equal-weight bins of its score is computed on `test`.

    Returns
    -------
    list of dict
        One per size, with ``size`` (requested), ``n_train`` (drawn),
        ``fip`` and ``fip_error`` (bootstrap, 200 replicas) of the first
        parameter, and ``seconds`` spent in the draw and the fit.

    Notes
    -----
    FIP on held-out events rises with the training size and levels off once
    the regressor has learnt E[gamma | x]; the size where it levels off is
    the training size worth paying for. The numbers are estimates with the
    bootstrap error given, from one draw per size.
    """
    rows = []
    for size in sizes:
        start = time.perf_counter()
        sample = weighted_subsample(
            train, int(size), features=features, random_state=random_state
        )
        regressor = fit(sample, features)
        seconds = time.perf_counter() - start
        scored = add_score(test, regressor, features, name="_fipfit_score")
        edges = approximate_quantile_edges(scored, "_fipfit_score", n_bins)
        information, bootstrap = information_with_bootstrap(
            scored, "_fipfit_score", edges, random_state=random_state
        )
        rows.append(
            {
                "size": float(size),
                "n_train": float(len(sample)),
                "fip": float(information.fip[0]),
                "fip_error": float(bootstrap.fip_error[0]),
                "seconds": seconds,
            }
        )
    return rows


def fit_xgboost_dask(
    dataset: EventDataset,
    features: Sequence[str],
    *,
    random_state: int = 0,
    **params: Any,
) -> Predictor:
    """Train an XGBoost regressor of gamma on every selected event, on Dask.

    Uses ``xgboost.dask.DaskXGBRegressor`` (the ``xgboost`` extra) on the
    active `distributed.Client`: each worker builds its histograms from its
    own partitions, so no event leaves its worker. The target is gamma = d / w
    of the first parameter and the sample weight |w|, as in
    `fipfit.regression.fit_gamma_regressor`; sensitive and insensitive events
    both enter, and unselected events do not.

    Parameters
    ----------
    dataset : EventDataset
    features : sequence of str
        Observable columns the regressor sees, in this order in ``predict``.
    random_state : int, default 0
    **params
        Further ``DaskXGBRegressor`` hyper-parameters (``n_estimators``,
        ``max_depth``, ``learning_rate``, ...).

    Returns
    -------
    Predictor
        Predicts from a float array of shape (n_events, n_features), so it
        works with `add_score` and in memory.

    Raises
    ------
    FipfitError
        If no distributed client is active.

    Notes
    -----
    Training on a weighted subsample (`weighted_subsample`) with
    `fipfit.regression.fit_gamma_regressor` is the default route:
    `training_size_study` shows where FIP stops growing with the training
    size. Train on the full dataset when that size is beyond one machine.
    """
    from distributed import default_client
    from xgboost.dask import DaskXGBRegressor

    try:
        client = default_client()  # type: ignore[no-untyped-call]
    except ValueError:
        raise FipfitError(
            "training with XGBoost on Dask needs a distributed client: start one "
            "(distributed.Client, or --dask / --scheduler on the command line)"
        ) from None
    features = list(features)
    if not features:
        raise InvalidEventsError("no features given: name at least one column")
    dataset.check_columns(features, "feature")
    needed = list(dict.fromkeys([*dataset.event_columns(), *features]))
    context = PartitionContext(dataset.columns, dataset.source)
    meta = pd.DataFrame(
        {name: pd.Series(dtype="f8") for name in [*features, "_gamma", "_weight"]}
    )
    training = dataset.frame[needed].map_partitions(
        _training_frame, context, features, meta=meta
    )
    regressor = DaskXGBRegressor(random_state=random_state, **params)
    regressor.client = client
    regressor.fit(
        training[features], training["_gamma"], sample_weight=training["_weight"]
    )
    return _BoosterPredictor(regressor.get_booster())


def _training_frame(
    part: pd.DataFrame,
    context: PartitionContext,
    features: list[str],
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Return the features, gamma and |w| of the selected events of a partition."""
    index = -1 if partition_info is None else int(partition_info["number"])
    events = partition_events(part, context, index)
    chosen = events.selected
    frame = pd.DataFrame(
        {name: float_column(part, name)[chosen] for name in features}, index=None
    )
    frame["_gamma"] = events.gamma[chosen, 0]
    frame["_weight"] = np.abs(events.weight[chosen])
    return frame


class _BoosterPredictor:
    """A trained XGBoost booster behind a scikit-learn style ``predict``."""

    def __init__(self, booster: Any) -> None:
        self.booster = booster

    def predict(self, X: Any) -> FloatArray:
        values = self.booster.inplace_predict(np.asarray(X, dtype=np.float64))
        return np.asarray(values, dtype=np.float64)
