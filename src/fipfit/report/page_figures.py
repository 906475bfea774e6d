"""The figures of the report page, with their titles and captions.

`build_figures` draws every figure that the run's results support (a
regressor, a classifier, fits, a metrics study, data fits) and returns them
in page order as PNG bytes, each with a title and a caption that explains
what to look for.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from fipfit.report import figures as fig
from fipfit.report.html import FigureRecord, most_fits_failed

if TYPE_CHECKING:
    from fipfit.report.partitions import PartitionResult
    from fipfit.report.samples import Samples
    from fipfit.report.training import Models

__all__ = ["build_figures"]


def _render(
    name: str, title: str, caption: str, figure: Any, out: list[FigureRecord]
) -> None:
    out.append(FigureRecord(name, title, caption, fig.png_bytes(figure)))


def _pull_caption(entries: list[dict[str, Any]]) -> str:
    """Explain when pulls are standard, with each partition's finite-MC shift."""
    text = (
        "Pulls are standard normal only in the large-sample regime, where the "
        "likelihood is parabolic. A partition with FIP near 0 has a flat, "
        "non-parabolic likelihood, so its pull width can be far from 1. The "
        "mean pull also carries the finite-MC shift: fitted to their expected "
        "counts, the templates miss the true value because the test and "
        "pseudo-data samples are finite."
    )
    shifts = [
        f"{e['name']} {e['fit']['mc_shift']:+.2f}"
        for e in entries
        if e.get("fit") and isinstance(e["fit"].get("mc_shift"), float)
    ]
    if shifts:
        text += f" That shift, in expected errors: {', '.join(shifts)}."
    return text


