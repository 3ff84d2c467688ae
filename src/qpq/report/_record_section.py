"""The "record" section: estimates, attacks, Taliban actions and China's milestones.

The section draws the case's observations: estimates of fighters by body over time, attacks
on Chinese targets, the Taliban's steps toward ETIM/TIP and China's engagement milestones. The chart
builders take a :class:`~qpq.case.Case` (already cut to an as-of date where the
report or dashboard asks for one) and return Altair charts, so the report and the dashboard's
evidence page draw the same pictures. Like the places map, the attack map plots gazetteer
points on the case's offline basemap (country outlines), or on a plain longitude/latitude
grid where the case ships none.
"""

from __future__ import annotations

from html import escape
from typing import Any

import altair as alt
import pandas as pd

from qpq.case import Case, EvidenceDB, FuzzyDate, un_estimates_words
from qpq.palette import MAX_CATEGORIES, categorical
from qpq.report._basemap import MapFrame, load_basemap
from qpq.report._sections import Figure, ReportContext, SectionContent

__all__ = [
    "attacks_chart",
    "engagement_chart",
    "estimates_chart",
    "record_figures",
    "record_section",
]

SUBJECT_LABELS = {"iskp": "ISKP (ISIL-K)", "etim": "ETIM/TIP"}
UNCLAIMED = "unclaimed, no attribution"
KILLED_LEGEND = (0, 1, 2, 5, 10, 20, 50, 100)
"""Counts of Chinese killed that the attack chart's size legend shows (those up to the most)."""
# The attacks lie between the Arabian Sea coast and the Kyrgyz capital.
MAP_LON = (60.0, 80.0)
MAP_LAT = (23.0, 44.0)
ATTACK_FRAME = MapFrame(lon=MAP_LON, lat=MAP_LAT, width=260)
PLOT_WIDTH = 480
"""The record charts' plot width: with their axis labels and legends they fit a column of
about 800 px, the dashboard's main column beside its sidebar on a 1280-px screen (panels of
720-760 px with their legends beside them, side by side for the attacks, ran 1,050-1,070 px
wide: cut there, and past the report's 1,000-px page)."""


LEGEND_BELOW: dict[str, Any] = {"orient": "bottom", "columns": 2, "labelLimit": 260,
                                "titleLimit": 400}
"""A legend under its plot, in two columns, its labels and title whole."""


def _legends_below(chart: Any) -> Any:
    # beside a narrow plot a legend takes the room the plot needs; below, it wraps
    return chart.configure_legend(direction="horizontal", **LEGEND_BELOW)


def _mid(text: str) -> pd.Timestamp:
    fuzzy = FuzzyDate.parse(text)
    return pd.Timestamp(fuzzy.earliest + (fuzzy.latest - fuzzy.earliest) / 2)


def _empty(message: str) -> Any:
    return alt.Chart(pd.DataFrame({"note": [message]})).mark_text().encode(text="note:N")


def estimate_rows(case: Case) -> list[dict[str, Any]]:
    """One row per estimate of fighters that states a range or a number.

    Projections and other measures are left out: they are not comparable with a head count.
    """
    rows = []
    for e in case.estimates:
        interval = e.interval()
        if interval is None or e.measure != "fighters":
            continue
        low, high = interval
        # A single number is drawn where it is; a range, in its middle.
        single = e.value is not None and e.value_high is None
        point = e.value if single and e.value is not None else (
            low if high == float("inf") else (low + high) / 2)
        rows.append({
            "id": e.id, "subject": SUBJECT_LABELS.get(e.subject, e.subject),
            "date": _mid(e.reference), "reference": e.reference, "low": low,
            # An open upper bound is drawn as the point itself rather than off the chart.
            "high": high if high != float("inf") else point, "value": point,
            "body": e.body, "who": e.body_detail or "", "report": e.report or "",
            "place": next((p.name for p in case.places if p.id == e.geography), e.geography),
            "as stated": e.as_stated, "sources": ", ".join(e.sources),
        })
    return rows


