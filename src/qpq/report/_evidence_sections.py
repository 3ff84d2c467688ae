"""Report sections of the evidence lens: the case, the timeline, parameters, the audit."""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

import altair as alt
import pandas as pd

from qpq.case import Attack, Estimate, EvidenceDB, Milestone, TalibanAction, audit, web_href
from qpq.palette import MAX_CATEGORIES, categorical
from qpq.report._sections import Figure, ReportContext, SectionContent, html_table

CHART_FROM_YEAR = 1990
ZOOM_YEARS = (2021, 2024)
"""The years the timeline's second figure widens: the takeover and China's engagement,
when events come weeks apart and crowd the long chart."""
ROW_HEIGHT = 20  # pixels per event in the zoomed chart: one row each, labels never touch

__all__ = [
    "audit_section",
    "case_in_brief",
    "evidence_appendix",
    "parameters_section",
    "timeline_section",
]




def _link(item_id: str) -> str:
    return f'<a href="#item-{escape(item_id)}">{escape(item_id)}</a>'


def case_in_brief(ctx: ReportContext) -> SectionContent:
    """The case summary and the size of its evidence base."""
    case = ctx.case
    counts = {
        "sources": len(case.sources),
        "footnotes": len({n for s in case.sources for n in s.footnotes}),
        "events": len(case.events),
        "quantities": len(case.quantities),
        "claims": len(case.claims),
        "actors": len(case.actors),
        "places": len(case.places),
        "phases": len(case.phases),
        "parameters": len(case.parameters),
        "observations": len(case.observations),
    }
    paper = case.meta.paper
    html = (
        f"<p>{escape(case.meta.summary)}</p>"
        f"<p>Built from <em>{escape(paper.title)}</em> by {escape(paper.author)} "
        f"({paper.year}). {escape(case.meta.attribution)}</p>"
        + html_table(["item", "count"], [[escape(k), str(v)] for k, v in counts.items()])
    )
    summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    return SectionContent(html, (), f"evidence: {summary}")


def timeline_chart(rows: list[dict[str, Any]], actor_names: dict[str, str]) -> Any:
    """Events by actor over time; colour = event type; hover shows summary and sources."""
    records = []
    for r in rows:
        for actor in r["actors"]:
            records.append({
                "actor": actor_names.get(actor, actor),
                "start": pd.Timestamp(r["earliest"]),
                "end": pd.Timestamp(r["latest"]),
                "date": r["date"],
                "event": r["title"],
                "type": r["type"],
                "summary": r["summary"],
                "sources": ", ".join(s["id"] for s in r["sources"]),
            })
    frame = pd.DataFrame(records)
    if frame.empty:
        return alt.Chart(pd.DataFrame({"x": []})).mark_point()
    top = frame["actor"].value_counts()
    keep = top[top >= 2].index.tolist() or top.index.tolist()
    frame = frame[frame["actor"].isin(keep)]
    types = sorted(frame["type"].unique())
    # Past ten types the palette would repeat; let Vega pick (still distinguishable by hover).
    scale = (alt.Scale(domain=types, range=categorical(len(types)))
             if len(types) <= MAX_CATEGORIES else alt.Scale(domain=types))
    colour = alt.Color("type:N", title="event type", scale=scale)
    tooltip = ["date:N", "event:N", "type:N", "summary:N", "sources:N"]
    y = alt.Y("actor:N", title=None, sort=keep)
    base = alt.Chart(frame)
    spans = base.mark_rule(strokeWidth=3, opacity=0.6).encode(
        x=alt.X("start:T", title="date"), x2="end:T", y=y, color=colour, tooltip=tooltip)
    points = base.mark_circle(size=60, opacity=0.85).encode(
        x="start:T", y=y, color=colour, tooltip=tooltip)
    return (spans + points).properties(width=640, height=max(160, 22 * len(keep)))


