"""Counter-based random streams keyed by (seed, purpose, block), and draws built on them.

The ensemble is cut into fixed blocks of :data:`BLOCK_SIZE` scenarios. Every random number
a scenario uses comes from its block's stream for one *purpose* (parameter draws, the
Taliban's type, the dynamics, resampling of calibrated particles), a
:class:`numpy.random.Generator` over a Philox bit generator seeded by
``SeedSequence(seed, spawn_key=(purpose, block))``. An execution chunk is a whole number
of blocks, and each block consumes its stream in the same order whatever else runs, so
results are identical for any chunk size and any number of workers.

The dynamics draw a fixed number of uniforms per scenario and quarter (:data:`N_UNIFORMS`)
and turn them into Bernoulli and Poisson draws by inversion, so a block's consumption does
not depend on the values drawn.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

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


def poisson_inverse(lam: NDArray[np.float64], u: NDArray[np.floating]) -> NDArray[np.float64]:
    """Poisson draws by inversion of the CDF at uniforms ``u`` (exact; monotone in λ and u).

    The smallest k with F(k; λ) ≥ u, by summing probabilities for λ ≤ 40 (only entries still
    short of ``u`` are carried to the next term) and by :func:`scipy.stats.poisson.ppf`
    above. Monotone in λ for a fixed u, so common random numbers compare policies fairly.
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
        cdf = p.copy()
        target = uu[small_idx]
        live = np.flatnonzero(target > cdf)
        j = 0
        while live.size:
            j += 1
            p = p[live] * lam_s[live] / j
            cdf = cdf[live] + p
            lam_s = lam_s[live]
            target = target[live]
            small_idx = small_idx[live]
            k[small_idx] = j
            live = np.flatnonzero(target > cdf)
            if j > 400:  # numerical tail: leave the rest at the current count
                break
    if big.any():
        # Imported here: scipy.stats takes longer to import than most runs need it.
        from scipy import stats

        k[big] = stats.poisson.ppf(uu[big], lam[big])
    return k.reshape(shape)
