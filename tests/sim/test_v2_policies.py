"""Model v2 under China's fixed policies (docs/model-dynamics.md §7.9).

A fixed policy's relationship table is the repeated relationship solved with China
committed to the policy's first move while unrecognised; the Taliban best-respond to that
commitment and China's final actions stay sequentially rational.
"""

from __future__ import annotations

import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.model import FIRST_MOVES, policy_names
from qpq.sim import (
    Regime,
    RunSpec,
    Timeline,
    WindowStat,
    build_relationship_table,
    default_pool,
    relationship_moves,
    resolve_policy,
    simulate,
)
from qpq.sim._policies import BOYCOTT, PLAN_B, RECOGNIZE, REWARD, WITHHOLD

from .conftest import stepper

GRID = 2
START = 2022 * 4
QUARTERS = 24


def _timeline() -> Timeline:
    """The Taliban govern throughout, no US forces, no third-party recognition."""
    return Timeline(start=START, stop=START + QUARTERS, us_presence=np.zeros(QUARTERS),
                    taliban_in_power=np.ones(QUARTERS),
                    recognitions=np.zeros(QUARTERS, dtype=np.int64),
                    regimes=(Regime(0.0, 0),), regime_index=np.zeros(QUARTERS, dtype=np.int64))


STATS = (WindowStat("recognised_ever", "recognised", START, START + QUARTERS - 1, "max"),
         WindowStat("engaged", "engaged", START, START + QUARTERS - 1, "mean"),
         WindowStat("china", "china_payoff", START, START + QUARTERS - 1, "discounted_sum"),
         WindowStat("taliban", "taliban_payoff", START, START + QUARTERS - 1, "discounted_sum"),
         WindowStat("attacks", "attacks_nationals", START, START + QUARTERS - 1, "sum"))


@pytest.fixture(scope="module")
def tables(registry):
    pool = default_pool(registry)
    regimes = _timeline().regimes
    out = {}
    for name in policy_names():
        moves = relationship_moves(name)
        if moves not in out:
            out[moves] = build_relationship_table(pool, regimes, GRID, moves=moves)
    return pool, out


def _spec(pool, table, policy: str, n: int = 512, seed: int = 3) -> RunSpec:
    return RunSpec(timeline=_timeline(), pool=pool, table=table, policy=policy, n=n, seed=seed,
                   stats=STATS, series_sample=64)


@pytest.mark.parametrize("policy", policy_names())
def test_every_policy_runs_under_v2(tables, policy: str) -> None:
    pool, by_moves = tables
    table = by_moves[relationship_moves(policy)]
    res = simulate(_spec(pool, table, policy))
    for k in ("china", "taliban", "attacks"):
        assert np.isfinite(res.stats[k]).all(), k
    p = resolve_policy(policy)
    if p.move >= 0:
        # while unrecognised, China plays the policy's move every quarter, and the rules of
        # conditional and plan_b_after_failure decide its final action
        dyn = stepper(_spec(pool, table, policy, n=256))
        for q in range(START, START + 8):
            unrec = ~dyn.s.recognised.copy()
            out = dyn.step(q)
            assert (out["first_move"][unrec] == p.move).all()
            assert (out["first_move"][~unrec] == RECOGNIZE).all()
            f = out["final_action"]
            if policy == "plan_b_after_failure":
                assert (f[out["suppressed"] == 0] == PLAN_B).all()
            if policy == "conditional":
                assert np.isin(f[unrec], (REWARD, WITHHOLD)).all()


def test_fixed_policy_table_solves_only_its_move(tables) -> None:
    _, by_moves = tables
    table = by_moves[relationship_moves("engage_reward_if_quiet")]
    (m,) = table.moves
    assert FIRST_MOVES[m].label == "Engage[reward_if_quiet]"
    np.testing.assert_array_equal(table.move[..., m], 1.0)
    others = [k for k in range(len(FIRST_MOVES)) if k != m]
    assert not table.effort0[..., others, :, :].any()
    # every type's effort is a distribution after the committed move, in both states
    np.testing.assert_allclose(table.effort0[..., m, :, :].sum(-1), 1.0)
    np.testing.assert_allclose(table.effort1.sum(-1), 1.0)
    # where a committed relationship has pure strategies they are an equilibrium of it: no
    # type gains by another effort, China by another final action (the game's regret);
    # boycott's and recognise's are pure at the defaults (the engage commitments' are traced
    # mixed strategies there, reported with their regret)
    for policy in ("boycott", "recognise"):
        committed = by_moves[relationship_moves(policy)]
        assert committed.pure.all(), policy
        assert (committed.regret <= 1e-9).all(), policy


def test_boycott_never_recognises(tables) -> None:
    pool, by_moves = tables
    res = simulate(_spec(pool, by_moves[relationship_moves("boycott")], "boycott", n=2048))
    assert (res.stats["recognised_ever"] == 0).all()
    assert (res.stats["engaged"] == 0).all()
    # the recognise policy, on the same random numbers, recognises from the first quarter
    rec = simulate(_spec(pool, by_moves[relationship_moves("recognise")], "recognise", n=2048))
    assert (rec.stats["recognised_ever"] == 1).any()


def test_a_table_for_another_policy_is_refused(tables) -> None:
    pool, by_moves = tables
    spec = _spec(pool, by_moves[relationship_moves("boycott")], "equilibrium", n=16)
    with pytest.raises(BadInputError, match="needs a relationship table solved"):
        simulate(spec)


def test_a_policy_playing_the_equilibrium_moves_reproduces_the_equilibrium_run(registry
                                                                             ) -> None:
    # without economic gain and with aid at its dearest, China's equilibrium boycotts at
    # every belief: committing to boycott must then give the same strategies and run
    pool = default_pool(registry, {"econ_gain": "0", "aid_cost": "1"})
    regimes = _timeline().regimes
    eq = build_relationship_table(pool, regimes, GRID)
    fixed = build_relationship_table(pool, regimes, GRID, moves=relationship_moves("boycott"))
    assert (eq.move.argmax(-1) == BOYCOTT).all() and (eq.move.max(-1) == 1.0).all()
    np.testing.assert_array_equal(fixed.effort0[..., BOYCOTT, :, :],
                                  eq.effort0[..., BOYCOTT, :, :])
    np.testing.assert_array_equal(fixed.response0[..., BOYCOTT, :, :],
                                  eq.response0[..., BOYCOTT, :, :])
    a = simulate(_spec(pool, eq, "equilibrium", n=1024, seed=11))
    b = simulate(_spec(pool, fixed, "boycott", n=1024, seed=11))
    for k in a.stats:
        np.testing.assert_array_equal(a.stats[k], b.stats[k])
    np.testing.assert_array_equal(a.mean_series, b.mean_series)
    np.testing.assert_array_equal(a.sample_series, b.sample_series)
