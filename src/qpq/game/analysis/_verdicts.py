"""Verdicts with their margins: which equilibrium, how close, where the verdict flips.

The lens's protocol for reporting a proposition, written once and generic over the model
behind it: it needs only

* a **vectorised verdict** — ``parameter arrays -> (holds, defined, margin)`` per point
  (for v1, :func:`qpq.game.analysis._measures.evaluate` of one proposition), used for the
  shares, the share of small margins and the nearest flip; and
* for the verdict on *some* / *every* PBE, the **equilibria** a point solver lists, China's
  value of each, which one is selected, and a **predicate** on one equilibrium.

A model v2 plugs in by supplying its own solver and predicates; nothing here knows the
v1 game. Definitions (docs/model-game.md A.5, "Verdicts with their margins"):

* **margin** — the size of the difference behind the verdict, in its own unit (a payoff,
  a security or a probability difference); a draw's margin is *small* below
  :data:`SMALL_MARGIN`;
* **selection margin** — China's value of the selected PBE minus its value of the best
  PBE with the other verdict (``None`` when every PBE gives the same verdict);
* **most influential parameter** — the sampled parameter whose rank correlates most
  strongly (in absolute value) with the verdict over the draws where it is defined;
* **nearest flip** — along that parameter over its plausible range, the others at their
  values, the value nearest the starting point where the verdict changes: a grid
  locates the changes, bisection refines the nearest one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = ["FLIP_GRID", "SMALL_MARGIN", "Flip", "PbeVerdict", "VerdictFn", "along",
           "flip_grid", "most_associated", "most_influential", "nearest_flip", "nearest_of",
           "pbe_verdict", "small_share"]

FloatArray = NDArray[np.float64]
E = TypeVar("E")

SMALL_MARGIN = 0.05
"""A margin below this (in the margin's own unit) counts as small."""
FLIP_GRID = 17
"""Points of the grid that locates a flip along a parameter's range."""
_FLIP_RTOL = 1e-4

VerdictFn = Callable[[Mapping[str, FloatArray]], tuple[NDArray[np.bool_], NDArray[np.bool_]]]
"""Parameter arrays (n,) -> (holds, defined), both (n,): one proposition, vectorised."""


@dataclass(frozen=True)
class PbeVerdict:
    """A proposition judged on the selected PBE and on every PBE a solver lists.

    ``selected``, ``some`` and ``every`` are ``None`` where no listed PBE is judged (the
    predicate is undefined on all of them); ``selection_margin`` is China's value of the
    selected PBE minus that of the best PBE with the other verdict. ``independent``: the
    proposition does not depend on the equilibrium (a mechanism of the payoffs), so its
    verdict is the same on every PBE and no PBE were listed.
    """

    selected: bool | None
    some: bool | None
    every: bool | None
    n_pbe: int
    n_judged: int
    selection_margin: float | None
    independent: bool = False

    @classmethod
    def of_payoffs(cls, verdict: bool | None) -> PbeVerdict:
        """The verdict of a proposition that does not depend on the equilibrium."""
        return cls(verdict, verdict, verdict, 0, 0, None, independent=True)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"selected": self.selected, "some_pbe": self.some, "every_pbe": self.every,
                "n_pbe": self.n_pbe, "n_judged": self.n_judged,
                "selection_margin": self.selection_margin,
                "independent_of_equilibrium": self.independent}


def pbe_verdict(equilibria: Sequence[E], selected: int | None,
                china_value: Callable[[E], float],
                predicate: Callable[[E], bool | None]) -> PbeVerdict:
    """Judge a proposition on every listed PBE and on the selected one.

    Parameters
    ----------
    equilibria
        The PBE a point solver lists.
    selected
        Index of the selected one (``None``: none selected).
    china_value
        China's expected payoff of a PBE (what selection maximises).
    predicate
        Whether the proposition holds on one PBE (``None``: undefined there).
    """
    verdicts = [predicate(e) for e in equilibria]
    judged = [(v, china_value(e)) for v, e in zip(verdicts, equilibria, strict=True)
              if v is not None]
    sel = verdicts[selected] if selected is not None else None
    margin: float | None = None
    if sel is not None and selected is not None:
        others = [val for v, val in judged if v is not sel]
        if others:
            margin = china_value(equilibria[selected]) - max(others)
    return PbeVerdict(
        selected=sel, some=any(v for v, _ in judged) if judged else None,
        every=all(v for v, _ in judged) if judged else None, n_pbe=len(equilibria),
        n_judged=len(judged), selection_margin=margin)


