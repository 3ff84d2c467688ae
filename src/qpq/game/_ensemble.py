"""The pure-PBE solver over an ensemble of parameter points (sweeps, Monte Carlo).

:func:`solve_ensemble` runs a vectorised kernel over chunks of points and returns, as
arrays, what phase diagrams and sensitivity analyses need: whether a pure PBE exists, the
selected first move and effort profile (same selection rule as
:func:`qpq.game._solver.solve`, see :mod:`qpq.game._selection`), ties across first moves and
their outcome-equivalence, the number of PBE paths, the labels, path statistics of the
selected equilibrium, and China's preferred continuation after every first move (what it
plays off the path). China's ties at an information set are broken by action order and
flagged (``china_tie``); the mixed search is not run here (see ``has_pure``).

By default the kernel skips effort profiles that contain a strictly dominated effort
(:mod:`qpq.game._pruned`), which gives the same equilibria several times faster; chunks
can be spread over worker processes. Chunks are solved independently, so the results do
not depend on the chunk size or the number of workers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qpq.checks import check_whole
from qpq.game._continuations import move_kernels
from qpq.game._kernel import DEFAULT_TOL, check_tol, profiles
from qpq.game._labels import LABELS, label_flags, primary_label
from qpq.game._paths import path_statistics
from qpq.game._payoffs import build_tensors
from qpq.game._selection import pure_equivalent, select
from qpq.game._spec import FULL_GAME, GameStructure
from qpq.model import check_game_values
from qpq.parallel import (
    ChunkExecutor,
    executor_for,
    fast_start_method,
    map_ordered,
    worker_count,
)

__all__ = ["ENSEMBLE_METHOD", "EnsembleSolution", "solve_ensemble"]

FloatArray = NDArray[np.float64]

ENSEMBLE_METHOD = ("qpq.game.solve_ensemble v2: per first move, the type-contingent pure "
                   "effort profiles without strictly dominated efforts (pruned kernel), Bayes "
                   "beliefs, China's first best response, type optimality; first-move "
                   "optimality and selection as in qpq.game.solve; pure PBE only")
FULL_METHOD = ENSEMBLE_METHOD.replace(
    "without strictly dominated efforts (pruned kernel)", "(all of them, full kernel)")


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
        (N,): China was indifferent at some information set for some profile that was
        evaluated (counts may then miss equilibria that :func:`solve` finds).
    stats
        Path statistics of the selected equilibrium: china_value, taliban_value,
        p_recognised, security, round_harm, future_harm, p_defected, p_suppressed, p_aid.
    move_profile
        (N, M): China's preferred pure continuation after each first move — the Taliban's
        profile index (−1 where none); at the selected move, the selected profile.
    move_response
        (N, M, S): China's final action (index into the move's actions) at each
        information set in that continuation (0 where none).
    move_value
        (N, M): China's expected payoff of that continuation (NaN where none).
    method, tolerance
        Provenance.
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
    move_profile: NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 0), int))
    move_response: NDArray[np.int8] = field(default_factory=lambda: np.zeros((0, 0, 0),
                                                                             np.int8))
    move_value: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    method: str = ENSEMBLE_METHOD
    tolerance: float = DEFAULT_TOL

    @property
    def multiple(self) -> NDArray[np.bool_]:
        """(N,): more than one pure PBE path."""
        return np.asarray(self.n_paths > 1)

    def labels(self) -> list[str | None]:
        """Primary label per point (``None`` where there is no pure PBE)."""
        return [LABELS[i] if i >= 0 else None for i in self.label.tolist()]


_STAT_FIELDS = ("china_value", "taliban_value", "p_recognised", "security", "round_harm",
                "future_harm", "p_defected", "p_suppressed", "p_aid")


def _solve_chunk(params: Mapping[str, FloatArray], structure: GameStructure, tol: float,
                 prune: bool) -> dict[str, Any]:
    """Everything :class:`EnsembleSolution` holds, for one chunk of points."""
    t = build_tensors(params, structure)
    n = t.n_points
    n_moves = len(structure.first_moves)
    prof = profiles(len(structure.types), structure.n_efforts)
    mk = move_kernels(t, tol, prune=prune)
    eq, val, resp, cols, ctie = mk.eq, mk.value, mk.response, mk.columns, mk.china_tie
    sel = select(eq, val, tol)

    def to_profile(i: NDArray[np.int64]) -> NDArray[np.int64]:
        return np.where(i >= 0, cols[np.maximum(i, 0)], -1)

    rows_all = np.arange(n)
    out: dict[str, Any] = {
        "n_continuations": sel.n_continuations, "has_pure": sel.has_pure,
        "selected_move": sel.move, "selected_profile": to_profile(sel.profile),
        "tied_moves": sel.tied, "n_paths": sel.n_paths, "china_tie": ctie,
        "label": np.full(n, -1, dtype=np.int64),
        "label_flags": np.zeros((n, len(LABELS)), dtype=bool),
        "tie_equivalent": np.zeros(n, dtype=bool),
    }
    pp = sel.preferred_profile
    safe = np.maximum(pp, 0)
    out["move_profile"] = to_profile(pp)
    out["move_response"] = np.where(
        (pp >= 0)[..., None], resp[rows_all[:, None], np.arange(n_moves)[None, :], safe], 0
    ).astype(np.int8)
    out["move_value"] = np.where(pp >= 0, val[rows_all[:, None], np.arange(n_moves), safe],
                                 np.nan)
    stats = {f: np.full(n, np.nan) for f in _STAT_FIELDS}

    # path statistics and labels for the selected equilibria, grouped by first move
    for mi in range(n_moves):
        rows = np.flatnonzero(sel.move == mi)
        if rows.size == 0:
            continue
        ci = sel.profile[rows]
        talib, china = _behaviour(prof[cols[ci]], resp[rows, mi, ci], t.u_china[mi].shape[-1],
                                  structure.n_efforts)
        sub = t.take(rows, (mi,))
        st = path_statistics(sub, 0, talib, china, tol)
        fl = label_flags(st, sub.params["etim_threat"], sub.params["iskp_threat"], tol)
        out["label_flags"][rows] = fl
        out["label"][rows] = primary_label(fl)
        for f in _STAT_FIELDS:
            stats[f][rows] = getattr(st, f)
        # outcome-equivalence of ties with the other tied first moves
        tie_rows = rows[sel.tied[rows].sum(axis=1) > 1]
        if tie_rows.size == 0:
            continue
        same = np.ones(tie_rows.size, dtype=bool)
        ca = sel.profile[tie_rows]
        for mj in range(n_moves):
            has_j = sel.tied[tie_rows, mj]
            if mj == mi or not has_j.any():
                continue
            cj = np.maximum(sel.supported_profile[tie_rows, mj], 0)
            eqv = pure_equivalent(t, tie_rows, mi, prof[cols[ca]], resp[tie_rows, mi, ca], mj,
                                  prof[cols[cj]], resp[tie_rows, mj, cj])
            same &= np.where(has_j, eqv, True)
        out["tie_equivalent"][tie_rows] = same
    out["stats"] = stats
    return out


def _chunk_task(task: tuple[Mapping[str, FloatArray], GameStructure, float, bool]
                ) -> dict[str, Any]:
    return _solve_chunk(*task)


def solve_ensemble(params: Mapping[str, ArrayLike], structure: GameStructure = FULL_GAME, *,
                   tol: float = DEFAULT_TOL, chunk: int = 1024,
                   on_chunk: Callable[[int], None] | None = None, prune: bool = True,
                   workers: int | None = 1, executor: ChunkExecutor | None = None
                   ) -> EnsembleSolution:
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
        Points per chunk (a few tens of kB of working memory per point).
    on_chunk
        Called with the number of points done (in order) as chunks finish, for progress
        bars.
    prune
        Skip effort profiles with a strictly dominated effort and China's dominated final
        actions (:mod:`qpq.game._pruned`); the equilibria are the same, except that
        ``china_tie`` then covers the evaluated profiles only.
    workers
        Worker processes (``None``: up to two, as cores allow); the results do not depend
        on it.
    executor
        Run the chunks there instead (:mod:`qpq.parallel`, e.g. a pool kept across calls).
    """
    chunk = check_whole(chunk, "chunk", minimum=1)   # as workers below: a BadInputError
    tol = check_tol(tol)
    check_game_values(params)
    flat = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in params.items()}
    n = max(v.shape[0] for v in flat.values())
    # constants travel (to workers) and broadcast as one value
    flat = {k: v[:1] if v.shape[0] == 1 or (n > 0 and bool((v == v[0]).all())) else
            np.ascontiguousarray(np.broadcast_to(v, (n,))) for k, v in flat.items()}
    bounds = [(lo, min(lo + chunk, n)) for lo in range(0, n, chunk)]
    tasks = [({k: v if v.shape[0] == 1 else v[lo:hi] for k, v in flat.items()}, structure, tol,
              prune) for lo, hi in bounds]
    parts: list[dict[str, Any]] = []
    # this solver holds no threads
    start = fast_start_method()
    with contextlib.ExitStack() as stack:
        # workers=0 was a ValueError of its own words, 1.5 ran 1.5 processes' chunks
        n_work = worker_count(workers)
        ex = executor if executor is not None else stack.enter_context(executor_for(
            min(n_work, max(1, len(bounds))), start_method=start))
        for (_, hi), part in zip(bounds, map_ordered(ex, _chunk_task, tasks), strict=True):
            parts.append(part)
            if on_chunk is not None:
                on_chunk(hi)
    return _assemble(parts, structure, tol, ENSEMBLE_METHOD if prune else FULL_METHOD)


