"""Robustness of China's policies across the same experiments (deep uncertainty).

Every lever is evaluated on the same experiments with the same random numbers, so the
policies' outcomes can be compared experiment by experiment. For one outcome with a better
direction (``sign`` +1 when higher is better, −1 when lower is) and values y[p, e] of
policy p in experiment e:

* **mean** and **percentiles** (10th, 50th, 90th) over the experiments; the **worst
  decile** is the 10th percentile when higher is better and the 90th when lower is (the
  value the policy beats in 90% of the experiments);
* **regret** (Savage 1951) of p in e: how much better the best policy did there,
  ``sign·(max_q sign·y[q, e] − sign·y[p, e])`` ≥ 0; the **minimax-regret** policy has
  the smallest largest regret; the mean and 90th percentile of regret are reported too;
* **satisficing share**: the share of experiments where the policy meets a threshold
  (≥ when higher is better, ≤ when lower is); the threshold comes from the scenario file
  (``extra.satisficing``) or, failing that, is the median of the outcome over all
  policies and experiments (a relative bar, said so in every output).

For an outcome without a better direction only the distribution is reported. The most
robust policies by each metric are named; metrics can disagree, and that disagreement is the
point of reporting several (Lempert et al. 2006; McPhail et al. 2018). **Ties are ties**:
every policy whose metric is within :data:`TIE_FRACTION` of the outcome's standard
deviation (over all policies and experiments) of the best one's is named with it (for the
satisficing share, within :data:`TIE_SHARE`), so "most robust" is a set, not a pick.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.checks import check_number

__all__ = ["TIE_FRACTION", "TIE_SHARE", "Comparison", "PolicyMetrics", "compare_policies"]

FloatArray = NDArray[np.float64]
TIE_FRACTION = 0.01
"""Policies within this fraction of the outcome's standard deviation of the best are tied."""
TIE_SHARE = 0.01
"""Satisficing shares within this of the best share are tied."""


@dataclass(frozen=True, slots=True)
class PolicyMetrics:
    """One policy's robustness metrics for one outcome (None where undefined)."""

    policy: str
    mean: float
    p10: float
    p50: float
    p90: float
    worst_decile: float | None
    max_regret: float | None
    mean_regret: float | None
    p90_regret: float | None
    satisficing: float | None


@dataclass(frozen=True)
class Comparison:
    """Every policy's metrics for one outcome, and the most robust policy by each metric.

    Attributes
    ----------
    outcome, sign
        The outcome and its direction (+1 higher better, −1 lower better, 0 neither).
    threshold, threshold_source
        The satisficing threshold and where it came from (``scenario`` or
        ``median over all policies``).
    n
        Experiments.
    metrics
        One entry per policy, in the order given.
    most_robust
        ``metric -> policies``: ``minimax_regret``, ``mean``, ``worst_decile``,
        ``satisficing`` (empty for an outcome without direction); more than one policy
        where they tie (within ``tie_tolerance``, or :data:`TIE_SHARE` for shares).
    tie_tolerance
        :data:`TIE_FRACTION` times the outcome's standard deviation.
    """

    outcome: str
    sign: int
    threshold: float | None
    threshold_source: str | None
    n: int
    metrics: tuple[PolicyMetrics, ...]
    most_robust: dict[str, tuple[str, ...]]
    tie_tolerance: float = 0.0
    method: str = ("mean, percentiles, minimax regret (Savage) and satisficing share over "
                   "the same experiments with common random numbers")

    def metric(self, policy: str) -> PolicyMetrics:
        """The metrics of ``policy``."""
        return next(m for m in self.metrics if m.policy == policy)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"outcome": self.outcome, "direction": {1: "higher is better",
                                                       -1: "lower is better",
                                                       0: "descriptive"}[self.sign],
                "threshold": self.threshold, "threshold_source": self.threshold_source,
                "n": self.n, "method": self.method,
                "most_robust": {k: list(v) for k, v in self.most_robust.items()},
                "tie_tolerance": self.tie_tolerance,
                "ties": (f"policies within {TIE_FRACTION:g} standard deviations of the "
                         f"outcome (shares: within {TIE_SHARE:g}) of the best are tied"),
                "policies": {m.policy: {k: getattr(m, k) for k in m.__slots__
                                        if k != "policy"} for m in self.metrics}}


def compare_policies(values: Mapping[str, FloatArray], outcome: str, sign: int,
                     threshold: float | None = None) -> Comparison:
    """Robustness metrics of each policy's outcomes over the same experiments.

    Parameters
    ----------
    values
        ``policy -> (n,)`` outcomes, experiment e of every policy being the same
        experiment (same parameters, same random numbers).
    outcome
        The outcome's name.
    sign
        +1 when higher is better, −1 when lower is, 0 when neither.
    threshold
        Satisficing threshold; default the median over all policies and experiments.
    """
    if sign not in (-1, 0, 1):
        # a sign of 5 scaled every regret by 5 (found 2026-12-06)
        raise ValueError(f"sign must be +1, -1 or 0, got {sign!r}")
    names = list(values)
    if not names:
        raise ValueError("no policies to compare")
    y = np.stack([np.asarray(values[p], dtype=float) for p in names])
    if y.ndim != 2 or y.shape[1] == 0 or not np.all(np.isfinite(y)):
        raise ValueError("every policy needs the same number (at least one) of finite "
                         "outcomes")
    n = y.shape[1]
    source: str | None = None
    if sign:
        source = "scenario"
        if threshold is None:
            threshold, source = float(np.median(y)), "median over all policies"
        else:       # "0.5" ended in a str/float comparison
            threshold = check_number(threshold, "threshold")
        s = float(sign)
        regret = (s * y).max(axis=0)[None, :] - s * y
    metrics = []
    for i, p in enumerate(names):
        q10, q50, q90 = (float(v) for v in np.quantile(y[i], [0.1, 0.5, 0.9]))
        if sign:
            r = regret[i]
            meets = y[i] >= threshold if sign > 0 else y[i] <= threshold
            metrics.append(PolicyMetrics(p, float(y[i].mean()), q10, q50, q90,
                                         q10 if sign > 0 else q90, float(r.max()),
                                         float(r.mean()), float(np.quantile(r, 0.9)),
                                         float(meets.mean())))
        else:
            metrics.append(PolicyMetrics(p, float(y[i].mean()), q10, q50, q90, None, None,
                                         None, None, None))
    best: dict[str, tuple[str, ...]] = {}
    tol = TIE_FRACTION * float(np.std(y))
    if sign:
        def pick(key: str, better: int) -> tuple[str, ...]:
            top = max(better * float(getattr(m, key)) for m in metrics)
            within = TIE_SHARE if key == "satisficing" else tol
            return tuple(m.policy for m in metrics
                         if top - better * float(getattr(m, key)) <= within)

        best = {"minimax_regret": pick("max_regret", -1), "mean": pick("mean", sign),
                "worst_decile": pick("worst_decile", sign),
                "satisficing": pick("satisficing", 1)}
    return Comparison(outcome, sign, threshold if sign else None, source, n, tuple(metrics),
                      best, tol)
