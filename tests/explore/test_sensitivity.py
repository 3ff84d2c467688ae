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


def test_bad_lengths_are_rejected():
    with pytest.raises(ValueError):
        sobol_indices(["a", "b"], np.zeros(7))
