"""Running the exchange model: rounds of greedy equal-gain exchanges and their outcomes.

:func:`run_exchange` applies the rules of :mod:`qpq.bargain._exchange` round after round. In
each round it lists the possible exchanges (from the round's start positions and outcomes),
then repeatedly sizes every remaining one against the current voting positions and outcomes
(only those on the two issues the last exchange moved change), executes the largest gain (ties
broken by a seeded random priority) and records it with its externalities. The round's
outcomes are the Nash bargaining solutions of the voting positions reached; the next round
starts from the carried-over positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from qpq.bargain._data import FloatArray, IssueSet
from qpq.bargain._exchange import (
    _LIMITS,
    CarryOver,
    Exchange,
    ExchangeOptions,
    IntArray,
    Sizing,
    _Candidates,
    _candidates,
    _check_exchange_data,
    _externalities,
    _weighted_outcome,
    _work_scale,
    nash_bargaining_solution,
)
from qpq.bargain._exchange_decide import run_decide
from qpq.errors import BadInputError

__all__ = ["ExchangeResult", "ExchangeRound", "run_exchange"]

METHOD = "equal-gain exchange model (Stokman & Van Oosten 1994)"


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


@dataclass(frozen=True, eq=False)
class _Sizer:
    """A round's candidates with what their sizing reads from the round start, gathered once.

    An exchange's size depends only on the voting positions, outcomes and moves on its own two
    issues, so after an exchange on (p, q) only the candidates touching p or q change
    (``touching``: issues × candidates).
    """

    cand: _Candidates
    at: IntArray  # rows p, q, flat index of (j, p), flat index of (i, q); a column each
    fixed: FloatArray  # rows x_ip, x_jp, x_iq, x_jq, cs_jp, cs_iq, Σcs_p, Σcs_q, ratio, G/ΔO_p
    touching: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, cand: _Candidates, pref: FloatArray, cs: FloatArray, total: FloatArray
           ) -> _Sizer:
        i, j, p, q = cand.i, cand.j, cand.p, cand.q
        n_issues = pref.shape[1]
        issues = np.arange(n_issues)[:, None]
        return cls(cand, np.stack([p, q, j * n_issues + p, i * n_issues + q]),
                   np.stack([pref[i, p], pref[j, p], pref[i, q], pref[j, q], cs[j, p],
                             cs[i, q], total[p], total[q], cand.ratio, cand.gain_factor]),
                   (issues == p[None, :]) | (issues == q[None, :]))

    def size(self, k: IntArray, vote: FloatArray, outcome: FloatArray, moved: FloatArray
             ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """Candidates ``k``: outcome shift on p, gain, move directions on p and q, limit."""
        p, q, jp, iq = self.at[:, k]
        pref_ip, pref_jp, pref_iq, pref_jq, cs_jp, cs_iq, total_p, total_q, ratio, factor = (
            self.fixed[:, k])
        vote_jp, vote_iq = vote.ravel()[jp], vote.ravel()[iq]
        out_p, out_q = outcome[p], outcome[q]
        dir_p = np.sign(pref_ip - vote_jp)  # j moves towards i's position on p
        dir_q = np.sign(pref_jq - vote_iq)  # i moves towards j's position on q
        limits = np.stack([
            cs_jp * np.abs(pref_ip - vote_jp) / total_p,
            (pref_ip - out_p) * dir_p,
            cs_iq * np.abs(pref_jq - vote_iq) / total_q / ratio,
            (pref_jq - out_q) * dir_q / ratio,
        ])
        shift_p = limits.min(axis=0)
        no_reversal = (moved.ravel()[jp] * dir_p >= 0) & (moved.ravel()[iq] * dir_q >= 0)
        ok = ((dir_p != 0) & (dir_q != 0) & (shift_p > 0) & no_reversal
              & ((pref_jp - out_p) * dir_p <= 0)  # j's own position lies behind O_p
              & ((pref_iq - out_q) * dir_q <= 0))  # and i's behind O_q
        gain = np.where(ok, shift_p * factor, -np.inf)
        return shift_p, gain, dir_p, dir_q, limits.argmin(axis=0).astype(np.float64)


def _play_round(t: int, data: IssueSet, pref: FloatArray, opts: ExchangeOptions,
                rng: np.random.Generator) -> tuple[FloatArray, list[Exchange]]:
    """Execute one round's exchanges; return the voting positions and the exchanges."""
    sal = np.nan_to_num(data.salience)
    cs = np.nan_to_num(data.capability * data.salience)
    total = cs.sum(axis=0)
    vote = pref.copy()
    # the outcome's weights and positions with the absent at 0 (nobody's presence changes)
    weight = np.where(np.isnan(pref), 0.0, data.capability * data.salience)
    vote_0 = np.nan_to_num(pref)
    outcome = _weighted_outcome(weight, vote_0)
    cand = _candidates(pref, sal, outcome)
    sizer = _Sizer.of(cand, pref, cs, total)
    alive = np.ones(cand.i.size, dtype=bool)
    priority = rng.permutation(cand.i.size)
    moved = np.zeros_like(pref)
    lower, unit = _work_scale(data)
    done: list[Exchange] = []
    shift_p, gain, dir_p, dir_q, limit = sizer.size(np.arange(cand.i.size), vote, outcome,
                                                    moved)
    while alive.any():
        gain = np.where(alive, gain, -np.inf)
        best = float(gain.max())
        if not best > opts.min_gain:
            break
        tied = gain >= best - opts.tie_tolerance * max(1.0, abs(best))
        k = int(np.argmin(np.where(tied, priority, cand.i.size)))
        i, j, p, q = int(cand.i[k]), int(cand.j[k]), int(cand.p[k]), int(cand.q[k])
        d_p, d_q = float(shift_p[k]), float(shift_p[k] * cand.ratio[k])
        before = outcome
        j_from, i_from = float(vote[j, p]), float(vote[i, q])
        code = int(limit[k])
        vote[j, p] = pref[i, p] if code == 0 else j_from + dir_p[k] * d_p * total[p] / cs[j, p]
        vote[i, q] = pref[j, q] if code == 2 else i_from + dir_q[k] * d_q * total[q] / cs[i, q]
        moved[j, p], moved[i, q] = dir_p[k], dir_q[k]
        vote_0[j, p], vote_0[i, q] = vote[j, p], vote[i, q]
        outcome = _weighted_outcome(weight, vote_0)
        ext = _externalities(data.actors, sal, pref, i, j,
                             ((p, before[p], outcome[p]), (q, before[q], outcome[q])))
        alive[k] = False

        def units(value: float, d: int) -> float:
            return float(lower[d] + value * unit[d])

        done.append(Exchange(
            round=t, order=len(done) + 1, i=data.actors[i], j=data.actors[j],
            p=data.issues[p], q=data.issues[q], j_from=units(j_from, p),
            j_to=units(float(vote[j, p]), p), i_from=units(i_from, q),
            i_to=units(float(vote[i, q]), q), shift_p=d_p, shift_q=d_q, gain=float(gain[k]),
            limit=_LIMITS[code], externalities=ext))
        touched = np.flatnonzero((sizer.touching[p] | sizer.touching[q]) & alive)
        shift_p[touched], gain[touched], dir_p[touched], dir_q[touched], limit[touched] = (
            sizer.size(touched, vote, outcome, moved))
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
        If the data has fewer than two issues, or ``options`` is not an
        :class:`ExchangeOptions`.
    """
    if options is not None and not isinstance(options, ExchangeOptions):
        # a name or a dict ended in "'str' object has no attribute 'sizing'"
        raise BadInputError(f"options must be an ExchangeOptions, e.g. "
                            f"qpq.bargain.ExchangeOptions(rounds=10); got "
                            f"{type(options).__name__}")
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
