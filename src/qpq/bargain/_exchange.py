"""The exchange model: equal-gain vote trading across issues (Stokman & Van Oosten 1994).

Each issue's expected outcome is the Nash bargaining solution ``O = Σ c s x / Σ c s`` over
the actors taking part. Two actors can trade when they sit on opposite sides of the outcome
on two issues and weigh those issues differently: the one with the higher relative salience
on issue p (``s_ip / s_iq > s_jp / s_jq``) *demands* p and *supplies* q. j shifts its voting
position on p towards i's position, moving O_p by ``ΔO_p = c_jp s_jp Δx_jp / Σ_p c s``; in
return i shifts on q. The exchange ratio ``ΔO_q = ΔO_p (s_ip + s_jp) / (s_iq + s_jq)`` gives
both the same utility gain ``G = ΔO_p (s_ip s_jq - s_iq s_jp) / (s_iq + s_jq)`` (a utility
is minus the salience-weighted distance between an actor's position and the outcome).

The exchange is as large as possible: it stops when the supplier on either issue reaches
its partner's position, or when the outcome on either issue reaches the demanding actor's
position (beyond that point the demander would gain nothing more). Within a round the
possible exchanges are executed greedily, largest gain first; after each one the outcomes
are recomputed and every remaining exchange is re-sized from the current voting positions.
An exchange is dropped when it no longer gains (within ``min_gain``), when its supplier
would have to reverse a move it already made this round, or when its actors are no longer
on opposite sides of the outcome. Ties in gain (within ``tie_tolerance``) are broken by a
random priority drawn from a generator seeded with ``seed`` (deterministic).

Every executed exchange also moves the outcomes for everybody else: its *externalities*
(third actors' utility changes) are recorded.

At the end of a round the voting positions define the round's outcomes; what the next round
starts from is the ``carry_over`` choice (:class:`CarryOver`). Positions are worked on a
0–100 scale per issue (as in Decide) and reported in the issue's own units; gains are in
salience × scale points on that 0–100 scale.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from qpq.bargain._data import FloatArray, IssueSet
from qpq.checks import check_seed, check_whole
from qpq.errors import BadInputError, Problem

__all__ = ["CarryOver", "Exchange", "ExchangeOptions", "Sizing", "nash_bargaining_solution"]

IntArray = npt.NDArray[np.intp]


class CarryOver(StrEnum):
    """Where actors start the next round.

    ``full``: from the voting positions they reached (their shifts become their positions).
    ``decide``: from ``x + w (y - x)`` with ``w = fixed_weight + salience_weight (1 - s)``,
    i.e. they keep part of the shift, less for issues they care about (Decide's rule).
    """

    FULL = "full"
    DECIDE = "decide"


class Sizing(StrEnum):
    """How a round re-sizes and orders its remaining exchanges.

    ``current``: after each exchange every remaining one is re-sized against the current
    voting positions and exact outcomes; ties go by a numpy-seeded random priority.
    ``decide``: decide-exchange-model 2025.3.1's rules (``qpq.bargain._exchange_decide``):
    only exchanges sharing an actor and issue with the executed one are re-sized, each
    against its own partial view of the outcome, with Decide's move caps, list order and
    tie draws from Python's ``random`` seeded with ``seed``.
    """

    CURRENT = "current"
    DECIDE = "decide"


def _is_number(value: object) -> bool:
    """A real number (numpy's too), not a bool; NaN is one, refused by the range checks."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


@dataclass(frozen=True)
class ExchangeOptions:
    """Switches of the exchange model (see the module docstring).

    Parameters
    ----------
    rounds
        Number of rounds of exchange.
    carry_over
        Start positions of the next round, :class:`CarryOver`.
    salience_weight, fixed_weight
        Weights of the ``decide`` carry-over rule (Decide's defaults 0.4 and 0.1).
    min_gain
        Exchanges gaining less than this are not made.
    tie_tolerance
        Gains within this (relative) distance of the best count as tied.
    seed
        Seed of the generator that orders tied exchanges.
    sizing
        How remaining exchanges are re-sized and ordered, :class:`Sizing`
        (``min_gain`` and ``tie_tolerance`` apply to ``current`` only; ``decide`` uses
        Decide's fixed thresholds).
    """

    rounds: int = 10
    carry_over: CarryOver = CarryOver.FULL
    salience_weight: float = 0.4
    fixed_weight: float = 0.1
    min_gain: float = 1e-10
    tie_tolerance: float = 1e-12
    seed: int = 0
    sizing: Sizing = Sizing.CURRENT

    def __post_init__(self) -> None:
        problems = []
        try:
            object.__setattr__(self, "carry_over", CarryOver(self.carry_over))
        except ValueError:
            problems.append(Problem("options", f"{self.carry_over!r} is not one of: "
                                    + ", ".join(c.value for c in CarryOver), field="carry_over"))
        try:
            object.__setattr__(self, "sizing", Sizing(self.sizing))
        except ValueError:
            problems.append(Problem("options", f"{self.sizing!r} is not one of: "
                                    + ", ".join(c.value for c in Sizing), field="sizing"))
        # check_whole, as the seed below: isinstance(True, int) let True through
        try:
            object.__setattr__(self, "rounds", check_whole(self.rounds, "rounds", minimum=0))
        except BadInputError:
            problems.append(Problem("options", f"must be an integer >= 0, got {self.rounds!r}",
                                    field="rounds"))
        # a negative seed reached numpy only when the exchange ran
        try:
            object.__setattr__(self, "seed", check_seed(self.seed))
        except BadInputError as exc:
            problems.append(Problem("options", str(exc), field="seed"))
        # "0.4" ended in "'<=' not supported between instances of 'float' and 'str'", and
        # True was read as 1
        numeric = {name: _is_number(getattr(self, name)) for name in
                   ("salience_weight", "fixed_weight", "min_gain", "tie_tolerance")}
        for name, ok in numeric.items():
            if not ok:
                problems.append(Problem("options", f"must be a number, got "
                                        f"{getattr(self, name)!r}", field=name))
        for name in ("salience_weight", "fixed_weight"):
            if numeric[name] and not 0.0 <= getattr(self, name) <= 1.0:
                problems.append(Problem("options", "must lie in [0, 1]", field=name))
        if (numeric["salience_weight"] and numeric["fixed_weight"]
                and self.salience_weight + self.fixed_weight > 1.0):
            problems.append(Problem("options", "salience_weight + fixed_weight must be <= 1",
                                    field="salience_weight"))
        for name in ("min_gain", "tie_tolerance"):
            if numeric[name] and not getattr(self, name) >= 0:
                problems.append(Problem("options", "must be >= 0", field=name))
        if problems:
            raise BadInputError("invalid exchange model options:", problems)

    @classmethod
    def decide_compat(cls, **overrides: Any) -> ExchangeOptions:
        """decide-exchange-model 2025.3.1: its sizing rules, carry-over and 10 rounds."""
        return replace(cls(carry_over=CarryOver.DECIDE, rounds=10, sizing=Sizing.DECIDE),
                       **overrides)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"rounds": self.rounds, "carry_over": self.carry_over.value,
                "salience_weight": self.salience_weight, "fixed_weight": self.fixed_weight,
                "min_gain": self.min_gain, "tie_tolerance": self.tie_tolerance,
                "seed": self.seed, "sizing": self.sizing.value}


def nash_bargaining_solution(position: FloatArray, capability: FloatArray,
                             salience: FloatArray) -> FloatArray:
    """Outcome per issue, ``Σ c s x / Σ c s`` over the actors present (NaN = absent).

    Arrays may be 1-D (one issue) or actors × issues, all three of one shape.
    """
    shapes = {np.shape(position), np.shape(capability), np.shape(salience)}
    if len(shapes) > 1:
        # one capability for three positions was broadcast to all of them (2026-12-06)
        raise ValueError(f"position, capability and salience need one shape, got "
                         f"{np.shape(position)}, {np.shape(capability)}, {np.shape(salience)}")
    return _weighted_outcome(np.where(np.isnan(position), 0.0, capability * salience),
                             np.nan_to_num(position))


def _weighted_outcome(cs: FloatArray, x: FloatArray) -> FloatArray:
    """``Σ cs x / Σ cs`` per issue, NaN where ``Σ cs`` is 0 (``cs`` is 0 for the absent)."""
    total = cs.sum(axis=0)
    return np.asarray(np.where(total > 0, (cs * x).sum(axis=0) / np.where(total > 0, total, 1),
                               np.nan), dtype=np.float64)


_LIMITS = ("j reaches i on p", "outcome reaches i on p", "i reaches j on q",
           "outcome reaches j on q")
"""What set an exchange's size (:attr:`Exchange.limit`), by the code both exchange runs
(float and Decide's exact one) give it."""


@dataclass(frozen=True)
class Exchange:
    """One executed exchange: i demands issue p from j and supplies issue q in return.

    Positions are in the issues' own units; ``shift_p`` and ``shift_q`` are the outcome
    shifts and ``gain`` the (equal) utility gain, on the 0–100 working scale.
    ``limit`` names the constraint that set its size, one of :data:`_LIMITS`: ``"j reaches
    i on p"``, ``"outcome reaches i on p"``, ``"i reaches j on q"`` or ``"outcome reaches j
    on q"``.
    """

    round: int
    order: int
    i: str
    j: str
    p: str
    q: str
    j_from: float
    j_to: float
    i_from: float
    i_to: float
    shift_p: float
    shift_q: float
    gain: float
    limit: str
    externalities: tuple[tuple[str, float], ...]

    def involves(self, a: str, b: str) -> bool:
        """Whether this is an exchange between actors ``a`` and ``b`` (either way round)."""
        return {self.i, self.j} == {a, b}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"round": self.round, "order": self.order, "i": self.i, "j": self.j,
                "i_demands": self.p, "i_supplies": self.q,
                "j_moves_on_p": [self.j_from, self.j_to], "i_moves_on_q": [self.i_from,
                                                                           self.i_to],
                "shift_p": self.shift_p, "shift_q": self.shift_q, "gain": self.gain,
                "limit": self.limit, "externalities": dict(self.externalities)}


