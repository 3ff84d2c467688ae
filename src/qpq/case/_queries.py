"""Queries over a case: the timeline, one item with what cites it, and full-text search.

The case is loaded into an embedded, in-memory DuckDB database (one table per kind of item,
plus link tables for events' actors and sources), so that queries are plain SQL and the
same tables can be reused by analysts (``EvidenceDB.sql``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from qpq.case._asof import known_dates
from qpq.case._dates import FuzzyDate
from qpq.case._loader import Case
from qpq.case._schema import Source
from qpq.errors import BadInputError

__all__ = ["EvidenceDB"]


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
        for name, frame in [("events", events), ("event_actors", event_actors),
                            ("event_sources", event_sources), ("actors", actors),
                            ("items", texts)]:
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
        known = ", ".join(sorted(a.id for a in self.case.actors))
        raise BadInputError(f"unknown actor {actor!r}; known actors: {known}")

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
        cited_by += sorted(p.name for p in self.case.parameters if item_id in p.evidence)
        return {
            "id": item_id,
            "kind": self.case.kind_of(item_id),
            "known": known,
            "item": item.model_dump(mode="json", exclude_none=True),
            "cited_by": cited_by,
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


def _references(item: Any) -> set[str]:
    refs: set[str] = set()
    for name in ("sources", "actors", "places", "evidence", "items"):
        value = getattr(item, name, None)
        if isinstance(value, list):
            refs.update(v for v in value if isinstance(v, str))
    for name in ("parent", "affiliation"):
        value = getattr(item, name, None)
        if isinstance(value, str):
            refs.add(value)
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
