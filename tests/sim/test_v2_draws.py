"""Model v2's choice uniforms drawn on demand are the numbers a full draw gives.

The dynamics skip a block's choice uniforms (its Philox stream advanced past them) and draw
them only when a mixed strategy needs them; a block whose size does not fit Philox's four
outputs a step is drawn whole. Checked against each block's stream drawn
row by row, quarter after quarter, with requests that touch some blocks and not others.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qpq.sim import ParameterPool, RunSpec, build_timeline
from qpq.sim._rng import BLOCK_SIZE, N_CHOICE_UNIFORMS, Purpose, choice_generator
from tests.golden.sim_v2 import synthetic_table
from tests.sim.conftest import stepper


def test_choice_uniforms_on_demand_equal_a_full_draw(case, registry) -> None:
    pool = ParameterPool(registry.defaults().arrays(), "test")
    tl = build_timeline(case, dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    n = 2 * BLOCK_SIZE + 6                   # the last block (6) is drawn whole
    spec = RunSpec(timeline=tl, pool=pool, table=synthetic_table(pool, tl.v2_regimes()[0], 1),
                   policy="equilibrium", n=n, seed=5)
    dyn = stepper(spec)
    streams = [choice_generator(5, Purpose.DYNAMICS, b) for b in range(3)]
    sizes = [BLOCK_SIZE, BLOCK_SIZE, 6]
    asks = [np.arange(0), np.array([3, 1500]), np.array([BLOCK_SIZE + 7]), np.arange(n)]
    for quarter, ask in enumerate(asks):
        expected = np.concatenate([g.random((N_CHOICE_UNIFORMS, m))
                                   for g, m in zip(streams, sizes, strict=True)], axis=1)
        dyn._draw_choices()
        assert len(dyn.pending) == 2, quarter                        # whole blocks skipped
        for row in range(N_CHOICE_UNIFORMS):
            np.testing.assert_array_equal(dyn._choice_uniforms(row, ask), expected[row, ask])
        drawn = {lo for _, lo, _ in dyn.pending}
        touched = {lo for lo in (0, BLOCK_SIZE) if np.any((ask >= lo) & (ask < lo + BLOCK_SIZE))}
        assert drawn.isdisjoint(touched)
        np.testing.assert_array_equal(dyn.uc[:, 2 * BLOCK_SIZE:], expected[:, 2 * BLOCK_SIZE:])


def test_choice_uniforms_refuse_indices_out_of_order(case, registry) -> None:
    """The touched blocks are found by the indices' order: unsorted ones are refused."""
    pool = ParameterPool(registry.defaults().arrays(), "test")
    tl = build_timeline(case, dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    spec = RunSpec(timeline=tl, pool=pool, table=synthetic_table(pool, tl.v2_regimes()[0], 1),
                   policy="equilibrium", n=2 * BLOCK_SIZE, seed=5)
    dyn = stepper(spec)
    dyn._draw_choices()
    with pytest.raises(ValueError, match="ascending"):
        dyn._choice_uniforms(0, np.array([1500, 3]))
