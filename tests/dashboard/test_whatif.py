from __future__ import annotations

import dataclasses
import datetime as dt
import json
from importlib import resources

import numpy as np
import pandas as pd
import pytest

import qpq.dashboard._whatif as whatif
from qpq.dashboard._view import Context
from qpq.dashboard._whatif import (
    FAN_VARIABLES,
    ForecastView,
    WhatIfRequest,
    calibrated,
    event_rows,
    fan_chart,
    fan_data,
    what_if,
)
from qpq.sim import (
    EVENTS,
    SERIES,
    CalibrationResult,
    RunRequest,
    calibrate,
    event_values,
    forecast,
    recognition_belief,
    run_policies,
)

SMALL = WhatIfRequest(n=300, series_sample=100)


@pytest.fixture(scope="module")
def base(ctx: Context) -> ForecastView:
    return what_if(ctx.case, ctx.registry.defaults(), SMALL)


def test_events_agree_with_qpq_sim_run(ctx: Context, base: ForecastView) -> None:
    # The same run through qpq.sim's own `run_policies` (same pool, lookup, seed): the
    # window statistics must agree scenario for scenario.
    req = SMALL.for_case(ctx.case)
    _, results = run_policies(ctx.case, RunRequest(
        policies=("equilibrium",), n=req.n, seed=req.seed, until=req.horizon,
        window_start=req.window_start, grid_size=req.grid_size, series_sample=100))
    ref = results["equilibrium"].stats
    st = base.sim.stats
    assert np.array_equal(st["recognised_any"] >= 1, np.isfinite(ref["recognition_time"]))
    assert np.allclose(st["nationals"], ref["expected_attacks_nationals"])
    assert np.allclose(st["border"], ref["militants_border"])
    events = {e.name: e for e in base.events}
    assert [e.name for e in base.events] == [e.name for e in EVENTS]
    assert events["china_recognizes_de_jure"].value == pytest.approx(
        float(np.isfinite(ref["recognition_time"]).mean()))
    assert events["attacks_on_chinese_nationals_afghanistan"].value == pytest.approx(
        float(ref["expected_attacks_nationals"].mean()))
    for e in base.events:
        assert e.label == "uncalibrated (assumption-driven)"
        if e.unit in ("probability", "share of remaining militants", "index (0-1)"):
            assert e.value is not None and 0.0 <= e.value <= 1.0
    lo, hi = events["iskp_strength"].interval or (np.nan, np.nan)
    assert lo <= (events["iskp_strength"].value or np.nan) <= hi


def test_events_are_the_simulators_definitions(ctx: Context, base: ForecastView) -> None:
    # The dashboard values the events with qpq.sim.event_values, not with a copy of it.
    owner = event_values(base.sim.stats, ctx.registry.defaults()["elimination_threshold"])
    for e in base.events:
        v = owner[e.name]
        assert e.value == next(v[k] for k in ("probability", "expected", "median") if k in v)
        if e.interval is not None:
            assert list(e.interval) == v["interval_90"]
    assert not hasattr(whatif, "what_if_events")


def test_runs_are_deterministic_and_policy_sensitive(ctx: Context, base: ForecastView) -> None:
    again = what_if(ctx.case, ctx.registry.defaults(), SMALL)
    assert [e.value for e in again.events] == [e.value for e in base.events]
    boycott = what_if(ctx.case, ctx.registry.defaults(), WhatIfRequest(
        policy="boycott", n=SMALL.n, series_sample=100))
    rec = {e.name: e.value for e in boycott.events}
    assert rec["china_recognizes_de_jure"] == 0.0
    assert [e.value for e in boycott.events] != [e.value for e in base.events]
    assert base.window == ("2025Q3", "2030Q4")


