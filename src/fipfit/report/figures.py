"""Figures of the report, drawn with matplotlib in mplhep's neutral ROOT style.

Every function takes plain arrays (`summary_factorisation_figure` takes the
entries of a summary) and returns a `matplotlib.figure.Figure`. The figures are
built with the object-oriented API (no pyplot state) and written by
`png_bytes` through matplotlib's Agg renderer, so no display is needed.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import matplotlib.style
import mplhep
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

__all__ = [
    "calibration_figure",
    "data_fit_figure",
    "factorisation_figure",
    "fip_scan_figure",
    "fit_error_figure",
    "metric_correlation_figure",
    "output_figure",
    "png_bytes",
    "pull_figure",
    "regression_figure",
    "roc_figure",
    "style",
    "summary_factorisation_figure",
]

FloatArray = NDArray[np.float64]

#: Figure size in inches and resolution of the written PNG files.
FIGSIZE = (10.0, 7.5)
DPI = 80


@contextmanager
def style() -> Iterator[None]:
    """Apply mplhep's ROOT style, which carries no experiment label."""
    with (
        matplotlib.style.context(mplhep.style.ROOT),
        mpl.rc_context({"font.size": 20, "axes.titlesize": "medium"}),
    ):
        yield


def _figure(ncols: int = 1, nrows: int = 1, width: float | None = None) -> Figure:
    size = (width or FIGSIZE[0], FIGSIZE[1] * (0.75 if nrows > 1 else 1.0) * nrows)
    figure = Figure(figsize=size, layout="constrained")
    figure.subplots(nrows, ncols, squeeze=False)
    return figure


