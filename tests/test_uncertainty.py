"""The bootstrap uncertainty of I(P) and FIP against independent samples."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import Events
from fipfit.information import partition_information
from fipfit.uncertainty import bootstrap_information

#: Fixed bin edges in x, so that samples differ only by their events.
EDGES = np.array([-np.inf, -1.5, -0.8, -0.3, 0.0, 0.3, 0.8, 1.5, np.inf])
N_BINS = EDGES.size - 1


def draw_events(
    rng: np.random.Generator, n_events: int, n_parameters: int = 1
) -> tuple[Events, np.ndarray]:
    """Draw events whose sensitivity grows with x, a third insensitive."""
    x = rng.normal(size=n_events)
    weight = rng.exponential(1.0, size=n_events) + 0.1
    gamma = np.column_stack(
        [
            x * (i + 1) + rng.normal(scale=0.5, size=n_events)
            for i in range(n_parameters)
        ]
    )
    gamma[rng.random(n_events) < 1 / 3] = 0.0
    events = Events.from_arrays(weight, weight[:, None] * gamma)
    labels = np.searchsorted(EDGES, x, side="right") - 1
    return events, labels


def test_error_matches_spread_of_independent_samples() -> None:
    """Bootstrap errors agree with the spread of I(P) and FIP over samples.

    200 independent samples of 2000 events give the reference standard
    deviation with a relative error of 1 / sqrt(2 * 199) = 5%. The bootstrap
    error is averaged over 10 samples, each with 200 replicas: its relative
    error is about 0.05 / sqrt(10) from the replicas plus the sample-to-sample
    spread of the estimate, together below 5%. A 25% tolerance is 3.5 times
    the combined 7%, a false failure less than once in 2000 runs.
    """
    rng = np.random.default_rng(20)
    information, fip, errors, fip_errors = [], [], [], []
    for index in range(200):
        events, labels = draw_events(rng, 2000)
        result = partition_information(events, labels, N_BINS)
        information.append(result.information[0, 0])
        fip.append(result.fip[0])
        if index < 10:
            bootstrap = bootstrap_information(
                events, labels, N_BINS, random_state=index
            )
            errors.append(bootstrap.information_error[0, 0])
            fip_errors.append(bootstrap.fip_error[0])

    assert np.mean(errors) == pytest.approx(np.std(information, ddof=1), rel=0.25)
    assert np.mean(fip_errors) == pytest.approx(np.std(fip, ddof=1), rel=0.25)


def ordinary_bootstrap(
    events: Events, labels: np.ndarray, n_resamples: int, seed: int
) -> np.ndarray:
    """I(P) of replicas that resample events with replacement, event by event."""
    rng = np.random.default_rng(seed)
    n = len(events)
    values = []
    for _ in range(n_resamples):
        index = rng.integers(0, n, size=n)
        result = partition_information(events.take(index), labels[index], N_BINS)
        values.append(result.information[0, 0])
    return np.array(values)


def test_group_bootstrap_with_one_event_groups_is_ordinary() -> None:
    """G = n resamples single events: the ordinary bootstrap, in distribution.

    Both spreads come from 400 replicas, each with a relative error of
    1 / sqrt(800) = 3.5%; 15% is 3 times their combined 5%. The replica means
    differ by the noise of two means of 400 replicas, sqrt(2 / 400) = 7% of
    the spread, so 0.3 spreads is 4 standard deviations.
    """
    events, labels = draw_events(np.random.default_rng(21), 1500)
    ordinary = ordinary_bootstrap(events, labels, 400, seed=1)
    grouped = bootstrap_information(
        events, labels, N_BINS, n_resamples=400, n_groups=len(events), random_state=2
    )
    spread = np.std(ordinary, ddof=1)
    assert grouped.information_error[0, 0] == pytest.approx(spread, rel=0.15)
    assert abs(grouped.information[:, 0, 0].mean() - ordinary.mean()) < 0.3 * spread


def test_fewer_groups_estimate_same_error() -> None:
    """Groups of 15 events (G = 100) estimate the spread of single events.

    With G = 100 the error estimate itself scatters by about sqrt(2 / G) = 14%
    around the G = n value; 45% is about 3 of those.
    """
    events, labels = draw_events(np.random.default_rng(22), 1500)
    single = bootstrap_information(
        events, labels, N_BINS, n_resamples=400, n_groups=len(events)
    )
    grouped = bootstrap_information(
        events, labels, N_BINS, n_resamples=400, n_groups=100
    )
    assert grouped.information_error[0, 0] == pytest.approx(
        single.information_error[0, 0], rel=0.45
    )


def test_bootstrap_reproducible_with_seed() -> None:
    events, labels = draw_events(np.random.default_rng(23), 800, n_parameters=2)
    first = bootstrap_information(events, labels, N_BINS, random_state=5)
    again = bootstrap_information(events, labels, N_BINS, random_state=5)
    other = bootstrap_information(events, labels, N_BINS, random_state=6)
    assert_array_equal(first.information, again.information)
    assert_array_equal(first.fip_error, again.fip_error)
    assert not np.array_equal(first.information, other.information)


def test_bootstrap_shapes_several_parameters() -> None:
    events, labels = draw_events(np.random.default_rng(24), 800, n_parameters=3)
    result = bootstrap_information(events, labels, N_BINS, n_resamples=50)
    assert result.information.shape == (50, 3, 3)
    assert result.fip.shape == (50, 3)
    assert result.information_error.shape == (3, 3)
    assert result.fip_error.shape == (3,)
    assert np.all(result.fip_error > 0)


def test_replica_mean_near_estimate() -> None:
    """Replicas scatter around the sample's own I(P) (the bootstrap's centre).

    The mean of 200 replicas lies within 4 / sqrt(200) of a spread from it,
    plus the bootstrap's own upward bias of order K / n, here below 1%.
    """
    events, labels = draw_events(np.random.default_rng(25), 3000)
    estimate = partition_information(events, labels, N_BINS).information[0, 0]
    result = bootstrap_information(events, labels, N_BINS)
    mean = result.information[:, 0, 0].mean()
    error = result.information_error[0, 0]
    assert abs(mean - estimate) < 4 * error / np.sqrt(200) + 0.01 * estimate


def test_unselected_events_only_in_ideal() -> None:
    """Unselected events move the ideal information of replicas, not I(P)."""
    rng = np.random.default_rng(26)
    events, labels = draw_events(rng, 1000)
    selected = rng.random(len(events)) < 0.5
    chosen = Events.from_arrays(events.weight, events.dweight, selected=selected)
    result = bootstrap_information(chosen, labels, N_BINS, n_groups=len(events))
    full = partition_information(chosen, labels, N_BINS)
    assert np.median(result.fip[:, 0]) == pytest.approx(full.fip[0], rel=0.1)
    assert np.all(result.fip[:, 0] < 1)


def test_bootstrap_with_negative_weights_stays_finite() -> None:
    rng = np.random.default_rng(27)
    events, labels = draw_events(rng, 2000)
    weight = events.weight * np.where(rng.random(len(events)) < 0.2, -1.0, 1.0)
    signed = Events.from_arrays(weight, events.dweight * np.sign(weight)[:, None])
    result = bootstrap_information(signed, labels, N_BINS)
    assert np.all(np.isfinite(result.information))
    assert np.all(np.isfinite(result.fip_error))
    assert_allclose(result.information_error.shape, (1, 1))


def test_too_few_resamples_rejected() -> None:
    events, labels = draw_events(np.random.default_rng(28), 100)
    with pytest.raises(FipfitError, match="n_resamples must be at least 2, got 1"):
        bootstrap_information(events, labels, N_BINS, n_resamples=1)


def test_bootstrap_labels_wrong_length_rejected() -> None:
    events, labels = draw_events(np.random.default_rng(29), 100)
    with pytest.raises(InvalidEventsError, match=r"labels have shape \(50,\)"):
        bootstrap_information(events, labels[:50], N_BINS)


def test_bootstrap_label_beyond_n_bins_rejected() -> None:
    events, labels = draw_events(np.random.default_rng(30), 100)
    with pytest.raises(InvalidEventsError, match="labels reach 7 but n_bins is 6"):
        bootstrap_information(events, labels, N_BINS - 2)
