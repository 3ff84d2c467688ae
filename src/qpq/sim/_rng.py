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
from scipy.special import gammaincinv

__all__ = [
    "BLOCK_SIZE",
    "CHOICE_KEY",
    "N_CHOICE_UNIFORMS",
    "N_UNIFORMS",
    "NegativeBinomialInverse",
    "Purpose",
    "Stream",
    "block_bounds",
    "block_generator",
    "choice_generator",
    "gamma_multiplier",
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

N_CHOICE_UNIFORMS = 6
"""Uniforms per scenario per quarter for model v2's own draws: China's first move, the
Taliban's effort, China's final action, then the gamma multipliers of the attack rates on
China, on Chinese nationals in Afghanistan and into Central Asia (in that order)."""


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


_U_CLIP = 1e-12
"""Uniforms of the gamma inversion are kept in [ε, 1 − ε] (its quantile is infinite at 1)."""


def gamma_multiplier(shape: ArrayLike, u: NDArray[np.floating]) -> NDArray[np.float64]:
    """Gamma draws of mean 1 (shape k, scale 1/k) by inversion of the CDF at uniforms ``u``."""
    k = np.asarray(shape, dtype=float)
    out: NDArray[np.float64] = gammaincinv(k, np.clip(u, _U_CLIP, 1.0 - _U_CLIP)) / k
    return out


def negative_binomial_inverse(lam: NDArray[np.float64], shape: ArrayLike,
                              u_mix: NDArray[np.floating], u_count: NDArray[np.floating]
                              ) -> NDArray[np.float64]:
    """Negative-binomial counts of mean ``lam``: Poisson at ``lam`` times a gamma multiplier.

    The multiplier (shape k: variance = mean + mean²/k) is drawn from ``u_mix`` and the
    count from ``u_count``, both by inversion. The reference of
    :class:`NegativeBinomialInverse`, which gives the same numbers faster.
    """
    return poisson_inverse(lam * gamma_multiplier(shape, u_mix), u_count)


_DENSE_TERMS = 3
"""Terms :func:`_poisson_counts` sums over every entry before it carries only those still
short (measured on the v2 simulator's brackets, most of whose counts are 1 to 3)."""


def _poisson_counts(lam: NDArray[np.float64], u: NDArray[np.float64], limit: int
                    ) -> NDArray[np.float64]:
    """:func:`poisson_inverse`'s counts at rates of at most 40, by the same operations.

    A count is the number of terms, up to ``limit``, whose CDF is still short of the target
    (the computed CDF never decreases), so the first terms are summed over every entry with
    no bookkeeping, and only then are the entries still short carried term by term. Rates
    of 0 or less, or NaN, count 0, as there. Both share :func:`_sum_terms`; they differ in
    the start only. The dense start suits the negative binomial's brackets, which reach here
    only where the zero test failed, so most counts are 1 to 3. It does not suit the
    inversion's own inputs, mostly small rates that count 0: there it measured 1.5x slower
    (1.0 ms against 0.65 ms on 3 x 7,168 synthetic rates, mostly near 0.05).
    """
    target = np.where(lam > 0.0, u, -np.inf)
    with np.errstate(over="ignore", invalid="ignore"):      # exp of a negative rate: unused
        p = np.exp(-lam)
        cdf = p
        k = (target > cdf).astype(np.float64)
        j = 0
        while j < min(_DENSE_TERMS, limit):
            j += 1
            p = p * lam / j
            cdf = cdf + p
            k += target > cdf
    live = np.flatnonzero(k > j)
    if live.size and j <= limit:
        _sum_terms(k, live, p[live], cdf[live], lam[live], target[live], j, limit)
    return k


class NegativeBinomialInverse:
    """:func:`negative_binomial_inverse` at fixed shapes, without most gamma inversions.

    Inverting the gamma CDF costs far more than the rest of a draw. But the multiplier is
    monotone in ``u_mix``, so a table of it at the edges of :attr:`cells` cells of
    ``u_mix`` (per distinct shape, built once) brackets each draw's multiplier, and the
    count is monotone in the rate and in ``u_count``. Where the count at the bracket's
    low end (with ``u_count`` lowered by a relative δ) equals the count at its high end
    (``u_count`` raised by δ), every rate in the bracket gives that count: the computed
    Poisson CDF is within a relative 1e-12 of the exact one (≤ 400 terms) and δ = 1e-9 is
    far above it, and the bracket's margins cover the quantile's rounding (measured
    1e-13) and the product's. So a certified count is the count the reference computes.
    Most zero counts are certified first, by a logarithm and a comparison (count 0 when
    ``u_count`` ≤ exp(−rate); at ``u_count`` = 0 every finite rate counts 0, as in the
    reference); the rest by two Poisson inversions at the bracket's ends, in one call of
    :func:`_poisson_counts`; every other entry (a count that changes within its cell, a rate
    above the Poisson table's limit, an infinite or NaN rate) is drawn exactly as the
    reference draws it.

    Parameters
    ----------
    shape
        The gamma shape k per scenario ``(n,)``, or one for all.
    draws
        How many draws each scenario takes over the instance's life (a simulation: its
        quarters times its attack streams). Where scenarios have nearly a shape each (a
        calibration's histories), a coarse table of :attr:`FEW_CELLS` cells per shape is
        built when it costs at most a quarter of the inversions it replaces: measured on a
        record calibration's draws (2,000 histories, 114 quarters, three streams), 6% of
        the entries are then drawn exactly at 16 cells, against all of them without a table.
    """

    MIN_CELLS, MAX_CELLS = 256, 4096
    """Cells of ``u_mix`` per shape (:attr:`cells`) where scenarios share shapes (at most one
    shape per 4 scenarios; else :attr:`FEW_CELLS` or none): powers of two, so a uniform's
    cell is exact. Narrower cells leave fewer counts uncertified (measured on the v2
    simulator's draws: 149 of 21,504 a quarter at 256 cells, each an exact gamma
    inversion)."""
    _TABLE = 2**16        # most multipliers tabulated at more than MIN_CELLS cells a shape
    FEW_CELLS = 16
    """Cells per shape where scenarios have nearly their own (``draws`` permitting): the
    table's memory (two bounds a cell, 256 bytes a shape) against the share left to exact
    inversions."""

    _BRACKET = 1e-9       # relative margin of the multiplier's bracket and of u_count
    _LOG_MARGIN = 1e-6    # zero if λ·high ≤ (1 − this)·(−log u): exp's rounding is far below
    _MAX_COUNT = 12       # counts above are certified no more (the rare tail is drawn exactly)

    def __init__(self, shape: ArrayLike, draws: int = 1) -> None:
        k = np.asarray(shape, dtype=float)
        self.shape = k
        distinct, index = np.unique(k.reshape(-1), return_inverse=True)
        self.low: NDArray[np.float64] | None = None
        self.high: NDArray[np.float64] = np.zeros(0)
        # as many cells as keep the table small (one gamma inversion per edge, about
        # 0.45 µs each): MAX_CELLS for a few shapes, down to MIN_CELLS for many
        self.cells = self.MAX_CELLS
        while self.cells > self.MIN_CELLS and distinct.size * self.cells > self._TABLE:
            self.cells //= 2
        # a table per distinct shape; where scenarios have nearly their own (more than one
        # shape per 4 scenarios) a fine table would cost more than it saves: a coarse one
        # if they are drawn often enough, else all exact
        table = distinct.size == 1 or 4 * distinct.size <= k.size
        if not table and 4 * distinct.size * (self.FEW_CELLS + 1) <= draws * k.size:
            self.cells, table = self.FEW_CELLS, True
        if table:
            edges = np.arange(self.cells + 1) / self.cells
            q = gamma_multiplier(distinct[:, None], edges[None, :])          # (K, cells + 1)
            self.low = (q[:, :-1] * (1.0 - self._BRACKET)).reshape(-1)      # (K·cells,)
            self.high = (q[:, 1:] * (1.0 + self._BRACKET)).reshape(-1)
            # the zero test's bound, −high/(1 − margin), so it needs no pass of its own
            self._zero_bound = self.high / (self._LOG_MARGIN - 1.0)
        self.offset = (index * self.cells).reshape(k.shape)         # each scenario's row
        self._one_shape = distinct.size <= 1                        # every offset 0

    def __call__(self, lam: NDArray[np.float64], u_mix: NDArray[np.floating],
                 u_count: NDArray[np.floating]) -> NDArray[np.float64]:
        """Counts for rates ``lam`` (…, n) at uniforms of the same shape."""
        if self.low is None:
            return negative_binomial_inverse(lam, self.shape, u_mix, u_count)
        lam = np.asarray(lam, dtype=float)
        cell = (u_mix * self.cells).astype(np.intp)
        np.minimum(cell, self.cells - 1, out=cell)
        if not self._one_shape:
            cell += self.offset
        else:
            # the shapes must fit the draws even where they are all one (checked, not added)
            np.broadcast_shapes(self.offset.shape, cell.shape)
        # count 0 where λ·high < (1 − margin)·(−log u), i.e. log u < λ·(−high/(1 − margin))
        bound = self._zero_bound[cell]
        bound *= lam
        with np.errstate(divide="ignore"):                         # log(0) = −inf: exact
            log_u = np.log(u_count, dtype=float)
        # u_count = 0 (log u = −inf) counts 0 at every finite rate, in the reference too;
        # an infinite or NaN rate fails the strict test and is drawn below
        rest = np.flatnonzero(~(log_u < bound))
        out = np.zeros(lam.shape)
        if not rest.size:
            return out
        flat = out.reshape(-1)
        cell_r, lam_r = cell.reshape(-1)[rest], lam.reshape(-1)[rest]
        # brackets reaching above the Poisson table's limit (the last cells' upper ends)
        # and u_count = 0 at an infinite or NaN rate are drawn exactly
        high_rate = self.high[cell_r] * lam_r
        u_r = np.asarray(u_count).reshape(-1)[rest].astype(float)
        ok = (high_rate <= _PPF_ABOVE) & (u_r > 0.0)
        try_ = rest[ok]
        high_rate, u_r = high_rate[ok], u_r[ok]
        low_rate = self.low[cell_r[ok]] * lam_r[ok]
        m = try_.size
        both = _poisson_counts(np.concatenate([low_rate, high_rate]),
                               np.concatenate([u_r * (1.0 - self._BRACKET),
                                               u_r * (1.0 + self._BRACKET)]),
                               self._MAX_COUNT)
        at_low, at_high = both[:m], both[m:]
        sure = (at_low == at_high) & (at_high <= self._MAX_COUNT)
        flat[try_[sure]] = at_high[sure]
        ok[ok] = sure
        exact = rest[~ok]
        if exact.size:
            k = np.broadcast_to(self.shape, lam.shape).reshape(-1)[exact]
            flat[exact] = negative_binomial_inverse(
                lam.reshape(-1)[exact], k, np.asarray(u_mix).reshape(-1)[exact],
                np.asarray(u_count).reshape(-1)[exact])
        return out
