"""Backcast and calibration: approximate Bayesian computation against the stylised facts.

:func:`calibrate` runs the history from the case's ``run.start`` to the last complete quarter
on or before the as-of date for ``draws`` parameter points drawn from the plausible ranges (with
``replicates`` scenarios each: types and chance differ), and accepts the scenarios that
match every stylised fact **known on or before the as-of date** (the case's as-of view,
:func:`qpq.case._asof.case_as_of`). This is ABC by rejection with a zero tolerance on the
number of facts missed; when fewer than ``min_accept`` scenarios match all of them, the
``min_accept`` scenarios that miss the fewest are accepted and the result says so
(``approximate``).

Accepted scenarios are *particles*: their parameter point and their whole state at the
as-of date (militant stocks, the Taliban's type, China's belief, ...) carry on into
forecasts (:mod:`qpq.sim._forecast`). Facts dated after the as-of date are still evaluated
on the accepted scenarios, as an out-of-sample check, but never used to accept.

Parameters are reported with their prior and posterior (accepted) distributions; a
parameter counts as *constrained* when a two-sample Kolmogorov-Smirnov test (each accepted
draw counted once) separates the accepted draws from all draws at the 1% level after a
Bonferroni correction over the sampled parameters, and as
"uncalibrated (assumption-driven)" otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pandas as pd

from qpq.case import Case, case_as_of
from qpq.checks import as_date, check_seed, check_whole
from qpq.errors import BadInputError
from qpq.model import UNCALIBRATED, check_model
from qpq.sim._engine import Particles, RunSpec, SimResult, simulate
from qpq.sim._facts import Fact, fact_stats, pass_matrix, stylised_facts
from qpq.sim._lookup import ContinuationTable
from qpq.sim._policies import resolve_policy
from qpq.sim._pools import SIM_PARAMETERS, ParameterPool, sample_pool, sim_registry
from qpq.sim._relationship_table import RelationshipTable, check_table_budget
from qpq.sim._rng import Purpose
from qpq.sim._state import prior_belief
from qpq.sim._tables import relationship_tables, table_for
from qpq.sim._timeline import (
    Timeline,
    build_timeline,
    quarter_end,
    quarter_of,
)
from qpq.stats import INTERVAL_90, median_interval

__all__ = [
    "CALIBRATIONS",
    "CALIBRATION_DRAWS",
    "CALIBRATION_REPLICATES",
    "DEFAULT_CALIBRATION",
    "FACTS_GRID_SIZE",
    "UNCALIBRATED",
    "CalibrationResult",
    "FactReport",
    "ParameterReport",
    "calibrate",
    "check_calibration",
    "check_known_by",
    "fact_interval",
    "given_others_words",
    "history_end",
    "others_histories",
]

CALIBRATIONS: dict[str, str] = {
    "facts": "ABC rejection on the stylised facts known at the as-of date (qpq.sim.calibrate)",
    "record": "the calibration on the whole record known at the as-of date "
              "(qpq.sim.calibrate_record; its posterior's histories are the particles)",
}
"""The calibrations a forecast or backtest can start from (``--calibration``), described."""

DEFAULT_CALIBRATION = "record"
"""The calibration of ``qpq sim forecast``, ``qpq sim backtest``, :func:`qpq.forecast`,
:class:`qpq.sim.BacktestSpec` and the report's forecast when none is named: the record's,
whose backtest beats climatology on the counts where the stylised facts' does far worse
(docs/model-dynamics.md §11; blocks backtest-record and backtest-v1)."""


CALIBRATION_DRAWS = 1000
"""Parameter points a calibration's particles come from by default: :func:`calibrate`'s prior
draws, the record calibration's posterior points (``record_calibrator``'s ``points``), the
``--draws`` of ``qpq sim backcast``, ``forecast`` and ``backtest`` and the full report's."""

CALIBRATION_REPLICATES = 8
"""Histories per point by default, beside :data:`CALIBRATION_DRAWS`: 8,000 particles in all
from either calibration."""


