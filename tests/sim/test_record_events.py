"""Backtest events read from the record, and the baselines that see only the as-of view."""

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from qpq.case import Attack, Estimate, Event, TalibanAction
from qpq.sim._record_events import (
    RECORD_EVENTS,
    UYGHUR_MILITANTS,
    add_months,
    baselines,
    outcome,
)

EV = {e.name: e for e in RECORD_EVENTS}
NAT, CA = EV["attacks_on_chinese_nationals_afghanistan"], EV["attacks_cross_border_central_asia"]
D = dt.date


def _attack(i, day, country, source="devdiscourse-2022-12-13-kabul"):
    return Attack.model_validate({
        "id": f"atk-test-{i}", "date": day, "title": "test attack", "place": "kabul",
        "country": country, "targets": ["chinese_nationals"], "summary": "A test.",
        "sources": [source]})


def _action(kind, day, subjects=("etim",), name=None):
    return TalibanAction.model_validate({
        "id": name or f"ta-test-{kind}-{day}", "date": day, "kind": kind, "title": "t",
        "subjects": list(subjects), "summary": "t", "reported_by": "test",
        "sources": ["rferl-2016-08-30-bishkek"]})


def _estimate(i, ref, value, high=None, where="afghanistan"):
    return Estimate.model_validate({
        "id": f"est-test-{i}", "subject": "tip", "measure": "fighters", "value": value,
        "value_high": high, "as_stated": "test", "reference": ref,
        "geography": where, "body": "test", "sources": ["rferl-2016-08-30-bishkek"]})


@pytest.fixture(scope="module")
def synthetic(case):
    # sources dated 2022-12-13: everything is known from then on
    attacks = (_attack(1, "2020-03-01", "afghanistan"), _attack(2, "2020-09-01", "afghanistan"),
               _attack(3, "2020-09-02", "afghanistan"),
               _attack(4, "2020-05-01", "tajikistan-country"),
               _attack(5, "2020-05-01", "kyrgyzstan-country"),
               _attack(6, "2020-05-01", "pakistan-country"))
    return replace(case, attacks=attacks)


def test_count_outcomes_follow_the_definitions(synthetic):
    assert outcome(synthetic, NAT, D(2019, 12, 31), D(2020, 12, 31)) == 3
    assert outcome(synthetic, NAT, D(2020, 6, 30), D(2021, 6, 30)) == 2
    # the window is (start, stop]: an attack on the origin day belongs to the past
    assert outcome(synthetic, NAT, D(2020, 3, 1), D(2020, 6, 30)) == 0
    # Tajikistan borders Afghanistan; Kyrgyzstan and Pakistan do not count
    assert outcome(synthetic, CA, D(2019, 12, 31), D(2020, 12, 31)) == 1


def test_count_baselines_see_only_what_was_known(synthetic):
    # at the end of 2023 all six are known: trailing five years hold 3 Afghan attacks
    b = baselines(synthetic, NAT, D(2023, 12, 31), 12)
    assert b.climatology.mean() == pytest.approx(3 / 5, abs=1e-6)
    assert b.persistence.mean() == 0.0   # none in 2023
    b = baselines(synthetic, NAT, D(2020, 12, 31), 6)
    # at the end of 2020 the sources (Dec 2022) are not yet published: nothing is known
    assert b.climatology.mean() == 0.0 and b.persistence.mean() == 0.0
    # with sources of the day, the same origin sees the attacks
    early = replace(synthetic, attacks=tuple(
        _attack(i, a.date, a.country, "rferl-2016-08-30-bishkek") for i, a in
        enumerate(synthetic.attacks)))
    b = baselines(early, NAT, D(2020, 12, 31), 6)
    assert b.climatology.mean() == pytest.approx(3 / 60 * 6, abs=1e-6)
    assert b.persistence.mean() == pytest.approx(2.0, abs=1e-6)   # Sep 2020


