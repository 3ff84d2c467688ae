"""Assembling and selecting pure PBE from continuation equilibria, for many points at once.

The kernels (:mod:`qpq.game._kernel`, :mod:`qpq.game._pruned`) say, for every point, first
move and effort profile, whether the profile with China's (tie-broken) best responses is a
continuation equilibrium and what China then gets. This module turns those arrays into the
PBE and selection of docs/model-game.md §7.6, exactly as
:func:`qpq.game._solver.solve` does for one point:

* a PBE exists when every first move has a continuation equilibrium; a continuation
  supports a PBE path when China's value from it is at least the worst continuation value
  of every other first move (the others' continuations can then deter deviation);
* China's preferred PBE is selected; ties across first moves go to the least committal
  move (lowest index), ties within a move to the first profile (least effort first);
* tied first moves are *outcome-equivalent* when they lead to the same distribution over
  (type, effort, signals, consequence) — :func:`pure_equivalent` decides it for pure
  continuations without building that distribution.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from qpq.game._kernel import relative_tol_ok
from qpq.game._payoffs import GameTensors
from qpq.game._spec import GameStructure
from qpq.model import FirstMove, breaks_word, consequence

__all__ = ["ChunkSelection", "fallback_move", "pure_equivalent", "select"]

FloatArray = NDArray[np.float64]

_EQUIV_RTOL = 1e-5     # numpy.isclose's default relative part


@dataclass(frozen=True)
class ChunkSelection:
    """Selection results for n points with M first moves and P profiles.

    Attributes
    ----------
    n_continuations
        (n, M): pure continuation equilibria per first move.
    has_pure
        (n,): a pure PBE exists.
    move
        (n,): the selected first move (−1 where no pure PBE).
    profile
        (n,): the selected profile (−1 where no pure PBE).
    tied
        (n, M): first moves whose best supported value ties the selected one's.
    n_paths
        (n,): distinct pure PBE paths (0 where no pure PBE).
    supported_profile
        (n, M): per first move, the first profile among the best supported continuations
        (what a tie compares; −1 where none).
    preferred_profile
        (n, M): per first move, China's preferred continuation equilibrium (first profile
        within tolerance of the best; −1 where none) — what China plays after that move
        when it is off the path; equal to ``profile`` at the selected move.
    """

    n_continuations: NDArray[np.int64]
    has_pure: NDArray[np.bool_]
    move: NDArray[np.int64]
    profile: NDArray[np.int64]
    tied: NDArray[np.bool_]
    n_paths: NDArray[np.int64]
    supported_profile: NDArray[np.int64]
    preferred_profile: NDArray[np.int64]


def select(eq: NDArray[np.bool_], val: FloatArray, tol: float) -> ChunkSelection:
    """Pure PBE and China's preferred one from continuation equilibria.

    Parameters
    ----------
    eq
        (n, M, P): the profile is a continuation equilibrium after the first move.
    val
        (n, M, P): China's expected payoff of that continuation (ignored where not ``eq``).
    tol
        Relative tolerance for China's ties.
    """
    n, n_moves, _ = eq.shape
    ncont = eq.sum(axis=2)
    has = (ncont > 0).all(axis=1)
    floors = np.where(eq, val, np.inf).min(axis=2)                  # (n, M)
    other = np.empty_like(floors)
    for mi in range(n_moves):
        rest = np.delete(floors, mi, axis=1)
        other[:, mi] = rest.max(axis=1) if rest.shape[1] else -np.inf
    support = eq & relative_tol_ok(val, other[:, :, None], tol)
    paths = support.sum(axis=(1, 2))
    vstar = np.where(support, val, -np.inf).max(axis=2)            # (n, M)
    top = vstar.max(axis=1)
    tied = relative_tol_ok(vstar, top[:, None], tol) & np.isfinite(vstar) & has[:, None]
    move = np.where(has, np.argmax(tied, axis=1), -1)
    best_sup = support & relative_tol_ok(val, vstar[:, :, None], tol)
    sup_prof = np.where(best_sup.any(axis=2), np.argmax(best_sup, axis=2), -1)
    idx = np.arange(n)
    pidx = np.where(has, sup_prof[idx, np.maximum(move, 0)], -1)
    vmax = np.where(eq, val, -np.inf).max(axis=2)
    best_eq = eq & relative_tol_ok(val, vmax[:, :, None], tol)
    pref = np.where(best_eq.any(axis=2), np.argmax(best_eq, axis=2), -1)
    rows = np.flatnonzero(has)
    pref[rows, move[rows]] = pidx[rows]
    return ChunkSelection(n_continuations=ncont, has_pure=has, move=move, profile=pidx,
                          tied=tied, n_paths=np.where(has, paths, 0),
                          supported_profile=sup_prof, preferred_profile=pref)


def fallback_move(value: FloatArray, pure: NDArray[np.bool_], tol: float
                  ) -> NDArray[np.int64]:
    """China's first move where no pure PBE exists, for lenses that need one move.

    Among the first moves after which a pure continuation equilibrium exists, the one whose
    preferred continuation China values most (ties to the least committal move, as in
    :func:`select`); where no first move has one, the same over every move, valuing each by
    its least-regret continuation.

    Parameters
    ----------
    value
        (n, M): China's value of the continuation each lens plays after each move.
    pure
        (n, M): that continuation is a pure continuation equilibrium.
    tol
        Relative tolerance for China's ties.
    """
    candidates = np.where(pure.any(axis=1, keepdims=True), pure, True)
    v = np.where(candidates, value, -np.inf)
    top = v.max(axis=1)
    tied = candidates & relative_tol_ok(v, top[:, None], tol)
    return np.asarray(np.argmax(tied, axis=1), dtype=np.int64)


@lru_cache(maxsize=64)
def _codes(structure: GameStructure, m: FirstMove) -> tuple[NDArray[np.int64],
                                                           NDArray[np.int64]]:
    """(S, F) consequence codes of a first move's final actions, without/with breach bit."""
    sig = structure.signals
    acts = structure.actions(m)
    s_v = np.array([g.s for g in sig])
    d_v = np.array([g.d for g in sig])
    r_v = np.array([g.r_close or 0 for g in sig])
    base = np.zeros((len(sig), len(acts)), dtype=np.int64)
    breach = np.zeros((len(sig), len(acts)), dtype=np.int64)
    for j, f in enumerate(acts):
        c = consequence(m, f)
        base[:, j] = (int(c.engaged) | int(c.recognised) << 1 | int(c.aid) << 2
                      | int(c.grants) << 3 | int(c.plan_b) << 4 | int(c.intervene) << 5)
        breach[:, j] = breaks_word(m, f, s_v, d_v, r_v).astype(np.int64) << 6
    return base, base | breach