def test_us_presence_slider_is_a_counterfactual_after_2021(ctx: Context, base: ForecastView
                                                           ) -> None:
    stay = what_if(ctx.case, ctx.registry.point({"us_presence": 1.0}), SMALL)
    assert f"Counterfactual: US/NATO presence 1 after {ctx.case.run.takeover}" in stay.note
    assert "Counterfactual" not in base.note
    spec = stay.sim.spec
    us = spec.timeline.us_presence
    q2022 = 2022 * 4 - spec.timeline.start
    assert us[q2022] == 1.0 and base.sim.spec.timeline.us_presence[q2022] == 0.0
    j = SERIES.index("militants_border")
    assert stay.sim.mean_series[-1, j] < base.sim.mean_series[-1, j]


def test_fan_data_and_chart(base: ForecastView) -> None:
    frame = fan_data(base.sim, "iskp_strength", dt.date(2020, 1, 1))
    assert frame["quarter"].iloc[0] == "2020Q1" and frame["quarter"].iloc[-1] == "2030Q4"
    assert (frame["q05"] <= frame["median"]).all() and (frame["median"] <= frame["q95"]).all()
    for v in FAN_VARIABLES:
        spec = fan_chart(base, v).to_dict()
        assert v in str(spec) and "uncalibrated (assumption-driven)" in str(spec)
        # a 0/1 series is drawn as its share (the ensemble mean), not as bands of 0 and 1
        assert ("share of scenarios" in str(spec)) == (v == "recognised")
        assert ("'field': 'q05'" in str(spec)) == (v != "recognised")


def test_event_rows_read_forecast_documents() -> None:
    rows = event_rows({"china_recognizes_de_jure": {"probability": 0.25, "label": "calibrated"},
                       "iskp_strength": {"median": 0.5, "interval_90": [0.1, 0.9]}})
    assert [r.name for r in rows] == ["china_recognizes_de_jure", "iskp_strength"]
    assert rows[0].value == 0.25 and rows[0].label == "calibrated"
    assert rows[1].interval == (0.1, 0.9)


@pytest.fixture(scope="module")
def cal(ctx: Context) -> CalibrationResult:
    return calibrate(ctx.case, dt.date(2025, 6, 30), draws=40, replicates=2, seed=1)


def test_calibrated_mode_uses_qpq_sim_forecast(ctx: Context, cal: CalibrationResult) -> None:
    view = calibrated(ctx.case, cal, SMALL)
    assert view.mode == "calibrated" and view.window[0] == "2025Q3"
    assert len(view.events) == len(EVENTS)
    # the note names the calibration's kind and sizes as the calibration reports them
    assert view.note.startswith(f"Calibrated forecast as of {cal.as_of}: the calibration on "
                                "the stylised facts known then")
    assert cal.kind == "facts" and cal.kind in view.note and cal.method in view.note
    assert f"{cal.draws:,} prior points × {cal.replicates} histories" in view.note
    assert f"{cal.accepted.size:,} accepted" in view.note
    assert cal.used_facts and all(f in view.note for f in cal.used_facts)
    # nothing says it was calibrated on the record (the recognition sentence at the end
    # names the record's state at the as-of date, which every forecast starts from)
    assert "record" not in view.note[:view.note.index("China's de jure recognition in")]
    # what China does under the policy, as qpq sim forecast says it
    request = SMALL.for_case(ctx.case)
    moves = whatif.forecast(ctx.case, cal, request.horizon, policy=request.policy, n=request.n,
                            seed=request.seed, series_sample=request.series_sample).china_moves()
    assert (f"engaged (aid flowing or recognised) in {moves['engaged']:.1%} of the window's "
            f"scenario-quarters and holds de jure recognition in {moves['recognised']:.1%}."
            in view.note)
    # and what China's belief at the as-of date does to its chance of recognition, as the
    # command prints it
    fc = whatif.forecast(ctx.case, cal, request.horizon, policy=request.policy, n=request.n,
                         seed=request.seed)
    assert recognition_belief(ctx.case, cal, fc).words() in view.note


