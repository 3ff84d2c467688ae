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


def test_the_attacks_chart_colours_perpetrators_from_the_palette(case):
    # it extended Okabe-Ito with Tableau hues of its own past nine perpetrators
    import dataclasses

    from qpq.palette import MAX_CATEGORIES, categorical
    from qpq.report._record_section import UNCLAIMED, attacks_chart

    def scale(c):
        spec = attacks_chart(c).to_dict()
        found = [v["color"]["scale"] for v in _walk(spec) if "scale" in v.get("color", {})]
        return found[0]

    s = scale(case)
    named = [p for p in s["domain"] if p != UNCLAIMED]
    hues = [c for c in categorical(MAX_CATEGORIES) if c != "#999999"]
    assert s["range"][:len(named)] == hues[:len(named)]
    # the built-in record has unclaimed attacks: their grey is checked, not skipped
    assert s["domain"][-1] == UNCLAIMED and s["range"][-1] == "#BBBBBB"
    # more perpetrators than Okabe-Ito holds (15; Tableau's hues ran out past 14): the
    # palette's further colours
    extra = [a.model_copy(update={"id": f"{a.id}-x{i}", "claimed_by": [f"group {i:02d}"],
                                  "attributed_to": []})
             for i, a in enumerate(case.attacks[:6])]
    more = scale(dataclasses.replace(case, attacks=(*case.attacks, *extra)))
    named = [p for p in more["domain"] if p != UNCLAIMED]
    assert len(named) == 15 and more["range"][:len(named)] == hues[:len(named)]


def _walk(node):
    if isinstance(node, dict):
        if "encoding" in node:
            yield node["encoding"]
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)
