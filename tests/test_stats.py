"""The quantile levels and a share's interval have one owner, qpq.stats: no module spells the
levels again; the binomial intervals are checked against their defining equations."""

from __future__ import annotations

import math
import re
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

import qpq
from qpq.errors import BadInputError
from qpq.stats import (
    BINOMIAL_METHODS,
    FAN_QUANTILES,
    INTERVAL_90,
    MEDIAN,
    binomial_interval,
    median_interval,
    quantile_name,
)

SRC = Path(qpq.__file__).parent

# a quantile call, or a tuple/list of levels, that writes one of the shared levels itself
_SPELLED = re.compile(r"quantile\([^)]*\b0\.(05|25|75|95)\b|[(\[]0\.05, 0\.(25|5)\b")


def test_levels_and_names() -> None:
    assert FAN_QUANTILES == (0.05, 0.25, 0.5, 0.75, 0.95)
    assert (FAN_QUANTILES[0], FAN_QUANTILES[-1]) == INTERVAL_90 and MEDIAN in FAN_QUANTILES
    assert [quantile_name(q) for q in FAN_QUANTILES] == ["q05", "q25", "q50", "q75", "q95"]


def test_median_interval() -> None:
    x = np.arange(101.0)
    assert median_interval(x) == (5.0, 50.0, 95.0)
    assert all(np.isnan(v) for v in median_interval(np.empty(0)))


def test_a_discrete_interval_holds_values_the_data_take() -> None:
    # 19 histories without the event and one with it: interpolation gives an upper end of
    # 0.05, a value no history has; the discrete reading gives 0 (19 of 20 are at most 0)
    x = np.array([0.0] * 19 + [1.0])
    assert median_interval(x)[2] == pytest.approx(0.05)
    assert median_interval(x, discrete=True) == (0.0, 0.0, 0.0)
    counts = np.random.default_rng(0).poisson(1.3, size=37).astype(float)
    assert set(median_interval(counts, discrete=True)) <= set(counts.tolist())


def test_no_module_spells_the_levels_again() -> None:
    hits = [f"{path.relative_to(SRC)}: {line.strip()}"
            for path in sorted(SRC.rglob("*.py")) if path != SRC / "stats.py"
            for line in path.read_text(encoding="utf-8").splitlines() if _SPELLED.search(line)]
    assert not hits, "use qpq.stats instead of spelling quantile levels:\n" + "\n".join(hits)


def _at_least(k, n, p):
    """P(X >= k) for X ~ Binomial(n, p), summed term by term (an oracle beside scipy's)."""
    return math.fsum(math.comb(n, j) * p**j * (1.0 - p) ** (n - j) for j in range(k, n + 1))


