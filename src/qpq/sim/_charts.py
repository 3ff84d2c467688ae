"""Altair charts of the dynamics: fan charts by policy, the backcast, forecast events.

Functions return charts (they do not save them); the report and the CLI decide where they
go. Every chart's title says what it shows; quantities no evidence constrains carry the
"uncalibrated (assumption-driven)" label in the title.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from qpq.case import quarter_of_label, quarter_start
from qpq.model import UNCALIBRATED, policy_names
from qpq.palette import OKABE_ITO, fixed_colours
from qpq.sim._engine import SERIES, SimResult
from qpq.sim._forecast import CALIBRATED, PARTLY_CALIBRATED, UNCONSTRAINED
from qpq.stats import FAN_QUANTILES, MEDIAN, quantile_name

__all__ = [
    "INDICATOR_SERIES",
    "band_frame",
    "bands_chart",
    "events_chart",
    "fact_match_chart",
    "fan_chart",
    "fan_frame",
    "trajectory_chart",
]

INDICATOR_SERIES: frozenset[str] = frozenset({"engaged", "recognised"})
"""Series that are 0 or 1 in each scenario: a median and bands of 0 and 1 say nothing, so
the charts draw the share of scenarios (the ensemble mean)."""

# the charts below encode these columns by name (q05..q95, the median as "median")
_BAND_COLUMNS = tuple("median" if q == MEDIAN else quantile_name(q) for q in FAN_QUANTILES)

def fan_frame(results: Mapping[str, SimResult], variable: str) -> pd.DataFrame:
    """Median and 50%/90% bands per quarter and policy, from the sampled scenarios."""
    j = SERIES.index(variable)
    groups = {policy: (res.spec.timeline.labels(), res.sample_series[:, :, j],
                       res.mean_series[:, j]) for policy, res in results.items()}
    return band_frame(groups)


def band_frame(groups: Mapping[str, tuple[Sequence[str], Any, Any]]) -> pd.DataFrame:
    """Bands per quarter for named groups of series: ``name -> (labels, (T, k), means)``."""
    rows = []
    for name, (labels, x, means) in groups.items():
        if x.shape[1] == 0:
            continue
        qs = np.quantile(x, FAN_QUANTILES, axis=1)
        for t, lab in enumerate(labels):
            rows.append({"policy": name, "quarter": lab, "date": _date(lab),
                         **{col: qs[k, t] for k, col in enumerate(_BAND_COLUMNS)},
                         "mean": float(means[t]) if means is not None else float("nan")})
    return pd.DataFrame(rows)


def _date(label: str) -> pd.Timestamp:
    """Where a quarter's point is drawn: the 15th of its first month."""
    return pd.Timestamp(quarter_start(quarter_of_label(label))) + pd.Timedelta(days=14)


def _merge_identical(results: Mapping[str, SimResult], j: int) -> dict[str, SimResult]:
    """One entry per distinct path: policies whose runs coincide share a name ("a = b")."""
    merged: dict[str, SimResult] = {}
    for policy, res in results.items():
        same = next((name for name, r in merged.items()
                     if np.array_equal(r.sample_series[:, :, j], res.sample_series[:, :, j])
                     and np.array_equal(r.mean_series[:, j], res.mean_series[:, j])), None)
        if same is None:
            merged[policy] = res
        else:
            merged[f"{same} = {policy}"] = merged.pop(same)
    return merged


def _difference_frame(results: Mapping[str, SimResult], variable: str, baseline: str
                     ) -> pd.DataFrame:
    """Bands of each policy minus ``baseline``, scenario by scenario (common random numbers).

    Empty where the runs are not paired (different scenarios behind the samples), since a
    difference of unpaired samples would mix the policy's effect with sampling noise.
    """
    j = SERIES.index(variable)
    base = results[baseline]
    groups = {}
    for policy, res in results.items():
        if policy == baseline:
            continue
        if not np.array_equal(res.sample_index, base.sample_index):
            return pd.DataFrame()
        groups[f"{policy} − {baseline}"] = (
            res.spec.timeline.labels(), res.sample_series[:, :, j] - base.sample_series[:, :, j],
            res.mean_series[:, j] - base.mean_series[:, j])
    return band_frame(groups)


LABEL_LINE = 80
"""Characters a title's calibration label may take on one line before it wraps."""


def _titled(text: str, label: str | None, subtitle: str | None = None) -> Any:
    """``text`` with the calibration ``label`` on lines of its own beneath it.

    One line ("TEXT — LABEL") drew a partly calibrated forecast's title about 1,400 px wide
    and pulled its chart past the report's 1,000-px page (an outside read, 2026-12-07).
    A ``subtitle`` (what the series measures: the dashboard's) goes beneath both.
    """
    if not label and not subtitle:
        return text
    lines = [text, *textwrap.wrap(label or "", LABEL_LINE)]
    return alt.TitleParams(lines, subtitle=subtitle) if subtitle else alt.TitleParams(lines)


