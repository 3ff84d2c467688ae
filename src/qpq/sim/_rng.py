"""Counter-based random streams keyed by (seed, purpose, block), and draws built on them.

The ensemble is cut into fixed blocks of :data:`BLOCK_SIZE` scenarios. Every random number
a scenario uses comes from its block's stream for one *purpose* (parameter draws, the
Taliban's type, the dynamics, resampling of calibrated particles), a
:class:`numpy.random.Generator` over a Philox bit generator seeded by
``SeedSequence(seed, spawn_key=(purpose, block))``. Parameter draws go further: each
parameter has its own stream per block, keyed ``(PARAMETERS, block)`` and then by a stable
hash of its name (:func:`qpq.model.parameter_generators`, the one derivation the game's
Monte Carlo shares), so adding a parameter to the case shifts no other parameter's draws.
An execution chunk is a whole number of blocks, and each block consumes its stream in the
same order whatever else runs, so results are identical for any chunk size and any number
of workers.

The dynamics draw a fixed number of uniforms per scenario and quarter (:data:`N_UNIFORMS`)
and turn them into Bernoulli, Poisson and negative-binomial draws by inversion, so a
block's consumption does not depend on the values drawn.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "BLOCK_SIZE",
    "CHOICE_KEY",
    "N_CHOICE_UNIFORMS",
    "N_UNIFORMS",
    "Purpose",
    "Stream",
    "block_bounds",
    "block_generator",
    "choice_generator",
    "negative_binomial_inverse",
    "poisson_inverse",
]

BLOCK_SIZE = 1024
"""Scenarios per random-stream block."""

N_UNIFORMS = 9
"""Uniforms per scenario per quarter in the dynamics (see :class:`Stream`)."""


class Purpose(IntEnum):
    """What a stream is used for; part of its key so purposes never share numbers."""

    PARAMETERS = 0
    TYPES = 1
    DYNAMICS = 2
    RESAMPLE = 3
    FORECAST = 4


class Stream(IntEnum):
    """Row of the per-quarter uniform array that each draw of the dynamics uses."""

    TALIBAN_SUPPRESSION = 0
    US_SUPPRESSION = 1
    BASE_SUPPRESSION = 2
    DEFECTION = 3
    UN_REPORT = 4
    CONTROL_SHOCK = 5
    ATTACK_CHINA = 6
    ATTACK_NATIONALS = 7
    ATTACK_CENTRAL_ASIA = 8


def block_generator(seed: int, purpose: Purpose, block: int) -> np.random.Generator:
    """The generator of one (seed, purpose, block) stream."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(purpose), int(block)))
    return np.random.Generator(np.random.Philox(ss))


CHOICE_KEY = 100
"""First element of the key of model v2's choice streams (no purpose uses it)."""

N_CHOICE_UNIFORMS = 3
"""Uniforms per scenario per quarter for model v2's own draws: China's first move, the
Taliban's effort and China's final action (in that order)."""


def choice_generator(seed: int, purpose: Purpose, block: int) -> np.random.Generator:
    """The stream of model v2's mixed choices for one (seed, dynamics purpose, block).

    Separate from the dynamics stream, so v1 runs draw exactly what they drew before and v2
    runs share every other random number with them (common random numbers).
    """
    ss = np.random.SeedSequence(int(seed), spawn_key=(CHOICE_KEY, int(purpose), int(block)))
    return np.random.Generator(np.random.Philox(ss))


def block_bounds(n: int, block_start: int, block_stop: int) -> list[tuple[int, int, int]]:
    """``(block, first scenario, stop scenario)`` for blocks ``[block_start, block_stop)``.

    The last block of an ensemble may be short when ``n`` is not a multiple of
    :data:`BLOCK_SIZE`.
    """
    out = []
    for b in range(block_start, block_stop):
        lo = b * BLOCK_SIZE
        hi = min(lo + BLOCK_SIZE, n)
        if lo < hi:
            out.append((b, lo, hi))
    return out


_PPF_ABOVE = 40.0


_SCALAR_TAIL = 8


def _tail(p: float, cdf: float, lam: float, target: float, j: int, limit: int) -> int:
    """:func:`poisson_inverse`'s loop for one entry still short of its target after ``j``."""
    while True:
        j += 1
        p = p * lam / j
        cdf = cdf + p
        if not target > cdf or j > limit:
            return j


