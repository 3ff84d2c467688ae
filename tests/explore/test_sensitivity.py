"""Sobol' and Morris on functions with known answers (Ishigami), through the whole pipeline."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.explore._designs import make_design, morris, saltelli
from qpq.explore._scenario import Discovery, Study, Uncertainty
from qpq.explore._sensitivity import morris_indices, sobol_indices
from qpq.explore._testfunctions import ishigami, ishigami_indices

TOL = 0.05          # absolute tolerance on the indices at N = 8192 (bootstrap half-width ~0.02)


def _ishigami_study() -> Study:
    """A study whose three uncertainties are Ishigami's inputs on [-pi, pi]."""
    import datetime as dt

    return Study(
        id="ishigami", description="Ishigami", source="test",
        uncertainties=tuple(Uncertainty(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)),
        levers=("boycott",), outcomes=(), n=8192, seed=11, reference_policy="boycott",
        start=dt.date(2000, 1, 1), until=dt.date(2001, 1, 1), window_start=dt.date(2000, 1, 1),
        grid_size=4, replicates=1, base={}, fixed={}, orderings=(),
        discovery=Discovery("", "boycott", "china_security", "boycott", 0.0, None),
        satisficing={})


def test_ishigami_indices_through_the_pipeline():
    study = _ishigami_study()
    design = make_design(study, "saltelli")                  # the study's sampler and transform
    y = ishigami(design.values)
    res = sobol_indices(study.names, y, outcome="ishigami", seed=study.seed)
    exact = ishigami_indices()
    for name in study.names:
        assert res.S1[name] == pytest.approx(exact["S1"][name], abs=TOL)
        assert res.ST[name] == pytest.approx(exact["ST"][name], abs=TOL)
        assert 0 < res.ST_conf[name] < TOL
    assert res.ranking("ST") == ["x1", "x2", "x3"]
    assert res.to_json()["conf"]["level"] == 0.95


def test_sobol_is_deterministic_and_seed_zero_is_safe():
    u = saltelli(256, 3, np.random.default_rng(0))
    y = ishigami(-math.pi + 2 * math.pi * u)
    a = sobol_indices(["a", "b", "c"], y, seed=0)
    b = sobol_indices(["a", "b", "c"], y, seed=0)
    assert a.S1_conf == b.S1_conf          # SALib would use the global RNG for seed 0


def test_constant_outcome_gives_zero_indices_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = sobol_indices(["a", "b"], np.full(4 * 8, 3.0))
    assert res.constant and set(res.ST.values()) == {0.0}


def test_a_nearly_constant_outcome_is_analysed_quietly():
    y = np.zeros(4 * 64)
    y[5] = 1.0                          # most bootstrap resamples are constant
    res = sobol_indices(["a", "b"], y, seed=3)
    assert not res.constant and np.isfinite(list(res.ST.values())).all()


def test_morris_ranks_a_linear_function():
    rng = np.random.default_rng(2)
    unit = morris(40, 3, 4, rng)
    y = -5.0 * unit[:, 0] + 1.0 * unit[:, 1]     # a falls: mu is -5, mu* (|effect|) is 5
    res = morris_indices(["a", "b", "c"], unit, y, levels=4)
    assert res.ranking() == ["a", "b", "c"]
    assert res.mu_star["a"] == pytest.approx(5.0) and res.mu_star["c"] == 0.0
    assert res.mu["a"] == pytest.approx(-5.0) and res.mu["b"] == pytest.approx(1.0)
    assert res.sigma["a"] == pytest.approx(0.0, abs=1e-9)
    assert (res.trajectories, res.n_evaluations) == (40, 160)


