import numpy as np
import pytest
from scipy import stats

from qpq.sim._rng import (
    BLOCK_SIZE,
    NegativeBinomialInverse,
    Purpose,
    _poisson_counts,
    block_bounds,
    block_generator,
    gamma_multiplier,
    negative_binomial_inverse,
    poisson_inverse,
)


def test_poisson_inverse_is_the_exact_inverse_cdf():
    rng = np.random.default_rng(0)
    lam = np.concatenate([rng.uniform(0, 3, 4000), rng.uniform(3, 60, 1000), np.zeros(10)])
    u = rng.random(lam.size)
    expected = stats.poisson.ppf(u, lam)
    expected[lam == 0] = 0
    np.testing.assert_array_equal(poisson_inverse(lam, u), expected)


def test_a_uniform_of_zero_draws_zero_at_every_rate():
    # scipy's ppf(0) is -1: a count must never be negative, however rare the draw
    lam = np.array([0.0, 0.5, 39.0, 41.0, 500.0])
    np.testing.assert_array_equal(poisson_inverse(lam, np.zeros(lam.size)), np.zeros(lam.size))


def test_poisson_inverse_monotone_in_rate_and_unbiased():
    rng = np.random.default_rng(1)
    u = rng.random(200_000).astype(np.float32)
    low = poisson_inverse(np.full(u.size, 0.7), u)
    high = poisson_inverse(np.full(u.size, 0.9), u)
    assert np.all(high >= low)                      # common random numbers are fair
    assert abs(low.mean() - 0.7) < 4 * np.sqrt(0.7 / u.size)


def test_streams_are_keyed_by_seed_purpose_and_block():
    a = block_generator(3, Purpose.DYNAMICS, 5).random(8)
    np.testing.assert_array_equal(a, block_generator(3, Purpose.DYNAMICS, 5).random(8))
    for other in (block_generator(4, Purpose.DYNAMICS, 5), block_generator(3, Purpose.TYPES, 5),
                  block_generator(3, Purpose.DYNAMICS, 6)):
        assert not np.array_equal(a, other.random(8))


def test_block_bounds_cover_a_ragged_ensemble():
    n = 3 * BLOCK_SIZE + 7
    bounds = block_bounds(n, 0, 10)
    assert [b for b, _, _ in bounds] == [0, 1, 2, 3]
    assert bounds[-1] == (3, 3 * BLOCK_SIZE, n)


def _nb_inputs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Rates from 0 to far above the Poisson table's limit, uniforms with their edge cases."""
    lam = rng.exponential(0.3, size=(3, n)) * (rng.random((3, n)) < 0.8)
    lam[:, ::97] *= 300.0                               # λ·multiplier above 40: scipy's ppf
    u_mix = rng.random((3, n))
    u_mix[:, ::777] = 0.0
    u_mix[:, 1::555] = 1.0 - 2.0**-53                   # the last cell, clipped
    u_count = rng.random((3, n), dtype=np.float32)      # as the dynamics draw them
    u_count[:, ::1013] = 0.0
    u_count[:, 5::211] = np.float32(1.0 - 2.0**-24)     # the largest float32 uniform
    lam[:, 3::1009] = np.inf                            # rates no model should give, drawn
    lam[:, 4::1013] = np.nan                            # as the reference draws them
    lam[:, 6::1019] = -0.5
    return lam, u_mix, u_count


@pytest.mark.parametrize(("shape", "draws", "cells"),
                         [("scalar", 1, 4096), ("few", 1, 4096), ("many", 1, 256),
                          ("each", 1, 256), ("each", 342, NegativeBinomialInverse.FEW_CELLS)])
