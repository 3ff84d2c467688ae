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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.checks import check_generator, check_seed, check_whole, check_workers
from qpq.errors import BadInputError
from qpq.game._kernel import DEFAULT_TOL, check_tol
from qpq.game._relationship_budget import check_relationship_budget
from qpq.game._solver import solve
from qpq.game._spec import DEFAULT_READINGS, FULL_GAME, Readings
from qpq.game.analysis._draws import AssumptionSample, sample_assumptions
from qpq.game.analysis._measures import Measured, evaluate
from qpq.game.analysis._pbe_predicates import INDEPENDENT, NOT_PER_PBE, judge
from qpq.game.analysis._propositions import PROPOSITIONS, PROPOSITIONS_V2, Kind, Proposition
from qpq.game.analysis._v2_measures import V2Evaluator
from qpq.game.analysis._verdicts import (
    SMALL_MARGIN,
    Flip,
    PbeVerdict,
    VerdictFn,
    along,
    flip_grid,
    most_associated,
    nearest_flip,
    nearest_of,
    pbe_verdict,
    small_share,
)
from qpq.model import ParameterRegistry, check_model
from qpq.parallel import ChunkExecutor, executor_for, fast_start_method
from qpq.stats import binomial_interval

__all__ = ["FLIP_CANDIDATES", "REGION_GRID", "STUDY_SEED", "V2_FLIP_GRID", "V2_FLIP_STEP",
           "WILSON_Z", "PropositionResult", "PropositionStudy", "run_study"]

FLIP_CANDIDATES = 3
"""v1: the flip is searched along this many parameters, those most associated with the
verdict over the draws, and the nearest (relative to each range) is reported. One until
2026-12-06: which one is most associated changes with the draws, so a study of another size
searched another parameter and could say "no flip" where a flip lay along the next (P1 along
``recognition_value``). v2 searches one: a point of its grid costs about a second of the
relationship's solver."""

REGION_GRID = 40
"""Points of a test region (P6s) at which the verdict at the defaults is computed."""
STUDY_SEED = 2024
"""The seed of a study given neither a generator nor a seed."""
V2_FLIP_GRID = 9
"""v2: points of the grid that locates a flip (v1: 17; a lone traced point costs a large
fraction of a second of the relationship's solver, so v2's grid is coarser and refined
once)."""
V2_FLIP_STEP = 15
"""v2: points inside the grid's bracket judged in the one refining step (v1 bisects to
1e-4 of the range one point at a time; a solve of the relationship costs seconds per call
where it traces, so v2 refines once, every proposition's bracket in one call: the flip is
located to 1/128 of the range)."""
V2_METHOD = ("model v2 (qpq.game.solve_relationship): test at the frozen defaults; Monte "
             "Carlo share over the assumption ranges; falsification counterpart at the "
             "defaults and over the same draws; one stationary equilibrium per point (pure, "
             "or mixed strategies traced from logit responses, judged on their "
             "probabilities; their regret is reported)")

FloatArray = NDArray[np.float64]


WILSON_Z = 1.96
"""The normal quantile of a share's 95% Wilson interval: rounded, as the study always gave it
(``qpq.stats.binomial_interval``'s ``z``)."""


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
        The nearest flip at the defaults along the parameters most associated with the
        verdict (:data:`FLIP_CANDIDATES` under v1, one under v2).
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
    def margin_text(self) -> str:
        """The deciding margin for print: 3 digits, or 0 where it is rounding noise.

        A margin such as 3.55e-15 is two equal numbers computed two ways, not a verdict
        decided by a hair; it reads as "0 (to rounding)".
        """
        m = self.margin
        return "0 (to rounding)" if math.isfinite(m) and abs(m) < 1e-9 else f"{m:.3g}"

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
    model: str = "v1"

    def __repr__(self) -> str:
        # the default repr printed every result's arrays: 15,000 characters at 20 draws
        verdicts = ", ".join(f"{r.proposition.id} {r.status}" for r in self.results)
        return (f"PropositionStudy(model={self.model!r}, n_draws={self.n_draws}, "
                f"seed={self.seed}, results=[{verdicts}])")

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
            # v1's document is kept as it was; v2's says which model it measured
            **({"model": self.model} if self.model != "v1" else {}),
        }


def _point(values: Mapping[str, float], adjust: Mapping[str, float]) -> dict[str, FloatArray]:
    return {k: np.array([float(adjust.get(k, v))]) for k, v in values.items()}


