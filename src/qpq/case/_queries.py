"""Queries over a case: the timeline, one item with what cites it, and full-text search.

The case is loaded into an embedded, in-memory DuckDB database (one table per kind of item,
plus link tables for events' actors and sources), so that queries are plain SQL and the
same tables can be reused by analysts (``EvidenceDB.sql``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
from pydantic import BaseModel

from qpq.case._asof import known_dates
from qpq.case._dates import FuzzyDate
from qpq.case._loader import OBSERVATION_KINDS, Case
from qpq.case._schema import Attack, Estimate, Source, TalibanAction
from qpq.errors import BadInputError

__all__ = ["EvidenceDB", "un_estimates_words"]


def _source_brief(case: Case, source_id: str) -> dict[str, Any]:
    src = case.by_id.get(source_id)
    if not isinstance(src, Source):
        return {"id": source_id}
    return {
        "id": src.id,
        "authors": src.authors,
        "title": src.title,
        "publisher": src.publisher,
        "date": src.date,
        "url": src.url,
        "footnotes": src.footnotes,
    }


@dataclass
class EvidenceDB:
    """An in-memory DuckDB view of a :class:`~qpq.case.Case`."""

    case: Case
    con: duckdb.DuckDBPyConnection

    @classmethod
    def from_case(cls, case: Case) -> EvidenceDB:
        """Build the tables for ``case``."""
        con = duckdb.connect(":memory:")
        known = known_dates(case)
        events = pd.DataFrame(
            [
                {
                    "id": e.id,
                    "date": e.date,
                    "earliest": FuzzyDate.parse(e.date).earliest,
                    "latest": FuzzyDate.parse(e.date).latest,
                    "precision": FuzzyDate.parse(e.date).precision.value,
                    "title": e.title,
                    "summary": e.summary,
                    "type": e.type.value,
                    "known": known.get(e.id),
                    "paper_ref": e.paper_ref,
                }
                for e in case.events
            ],
            columns=["id", "date", "earliest", "latest", "precision", "title", "summary", "type",
                     "known", "paper_ref"],
        )
        for col in ("earliest", "latest", "known"):
            events[col] = pd.to_datetime(events[col])
        event_actors = pd.DataFrame(
            [{"event_id": e.id, "actor_id": a} for e in case.events for a in e.actors],
            columns=["event_id", "actor_id"],
        )
        event_sources = pd.DataFrame(
            [{"event_id": e.id, "source_id": s} for e in case.events for s in e.sources],
            columns=["event_id", "source_id"],
        )
        actors = pd.DataFrame(
            [{"id": a.id, "name": a.name, "kind": a.kind, "aliases": "|".join(a.aliases)}
             for a in case.actors],
            columns=["id", "name", "kind", "aliases"],
        )
        texts = pd.DataFrame(
            [{"id": k, "kind": case.kind_of(k), "text": _item_text(v)}
             for k, v in case.by_id.items()],
            columns=["id", "kind", "text"],
        )
        texts["known"] = pd.to_datetime(pd.Series([known.get(i) for i in texts["id"]],
                                                  dtype="object"))
        tables = [("events", events), ("event_actors", event_actors),
                  ("event_sources", event_sources), ("actors", actors), ("items", texts)]
        tables += list(_record_frames(case, known).items())
        for name, frame in tables:
            con.register(f"_{name}_df", frame)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}_df")
            con.unregister(f"_{name}_df")
        return cls(case, con)

    def sql(self, query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run SQL against the evidence tables; rows as dicts."""
        cur = self.con.execute(query, params or [])
        cols = [d[0] for d in cur.description or []]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def resolve_actor(self, actor: str) -> str:
        """Actor id for an id, a name or an alias (case-insensitive)."""
        want = actor.strip().lower()
        for a in self.case.actors:
            if want == a.id or want == a.name.lower() or want in (x.lower() for x in a.aliases):
                return a.id
        from qpq.checks import did_you_mean

        ids = sorted(a.id for a in self.case.actors)
        names = {a.name.lower(): a.id for a in self.case.actors}
        hint = did_you_mean(want, sorted({*ids, *names}))
        raise BadInputError(f"unknown actor {actor!r}{hint} (an id, a name or an alias; "
                            f"ids: {', '.join(ids)})")

    def timeline(
        self,
        actor: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        as_of: dt.date | None = None,
    ) -> list[dict[str, Any]]:
        """Events in date order, with their actors and sources.

        ``start``/``end`` keep events that overlap the window; ``as_of`` keeps only events
        known by then (their own latest date and their sources' dates are on or before it).
        """
        where: list[str] = ["TRUE"]
        params: list[Any] = []
        if actor is not None:
            where.append("id IN (SELECT event_id FROM event_actors WHERE actor_id = ?)")
            params.append(self.resolve_actor(actor))
        if start is not None:
            where.append("latest >= ?")
            params.append(start)
        if end is not None:
            where.append("earliest <= ?")
            params.append(end)
        if as_of is not None:
            where.append("(known IS NULL OR known <= ?)")
            params.append(as_of)
        rows = self.sql(
            f"SELECT id, date, precision, earliest, latest, title, summary, type, known, "
            f"paper_ref FROM events WHERE {' AND '.join(where)} "
            f"ORDER BY earliest, latest, id",
            params,
        )
        by_id = {e.id: e for e in self.case.events}
        out = []
        for row in rows:
            ev = by_id[row["id"]]
            out.append({
                "id": row["id"],
                "date": row["date"],
                "precision": row["precision"],
                "earliest": row["earliest"].date(),
                "latest": row["latest"].date(),
                "known": row["known"].date() if row["known"] is not None else None,
                "title": row["title"],
                "summary": row["summary"],
                "type": row["type"],
                "actors": list(ev.actors),
                "places": list(ev.places),
                "sources": [_source_brief(self.case, s) for s in ev.sources],
                "paper_ref": row["paper_ref"],
            })
        return out

    def show(self, item_id: str) -> dict[str, Any]:
        """One item, its kind, when it became known and which items cite it."""
        try:
            item = self.case.item(item_id)
        except KeyError as exc:
            raise BadInputError(str(exc.args[0])) from None
        known = known_dates(self.case).get(item_id)
        cited_by = sorted(
            other_id for other_id, other in self.case.by_id.items()
            if item_id in _references(other)
        )
        cited_by += sorted(p.name for p in self.case.parameters
                           if item_id in p.evidence or item_id in p.observations)
        return {
            "id": item_id,
            "kind": self.case.kind_of(item_id),
            "known": known,
            "item": item.model_dump(mode="json", exclude_none=True),
            "cited_by": cited_by,
        }

    def record(self, subject: str | None = None, as_of: dt.date | None = None
               ) -> dict[str, Any]:
        """The record's observations (known by ``as_of``), with counts per kind and body.

        ``subject`` (an actor id, name or alias) keeps estimates about it, attacks it claimed
        or was blamed for, Taliban actions on it and milestones it took part in.
        """
        where = ["TRUE"]
        params: list[Any] = []
        if subject is not None:
            where.append("id IN (SELECT observation_id FROM observation_actors WHERE actor_id = ?)")
            params.append(self.resolve_actor(subject))
        if as_of is not None:
            where.append("known <= ?")
            params.append(as_of)
        cond = " AND ".join(where)
        rows = self.sql(f"SELECT id, kind, date, earliest, known, title, body FROM observations "
                        f"WHERE {cond} ORDER BY earliest, id", params)
        kept = [r["id"] for r in rows]
        per_kind = {k: 0 for k in OBSERVATION_KINDS}
        per_body: dict[str, int] = {}
        for r in rows:
            per_kind[r["kind"]] += 1
            if r["body"] is not None:
                per_body[r["body"]] = per_body.get(r["body"], 0) + 1
        publishers = self.sql(
            "SELECT coalesce(s.publisher, 'unknown') AS publisher, "
            "count(DISTINCT o.observation_id) AS n FROM observation_sources o "
            "JOIN sources s ON s.id = o.source_id WHERE list_contains(?, o.observation_id) "
            "GROUP BY 1 ORDER BY n DESC, publisher", [kept])
        # a UN estimate states a number (a figure) or words ("several hundred", read as a
        # range); the two counts are printed side by side so that they add up to the bodies'
        estimates = self.sql(
            "SELECT count(*) AS estimates, count(value) AS figures, "
            "count(DISTINCT report) AS reports, "
            "count(DISTINCT CASE WHEN value IS NOT NULL THEN report END) AS with_figures "
            "FROM estimates WHERE list_contains(?, id) AND body LIKE 'UN %'", [kept])[0]
        observations = []
        for r in rows:
            ob = self.case.by_id[r["id"]]
            observations.append({
                "id": r["id"], "kind": r["kind"], "date": r["date"], "title": r["title"],
                "known": r["known"].date() if r["known"] is not None else None,
                "body": r["body"], "sources": list(getattr(ob, "sources", [])),
            })
        return {
            "case": self.case.meta.id,
            "subject": subject,
            "as_of": as_of,
            "total": len(rows),
            "counts": per_kind,
            "by_body": dict(sorted(per_body.items(), key=lambda kv: (-kv[1], kv[0]))),
            "by_publisher": {r["publisher"]: r["n"] for r in publishers},
            "un_estimates": estimates["estimates"],
            "un_reports": estimates["reports"],
            "un_reports_with_figures": estimates["with_figures"],
            "un_figures": estimates["figures"],
            "observations": observations,
        }

    def search(self, text: str, as_of: dt.date | None = None) -> list[dict[str, Any]]:
        """Items whose text contains every word of ``text`` (case-insensitive)."""
        words = [w for w in text.lower().split() if w]
        if not words:
            raise BadInputError("search text is empty; give one or more words")
        where = " AND ".join("lower(text) LIKE ?" for _ in words)
        params: list[Any] = [f"%{w}%" for w in words]
        if as_of is not None:
            where += " AND (known IS NULL OR known <= ?)"
            params.append(as_of)
        rows = self.sql(f"SELECT id, kind, text FROM items WHERE {where} ORDER BY kind, id",
                        params)
        for row in rows:
            row["snippet"] = _snippet(row.pop("text"), words[0])
        return rows


