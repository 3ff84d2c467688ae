"""One round of the expected utility model: utilities, risk, perceptions and offers.

The model (Bueno de Mesquita 1994, as reconstructed by Scholz, Calbert & Smith 2011) works on
one issue. In each round every actor i looks at every other actor j and estimates, using its
own risk exponent r_i, two expected utilities:

* ``EU_ij`` of challenging j: ``s_j (P_ij U_s + (1 - P_ij) U_f) + (1 - s_j) U_s - SQ``, with
  P_ij the probability that i's position beats j's, ``U_s = 2 - 4 (0.5 - 0.5 d)^r`` the utility
  of winning, ``U_f = 2 - 4 (0.5 + 0.5 d)^r`` of losing, d = |x_i - x_j| / R, and the status
  quo term ``SQ = Q U_sq + (1 - Q)(T U_b + (1 - T) U_w)`` with ``U_sq = 2 - 4 (0.5)^r`` and
  U_b, U_w the utilities of drifting towards or away from the median μ;
* ``EU_ji`` of being challenged by j, the same formula from j's side, still with r_i.

The pair (EU_ij, EU_ji) places the dyad in a *perception quadrant*: both positive is a
confrontation, both negative the status quo, and mixed signs a compromise (the gainer gains
more than the loser loses) or a capitulation. From the quadrants come *offers* to i:
confrontation (EU_ji > EU_ij > 0: i expects to lose and moves to x_j), compromise
(EU_ji > 0 > EU_ij, EU_ji > |EU_ij|: i moves the fraction |EU_ij| / EU_ji of the way to x_j)
and capitulation (EU_ji > 0 > EU_ij, EU_ji < |EU_ij|: i moves to x_j). Each actor accepts one
offer (:class:`~qpq.bargain._options.OfferRule`); all moves happen at once.

Risk exponents come first: with every exponent 1, each actor's *security* is the sum of the
others' expected utilities of challenging it; ``R_i = (2 S_i - S_max - S_min) /
(S_max - S_min)`` lies in [-1, 1] and ``r_i = (1 - R_i/3) / (1 + R_i/3)`` in [0.5, 2].
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from qpq.bargain._data import FloatArray
from qpq.bargain._options import EUMOptions, OfferRule, ProbabilityRule, RiskReference
from qpq.bargain._votes import global_vote_total, vote_matrix, win_probability_matrix

__all__ = ["Move", "OfferKind", "Quadrant", "RoundState", "bargaining_round", "quadrants",
           "risk_exponents"]

BoolArray = npt.NDArray[np.bool_]


class OfferKind(StrEnum):
    """Kind of offer an actor accepted."""

    CONFRONTATION = "confrontation"
    COMPROMISE = "compromise"
    CAPITULATION = "capitulation"


class Quadrant(StrEnum):
    """Where a dyad lies in i's perception (EU_ij, EU_ji)."""

    CONFRONTATION = "confrontation"
    COMPROMISE = "compromise"
    CAPITULATION = "capitulation"
    STATUS_QUO = "status quo"
    NONE = "none"  # same position: no contest


