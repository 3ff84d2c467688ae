"""Altair charts of the bargaining lens, drawn from :func:`bargain_report_data`'s output.

Each function takes the plain data (so a saved JSON document can be re-drawn) and returns an
Altair chart. :func:`bargain_charts` returns every chart of a report with a title and a
"how to read" sentence, ready to become report figures.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from qpq.labels import leader, place_labels

__all__ = ["bargain_charts", "exchange_chart", "montecarlo_chart", "quadrant_chart",
           "trajectory_chart"]

# Okabe & Ito (2008) colour-blind-safe colours (the same values as the report's palette).
_QUADRANT_COLOURS = {"confrontation": "#D55E00", "compromise": "#009E73",
                     "capitulation": "#CC79A7", "status quo": "#999999", "none": "#000000"}
_QUAD_SIZE = 360  # the quadrant chart's width and height in pixels
_QUAD_FONT = 10.0


def trajectory_chart(eum: dict[str, Any]) -> alt.TopLevelMixin:
    """Actors' positions (grey) with the forecast median and weighted mean, by round."""
    positions = pd.DataFrame(eum["positions"])
    summary = pd.DataFrame(eum["trajectory"]).melt("round", ["median", "mean"],
                                                   var_name="forecast", value_name="position")
    lo, hi = eum["scale"]
    y = alt.Y("position:Q", scale=alt.Scale(domain=[lo, hi]), title=eum["name"])
    actors = alt.Chart(positions).mark_line(color="#999999", opacity=0.5, strokeWidth=1).encode(
        x=alt.X("round:O", title="round"), y=y, detail="actor:N",
        tooltip=["actor:N", "round:O", alt.Tooltip("position:Q", format=".1f")])
    lines = alt.Chart(summary).mark_line(point=True, strokeWidth=3).encode(
        x="round:O", y=y,
        color=alt.Color("forecast:N", scale=alt.Scale(domain=["median", "mean"],
                                                      range=["#0072B2", "#E69F00"])),
        tooltip=["forecast:N", "round:O", alt.Tooltip("position:Q", format=".2f")])
    return alt.layer(actors, lines).properties(
        width=520, height=260, title=f"Expected utility forecast: {eum['name']}")


def _quadrant_labels(frame: pd.DataFrame, span: float) -> pd.DataFrame:
    """Label rows (text, centre in data units) that do not overprint one another.

    Actors whose dots (nearly) coincide share one label, their names joined; the labels are
    then placed round the dots by :func:`qpq.labels.place_labels`, in pixels of the chart's
    fixed scales.
    """
    def px(v: float) -> float:
        return (v + span) / (2 * span) * _QUAD_SIZE

    groups: list[tuple[float, float, list[str]]] = []
    for other, x, y in zip(frame["other"], frame["eu_ij"], frame["eu_ji"], strict=True):
        gx, gy = px(float(x)), _QUAD_SIZE - px(float(y))
        near = next((g for g in groups if abs(g[0] - gx) < 6 and abs(g[1] - gy) < 6), None)
        if near is None:
            groups.append((gx, gy, [str(other)]))
        else:
            near[2].append(str(other))
    texts = [", ".join(sorted(names)) for _, _, names in groups]
    boxes = place_labels([(g[0], g[1]) for g in groups], texts, width=_QUAD_SIZE,
                         height=_QUAD_SIZE, font_size=_QUAD_FONT, marker=5.0)
    def data(x: float, y: float) -> tuple[float, float]:
        return x / _QUAD_SIZE * 2 * span - span, (_QUAD_SIZE - y) / _QUAD_SIZE * 2 * span - span

    rows = []
    for t, g, b in zip(texts, groups, boxes, strict=True):
        if b is None:
            continue
        line = leader((g[0], g[1]), b)
        x0, y0 = data(*line[:2]) if line else (None, None)
        x1, y1 = data(*line[2:]) if line else (None, None)
        rows.append({"text": t, "x": data(b.x, b.y)[0], "y": data(b.x, b.y)[1],
                     "lx": x0, "ly": y0, "lx2": x1, "ly2": y1})
    return pd.DataFrame(rows, columns=["text", "x", "y", "lx", "ly", "lx2", "ly2"])


