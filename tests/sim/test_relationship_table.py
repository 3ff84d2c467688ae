"""Model v2's table: the choices played for sure, computed once and taken with the table."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

import numpy as np
import pytest

from qpq.sim import ParameterPool, build_timeline, sample_pool
from qpq.sim._relationship_table import RelationshipTable, pure_index
from tests.golden.sim_v2 import synthetic_table


def test_pure_index_names_the_sure_choice_and_marks_mixed_rows() -> None:
    probs = np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.2, 0.0, 0.8]])
    np.testing.assert_array_equal(pure_index(probs), [1, -1, 0, -1])


def _fresh(table: RelationshipTable) -> RelationshipTable:
    """The same arrays in a new table, nothing cached."""
    return RelationshipTable(**{f.name: getattr(table, f.name) for f in fields(table)})


@pytest.mark.parametrize("cached", [False, True])
def test_taken_pure_choices_equal_those_of_the_taken_arrays(case, registry, cached) -> None:
    pool = ParameterPool(dict(sample_pool(registry, 6, 3).values), "test")
    tl = build_timeline(case, dt.date(2000, 1, 1), dt.date(2024, 6, 30))
    table = synthetic_table(pool, tl.v2_regimes()[0], 4)
    if cached:
        table.pure_choices                                  # noqa: B018 (computed here)
    sure = _fresh(table).pure_choices
    assert (sure.move == -1).any() and (sure.move >= 0).any()     # both kinds of cells
    assert sure.mixed.any() and sure.acts.any()
    for points in (np.array([4, 1]), np.array([0, 0, 5, 2, 2, 2, 1, 3, 4])):
        taken = table.take(points)
        # carried from the table where it had them, or where the take is larger than it
        assert ("pure_choices" in taken.__dict__) == (cached or points.size >= pool.size)
        want, got = _fresh(taken).pure_choices, taken.pure_choices
        for f in fields(want):
            a, b = getattr(want, f.name), getattr(got, f.name)
            assert a.dtype == b.dtype and b.flags.c_contiguous, f.name
            np.testing.assert_array_equal(b, a, err_msg=f.name)
        np.testing.assert_array_equal(got.move, sure.move[points])


def test_tables_solved_on_workers_equal_those_solved_here(case, registry) -> None:
    """Rows interleaved over chunks, chunks over two processes: the same cells."""
    from qpq.sim import build_relationship_table, relationship_tables

    pool = sample_pool(registry, 2, 11)
    regimes = build_timeline(case, dt.date(2021, 1, 1), dt.date(2022, 6, 30)).v2_regimes()[0]
    here = build_relationship_table(pool, regimes, 3, chunk=3)      # one row per chunk
    there = relationship_tables(pool, regimes, 3, ["equilibrium"], workers=2)["equilibrium"]
    assert len(regimes) > 1 and here.traced.any()                   # costly rows among them
    for f in fields(here):
        a, b = getattr(here, f.name), getattr(there, f.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(b, a, err_msg=f.name)
        else:
            assert a == b, f.name