def _sum_terms(k: NDArray[np.float64], idx: NDArray[np.intp], p: NDArray[np.float64],
               cdf: NDArray[np.float64], lam: NDArray[np.float64],
               target: NDArray[np.float64], j: int, limit: int) -> None:
    """:func:`poisson_inverse`'s loop from term ``j`` (probability ``p``, CDF ``cdf``) on.

    Writes into ``k[idx]`` the count of each entry still short of ``target`` (only those
    still short are carried to the next term; beyond ``limit`` terms the count stops at
    ``limit`` + 1).
    """
    live = np.flatnonzero(target > cdf)
    while live.size:
        if live.size <= _SCALAR_TAIL and j <= limit:
            # a few long counts left: the same IEEE operations one entry at a time
            # cost less than a round of array calls per term
            for e in live:
                k[idx[e]] = _tail(float(p[e]), float(cdf[e]), float(lam[e]),
                                  float(target[e]), j, limit)
            return
        j += 1
        p = p[live] * lam[live] / j
        cdf = cdf[live] + p
        lam = lam[live]
        target = target[live]
        idx = idx[live]
        k[idx] = j
        live = np.flatnonzero(target > cdf)
        if j > limit:  # numerical tail: leave the rest at the current count
            return


def poisson_inverse(lam: NDArray[np.float64], u: NDArray[np.floating],
                    limit: int = 400) -> NDArray[np.float64]:
    """Poisson draws by inversion of the CDF at uniforms ``u`` (exact; monotone in λ and u).

    The smallest k with F(k; λ) ≥ u, by summing probabilities for λ ≤ 40 (only entries still
    short of ``u`` are carried to the next term; those beyond ``limit`` terms stop at
    ``limit`` + 1) and by :func:`scipy.stats.poisson.ppf` above. Monotone in λ for a fixed
    u, so common random numbers compare policies fairly.
    """
    shape = np.shape(lam)
    lam = np.asarray(lam, dtype=float).reshape(-1)
    uu = np.asarray(u, dtype=float).reshape(-1)
    k = np.zeros(lam.shape)
    big = lam > _PPF_ABOVE
    small_idx = np.flatnonzero(~big & (lam > 0.0))
    if small_idx.size:
        lam_s = lam[small_idx]
        p = np.exp(-lam_s)
        _sum_terms(k, small_idx, p, p.copy(), lam_s, uu[small_idx], 0, limit)
    if big.any():
        # Imported here: scipy.stats takes longer to import than most runs need it.
        from scipy import stats

        # ppf(0) is -1 in scipy; the smallest k with F(k) >= 0 is 0 (a uniform of exactly 0
        # has probability 2**-24 per float32 draw: rare, not impossible)
        k[big] = np.maximum(stats.poisson.ppf(uu[big], lam[big]), 0.0)
    return k.reshape(shape)


_NB_CERTIFY = 1e-9
"""Margin of the zero test of :func:`negative_binomial_inverse`: a count is 0 without its
logarithms where u ≤ 1 − λ − this, computed in float64 (P(0) ≥ exp(−λ) ≥ 1 − λ; the margin
covers the rounding of 1 − λ and of the computed P(0), both near 1e-16)."""

_NB_TERMS = 400
"""Terms :func:`negative_binomial_inverse` sums; an entry still short after them is scipy's
quantile's (the same way on the array path and one entry at a time, so that an entry's count
does not depend on the others drawn beside it)."""

_NB_DENSE = 3
"""Terms summed over every entry with a count of at least one before only those still short
are carried (most of the simulator's nonzero counts are 1 to 3)."""


def _nb_tail(p: float, q: float, r: float, cdf: float, target: float, j: int) -> int:
    """:func:`negative_binomial_inverse`'s loop for one entry still short after term ``j``.

    Its count, or ``_NB_TERMS + 1`` where it is still short after the last term (scipy's).
    """
    while j < _NB_TERMS:
        j += 1
        p = p * (q * ((r + (j - 1)) / j))
        cdf = cdf + p
        if not target > cdf:
            return j
    return _NB_TERMS + 1


