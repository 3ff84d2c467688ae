"""The integrity audit: structural errors, and the evidence's own inconsistencies.

Two kinds of result. **Errors** break the case's integrity (an event without a source, a
footnote number that maps to no source or to two); a case with errors should be fixed.
**Findings** are inconsistencies *in the evidence itself* — the paper's own slips — that the
case records faithfully and the audit reports rather than hides. Findings come from
detectors that run over the data (so they work on any case), plus a short hand-curated list
(``curated_findings.yaml``) for what no detector can see, each entry saying why.

Detectors (each a function ``(case) -> list[Finding]`` in :data:`DETECTORS`):

- ``url_date``: a citation's printed date disagrees with the date inside its URL;
- ``title_url``: a citation's printed title shares almost no words with its URL's slug;
- ``accessed_before_published``: a printed access date precedes the publication date;
- ``source_before_event``: an event is cited to a source published before it happened;
- ``citation_variants``: two citations of one source print different details (URL, date,
  author spelling, access date);
- ``same_title``: one title printed for works by different authors;
- ``quantity_units``: one measure given in conflicting units or values;
- ``spelling``: a proper name printed as a near miss of a known actor, place or author;
- ``attribution``: a claim attributed to a name that is not an author of its cited source;
- ``estimate_conflict``: two estimates of one subject, place and measure, made within a year
  of each other, whose stated ranges do not overlap;
- ``attack_attribution``: an attack claimed by or blamed on more than one actor;
- ``reference_after_source``: an observation about a period that begins after the latest of
  its sources was published;
- ``narrative_dating``: an event that looks like recorded Taliban actions (a subject in
  common and at least two places) none of which falls within the event's dates.

Observations of the record must cite sources with a URL and a publication date, or the
audit reports an integrity error: an as-of view cannot date them otherwise.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from qpq.case._dates import FuzzyDate
from qpq.case._loader import Case
from qpq.case._schema import Citation, Estimate, Source, SourceKind
from qpq.case._units import to_si

__all__ = ["DETECTORS", "AuditReport", "Finding", "audit"]

Severity = Literal["error", "finding"]


@dataclass(frozen=True)
class Finding:
    """One audit result."""

    detector: str
    severity: Severity
    summary: str
    items: tuple[str, ...] = ()
    where: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditReport:
    """Everything the audit found, errors first."""

    case_id: str
    errors: tuple[Finding, ...]
    findings: tuple[Finding, ...]
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        """True when there are no integrity errors (findings are expected)."""
        return not self.errors


# --------------------------------------------------------------------------- helpers


def _fold(text: str) -> str:
    """Lower-case, accents and punctuation removed, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
    return text[4:] if text.startswith("the ") else text


def _where(source: Source, cit: Citation) -> str:
    if cit.footnote is not None:
        return f"fn {cit.footnote}"
    return "bibliography" if cit.style == "bibliography" else "body text"


_URL_DATE_PATTERNS = (
    re.compile(r"/((?:19|20)\d{2})/(0[1-9]|1[0-2])/"),  # /2016/03/
    re.compile(r"[/_t]((?:19|20)\d{2})(0[1-9]|1[0-2])([0-3]\d)(?:[_./-]|$)"),  # t20220223_
    re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])/"),  # /202202/
    re.compile(r"/((?:19|20)\d{2})-(0[1-9]|1[0-2])(?:-([0-3]\d))?/"),  # /2022-11/
)


def url_date(url: str) -> tuple[int, int] | None:
    """Year and month embedded in a URL path, if any."""
    path = unquote(urlsplit(url.strip("<>[]() ")).path)
    for pattern in _URL_DATE_PATTERNS:
        match = pattern.search(path)
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


_STOP = {"a", "an", "the", "of", "and", "in", "on", "to", "for", "is", "s", "its", "with",
         "how", "what", "does", "do", "at", "by", "from", "be", "are"}


def _slug_words(url: str) -> list[str]:
    path = unquote(urlsplit(url.strip("<>[]() ")).path).rstrip("/")
    last = path.rsplit("/", 1)[-1]
    last = re.sub(r"\.(html?|php|pdf|aspx?)$", "", last)
    words = [w for w in re.split(r"[-_]+", last.lower()) if w]
    if any(w.isdigit() for w in words):
        # "section-name-16860974": a section plus an article id, not a headline slug.
        return []
    # A slug is a run of words; ids, dates and single tokens say nothing about the title.
    words = [w for w in words if w.isalpha() and len(w) > 1]
    return words if len(words) >= 3 else []


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _iter_citations(case: Case) -> Iterable[tuple[Source, Citation]]:
    for src in case.sources:
        for cit in src.citations:
            yield src, cit