def _first(m: Measured) -> tuple[bool | None, dict[str, float]]:
    metrics = {k: float(v[0]) for k, v in m.metrics.items()}
    return (bool(m.holds[0]) if m.defined[0] else None), metrics


def _verdict_fn(pid: str, c_low: float, tol: float, readings: Readings,
                measure: Callable[..., dict[str, Measured]] = evaluate) -> VerdictFn:
    def fn(p: Mapping[str, FloatArray]) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        try:
            m = measure(p, crackdown_low=c_low, tol=tol, only=[pid], readings=readings)[pid]
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


def _region_points(p: Proposition, values: Mapping[str, float]
                   ) -> tuple[dict[str, FloatArray], dict[str, float]]:
    """A test region's grid (the bottom excluded) and its top point."""
    assert p.region is not None
    lo, hi = p.region.bounds(values)
    xs = np.linspace(lo, hi, REGION_GRID + 1)[1:]          # the bottom is excluded
    arrays = {k: np.full(xs.size, float(v)) for k, v in values.items()}
    arrays[p.region.parameter] = xs
    return arrays, {**values, p.region.parameter: hi}


def _region(p: Proposition, values: Mapping[str, float], fn: VerdictFn
            ) -> tuple[bool | None, float | None, dict[str, float]]:
    """Verdict over a test region: (holds on most of it, share holding, point used)."""
    arrays, top = _region_points(p, values)
    holds, defined = fn(arrays)
    if not defined.any():
        return None, None, top
    share = float(holds[defined].mean())
    return share >= 0.5, share, top


V2_DRAW_SECONDS = 0.33
"""Seconds of one draw of the v2 study, for the cost guard
(:func:`qpq.game.check_relationship_budget`): ``python -m bench propositions``, 2026-12-07,
40 draws without the flip search in 13.2 s wall in one process (740 relationship points,
56 traced), an upper bound of the CPU, on a host slower per CPU second than most (v1's
study took 1.6 times its time of the day before). 1.3 until then (51 s under the tracing's
former schedule, 2026-12-04, at a load of about 5)."""
V2_FLIP_SECONDS = 7.2
"""The flip search's seconds, once per study whatever the draws: the same run with it took
20.3 s (886 points, 113 traced); 32 until 2026-12-07."""


def run_study(registry: ParameterRegistry, n: int = 2000, *,
              rng: np.random.Generator | None = None, seed: int | None = None,
              overrides: Mapping[str, str | float] | None = None,
              propositions: tuple[Proposition, ...] = PROPOSITIONS,
              tol: float = DEFAULT_TOL, readings: Readings = DEFAULT_READINGS,
              flips: bool = True, model: str = "v1", workers: int | None = 1
              ) -> PropositionStudy:
    """Run tests (a)–(c) of docs/model-game.md A.5 (v2: §8.2) for every proposition.

    Parameters
    ----------
    registry
        The case's parameters (frozen defaults and ranges).
    n
        Monte Carlo draws over the assumption ranges.
    rng, seed
        The random number generator, or a seed for ``numpy.random.default_rng`` (recorded
        in the result); not both. Neither: seed :data:`STUDY_SEED`.
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
    model
        ``"v1"`` (the one-round game) or ``"v2"`` (the repeated relationship,
        :mod:`qpq.game.analysis._v2_measures`; ``propositions`` then default to their v2
        readings, and the verdict on some / every equilibrium is that on the one stationary
        equilibrium ``solve_relationship`` reports).
    workers
        Model v2: worker processes sharing each batch of relationship solves (``None``: up
        to two, as cores allow; the same results); v1 runs in this process.
    """
    if not isinstance(registry, ParameterRegistry):
        raise BadInputError("registry must be a qpq.model.ParameterRegistry, e.g. "
                            f"ParameterRegistry.from_case(case); got {type(registry).__name__}")
    check_model(model)
    n = check_whole(n, "n (Monte Carlo draws)", minimum=1)
    if rng is not None and seed is not None:
        raise BadInputError("give rng or seed, not both (seed was ignored beside rng)")
    if rng is None:
        seed = STUDY_SEED if seed is None else check_seed(seed)
    else:
        check_generator(rng)
    tol = check_tol(tol)
    workers = check_workers(workers)
    v2 = model == "v2"
    if v2:
        check_relationship_budget(
            n, V2_DRAW_SECONDS, unit="draws", fixed=V2_FLIP_SECONDS if flips else 0.0,
            what="for every draw of the study and its counterparts"
                 + (", and in the flip search" if flips else ""), lower="lower --n")
    if v2 and propositions is PROPOSITIONS:
        propositions = PROPOSITIONS_V2
    c_low = float(registry["crackdown_intensity"].low)
    with executor_for(workers if v2 else 1, start_method=fast_start_method()) as ex:
        return _run_study(registry, n, rng, seed, overrides, propositions, tol, readings,
                          flips, v2, c_low, ex)