def check_known_by(case: Case, as_of: dt.date) -> None:
    """Refuse an as-of date after the record's last day (the case's ``run.forecast_as_of``).

    For the record calibration and every forecast: the case is cut at the as-of date, so a
    later one would read every quarter after the record ends as a quarter without attacks,
    actions or estimates, and a forecast "as of 2100" would start from a state the record
    never knew (found 2026-12-06; backtests refused such windows already). The facts
    calibration alone may go later (the report's backcast reads the stylised facts known by
    ``run.backcast_as_of``): a fact is dated, and a quarter after the record is no evidence
    of absence there.
    """
    last = case.run.forecast_as_of
    if as_of > last:
        raise BadInputError(f"as_of (--as-of) {as_of} is after the record's last day {last} (the "
                            "case's run.forecast_as_of): the quarters after it would read as "
                            f"quarters without events; give {last} or earlier")


def check_calibration(kind: str) -> str:
    """``kind`` if it names a calibration, else a :class:`BadInputError` naming the allowed."""
    if kind not in CALIBRATIONS:
        raise BadInputError(f"calibration (--calibration): unknown calibration {kind!r}; allowed: "
                            + ", ".join(CALIBRATIONS))
    return kind



FACTS_GRID_SIZE = 24
"""The facts calibration's belief grid (:func:`calibrate`'s default)."""


def fact_interval(x: NDArray[np.float64]) -> tuple[float, float, float]:
    """A fact statistic's 90% range's ends and median over histories.

    Values histories take where the statistic is whole (a count, a yes/no), else
    interpolated.
    """
    whole = bool(x.size) and bool(np.all(x == np.round(x)))
    return median_interval(x, discrete=whole)


def history_end(as_of: dt.date) -> int:
    """The last complete quarter on or before ``as_of`` (absolute quarter number)."""
    q = quarter_of(as_of)
    return q if quarter_end(q) <= as_of else q - 1


@dataclass(frozen=True)
class FactReport:
    """How one stylised fact is matched.

    Attributes
    ----------
    fact
        The fact.
    used
        Known on or before the as-of date, and therefore used to accept.
    evaluable
        Its window lies (at least partly) inside the simulated history.
    prior_match, accepted_match
        Share of all / of accepted scenarios that match it.
    given_others
        For a used fact, the share that match it among the scenarios matching every *other*
        used fact (NaN where none do, or for a fact not used): which fact stops histories
        from matching all, and how often it holds where the rest does.
    others_match
        Share of all scenarios matching every other used fact (NaN for a fact not used).
    accepted_median, accepted_low, accepted_high
        Median and 5-95% range of its statistic among accepted scenarios.
    """

    fact: Fact
    used: bool
    evaluable: bool
    prior_match: float
    accepted_match: float
    accepted_median: float
    accepted_low: float
    accepted_high: float
    given_others: float = float("nan")
    others_match: float = float("nan")

    def row(self) -> dict[str, Any]:
        """A JSON-ready row of the backcast table."""
        return {"fact": self.fact.id, "target": self.fact.describe(),
                "used": self.used, "evaluable": self.evaluable,
                "prior_match": self.prior_match, "accepted_match": self.accepted_match,
                "given_others": self.given_others, "others_match": self.others_match,
                "accepted_median": self.accepted_median,
                "accepted_90": [self.accepted_low, self.accepted_high]}


def others_histories(row: Mapping[str, Any], histories: int) -> int | None:
    """How many of ``histories`` match every used fact but ``row``'s.

    ``None`` for a fact not used; ``row`` is :meth:`FactReport.row`'s.
    """
    others = row["others_match"]
    if not row["used"] or others is None or not np.isfinite(others):
        return None
    return round(float(others) * histories)


def given_others_words(row: Mapping[str, Any], histories: int) -> str:
    """A backcast row's "matches where every other used fact holds", as counts in words.

    ``k of m`` (m histories match every other used fact, k of them this one too), ``no
    simulated history`` where none matches the others (a share would be 0/0; "no history"
    alone read as "no historical record"), ``—`` for a fact not used. ``row`` is
    :meth:`FactReport.row`'s; ``histories`` the backcast's number.
    """
    m = others_histories(row, histories)
    if m is None:
        return "—"
    if m == 0:
        return "no simulated history"
    return f"{round(row['given_others'] * m)} of {m:,}"


@dataclass(frozen=True)
class ParameterReport:
    """Prior and posterior of one sampled parameter."""

    name: str
    prior_mean: float
    prior_sd: float
    posterior_mean: float
    posterior_sd: float
    posterior_low: float
    posterior_high: float
    ks_pvalue: float
    constrained: bool

    @property
    def label(self) -> str:
        """``constrained by the facts`` or the uncalibrated label."""
        return "constrained by the facts" if self.constrained else UNCALIBRATED


