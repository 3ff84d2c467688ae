"""Phase attributes: one vocabulary, values with sources, overlaps that must agree (issue 15)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from pydantic import ValidationError

from qpq.case import (
    PHASE_ATTRIBUTES,
    AttributeValue,
    Phase,
    load_case,
    phase_attribute_conflicts,
    quarter_label,
    quarter_mid,
    quarter_of,
)


def _phase(pid: str, start: str, end: str | None, **attributes: object) -> Phase:
    return Phase.model_validate({"id": pid, "name": pid, "start": start, "end": end,
                                 "description": "test", "sources": ["src"],
                                 "attributes": attributes})


def test_the_vocabulary_declares_range_meaning_unit_and_a_default_inside_the_range():
    assert {"us_presence", "taliban_in_power", "iskp_present", "iskp_targets_china",
            "taliban_isolation", "china_exposure_afghanistan",
            "china_exposure_central_asia"} <= set(PHASE_ATTRIBUTES)
    for name, spec in PHASE_ATTRIBUTES.items():
        assert spec.low < spec.high and spec.low <= spec.default <= spec.high, name
        assert spec.meaning and spec.unit, name


def test_a_plain_number_rests_on_the_phase_sources_a_mapping_on_its_own():
    ph = _phase("ph-a", "2000", "2001", us_presence=1,
                iskp_present={"value": 0, "sources": ["other"], "note": "why"})
    values = ph.attribute_values()
    assert values["us_presence"] == AttributeValue(value=1, sources=["src"])
    assert values["iskp_present"] == AttributeValue(value=0, sources=["other"], note="why")


@pytest.mark.parametrize("attributes, says", [
    ({"iskp_presence": 1}, "unknown attribute 'iskp_presence'"),
    ({"taliban_isolation": 2}, "outside [0, 1]"),
    ({"taliban_isolation": {"value": -1, "sources": ["s"]}}, "outside [0, 1]"),
    ({"iskp_present": {"value": 1, "sources": []}}, "at least 1 item"),
    ({"iskp_present": {"value": 1}}, "sources"),
])
def test_bad_names_values_and_missing_sources_are_refused(attributes, says):
    with pytest.raises(ValidationError, match=r"(?s)attributes.*" + re.escape(says)):
        _phase("ph-bad", "2000", "2001", **attributes)


def test_phases_clash_only_where_a_quarter_midpoint_lies_in_both():
    # both fuzzy in August 2001: the midpoint of 2001Q3 (15 August) lies in both
    a = _phase("ph-a", "1996", "2001-08", us_presence=0)
    b = _phase("ph-b", "2001-08", None, us_presence=1)
    clashes = phase_attribute_conflicts([a, b])
    assert [(i, f) for i, f, _ in clashes] == [(1, "attributes.us_presence")]
    q = quarter_of(dt.date(2001, 8, 1))
    assert a.in_force(quarter_mid(q)) and b.in_force(quarter_mid(q))
    assert "'ph-a'" in clashes[0][2] and "'ph-b'" in clashes[0][2]
    assert quarter_label(q) in clashes[0][2]
    # both fuzzy in October 2001: no midpoint falls in October, so they hand over cleanly
    c = _phase("ph-c", "1996", "2001-10", us_presence=0)
    d = _phase("ph-d", "2001-10", None, us_presence=1)
    assert phase_attribute_conflicts([c, d]) == []
    # overlaps that agree, or set different attributes, combine
    e = _phase("ph-e", "2000", None, us_presence=0, iskp_present=0)
    f = _phase("ph-f", "2010", "2011", iskp_present=0, taliban_isolation=1)
    assert phase_attribute_conflicts([e, f]) == []


def test_the_builtin_case_has_no_clashing_phases():
    case = load_case()
    assert phase_attribute_conflicts(case.phases) == []
    assert sum(bool(ph.attributes) for ph in case.phases) >= 20


def test_a_phase_hands_over_on_its_end_day():
    # in force from its start's earliest day up to, not including, its end's latest day
    a = _phase("ph-a", "2001-10", "2021-08-30")
    b = _phase("ph-b", "2021-08-30", None)
    day = dt.date(2021, 8, 30)
    assert a.in_force_on([dt.date(2001, 9, 30), dt.date(2001, 10, 1), day - dt.timedelta(1),
                          day]) == [False, True, True, False]
    assert b.in_force(day) and not b.in_force(day - dt.timedelta(1))
    # a month-dated end runs to the month's last day
    c = _phase("ph-c", "2020", "2021-02")
    assert c.in_force(dt.date(2021, 2, 27)) and not c.in_force(dt.date(2021, 2, 28))