def pure_equivalent(t: GameTensors, rows: NDArray[np.int64], m_a: int,
                    efforts_a: NDArray[np.int64], resp_a: NDArray[np.int64], m_b: int,
                    efforts_b: NDArray[np.int64], resp_b: NDArray[np.int64]
                    ) -> NDArray[np.bool_]:
    """Whether two pure continuations lead to the same outcome distribution, per row.

    Same test as comparing :func:`qpq.game._paths.consequence_distribution` of both with
    ``np.isclose(a, b, atol)``, atol = the structure's ``readings.equivalence_atol``,
    computed cell by cell: a (type, signal) cell matches when both continuations put the
    type's mass on the same effort and consequence code (the breach bit counts only where
    ``reneging_cost`` > 0); otherwise both masses must be negligible.

    Parameters
    ----------
    t
        The tensors (all points of the chunk).
    rows
        The points to compare.
    m_a, m_b
        First-move indices.
    efforts_a, efforts_b
        (r, T) effort index per type.
    resp_a, resp_b
        (r, S) China's action index per information set.
    """
    st = t.structure
    costly = np.asarray(t.params["reneging_cost"], dtype=float)[rows] > 0
    n_sig = len(st.signals)
    sig = np.arange(n_sig)

    def code(m: int, resp: NDArray[np.int64]) -> NDArray[np.int64]:
        plain, with_b = _codes(st, st.first_moves[m])
        return np.where(costly[:, None], with_b[sig, resp], plain[sig, resp])   # (r, S)

    code_a, code_b = code(m_a, resp_a), code(m_b, resp_b)
    prior = t.prior[rows][:, :, None]                                        # (r, T, 1)
    ps = t.p_signal[rows]                                                    # (r, T, E, S)
    mass_a = prior * np.take_along_axis(ps, efforts_a[:, :, None, None], axis=2)[:, :, 0]
    mass_b = prior * np.take_along_axis(ps, efforts_b[:, :, None, None], axis=2)[:, :, 0]
    same_cell = (efforts_a[:, :, None] == efforts_b[:, :, None]) & (
        code_a[:, None, :] == code_b[:, None, :])                             # (r, T, S)
    # matching cells: the masses are equal (same type, effort and signal); other cells:
    # a's mass against 0 and 0 against b's mass
    atol = st.readings.equivalence_atol
    ok = same_cell | ((mass_a <= atol) & (mass_b <= atol + _EQUIV_RTOL * mass_b))
    return np.asarray(ok.all(axis=(1, 2)))
