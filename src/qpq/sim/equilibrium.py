"""The one adapter between the simulator and the game solver: continuation lookup tables.

Each quarter China and the Taliban play the one-round game of docs/model-game.md §2 with
China's current belief μ_t as the prior. Solving it per scenario and quarter is far too
slow for ensembles, so this module solves it once per **parameter point × regime × belief
grid point** and the simulator looks the answers up (nearest grid point below μ_t's cell;
see :func:`grid_index`).

For every first move m the table holds the pure continuation equilibrium China prefers
after m (the Taliban's effort per type and China's final action at every signal), exactly
as :func:`qpq.game.solver.solve` completes a PBE off the path; for the ``equilibrium``
policy it also holds the selected first move, which equals
:func:`qpq.game.solver.solve_ensemble`'s selection (tested). Both come from the solver's
own vectorised kernel (:func:`qpq.game.kernel.continuation_kernel`) over
:func:`qpq.game.payoffs.build_tensors`, so no payoff is re-derived here.

China's response in quarters without a UN report is its best response at (m, s, d) with
the report marginalised out, from the same kernel numerators.

Where no pure continuation exists after a first move (a few per cent of points), the table
uses the Taliban profile with the smallest largest regret against China's tie-broken
response and flags the point (``pure``); where no pure PBE exists the selected move is the
best move among those with a pure continuation (``has_pbe`` is false). The bounded mixed
search of :mod:`qpq.game.mixed` is not used in the lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.game import DEFAULT_TOL, FULL_GAME
from qpq.game.kernel import continuation_kernel, profiles, relative_tol_ok
from qpq.game.payoffs import GameTensors, build_tensors
from qpq.model.policies import FIRST_MOVES, FinalAction
from qpq.sim.params import ParameterPool
from qpq.sim.timeline import Regime

__all__ = [
    "FINAL_ACTIONS",
    "METHOD",
    "ContinuationTable",
    "build_table",
    "grid_index",
    "mu_grid",
    "signal_index",
    "solve_continuations",
    "table_points",
]

FINAL_ACTIONS: tuple[FinalAction, ...] = tuple(FinalAction)
"""Global order of China's final actions (table entries index this tuple)."""

METHOD = ("qpq.sim.equilibrium v1: per parameter point, regime and belief grid point, the "
          "China-preferred pure continuation equilibrium after every first move and the "
          "selected first move, from qpq.game.kernel.continuation_kernel")

N_SIGNALS = len(FULL_GAME.signals)
_LOCAL_TO_GLOBAL = np.full((len(FIRST_MOVES), 4), -1, dtype=np.int8)
for _mi, _m in enumerate(FIRST_MOVES):
    for _j, _f in enumerate(FULL_GAME.actions(_m)):
        _LOCAL_TO_GLOBAL[_mi, _j] = FINAL_ACTIONS.index(_f)


def signal_index(s: NDArray[np.integer | np.bool_] | int, d: NDArray[np.integer | np.bool_] | int,
                 r_close: NDArray[np.integer | np.bool_] | int) -> NDArray[np.int64]:
    """Index of (s, d, r) in :attr:`qpq.game.spec.GameStructure.signals` (close before far)."""
    return np.asarray(np.asarray(s) * 4 + np.asarray(d) * 2 + (1 - np.asarray(r_close)),
                      dtype=np.int64)


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
        (P, R, G, M, 4) int8: effort index (0 harbour, 1 restrain, 2 crackdown) per type
        (order S,H; S,L; I,H; I,L).
    response
        (P, R, G, M, 8) int8: China's final action (index into :data:`FINAL_ACTIONS`) per
        signal (order of :func:`signal_index`).
    response_no_report
        (P, R, G, M, 4) int8: the same with the UN report marginalised, per (s, d) = 2s + d.
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
    return out


