"""The exact solver for the quid pro quo game family: all pure PBE, bounded mixed search.

Two entry points share one vectorised kernel (:mod:`qpq.game._kernel`); this module holds
the first, :mod:`qpq.game._ensemble` the second:

* :func:`solve` — one parameter point, everything: every pure continuation equilibrium after
  every first move (China's ties enumerated exactly), the bounded mixed search
  (:mod:`qpq.game._mixed`), every PBE assembled from them, beliefs at every information set,
  payoffs, outcome, label and flags, in a self-describing :class:`GameSolution`;
* :func:`solve_ensemble` — many parameter points at once (grids, Monte Carlo), pure PBE
  only, returning arrays (selected first move, label, flags, path statistics) for sweeps.

Method (docs/model-game.md §7.6): per first move, the E^T type-contingent
effort profiles; China's Bayes posterior at each (m, s, d, r) (every one is reached, since
the chance moves have full support); China's best responses with ties kept; each type's
optimality; then China's first move, which must be at least as good as every other first
move followed by some continuation equilibrium.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import product
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.checks import check_flag, check_whole
from qpq.errors import BadInputError
from qpq.game._ensemble import EnsembleSolution, solve_ensemble
from qpq.game._kernel import (
    DEFAULT_TOL,
    KernelResult,
    check_tol,
    continuation_kernel,
    profiles,
    relative_tol_ok,
)
from qpq.game._labels import LABELS, SELECTION_RULE, label_flags, primary_label
from qpq.game._mixed import MIXED_COVERAGE, mixed_continuations
from qpq.game._paths import (
    FINAL_ORDER,
    PathStats,
    consequence_distribution,
    path_statistics,
)
from qpq.game._payoffs import GameTensors, build_tensors
from qpq.game._selection import select
from qpq.game._solution import Continuation, Equilibrium, GameSolution, MixedSearchReport
from qpq.game._spec import FULL_GAME, GameStructure
from qpq.model import ParameterSet, check_game_values

__all__ = ["DEFAULT_TOL", "METHOD", "EnsembleSolution", "pure_continuations", "solve",
           "solve_ensemble"]

FloatArray = NDArray[np.float64]


METHOD = ("qpq.game.solve v1: enumeration of the 3^T pure effort profiles per first move, "
          "Bayes beliefs, China's best responses with ties enumerated, type optimality, "
          "first-move optimality; plus the bounded mixed search")

_MAX_TIE_COMBOS = 4096


def _arrays(params: ParameterSet | Mapping[str, float]) -> dict[str, FloatArray]:
    if isinstance(params, ParameterSet):
        return params.arrays()
    if check_game_values(params) != 1:
        raise BadInputError("params: solve takes one point (one value per parameter); "
                            "solve_ensemble takes arrays")
    return {k: np.array([float(v)]) for k, v in params.items()}


def _close(a: float, b: float, tol: float) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return a == b
    return abs(a - b) <= tol * (1.0 + max(abs(a), abs(b)))


# --------------------------------------------------------------------------- continuations


def pure_continuations(t: GameTensors, m_index: int, k: KernelResult, tol: float
                       ) -> tuple[list[Continuation], bool, bool]:
    """Every pure continuation equilibrium after first move ``m_index`` at one point.

    Returns the equilibria, whether China had ties somewhere, and whether a tie enumeration
    was cut at its cap.
    """
    n_types = len(t.structure.types)
    n_eff = t.structure.n_efforts
    prof = profiles(n_types, n_eff)
    m = t.structure.first_moves[m_index]
    u_t = t.u_taliban[m_index][0]
    tw = t.p_signal[0][..., None] * u_t                     # (T, E, S, F)
    n_sig, n_act = k.best_response.shape[2], k.best_response.shape[3]
    found: list[Continuation] = []
    tie_any = bool(k.china_tie[0].any())
    cut = False

    def make(pi: int, resp: NDArray[np.int64]) -> Continuation:
        taliban = np.zeros((n_types, n_eff))
        taliban[np.arange(n_types), prof[pi]] = 1.0
        china = np.zeros((n_sig, n_act))
        china[np.arange(n_sig), resp] = 1.0
        value = float(np.take_along_axis(k.numerator[0, pi], resp[:, None], axis=1).sum())
        return Continuation(first_move=m, taliban=taliban, china=china, china_value=value,
                            pure=True)

    for pi in range(prof.shape[0]):
        if not k.china_tie[0, pi]:
            if k.taliban_ok[0, pi]:
                found.append(make(pi, k.response[0, pi]))
            continue
        options = [np.flatnonzero(k.best_response[0, pi, s]) for s in range(n_sig)]
        for count, combo in enumerate(product(*options)):
            if count >= _MAX_TIE_COMBOS:
                cut = True
                break
            resp = np.array(combo, dtype=np.int64)
            tv = np.take_along_axis(tw, resp[None, None, :, None], axis=3)[..., 0].sum(axis=2)
            own = tv[np.arange(n_types), prof[pi]]
            if relative_tol_ok(own, tv.max(axis=1), tol).all():
                found.append(make(pi, resp))
    return found, tie_any, cut


# --------------------------------------------------------------------------- assembly


def _enumerate(sets: list[list[Continuation]], tol: float, cap: int
               ) -> tuple[list[tuple[int, tuple[int, ...]]], int]:
    """PBE as (on-path first move, continuation index per first move); capped, with count."""
    out: list[tuple[int, tuple[int, ...]]] = []
    total = 0
    if not all(sets):
        return out, 0
    floors = [min(c.china_value for c in s) for s in sets]
    for mi, s in enumerate(sets):
        other_floor = max((f for j, f in enumerate(floors) if j != mi), default=-math.inf)
        for ci, c in enumerate(s):
            v = c.china_value
            if v < other_floor and not _close(v, other_floor, tol):
                continue
            choices = [[ci] if j == mi else
                       [x for x, o in enumerate(sets[j])
                        if o.china_value <= v or _close(o.china_value, v, tol)]
                       for j in range(len(sets))]
            total += math.prod(len(ch) for ch in choices)
            for combo in product(*choices):
                if len(out) >= cap:
                    break
                out.append((mi, tuple(combo)))
    return out, total


def _outcome(t: GameTensors, mi: int, stats: PathStats) -> dict[str, Any]:
    st = t.structure
    m = st.first_moves[mi]
    acts = st.actions(m)
    return {
        "first_move": m.label,
        "p_recognised": float(stats.p_recognised[0]),
        "p_aid": float(stats.p_aid[0]),
        "p_breach": float(stats.p_breach[0]),
        "p_suppressed": float(stats.p_suppressed[0]),
        "p_defected": float(stats.p_defected[0]),
        "p_un_close": None if not st.un_report else float(stats.p_close[0]),
        "final_actions": {f.value: float(stats.p_final[0, FINAL_ORDER.index(f)])
                          for f in acts},
        "round_harm": float(stats.round_harm[0]),
        "future_harm": float(stats.future_harm[0]),
        "china_security": float(stats.security[0]),
        "china_payoff": float(stats.china_value[0]),
        "taliban_payoff": float(stats.taliban_value[0]),
    }


def solve(params: ParameterSet | Mapping[str, float], structure: GameStructure = FULL_GAME, *,
          mixed: bool = True, intuitive: bool = False, tol: float = DEFAULT_TOL,
          max_equilibria: int = 256) -> GameSolution:
    """Solve the game at one parameter point.

    Parameters
    ----------
    params
        A validated :class:`ParameterSet` (or a plain ``name -> value`` mapping with every
        parameter the game needs).
    structure
        Which member of the game family (default: the full game), with its named reading
        choices (:class:`qpq.game.Readings`: whether pure PBE are selected over mixed
        ones, σ_d in W, the outcome-equivalence tolerance).
    mixed
        Run the bounded mixed search (:mod:`qpq.game._mixed`).
    intuitive
        Apply the intuitive-criterion filter (see :attr:`GameSolution.intuitive`).
    tol
        Relative tolerance for ties and optimality.
    max_equilibria
        At most this many PBE are listed, at least 1 (the count of all is always
        reported, and the selected one is always listed).
    """
    tol = check_tol(tol)
    max_equilibria = check_whole(max_equilibria, "max_equilibria", minimum=1)
    # mixed="no" is true to Python: it ran the mixed search
    mixed = check_flag(mixed, "mixed")
    intuitive = check_flag(intuitive, "intuitive")
    arrays = _arrays(params)
    t = build_tensors(arrays, structure)
    n_moves = len(structure.first_moves)
    kernels = [continuation_kernel(t, i, tol) for i in range(n_moves)]
    pure_sets: list[list[Continuation]] = []
    china_tie = False
    cut = False
    for i in range(n_moves):
        found, tie_i, cut_i = pure_continuations(t, i, kernels[i], tol)
        pure_sets.append(found)
        china_tie |= tie_i
        cut |= cut_i
    mixed_sets: list[list[Continuation]] = [[] for _ in range(n_moves)]
    n_cand = 0
    if mixed:
        for i in range(n_moves):
            found_m, n_i = mixed_continuations(t, i, kernels[i], tol)
            mixed_sets[i] = [c for c in found_m if not any(c.same_as(p) for p in pure_sets[i])]
            n_cand += n_i
    all_sets = [p + q for p, q in zip(pure_sets, mixed_sets, strict=True)]
    has_pure = all(pure_sets)
    # the named reading choice: pure PBE first (exact) unless the mixed ones may compete
    pure_only = has_pure and structure.readings.pure_over_mixed
    selection_sets = pure_sets if pure_only else all_sets

    stats_cache: dict[int, PathStats] = {}

    def stats_of(c: Continuation) -> PathStats:
        key = id(c)
        if key not in stats_cache:
            mi = structure.first_moves.index(c.first_move)
            stats_cache[key] = path_statistics(t, mi, c.taliban[None], c.china[None], tol)
        return stats_cache[key]

    # ---------------------------------------------------------------- selection
    sel: tuple[int, tuple[int, ...]] | None = None
    tied: list[int] = []
    best_at: list[int | None] = [None] * n_moves
    if all(selection_sets):
        # the one selection rule (qpq.game._selection.select), on this point's continuations
        width = max(len(s) for s in selection_sets)
        eq = np.zeros((1, n_moves, width), dtype=bool)
        val = np.full((1, n_moves, width), -np.inf)
        for mi, s in enumerate(selection_sets):
            eq[0, mi, :len(s)] = True
            val[0, mi, :len(s)] = [c.china_value for c in s]
        chosen = select(eq, val, tol)
        tied = np.flatnonzero(chosen.tied[0]).tolist()
        best_at = [int(c) if c >= 0 else None for c in chosen.supported_profile[0]]
        # indices into all_sets (pure continuations come first there)
        sel = (int(chosen.move[0]), tuple(int(c) for c in chosen.preferred_profile[0]))

    # ---------------------------------------------------------------- enumeration
    listed, total = _enumerate(all_sets, tol, max_equilibria)
    if sel is not None and sel not in listed:
        listed = [sel, *listed[: max(max_equilibria - 1, 0)]]
    etim = arrays["etim_threat"]
    iskp = arrays["iskp_threat"]
    equilibria: list[Equilibrium] = []
    for mi, combo in listed:
        conts = tuple(all_sets[j][combo[j]] for j in range(n_moves))
        on = conts[mi]
        stats = stats_of(on)
        flags = label_flags(stats, etim, iskp, tol)
        prim = int(primary_label(flags)[0])
        beliefs: dict[str, dict[str, float]] = {
            structure.first_infoset(): {ty.label: float(t.prior[0, i])
                                        for i, ty in enumerate(structure.types)}}
        for c in conts:
            cs = stats_of(c)
            for k_sig, sig in enumerate(structure.signals):
                beliefs[structure.china_infoset(c.first_move, sig)] = {
                    ty.label: float(cs.beliefs[0, k_sig, i])
                    for i, ty in enumerate(structure.types)}
            for ty in structure.types:
                beliefs[structure.taliban_infoset(ty, c.first_move)] = {ty.label: 1.0}
        outcome = _outcome(t, mi, stats)
        outcome["effort_by_type"] = {
            ty.label: {e.label: float(on.taliban[i, j]) for j, e in enumerate(structure.efforts)}
            for i, ty in enumerate(structure.types)}
        equilibria.append(Equilibrium(
            first_move=structure.first_moves[mi], continuations=conts,
            payoffs={structure.players[0]: float(stats.china_value[0]),
                     structure.players[1]: float(stats.taliban_value[0])},
            taliban_by_type={ty.label: float(stats.taliban_by_type[0, i])
                             for i, ty in enumerate(structure.types)},
            pure=all(c.pure for c in conts), label=LABELS[prim],
            secondary_labels=tuple(LABELS[j] for j in np.flatnonzero(flags[0]) if j != prim),
            outcome=outcome, beliefs=beliefs, selected=(mi, combo) == sel))
    order = sorted(range(len(equilibria)), key=lambda i: (not equilibria[i].pure, i))
    equilibria = [equilibria[i] for i in order]
    sel_index = next((i for i, e in enumerate(equilibria) if e.selected), None)

    # ---------------------------------------------------------------- flags
    flag_list: list[str] = []
    if not has_pure:
        flag_list.append("no pure PBE")
    if not equilibria:
        flag_list.append("no PBE found")
    paths = {(e.first_move, id(e.continuations[structure.first_moves.index(e.first_move)]))
             for e in equilibria if e.pure == pure_only or not pure_only}
    if len(paths) > 1:
        flag_list.append("multiple")
    elif total > 1:
        flag_list.append("multiple (off-path only)")
    tied_labels: tuple[str, ...] = ()
    if sel is not None and len(tied) > 1:
        tied_labels = tuple(structure.first_moves[mi].label for mi in tied)
        ref_m = sel[0]
        ref_c = selection_sets[ref_m][best_at[ref_m] or 0]
        ref = consequence_distribution(t, ref_m, ref_c.taliban[None], ref_c.china[None])
        equivalent = True
        for mi in tied[1:]:
            c = selection_sets[mi][best_at[mi] or 0]
            dist = consequence_distribution(t, mi, c.taliban[None], c.china[None])
            equivalent &= bool(np.allclose(ref, dist,
                                           atol=structure.readings.equivalence_atol))
        flag_list.append("tie (outcome-equivalent)" if equivalent else "tie")
    elif sel is not None:
        tied_labels = (structure.first_moves[sel[0]].label,)
    if any(not e.pure for e in equilibria):
        flag_list.append("mixed PBE found")
    if china_tie:
        flag_list.append("China indifferent at some information set")
    if cut:
        flag_list.append("tie enumeration truncated")
    if total > len(equilibria):
        flag_list.append("truncated")

    intuitive_note = None
    if intuitive:
        intuitive_note = _intuitive_note(t)
    sel_eq = equilibria[sel_index] if sel_index is not None else None
    return GameSolution(
        method=METHOD, structure=structure,
        parameters={k: float(v[0]) for k, v in arrays.items()}, tolerance=tol,
        continuations=tuple(tuple(s) for s in all_sets), equilibria=tuple(equilibria),
        n_equilibria=total, selected=sel_index,
        label=sel_eq.label if sel_eq else None,
        secondary_labels=sel_eq.secondary_labels if sel_eq else (),
        tied_first_moves=tied_labels, flags=tuple(flag_list),
        selection_rule=SELECTION_RULE if structure.readings.pure_over_mixed else
        SELECTION_RULE.replace("pure PBE are preferred to mixed ones found by the bounded "
                               "search", "pure and mixed PBE compete on China's value "
                               "(reading pure_over_mixed = False)"),
        mixed_search=MixedSearchReport(ran=mixed, coverage=MIXED_COVERAGE if mixed else
                                       "not run", candidates=n_cand,
                                       found=sum(len(s) for s in mixed_sets)),
        intuitive=intuitive_note)


def _intuitive_note(t: GameTensors) -> str:
    """The intuitive criterion restricts beliefs only at unreached information sets."""
    if (t.p_signal > 0).all():
        return ("applied: no PBE removed. Every information set of China is reached with "
                "positive probability whatever the Taliban do (the chance moves have full "
                "support), so beliefs are fixed by Bayes' rule everywhere and the criterion, "
                "which only restricts off-path beliefs, cannot bite in this game family.")
    return ("not applicable: some information set can be unreached; use "
            "qpq.game.validation.intuitive_filter on the explicit tree")
