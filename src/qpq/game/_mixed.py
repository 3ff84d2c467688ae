"""The bounded search for mixed continuation equilibria (docs/model-game.md §7.6).

Some parameter points have no pure PBE (typically after a promise, when China's best
response to a pooling profile would make a type deviate and vice versa). The search here
looks, after one first move at a time, for equilibria of two shapes:

(a) **one type and one information set mixing**: one Taliban type mixes over two efforts
    (probability p on the higher one), China mixes over two final actions at one
    information set (probability q on the later one), everything else is pure. China's
    indifference at that information set fixes p (China's expected payoffs are linear in
    p), the type's indifference fixes q; then every other choice is checked for
    optimality;
(b) **China alone mixing**: the Taliban play a pure profile at which China is indifferent
    between two final actions at one information set; every q in the interval that keeps
    all types' efforts optimal gives an equilibrium, and the midpoint represents them.

Not covered (stated in every result): two or more types mixing, China mixing at two or more
information sets or over three or more actions, a type mixing while China plays pure (that
needs exact indifference of the type, a non-generic event), and mixing over first moves.
"""

from __future__ import annotations

from itertools import combinations, product

import numpy as np
from numpy.typing import NDArray

from qpq.game._kernel import KernelResult, profiles, relative_tol_ok
from qpq.game._payoffs import GameTensors
from qpq.game._solution import Continuation

__all__ = ["MIXED_COVERAGE", "mixed_continuations"]

FloatArray = NDArray[np.float64]

MIXED_COVERAGE = (
    "after each first move: (a) one Taliban type mixing over two efforts together with China "
    "mixing over two final actions at one information set, all other choices pure; (b) a pure "
    "Taliban profile with China mixing over two tied final actions at one information set. "
    "Not covered: two or more types mixing, China mixing at two or more information sets or "
    "over three or more actions, a type mixing against pure China play (non-generic), mixing "
    "over first moves."
)


def _describe_a(t: GameTensors, m_index: int, theta: int, e1: int, e2: int, p: float,
                s_star: int, f1: int, f2: int, q: float) -> str:
    st = t.structure
    m = st.first_moves[m_index]
    acts = st.actions(m)
    return (f"type {st.types[theta].label} mixes {st.efforts[e1].label}/{st.efforts[e2].label} "
            f"(p({st.efforts[e2].label})={p:.4g}); China mixes at "
            f"{st.china_infoset(m, st.signals[s_star])} {acts[f1].value}/{acts[f2].value} "
            f"(p({acts[f2].value})={q:.4g})")


def mixed_continuations(t: GameTensors, m_index: int, k: KernelResult, tol: float
                        ) -> tuple[list[Continuation], int]:
    """Mixed continuation equilibria after first move ``m_index`` at a single point.

    Parameters
    ----------
    t
        Tensors of one point (ensemble axis of length 1).
    m_index
        The first move.
    k
        The pure kernel's result for this point and first move.
    tol
        Relative tolerance.

    Returns
    -------
    tuple
        The equilibria found (deduplicated) and the number of candidates examined.
    """
    if t.n_points != 1:
        raise ValueError("the mixed search works on one parameter point at a time")
    found: list[Continuation] = []
    n_cand = 0
    c1, n1 = _search_type_and_china(t, m_index, k, tol)
    c2, n2 = _search_china_only(t, m_index, k, tol)
    n_cand = n1 + n2
    for c in c1 + c2:
        if not any(c.same_as(o) for o in found):
            found.append(c)
    return found, n_cand