def fan_chart(results: Mapping[str, SimResult], variable: str, *, title: str | None = None,
              label: str | None = None, baseline: str | None = "boycott") -> Any:
    """Fan chart of one state by policy: median line, 50% and 90% bands.

    One panel per policy (overlaid bands of similar policies hide each other), policies with
    identical runs merged into one panel; where ``baseline`` is among the policies, a panel
    below shows each other policy minus the baseline, scenario by scenario, with its bands.
    A series of :data:`INDICATOR_SERIES`, and a single policy, is :func:`bands_chart`'s one
    chart (its title's default too).
    """
    j = SERIES.index(variable)
    merged = _merge_identical(results, j)
    frame = fan_frame(merged, variable)
    if len(merged) < 2 or variable in INDICATOR_SERIES:
        # one chart: the policies' shares are lines, which do not hide one another
        return bands_chart(frame, variable, title=title, label=label)
    text = title or f"{variable}: median with 50% and 90% bands, by policy"
    order = list(merged)
    colour = alt.Color("policy:N", scale=_scale(frame["policy"]), title="policy", legend=None)
    x = alt.X("date:T", title="quarter")
    outer = alt.Chart().mark_area(opacity=0.2).encode(
        x=x, y=alt.Y("q05:Q", title=variable), y2="q95:Q", color=colour)
    inner = alt.Chart().mark_area(opacity=0.35).encode(x=x, y="q25:Q", y2="q75:Q", color=colour)
    line = alt.Chart().mark_line().encode(
        x=x, y="median:Q", color=colour,
        tooltip=["policy:N", "quarter:N", alt.Tooltip("median:Q", format=".3g"),
                 alt.Tooltip("q05:Q", format=".3g"), alt.Tooltip("q95:Q", format=".3g")])
    width = max(150, 560 // len(order))
    levels = alt.layer(outer, inner, line, data=frame).properties(
        width=width, height=180).facet(
        column=alt.Column("policy:N", sort=order, title=None)).properties(
        title="Level under each policy (policies with identical runs share a panel)")
    base_name = next((name for name in merged if baseline in name.split(" = ")), None)
    diff = (_difference_frame({(baseline if n == base_name else n): r for n, r in merged.items()},
                             variable, baseline) if baseline and base_name else pd.DataFrame())
    if diff.empty:
        return levels.properties(title=_titled(text, label))
    dcolour = alt.Color("policy:N", title="difference", scale=alt.Scale(
        domain=list(dict.fromkeys(diff["policy"])),
        range=fixed_colours([p.split(" − ")[0].split(" = ")[0]
                             for p in dict.fromkeys(diff["policy"])], policy_names())))
    dbase = alt.Chart(diff).encode(x=x)
    zero = alt.Chart(pd.DataFrame({"v": [0.0]})).mark_rule(color="#444").encode(y="v:Q")
    d_outer = dbase.mark_area(opacity=0.15).encode(
        y=alt.Y("q05:Q", title=f"difference in {variable}"), y2="q95:Q", color=dcolour)
    d_inner = dbase.mark_area(opacity=0.3).encode(y="q25:Q", y2="q75:Q", color=dcolour)
    d_line = dbase.mark_line(strokeWidth=2).encode(
        y="median:Q", color=dcolour,
        tooltip=["policy:N", "quarter:N", alt.Tooltip("median:Q", format=".3g"),
                 alt.Tooltip("q05:Q", format=".3g"), alt.Tooltip("q95:Q", format=".3g")])
    panel = alt.layer(zero, d_outer, d_inner, d_line).properties(
        width=560, height=180,
        title=f"Each policy minus {baseline}, scenario by scenario (same random numbers)")
    return alt.vconcat(levels, panel).resolve_scale(color="independent").properties(
        title=_titled(text, label))


def bands_chart(frame: pd.DataFrame, variable: str, *, title: str | None = None,
                label: str | None = None, legend: str = "policy",
                subtitle: str | None = None) -> Any:
    """Median line with 50% and 90% bands from a :func:`band_frame` frame.

    For a series of :data:`INDICATOR_SERIES`, the share of scenarios instead. Its title:
    ``title``, the calibration ``label`` wrapped beneath it, then ``subtitle``.
    """
    colour = alt.Color("policy:N", scale=_scale(frame["policy"]), title=legend)
    base = alt.Chart(frame).encode(x=alt.X("date:T", title="quarter"))
    if variable in INDICATOR_SERIES:
        share = base.mark_line().encode(
            y=alt.Y("mean:Q", title="share of scenarios", scale=alt.Scale(domain=[0.0, 1.0])),
            color=colour,
            tooltip=[alt.Tooltip("policy:N", title=legend), alt.Tooltip("quarter:N"),
                     alt.Tooltip("mean:Q", title="share", format=".3f")])
        text = title or f"{variable}: share of scenarios, by {legend}"
        return share.properties(title=_titled(text, label, subtitle), width=560,
                                height=220)
    # channels as objects, not shorthand strings: Altair turns each string into a channel
    # through a schema look-up table it rebuilds every time (~3 ms a string; the dashboard
    # draws this chart on every rerun)
    outer = base.mark_area(opacity=0.15).encode(y=alt.Y("q05:Q", title=variable),
                                                 y2=alt.Y2("q95"), color=colour)
    inner = base.mark_area(opacity=0.3).encode(y=alt.Y("q25:Q"), y2=alt.Y2("q75"),
                                                color=colour)
    line = base.mark_line().encode(
        y=alt.Y("median:Q"), color=colour,
        tooltip=[alt.Tooltip("policy:N", title=legend), alt.Tooltip("quarter:N"),
                 alt.Tooltip("median:Q", format=".3g")])
    text = title or f"{variable}: median with 50% and 90% bands, by {legend}"
    return (outer + inner + line).properties(title=_titled(text, label, subtitle),
                                             width=560, height=220)


def trajectory_chart(results: Mapping[str, SimResult], variables: Sequence[str]) -> Any:
    """Ensemble means of several states over time, one panel per state, lines by policy."""
    rows = []
    for policy, res in results.items():
        labels = res.spec.timeline.labels()
        for v in variables:
            j = SERIES.index(v)
            for t, lab in enumerate(labels):
                rows.append({"policy": policy, "date": _date(lab), "variable": v,
                             "mean": float(res.mean_series[t, j])})
    frame = pd.DataFrame(rows)
    return alt.Chart(frame).mark_line().encode(
        x=alt.X("date:T", title="quarter"), y=alt.Y("mean:Q", title="ensemble mean"),
        color=alt.Color("policy:N", scale=_scale(frame["policy"])),
        tooltip=["policy:N", "variable:N", alt.Tooltip("mean:Q", format=".3g")],
    ).properties(width=260, height=150).facet(facet="variable:N", columns=3).resolve_scale(
        y="independent").properties(title="Ensemble means of the key states, by policy")


def fact_match_chart(rows: Sequence[Mapping[str, Any]]) -> Any:
    """Share of scenarios matching each stylised fact: all draws vs accepted."""
    records = []
    for r in rows:
        if not r["evaluable"]:
            continue
        status = "used" if r["used"] else "out of sample (after the as-of date)"
        records.append({"fact": r["fact"], "set": "all draws (prior)",
                        "share": r["prior_match"], "status": status})
        records.append({"fact": r["fact"], "set": "accepted (posterior)",
                        "share": r["accepted_match"], "status": status})
    frame = pd.DataFrame(records)
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("fact:N", title=None), x=alt.X("share:Q", title="share of scenarios matching",
                                               scale=alt.Scale(domain=[0, 1])),
        yOffset="set:N", color=alt.Color("set:N", scale=alt.Scale(range=OKABE_ITO[:2])),
        tooltip=["fact:N", "set:N", "status:N", alt.Tooltip("share:Q", format=".2f")],
    ).properties(title="How well each stylised fact is matched", width=420)


