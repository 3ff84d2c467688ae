"""Building and reusing equilibrium lookup tables for runs (in worker processes if asked).

The lookup of :mod:`qpq.sim._lookup` costs about half a millisecond per game point
(parameter point × regime × belief grid point), so a calibration with a thousand parameter
draws takes seconds. :func:`table_for` splits the pool's points over worker processes
(results are identical: each point is solved on its own; :func:`concat_tables` joins the
parts, or tables solved regime by regime) and :func:`select_regimes` reuses a table for a
run whose regimes are among those already solved.
:func:`relationship_tables` builds model v2's tables for a set of China's policies, one per
distinct commitment (:func:`qpq.sim.relationship_moves`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from itertools import pairwise
from typing import Any, TypeVar

import numpy as np

from qpq.game import EFFORTS, Effort
from qpq.parallel import executor_for, map_ordered
from qpq.sim._lookup import ContinuationTable, build_table
from qpq.sim._policies import relationship_moves
from qpq.sim._pools import ParameterPool
from qpq.sim._relationship_table import RelationshipTable, build_relationship_table
from qpq.sim._timeline import Regime

__all__ = ["concat_tables", "relationship_tables", "select_regimes", "table_for"]

AnyTable = TypeVar("AnyTable", ContinuationTable, RelationshipTable)


_PER_TABLE = frozenset({"grid", "regimes", "moves", "efforts", "method"})
"""Fields a table holds once (not per point and regime); every other field is an array
indexed by point (axis 0) and regime (axis 1)."""


def concat_tables(parts: Sequence[AnyTable], *, axis: int = 0) -> AnyTable:
    """Tables joined along the point axis (0) or the regime axis (1).

    ``axis=0``: consecutive pool slices; ``axis=1``: tables of the same points and grid, their
    regimes one after the other. Works for v1's continuation tables and model v2's
    relationship tables alike.
    """
    if axis not in (0, 1):
        raise ValueError(f"tables are joined along points (0) or regimes (1), not axis {axis}")
    first = parts[0]
    joined: dict[str, Any] = {
        f.name: (getattr(first, f.name) if f.name in _PER_TABLE
                 else np.concatenate([getattr(t, f.name) for t in parts], axis=axis))
        for f in fields(first)}
    if axis == 1:
        joined["regimes"] = tuple(r for t in parts for r in t.regimes)
    return type(first)(**joined)


def _build(args: tuple[ParameterPool, tuple[Regime, ...], int]) -> ContinuationTable:
    pool, regimes, grid = args
    return build_table(pool, regimes, grid)


def table_for(pool: ParameterPool, regimes: Sequence[Regime], grid_size: int, *,
              workers: int = 1, on_progress: Callable[[int, int], None] | None = None
              ) -> ContinuationTable:
    """The lookup table of ``pool`` for ``regimes`` (built over ``workers`` processes)."""
    regimes = tuple(regimes)
    if workers <= 1 or pool.size < 2 * workers:
        return build_table(pool, regimes, grid_size, on_progress=on_progress)
    n_parts = min(pool.size, 4 * workers)
    bounds = np.linspace(0, pool.size, n_parts + 1).astype(int)
    slices = [pool.take(np.arange(a, b)) for a, b in pairwise(bounds.tolist())]
    parts: list[ContinuationTable] = []
    per_point = len(regimes) * grid_size
    with executor_for(workers) as ex:
        for t in map_ordered(ex, _build, [(s, regimes, grid_size) for s in slices]):
            parts.append(t)
            if on_progress is not None:
                on_progress(sum(p.selected.shape[0] for p in parts) * per_point,
                            pool.size * per_point)
    return concat_tables(parts)


def select_regimes(table: AnyTable, regimes: Sequence[Regime]) -> AnyTable | None:
    """The table restricted (and reordered) to ``regimes``; ``None`` if one is missing.

    Works for v1's continuation tables and model v2's relationship tables alike (every
    array indexed by point and regime is taken along its regime axis).
    """
    try:
        idx = np.array([table.regimes.index(r) for r in regimes], dtype=np.int64)
    except ValueError:
        return None
    parts = {f.name: (getattr(table, f.name) if f.name in _PER_TABLE
                      else getattr(table, f.name)[:, idx]) for f in fields(table)}
    parts["regimes"] = tuple(regimes)
    return type(table)(**parts)


def relationship_tables(pool: ParameterPool, regimes: Sequence[Regime], grid_size: int,
                        policies: Sequence[str], *, efforts: Sequence[Effort] = EFFORTS,
                        on_progress: Callable[[int, int], None] | None = None,
                        workers: int = 1) -> dict[str, RelationshipTable]:
    """Model v2's table for each policy, solved once per distinct commitment.

    The equilibrium leaves China all its first moves; every other policy commits China to
    one (``engage_no_promise``, ``conditional`` and ``plan_b_after_failure`` share
    Engage[no_promise]'s table). ``efforts``: v1's three or all four with co-optation.
    ``workers`` > 1 solves on that many worker processes (the same tables).
    """
    by_moves: dict[tuple[int, ...], RelationshipTable] = {}
    out = {}
    with executor_for(workers) as ex:
        for name in policies:
            moves = relationship_moves(name)
            if moves not in by_moves:
                by_moves[moves] = build_relationship_table(
                    pool, regimes, grid_size, moves=moves, efforts=efforts,
                    on_progress=on_progress, executor=ex)
            out[name] = by_moves[moves]
    return out