@dataclass(frozen=True)
class Move:
    """One actor accepting one offer in a round.

    ``eu_ij`` and ``eu_ji`` are the mover's (i's) expected utilities of challenging the
    partner j and of being challenged by it.
    """

    actor: str
    partner: str
    kind: OfferKind
    start: float
    end: float
    eu_ij: float
    eu_ji: float

    @property
    def fraction(self) -> float:
        """Share of the distance to the partner's position that the actor moved."""
        return 1.0 if self.kind != OfferKind.COMPROMISE else abs(self.eu_ij / self.eu_ji)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping."""
        return {"actor": self.actor, "partner": self.partner, "kind": self.kind.value,
                "from": self.start, "to": self.end, "eu_ij": self.eu_ij, "eu_ji": self.eu_ji}


@dataclass(frozen=True, eq=False)
class RoundState:
    """What one round computed: exponents, security, perceptions and the accepted moves."""

    risk: FloatArray
    security: FloatArray
    new_position: FloatArray
    moves: tuple[Move, ...]
    eu_ij: FloatArray | None = None
    eu_ji: FloatArray | None = None
    probability: FloatArray | None = None


def _power(base: FloatArray, exponent: FloatArray) -> FloatArray:
    base = np.maximum(base, 0.0)
    if np.all(exponent == 1.0):
        return base
    return np.asarray(np.power(base, exponent), dtype=np.float64)


def _status_quo(r: FloatArray, d: FloatArray, d_mu: FloatArray, opts: EUMOptions) -> FloatArray:
    """Q U_sq + (1 - Q)(T U_b + (1 - T) U_w) for a challenger at distance d_mu from μ."""
    u_sq = 2.0 - 4.0 * np.power(0.5, r)
    if opts.q == 1.0:
        return np.asarray(u_sq, dtype=np.float64)
    spread = 0.25 * (d_mu + d)
    u_b = 2.0 - 4.0 * _power(0.5 - spread, r)
    u_w = 2.0 - 4.0 * _power(0.5 + spread, r)
    return np.asarray(opts.q * u_sq + (1.0 - opts.q) * (opts.t * u_b + (1.0 - opts.t) * u_w),
                      dtype=np.float64)


def _pair_probabilities(x: FloatArray, w: FloatArray, r: FloatArray, scale: float,
                        opts: EUMOptions) -> FloatArray:
    """P[i, j]: probability that actor i's position beats actor j's (0 if equal)."""
    cands, inv, counts = np.unique(x, return_inverse=True, return_counts=True)
    votes = vote_matrix(x, w, r, cands, scale)
    total = 0.0
    if opts.probability == ProbabilityRule.GLOBAL:
        total = global_vote_total(x, w, r, cands, counts, scale)
    probs = win_probability_matrix(votes, opts.probability.value, total)
    return probs[inv[:, None], inv[None, :]]


def _expected_utilities(x: FloatArray, s: FloatArray, r: FloatArray, probs: FloatArray,
                        scale: float, mu: float, opts: EUMOptions
                        ) -> tuple[FloatArray, FloatArray]:
    """EU_ij and EU_ji as perceived by i (rows), both evaluated with r_i.

    Uses ``s_j (P U_s + (1 - P) U_f) + (1 - s_j) U_s = U_s - s_j (1 - P)(U_s - U_f)``.
    """
    d = np.abs(x[:, None] - x[None, :])
    d /= scale
    ri = r[:, None]
    u_s = 2.0 - 4.0 * _power(0.5 - 0.5 * d, ri)
    gap = u_s - (2.0 - 4.0 * _power(0.5 + 0.5 * d, ri))  # U_s - U_f
    d_mu = np.abs(x - mu) / scale
    sq_ij = _status_quo(ri, d, d_mu[:, None], opts)
    sq_ji = sq_ij if opts.q == 1.0 else _status_quo(ri, d, d_mu[None, :], opts)
    eu_ij = u_s - s[None, :] * (1.0 - probs) * gap
    eu_ij -= sq_ij
    eu_ji = u_s - s[:, None] * (1.0 - probs.T) * gap
    eu_ji -= sq_ji
    return eu_ij, eu_ji


def _security_actors(x: FloatArray, w: FloatArray, s: FloatArray, scale: float, mu: float,
                     opts: EUMOptions) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Security S_i = Σ_j EU_ji with all exponents 1; reference min/max over actors."""
    ones = np.ones_like(x)
    probs = _pair_probabilities(x, w, ones, scale, opts)
    if opts.q == 1.0:
        # Exponent 1: U_s = 2d, U_f = -2d, U_sq = 0, so EU_ji = 2 d (1 - 2 s_i (1 - P_ji)).
        d = np.abs(x[:, None] - x[None, :])
        d /= scale
        security = 2.0 * (1.0 - 2.0 * s) * d.sum(axis=1) + 4.0 * s * (d * probs.T).sum(axis=1)
    else:
        _, eu_ji = _expected_utilities(x, s, ones, probs, scale, mu, opts)
        np.fill_diagonal(eu_ji, 0.0)
        security = eu_ji.sum(axis=1)
    lo = np.full_like(security, security.min())
    hi = np.full_like(security, security.max())
    return security, lo, hi


