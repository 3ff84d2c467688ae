"""The evidence sections of the report."""

import datetime as dt

import pytest

from qpq.case import case_as_of, load_case
from qpq.report._evidence_sections import parameters_section
from qpq.report._sections import ReportContext


@pytest.fixture(scope="module")
def case():
    return load_case()


def _context(case, tmp_path, as_of=None):
    view = case if as_of is None else case_as_of(case, as_of)
    return ReportContext(case=view, out_dir=tmp_path, generated=dt.datetime(2026, 1, 1),
                         reduced=True, as_of=as_of)


def test_an_as_of_report_cites_only_evidence_known_by_then(case, tmp_path):
    # the parameters' evidence ids pointed at items an as-of report had dropped (its
    # appendix said "0 sources"); they are counted, not cited (found 2026-12-06)
    (p,) = [p for p in case.parameters if p.name == "prior_sincere"]
    assert len(p.evidence) == 3
    full = parameters_section(_context(case, tmp_path)).html
    assert all(e in full for e in p.evidence) and "not yet known" not in full
    early = parameters_section(_context(case, tmp_path, dt.date(1995, 1, 1))).html
    assert not any(e in early for e in p.evidence)
    assert "3 cited items not yet known by the as-of date" in early
    assert "items published after the as-of date are counted, not shown" in early