def test_calibrated_events_show_what_qpq_sim_forecast_prints(ctx: Context,
                                                             cal: CalibrationResult) -> None:
    # issue 16 item 4: each event's backtest skill and whether the calibration constrained
    # its parameters, the same values as the forecast's result (which `qpq sim forecast`
    # prints), checked against the packaged skill table read here independently.
    view = calibrated(ctx.case, cal, SMALL)
    req = SMALL.for_case(ctx.case)
    fc = forecast(ctx.case, cal, req.horizon, policy=req.policy, n=req.n, seed=req.seed,
                  series_sample=req.series_sample)
    doc = json.loads(resources.files("qpq.sim").joinpath("backtest_skill.json").read_text())
    table = {r["event"]: r for r in doc["skill"]}
    reports = {p.name: bool(p.constrained) for p in cal.parameters}
    kinds = set()
    for spec, row in zip(EVENTS, view.events, strict=True):
        sk = fc.events[spec.name]["backtest_skill"]
        ref = table.get(spec.record_event) if spec.record_event else None
        assert (sk is None) is (ref is None), spec.name
        if ref is None:
            assert row.skill_score is row.skill_vs_climatology is row.skill_vs_persistence
            assert row.skill_score is None
            kinds.add("none")
        else:
            assert row.skill_score == sk["score"] == ref["score"]
            for k in ("skill_vs_climatology", "skill_vs_persistence"):
                assert getattr(row, k) == sk[k] == ref[k], (spec.name, k)
            kinds.add("undefined" if ref["skill_vs_climatology"] is None else "defined")
        deps = {n: reports.get(n, False) for n in spec.depends_on}
        assert dict(row.constrained_parameters) == deps
        assert row.constrained_parameters == tuple(
            fc.events[spec.name]["calibration_constrained"]["parameters"].items())
        hit = sum(deps.values())
        assert row.parameters_constrained == (
            "all" if hit == len(deps) else "some" if hit else "none")
    # the packaged table has skill for some event types, undefined skill for others, and
    # some events have no backtest at all: all three cases are shown
    assert kinds == {"none", "undefined", "defined"}
    assert view.skill_note is not None
    assert doc["generated"] in view.skill_note
    assert f"model {doc['protocol']['model']}'s backtest" in view.skill_note
    assert "below 0 the baseline does better" in view.skill_note


def test_the_what_if_claims_no_skill(base: ForecastView) -> None:
    # no backtest or calibration stands behind the sliders' point
    assert base.skill_note is None
    assert all(e.skill_score is None and e.parameters_constrained is None
               and e.constrained_parameters == () for e in base.events)


def test_bad_requests(ctx: Context) -> None:
    with pytest.raises(ValueError, match="at least one scenario"):
        WhatIfRequest(n=0)
    with pytest.raises(ValueError, match="window_start"):
        WhatIfRequest(window_start=dt.date(2031, 1, 1)).for_case(ctx.case)


def test_a_past_window_shows_what_the_record_shows(ctx: Context) -> None:
    # A calibrated forecast as of mid-2022 to the end of 2023, a window the record has
    # passed: the view holds what the record shows there, read as qpq sim forecast reads it
    # (record_outcomes of the same forecast), and the events' table carries it. The record
    # holds the ISKP attack on the Kabul hotel of 12 December 2022, so the window has an
    # attack on Chinese nationals; China had not recognised the Taliban de jure.
    from qpq.dashboard._tables import RECORD_COLUMNS, events_display, events_frame
    from qpq.sim import record_outcomes

    past = calibrate(ctx.case, dt.date(2022, 6, 30), draws=40, replicates=2, seed=1)
    request = dataclasses.replace(SMALL, until=dt.date(2023, 12, 31))
    view = calibrated(ctx.case, past, request)
    assert view.window == ("2022Q3", "2023Q4")
    fc = forecast(ctx.case, past, dt.date(2023, 12, 31), n=SMALL.n, seed=SMALL.seed,
                  series_sample=SMALL.series_sample)
    assert view.record == record_outcomes(ctx.case, fc) and view.record
    shown = {o.event: o for o in view.record}
    assert shown["attacks_on_chinese_nationals_afghanistan"].value >= 1
    assert shown["china_recognizes_de_jure"].value == 0
    frame = events_frame(view)
    assert set(RECORD_COLUMNS) <= set(frame.columns)
    rows = frame.set_index("event")
    for name, o in shown.items():
        assert rows.loc[name, "record_shows"] == o.words()
        assert rows.loc[name, "record_value"] == o.value
    # an event without a record event says so on the page, and is empty in the CSV
    without = [e.name for e in view.events if e.name not in shown]
    assert without and all(pd.isna(rows.loc[n, "record_shows"]) for n in without)
    page = events_display(frame).set_index("event")["the record shows"]
    assert all(page[n] == "no record event" for n in without)
    # a window beyond the record's last day has nothing to show, and no such column
    later = calibrated(ctx.case, past, SMALL)
    assert later.record == () and not set(RECORD_COLUMNS) & set(events_frame(later).columns)


