"""Information of the ``zmumu`` example's partitions, with a grouped bootstrap.

`ZmumuAnalysis` contains the train and test events and the regressor. It
measures I(P) and FIP of a partition on the test events with bin edges from
the train events, and its bootstrap resamples generated events with all their
measurements.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from fipfit.binning import labels_within_edges, quantile_edges
from fipfit.errors import NonPositiveBinWarning
from fipfit.events import Events
from fipfit.information import PartitionInformation, partition_information
from fipfit.report.zmumu_config import ZmumuConfig
from fipfit.report.zmumu_inputs import event_ids

FloatArray = NDArray[np.float64]

__all__ = ["MeasuredPartition", "ZmumuAnalysis", "ZmumuPartition", "train_regressor"]


#: Bootstrap replicas per point of the FIP scan.
SCAN_RESAMPLES = 50
#: Groups of generated events resampled by the bootstrap.
BOOTSTRAP_GROUPS = 1000


@dataclass(frozen=True)
class ZmumuPartition:
    """A partition: a column or a regressor output, of selected or all events."""

    name: str
    column: str | None
    component: int = 0
    all_events: bool = False

    @property
    def kind(self) -> str:
        return "column" if self.column is not None else "regressor"


@dataclass
class MeasuredPartition:
    spec: ZmumuPartition
    edges: FloatArray
    test: PartitionInformation
    train_fip: FloatArray
    fip_error: FloatArray
    information_error: FloatArray
    scan: dict[str, list[float]] = field(default_factory=dict)


class ZmumuAnalysis:
    """Train and test events, the regressor, and the grouped bootstrap."""

    def __init__(self, config: ZmumuConfig, train: Events, test: Events) -> None:
        self.config = config
        self.train = train
        self.test = test
        self.regressor: Any = None
        ids = event_ids(test)
        unique, inverse = np.unique(ids, return_inverse=True)
        rng = np.random.default_rng(config.seeds["bootstrap"])
        self.n_groups = min(BOOTSTRAP_GROUPS, unique.size)
        self.groups = (rng.permutation(unique.size) % self.n_groups)[inverse]
        self.groups = self.groups.astype(np.intp)

    def values(self, spec: ZmumuPartition, events: Events) -> FloatArray:
        if spec.column is not None:
            return events.column(spec.column)
        from fipfit.regression import model_output

        features = events.features(list(self.config.features))
        return model_output(self.regressor, features, component=spec.component)

    def frame_values(self, spec: ZmumuPartition, frame: pd.DataFrame) -> FloatArray:
        """Return the partition's variable for a table of recorded events."""
        if spec.column is not None:
            return np.asarray(frame[spec.column].to_numpy(dtype=np.float64))
        from fipfit.regression import model_output

        features = frame[list(self.config.features)].to_numpy(dtype=np.float64)
        return model_output(self.regressor, features, component=spec.component)

    def chosen(self, spec: ZmumuPartition, events: Events) -> Events:
        if not spec.all_events:
            return events
        return dataclasses.replace(events, selected=np.ones(len(events), dtype=bool))

    def measure(
        self, spec: ZmumuPartition, n_bins: int, resamples: int
    ) -> MeasuredPartition:
        train = self.chosen(spec, self.train)
        test = self.chosen(spec, self.test)
        train_values = self.values(spec, train)
        inside = train.selected
        edges = quantile_edges(train_values[inside], train.weight[inside], n_bins)
        k = edges.size - 1
        test_labels = np.where(
            test.selected, labels_within_edges(self.values(spec, test), edges), -1
        )
        with warnings.catch_warnings():
            # Bins with W_k <= 0 are reported in the summary instead.
            warnings.simplefilter("ignore", NonPositiveBinWarning)
            information = partition_information(test, test_labels, k)
            train_information = partition_information(
                train, labels_within_edges(train_values, edges), k
            )
        error, information_error = self._bootstrap(test, test_labels, k, resamples)
        return MeasuredPartition(
            spec=spec,
            edges=edges,
            test=information,
            train_fip=train_information.fip,
            fip_error=error,
            information_error=information_error,
        )

    def _bootstrap(
        self, test: Events, labels: NDArray[np.intp], k: int, resamples: int
    ) -> tuple[FloatArray, FloatArray]:
        """Resample groups of generated events, each with all its measurements."""
        from fipfit.uncertainty import bootstrap_from_group_sums, group_sums

        sums = group_sums(test, labels, k, self.groups, self.n_groups)
        rng = np.random.default_rng(self.config.seeds["bootstrap"])
        result = bootstrap_from_group_sums(*sums, n_resamples=resamples, rng=rng)
        return result.fip_error, result.information_error

    def scan(self, measured: MeasuredPartition) -> None:
        rows = [
            self.measure(measured.spec, n_bins, SCAN_RESAMPLES)
            for n_bins in self.config.scan_bins
        ]
        measured.scan = {
            "n_bins": [int(row.edges.size - 1) for row in rows],
            "fip": [float(row.test.fip[0]) for row in rows],
            "fip_error": [float(row.fip_error[0]) for row in rows],
            "train_fip": [float(row.train_fip[0]) for row in rows],
        }


def train_regressor(config: ZmumuConfig, train: Events) -> Any:
    from sklearn.exceptions import ConvergenceWarning

    from fipfit.regression import fit_gamma_regressor

    settings = dict(config.regressor)
    backend = str(settings.pop("model", "hgb"))
    if "hidden_layer_sizes" in settings:
        settings["hidden_layer_sizes"] = tuple(settings["hidden_layer_sizes"])
    with warnings.catch_warnings():
        # A fixed number of epochs is the network's regularisation, so the
        # optimiser stopping before convergence is intended.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit_gamma_regressor(
            train,
            list(config.features),
            model=backend,
            random_state=config.seeds["regressor"],
            **settings,
        )
