"""The page's tables as frames and CSV: the numbers the views hold, nothing reformatted."""

from __future__ import annotations

import io
import math

import pandas as pd

from qpq.dashboard._equilibrium import equilibrium_view, relationship_view
from qpq.dashboard._tables import (
    csv_bytes,
    efforts_frame,
    events_display,
    events_frame,
    state_frame,
)
from qpq.dashboard._view import Context
from qpq.dashboard._whatif import WhatIfRequest, what_if


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