def test_binary_outcomes_and_baselines(case):
    rec = EV["china_recognizes_de_jure"]
    # China has never recognised the Taliban de jure in the record
    for start in (D(1996, 6, 30), D(2021, 6, 30), D(2024, 6, 30)):
        assert outcome(case, rec, start, add_months(start, 12)) == 0
    made = Event.model_validate({
        "id": "ev-test-recognition", "date": "2024-02-01", "title": "test", "summary": "test",
        "type": "recognition", "actors": ["china", "taliban"], "sources": ["rehalem-2025"]})
    more = replace(case, events=(*case.events, made))
    assert outcome(more, rec, D(2023, 12, 31), D(2024, 12, 31)) == 1

    # China's recognition of another government, or another state's of the Taliban, is not
    # the event: both China and the Taliban must be among the actors
    def recognition(i, actors):
        return Event.model_validate({
            "id": f"ev-test-recognition-{i}", "date": "2024-03-01", "title": "test",
            "summary": "test", "type": "recognition", "actors": list(actors),
            "sources": ["rehalem-2025"]})

    others = replace(case, events=(*case.events, recognition(1, ("russia", "taliban")),
                                   recognition(2, ("china", "afghanistan-republic"))))
    assert outcome(others, rec, D(2023, 12, 31), D(2024, 12, 31)) == 0
    # not known at the origin (its source is from 2025): the baselines do not see it
    b = baselines(more, rec, D(2024, 6, 30), 12)
    assert b.climatology.pmf[1] == 0.0 and b.persistence.pmf[1] == 0.0

    act = EV["taliban_action_against_uyghur_militants"]
    acts = replace(case, taliban_actions=(_action("pledge", "2018-03-01"),
                                          _action("relocation", "2019-03-01"),
                                          _action("arrest", "2019-05-01", ("ttp",)),
                                          _action("deportation", "2017-03-01")))
    assert outcome(acts, act, D(2017, 12, 31), D(2018, 12, 31)) == 0   # a pledge is words
    assert outcome(acts, act, D(2018, 12, 31), D(2019, 12, 31)) == 1
    assert outcome(acts, act, D(2019, 3, 31), D(2019, 12, 31)) == 0    # TTP is not Uyghur
    b = baselines(acts, act, D(2019, 12, 31), 12)
    # five yearly windows back from 2019-12-31: 2019 and 2017 saw an action
    assert b.climatology.pmf[1] == pytest.approx(2 / 5)
    assert b.persistence.pmf[1] == 1.0


@pytest.mark.parametrize("group", UYGHUR_MILITANTS)
def test_an_action_against_either_uyghur_group_counts(case, group):
    # the record calibration's actions read the same groups (qpq.sim._record)
    act = EV["taliban_action_against_uyghur_militants"]
    arrest = _action("arrest", "2019-03-01", (group,), name=f"ta-test-{group}")
    one = replace(case, taliban_actions=(arrest,))
    assert outcome(one, act, D(2018, 12, 31), D(2019, 12, 31)) == 1


@pytest.mark.parametrize("group", UYGHUR_MILITANTS)
def test_the_record_calibration_reads_an_action_against_either_uyghur_group(case, group):
    # the test above reads the backtest's event alone; qpq.sim._record had a list of its own
    from qpq.case import case_as_of, quarter_of
    from qpq.sim._record import build_record

    arrest = _action("arrest", "2022-03-01", (group,), name=f"ta-test-{group}")
    one = replace(case, taliban_actions=(arrest,))
    as_of = D(2024, 6, 30)
    rec = build_record(case_as_of(one, as_of), one, as_of, quarter_of(D(2014, 1, 1)),
                       quarter_of(as_of))
    assert [c.ids for c in rec.actions if c.observed] == [(arrest.id,)]