def small_share(margin: FloatArray, defined: NDArray[np.bool_],
                small: float = SMALL_MARGIN) -> float:
    """Share of the defined draws whose margin is below ``small`` (NaN when none)."""
    m = np.asarray(margin, dtype=float)[defined]
    m = m[np.isfinite(m)]
    return float((np.abs(m) < small).mean()) if m.size else float("nan")


def _ranks(x: FloatArray) -> FloatArray:
    order = np.argsort(x, kind="stable")
    r = np.empty(x.size)
    r[order] = np.arange(x.size)
    return r


def most_associated(params: Mapping[str, FloatArray], names: Sequence[str],
                    holds: NDArray[np.bool_], defined: NDArray[np.bool_], k: int
                    ) -> tuple[tuple[str, float], ...]:
    """The ``k`` parameters whose ranks correlate most with the verdict, with |correlation|.

    Strongest first (ties keep ``names``' order); empty when the verdict does not vary over
    the defined draws; a parameter that does not vary is left out.
    """
    y = holds[defined].astype(float)
    if y.size < 3 or y.min() == y.max():
        return ()
    yc = y - y.mean()
    found: list[tuple[str, float]] = []
    for name in names:
        x = _ranks(np.asarray(params[name], dtype=float)[defined])
        xc = x - x.mean()
        den = float(np.sqrt((xc * xc).sum() * (yc * yc).sum()))
        if den <= 0:
            continue
        c = abs(float((xc * yc).sum()) / den)
        if c > 0:
            found.append((name, c))
    found.sort(key=lambda nc: -nc[1])     # stable: ties keep names' order
    return tuple(found[:k])


def most_influential(params: Mapping[str, FloatArray], names: Sequence[str],
                     holds: NDArray[np.bool_], defined: NDArray[np.bool_]
                     ) -> tuple[str | None, float]:
    """The parameter whose rank correlates most with the verdict, and |correlation|.

    ``None`` when the verdict does not vary over the defined draws.
    """
    top = most_associated(params, names, holds, defined, 1)
    return top[0] if top else (None, 0.0)


def nearest_of(flips: Sequence[Flip]) -> Flip:
    """Of flips along several parameters, the nearest relative to each one's range.

    The first (the most associated parameter's) where none flips; the result's ``searched``
    names every parameter searched. A single flip is returned as it is.
    """
    if len(flips) == 1:
        return flips[0]
    names = tuple(f.parameter for f in flips)

    def distance(f: Flip) -> float:
        assert f.value is not None
        return abs(f.value - f.start) / max(f.high - f.low, 1e-12)

    flipped = [f for f in flips if f.value is not None]
    pick = min(flipped, key=distance) if flipped else flips[0]
    return replace(pick, searched=names)