def _run_study(registry: ParameterRegistry, n: int, rng: np.random.Generator | None,
               seed: int | None, overrides: Mapping[str, str | float] | None,
               propositions: tuple[Proposition, ...], tol: float, readings: Readings,
               flips: bool, v2: bool, c_low: float, ex: ChunkExecutor) -> PropositionStudy:
    measure: Callable[..., dict[str, Measured]] = (V2Evaluator(readings, tol, c_low, ex)
                                                   if v2 else evaluate)
    start = time.perf_counter()
    gen = rng if rng is not None else np.random.default_rng(seed)
    base = registry.point(overrides)
    sample: AssumptionSample = sample_assumptions(registry, n, gen, overrides=overrides)
    ids = [p.id for p in propositions]
    if isinstance(measure, V2Evaluator):
        _prime_v2(measure, propositions, base.values, sample.params)
    draws = measure(sample.params, crackdown_low=c_low, tol=tol, only=ids, readings=readings)
    structure = FULL_GAME if readings == DEFAULT_READINGS else replace(FULL_GAME,
                                                                        readings=readings)
    solutions: dict[tuple[tuple[str, float], ...], Any] = {}
    at_default: dict[tuple[tuple[str, float], ...], dict[str, Measured]] = {}
    results: list[PropositionResult] = []
    jobs: list[_FlipJob] = []
    for p in propositions:
        key = tuple(sorted(p.at_defaults.items()))
        if key not in at_default:
            at_default[key] = measure(_point(base.values, p.at_defaults),
                                       crackdown_low=c_low, tol=tol, only=ids,
                                       readings=readings)
        holds_d, metrics_d = _first(at_default[key][p.id])
        fn = _verdict_fn(p.id, c_low, tol, readings, measure)
        values = {**base.values, **p.at_defaults}
        region_share: float | None = None
        if p.region is not None:
            holds_d, region_share, values = _region(p, values, fn)
            metrics_d = _first(measure(_point(values, {}), crackdown_low=c_low, tol=tol,
                                        only=[p.id], readings=readings)[p.id])[1]
        vkey = tuple(sorted(values.items()))
        if v2:
            pbe = _judge_v2(p, holds_d, metrics_d)
        else:
            if vkey not in solutions and p.id in ("P1", "P2", "P4", "P7"):
                solutions[vkey] = solve(values, structure, tol=tol)
            pbe = judge(p.id, values, readings=readings, tol=tol, selected_verdict=holds_d,
                        solution=solutions.get(vkey))
        # the counterpart at the point tested (a region's top for a region test)
        fals_d = measure(p.counterfactual(_point(values, {})), crackdown_low=c_low,
                          tol=tol, only=[p.id], readings=readings)[p.id]
        fals = measure(p.counterfactual(sample.params), crackdown_low=c_low, tol=tol,
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
        # what to search: (parameter, low, high, influence) — a region's own parameter, or
        # those most associated with the verdict over the draws
        along_these: list[tuple[str, float, float, float]] = []
        if flips and p.region is not None:
            lo, hi = p.region.bounds(values)
            along_these = [(p.region.parameter, lo + 1e-6 * (hi - lo), hi, float("nan"))]
        elif flips:
            along_these = [(name, float(registry[name].low), float(registry[name].high), c)
                           for name, c in most_associated(sample.params, sample.sampled,
                                                          m.holds, m.defined,
                                                          1 if v2 else FLIP_CANDIDATES)]
        if along_these and v2:
            jobs.append(_FlipJob(len(results), fn, values, *along_these[0]))
        elif along_these:
            flip = nearest_of([nearest_flip(fn, values, name, lo, hi, influence=infl)
                               for name, lo, hi, infl in along_these])
        results.append(PropositionResult(
            proposition=p, at_defaults=holds_d, defaults_metrics=metrics_d,
            share=k / nd if nd else float("nan"), n_defined=nd, n_draws=n,
            # no defined draw: every share is possible
            interval=(binomial_interval(k, nd, method="wilson", z=WILSON_Z) if nd
                      else (0.0, 1.0)),
            share_in_condition=share_c, n_in_condition=n_c,
            falsified_at_defaults=_first(fals_d)[0],
            falsified_share=float(fals.holds[fals.defined].mean()) if nf else 0.0,
            n_falsified=nf, metric_means=means, test_region=p.test_region(values),
            region_share=region_share, pbe=pbe, margin=metrics_d.get("margin", float("nan")),
            small_margin_share=small_share(m.metrics["margin"], m.defined), flip=flip))
    if isinstance(measure, V2Evaluator) and jobs:
        for job, found in zip(jobs, _v2_flips(measure, jobs), strict=True):
            results[job.index] = replace(results[job.index], flip=found)
    return PropositionStudy(
        results=tuple(results), n_draws=n, seed=seed if rng is None else None,
        sampled=sample.sampled, sampling_method=sample.method,
        overrides={k: float(v) for k, v in base.changed().items()}, tolerance=tol,
        seconds=time.perf_counter() - start, readings=readings,
        **({"method": V2_METHOD, "model": "v2"} if v2 else {}))


def _judge_v2(p: Proposition, holds: bool | None, metrics: Mapping[str, float]
              ) -> PbeVerdict | None:
    """The verdict on the one stationary equilibrium v2's solver reports.

    ``solve_relationship`` finds one equilibrium per point and does not enumerate the
    others, so "some" and "every" are judged over that one (``n_pbe`` = 1); the
    propositions that do not depend on the equilibrium say so, and P5p holds it fixed.
    """
    if p.id in NOT_PER_PBE:
        return None
    if p.id in INDEPENDENT:
        return PbeVerdict.of_payoffs(holds)
    value = float(metrics.get("china_value", float("nan")))
    return pbe_verdict([0], 0, lambda _: value, lambda _: holds)


@dataclass(frozen=True)
class _FlipJob:
    """A flip to search under v2: which result, along which parameter, from where."""

    index: int
    fn: VerdictFn
    values: dict[str, float]
    name: str
    low: float
    high: float
    influence: float


def _prime_v2(ev: V2Evaluator, propositions: tuple[Proposition, ...],
              base: Mapping[str, float], draws: Mapping[str, FloatArray]) -> None:
    """Measure in one batch every parameter set the study asks for before its flips."""
    sets: list[Mapping[str, FloatArray]] = [draws]
    for p in propositions:
        values = {**base, **p.at_defaults}
        sets.append(_point(values, {}))
        if p.region is not None:
            arrays, values = _region_points(p, values)
            sets += [arrays, _point(values, {})]
        sets += [p.counterfactual(_point(values, {})), p.counterfactual(dict(draws))]
    ev.prime(sets)


def _v2_flips(ev: V2Evaluator, jobs: list[_FlipJob]) -> list[Flip]:
    """Every job's nearest flip: the grids in one batch, then one refining batch."""
    ev.prime([along(j.values, j.name, flip_grid(float(j.values[j.name]), j.low, j.high,
                                                V2_FLIP_GRID)) for j in jobs])
    # with rtol at the grid's spacing nearest_flip stops at the grid's point past the change
    coarse = [nearest_flip(j.fn, j.values, j.name, j.low, j.high, grid=V2_FLIP_GRID,
                           influence=j.influence, rtol=1.0) for j in jobs]
    inner: list[FloatArray | None] = []
    for j, f in zip(jobs, coarse, strict=True):
        if f.value is None:
            inner.append(None)
            continue
        xs = flip_grid(f.start, j.low, j.high, V2_FLIP_GRID)
        at = int(np.flatnonzero(xs == f.value)[0])
        a = xs[at - 1] if f.value > f.start else xs[at + 1]
        inner.append(a + (f.value - a) * np.arange(1, V2_FLIP_STEP + 1) / (V2_FLIP_STEP + 1.0))
    ev.prime([along(j.values, j.name, x) for j, x in zip(jobs, inner, strict=True)
              if x is not None])
    out = []
    for j, f, x in zip(jobs, coarse, inner, strict=True):
        if x is None:
            out.append(f)
            continue
        start = f.verdict_at_start
        c0 = -1 if start is None else int(start)
        holds, defined = j.fn(along(j.values, j.name, x))
        codes = np.where(defined, holds.astype(np.int64), -1)
        other = np.flatnonzero(codes != c0)
        if other.size:
            k = int(other[0])
            f = replace(f, value=float(x[k]), verdict_beyond=None if codes[k] < 0
                        else bool(codes[k]))
        out.append(f)
    return out