@dataclass(frozen=True, eq=False)
class _Candidates:
    """All possible exchanges of a round, as parallel arrays (i demands p, supplies q)."""

    i: IntArray
    j: IntArray
    p: IntArray
    q: IntArray
    ratio: FloatArray  # ΔO_q / ΔO_p
    gain_factor: FloatArray  # G / ΔO_p


def _candidates(pref: FloatArray, sal: FloatArray, outcome: FloatArray) -> _Candidates:
    """Every (i, j, p, q) whose actors face each other across the outcome on both issues."""
    n, n_issues = pref.shape
    side = np.sign(np.nan_to_num(pref - outcome[None, :]))
    present = ~np.isnan(pref)
    parts: list[tuple[IntArray, ...]] = []
    a_idx, b_idx = np.triu_indices(n, 1)
    for p in range(n_issues):
        for q in range(p + 1, n_issues):
            both = present[a_idx, p] & present[b_idx, p] & present[a_idx, q] & present[b_idx, q]
            a, b = a_idx[both], b_idx[both]
            cross = sal[a, p] * sal[b, q] - sal[a, q] * sal[b, p]
            keep = cross != 0
            a, b, cross = a[keep], b[keep], cross[keep]
            i = np.where(cross > 0, a, b)  # the one with relatively more interest in p
            j = np.where(cross > 0, b, a)
            facing = (side[i, p] * side[j, p] < 0) & (side[i, q] * side[j, q] < 0)
            parts.append((i[facing], j[facing], np.full(int(facing.sum()), p),
                          np.full(int(facing.sum()), q)))
    if not parts:
        empty = np.zeros(0, dtype=np.intp)
        return _Candidates(empty, empty, empty, empty, np.zeros(0), np.zeros(0))
    ci, cj, cp, cq = (np.concatenate([part[k] for part in parts]).astype(np.intp)
                      for k in range(4))
    s_ip, s_jp, s_iq, s_jq = sal[ci, cp], sal[cj, cp], sal[ci, cq], sal[cj, cq]
    return _Candidates(i=ci, j=cj, p=cp, q=cq, ratio=(s_ip + s_jp) / (s_iq + s_jq),
                       gain_factor=(s_ip * s_jq - s_iq * s_jp) / (s_iq + s_jq))


