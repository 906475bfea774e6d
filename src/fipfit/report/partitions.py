"""Partitions of ``fipfit run``: bin edges, information, FIP and the bin scan.

Bin edges come from the train sample (quantile or optimal), and the
information and FIP from the test sample, with a bootstrap error.
`scan_partition` repeats the measurement for each number of bins of the scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fipfit.binning import labels_within_edges
from fipfit.events import Events
from fipfit.information import PartitionInformation, partition_information
from fipfit.report.config import PartitionConfig, RunConfig
from fipfit.report.json_values import finite
from fipfit.report.progress import ProgressReporter
from fipfit.report.samples import Samples
from fipfit.report.training import Models, partition_values
from fipfit.uncertainty import bootstrap_information

FloatArray = NDArray[np.float64]

__all__ = ["PartitionResult", "build_partition", "scan_partition"]


#: Bootstrap replicas per point of the FIP scan (fewer than for the main
#: numbers: the scan shows the trend, the table gives the precise values).
SCAN_RESAMPLES = 50


@dataclass
class PartitionResult:
    config: PartitionConfig
    edges: FloatArray
    train_values: FloatArray
    test_values: FloatArray
    pseudo_values: FloatArray
    test: PartitionInformation
    fip_error: float
    information_error: float
    train_fip: float
    scan: dict[str, list[Any]] = field(default_factory=dict)
    fit: dict[str, Any] | None = None
    pulls: FloatArray | None = None
    templates: Any = None


def _edges(
    binning: str, values: FloatArray, events: Events, n_bins: int, index: int
) -> FloatArray:
    """Place `n_bins` edges on the train sample's selected events."""
    from fipfit.study import binned_edges

    chosen = events.selected
    return binned_edges(
        values[chosen],
        events.weight[chosen],
        events.dweight[chosen, index],
        n_bins,
        binning,
    )


def build_partition(
    partition: PartitionConfig,
    samples: Samples,
    models: Models,
    config: RunConfig,
    index: int,
) -> PartitionResult:
    values = {}
    for name, sample in (
        ("train", samples.train),
        ("test", samples.test),
        ("pseudo_data", samples.pseudo_data),
    ):
        key = (partition.kind, name)
        if partition.kind == "column":
            values[name] = sample.column(str(partition.column))
            continue
        if key not in models.outputs:
            models.outputs[key] = partition_values(
                partition, sample, models, config.features, index
            )
        values[name] = models.outputs[key]
    edges = _edges(
        partition.binning, values["train"], samples.train, partition.bins, index
    )
    n_bins = edges.size - 1
    test_labels = labels_within_edges(values["test"], edges)
    test = partition_information(samples.test, test_labels, n_bins)
    bootstrap = bootstrap_information(
        samples.test,
        test_labels,
        n_bins,
        n_resamples=config.bootstrap,
        random_state=config.seeds["bootstrap"],
    )
    train = partition_information(
        samples.train, labels_within_edges(values["train"], edges), n_bins
    )
    return PartitionResult(
        config=partition,
        edges=edges,
        train_values=values["train"],
        test_values=values["test"],
        pseudo_values=values["pseudo_data"],
        test=test,
        fip_error=float(bootstrap.fip_error[index]),
        information_error=float(bootstrap.information_error[index, index]),
        train_fip=float(train.fip[index]),
    )


# --- 6. scan ----------------------------------------------------------------------


def scan_partition(
    result: PartitionResult,
    samples: Samples,
    config: RunConfig,
    parameter: str,
    progress: ProgressReporter,
) -> None:
    from fipfit.study import fip_versus_bins

    rows = []
    for n_bins in config.scan_bins:
        table = fip_versus_bins(
            samples.test,
            result.test_values,
            [n_bins],
            binning=result.config.binning,
            parameter=parameter,
            train_events=samples.train,
            train_values=result.train_values,
            n_resamples=SCAN_RESAMPLES,
            random_state=config.seeds["bootstrap"],
        )
        rows.append(table.iloc[0])
        progress.advance()
    result.scan = {
        "n_bins": [int(row["n_bins_made"]) for row in rows],
        "fip": [finite(row["fip"]) for row in rows],
        "fip_error": [finite(row["fip_error"]) for row in rows],
        "train_fip": [finite(row["fip_train"]) for row in rows],
    }