def _record_frames(case: Case, known: dict[str, dt.date | None]) -> dict[str, pd.DataFrame]:
    """DuckDB tables of the record: one per kind, one of all, and link tables."""

    def day(text: str, which: str) -> dt.date:
        fuzzy = FuzzyDate.parse(text)
        return fuzzy.earliest if which == "earliest" else fuzzy.latest

    estimates = pd.DataFrame(
        [{"id": e.id, "subject": e.subject, "measure": e.measure, "value": e.value,
          "value_high": e.value_high, "qualifier": e.qualifier, "words": e.words,
          "low": (e.interval() or (None, None))[0], "high": (e.interval() or (None, None))[1],
          "unit": e.unit, "as_stated": e.as_stated, "reference": e.reference,
          "earliest": day(e.reference, "earliest"), "latest": day(e.reference, "latest"),
          "geography": e.geography, "body": e.body, "body_detail": e.body_detail,
          "report": e.report, "known": known.get(e.id)} for e in case.estimates],
        columns=["id", "subject", "measure", "value", "value_high", "qualifier", "words", "low",
                 "high", "unit", "as_stated", "reference", "earliest", "latest", "geography",
                 "body", "body_detail", "report", "known"])
    attacks = pd.DataFrame(
        [{"id": a.id, "date": a.date, "earliest": day(a.date, "earliest"),
          "latest": day(a.date, "latest"), "title": a.title, "place": a.place,
          "country": a.country, "targets": "|".join(a.targets),
          "claimed_by": "|".join(a.claimed_by), "chinese_killed": a.chinese_killed,
          "chinese_wounded": a.chinese_wounded, "killed_total": a.killed_total,
          "cross_border": a.cross_border, "known": known.get(a.id)} for a in case.attacks],
        columns=["id", "date", "earliest", "latest", "title", "place", "country", "targets",
                 "claimed_by", "chinese_killed", "chinese_wounded", "killed_total",
                 "cross_border", "known"])
    attributions = pd.DataFrame(
        [{"attack_id": a.id, "actor_id": at.actor, "by": at.by, "source_id": at.source}
         for a in case.attacks for at in a.attributed_to],
        columns=["attack_id", "actor_id", "by", "source_id"])
    actions = pd.DataFrame(
        [{"id": t.id, "date": t.date, "earliest": day(t.date, "earliest"), "kind": t.kind,
          "title": t.title, "reported_by": t.reported_by, "known": known.get(t.id)}
         for t in case.taliban_actions],
        columns=["id", "date", "earliest", "kind", "title", "reported_by", "known"])
    milestones = pd.DataFrame(
        [{"id": m.id, "date": m.date, "earliest": day(m.date, "earliest"), "kind": m.kind,
          "title": m.title, "known": known.get(m.id)} for m in case.milestones],
        columns=["id", "date", "earliest", "kind", "title", "known"])
    kinds: dict[type[BaseModel], str] = {m: k for k, m in OBSERVATION_KINDS.items()}
    everything = pd.DataFrame(
        [{"id": o.id, "kind": kinds[type(o)],
          "date": o.reference if isinstance(o, Estimate) else o.date,
          "earliest": day(o.reference if isinstance(o, Estimate) else o.date, "earliest"),
          "title": (f"{o.subject} {o.measure}: {o.as_stated}" if isinstance(o, Estimate)
                    else o.title),
          "body": o.body if isinstance(o, Estimate) else None, "known": known.get(o.id)}
         for o in case.observations],
        columns=["id", "kind", "date", "earliest", "title", "body", "known"])
    links = []
    for o in case.observations:
        if isinstance(o, Estimate):
            actors = {o.subject}
        elif isinstance(o, Attack):
            actors = o.perpetrators()
        elif isinstance(o, TalibanAction):
            actors = {*o.subjects, "taliban"}
        else:
            actors = set(o.actors)
        links += [{"observation_id": o.id, "actor_id": a} for a in sorted(actors)]
    obs_actors = pd.DataFrame(links, columns=["observation_id", "actor_id"])
    obs_sources = pd.DataFrame(
        [{"observation_id": o.id, "source_id": s} for o in case.observations for s in o.sources],
        columns=["observation_id", "source_id"])
    sources = pd.DataFrame(
        [{"id": s.id, "kind": s.kind.value, "title": s.title, "publisher": s.publisher,
          "date": s.date, "url": s.url, "origin": s.origin, "known": known.get(s.id)}
         for s in case.sources],
        columns=["id", "kind", "title", "publisher", "date", "url", "origin", "known"])
    frames = {"estimates": estimates, "attacks": attacks, "attack_attributions": attributions,
              "taliban_actions": actions, "milestones": milestones, "observations": everything,
              "observation_actors": obs_actors, "observation_sources": obs_sources,
              "sources": sources}
    for frame in frames.values():
        for col in ("earliest", "latest", "known"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col])
    return frames


