"""Running experiments: shared lookups, type averaging, blocks, common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from qpq.explore._designs import make_design
from qpq.explore._evaluate import _pool, block_seed, evaluate, evaluate_block, model_setup
from qpq.explore._loading import load_study
from qpq.explore._scenario import TABLE_PARAMETERS
from qpq.parallel import InProcess
from qpq.sim._engine import RunSpec, WindowStat, simulate
from qpq.sim._lookup import build_table
from qpq.sim._rng import BLOCK_SIZE


class LastFirst(InProcess):
    """Finishes tasks in reverse order, as a pool may."""

    def map_unordered(self, fn, tasks):
        yield from reversed([fn(t) for t in tasks])


FIELDS = ("effort", "response", "response_no_report", "pure", "china_value")


@pytest.fixture(scope="module")
def tiny(case, tmp_path_factory):
    import yaml

    from .conftest import TINY

    path = tmp_path_factory.mktemp("scen") / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    return load_study(path, case)


@pytest.fixture(scope="module")
def setup(case, tiny):
    return model_setup(case, tiny)


def test_restricted_lookup_equals_the_full_table_on_its_moves(setup, tiny):
    pool = _pool(setup, make_design(tiny, "lhs", 24).values)
    full = build_table(pool, setup.timeline.regimes, 4)
    small_chunks = build_table(pool, setup.timeline.regimes, 4, chunk=7)
    for f in (*FIELDS, "selected", "has_pbe"):
        assert np.array_equal(getattr(full, f), getattr(small_chunks, f)), f
    part = build_table(pool, setup.timeline.regimes, 4, (2, 5))
    for f in FIELDS:
        assert np.array_equal(getattr(full, f)[..., [2, 5]] if f in ("pure", "china_value")
                              else getattr(full, f)[..., [2, 5], :],
                              getattr(part, f)[..., [2, 5]] if f in ("pure", "china_value")
                              else getattr(part, f)[..., [2, 5], :]), f
    assert (part.selected == -1).all() and "first moves [2, 5] only" in part.method


def test_dynamics_parameters_share_lookup_rows(setup, tiny):
    d = make_design(tiny, "saltelli", 8)
    pool = _pool(setup, d.values)
    shared = build_table(pool, setup.timeline.regimes, 4, (0,), distinct_on=TABLE_PARAMETERS)
    direct = build_table(pool, setup.timeline.regimes, 4, (0,))
    assert np.array_equal(shared.effort, direct.effort)
    assert np.array_equal(shared.response, direct.response)


def test_outcomes_are_prior_weighted_means_over_types(setup, tiny):
    d = make_design(tiny, "lhs", 16)
    got = evaluate_block(setup, d.values, 1, 0, ["conditional"])["conditional"]
    pool = _pool(setup, d.values)
    table = build_table(pool, setup.timeline.regimes, 4)
    ps, ph = pool.values["prior_sincere"], pool.values["p_high_capacity"]
    w = [ps * ph, ps * (1 - ph), (1 - ps) * ph, (1 - ps) * (1 - ph)]
    stats = (WindowStat("iskp", "militants_iskp", setup.first, setup.last, "final"),
             WindowStat("china", "expected_attacks_china", setup.first, setup.last, "sum"),
             WindowStat("nat", "expected_attacks_nationals", setup.first, setup.last, "sum"))
    runs = [simulate(RunSpec(timeline=setup.timeline, pool=pool, table=table,
                             policy="conditional", n=16, seed=block_seed(7, 0), stats=stats,
                             forced_type=t)).stats for t in range(4)]
    years = (setup.last - setup.first + 1) / 4
    severity = pool.values["nationals_severity"]
    iskp = sum(w[t] * runs[t]["iskp"] for t in range(4))
    security = sum(w[t] * -(runs[t]["china"] + severity * runs[t]["nat"]) / years
                   for t in range(4))
    assert np.allclose(got["militants_iskp"], iskp, rtol=0, atol=1e-9)
    assert np.allclose(got["china_security"], security, rtol=0, atol=1e-12)
    assert years == 2.5                       # 2021Q3 to 2023Q4


def test_noise_groups_share_random_numbers(setup, tiny):
    # quarterly_discount does not enter militants_iskp: in a Saltelli design its AB row must
    # reproduce A exactly, which it does only if both rows use the same random numbers
    d = make_design(tiny, "saltelli", 8)
    ev = evaluate(setup, d, ["engage_reward_if_suppressed"])
    y = ev["engage_reward_if_suppressed"]["militants_iskp"].reshape(8, d.group_size)
    j = tiny.names.index("quarterly_discount")
    assert np.array_equal(y[:, 0], y[:, 1 + j])
    assert not np.array_equal(y[:, 0], y[:, -1])


def test_blocks_are_pure_and_chunking_does_not_matter(setup, tiny):
    d = make_design(tiny, "lhs", BLOCK_SIZE + 40)
    assert d.n_blocks == 2
    whole = evaluate(setup, d, ["boycott"])
    second = evaluate(setup, d, ["boycott"], blocks=[1])
    pooled = evaluate(setup, d, ["boycott"], executor=LastFirst())
    for o in setup.outcomes:
        assert np.array_equal(whole["boycott"][o][BLOCK_SIZE:], second["boycott"][o])
        assert np.array_equal(whole["boycott"][o], pooled["boycott"][o])
    assert (second.lo, second.hi) == (BLOCK_SIZE, BLOCK_SIZE + 40)


def test_policies_share_experiments_and_seeds(setup, tiny):
    d = make_design(tiny, "lhs", 32)
    both = evaluate(setup, d, ["boycott", "conditional"])
    alone = evaluate(setup, d, ["conditional"])
    assert np.array_equal(both["conditional"]["china_security"],
                          alone["conditional"]["china_security"])



def test_model_v2_comparison_runs_each_lever_on_its_committed_table(case, tiny):
    from qpq.explore._studies import run_comparison
    from qpq.sim import relationship_tables

    levers = ("boycott", "engage_reward_if_suppressed")
    res = run_comparison(case, tiny, n=4, levers=levers, model="v2")
    assert res.to_json()["model"] == "v2"
    # the same numbers straight from the simulator, on each lever's relationship table
    setup = model_setup(case, tiny, model="v2")
    d = make_design(tiny, "lhs", 4)
    pool = _pool(setup, d.values)
    tables = relationship_tables(pool, setup.timeline.v2_regimes()[0], 4, levers)
    stats = (WindowStat("militants_iskp", "militants_iskp", setup.first, setup.last, "final"),)
    ps, ph = pool.values["prior_sincere"], pool.values["p_high_capacity"]
    w = [ps * ph, ps * (1 - ph), (1 - ps) * ph, (1 - ps) * (1 - ph)]
    for lever in levers:
        runs = [simulate(RunSpec(timeline=setup.timeline, pool=pool, table=tables[lever],
                                 policy=lever, n=4 * tiny.replicates, seed=block_seed(7, 0),
                                 stats=stats, forced_type=t)).stats for t in range(4)]
        want = sum(w[t] * runs[t]["militants_iskp"].reshape(4, -1).mean(axis=1)
                   for t in range(4))
        np.testing.assert_allclose(res.values[lever]["militants_iskp"], want, rtol=1e-12)
    assert tables["boycott"].moves == (0,)


def test_wrong_arguments_are_named(case, tiny):
    # load_study(3, case) ended in a TypeError, a case given as a string in an
    # AttributeError, and model_setup(model="v3") ran as v1 (an outside read, 2026-12-07)
    from qpq.errors import BadInputError

    with pytest.raises(BadInputError, match=r"scenario must be a scenario file or id .*got int"):
        load_study(3, case)
    with pytest.raises(BadInputError, match=r"case must be a loaded Case .*got str"):
        load_study("deal-under-uncertainty", "china_taliban")
    with pytest.raises(BadInputError, match="unknown model 'v3'"):
        model_setup(case, tiny, model="v3")
