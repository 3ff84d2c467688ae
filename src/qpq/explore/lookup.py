"""Equilibrium lookups for exploration: only the first moves the levers reach, no repeats.

Every policy of the simulator, not only ``equilibrium``, reads the Taliban's effort and
China's response from the continuation lookup of :mod:`qpq.sim.equilibrium` (the Taliban
best-respond to China's first move at China's belief). Building it costs about 0.3 ms per
game point (parameter point × regime × belief grid point) for all six first moves, which
would dominate a Sobol' study of tens of thousands of parameter points. Two savings, both
exact:

* **Only the first moves the policies reach** (:func:`moves_for`): ``boycott`` only
  Boycott; ``engage_<promise>``, ``conditional`` and ``plan_b_after_failure`` their Engage
  move and Recognize (once the Taliban are recognised, later quarters start from
  Recognize); ``recognise`` only Recognize; ``equilibrium`` all six. The game's tensors are
  built for the restricted :class:`~qpq.game.spec.GameStructure` and each move runs
  the same kernel, with the same tie-breaking and fallbacks, as
  :func:`qpq.sim.equilibrium.build_table` (tested entry by entry); entries of moves not
  computed are never read by those policies (effort 0, response 0, ``pure`` false).
* **Each distinct game point once** (:func:`lookup_for`): experiments that differ only in
  dynamics parameters (a Saltelli row that varies ``defection_share``, say) share their
  lookup rows.

The cost is then about a third of the full table for an engage-type policy, and grows with
the number of distinct game points, not of experiments. ``selected`` (the ``equilibrium``
policy's first move) is filled only when all moves are computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.game import DEFAULT_TOL, FULL_GAME
from qpq.game.payoffs import build_tensors
from qpq.game.spec import GameStructure
from qpq.model.policies import FIRST_MOVES
from qpq.sim.equilibrium import (
    METHOD,
    N_SIGNALS,
    ContinuationTable,
    mu_grid,
    solve_continuations,
    table_points,
)
from qpq.sim.params import ParameterPool
from qpq.sim.policies import CONSEQUENCES, RECOGNIZE, PolicyKind, resolve_policy
from qpq.sim.timeline import Regime

__all__ = ["ALL_MOVES", "build_lookup", "lookup_for", "moves_for"]

ALL_MOVES: tuple[int, ...] = tuple(range(len(FIRST_MOVES)))
"""Indices of every first move (into :data:`qpq.model.policies.FIRST_MOVES`)."""

def moves_for(policies: Iterable[str]) -> tuple[int, ...]:
    """First moves (sorted indices) whose lookup entries the policies can read."""
    need: set[int] = set()
    for name in policies:
        p = resolve_policy(name)
        if p.kind is PolicyKind.EQUILIBRIUM:
            return ALL_MOVES
        need.add(p.move)
        if CONSEQUENCES.recognised[p.move].any() or p.kind is PolicyKind.CONDITIONAL:
            need.add(RECOGNIZE)
    return tuple(sorted(need))


def _grid_prior(ps: NDArray[np.float64], ph: NDArray[np.float64]) -> NDArray[np.float64]:
    # the type prior exactly as qpq.game.payoffs.build_tensors computes it
    sincere = np.array([float(t.sincere) for t in FULL_GAME.types])
    high = np.array([float(t.high_capacity) for t in FULL_GAME.types])
    prior = np.where(sincere, ps[:, None], 1 - ps[:, None]) * np.where(
        high, ph[:, None], 1 - ph[:, None])
    total = prior.sum(axis=1, keepdims=True)
    return np.asarray(prior / np.where(total > 0, total, 1.0))


def build_lookup(pool: ParameterPool, regimes: Sequence[Regime], grid_size: int,
                 moves: Sequence[int] = ALL_MOVES, *, tol: float = DEFAULT_TOL,
                 chunk: int = 128) -> ContinuationTable:
    """The continuation lookup of ``pool`` for the first moves ``moves`` only.

    With ``moves`` = :data:`ALL_MOVES` the result equals
    :func:`qpq.sim.equilibrium.build_table`'s. The game's tensors do not depend on the
    prior, so they are built once per (point, regime) and the kernel runs at every belief
    grid point with the prior replaced.
    """
    grid = mu_grid(grid_size)
    moves = tuple(sorted(set(moves)))
    structure = GameStructure(types=FULL_GAME.types,
                              first_moves=tuple(FIRST_MOVES[m] for m in moves),
                              un_report=FULL_GAME.un_report)
    flat = table_points(pool, regimes, grid[:1])                 # (P·R,) at the first grid point
    total = pool.size * len(regimes)
    parts: list[list[tuple[NDArray[Any], ...]]] = []
    for lo in range(0, total, chunk):
        t = build_tensors({k: v[lo:lo + chunk] for k, v in flat.items()}, structure)
        ph = t.params["p_high_capacity"]
        per_grid = []
        for mu in grid:
            ps = np.full(t.n_points, mu)
            tg = replace(t, prior=_grid_prior(ps, ph),
                         params={**t.params, "prior_sincere": ps})
            per_grid.append(solve_continuations(tg, moves, tol))
        parts.append(per_grid)
    # reorder to the simulator's (point, regime, grid) layout
    cat = [np.concatenate([np.stack([g[i] for g in per_grid], axis=1) for per_grid in parts])
           for i in range(7)]
    shape = (pool.size, len(regimes), grid_size)
    n_m = len(FIRST_MOVES)
    return ContinuationTable(
        grid=grid, regimes=tuple(regimes), effort=cat[0].reshape(*shape, n_m, 4),
        response=cat[1].reshape(*shape, n_m, N_SIGNALS),
        response_no_report=cat[2].reshape(*shape, n_m, 4), selected=cat[3].reshape(shape),
        pure=cat[4].reshape(*shape, n_m), has_pbe=cat[5].reshape(shape),
        china_value=cat[6].astype(float).reshape(*shape, n_m),
        method=METHOD + (f"; first moves {list(moves)} only (qpq.explore.lookup)"
                         if len(moves) < n_m else ""))


def lookup_for(pool: ParameterPool, regimes: Sequence[Regime], grid_size: int,
               moves: Sequence[int], table_names: Iterable[str]) -> ContinuationTable:
    """The lookup of every pool point, solving each distinct game point once.

    Points are compared on ``table_names`` (the parameters the lookup depends on); the
    distinct ones are solved with :func:`build_lookup` and the table is expanded back.
    """
    names = [n for n in table_names if n in pool.values and not pool.constant(n)]
    if not names:
        unique_rows = np.zeros(1, dtype=np.int64)
        inverse = np.zeros(pool.size, dtype=np.int64)
    else:
        keys = np.stack([pool.values[n] for n in names], axis=1)
        _, unique_rows, inverse = np.unique(keys, axis=0, return_index=True,
                                            return_inverse=True)
        inverse = inverse.reshape(-1)
    table = build_lookup(pool.take(np.asarray(unique_rows, dtype=np.int64)), regimes,
                         grid_size, moves)
    return table.take(np.asarray(inverse, dtype=np.int64))
