"""What a continuation (behaviour of both players after one first move) leads to.

Given China's first move, the Taliban's behaviour per type and China's behaviour per
information set, :func:`path_statistics` computes for every point of an ensemble the
probabilities and expectations that labels and outcomes need: China's posterior at each
information set, both players' expected payoffs, the distribution of China's final
actions, P(recognised), P(s), P(d) (and what they would be if every type harboured),
expected harm this round and in the future, and China's security as the spec defines it.
Pure strategies are the special case of one-hot behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qpq.game._payoffs import GameTensors
from qpq.game._spec import Effort
from qpq.model import FinalAction, MoveKind, breaks_word, consequence

__all__ = ["PathStats", "consequence_distribution", "path_statistics"]

FloatArray = NDArray[np.float64]

FINAL_ORDER: tuple[FinalAction, ...] = tuple(FinalAction)


@dataclass(frozen=True)
class PathStats:
    """Path statistics for n points (all arrays have the points on axis 0)."""

    kind: MoveKind
    china_value: FloatArray           # (n,)
    taliban_by_type: FloatArray       # (n, T) expected U_T of each type
    taliban_value: FloatArray         # (n,) ex ante
    beliefs: FloatArray               # (n, S, T) China's posterior at each information set
    p_signal: FloatArray              # (n, S) probability of each information set
    p_final: FloatArray               # (n, 7) by FinalAction order
    p_recognised: FloatArray
    p_aid: FloatArray
    p_breach: FloatArray
    p_suppressed: FloatArray
    p_defected: FloatArray
    p_close: FloatArray
    p_suppressed_harbour: FloatArray
    p_defected_harbour: FloatArray
    p_crackdown: FloatArray
    sincere_effort_ok: NDArray[np.bool_]   # every sincere type restrains or cracks down
    round_harm: FloatArray
    future_harm: FloatArray
    security: FloatArray


def path_statistics(t: GameTensors, m_index: int, taliban: FloatArray, china: FloatArray,
                    tol: float = 1e-9) -> PathStats:
    """Statistics of the play after first move ``m_index``.

    Parameters
    ----------
    t
        The game's tensors for n points.
    m_index
        Index of the first move in ``t.structure.first_moves``.
    taliban
        (n, T, E): each type's probability of each effort.
    china
        (n, S, F): China's probability of each final action at each information set.
    """
    st = t.structure
    m = st.first_moves[m_index]
    acts = st.actions(m)
    sig = st.signals
    n = t.n_points
    # joint probability of (type, effort, signal, action)
    tb = t.prior[:, :, None] * taliban                        # (n, T, E)
    pts = tb[..., None] * t.p_signal                          # (n, T, E, S)
    joint = pts[..., None] * china[:, None, None, :, :]       # (n, T, E, S, F)

    china_value = (joint * t.u_china[m_index]).sum(axis=(1, 2, 3, 4))
    cond = taliban[..., None, None] * t.p_signal[..., None] * china[:, None, None]
    by_type = (cond * t.u_taliban[m_index]).sum(axis=(2, 3, 4))
    taliban_value = (t.prior * by_type).sum(axis=1)

    p_sig = pts.sum(axis=(1, 2))                              # (n, S)
    post = pts.sum(axis=2).transpose(0, 2, 1)                 # (n, S, T)
    beliefs = post / np.where(p_sig > 0, p_sig, 1.0)[..., None]

    p_act = joint.sum(axis=(1, 2, 3))                         # (n, F)
    p_final = np.zeros((n, len(FINAL_ORDER)))
    for j, f in enumerate(acts):
        p_final[:, FINAL_ORDER.index(f)] = p_act[:, j]
    cons = [consequence(m, f) for f in acts]
    rec = np.array([float(c.recognised) for c in cons])
    aid = np.array([float(c.aid) for c in cons])
    s_v = np.array([g.s for g in sig], dtype=float)
    d_v = np.array([g.d for g in sig], dtype=float)
    r_v = np.array([g.r_close or 0 for g in sig], dtype=float)
    breach = np.stack([breaks_word(m, f, s_v, d_v, r_v) for f in acts], axis=-1).astype(float)
    p_sa = joint.sum(axis=(1, 2))                             # (n, S, F)

    p_h = t.prior
    harbour_s = (p_h * t.p_s[:, :, 0]).sum(axis=1)
    harbour_d = (p_h * t.p_d[:, :, 0]).sum(axis=1)
    sincere = t.sincere.astype(bool)
    if sincere.any():
        sincere_ok = np.asarray((taliban[:, sincere, 0] <= tol).all(axis=1))
    else:
        sincere_ok = np.zeros(n, dtype=bool)
    if t.coopt is None:
        round_harm = (p_sig * t.harm).sum(axis=1)
    else:
        # co-optation leaves part of the ETIM harm behind a signal s = 1, so the harm
        # depends on the effort as well as on the signal
        col = t.params_col(3)
        per = col["etim_threat"] * t.etim_share + col["iskp_threat"] * t.p_d   # (n, T, E)
        round_harm = (tb * per).sum(axis=(1, 2))
    future = (joint.sum(axis=3) * t.future[m_index]).sum(axis=(1, 2, 3))
    fw = np.asarray(t.params["future_weight"], dtype=float)
    return PathStats(
        kind=m.kind, china_value=china_value, taliban_by_type=by_type,
        taliban_value=taliban_value, beliefs=beliefs, p_signal=p_sig, p_final=p_final,
        p_recognised=p_act @ rec, p_aid=p_act @ aid, p_breach=(p_sa * breach).sum(axis=(1, 2)),
        p_suppressed=p_sig @ s_v, p_defected=p_sig @ d_v,
        p_close=p_sig @ r_v if st.un_report else np.full(n, np.nan),
        p_suppressed_harbour=harbour_s, p_defected_harbour=harbour_d,
        p_crackdown=(tb[:, :, st.efforts.index(Effort.CRACKDOWN)].sum(axis=1)
                     if Effort.CRACKDOWN in st.efforts else np.zeros(n)),
        sincere_effort_ok=sincere_ok,
        round_harm=round_harm, future_harm=future, security=-(round_harm + fw * future),
    )


def consequence_distribution(t: GameTensors, m_index: int, taliban: FloatArray,
                             china: FloatArray) -> FloatArray:
    """Distribution over (type, effort, signal, consequence code), shape (n, T, E, S, 128).

    The consequence code packs the payoff-relevant facts of a final action: engaged, R, A,
    G, Plan B, intervention and breach (breach only where ``reneging_cost`` > 0). Two
    continuations are *outcome-equivalent* when these distributions agree, whatever the
    first move and final actions are called (e.g. Engage[no_promise] with Reward everywhere
    and Recognize with Maintain everywhere).
    """
    st = t.structure
    m = st.first_moves[m_index]
    acts = st.actions(m)
    sig = st.signals
    n = t.n_points
    s_v = np.array([g.s for g in sig])
    d_v = np.array([g.d for g in sig])
    r_v = np.array([g.r_close or 0 for g in sig])
    base_codes = np.zeros((len(sig), len(acts)), dtype=np.int64)
    breach_bits = np.zeros((len(sig), len(acts)), dtype=np.int64)
    for j, f in enumerate(acts):
        c = consequence(m, f)
        base_codes[:, j] = (int(c.engaged) | int(c.recognised) << 1 | int(c.aid) << 2
                            | int(c.grants) << 3 | int(c.plan_b) << 4 | int(c.intervene) << 5)
        breach_bits[:, j] = breaks_word(m, f, s_v, d_v, r_v).astype(np.int64) << 6
    # a broken promise is an outcome only when it costs something
    costly = np.asarray(t.params["reneging_cost"], dtype=float).reshape(-1) > 0
    joint = (t.prior[:, :, None] * taliban)[..., None, None] * t.p_signal[..., None] * china[
        :, None, None]                                        # (n, T, E, S, F)
    out = np.zeros((n, joint.shape[1], joint.shape[2], len(sig), 128))
    for k in range(len(sig)):
        for j in range(len(acts)):
            with_b = base_codes[k, j] | breach_bits[k, j]
            out[costly, :, :, k, with_b] += joint[costly, :, :, k, j]
            out[~costly, :, :, k, base_codes[k, j]] += joint[~costly, :, :, k, j]
    return out
