import dataclasses
import hashlib

import numpy as np
import pytest
from scipy import stats

from qpq.errors import BadInputError
from qpq.model._parameters import CONSTRAINTS, ParameterRegistry
from qpq.sim._pools import NOT_SAMPLED, SIM_PARAMETERS, default_pool, sample_pool
from qpq.sim._rng import BLOCK_SIZE


def test_sim_parameters_are_in_the_case_as_assumptions(case):
    items = [p for p in case.parameters if p.name in SIM_PARAMETERS]
    assert sorted(p.name for p in items) == sorted(SIM_PARAMETERS)
    for p in items:
        assert p.assumption, p.name                  # no evidence pins a dynamics number
        for ref in p.evidence:
            assert ref in case.by_id, (p.name, ref)


def test_registry_has_model_and_sim_parameters(registry):
    for name in (*SIM_PARAMETERS, "iskp_pull", "recognition_threshold"):
        assert name in registry


def test_sampling_respects_ranges_orderings_and_fixed(registry):
    pool = sample_pool(registry, 1500, seed=3)
    for p in registry:
        v = pool.values[p.name]
        assert np.all((v >= p.low) & (v <= p.high)), p.name
        if p.integer:
            assert np.all(v == np.round(v))
    for c in CONSTRAINTS:
        assert np.all(c.holds(pool.values[c.lhs], pool.values[c.rhs]))
    for name in NOT_SAMPLED:
        assert pool.constant(name)
    assert "iskp_pull" in pool.varying()


def test_sampling_is_per_block(registry):
    # a block's points do not depend on how many points follow it, for every parameter
    a = sample_pool(registry, 1100, seed=3)
    b = sample_pool(registry, 1024, seed=3)
    for name in registry.names:
        np.testing.assert_array_equal(a.values[name][:1024], b.values[name], err_msg=name)
    again = sample_pool(registry, 1100, seed=3)
    assert all(np.array_equal(a.values[k], again.values[k]) for k in registry.names)
    other = sample_pool(registry, 1100, seed=4)
    assert not np.array_equal(a.values["iskp_pull"], other.values["iskp_pull"])


def test_overrides_are_validated(registry):
    pool = default_pool(registry, {"iskp_pull": "0"})
    assert pool.values["iskp_pull"][0] == 0.0
    with pytest.raises(BadInputError, match="out of range"):
        default_pool(registry, {"iskp_pull": 99})
    with pytest.raises(BadInputError, match="unknown parameter"):
        sample_pool(registry, 4, seed=0, overrides={"nope": 1})


def test_sampling_redraws_with_the_registry_rule(registry, monkeypatch):
    # sample_pool owns no redraw loop: with the registry's rule switched off its draws break
    # the orderings, and with it on, a row keeps every value the rule does not redraw.
    real = ParameterRegistry.redraw_until_ordered
    seen = []

    def spy(self, values, drawn, draw, **kw):
        first = {k: v.copy() for k, v in values.items()}
        real(self, values, drawn, draw, **kw)
        seen.append((first, values))

    monkeypatch.setattr(ParameterRegistry, "redraw_until_ordered", spy)
    sample_pool(registry, 1500, seed=3)
    assert len(seen) == 2                                  # one call per block
    for first, final in seen:
        for c in CONSTRAINTS:
            broke = ~c.holds(first[c.lhs], first[c.rhs])
            for name in (c.lhs, c.rhs):
                assert np.array_equal(first[name][~broke], final[name][~broke])
        untouched = set(first) - {n for c in CONSTRAINTS for n in (c.lhs, c.rhs)}
        assert all(np.array_equal(first[n], final[n]) for n in untouched)
    monkeypatch.setattr(ParameterRegistry, "redraw_until_ordered", lambda *a, **k: None)
    with pytest.raises(BadInputError, match="break"):
        sample_pool(registry, 1500, seed=3)


def _with_extra(registry, at, name="zz_extra_unconstrained", integer=False):
    """``registry`` with one more parameter, which no ordering names, at position ``at``."""
    extra = registry["iskp_pull"].model_copy(update={
        "name": name, "low": 0.0, "high": 5.0 if integer else 1.0, "default": 0.0,
        "integer": integer})
    params = list(registry.parameters)
    params.insert(at, extra)
    return dataclasses.replace(registry, parameters=tuple(params))


