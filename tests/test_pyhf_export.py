"""HistFactory export: schema, and pyhf's Asimov error against the Fisher error."""

from __future__ import annotations

import numpy as np
import pyhf
import pytest

from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.errors import FipfitError
from fipfit.events import Events
from fipfit.fitting import (
    Templates,
    expected_errors,
    export_pyhf,
    pyhf_expected_errors,
)
from fipfit.toymodels import generate_events


@pytest.fixture(scope="module")
def templates() -> Templates:
    events: Events = generate_events("peak", 100_000, random_state=41)
    x = events.column("x")
    chosen = events.selected
    edges = quantile_edges(x[chosen], events.weight[chosen], 12)
    return Templates.from_events(events, labels_from_edges(x, edges), 12)


def _pyhf_error(spec: dict) -> float:
    pyhf.set_backend("numpy", "minuit")
    workspace = pyhf.Workspace(spec)
    model = workspace.model()
    data = workspace.data(model)
    fitted = pyhf.infer.mle.fit(data, model, return_uncertainties=True)
    index = model.config.par_order.index(model.config.poi_name)
    return float(fitted[index, 1])


def test_workspace_is_valid(templates: Templates) -> None:
    spec = export_pyhf(templates, templates.theta0, 0.3, 0.1)

    workspace = pyhf.Workspace(spec)
    assert workspace.channels == ["fit"]
    modifiers = spec["channels"][0]["samples"][0]["modifiers"]
    assert modifiers[0]["type"] == "histosys"
    assert len(modifiers[0]["data"]["hi_data"]) == 12
    assert spec["observations"][0]["data"] == spec["channels"][0]["samples"][0]["data"]


def test_asimov_error_matches_fisher(templates: Templates) -> None:
    luminosity = 0.1
    sigma = expected_errors(templates, luminosity)[0]
    delta = 5.0 * sigma

    spec = export_pyhf(templates, templates.theta0, delta, luminosity)
    error = _pyhf_error(spec) * delta

    # pyhf's unit Gaussian constraint on alpha adds 1/delta^2 = I L / 25, so its
    # error is 2 % below 1/sqrt(I L): inside 5 %, and within 1 % of the
    # prediction that includes the constraint.
    assert error == pytest.approx(sigma, rel=0.05)
    predicted = pyhf_expected_errors(templates, luminosity, delta)[0]
    assert error == pytest.approx(predicted, rel=0.01)
    assert predicted == pytest.approx(sigma / np.sqrt(1 + 1 / 25))


def test_options_give_valid_workspaces(templates: Templates) -> None:
    spec = export_pyhf(
        templates, templates.theta0, 0.3, 0.1, free_norm=True, mc_stat=True
    )

    kinds = [m["type"] for m in spec["channels"][0]["samples"][0]["modifiers"]]
    assert kinds == ["histosys", "normfactor", "staterror"]
    pyhf.Workspace(spec)
    counts = np.arange(12.0) + 5
    with_data = export_pyhf(templates, templates.theta0, 0.3, 0.1, counts=counts)
    assert with_data["observations"][0]["data"] == counts.tolist()


def test_delta_outside_range_rejected(templates: Templates) -> None:
    with pytest.raises(FipfitError, match="smaller delta"):
        export_pyhf(templates, templates.theta0, 10.0, 0.1)
    with pytest.raises(FipfitError, match="delta must be positive"):
        export_pyhf(templates, templates.theta0, -0.1, 0.1)
