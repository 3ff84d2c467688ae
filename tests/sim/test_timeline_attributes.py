"""History as the game's parameters: dated, sourced phase attributes per quarter (issue 15).

The pre-2001 and post-2021 games must differ through attributes the case sources, not through
eras written in code; every value a quarter reads carries the ids of the sources behind it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from qpq.case import PHASE_ATTRIBUTES, FuzzyDate, Phase, Source, case_as_of, quarter_of
from qpq.errors import BadInputError
from qpq.sim import build_timeline
from qpq.sim._timeline import Override

Q1998 = quarter_of(dt.date(1998, 5, 15))
Q2023 = quarter_of(dt.date(2023, 5, 15))
HORIZON = dt.date(2025, 6, 30)  # nothing published later enters the case file


@pytest.fixture(scope="module")
def timeline(case):
    return build_timeline(case, dt.date(1996, 1, 1), dt.date(2026, 6, 30))


def test_first_and_second_taliban_rule_differ_through_sourced_attributes(case, timeline):
    # the same regime in both quarters ...
    for name in ("taliban_in_power", "us_presence"):
        assert timeline.value(name, Q1998) == timeline.value(name, Q2023)
    assert timeline.in_power(Q1998) and timeline.in_power(Q2023)
    # ... yet the attributes the issue names differ, each way the record says
    differ = {name for name in PHASE_ATTRIBUTES
              if timeline.value(name, Q1998) != timeline.value(name, Q2023)}
    assert differ == {"iskp_present", "iskp_targets_china", "taliban_isolation",
                      "china_exposure_afghanistan", "china_exposure_central_asia"}
    assert (timeline.value("iskp_present", Q1998), timeline.value("iskp_present", Q2023)) == (0, 1)
    assert timeline.value("iskp_targets_china", Q2023) == 1
    # three recognitions in 1998, none in 2023 (China accepted an envoy only in 2024)
    assert timeline.value("taliban_isolation", Q1998) < timeline.value("taliban_isolation", Q2023)
    for name in ("china_exposure_afghanistan", "china_exposure_central_asia"):
        assert timeline.value(name, Q1998) < timeline.value(name, Q2023)
    # every value behind the difference rests on sources of the case
    sources = {s.id for s in case.sources}
    for name in differ:
        for q in (Q1998, Q2023):
            cited = timeline.cited(name, q)
            assert cited and set(cited) <= sources, (name, q, cited)


def test_every_attribute_value_cites_sources_dated_within_the_horizon(case):
    by_id = {s.id: s for s in case.sources}
    for ph in case.phases:
        for name, given in ph.attribute_values().items():
            assert given.sources, (ph.id, name)
            for sid in given.sources:
                src = by_id[sid]
                assert isinstance(src, Source)
                if src.origin == "added":
                    # an added source is dated no later than the horizon, or says why undated
                    assert (FuzzyDate.parse(src.date).latest <= HORIZON if src.date
                            else bool(src.note)), sid


def test_quarters_no_phase_sets_take_the_declared_default(timeline):
    q2010 = quarter_of(dt.date(2010, 5, 15))  # the insurgency: no isolation phase
    spec = PHASE_ATTRIBUTES["taliban_isolation"]
    assert timeline.value("taliban_isolation", q2010) == spec.default
    assert timeline.cited("taliban_isolation", q2010) == ()
    # and every declared attribute has a per-quarter array of the run's length
    assert set(timeline.attributes) == set(PHASE_ATTRIBUTES)
    assert all(len(a) == timeline.n_quarters for a in timeline.attributes.values())


def test_values_stay_inside_their_declared_ranges(timeline):
    for name, spec in PHASE_ATTRIBUTES.items():
        values = timeline.attributes[name]
        assert spec.low <= values.min() and values.max() <= spec.high, name


def test_forecasts_do_not_know_later_phases_and_running_phases_run_on(case, timeline):
    q2025 = quarter_of(dt.date(2025, 2, 14))
    assert timeline.value("taliban_isolation", q2025) == pytest.approx(0.5)  # China and the UAE
    view = build_timeline(case_as_of(case, dt.date(2024, 3, 31)), dt.date(1996, 1, 1),
                          dt.date(2026, 6, 30))
    # as of March 2024 only China's acceptance is known, and it runs on
    assert view.value("taliban_isolation", q2025) == pytest.approx(2 / 3)
    early = build_timeline(case_as_of(case, dt.date(2021, 6, 30)), dt.date(1996, 1, 1),
                           dt.date(2024, 12, 31))
    # as of mid-2021 ISKP had not yet named China; the 2015 phase runs on
    assert early.value("iskp_targets_china", Q2023) == 0
    assert early.value("iskp_present", Q2023) == 1
    assert early.value("china_exposure_afghanistan", Q2023) == pytest.approx(0.75)


def test_phases_that_disagree_in_a_quarter_are_bad_input_naming_both(case):
    clash = Phase(id="ph-test-clash", name="clash", start="2023-01-01", end="2023-12-31",
                  description="an isolation value the record does not support",
                  sources=["rehalem-2025"], attributes={"taliban_isolation": 0.1})
    bad = replace(case, phases=(*case.phases, clash))
    with pytest.raises(BadInputError) as err:
        build_timeline(bad, dt.date(2022, 1, 1), dt.date(2024, 1, 1))
    text = str(err.value)
    assert "ph-attr-isolation-2021" in text and "ph-test-clash" in text
    assert "2023Q1" in text and "taliban_isolation" in text


def test_an_override_replaces_value_and_sources(case):
    ov = Override("iskp_targets_china", 0.0, dt.date(2022, 1, 1), dt.date(2023, 12, 31))
    tl = build_timeline(case, dt.date(2021, 1, 1), dt.date(2024, 12, 31), overrides=(ov,))
    assert tl.value("iskp_targets_china", Q2023) == 0
    assert tl.cited("iskp_targets_china", Q2023) == ()
    q2024 = quarter_of(dt.date(2024, 5, 15))
    assert tl.value("iskp_targets_china", q2024) == 1 and tl.cited("iskp_targets_china", q2024)