def test_a_horizon_the_mode_cannot_reach_is_explained(ctx: Context) -> None:
    from qpq.dashboard._whatif import horizon_problem
    from qpq.errors import BadInputError

    last = ctx.case.run.forecast_as_of
    # the what-if's window starts after the record's last day
    assert horizon_problem(ctx.case, last + dt.timedelta(days=1)) is None
    words = horizon_problem(ctx.case, last)
    assert words is not None and str(last) in words and "calibrated as of a date" in words
    # the calibrated forecast's horizon must pass its as-of date
    as_of = dt.date(2022, 6, 30)
    assert horizon_problem(ctx.case, dt.date(2022, 12, 31), as_of) is None
    words = horizon_problem(ctx.case, as_of, as_of)
    assert words is not None and "2022-06-30" in words
    # and calibrated() refuses such a horizon itself, as qpq sim forecast does
    past = calibrate(ctx.case, as_of, draws=8, replicates=1, seed=1)
    with pytest.raises(BadInputError, match="must be before until"):
        calibrated(ctx.case, past, dataclasses.replace(SMALL, until=as_of))


def test_dates_default_to_the_case(ctx: Context) -> None:
    req = WhatIfRequest().for_case(ctx.case)
    assert req.until == ctx.case.run.until
    assert req.window_start == ctx.case.run.forecast_as_of + dt.timedelta(days=1)
    assert WhatIfRequest(until=dt.date(2027, 12, 31)).for_case(ctx.case).horizon == dt.date(
        2027, 12, 31)


def test_boycott_has_one_colour_on_the_dashboard_and_in_the_report(ctx: Context) -> None:
    # issue 17: "boycott is grey in the report and orange on the dashboard"
    from qpq.dashboard._phase import phase_chart, phase_grid
    from qpq.model import policy_names
    from qpq.palette import fixed_colours
    from qpq.sim import fan_chart as report_fan_chart

    def colour_of(spec: dict, name: str) -> str:
        # anywhere in the spec: layers, facets and concatenated panels alike
        found: set[str] = set()

        def walk(node: object) -> None:
            if isinstance(node, dict):
                scale = node.get("encoding", {}).get("color", {}).get("scale") \
                    if isinstance(node.get("encoding"), dict) else None
                if isinstance(scale, dict) and name in scale.get("domain", []):
                    found.add(str(scale["range"][scale["domain"].index(name)]))
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(spec)
        if not found:
            raise AssertionError(f"{name} not coloured")
        assert len(found) == 1, f"{name} has several colours in one chart: {found}"
        return found.pop()

    view = what_if(ctx.case, ctx.registry.defaults(), WhatIfRequest(policy="boycott", n=100))
    dash = colour_of(fan_chart(view, "militants_border").to_dict(), "boycott")
    # two different runs: the report's fan chart merges identical ones into one panel
    other = what_if(ctx.case, ctx.registry.defaults(), WhatIfRequest(policy="recognise", n=100))
    report = colour_of(report_fan_chart({"recognise": other.sim, "boycott": view.sim},
                                        "militants_border").to_dict(), "boycott")
    grid = phase_grid(ctx.registry, {}, "crackdown_intensity", "iskp_pull", 3)
    phase = colour_of(phase_chart(grid, (1.0, 1.0)).to_dict(), "boycott")
    assert dash == report == phase == fixed_colours(["boycott"], policy_names())[0]


