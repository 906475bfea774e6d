"""Optimal partitions of one variable: dynamic programming against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose

from fipfit.binning import (
    grid_labels,
    labels_from_edges,
    labels_within_edges,
    optimal_edges,
    optimal_grid_edges,
    quantile_edges,
)
from fipfit.errors import FipfitError


def information(values, weight, dweight, edges):
    """I(P) = sum_k |D_k|^2 / W_k of the bins of `edges`, straight from the events."""
    labels = labels_from_edges(values, edges)
    d = np.asarray(dweight, dtype=float).reshape(len(values), -1)
    total = 0.0
    for k in range(len(edges) - 1):
        inside = labels == k
        total += float(np.sum(d[inside].sum(axis=0) ** 2) / weight[inside].sum())
    return total


def brute_force(values, weight, dweight, n_bins, min_weight=0.0):
    """Best I(P) over every choice of n_bins - 1 inner cuts among the distinct values.

    Bins with total weight <= 0 or below `min_weight` are not allowed. Returns
    -inf when no partition is allowed.
    """
    distinct = np.unique(values)
    best = -np.inf
    for inner in itertools.combinations(distinct[1:-1], n_bins - 1):
        edges = np.concatenate([[distinct[0]], inner, [distinct[-1]]])
        labels = labels_from_edges(values, edges)
        bin_weight = np.bincount(labels, weights=weight, minlength=n_bins)
        if np.any(bin_weight <= 0) or np.any(bin_weight < min_weight):
            continue
        best = max(best, information(values, weight, dweight, edges))
    return best


def small_sample(seed, n=200, n_values=10, negative=False):
    """Events on a few distinct values, so that brute force is feasible."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, n_values, size=n).astype(float)
    weight = rng.uniform(0.5, 1.5, size=n)
    if negative:
        weight[rng.random(n) < 0.25] *= -0.6
    # gamma depends on the value, with noise, so the optimum is not trivial.
    gamma = np.sin(values) + rng.normal(0, 0.5, size=n)
    return values, weight, weight * gamma


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n_bins", [1, 2, 3, 5])
def test_dp_equals_brute_force(seed, n_bins):
    values, weight, dweight = small_sample(seed)
    edges = optimal_edges(values, weight, dweight, n_bins)
    assert edges.size == n_bins + 1
    found = information(values, weight, dweight, edges)
    assert_allclose(found, brute_force(values, weight, dweight, n_bins), rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_dp_brute_force_negative_weights(seed):
    values, weight, dweight = small_sample(seed, negative=True)
    edges = optimal_edges(values, weight, dweight, 4)
    labels = labels_from_edges(values, edges)
    assert np.all(np.bincount(labels, weights=weight) > 0)
    found = information(values, weight, dweight, edges)
    assert_allclose(found, brute_force(values, weight, dweight, 4), rtol=1e-12)


def test_dp_brute_force_min_weight():
    values, weight, dweight = small_sample(7)
    min_weight = 0.2 * weight.sum()
    edges = optimal_edges(values, weight, dweight, 4, min_weight=min_weight)
    bin_weight = np.bincount(labels_from_edges(values, edges), weights=weight)
    assert np.all(bin_weight >= min_weight)
    expected = brute_force(values, weight, dweight, 4, min_weight=min_weight)
    assert_allclose(information(values, weight, dweight, edges), expected, rtol=1e-12)


def test_dp_brute_force_two_parameters():
    """With two parameters the objective is sum_i I_ii / J_i, J_i = sum d_i^2 / w."""
    values, weight, d1 = small_sample(3)
    rng = np.random.default_rng(30)
    d2 = weight * (values / 5 + rng.normal(0, 0.3, size=values.size))
    dweight = np.column_stack([d1, d2])
    scale = np.sqrt(np.sum(dweight**2 / weight[:, np.newaxis], axis=0))
    edges = optimal_edges(values, weight, dweight, 3)
    normalised = dweight / scale
    expected = brute_force(values, weight, normalised, 3)
    assert_allclose(
        information(values, weight, normalised, edges), expected, rtol=1e-12
    )


@pytest.mark.parametrize("n_bins", [2, 5, 10, 20, 50])
def test_optimal_never_below_quantile(n_bins):
    rng = np.random.default_rng(11)
    n = 20_000
    x = rng.normal(0, 1, size=n)
    weight = rng.uniform(0.2, 2.0, size=n)
    dweight = weight * (x + 0.3 * x**2 + rng.normal(0, 1, size=n))
    optimal = optimal_edges(x, weight, dweight, n_bins)
    quantile = quantile_edges(x, weight, n_bins)
    assert information(x, weight, dweight, optimal) >= information(
        x, weight, dweight, quantile
    ) * (1 - 1e-12)


def test_optimal_beats_quantile_on_peak_shape():
    """gamma odd around 0: equal-weight bins waste bins near the centre."""
    rng = np.random.default_rng(5)
    x = rng.normal(0, 1, size=50_000)
    weight = np.ones_like(x)
    dweight = np.where(np.abs(x) > 1.5, np.sign(x), 0.0)
    optimal = information(x, weight, dweight, optimal_edges(x, weight, dweight, 3))
    quantile = information(x, weight, dweight, quantile_edges(x, weight, 3))
    # The optimum cuts at |x| = 1.5 and keeps all the information.
    assert_allclose(optimal, np.sum(dweight**2), rtol=1e-3)
    assert optimal > 1.5 * quantile


def test_infeasible_bins_raise():
    values, weight, dweight = small_sample(0)
    min_weight = 0.3 * weight.sum()
    # Brute force: the largest number of bins that meets the minimum weight.
    feasible = max(
        k
        for k in range(1, 5)
        if np.isfinite(brute_force(values, weight, dweight, k, min_weight))
    )
    with pytest.raises(
        FipfitError, match=rf"cannot make 5 bins .* fill at most {feasible};"
    ):
        optimal_edges(values, weight, dweight, 5, min_weight=min_weight)


def test_all_negative_weight_raises():
    values, weight, dweight = small_sample(0)
    with pytest.raises(FipfitError, match="positive weight"):
        optimal_edges(values, -weight, dweight, 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_bins": 0}, "at least 1"),
        ({"n_bins": 3, "n_prebins": 2}, "n_prebins"),
        ({"n_bins": 3, "n_prebins": 5000}, "n_prebins"),
        ({"n_bins": 3, "min_weight": -1.0}, "min_weight"),
    ],
)
def test_invalid_arguments_raise(kwargs, message):
    values, weight, dweight = small_sample(0)
    with pytest.raises(FipfitError, match=message):
        optimal_edges(values, weight, dweight, **kwargs)


