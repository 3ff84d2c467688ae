"""Testing the propositions honestly: at the defaults, over the ranges, and falsified.

docs/model-game.md A.5 describes, for each proposition, (a) its status at the frozen,
evidence-justified defaults, (b) the share of the assumption ranges in which it holds
(a Monte Carlo over the ranges, :mod:`qpq.game.analysis._draws`), and (c) its falsification
counterpart — the parameters under which the logic says it must fail — both at the
defaults and over the same draws (the "falsified share" should be about 0). The defaults
are used as the case file gives them; a proposition that fails there is reported as
failing, never tuned. :func:`run_study` does all three and returns a
:class:`PropositionStudy` that the report and ``qpq game propositions`` print.

Beside each verdict it reports how it was reached (:mod:`qpq.game.analysis._verdicts`, the
lens's protocol): the verdict on the selected PBE and on some / every PBE, the deciding
margin with the share of draws whose margin is small, the nearest flip along the most
influential parameter, and the region the verdict at the defaults was tested in.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.game._kernel import DEFAULT_TOL
from qpq.game._solver import solve
from qpq.game._spec import DEFAULT_READINGS, FULL_GAME, Readings
from qpq.game.analysis._draws import AssumptionSample, sample_assumptions
from qpq.game.analysis._measures import Measured, evaluate
from qpq.game.analysis._pbe_predicates import judge
from qpq.game.analysis._propositions import PROPOSITIONS, Kind, Proposition
from qpq.game.analysis._verdicts import (
    SMALL_MARGIN,
    Flip,
    PbeVerdict,
    VerdictFn,
    most_influential,
    nearest_flip,
    small_share,
)
from qpq.model import ParameterRegistry

__all__ = ["REGION_GRID", "PropositionResult", "PropositionStudy", "run_study",
           "wilson_interval"]

REGION_GRID = 40
"""Points of a test region (P6s) at which the verdict at the defaults is computed."""

FloatArray = NDArray[np.float64]


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95% by default) for a share k/n (0, 1 when n = 0)."""
    if n == 0:
        return 0.0, 1.0
    phat = k / n
    denom = 1.0 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k == 0 else max(0.0, min(phat, centre - half))
    hi = 1.0 if k == n else min(1.0, max(phat, centre + half))
    return lo, hi


@dataclass(frozen=True)
class PropositionResult:
    """One proposition's three tests.

    Attributes
    ----------
    proposition
        What was tested (statement, kind, definition, falsification).
    at_defaults
        Holds at the defaults (``None``: not defined there, e.g. no pure PBE).
    defaults_metrics
        The quantities behind the verdict at the defaults.
    share, n_defined, n_draws, interval
        Share of the Monte Carlo draws (where defined) in which it holds, with the count
        and a 95% Wilson interval.
    share_in_condition, n_in_condition
        The same within the proposition's condition (e.g. high ISKP pull), if it has one.
    falsified_at_defaults
        Holds under the falsification counterpart at the defaults (should be ``False``).
    falsified_share, n_falsified
        Share of the draws in which it still holds under the counterpart (should be ≈ 0).
    metric_means
        Mean of each metric over the draws where it is defined.
    test_region
        Where the verdict at the defaults was tested (a point or a region), in words.
    region_share
        For a region test: share of the region's grid where the proposition holds (the
        verdict ``at_defaults`` is the one on most of it).
    pbe
        The verdict at the defaults on the selected PBE and on some / every PBE, with
        China's selection margin (``None``: defined on the selected PBE only).
    margin
        The deciding margin at the defaults (the ``margin`` metric, in its own unit).
    small_margin_share
        Share of the defined draws whose margin is below :data:`SMALL_MARGIN`.
    flip
        The nearest flip at the defaults along the most influential parameter.
    """

    proposition: Proposition
    at_defaults: bool | None
    defaults_metrics: dict[str, float]
    share: float
    n_defined: int
    n_draws: int
    interval: tuple[float, float]
    share_in_condition: float | None
    n_in_condition: int
    falsified_at_defaults: bool | None
    falsified_share: float
    n_falsified: int
    metric_means: dict[str, float] = field(default_factory=dict)
    test_region: str = "the point of the defaults"
    region_share: float | None = None
    pbe: PbeVerdict | None = None
    margin: float = float("nan")
    small_margin_share: float = float("nan")
    flip: Flip | None = None

    @property
    def status(self) -> str:
        """"holds", "fails", "partly" (on part of a test region) or "undefined"."""
        if self.at_defaults is None:
            return "undefined"
        if self.region_share is not None and 0.0 < self.region_share < 1.0:
            return "partly"
        return "holds" if self.at_defaults else "fails"

    @property
    def falsification_ok(self) -> bool:
        """The counterpart behaves as the logic says: fails at the defaults, share ≈ 0."""
        return self.falsified_at_defaults is not True and self.falsified_share <= 0.01

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        p = self.proposition
        return {
            "id": p.id, "statement": p.statement, "kind": p.kind.value,
            "definition": p.definition, "falsification": p.falsification,
            "at_defaults_adjusted": p.at_defaults,
            "condition": p.condition.description if p.condition else None,
            "status_at_defaults": self.status, "defaults_metrics": self.defaults_metrics,
            "share": self.share, "n_defined": self.n_defined, "n_draws": self.n_draws,
            "interval_95": list(self.interval), "share_in_condition": self.share_in_condition,
            "n_in_condition": self.n_in_condition,
            "falsified_at_defaults": self.falsified_at_defaults,
            "falsified_share": self.falsified_share, "n_falsified": self.n_falsified,
            "falsification_ok": self.falsification_ok, "metric_means": self.metric_means,
            "test_region": self.test_region, "region_share": self.region_share,
            # "selected": the vectorised measure's verdict (the ensemble solver's selected
            # pure PBE, as for the shares); "selected_listed": on the PBE that solve selects
            # among those it lists (with the mixed search) — they differ only where a mixed
            # PBE is selected (no pure PBE, or the reading pure_over_mixed = False)
            "verdict": {"selected": self.at_defaults,
                        **({("selected_listed" if k == "selected" else k): v
                            for k, v in self.pbe.to_json().items()}
                           if self.pbe is not None else
                           {"some_pbe": None, "every_pbe": None,
                            "note": "defined on the selected PBE only"})},
            "margin": self.margin, "small_margin": SMALL_MARGIN,
            "share_small_margin": self.small_margin_share,
            "nearest_flip": self.flip.to_json() if self.flip is not None else None,
        }