def build_figures(
    summary: dict[str, Any],
    samples: Samples,
    models: Models,
    partitions: list[PartitionResult],
    index: int,
    parameter: str,
) -> list[FigureRecord]:
    """Draw the report's figures from the summary and the run's samples.

    Parameters
    ----------
    summary : dict
        The run's summary; the classifier's AUC is added to it.
    samples, models, partitions
        The run's samples, trained models and partition results.
    index : int
        Column of the report's parameter in the events' derivatives.
    parameter : str
        Name of the report's parameter, for axis labels.
    """
    out: list[FigureRecord] = []
    test = samples.test
    chosen = test.selected
    with fig.style():
        scans = {
            p.config.name: (p.scan["n_bins"], p.scan["fip"], p.scan["fip_error"])
            for p in partitions
        }
        _render(
            "fip_vs_bins",
            "FIP against the number of bins",
            "Each partition's FIP on the test events as its number of bins grows. "
            "A partition in the regressed gamma should rise towards the detector "
            "limit (grey lines, from the model) with few bins; the ideal "
            "detector keeps FIP = 1.",
            fig.fip_scan_figure(scans, summary["reference_limits"]),
            out,
        )
        if models.regressor is not None:
            from fipfit.regression import model_output

            predicted = model_output(
                models.regressor,
                test.features(summary["features"])[chosen],
                component=index,
            )
            true_gamma = test.gamma[chosen, index]
            weight = test.weight[chosen]
            _render(
                "regression",
                "Regressed against true gamma",
                "Weighted 2D histogram of the regressor output against each "
                "event's true sensitivity gamma (test events). The regressor "
                "estimates the mean gamma at given observables, so the spread "
                "around the diagonal is the information no analysis of these "
                "observables can recover. The column at gamma = 0 holds the "
                "insensitive events (background).",
                fig.regression_figure(true_gamma, predicted, weight, parameter),
                out,
            )
            _render(
                "calibration",
                "Calibration of the regressor",
                "Weighted mean true gamma in equal-weight bins of the regressor "
                "output. Points on the diagonal mean the output is calibrated: "
                "it equals the mean sensitivity of the events that get it.",
                fig.calibration_figure(predicted, true_gamma, weight, parameter),
                out,
            )
        if models.classifier is not None and test.label is not None:
            from sklearn.metrics import roc_auc_score, roc_curve

            from fipfit.regression import model_output

            score = model_output(
                models.classifier, test.features(summary["features"])[chosen]
            )
            label = test.label[chosen]
            weight = np.abs(test.weight[chosen])
            fpr, tpr, _ = roc_curve(label, score, sample_weight=weight)
            auc = float(roc_auc_score(label, score, sample_weight=weight))
            summary["classifier"]["auc"] = auc
            _render(
                "classifier_output",
                "Classifier output per class",
                "Normalised distribution of the signal probability for signal "
                "and background test events. Separation helps a cross-section "
                "fit, but says nothing about where within the signal the "
                "information on a mass or a coupling sits.",
                fig.output_figure(
                    score, label, test.weight[chosen], "signal probability"
                ),
                out,
            )
            _render(
                "roc",
                "ROC curve of the classifier",
                "Signal against background efficiency for cuts on the "
                "classifier output, with the area under the curve (AUC). A "
                "ranking metric: it ignores how the events are binned in a fit.",
                fig.roc_figure(fpr, tpr, auc),
                out,
            )
        fitted = [
            p
            for p in summary["partitions"]
            if p["measured_error"] is not None and not most_fits_failed(p)
        ]
        if fitted:
            _render(
                "fit_errors",
                "Expected against measured error",
                "For each partition, the error expected from its information, "
                "1/sqrt(I(P) L), beside the spread of the values fitted to "
                "pseudo-experiments. Agreement validates the information as a "
                "prediction of the fit's precision.",
                fig.fit_error_figure(
                    [p["name"] for p in fitted],
                    [p["expected_error"] or math.nan for p in fitted],
                    [p["measured_error"] for p in fitted],
                    [p["measured_error_uncertainty"] or 0.0 for p in fitted],
                    parameter,
                ),
                out,
            )
        pulls = {p.config.name: p.pulls for p in partitions if p.pulls is not None}
        if pulls:
            _render(
                "pulls",
                "Pull distributions",
                "(fitted - true) / HESSE error over the pseudo-experiments, with "
                "the standard normal expected for an unbiased fit with correct "
                "errors (red). " + _pull_caption(summary["partitions"]),
                fig.pull_figure(pulls),
                out,
            )
        kinds = {p["name"]: p["kind"] for p in summary["partitions"]}
        for number, item in enumerate(summary.get("data_fit") or []):
            edges = np.asarray(item["edges"])
            xlabel = item["xlabel"]
            if kinds.get(item["partition"]) != "column":
                # Bins of a model output are easier to read by their number.
                edges = np.arange(edges.size, dtype=np.float64)
                xlabel = f"bin number in {xlabel}"
            _render(
                f"data_fit_{number}",
                f"Fit to data: {item['partition']}",
                "Data counts per bin (points) against the fitted expectation "
                f"(line); fitted {parameter} = {item['value']:.4g} ± "
                f"{item['error']:.2g}. The lower panel shows data over fit.",
                fig.data_fit_figure(
                    edges,
                    np.asarray(item["observed"]),
                    np.asarray(item["expected"]),
                    xlabel,
                    item["name"],
                ),
                out,
            )
        study = summary.get("metrics_study")
        if study is not None:
            correlations = {
                name: value
                for name, value in study["correlations"].items()
                if value is not None
            }
            _render(
                "metrics_study",
                "Which metric tracks the fit error",
                "Spearman rank correlation, over the candidate partitions of the "
                "metrics study, between each metric and the spread of fitted "
                "values. A good predictor of a fit's precision correlates "
                "strongly (FIP and MSE negatively with the error, since more "
                "information means a smaller error); ranking and threshold "
                "metrics (AUC, accuracy) need not.",
                fig.metric_correlation_figure(correlations),
                out,
            )
        _render(
            "factorisation",
            "FIP factorisation",
            "FIP = efficiency × sharpness × purity factor per partition: the "
            "selection's share of the ideal information, the share kept by the "
            "bins filled with sensitive events alone, and the dilution by "
            "insensitive events (background).",
            fig.summary_factorisation_figure(summary["partitions"]),
            out,
        )
    return out
