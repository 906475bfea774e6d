"""FIP against the number of bins, and the metrics study on the peak toy model."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from threadpoolctl import threadpool_limits

from fipfit.binning import labels_within_edges, optimal_edges, quantile_edges
from fipfit.errors import FipfitError
from fipfit.information import partition_information
from fipfit.study import (
    PartitionSpec,
    fip_versus_bins,
    metrics_study,
    peak_partitions,
    pseudoexperiment_error,
    statistical_error,
)
from fipfit.toymodels import generate_events


@pytest.fixture(autouse=True)
def one_thread():
    """Train with one thread: OpenMP threads competing for busy cores slow the
    small fits here several times over, and the results do not depend on it."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def peak_events():
    return generate_events("peak", 20_000, random_state=5)


def test_fip_versus_bins_matches_direct_computation(peak_events):
    table = fip_versus_bins(peak_events, "x", [1, 5, 20])
    assert table["n_bins"].tolist() == [1, 5, 20]
    chosen = peak_events.selected
    x = peak_events.column("x")
    for row in table.itertuples():
        edges = quantile_edges(x[chosen], peak_events.weight[chosen], row.n_bins)
        labels = labels_within_edges(x, edges)
        expected = partition_information(peak_events, labels, edges.size - 1).fip[0]
        assert row.n_bins_made == edges.size - 1
        assert_allclose(row.fip, expected, rtol=1e-12)
        assert np.isnan(row.fip_error)


def test_fip_versus_bins_column_or_array(peak_events):
    by_name = fip_versus_bins(peak_events, "x", [3, 7], binning="optimal")
    by_array = fip_versus_bins(
        peak_events, peak_events.column("x"), [3, 7], binning="optimal"
    )
    assert_allclose(by_name["fip"], by_array["fip"], rtol=0)


def test_fip_versus_bins_optimal_not_below_quantile(peak_events):
    bins = [2, 5, 10, 20]
    quantile = fip_versus_bins(peak_events, "x", bins)
    optimal = fip_versus_bins(peak_events, "x", bins, binning="optimal")
    assert np.all(optimal["fip"] >= quantile["fip"] * (1 - 1e-12))


def test_fip_versus_bins_train_and_test(peak_events):
    test, train = peak_events.split(0.5, random_state=1)
    table = fip_versus_bins(
        test,
        "x",
        [10],
        binning="optimal",
        train_events=train,
        train_values="x",
        n_resamples=50,
    )
    chosen = train.selected
    x_train = train.column("x")
    edges = optimal_edges(
        x_train[chosen], train.weight[chosen], train.dweight[chosen, 0], 10
    )
    test_labels = labels_within_edges(test.column("x"), edges)
    train_labels = labels_within_edges(x_train, edges)
    row = table.iloc[0]
    assert_allclose(row["fip"], partition_information(test, test_labels, 10).fip[0])
    assert_allclose(
        row["fip_train"], partition_information(train, train_labels, 10).fip[0]
    )
    assert 0 < row["fip_error"] < 0.1 * row["fip"]


def test_fip_versus_bins_invalid_input(peak_events):
    with pytest.raises(FipfitError, match="'quantile' or 'optimal'"):
        fip_versus_bins(peak_events, "x", [2], binning="best")
    with pytest.raises(FipfitError, match="both train_events and train_values"):
        fip_versus_bins(peak_events, "x", [2], train_events=peak_events)
    with pytest.raises(FipfitError, match="one value per event"):
        fip_versus_bins(peak_events, np.zeros(3), [2])


@pytest.fixture(scope="module")
def study(peak_events):
    with threadpool_limits(limits=1):
        return metrics_study(peak_events, peak_partitions(), n_resamples=50)


def test_metrics_study_table(study):
    table = study.table.set_index("partition")
    names = [spec.name for spec in peak_partitions()]
    assert table.index.tolist() == names
    assert np.all(table["fip_error"] > 0)
    regressors = table["kind"] == "regressor"
    assert np.all(np.isfinite(table.loc[regressors, "mse_prediction"]))
    assert np.all(np.isnan(table.loc[~regressors, "mse_prediction"]))
    for column in ("brier", "resolution", "roc_auc", "accuracy", "fip2"):
        assert np.all(np.isfinite(table[column])), column