def _references(item: Any) -> set[str]:
    refs: set[str] = set()
    for name in ("sources", "actors", "places", "evidence", "items", "first_reported",
                 "subjects", "claimed_by"):
        value = getattr(item, name, None)
        if isinstance(value, list):
            refs.update(v for v in value if isinstance(v, str))
    for name in ("parent", "affiliation", "subject", "geography", "place", "country"):
        value = getattr(item, name, None)
        if isinstance(value, str):
            refs.add(value)
    for attribution in getattr(item, "attributed_to", None) or []:
        if not isinstance(attribution, str):
            refs.update((attribution.actor, attribution.source))
    return refs


def _item_text(item: Any) -> str:
    data = item.model_dump(mode="json", exclude_none=True)
    parts: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            parts.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(data)
    return " | ".join(parts)


def _snippet(text: str, word: str, width: int = 60) -> str:
    at = text.lower().find(word)
    if at < 0:
        return text[: 2 * width]
    lo = max(0, at - width)
    hi = min(len(text), at + len(word) + width)
    return ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")


def un_estimates_words(record: Mapping[str, Any]) -> str:
    """The UN's part of :meth:`EvidenceDB.record` in words, counts that add up.

    ``22 UN estimates from 14 reports: 21 figures, 1 in words``; a figure states a number,
    an estimate in words ("several hundred") is read as a range. The report's record section
    and ``qpq evidence record`` print it.
    """
    n, figures = int(record["un_estimates"]), int(record["un_figures"])
    reports = int(record["un_reports"])
    text = (f"{n} UN estimate{'' if n == 1 else 's'} from {reports} "
            f"report{'' if reports == 1 else 's'}")
    if n == 0 or figures == n:
        return text
    return f"{text}: {figures} figure{'' if figures == 1 else 's'}, {n - figures} in words"