def test_band_outcomes(case):
    tip = EV["tip_strength_band"]
    assert [tip.band_of(v) for v in (0, 249, 250, 999, 1000, 5e4)] == [0, 0, 1, 2, 3, 3]

    # a province's count (the latest here) is another quantity than Afghanistan's: ignored
    made = replace(case, estimates=(_estimate(1, "2019-03", 100),
                                    _estimate(2, "2019-09", 200, 400),
                                    _estimate(3, "2019-09", 1000, 1400),
                                    _estimate(4, "2019-11", 5000, where="badakhshan")))
    # the latest estimates in the window disagree: their midpoints (300, 1200) are averaged
    assert outcome(made, tip, D(2018, 12, 31), D(2019, 12, 31)) == tip.band_of(750)
    assert outcome(made, tip, D(2018, 12, 31), D(2019, 6, 30)) == 0
    assert outcome(made, tip, D(2019, 12, 31), D(2020, 12, 31)) is None   # no estimate
    b = baselines(made, tip, D(2019, 12, 31), 12)
    np.testing.assert_allclose(b.climatology.pmf, [1 / 3, 1 / 3, 0, 1 / 3])
    assert b.persistence.pmf[tip.band_of(750)] == 1.0
    assert baselines(made, tip, D(2018, 12, 31), 12).persistence is None


def test_band_baselines_read_five_years_back_and_the_last_estimate_known(case):
    tip = EV["tip_strength_band"]
    made = replace(case, estimates=(_estimate(0, "2012-06", 2000),
                                    _estimate(1, "2019-03", 100),
                                    _estimate(2, "2019-09", 200, 400)))
    # climatology: the bands of the estimates of (2014-12-31, 2019-12-31], 100 and 300
    # fighters; the 2012 estimate (2,000) is older than five years
    b = baselines(made, tip, D(2019, 12, 31), 12)
    np.testing.assert_allclose(b.climatology.pmf, [0.5, 0.5, 0.0, 0.0])
    assert b.persistence.pmf[tip.band_of(300)] == 1.0
    # in mid-2018 only the 2012 estimate is known: no climatology, but persistence repeats
    # the last known estimate's band however old it is
    b = baselines(made, tip, D(2018, 6, 30), 12)
    assert b.climatology is None
    assert b.persistence.pmf[tip.band_of(2000)] == 1.0


def test_add_months():
    assert add_months(D(2024, 6, 30), 12) == D(2025, 6, 30)
    assert add_months(D(2023, 8, 31), 6) == D(2024, 2, 29)
    assert add_months(D(2021, 12, 31), -60) == D(2016, 12, 31)
    assert add_months(D(2021, 6, 15), 6) == D(2021, 12, 15)


@pytest.mark.parametrize(("origin", "months", "end"), [
    (D(2021, 6, 30), 6, D(2021, 12, 31)),
    (D(2021, 9, 30), 3, D(2021, 12, 31)),
    (D(2021, 9, 30), 6, D(2022, 3, 31)),
    (D(2021, 6, 30), -6, D(2020, 12, 31)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2023, 2, 28), 12, D(2024, 2, 29)),
])
def test_a_month_end_stays_a_month_end(origin, months, end):
    # 30 June + 6 months was 30 December: the backtest's 6-month window after 2021-06-30
    # missed the estimate dated 31 December 2021, though its forecast covered 2021Q4 whole
    assert add_months(origin, months) == end


def test_a_backtest_window_after_a_quarter_end_ends_on_a_quarter_end(case):
    from qpq.sim import BacktestSpec

    origin = D(2021, 6, 30)
    spec = BacktestSpec(origins=(origin,), horizon_months=6)
    assert spec.window_end(origin) == D(2021, 12, 31)
    tip = EV["tip_strength_band"]
    day = max(d for d, _ in tip.read(case) if d.year == 2021)
    assert day == D(2021, 12, 31)             # the record's latest 2021 estimate is scored
    last = [v for d, v in tip.read(case) if d == day]
    assert outcome(case, tip, origin, spec.window_end(origin)) == tip.band_of(
        float(np.mean(last)))
