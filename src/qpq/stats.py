"""The quantile levels every lens reports, defined once.

Fan charts and ensemble summaries (the simulator's bands and Parquet summary, the
bargaining Monte Carlo) show the 5/25/50/75/95% quantiles, :data:`FAN_QUANTILES`; a single
forecast or posterior is reported as its median with the 90% interval, :data:`INTERVAL_90`
(the 5% and 95% quantiles). Columns and JSON keys name a level ``q05``, ``q25``, … as
:func:`quantile_name` spells it. Only numpy is imported, so every package may use this.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["FAN_QUANTILES", "INTERVAL_90", "MEDIAN", "median_interval", "quantile_name"]

MEDIAN = 0.5
"""The median's level."""

INTERVAL_90: tuple[float, float] = (0.05, 0.95)
"""Lower and upper level of the 90% interval."""

FAN_QUANTILES: tuple[float, ...] = (INTERVAL_90[0], 0.25, MEDIAN, 0.75, INTERVAL_90[1])
"""Levels of a fan chart: the 90% band, the 50% band and the median, increasing."""


def quantile_name(level: float) -> str:
    """Column name of a quantile level: ``0.05 -> "q05"``, ``0.5 -> "q50"``."""
    return f"q{round(level * 100):02d}"


def median_interval(values: ArrayLike) -> tuple[float, float, float]:
    """The 90% interval's lower end, the median and its upper end of ``values``.

    Returns
    -------
    tuple of float
        ``(low, median, high)``; NaN if ``values`` is empty or holds a NaN (numpy's rule).
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return (float("nan"),) * 3
    low, med, high = np.quantile(x, (INTERVAL_90[0], MEDIAN, INTERVAL_90[1]))
    return float(low), float(med), float(high)
