"""Fit validation: templates, likelihood fits, pseudo-experiments, pyhf export.

The information I(P) predicts the error of a binned fit, 1 / sqrt(I(P) L).
This package runs that fit: `Templates` give the expected yields nu_k(theta),
`TemplateFit` fits them to counts with iminuit, `run_pseudoexperiments`
measures the spread and the pulls of many fits of Poisson pseudo-data, and
`export_pyhf` writes the same model as a HistFactory workspace.
"""

from __future__ import annotations

from fipfit.fitting.likelihood import (
    FitResult,
    TemplateFit,
    asimov_fit,
    expected_errors,
    fisher_information,
)
from fipfit.fitting.pseudoexperiments import (
    PseudoExperiments,
    expected_counts,
    run_pseudoexperiments,
)
from fipfit.fitting.pyhf_export import export_pyhf, pyhf_expected_errors
from fipfit.fitting.templates import Templates, bin_weights_at

__all__ = [
    "FitResult",
    "PseudoExperiments",
    "TemplateFit",
    "Templates",
    "asimov_fit",
    "bin_weights_at",
    "expected_counts",
    "expected_errors",
    "export_pyhf",
    "fisher_information",
    "pyhf_expected_errors",
    "run_pseudoexperiments",
]