def _elementary_effects(unit: np.ndarray, y: np.ndarray) -> dict[int, np.ndarray]:
    """Each input's elementary effects, read off the trajectories by their definition."""
    d = unit.shape[1]
    effects: dict[int, list[float]] = {j: [] for j in range(d)}
    for t in range(unit.shape[0] // (d + 1)):
        u, v = unit[t * (d + 1):(t + 1) * (d + 1)], y[t * (d + 1):(t + 1) * (d + 1)]
        for k in range(d):
            step = u[k + 1] - u[k]
            [j] = np.flatnonzero(step)               # one input moves per step
            effects[int(j)].append((v[k + 1] - v[k]) / step[j])
    return {j: np.array(e) for j, e in effects.items()}


def test_morris_statistics_are_those_of_the_elementary_effects():
    # an interaction gives a's effects both signs: mu, mu* and sigma all differ
    unit = morris(40, 3, 4, np.random.default_rng(2))
    y = -5.0 * unit[:, 0] + 8.0 * unit[:, 0] * unit[:, 1] + unit[:, 2]
    res = morris_indices(["a", "b", "c"], unit, y, levels=4)
    for j, name in enumerate(res.names):
        ee = _elementary_effects(unit, y)[j]
        assert res.mu[name] == pytest.approx(ee.mean(), abs=1e-12)
        assert res.mu_star[name] == pytest.approx(np.abs(ee).mean(), abs=1e-12)
        assert res.sigma[name] == pytest.approx(ee.std(ddof=1), abs=1e-12)
    assert res.mu["a"] < 0 < res.mu_star["a"] and res.mu["a"] != -res.mu_star["a"]


def test_morris_interval_follows_its_confidence_level():
    # the same bootstrap resamples (same seed) scaled by the normal quantile of the level
    from scipy.stats import norm

    unit = morris(40, 3, 4, np.random.default_rng(2))
    y = -5.0 * unit[:, 0] + 8.0 * unit[:, 0] * unit[:, 1]
    wide = morris_indices(["a", "b", "c"], unit, y, levels=4, conf_level=0.95)
    narrow = morris_indices(["a", "b", "c"], unit, y, levels=4, conf_level=0.5)
    ratio = norm.ppf(0.75) / norm.ppf(0.975)
    for name in ("a", "b"):
        assert wide.mu_star_conf[name] > 0
        assert narrow.mu_star_conf[name] == pytest.approx(ratio * wide.mu_star_conf[name])
    assert narrow.conf_level == 0.5


def test_sobol_estimators_and_intervals_match_their_definitions():
    """S1 (Saltelli 2010) and ST (Jansen) on SALib's centred outputs, bootstrapped here."""
    from scipy.stats import norm

    u = saltelli(512, 3, np.random.default_rng(0))
    y = ishigami(-math.pi + 2 * math.pi * u)
    res = sobol_indices(["x1", "x2", "x3"], y, seed=3, num_resamples=2000)
    z = (y - y.mean()) / y.std()
    a, b = z[0::5], z[4::5]
    ab = np.stack([z[j + 1::5] for j in range(3)], axis=1)

    def s1(i):      # i: rows of base samples, (..., N); the estimate over the last axis
        va = np.var(np.concatenate([a[i], b[i]], axis=-1), axis=-1)[..., None]
        return np.mean(b[i][..., None] * (ab[i] - a[i][..., None]), axis=-2) / va

    def st(i):
        va = np.var(np.concatenate([a[i], b[i]], axis=-1), axis=-1)[..., None]
        return 0.5 * np.mean((a[i][..., None] - ab[i]) ** 2, axis=-2) / va

    every = np.arange(a.size)
    boot = np.random.default_rng(99).integers(a.size, size=(2000, a.size))
    s1_conf = norm.ppf(0.975) * np.std(s1(boot), axis=0, ddof=1)
    st_conf = norm.ppf(0.975) * np.std(st(boot), axis=0, ddof=1)
    for j, name in enumerate(res.names):
        assert res.S1[name] == pytest.approx(s1(every)[j], abs=1e-12)
        assert res.ST[name] == pytest.approx(st(every)[j], abs=1e-12)
        # an independent bootstrap: the same half-widths up to resampling noise (a few %)
        assert res.S1_conf[name] == pytest.approx(s1_conf[j], rel=0.15)
        assert res.ST_conf[name] == pytest.approx(st_conf[j], rel=0.15)
    narrow = sobol_indices(["x1", "x2", "x3"], y, seed=3, num_resamples=2000, conf_level=0.5)
    ratio = norm.ppf(0.75) / norm.ppf(0.975)
    for name in res.names:
        assert narrow.ST_conf[name] == pytest.approx(ratio * res.ST_conf[name])
        assert narrow.S1_conf[name] == pytest.approx(ratio * res.S1_conf[name])


@pytest.mark.parametrize("levels", [1, 0, 2.5])
def test_morris_levels_are_a_count_of_at_least_two(levels):
    # 1 ended in SALib's ZeroDivisionError (found 2026-12-06)
    unit = morris(4, 3, 4, np.random.default_rng(2))
    with pytest.raises(BadInputError, match="levels must be a whole number of at least 2"):
        morris_indices(["a", "b", "c"], unit, unit[:, 0], levels=levels)


@pytest.mark.parametrize(("kw", "words"), [
    ({"num_resamples": 1.5}, "num_resamples must be a whole number of at least 1"),
    ({"num_resamples": 0}, "num_resamples must be a whole number of at least 1"),
    ({"conf_level": "0.95"}, "conf_level must be a number within [0, 1]"),
    ({"conf_level": 0.0}, "conf_level must lie strictly between 0 and 1"),
    ({"conf_level": 1.0}, "conf_level must lie strictly between 0 and 1"),
])
@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_bootstrap_settings_are_checked_before_salib(method, kw, words):
    # Morris passed them to SALib unchecked (a TypeError, a ZeroDivisionError), and both
    # let a level of exactly 0 or 1 reach SALib's RuntimeError; a helper's mutation read
    # found both (2026-12-07)
    unit = morris(4, 3, 4, np.random.default_rng(2))
    rng = np.random.default_rng(3)
    with pytest.raises(BadInputError) as info:
        if method == "sobol":
            sobol_indices(["a", "b", "c"], rng.random(5 * 8), **kw)
        else:
            morris_indices(["a", "b", "c"], unit, unit.sum(axis=1), levels=4, **kw)
    assert words in str(info.value)


def test_bad_lengths_are_rejected():
    with pytest.raises(ValueError):
        sobol_indices(["a", "b"], np.zeros(7))


def _ishigami_sobol(n: int, seed: int = 0, scale: float = 1.0, **kw):
    u = saltelli(n, 3, np.random.default_rng(seed))
    y = scale * ishigami(-math.pi + 2 * math.pi * u)
    return y, sobol_indices(["x1", "x2", "x3"], y, seed=3, **kw)


def test_sobol_ranks_by_the_index_asked_for():
    # Ishigami's analytic indices order the inputs differently by S1 (x2 0.44, x1 0.31,
    # x3 0) and by ST (x1 0.56, x2 0.44, x3 0.24); the gaps are several times the error at N=1024
    exact = ishigami_indices()
    assert sorted(exact["S1"], key=lambda k: -exact["S1"][k]) == ["x2", "x1", "x3"]
    _, res = _ishigami_sobol(1024)
    assert res.ranking("S1") == ["x2", "x1", "x3"]
    assert res.ranking("ST") == res.ranking() == ["x1", "x2", "x3"]


def test_sobol_records_the_design_size_and_the_outcomes_moments():
    # N base samples of D + 2 rows; Ishigami's mean is a / 2 = 3.5 and its variance
    # a^2 / 8 + b pi^4 / 5 + b^2 pi^8 / 18 + 1 / 2 (about 13.84), for a = 7, b = 0.1
    _, res = _ishigami_sobol(1024)
    assert (res.n_base, res.n_evaluations) == (1024, 1024 * 5)
    variance = 49 / 8 + 0.1 * math.pi ** 4 / 5 + 0.01 * math.pi ** 8 / 18 + 0.5
    assert res.mean == pytest.approx(3.5, abs=0.15)
    assert res.variance == pytest.approx(variance, rel=0.05)


def test_sobol_indices_do_not_depend_on_the_outcomes_units():
    # an outcome in tiny units (values of order 1e-9) varies: it is not "constant", and
    # its indices are those of the same outcome in ordinary units
    _, res = _ishigami_sobol(256)
    _, tiny = _ishigami_sobol(256, scale=1e-9)
    assert not tiny.constant
    for name in res.names:
        assert tiny.S1[name] == pytest.approx(res.S1[name], rel=1e-6, abs=1e-12)
        assert tiny.ST[name] == pytest.approx(res.ST[name], rel=1e-6, abs=1e-12)


def test_sobol_refuses_a_non_finite_outcome():
    y, _ = _ishigami_sobol(16)
    y[7] = np.nan
    with pytest.raises(ValueError, match="finite outcomes"):
        sobol_indices(["x1", "x2", "x3"], y)


def test_sobol_intervals_use_the_resamples_asked_for():
    # with 4,000 resamples the bootstrap half-widths are those of an independent bootstrap
    # of the same estimators to within 5% (at 100 resamples their own noise is about 7%)
    from scipy.stats import norm

    y, res = _ishigami_sobol(256, num_resamples=4000)
    z = (y - y.mean()) / y.std()
    a, b = z[0::5], z[4::5]
    ab = np.stack([z[j + 1::5] for j in range(3)], axis=1)
    boot = np.random.default_rng(7).integers(a.size, size=(4000, a.size))
    va = np.var(np.concatenate([a[boot], b[boot]], axis=-1), axis=-1)[..., None]
    s1 = np.mean(b[boot][..., None] * (ab[boot] - a[boot][..., None]), axis=-2) / va
    st = 0.5 * np.mean((a[boot][..., None] - ab[boot]) ** 2, axis=-2) / va
    for j, name in enumerate(res.names):
        assert res.S1_conf[name] == pytest.approx(norm.ppf(0.975) * s1[:, j].std(ddof=1),
                                                  rel=0.05)
        assert res.ST_conf[name] == pytest.approx(norm.ppf(0.975) * st[:, j].std(ddof=1),
                                                  rel=0.05)
    assert res.num_resamples == 4000


def test_morris_effects_are_per_unit_on_any_grid():
    # on a 6-level grid the step is 6 / (2 x 5) = 0.6 of the range, not 4-level's 2/3: a
    # linear function's elementary effects are still its slopes
    unit = morris(20, 3, 6, np.random.default_rng(4))
    y = 3.0 * unit[:, 0] - 2.0 * unit[:, 1]
    res = morris_indices(["a", "b", "c"], unit, y, levels=6)
    assert res.mu_star["a"] == pytest.approx(3.0) and res.mu["b"] == pytest.approx(-2.0)
    assert res.mu_star["b"] == pytest.approx(2.0) and res.mu_star["c"] == 0.0
    assert res.levels == 6


def test_morris_ranks_by_mu_star_not_by_mu():
    # a V-shaped effect of a: its elementary effects are about +5 and -5, so mu is near 0
    # while mu* is 5; b's effects are all 1. The ranking is by mu* (a first)
    unit = morris(40, 3, 4, np.random.default_rng(2))
    y = 10.0 * np.abs(unit[:, 0] - 0.5) + unit[:, 1]
    res = morris_indices(["a", "b", "c"], unit, y, levels=4)
    ee = _elementary_effects(unit, y)
    assert np.abs(ee[0]).mean() == pytest.approx(5.0) and abs(ee[0].mean()) < 1.0
    assert res.ranking() == ["a", "b", "c"]


def test_morris_refuses_outcomes_that_are_not_whole_trajectories():
    unit = morris(4, 3, 4, np.random.default_rng(2))[:7]      # a trajectory and 3 points
    with pytest.raises(ValueError, match="do not form Morris trajectories"):
        morris_indices(["a", "b", "c"], unit, unit[:, 0], levels=4)