@dataclass(frozen=True)
class CalibrationResult:
    """The outcome of :func:`calibrate` (self-describing, with provenance)."""

    as_of: dt.date
    policy: str
    seed: int
    draws: int
    replicates: int
    timeline: Timeline
    pool: ParameterPool
    table: ContinuationTable | RelationshipTable
    facts: tuple[FactReport, ...]
    accepted: NDArray[np.int64]
    misses: NDArray[np.int64]
    approximate: bool
    particles: Particles
    particle_pool: ParameterPool
    parameters: tuple[ParameterReport, ...]
    type_share: dict[str, float]
    sim: SimResult
    model: str = "v1"
    method: str = ("ABC rejection on the stylised facts known as of the cut-off; "
                   "scenarios missing none are accepted")
    kind: str = "facts"
    """Which calibration made the particles (one of :data:`CALIBRATIONS`)."""
    parameter_labels: Mapping[str, str] = field(default_factory=dict)
    """Per parameter, the calibration's own label where it has one (the record calibration's
    calibrated / weakly constrained / assumption-driven); empty for the stylised facts, whose
    :attr:`ParameterReport.constrained` says it all."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """What a calibration other than :func:`calibrate` reports of itself, JSON-ready (the
    record calibration's settings, cache key, histories and effective sample size)."""
    iskp_fighters_scale: NDArray[np.float64] | None = None
    """Fighters of an ISKP at strength index 1, per point of :attr:`particle_pool`, where the
    calibration has them (the record calibration reads ISKP estimates through this
    assumption, so its posterior carries it); ``None`` for the stylised facts, which give the
    index no fighter scale."""
    cells: Mapping[str, tuple[frozenset[str], ...]] = field(default_factory=dict)
    """Per observation family the calibration read but the facts, each cell's quantities
    (``qpq.sim._record.Record.cell_quantities`` of the record it was calibrated on): what a
    forecast counts as the observations bearing on an event. Empty for the stylised facts,
    whose evidence is its facts alone."""

    def __repr__(self) -> str:
        # the default repr printed every particle and the run (over 300,000 characters)
        return (f"CalibrationResult(kind={self.kind!r}, as_of={self.as_of.isoformat()!r}, "
                f"model={self.model!r}, accepted={self.accepted.size:,}, "
                f"draws={self.draws:,}, replicates={self.replicates})")

    def with_dynamics(self, values: Mapping[str, float | str], *, case: Case
                      ) -> CalibrationResult:
        """The same particles with simulator parameters set to one value each.

        A counterfactual for a forecast: the histories up to the as-of date stay as the
        calibration accepted them, and from there on every particle reads ``values``. Only
        the simulator's own parameters (:data:`qpq.sim.SIM_PARAMETERS`): the game's are
        solved into the calibration's table, which a new value would not follow. Each value
        is checked against the parameter's plausible range in ``case`` (the calibration's
        own), as ``qpq sim run --set`` checks it: a boycott exposure of -3 gave a negative
        count of attacks.

        Raises
        ------
        BadInputError
            If a name is not a parameter of the case, not one of the simulator's own
            parameters, or its value is not a number inside its range.
        """
        registry = sim_registry(case)
        checked = {name: registry.parse_value(name, raw) for name, raw in values.items()}
        game = sorted(set(checked) - set(SIM_PARAMETERS))
        if game:
            raise BadInputError(f"only the simulator's own parameters can be set on a "
                                f"calibration's particles, not {', '.join(game)} (the game's "
                                "are solved into its table)")
        return replace(self, particle_pool=self.particle_pool.fixed(checked))

    def with_prior_belief(self) -> CalibrationResult:
        """The same particles with China's belief about the Taliban put back to its prior.

        A counterfactual for a forecast (:func:`qpq.sim.recognition_belief`): every state the
        histories reached by the as-of date stays, except what China has come to believe
        about the Taliban's type, which restarts from each particle's ``prior_sincere`` and
        ``p_high_capacity``, as at the start of a run.
        """
        arrays = dict(self.particles.arrays)
        index = np.asarray(arrays["pool_index"])
        values = self.particle_pool.values
        arrays["belief"] = prior_belief(np.asarray(values["prior_sincere"])[index],
                                        np.asarray(values["p_high_capacity"])[index])
        return replace(self, particles=Particles(arrays))

    @property
    def used_facts(self) -> tuple[str, ...]:
        """Ids of the facts used to accept."""
        return tuple(f.fact.id for f in self.facts if f.used)

    def accepted_frame(self) -> pd.DataFrame:
        """The accepted parameter sets, one row per accepted scenario.

        Columns: scenario, draw, the Taliban's true type, facts missed, and the value of
        every sampled parameter.
        """
        import pandas as pd

        draws = self.sim.pool_index[self.accepted]
        labels = np.array(["S,H", "S,L", "I,H", "I,L"])
        data: dict[str, Any] = {"scenario": self.accepted, "draw": draws,
                                "taliban_type": labels[self.sim.type_index[self.accepted]],
                                "facts_missed": self.misses[self.accepted]}
        for name in self.pool.varying():
            data[name] = self.pool.values[name][draws]
        return pd.DataFrame(data)

    def backcast_table(self) -> list[dict[str, Any]]:
        """One row per stylised fact (used, out-of-sample or unmapped)."""
        return [f.row() for f in self.facts]

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "as_of": self.as_of.isoformat(), "policy": self.policy, "seed": self.seed,
            "draws": self.draws, "replicates": self.replicates,
            "scenarios": self.draws * self.replicates, "accepted": int(self.accepted.size),
            "approximate": self.approximate, "method": self.method,
            "facts_missed_by_accepted": int(self.misses[self.accepted].max())
            if self.accepted.size else None,
            "facts_missed_histogram": np.bincount(self.misses).tolist(),
            "facts_used": list(self.used_facts), "facts": self.backcast_table(),
            "taliban_type_share": self.type_share,
            "lookup_fallbacks": self.table.fallback_share(),
            "parameters": [{"name": p.name, "prior_mean": p.prior_mean,
                            "posterior_mean": p.posterior_mean,
                            "posterior_90": [p.posterior_low, p.posterior_high],
                            "ks_pvalue": p.ks_pvalue, "label": p.label}
                           for p in self.parameters],
        }