def estimates_chart(case: Case) -> Any:
    """Fighters by estimating body over time, one panel per group, ranges as bars.

    Panels :data:`PLOT_WIDTH` wide, the legends below.
    """
    frame = pd.DataFrame(estimate_rows(case))
    if frame.empty:
        return _empty("no estimates known by this date")
    bodies = sorted(frame["body"].unique())
    colour = alt.Color("body:N", title="estimating body",
                       scale=alt.Scale(domain=bodies, range=categorical(len(bodies)))
                       if len(bodies) <= MAX_CATEGORIES else alt.Scale(domain=bodies))
    tooltip = ["subject:N", "reference:N", "as stated:N", "body:N", "who:N", "report:N",
               "place:N", "sources:N"]
    panels = []
    # One time axis for every panel, labelled by year.
    span = [frame["date"].min().isoformat(), frame["date"].max().isoformat()]
    x = alt.X("date:T", title="date the figure refers to", scale=alt.Scale(domain=span),
              axis=alt.Axis(format="%Y", tickCount="year"))
    for subject in [s for s in SUBJECT_LABELS.values() if s in set(frame["subject"])]:
        part = frame[frame["subject"] == subject]
        base = alt.Chart(part)
        bars = base.mark_rule(strokeWidth=4, opacity=0.7).encode(
            x=x, y=alt.Y("low:Q", title=f"{subject}: fighters"), y2="high:Q", color=colour,
            tooltip=tooltip)
        points = base.mark_point(filled=True, size=70).encode(
            x=x, y="value:Q", color=colour, tooltip=tooltip,
            shape=alt.Shape("place:N", title="where"))
        panels.append((bars + points).properties(width=PLOT_WIDTH, height=200, title=subject))
    return _legends_below(alt.vconcat(*panels).resolve_scale(y="independent",
                                                             shape="independent"))


def _perpetrator(claimed: list[str], attributed: list[str], names: dict[str, str]
                 ) -> tuple[str, str]:
    """The group a reader should see first (the claimant, else the first blamed) and why."""
    if claimed:
        return names.get(claimed[0], claimed[0]), "claimed"
    if attributed:
        return names.get(attributed[0], attributed[0]), "blamed by an authority"
    return UNCLAIMED, "no claim"


def _count(n: int | None) -> str:
    return "unknown" if n is None else str(n)


def attack_rows(case: Case) -> list[dict[str, Any]]:
    """One row per attack with its place, perpetrator (claim first) and casualties."""
    names = {a.id: a.name for a in case.actors}
    places = {p.id: p for p in case.places}
    rows = []
    for a in case.attacks:
        blamed = list(dict.fromkeys(x.actor for x in a.attributed_to))
        perpetrator, basis = _perpetrator(a.claimed_by, blamed, names)
        place = places[a.place]
        rows.append({
            "id": a.id, "date": pd.Timestamp(FuzzyDate.parse(a.date).earliest),
            "when": a.date, "attack": a.title,
            "country": places[a.country].name, "place": place.name,
            "lat": place.lat, "lon": place.lon,
            "perpetrator": perpetrator, "basis": basis,
            "claimed by": ", ".join(names.get(x, x) for x in a.claimed_by) or "no claim",
            "blamed on": "; ".join(f"{names.get(x.actor, x.actor)} ({x.by})"
                                  for x in a.attributed_to) or "none",
            # shown in the hover as written: a count, or "unknown" where no source gives one
            "Chinese killed": _count(a.chinese_killed),
            "Chinese wounded": _count(a.chinese_wounded),
            # Mark size: Chinese killed, with unknown counts drawn as the smallest mark.
            "size": max(a.chinese_killed or 0, 0) + 1,
            "targets": ", ".join(t.replace("_", " ") for t in a.targets),
            "sources": ", ".join(a.sources),
        })
    return rows