def test_calibrated_mode_from_the_record_says_so(ctx: Context) -> None:
    # the dashboard's calibrated mode calibrates on the record, as `qpq sim forecast` does by
    # default; its note names that calibration and what it used (small settings here)
    from qpq.sim import AbcSettings, record_calibrator

    tiny = AbcSettings(population=20, max_simulations=400, game_points=2, grid_size=4,
                       ppc_draws=4, attribution=False, min_ess=1, model="v1")
    rec = record_calibrator(tiny, points=16, replicates=2)(ctx.case, dt.date(2025, 6, 30))
    view = calibrated(ctx.case, rec, SMALL)
    assert view.note.startswith(f"Calibrated forecast as of {rec.as_of}: the calibration on "
                                "the record known then")
    # its kind, accepted and prior counts, game points, model and observations per family as
    # the calibration reports them
    d, st = rec.details, rec.details["settings"]
    assert rec.kind == "record" and f"{rec.kind} — {rec.method}" in view.note
    assert (f"{d['particles']:,} parameter points accepted from {d['simulations']:,} "
            "histories") in view.note
    assert f"{st['game_points']} game points" in view.note
    assert f"model {st['model']}" in view.note
    assert d["observations"]["attacks"] > 0
    assert all(f"{fam} {n}" in view.note for fam, n in d["observations"].items())
    assert (f"smaller than qpq sim forecast's {AbcSettings.max_simulations:,} histories, so "
            "noisier") in view.note
    assert "stylised facts" not in view.note
    assert view.skill_note is not None and "calibrated on the record" in view.skill_note
    # its fan chart is labelled as the report's: by the parameters of the series' event, in
    # the events table's words where the calibration constrained none of them; a series no
    # event decides does not claim to be constrained
    from qpq.sim import SERIES_EVENTS

    rows = {r.name: r for r in view.events}
    assert set(view.series_labels) == set(SERIES_EVENTS) & set(whatif.FAN_VARIABLES)
    for variable, label in view.series_labels.items():
        row = rows[SERIES_EVENTS[variable]]
        if row.parameters_constrained == "none":
            assert label == row.label, (variable, label, row.label)
        else:
            assert label.startswith(("parameters constrained", "partly calibrated")), label
        assert label in json.dumps(whatif.fan_chart(view, variable).to_dict(),
                                   ensure_ascii=False)
    other = next(v for v in whatif.FAN_VARIABLES if v not in SERIES_EVENTS)
    assert whatif.CALIBRATED_UNASSESSED in json.dumps(
        whatif.fan_chart(view, other).to_dict(), ensure_ascii=False)
    assert "calibrated ensemble\"" not in json.dumps(
        whatif.fan_chart(view, other).to_dict(), ensure_ascii=False)


def test_a_fan_chart_starts_before_a_window_that_opens_early():
    # a window the record has passed (as of 2002) drew an empty chart from 2015 on
    from types import SimpleNamespace

    from qpq.dashboard._whatif import FAN_SINCE, fan_since

    assert fan_since(SimpleNamespace(window=("2025Q3", "2026Q2"))) == FAN_SINCE
    assert fan_since(SimpleNamespace(window=("2019Q1", "2019Q4"))) == FAN_SINCE
    assert fan_since(SimpleNamespace(window=("2016Q1", "2016Q4"))) == dt.date(2012, 1, 1)
    assert fan_since(SimpleNamespace(window=("2002Q1", "2002Q4"))) == dt.date(1998, 1, 1)