def test_metrics_study_ranks_partitions(study):
    """Physics of peak, with margins of many bootstrap errors (about 0.005).

    eta alone carries no information on the mass; the full regressor is best; the
    classifier separates signal from background best (highest AUC) and yet
    keeps little information, because it cannot tell the two sides of the
    peak apart.
    """
    table = study.table.set_index("partition")
    fip = table["fip"]
    assert fip.idxmax() == "regressor (x, eta)"
    assert fip.idxmin() == "eta"
    assert fip["regressor (x, eta)"] > fip["x"] + 0.02
    assert fip["classifier (x, eta)"] < 0.5 * fip["x"]
    assert table["roc_auc"].idxmax() == "classifier (x, eta)"


def test_metrics_study_correlations(study):
    correlations = study.correlations.set_index("metric")
    # With the default error 1/sqrt(I(P)) the rank correlation of FIP is -1
    # by construction: both are monotone in the same I(P).
    assert correlations.loc["fip", "spearman"] == pytest.approx(-1.0)
    assert correlations.loc["mse_partition", "n_partitions"] == 7
    assert correlations.loc["mse_prediction", "n_partitions"] == 4


def test_metrics_study_error_source(peak_events):
    calls = []

    def bins_as_error(events, labels, n_bins, index):
        calls.append((len(events), labels.shape, n_bins, index))
        return float(n_bins)

    partitions = [
        PartitionSpec("x", "column", ("x",)),
        PartitionSpec("eta", "column", ("eta",)),
    ]
    result = metrics_study(
        peak_events,
        partitions,
        n_bins=5,
        error_source=bins_as_error,
        n_resamples=10,
    )
    n_test = round(0.5 * len(peak_events))
    assert result.table["error"].tolist() == [5.0, 5.0]
    assert calls == [(n_test, (n_test,), 5, 0), (n_test, (n_test,), 5, 0)]


def test_statistical_error_is_inverse_sqrt_information(peak_events):
    labels = labels_within_edges(
        peak_events.column("x"), quantile_edges(peak_events.column("x"), None, 4)
    )
    information = partition_information(peak_events, labels, 4).information[0, 0]
    error = statistical_error(peak_events, labels, 4, 0)
    assert_allclose(error, 1 / np.sqrt(information), rtol=1e-12)


@pytest.mark.parametrize(
    ("partitions", "message"),
    [
        ([], "no partitions"),
        (
            [
                PartitionSpec("a", "column", ("x",)),
                PartitionSpec("a", "column", ("x",)),
            ],
            "unique",
        ),
        ([PartitionSpec("a", "column", ("x", "eta"))], "exactly one column"),
        ([PartitionSpec("a", "forest", ("x",))], "choose 'column'"),  # type: ignore[arg-type]
    ],
)
def test_metrics_study_invalid_partitions(peak_events, partitions, message):
    with pytest.raises(FipfitError, match=message):
        metrics_study(peak_events, partitions, n_resamples=10)


def test_pseudoexperiment_error_matches_statistical_error(peak_events):
    """200 fits of Poisson pseudo-data at L = 1 in 10 quantile bins of x.

    The spread of the fitted mass should equal 1 / sqrt(I(P)) of the test
    events. Its relative statistical error is 1 / sqrt(2 * 200) = 5%, and the
    templates from half the events add a few percent, so 20% is about 3 sigma.
    """
    x = peak_events.column("x")
    chosen = peak_events.selected
    edges = quantile_edges(x[chosen], peak_events.weight[chosen], 10)
    labels = labels_within_edges(x, edges)
    error = pseudoexperiment_error(1.0, 200, random_state=1)(peak_events, labels, 10, 0)
    expected = statistical_error(peak_events, labels, 10, 0)
    assert error == pytest.approx(expected, rel=0.2)


def test_infinite_error_ranks_last(peak_events):
    """A partition whose fit fails gets error inf and still counts in the ranks."""

    def error_or_inf(events, labels, n_bins, index):
        fip = partition_information(events, labels, n_bins).fip[0]
        return float("inf") if fip < 0.01 else 1 / np.sqrt(fip)

    partitions = [
        PartitionSpec("eta", "column", ("eta",)),
        PartitionSpec("x", "column", ("x",)),
        PartitionSpec("true_x", "column", ("true_x",)),
    ]
    result = metrics_study(
        peak_events, partitions, n_bins=10, error_source=error_or_inf, n_resamples=10
    )
    assert result.table["error"].iloc[0] == np.inf
    correlations = result.correlations.set_index("metric")
    assert correlations.loc["fip", "n_partitions"] == 3
    assert correlations.loc["fip", "spearman"] == pytest.approx(-1.0)
