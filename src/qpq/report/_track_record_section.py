"""Report section "Track record": the rolling-origin backtest's skill table and diagrams.

The backtest (:func:`qpq.sim.backtest`) forecasts from every half-year origin 2016-2024 with
only what was known then and scores the forecasts against the record beside climatology and
persistence (docs/model-dynamics.md §11). With ``ctx.reduced`` the per-origin calibration
and forecast ensembles are small, and the section says so.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from qpq.palette import OKABE_ITO
from qpq.report._sections import Figure, ReportContext, SectionContent, html_table
from qpq.sim import BacktestResult, BacktestSpec, backtest

__all__ = ["RELIABILITY_BINS", "reliability_frame", "track_record_section"]

RELIABILITY_BINS = 5
"""Equal-width bins of forecast probability in the reliability diagram."""

REDUCED = {"draws": 150, "replicates": 4, "n": 2000}
"""Per-origin sizes in a reduced report (``make run``)."""


def _fmt(x: Any, signed: bool = False) -> str:
    if x is None:
        return "—"
    return f"{x:+.2f}" if signed else f"{x:.3g}"


def reliability_frame(result: BacktestResult) -> list[dict[str, Any]]:
    """Per forecaster and probability bin: mean forecast, observed frequency, forecasts.

    Pools every binary event's forecasts that have an outcome.
    """
    out = []
    edges = np.linspace(0.0, 1.0, RELIABILITY_BINS + 1)
    for src in ("model", "climatology", "persistence"):
        pairs = [(r["forecasts"][src]["probability"], r["outcome"]) for r in result.rows
                 if r["kind"] == "binary" and r["outcome"] is not None
                 and r["forecasts"][src] is not None]
        if not pairs:
            continue
        p = np.array([a for a, _ in pairs])
        y = np.array([b for _, b in pairs], dtype=float)
        idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, RELIABILITY_BINS - 1)
        for b in range(RELIABILITY_BINS):
            mask = idx == b
            if mask.any():
                out.append({"forecaster": src, "forecast": float(p[mask].mean()),
                            "observed": float(y[mask].mean()), "forecasts": int(mask.sum())})
    return out


def _reliability_chart(frame: list[dict[str, Any]]) -> Any:
    import altair as alt
    import pandas as pd

    data = pd.DataFrame(frame)
    diagonal = alt.Chart(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]})).mark_line(
        strokeDash=[4, 4], color="grey").encode(x="x:Q", y="y:Q")
    points = alt.Chart(data).mark_circle(opacity=0.8).encode(
        x=alt.X("forecast:Q", title="forecast probability (bin mean)",
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("observed:Q", title="observed frequency", scale=alt.Scale(domain=[0, 1])),
        size=alt.Size("forecasts:Q", title="forecasts"),
        color=alt.Color("forecaster:N", scale=alt.Scale(range=OKABE_ITO[:3])),
        tooltip=["forecaster", "forecast", "observed", "forecasts"])
    return (diagonal + points).properties(width=360, height=300)


def _counts_chart(result: BacktestResult, event: str) -> Any:
    import altair as alt
    import pandas as pd

    rows = []
    for r in result.rows:
        if r["event"] != event or r["outcome"] is None:
            continue
        for src in ("model", "climatology"):
            f = r["forecasts"][src]
            rows.append({"origin": r["origin"], "forecaster": src, "median": f["median"],
                         "low": f["interval_90"][0], "high": f["interval_90"][1],
                         "outcome": r["outcome"]})
    data = pd.DataFrame(rows)
    colour = alt.Color("forecaster:N", scale=alt.Scale(range=OKABE_ITO[:2]))
    base = alt.Chart(data).encode(x=alt.X("origin:O", title="forecast origin"),
                                  xOffset="forecaster:N")
    bars = base.mark_rule(strokeWidth=3).encode(
        y=alt.Y("low:Q", title="attacks in the next window"), y2="high:Q", color=colour)
    mid = base.mark_tick(thickness=2).encode(y="median:Q", color=colour)
    seen = alt.Chart(data).mark_point(shape="diamond", filled=True, color="black").encode(
        x="origin:O", y="outcome:Q", tooltip=["origin", "outcome"])
    return (bars + mid + seen).properties(width=520, height=260)


def _pit_chart(pooled: dict[str, Any]) -> Any:
    import altair as alt
    import pandas as pd

    doc = pooled["all_count"]
    rows = []
    width = 1.0
    for src in ("model", "climatology", "persistence"):
        hist = doc[f"pit_histogram_{src}"]
        if hist is None:
            continue
        width = 1.0 / len(hist)   # a calibrated forecaster's share per bin
        rows += [{"forecaster": src, "bin": f"{i * width:.1f}–{(i + 1) * width:.1f}",
                  "share": h} for i, h in enumerate(hist)]
    data = pd.DataFrame(rows)
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("bin:O", title="PIT"), y=alt.Y("share:Q", title="share of forecasts"),
        xOffset="forecaster:N",
        color=alt.Color("forecaster:N", scale=alt.Scale(range=OKABE_ITO[:3])),
        tooltip=["forecaster", "bin", "share"])
    flat = alt.Chart(pd.DataFrame({"y": [width]})).mark_rule(
        strokeDash=[4, 4], color="grey").encode(y="y:Q")
    return (bars + flat).properties(width=420, height=240)


def track_record_section(ctx: ReportContext) -> SectionContent:
    """The backtest's pooled skill table, reliability diagram and count forecasts."""
    spec = BacktestSpec()   # the command's defaults
    if ctx.reduced:
        spec = BacktestSpec(draws=REDUCED["draws"], replicates=REDUCED["replicates"],
                            n=REDUCED["n"])
    result = backtest(ctx.case, spec)
    pooled = result.pooled()
    rows = []
    for r in result.skill_table():
        sc = r["scores"]
        cells = (escape(r["event"]), r["score"], str(r["origins"]),
                 _fmt(sc["model"]), _fmt(sc["climatology"]), _fmt(sc["persistence"]),
                 _fmt(r["skill_vs_climatology"], True), _fmt(r["skill_vs_persistence"], True))
        rows.append(list(cells))
    table = html_table(["event", "score", "origins", "model", "climatology", "persistence",
                        "skill vs climatology", "skill vs persistence"], rows)
    size = (f"{spec.draws} parameter draws × {spec.replicates} scenarios per origin, "
            f"{spec.n:,} forecast scenarios")
    note = (f"<p><strong>Reduced run</strong> (make run): {size}; numbers are noisy.</p>"
            if ctx.reduced else f"<p>{size}.</p>")
    html = (
        f"<p>From each of {len(spec.origins)} half-year origins "
        f"({spec.origins[0].isoformat()} to {spec.origins[-1].isoformat()}) the model is "
        "calibrated on what was known at the origin and forecasts the next "
        f"{spec.horizon_months} months; each event is scored against the record with proper "
        "scores (smaller is better) beside climatology (the trailing five years) and "
        "persistence (the last window). Skill = 1 − score / baseline score: below 0 the "
        "model does worse than the baseline. Results are reported as they come "
        "(docs/model-dynamics.md §11).</p>" + note
        + table)
    figs = [Figure("track-record-reliability", "Reliability of the binary forecasts",
                   "Each point pools the forecasts in one probability bin: its mean forecast "
                   "against how often the event happened; calibrated forecasts lie on the "
                   "diagonal, point size is the number of forecasts.",
                   _reliability_chart(reliability_frame(result))),
            Figure("track-record-nationals", "Attacks on Chinese nationals in Afghanistan: "
                   "forecasts against the record",
                   "Per origin, the 90% interval (bar) and median (tick) of the model's and "
                   "climatology's forecasts of the next window's attacks; diamonds are the "
                   "attacks the record shows.",
                   _counts_chart(result, "attacks_on_chinese_nationals_afghanistan")),
            Figure("track-record-pit", "PIT histograms of the count forecasts",
                   "The non-randomised PIT of every count forecast (attacks), pooled: a "
                   "calibrated forecaster's bars are level with the dashed line; bars piled "
                   "at the left mean outcomes lower than forecast.",
                   _pit_chart(pooled))]
    skill = pooled["all_count"]["crps"]["skill_vs_climatology"]
    return SectionContent(html, tuple(figs),
                          f"track record: {len(spec.origins)} origins; count skill vs "
                          f"climatology {_fmt(skill, True)}")
