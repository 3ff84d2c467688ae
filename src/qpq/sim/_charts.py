"""Altair charts of the dynamics: fan charts by policy, the backcast, forecast events.

Functions return charts (they do not save them); the report and the CLI decide where they
go. Every chart's title says what it shows; quantities no evidence constrains carry the
"uncalibrated (assumption-driven)" label in the title.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from qpq.model import UNCALIBRATED, policy_names
from qpq.palette import OKABE_ITO, fixed_colours
from qpq.sim._engine import SERIES, SimResult
from qpq.stats import FAN_QUANTILES, MEDIAN, quantile_name

__all__ = [
    "band_frame",
    "bands_chart",
    "events_chart",
    "fact_match_chart",
    "fan_chart",
    "fan_frame",
    "trajectory_chart",
]

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
    year, q = label.split("Q")
    return pd.Timestamp(int(year), 3 * (int(q) - 1) + 1, 15)


def fan_chart(results: Mapping[str, SimResult], variable: str, *, title: str | None = None,
              label: str | None = None) -> Any:
    """Fan chart of one state by policy: median line, 50% and 90% bands."""
    return bands_chart(fan_frame(results, variable), variable, title=title, label=label)


def bands_chart(frame: pd.DataFrame, variable: str, *, title: str | None = None,
                label: str | None = None, legend: str = "policy") -> Any:
    """Median line with 50% and 90% bands from a :func:`band_frame` frame."""
    colour = alt.Color("policy:N", scale=_scale(frame["policy"]), title=legend)
    base = alt.Chart(frame).encode(x=alt.X("date:T", title="quarter"))
    outer = base.mark_area(opacity=0.15).encode(y=alt.Y("q05:Q", title=variable), y2="q95:Q",
                                                 color=colour)
    inner = base.mark_area(opacity=0.3).encode(y="q25:Q", y2="q75:Q", color=colour)
    line = base.mark_line().encode(
        y="median:Q", color=colour,
        tooltip=[alt.Tooltip("policy:N", title=legend), "quarter:N",
                 alt.Tooltip("median:Q", format=".3g")])
    text = title or f"{variable}: median with 50% and 90% bands, by {legend}"
    if label:
        text = f"{text} — {label}"
    return (outer + inner + line).properties(title=text, width=560, height=220)


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
    """Forecast probabilities and shares (0-1 scale), labelled calibrated or not."""
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
        color=alt.Color("label:N", scale=alt.Scale(range=[OKABE_ITO[5], OKABE_ITO[2]])),
        tooltip=["event:N", "label:N", alt.Tooltip("value:Q", format=".3f")],
    ).properties(title="Forecast events over the window (colour: calibrated or "
                       f"{UNCALIBRATED})", width=420)


def _scale(column: pd.Series) -> Any:
    # A policy keeps its colour in every chart (and the dashboard); other groupings (the
    # scenarios of a study) are coloured in order.
    names = list(dict.fromkeys(column.astype(str)))
    if set(names) <= set(policy_names()):
        return alt.Scale(domain=names, range=fixed_colours(names, policy_names()))
    return alt.Scale(domain=names, range=OKABE_ITO[: len(names)] if len(names) <= len(OKABE_ITO)
                     else OKABE_ITO)