def _search_type_and_china(t: GameTensors, m_index: int, k: KernelResult, tol: float
                           ) -> tuple[list[Continuation], int]:
    n_types = len(t.structure.types)
    n_eff = t.structure.n_efforts
    prof = profiles(n_types, n_eff)
    num = k.numerator[0]            # (P, S, F)
    den = k.denominator[0]          # (P, S)
    p_sig = t.p_signal[0]           # (T, E, S)
    u_t = t.u_taliban[m_index][0]   # (T, E, S, F)
    u_c = t.u_china[m_index][0]
    n_sig, n_act = num.shape[1], num.shape[2]
    out: list[Continuation] = []
    n_cand = 0
    fpairs = list(combinations(range(n_act), 2))
    fa = np.array([a for a, _ in fpairs])
    fb = np.array([b for _, b in fpairs])
    for theta in range(n_types):
        stride = n_eff ** (n_types - 1 - theta)
        for e1, e2 in combinations(range(n_eff), 2):
            rows = np.flatnonzero(prof[:, theta] == e1)
            rows2 = rows + (e2 - e1) * stride
            n_cand += rows.size * n_sig * len(fpairs)
            a = num[rows][:, :, fa] - num[rows][:, :, fb]        # (R, S, pairs)
            b = num[rows2][:, :, fa] - num[rows2][:, :, fb]
            with np.errstate(divide="ignore", invalid="ignore"):
                p = a / (a - b)
            cand = np.argwhere(np.isfinite(p) & (p > 1e-12) & (p < 1 - 1e-12))
            for r, s_star, pair in cand:
                pv = float(p[r, s_star, pair])
                f1, f2 = int(fa[pair]), int(fb[pair])
                nm = (1 - pv) * num[rows[r]] + pv * num[rows2[r]]
                dm = (1 - pv) * den[rows[r]] + pv * den[rows2[r]]
                val = nm / dm[:, None]
                vmax = val.max(axis=1)
                if not relative_tol_ok(val[s_star, f1], vmax[s_star], tol):
                    continue
                br = relative_tol_ok(val, vmax[:, None], tol)
                others = np.delete(np.arange(n_sig), s_star)
                if (br[others].sum(axis=1) > 1).any():
                    continue  # a second tie: outside the search's bounds
                resp = np.argmax(br, axis=1)
                base_act = resp.copy()
                base_act[s_star] = f1
                tw = p_sig[..., None] * u_t                        # (T, E, S, F)
                base = np.take_along_axis(tw, base_act[None, None, :, None], axis=3)[..., 0].sum(
                    axis=2)                                       # (T, E)
                slope = tw[:, :, s_star, f2] - tw[:, :, s_star, f1]
                dslope = slope[theta, e1] - slope[theta, e2]
                if abs(dslope) < 1e-14:
                    continue
                q = -(base[theta, e1] - base[theta, e2]) / dslope
                if not -1e-12 <= q <= 1 + 1e-12:
                    continue
                q = min(max(q, 0.0), 1.0)
                tv = base + q * slope
                best = tv.max(axis=1)
                profile = prof[rows[r]]
                # e1 and e2 both optimal (so no other effort is better)
                ok = bool(relative_tol_ok(tv[theta, e1], best[theta], tol)) and bool(
                    relative_tol_ok(tv[theta, e2], best[theta], tol))
                for th in range(n_types):
                    if th != theta and not relative_tol_ok(tv[th, profile[th]], best[th], tol):
                        ok = False
                if not ok:
                    continue
                taliban = np.zeros((n_types, n_eff))
                taliban[np.arange(n_types), profile] = 1.0
                taliban[theta] = 0.0
                taliban[theta, e1] = 1 - pv
                taliban[theta, e2] = pv
                china = np.zeros((n_sig, n_act))
                china[np.arange(n_sig), resp] = 1.0
                china[s_star] = 0.0
                china[s_star, f1] = 1 - q
                china[s_star, f2] = q
                value = _china_value(t, m_index, taliban, china, u_c)
                out.append(Continuation(
                    first_move=t.structure.first_moves[m_index], taliban=taliban, china=china,
                    china_value=value, pure=False,
                    description=_describe_a(t, m_index, theta, e1, e2, pv, int(s_star), f1, f2,
                                            q)))
    return out, n_cand


def _search_china_only(t: GameTensors, m_index: int, k: KernelResult, tol: float
                       ) -> tuple[list[Continuation], int]:
    n_types = len(t.structure.types)
    n_eff = t.structure.n_efforts
    prof = profiles(n_types, n_eff)
    p_sig = t.p_signal[0]
    u_t = t.u_taliban[m_index][0]
    u_c = t.u_china[m_index][0]
    br_all = k.best_response[0]                  # (P, S, F)
    n_sig, n_act = br_all.shape[1], br_all.shape[2]
    tw = p_sig[..., None] * u_t
    out: list[Continuation] = []
    n_cand = 0
    st = t.structure
    m = st.first_moves[m_index]
    acts = st.actions(m)
    for pi in np.flatnonzero(k.china_tie[0]):
        br = br_all[pi]
        tied = [s for s in range(n_sig) if br[s].sum() > 1]
        options = [np.flatnonzero(br[s]) for s in range(n_sig)]
        for s_star in tied:
            for f1, f2 in combinations(options[s_star], 2):
                rest = [options[s] if s != s_star else np.array([f1]) for s in range(n_sig)]
                for combo in product(*rest):
                    n_cand += 1
                    resp = np.array(combo)
                    base = np.take_along_axis(tw, resp[None, None, :, None], axis=3)[..., 0].sum(
                        axis=2)
                    slope = tw[:, :, s_star, f2] - tw[:, :, s_star, f1]
                    profile = prof[pi]
                    lo, hi = 0.0, 1.0
                    for th in range(n_types):
                        own_b, own_s = base[th, profile[th]], slope[th, profile[th]]
                        for e in range(n_eff):
                            alpha = own_b - base[th, e] + tol * (1 + abs(own_b))
                            beta = own_s - slope[th, e]
                            if abs(beta) < 1e-14:
                                if alpha < 0:
                                    lo, hi = 1.0, 0.0
                            elif beta > 0:
                                lo = max(lo, -alpha / beta)
                            else:
                                hi = min(hi, -alpha / beta)
                    lo, hi = max(lo, 0.0), min(hi, 1.0)
                    if not hi - lo > 1e-9:
                        continue
                    q = 0.5 * (lo + hi)
                    taliban = np.zeros((n_types, n_eff))
                    taliban[np.arange(n_types), profile] = 1.0
                    china = np.zeros((n_sig, n_act))
                    china[np.arange(n_sig), resp] = 1.0
                    china[s_star] = 0.0
                    china[s_star, f1] = 1 - q
                    china[s_star, f2] = q
                    out.append(Continuation(
                        first_move=m, taliban=taliban, china=china,
                        china_value=_china_value(t, m_index, taliban, china, u_c), pure=False,
                        description=(f"China mixes at {st.china_infoset(m, st.signals[s_star])} "
                                     f"{acts[f1].value}/{acts[f2].value}, any "
                                     f"p({acts[f2].value}) in [{lo:.4g}, {hi:.4g}] "
                                     f"(midpoint shown); Taliban pure")))
    return out, n_cand


def _china_value(t: GameTensors, m_index: int, taliban: FloatArray, china: FloatArray,
                 u_c: FloatArray) -> float:
    joint = (t.prior[0][:, None] * taliban)[..., None] * t.p_signal[0]   # (T, E, S)
    return float((joint[..., None] * china[None, None] * u_c).sum())
