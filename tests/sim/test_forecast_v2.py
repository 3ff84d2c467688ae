"""Forecasts from a model v2 calibration (docs/model-dynamics.md §7.8)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qpq.sim import (
    RunSpec,
    build_relationship_table,
    calibrate,
    forecast,
    forecast_stats,
    relationship_moves,
    simulate,
)
from qpq.sim._rng import Purpose

START, AS_OF, UNTIL = dt.date(2021, 10, 1), dt.date(2023, 6, 30), dt.date(2024, 6, 30)
GRID = 2


@pytest.fixture(scope="module")
def cal(case):
    return calibrate(case, AS_OF, draws=6, replicates=4, seed=0, grid_size=GRID, min_accept=8,
                     start=START, model="v2")


@pytest.mark.parametrize("policy", ["equilibrium", "boycott"])
def test_a_v2_forecast_is_the_particles_run_on_the_relationship(case, cal, policy) -> None:
    res = forecast(case, cal, UNTIL, policy=policy, n=512, seed=2)
    assert res.calibration["model"] == "v2"
    # the same run by hand: the particles' relationship solved afresh for the window's
    # stage regimes under the policy's commitment
    timeline = res.sim.spec.timeline
    regimes = timeline.v2_regimes()[0]
    # the window's stage regimes are among the history's: the equilibrium forecast reuses
    # the calibration's table (restricted to the particles' points and these regimes)
    assert set(regimes) <= set(cal.table.regimes)
    table = build_relationship_table(cal.particle_pool, regimes, GRID,
                                     moves=relationship_moves(policy))
    spec = RunSpec(timeline=timeline, pool=cal.particle_pool, table=table, policy=policy,
                   n=512, seed=2, purpose=Purpose.FORECAST,
                   # the forecast starts from the particles that agree with the record
                   particles=cal.particles.take(np.flatnonzero(
                       ~np.asarray(cal.particles.arrays["recognised"], dtype=bool))),
                   stats=forecast_stats(timeline.start, timeline.stop - 1))
    direct = simulate(spec)
    for k, v in direct.stats.items():
        np.testing.assert_array_equal(res.sim.stats[k], v, err_msg=k)
    if policy == "boycott":
        p = res.events["china_recognizes_de_jure"]
        assert p["probability"] == pytest.approx(p["already_at_start"])
