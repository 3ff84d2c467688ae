"""The page's tables as frames and CSV: the numbers the views hold, nothing reformatted."""

from __future__ import annotations

import dataclasses
import io
import math

import pandas as pd

from qpq.dashboard._equilibrium import equilibrium_view, relationship_view
from qpq.dashboard._tables import (
    SKILL_COLUMNS,
    csv_bytes,
    efforts_frame,
    events_display,
    events_frame,
    state_frame,
)
from qpq.dashboard._view import Context
from qpq.dashboard._whatif import WhatIfRequest, event_rows, what_if


def test_efforts_and_states_hold_the_views_values(ctx: Context) -> None:
    point = ctx.registry.defaults()
    v = equilibrium_view(point)
    frame = efforts_frame(v)
    assert list(frame["Taliban type"]) == [e.type_label for e in v.efforts]
    assert list(frame["effort"]) == [e.effort for e in v.efforts]
    rel = relationship_view(point)
    for s in rel.states:
        f = state_frame(s)
        assert dict(zip(f["Taliban type"], f["China's value"], strict=True)) == dict(
            s.china_value)
        assert dict(zip(f["Taliban type"], f["P(recognised next)"], strict=True)) == dict(
            s.p_recognised_next)


def test_events_csv_keeps_numbers_and_reads_back(ctx: Context) -> None:
    view = what_if(ctx.case, ctx.registry.defaults(), WhatIfRequest(n=200, seed=3))
    frame = events_frame(view)
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)))
    assert list(back.columns) == ["event", "value", "low_90", "high_90", "unit", "status",
                                  "what", "window"]
    assert list(back["event"]) == [e.name for e in view.events]
    for row, e in zip(back.itertuples(), view.events, strict=True):
        assert (math.isnan(row.value) if e.value is None
                else math.isclose(row.value, e.value, rel_tol=1e-12))
        if e.interval is not None:
            assert math.isclose(row.low_90, e.interval[0], rel_tol=1e-12, abs_tol=1e-15)
            assert math.isclose(row.high_90, e.interval[1], rel_tol=1e-12, abs_tol=1e-15)
    shown = events_display(frame)
    for text, e in zip(shown["value"], view.events, strict=True):
        head = "—" if e.value is None else f"{e.value:.3g}"
        assert text.startswith(head)
        assert ("[" in text) is (e.interval is not None)


def test_calibrated_events_csv_and_page_carry_skill_and_constraint(ctx: Context) -> None:
    # documents shaped as qpq.sim.ForecastResult.events holds them: a skill, an undefined
    # skill, no backtest; all, some and none of the parameters constrained
    def skill(score: str, clim: float | None, pers: float | None) -> dict[str, object]:
        return {"score": score, "skill_vs_climatology": clim, "skill_vs_persistence": pers}

    docs = {
        "china_recognizes_de_jure": {"probability": 0.2, "label": "calibrated",
                                     "backtest_skill": skill("brier", None, None),
                                     "calibration_constrained": {
                                         "constrained": "all", "parameters": {"a": True}}},
        "attacks_on_chinese_nationals_afghanistan": {
            "expected": 1.5, "label": "uncalibrated (assumption-driven)",
            "backtest_skill": skill("crps", -20.02, 0.346),
            "calibration_constrained": {"constrained": "some",
                                        "parameters": {"b": True, "c": False, "d": False}}},
        "militants_eliminated": {"probability": 0.1, "label": "calibrated",
                                 "backtest_skill": None,
                                 "calibration_constrained": {
                                     "constrained": "none", "parameters": {"e": False}}},
    }
    base = what_if(ctx.case, ctx.registry.defaults(), WhatIfRequest(n=50, seed=3))
    view = dataclasses.replace(base, mode="calibrated", events=event_rows(docs))
    frame = events_frame(view)
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), keep_default_na=False)
    assert list(back.columns) == ["event", "value", "low_90", "high_90", "unit", "status",
                                  *SKILL_COLUMNS, "what", "window"]
    rows = {r.event: r for r in back.itertuples()}
    nationals = rows["attacks_on_chinese_nationals_afghanistan"]
    # empty cells stay empty strings here, so the numbers come back as text
    assert (nationals.skill_score, float(nationals.skill_vs_climatology),
            float(nationals.skill_vs_persistence)) == ("crps", -20.02, 0.346)
    assert (nationals.parameters_constrained, nationals.constrained,
            nationals.unconstrained) == ("some", "b", "c; d")
    recognition = rows["china_recognizes_de_jure"]
    assert (recognition.skill_score, recognition.skill_vs_climatology) == ("brier", "")
    assert rows["militants_eliminated"].skill_score == ""
    shown = events_display(frame).set_index("event")
    assert list(shown.columns) == ["value", "unit", "status",
                                   "skill vs climatology / persistence",
                                   "parameters constrained", "what"]
    assert shown.loc["attacks_on_chinese_nationals_afghanistan"].tolist()[3:5] == [
        "-20 / 0.346 (crps)", "some (1 of 3)"]
    assert shown.loc["china_recognizes_de_jure"].tolist()[3:5] == [
        "undefined / undefined (brier)", "all (1 of 1)"]
    assert shown.loc["militants_eliminated"].tolist()[3:5] == ["no backtest", "none (0 of 1)"]
    # the what-if has none of these columns
    assert not set(SKILL_COLUMNS) & set(events_frame(base).columns)