def attacks_chart(case: Case) -> Any:
    """Attacks on Chinese targets: a timeline by country and a map beneath, by perpetrator.

    The timeline :data:`PLOT_WIDTH` wide; the perpetrators' legend below both.
    """
    frame = pd.DataFrame(attack_rows(case))
    if frame.empty:
        return _empty("no attacks known by this date")
    perps = sorted(frame["perpetrator"].unique(), key=lambda p: (p == UNCLAIMED, p))
    # the palette's colours but its grey, kept for "unclaimed"
    hues = [c for c in categorical(MAX_CATEGORIES) if c != "#999999"]
    named = [p for p in perps if p != UNCLAIMED]
    colours = hues[: len(named)] + (["#BBBBBB"] if UNCLAIMED in perps else [])
    scale = (alt.Scale(domain=named + [p for p in perps if p == UNCLAIMED], range=colours)
             if len(named) <= len(hues) else alt.Scale(domain=perps))
    # the long list of perpetrators below in two columns; the short legends stay beside
    # the plot, where a row of three below ran wider than the plot
    colour = alt.Color("perpetrator:N", title="perpetrator (claimant, else first blamed)",
                       scale=scale, legend=alt.Legend(**LEGEND_BELOW))
    shape = alt.Shape("basis:N", title="basis",
                      scale=alt.Scale(domain=["claimed", "blamed by an authority", "no claim"],
                                      range=["circle", "diamond", "circle"]))
    # the mark's size is killed + 1 (so none killed still draws); the legend reads the count
    most = int(frame["size"].max()) - 1
    size = alt.Size("size:Q", title="Chinese killed", scale=alt.Scale(range=[40, 500]),
                    legend=alt.Legend(values=[k + 1 for k in KILLED_LEGEND if k <= most],
                                      labelExpr="datum.value - 1"))
    tooltip = ["when:N", "attack:N", "place:N", "country:N", "perpetrator:N", "basis:N",
               "claimed by:N", "blamed on:N",
               "Chinese killed:N", "Chinese wounded:N", "targets:N", "sources:N"]
    base = alt.Chart(frame)
    timeline = base.mark_point(filled=True, opacity=0.8).encode(
        x=alt.X("date:T", title="date", axis=alt.Axis(format="%Y", tickCount="year")),
        y=alt.Y("country:N", title=None), color=colour, shape=shape, size=size,
        tooltip=tooltip).properties(width=PLOT_WIDTH, height=220, title="When")
    basemap = load_basemap(case)
    if basemap is None:
        where = base.mark_point(filled=True, opacity=0.8).encode(
            x=alt.X("lon:Q", title="longitude (°E)", scale=alt.Scale(domain=list(MAP_LON))),
            y=alt.Y("lat:Q", title="latitude (°N)", scale=alt.Scale(domain=list(MAP_LAT))),
            color=colour, shape=shape, size=size, tooltip=tooltip,
        ).properties(width=260, height=260, title="Where (gazetteer points, no borders)")
    else:
        points = base.mark_point(filled=True, opacity=0.8).encode(
            longitude="lon:Q", latitude="lat:Q", color=colour, shape=shape, size=size,
            tooltip=tooltip)
        where = alt.layer(basemap.layer(ATTACK_FRAME), points).project(
            **ATTACK_FRAME.projection().to_dict()).properties(
            width=ATTACK_FRAME.width, height=round(ATTACK_FRAME.height),
            title="Where (gazetteer points on Natural Earth outlines)")
    return alt.vconcat(timeline, where)


def engagement_rows(case: Case) -> list[dict[str, Any]]:
    """Taliban actions and China's milestones as rows on one time axis."""
    rows = []
    for t in case.taliban_actions:
        rows.append({"id": t.id, "date": pd.Timestamp(FuzzyDate.parse(t.date).earliest),
                     "when": t.date, "track": "Taliban toward ETIM/TIP",
                     "kind": f"Taliban: {t.kind.replace('_', ' ')}", "title": t.title,
                     "summary": t.summary, "reported by": t.reported_by,
                     "sources": ", ".join(t.sources)})
    for m in case.milestones:
        rows.append({"id": m.id, "date": pd.Timestamp(FuzzyDate.parse(m.date).earliest),
                     "when": m.date, "track": "China toward the Taliban",
                     "kind": f"China: {m.kind.replace('_', ' ')}", "title": m.title,
                     "summary": m.summary, "reported by": "",
                     "sources": ", ".join(m.sources)})
    return rows


