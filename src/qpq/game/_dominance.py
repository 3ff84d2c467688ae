"""Strict dominance after a first move: which efforts and final actions can matter.

Most of the Taliban's E^T type-contingent effort profiles cannot be continuation
equilibria at a given parameter point, because one type's effort in them is **strictly
dominated**: worse than another of its efforts whatever China does at its final
information sets. Since the Taliban's payoff separates into a part that depends on (type,
effort, signals) and a part g(f) that depends on China's final action only (checked by
:func:`qpq.game._payoffs.build_tensors`), effort e of type θ is strictly dominated by e′ when

    min over China's pure responses of [V(e′) − V(e)]
      = B(e′) − B(e) + Σ_sig min(Δp_sig·g_lo(sig), Δp_sig·g_hi(sig)) > margin,

with B(e) = Σ_sig P(sig | θ, e)·U_T(θ, e, sig, f₀), Δp_sig = P(sig | θ, e′) − P(sig | θ, e),
and g_lo, g_hi the least and greatest g over the final actions China may play at sig
(each signal's response is chosen separately, so the minimum is taken signal by signal).

China may play a final action at an information set only if no other action beats it by
a margin against *every* (type, effort): otherwise it is never a best response, whatever
China's posterior. (Iterating the two steps removes almost nothing more.)

Margins are a thousand times the optimality tolerance times the payoffs' scale, so that
no tie, tolerance or rounding can make a removed effort or action optimal. The pruned
kernel (:mod:`qpq.game._pruned`) relies on both facts: a profile with a dominated effort is
never a continuation equilibrium, and a dominated action is never China's (first) best
response.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qpq.game._payoffs import GameTensors

__all__ = ["DOMINANCE_MARGIN", "Dominance", "dominance", "points_last", "taliban_base"]

FloatArray = NDArray[np.float64]

DOMINANCE_MARGIN = 1e3
"""A strategy is removed only when it loses by more than this many optimality tolerances."""


@dataclass(frozen=True)
class Dominance:
    """What survives strict dominance after one first move, for n points.

    Attributes
    ----------
    alive
        (n, T, E): the type's effort is not strictly dominated (at least one per type).
    allowed
        (F, S, n): China's final action may be a best response at the information set.
    """

    alive: NDArray[np.bool_]
    allowed: NDArray[np.bool_]


def points_last(u: FloatArray) -> FloatArray:
    """A (n, T, E, S, F) payoff array as a contiguous (F, T, E, S, n) array.

    With the points on the last axis, the reductions over actions, types, efforts and
    signals become element-wise operations on long rows.
    """
    return np.ascontiguousarray(np.moveaxis(u, (4, 0), (0, 4)))


def taliban_base(t: GameTensors, m_index: int) -> FloatArray:
    """(n, T, E): B(θ, e) = Σ_sig P(sig | θ, e)·U_T(θ, e, sig, f₀) after first move m.

    With the separable U_T, a type's value of an effort against China's response r is
    B(θ, e) + Σ_sig P(sig | θ, e)·g(r(sig)). Every Engage[ρ] shares it (same U_T array).
    """
    return np.asarray((t.p_signal * t.u_taliban[m_index][..., 0]).sum(axis=-1))


def dominance(t: GameTensors, m_index: int, tol: float, base: FloatArray | None = None,
              u_lead: FloatArray | None = None) -> Dominance:
    """Efforts and final actions that survive strict dominance after first move m.

    Parameters
    ----------
    t
        The game's tensors (the separable U_T is required: ``t.taliban_action_part``).
    m_index
        Index of the first move.
    tol
        The optimality tolerance the margins are scaled from.
    base, u_lead
        :func:`taliban_base` and :func:`points_last` of China's payoffs, when already
        computed.
    """
    if t.taliban_action_part is None:
        raise ValueError("dominance needs the separable Taliban payoff")
    g = t.taliban_action_part[m_index]                       # (n, F)
    ps = t.p_signal                                          # (n, T, E, S)
    n, n_types, n_eff, n_sig = ps.shape
    if base is None:
        base = taliban_base(t, m_index)
    if u_lead is None:
        u_lead = points_last(t.u_china[m_index])
    n_act = u_lead.shape[0]

    # (i) China's actions that are never a best response at an information set
    u_te = u_lead.reshape(n_act, n_types * n_eff, n_sig, n)   # (F, T·E, S, n)
    c_scale = np.abs(u_te.reshape(-1, n)).max(axis=0)
    c_margin = DOMINANCE_MARGIN * tol * (1.0 + c_scale)
    allowed = np.ones((n_act, n_sig, n), dtype=bool)
    for f in range(n_act):
        for f2 in range(f + 1, n_act):
            d = u_te[f2] - u_te[f]                             # (T·E, S, n)
            allowed[f] &= ~(d.min(axis=0) > c_margin)
            allowed[f2] &= ~(-d.max(axis=0) > c_margin)

    # (ii) the types' efforts dominated against every response from the remaining actions
    g_l = g.T[:, None, :]                                    # (F, 1, n)
    g_lo = np.where(allowed, g_l, np.inf).min(axis=0)[:, None, :]      # (S, 1, n)
    g_hi = np.where(allowed, g_l, -np.inf).max(axis=0)[:, None, :]
    base_l = np.ascontiguousarray(base.transpose(2, 1, 0))   # (E, T, n)
    ps_l = np.ascontiguousarray(ps.transpose(2, 3, 1, 0))    # (E, S, T, n)
    t_scale = np.abs(base_l).reshape(-1, n).max(axis=0) + np.abs(g).max(axis=1)
    t_margin = DOMINANCE_MARGIN * tol * (1.0 + t_scale)
    alive = np.ones((n_eff, n_types, n), dtype=bool)
    for e in range(n_eff):
        for e2 in range(e + 1, n_eff):
            dp = ps_l[e2] - ps_l[e]                          # (S, T, n)
            lo, hi = dp * g_lo, dp * g_hi
            # e2 against e under the response that favours e most, and the reverse
            gain = base_l[e2] - base_l[e]
            alive[e] &= ~(gain + np.minimum(lo, hi).sum(axis=0) > t_margin)
            alive[e2] &= ~(-gain - np.maximum(lo, hi).sum(axis=0) > t_margin)
    return Dominance(alive=np.ascontiguousarray(alive.transpose(2, 1, 0)), allowed=allowed)