def zoom_chart(rows: list[dict[str, Any]], actor_names: dict[str, str],
               years: tuple[int, int] = ZOOM_YEARS) -> Any:
    """Events of a few years, one row each in date order, named on the axis.

    Events that began before the window are drawn from its start; the row's label gives the
    date as the case records it.
    """
    lo = pd.Timestamp(years[0], 1, 1)
    hi = pd.Timestamp(years[1], 12, 31)
    records = []
    for r in sorted(rows, key=lambda r: (r["earliest"], r["latest"], r["title"])):
        start, end = pd.Timestamp(r["earliest"]), pd.Timestamp(r["latest"])
        if end < lo or start > hi:
            continue
        title = r["title"] if len(r["title"]) <= 60 else r["title"][:59] + "…"
        records.append({
            "row": f"{r['date']}  {title}", "start": max(start, lo), "end": min(end, hi),
            "date": r["date"], "event": r["title"], "type": r["type"],
            "actors": ", ".join(actor_names.get(a, a) for a in r["actors"]),
            "summary": r["summary"], "sources": ", ".join(s["id"] for s in r["sources"])})
    frame = pd.DataFrame(records)
    if frame.empty:
        return alt.Chart(pd.DataFrame({"x": []})).mark_point()
    types = sorted(frame["type"].unique())
    scale = (alt.Scale(domain=types, range=categorical(len(types)))
             if len(types) <= MAX_CATEGORIES else alt.Scale(domain=types))
    colour = alt.Color("type:N", title="event type", scale=scale)
    tooltip = ["date:N", "event:N", "type:N", "actors:N", "summary:N", "sources:N"]
    y = alt.Y("row:N", title=None, sort=list(frame["row"]),
              axis=alt.Axis(labelLimit=420, labelFontSize=11))
    x = alt.X("start:T", title="date", scale=alt.Scale(domain=[lo.isoformat(), hi.isoformat()]),
              axis=alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": 6}))
    base = alt.Chart(frame)
    spans = base.mark_rule(strokeWidth=4, opacity=0.6).encode(
        x=x, x2="end:T", y=y, color=colour, tooltip=tooltip)
    points = base.mark_circle(size=70, opacity=0.9).encode(
        x="start:T", y=y, color=colour, tooltip=tooltip)
    return (spans + points).properties(width=420, height=ROW_HEIGHT * len(frame))


def timeline_section(ctx: ReportContext) -> SectionContent:
    """The evidence timeline: a chart and the full table with sources."""
    db = EvidenceDB.from_case(ctx.case)
    rows = db.timeline()
    names = {a.id: a.name for a in ctx.case.actors}
    # The models start in 1996; older history is kept in the table, not squeezed into the chart.
    recent = [r for r in rows if r["latest"].year >= CHART_FROM_YEAR]
    last = max((r["latest"].year for r in recent), default=CHART_FROM_YEAR)
    fig = Figure(
        "timeline", f"Dated events by actor, {CHART_FROM_YEAR}–{last}",
        "Each dot is an event on the date it began (a bar spans events dated only to a month, "
        "a year or a range); colour is the event type; hover for the summary and sources. "
        "Actors with fewer than two events are left out of the chart but not the table.",
        timeline_chart(recent, names),
        note=(f"{len(rows) - len(recent)} events before {CHART_FROM_YEAR} are listed in "
              "the section's table, 'All events with sources'.")
        if len(rows) > len(recent) else None,
    )
    zoom = Figure(
        "timeline-zoom", f"Events of {ZOOM_YEARS[0]}–{ZOOM_YEARS[1]}, one row each",
        "The years the long chart crowds, widened: one row per event in date order, named "
        "with the date as the case records it; a bar spans an event dated only to a month or "
        "a range (drawn from the window's start if it began earlier). Colour is the event "
        "type; hover for the actors, summary and sources. China's engagement milestones and "
        "the Taliban's steps over the same years are in the record section.",
        zoom_chart(rows, names))
    table = html_table(
        ["date", "event", "actors", "sources"],
        [[escape(r["date"]),
          f'<span id="item-{escape(r["id"])}">{escape(r["title"])}</span>'
          f'<br><small>{escape(r["summary"])}</small>',
          escape(", ".join(names.get(a, a) for a in r["actors"])),
          ", ".join(_source_cell(s) for s in r["sources"])] for r in rows],
    )
    types = Counter(r["type"] for r in rows)
    html = (f"<p>{len(rows)} dated events ({', '.join(f'{v} {k}' for k, v in types.items())})."
            "</p><details><summary>All events with sources</summary>" + table + "</details>")
    return SectionContent(html, (fig, zoom))


def _source_cell(s: dict[str, Any]) -> str:
    label = escape(s["id"])
    href = web_href(s.get("url"))
    if href:
        label = f'<a href="{escape(href)}" rel="noreferrer">{label}</a>'
    if s.get("footnotes"):
        label += f" <small>(fn {', '.join(str(n) for n in s['footnotes'])})</small>"
    return label


def parameters_section(ctx: ReportContext) -> SectionContent:
    """Every parameter: default, range, unit and evidence (or 'assumption')."""
    params = ctx.case.parameters
    if not params:
        return SectionContent("<p class='empty'>This case defines no model parameters yet."
                              "</p>")
    rows = []
    hidden_any = False
    for p in params:
        # an as-of report keeps the parameters but not the items published after its date:
        # cite only what the reader can look up, and count the rest
        known = [e for e in p.evidence if e in ctx.case.by_id]
        hidden = len(p.evidence) - len(known)
        hidden_any |= hidden > 0
        evidence = ", ".join(_link(e) for e in known)
        if hidden:
            evidence += (("; " if evidence else "") + f"{hidden} cited item"
                         f"{'s' if hidden > 1 else ''} not yet known by the as-of date")
        if p.assumption:
            evidence = "<strong>assumption</strong>" + (f"; direction from {evidence}"
                                                        if evidence else "")
        rows.append([f"<code>{escape(p.name)}</code>", escape(p.description), f"{p.default:g}",
                     f"[{p.low:g}, {p.high:g}]", escape(p.unit), evidence])
    n_assumed = sum(p.assumption for p in params)
    # not every assumption is sampled (policy settings, definitions and numerical floors
    # stay at their defaults; an exploration samples its scenario's uncertainties only)
    html = (f"<p>{len(params)} parameters; {n_assumed} are assumptions, each with a "
            "plausible range, the rest cite evidence. Which ranges a study samples, its "
            "section says."
            + (" The defaults are the case's, set with everything it cites; items published "
               "after the as-of date are counted, not shown." if hidden_any else "")
            + "</p>"
            + html_table(["name", "meaning", "default", "range", "unit", "evidence"], rows))
    return SectionContent(html, (), f"parameters: {len(params)} ({n_assumed} assumptions)")


def audit_section(ctx: ReportContext) -> SectionContent:
    """Integrity errors, then the evidence's inconsistencies grouped by detector."""
    report = audit(ctx.case)
    parts = [f"<p>{len(report.errors)} integrity errors; {len(report.findings)} findings about "
             "the evidence itself (the case records the paper faithfully, so its slips are "
             "reported here rather than corrected silently).</p>"]
    if report.errors:
        parts.append("<ul class='errors'>" + "".join(f"<li>{escape(f.summary)}</li>"
                                                     for f in report.errors) + "</ul>")
    rows = [[escape(f.detector), escape(f.summary), escape(", ".join(w for w in f.where if w))]
            for f in report.findings]
    parts.append(html_table(["detector", "finding", "where in the paper"], rows))
    summary = f"audit: {len(report.errors)} errors, {len(report.findings)} findings"
    return SectionContent("".join(parts), (), summary)


def evidence_appendix(ctx: ReportContext) -> SectionContent:
    """Every source, quantity and claim with an anchor, so each evidence link resolves."""
    case = ctx.case

    def anchor(item_id: str) -> str:
        return f'<span id="item-{escape(item_id)}"><code>{escape(item_id)}</code></span>'

    sources = html_table(
        ["id", "source", "footnotes"],
        [[anchor(s.id),
          escape(s.citation)
          + (f' <a href="{escape(href)}" rel="noreferrer">link</a>'
             if (href := web_href(s.best_url)) else ""),
          escape(", ".join(str(n) for n in s.footnotes))] for s in case.sources])
    quantities = html_table(
        ["id", "as stated", "value", "sources"],
        [[anchor(q.id), escape(q.as_stated), escape(f"{q.value:g} {q.unit}"),
          ", ".join(_link(s) for s in q.sources)] for q in case.quantities])
    claims = html_table(
        ["id", "kind", "claim", "evidence"],
        [[anchor(c.id), escape(c.kind.value), escape(c.text),
          ", ".join(_link(e) for e in c.evidence)] for c in case.claims])
    # claims cite the record's observations too, so they get anchors here as well
    record = html_table(
        ["id", "kind", "date", "what", "sources"],
        [[anchor(o.id), escape(case.kind_of(o.id).replace("_", " ")), escape(_observed_when(o)),
          escape(_observed_what(o)), ", ".join(_link(s) for s in o.sources)]
         for o in case.observations])
    html = ("<p>Every item the report links to. Ids are stable: cite them.</p>"
            f"<details><summary>{len(case.sources)} sources</summary>{sources}</details>"
            f"<details><summary>{len(case.quantities)} quantities</summary>{quantities}</details>"
            f"<details><summary>{len(case.claims)} claims</summary>{claims}</details>"
            + (f"<details><summary>{len(case.observations)} observations of the record "
               f"(estimates, attacks, Taliban actions, milestones)</summary>{record}</details>"
               if case.observations else ""))
    return SectionContent(html)


def _observed_when(o: Estimate | Attack | TalibanAction | Milestone) -> str:
    return o.reference if isinstance(o, Estimate) else o.date


def _observed_what(o: Estimate | Attack | TalibanAction | Milestone) -> str:
    if isinstance(o, Estimate):
        return f"{o.body}: {o.as_stated}"
    return o.title
