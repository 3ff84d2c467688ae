"""China's preferred continuation after every first move, for many points at once.

This is the game's face for the other lenses: the simulator and exploration ask, for many
parameter points (each with its own belief as the prior), what the Taliban do after each
of China's first moves and how China then responds, and which first move China selects.
They call :func:`continuations` and read its arrays; none of them touches the kernels,
the tensors' axes or an index formula.

After each first move m the answer is the pure continuation equilibrium China prefers
(the first profile, least effort first, within the tolerance of China's best), exactly as
:func:`qpq.game._solver.solve` completes a PBE off the path; at the selected move it is the
selected equilibrium's continuation. China's response in quarters without a UN report is
its best response at (m, s, d) with the report marginalised out. Where no pure
continuation exists after a move (a few per cent of points), the answer is the profile with
the smallest largest regret of a type against China's tie-broken response (``pure`` is
false there). The selected first move follows :func:`qpq.game._selection.select` where a pure
PBE exists and :func:`qpq.game._selection.fallback_move` where none does.

Both steps run on the pruned kernel (:mod:`qpq.game._pruned`) by default, which finds the
full kernel's continuation equilibria, China's responses and values bit for bit; only the
rare points without a pure continuation after a move go through the full kernel (their
regrets need every profile).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qpq.game._dominance import Dominance, dominance, taliban_base
from qpq.game._kernel import DEFAULT_TOL, best_responses, continuation_kernel, profiles
from qpq.game._payoffs import GameTensors, build_tensors
from qpq.game._pruned import pruned_kernel
from qpq.game._selection import ChunkSelection, fallback_move, select
from qpq.game._spec import FULL_GAME, GameStructure

__all__ = [
    "METHOD",
    "Continuations",
    "MoveKernels",
    "continuations",
    "move_kernels",
    "solve_continuations",
]

FloatArray = NDArray[np.float64]

METHOD = ("qpq.game.continuations v2: per point and first move, China's preferred pure "
          "continuation equilibrium (pruned kernel; least-regret profile where none), "
          "China's response with and without the UN report, and the selected first move")


@dataclass(frozen=True)
class MoveKernels:
    """Every effort profile's continuation after every first move, for n points.

    Attributes
    ----------
    eq
        (n, M, C): the profile (column ``c`` is profile ``columns[c]``) with China's
        tie-broken responses is a continuation equilibrium after the move.
    value
        (n, M, C): China's expected payoff of that continuation.
    response
        (n, M, C, S) int8: China's first best response (index into the move's actions).
    columns
        (C,): the profiles kept — those that are a continuation equilibrium at some point
        and first move (the others can never be selected).
    china_tie
        (n,): China has more than one best response at some information set of some
        evaluated profile.
    """

    eq: NDArray[np.bool_]
    value: FloatArray
    response: NDArray[np.int8]
    columns: NDArray[np.int64]
    china_tie: NDArray[np.bool_]


def _prepared(t: GameTensors, tol: float, repeat: int
              ) -> list[tuple[Dominance, FloatArray]] | None:
    """Per first move, what survives dominance and the Taliban's base payoff, each repeated.

    Neither depends on the type prior, so a game solved at many beliefs computes them once
    per point and repeats them ``repeat`` times (the rows of :meth:`GameTensors.take` with
    ``np.repeat``), bit for bit what computing them on the repeated tensors gives.
    """
    if t.taliban_action_part is None:
        return None
    out: list[tuple[Dominance, FloatArray]] = []
    bases: dict[int, FloatArray] = {}
    for mi in range(len(t.structure.first_moves)):
        key = id(t.u_taliban[mi])
        if key not in bases:
            bases[key] = taliban_base(t, mi)
        dom = dominance(t, mi, tol, bases[key])
        out.append((Dominance(alive=np.repeat(dom.alive, repeat, axis=0),
                              allowed=np.repeat(dom.allowed, repeat, axis=2)),
                    np.repeat(bases[key], repeat, axis=0)))
    return out


def move_kernels(t: GameTensors, tol: float = DEFAULT_TOL, *, prune: bool = True,
                 prepared: list[tuple[Dominance, FloatArray]] | None = None) -> MoveKernels:
    """Run the kernel after every first move of ``t`` and keep the profiles that matter.

    Parameters
    ----------
    t
        The game's tensors for n points.
    tol
        Relative tolerance for ties and optimality.
    prune
        Use the pruned kernel (same equilibria, several times faster) where the Taliban's
        payoff separates; otherwise every profile goes through the full kernel.
    prepared
        Per first move, its dominance and the Taliban's base payoff, when already known.
    """
    n = t.n_points
    oks, vals, resps = [], [], []
    ctie = np.zeros(n, dtype=bool)
    bases: dict[int, FloatArray] = {}       # the Engage[ρ] share one Taliban payoff array
    for mi in range(len(t.structure.first_moves)):
        if prune and t.taliban_action_part is not None:
            if prepared is not None:
                dom, base = prepared[mi]
                pk = pruned_kernel(t, mi, tol, dom=dom, base=base)
            else:
                key = id(t.u_taliban[mi])
                if key not in bases:
                    bases[key] = taliban_base(t, mi)
                pk = pruned_kernel(t, mi, tol, base=bases[key])
            oks.append(pk.taliban_ok)
            vals.append(pk.china_value)
            resps.append(pk.response)
            ctie |= pk.china_tie
        else:
            k = continuation_kernel(t, mi, tol)
            oks.append(k.taliban_ok)
            vals.append(k.china_value)
            resps.append(k.response.astype(np.int8))
            ctie |= k.china_tie.any(axis=1)
    cols = np.flatnonzero(np.any([o.any(axis=0) for o in oks], axis=0))
    if cols.size == 0:
        cols = np.zeros(1, dtype=np.int64)
    return MoveKernels(eq=np.stack([o[:, cols] for o in oks], axis=1),
                       value=np.stack([v[:, cols] for v in vals], axis=1),
                       response=np.stack([r[:, cols] for r in resps], axis=1),
                       columns=cols, china_tie=ctie)


@dataclass(frozen=True)
class Continuations:
    """China's preferred continuation after each first move, and its selection, per point.

    Axes: n points, M first moves (``structure.first_moves``), T types
    (``structure.types``), S signals (``structure.signals``), S₀ observations without the
    report (``structure.report_free_signals``).

    Attributes
    ----------
    structure
        The game family member solved.
    effort
        (n, M, T) int8: each type's effort (0 harbour, 1 restrain, 2 crackdown).
    response
        (n, M, S) int8: China's final action at each signal, as a position in
        :data:`qpq.model._policies.FINAL_ACTIONS`.
    response_no_report
        (n, M, S₀) int8: the same when no UN report is observed (report marginalised).
    pure
        (n, M): a pure continuation equilibrium exists after the move (else the
        least-regret profile is given).
    value
        (n, M): China's expected payoff of the continuation given.
    selected
        (n,): the selected first move.
    has_pbe
        (n,): a pure PBE exists.
    selection
        The selection's details (ties, number of paths, supported profiles).
    kernels
        The continuation equilibria of every profile that matters.
    method
        Provenance.
    """

    structure: GameStructure
    effort: NDArray[np.int8]
    response: NDArray[np.int8]
    response_no_report: NDArray[np.int8]
    pure: NDArray[np.bool_]
    value: FloatArray
    selected: NDArray[np.int64]
    has_pbe: NDArray[np.bool_]
    selection: ChunkSelection
    kernels: MoveKernels
    method: str = METHOD


def continuations(params: Mapping[str, ArrayLike], structure: GameStructure = FULL_GAME, *,
                  beliefs: ArrayLike | None = None, tol: float = DEFAULT_TOL,
                  prune: bool = True) -> Continuations:
    """China's preferred continuation after every first move, and the selected move.

    Parameters
    ----------
    params
        ``name -> array`` of every game parameter, one common length N (or 1).
    structure
        Which member of the game family (e.g. only the first moves a policy can reach).
    beliefs
        If given, (G,) values of ``prior_sincere`` (China's belief that the Taliban are
        sincere): every point is solved at every belief and the result has N·G rows, point
        by point (row i·G + g is point i at belief g). The game is built once per point.
    tol
        Relative tolerance for ties and optimality.
    prune
        Use the pruned kernel (see :func:`move_kernels`).
    """
    t = build_tensors(params, structure)
    prepared = None
    if beliefs is not None:
        b = np.asarray(beliefs, dtype=float).reshape(-1)
        prepared = _prepared(t, tol, b.size) if prune else None
        t = t.take(np.repeat(np.arange(t.n_points), b.size)).with_prior(np.tile(b, t.n_points))
    return solve_continuations(t, tol, prune=prune, prepared=prepared)


def solve_continuations(t: GameTensors, tol: float = DEFAULT_TOL, *, prune: bool = True,
                        prepared: list[tuple[Dominance, FloatArray]] | None = None
                        ) -> Continuations:
    """:func:`continuations` on tensors already built (for solvers inside :mod:`qpq.game`)."""
    st = t.structure
    n, n_m, n_types = t.n_points, len(st.first_moves), len(st.types)
    groups = st.report_groups
    mk = move_kernels(t, tol, prune=prune, prepared=prepared)
    sel = select(mk.eq, mk.value, tol)
    prof = profiles(n_types, st.n_efforts)
    rows_all = np.arange(n)
    effort = np.zeros((n, n_m, n_types), dtype=np.int8)
    response = np.zeros((n, n_m, len(st.signals)), dtype=np.int8)
    no_rep = np.zeros((n, n_m, groups.shape[0]), dtype=np.int8)
    pure = sel.preferred_profile >= 0
    value = np.full((n, n_m), -np.inf)
    for mi, m in enumerate(st.first_moves):
        c = np.maximum(sel.preferred_profile[:, mi], 0)
        pick = mk.columns[c]
        local = mk.response[rows_all, mi, c].astype(np.int64)            # (n, S)
        value[:, mi] = mk.value[rows_all, mi, c]
        lack = np.flatnonzero(~pure[:, mi])
        if lack.size:
            k = continuation_kernel(t.take(lack, (mi,)), 0, tol)
            tv = k.taliban_values                                        # (l, P, T, E)
            own = np.take_along_axis(tv, prof[None, :, :, None], axis=3)[..., 0]
            regret = (tv.max(axis=3) - own).max(axis=2)                  # (l, P)
            worst = np.argmin(regret, axis=1)
            pick[lack] = worst
            local[lack] = k.response[np.arange(lack.size), worst]
            value[lack, mi] = k.china_value[np.arange(lack.size), worst]
        efforts = prof[pick]                                             # (n, T)
        effort[:, mi] = efforts
        glob = st.global_actions(m)
        response[:, mi] = glob[local]
        num, den = _profile_numerators(t, mi, efforts)                   # (F, n, S), (n, S)
        num0 = _group_sum(num, groups)
        den0 = _group_sum(den, groups)
        _, resp0, _, _ = best_responses(num0, den0, tol)
        no_rep[:, mi] = glob[resp0]
    has = sel.has_pure
    selected = np.where(has, sel.move, fallback_move(value, pure, tol))
    return Continuations(structure=st, effort=effort, response=response,
                         response_no_report=no_rep, pure=pure, value=value,
                         selected=np.asarray(selected, dtype=np.int64), has_pbe=has,
                         selection=sel, kernels=mk)


def _profile_numerators(t: GameTensors, m_index: int, efforts: NDArray[np.int64]
                        ) -> tuple[FloatArray, FloatArray]:
    """China's Bayes numerators (F, n, S) and P(sig) (n, S) for one profile per point.

    Summed over the types in the kernel's order (two halves, each left to right), so the
    numbers are the kernel's own, bit for bit, and ties break the same way.
    """
    n, n_types = efforts.shape
    rows = np.arange(n)[:, None]
    tix = np.arange(n_types)[None, :]
    joint = (t.prior[:, :, None, None] * t.p_signal)[rows, tix, efforts]       # (n, T, S)
    u = t.u_china[m_index][rows, tix, efforts]                                 # (n, T, S, F)
    w = np.moveaxis(joint[..., None] * u, -1, 0)                               # (F, n, T, S)
    h = n_types // 2

    def halves(x: FloatArray) -> FloatArray:
        def part(lo: int, hi: int) -> FloatArray:
            acc = np.zeros(x[..., 0, :].shape)
            for k in range(lo, hi):
                acc = acc + x[..., k, :]
            return acc
        return part(0, h) + part(h, n_types)

    return halves(w), halves(joint)


def _group_sum(x: FloatArray, groups: NDArray[np.int64]) -> FloatArray:
    """Sum the last (signal) axis within each group of signals, left to right."""
    acc = x[..., groups[:, 0]]
    for j in range(1, groups.shape[1]):
        acc = acc + x[..., groups[:, j]]
    return acc
