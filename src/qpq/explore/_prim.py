"""PRIM: the Patient Rule Induction Method for scenario discovery (Friedman & Fisher 1999).

Given experiments x (n, D) and a binary "case of interest" y (here: the deal backfires),
PRIM looks for a box — an interval per input — that holds many cases of interest
(coverage = cases in the box / all cases) at a high share (density = cases in the box /
points in the box), in few restricted dimensions (Bryant & Lempert 2010).

* **Peeling** (:func:`peel`): start from the box of the inputs' bounds; at each step try
  removing, on each side of each dimension, the ``peel_alpha`` share of the box's points
  with the most extreme values, and keep the candidate with the highest density of the
  remaining box (ties: the larger box). Stop before the box's mass (points in it / n)
  falls below ``mass_min``. The sequence of boxes is the **peeling trajectory**, the
  coverage/density trade-off the analyst chooses from.
* **Choice**: the box with the largest *weighted relative accuracy*
  mass × (density − base density) (Lavrač, Flach & Zupan 1999) among those with coverage
  at least ``min_coverage`` (ties: the larger coverage). It balances the trade-off:
  peeling further buys density with coverage, and a box is only worth its size times its
  lift over the base rate. A named rule, not an oracle: the whole trajectory is returned
  for the analyst to choose otherwise.
* **Pasting** (:func:`paste`): peeling is greedy and may cut too deep; the chosen box is
  grown again, each step adding on one side of one dimension the ``paste_alpha`` share
  of the box's points nearest outside it, as long as density does not fall (a tie grows
  the box: the same density with more coverage).
* **Quasi-p values** (:func:`quasi_p_values`): for each restricted dimension, the
  one-sided hypergeometric probability of finding at least the box's cases among its
  points if they were drawn at random from the box with that restriction dropped (as in
  EMA Workbench). Small values say the restriction matters; they are "quasi" because the
  box was chosen on the same data.

Dimensions are treated as ordered numbers (whole-number inputs peel whole levels at a
time). Plotting lives in :mod:`qpq.explore._charts`; this module is the algorithm only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from qpq.checks import check_number
from qpq.errors import BadInputError

__all__ = ["PrimBox", "PrimResult", "box_stats", "paste", "peel", "prim", "quasi_p_values"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Limits = tuple[FloatArray, FloatArray]


@dataclass(frozen=True)
class PrimBox:
    """A box with its statistics.

    Attributes
    ----------
    lower, upper
        Limits per dimension (inclusive).
    coverage, density, mass
        Cases in the box / all cases; cases in the box / points in the box; points in
        the box / all points.
    n_points, n_cases
        Points and cases of interest in the box.
    restricted
        Names of the dimensions whose limits are tighter than the bounds.
    quasi_p
        ``name -> quasi-p value`` of each restricted dimension.
    """

    lower: tuple[float, ...]
    upper: tuple[float, ...]
    coverage: float
    density: float
    mass: float
    n_points: int
    n_cases: int
    restricted: tuple[str, ...]
    quasi_p: dict[str, float] = field(default_factory=dict)

    def limits(self, names: Sequence[str]) -> dict[str, tuple[float, float]]:
        """``name -> (low, high)`` of the restricted dimensions."""
        return {n: (self.lower[j], self.upper[j]) for j, n in enumerate(names)
                if n in self.restricted}

    def to_json(self, names: Sequence[str]) -> dict[str, Any]:
        """JSON-ready dict: statistics, restricted limits and quasi-p values."""
        return {"coverage": self.coverage, "density": self.density, "mass": self.mass,
                "n_points": self.n_points, "n_cases": self.n_cases,
                "restricted": {n: {"low": lo, "high": hi, "quasi_p": self.quasi_p.get(n)}
                               for n, (lo, hi) in self.limits(names).items()}}


@dataclass(frozen=True)
class PrimResult:
    """The peeling trajectory, the chosen box before and after pasting, and the settings."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    trajectory: tuple[PrimBox, ...]
    chosen_index: int
    peeled: PrimBox
    chosen: PrimBox
    n: int
    n_cases: int
    peel_alpha: float
    paste_alpha: float
    mass_min: float
    min_coverage: float
    method: str = ("PRIM (Friedman & Fisher 1999): peeling on box density, box chosen by "
                   "weighted relative accuracy mass x (density - base), pasting, quasi-p "
                   "values by a one-sided hypergeometric test")

    @property
    def base_density(self) -> float:
        """Share of cases of interest among all points."""
        return self.n_cases / self.n if self.n else float("nan")

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict of the whole result."""
        return {"method": self.method, "n": self.n, "n_cases": self.n_cases,
                "base_density": self.base_density,
                "settings": {"peel_alpha": self.peel_alpha, "paste_alpha": self.paste_alpha,
                             "mass_min": self.mass_min, "min_coverage": self.min_coverage},
                "chosen_index": self.chosen_index,
                "chosen": self.chosen.to_json(self.names),
                "peeled": self.peeled.to_json(self.names),
                "trajectory": [{"coverage": b.coverage, "density": b.density,
                                "mass": b.mass, "n_restricted": len(b.restricted)}
                               for b in self.trajectory]}


def _inside(x: FloatArray, lower: FloatArray, upper: FloatArray) -> BoolArray:
    return np.asarray(np.all((x >= lower) & (x <= upper), axis=1))


def box_stats(x: FloatArray, y: BoolArray, lower: FloatArray, upper: FloatArray,
              bounds: FloatArray, names: Sequence[str]) -> PrimBox:
    """The :class:`PrimBox` of limits ``lower``/``upper`` over data ``x``, ``y``."""
    inside = _inside(x, lower, upper)
    n_in, k_in, k_all = int(inside.sum()), int(y[inside].sum()), int(y.sum())
    restricted = tuple(n for j, n in enumerate(names)
                       if lower[j] > bounds[j, 0] or upper[j] < bounds[j, 1])
    return PrimBox(tuple(map(float, lower)), tuple(map(float, upper)),
                   coverage=k_in / k_all if k_all else float("nan"),
                   density=k_in / n_in if n_in else float("nan"), mass=n_in / x.shape[0],
                   n_points=n_in, n_cases=k_in, restricted=restricted)


def _peel_candidates(xb: FloatArray, alpha: float, lower: FloatArray, upper: FloatArray
                     ) -> list[tuple[int, str, float]]:
    """(dimension, side, new limit) of every possible peel of the box's points ``xb``."""
    out = []
    k = max(1, int(np.floor(alpha * xb.shape[0])))
    for j in range(xb.shape[1]):
        v = np.sort(xb[:, j])
        if v[0] == v[-1]:
            continue
        lo = v[k] if v[k] > v[0] else v[v > v[0]][0]
        hi = v[-k - 1] if v[-k - 1] < v[-1] else v[v < v[-1]][-1]
        out.append((j, "lower", float(max(lo, lower[j]))))
        out.append((j, "upper", float(min(hi, upper[j]))))
    return out


