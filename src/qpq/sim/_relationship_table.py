"""Model v2's lookup: the repeated relationship's stationary strategies per table cell.

Model v2 (docs/model-game.md §7.5) replaces the one-round game the simulator plays each
quarter by the stage of a repeated relationship whose strategies are stationary and Markov
in the recognition status. Like :mod:`qpq.sim._lookup` for v1, this module solves the game
once per **parameter point × regime × belief grid point** (:func:`qpq.game.solve_relationship`)
and lays the answers out for the dynamics: China's first-move probabilities while
unrecognised, each type's effort probabilities after every first move (and once
recognised), China's final-action probabilities at every signal — behaviour strategies,
since v2's equilibria can be mixed — and each cell's regret.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.game import (
    ALL_EFFORTS,
    DEFAULT_TOL,
    EFFORTS,
    FULL_GAME,
    Effort,
    GameStructure,
    check_relationship_budget,
    solve_relationship,
)
from qpq.model import FINAL_ACTIONS, FIRST_MOVES
from qpq.parallel import ChunkExecutor, InProcess, dealt, map_ordered
from qpq.sim._lookup import mu_grid, table_points
from qpq.sim._policies import RECOGNIZE, relationship_moves
from qpq.sim._pools import ParameterPool
from qpq.sim._timeline import Regime

__all__ = ["CELL_SECONDS", "METHOD", "PureChoices", "RelationshipTable",
           "build_relationship_table", "check_table_budget", "pure_index"]

METHOD = ("qpq.sim.build_relationship_table: per parameter point, regime and belief grid "
          "point, qpq.game.solve_relationship (model v2's stationary strategies)")

CELL_SECONDS = 0.03
"""CPU seconds to solve model v2's relationship in one table cell (a parameter point in one
stage regime at one belief grid point), for the cost guard's estimates: measured
2026-12-05, ``qpq explore compare deal-under-uncertainty --model v2 --n 4`` took 82 s of
CPU for 4 points × 7 tables × 8 regimes × 12 grid points (0.030 s a cell, the simulation
included); on 2026-12-07, after the tracing's new schedule, 85 s on a host slower per CPU
second (about 1.6 times, by v1's benches that day), so kept; ``python -m bench explore_v2``
measures it again beside this figure. An
average over the scenario's drawn points: a point whose relationship is traced in every
cell costs up to several times more (the bench's one-point table at the defaults: 0.12 s
a cell on 2026-12-06, 0.34 s on 2026-12-04), so a pool of a few such points can take
longer than estimated."""

FloatArray = NDArray[np.float64]


def pure_index(probs: FloatArray) -> NDArray[np.int64]:
    """Per row (last axis: choices), the choice played for sure, or −1 where it mixes."""
    top = probs.argmax(axis=-1)
    sure = np.take_along_axis(probs, top[..., None], axis=-1)[..., 0] >= 1.0
    return np.where(sure, top, -1).astype(np.int64)


@dataclass(frozen=True)
class PureChoices:
    """A table's choices played for sure, as indices (−1 where a draw is needed).

    What the simulator reads each quarter (most cells are pure, so only mixed ones pay for
    cumulative sums), per parameter point (axis 0). Efforts and responses have one row per
    (cell, state): the first moves while unrecognised, then the recognised state.

    Attributes
    ----------
    move
        (P, R·G): China's first move.
    effort
        (P, R·G·(M + 1), T) int8: each type's effort.
    response
        (P, R·G·(M + 1)·S) int8: China's final action at each signal.
    mixed, acts
        (P, R·G·(M + 1)): some type draws its effort; some type surely acts.
    """

    move: NDArray[np.int64]
    effort: NDArray[np.int8]
    response: NDArray[np.int8]
    mixed: NDArray[np.bool_]
    acts: NDArray[np.bool_]

    def __post_init__(self) -> None:
        # shared by every simulation that reads the table: a write would corrupt the next
        for a in (self.move, self.effort, self.response, self.mixed, self.acts):
            a.setflags(write=False)

    def take(self, points: NDArray[np.int64]) -> PureChoices:
        """The choices at the given parameter points."""
        return PureChoices(np.ascontiguousarray(self.move[points]),
                           np.ascontiguousarray(self.effort[points]),
                           np.ascontiguousarray(self.response[points]),
                           np.ascontiguousarray(self.mixed[points]),
                           np.ascontiguousarray(self.acts[points]))


@dataclass(frozen=True)
class RelationshipTable:
    """Model v2's strategies over (point P, regime R, grid G, ...).

    Attributes
    ----------
    grid, regimes
        Belief grid (G,) and the regimes of axis R.
    move
        (P, R, G, M): China's first-move probabilities while unrecognised (FIRST_MOVES order).
    effort0
        (P, R, G, M, T, E): each type's effort probabilities after each first move, while
        unrecognised.
    effort1
        (P, R, G, T, E): the same once recognised.
    response0
        (P, R, G, M, S, A): China's final-action probabilities (A = FINAL_ACTIONS) at each
        signal after each first move, while unrecognised.
    response1
        (P, R, G, S, A): the same once recognised.
    regret
        (P, R, G): the cell's largest regret (≈ 0 at an equilibrium; see
        :class:`qpq.game.Relationship`).
    traced, pure
        (P, R, G): strategies from the logit tracing; pure in both states.
    value
        (P, R, G): China's value of the relationship from the unrecognised state.
    moves
        China's first moves while unrecognised (indices into FIRST_MOVES): all of them for
        the equilibrium, one for a China committed to a fixed policy; the arrays over first
        moves are zero at the others (never solved, never read).
    efforts
        The Taliban's efforts (axis E): v1's three, or with co-optation
        (:data:`qpq.game.ALL_EFFORTS`), which the simulator then plays as a fourth effort.
    method
        Provenance.
    """

    grid: FloatArray
    regimes: tuple[Regime, ...]
    move: FloatArray
    effort0: FloatArray
    effort1: FloatArray
    response0: FloatArray
    response1: FloatArray
    regret: FloatArray
    traced: NDArray[np.bool_]
    pure: NDArray[np.bool_]
    value: FloatArray
    moves: tuple[int, ...] = tuple(range(len(FIRST_MOVES)))
    efforts: tuple[Effort, ...] = EFFORTS
    method: str = METHOD

    @property
    def has_coopt(self) -> bool:
        """Whether the Taliban may co-opt (a fourth effort)."""
        return Effort.COOPT in self.efforts

    @property
    def shape(self) -> tuple[int, int, int]:
        """(P, R, G)."""
        p, r, g = self.regret.shape
        return int(p), int(r), int(g)

    def fallback_share(self) -> dict[str, float]:
        """Shares of cells whose strategies came from the logit tracing / are mixed."""
        return {"traced": float(self.traced.mean()), "mixed": float((~self.pure).mean())}

    @functools.cached_property
    def pure_choices(self) -> PureChoices:
        """The choices played for sure in every cell (computed once per table)."""
        p = self.shape[0]
        n_m, n_t = self.move.shape[3], self.effort0.shape[4]
        n_s = self.response1.shape[3]
        effort = np.concatenate([pure_index(self.effort0).reshape(p, -1, n_m, n_t),
                                 pure_index(self.effort1).reshape(p, -1, 1, n_t)], axis=2)
        effort = np.ascontiguousarray(effort.reshape(p, -1, n_t), dtype=np.int8)
        response = np.concatenate([pure_index(self.response0).reshape(p, -1, n_m, n_s),
                                   pure_index(self.response1).reshape(p, -1, 1, n_s)], axis=2)
        return PureChoices(pure_index(self.move).reshape(p, -1), effort,
                           np.ascontiguousarray(response.reshape(p, -1), dtype=np.int8),
                           np.asarray((effort < 0).any(axis=2)),
                           np.asarray((effort > 0).any(axis=2)))

    def take(self, points: NDArray[np.int64]) -> RelationshipTable:
        """The tables of the given parameter points (axis P).

        The pure choices come along: taken from this table's where it has them, and
        computed here first when the take is at least as large as the table (points
        repeated, as a calibration's histories repeat its game points), where indexing
        once costs less than indexing the copies.
        """
        keep = {"grid", "regimes", "moves", "efforts", "method"}
        out = RelationshipTable(**{f.name: (getattr(self, f.name) if f.name in keep
                                            else getattr(self, f.name)[points])
                                   for f in fields(self)})
        if "pure_choices" in self.__dict__ or np.size(points) >= self.shape[0]:
            # cached_property's own slot (frozen dataclasses allow it)
            out.__dict__["pure_choices"] = self.pure_choices.take(points)
        return out


def _solve_rows(task: tuple[dict[str, FloatArray], GameStructure, FloatArray, float]
                ) -> tuple[tuple[Any, Any], FloatArray, NDArray[np.bool_],
                           NDArray[np.bool_], FloatArray]:
    """One chunk of a table: the relationship at some (point, regime) rows, every belief.

    Returns :attr:`qpq.game.Relationship.strategies` (both states' behaviour strategies)
    and the cells' regret, traced and pure flags and value.
    """
    flat, structure, grid, tol = task
    rel = solve_relationship(flat, structure, beliefs=grid, tol=tol)
    return (rel.strategies, rel.regret, rel.traced, np.asarray(rel.pure.all(axis=1)),
            rel.value)


def build_relationship_table(pool: ParameterPool, regimes: Sequence[Regime], grid_size: int,
                             *, moves: Sequence[int] | None = None,
                             efforts: Sequence[Effort] = EFFORTS, tol: float = DEFAULT_TOL,
                             chunk: int = 512,
                             on_progress: Callable[[int, int], None] | None = None,
                             executor: ChunkExecutor | None = None) -> RelationshipTable:
    """Solve model v2's relationship for every pool point, regime and belief grid point.

    ``moves`` (indices into FIRST_MOVES; default all) are China's first moves while
    unrecognised. A fixed policy's table has its one move
    (:func:`qpq.sim.relationship_moves`): China is committed to it every quarter, the
    Taliban's stationary efforts are their best response to that commitment within the
    relationship (values included), and China's final actions stay sequentially rational —
    the relationship solved with China's first move fixed (docs/model-dynamics.md §7.9).
    ``efforts``: v1's three (:data:`qpq.game.EFFORTS`) or all four with co-optation
    (:data:`qpq.game.ALL_EFFORTS`; the pool then needs the ``coopt_*`` parameters).

    The (point, regime) rows are solved about ``chunk`` cells at a time, on ``executor``
    (default: in this process; a whole number of chunks per worker), the rows dealt out
    (:func:`qpq.parallel.dealt`); a cell's answer does not depend on its chunk, nor on the
    executor.
    """
    regimes = tuple(regimes)
    chosen = tuple(range(len(FIRST_MOVES))) if moves is None else tuple(sorted(set(moves)))
    if not chosen or not all(0 <= m < len(FIRST_MOVES) for m in chosen):
        raise ValueError(f"moves must be indices into FIRST_MOVES (0..{len(FIRST_MOVES) - 1}), "
                         f"got {moves!r}")
    efforts = tuple(efforts)
    if efforts not in (EFFORTS, ALL_EFFORTS):
        raise ValueError("the simulator plays v1's three efforts or all four with co-optation, "
                         f"not {[e.label for e in efforts]}")
    structure = replace(FULL_GAME, efforts=efforts)
    if len(chosen) < len(FIRST_MOVES):
        structure = replace(structure, first_moves=tuple(FIRST_MOVES[m] for m in chosen))
    grid = mu_grid(grid_size)
    flat = table_points(pool, regimes, grid[:1])
    n_pr, n_g = pool.size * len(regimes), grid_size
    n_m, n_t, n_s, n_a = (len(FIRST_MOVES), len(FULL_GAME.types), len(FULL_GAME.signals),
                          len(FINAL_ACTIONS))
    n_e = len(efforts)
    total = n_pr * n_g
    move = np.zeros((total, n_m))
    effort0 = np.zeros((total, n_m, n_t, n_e))
    effort1 = np.zeros((total, n_t, n_e))
    response0 = np.zeros((total, n_m, n_s, n_a))
    response1 = np.zeros((total, n_s, n_a))
    regret = np.zeros(total)
    traced = np.zeros(total, dtype=bool)
    pure = np.zeros(total, dtype=bool)
    value = np.zeros(total)
    ex = executor or InProcess()
    workers = int(ex.describe()["workers"])
    # a whole number of chunks per worker, so that they finish together
    n_chunks = min(n_pr, -(-n_pr // max(1, chunk // n_g) // workers) * workers)
    if n_chunks == 1:
        ex = InProcess()                # one chunk: no worker to start
    rows = dealt(n_pr, n_chunks)
    tasks = (({k: v[r] for k, v in flat.items()}, structure, grid, tol) for r in rows)
    done = 0
    for r, ((s0, s1), reg, trc, pur, val) in zip(
            rows, map_ordered(ex, _solve_rows, tasks), strict=True):
        out = (r[:, None] * n_g + np.arange(n_g)).reshape(-1)     # row i·G + g: belief g
        move[out[:, None], list(chosen)] = s0.move
        for k, mi in enumerate(chosen):
            m = FIRST_MOVES[mi]
            effort0[out, mi] = s0.effort[k]
            response0[out[:, None, None], mi, np.arange(n_s)[:, None],
                      FULL_GAME.global_actions(m)] = s0.response[k]
        effort1[out] = s1.effort[0]
        response1[out[:, None, None], np.arange(n_s)[:, None],
                  FULL_GAME.global_actions(FIRST_MOVES[RECOGNIZE])] = s1.response[0]
        regret[out] = reg
        traced[out] = trc
        pure[out] = pur
        value[out] = val
        done += out.size
        if on_progress is not None:
            on_progress(done, total)
    shape = (pool.size, len(regimes), grid_size)
    return RelationshipTable(
        grid=grid, regimes=regimes, move=move.reshape(*shape, n_m),
        effort0=effort0.reshape(*shape, n_m, n_t, n_e), effort1=effort1.reshape(*shape, n_t, n_e),
        response0=response0.reshape(*shape, n_m, n_s, n_a),
        response1=response1.reshape(*shape, n_s, n_a), regret=regret.reshape(shape),
        traced=traced.reshape(shape), pure=pure.reshape(shape), value=value.reshape(shape),
        moves=chosen, efforts=efforts)


def check_table_budget(points: int, n_regimes: int, grid_size: int, policies: Sequence[str],
                       *, lower: str, unit: str = "points",
                       at: str = "at every parameter point", regimes_note: str = "") -> None:
    """Refuse relationship tables estimated above :data:`qpq.game.RELATIONSHIP_BUDGET`.

    ``points`` parameter points, each solved for every distinct commitment of China among
    ``policies`` (:func:`qpq.sim.relationship_moves`, as :func:`qpq.sim.relationship_tables`
    groups them) over ``n_regimes`` stage regimes and ``grid_size`` belief grid points, at
    :data:`CELL_SECONDS` a cell. ``lower`` says how to ask for less (e.g. ``"lower
    --draws"``), ``unit`` what a point is to the caller ("draws", "experiments"), ``at``
    where the points are solved and ``regimes_note`` where the regimes come from.

    Raises
    ------
    BadInputError
        With the estimate and the most points allowed.
    """
    tables = len({relationship_moves(p) for p in policies})
    check_relationship_budget(
        points, CELL_SECONDS * n_regimes * grid_size * tables, unit=unit,
        what=f"{at} for each of {tables} distinct commitment(s) of China, over {n_regimes} "
             f"stage regimes{regimes_note} × {grid_size} belief grid points",
        lower=lower)