def events_chart(events: Mapping[str, Mapping[str, Any]]) -> Any:
    """Forecast probabilities and shares (0-1 scale), coloured by calibration label.

    The four labels of :func:`qpq.sim._forecast.event_label` keep one colour each, whichever
    of them a forecast shows.
    """
    rows = []
    for name, e in events.items():
        value = e.get("probability", e.get("expected"))
        if value is None or e.get("unit") == "attacks":
            continue
        rows.append({"event": name, "value": float(value), "label": e["label"]})
    frame = pd.DataFrame(rows)
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("event:N", title=None), x=alt.X("value:Q", scale=alt.Scale(domain=[0, 1]),
                                                title="probability or expected share"),
        color=alt.Color("label:N", scale=alt.Scale(
            domain=[CALIBRATED, PARTLY_CALIBRATED, UNCONSTRAINED, UNCALIBRATED],
            range=[OKABE_ITO[5], OKABE_ITO[4], OKABE_ITO[1], OKABE_ITO[2]])),
        tooltip=["event:N", "label:N", alt.Tooltip("value:Q", format=".3f")],
    ).properties(title="Forecast events over the window (colour: calibration label)",
                 width=420)


def _scale(column: pd.Series) -> Any:
    # A policy keeps its colour in every chart (and the dashboard); other groupings (the
    # scenarios of a study) are coloured in order.
    names = list(dict.fromkeys(column.astype(str)))
    if set(names) <= set(policy_names()):
        return alt.Scale(domain=names, range=fixed_colours(names, policy_names()))
    return alt.Scale(domain=names, range=OKABE_ITO[: len(names)] if len(names) <= len(OKABE_ITO)
                     else OKABE_ITO)