def quadrant_chart(points: list[dict[str, Any]]) -> alt.TopLevelMixin:
    """An actor's perceptions: EU of challenging (x) vs EU of being challenged (y)."""
    frame = pd.DataFrame(points)
    actor = str(frame["actor"].iloc[0]) if len(frame) else "actor"
    extent = float(max(frame[["eu_ij", "eu_ji"]].abs().max().max(), 1e-9)) if len(frame) else 1.0
    # Fixed, symmetric scales (room for labels at the edge), so labels can be placed in
    # pixels before Vega draws them.
    span = 1.15 * extent
    diag = pd.DataFrame({"x": [-span, span], "y": [-span, span], "y2": [span, -span]})
    x = alt.X("eu_ij:Q", title=f"{actor}: EU of challenging the other",
              scale=alt.Scale(domain=[-span, span], nice=False, zero=False))
    y = alt.Y("eu_ji:Q", title=f"{actor}: EU of being challenged by the other",
              scale=alt.Scale(domain=[-span, span], nice=False, zero=False))
    dots = alt.Chart(frame).mark_circle(size=80).encode(
        x=x, y=y,
        color=alt.Color("quadrant:N", scale=alt.Scale(domain=list(_QUADRANT_COLOURS),
                                                      range=list(_QUADRANT_COLOURS.values()))),
        tooltip=["other:N", "quadrant:N", alt.Tooltip("eu_ij:Q", format=".3f"),
                 alt.Tooltip("eu_ji:Q", format=".3f")])
    placed = _quadrant_labels(frame, span) if len(frame) else pd.DataFrame(
        columns=["text", "x", "y", "lx", "ly", "lx2", "ly2"])
    labels = alt.Chart(placed).mark_text(
        align="center", baseline="middle", fontSize=_QUAD_FONT).encode(
        x="x:Q", y="y:Q", text="text:N")
    leaders = alt.Chart(placed.dropna()).mark_rule(color="#777", strokeWidth=0.8).encode(
        x="lx:Q", y="ly:Q", x2="lx2:Q", y2="ly2:Q")
    zero_x = alt.Chart(pd.DataFrame({"v": [0.0]})).mark_rule(color="#444").encode(x="v:Q")
    zero_y = alt.Chart(pd.DataFrame({"v": [0.0]})).mark_rule(color="#444").encode(y="v:Q")
    d1 = alt.Chart(diag).mark_line(strokeDash=[4, 4], color="#999").encode(x="x:Q", y="y:Q")
    d2 = alt.Chart(diag).mark_line(strokeDash=[4, 4], color="#999").encode(x="x:Q", y="y2:Q")
    return alt.layer(zero_x, zero_y, d1, d2, leaders, dots, labels).properties(
        width=_QUAD_SIZE, height=_QUAD_SIZE, title=f"Perception quadrants of {actor} (round 1)")


def montecarlo_chart(mc: dict[str, Any]) -> alt.TopLevelMixin:
    """Histogram of the final forecast median per issue over the Monte Carlo draws."""
    rows = [{"issue": issue, "median": v} for issue, values in
            mc["samples"]["eum_median"].items() for v in values]
    chart: alt.TopLevelMixin = alt.Chart(pd.DataFrame(rows)).mark_bar(color="#56B4E9").encode(
        x=alt.X("median:Q", bin=alt.Bin(maxbins=30), title="forecast median after the last "
                "round"),
        y=alt.Y("count():Q", title="draws"),
        facet=alt.Facet("issue:N", columns=2),
    ).properties(width=260, height=180,
                 title=f"Forecasts over {mc['n_draws']} draws of the assumption ranges")
    return chart


def exchange_chart(exchange: dict[str, Any]) -> alt.TopLevelMixin:
    """Outcome (Nash bargaining solution) of each issue after each round of exchange."""
    rows = [{"issue": issue, "round": 0, "outcome": v}
            for issue, v in exchange["initial_outcome"].items()]
    rows += [{"issue": issue, "round": r["round"], "outcome": v}
             for r in exchange["rounds"] for issue, v in r["outcome_end"].items()]
    chart: alt.TopLevelMixin = alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X("round:O", title="round of exchange"),
        y=alt.Y("outcome:Q", title="expected outcome", scale=alt.Scale(zero=False)),
        color=alt.Color("issue:N", scale=alt.Scale(range=["#0072B2", "#D55E00", "#009E73"])),
        tooltip=["issue:N", "round:O", alt.Tooltip("outcome:Q", format=".2f")],
    ).properties(width=420, height=240, title="Exchange model: outcomes by round")
    return chart


def bargain_charts(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every chart of the bargaining section: ``{id: {"title", "how_to_read", "chart"}}``."""
    out: dict[str, dict[str, Any]] = {}
    for issue, eum in data["eum"].items():
        out[f"eum-{issue}"] = {
            "title": f"Expected utility forecast of {eum['name'].lower()}",
            "how_to_read": "Each grey line is one actor's position round by round; blue is the "
                           "forecast (pairwise-vote median), orange the capability × salience "
                           "weighted mean. Round 0 is the input.",
            "chart": trajectory_chart(eum)}
        for actor, points in eum["quadrants"].items():
            if points:
                out[f"quadrants-{issue}-{actor}"] = {
                    "title": f"How {actor} sees the others on {eum['name'].lower()}",
                    "how_to_read": "Each dot is another actor. Right of 0: challenging it pays; "
                                   "above 0: it would gain by challenging. Both positive is a "
                                   "confrontation, both negative the status quo; otherwise a "
                                   "compromise or a capitulation. Actors at the same spot "
                                   "share a label; a label with no room is left off (hover "
                                   "the dots).",
                    "chart": quadrant_chart(points)}
    if data.get("exchange"):
        out["exchange"] = {
            "title": "Outcomes of the recognition-for-crackdown exchange",
            "how_to_read": "The expected outcome of each issue (Nash bargaining solution) "
                           "before exchange (round 0) and after each round of equal-gain "
                           "exchanges.",
            "chart": exchange_chart(data["exchange"])}
    if data.get("monte_carlo"):
        out["monte-carlo"] = {
            "title": "How the forecasts vary over the assumption ranges",
            "how_to_read": "Each bar counts draws of the inputs (uniform over their ranges) "
                           "whose final forecast median fell in that interval.",
            "chart": montecarlo_chart(data["monte_carlo"])}
    return out
