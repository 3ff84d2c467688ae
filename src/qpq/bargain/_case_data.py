"""From a case file to model inputs: issues, positions and their provenance, and draws.

A case's ``bargaining.yaml`` (validated by :mod:`qpq.case._schema`) gives, for each issue and
actor, a position, a capability and a salience, with evidence ids or an assumption flag and
plausible ranges. This module turns it into :class:`~qpq.bargain._data.Stakeholders` (one
issue) or an :class:`~qpq.bargain._data.IssueSet` (several), lists every number with its
provenance for the report, and draws random variants of the inputs for the Monte Carlo: each
number with a range is drawn uniformly within it (from an injected
:class:`numpy.random.Generator`), every other number stays at its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qpq.bargain._data import IssueSet, Stakeholders
from qpq.case import BargainingIssue, BargainingPosition, Case
from qpq.checks import as_names, check_generator, check_whole
from qpq.errors import BadInputError, Problem

__all__ = ["case_issue", "case_issue_set", "case_stakeholders", "draw_issue_set",
           "input_table"]

_FIELDS = ("position", "capability", "salience")


def case_issue(case: Case, issue: str) -> BargainingIssue:
    """The case's bargaining issue with this id; :class:`BadInputError` if unknown."""
    for item in case.bargaining_issues:
        if item.id == issue:
            return item
    if not case.bargaining_issues:
        raise _no_bargaining(case)
    known = ", ".join(i.id for i in case.bargaining_issues)
    raise BadInputError(f"case {case.meta.id!r} has no bargaining issue {issue!r}; it has: "
                        f"{known}")


def _no_bargaining(case: Case) -> BadInputError:
    return BadInputError(f"case {case.meta.id!r} has no bargaining issues: the bargaining "
                         "lens needs a bargaining.yaml with at least one issue and its "
                         "actors' positions")


def _positions(case: Case, issue: str) -> list[BargainingPosition]:
    case_issue(case, issue)
    rows = [p for p in case.bargaining_positions if p.issue == issue]
    if not rows:
        raise BadInputError(f"case {case.meta.id!r}: issue {issue!r} has no positions")
    return rows


def case_stakeholders(case: Case, issue: str) -> Stakeholders:
    """One issue of the case as :class:`Stakeholders`, on the issue's scale."""
    meta = case_issue(case, issue)
    rows = _positions(case, issue)
    return Stakeholders.from_rows(
        ((p.actor, p.capability, p.position, p.salience) for p in rows), issue=issue,
        scale=(meta.scale_min, meta.scale_max), source=f"case:{case.meta.id}/bargaining.yaml")


def case_issue_set(case: Case, issues: str | Sequence[str] | None = None) -> IssueSet:
    """Several issues of the case (default: all) as an :class:`IssueSet`.

    A lone string is one issue id; an empty selection is refused rather than taken for all.
    """
    chosen = as_names(issues, "issues")
    ids = list(chosen) if chosen is not None else [i.id for i in case.bargaining_issues]
    if not ids:
        raise _no_bargaining(case)
    parts = [case_stakeholders(case, i) for i in ids]
    out = IssueSet.from_stakeholders(parts, source=f"case:{case.meta.id}/bargaining.yaml")
    names = tuple(case_issue(case, i).name for i in ids)
    return IssueSet(actors=out.actors, issues=out.issues, position=out.position,
                    capability=out.capability, salience=out.salience, lower=out.lower,
                    upper=out.upper, issue_names=names, source=out.source)


def input_table(case: Case) -> list[dict[str, Any]]:
    """Every bargaining number of the case with its provenance (one row per actor and issue)."""
    return [{
        "issue": p.issue, "actor": p.actor, "position": p.position,
        "capability": p.capability, "salience": p.salience, "evidence": list(p.evidence),
        "assumption": p.assumption,
        "position_range": list(p.position_range) if p.position_range else None,
        "capability_range": list(p.capability_range) if p.capability_range else None,
        "salience_range": list(p.salience_range) if p.salience_range else None,
        "note": p.note,
    } for p in case.bargaining_positions]


def _range_problems(case: Case) -> list[Problem]:
    problems = []
    limits = {i.id: (i.scale_min, i.scale_max) for i in case.bargaining_issues}
    for p in case.bargaining_positions:
        bounds = {"position": limits.get(p.issue, (-np.inf, np.inf)),
                  "capability": (0.0, np.inf), "salience": (0.0, 1.0)}
        for name in _FIELDS:
            rng = getattr(p, f"{name}_range")
            if rng is None:
                continue
            lo, hi = bounds[name]
            if not (lo <= rng[0] <= rng[1] <= hi):
                problems.append(Problem("bargaining.yaml", f"{p.actor} on {p.issue}: "
                                        f"{name}_range {list(rng)} must be increasing and "
                                        f"within [{lo:g}, {hi:g}]", field=f"{name}_range"))
    return problems


def draw_issue_set(case: Case, rng: np.random.Generator, n_draws: int,
                   issues: str | Sequence[str] | None = None) -> list[IssueSet]:
    """``n_draws`` variants of the case's issues, drawing each ranged number uniformly.

    Numbers without a range keep their value. The draws consume ``rng`` in a fixed order
    (position, capability, salience of each row, row by row), so a seeded generator gives
    the same draws every time.

    Raises
    ------
    BadInputError
        If a range is decreasing or leaves its allowed interval.
    """
    n_draws = check_whole(n_draws, "n_draws", minimum=1)
    check_generator(rng)
    problems = _range_problems(case)
    if problems:
        raise BadInputError("invalid ranges in the case's bargaining data:", problems)
    base = case_issue_set(case, issues)
    rows = [p for p in case.bargaining_positions if p.issue in base.issues]
    cells = [(base.actors.index(p.actor), base.issues.index(p.issue), p) for p in rows]
    lows = np.array([[(getattr(p, f"{f}_range") or (getattr(p, f),) * 2)[0] for f in _FIELDS]
                     for _, _, p in cells])
    highs = np.array([[(getattr(p, f"{f}_range") or (getattr(p, f),) * 2)[1] for f in _FIELDS]
                      for _, _, p in cells])
    draws = lows + (highs - lows) * rng.random((n_draws, len(cells), 3))
    a_idx = np.array([a for a, _, _ in cells])
    d_idx = np.array([d for _, d, _ in cells])
    out = []
    for k in range(n_draws):
        pos, cap, sal = (np.array(base.position), np.array(base.capability),
                         np.array(base.salience))
        pos[a_idx, d_idx], cap[a_idx, d_idx], sal[a_idx, d_idx] = draws[k].T
        out.append(IssueSet(actors=base.actors, issues=base.issues, position=pos,
                            capability=cap, salience=sal, lower=base.lower, upper=base.upper,
                            issue_names=base.issue_names, source=base.source))
    return out