@dataclass(frozen=True)
class PropositionStudy:
    """All propositions' tests, with how the draws were made."""

    results: tuple[PropositionResult, ...]
    n_draws: int
    seed: int | None
    sampled: tuple[str, ...]
    sampling_method: str
    overrides: dict[str, float]
    tolerance: float
    seconds: float
    readings: Readings = DEFAULT_READINGS
    method: str = ("test at the frozen defaults; Monte Carlo share over "
                   "the assumption ranges; falsification counterpart at the defaults and over "
                   "the same draws; equilibria from the vectorised pure-PBE solver with the "
                   "spec's selection")

    def result(self, pid: str) -> PropositionResult:
        """The result of one proposition (``P1`` … ``P7``, ``P5m``, ``P5p``, ``P6s``)."""
        for r in self.results:
            if r.proposition.id.lower() == pid.lower():
                return r
        raise KeyError(pid)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "method": self.method, "n_draws": self.n_draws, "seed": self.seed,
            "sampled": list(self.sampled), "sampling_method": self.sampling_method,
            "overrides": self.overrides, "tolerance": self.tolerance, "seconds": self.seconds,
            "readings": vars(self.readings).copy(), "small_margin": SMALL_MARGIN,
            "strategic": [r.proposition.id for r in self.results
                          if r.proposition.kind is Kind.STRATEGIC],
            "mechanisms": [r.proposition.id for r in self.results
                           if r.proposition.kind is Kind.MECHANISM],
            "results": [r.to_json() for r in self.results],
        }


def _point(values: Mapping[str, float], adjust: Mapping[str, float]) -> dict[str, FloatArray]:
    return {k: np.array([float(adjust.get(k, v))]) for k, v in values.items()}


def _first(m: Measured) -> tuple[bool | None, dict[str, float]]:
    metrics = {k: float(v[0]) for k, v in m.metrics.items()}
    return (bool(m.holds[0]) if m.defined[0] else None), metrics


def _verdict_fn(pid: str, c_low: float, tol: float, readings: Readings) -> VerdictFn:
    def fn(p: Mapping[str, FloatArray]) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        try:
            m = evaluate(p, crackdown_low=c_low, tol=tol, only=[pid], readings=readings)[pid]
        except ValueError:
            # a point the model cannot solve (a signal of probability 0) is undefined; the
            # others of the batch are judged one by one
            if next(iter(p.values())).shape[0] == 1:
                return np.zeros(1, dtype=bool), np.zeros(1, dtype=bool)
            parts = [fn({k: v[i:i + 1] for k, v in p.items()})
                     for i in range(next(iter(p.values())).shape[0])]
            return (np.concatenate([a for a, _ in parts]),
                    np.concatenate([b for _, b in parts]))
        return m.holds, m.defined
    return fn


def _region(p: Proposition, values: Mapping[str, float], fn: VerdictFn
            ) -> tuple[bool | None, float | None, dict[str, float]]:
    """Verdict over a test region: (holds on most of it, share holding, point used)."""
    assert p.region is not None
    lo, hi = p.region.bounds(values)
    xs = np.linspace(lo, hi, REGION_GRID + 1)[1:]          # the bottom is excluded
    arrays = {k: np.full(xs.size, float(v)) for k, v in values.items()}
    arrays[p.region.parameter] = xs
    holds, defined = fn(arrays)
    top = {**values, p.region.parameter: hi}
    if not defined.any():
        return None, None, top
    share = float(holds[defined].mean())
    return share >= 0.5, share, top


