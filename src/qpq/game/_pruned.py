"""The continuation kernel without dominated strategies: the fast path of sweeps.

:func:`qpq.game._kernel.continuation_kernel` checks all E^T type-contingent effort profiles
after a first move. :func:`pruned_kernel` checks only the profiles whose efforts survive
strict dominance (:mod:`qpq.game._dominance`), and only China's final actions that may be
best responses; a profile with a dominated effort is never a continuation equilibrium and
a dominated action is never China's first best response, so the continuation equilibria,
China's responses and values are the full kernel's.

Points are grouped by how many efforts survive per type (at most E^T groups, a handful in
practice; small groups are merged and padded, see :func:`_groups`); inside a
group each point maps its surviving efforts to the group's slots, and all arrays carry the
points on the last axis, so that every operation is element-wise over long rows. China's
numerators and values are summed in the full kernel's order (types in two halves, signals
as NumPy sums a row), so they agree with it bit for bit; the types' values of their
efforts are summed in another order than the full kernel's matrix product (equal to
rounding). Only types with two or more surviving efforts need an optimality check: a
type's only surviving effort is a best reply to anything. ``china_tie`` is reported for
the evaluated profiles only (a tie in a profile that cannot be an equilibrium hides no
equilibrium).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import numpy as np
from numpy.typing import NDArray

from qpq.game._dominance import Dominance, dominance, points_last, taliban_base
from qpq.game._kernel import best_responses, continuation_kernel, profiles
from qpq.game._payoffs import GameTensors

__all__ = ["GROUP_OVERHEAD", "PrunedResult", "pruned_kernel"]

FloatArray = NDArray[np.float64]

GROUP_OVERHEAD = 400
"""The fixed cost of a group, in profile-points (its Python and call overhead)."""

@dataclass(frozen=True)
class PrunedResult:
    """Kernel results on the full profile axis (removed profiles are not equilibria).

    Attributes
    ----------
    taliban_ok
        (n, P): the profile is a pure continuation equilibrium (China's ties broken by
        action order).
    china_value
        (n, P): China's expected payoff of the continuation (0 for removed profiles).
    response
        (n, P, S) int8: China's first best response (0 for removed profiles).
    china_tie
        (n,): China has more than one best response at some information set of some
        evaluated profile.
    evaluated
        (n, P): the profile survived and was evaluated.
    """

    taliban_ok: NDArray[np.bool_]
    china_value: FloatArray
    response: NDArray[np.int8]
    china_tie: NDArray[np.bool_]
    evaluated: NDArray[np.bool_]


@lru_cache(maxsize=256)
def _slots(counts: tuple[int, ...]) -> NDArray[np.int64]:
    """(P_g, T): the slot profiles of a group whose types have ``counts`` efforts."""
    return np.array(list(product(*(range(k) for k in counts))), dtype=np.int64).reshape(
        -1, len(counts))


def _sum_signals(x: FloatArray) -> FloatArray:
    """Σ over the signal axis (second to last) in NumPy's order for a contiguous row.

    NumPy sums a contiguous row of fewer than 8 numbers left to right, and a row of 8 to
    128 numbers in eight interleaved partial sums combined as a tree; repeating that order
    with the points on the last axis gives the full kernel's row sums bit for bit.
    """
    n_sig = x.shape[-2]
    rows = [x[..., k, :] for k in range(n_sig)]
    if n_sig < 8 or n_sig > 128:
        acc = rows[0]
        for r in rows[1:]:
            acc = acc + r
        return acc
    part = rows[:8]
    whole = n_sig - n_sig % 8
    for i in range(8, whole, 8):
        part = [part[k] + rows[i + k] for k in range(8)]
    acc = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5])
                                                           + (part[6] + part[7]))
    for r in rows[whole:]:
        acc = acc + r
    return acc


def _sum_slots(parts: list[FloatArray], counts: tuple[int, ...]) -> FloatArray:
    """Σ over types of each type's term at its slot, in the full kernel's order.

    ``parts[j]`` has shape (..., counts[j], S, n); the result (..., P_g, S, n). The full
    kernel adds types 0..h−1 and h..T−1 into two halves and then adds the halves; doing the
    same keeps the sums equal bit for bit (its halves start from 0, and 0 + x = x).
    """
    n_types = len(counts)
    h = n_types // 2
    lead = parts[0].shape[:-3]
    tail = parts[0].shape[-2:]

    def half(lo: int, hi: int) -> FloatArray:
        acc: FloatArray | None = None
        for k in range(lo, hi):
            shape = [1] * (hi - lo)
            shape[k - lo] = counts[k]
            term = parts[k].reshape((*lead, *shape, *tail))
            acc = term if acc is None else acc + term
        assert acc is not None
        size = int(np.prod(counts[lo:hi], dtype=np.int64))
        return np.broadcast_to(acc, (*lead, *counts[lo:hi], *tail)).reshape(
            (*lead, size, *tail))

    b = half(h, n_types)
    if h == 0:
        return b
    a = half(0, h)
    total = a[..., :, None, :, :] + b[..., None, :, :, :]
    return total.reshape((*lead, a.shape[-3] * b.shape[-3], *tail))


def _groups(counts: NDArray[np.int64]) -> list[tuple[NDArray[np.int64], tuple[int, ...]]]:
    """Points grouped by surviving efforts per type: (rows, slot counts) per group.

    Points with the same counts form a group. Then, smallest group first, a group is merged
    into the group where padding it (to the larger count per type) costs least, when that
    costs less than :data:`GROUP_OVERHEAD` profile-points, so that many tiny groups do not
    each pay the per-group overhead.
    """
    n, n_types = counts.shape
    # counts are at most E: digits in base E + 1 (base 4 at least, v1's keys)
    base = max(4, int(counts.max(initial=0)) + 1)
    key = (counts * (base ** np.arange(n_types))).sum(axis=1)
    codes, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    if codes.size == 1:
        return [(np.arange(n), tuple(int(c) for c in counts[0]))]
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse))
    parts = np.split(order, bounds[:-1])
    groups: list[tuple[int, tuple[int, ...], list[NDArray[np.int64]]]] = sorted(
        ((p.size, tuple(int(c) for c in counts[first[i]]), [p]) for i, p in enumerate(parts)),
        key=lambda g: g[0])
    i = 0
    while i < len(groups) and len(groups) > 1:
        size, cap, rows = groups[i]
        work = size * math.prod(cap)
        best, target = GROUP_OVERHEAD, -1
        for j, (size_j, cap_j, _) in enumerate(groups):
            if j == i:
                continue
            merged = tuple(max(a, b) for a, b in zip(cap, cap_j, strict=True))
            extra = (size + size_j) * math.prod(merged) - work - size_j * math.prod(cap_j)
            if extra < best:
                best, target = extra, j
        if target < 0:
            i += 1
            continue
        size_j, cap_j, rows_j = groups[target]
        groups[target] = (size + size_j, tuple(max(a, b) for a, b in zip(cap, cap_j,
                                                                          strict=True)),
                          rows_j + rows)
        del groups[i]
    return [(np.sort(np.concatenate(rows)), cap) for _, cap, rows in groups]


def pruned_kernel(t: GameTensors, m_index: int, tol: float, dom: Dominance | None = None,
                  base: FloatArray | None = None, u_lead: FloatArray | None = None
                  ) -> PrunedResult:
    """Continuation equilibria after first move ``m_index``, dominated strategies removed.

    Parameters
    ----------
    t
        The game's tensors for n points.
    m_index
        Index of the first move.
    tol
        Relative tolerance for ties and optimality (as in the full kernel).
    dom
        :func:`qpq.game._dominance.dominance` for this move (computed when not given).
    base, u_lead
        :func:`~qpq.game._dominance.taliban_base` and
        :func:`~qpq.game._dominance.points_last` of China's payoffs, when already computed.
    """
    n_types = len(t.structure.types)
    n_eff = t.structure.n_efforts
    n_prof = profiles(n_types, n_eff).shape[0]
    n = t.n_points
    n_sig = t.p_signal.shape[-1]
    if t.taliban_action_part is None:       # no separation: evaluate every profile
        k = continuation_kernel(t, m_index, tol)
        return PrunedResult(k.taliban_ok, k.china_value, k.response.astype(np.int8),
                            np.asarray(k.china_tie.any(axis=1)),
                            np.ones((n, n_prof), dtype=bool))
    if base is None:
        base = taliban_base(t, m_index)
    if u_lead is None:
        u_lead = points_last(t.u_china[m_index])              # (F, T, E, S, n)
    if dom is None:
        dom = dominance(t, m_index, tol, base, u_lead)
    alive = dom.alive
    ok_full = np.zeros(n * n_prof, dtype=bool)
    val_full = np.zeros(n * n_prof)
    resp_full = np.zeros((n * n_prof, n_sig), dtype=np.int8)
    done = np.zeros(n * n_prof, dtype=bool)
    tie_full = np.zeros(n, dtype=bool)

    # everything with the points on the last axis
    joint_l = np.ascontiguousarray((t.prior[:, :, None, None] * t.p_signal).transpose(
        1, 2, 3, 0))                                          # (T, E, S, n)
    ps_l = np.ascontiguousarray(t.p_signal.transpose(1, 2, 3, 0))
    base_l = np.ascontiguousarray(base.transpose(1, 2, 0))    # (T, E, n)
    g_l = np.ascontiguousarray(t.taliban_action_part[m_index].T)   # (F, n)
    counts = alive.sum(axis=2)                                # (n, T)
    order = np.argsort(~alive, axis=2, kind="stable")         # surviving efforts first
    weights = n_eff ** np.arange(n_types - 1, -1, -1)
    t_idx = np.arange(n_types)
    s_idx = np.arange(n_sig)
    for rows, cnt in _groups(counts):
        ng = rows.size
        whole = ng == n

        def pick(a: FloatArray, rows: NDArray[np.int64] = rows, whole: bool = whole
                 ) -> FloatArray:
            return a if whole else a[..., rows]

        slots = _slots(cnt)                                   # (Pg, T)
        # slot c of type j at point r is its c-th surviving effort (the last one repeats
        # where a merged group pads the point's count)
        cap = np.minimum(np.arange(n_eff)[None, None, :], counts[rows][:, :, None] - 1)
        emap = np.take_along_axis(order[rows], cap, axis=2)  # (ng, T, E)
        eff = emap[:, t_idx[None, :], slots]                  # (ng, Pg, T)
        pidx = eff @ weights                                  # (ng, Pg) global profile index
        # China's actions that may be best responses somewhere in the group
        acts = np.flatnonzero((dom.allowed if whole else dom.allowed[..., rows]).any(
            axis=(1, 2)))
        sel: list[NDArray[np.int64] | None] = []
        w_parts: list[FloatArray] = []
        j_parts: list[FloatArray] = []
        a4 = acts[:, None, None, None]
        for j in range(n_types):
            if cnt[j] == n_eff and bool(alive[rows, j].all()):
                ej = None                                     # every effort, in order
                jp, up = pick(joint_l[j]), pick(u_lead[:, j])[acts]
            else:                                             # one gather per array
                ej = np.ascontiguousarray(emap[:, j, :cnt[j]].T)                  # (c, ng)
                jp = joint_l[j][ej[:, None, :], s_idx[None, :, None], rows[None, None, :]]
                up = u_lead[a4, j, ej[None, :, None, :], s_idx[None, None, :, None],
                            rows[None, None, None, :]]                            # (F,c,S,ng)
            sel.append(ej)
            j_parts.append(jp)
            w_parts.append(jp[None] * up)
        num = _sum_slots(w_parts, cnt)                        # (F', Pg, S, ng)
        den = _sum_slots(j_parts, cnt)                        # (Pg, S, ng)

        _, response, chosen, hits = best_responses(num, den, tol, acts, np.int8)
        china_value = _sum_signals(chosen)                    # (Pg, ng)

        # each type with a choice: value of each surviving effort against the response,
        # B + Σ_sig P·g(response); its profile effort must be (within tol) the best
        g_g = pick(g_l)
        gs = np.empty(chosen.shape)
        for f in acts.tolist():
            np.copyto(gs, g_g[f], where=response == f)
        ok = np.ones((slots.shape[0], ng), dtype=bool)
        for j in range(n_types):
            if cnt[j] < 2:
                continue
            ej = sel[j]
            if ej is None:
                pj, bj = pick(ps_l[j]), pick(base_l[j])
            else:
                pj = ps_l[j][ej[:, None, :], s_idx[None, :, None], rows[None, None, :]]
                bj = base_l[j][ej, rows[None, :]]
            tv = _sum_signals(gs[:, None] * pj[None]) + bj[None]     # (Pg, c, ng)
            own = tv[np.arange(slots.shape[0]), slots[:, j]]         # (Pg, ng)
            best = tv.max(axis=1)
            ok &= own >= best - tol * (1.0 + np.abs(best))

        flat = (rows[:, None] * n_prof + pidx).reshape(-1)
        ok_full[flat] = ok.T.reshape(-1)
        val_full[flat] = china_value.T.reshape(-1)
        resp_full[flat] = response.transpose(2, 0, 1).reshape(-1, n_sig)
        done[flat] = True
        tie_full[rows] = (hits > 1).any(axis=(0, 1))
    return PrunedResult(ok_full.reshape(n, n_prof), val_full.reshape(n, n_prof),
                        resp_full.reshape(n, n_prof, n_sig), tie_full,
                        done.reshape(n, n_prof))
