"""The one adapter between the simulator and the game: continuation lookup tables.

Each quarter China and the Taliban play the one-round game (docs/model-game.md) with
China's current belief μ_t as the prior. Solving it per scenario and quarter is far too
slow for ensembles, so this module solves it once per **parameter point × regime × belief
grid point** and the simulator looks the answers up (nearest grid point below μ_t's cell;
see :func:`grid_index`).

Everything the table holds comes from the game's public face,
:func:`qpq.game._continuations`: after every first move China's preferred continuation (the
Taliban's effort per type, China's final action at every signal and without a UN report),
whether it is pure, China's value, and the selected first move for the ``equilibrium``
policy (China's preferred PBE; where no pure PBE exists, the best move among those with a
pure continuation, ``has_pbe`` false). This module only lays the points out and the answers
back.

Two savings, both exact, make tables cheap for exploration: only the first moves the
policies can reach are solved (``moves``; the entries of the others keep effort 0, response
0, ``pure`` false and are never read), and with ``distinct_on`` each distinct game point is
solved once (experiments that differ only in dynamics parameters share their rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qpq.game import DEFAULT_TOL, FULL_GAME, GameStructure, continuations
from qpq.model import FINAL_ACTIONS, FIRST_MOVES, apply_history
from qpq.sim._pools import ParameterPool
from qpq.sim._timeline import Regime, Timeline

__all__ = [
    "ALL_MOVES",
    "FINAL_ACTIONS",
    "METHOD",
    "ContinuationTable",
    "build_table",
    "grid_index",
    "mu_grid",
    "signal_index",
    "stage_point",
    "table_points",
]

METHOD = ("qpq.sim.build_table v2: per parameter point, regime and belief grid point, "
          "qpq.game.continuations (China-preferred pure continuation after every first "
          "move, the selected first move)")

ALL_MOVES: tuple[int, ...] = tuple(range(len(FIRST_MOVES)))
"""Indices of every first move (into :data:`qpq.model._policies.FIRST_MOVES`)."""

N_TYPES = len(FULL_GAME.types)
N_SIGNALS = len(FULL_GAME.signals)
N_REPORT_FREE = len(FULL_GAME.report_free_signals)


def signal_index(s: NDArray[np.integer | np.bool_] | int, d: NDArray[np.integer | np.bool_] | int,
                 r_close: NDArray[np.integer | np.bool_] | int) -> NDArray[np.int64]:
    """Index of (s, d, r) in :attr:`qpq.game.GameStructure.signals` (the full game's)."""
    return FULL_GAME.signal_index(np.asarray(s, dtype=np.int64), np.asarray(d, dtype=np.int64),
                                  np.asarray(r_close, dtype=np.int64))


def mu_grid(size: int) -> NDArray[np.float64]:
    """Belief grid: cell midpoints (i + 0.5)/size, strictly inside (0, 1)."""
    return (np.arange(size) + 0.5) / size


def grid_index(mu: NDArray[np.float64], size: int) -> NDArray[np.int64]:
    """The grid cell of each belief (the cell whose midpoint is nearest)."""
    return np.minimum((np.asarray(mu) * size).astype(np.int64), size - 1)


@dataclass(frozen=True)
class ContinuationTable:
    """Lookup tables over (point P, regime R, grid G, first move M, ...).

    Attributes
    ----------
    grid
        Belief grid (G,).
    regimes
        The regimes of axis R.
    effort
        (P, R, G, M, T) int8: effort index (0 harbour, 1 restrain, 2 crackdown) per type
        (order of :data:`qpq.game.TYPES`).
    response
        (P, R, G, M, S) int8: China's final action (index into :data:`FINAL_ACTIONS`) per
        signal (order of :func:`signal_index`).
    response_no_report
        (P, R, G, M, S₀) int8: the same with the UN report marginalised, per (s, d) in the
        order of :attr:`qpq.game.GameStructure.report_free_signals`.
    selected
        (P, R, G) int8: the selected first move (index into FIRST_MOVES).
    pure
        (P, R, G, M) bool: a pure continuation equilibrium exists after m.
    has_pbe
        (P, R, G) bool: a pure PBE exists.
    china_value
        (P, R, G, M) float: China's expected payoff of the tabulated continuation.
    method
        Provenance.
    """

    grid: NDArray[np.float64]
    regimes: tuple[Regime, ...]
    effort: NDArray[np.int8]
    response: NDArray[np.int8]
    response_no_report: NDArray[np.int8]
    selected: NDArray[np.int8]
    pure: NDArray[np.bool_]
    has_pbe: NDArray[np.bool_]
    china_value: NDArray[np.float64]
    method: str = METHOD

    @property
    def shape(self) -> tuple[int, int, int]:
        """(P, R, G)."""
        p, r, g = self.selected.shape
        return int(p), int(r), int(g)

    def take(self, points: NDArray[np.int64]) -> ContinuationTable:
        """The tables of the given parameter points (axis P)."""
        return ContinuationTable(
            grid=self.grid, regimes=self.regimes, effort=self.effort[points],
            response=self.response[points], response_no_report=self.response_no_report[points],
            selected=self.selected[points], pure=self.pure[points],
            has_pbe=self.has_pbe[points], china_value=self.china_value[points],
            method=self.method)

    def fallback_share(self) -> dict[str, float]:
        """Shares of lookup points without a pure continuation / without a pure PBE."""
        return {"no_pure_continuation": float(1.0 - self.pure.mean()),
                "no_pure_pbe": float(1.0 - self.has_pbe.mean())}


def table_points(pool: ParameterPool, regimes: Sequence[Regime], grid: NDArray[np.float64]
            ) -> dict[str, NDArray[np.float64]]:
    """Flat parameter arrays of every (pool point, regime, belief grid point) combination."""
    n_p, n_r, n_g = pool.size, len(regimes), grid.shape[0]
    out: dict[str, NDArray[np.float64]] = {}
    for name, v in pool.values.items():
        out[name] = np.broadcast_to(v[:, None, None], (n_p, n_r, n_g)).reshape(-1)
    us = np.array([r.us_presence for r in regimes])
    rec = np.array([r.recognitions for r in regimes], dtype=float)
    out["us_presence"] = np.broadcast_to(us[None, :, None], (n_p, n_r, n_g)).reshape(-1)
    factor = pool.values["third_party_recognition_factor"][:, None] ** rec[None, :]
    cost = pool.values["recognition_cost"][:, None] * factor
    out["recognition_cost"] = np.broadcast_to(cost[:, :, None], (n_p, n_r, n_g)).reshape(-1)
    out["prior_sincere"] = np.broadcast_to(grid[None, None, :], (n_p, n_r, n_g)).reshape(-1)
    names = sorted({a for r in regimes for a, _ in r.attributes})
    if names:
        # model v2's stage regimes: their phase attributes scale the parameters they bear on
        by_regime = {a: np.array([dict(r.attributes).get(a, 1.0) for r in regimes])
                     for a in names}
        out = apply_history(out, {a: np.broadcast_to(v[None, :, None], (n_p, n_r, n_g))
                                  .reshape(-1) for a, v in by_regime.items()})
    return out


def stage_point(point: Mapping[str, float], timeline: Timeline, q: int
                ) -> dict[str, NDArray[np.float64]]:
    """One parameter point's stage-game parameters in absolute quarter ``q`` (model v2).

    The quarter's stage regime (US presence, third-party recognitions, phase attributes) is
    applied exactly as the simulator's tables apply it (:func:`table_points`), so a solve at
    a date (``qpq game relationship --at``) is the game the simulator plays that quarter.
    Arrays have one entry.
    """
    regimes, index = timeline.v2_regimes()
    regime = regimes[int(index[q - timeline.start])]
    pool = ParameterPool({k: np.array([v], dtype=float) for k, v in point.items()})
    return table_points(pool, [regime], np.array([float(point["prior_sincere"])]))


def build_table(pool: ParameterPool, regimes: Sequence[Regime], grid_size: int,
                moves: Sequence[int] = ALL_MOVES, *, tol: float = DEFAULT_TOL,
                distinct_on: Iterable[str] | None = None, chunk: int = 2048,
                on_progress: Callable[[int, int], None] | None = None) -> ContinuationTable:
    """Solve the one-round game for every pool point, regime and belief grid point.

    Parameters
    ----------
    pool
        Parameter points (axis P).
    regimes
        History regimes (axis R): ``us_presence`` and third-party recognitions, which scale
        ``recognition_cost`` by ``third_party_recognition_factor`` each.
    grid_size
        Number of belief grid points G (see :func:`mu_grid`).
    moves
        The first moves to solve (indices into FIRST_MOVES); ``selected`` and ``has_pbe``
        are filled only when every move is solved (otherwise −1 and false).
    tol
        The solver's relative tolerance for ties.
    distinct_on
        Parameters the game depends on: points equal on all of them are solved once.
    chunk
        Game points solved at once (memory ≈ 25 kB per point).
    on_progress
        Called with (points done, points total).
    """
    regimes = tuple(regimes)
    if distinct_on is not None:
        names = [n for n in distinct_on if n in pool.values and not pool.constant(n)]
        if not names:
            unique_rows, inverse = np.zeros(1, dtype=np.int64), np.zeros(pool.size, np.int64)
        else:
            keys = np.stack([pool.values[n] for n in names], axis=1)
            _, unique_rows, inverse = np.unique(keys, axis=0, return_index=True,
                                                return_inverse=True)
        table = build_table(pool.take(np.asarray(unique_rows, dtype=np.int64)), regimes,
                            grid_size, moves, tol=tol, chunk=chunk, on_progress=on_progress)
        return table.take(np.asarray(inverse, dtype=np.int64).reshape(-1))
    grid = mu_grid(grid_size)
    moves = tuple(sorted(set(moves)))
    structure = GameStructure(types=FULL_GAME.types,
                              first_moves=tuple(FIRST_MOVES[m] for m in moves),
                              un_report=FULL_GAME.un_report)
    flat = table_points(pool, regimes, grid[:1])
    n_pr, n_g, n_m = pool.size * len(regimes), grid_size, len(FIRST_MOVES)
    total = n_pr * n_g
    effort = np.zeros((total, n_m, N_TYPES), dtype=np.int8)
    response = np.zeros((total, n_m, N_SIGNALS), dtype=np.int8)
    no_rep = np.zeros((total, n_m, N_REPORT_FREE), dtype=np.int8)
    pure = np.zeros((total, n_m), dtype=bool)
    value = np.full((total, n_m), -np.inf)
    selected = np.full(total, -1, dtype=np.int8)
    has_pbe = np.zeros(total, dtype=bool)
    step = max(1, chunk // n_g)
    idx = list(moves)
    for lo in range(0, n_pr, step):
        hi = min(lo + step, n_pr)
        c = continuations({k: v[lo:hi] for k, v in flat.items()}, structure, beliefs=grid,
                          tol=tol)
        out = slice(lo * n_g, hi * n_g)
        effort[out, idx] = c.effort
        response[out, idx] = c.response
        no_rep[out, idx] = c.response_no_report
        pure[out, idx] = c.pure
        value[out, idx] = c.value
        if len(moves) == n_m:
            selected[out] = c.selected
            has_pbe[out] = c.has_pbe
        if on_progress is not None:
            on_progress(hi * n_g, total)
    shape = (pool.size, len(regimes), grid_size)
    return ContinuationTable(
        grid=grid, regimes=regimes, effort=effort.reshape(*shape, n_m, N_TYPES),
        response=response.reshape(*shape, n_m, N_SIGNALS),
        response_no_report=no_rep.reshape(*shape, n_m, N_REPORT_FREE),
        selected=selected.reshape(shape), pure=pure.reshape(*shape, n_m),
        has_pbe=has_pbe.reshape(shape), china_value=value.reshape(*shape, n_m),
        method=METHOD + (f"; first moves {list(moves)} only" if len(moves) < n_m else ""))
