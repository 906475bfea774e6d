"""The LHE reader against the files' own headers and an independent text scan."""

from __future__ import annotations

import gzip
import math
import re
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from fipfit.errors import FileFormatError
from fipfit.formats.lhe import (
    dilepton_record,
    is_lhe_file,
    iter_lhe_chunks,
    parse_slha,
    read_lhe_info,
    scan_lhe,
    weight_scale,
)
from fipfit.reweighting.zlineshape import sin2theta_from_inputs

MLM = "pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz"
CKKWL = "pylhe-testfile-madgraph-2.2.1-Z-ckkwl.lhe.gz"
FXFX = "pylhe-testfile-madgraph-2.2.1-Z-fxfx.lhe.gz"
POWHEG_Z = "pylhe-testfile-powheg-box-v2-Z.lhe"
POWHEG_W = "pylhe-testfile-powheg-box-v2-W.lhe"


def text_weights(path: Path) -> np.ndarray:
    """Read XWGTUP of every event with a regular expression, without pylhe."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        text = handle.read()
    first_lines = re.findall(r"<event[^>]*>\s*\n\s*(\S+)\s+(\S+)\s+(\S+)", text)
    return np.array([float(line[2]) for line in first_lines])


@pytest.mark.parametrize("name", [MLM, CKKWL])
def test_merged_lo_sample_matches_header(shared_data: Path, name: str) -> None:
    # Unweighted MadGraph LO events (IDWTUP = 3) all carry XMAXUP, and their
    # sum estimates the sum of XSECUP within its stated error XERRUP.
    info = read_lhe_info(shared_data / name)
    scan = scan_lhe(shared_data / name)
    assert info.weighting_strategy == 3
    assert scan.n_events == info.stated_events == 10_000
    assert scan.n_negative == 0
    unit = info.processes[0].max_weight
    assert scan.sum_weights == pytest.approx(scan.n_events * unit, rel=1e-12)
    assert abs(scan.sum_weights - info.cross_section) < 3 * info.cross_section_error
    scale = weight_scale(info, scan)
    assert scale * scan.sum_weights == pytest.approx(info.cross_section, rel=1e-12)


def test_fxfx_sample_matches_header(shared_data: Path) -> None:
    # aMC@NLO writes IDWTUP = -4 with |XWGTUP| = XMAXUP: the mean weight
    # estimates the cross section, within the header's error and the spread
    # of the mean of +-XMAXUP weights (3 standard deviations: 0.3 % false alarms).
    path = shared_data / FXFX
    info = read_lhe_info(path)
    scan = scan_lhe(path)
    reference = text_weights(path)
    assert info.weighting_strategy == -4
    assert scan.n_events == info.stated_events == reference.size == 10_000
    assert scan.n_negative == int(np.count_nonzero(reference < 0))
    assert scan.sum_weights == pytest.approx(reference.sum(), rel=1e-12)
    assert scan.sum_abs_weights == pytest.approx(
        scan.n_events * info.processes[0].max_weight, rel=1e-6
    )
    mean = scan.sum_weights / scan.n_events
    spread = math.sqrt(
        info.cross_section_error**2 + reference.var(ddof=1) / reference.size
    )
    assert abs(mean - info.cross_section) < 3 * spread
    assert weight_scale(info, scan) == 1 / scan.n_events


def test_powheg_sample_matches_header(shared_data: Path) -> None:
    info = read_lhe_info(shared_data / POWHEG_Z)
    scan = scan_lhe(shared_data / POWHEG_Z)
    assert info.version == "3.0"
    assert info.weighting_strategy == -4
    assert scan.n_events == info.stated_events == 100
    assert info.card is None
    assert scan.sum_weights == pytest.approx(
        text_weights(shared_data / POWHEG_Z).sum(), rel=1e-12
    )


def test_parameter_card_values(shared_data: Path) -> None:
    card = read_lhe_info(shared_data / MLM).card
    assert card is not None
    assert card.value("mass", 23) == 91.188
    assert card.decays[23] == 2.441404
    assert card.value("sminputs", 1) == 132.507
    assert card.value("sminputs", 2) == 1.16639e-05


@pytest.mark.parametrize("name", [MLM, FXFX])
def test_card_scheme_reproduces_madgraph_mw(shared_data: Path, name: str) -> None:
    # MadGraph wrote its own m_W (80.419002) beside the inputs; the tree-level
    # relation must give it back, or the derived sin^2 theta is not MadGraph's.
    card = read_lhe_info(shared_data / name).card
    assert card is not None
    mz = card.value("mass", 23)
    alpha_inverse = card.value("sminputs", 1)
    fermi = card.value("sminputs", 2)
    assert mz is not None
    assert alpha_inverse is not None
    assert fermi is not None
    sin2theta = sin2theta_from_inputs(alpha_inverse, fermi, mz)
    mw = mz * math.sqrt(1 - sin2theta)
    assert mw == pytest.approx(card.value("mass", 24), rel=1e-7)


def test_slha_parser_skips_comments_and_channels() -> None:
    card = parse_slha(
        "# header\nBLOCK MASS # masses\n  23 9.1e+01 # MZ\n  6 1.73d2\n"
        "Block yukawa\n 5 4.7\nDECAY 23 2.5 # WZ\n  0.1 2 11 -11\n"
    )
    assert card.value("MASS", 23) == 91.0
    assert card.value("mass", 6) == 173.0
    assert card.value("yukawa", 5) == 4.7
    assert card.decays == {23: 2.5}
    assert card.value("mass", 24) is None


def test_chunks_cover_file_in_order(shared_data: Path) -> None:
    chunks = list(iter_lhe_chunks(shared_data / POWHEG_Z, chunk_size=30))
    assert [len(chunk) for chunk in chunks] == [30, 30, 30, 10]
    index = np.concatenate([ak.to_numpy(chunk.index) for chunk in chunks])
    np.testing.assert_array_equal(index, np.arange(100))
    weights = np.concatenate([ak.to_numpy(chunk.weight) for chunk in chunks])
    np.testing.assert_allclose(weights, text_weights(shared_data / POWHEG_Z))


def test_first_event_particles(shared_data: Path) -> None:
    # The first MLM event, as printed in the file: u ubar -> Z -> e+ e-.
    chunk = next(iter_lhe_chunks(shared_data / MLM, chunk_size=5))
    particles = chunk.particles[0]
    assert ak.to_list(particles.id) == [2, -2, 23, -11, 11]
    assert ak.to_list(particles.status) == [-1, -1, 2, 1, 1]
    assert particles.pz[0] == pytest.approx(58.437780464)
    assert particles.e[3] == pytest.approx(50.110287080)
    assert chunk.weight[0] == pytest.approx(0.37513)


def test_dilepton_record_of_first_event(shared_data: Path) -> None:
    chunk = next(iter_lhe_chunks(shared_data / MLM, chunk_size=5))
    record = dilepton_record(chunk, shared_data / MLM)
    assert len(record) == 5
    assert record.flavour[0] == 11
    assert record.negative.e[0] == pytest.approx(43.216939059)
    assert record.positive.e[0] == pytest.approx(50.110287080)
    np.testing.assert_array_equal(record.incoming_id[0], [2, -2])
    assert record.outgoing_quark[0] == 0


EXTRA_WEIGHTS_LHE = """<LesHouchesEvents version="3.0">
<header>
<initrwgt>
<weightgroup name="scale">
<weight id="muR2">muR=2</weight>
<weight id="muR05">muR=0.5</weight>
</weightgroup>
</initrwgt>
</header>
<init>
2212 2212 6500 6500 0 0 0 0 3 1
1.0 0.1 1.0 1
</init>
<event>
4 1 +2.0 91.0 0.0078 0.118
2 -1 0 0 501 0 0 0 45 45 0 0 9
-2 -1 0 0 0 501 0 0 -45 45 0 0 9
13 1 1 2 0 0 10 0 0 45 0 0 9
-13 1 1 2 0 0 -10 0 0 45 0 0 9
<rwgt>
<wgt id="muR2">1.5</wgt>
<wgt id="muR05">2.5</wgt>
</rwgt>
</event>
</LesHouchesEvents>
"""


def test_extra_weights_are_read(tmp_path: Path) -> None:
    path = tmp_path / "rwgt.lhe"
    path.write_text(EXTRA_WEIGHTS_LHE)
    info = read_lhe_info(path)
    chunk = next(iter_lhe_chunks(path))
    record = dilepton_record(chunk, path)
    assert info.weight_ids == ("muR2", "muR05")
    assert chunk.weights.fields == ["muR2", "muR05"]
    assert record.extra_weights["muR05"][0] == 2.5
    assert record.flavour[0] == 13


def test_gzip_detected_by_content(shared_data: Path, tmp_path: Path) -> None:
    plain = tmp_path / "events.lhe"
    with gzip.open(shared_data / MLM, "rb") as handle:
        plain.write_bytes(handle.read())
    assert is_lhe_file(plain)
    assert is_lhe_file(shared_data / MLM)
    assert not is_lhe_file(shared_data / "uproot-Zmumu.root")
    assert read_lhe_info(plain).stated_events == 10_000


def test_truncated_gzip_names_event(shared_data: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "truncated.lhe.gz"
    damaged.write_bytes((shared_data / MLM).read_bytes()[:400_000])
    with pytest.raises(FileFormatError, match=r"cannot read event \d+ .*truncated"):
        scan_lhe(damaged)


def test_truncated_plain_file_names_event(shared_data: Path, tmp_path: Path) -> None:
    # pylhe only warns on an XML syntax error; the reader must raise instead.
    text = (shared_data / POWHEG_Z).read_text()
    damaged = tmp_path / "truncated.lhe"
    damaged.write_text(text[: len(text) // 2])
    with pytest.raises(FileFormatError, match=r"truncated.lhe"):
        scan_lhe(damaged)


def test_not_lhe_file_rejected(shared_data: Path) -> None:
    with pytest.raises(FileFormatError, match=r"uproot-Zmumu\.root"):
        read_lhe_info(shared_data / "uproot-Zmumu.root")


def test_single_lepton_event_rejected(shared_data: Path) -> None:
    # POWHEG W -> e nu events have one charged lepton.
    chunk = next(iter_lhe_chunks(shared_data / POWHEG_W, chunk_size=10))
    with pytest.raises(
        FileFormatError, match=r"event 0 .* 1 charged lepton \(PDG ids \[11\]\)"
    ):
        dilepton_record(chunk, shared_data / POWHEG_W)


def test_undeclared_extra_weights_taken_from_first_event(shared_data: Path) -> None:
    # The POWHEG W file has <rwgt> blocks but no <initrwgt> in its header.
    assert read_lhe_info(shared_data / POWHEG_W).weight_ids == ("ct10",)
    assert read_lhe_info(shared_data / POWHEG_Z).weight_ids == ()
