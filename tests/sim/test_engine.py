"""What :func:`qpq.sim.simulate` returns, recomputed from the scenarios' own series.

With every scenario keeping its series (``series_sample = n``), the ensemble means and the
window statistics are plain functions of those series, written here as loops over quarters;
the pool points and particles are spread as ``RunSpec`` says.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from qpq.sim._engine import SERIES, Particles, RunSpec, WindowStat, simulate
from qpq.sim._lookup import build_table
from qpq.sim._pools import sample_pool
from qpq.sim._rng import BLOCK_SIZE
from qpq.sim._timeline import build_timeline

N = BLOCK_SIZE + 300                      # two blocks, the second short
A, B = 8086, 8092                         # the windows: 2021Q3-2023Q1, inside the run


def _stats() -> tuple[WindowStat, ...]:
    return tuple(WindowStat(f"{v}:{stat}", v, A, B, stat)
                 for v in ("militants_border", "recognised", "expected_attacks_china")
                 for stat in ("mean", "sum", "final", "max", "min", "first_positive",
                              "discounted_sum"))


@pytest.fixture(scope="module")
def run(case, registry):
    pool = sample_pool(registry, 3, seed=4)
    tl = build_timeline(case, dt.date(2021, 1, 1), dt.date(2023, 12, 31))
    spec = RunSpec(timeline=tl, pool=pool, table=build_table(pool, tl.regimes, 8),
                   policy="equilibrium", n=N, seed=2, stats=_stats(), series_sample=N,
                   keep_state=True)
    return spec, simulate(spec, chunk_blocks=1)


def _by_hand(x: list[float], stat: str, discount: float) -> float:
    """One scenario's statistic of its values over the window's quarters, in order."""
    if stat == "mean":
        return sum(x) / len(x)
    if stat == "sum":
        return sum(x)
    if stat == "final":
        return x[-1]
    if stat in ("max", "min"):
        return max(x) if stat == "max" else min(x)
    if stat == "discounted_sum":
        return sum(discount ** t * v for t, v in enumerate(x))
    return next((float(t) for t, v in enumerate(x) if v > 0), math.nan)   # first_positive


def test_every_scenario_keeps_its_series_and_the_means_are_theirs(run) -> None:
    spec, res = run
    np.testing.assert_array_equal(res.sample_index, np.arange(N))
    assert res.sample_series.shape == (spec.timeline.n_quarters, N, len(SERIES))
    np.testing.assert_allclose(res.mean_series, res.sample_series.mean(axis=1), rtol=1e-12,
                               atol=1e-12)


def test_window_statistics_are_those_of_the_quarters_start_to_stop_inclusive(run) -> None:
    spec, res = run
    t0, t1 = A - spec.timeline.start, B - spec.timeline.start
    discount = spec.pool.values["quarterly_discount"]
    for w in spec.stats:
        j = SERIES.index(w.quantity)
        got = res.stats[w.name]
        for k in range(0, N, 7):
            x = [float(v) for v in res.sample_series[t0:t1 + 1, k, j]]
            want = _by_hand(x, w.statistic, float(discount[res.pool_index[k]]))
            np.testing.assert_allclose(got[k], want, rtol=1e-12, atol=1e-12,
                                       err_msg=f"{w.name}, scenario {k}")
    assert np.isfinite(res.stats["recognised:first_positive"]).any()
    assert (res.stats["expected_attacks_china:first_positive"] > 0).any()


def test_the_sample_is_every_stride_th_scenario_from_the_first(run) -> None:
    from dataclasses import replace

    spec, _ = run
    res = simulate(replace(spec, series_sample=50, stats=(), keep_state=False), chunk_blocks=1)
    np.testing.assert_array_equal(res.sample_index, np.arange(0, N, math.ceil(N / 50)))


def test_pool_points_take_contiguous_equal_shares(run) -> None:
    # RunSpec: scenario i uses pool point i * P // n
    spec, res = run
    np.testing.assert_array_equal(res.pool_index, np.arange(N) * spec.pool.size // N)


def test_every_particle_can_be_drawn(run) -> None:
    # each scenario picks a particle uniformly: with three particles each is drawn about a
    # third of the time (binomial, 5 standard errors)
    from dataclasses import replace

    spec, res = run
    assert res.state is not None
    particles = Particles({k: np.asarray(v)[..., :3] if k == "belief" else np.asarray(v)[:3]
                           for k, v in res.state.items()})
    particles = Particles({**particles.arrays, "pool_index": np.arange(3)})
    one_quarter = replace(spec.timeline, stop=spec.timeline.start + 1)
    n = 3000
    out = simulate(replace(spec, timeline=one_quarter, particles=particles, n=n, stats=(),
                           series_sample=0, keep_state=False), chunk_blocks=1)
    counts = np.bincount(out.pool_index, minlength=3)
    assert np.all(np.abs(counts - n / 3) < 5 * math.sqrt(n * (1 / 3) * (2 / 3))), counts


def test_over_one_quarter_every_statistic_is_the_quarter_s_value(run) -> None:
    # the payoffs are not among the series, and are negative: a window of
    # one quarter gives their max, min, sum and mean alike
    from dataclasses import replace

    spec, _ = run
    stats = tuple(WindowStat(s, "china_payoff", A, A, s)
                  for s in ("final", "max", "min", "sum", "mean", "discounted_sum"))
    res = simulate(replace(spec, stats=stats, series_sample=0, keep_state=False),
                   chunk_blocks=1)
    value = res.stats["final"]
    assert (value < 0).any()
    for s in ("max", "min", "sum", "mean", "discounted_sum"):
        np.testing.assert_array_equal(res.stats[s], value, err_msg=s)


def test_a_forced_type_holds_for_runs_from_particles_too(run) -> None:
    # RunSpec: forced_type gives every scenario one type, whatever state it starts from
    from dataclasses import replace

    spec, res = run
    assert res.state is not None and len(set(res.state["type_index"])) > 1
    one_quarter = replace(spec.timeline, stop=spec.timeline.start + 1)
    out = simulate(replace(spec, timeline=one_quarter, particles=Particles(res.state),
                           forced_type=2, stats=(), series_sample=0, keep_state=False))
    assert np.all(out.type_index == 2)
