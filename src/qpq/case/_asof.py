"""When each evidence item became known, and "as of" views of a case.

An item became known on the later of its own date and the publication dates of the sources
behind it: an event of 2000 first reported in a 2021 report is known from 2021. Dates are
fuzzy, so the *latest* day they can mean is used: an item dated "2021" is only certainly
known after 2021-12-31, and is therefore hidden as of 2021-08-15. A source without a
publication date counts as known on its accessed date, and failing that on the paper's date
(the paper cites it, so it existed by then).

An observation of the record (estimate, attack, Taliban action, milestone) is known on the
later of the date it is about and its sources' publication. A claim that names the sources
that first reported it (``first_reported``) is known once those are, however late the rest of
its evidence (above all the paper itself) was published, but never before the reports could
establish it: an occurrence once its window opens, anything else once its window closes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from pydantic import BaseModel

from qpq.case._dates import FuzzyDate
from qpq.case._loader import Case
from qpq.case._schema import (
    Attack,
    Claim,
    CuratedFinding,
    Estimate,
    Event,
    Milestone,
    Phase,
    Quantity,
    Source,
    TalibanAction,
)

__all__ = ["case_as_of", "known_dates"]


def _latest(text: str | None) -> dt.date | None:
    return FuzzyDate.parse(text).latest if text else None


def _max(*dates: dt.date | None) -> dt.date | None:
    present = [d for d in dates if d is not None]
    return max(present) if present else None


def _reported_floor(claim: Claim) -> dt.date | None:
    """The earliest day a claim's first reports can make it known.

    A fact that something happened at least once (a target ``max``/``sum``/``any`` ``>=`` or
    ``>`` a threshold) is known as soon as a report of it appears, though not before its window
    opens. Any other fact (an average, a final level, "never") is about a whole window, so no
    report can establish it before the window closes.
    """
    target = claim.target
    if target is not None:
        occurrence = target.statistic in ("max", "sum", "any") and target.op in (">=", ">")
        if occurrence:
            return FuzzyDate.parse(target.start).earliest
        return FuzzyDate.parse(target.end).latest
    return FuzzyDate.parse(claim.date).latest if claim.date else None


def known_dates(case: Case) -> dict[str, dt.date | None]:
    """Map every dated item id to the day it became known (``None``: undated definition)."""
    paper = case.by_id.get(case.meta.paper.source)
    paper_date = _latest(paper.date) if isinstance(paper, Source) else None
    known: dict[str, dt.date | None] = {}
    for src in case.sources:
        known[src.id] = _latest(src.date) or _latest(src.accessed) or paper_date

    def cited(ids: list[str]) -> dt.date | None:
        return _max(*(known.get(i) for i in ids))

    for ev in case.events:
        known[ev.id] = _max(_latest(ev.date), cited(ev.sources))
    for q in case.quantities:
        known[q.id] = _max(_latest(q.date), _latest(q.period), cited(q.sources))
    for est in case.estimates:
        known[est.id] = _max(_latest(est.reference), cited(est.sources))
    dated: tuple[Attack | TalibanAction | Milestone, ...] = (
        *case.attacks, *case.taliban_actions, *case.milestones)
    for ob in dated:
        known[ob.id] = _max(_latest(ob.date), cited(ob.sources))
    for ph in case.phases:
        # A phase is known from its start; the simulator clips it at the as-of date.
        known[ph.id] = FuzzyDate.parse(ph.start).latest
    # Claims may cite claims: resolve in dependency order, treating cycles as undated.
    pending = {c.id: c for c in case.claims}
    visiting: set[str] = set()

    def claim_date(claim: Claim) -> dt.date | None:
        if claim.id in known:
            return known[claim.id]
        visiting.add(claim.id)
        if claim.first_reported:
            reported = [known.get(ref) for ref in claim.first_reported]
            visiting.discard(claim.id)
            known[claim.id] = _max(_reported_floor(claim), *reported)
            return known[claim.id]
        dates = [_latest(claim.date)]
        for ref in claim.evidence:
            if ref in pending and ref not in visiting:
                dates.append(claim_date(pending[ref]))
            else:
                dates.append(known.get(ref))
        visiting.discard(claim.id)
        known[claim.id] = _max(*dates)
        return known[claim.id]

    for claim in case.claims:
        claim_date(claim)
    for finding in case.curated_findings:
        known[finding.id] = None
    return known


def _visible(item: BaseModel, known: dict[str, dt.date | None], cutoff: dt.date) -> bool:
    when = known.get(getattr(item, "id", ""))
    return when is None or when <= cutoff


def case_as_of(case: Case, cutoff: dt.date | str) -> Case:
    """The case as it could be known on ``cutoff``: later items are dropped.

    Actors, places, parameters and other undated definitions stay; a phase still running
    at the cut-off stays (its end is then unknown); a bargaining issue keeps the observed
    points dated by the cut-off whose evidence is known by then. ``cutoff`` is a date or
    ``YYYY-MM-DD`` (a datetime is refused: its time would be dropped unsaid).
    """
    from qpq.checks import as_date

    cutoff = as_date(cutoff, "cutoff")
    known = known_dates(case)
    gone: set[str] = set()

    def keep(items: tuple[BaseModel, ...]) -> tuple[BaseModel, ...]:
        # the dropped ids collected on the way (a membership test of the models in the kept
        # tuple would compare them field by field, quadratically)
        kept = []
        for i in items:
            if _visible(i, known, cutoff):
                kept.append(i)
            else:
                gone.add(getattr(i, "id", ""))
        return tuple(kept)

    kept_sources = keep(case.sources)
    kept_events = keep(case.events)
    kept_quantities = keep(case.quantities)
    kept_claims = keep(case.claims)
    kept_phases = tuple(
        p if p.end is None or FuzzyDate.parse(p.end).latest <= cutoff else p.model_copy(
            update={"end": None})
        for p in case.phases
        if isinstance(p, Phase) and FuzzyDate.parse(p.start).latest <= cutoff
    )
    gone |= {p.id for p in case.phases} - {p.id for p in kept_phases}
    kept_obs = {o.id for o in case.observations if _visible(o, known, cutoff)}
    gone |= {o.id for o in case.observations} - kept_obs
    # an issue's observed points, like every dated item, only once their date has passed
    # and their evidence is known (the issue itself, a definition, stays)
    issues = tuple(i.model_copy(update={"observed": [
        ob for ob in i.observed if FuzzyDate.parse(ob.date).latest <= cutoff
        and not gone.intersection(ob.evidence)]}) for i in case.bargaining_issues)
    by_id = {k: v for k, v in case.by_id.items() if k not in gone}
    by_id.update({p.id: p for p in kept_phases})
    by_id.update({i.id: i for i in issues})
    return replace(
        case,
        sources=tuple(s for s in kept_sources if isinstance(s, Source)),
        events=tuple(e for e in kept_events if isinstance(e, Event)),
        quantities=tuple(q for q in kept_quantities if isinstance(q, Quantity)),
        claims=tuple(c for c in kept_claims if isinstance(c, Claim)),
        phases=kept_phases,
        bargaining_issues=issues,
        curated_findings=tuple(f for f in case.curated_findings if isinstance(f, CuratedFinding)),
        estimates=tuple(o for o in case.estimates if isinstance(o, Estimate) and o.id in kept_obs),
        attacks=tuple(o for o in case.attacks if isinstance(o, Attack) and o.id in kept_obs),
        taliban_actions=tuple(o for o in case.taliban_actions
                              if isinstance(o, TalibanAction) and o.id in kept_obs),
        milestones=tuple(o for o in case.milestones
                         if isinstance(o, Milestone) and o.id in kept_obs),
        by_id=by_id,
    )