def png_bytes(figure: Figure) -> bytes:
    """Render `figure` as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def fip_scan_figure(
    scans: Mapping[
        str, tuple[Sequence[float], Sequence[float | None], Sequence[float | None]]
    ],
    reference_limits: Mapping[str, float],
) -> Figure:
    """Plot FIP against the number of bins, one line per partition.

    Parameters
    ----------
    scans : mapping of name to (n_bins, fip, fip_error)
    reference_limits : mapping of name to FIP
        Limits known from the model (the detector's limit, one observable's
        limit), drawn as horizontal lines beside the ideal FIP = 1.
    """
    figure = _figure()
    ax = figure.axes[0]
    for name, (bins, fip, error) in scans.items():
        # Missing values (None) become NaN, which matplotlib leaves out.
        ax.errorbar(
            np.asarray(bins, dtype=np.float64),
            np.asarray(fip, dtype=np.float64),
            yerr=np.asarray(error, dtype=np.float64),
            marker="o",
            markersize=7,
            capsize=3,
            label=name,
        )
    ax.axhline(1.0, color="black", linewidth=2, label="ideal detector")
    styles = ["--", ":", "-."]
    for index, (name, value) in enumerate(reference_limits.items()):
        ax.axhline(
            value,
            color="grey",
            linestyle=styles[index % len(styles)],
            linewidth=2,
            label=f"limit of {name}",
        )
    ax.set_xscale("log")
    ax.set_xlabel("number of bins")
    ax.set_ylabel("FIP = I(P) / I$_{ideal}$")
    ax.set_ylim(0, 1.08)
    ax.legend(loc="lower right", fontsize="x-small", ncols=2)
    return figure


def _weighted_quantiles(
    values: FloatArray, weight: FloatArray, quantiles: Sequence[float] | FloatArray
) -> FloatArray:
    order = np.argsort(values)
    cumulative = np.cumsum(np.abs(weight[order]))
    cumulative /= cumulative[-1]
    positions = np.searchsorted(cumulative, quantiles)
    positions = np.clip(positions, 0, values.size - 1)
    return np.asarray(values[order][positions], dtype=np.float64)


def regression_figure(
    true_gamma: FloatArray, predicted: FloatArray, weight: FloatArray, parameter: str
) -> Figure:
    """Plot the regressed gamma against the true gamma as a weighted 2D histogram."""
    figure = _figure()
    ax = figure.axes[0]
    low, high = _weighted_quantiles(
        np.concatenate([true_gamma, predicted]),
        np.concatenate([weight, weight]),
        [0.005, 0.995],
    )
    if not high > low:
        low, high = low - 1.0, high + 1.0
    edges = np.linspace(low, high, 61)
    counts, _, _ = np.histogram2d(
        true_gamma, predicted, bins=[edges, edges], weights=np.abs(weight)
    )
    counts = np.where(counts > 0, counts, np.nan)
    mesh = ax.pcolormesh(
        edges, edges, counts.T, cmap="viridis", norm=mpl.colors.LogNorm()
    )
    figure.colorbar(mesh, ax=ax, label="sum of |weights|")
    ax.plot([low, high], [low, high], color="red", linewidth=2, label="r = gamma")
    ax.set_xlabel(f"true gamma = (dw/d{parameter}) / w")
    ax.set_ylabel("regressed gamma r(x)")
    ax.legend(loc="upper left", fontsize="small")
    return figure


def calibration_figure(
    predicted: FloatArray,
    true_gamma: FloatArray,
    weight: FloatArray,
    parameter: str,
    n_bins: int = 20,
) -> Figure:
    """Plot the weighted mean true gamma in quantile bins of the regressor output.

    A calibrated regressor puts the points on the diagonal: its output then is
    the mean sensitivity E[gamma | x] of the events that get it.
    """
    edges = np.unique(
        _weighted_quantiles(predicted, weight, np.linspace(0, 1, n_bins + 1))
    )
    labels = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, None)
    labels = np.minimum(labels, edges.size - 2)
    k = edges.size - 1
    sum_w = np.bincount(labels, weights=weight, minlength=k)
    sum_out = np.bincount(labels, weights=weight * predicted, minlength=k)
    sum_true = np.bincount(labels, weights=weight * true_gamma, minlength=k)
    sum_true2 = np.bincount(labels, weights=weight * true_gamma**2, minlength=k)
    sum_w2 = np.bincount(labels, weights=weight**2, minlength=k)
    positive = sum_w > 0
    mean_out = sum_out[positive] / sum_w[positive]
    mean_true = sum_true[positive] / sum_w[positive]
    variance = np.maximum(sum_true2[positive] / sum_w[positive] - mean_true**2, 0)
    n_effective = sum_w[positive] ** 2 / np.maximum(sum_w2[positive], 1e-300)
    error = np.sqrt(variance / np.maximum(n_effective, 1.0))

    figure = _figure()
    ax = figure.axes[0]
    ax.errorbar(
        mean_out,
        mean_true,
        yerr=error,
        marker="o",
        linestyle="none",
        markersize=7,
        label="mean true gamma per bin",
    )
    low = float(min(mean_out.min(), mean_true.min()))
    high = float(max(mean_out.max(), mean_true.max()))
    ax.plot([low, high], [low, high], color="red", linewidth=2, label="calibrated")
    ax.set_xlabel(f"regressor output r(x) (per unit {parameter})")
    ax.set_ylabel(f"weighted mean true gamma (per unit {parameter})")
    ax.legend(loc="upper left", fontsize="small")
    return figure


def output_figure(
    score: FloatArray, label: NDArray[np.integer], weight: FloatArray, xlabel: str
) -> Figure:
    """Plot the normalised distribution of a score for signal and background."""
    figure = _figure()
    ax = figure.axes[0]
    low, high = _weighted_quantiles(score, weight, [0.001, 0.999])
    if not high > low:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, 41)
    for value, name in ((1, "signal"), (0, "background")):
        chosen = label == value
        if not chosen.any():
            continue
        counts, _ = np.histogram(
            np.clip(score[chosen], low, high), bins=edges, weights=weight[chosen]
        )
        total = counts.sum()
        if total != 0:
            counts = counts / total
        mplhep.histplot(counts, edges, ax=ax, label=name, linewidth=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of weight per bin")
    ax.legend(loc="upper center", fontsize="small")
    return figure


def roc_figure(
    false_positive_rate: FloatArray, true_positive_rate: FloatArray, auc: float
) -> Figure:
    """Plot the weighted ROC curve of the classifier with its area."""
    figure = _figure(width=FIGSIZE[1] * 1.1)
    ax = figure.axes[0]
    ax.plot(
        false_positive_rate,
        true_positive_rate,
        linewidth=2.5,
        label=f"classifier, AUC = {auc:.3f}",
    )
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="random")
    ax.set_xlabel("background efficiency")
    ax.set_ylabel("signal efficiency")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize="small")
    return figure


def fit_error_figure(
    names: Sequence[str],
    expected: Sequence[float],
    measured: Sequence[float],
    measured_uncertainty: Sequence[float],
    parameter: str,
) -> Figure:
    """Compare the expected error 1/sqrt(I L) with the spread of fitted values."""
    figure = _figure()
    ax = figure.axes[0]
    positions = np.arange(len(names))
    ax.plot(
        positions - 0.08,
        expected,
        marker="D",
        markersize=11,
        linestyle="none",
        markerfacecolor="none",
        markeredgewidth=2.5,
        color="#5790fc",
        label="expected, 1/sqrt(I(P) L)",
    )
    ax.errorbar(
        positions + 0.08,
        measured,
        yerr=measured_uncertainty,
        marker="o",
        markersize=10,
        linestyle="none",
        capsize=4,
        color="#e42536",
        label="measured, std of fitted values",
    )
    ax.set_xticks(positions, list(names), rotation=20, ha="right", fontsize="small")
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.minorticks_off()
    ax.set_yscale("log")
    ax.set_ylabel(f"statistical error on {parameter}")
    ax.legend(loc="upper left", fontsize="small")
    return figure


def pull_figure(pulls: Mapping[str, FloatArray]) -> Figure:
    """Plot the pull distribution of each partition against a standard normal."""
    count = max(len(pulls), 1)
    ncols = 2 if count in (2, 4) else min(count, 3)
    nrows = math.ceil(count / ncols)
    figure = _figure(ncols=ncols, nrows=nrows, width=FIGSIZE[0] * 1.3)
    edges = np.linspace(-4, 4, 25)
    centres = 0.5 * (edges[1:] + edges[:-1])
    grid = np.linspace(-4, 4, 200)
    for ax, (name, values) in zip(figure.axes, pulls.items(), strict=False):
        finite = values[np.isfinite(values)]
        counts, _ = np.histogram(np.clip(finite, -3.999, 3.999), bins=edges)
        ax.errorbar(
            centres,
            counts,
            yerr=np.sqrt(counts),
            marker="o",
            linestyle="none",
            markersize=5,
        )
        scale = finite.size * (edges[1] - edges[0])
        ax.plot(grid, scale * np.exp(-0.5 * grid**2) / math.sqrt(2 * math.pi), "r-")
        mean = float(finite.mean()) if finite.size else math.nan
        spread = float(finite.std(ddof=1)) if finite.size > 1 else math.nan
        ax.set_title(f"{name}\nmean {mean:+.2f}, std {spread:.2f}", fontsize=15)
        ax.set_xlabel("pull")
        ax.set_ylabel("pseudo-experiments")
    for ax in figure.axes[len(pulls) :]:
        ax.set_visible(False)
    return figure


def factorisation_figure(
    names: Sequence[str],
    efficiency: Sequence[float],
    sharpness: Sequence[float],
    purity_factor: Sequence[float],
    fip: Sequence[float],
) -> Figure:
    """Show FIP = efficiency * sharpness * purity factor for each partition."""
    figure = _figure()
    ax = figure.axes[0]
    positions = np.arange(len(names))
    width = 0.2
    series = (
        ("efficiency", efficiency, "#9c9ca1"),
        ("sharpness", sharpness, "#5790fc"),
        ("purity factor", purity_factor, "#f89c20"),
        ("FIP", fip, "#e42536"),
    )
    for index, (label, values, colour) in enumerate(series):
        ax.bar(
            positions + (index - 1.5) * width,
            values,
            width=width,
            label=label,
            color=colour,
        )
    ax.set_xticks(positions, list(names), rotation=20, ha="right", fontsize="small")
    ax.minorticks_off()
    ax.set_ylabel("fraction of information")
    ax.set_ylim(0, 1.25)
    ax.legend(loc="upper center", ncols=4, fontsize="x-small")
    return figure


def summary_factorisation_figure(partitions: Sequence[Mapping[str, Any]]) -> Figure:
    """Show `factorisation_figure` for the ``partitions`` entries of a summary.

    Each entry needs the keys ``name``, ``efficiency``, ``sharpness``,
    ``purity_factor`` and ``fip``. A factor that is None (not defined in the
    summary) is drawn as 0.
    """
    return factorisation_figure(
        [entry["name"] for entry in partitions],
        [entry["efficiency"] or 0.0 for entry in partitions],
        [entry["sharpness"] or 0.0 for entry in partitions],
        [entry["purity_factor"] or 0.0 for entry in partitions],
        [entry["fip"] or 0.0 for entry in partitions],
    )


def metric_correlation_figure(correlations: Mapping[str, float]) -> Figure:
    """Plot each metric's Spearman correlation with the measured fit error."""
    figure = _figure()
    ax = figure.axes[0]
    names = list(correlations)
    values = [correlations[name] for name in names]
    colours = ["#e42536" if v < 0 else "#5790fc" for v in values]
    ax.barh(np.arange(len(names)), values, color=colours)
    ax.set_yticks(np.arange(len(names)), names, fontsize="small")
    ax.minorticks_off()
    ax.axvline(0, color="black", linewidth=1)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel("Spearman correlation with the measured fit error")
    ax.invert_yaxis()
    return figure


