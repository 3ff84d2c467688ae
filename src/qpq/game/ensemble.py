"""The pure-PBE solver over an ensemble of parameter points (sweeps, Monte Carlo).

:func:`solve_ensemble` runs the vectorised kernel (:mod:`qpq.game.kernel`) over chunks of
points and returns, as arrays, what phase diagrams and sensitivity analyses need: whether a
pure PBE exists, the selected first move and effort profile (same selection rule as
:func:`qpq.game.solver.solve`), ties across first moves and their outcome-equivalence, the
number of PBE paths, the labels, and path statistics of the selected equilibrium. China's
ties at an information set are broken by action order and flagged (``china_tie``); the
mixed search is not run here (see ``has_pure``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qpq.game.kernel import DEFAULT_TOL, continuation_kernel, profiles, relative_tol_ok
from qpq.game.labels import LABELS, label_flags, primary_label
from qpq.game.paths import consequence_distribution, path_statistics
from qpq.game.payoffs import GameTensors, build_tensors
from qpq.game.spec import FULL_GAME, GameStructure

__all__ = ["EnsembleSolution", "solve_ensemble"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class EnsembleSolution:
    """Pure-PBE results for N parameter points (arrays over the points).

    Attributes
    ----------
    structure
        The game family member.
    n_continuations
        (N, M): pure continuation equilibria per first move (China's ties broken by action
        order; see ``china_tie``).
    has_pure
        (N,): a pure PBE exists (every first move has a pure continuation).
    selected_move
        (N,): index of the selected first move (−1 where there is no pure PBE).
    selected_profile
        (N,): the Taliban's selected effort profile index (see :func:`profiles`).
    efforts
        (N, T): selected effort index per type (−1 where none).
    tied_moves
        (N, M): first moves tied with the selected one.
    tie, tie_equivalent
        (N,): tie across first moves; outcome-equivalent tie.
    n_paths
        (N,): number of distinct pure PBE paths; ``multiple`` = n_paths > 1.
    label
        (N,): index into :data:`LABELS` (−1 where no pure PBE).
    label_flags
        (N, 8): every applicable label.
    china_tie
        (N,): China was indifferent at some information set for some profile (counts may
        then miss equilibria that :func:`solve` finds).
    stats
        Path statistics of the selected equilibrium: china_value, taliban_value,
        p_recognised, security, round_harm, future_harm, p_defected, p_suppressed.
    """

    structure: GameStructure
    n_continuations: NDArray[np.int64]
    has_pure: NDArray[np.bool_]
    selected_move: NDArray[np.int64]
    selected_profile: NDArray[np.int64]
    efforts: NDArray[np.int64]
    tied_moves: NDArray[np.bool_]
    tie: NDArray[np.bool_]
    tie_equivalent: NDArray[np.bool_]
    n_paths: NDArray[np.int64]
    label: NDArray[np.int64]
    label_flags: NDArray[np.bool_]
    china_tie: NDArray[np.bool_]
    stats: dict[str, FloatArray]

    @property
    def multiple(self) -> NDArray[np.bool_]:
        """(N,): more than one pure PBE path."""
        return np.asarray(self.n_paths > 1)

    def labels(self) -> list[str | None]:
        """Primary label per point (``None`` where there is no pure PBE)."""
        return [LABELS[i] if i >= 0 else None for i in self.label.tolist()]


_STAT_FIELDS = ("china_value", "taliban_value", "p_recognised", "security", "round_harm",
                "future_harm", "p_defected", "p_suppressed", "p_aid")


def solve_ensemble(params: Mapping[str, ArrayLike], structure: GameStructure = FULL_GAME, *,
                   tol: float = DEFAULT_TOL, chunk: int = 512,
                   on_chunk: Callable[[int], None] | None = None) -> EnsembleSolution:
    """Pure PBE, selection and labels for every point of an ensemble, vectorised.

    Parameters
    ----------
    params
        ``name -> array`` (all parameters; broadcast to one length N), e.g. from
        :meth:`qpq.model.ParameterRegistry.validate_arrays`.
    structure
        Which member of the game family.
    tol
        Relative tolerance for ties and optimality.
    chunk
        Points per chunk (about 0.1 MB of working memory per point for the full game).
    on_chunk
        Called with the number of points done after each chunk (progress bars).
    """
    flat = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in params.items()}
    n = max(v.shape[0] for v in flat.values())
    flat = {k: np.broadcast_to(v, (n,)) for k, v in flat.items()}
    n_moves = len(structure.first_moves)
    n_types = len(structure.types)
    n_sig = len(structure.signals)
    prof = profiles(n_types)
    out_ncont = np.zeros((n, n_moves), dtype=np.int64)
    out_has = np.zeros(n, dtype=bool)
    out_move = np.full(n, -1, dtype=np.int64)
    out_prof = np.full(n, -1, dtype=np.int64)
    out_tied = np.zeros((n, n_moves), dtype=bool)
    out_tie_eq = np.zeros(n, dtype=bool)
    out_paths = np.zeros(n, dtype=np.int64)
    out_label = np.full(n, -1, dtype=np.int64)
    out_flags = np.zeros((n, len(LABELS)), dtype=bool)
    out_ctie = np.zeros(n, dtype=bool)
    out_stats = {f: np.full(n, np.nan) for f in _STAT_FIELDS}

    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        t = build_tensors({k: v[start:stop] for k, v in flat.items()}, structure)
        nc = stop - start
        eq = np.zeros((nc, n_moves, prof.shape[0]), dtype=bool)
        val = np.zeros((nc, n_moves, prof.shape[0]))
        resp = np.zeros((nc, n_moves, prof.shape[0], n_sig), dtype=np.int64)
        for mi in range(n_moves):
            k = continuation_kernel(t, mi, tol)
            eq[:, mi] = k.taliban_ok
            val[:, mi] = k.china_value
            resp[:, mi] = k.response
            out_ctie[start:stop] |= k.china_tie.any(axis=1)
        ncont = eq.sum(axis=2)
        has = (ncont > 0).all(axis=1)
        masked = np.where(eq, val, np.inf)
        floors = masked.min(axis=2)                                   # (nc, M)
        other = np.empty_like(floors)
        for mi in range(n_moves):
            rest = np.delete(floors, mi, axis=1)
            other[:, mi] = rest.max(axis=1) if rest.shape[1] else -np.inf
        support = eq & relative_tol_ok(val, other[:, :, None], tol)
        paths = support.sum(axis=(1, 2))
        vstar = np.where(support, val, -np.inf).max(axis=2)          # (nc, M)
        top = vstar.max(axis=1)
        tied = relative_tol_ok(vstar, top[:, None], tol) & np.isfinite(vstar) & has[:, None]
        move = np.where(has, np.argmax(tied, axis=1), -1)
        idx = np.arange(nc)
        m_safe = np.maximum(move, 0)
        cand = support[idx, m_safe] & relative_tol_ok(val[idx, m_safe], vstar[idx, m_safe][
            :, None], tol)
        pidx = np.where(has, np.argmax(cand, axis=1), -1)
        out_ncont[start:stop] = ncont
        out_has[start:stop] = has
        out_move[start:stop] = move
        out_prof[start:stop] = pidx
        out_tied[start:stop] = tied
        out_paths[start:stop] = np.where(has, paths, 0)

        # path statistics and labels for the selected equilibria, grouped by first move
        for mi in range(n_moves):
            rows = np.flatnonzero(move == mi)
            if rows.size == 0:
                continue
            sub = _subset(t, rows)
            talib, china = _behaviour(prof[pidx[rows]], resp[rows, mi, pidx[rows]],
                                      t.u_china[mi].shape[-1])
            st = path_statistics(sub, mi, talib, china, tol)
            fl = label_flags(st, sub.params["etim_threat"], sub.params["iskp_threat"], tol)
            out_flags[start + rows] = fl
            out_label[start + rows] = primary_label(fl)
            for f in _STAT_FIELDS:
                out_stats[f][start + rows] = getattr(st, f if f != "china_value" else
                                                     "china_value")
            # outcome-equivalence of ties
            tie_rows = rows[tied[rows].sum(axis=1) > 1]
            if tie_rows.size:
                sub_t = _subset(t, tie_rows)
                ref = consequence_distribution(sub_t, mi, *_behaviour(
                    prof[pidx[tie_rows]], resp[tie_rows, mi, pidx[tie_rows]],
                    t.u_china[mi].shape[-1]))
                same = np.ones(tie_rows.size, dtype=bool)
                for mj in range(n_moves):
                    if mj == mi:
                        continue
                    has_j = tied[tie_rows, mj]
                    if not has_j.any():
                        continue
                    cj = support[tie_rows, mj] & relative_tol_ok(
                        val[tie_rows, mj], vstar[tie_rows, mj][:, None], tol)
                    pj = np.argmax(cj, axis=1)
                    other_d = consequence_distribution(sub_t, mj, *_behaviour(
                        prof[pj], resp[tie_rows, mj, pj], t.u_china[mj].shape[-1]))
                    eqv = np.isclose(ref, other_d, atol=1e-9).reshape(tie_rows.size, -1).all(
                        axis=1)
                    same &= np.where(has_j, eqv, True)
                out_tie_eq[start + tie_rows] = same
        if on_chunk is not None:
            on_chunk(stop)

    tie = out_tied.sum(axis=1) > 1
    efforts = np.where(out_prof[:, None] >= 0, prof[np.maximum(out_prof, 0)], -1)
    return EnsembleSolution(
        structure=structure, n_continuations=out_ncont, has_pure=out_has,
        selected_move=out_move, selected_profile=out_prof, efforts=efforts,
        tied_moves=out_tied, tie=tie, tie_equivalent=tie & out_tie_eq, n_paths=out_paths,
        label=out_label, label_flags=out_flags, china_tie=out_ctie, stats=out_stats)


def _behaviour(prof_rows: NDArray[np.int64], resp_rows: NDArray[np.int64], n_act: int
               ) -> tuple[FloatArray, FloatArray]:
    n = prof_rows.shape[0]
    taliban = np.zeros((n, prof_rows.shape[1], 3))
    np.put_along_axis(taliban, prof_rows[..., None], 1.0, axis=2)
    china = np.zeros((n, resp_rows.shape[1], n_act))
    np.put_along_axis(china, resp_rows[..., None], 1.0, axis=2)
    return taliban, china


def _subset(t: GameTensors, rows: NDArray[np.int64]) -> GameTensors:
    return GameTensors(
        structure=t.structure, params={k: v[rows] for k, v in t.params.items()},
        prior=t.prior[rows], effort=t.effort[rows], kappa=t.kappa[rows], sincere=t.sincere,
        p_s=t.p_s[rows], p_d=t.p_d[rows], p_signal=t.p_signal[rows],
        u_china=tuple(u[rows] for u in t.u_china),
        u_taliban=tuple(u[rows] for u in t.u_taliban), harm=t.harm[rows],
        future=tuple(f[rows] for f in t.future),
        taliban_action_part=None if t.taliban_action_part is None else tuple(
            g[rows] for g in t.taliban_action_part))
