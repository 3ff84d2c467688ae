"""The evidence panel: each parameter's evidence ids resolved to sources one can open.

A parameter cites evidence ids of any kind (sources, events, quantities, claims) or says
"assumption" with its plausible range. :func:`parameter_evidence` resolves each id to an
:class:`EvidenceItem` — its title, date and, for a source, its URL; for an event, quantity
or claim, the sources behind it (followed through claims citing claims) — so that the app
can link every number to where it comes from. The app shows one item at a time in its
evidence panel, on the same page (``?evidence=<id>`` in the URL opens it there): what it
is, the words the source states, its sources (each cited by :attr:`qpq.case.Source.citation`
and linked to its URL) and which parameters cite it.
:func:`record_figures` gives the report's "record" charts (estimates, attacks, Taliban
actions and milestones) for the case as known on a date, so the app shows the same pictures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from qpq.case import (
    Attack,
    Case,
    Claim,
    Estimate,
    Event,
    Milestone,
    Parameter,
    Quantity,
    Source,
    TalibanAction,
    case_as_of,
)
from qpq.model import UNCALIBRATED

if TYPE_CHECKING:
    from qpq.report import Figure

__all__ = [
    "EVIDENCE_QUERY",
    "EvidenceItem",
    "ParameterEvidence",
    "SourceRef",
    "citing_parameters",
    "evidence_href",
    "evidence_ids",
    "evidence_markdown",
    "parameter_evidence",
    "record_figures",
    "resolve_evidence",
]

EVIDENCE_QUERY = "evidence"
"""The app's query parameter that opens one evidence item (``?evidence=<id>``)."""

_MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A source as the panel shows it: title, authors, publisher, date, URL and citation.

    ``citation`` is :attr:`qpq.case.Source.citation`, the one formatter the report uses too.
    """

    id: str
    title: str
    authors: tuple[str, ...]
    publisher: str | None
    date: str | None
    url: str | None
    citation: str


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One evidence id, resolved.

    Attributes
    ----------
    id, kind
        The id and the kind of item (``source``, ``event``, ``quantity``, ``claim`` ...).
    title
        A source's title, an event's title, a quantity's wording, a claim's text.
    date
        Its date as the case states it (``None`` if it has none).
    url
        A source's URL (``None`` for other kinds and for sources without one).
    sources
        The sources behind it (the item itself, for a source).
    quote
        The words the source states, where the case records them (a quantity's or an
        estimate's ``as_stated``); ``None`` otherwise.
    note
        The case's note on the item, if any.
    """

    id: str
    kind: str
    title: str
    date: str | None
    url: str | None
    sources: tuple[SourceRef, ...]
    quote: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ParameterEvidence:
    """A parameter with its range, status and resolved evidence."""

    name: str
    description: str
    unit: str
    default: float
    low: float
    high: float
    assumption: bool
    note: str | None
    items: tuple[EvidenceItem, ...]
    observations: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """``evidence``, or the assumption with its range."""
        if not self.assumption:
            return "evidence"
        return f"assumption, plausible range [{self.low:g}, {self.high:g}] ({UNCALIBRATED})"


def _source_ref(s: Source) -> SourceRef:
    title = s.best_title or f"(title not printed) {s.publisher or s.id}, {s.date or 'undated'}"
    return SourceRef(id=s.id, title=title, authors=tuple(s.authors), publisher=s.publisher,
                     date=s.date, url=s.best_url, citation=s.citation)


def _sources_of(case: Case, ids: Iterable[str], depth: int, seen: set[str]
                ) -> list[SourceRef]:
    out: list[SourceRef] = []
    for i in ids:
        if i in seen or i not in case.by_id:
            continue
        seen.add(i)
        item = case.by_id[i]
        if isinstance(item, Source):
            out.append(_source_ref(item))
        elif depth < _MAX_DEPTH:
            out.extend(_sources_of(case, _cited(item), depth + 1, seen))
    return out


def _cited(item: object) -> list[str]:
    if isinstance(item, Claim):
        return list(item.evidence)
    if isinstance(item, Event | Quantity | Estimate | Attack | TalibanAction | Milestone):
        return list(item.sources)
    return []