# --------------------------------------------------------------------------- integrity


def integrity_errors(case: Case) -> list[Finding]:
    """Structural problems the loader cannot see: uncited events, footnote coverage."""
    errors: list[Finding] = []
    for ev in case.events:
        if not ev.sources:
            errors.append(Finding("integrity", "error", f"event {ev.id} cites no source",
                                  (ev.id,)))
    for claim in case.claims:
        if claim.kind.value in {"proposition", "stylised_fact"} and not claim.evidence:
            errors.append(Finding("integrity", "error",
                                  f"{claim.kind.value} {claim.id} links no evidence", (claim.id,)))
    owners: dict[int, list[str]] = defaultdict(list)
    for src, cit in _iter_citations(case):
        if cit.footnote is not None:
            owners[cit.footnote].append(src.id)
    if owners:
        for number in range(1, max(owners) + 1):
            if number not in owners:
                errors.append(Finding("integrity", "error",
                                      f"footnote {number} maps to no source", (),
                                      (f"fn {number}",)))
            elif len(owners[number]) > 1:
                errors.append(Finding("integrity", "error",
                                      f"footnote {number} is claimed by several sources: "
                                      + ", ".join(owners[number]), tuple(owners[number]),
                                      (f"fn {number}",)))
    return errors


# --------------------------------------------------------------------------- detectors


def detect_url_dates(case: Case) -> list[Finding]:
    """Printed date vs the year/month in the URL."""
    out = []
    for src, cit in _iter_citations(case):
        if not cit.url or not cit.date:
            continue
        in_url = url_date(cit.url)
        if in_url is None:
            continue
        printed = FuzzyDate.parse(cit.date)
        year, month = in_url
        url_lo = dt.date(year, month, 1)
        url_hi = dt.date(year, month, calendar.monthrange(year, month)[1])
        # A month's slack: sites file an article under the month it was drafted or posted.
        gap = max((printed.earliest - url_hi).days, (url_lo - printed.latest).days)
        if gap <= 31:
            continue
        out.append(Finding(
            "url_date", "finding",
            f"{_where(src, cit)}: printed date {cit.date} but the URL says {year}-{month:02d}",
            (src.id,), (_where(src, cit),),
            {"printed": cit.date, "url_year": year, "url_month": month, "url": cit.url},
        ))
    return out


def detect_title_url(case: Case) -> list[Finding]:
    """Printed title vs the words of the URL's slug."""
    out = []
    for src, cit in _iter_citations(case):
        title = cit.title or (src.title if cit.style in {"full", "bibliography"} else None)
        if not title or not cit.url:
            continue
        slug = _slug_words(cit.url)
        if not slug:
            continue
        title_words = {_stem(w) for w in _fold(title).split()} - _STOP
        content = [w for w in slug if w not in _STOP]
        if not content:
            continue
        shared = sum(1 for w in content if _stem(w) in title_words)
        if shared / len(content) < 0.25:
            out.append(Finding(
                "title_url", "finding",
                f"{_where(src, cit)}: title {title!r} does not match its URL "
                f"(slug: {'-'.join(slug)})",
                (src.id,), (_where(src, cit),),
                {"title": title, "slug": "-".join(slug), "overlap": shared / len(content)},
            ))
    return out


def detect_source_before_event(case: Case) -> list[Finding]:
    """A source published (as printed anywhere) before the event it is cited for."""
    out = []
    for ev in case.events:
        began = FuzzyDate.parse(ev.date).earliest
        for sid in ev.sources:
            src = case.by_id.get(sid)
            # Official statements announce measures ahead of time (a tariff cut "as of 1 July");
            # reports and articles describe what has happened.
            if not isinstance(src, Source) or src.origin != "paper" or src.kind in {
                    SourceKind.OFFICIAL, SourceKind.UN}:
                continue
            printed = {c.date for c in src.citations if c.date}
            if src.date:
                printed.add(src.date)
            early = sorted(d for d in printed if FuzzyDate.parse(d).latest < began)
            if early:
                out.append(Finding(
                    "source_before_event", "finding",
                    f"event {ev.id} ({ev.date}) cites {src.id}, dated {early[0]}, "
                    "before the event happened",
                    (ev.id, src.id), (ev.paper_ref or "",),
                    {"event_date": ev.date, "published": early[0]},
                ))
    return out