@pytest.mark.parametrize("level", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("n", [1, 2, 10, 100])
def test_clopper_pearson_s_edges_are_analytic(n, level):
    # no success: the upper end solves (1 - p)^n = (1 - level) / 2; all successes, mirrored
    tail = (1.0 - level) / 2.0
    low, high = binomial_interval(0, n, level, method="exact")
    assert low == 0.0 and high == pytest.approx(1.0 - tail ** (1.0 / n), abs=1e-10)
    low, high = binomial_interval(n, n, level, method="exact")
    assert high == 1.0 and low == pytest.approx(tail ** (1.0 / n), abs=1e-10)


@pytest.mark.parametrize(("k", "n"), [(1, 10), (3, 10), (42, 100), (99, 100)])
def test_clopper_pearson_s_ends_leave_half_the_level_s_complement_in_each_tail(k, n):
    # the definition: at the lower end k or more successes have probability (1 - level) / 2,
    # at the upper end k or fewer; a wider level nests the narrower one's interval
    low, high = binomial_interval(k, n, 0.9, method="exact")
    assert 0.0 < low < k / n < high < 1.0
    assert _at_least(k, n, low) == pytest.approx(0.05, abs=1e-9)
    assert 1.0 - _at_least(k + 1, n, high) == pytest.approx(0.05, abs=1e-9)
    wide = binomial_interval(k, n, 0.99, method="exact")
    assert wide[0] < low and high < wide[1]


@pytest.mark.parametrize("method", BINOMIAL_METHODS)
@pytest.mark.parametrize(("k", "n"), [(-1, 10), (11, 10), (0, 0)])
def test_binomial_interval_refuses_impossible_shares(k, n, method):
    with pytest.raises(BadInputError, match="0 <= k <= n"):
        binomial_interval(k, n, method=method)


def test_binomial_interval_refuses_unknown_methods_and_a_z_without_wilson():
    with pytest.raises(BadInputError, match="allowed: exact, wilson"):
        binomial_interval(1, 2, method="agresti")  # type: ignore[arg-type]
    with pytest.raises(BadInputError, match="z is a parameter of the wilson method"):
        binomial_interval(1, 2, method="exact", z=1.96)


def _score_gap(k, n, p, z):
    """(k/n - p)^2 - z^2 p (1 - p) / n: zero at the ends of Wilson's score interval."""
    return (k / n - p) ** 2 - z * z * p * (1.0 - p) / n


@pytest.mark.parametrize(("k", "n"), [(1, 10), (3, 10), (50, 100), (42, 100), (99, 100)])
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_wilson_s_ends_solve_the_score_equation(k, n, level):
    # the definition, with the normal quantile from the standard library (not scipy's)
    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    for low, high in (binomial_interval(k, n, level, method="wilson"),
                      binomial_interval(k, n, method="wilson", z=z)):
        assert 0.0 < low < k / n < high < 1.0
        assert _score_gap(k, n, low, z) == pytest.approx(0.0, abs=1e-12)
        assert _score_gap(k, n, high, z) == pytest.approx(0.0, abs=1e-12)
    # the two arrangements of the formula agree but for rounding
    assert binomial_interval(k, n, level, method="wilson") == pytest.approx(
        binomial_interval(k, n, method="wilson", z=z), abs=1e-14)


@pytest.mark.parametrize("n", [1, 7, 100])
@pytest.mark.parametrize("z", [None, 1.96])
def test_wilson_s_edges_are_the_share_s_bounds(n, z):
    # no success: the lower end is 0 exactly and the upper solves the score equation; mirrored
    level_z = NormalDist().inv_cdf(0.975) if z is None else z
    low, high = binomial_interval(0, n, 0.95, method="wilson", z=z)
    assert low == 0.0 and _score_gap(0, n, high, level_z) == pytest.approx(0.0, abs=1e-12)
    low, high = binomial_interval(n, n, 0.95, method="wilson", z=z)
    assert high == 1.0 and _score_gap(n, n, low, level_z) == pytest.approx(0.0, abs=1e-12)


def test_a_percentage_never_rounds_something_to_all_or_nothing() -> None:
    # "that assumption makes 100% of it" was 99.6% (the report, 2026-12-06)
    from qpq.stats import percent

    assert percent(0.996) == "99.6%" and percent(0.004) == "0.4%"
    assert percent(1.0) == "100%" and percent(0.0) == "0%" and percent(0.4) == "40%"
    assert percent(0.8642) == "86%" and percent(-0.002) == "-0.2%"
    # decimals until it is neither, and a bound where even three would not do
    assert percent(0.9996) == "99.96%" and percent(-0.998) == "-99.8%"
    assert percent(-0.0) == "0%" and percent(-1.0) == "-100%"
    assert percent(1 - 1e-9) == "over 99.999%" and percent(1e-9) == "under 0.001%"
    assert percent(-1e-9) == "over -0.001%" and percent(-1 + 1e-9) == "under -99.999%"


def test_a_percentage_takes_up_to_three_decimals_before_a_bound() -> None:
    # 0.99996 needs the third decimal to be neither 100% nor a bound it is not beyond
    from qpq.stats import percent

    assert percent(0.99996) == "99.996%" and percent(0.00004) == "0.004%"
    assert percent(-0.00004) == "-0.004%"


def test_a_level_s_name_is_its_nearest_percent() -> None:
    # 0.29 * 100 is 28.999999999999996 in floating point: the level is still q29
    for pct in range(1, 100):
        assert quantile_name(pct / 100) == f"q{pct:02d}"
