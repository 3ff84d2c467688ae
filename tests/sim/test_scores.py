"""Scoring rules against analytic cases and independent closed forms."""

import math
import re

import numpy as np
import pytest
import scoringrules as sr
from scipy import stats as sps

from qpq.errors import BadInputError
from qpq.sim._scores import (
    LOG_FLOOR,
    Discrete,
    brier,
    covers,
    crps_discrete,
    log_score,
    pit_histogram,
    skill,
)


def test_brier_and_log_score_by_hand():
    assert brier(0.2, 1) == pytest.approx(0.64)
    assert brier(0.2, 0) == pytest.approx(0.04)
    assert log_score(0.2, 1) == pytest.approx(math.log(5.0))
    assert log_score(0.2, 0) == pytest.approx(-math.log(0.8))
    # a certain forecast that is wrong costs the floor, not infinity
    assert log_score(0.0, 1) == pytest.approx(-math.log(LOG_FLOOR))
    assert log_score(1.0, 1) == pytest.approx(-math.log(1.0 - LOG_FLOOR))


@pytest.mark.parametrize(("bad", "refusal"), [
    ((-0.1, 1), "a probability must lie in [0, 1], got -0.1"),
    ((1.1, 0), "a probability must lie in [0, 1], got 1.1"),
    ((0.5, 2), "a binary outcome must be 0 or 1, got 2"),
])
@pytest.mark.parametrize("score", [brier, log_score])
def test_binary_scores_refuse_bad_input(score, bad, refusal):
    with pytest.raises(BadInputError, match=f"^{re.escape(refusal)}$"):
        score(*bad)


def _crps_by_expectation(pmf, y):
    # CRPS = E|X - y| - E|X - X'| / 2, an independent definition
    k = np.arange(pmf.size)
    return float(pmf @ np.abs(k - y) - 0.5 * pmf @ np.abs(k[:, None] - k[None, :]) @ pmf)


@pytest.mark.parametrize("mean", [0.3, 1.0, 4.5])
@pytest.mark.parametrize("y", [0, 1, 3, 12])
def test_crps_of_poisson_matches_the_closed_form(mean, y):
    got = crps_discrete(Discrete.poisson(mean), y)
    assert got == pytest.approx(float(sr.crps_poisson(y, mean)), abs=1e-6)


def test_crps_by_expectation_and_point_forecasts():
    f = Discrete(np.array([0.2, 0.5, 0.3]))
    for y in range(5):
        assert crps_discrete(f, y) == pytest.approx(_crps_by_expectation(f.pmf, y))
    # a point forecast's CRPS is its absolute error, also beyond its support
    assert crps_discrete(Discrete.poisson(0.0), 3) == pytest.approx(3.0)
    assert crps_discrete(Discrete(np.array([0.0, 0.0, 1.0])), 2) == 0.0


def test_ensemble_crps_matches_the_energy_estimator():
    rng = np.random.default_rng(4)
    x = rng.poisson(2.5, size=300)
    for y in (0, 2, 9):
        expected = float(sr.crps_ensemble(float(y), x.astype(float), estimator="nrg"))
        assert crps_discrete(Discrete.from_samples(x), y) == pytest.approx(expected)


def test_intervals_and_coverage():
    f = Discrete.poisson(3.0)
    lo, hi = f.interval(0.9)
    assert (lo, hi) == (int(sps.poisson.ppf(0.05, 3.0)), int(sps.poisson.ppf(0.95, 3.0)))
    assert covers(f, lo, 0.9) and covers(f, hi, 0.9)
    assert not covers(f, hi + 1, 0.9)
    assert f.interval(0.5)[0] >= lo and f.interval(0.5)[1] <= hi
    assert Discrete.poisson(0.0).interval(0.9) == (0, 0)
    assert f.mean() == pytest.approx(3.0, abs=1e-6)


def test_pit_histogram_is_flat_for_a_calibrated_forecast():
    uniform = Discrete(np.full(10, 0.1))
    hist = pit_histogram([uniform.pit(y) for y in range(10)], bins=5)
    np.testing.assert_allclose(hist, np.full(5, 0.2))
    # a certain forecast that comes true says nothing: its PIT spreads over [0, 1]
    hist = pit_histogram([Discrete.poisson(0.0).pit(0)] * 3, bins=4)
    np.testing.assert_allclose(hist, np.full(4, 0.25))
    # outcomes below the forecast's support: all mass in the first bin
    hist = pit_histogram([Discrete(np.array([0.0, 0.0, 1.0])).pit(0)] * 3, bins=4)
    np.testing.assert_allclose(hist, [1.0, 0.0, 0.0, 0.0])
    # outcome far in the upper tail: mass in the last bin
    hist = pit_histogram([Discrete.poisson(1.0).pit(30)], bins=4)
    assert hist[-1] == pytest.approx(1.0)


def test_skill_score():
    assert skill([1.0, 1.0], [2.0, 2.0]) == pytest.approx(0.5)
    assert skill([3.0], [2.0]) == pytest.approx(-0.5)
    # pooled: the ratio of the mean scores, not the mean of each forecast's ratio (which
    # would be 1 - (1/1 + 1/3) / 2 = 1/3 here)
    assert skill([1.0, 1.0], [1.0, 3.0]) == pytest.approx(1.0 - 1.0 / 2.0)
    assert skill([0.0], [0.0]) is None
    with pytest.raises(BadInputError):
        skill([1.0], [1.0, 2.0])


@pytest.mark.parametrize("pmf", [[0.5, 0.6], [-0.1, 1.1], [], [np.nan, 1.0]])
def test_discrete_refuses_bad_probabilities(pmf):
    with pytest.raises(BadInputError):
        Discrete(np.asarray(pmf, dtype=float))


def test_from_samples_refuses_non_counts():
    with pytest.raises(BadInputError):
        Discrete.from_samples([0.5, 1.0])
    with pytest.raises(BadInputError):
        Discrete.from_samples([-1, 2])
