"""Model v2 in the simulator: the discounted utility it realises is the game's value.

The acceptance test of "one value function": at 20 parameter points (defaults-based
variants and draws over the ranges, pure and mixed strategies alike), the simulator run
with the relationship's strategies held at China's initial belief realises, on average,
the discounted utility :func:`qpq.game.solve_relationship` assigns — China's value of the
selected equilibrium within 3 Monte Carlo standard errors, each type's own within 4.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.game.analysis import sample_assumptions
from qpq.sim import (
    ParameterPool,
    Regime,
    RunSpec,
    StepOptions,
    Timeline,
    WindowStat,
    build_relationship_table,
    simulate,
)

GRID = 2
DELTA = 0.95          # 0.95^200 ≈ 4e-5: the 50 simulated years leave no tail worth counting
START = 2022 * 4
QUARTERS = 200


def _timeline() -> Timeline:
    """The Taliban govern throughout, no US forces, no third-party recognition."""
    return Timeline(start=START, stop=START + QUARTERS, us_presence=np.zeros(QUARTERS),
                    taliban_in_power=np.ones(QUARTERS),
                    recognitions=np.zeros(QUARTERS, dtype=np.int64),
                    regimes=(Regime(0.0, 0),), regime_index=np.zeros(QUARTERS, dtype=np.int64))


def _pool(registry) -> ParameterPool:
    base = registry.defaults()
    variants = [base, base.with_overrides({"reneging_cost": 0.0}),
                base.with_overrides({"effort_cost_sincere": 0.1, "recognition_value": 2.5}),
                base.with_overrides({"future_value_insincere": -3.0, "reneging_cost": 0.05})]
    draws = sample_assumptions(registry, 16, np.random.default_rng(17)).params
    values = {k: np.concatenate([[v[k] for v in variants], np.asarray(draws[k], dtype=float)])
              for k in registry.names}
    n = values["prior_sincere"].size
    # China's belief at a grid midpoint, so the table is solved at exactly the prior; the
    # state the game assumes: control 1, ISKP present, no drift
    values["prior_sincere"] = (np.arange(n) % GRID + 0.5) / GRID
    values["quarterly_discount"] = np.full(n, DELTA)
    values["iskp_founding_year"] = np.full(n, 2000.0)
    values["control_noise"] = np.zeros(n)
    values["iskp_control_drag"] = np.zeros(n)
    return ParameterPool(values, "test")


@pytest.fixture(scope="module")
def run(registry):
    pool = _pool(registry)
    timeline = _timeline()
    table = build_relationship_table(pool, timeline.regimes, GRID)
    per_point = 2000
    spec = RunSpec(timeline=timeline, pool=pool, table=table, policy="equilibrium",
                   n=pool.size * per_point, seed=7,
                   stats=(WindowStat("china", "china_payoff", START, START + QUARTERS - 1,
                                     "discounted_sum"),
                          WindowStat("taliban", "taliban_payoff", START, START + QUARTERS - 1,
                                     "discounted_sum")),
                   options=StepOptions(fixed_belief=True))
    return pool, table, simulate(spec)


def test_the_simulator_realises_the_games_values(run) -> None:
    pool, table, res = run
    from qpq.game import solve_relationship

    rel = solve_relationship(pool.values)          # at the prior: the grid midpoints
    assert (table.traced.any(), (~table.pure).any()) == (True, True)  # mixed ones included
    g = (pool.values["prior_sincere"] * GRID).astype(int)
    np.testing.assert_allclose(table.value[np.arange(pool.size), 0, g], rel.value,
                               rtol=1e-12, atol=1e-12)
    for k in range(pool.size):
        mine = res.pool_index == k
        c = res.stats["china"][mine]
        se = c.std(ddof=1) / math.sqrt(c.size)
        assert abs(c.mean() - rel.value[k]) <= 3 * se, (k, c.mean(), rel.value[k], se)
        for t in range(4):
            tal = res.stats["taliban"][mine & (res.type_index == t)]
            if tal.size < 30:
                continue
            se_t = tal.std(ddof=1) / math.sqrt(tal.size)
            assert abs(tal.mean() - rel.taliban_value[k, 0, t]) <= 4 * se_t + 1e-9, (k, t)


def test_a_fixed_policy_needs_its_own_table(run) -> None:
    pool, table, _ = run
    spec = RunSpec(timeline=_timeline(), pool=pool, table=table, policy="boycott", n=10, seed=1)
    with pytest.raises(BadInputError, match="needs a relationship table solved for China's "
                       r"first moves \(0,\)"):
        simulate(spec)
