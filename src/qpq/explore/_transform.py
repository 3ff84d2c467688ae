"""From the unit hypercube to parameter values: distributions, whole numbers and orderings.

Every sampler of :mod:`qpq.explore._designs` draws points in the unit hypercube [0, 1]^D,
one independent coordinate per uncertainty (independence is what Sobol' and Morris
estimators need). :func:`to_values` then maps each coordinate u to its parameter:

* ``uniform``: low + u·(high − low);
* ``triangular``: the symmetric triangular distribution on [low, high] (mode at the
  midpoint: the schema has no field for a mode);
* ``normal``: a normal with mean at the midpoint and standard deviation a quarter of the
  range, truncated to [low, high] (so a value never leaves the plausible range);
* whole-number parameters: the u-quantile of the discrete uniform on {low, …, high}.

**Orderings** (:class:`~qpq.explore._scenario.Ordering`). The dependent parameter of an
ordering is drawn from its own distribution *truncated to the part of its range that keeps
the ordering* given the other parameter's value v: below v (``restrain_intensity`` below
``crackdown_intensity``) or above v (``effort_cost_insincere`` above
``effort_cost_sincere``), by inverse-CDF on the truncated range,
x = F⁻¹(F(a) + u·(F(b) − F(a))). Strict orderings keep a margin of 1e-9 of the range so
that a unit coordinate of exactly 0 or 1 (Morris grids, factorial designs) cannot produce a
tie. This keeps every point valid and every design coordinate independent; the price is
that the dependent's marginal distribution is no longer its stated one (it leans away from
the other parameter), and its sensitivity indices measure its *position within the
feasible range*. Redrawing offending points (as ``qpq.sim._pools.sample_pool`` does)
would instead break Latin-hypercube strata and the Saltelli/Morris cross-sampling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import special

from qpq.explore._scenario import Ordering, Study, Uncertainty

__all__ = ["MARGIN", "cdf", "ppf", "to_values", "transform"]

FloatArray = NDArray[np.float64]

MARGIN = 1e-9
"""Share of a dependent's range kept clear of the other parameter under a strict ordering."""

_SD_SHARE = 0.25  # the normal's standard deviation as a share of the range


def _norm(u: Uncertainty) -> tuple[float, float, float, float]:
    mid, sd = 0.5 * (u.low + u.high), _SD_SHARE * (u.high - u.low)
    lo = float(special.ndtr((u.low - mid) / sd))
    hi = float(special.ndtr((u.high - mid) / sd))
    return mid, sd, lo, hi


def cdf(u: Uncertainty, x: FloatArray) -> FloatArray:
    """The uncertainty's CDF on [low, high] (continuous distributions)."""
    x = np.clip(np.asarray(x, dtype=float), u.low, u.high)
    width = u.high - u.low
    if u.distribution == "uniform":
        return (x - u.low) / width
    if u.distribution == "triangular":
        z = (x - u.low) / width
        return np.where(z <= 0.5, 2.0 * z * z, 1.0 - 2.0 * (1.0 - z) ** 2)
    mid, sd, lo, hi = _norm(u)
    return np.asarray((special.ndtr((x - mid) / sd) - lo) / (hi - lo))


def ppf(u: Uncertainty, q: FloatArray) -> FloatArray:
    """The uncertainty's quantile function at probabilities ``q`` in [0, 1]."""
    q = np.clip(np.asarray(q, dtype=float), 0.0, 1.0)
    width = u.high - u.low
    if u.integer:
        k = np.floor(u.low + q * (width + 1.0))
        return np.minimum(k, u.high)
    if u.distribution == "uniform":
        return u.low + q * width
    if u.distribution == "triangular":
        return np.where(q <= 0.5, u.low + width * np.sqrt(q / 2.0),
                        u.high - width * np.sqrt((1.0 - q) / 2.0))
    mid, sd, lo, hi = _norm(u)
    z = special.ndtri(np.clip(lo + q * (hi - lo), 1e-300, 1.0 - 1e-16))
    return np.asarray(np.clip(mid + sd * z, u.low, u.high))


def _cut(unc: Uncertainty, o: Ordering, v: FloatArray, q: FloatArray) -> FloatArray:
    margin = MARGIN * (unc.high - unc.low) if o.strict else 0.0
    if o.side == "below":
        a = np.full_like(v, unc.low)
        b = np.minimum(unc.high, v - margin)
    else:
        a = np.maximum(unc.low, v + margin)
        b = np.full_like(v, unc.high)
    fa, fb = cdf(unc, a), cdf(unc, b)
    x = ppf(unc, fa + q * (fb - fa))
    return np.asarray(np.clip(x, a, b))


def to_values(unit: FloatArray, study: Study) -> FloatArray:
    """Parameter values (n, D) for unit-hypercube points (n, D), columns as ``study.names``.

    Independent columns first, then each ordering's dependent column, cut at the other
    parameter's value (from the design when it is uncertain, else from ``study.base``).
    """
    return transform(unit, study.uncertainties, study.orderings, study.base)


def transform(unit: FloatArray, uncertainties: Sequence[Uncertainty],
              orderings: Sequence[Ordering], base: Mapping[str, float]) -> FloatArray:
    """:func:`to_values` on explicit parts (uncertainties, orderings, base point)."""
    unit = np.asarray(unit, dtype=float)
    if unit.ndim != 2 or unit.shape[1] != len(uncertainties):
        raise ValueError(f"expected unit points of shape (n, {len(uncertainties)}), got "
                         f"{unit.shape}")
    names = [u.name for u in uncertainties]
    dependents = {o.dependent: o for o in orderings}
    values = np.empty_like(unit)
    for j, u in enumerate(uncertainties):
        if u.name not in dependents:
            values[:, j] = ppf(u, unit[:, j])
    for j, u in enumerate(uncertainties):
        o = dependents.get(u.name)
        if o is None:
            continue
        if o.other in dependents:  # pragma: no cover - the spec's orderings are disjoint
            raise ValueError(f"chained orderings are not supported ({o.other})")
        v = (values[:, names.index(o.other)] if o.other in names
             else np.full(unit.shape[0], float(base[o.other])))
        values[:, j] = _cut(u, o, v, unit[:, j])
    return values