def peel(x: FloatArray, y: BoolArray, bounds: FloatArray, alpha: float, mass_min: float
         ) -> list[Limits]:
    """The peeling trajectory: limits of each box, from the bounds to ``mass_min``."""
    lower, upper = bounds[:, 0].copy(), bounds[:, 1].copy()
    trajectory: list[Limits] = [(lower.copy(), upper.copy())]
    n = x.shape[0]
    yf = y.astype(float)
    while True:
        inside = _inside(x, lower, upper)
        xb, yb = x[inside], yf[inside]
        best: tuple[float, int, int, str, float] | None = None
        for j, side, limit in _peel_candidates(xb, alpha, lower, upper):
            keep = xb[:, j] >= limit if side == "lower" else xb[:, j] <= limit
            m = int(keep.sum())
            if m == 0 or m == xb.shape[0] or m < mass_min * n:
                continue
            score = (float(yb[keep].mean()), m)
            if best is None or score > best[:2]:
                best = (score[0], m, j, side, limit)
        if best is None:
            return trajectory
        _, _, j, side, limit = best
        if side == "lower":
            lower[j] = limit
        else:
            upper[j] = limit
        trajectory.append((lower.copy(), upper.copy()))


def paste(x: FloatArray, y: BoolArray, lower: FloatArray, upper: FloatArray,
          bounds: FloatArray, alpha: float) -> Limits:
    """Grow a box while its density does not fall (Friedman & Fisher's pasting)."""
    lower, upper = lower.copy(), upper.copy()
    yf = y.astype(float)
    data_lo, data_hi = x.min(axis=0), x.max(axis=0)
    while True:
        inside = _inside(x, lower, upper)
        n_in = int(inside.sum())
        current = float(yf[inside].mean()) if n_in else 0.0
        k = max(1, int(np.floor(alpha * n_in)))
        best: tuple[float, int, int, str, float] | None = None
        for j in range(x.shape[1]):
            others = np.ones(x.shape[0], dtype=bool)
            for i in range(x.shape[1]):
                if i != j:
                    others &= (x[:, i] >= lower[i]) & (x[:, i] <= upper[i])
            for side in ("lower", "upper"):
                if side == "lower":
                    out = np.sort(x[others & (x[:, j] < lower[j]), j])[::-1]
                else:
                    out = np.sort(x[others & (x[:, j] > upper[j]), j])
                if out.size == 0:
                    continue
                limit = float(out[min(k, out.size) - 1])
                lo, hi = (limit, upper[j]) if side == "lower" else (lower[j], limit)
                grown = others & (x[:, j] >= lo) & (x[:, j] <= hi)
                score = (float(yf[grown].mean()), int(grown.sum()))
                if score[0] >= current and (best is None or score > best[:2]):
                    best = (score[0], score[1], j, side, limit)
        if best is None:
            return lower, upper
        _, _, j, side, limit = best
        if side == "lower":
            lower[j] = bounds[j, 0] if limit <= data_lo[j] else limit
        else:
            upper[j] = bounds[j, 1] if limit >= data_hi[j] else limit