def _security_positions(x: FloatArray, w: FloatArray, s: FloatArray, scale: float, mu: float,
                        opts: EUMOptions) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Security of each actor at each held position; reference min/max over those positions.

    Everyone else's votes are kept; actor i's own vote is cast from the tried position. With
    the global denominator the denominator of the actual state is kept (documented).
    """
    n = x.size
    ones = np.ones(n)
    cands, inv, counts = np.unique(x, return_inverse=True, return_counts=True)
    votes = vote_matrix(x, w, ones, cands, scale)
    total = (global_vote_total(x, w, ones, cands, counts, scale)
             if opts.probability == ProbabilityRule.GLOBAL else 0.0)
    security, lo, hi = np.empty(n), np.empty(n), np.empty(n)
    d_mu_all = np.abs(x - mu) / scale
    for i in range(n):
        others = np.arange(n) != i
        a = inv[others][:, None]  # challengers' positions (rows)
        ua, ub = cands[a], cands[None, :]  # tried target positions (columns)
        old_for_a = w[i] * np.maximum(0.0, np.abs(x[i] - ub) - np.abs(x[i] - ua)) / scale
        old_for_b = w[i] * np.maximum(0.0, np.abs(x[i] - ua) - np.abs(x[i] - ub)) / scale
        v_ab = np.maximum(votes[a, np.arange(cands.size)[None, :]] - old_for_a, 0.0)
        v_ba = votes[np.arange(cands.size)[None, :], a] - old_for_b
        v_ba = np.maximum(v_ba + w[i] * np.abs(ua - ub) / scale, 0.0)
        if opts.probability == ProbabilityRule.GLOBAL:
            p = v_ab / total if total > 0 else np.zeros_like(v_ab)
        else:
            cast = v_ab + v_ba
            p = np.where(cast > 0, v_ab / np.where(cast > 0, cast, 1.0), 0.5)
        d = np.abs(ua - ub) / scale
        p = np.where(d == 0, 0.0, p)
        r1 = np.ones_like(d)
        u_s, u_f = 2.0 * d, -2.0 * d  # linear utilities (exponent 1)
        sq = _status_quo(r1, d, d_mu_all[others][:, None], opts)
        eu = s[i] * (p * u_s + (1.0 - p) * u_f) + (1.0 - s[i]) * u_s - sq
        danger = eu.sum(axis=0)
        security[i], lo[i], hi[i] = danger[inv[i]], danger.min(), danger.max()
    return security, lo, hi


def risk_exponents(security: FloatArray, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """r_i = (1 - R_i/3) / (1 + R_i/3) with R_i = (2 S_i - hi - lo) / (hi - lo), in [0.5, 2].

    Where hi equals lo (no variation in security) R_i is 0 and r_i is 1.
    """
    span = hi - lo
    flat = span <= 1e-12 * np.maximum(1.0, np.abs(hi))
    big_r = np.where(flat, 0.0, (2.0 * security - hi - lo) / np.where(flat, 1.0, span))
    big_r = np.clip(big_r, -1.0, 1.0)
    return np.asarray((1.0 - big_r / 3.0) / (1.0 + big_r / 3.0), dtype=np.float64)


def quadrants(eu_ij: FloatArray, eu_ji: FloatArray, same: BoolArray | None = None
              ) -> npt.NDArray[np.str_]:
    """Perception quadrant of every dyad, as :class:`Quadrant` values (strings)."""
    out = np.full(eu_ij.shape, Quadrant.STATUS_QUO.value, dtype=object)
    both_pos = (eu_ij > 0) & (eu_ji > 0)
    mixed = ((eu_ij > 0) & (eu_ji <= 0)) | ((eu_ji > 0) & (eu_ij <= 0))
    gainer = np.maximum(eu_ij, eu_ji)
    loser = np.abs(np.minimum(eu_ij, eu_ji))
    out[mixed & (gainer > loser)] = Quadrant.COMPROMISE.value
    out[mixed & (gainer <= loser)] = Quadrant.CAPITULATION.value
    out[both_pos] = Quadrant.CONFRONTATION.value
    if same is not None:
        out[same] = Quadrant.NONE.value
    return np.asarray(out, dtype=np.str_)


MOVE_TIE_RTOL = 1e-12
"""Offers whose keys (distance moved, or Scholz's weighted position) differ by less than this
fraction of the position range count as tied; ties go to the earlier actor in input order.
Without it, rescaling the positions could break exact ties (e.g. two partners at equal
distances) differently through rounding."""


def _first_min(key: FloatArray, mask: BoolArray, tol: float
               ) -> tuple[npt.NDArray[np.intp], BoolArray]:
    """Per row: first column whose key is within ``tol`` of the row's minimum under ``mask``."""
    masked = np.where(mask, key, np.inf)
    best = masked.min(axis=1, keepdims=True)
    tie = mask & (masked <= best + tol)
    return np.argmax(tie, axis=1), tie


def _choose_offers(x: FloatArray, eu_ij: FloatArray, eu_ji: FloatArray, scale: float,
                   opts: EUMOptions
                   ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray]:
    """Per actor: chosen partner (-1 if none), offer kind code (0/1/2) and target position."""
    n = x.size
    xi, xj = x[:, None], x[None, :]
    conf = (eu_ji > eu_ij) & (eu_ij > 0)
    lose = (eu_ji > 0) & (eu_ij < 0)
    comp = lose & (eu_ji > -eu_ij)
    capit = lose & (eu_ji < -eu_ij) if opts.capitulation else np.zeros_like(lose)
    same = xi == xj
    for mask in (conf, comp, capit):
        mask &= ~same
    share = np.where(comp, np.abs(eu_ij) / np.where(comp, eu_ji, 1.0), 1.0)
    move = np.abs(xj - xi) * share  # distance moved if the offer is accepted
    tol = MOVE_TIE_RTOL * scale
    rows = np.arange(n)
    if opts.offer_rule == OfferRule.SCHOLZ:
        weight = np.abs(eu_ij) + np.abs(eu_ji)
        comp_key = (np.abs(eu_ij) * xi + np.abs(eu_ji) * xj) / np.where(comp, weight, 1.0)
        pick_conf, _ = _first_min(move, conf, tol)
        pick_comp, _ = _first_min(comp_key, comp, tol)
        pick_cap, _ = _first_min(move, capit, tol)
        has_conf, has_comp = conf.any(axis=1), comp.any(axis=1)
        choice = np.where(has_conf, pick_conf, np.where(has_comp, pick_comp, pick_cap))
        has = has_conf | has_comp | capit.any(axis=1)
    else:
        offered = conf | comp | capit
        _, tie = _first_min(move, offered, tol)
        first = [np.argmax(tie & kind, axis=1) for kind in (conf, comp, capit)]
        has_kind = [(tie & kind).any(axis=1) for kind in (conf, comp, capit)]
        choice = np.where(has_kind[0], first[0], np.where(has_kind[1], first[1], first[2]))
        has = offered.any(axis=1)
    kind = np.where(conf[rows, choice], 0, np.where(comp[rows, choice], 1, 2))
    target = np.where(kind == 1, x + (x[choice] - x) * share[rows, choice], x[choice])
    partner = np.where(has, choice, -1)
    kinds = np.where(has, kind, -1)
    new_x = np.where(has, target, x)
    return partner, kinds, np.asarray(new_x, dtype=np.float64)


_KIND_BY_CODE = (OfferKind.CONFRONTATION, OfferKind.COMPROMISE, OfferKind.CAPITULATION)


def bargaining_round(actors: tuple[str, ...], x: FloatArray, c: FloatArray, s: FloatArray,
                     scale: float, mu: float, opts: EUMOptions, *, keep_perceptions: bool = False
                     ) -> RoundState:
    """Compute one round from positions ``x``: risk, perceptions, offers and moves.

    Parameters
    ----------
    actors
        Actor ids (for the move records).
    x, c, s
        Positions, capabilities and saliences at the start of the round.
    scale
        Width R of the issue's scale.
    mu
        The current median (enters only through U_b, U_w when Q < 1).
    opts
        The model's switches.
    keep_perceptions
        Also return the EU_ij, EU_ji and P_ij matrices (n × n each).
    """
    w = c * s
    if opts.risk_reference == RiskReference.POSITIONS:
        security, lo, hi = _security_positions(x, w, s, scale, mu, opts)
    else:
        security, lo, hi = _security_actors(x, w, s, scale, mu, opts)
    r = risk_exponents(security, lo, hi)
    probs = _pair_probabilities(x, w, r, scale, opts)
    eu_ij, eu_ji = _expected_utilities(x, s, r, probs, scale, mu, opts)
    partner, kinds, new_x = _choose_offers(x, eu_ij, eu_ji, scale, opts)
    moves = tuple(
        Move(actor=actors[i], partner=actors[int(partner[i])], kind=_KIND_BY_CODE[int(kinds[i])],
             start=float(x[i]), end=float(new_x[i]), eu_ij=float(eu_ij[i, partner[i]]),
             eu_ji=float(eu_ji[i, partner[i]]))
        for i in np.flatnonzero(partner >= 0))
    new_x.setflags(write=False)
    return RoundState(risk=r, security=security, new_position=new_x, moves=moves,
                      eu_ij=eu_ij if keep_perceptions else None,
                      eu_ji=eu_ji if keep_perceptions else None,
                      probability=probs if keep_perceptions else None)