def resolve_evidence(case: Case, item_id: str) -> EvidenceItem:
    """Resolve one evidence id.

    Raises
    ------
    KeyError
        For an id the case does not hold (the message suggests close ids).
    """
    item = case.item(item_id)
    kind = case.kind_of(item_id)
    raw_note = getattr(item, "note", None)
    note = raw_note.strip() if isinstance(raw_note, str) and raw_note.strip() else None
    if isinstance(item, Source):
        ref = _source_ref(item)
        return EvidenceItem(item_id, kind, ref.title, item.date, ref.url, (ref,), None, note)
    quote: str | None = None
    title: str
    date: str | None
    if isinstance(item, Event):
        title, date = item.title, item.date
    elif isinstance(item, Quantity):
        title = f"{item.description} ({item.as_stated})"
        date, quote = item.date or item.period, item.as_stated
    elif isinstance(item, Claim):
        title, date = item.text, item.date
    elif isinstance(item, Estimate):
        title, date = f"{item.body}: {item.as_stated}", item.reference
        quote = item.as_stated
    elif isinstance(item, Attack | TalibanAction | Milestone):
        title, date = item.title, item.date
    else:
        title, date = str(getattr(item, "name", None) or item_id), None
    sources = tuple(_sources_of(case, _cited(item), 1, {item_id}))
    return EvidenceItem(item_id, kind, title, date, None, sources, quote, note)


def parameter_evidence(case: Case, name: str) -> ParameterEvidence:
    """A parameter's evidence, each id resolved.

    Raises
    ------
    KeyError
        For a parameter the case does not define.
    """
    p: Parameter | None = case.parameter.get(name)
    if p is None:
        raise KeyError(f"the case defines no parameter {name!r}")
    items = tuple(resolve_evidence(case, e) for e in p.evidence)
    return ParameterEvidence(name=p.name, description=p.description, unit=p.unit,
                             default=p.default, low=p.low, high=p.high,
                             assumption=p.assumption, note=p.note, items=items,
                             observations=tuple(p.observations))


def citing_parameters(case: Case, item_id: str) -> tuple[str, ...]:
    """Parameters that cite ``item_id`` directly."""
    return tuple(p.name for p in case.parameters if item_id in p.evidence)


def evidence_href(item_id: str) -> str:
    """A relative URL that opens the dashboard with one item in its evidence panel."""
    return f"?{EVIDENCE_QUERY}={quote(item_id)}"


def evidence_ids(pe: ParameterEvidence) -> tuple[str, ...]:
    """A parameter's evidence ids and then its observations' ids (the panel's choices)."""
    return tuple(dict.fromkeys((*(i.id for i in pe.items), *pe.observations)))


def _md(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]").replace("*", "\\*")


def evidence_markdown(pe: ParameterEvidence) -> str:
    """Markdown for one parameter: status and range, then each evidence item.

    Each item is named by its id (the app shows the item in its evidence panel when the id
    is chosen, without leaving the page) and each source links to its URL, when it has one.
    """
    lines = [f"**{pe.name}** — {_md(pe.description)} Unit: {pe.unit}; default "
             f"{pe.default:g}; range [{pe.low:g}, {pe.high:g}]. Status: {pe.status}."]
    if pe.note:
        lines.append(f"  \n_{_md(pe.note.strip())}_")
    if not pe.items:
        lines.append("\n- no evidence cited: a pure assumption")
    for it in pe.items:
        head = f"\n- `{it.id}` ({it.kind}): {_md(it.title)}"
        links = [f"[{_md(s.title)}]({s.url})" if s.url else _md(s.title) for s in it.sources
                 if it.kind != "source"]
        if it.kind == "source" and it.url:
            links = [f"[source]({it.url})"]
        lines.append(head + (" — " + "; ".join(links) if links else ""))
    if pe.observations:
        lines.append(f"\n- observations of the record bearing on it ({len(pe.observations)}): "
                     + ", ".join(f"`{o}`" for o in pe.observations))
    return "".join(lines)


def record_figures(case: Case, as_of: dt.date | None = None) -> tuple[Figure, ...]:
    """The report's "record" figures for the case as known on ``as_of`` (all if ``None``)."""
    # Altair is imported only when the record is drawn.
    from qpq.report import record_figures as build

    return build(case_as_of(case, as_of) if as_of is not None else case)
