"""Information of Parquet datasets larger than memory, computed with Dask.

Every number that `fipfit.information` and `fipfit.uncertainty` report is a
sum over events followed by arithmetic on arrays of the size of the binning.
Here each partition of a Parquet dataset (a folder of files, read lazily with
`dask.dataframe.read_parquet`) is validated, binned and reduced to those sums
where it is read. The sums of the partitions are added in a tree, and the
same functions as in memory (`bin_table_from_sums`,
`partition_information_from_sums`, `bootstrap_from_group_sums`) turn them into
the same `BinTable`, `PartitionInformation` and `BootstrapResult` objects. The
results equal the in-memory ones up to the rounding of the additions.

A worker keeps one partition in memory at a time, so the dataset may be many times
larger than the workers' memory. Computations run on the active
`distributed.Client` when there is one, else on Dask's local threads.

`dataset` opens a dataset and adds a regressor's score to it. `information`
computes the information of a partition and its bootstrap, and `quantiles`
finds bin edges of equal weight. `training` trains regressors of gamma on
weighted subsamples, or with XGBoost on Dask.
"""

from __future__ import annotations

from fipfit.scaleout.dataset import EventDataset, Predictor, add_score, read_dataset
from fipfit.scaleout.information import (
    bootstrap_information,
    ideal_information,
    information_with_bootstrap,
    partition_information,
)
from fipfit.scaleout.quantiles import approximate_quantile_edges
from fipfit.scaleout.training import (
    fit_xgboost_dask,
    training_size_study,
    weighted_subsample,
)

__all__ = [
    "EventDataset",
    "Predictor",
    "add_score",
    "approximate_quantile_edges",
    "bootstrap_information",
    "fit_xgboost_dask",
    "ideal_information",
    "information_with_bootstrap",
    "partition_information",
    "read_dataset",
    "training_size_study",
    "weighted_subsample",
]
