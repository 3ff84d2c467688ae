import numpy as np
import pytest

from qpq.game import FULL_GAME, solve, solve_ensemble
from qpq.model._policies import FIRST_MOVES
from qpq.sim._lookup import (
    ALL_MOVES,
    FINAL_ACTIONS,
    build_table,
    grid_index,
    mu_grid,
    signal_index,
)
from qpq.sim._policies import moves_for
from qpq.sim._pools import sample_pool
from qpq.sim._tables import concat_tables, select_regimes
from qpq.sim._timeline import Regime

GRID = 6


@pytest.fixture(scope="module")
def prior_table(registry):
    pool = sample_pool(registry, 24, seed=5)
    return pool, build_table(pool, (Regime(0.0, 0),), GRID)


def test_selection_and_efforts_equal_the_solvers(prior_table):
    pool, table = prior_table
    grid = mu_grid(GRID)
    arrays = {k: np.repeat(v, GRID) for k, v in pool.values.items()}
    arrays["prior_sincere"] = np.tile(grid, pool.size)
    arrays["us_presence"] = np.zeros(pool.size * GRID)
    es = solve_ensemble(arrays)
    sel = table.selected.reshape(-1)
    ok = es.has_pure
    assert ok.mean() > 0.8
    np.testing.assert_array_equal(ok, table.has_pbe.reshape(-1))
    np.testing.assert_array_equal(es.selected_move[ok], sel[ok])
    effort = table.effort[:, 0].reshape(-1, len(FIRST_MOVES), 4)
    np.testing.assert_array_equal(es.efforts[ok], effort[np.arange(sel.size), sel][ok])


@pytest.mark.parametrize("mu_cell", [1, 3, 5])
def test_china_response_equals_the_solved_pbe(defaults, mu_cell):
    table = build_table(defaults, (Regime(0.0, 0),), GRID)
    point = defaults.point(0) | {"prior_sincere": float(mu_grid(GRID)[mu_cell])}
    sol = solve(point, mixed=False)
    eq = sol.equilibria[sol.selected]
    mi = FIRST_MOVES.index(eq.first_move)
    assert table.selected[0, 0, mu_cell] == mi
    cont = eq.continuations[mi]
    acts = FULL_GAME.actions(eq.first_move)
    got = table.response[0, 0, mu_cell, mi]
    for k, sig in enumerate(FULL_GAME.signals):
        assert FINAL_ACTIONS[got[signal_index(sig.s, sig.d, sig.r_close)]] == acts[
            int(np.argmax(cont.china[k]))]
    np.testing.assert_array_equal(table.effort[0, 0, mu_cell, mi],
                                  np.argmax(cont.taliban, axis=1))


def test_grid_and_signal_indexing():
    grid = mu_grid(8)
    assert np.all(grid_index(grid, 8) == np.arange(8))
    assert grid_index(np.array([0.0, 1.0]), 8).tolist() == [0, 7]
    for k, sig in enumerate(FULL_GAME.signals):
        assert signal_index(sig.s, sig.d, sig.r_close) == k


def test_regime_selection_and_concatenation(prior_table, defaults):
    _pool, table = prior_table
    assert select_regimes(table, (Regime(1.0, 0),)) is None
    same = select_regimes(table, (Regime(0.0, 0),))
    assert same is not None
    np.testing.assert_array_equal(same.selected, table.selected)
    halves = concat_tables([table.take(np.arange(0, 10)), table.take(np.arange(10, 24))])
    np.testing.assert_array_equal(halves.response, table.response)


def test_us_presence_regime_changes_the_game(defaults):
    table = build_table(defaults, (Regime(0.0, 0), Regime(1.0, 0)), GRID)
    assert not np.array_equal(table.china_value[:, 0], table.china_value[:, 1])


def test_moves_for_policies():
    assert moves_for(["boycott"]) == (0,)
    assert moves_for(["engage_reward_if_suppressed"]) == (2, 5)
    assert moves_for(["conditional", "recognise"]) == (1, 5)
    assert moves_for(["boycott", "equilibrium"]) == ALL_MOVES