@pytest.mark.parametrize("at", ["first", "middle", "last"])
def test_an_extra_parameter_leaves_every_other_column_identical(registry, at):
    # a parameter added anywhere in the case file (as iskp_campaign_attrition was) shifts no
    # other parameter's draws, ordering redraws included: each draws from its own stream
    index = {"first": 0, "middle": len(registry) // 2, "last": len(registry)}[at]
    n = BLOCK_SIZE + 300                                      # two blocks, the last short
    before = sample_pool(registry, n, seed=11)
    for integer in (False, True):
        bigger = _with_extra(registry, index, integer=integer)
        after = sample_pool(bigger, n, seed=11)
        assert set(after.values) == set(before.values) | {"zz_extra_unconstrained"}
        for name, column in before.values.items():
            np.testing.assert_array_equal(after.values[name], column, err_msg=name)
        assert not after.constant("zz_extra_unconstrained")
    # the test can fail: a parameter's draws do depend on its own name
    renamed = _with_extra(registry, index, name="zz_other_name")
    assert not np.array_equal(sample_pool(renamed, n, seed=11).values["zz_other_name"],
                              after.values["zz_extra_unconstrained"])


def test_prior_columns_come_from_the_documented_streams(registry):
    # docs/model-dynamics.md §7.7, built from its description: block b of an unconstrained
    # parameter is Philox(SeedSequence(seed, spawn_key=(0, b, first 8 bytes of SHA-256 of
    # the name))) read in order; the per-parameter derivation is shared with the game but
    # the simulator's prior keeps exactly these numbers
    n, seed = BLOCK_SIZE + 200, 13
    pool = sample_pool(registry, n, seed=seed)
    ordered = {k for c in CONSTRAINTS for k in (c.lhs, c.rhs)}
    free = [p for p in registry if p.name not in ordered and p.name not in NOT_SAMPLED]
    assert any(p.integer for p in free) and len(free) > 20
    for p in free:
        key = int.from_bytes(hashlib.sha256(p.name.encode("utf-8")).digest()[:8], "little")
        for b, lo, hi in ((0, 0, BLOCK_SIZE), (1, BLOCK_SIZE, n)):
            gen = np.random.Generator(np.random.Philox(np.random.SeedSequence(
                seed, spawn_key=(0, b, key))))
            expect = (gen.integers(int(p.low), int(p.high), size=hi - lo, endpoint=True)
                      .astype(float) if p.integer else gen.uniform(p.low, p.high, hi - lo))
            np.testing.assert_array_equal(pool.values[p.name][lo:hi], expect, err_msg=p.name)


def test_fixing_a_parameter_leaves_the_other_unconstrained_columns_identical(registry):
    # holding one parameter at a value removes its draws and nothing else's
    ordered = {n for c in CONSTRAINTS for n in (c.lhs, c.rhs)}
    a = sample_pool(registry, 600, seed=4)
    b = sample_pool(registry, 600, seed=4, overrides={"attack_rate": 1.0})
    assert b.constant("attack_rate")
    for name in set(registry.names) - ordered - {"attack_rate"}:
        np.testing.assert_array_equal(a.values[name], b.values[name], err_msg=name)


def _marginal_cdf(length, lo, hi):
    """CDF of a coordinate whose density is proportional to ``length`` on [lo, hi]."""
    grid = np.linspace(lo, hi, 20_001)
    dens = length(grid)
    cum = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(grid))])
    return lambda t: np.interp(t, grid, cum / cum[-1])


def test_draws_are_uniform_on_the_ordered_region(registry):
    # redrawing both parameters of a broken ordering lhs < rhs leaves the pair uniform on
    # {lhs < rhs} within the two ranges; the oracle: each one's marginal density is the
    # length of the other's admissible interval (the orderings share no parameter). A
    # parameter no ordering names stays uniform on its range.
    pool = sample_pool(registry, 4000, seed=8)
    for c in CONSTRAINTS:
        x, y = registry[c.lhs], registry[c.rhs]
        fx = _marginal_cdf(lambda t, y=y: np.clip(y.high - np.maximum(t, y.low), 0, None),
                           x.low, x.high)
        fy = _marginal_cdf(lambda t, x=x: np.clip(np.minimum(t, x.high) - x.low, 0, None),
                           y.low, y.high)
        assert stats.kstest(pool.values[c.lhs], fx).pvalue > 1e-3, c
        assert stats.kstest(pool.values[c.rhs], fy).pvalue > 1e-3, c
        # and the oracle tells apart the unconstrained uniform (the test can fail)
        assert stats.kstest(np.random.default_rng(0).uniform(x.low, x.high, 4000),
                            fx).pvalue < 1e-3, c
    free = registry["attack_rate"]
    assert stats.kstest(pool.values["attack_rate"], "uniform",
                        args=(free.low, free.high - free.low)).pvalue > 1e-3
