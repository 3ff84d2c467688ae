"""The quantile levels every lens reports, and the interval of a binomial share, defined once.

Fan charts and ensemble summaries (the simulator's bands and Parquet summary, the
bargaining Monte Carlo) show the 5/25/50/75/95% quantiles, :data:`FAN_QUANTILES`; a single
forecast or posterior is reported as its median with the 90% interval, :data:`INTERVAL_90`
(the 5% and 95% quantiles). Columns and JSON keys name a level ``q05``, ``q25``, … as
:func:`quantile_name` spells it. A share of successes (a proposition's share of draws, a
forecast probability's Monte Carlo error, the share of game points that act) gets its
interval from :func:`binomial_interval`. Only numpy is imported at import time (scipy when
an interval is asked for), so every package may use this.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from qpq.errors import BadInputError

__all__ = ["BINOMIAL_METHODS", "FAN_QUANTILES", "INTERVAL_90", "MEDIAN", "binomial_interval",
           "median_interval", "percent", "quantile_name"]

MEDIAN = 0.5
"""The median's level."""

INTERVAL_90: tuple[float, float] = (0.05, 0.95)
"""Lower and upper level of the 90% interval."""

FAN_QUANTILES: tuple[float, ...] = (INTERVAL_90[0], 0.25, MEDIAN, 0.75, INTERVAL_90[1])
"""Levels of a fan chart: the 90% band, the 50% band and the median, increasing."""


def quantile_name(level: float) -> str:
    """Column name of a quantile level: ``0.05 -> "q05"``, ``0.5 -> "q50"``."""
    return f"q{round(level * 100):02d}"


def percent(share: float) -> str:
    """A share as a whole percentage, with decimals where that would misstate it.

    Whole rounding would say 0% or ±100% of something that is neither: 0.996 is "99.6%",
    not "100%"; 0.4 is "40%". Up to three decimals are added; a share nearer than that
    to its bound is said as a bound ("under 0.001%", "over 99.999%").
    """
    share = float(share) + 0.0          # -0.0 is 0%
    exact = share in (0.0, 1.0, -1.0)
    for digits in range(4):
        text = f"{share:.{digits}%}"
        if exact or abs(float(text[:-1])) not in (0.0, 100.0):
            return text
    sign = "-" if share < 0 else ""
    # beyond the bound's magnitude: -0.0000001 is over -0.001%, -0.9999999 under -99.999%
    return (f"{'over' if share < 0 else 'under'} {sign}0.001%" if abs(share) < 0.5
            else f"{'under' if share < 0 else 'over'} {sign}99.999%")


def median_interval(values: ArrayLike, *, discrete: bool = False
                    ) -> tuple[float, float, float]:
    """The 90% interval's lower end, the median and its upper end of ``values``.

    ``discrete`` takes each quantile as a value the data hold (numpy's ``inverted_cdf``)
    instead of interpolating between neighbours: for counts and yes/no indicators, where
    "0 [0, 0.55]" would be a range no history can have.

    Returns
    -------
    tuple of float
        ``(low, median, high)``; NaN if ``values`` is empty or holds a NaN (numpy's rule).
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return (float("nan"),) * 3
    low, med, high = np.quantile(x, (INTERVAL_90[0], MEDIAN, INTERVAL_90[1]),
                                 method="inverted_cdf" if discrete else "linear")
    return float(low), float(med), float(high)


BinomialMethod = Literal["exact", "wilson"]
BINOMIAL_METHODS: tuple[BinomialMethod, ...] = ("exact", "wilson")
"""The intervals :func:`binomial_interval` gives: Clopper-Pearson's exact one, Wilson's score."""


def binomial_interval(k: int, n: int, level: float = 0.90, *,
                      method: BinomialMethod = "exact",
                      z: float | None = None) -> tuple[float, float]:
    """The interval of a binomial share ``k / n`` at ``level`` (two-sided).

    Parameters
    ----------
    k, n
        Successes and trials, ``0 <= k <= n`` and ``n >= 1``.
    level
        The confidence level (ignored where ``z`` is given).
    method
        ``"exact"``: Clopper-Pearson's interval (scipy's ``binomtest``), which covers the
        share at least at ``level``; ``"wilson"``: Wilson's score interval (scipy's), nearer
        ``level`` on average.
    z
        ``"wilson"`` only: the normal quantile itself instead of ``level``'s, with the score
        interval written out here and clipped to contain ``k / n``. The proposition study's
        95% interval (``z = 1.96``) is computed so, as its published intervals were; scipy's
        arrangement of the same formula differs from this one in the last bit for about half
        the shares, so each caller keeps the arithmetic its numbers came from.

    Returns
    -------
    tuple of float
        ``(low, high)``; 0 exactly when ``k = 0`` and 1 exactly when ``k = n``.
    """
    if not 0 <= k <= n or n < 1:
        raise BadInputError(f"a share needs 0 <= k <= n and n >= 1, got k={k}, n={n}")
    if method not in BINOMIAL_METHODS:
        raise BadInputError(f"unknown binomial interval method {method!r}; allowed: "
                            f"{', '.join(BINOMIAL_METHODS)}")
    if z is not None:
        if method != "wilson":
            raise BadInputError("binomial_interval: z is a parameter of the wilson method")
        return _wilson_written_out(k, n, z)
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=level, method=method)
    return float(ci.low), float(ci.high)


def _wilson_written_out(k: int, n: int, z: float) -> tuple[float, float]:
    phat = k / n
    denom = 1.0 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k == 0 else max(0.0, min(phat, centre - half))
    hi = 1.0 if k == n else min(1.0, max(phat, centre + half))
    return lo, hi
