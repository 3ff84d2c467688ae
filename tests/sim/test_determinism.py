"""Same seed, same numbers: for any chunk size and any number of workers."""

import datetime as dt

import numpy as np
import pytest

from qpq.sim._engine import SimResult, WindowStat, simulate
from qpq.sim._rng import BLOCK_SIZE

STATS = (
    WindowStat("attacks", "attacks_china", 8084, 8110, "sum"),
    WindowStat("border", "militants_border", 8084, 8110, "final"),
    WindowStat("belief", "belief_sincere", 8084, 8110, "mean"),
    WindowStat("recognition_time", "recognised", 8084, 8110, "first_positive"),
)


@pytest.fixture(scope="module")
def spec(case, registry):
    from qpq.sim._engine import RunSpec
    from qpq.sim._lookup import build_table
    from qpq.sim._pools import sample_pool
    from qpq.sim._timeline import build_timeline

    pool = sample_pool(registry, 16, seed=2)          # parameters vary across scenarios
    tl = build_timeline(case, dt.date(2018, 1, 1), dt.date(2027, 6, 30))
    table = build_table(pool, tl.regimes, 8)
    return RunSpec(timeline=tl, pool=pool, table=table, policy="equilibrium",
                   n=3 * BLOCK_SIZE + 100, seed=7, stats=STATS, series_sample=50,
                   keep_state=True)


def same(a: SimResult, b: SimResult) -> None:
    for k in a.stats:
        np.testing.assert_array_equal(a.stats[k], b.stats[k])
    np.testing.assert_array_equal(a.mean_series, b.mean_series)
    np.testing.assert_array_equal(a.sample_index, b.sample_index)
    np.testing.assert_array_equal(a.sample_series, b.sample_series)
    np.testing.assert_array_equal(a.type_index, b.type_index)
    assert a.state is not None and b.state is not None
    for k in a.state:
        np.testing.assert_array_equal(a.state[k], b.state[k])


def test_identical_for_any_chunking(spec):
    one = simulate(spec, chunk_blocks=1)
    same(one, simulate(spec, chunk_blocks=3))
    same(one, simulate(spec, chunk_blocks=64))


def test_identical_for_any_number_of_workers(spec):
    same(simulate(spec, chunk_blocks=1), simulate(spec, chunk_blocks=1, workers=2))


def test_a_different_seed_gives_different_numbers(spec):
    from dataclasses import replace

    a = simulate(spec)
    b = simulate(replace(spec, seed=8))
    assert not np.array_equal(a.stats["attacks"], b.stats["attacks"])


def test_a_scenario_does_not_depend_on_the_ensemble_size(spec):
    from dataclasses import replace

    big = simulate(spec)
    small = simulate(replace(spec, n=BLOCK_SIZE, pool=spec.pool.take(np.zeros(1, int)),
                             table=spec.table.take(np.zeros(1, int))))
    # scenario 0 uses pool point 0 in both runs and the same block stream
    assert big.pool_index[0] == 0 == small.pool_index[0]
    assert big.stats["attacks"][0] == small.stats["attacks"][0]