def quasi_p_values(x: FloatArray, y: BoolArray, box: PrimBox, names: Sequence[str]
                   ) -> dict[str, float]:
    """One-sided hypergeometric quasi-p value of each restricted dimension of ``box``."""
    lower, upper = np.array(box.lower), np.array(box.upper)
    out = {}
    for j, name in enumerate(names):
        if name not in box.restricted:
            continue
        lo, hi = lower.copy(), upper.copy()
        lo[j], hi[j] = -np.inf, np.inf
        relaxed = _inside(x, lo, hi)
        population, successes = int(relaxed.sum()), int(y[relaxed].sum())
        out[name] = float(stats.hypergeom.sf(box.n_cases - 1, population, successes,
                                             box.n_points))
    return out


def prim(x: FloatArray, y: BoolArray, names: Sequence[str], *,
         bounds: Sequence[tuple[float, float]] | None = None, peel_alpha: float = 0.05,
         paste_alpha: float = 0.05, mass_min: float = 0.05, min_coverage: float = 0.0
         ) -> PrimResult:
    """Run PRIM: peel, choose, paste, test.

    Parameters
    ----------
    x
        Inputs (n, D).
    y
        Cases of interest (n,), boolean.
    names
        Input names (D).
    bounds
        The inputs' ranges (default: the data's minima and maxima); a limit is restricted
        when it is tighter than its bound.
    peel_alpha, paste_alpha
        Share of the box's points removed per peel / added per paste.
    mass_min
        Smallest box mass on the trajectory.
    min_coverage
        The chosen box has the largest mass × (density − base density) among boxes with at
        least this coverage.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool).reshape(-1)
    if x.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[1] != len(names):
        raise ValueError("x must be (n, D) with one name per column and one y per row")
    # "0.1" ended in a str/int comparison TypeError; NaN, a share of nothing, is refused
    for name, value in (("peel_alpha", peel_alpha), ("paste_alpha", paste_alpha),
                        ("mass_min", mass_min)):
        # one wording for the one bound: [0, 1] for 1.5, "strictly" for 1, said 1 was allowed
        if not 0 < check_number(value, name) < 1:
            raise BadInputError(f"{name} must be a number strictly between 0 and 1; got "
                                f"{value!r}")
    min_coverage = check_number(min_coverage, "min_coverage", low=0.0, high=1.0)
    if x.shape[0] == 0 or not np.isfinite(x).all():
        raise ValueError("x must hold at least one row, every value finite")
    b = (np.array(bounds, dtype=float) if bounds is not None
         else np.stack([x.min(axis=0), x.max(axis=0)], axis=1))
    limits = peel(x, y, b, peel_alpha, mass_min)
    trajectory = tuple(box_stats(x, y, lo, hi, b, names) for lo, hi in limits)
    # without any case of interest coverage is undefined: the whole space is the answer
    ok = [i for i, bx in enumerate(trajectory) if bx.coverage >= min_coverage] or [0]
    base = float(y.mean())
    chosen_index = max(ok, key=lambda i: (trajectory[i].mass * (trajectory[i].density - base),
                                          trajectory[i].coverage))
    lo, hi = limits[chosen_index]
    peeled = trajectory[chosen_index]
    plo, phi = paste(x, y, lo, hi, b, paste_alpha)
    pasted = box_stats(x, y, plo, phi, b, names)
    peeled = _with_p(peeled, quasi_p_values(x, y, peeled, names))
    pasted = _with_p(pasted, quasi_p_values(x, y, pasted, names))
    return PrimResult(tuple(names), tuple((float(a), float(c)) for a, c in b), trajectory,
                      chosen_index, peeled, pasted, x.shape[0], int(y.sum()), peel_alpha,
                      paste_alpha, mass_min, min_coverage)


def _with_p(box: PrimBox, p: dict[str, float]) -> PrimBox:
    return PrimBox(box.lower, box.upper, box.coverage, box.density, box.mass, box.n_points,
                   box.n_cases, box.restricted, p)