def _externalities(actors: tuple[str, ...], sal: FloatArray, pref: FloatArray, i: int, j: int,
                   shifts: tuple[tuple[int, float, float], ...]) -> tuple[tuple[str, float], ...]:
    """Third actors' utility changes from an exchange between i and j.

    ``shifts``: per issue moved, ``(issue, outcome before, outcome after)``; ``pref`` the
    round-start positions (NaN = absent) and ``sal`` the saliences (0 where absent). Actors
    with no change are left out.
    """
    delta = np.zeros(len(actors))
    for d, before, after in shifts:
        x = pref[:, d]
        delta = delta + np.where(np.isnan(x), 0.0,
                                 sal[:, d] * (np.abs(before - x) - np.abs(after - x)))
    delta[[i, j]] = 0.0
    return tuple((actors[a], float(delta[a])) for a in np.flatnonzero(delta != 0.0))


def _work_scale(data: IssueSet) -> tuple[FloatArray, FloatArray]:
    """Offsets and factors mapping each issue's scale onto 0–100."""
    return data.lower, (data.upper - data.lower) / 100.0


def _check_exchange_data(data: IssueSet) -> None:
    if len(data.issues) < 2:
        raise BadInputError(f"{data.source}: the exchange model needs at least two issues, "
                            f"got {len(data.issues)}")