def solve_continuations(t: GameTensors, moves: Sequence[int], tol: float = DEFAULT_TOL
                        ) -> tuple[NDArray[Any], ...]:
    """China's preferred pure continuation after each first move in ``moves``.

    ``t`` holds the tensors of the first moves ``moves`` (global indices into
    :data:`FIRST_MOVES`, in the order ``t`` was built with). Returns ``effort``, ``response``,
    ``no_rep``, ``selected``, ``pure``, ``has_pbe`` and ``value`` with one slot per global
    first move; moves not solved keep their defaults, and ``selected``/``has_pbe`` are only
    meaningful (otherwise -1 / False) when every first move was solved.
    """
    n, n_m = t.n_points, len(FIRST_MOVES)
    effort = np.zeros((n, n_m, 4), dtype=np.int8)
    response = np.zeros((n, n_m, N_SIGNALS), dtype=np.int8)
    no_rep = np.zeros((n, n_m, 4), dtype=np.int8)
    pure = np.zeros((n, n_m), dtype=bool)
    value = np.full((n, n_m), -np.inf)
    prof = profiles(4)
    rows = np.arange(n)
    for local, mi in enumerate(moves):
        k = continuation_kernel(t, local, tol)
        ok = k.taliban_ok
        masked = np.where(ok, k.china_value, -np.inf)
        vmax = masked.max(axis=1)
        best = ok & relative_tol_ok(k.china_value, vmax[:, None], tol)
        has = ok.any(axis=1)
        pick = np.argmax(best, axis=1)
        lack = np.flatnonzero(~has)
        if lack.size:  # no pure continuation: the profile with the smallest largest regret
            tv = k.taliban_values[lack]                         # (l, P, T, 3)
            own = np.take_along_axis(tv, prof[None, :, :, None], axis=3)[..., 0]
            regret = (tv.max(axis=3) - own).max(axis=2)         # (l, P)
            pick[lack] = np.argmin(regret, axis=1)
        pure[:, mi] = has
        value[:, mi] = k.china_value[rows, pick]
        effort[:, mi] = prof[pick]
        response[:, mi] = _LOCAL_TO_GLOBAL[mi][k.response[rows, pick]]
        num2 = k.numerator[rows, pick].reshape(n, 4, 2, -1).sum(axis=2)   # (n, S, F)
        den2 = k.denominator[rows, pick].reshape(n, 4, 2).sum(axis=2)
        nmax = num2.max(axis=2)
        thr = nmax - tol * (den2 + np.abs(nmax))
        no_rep[:, mi] = _LOCAL_TO_GLOBAL[mi][np.argmax(num2 >= thr[..., None], axis=2)]
    if len(moves) == n_m:
        top = value.max(axis=1)
        tied = np.isfinite(value) & relative_tol_ok(value, top[:, None], tol)
        selected = np.argmax(tied, axis=1).astype(np.int8)
        has_pbe = np.asarray(pure.all(axis=1))
    else:
        selected = np.full(n, -1, dtype=np.int8)
        has_pbe = np.zeros(n, dtype=bool)
    return effort, response, no_rep, selected, pure, has_pbe, value


def _solve_chunk(params: Mapping[str, NDArray[np.float64]], tol: float
                 ) -> tuple[NDArray[Any], ...]:
    return solve_continuations(build_tensors(params, FULL_GAME), range(len(FIRST_MOVES)), tol)


def build_table(pool: ParameterPool, regimes: Sequence[Regime], grid_size: int, *,
                tol: float = DEFAULT_TOL, chunk: int = 256,
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
    tol
        The solver's relative tolerance for ties.
    chunk
        Game points solved at once (memory ≈ 20 kB per point).
    on_progress
        Called with (points done, points total).
    """
    grid = mu_grid(grid_size)
    flat = table_points(pool, regimes, grid)
    total = pool.size * len(regimes) * grid_size
    parts: list[tuple[NDArray[Any], ...]] = []
    for lo in range(0, total, chunk):
        hi = min(lo + chunk, total)
        parts.append(_solve_chunk({k: v[lo:hi] for k, v in flat.items()}, tol))
        if on_progress is not None:
            on_progress(hi, total)
    cat = [np.concatenate([p[i] for p in parts]) for i in range(7)]
    shape = (pool.size, len(regimes), grid_size)
    return ContinuationTable(
        grid=grid, regimes=tuple(regimes),
        effort=cat[0].reshape(*shape, len(FIRST_MOVES), 4),
        response=cat[1].reshape(*shape, len(FIRST_MOVES), N_SIGNALS),
        response_no_report=cat[2].reshape(*shape, len(FIRST_MOVES), 4),
        selected=cat[3].reshape(shape), pure=cat[4].reshape(*shape, len(FIRST_MOVES)),
        has_pbe=cat[5].reshape(shape),
        china_value=cat[6].astype(float).reshape(*shape, len(FIRST_MOVES)))