@dataclass(frozen=True)
class Flip:
    """Where a verdict changes along one parameter, the others held at their values.

    ``value`` is ``None`` when the verdict is the same over the whole range searched.
    """

    parameter: str
    start: float
    low: float
    high: float
    value: float | None
    verdict_at_start: bool | None
    verdict_beyond: bool | None
    influence: float = float("nan")
    searched: tuple[str, ...] = ()

    @property
    def searched_along(self) -> tuple[str, ...]:
        """Every parameter searched: ``searched``, or ``parameter`` alone where it is empty."""
        return self.searched or (self.parameter,)

    def words(self) -> str:
        """The flip in words (``qpq game propositions`` and the report say it alike).

        Only the parameters in ``searched`` (or ``parameter`` alone) were searched: where
        they were chosen as those most associated with the verdict over the draws, the words
        say so, so that "no flip" is not read as no flip along any parameter.
        """
        names = self.searched_along
        if not math.isfinite(self.influence):
            which = ""
        elif len(names) == 1:
            which = (f" ({self.parameter}: the parameter most associated with the verdict "
                     "over the draws; the others were not searched)")
        else:
            which = (f" (searched along the {len(names)} parameters most associated with the "
                     f"verdict over the draws: {', '.join(names)}; the others were not)")
        if self.value is None:
            where = (f"{self.parameter} over [{self.low:g}, {self.high:g}]" if len(names) == 1
                     else " or ".join((", ".join(names[:-1]), names[-1]))
                     + " over their ranges")
            return f"no flip along {where}{which}"
        return f"nearest flip: {self.parameter} = {self.value:.4g} (from {self.start:g}){which}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``searched``: every parameter searched, the flip's included)."""
        return {"parameter": self.parameter, "value": self.value, "start": self.start,
                "range": [self.low, self.high], "verdict_at_start": self.verdict_at_start,
                "verdict_beyond": self.verdict_beyond, "influence": self.influence,
                "searched": list(self.searched_along)}


def flip_grid(start: float, low: float, high: float, grid: int = FLIP_GRID) -> FloatArray:
    """The values of a parameter at which :func:`nearest_flip` first judges the verdict."""
    return np.unique(np.concatenate([np.linspace(low, high, grid), [start]]))


def along(base: Mapping[str, float], name: str, xs: FloatArray) -> dict[str, FloatArray]:
    """Parameter arrays: ``base`` at every point, ``name`` taking the values ``xs``."""
    p = {k: np.full(xs.size, float(v)) for k, v in base.items()}
    p[name] = np.asarray(xs, dtype=float)
    return p


def _verdict_code(fn: VerdictFn, base: Mapping[str, float], name: str, xs: FloatArray
                  ) -> NDArray[np.int64]:
    """Verdict per x: 1 holds, 0 fails, −1 undefined."""
    holds, defined = fn(along(base, name, xs))
    return np.where(defined, holds.astype(np.int64), -1)


def nearest_flip(fn: VerdictFn, base: Mapping[str, float], name: str, low: float,
                 high: float, *, grid: int = FLIP_GRID, influence: float = float("nan"),
                 rtol: float = _FLIP_RTOL) -> Flip:
    """The value of ``name`` nearest its value in ``base`` at which the verdict changes.

    A grid of ``grid`` points over [low, high] (plus the starting value,
    :func:`flip_grid`) locates the changes; the nearest bracket is bisected to ``rtol`` of
    the range (1e-4: about 14 steps), one evaluation per step. An ``rtol`` at or above the
    grid's spacing leaves the grid's point beyond the change as the flip (no bisection).
    """
    start = float(base[name])
    xs = flip_grid(start, low, high, grid)
    codes = _verdict_code(fn, base, name, xs)
    i0 = int(np.flatnonzero(xs == start)[0])
    c0 = int(codes[i0])
    at_start = None if c0 < 0 else bool(c0)
    change = np.flatnonzero(codes != c0)
    if change.size == 0:
        return Flip(name, start, low, high, None, at_start, None, influence)
    j = int(change[np.argmin(np.abs(xs[change] - start))])
    # bracket [a, b]: a has the starting verdict, b the other one
    a, b = (xs[j - 1], xs[j]) if j > i0 else (xs[j + 1], xs[j])
    cb = int(codes[j])
    while abs(b - a) > rtol * max(high - low, 1e-12):
        mid = 0.5 * (a + b)
        cm = int(_verdict_code(fn, base, name, np.array([mid]))[0])
        if cm == c0:
            a = mid
        else:
            b, cb = mid, cm
    return Flip(name, start, low, high, float(b), at_start, None if cb < 0 else bool(cb),
                influence)
