import datetime as dt

import numpy as np
import pytest

from qpq.case._asof import case_as_of
from qpq.sim._calibration import UNCALIBRATED, calibrate, history_end
from qpq.sim._facts import evaluate
from qpq.sim._timeline import quarter_label

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def cal(case):
    return calibrate(case, AS_OF, draws=48, replicates=8, seed=4, grid_size=8, min_accept=20)


def test_history_ends_with_the_last_complete_quarter():
    assert quarter_label(history_end(dt.date(2025, 6, 30))) == "2025Q2"
    assert quarter_label(history_end(dt.date(2025, 6, 29))) == "2025Q1"


def test_only_facts_known_by_the_as_of_date_are_used(cal, case):
    known = {c.id for c in case_as_of(case, AS_OF).claims}
    used = set(cal.used_facts)
    assert used and used <= known
    for f in cal.facts:
        if f.evaluable and f.fact.id in known:
            assert f.used
        if f.fact.id not in known:
            assert not f.used


@pytest.fixture(scope="module")
def cal_2024(case):
    # five facts are known by mid-2024: enough to reject, few enough that exact matches exist
    return calibrate(case, dt.date(2024, 6, 30), draws=48, replicates=8, seed=4, grid_size=8,
                     min_accept=20)


def test_accepted_scenarios_match_every_used_fact(cal_2024):
    cal = cal_2024
    assert not cal.approximate and len(cal.used_facts) >= 3
    assert cal.accepted.size < cal.draws * cal.replicates
    for f in cal.facts:
        if f.used:
            assert f.accepted_match == 1.0
            values = cal.sim.stats[f.fact.id][cal.accepted]
            assert evaluate(f.fact.target, values).all()
    assert np.all(cal.misses[cal.accepted] == 0)


def test_acceptance_rule_exact_matches_when_there_are_enough(cal_2024):
    # every history that matches every used fact is accepted, not only some of them
    exact = np.flatnonzero(cal_2024.misses == 0)
    assert exact.size >= 20 and not cal_2024.approximate
    np.testing.assert_array_equal(cal_2024.accepted, exact)


def test_acceptance_rule_fewest_misses_when_exact_matches_are_too_few(cal):
    # fewer than min_accept exact matches: the min_accept histories that miss the fewest
    # used facts, and the result says it is approximate
    assert np.flatnonzero(cal.misses == 0).size < 20
    rest = np.setdiff1d(np.arange(cal.misses.size), cal.accepted)
    assert cal.approximate and cal.accepted.size == 20
    assert cal.misses[cal.accepted].max() <= cal.misses[rest].min()


def test_acceptance_is_informative(cal):
    # the used facts reject some histories, and the accepted types lean insincere
    # (Omar refused; the UN finds close ties)
    assert cal.accepted.size < cal.draws * cal.replicates
    insincere = cal.type_share["I,H"] + cal.type_share["I,L"]
    assert insincere > 0.7


def test_particles_are_consistent(cal):
    p = cal.particles
    assert p.size == cal.accepted.size
    assert p.arrays["belief"].shape == (4, p.size)
    assert p.arrays["pool_index"].max() < cal.particle_pool.size
    # a particle's parameters are its accepted draw's parameters
    draws = cal.sim.pool_index[cal.accepted]
    np.testing.assert_array_equal(cal.particle_pool.values["iskp_pull"][p.arrays["pool_index"]],
                                  cal.pool.values["iskp_pull"][draws])


def test_summary_labels_parameters(cal):
    s = cal.summary()
    assert s["facts_used"] == list(cal.used_facts)
    labels = {p["label"] for p in s["parameters"]}
    assert labels <= {UNCALIBRATED, "constrained by the facts"}
    assert len(s["facts"]) == 12


def test_match_given_the_other_facts(cal):
    # recomputed from the statistics: among histories matching every other used fact, the
    # share matching this one; every history matching all facts counts in each fact's share
    used = [f for f in cal.facts if f.used]
    passed = np.stack([evaluate(f.fact.target, cal.sim.stats[f.fact.id]) for f in used],
                      axis=1)
    for j, f in enumerate(used):
        rest = np.delete(passed, j, axis=1).all(axis=1)
        assert f.others_match == pytest.approx(rest.mean())
        if rest.any():
            assert f.given_others == pytest.approx(passed[rest, j].mean())
        else:
            assert np.isnan(f.given_others)
        assert f.others_match >= (cal.misses == 0).mean()
    for f in cal.facts:
        if not f.used:
            assert np.isnan(f.given_others) and np.isnan(f.others_match)


def test_constrained_is_the_bonferroni_corrected_ks_test_on_the_distinct_draws():
    """A parameter is constrained when scipy's two-sample KS test separates its distinct
    accepted draws from all draws at 1% over the number of sampled parameters. Two here, so
    a p-value of 0.0086 is not enough; each accepted draw counts once, however many of its
    replicates were accepted."""
    from scipy import stats

    from qpq.sim._calibration import _parameter_reports
    from qpq.sim._pools import ParameterPool

    a = np.linspace(0.0, 1.0, 400)
    b = np.random.default_rng(0).uniform(0.0, 1.0, 400)
    chosen = np.unique(np.round(np.linspace(0.2, 1.0, 80) * 399).astype(np.int64))
    draw_of = np.repeat(chosen, 3)               # three replicates of each accepted draw
    reports = {r.name: r for r in _parameter_reports(ParameterPool({"a": a, "b": b}, "t"),
                                                     draw_of)}
    for name, values in (("a", a), ("b", b)):
        pv = stats.ks_2samp(values, values[chosen]).pvalue
        assert reports[name].ks_pvalue == pytest.approx(pv)
        assert reports[name].constrained == (pv < 0.01 / 2)
    assert 0.005 < reports["a"].ks_pvalue < 0.01 and not reports["a"].constrained


def test_exactly_min_accept_exact_matches_are_not_approximate(case, cal_2024):
    n = int((cal_2024.misses == 0).sum())
    again = calibrate(case, dt.date(2024, 6, 30), draws=48, replicates=8, seed=4, grid_size=8,
                      min_accept=n)
    assert not again.approximate
    np.testing.assert_array_equal(again.accepted, np.flatnonzero(again.misses == 0))
