import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.model._parameters import CONSTRAINTS, ParameterRegistry
from qpq.sim._pools import NOT_SAMPLED, SIM_PARAMETERS, default_pool, sample_pool


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
    a = sample_pool(registry, 1100, seed=3)
    b = sample_pool(registry, 1024, seed=3)
    np.testing.assert_array_equal(a.values["iskp_pull"][:1024], b.values["iskp_pull"])


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