def _parameter_reports(pool: ParameterPool, draw_of: NDArray[np.int64]
                       ) -> tuple[ParameterReport, ...]:
    # Imported here, like pandas above: runs that only simulate (and `import qpq.sim`) do not
    # pay for them.
    from scipy import stats as sps

    varying = pool.varying()
    reports = []
    level = 0.01 / max(len(varying), 1)
    chosen = np.unique(draw_of)
    for name in varying:
        prior = pool.values[name]
        post = prior[draw_of]
        low, high = np.quantile(post, INTERVAL_90)
        # the test counts each accepted draw once: replicates of one draw are not evidence
        pv = float(sps.ks_2samp(prior, prior[chosen]).pvalue) if chosen.size > 1 else 1.0
        reports.append(ParameterReport(
            name, float(prior.mean()), float(prior.std()), float(post.mean()),
            float(post.std()), float(low), float(high),
            pv, bool(pv < level)))
    return tuple(reports)


def calibrate(case: Case, as_of: dt.date, *, draws: int = CALIBRATION_DRAWS,
              replicates: int = CALIBRATION_REPLICATES,
              seed: int = 0, policy: str = "equilibrium", grid_size: int = FACTS_GRID_SIZE,
              min_accept: int = 50, workers: int = 1, start: dt.date | None = None,
              on_progress: Callable[[str, int, int], None] | None = None,
              model: str = "v1") -> CalibrationResult:
    """Calibrate the uncertain parameters to the stylised facts known as of ``as_of``.

    Parameters
    ----------
    case
        The full case (the as-of view is taken here).
    as_of
        Cut-off date: only facts known by then are used, history runs to the last complete
        quarter on or before it.
    draws, replicates
        Parameter points drawn from the plausible ranges, and scenarios per point.
    seed
        Seed of every stream (parameters, types, dynamics).
    policy
        China's policy over the history (default: the game's equilibrium).
    grid_size
        Belief grid of the equilibrium lookup.
    min_accept
        Accept at least this many scenarios (the closest) when fewer match every fact.
    workers
        Worker processes for the lookup tables and the simulation.
    start
        First day of the history (default: the case's ``run.start``).
    on_progress
        Called with (stage, done, total).
    model
        ``v1`` (the one-round game each quarter) or ``v2`` (the repeated relationship with
        history-dependent stage games, docs/model-game.md §7.5 and docs/model-dynamics.md
        §7.9; a fixed policy's relationship is solved with China committed to it).
    """
    resolve_policy(policy)
    check_model(model)
    as_of = as_date(as_of, "as_of")
    draws, replicates = check_whole(draws, "draws", minimum=1), check_whole(
        replicates, "replicates", minimum=1)
    seed, grid_size = check_seed(seed), check_whole(grid_size, "grid_size", minimum=2)
    min_accept = check_whole(min_accept, "min_accept", minimum=1)
    if start is None:
        start = case.run.start
    last = history_end(as_of)
    if last < quarter_of(start):
        raise BadInputError(f"as-of date {as_of} leaves no complete quarter after the start "
                            f"{start}")
    view = case_as_of(case, as_of)
    known = {c.id for c in view.claims}
    facts = stylised_facts(case)
    timeline = build_timeline(view, start, quarter_end(last))
    if model == "v2":
        check_table_budget(draws, len(timeline.v2_regimes()[0]), grid_size, (policy,),
                           lower="lower --draws", unit="draws")
    registry = sim_registry(case)
    pool = sample_pool(registry, draws, seed)

    def progress(stage: str) -> Callable[[int, int], None] | None:
        if on_progress is None:
            return None
        cb = on_progress
        return lambda done, total: cb(stage, done, total)

    table: ContinuationTable | RelationshipTable
    if model == "v2":
        table = relationship_tables(pool, timeline.v2_regimes()[0], grid_size, [policy],
                                    on_progress=progress("equilibrium lookup"),
                                    workers=workers)[policy]
    else:
        table = table_for(pool, timeline.regimes, grid_size, workers=workers,
                          on_progress=progress("equilibrium lookup"))
    windows = fact_stats(facts, timeline.start, timeline.stop - 1)
    n = draws * replicates
    spec = RunSpec(timeline=timeline, pool=pool, table=table, policy=policy, n=n, seed=seed,
                   purpose=Purpose.DYNAMICS, stats=windows, series_sample=min(n, 400),
                   keep_state=True)
    sim = simulate(spec, workers=workers, on_chunk=progress("history"))
    ids, passed = pass_matrix(facts, sim.stats)
    used_cols = np.array([i in known for i in ids], dtype=bool)
    misses = (~passed[:, used_cols]).sum(axis=1) if used_cols.any() else np.zeros(n, int)
    accepted = np.flatnonzero(misses == 0)
    approximate = accepted.size < min_accept
    if approximate:
        accepted = np.sort(np.argsort(misses, kind="stable")[:min(min_accept, n)])
    used_passed = passed[:, used_cols]
    used_ids = [i for i, u in zip(ids, used_cols, strict=True) if u]
    reports = []
    for f in facts:
        evaluable = f.id in ids
        col = passed[:, ids.index(f.id)] if evaluable else np.zeros(n, dtype=bool)
        x = sim.stats[f.id][accepted] if evaluable else np.empty(0)
        lo, med, hi = fact_interval(x[np.isfinite(x)])
        given = others = float("nan")
        if f.id in used_ids:
            rest = np.delete(used_passed, used_ids.index(f.id), axis=1).all(axis=1)
            others = float(rest.mean())
            given = float(col[rest].mean()) if rest.any() else float("nan")
        reports.append(FactReport(
            fact=f, used=evaluable and f.id in known, evaluable=evaluable,
            prior_match=float(col.mean()) if evaluable else float("nan"),
            accepted_match=float(col[accepted].mean()) if evaluable else float("nan"),
            accepted_median=med, accepted_low=lo, accepted_high=hi,
            given_others=given, others_match=others))
    assert sim.state is not None
    draw_of = sim.pool_index[accepted]
    unique, remap = np.unique(draw_of, return_inverse=True)
    arrays = {k: (v[:, accepted] if k == "belief" else v[accepted])
              for k, v in sim.state.items()}
    arrays["pool_index"] = remap.astype(np.int64)
    types = sim.type_index[accepted]
    labels = ("S,H", "S,L", "I,H", "I,L")
    return CalibrationResult(
        as_of=as_of, policy=policy, seed=seed, draws=draws, replicates=replicates,
        timeline=timeline, pool=pool, table=table, facts=tuple(reports), accepted=accepted,
        misses=misses, approximate=approximate, particles=Particles(arrays),
        particle_pool=pool.take(unique, "calibrated"),
        parameters=_parameter_reports(pool, draw_of),
        type_share={lab: float((types == i).mean()) for i, lab in enumerate(labels)},
        sim=sim, model=model)