def _gather(x: ArrayLike, shape: tuple[int, ...], flat: NDArray[np.intp]
            ) -> NDArray[np.float64]:
    """``x`` broadcast to ``shape``, at the flat indices ``flat``, without broadcasting it all.

    A value per scenario ``(n,)`` against draws ``(…, n)`` is read at ``flat mod n``.
    """
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        return np.full(flat.size, float(a))
    if a.ndim == 1 and shape[-1:] == a.shape:
        return a[flat % a.size]
    return np.broadcast_to(a, shape).reshape(-1)[flat]


def negative_binomial_inverse(lam: ArrayLike, shape: ArrayLike, u: NDArray[np.floating]
                              ) -> NDArray[np.float64]:
    """Negative-binomial counts of mean ``lam`` and shape r by inversion of the CDF at ``u``.

    The smallest k with F(k) ≥ u, where P(0) = exp(−r·log1p(λ/r)) and P(j) = P(j − 1) ·
    (q·((r + j − 1)/j)) with q = λ/(r + λ), summed in that order (variance λ + λ²/r: the
    gamma mixture of Poissons of mean λ with shape r, drawn from one uniform). Rates above
    40 and entries still short after :data:`_NB_TERMS` terms take
    :func:`scipy.stats.nbinom.ppf`; rates of 0 or less, or NaN, count 0. Monotone in λ and
    u, so common random numbers compare policies fairly. ``lam`` gives the draws' shape;
    ``shape`` (positive) and ``u`` broadcast to it. Most counts of 0 are certified by one
    comparison (:data:`_NB_CERTIFY`), and only the rest have their logarithms taken.
    """
    lam = np.asarray(lam, dtype=float)
    out_shape = lam.shape
    lam = lam.reshape(-1)
    uu = np.broadcast_to(u, out_shape).reshape(-1)
    k = np.zeros(lam.size)
    # u ≤ 1 − λ − margin: the count is 0 (NaN rates fail the test and count 0); in float64
    # whatever u's type, so that the margin is not lost to float32's rounding of 1 − 1e-9
    cand = np.flatnonzero(lam > np.float64(1.0 - _NB_CERTIFY) - uu)
    lam_c = lam[cand]
    over = lam_c > _PPF_ABOVE
    big = cand[over]
    if big.size:
        cand, lam_c = cand[~over], lam_c[~over]
    r_c, target = _gather(shape, out_shape, cand), uu[cand].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.exp(-r_c * np.log1p(lam_c / r_c))
    at_least_one = np.flatnonzero(target > p)
    idx = cand[at_least_one]
    short = np.zeros(0, dtype=np.intp)
    if idx.size:
        lam_c, r_c, p, target = (lam_c[at_least_one], r_c[at_least_one], p[at_least_one],
                                 target[at_least_one])
        q = lam_c / (r_c + lam_c)
        cdf = p
        count = np.ones(idx.size)
        for j in range(1, _NB_DENSE + 1):
            p = p * (q * ((r_c + (j - 1)) / j))
            cdf = cdf + p
            count += target > cdf
        k[idx] = count
        j = _NB_DENSE
        live = np.flatnonzero(count > j)
        while live.size:
            idx, p, q, r_c, cdf, target = (idx[live], p[live], q[live], r_c[live], cdf[live],
                                           target[live])
            # the entries in idx are still short after term j
            if idx.size <= _SCALAR_TAIL:
                # a few long counts left: the same IEEE operations one entry at a time
                # cost less than a round of array calls per term
                for e in range(idx.size):
                    k[idx[e]] = _nb_tail(float(p[e]), float(q[e]), float(r_c[e]),
                                         float(cdf[e]), float(target[e]), j)
                short = idx[k[idx] > _NB_TERMS]
                break
            if j == _NB_TERMS:
                short = idx
                break
            j += 1
            p = p * (q * ((r_c + (j - 1)) / j))
            cdf = cdf + p
            k[idx] = j
            live = np.flatnonzero(target > cdf)
    rest = np.concatenate([big, short])
    if rest.size:
        # Imported here: scipy.stats takes longer to import than most runs need it.
        from scipy import stats

        # ppf(0) is -1 in scipy, the smallest k with F(k) ≥ 0 is 0
        r_r = _gather(shape, out_shape, rest)
        k[rest] = np.maximum(stats.nbinom.ppf(uu[rest], r_r, r_r / (r_r + lam[rest])), 0.0)
    return k.reshape(out_shape)
