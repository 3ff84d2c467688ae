"""Building and reusing equilibrium lookup tables for runs (in worker processes if asked).

The lookup of :mod:`qpq.sim._lookup` costs about half a millisecond per game point
(parameter point × regime × belief grid point), so a calibration with a thousand parameter
draws takes seconds. :func:`table_for` splits the pool's points over worker processes
(results are identical: each point is solved on its own) and :func:`select_regimes`
reuses a table for a run whose regimes are among those already solved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np

from qpq.parallel import executor_for, map_ordered
from qpq.sim._lookup import ContinuationTable, build_table
from qpq.sim._pools import ParameterPool
from qpq.sim._timeline import Regime

__all__ = ["concat_tables", "select_regimes", "table_for"]


def concat_tables(parts: Sequence[ContinuationTable]) -> ContinuationTable:
    """Tables of consecutive pool slices joined along the point axis."""
    first = parts[0]
    return ContinuationTable(
        grid=first.grid, regimes=first.regimes,
        effort=np.concatenate([t.effort for t in parts]),
        response=np.concatenate([t.response for t in parts]),
        response_no_report=np.concatenate([t.response_no_report for t in parts]),
        selected=np.concatenate([t.selected for t in parts]),
        pure=np.concatenate([t.pure for t in parts]),
        has_pbe=np.concatenate([t.has_pbe for t in parts]),
        china_value=np.concatenate([t.china_value for t in parts]), method=first.method)


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


def select_regimes(table: ContinuationTable, regimes: Sequence[Regime]
                   ) -> ContinuationTable | None:
    """The table restricted (and reordered) to ``regimes``; ``None`` if one is missing."""
    try:
        idx = np.array([table.regimes.index(r) for r in regimes], dtype=np.int64)
    except ValueError:
        return None
    return ContinuationTable(
        grid=table.grid, regimes=tuple(regimes), effort=table.effort[:, idx],
        response=table.response[:, idx], response_no_report=table.response_no_report[:, idx],
        selected=table.selected[:, idx], pure=table.pure[:, idx],
        has_pbe=table.has_pbe[:, idx], china_value=table.china_value[:, idx],
        method=table.method)
