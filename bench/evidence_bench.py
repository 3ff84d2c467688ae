"""Evidence lens: how long loading, auditing and querying the built-in case take.

There is no peer tool for this lens; the figures are tracked so that the case can grow
(more sources, more detectors) without `make run` slowing down unnoticed.
"""

from __future__ import annotations

from typing import Any

from bench.timing import median_seconds
from qpq.case import load_case
from qpq.case._audit import audit
from qpq.case._queries import EvidenceDB


def run() -> list[dict[str, Any]]:
    case = load_case()
    n_items = len(case.by_id)
    load_s, _ = median_seconds(load_case, repeat=5)
    audit_s, _ = median_seconds(lambda: audit(case), repeat=5)
    db = EvidenceDB.from_case(case)
    db_s, _ = median_seconds(lambda: EvidenceDB.from_case(case), repeat=5)
    query_s, _ = median_seconds(lambda: db.timeline(actor="china"), repeat=20)
    return [
        {"name": "case load + validation", "figure": load_s * 1e3, "unit": "ms", "n": n_items,
         "notes": "built-in case, all files, including reference checks"},
        {"name": "evidence audit (all detectors)", "figure": audit_s * 1e3, "unit": "ms",
         "n": n_items},
        {"name": "DuckDB evidence tables build", "figure": db_s * 1e3, "unit": "ms",
         "n": n_items},
        {"name": "timeline query (actor=china)", "figure": query_s * 1e3, "unit": "ms",
         "n": len(case.events)},
    ]