def run_study(registry: ParameterRegistry, n: int = 2000, *,
              rng: np.random.Generator | None = None, seed: int | None = 2024,
              overrides: Mapping[str, str | float] | None = None,
              propositions: tuple[Proposition, ...] = PROPOSITIONS,
              tol: float = DEFAULT_TOL, readings: Readings = DEFAULT_READINGS,
              flips: bool = True) -> PropositionStudy:
    """Run tests (a)–(c) of docs/model-game.md A.5 for every proposition.

    Parameters
    ----------
    registry
        The case's parameters (frozen defaults and ranges).
    n
        Monte Carlo draws over the assumption ranges.
    rng
        The random number generator (default: ``numpy.random.default_rng(seed)``).
    seed
        Recorded for provenance when ``rng`` is not given.
    overrides
        Values that replace defaults (they are not drawn).
    propositions
        Which propositions.
    tol
        Relative tolerance of the strict comparisons.
    readings
        The model's named reading choices (:class:`qpq.game.Readings`).
    flips
        Search the nearest flip of every proposition (a few dozen small solves each).
    """
    start = time.perf_counter()
    gen = rng if rng is not None else np.random.default_rng(seed)
    base = registry.point(overrides or {})
    c_low = float(registry["crackdown_intensity"].low)
    sample: AssumptionSample = sample_assumptions(registry, n, gen, overrides=overrides)
    ids = [p.id for p in propositions]
    draws = evaluate(sample.params, crackdown_low=c_low, tol=tol, only=ids, readings=readings)
    structure = FULL_GAME if readings == DEFAULT_READINGS else replace(FULL_GAME,
                                                                        readings=readings)
    solutions: dict[tuple[tuple[str, float], ...], Any] = {}
    at_default: dict[tuple[tuple[str, float], ...], dict[str, Measured]] = {}
    results = []
    for p in propositions:
        key = tuple(sorted(p.at_defaults.items()))
        if key not in at_default:
            at_default[key] = evaluate(_point(base.values, p.at_defaults),
                                       crackdown_low=c_low, tol=tol, only=ids,
                                       readings=readings)
        holds_d, metrics_d = _first(at_default[key][p.id])
        fn = _verdict_fn(p.id, c_low, tol, readings)
        values = {**base.values, **p.at_defaults}
        region_share: float | None = None
        if p.region is not None:
            holds_d, region_share, values = _region(p, values, fn)
            metrics_d = _first(evaluate(_point(values, {}), crackdown_low=c_low, tol=tol,
                                        only=[p.id], readings=readings)[p.id])[1]
        vkey = tuple(sorted(values.items()))
        if vkey not in solutions and p.id in ("P1", "P2", "P4", "P7"):
            solutions[vkey] = solve(values, structure, tol=tol)
        pbe = judge(p.id, values, readings=readings, tol=tol, selected_verdict=holds_d,
                    solution=solutions.get(vkey))
        # the counterpart at the point tested (a region's top for a region test)
        fals_d = evaluate(p.counterfactual(_point(values, {})), crackdown_low=c_low,
                          tol=tol, only=[p.id], readings=readings)[p.id]
        fals = evaluate(p.counterfactual(sample.params), crackdown_low=c_low, tol=tol,
                        only=[p.id], readings=readings)[p.id]
        m = draws[p.id]
        k, nd = int(m.holds[m.defined].sum()), int(m.defined.sum())
        share_c: float | None = None
        n_c = 0
        if p.condition is not None:
            inside = m.defined & p.condition.test(sample.params)
            n_c = int(inside.sum())
            share_c = float(m.holds[inside].mean()) if n_c else None
        nf = int(fals.defined.sum())
        means = {name: float(np.nanmean(v[m.defined])) if nd and np.isfinite(
            v[m.defined]).any() else float("nan") for name, v in m.metrics.items()}
        flip: Flip | None = None
        if flips:
            if p.region is not None:
                lo, hi = p.region.bounds(values)
                name: str | None = p.region.parameter
                infl, lo = float("nan"), lo + 1e-6 * (hi - lo)
            else:
                name, infl = most_influential(sample.params, sample.sampled, m.holds,
                                              m.defined)
                if name is not None:
                    lo, hi = float(registry[name].low), float(registry[name].high)
            if name is not None:
                flip = nearest_flip(fn, values, name, lo, hi, influence=infl)
        results.append(PropositionResult(
            proposition=p, at_defaults=holds_d, defaults_metrics=metrics_d,
            share=k / nd if nd else float("nan"), n_defined=nd, n_draws=n,
            interval=wilson_interval(k, nd), share_in_condition=share_c, n_in_condition=n_c,
            falsified_at_defaults=_first(fals_d)[0],
            falsified_share=float(fals.holds[fals.defined].mean()) if nf else 0.0,
            n_falsified=nf, metric_means=means, test_region=p.test_region(values),
            region_share=region_share, pbe=pbe, margin=metrics_d.get("margin", float("nan")),
            small_margin_share=small_share(m.metrics["margin"], m.defined), flip=flip))
    return PropositionStudy(
        results=tuple(results), n_draws=n, seed=seed if rng is None else None,
        sampled=sample.sampled, sampling_method=sample.method,
        overrides={k: float(v) for k, v in base.changed().items()}, tolerance=tol,
        seconds=time.perf_counter() - start, readings=readings)