def detect_accessed_before_published(case: Case) -> list[Finding]:
    """An access date earlier than the publication date (printed or in the URL)."""
    out = []
    for src, cit in _iter_citations(case):
        if not cit.accessed:
            continue
        accessed = FuzzyDate.parse(cit.accessed).latest
        published = cit.date or src.date
        pub = FuzzyDate.parse(published).earliest if published else None
        if pub is not None and accessed < pub:
            out.append(Finding(
                "accessed_before_published", "finding",
                f"{_where(src, cit)}: accessed {cit.accessed}, before its publication "
                f"date {published}",
                (src.id,), (_where(src, cit),), {"accessed": cit.accessed, "published": published},
            ))
    return out


def _norm_url(url: str) -> str:
    parts = urlsplit(url.strip("<>[]() ;"))
    return f"{parts.netloc.lower()}{unquote(parts.path).rstrip('/')}".replace("\\", "")


_PLURAL = {"authors": "authors"}
"""A field's name in the message where adding an s would misspell it."""


def detect_citation_variants(case: Case) -> list[Finding]:
    """Citations of one source that print different details."""
    out = []
    for src in case.sources:
        full = [c for c in src.citations if c.style in {"full", "bibliography", "short"}]
        checks: list[tuple[str, Callable[[Citation], str | None]]] = [
            ("URL", lambda c: _norm_url(c.url) if c.url else None),
            ("date", lambda c: c.date),
            ("access date", lambda c: c.accessed),
            ("authors", lambda c: "; ".join(c.authors) if c.authors else None),
        ]
        for label, get in checks:
            seen: dict[str, list[str]] = defaultdict(list)
            for cit in full:
                value = get(cit)
                if value:
                    key = _fold(value) if label == "authors" else value
                    seen[key].append(f"{_where(src, cit)}: {value}")
            if len(seen) > 1:
                variants = [v for vs in seen.values() for v in vs]
                plural = _PLURAL.get(label, label + "s")
                out.append(Finding(
                    "citation_variants", "finding",
                    f"{src.id}: citations print different {plural} — " + " | ".join(variants),
                    (src.id,), tuple(v.split(":", 1)[0] for v in variants),
                    {"field": label, "variants": variants},
                ))
    return out


def detect_same_title(case: Case) -> list[Finding]:
    """One printed title used for works with different authors."""
    by_title: dict[str, list[tuple[Source, Citation, tuple[str, ...]]]] = defaultdict(list)
    for src, cit in _iter_citations(case):
        title = cit.title or (src.title if cit.style in {"full", "bibliography"} else None)
        authors = cit.authors if cit.authors is not None else src.authors
        if title and authors:
            surnames = tuple(sorted(_fold(a).split()[-1] for a in authors if _fold(a)))
            by_title[_fold(title)].append((src, cit, surnames))
    out = []
    for title, uses in by_title.items():
        if len({u[2] for u in uses}) > 1 and len({u[0].id for u in uses}) > 1:
            out.append(Finding(
                "same_title", "finding",
                f"title {uses[0][1].title or uses[0][0].title!r} is printed for different "
                "authors: " + " | ".join(f"{_where(s, c)}: {', '.join(c.authors or s.authors)}"
                                         for s, c, _ in uses),
                tuple(sorted({s.id for s, _, _ in uses})),
                tuple(_where(s, c) for s, c, _ in uses), {"title": title},
            ))
    return out


def detect_quantity_units(case: Case) -> list[Finding]:
    """One measure stated with values that disagree once units are converted."""
    groups: dict[str, list[Any]] = defaultdict(list)
    for q in case.quantities:
        groups[q.measure].append(q)
    out = []
    for measure, qs in groups.items():
        if len(qs) < 2:
            continue
        units = {q.unit for q in qs}
        conv = [to_si(q.unit) for q in qs]
        if len(units) > 1 and all(c is not None for c in conv):
            si = [q.value * c[1] for q, c in zip(qs, conv, strict=True) if c is not None]
            if max(si) > min(si) * 1.05:
                out.append(Finding(
                    "quantity_units", "finding",
                    f"{measure}: stated as " + " and as ".join(
                        f"{q.as_stated!r} ({q.value:g} {q.unit}, {q.paper_ref or q.id})"
                        for q in qs) + " — these differ by "
                    f"{max(si) / min(si):.2f}×",
                    tuple(q.id for q in qs), tuple(q.paper_ref or "" for q in qs),
                    {"units": sorted(units)},
                ))
        elif len(units) > 1:
            out.append(Finding("quantity_units", "finding",
                               f"{measure}: stated in incomparable units {sorted(units)}",
                               tuple(q.id for q in qs)))
        elif len({q.value for q in qs}) > 1 and all(q.qualifier == "exact" for q in qs):
            out.append(Finding("quantity_units", "finding",
                               f"{measure}: exact values disagree: "
                               + ", ".join(f"{q.value:g} {q.unit}" for q in qs),
                               tuple(q.id for q in qs)))
    return out


