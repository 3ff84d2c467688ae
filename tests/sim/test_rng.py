import numpy as np
from scipy import stats

from qpq.sim._rng import BLOCK_SIZE, Purpose, block_bounds, block_generator, poisson_inverse


def test_poisson_inverse_is_the_exact_inverse_cdf():
    rng = np.random.default_rng(0)
    lam = np.concatenate([rng.uniform(0, 3, 4000), rng.uniform(3, 60, 1000), np.zeros(10)])
    u = rng.random(lam.size)
    expected = stats.poisson.ppf(u, lam)
    expected[lam == 0] = 0
    np.testing.assert_array_equal(poisson_inverse(lam, u), expected)


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
