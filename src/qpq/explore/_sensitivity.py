"""Global sensitivity analysis with SALib: Sobol' first/total-order and Morris screening.

The samplers of :mod:`qpq.explore._designs` produce the designs SALib's estimators read
(Saltelli's cross-sampled matrices; Morris trajectories) in the unit hypercube; these
functions take the outcomes of those designs and return frozen, self-describing results:

* :func:`sobol_indices` — S1 (Saltelli et al. 2010) and ST (Jansen 1999) estimators of
  :func:`SALib.analyze.sobol.analyze`, with bootstrap confidence intervals
  (``num_resamples`` resamples of the base samples, ``conf_level``); second-order indices
  are not computed (D + 2 rather than 2D + 2 evaluations per base sample);
* :func:`morris_indices` — μ, μ* (mean absolute elementary effect, Campolongo et al.
  2007) and σ of :func:`SALib.analyze.morris.analyze`, with a bootstrap interval on μ*,
  elementary effects per unit of each input's (unit-scaled) range.

**Warnings.** SALib warns (``UserWarning``) when an outcome, or one bootstrap resample of
it, is constant ("Constant values encountered"): the indices are then 0 by its own
convention. An outcome constant over the whole design is caught before SALib is called
(all indices 0, ``constant`` true); for the resamples that warning alone is silenced,
narrowly, because it carries no information the result does not already record.
Also, SALib's Sobol' bootstrap falls back to the global NumPy generator when given seed 0
(it tests ``if seed:``), so the seed passed on is always positive.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.checks import check_number, check_whole
from qpq.errors import BadInputError

__all__ = ["MorrisResult", "SobolResult", "morris_indices", "reaches_zero", "sobol_indices",
           "unit_problem"]

FloatArray = NDArray[np.float64]
_CONSTANT = "Constant values encountered"


def unit_problem(names: Sequence[str]) -> dict[str, Any]:
    """SALib's problem dict for inputs scaled to [0, 1]."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def _positive_seed(seed: int) -> int:
    return int(seed) + 1


def _named(names: Sequence[str], values: Any) -> dict[str, float]:
    return {n: float(v) for n, v in zip(names, np.asarray(values, dtype=float), strict=True)}


def reaches_zero(value: float, half_width: float) -> bool:
    """Whether an index's interval (``value`` ± ``half_width``) reaches 0 or below.

    The rule every lens reads sensitivity indices by: such an index is not read as an
    effect (at the design's size it cannot be told from none).
    """
    return value - half_width <= 0.0


@dataclass(frozen=True)
class SobolResult:
    """Sobol' indices of one outcome, with how they were computed.

    Attributes
    ----------
    outcome
        The outcome's name.
    names
        Input names.
    S1, ST, S1_conf, ST_conf
        ``name -> value``: first- and total-order indices and the half-widths of their
        ``conf_level`` bootstrap intervals.
    n_base, n_evaluations
        Base samples N and model evaluations N·(D + 2).
    mean, variance
        Of the outcome over the design.
    constant
        The outcome did not vary (every index 0).
    method, conf_level, num_resamples, seed
        Provenance.
    """

    outcome: str
    names: tuple[str, ...]
    S1: Mapping[str, float]
    ST: Mapping[str, float]
    S1_conf: Mapping[str, float]
    ST_conf: Mapping[str, float]
    n_base: int
    n_evaluations: int
    mean: float
    variance: float
    constant: bool = False
    method: str = ("Sobol' S1 (Saltelli et al. 2010) and ST (Jansen 1999) via SALib "
                   "analyze.sobol, bootstrap confidence intervals")
    conf_level: float = 0.95
    num_resamples: int = 100
    seed: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    def ranking(self, by: str = "ST") -> list[str]:
        """Input names by decreasing index (``ST`` or ``S1``)."""
        table = self.ST if by == "ST" else self.S1
        return sorted(self.names, key=lambda n: -table[n])

    def no_measurable_effect(self) -> list[str]:
        """Inputs whose total-order index's interval reaches 0 (:func:`reaches_zero`)."""
        return [n for n in self.ranking("ST") if reaches_zero(self.ST[n], self.ST_conf[n])]

    def to_json(self) -> dict[str, Any]:
        """``{"outcome", "S1", "ST", "conf": {"S1", "ST"}, ...}`` (JSON-ready)."""
        return {"outcome": self.outcome, "method": self.method, "S1": dict(self.S1),
                "ST": dict(self.ST), "conf": {"S1": dict(self.S1_conf),
                                              "ST": dict(self.ST_conf),
                                              "level": self.conf_level},
                "n_base": self.n_base, "n_evaluations": self.n_evaluations,
                "mean": self.mean, "variance": self.variance, "constant": self.constant,
                "num_resamples": self.num_resamples, "seed": self.seed,
                "ranking_ST": self.ranking("ST"), **dict(self.extra)}


def _bootstrap(conf_level: object, num_resamples: object) -> tuple[float, int]:
    """The bootstrap settings, checked before SALib sees them.

    SALib's own failures named neither argument: ``num_resamples=1.5`` or ``0`` a TypeError
    or ZeroDivisionError in its bootstrap, ``conf_level="0.95"`` a TypeError in its
    arithmetic, a level of exactly 0 or 1 its RuntimeError ("between 0-1").
    """
    resamples = check_whole(num_resamples, "num_resamples", minimum=1)
    level = check_number(conf_level, "conf_level", low=0.0, high=1.0)
    if not 0.0 < level < 1.0:
        raise BadInputError("conf_level must lie strictly between 0 and 1 (the bootstrap "
                            f"interval's level); got {level:g}")
    return level, resamples


