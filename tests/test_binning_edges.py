"""Bin edges, labels and equal-weight (quantile) bins of one variable."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fipfit.binning import check_edges, labels_from_edges, quantile_edges
from fipfit.errors import FipfitError, InvalidEventsError

# Edges and labels ----------------------------------------------------------


def test_labels_left_closed_last_bin_closed() -> None:
    edges = [0.0, 1.0, 2.0, 3.0]
    values = [0.0, 0.5, 1.0, 1.999, 2.0, 3.0]
    assert labels_from_edges(values, edges).tolist() == [0, 0, 1, 1, 2, 2]


def test_labels_outside_are_minus_one() -> None:
    edges = [0.0, 1.0, 2.0]
    values = [-0.1, 2.1, np.nan, -np.inf, np.inf, 0.5]
    assert labels_from_edges(values, edges).tolist() == [-1, -1, -1, -1, -1, 0]


def test_labels_dtype_is_intp() -> None:
    assert labels_from_edges([0.5], [0.0, 1.0]).dtype == np.intp


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ([1.0], "at least two values, got 1"),
        ([], "at least two values, got 0"),
        ([0.0, np.nan, 1.0], "NaN or infinite bin edge"),
        ([0.0, np.inf], "NaN or infinite bin edge"),
        ([0.0, 2.0, 1.0], "must increase strictly"),
        ([0.0, 1.0, 1.0], "must increase strictly"),
    ],
)
def test_bad_edges_rejected(edges: list[float], message: str) -> None:
    with pytest.raises(FipfitError, match=message):
        check_edges(edges)


def test_two_dimensional_edges_rejected() -> None:
    with pytest.raises(FipfitError, match="at least two values"):
        check_edges([[0.0, 1.0], [2.0, 3.0]])


# Equal-weight bins ---------------------------------------------------------


def bin_sums(values: np.ndarray, weight: np.ndarray, edges: np.ndarray) -> np.ndarray:
    labels = labels_from_edges(values, edges)
    assert np.all(labels >= 0)
    return np.bincount(labels, weights=np.abs(weight), minlength=edges.size - 1)


def test_unit_weights_equal_counts() -> None:
    values = np.random.default_rng(0).normal(size=1000)
    edges = quantile_edges(values, None, 10)
    counts = np.bincount(labels_from_edges(values, edges), minlength=10)
    assert edges.size == 11
    assert edges[0] == values.min()
    assert edges[-1] == values.max()
    # The event at each quantile starts the next bin; the last bin is closed.
    assert counts.tolist() == [99] + [100] * 8 + [101]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_bins_equal_within_one_event(seed: int) -> None:
    """Each bin's weight is within the largest event weight of total / K."""
    rng = np.random.default_rng(seed)
    values = rng.exponential(size=5000)
    weight = rng.exponential(size=5000)
    edges = quantile_edges(values, weight, 20)
    sums = bin_sums(values, weight, edges)
    target = weight.sum() / 20
    assert edges.size == 21
    assert np.all(np.abs(sums - target) <= weight.max())


def test_negative_weights_use_absolute_values() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=4000)
    weight = rng.exponential(size=4000) * np.where(rng.random(4000) < 0.3, -1, 1)
    edges = quantile_edges(values, weight, 8)
    assert_array_equal(edges, quantile_edges(values, np.abs(weight), 8))
    sums = bin_sums(values, weight, edges)
    assert np.all(np.abs(sums - np.abs(weight).sum() / 8) <= np.abs(weight).max())


def test_ties_merge_edges() -> None:
    """A variable with three values cannot make more than two bins of them."""
    values = np.repeat([1.0, 2.0, 3.0], [100, 100, 100])
    edges = quantile_edges(values, None, 10)
    assert edges.tolist() == [1.0, 2.0, 3.0]


def test_one_bin_spans_range() -> None:
    values = np.array([3.0, -1.0, 2.0])
    assert quantile_edges(values, None, 1).tolist() == [-1.0, 3.0]


def test_single_value_rejected() -> None:
    with pytest.raises(FipfitError, match="takes a single value"):
        quantile_edges(np.ones(10), None, 4)


def test_zero_bins_rejected() -> None:
    with pytest.raises(FipfitError, match="at least 1, got 0"):
        quantile_edges([1.0, 2.0], None, 0)


def test_empty_values_rejected() -> None:
    with pytest.raises(FipfitError, match="binning variable is empty"):
        quantile_edges([], None, 3)


def test_zero_weights_rejected() -> None:
    with pytest.raises(FipfitError, match="all weights are zero"):
        quantile_edges([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], 2)


def test_nan_values_rejected() -> None:
    with pytest.raises(InvalidEventsError, match="NaN or infinite value"):
        quantile_edges([1.0, np.nan, 3.0], None, 2)


def test_nan_weight_rejected() -> None:
    with pytest.raises(InvalidEventsError, match="NaN or infinite weight"):
        quantile_edges([1.0, 2.0, 3.0], [1.0, np.nan, 1.0], 2)


def test_weight_length_mismatch_rejected() -> None:
    with pytest.raises(FipfitError, match="3 values but 2 weights"):
        quantile_edges([1.0, 2.0, 3.0], [1.0, 1.0], 2)
    with pytest.raises(FipfitError, match="3 values but 4 weights"):
        quantile_edges([1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 1.0], 2)


def test_edges_do_not_depend_on_event_order() -> None:
    rng = np.random.default_rng(4)
    values = np.round(rng.normal(size=3000), 2)  # many ties
    weight = rng.integers(1, 5, size=3000).astype(float)
    order = rng.permutation(3000)
    assert_array_equal(
        quantile_edges(values, weight, 15),
        quantile_edges(values[order], weight[order], 15),
    )
