"""Altair figures of the exploration lens: Sobol' bars, Morris plane, PRIM, policies.

Functions take the frozen results of :mod:`qpq.explore._studies` (never recompute) and
return charts; the report and the CLI decide where they go. Every title says what the
chart shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from qpq.explore._prim import PrimResult
from qpq.explore._robustness import Comparison
from qpq.explore._sensitivity import MorrisResult, SobolResult
from qpq.palette import OKABE_ITO

__all__ = ["morris_chart", "policy_chart", "prim_box_chart", "prim_tradeoff_chart",
           "regret_chart", "sobol_chart"]


def sobol_chart(result: SobolResult, top: int | None = None) -> Any:
    """Grouped bars of S1 and ST per input with their confidence intervals."""
    names = result.ranking("ST")[:top] if top else result.ranking("ST")
    rows = []
    for n in names:
        for kind, val, conf in (("first order S1", result.S1[n], result.S1_conf[n]),
                                ("total order ST", result.ST[n], result.ST_conf[n])):
            rows.append({"input": n, "index": kind, "value": val, "low": val - conf,
                         "high": val + conf})
    frame = pd.DataFrame(rows)
    base = alt.Chart(frame).encode(
        y=alt.Y("input:N", sort=list(names), title=None),
        yOffset=alt.YOffset("index:N"),
        color=alt.Color("index:N", title="Sobol' index",
                        scale=alt.Scale(range=[OKABE_ITO[1], OKABE_ITO[5]])))
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=f"share of the variance of {result.outcome}"),
        tooltip=["input:N", "index:N", alt.Tooltip("value:Q", format=".3f"),
                 alt.Tooltip("low:Q", format=".3f"), alt.Tooltip("high:Q", format=".3f")])
    rules = base.mark_rule(color="black").encode(x="low:Q", x2="high:Q")
    return (bars + rules).properties(
        width=420, height=max(120, 26 * len(names)),
        title=f"Sobol' indices of {result.outcome} (N = {result.n_base}, "
              f"{result.conf_level:.0%} intervals)")


def morris_chart(result: MorrisResult) -> Any:
    """The Morris plane: μ* against σ, one point per input."""
    frame = pd.DataFrame([{"input": n, "mu_star": result.mu_star[n], "sigma": result.sigma[n],
                           "conf": result.mu_star_conf[n]} for n in result.names])
    pts = alt.Chart(frame).mark_circle(size=70, color=OKABE_ITO[4]).encode(
        x=alt.X("mu_star:Q", title="μ* (mean absolute elementary effect)"),
        y=alt.Y("sigma:Q", title="σ (spread: interactions, non-linearity)"),
        tooltip=["input:N", alt.Tooltip("mu_star:Q", format=".3g"),
                 alt.Tooltip("sigma:Q", format=".3g"), alt.Tooltip("conf:Q", format=".3g")])
    labels = pts.mark_text(align="left", dx=6, fontSize=10, color="black").encode(text="input:N")
    return (pts + labels).properties(width=420, height=300,
                                     title=f"Morris screening of {result.outcome} "
                                           f"({result.trajectories} trajectories)")


def prim_tradeoff_chart(result: PrimResult) -> Any:
    """The peeling trajectory: coverage against density, the chosen box marked."""
    rows = [{"step": i, "coverage": b.coverage, "density": b.density, "mass": b.mass,
             "restricted dimensions": len(b.restricted),
             "chosen": "chosen box" if i == result.chosen_index else "trajectory"}
            for i, b in enumerate(result.trajectory)]
    frame = pd.DataFrame(rows)
    line = alt.Chart(frame).mark_line(color=OKABE_ITO[8]).encode(
        x=alt.X("coverage:Q", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("density:Q", scale=alt.Scale(domain=[0, 1])), order="step:Q")
    pts = alt.Chart(frame).mark_circle(size=45).encode(
        x="coverage:Q", y="density:Q",
        color=alt.Color("restricted dimensions:O", scale=alt.Scale(scheme="viridis")),
        tooltip=["step:Q", alt.Tooltip("coverage:Q", format=".2f"),
                 alt.Tooltip("density:Q", format=".2f"), alt.Tooltip("mass:Q", format=".2f"),
                 "restricted dimensions:Q"])
    chosen = alt.Chart(frame[frame["chosen"] == "chosen box"]).mark_point(
        size=220, shape="diamond", filled=False, color="black", strokeWidth=2).encode(
        x="coverage:Q", y="density:Q")
    base = alt.Chart(pd.DataFrame({"y": [result.base_density]})).mark_rule(
        strokeDash=[4, 3], color=OKABE_ITO[5]).encode(y="y:Q")
    return (line + pts + chosen + base).properties(
        width=380, height=300, title="PRIM peeling trajectory: coverage against density")


def prim_box_chart(result: PrimResult, units: Mapping[str, str] | None = None) -> Any:
    """The chosen box's restricted dimensions as intervals on each input's range."""
    box = result.chosen
    rows = []
    for j, n in enumerate(result.names):
        if n not in box.restricted:
            continue
        lo, hi = result.bounds[j]
        width = hi - lo if hi > lo else 1.0
        rows.append({"input": n, "low": (box.lower[j] - lo) / width,
                     "high": (box.upper[j] - lo) / width, "from": box.lower[j],
                     "to": box.upper[j], "range": f"[{lo:g}, {hi:g}] "
                     + (units or {}).get(n, ""), "quasi-p": box.quasi_p.get(n, np.nan)})
    frame = pd.DataFrame(rows or [{"input": "(none)", "low": 0.0, "high": 1.0, "from": 0.0,
                                   "to": 1.0, "range": "", "quasi-p": np.nan}])
    full = alt.Chart(frame).mark_bar(color="#dddddd", height=14).encode(
        y=alt.Y("input:N", title=None), x=alt.datum(0.0), x2=alt.datum(1.0))
    part = alt.Chart(frame).mark_bar(color=OKABE_ITO[5], height=14).encode(
        y="input:N", x=alt.X("low:Q", title="position within the input's range",
                             scale=alt.Scale(domain=[0, 1])), x2="high:Q",
        tooltip=["input:N", alt.Tooltip("from:Q", format=".3g"),
                 alt.Tooltip("to:Q", format=".3g"), "range:N",
                 alt.Tooltip("quasi-p:Q", format=".2g")])
    return (full + part).properties(
        width=380, height=max(80, 28 * len(frame)),
        title=f"PRIM box: coverage {box.coverage:.2f}, density {box.density:.2f}")


def policy_chart(values: Mapping[str, Mapping[str, Any]], outcome: str,
                 order: Sequence[str] | None = None) -> Any:
    """Each policy's distribution of one outcome over the experiments (box plots)."""
    policies = list(order) if order else list(values)
    frame = pd.DataFrame([{"policy": p, outcome: float(v)} for p in policies
                          for v in np.asarray(values[p][outcome])])
    return alt.Chart(frame).mark_boxplot(extent=1.5, color=OKABE_ITO[4]).encode(
        y=alt.Y("policy:N", sort=policies, title=None),
        x=alt.X(f"{outcome}:Q", title=outcome)).properties(
        width=420, height=max(120, 24 * len(policies)),
        title=f"{outcome} by China's policy over the same experiments")


def regret_chart(comparison: Comparison) -> Any:
    """Each policy's largest, 90th-percentile and mean regret (bars)."""
    rows = []
    for m in comparison.metrics:
        for kind, v in (("largest regret", m.max_regret), ("90th percentile", m.p90_regret),
                        ("mean regret", m.mean_regret)):
            rows.append({"policy": m.policy, "regret": kind, "value": v})
    order = sorted((m.policy for m in comparison.metrics),
                   key=lambda p: comparison.metric(p).max_regret or 0.0)
    frame = pd.DataFrame(rows)
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("policy:N", sort=order, title=None), yOffset="regret:N",
        x=alt.X("value:Q", title=f"regret in {comparison.outcome}"),
        color=alt.Color("regret:N", scale=alt.Scale(range=OKABE_ITO[:3])),
        tooltip=["policy:N", "regret:N", alt.Tooltip("value:Q", format=".3g")]).properties(
        width=420, height=max(120, 30 * len(order)),
        title=f"Regret of each policy in {comparison.outcome} (minimax regret: smallest "
              "largest bar)")