def test_fast_negative_binomial_draws_equal_the_reference(shape, draws, cells):
    """The certified counts and the exact draws give the reference's numbers, bit for bit."""
    rng = np.random.default_rng(7)
    n = 20_000
    k = {"scalar": np.float64(0.2),
         "few": rng.choice([0.2, 0.5, 1.0, 3.7, 50.0], size=n),
         "many": rng.choice(np.linspace(0.2, 50.0, 300), size=n),
         "each": rng.uniform(0.2, 50.0, size=n)}[shape]
    lam, u_mix, u_count = _nb_inputs(rng, n)
    fast = NegativeBinomialInverse(k, draws=draws)
    # per-scenario shapes: no tables, unless each is drawn often enough for a coarse one
    assert (fast.low is None) == (shape == "each" and draws == 1)
    assert fast.cells == cells                          # fewer cells per shape for many
    with np.errstate(invalid="ignore"):
        expected = negative_binomial_inverse(lam, k, u_mix, u_count)
    assert 0.0 < (expected > 0).mean() < 0.5
    assert (expected == 1).mean() > 0.05                # counts of 1: both ends counted
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(fast(lam, u_mix, u_count), expected)


def test_negative_binomial_reference_is_gamma_mixed_poisson():
    """An independent check of the reference: its multiplier is the gamma quantile."""
    rng = np.random.default_rng(3)
    k, u = rng.uniform(0.2, 50.0, 1000), rng.random(1000)
    np.testing.assert_allclose(gamma_multiplier(k, u), stats.gamma.ppf(u, k, scale=1.0 / k),
                               rtol=1e-10)
    n, mean, disp = 200_000, 0.8, 0.5
    counts = negative_binomial_inverse(np.full(n, mean), disp, rng.random(n),
                                       rng.random(n).astype(np.float32))
    assert abs(counts.mean() - mean) < 4 * np.sqrt((mean + mean**2 / disp) / n)
    assert abs(counts.var() / (mean + mean**2 / disp) - 1.0) < 0.05


def test_poisson_inverse_stops_at_its_limit():
    lam, u = np.full(40, 30.0), np.linspace(0.05, 0.95, 40)
    capped = poisson_inverse(lam, u, limit=5)
    np.testing.assert_array_equal(capped, np.minimum(poisson_inverse(lam, u), 6.0))
    assert capped.max() == 6.0


def _counts_one_by_one(lam, u, limit):
    """The textbook inversion, one entry at a time: the first k whose CDF reaches u (at most
    ``limit`` + 1), with the same IEEE operations in the same order; exp from numpy, which
    the code under test uses (libm's may differ in the last place)."""
    p0 = np.exp(-np.where(lam > 0.0, lam, 0.0))
    out = np.zeros(lam.size)
    for e in range(lam.size):
        rate, target = float(lam[e]), float(u[e])
        if not rate > 0.0:
            continue                                    # 0, negative and NaN rates: 0
        p = cdf = float(p0[e])
        k = 0
        while target > cdf and k <= limit:
            k += 1
            p = p * rate / k
            cdf = cdf + p
        out[e] = k
    return out


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 5, 12, 400])
def test_poisson_counts_are_the_textbook_inversion_s(limit):
    """Dense first terms, then only the entries still short: the one-by-one counts, at
    every limit (the simulator's Poisson and negative-binomial draws count here)."""
    rng = np.random.default_rng(11)
    lam = np.concatenate([rng.exponential(2.0, 5000), rng.uniform(20.0, 40.0, 500),
                          [0.0, -1.0, -800.0, np.nan, 40.0, 1e-300]])
    u = rng.random(lam.size)
    u[::50] = 0.0
    u[1::50] = 1.0 - 2.0**-53
    expected = _counts_one_by_one(lam, u, limit)
    np.testing.assert_array_equal(_poisson_counts(lam, u, limit), expected)
    np.testing.assert_array_equal(poisson_inverse(lam, u, limit=limit), expected)


def test_shapes_that_do_not_fit_the_draws_are_refused():
    """One shape per scenario must match the draws' scenarios, even if every shape is one."""
    rng = np.random.default_rng(5)
    lam, u_mix, u_count = rng.random((3, 10)), rng.random((3, 10)), rng.random((3, 10))
    with pytest.raises(ValueError):
        NegativeBinomialInverse(np.full(4000, 0.5))(lam, u_mix, u_count)