def _gazetteer(case: Case) -> dict[str, str]:
    """Known names (folded) -> what they name (an actor, place or author)."""
    names: dict[str, str] = {}
    for a in case.actors:
        for n in (a.name, *a.aliases):
            names.setdefault(_fold(n), f"actor {a.id} ({a.name})")
    for p in case.places:
        for n in (p.name, *p.aliases):
            names.setdefault(_fold(n), f"place {p.id} ({p.name})")
    for s in case.sources:
        if s.publisher:
            for part in re.split(r"[,;()]", s.publisher):
                if _fold(part):
                    names.setdefault(_fold(part), f"publisher of {s.id}")
        for author in s.authors:
            names.setdefault(_fold(author), f"author of {s.id}")
            surname = _fold(author).split()[-1:] if _fold(author) else []
            for sn in surname:
                names.setdefault(sn, f"author of {s.id} ({author})")
    names.pop("", None)
    return names


_DERIVED_SUFFIXES = ("s", "i", "is", "n", "ns", "ese", "ian", "ians")


def _derived(word: str, known: set[str]) -> bool:
    """A demonym or truncation of a known name (Tajiks, Afghan, Kazakh), not a misspelling."""
    for stem in {word, word.rstrip("s")}:
        if any(k.startswith(stem) for k in known):
            return True
        if any(stem.startswith(k) and stem[len(k):] in _DERIVED_SUFFIXES for k in known):
            return True
    return False


def detect_spellings(case: Case, threshold: float = 0.8) -> list[Finding]:
    """Printed names that are near misses of a known name but match none exactly."""
    names = _gazetteer(case)
    tokens: dict[str, str] = {}
    for name, what in names.items():
        for tok in name.split():
            if len(tok) >= 4:
                tokens.setdefault(tok, what)
    known_tokens = set(tokens)
    out = []
    seen: set[str] = set()
    for sp in case.spellings:
        folded = _fold(sp.text)
        if not folded or folded in names or folded in seen:
            continue
        words = folded.split()
        suspects = []
        for word in words:
            if len(word) < 4 or word in known_tokens or _derived(word, known_tokens):
                continue
            close = difflib.get_close_matches(word, list(known_tokens), n=2, cutoff=threshold)
            suspects += [(word, c, tokens[c]) for c in close]
        # Same words in another order ("Uyghur Project for Human Rights").
        reordered = [n for n in names if n != folded and len(words) > 2
                     and set(words) - _STOP == set(n.split()) - _STOP]
        if reordered and not suspects:
            suspects.append((folded, reordered[0], names[reordered[0]]))
        whole = difflib.get_close_matches(folded, list(names), n=1, cutoff=threshold)
        if whole and not suspects and len(words) > 1 and any(w not in known_tokens for w in words):
            suspects.append((folded, whole[0], names[whole[0]]))
        if suspects:
            seen.add(folded)
            word, match, what = suspects[0]
            out.append(Finding(
                "spelling", "finding",
                f"{sp.text!r} ({sp.paper_ref or 'paper'}: {sp.context}) is not a known name; "
                f"closest: {match!r}, the {what}",
                (), (sp.paper_ref or "",),
                {"printed": sp.text, "closest": [(m, w) for _, m, w in suspects]},
            ))
    return out