def sobol_indices(names: Sequence[str], y: FloatArray, *, outcome: str = "y",
                  conf_level: float = 0.95, num_resamples: int = 100, seed: int = 0
                  ) -> SobolResult:
    """First- and total-order Sobol' indices of ``y`` over a Saltelli design.

    Parameters
    ----------
    names
        Input names (D).
    y
        Outcomes in the row order of :func:`qpq.explore._designs.saltelli`, N·(D + 2).
    outcome
        Name recorded in the result.
    conf_level, num_resamples, seed
        Bootstrap settings.
    """
    from SALib.analyze import sobol as salib_sobol

    conf_level, num_resamples = _bootstrap(conf_level, num_resamples)
    y = np.asarray(y, dtype=float).reshape(-1)
    d = len(names)
    if y.size % (d + 2) or not np.all(np.isfinite(y)):
        raise ValueError(f"need N·(D + 2) finite outcomes for D = {d}, got {y.size}")
    n_base = y.size // (d + 2)
    zeros = dict.fromkeys(names, 0.0)
    s1, st, s1c, stc = zeros, zeros, zeros, zeros
    constant = bool(np.ptp(y) <= np.finfo(float).eps * max(1.0, float(np.abs(y).max())))
    if not constant:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_CONSTANT, category=UserWarning)
            res = salib_sobol.analyze(unit_problem(names), y, calc_second_order=False,
                                      num_resamples=num_resamples, conf_level=conf_level,
                                      seed=_positive_seed(seed))
        s1, st = _named(names, res["S1"]), _named(names, res["ST"])
        s1c, stc = _named(names, res["S1_conf"]), _named(names, res["ST_conf"])
    return SobolResult(outcome=outcome, names=tuple(names), S1=s1, ST=st, S1_conf=s1c,
                       ST_conf=stc, n_base=n_base, n_evaluations=y.size,
                       mean=float(y.mean()), variance=float(y.var()), constant=constant,
                       conf_level=conf_level, num_resamples=num_resamples, seed=seed)


@dataclass(frozen=True)
class MorrisResult:
    """Morris elementary-effect statistics of one outcome.

    Attributes
    ----------
    outcome, names
        The outcome and input names.
    mu, mu_star, sigma, mu_star_conf
        ``name -> value``; effects are per unit of each input's scaled range [0, 1].
    trajectories, levels, n_evaluations
        The design.
    method, conf_level, num_resamples, seed
        Provenance.
    """

    outcome: str
    names: tuple[str, ...]
    mu: Mapping[str, float]
    mu_star: Mapping[str, float]
    sigma: Mapping[str, float]
    mu_star_conf: Mapping[str, float]
    trajectories: int
    levels: int
    n_evaluations: int
    method: str = "Morris elementary effects via SALib analyze.morris (mu* of Campolongo 2007)"
    conf_level: float = 0.95
    num_resamples: int = 100
    seed: int = 0

    def ranking(self) -> list[str]:
        """Input names by decreasing μ*."""
        return sorted(self.names, key=lambda n: -self.mu_star[n])

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (``mu_star``, ``sigma``, ``conf``, provenance)."""
        return {"outcome": self.outcome, "method": self.method, "mu": dict(self.mu),
                "mu_star": dict(self.mu_star), "sigma": dict(self.sigma),
                "conf": {"mu_star": dict(self.mu_star_conf), "level": self.conf_level},
                "trajectories": self.trajectories, "levels": self.levels,
                "n_evaluations": self.n_evaluations, "seed": self.seed,
                "ranking_mu_star": self.ranking()}


def morris_indices(names: Sequence[str], unit: FloatArray, y: FloatArray, *, levels: int,
                   outcome: str = "y", conf_level: float = 0.95, num_resamples: int = 100,
                   seed: int = 0) -> MorrisResult:
    """Morris μ*, σ of ``y`` over trajectories ``unit`` (rows as SALib's Morris sampler)."""
    from SALib.analyze import morris as salib_morris

    unit = np.asarray(unit, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    d = len(names)
    if unit.shape != (y.size, d) or y.size % (d + 1):
        raise ValueError("unit points and outcomes do not form Morris trajectories")
    # SALib divides by levels - 1 (a ZeroDivisionError for 1)
    levels = check_whole(levels, "levels", minimum=2)
    conf_level, num_resamples = _bootstrap(conf_level, num_resamples)
    res = salib_morris.analyze(unit_problem(names), unit, y, num_resamples=num_resamples,
                               conf_level=conf_level, num_levels=levels,
                               seed=_positive_seed(seed))
    return MorrisResult(outcome=outcome, names=tuple(names), mu=_named(names, res["mu"]),
                        mu_star=_named(names, res["mu_star"]),
                        sigma=_named(names, res["sigma"]),
                        mu_star_conf=_named(names, res["mu_star_conf"]),
                        trajectories=y.size // (d + 1), levels=levels, n_evaluations=y.size,
                        conf_level=conf_level, num_resamples=num_resamples, seed=seed)