def test_mismatched_lengths_raise():
    values, weight, dweight = small_sample(0)
    with pytest.raises(FipfitError, match="one value and one weight"):
        optimal_edges(values, weight[:-1], dweight, 2)
    with pytest.raises(FipfitError, match="one derivative"):
        optimal_edges(values, weight, dweight[:-1], 2)


def test_discrete_variable_gives_fewer_bins():
    values = np.repeat([0.0, 1.0, 2.0], 50)
    weight = np.ones_like(values)
    dweight = values - 1.0
    edges = optimal_edges(values, weight, dweight, 20)
    # Edges sit on data values and the last bin is closed on the right, so the
    # two largest values share a bin: I = (-50)^2 / 50 + 50^2 / 100 = 75.
    assert_allclose(edges, [0.0, 1.0, 2.0])
    assert_allclose(information(values, weight, dweight, edges), 75.0)


def test_labels_within_edges_clip_outside_values():
    edges = np.array([0.0, 1.0, 2.0])
    labels = labels_within_edges([-5.0, 0.5, 1.5, 2.0, 9.0], edges)
    assert labels.tolist() == [0, 0, 1, 1, 1]


def test_grid_of_two_components():
    rng = np.random.default_rng(2)
    n = 4000
    values = rng.normal(size=(n, 2))
    weight = np.ones(n)
    dweight = values + rng.normal(0, 0.5, size=(n, 2))
    edges = optimal_grid_edges(values, weight, dweight, [3, 4])
    assert [e.size - 1 for e in edges] == [3, 4]
    labels, n_cells = grid_labels(values, edges)
    assert n_cells == 12
    first = labels_within_edges(values[:, 0], edges[0])
    second = labels_within_edges(values[:, 1], edges[1])
    assert np.array_equal(labels, first * 4 + second)
    assert set(np.unique(labels)) == set(range(12))


def test_grid_needs_one_component_per_parameter():
    values = np.zeros((10, 2))
    with pytest.raises(FipfitError, match="one regressed component per parameter"):
        optimal_grid_edges(values, np.ones(10), np.ones((10, 3)), 2)