def detect_attributions(case: Case) -> list[Finding]:
    """A claim attributed to a name that is not among its cited sources' authors."""
    # A claim may be attributed to a speaker the source quotes (a minister, a general):
    # only names that are not known actors are checked against the cited authors.
    speakers = {_fold(n) for a in case.actors for n in (a.name, *a.aliases) if len(_fold(n)) > 4}
    out = []
    for claim in case.claims:
        said = f" {_fold(claim.attributed_to or '')} "
        # "Air Force Maj. Gen. James B. Hecker" names the known actor "James B. Hecker".
        if not claim.attributed_to or any(f" {s} " in said for s in speakers):
            continue
        sources = [s for e in claim.evidence
                   if isinstance(s := case.by_id.get(e), Source) and (s.authors or s.publisher)]
        if not sources:
            continue
        said = _fold(claim.attributed_to)
        candidates: set[str] = set()
        for s in sources:
            for author in s.authors:
                candidates.update(_fold(author).split())
            candidates.update(_fold(s.publisher or "").split())
        said_words = [w for w in said.split() if len(w) > 2]
        if said_words and all(w in candidates for w in said_words):
            continue
        if said_words and all(w in candidates for w in said_words[-1:]):
            continue
        close = difflib.get_close_matches(said_words[-1] if said_words else said,
                                          sorted(candidates), n=1, cutoff=0.8)
        authors = "; ".join(", ".join(s.authors) or (s.publisher or s.id) for s in sources)
        kind = f"a near miss of {close[0]!r}" if close else "not an author of the cited source"
        out.append(Finding(
            "attribution", "finding",
            f"claim {claim.id} is attributed to {claim.attributed_to!r}, {kind} "
            f"({', '.join(s.id for s in sources)}: {authors})",
            (claim.id, *(s.id for s in sources)), (claim.paper_ref or "",),
            {"attributed_to": claim.attributed_to, "authors": authors},
        ))
    return out


# --------------------------------------------------------------------------- the record

# Estimates made further apart than the Monitoring Team's half-year reporting cycle describe
# different moments: their difference is change, not disagreement.
_CONFLICT_WINDOW_DAYS = 183


def _midpoint(text: str) -> dt.date:
    fuzzy = FuzzyDate.parse(text)
    return fuzzy.earliest + (fuzzy.latest - fuzzy.earliest) / 2


def _fmt_interval(lo: float, hi: float) -> str:
    if lo == hi:
        return f"{lo:g}"
    return f"{lo:g}–{hi:g}" if hi != float("inf") else f"≥{lo:g}"


def detect_estimate_conflicts(case: Case) -> list[Finding]:
    """Estimates of one subject, place and measure whose stated ranges are disjoint."""
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for est in case.estimates:
        if est.interval() is not None:
            groups[(est.subject, est.geography, est.measure)].append(est)
    out = []
    for (subject, place, measure), ests in groups.items():
        for i, a in enumerate(ests):
            for b in ests[i + 1:]:
                ia, ib = a.interval(), b.interval()
                assert ia is not None and ib is not None
                apart = abs((_midpoint(a.reference) - _midpoint(b.reference)).days)
                if apart > _CONFLICT_WINDOW_DAYS or (ia[0] <= ib[1] and ib[0] <= ia[1]):
                    continue
                # One report giving figures for two dates states a change ("reduced from 1,750
                # to fewer than 200"), not a disagreement.
                if a.reference != b.reference and set(a.sources) & set(b.sources):
                    continue
                out.append(Finding(
                    "estimate_conflict", "finding",
                    f"{subject} {measure} in {place}: {a.body} ({a.body_detail or a.report or a.id}"
                    f", {a.reference}) says {a.as_stated!r} [{_fmt_interval(*ia)}] but "
                    f"{b.body} ({b.body_detail or b.report or b.id}, {b.reference}) says "
                    f"{b.as_stated!r} [{_fmt_interval(*ib)}]",
                    (a.id, b.id), (a.reference, b.reference),
                    {"intervals": [list(ia), list(ib)], "days_apart": apart},
                ))
    return out


def detect_attack_attributions(case: Case) -> list[Finding]:
    """Attacks that different voices (the claimants, each attributing authority) blame differently.

    One authority naming several culprits at once (executors and sponsors) is one voice, and a
    claim that the authorities confirm is no disagreement.
    """
    out = []
    for attack in case.attacks:
        voices: dict[str, set[str]] = defaultdict(set)
        if attack.claimed_by:
            voices["claim"] = set(attack.claimed_by)
        for at in attack.attributed_to:
            voices[at.by].add(at.actor)
        if len({frozenset(v) for v in voices.values()}) < 2:
            continue
        actors = attack.perpetrators()
        said = [f"claimed by {a}" for a in attack.claimed_by]
        said += [f"{at.by} ({at.source}) blames {at.actor}" for at in attack.attributed_to]
        out.append(Finding(
            "attack_attribution", "finding",
            f"{attack.date} {attack.title}: " + "; ".join(said),
            (attack.id, *sorted(actors)), (attack.date,),
            {"claimed_by": list(attack.claimed_by),
             "attributed_to": [at.model_dump() for at in attack.attributed_to]},
        ))
    return out


