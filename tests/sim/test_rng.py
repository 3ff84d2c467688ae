import numpy as np
import pytest
from scipy import stats

from qpq.sim._rng import (
    BLOCK_SIZE,
    Purpose,
    block_bounds,
    block_generator,
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
    """Rates from 0 to above the summed range, shapes over the priors and beyond, uniforms
    with their edge cases."""
    lam = rng.exponential(0.3, size=(3, n)) * (rng.random((3, n)) < 0.8)
    lam[:, ::97] *= 300.0                               # rates above 40: scipy's ppf
    lam[:, 2::89] = rng.uniform(30.0, 40.0, lam[:, 2::89].shape)  # long sums, near the limit
    lam[:, 7::1021] = 1e-300
    lam[:, 6::1019] = -0.5                              # rates no model should give: 0
    lam[:, 4::1013] = np.nan
    r = rng.uniform(0.2, 50.0, size=n)                  # one shape per scenario
    u = rng.random((3, n), dtype=np.float32)            # as the dynamics draw them
    u[:, ::1013] = 0.0
    u[:, 5::211] = np.float32(1.0 - 2.0**-24)           # the largest float32 uniform
    return lam, r, u


def _nb_one_by_one(lam, r, u):
    """The textbook inversion, one entry at a time: the first k whose CDF reaches u, P(0) =
    exp(−r·log1p(λ/r)) (numpy's, which the code under test uses), then P(j) = P(j − 1) ·
    (q·((r + j − 1)/j)), q = λ/(r + λ); NaN and rates of 0 or less count 0. Entries the sum
    leaves to scipy (rates above 40, counts above 400) are left NaN here."""
    out = np.zeros(lam.size)
    with np.errstate(invalid="ignore"):
        p0 = np.exp(-r * np.log1p(np.where(lam > 0.0, lam, 0.0) / r))
    for e in range(lam.size):
        rate, shape, target = float(lam[e]), float(r[e]), float(u[e])
        if not rate > 0.0:
            continue
        if rate > 40.0:
            out[e] = np.nan
            continue
        q = rate / (shape + rate)
        p = cdf = float(p0[e])
        k = 0
        while target > cdf and k <= 400:
            k += 1
            p = p * (q * ((shape + (k - 1)) / k))
            cdf = cdf + p
        out[e] = np.nan if k > 400 else k
    return out


def test_negative_binomial_counts_are_the_textbook_inversion_s():
    """Certified zeros, dense first terms, the carried tail and the scalar tail: the
    one-by-one counts wherever the sum decides, scipy's quantile where it does not."""
    rng = np.random.default_rng(7)
    lam, r, u = _nb_inputs(rng, 20_000)
    got = negative_binomial_inverse(lam, r, u)
    assert got.shape == lam.shape
    expected = _nb_one_by_one(lam.ravel(), np.broadcast_to(r, lam.shape).ravel(), u.ravel())
    summed = ~np.isnan(expected)
    assert 0.0 < (expected[summed] > 0).mean() < 0.5
    assert (expected[summed] > 20).sum() > 10           # the carried and scalar tails ran
    np.testing.assert_array_equal(got.ravel()[summed], expected[summed])
    big = ~summed & (lam.ravel() <= 1e300)
    r_big, lam_big = np.broadcast_to(r, lam.shape).ravel()[big], lam.ravel()[big]
    ppf = stats.nbinom.ppf(u.ravel()[big], r_big, r_big / (r_big + lam_big))
    np.testing.assert_array_equal(got.ravel()[big], np.maximum(ppf, 0.0))


def test_negative_binomial_counts_invert_scipys_cdf():
    """An independent oracle: each count k has F(k − 1) < u ≤ F(k) under scipy's nbinom."""
    rng = np.random.default_rng(3)
    n = 50_000
    lam = rng.exponential(1.0, n)
    r = rng.uniform(0.2, 50.0, n)
    u = rng.random(n)
    k = negative_binomial_inverse(lam, r, u)
    prob = r / (r + lam)
    tol = 1e-12
    assert np.all(stats.nbinom.cdf(k, r, prob) >= u - tol)
    assert np.all(stats.nbinom.cdf(k - 1, r, prob) < u + tol)
    assert (k > 0).mean() > 0.3


def test_negative_binomial_counts_have_its_moments_and_are_monotone():
    rng = np.random.default_rng(4)
    n, mean, disp = 200_000, 0.8, 0.5
    u = rng.random(n).astype(np.float32)
    counts = negative_binomial_inverse(np.full(n, mean), disp, u)
    var = mean + mean**2 / disp
    assert abs(counts.mean() - mean) < 4 * np.sqrt(var / n)
    assert abs(counts.var() / var - 1.0) < 0.05
    higher = negative_binomial_inverse(np.full(n, mean * 1.2), disp, u)
    assert np.all(higher >= counts)                     # common random numbers are fair
    assert np.array_equal(negative_binomial_inverse(np.zeros(3), 2.0, np.zeros(3)), np.zeros(3))


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
def test_poisson_inverse_is_the_textbook_inversion_s(limit):
    """The entries still short carried term by term, then the scalar tail: the one-by-one
    counts, at every limit (model v1's attack counts)."""
    rng = np.random.default_rng(11)
    lam = np.concatenate([rng.exponential(2.0, 5000), rng.uniform(20.0, 40.0, 500),
                          [0.0, -1.0, -800.0, np.nan, 40.0, 1e-300]])
    u = rng.random(lam.size)
    u[::50] = 0.0
    u[1::50] = 1.0 - 2.0**-53
    expected = _counts_one_by_one(lam, u, limit)
    np.testing.assert_array_equal(poisson_inverse(lam, u, limit=limit), expected)


@pytest.mark.parametrize("form", ["scalar", "per scenario", "full"])
def test_negative_binomial_shapes_broadcast_to_the_rates(form):
    """One shape, one per scenario (the simulator's) or one per draw: the same counts."""
    rng = np.random.default_rng(9)
    lam, u = rng.exponential(1.0, (3, 500)), rng.random((3, 500))
    r = {"scalar": 2.5, "per scenario": rng.uniform(0.5, 9.0, 500),
         "full": rng.uniform(0.5, 9.0, (3, 500))}[form]
    full = np.broadcast_to(r, lam.shape)
    expected = np.array([negative_binomial_inverse(lam[i], full[i], u[i]) for i in range(3)])
    np.testing.assert_array_equal(negative_binomial_inverse(lam, r, u), expected)
    with pytest.raises(ValueError):
        negative_binomial_inverse(lam, np.ones(499), u)


def test_a_negative_binomial_count_does_not_depend_on_its_neighbours():
    """An entry that needs about 400 terms gets one count alone, finished one at a time, and
    beside long neighbours, carried on arrays: past the last term, scipy's quantile both ways
    (a review found 400 alone against 401 beside others, 2026-12-06)."""
    lam, r, u = 39.0, 0.2, 0.9878170524429436
    alone = negative_binomial_inverse(np.array([lam]), r, np.array([u]))[0]
    rng = np.random.default_rng(2)
    neighbours = rng.uniform(0.99, 0.999, 20)
    beside = negative_binomial_inverse(np.full(21, lam), r, np.concatenate([[u], neighbours]))
    assert alone == beside[0] == max(stats.nbinom.ppf(u, r, r / (r + lam)), 0.0)
    # every count, alone or beside the others, is the same
    for e, v in enumerate(neighbours):
        assert negative_binomial_inverse(np.array([lam]), r, np.array([v]))[0] == beside[e + 1]
