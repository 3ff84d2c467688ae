"""Proper scoring rules for the backtests: binary events, counts and ordered bands.

A *binary* forecast is a probability; it is scored by the Brier score and the logarithmic
score (scoringrules' ``brier_score`` and ``log_score``). The log score of a probability of 0
or 1 that turns out wrong is infinite, so probabilities are clipped to
[:data:`LOG_FLOOR`, 1 - :data:`LOG_FLOOR`] for the log score only (a rule fixed before any
forecast was scored, the same for the model and the baselines).

A *count* or *band* forecast is a :class:`Discrete` distribution over 0, 1, 2, ... (attacks,
or the index of an ordered band). It is scored by the ranked probability score over unit
categories, which for an integer-valued quantity equals its CRPS (scoringrules'
``rps_score`` on the probability vector), by whether its central 50% and 90% intervals
cover the outcome, and by its probability integral transform: for a discrete forecast the
PIT of an outcome y is the interval [F(y-1), F(y)], summarised over many forecasts by the
non-randomised PIT histogram of Czado, Gneiting and Held (2009, Biometrics 65:1254).

All scores are negatively oriented (smaller is better). A skill score against a reference
is ``1 - mean(score) / mean(reference score)``: positive when the forecast beats the
reference, 0 when equal, negative when worse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qpq.errors import BadInputError

__all__ = [
    "COVERAGE_LEVELS",
    "LOG_FLOOR",
    "Discrete",
    "brier",
    "covers",
    "crps_discrete",
    "log_score",
    "pit_histogram",
    "skill",
]

LOG_FLOOR = 0.005
"""Probabilities are clipped to [LOG_FLOOR, 1 - LOG_FLOOR] before the log score (at most
-ln 0.005 = 5.3 per forecast)."""

COVERAGE_LEVELS: tuple[float, ...] = (0.5, 0.9)
"""Central prediction intervals whose coverage is reported."""

_TAIL = 1e-10


@dataclass(frozen=True)
class Discrete:
    """A predictive distribution over the integers 0..len(pmf)-1 (mass beyond: none).

    Attributes
    ----------
    pmf
        Probabilities of 0, 1, 2, ...; non-negative, summing to 1.
    """

    pmf: NDArray[np.float64]

    def __post_init__(self) -> None:
        p = np.asarray(self.pmf, dtype=float)
        if p.ndim != 1 or p.size == 0 or not np.isfinite(p).all() or (p < 0).any():
            raise BadInputError("a discrete forecast needs a non-empty vector of finite, "
                                "non-negative probabilities")
        if abs(p.sum() - 1.0) > 1e-6:
            raise BadInputError(f"a discrete forecast's probabilities sum to {p.sum():.6g}, "
                                "not 1")
        object.__setattr__(self, "pmf", p / p.sum())

    @classmethod
    def from_samples(cls, samples: ArrayLike) -> Discrete:
        """The empirical distribution of an ensemble of non-negative integers."""
        x = np.asarray(samples, dtype=float)
        if x.size == 0 or (x < 0).any() or not np.array_equal(x, np.round(x)):
            raise BadInputError("an ensemble count forecast needs non-negative integers")
        counts = np.bincount(x.astype(np.int64))
        return cls(counts / counts.sum())

    @classmethod
    def poisson(cls, mean: float) -> Discrete:
        """Poisson(mean), cut where the remaining tail is below 1e-10 (added to the last cell)."""
        from scipy import stats as sps

        if not np.isfinite(mean) or mean < 0:
            raise BadInputError(f"a Poisson forecast needs a finite mean >= 0, got {mean}")
        if mean == 0:
            return cls(np.array([1.0]))
        top = int(sps.poisson.isf(_TAIL, mean)) + 1
        p = sps.poisson.pmf(np.arange(top + 1), mean)
        p[-1] += max(0.0, 1.0 - p.sum())
        return cls(p)

    @classmethod
    def bernoulli(cls, p: float) -> Discrete:
        """P(1) = p: a binary event as a distribution (for PIT and coverage)."""
        return cls(np.array([1.0 - p, p]))

    def cdf(self, k: int) -> float:
        """P(X <= k)."""
        if k < 0:
            return 0.0
        return float(self.pmf[:k + 1].sum()) if k < self.pmf.size else 1.0

    def mean(self) -> float:
        """The expectation."""
        return float(np.arange(self.pmf.size) @ self.pmf)

    def quantile(self, level: float) -> int:
        """The smallest k with P(X <= k) >= level."""
        cum = np.cumsum(self.pmf)
        return min(int(np.searchsorted(cum, level - 1e-12)), self.pmf.size - 1)

    def interval(self, coverage: float) -> tuple[int, int]:
        """The central interval [q((1-c)/2), q((1+c)/2)] (covers at least ``coverage``)."""
        return self.quantile((1.0 - coverage) / 2.0), self.quantile((1.0 + coverage) / 2.0)

    def pit(self, y: int) -> tuple[float, float]:
        """The PIT interval [F(y-1), F(y)] of an outcome y."""
        return self.cdf(y - 1), self.cdf(y)


def _outcome(y: int) -> int:
    if y < 0 or int(y) != y:
        raise BadInputError(f"an outcome must be a non-negative integer, got {y}")
    return int(y)


def brier(p: float, y: int) -> float:
    """Brier score (p - y)^2 of a probability p for a binary outcome y."""
    import scoringrules as sr

    return float(sr.brier_score(_binary(y), _probability(p)))


def log_score(p: float, y: int) -> float:
    """Logarithmic score -ln P(y), with p clipped to [LOG_FLOOR, 1 - LOG_FLOOR]."""
    import scoringrules as sr

    q = float(np.clip(_probability(p), LOG_FLOOR, 1.0 - LOG_FLOOR))
    return float(sr.log_score(_binary(y), q))


def _binary(y: int) -> int:
    if y not in (0, 1):
        raise BadInputError(f"a binary outcome must be 0 or 1, got {y}")
    return int(y)


def _probability(p: float) -> float:
    if not 0.0 <= p <= 1.0:
        raise BadInputError(f"a probability must lie in [0, 1], got {p}")
    return float(p)


def crps_discrete(forecast: Discrete, y: int) -> float:
    """CRPS of an integer-valued forecast: the ranked probability score over unit categories.

    The categories run to the larger of the forecast's support and the outcome, so an
    outcome beyond the support is penalised for every unit it lies beyond.
    """
    import scoringrules as sr

    k = _outcome(y)
    size = max(forecast.pmf.size, k + 1)
    p = np.zeros(size)
    p[:forecast.pmf.size] = forecast.pmf
    onehot = np.zeros(size)
    onehot[k] = 1.0
    return float(sr.rps_score(onehot, p, onehot=True))


def covers(forecast: Discrete, y: int, coverage: float) -> bool:
    """Whether the central ``coverage`` interval of the forecast contains y."""
    lo, hi = forecast.interval(coverage)
    return lo <= _outcome(y) <= hi


def pit_histogram(intervals: Sequence[tuple[float, float]], bins: int = 10
                  ) -> NDArray[np.float64]:
    """The non-randomised PIT histogram: the mean share of each PIT interval per bin.

    Each forecast's PIT is spread uniformly over its interval [F(y-1), F(y)] (a point when
    the interval is empty); the result sums to 1 over ``bins`` equal bins of [0, 1], and is
    flat at 1/bins for calibrated forecasts.
    """
    if not intervals:
        raise BadInputError("a PIT histogram needs at least one forecast")
    edges = np.linspace(0.0, 1.0, bins + 1)
    out = np.zeros(bins)
    for lo, hi in intervals:
        if hi - lo <= 1e-12:
            out[min(int(np.searchsorted(edges, lo, side="right")) - 1, bins - 1)] += 1.0
            continue
        # the share of [lo, hi] in each bin
        out += np.clip(np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo), 0.0, None) / (
            hi - lo)
    return out / len(intervals)


def skill(scores: ArrayLike, reference: ArrayLike) -> float | None:
    """``1 - mean(scores) / mean(reference)`` (None when the reference's mean is 0)."""
    s = np.asarray(scores, dtype=float)
    r = np.asarray(reference, dtype=float)
    if s.shape != r.shape or s.size == 0:
        raise BadInputError("skill needs scores and reference scores of the same forecasts")
    ref = float(r.mean())
    return None if ref == 0.0 else 1.0 - float(s.mean()) / ref
