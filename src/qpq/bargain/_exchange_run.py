"""Running the exchange model: rounds of greedy equal-gain exchanges and their outcomes.

:func:`run_exchange` applies the rules of :mod:`qpq.bargain._exchange` round after round. In
each round it lists the possible exchanges (from the round's start positions and outcomes),
then repeatedly sizes every remaining one against the current voting positions and outcomes,
executes the largest gain (ties broken by a seeded random priority) and records it with its
externalities. The round's outcomes are the Nash bargaining solutions of the voting positions
reached; the next round starts from the carried-over positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qpq.bargain._data import FloatArray, IssueSet
from qpq.bargain._exchange import (
    CarryOver,
    Exchange,
    ExchangeOptions,
    Sizing,
    _Candidates,
    _candidates,
    _check_exchange_data,
    _work_scale,
    nash_bargaining_solution,
)
from qpq.bargain._exchange_decide import run_decide

__all__ = ["ExchangeResult", "ExchangeRound", "run_exchange"]

METHOD = "equal-gain exchange model (Stokman & Van Oosten 1994)"
_LIMITS = ("j reaches i on p", "outcome reaches i on p", "i reaches j on q",
           "outcome reaches j on q")


@dataclass(frozen=True, eq=False)
class ExchangeRound:
    """One round: outcomes before and after, the exchanges made, positions reached.

    ``ties``: exact ties in gain broken by a random draw (counted under ``decide`` sizing).
    """

    round: int
    outcome_start: FloatArray
    outcome_end: FloatArray
    voting_position: FloatArray
    next_position: FloatArray
    exchanges: tuple[Exchange, ...]
    ties: int = 0


@dataclass(frozen=True, eq=False)
class ExchangeResult:
    """A full run of the exchange model (positions and outcomes in the issues' units)."""

    data: IssueSet
    options: ExchangeOptions
    rounds: tuple[ExchangeRound, ...]
    method: str = METHOD

    @property
    def initial_outcome(self) -> FloatArray:
        """Nash bargaining solution of the input positions, per issue."""
        return nash_bargaining_solution(self.data.position, self.data.capability,
                                        self.data.salience)

    @property
    def final_outcome(self) -> FloatArray:
        """Outcome (of the voting positions) after the last round."""
        return self.rounds[-1].outcome_end if self.rounds else self.initial_outcome

    def exchanges(self, a: str | None = None, b: str | None = None) -> list[Exchange]:
        """All exchanges, or only those between actors ``a`` and ``b``."""
        out = [e for r in self.rounds for e in r.exchanges]
        if a is not None and b is not None:
            out = [e for e in out if e.involves(a, b)]
        return out

    def externality_totals(self) -> dict[str, float]:
        """Sum of every actor's externalities over all exchanges it was not part of."""
        totals = dict.fromkeys(self.data.actors, 0.0)
        for e in self.exchanges():
            for actor, value in e.externalities:
                totals[actor] += value
        return totals

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``qpq bargain exchange --json``."""
        issues = self.data.issues

        def by_issue(values: FloatArray) -> dict[str, float]:
            return {k: float(v) for k, v in zip(issues, values, strict=True)}

        return {
            "method": self.method,
            "options": self.options.to_dict(),
            "issues": list(issues),
            "actors": list(self.data.actors),
            "initial_outcome": by_issue(self.initial_outcome),
            "final_outcome": by_issue(self.final_outcome),
            "externality_totals": self.externality_totals(),
            "rounds": [{"round": r.round, "outcome_start": by_issue(r.outcome_start),
                        "outcome_end": by_issue(r.outcome_end),
                        "exchanges": [e.to_dict() for e in r.exchanges]}
                       for r in self.rounds],
        }


def _size(c: _Candidates, pref: FloatArray, vote: FloatArray, cs: FloatArray,
          total: FloatArray, outcome: FloatArray, moved: FloatArray
          ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Outcome shift on p, gain, move directions on p and q, and the binding limit."""
    i, j, p, q = c.i, c.j, c.p, c.q
    dir_p = np.sign(pref[i, p] - vote[j, p])  # j moves towards i's position on p
    dir_q = np.sign(pref[j, q] - vote[i, q])  # i moves towards j's position on q
    limits = np.stack([
        cs[j, p] * np.abs(pref[i, p] - vote[j, p]) / total[p],
        (pref[i, p] - outcome[p]) * dir_p,
        cs[i, q] * np.abs(pref[j, q] - vote[i, q]) / total[q] / c.ratio,
        (pref[j, q] - outcome[q]) * dir_q / c.ratio,
    ])
    shift_p = limits.min(axis=0)
    ok = ((dir_p != 0) & (dir_q != 0) & (shift_p > 0)
          & ((pref[j, p] - outcome[p]) * dir_p <= 0)  # j's own position lies behind O_p
          & ((pref[i, q] - outcome[q]) * dir_q <= 0)  # and i's behind O_q
          & (moved[j, p] * dir_p >= 0) & (moved[i, q] * dir_q >= 0))  # no reversals
    gain = np.where(ok, shift_p * c.gain_factor, -np.inf)
    return shift_p, gain, dir_p, dir_q, limits.argmin(axis=0).astype(np.float64)


def _play_round(t: int, data: IssueSet, pref: FloatArray, opts: ExchangeOptions,
                rng: np.random.Generator) -> tuple[FloatArray, list[Exchange]]:
    """Execute one round's exchanges; return the voting positions and the exchanges."""
    sal = np.nan_to_num(data.salience)
    cs = np.nan_to_num(data.capability * data.salience)
    total = cs.sum(axis=0)
    vote = pref.copy()
    outcome = nash_bargaining_solution(pref, data.capability, data.salience)
    cand = _candidates(pref, sal, outcome)
    alive = np.ones(cand.i.size, dtype=bool)
    priority = rng.permutation(cand.i.size)
    moved = np.zeros_like(pref)
    lower, unit = _work_scale(data)
    done: list[Exchange] = []
    while alive.any():
        shift_p, gain, dir_p, dir_q, limit = _size(cand, pref, vote, cs, total, outcome, moved)
        gain = np.where(alive, gain, -np.inf)
        best = float(gain.max())
        if not best > opts.min_gain:
            break
        tied = gain >= best - opts.tie_tolerance * max(1.0, abs(best))
        k = int(np.argmin(np.where(tied, priority, cand.i.size)))
        i, j, p, q = int(cand.i[k]), int(cand.j[k]), int(cand.p[k]), int(cand.q[k])
        d_p, d_q = float(shift_p[k]), float(shift_p[k] * cand.ratio[k])
        before = outcome.copy()
        j_from, i_from = float(vote[j, p]), float(vote[i, q])
        code = int(limit[k])
        vote[j, p] = pref[i, p] if code == 0 else j_from + dir_p[k] * d_p * total[p] / cs[j, p]
        vote[i, q] = pref[j, q] if code == 2 else i_from + dir_q[k] * d_q * total[q] / cs[i, q]
        moved[j, p], moved[i, q] = dir_p[k], dir_q[k]
        outcome = nash_bargaining_solution(vote, data.capability, data.salience)
        ext = []
        for a in range(len(data.actors)):
            if a in (i, j):
                continue
            delta = 0.0
            for d in (p, q):
                if not np.isnan(pref[a, d]):
                    delta += sal[a, d] * (abs(before[d] - pref[a, d])
                                          - abs(outcome[d] - pref[a, d]))
            if delta != 0.0:
                ext.append((data.actors[a], float(delta)))
        alive[k] = False

        def units(value: float, d: int) -> float:
            return float(lower[d] + value * unit[d])

        done.append(Exchange(
            round=t, order=len(done) + 1, i=data.actors[i], j=data.actors[j],
            p=data.issues[p], q=data.issues[q], j_from=units(j_from, p),
            j_to=units(float(vote[j, p]), p), i_from=units(i_from, q),
            i_to=units(float(vote[i, q]), q), shift_p=d_p, shift_q=d_q, gain=float(gain[k]),
            limit=_LIMITS[code], externalities=tuple(ext)))
    return vote, done


def run_exchange(data: IssueSet, options: ExchangeOptions | None = None) -> ExchangeResult:
    """Run the equal-gain exchange model.

    Parameters
    ----------
    data
        Two or more issues: positions, capabilities and saliences per actor and issue.
    options
        Model switches (default :class:`~qpq.bargain._exchange.ExchangeOptions`).

    Returns
    -------
    ExchangeResult
        Per round, the outcomes before and after, and every exchange in execution order.

    Raises
    ------
    BadInputError
        If the data has fewer than two issues.
    """
    opts = options if options is not None else ExchangeOptions()
    _check_exchange_data(data)
    if opts.sizing == Sizing.DECIDE:
        return _run_decide(data, opts)
    rng = np.random.default_rng(opts.seed)
    lower, unit = _work_scale(data)
    pref = (data.position - lower[None, :]) / unit[None, :]  # 0–100 working scale
    sal = np.nan_to_num(data.salience)
    rounds = []
    for t in range(1, opts.rounds + 1):
        start = nash_bargaining_solution(pref, data.capability, data.salience)
        vote, done = _play_round(t, data, pref, opts, rng)
        end = nash_bargaining_solution(vote, data.capability, data.salience)
        if opts.carry_over == CarryOver.DECIDE:
            keep = opts.fixed_weight + opts.salience_weight * (1.0 - sal)
            nxt = pref + keep * (vote - pref)
        else:
            nxt = vote
        rounds.append(ExchangeRound(
            round=t, outcome_start=lower + start * unit, outcome_end=lower + end * unit,
            voting_position=lower[None, :] + vote * unit[None, :],
            next_position=lower[None, :] + nxt * unit[None, :], exchanges=tuple(done)))
        pref = nxt
    return ExchangeResult(data=data, options=opts, rounds=tuple(rounds))


def _run_decide(data: IssueSet, opts: ExchangeOptions) -> ExchangeResult:
    """``run_exchange`` under Decide's sizing (:mod:`qpq.bargain._exchange_decide`)."""
    lower, unit = _work_scale(data)
    rounds = []
    for t, (pref, vote, nxt, done, ties) in enumerate(run_decide(data, opts), start=1):
        start = nash_bargaining_solution(pref, data.capability, data.salience)
        end = nash_bargaining_solution(vote, data.capability, data.salience)
        rounds.append(ExchangeRound(
            round=t, outcome_start=lower + start * unit, outcome_end=lower + end * unit,
            voting_position=lower[None, :] + vote * unit[None, :],
            next_position=lower[None, :] + nxt * unit[None, :], exchanges=tuple(done),
            ties=ties))
    return ExchangeResult(data=data, options=opts, rounds=tuple(rounds))
