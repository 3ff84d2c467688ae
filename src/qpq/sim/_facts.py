"""Stylised facts as testable statements about the simulator's output.

The case's claims of kind ``stylised_fact`` may carry a ``target``
(:class:`qpq.case._schema.FactTarget`): a simulator output (a name of
:data:`qpq.sim._dynamics.OUTPUTS`), a window of dates, a statistic over the window's
quarters and a comparison. This module turns them into per-scenario window statistics for
the engine (:class:`qpq.sim._engine.WindowStat`) and evaluates them.

A quarter belongs to a window when it overlaps it (the window's start is the earliest day
of its fuzzy start date, its end the latest day of its fuzzy end date). Facts without a
target are listed as *unmapped*, with the reason, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qpq.case import Case, Claim, ClaimKind, FactTarget, FuzzyDate
from qpq.errors import BadInputError
from qpq.sim._engine import Statistic, WindowStat
from qpq.sim._outputs import OUTPUTS
from qpq.sim._timeline import quarter_of

__all__ = ["UNMAPPED_REASONS", "Fact", "evaluate", "fact_stats", "pass_matrix", "stylised_facts"]

UNMAPPED_REASONS: dict[str, str] = {
    "cl-sf-no-taliban-attacks-on-china":
        "the model has no Taliban attacks (only militants attack); nothing to compare",
    "cl-sf-russia-only-recognition":
        "an input of the model (a third-party recognition shock read from the events), "
        "not an output",
}
"""Why a stylised fact has no target (shown in the backcast table)."""


@dataclass(frozen=True)
class Fact:
    """A stylised fact with its target resolved to quarters.

    Attributes
    ----------
    claim
        The claim (``kind: stylised_fact``).
    target
        Its target, or ``None`` when unmapped.
    start, stop
        First and last absolute quarter of the window (when mapped).
    """

    claim: Claim
    target: FactTarget | None
    start: int = 0
    stop: int = 0

    @property
    def id(self) -> str:
        """The claim id."""
        return self.claim.id

    @property
    def mapped(self) -> bool:
        """Whether the fact has a target."""
        return self.target is not None

    def holds(self, values: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether each history's statistic meets the target (:func:`evaluate`)."""
        if self.target is None:
            raise ValueError(f"{self.id} has no target")
        return evaluate(self.target, values)

    def describe(self) -> str:
        """``quantity statistic [start, end] op value`` in words."""
        t = self.target
        if t is None:
            return "unmapped: " + UNMAPPED_REASONS.get(self.id, "no target in the case file")
        rhs = f"{t.value:g}" if t.op != "between" else f"[{t.value:g}, {t.value_high:g}]"
        op = "in" if t.op == "between" else t.op
        return f"{t.statistic}({t.quantity}, {t.start}..{t.end}) {op} {rhs}"


def _window(target: FactTarget) -> tuple[int, int]:
    return (quarter_of(FuzzyDate.parse(target.start).earliest),
            quarter_of(FuzzyDate.parse(target.end).latest))


def stylised_facts(case: Case) -> tuple[Fact, ...]:
    """The case's stylised facts (in file order), targets checked against the outputs.

    Raises
    ------
    BadInputError
        When a target names an unknown output or uses ``any`` with ``between``.
    """
    out = []
    for c in case.claims:
        if c.kind is not ClaimKind.STYLISED_FACT:
            continue
        t = c.target
        if t is None:
            out.append(Fact(c, None))
            continue
        if t.quantity not in OUTPUTS:
            raise BadInputError(f"claims.yaml: {c.id}: target quantity {t.quantity!r} is not a "
                                "simulator output; known: " + ", ".join(OUTPUTS))
        if t.statistic == "any" and t.op == "between":
            raise BadInputError(f"claims.yaml: {c.id}: statistic 'any' cannot use 'between'")
        start, stop = _window(t)
        out.append(Fact(c, t, start, stop))
    return tuple(out)


def _statistic(t: FactTarget) -> Statistic:
    if t.statistic == "any":  # "op holds in some quarter" is a max (>) or a min (<)
        return "max" if t.op in (">", ">=") else "min"
    return t.statistic


def fact_stats(facts: Sequence[Fact], first: int, last: int) -> tuple[WindowStat, ...]:
    """Window statistics for the mapped facts whose window overlaps quarters [first, last]."""
    out = []
    for f in facts:
        if f.target is None or f.stop < first or f.start > last:
            continue
        out.append(WindowStat(f.id, f.target.quantity, max(f.start, first),
                              min(f.stop, last), _statistic(f.target)))
    return tuple(out)


def evaluate(target: FactTarget, values: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Whether each scenario's statistic satisfies the target (NaN fails)."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        if target.op == "<":
            ok = v < target.value
        elif target.op == "<=":
            ok = v <= target.value
        elif target.op == ">":
            ok = v > target.value
        elif target.op == ">=":
            ok = v >= target.value
        else:
            high = target.value_high if target.value_high is not None else np.inf
            ok = (v >= target.value) & (v <= high)
    return np.asarray(ok & np.isfinite(v))


def pass_matrix(facts: Sequence[Fact], stats: Mapping[str, NDArray[np.float64]]
                ) -> tuple[tuple[str, ...], NDArray[np.bool_]]:
    """(fact ids, (n, F) pass matrix) for the facts that have statistics in ``stats``.

    ``n`` is the histories' count, read from the statistics (0 when ``stats`` is empty).
    """
    ids = tuple(f.id for f in facts if f.target is not None and f.id in stats)
    cols = [evaluate(f.target, stats[f.id]) for f in facts
            if f.target is not None and f.id in stats]
    n = next(iter(stats.values())).shape[0] if stats else 0
    mat = np.stack(cols, axis=1) if cols else np.ones((n, 0), dtype=bool)
    return ids, mat