def _assemble(parts: list[dict[str, Any]], structure: GameStructure, tol: float,
              method: str) -> EnsembleSolution:
    n_moves, n_sig = len(structure.first_moves), len(structure.signals)
    prof = profiles(len(structure.types), structure.n_efforts)

    def cat(key: str, empty: tuple[int, ...], dtype: Any) -> Any:
        if not parts:
            return np.zeros(empty, dtype=dtype)
        return np.concatenate([p[key] for p in parts])

    out_prof = cat("selected_profile", (0,), np.int64)
    tied = cat("tied_moves", (0, n_moves), bool)
    tie = tied.sum(axis=1) > 1
    stats = {f: (np.concatenate([p["stats"][f] for p in parts]) if parts else np.zeros(0))
             for f in _STAT_FIELDS}
    efforts = np.where(out_prof[:, None] >= 0, prof[np.maximum(out_prof, 0)], -1)
    return EnsembleSolution(
        structure=structure, n_continuations=cat("n_continuations", (0, n_moves), np.int64),
        has_pure=cat("has_pure", (0,), bool), selected_move=cat("selected_move", (0,),
                                                                np.int64),
        selected_profile=out_prof, efforts=efforts, tied_moves=tied, tie=tie,
        tie_equivalent=tie & cat("tie_equivalent", (0,), bool),
        n_paths=cat("n_paths", (0,), np.int64), label=cat("label", (0,), np.int64),
        label_flags=cat("label_flags", (0, len(LABELS)), bool),
        china_tie=cat("china_tie", (0,), bool), stats=stats,
        move_profile=cat("move_profile", (0, n_moves), np.int64),
        move_response=cat("move_response", (0, n_moves, n_sig), np.int8),
        move_value=cat("move_value", (0, n_moves), float), method=method, tolerance=tol)


def _behaviour(prof_rows: NDArray[np.int64], resp_rows: NDArray[np.int64], n_act: int,
               n_eff: int) -> tuple[FloatArray, FloatArray]:
    n = prof_rows.shape[0]
    taliban = np.zeros((n, prof_rows.shape[1], n_eff))
    np.put_along_axis(taliban, prof_rows[..., None], 1.0, axis=2)
    china = np.zeros((n, resp_rows.shape[1], n_act))
    np.put_along_axis(china, resp_rows[..., None], 1.0, axis=2)
    return taliban, china