def data_fit_figure(
    edges: FloatArray,
    observed: FloatArray,
    expected: FloatArray,
    xlabel: str,
    title: str,
    *,
    density_label: str | None = None,
) -> Figure:
    """Plot observed counts against the fitted expectation, with a ratio panel.

    With `density_label` (for example "events per GeV") the upper panel shows
    counts divided by the bin width, so that bins of unequal width keep the
    shape of the distribution.
    """
    figure = Figure(figsize=FIGSIZE, layout="constrained")
    top, bottom = figure.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    width = np.diff(edges) if density_label is not None else np.ones(len(observed))
    mplhep.histplot(expected / width, edges, ax=top, label="fit", linewidth=2)
    centres = 0.5 * (edges[1:] + edges[:-1])
    top.errorbar(
        centres,
        observed / width,
        yerr=np.sqrt(observed) / width,
        marker="o",
        color="black",
        linestyle="none",
        label="data",
    )
    top.set_ylabel(density_label or "events per bin")
    top.set_title(title, fontsize="small")
    top.legend(fontsize="small")
    with np.errstate(divide="ignore", invalid="ignore"):
        # Bins with no expectation have no ratio; they are left blank.
        ratio = np.where(expected > 0, observed / expected, np.nan)
        ratio_error = np.where(expected > 0, np.sqrt(observed) / expected, np.nan)
    bottom.errorbar(
        centres, ratio, yerr=ratio_error, marker="o", color="black", linestyle="none"
    )
    bottom.axhline(1.0, color="red")
    bottom.set_ylabel("data / fit")
    bottom.set_xlabel(xlabel)
    return figure
