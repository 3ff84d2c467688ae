"""Co-optation in the simulator (model v2's fourth effort), checked against the game.

* one value function: where the relationship's strategies co-opt, the simulator's mean
  discounted realised utility equals the value :func:`qpq.game.solve_relationship` gives
  with co-optation in the structure (signals, pull, harm, cost all enter it);
* flows and signals of a co-opting quarter against :mod:`qpq.model`'s shared utilities:
  the suppression and defection frequencies, the absorbed fighters, the residual harm.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from qpq.game import ALL_EFFORTS, FULL_GAME, Effort, solve_relationship
from qpq.game.analysis import sample_assumptions
from qpq.model import defection_prob, expected_etim_share, signal_pressure, suppression_prob
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

from .conftest import stepper

GRID = 2
DELTA = 0.95
START = 2022 * 4
QUARTERS = 200
COOPT = int(Effort.COOPT)


def _timeline(quarters: int = QUARTERS) -> Timeline:
    return Timeline(start=START, stop=START + quarters, us_presence=np.zeros(quarters),
                    taliban_in_power=np.ones(quarters),
                    recognitions=np.zeros(quarters, dtype=np.int64),
                    regimes=(Regime(0.0, 0),), regime_index=np.zeros(quarters, dtype=np.int64))


def _values(registry, n: int, seed: int) -> dict[str, np.ndarray]:
    draws = sample_assumptions(registry, n, np.random.default_rng(seed)).params
    values = {k: np.asarray(draws[k], dtype=float) for k in registry.names}
    # China's belief at a grid midpoint (the table is solved at exactly the prior); the state
    # the game assumes: control 1, ISKP present, no drift
    values["prior_sincere"] = (np.arange(n) % GRID + 0.5) / GRID
    values["quarterly_discount"] = np.full(n, DELTA)
    values["iskp_founding_year"] = np.full(n, 2000.0)
    values["control_noise"] = np.zeros(n)
    values["iskp_control_drag"] = np.zeros(n)
    return values


@pytest.fixture(scope="module")
def coopting(registry):
    """Draws whose relationship co-opts on the path (and two that do not)."""
    values = _values(registry, 24, 17)
    pool = ParameterPool(values, "test")
    table = build_relationship_table(pool, _timeline().regimes, GRID, efforts=ALL_EFFORTS)
    g = (values["prior_sincere"] * GRID).astype(int)
    rows = np.arange(pool.size)
    move = table.move[rows, 0, g]                                        # (P, M)
    on_path = (np.einsum("pm,pmt->pt", move, table.effort0[rows, 0, g, :, :, COOPT]) > 0
               ).any(axis=1) | (table.effort1[rows, 0, g, :, COOPT] > 0).any(axis=1)
    pick = np.concatenate([np.flatnonzero(on_path)[:5], np.flatnonzero(~on_path)[:2]])
    assert on_path.sum() >= 3, "the draws should include relationships that co-opt"
    return pool.take(pick, "test"), table.take(pick)


def test_the_simulator_realises_the_games_values_with_cooptation(coopting) -> None:
    pool, table = coopting
    per_point = 2000
    spec = RunSpec(timeline=_timeline(), pool=pool, table=table, policy="equilibrium",
                   n=pool.size * per_point, seed=5,
                   stats=(WindowStat("china", "china_payoff", START, START + QUARTERS - 1,
                                     "discounted_sum"),
                          WindowStat("taliban", "taliban_payoff", START, START + QUARTERS - 1,
                                     "discounted_sum"),
                          WindowStat("coopted", "militants_coopted", START,
                                     START + QUARTERS - 1, "final")),
                   options=StepOptions(fixed_belief=True))
    res = simulate(spec)
    rel = solve_relationship(pool.values, replace(FULL_GAME, efforts=ALL_EFFORTS))
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
    # the co-opting relationships fill the co-opted stock
    assert res.stats["coopted"][res.pool_index < 3].mean() > 0


def test_a_coopting_quarter_follows_the_shared_utilities(registry, coopting) -> None:
    pool, table = coopting
    values = {k: v.copy() for k, v in pool.values.items()}
    # s is then the Taliban's own signal (in all but about one in 10⁹ scenario-quarters;
    # not 0, which makes s = 1 impossible for a harbouring type and China's Bayes update
    # undefined when the effort is forced)
    values["base_suppression"][:] = 1e-9
    pool0 = ParameterPool(values, "test")
    spec = RunSpec(timeline=_timeline(4), pool=pool0, table=table, policy="equilibrium",
                   n=pool0.size * 4000, seed=9)
    dyn = stepper(spec, StepOptions(forced_effort=COOPT))
    st = dyn.s
    before = st.border + st.interior
    border0 = st.border.copy()
    coopted0 = st.coopted.copy()
    p = {k: v[st.pool_index] for k, v in pool0.values.items()}
    cap = np.where(st.high_capacity, p["capacity_high"], p["capacity_low"]) * st.control
    out = dyn.step(START)
    s, d = out["suppressed"], out["defected"]
    # suppression and defection frequencies: the game's co-optation probabilities
    p_s = suppression_prob(signal_pressure(cap, 0.0, p, 1.0), {**p, "us_presence": 0.0})
    p_d = defection_prob(0.0, p, 1.0)
    for got, want in ((s, p_s), (d, p_d)):
        se = math.sqrt((want * (1 - want)).sum()) / want.size
        assert abs(got.mean() - want.mean()) <= 4 * se + 1e-12
    # a successful co-optation absorbs taliban_action_rate of border and interior
    absorbed = out["militants_coopted"] - coopted0
    np.testing.assert_allclose(absorbed, s * p["taliban_action_rate"] * before, rtol=1e-12)
    # the residual harm: the ETIM rate into China keeps the share of the game's round harm
    # (qpq.model.expected_etim_share: coopt_residual where s = 1, all where s = 0)
    etim = expected_etim_share(s, p, 1.0)
    want = (p["attack_rate"] / 100.0 * (1.0 - p["cross_border_share"]) * border0 * etim)
    np.testing.assert_allclose(out["expected_attacks_china"], want, rtol=1e-12)
    assert ((s == 1) & (want > 0)).any() and (s == 0).any()