def detect_reference_after_source(case: Case) -> list[Finding]:
    """Observations about a time that starts after every source behind them was published."""
    out = []
    for ob in case.observations:
        when = ob.reference if isinstance(ob, Estimate) else ob.date
        published = [FuzzyDate.parse(src.date).latest for sid in ob.sources
                     if isinstance(src := case.by_id.get(sid), Source) and src.date]
        if published and FuzzyDate.parse(when).earliest > max(published):
            out.append(Finding(
                "reference_after_source", "finding",
                f"{ob.id} is about {when}, after its latest source was published "
                f"({max(published)})", (ob.id, *ob.sources), (when,)))
    return out


def detect_narrative_dating(case: Case) -> list[Finding]:
    """Events dated apart from every recorded Taliban action that looks like the same act.

    An action looks like the event when one of its subjects is among the event's actors and
    they share two or more places (a relocation names where from and where to; one shared
    city, where pledges are made, says little). The event is reported when such actions
    exist and none falls within its dates: the event's dating, often the narrative's own
    inference, disagrees with the record's dated reports of the act, or the event is an act
    the record lacks.
    """
    out = []
    for event in case.events:
        alike = [a for a in case.taliban_actions
                 if set(a.subjects) & set(event.actors)
                 and len(set(a.places) & set(event.places)) >= 2]
        if not alike:
            continue
        span = FuzzyDate.parse(event.date)
        dated = [(a, FuzzyDate.parse(a.date)) for a in alike]
        if any(d.earliest <= span.latest and span.earliest <= d.latest for _, d in dated):
            continue
        said = "; ".join(f"{a.id} ({a.date}, {a.kind})" for a, _ in dated)
        places = sorted(set().union(*(set(a.places) & set(event.places) for a, _ in dated)))
        out.append(Finding(
            "narrative_dating", "finding",
            f"{event.id} ({event.date}) looks like the record's {said}: the same subjects "
            f"in {', '.join(places)}, but none falls within the event's dates",
            (event.id, *(a.id for a, _ in dated)), (event.date, *(a.date for a, _ in dated))))
    return out


def observation_source_errors(case: Case) -> list[Finding]:
    """Observations citing a source that lacks a URL or a publication date."""
    out = []
    for ob in case.observations:
        for sid in ob.sources:
            src = case.by_id.get(sid)
            if isinstance(src, Source) and (not src.url or not src.date):
                missing = " and ".join(n for n, v in (("url", src.url), ("date", src.date))
                                       if not v)
                out.append(Finding("record_source", "error",
                                   f"{ob.id} cites {sid}, which has no {missing}",
                                   (ob.id, sid)))
    return out


DETECTORS: dict[str, Callable[[Case], list[Finding]]] = {
    "url_date": detect_url_dates,
    "title_url": detect_title_url,
    "accessed_before_published": detect_accessed_before_published,
    "source_before_event": detect_source_before_event,
    "citation_variants": detect_citation_variants,
    "same_title": detect_same_title,
    "quantity_units": detect_quantity_units,
    "spelling": detect_spellings,
    "attribution": detect_attributions,
    "estimate_conflict": detect_estimate_conflicts,
    "attack_attribution": detect_attack_attributions,
    "reference_after_source": detect_reference_after_source,
    "narrative_dating": detect_narrative_dating,
}


def audit(case: Case) -> AuditReport:
    """Run the integrity checks, every detector and the curated list."""
    errors = integrity_errors(case) + observation_source_errors(case)
    findings: list[Finding] = []
    for detector in DETECTORS.values():
        findings += detector(case)
    for cf in case.curated_findings:
        findings.append(Finding("curated", "finding", cf.summary, tuple(cf.items),
                                (cf.paper_ref or "",),
                                {"category": cf.category, "why_curated": cf.why_curated}))
    counts: dict[str, int] = defaultdict(int)
    for f in findings:
        counts[f.detector] += 1
    return AuditReport(case.meta.id, tuple(errors), tuple(findings), dict(counts))