def engagement_chart(case: Case) -> Any:
    """Taliban actions and China's engagement milestones on one time axis.

    :data:`PLOT_WIDTH` wide, the legend below.
    """
    frame = pd.DataFrame(engagement_rows(case))
    if frame.empty:
        return _empty("no actions or milestones known by this date")
    kinds = sorted(frame["kind"].unique())
    colour = alt.Color("kind:N", legend=None,
                       scale=(alt.Scale(domain=kinds, range=categorical(len(kinds)))
                              if len(kinds) <= MAX_CATEGORIES else alt.Scale(domain=kinds)))
    chart = alt.Chart(frame).mark_point(filled=True, size=110, opacity=0.85).encode(
        x=alt.X("date:T", title="date", axis=alt.Axis(format="%Y", tickCount="year")),
        # one lane per kind (China's first, then the Taliban's), so steps of different kinds
        # on nearby dates do not sit on one another
        y=alt.Y("kind:N", title=None, sort=kinds, axis=alt.Axis(labelLimit=260)),
        color=colour, shape=alt.Shape("track:N", title="track"),
        tooltip=["when:N", "title:N", "kind:N", "summary:N", "reported by:N", "sources:N"],
    ).properties(width=PLOT_WIDTH, height=alt.Step(22))
    return _legends_below(chart)


def record_figures(case: Case) -> tuple[Figure, ...]:
    """The section's three figures for ``case`` (cut to an as-of date by the caller).

    The report and the dashboard draw them alike, in a column of about 800 px.
    """
    return (
        Figure(
            "record-estimates", "How many fighters? Estimates by body over time",
            "Each bar is one estimate's stated range (a point where the source gives one "
            "number; 'about' is drawn as plus or minus 10%, and a figure in words at the "
            "interval we read into it), placed at the date it refers to; colour is the body "
            "that published it and the mark's shape the place it covers. Bars that do not "
            "overlap at the same date are disagreements the audit lists. Hover for the "
            "wording as printed.",
            estimates_chart(case)),
        Figure(
            "record-attacks", "Attacks on Chinese nationals and interests",
            "Above: each attack by date and country; below: the same attacks at their "
            "gazetteer points (country outlines: Natural Earth, public domain, where the case "
            "ships them). Colour is the group that claimed it or, when nobody did, the "
            "first an authority blamed (diamonds); grey marks attacks neither claimed nor "
            "attributed. Every claim and attribution, with who made it, is in the hover; size "
            "grows with the Chinese killed (an unknown count is drawn as none). Pakistan's "
            "separatist attacks are shown with their perpetrators although the quid pro quo "
            "does not govern them.",
            attacks_chart(case)),
        Figure(
            "record-engagement", "The Taliban's steps and China's engagement on one axis",
            "One lane per kind of step: China's visits, meetings, contracts, ambassadors, "
            "trade measures and statements on recognition (circles), then what the Taliban "
            "were reported to do about ETIM/TIP: relocations, pledges, denials (squares). "
            "Hover for the summary and sources.",
            engagement_chart(case)),
    )


def record_section(ctx: ReportContext) -> SectionContent:
    """The record: counts, then the three charts."""
    data = EvidenceDB.from_case(ctx.case).record()
    counts = data["counts"]
    if not data["total"]:
        return SectionContent("<p class='empty'>This case holds no record of observations "
                              "(estimates, attacks, Taliban actions, milestones).</p>")
    when = f" known by {ctx.as_of.isoformat()}" if ctx.as_of else ""
    bodies = ", ".join(f"{escape(b)} {n}" for b, n in data["by_body"].items())
    # the counts first, the estimates' breakdown by body in a sentence of its own
    html = (
        f"<p>The record{escape(when)}: {counts['estimate']} estimates, {counts['attack']} "
        f"attacks on Chinese targets, {counts['taliban_action']} Taliban actions and "
        f"{counts['milestone']} milestones of China's engagement. Of the estimates: "
        f"{escape(un_estimates_words(data))}. By body: {bodies}. Every observation cites a "
        "source with a URL and a publication date; <code>qpq evidence record</code> lists "
        "them.</p>"
    )
    summary = (f"record: {counts['estimate']} estimates, {counts['attack']} attacks, "
               f"{counts['taliban_action']} Taliban actions, {counts['milestone']} milestones")
    return SectionContent(html, record_figures(ctx.case), summary)
