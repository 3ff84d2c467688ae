"""Policy runs: the whole history and beyond under each of China's policies, side by side.

:func:`run_policies` is what ``qpq sim run`` does: one parameter pool (the defaults, or
``draws`` points from the plausible ranges), one equilibrium lookup, and one ensemble per
policy sharing every random number (common random numbers), from the case's ``run.start``
to ``until``, with the case's full history. Each run can stream to Parquet
(:mod:`qpq.sim._parquet`). Under model v2 the lookup is the relationship's, one table per
distinct commitment of China (:func:`qpq.sim._tables.relationship_tables`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qpq.case import Case
from qpq.checks import as_date, as_folder, as_mapping, as_names, check_flag, check_seed, check_whole
from qpq.errors import BadInputError
from qpq.files import signals_held
from qpq.game import ALL_EFFORTS, EFFORTS
from qpq.model import check_model
from qpq.sim._engine import SERIES, RunSpec, SimResult, WindowStat, simulate
from qpq.sim._lookup import ContinuationTable
from qpq.sim._policies import policy_names, resolve_policy
from qpq.sim._pools import ParameterPool, default_pool, sample_pool, sim_registry
from qpq.sim._relationship_table import RelationshipTable, check_table_budget
from qpq.sim._tables import relationship_tables, table_for
from qpq.sim._timeline import EARLIEST, LATEST, build_timeline, quarter_of

if TYPE_CHECKING:
    import pandas as pd

    from qpq.sim._parquet import ParquetSink

__all__ = ["PolicyRuns", "RunRequest", "run_policies", "summary_stats"]


@dataclass(frozen=True)
class RunRequest:
    """What ``qpq sim run`` runs.

    Attributes
    ----------
    policies
        Registry policy names (default: all).
    start, until
        First and last day of the run (default: the case's ``run.start`` and ``run.until``).
    n, seed
        Scenarios per policy and seed.
    draws
        0: every scenario at the defaults; k > 0: k parameter points from the ranges.
    overrides
        ``--set NAME=VALUE`` pairs (validated against each parameter's range).
    window_start
        First day of the window of the per-scenario summary statistics (default: the case's
        ``run.takeover``).
    grid_size, workers, chunk_blocks, series_sample
        Lookup grid, worker processes, blocks per chunk, scenarios that keep series.
    out_dir
        Stream results here (one sub-folder per policy), if given.
    model
        ``v1`` (the one-round game each quarter) or ``v2`` (the repeated relationship,
        docs/model-dynamics.md §7.2, §7.9).
    coopt
        Model v2 only: the Taliban may also co-opt (four efforts, :data:`qpq.game.ALL_EFFORTS`).
    """

    policies: tuple[str, ...] = field(default_factory=policy_names)
    start: dt.date | None = None
    until: dt.date | None = None
    n: int = 10_000
    seed: int = 0
    draws: int = 0
    overrides: Mapping[str, str] = field(default_factory=dict)
    window_start: dt.date | None = None
    grid_size: int = 24
    workers: int = 1
    chunk_blocks: int = 32
    series_sample: int = 1000
    out_dir: Path | None = None
    model: str = "v1"
    coopt: bool = False

    def __post_init__(self) -> None:
        # a notebook's values in their canonical types, refused here naming the field: a
        # lone policy name was iterated letter by letter, seed 1.5 ran seed 1, n=True one
        # scenario, workers=0 named chunk_blocks (found 2026-12-06)
        object.__setattr__(self, "policies",
                           as_names(self.policies, "policies") or policy_names())
        # a policy given twice ran once, its row silently missing from the count asked for
        twice = sorted({p for p in self.policies if self.policies.count(p) > 1})
        if twice:
            raise BadInputError(f"policies (--policy): {', '.join(twice)} given more than "
                                "once; allowed: each policy once")
        object.__setattr__(self, "seed", check_seed(self.seed))
        for name, minimum in (("n", 1), ("draws", 0), ("grid_size", 2), ("workers", 1),
                              ("chunk_blocks", 1), ("series_sample", 0)):
            object.__setattr__(self, name, check_whole(getattr(self, name), name,
                                                       minimum=minimum))
        # coopt="no" is true to Python and let the Taliban co-opt
        object.__setattr__(self, "coopt", check_flag(self.coopt, "coopt"))
        # None is no overrides, as everywhere else (the pools and ParameterRegistry.point)
        object.__setattr__(self, "overrides", as_mapping(self.overrides, "overrides"))
        # "2000-01-01" and datetimes were kept and ended in "'<=' not supported between
        # instances of 'datetime.date' and 'str'" when the run started
        for name in ("start", "until", "window_start"):
            day = getattr(self, name)
            if day is not None:
                object.__setattr__(self, name, as_date(day, name))
        object.__setattr__(self, "out_dir", as_folder(self.out_dir, "out_dir"))

    def for_case(self, case: Case) -> RunRequest:
        """A copy with the dates this request leaves open taken from the case's ``run`` block."""
        if self.start and self.until and self.window_start:
            return self
        run = case.run
        return replace(self, start=self.start or run.start, until=self.until or run.until,
                       window_start=self.window_start or run.takeover)

    def dates(self) -> tuple[dt.date, dt.date, dt.date]:
        """Start, until and window start; :meth:`for_case` fills those left open."""
        if self.start is None or self.until is None or self.window_start is None:
            raise ValueError("dates left open: resolve them with RunRequest.for_case(case)")
        return self.start, self.until, self.window_start

    def check(self) -> None:
        """Raise :class:`BadInputError` for bad input (unknown policy, dates, sizes)."""
        for p in self.policies:
            resolve_policy(p)
        start, until, window = self.dates()
        # the one bound broken, by name: "need 1990-01-01 <= start < until" read as if
        # until 1990-01-01 were allowed
        for day, name in ((start, "start (--start)"), (until, "until (--until)")):
            if not EARLIEST <= day <= LATEST:
                raise BadInputError(f"{name} {day} is outside the simulator's range "
                                    f"{EARLIEST}..{LATEST}")
        if not start < until:
            raise BadInputError(f"until (--until) {until} must be after start (--start) {start}")
        if not start <= window <= until:
            raise BadInputError(f"the summary window start {window} must lie in "
                                f"the run {start}..{until}")
        check_model(self.model)
        if self.coopt and self.model != "v2":
            raise BadInputError("co-optation (coopt, --coopt) is a choice of model v2 only; "
                                "give model v2 (--model v2)")


def summary_stats(first: int, last: int) -> tuple[WindowStat, ...]:
    """The per-scenario statistics ``qpq sim run`` reports over [first, last]."""
    return (
        WindowStat("attacks_china", "attacks_china", first, last, "sum"),
        WindowStat("attacks_nationals", "attacks_nationals", first, last, "sum"),
        WindowStat("attacks_central_asia", "attacks_central_asia", first, last, "sum"),
        WindowStat("expected_attacks_china", "expected_attacks_china", first, last, "sum"),
        WindowStat("expected_attacks_nationals", "expected_attacks_nationals", first, last,
                   "sum"),
        WindowStat("recognition_time", "recognised", first, last, "first_positive"),
        WindowStat("recognised_share", "recognised", first, last, "mean"),
        WindowStat("engaged_share", "engaged", first, last, "mean"),
        WindowStat("militants_border", "militants_border", first, last, "final"),
        WindowStat("militants_iskp", "militants_iskp", first, last, "final"),
        WindowStat("militants_remaining", "militants_remaining", first, last, "final"),
        WindowStat("iskp_strength", "iskp_strength", first, last, "final"),
        WindowStat("china_payoff", "china_payoff", first, last, "discounted_sum"),
        WindowStat("taliban_payoff", "taliban_payoff", first, last, "discounted_sum"),
        WindowStat("china_pays", "china_pays", first, last, "sum"),
    )


def run_policies(case: Case, request: RunRequest,
                 on_progress: Callable[[str, int, int], None] | None = None
                 ) -> tuple[ParameterPool, dict[str, SimResult]]:
    """Run every requested policy with common random numbers; return the pool and results.

    Dates the request leaves open come from the case's ``run`` block.

    Parameters
    ----------
    case
        The case (its parameters, dated phases and ``run`` block).
    request
        Policies, ensemble size, seed, parameter draws or overrides, dates, model, workers
        and an optional Parquet folder (:class:`RunRequest`, checked where it is made).
    on_progress
        ``(stage, done, total)`` callback (the lookup's solve, then each policy's chunks).

    Returns
    -------
    tuple of ParameterPool and dict
        The parameter points every policy ran on, and ``policy -> SimResult`` in the
        request's order (:class:`PolicyRuns` wraps them with the request).

    Raises
    ------
    BadInputError
        For a request the case cannot run (an unknown policy or parameter, dates outside
        the history, a v2 run over the time budget, an output folder holding other files),
        before any work.
    """
    request = request.for_case(case)
    request.check()
    start, until, window_start = request.dates()
    registry = sim_registry(case)
    timeline = build_timeline(case, start, until)
    if request.model == "v2":
        # before any draw: refused work must cost nothing
        check_table_budget(max(request.draws, 1), len(timeline.v2_regimes()[0]),
                           request.grid_size, request.policies,
                           lower="lower --draws, or fewer policies", unit="draws")
    pool = (sample_pool(registry, request.draws, request.seed, request.overrides)
            if request.draws else default_pool(registry, request.overrides))
    sinks: dict[str, ParquetSink] = {}
    if request.out_dir is not None:
        # Only runs written to disk need DuckDB and pandas. Made before any work: a sink
        # refuses a folder it may not replace
        from qpq.sim._parquet import ParquetSink

        sinks = {name: ParquetSink(request.out_dir / name, {"policy": name,
                                                             "pool": pool.origin,
                                                             "model": request.model})
                 for name in request.policies}

    def cb(stage: str) -> Callable[[int, int], None] | None:
        if on_progress is None:
            return None
        f = on_progress
        return lambda done, total: f(stage, done, total)

    tables: dict[str, ContinuationTable | RelationshipTable]
    if request.model == "v2":
        tables = dict(relationship_tables(pool, timeline.v2_regimes()[0], request.grid_size,
                                          request.policies,
                                          efforts=ALL_EFFORTS if request.coopt else EFFORTS,
                                          on_progress=cb("relationship lookup"),
                                          workers=request.workers))
    else:
        table = table_for(pool, timeline.regimes, request.grid_size, workers=request.workers,
                          on_progress=cb("equilibrium lookup"))
        tables = dict.fromkeys(request.policies, table)
    stats = summary_stats(max(quarter_of(window_start), timeline.start),
                          timeline.stop - 1)
    results: dict[str, SimResult] = {}
    try:
        for name in request.policies:
            spec = RunSpec(timeline=timeline, pool=pool, table=tables[name], policy=name,
                           n=request.n, seed=request.seed, stats=stats,
                           series_sample=min(request.n, request.series_sample))
            sink = sinks.get(name)
            res = simulate(spec, chunk_blocks=request.chunk_blocks, workers=request.workers,
                           on_chunk=cb(name), sink=sink)
            if sink is not None:
                sink.complete(res)
            results[name] = res
    except BaseException:
        # no policy's run is put in place until all are whole: a full disk or a Ctrl-C in
        # the third policy left the first two new beside the rest old
        for sink in sinks.values():
            sink.abandon()
        raise
    with signals_held():
        for sink in sinks.values():
            sink.install()
    return pool, results



@dataclass(frozen=True)
class PolicyRuns:
    """The runs of :func:`run_policies` with the request behind them, and their summary.

    Attributes
    ----------
    request
        The request, its dates resolved (:meth:`RunRequest.for_case`).
    pool
        The parameter pool every policy ran on.
    results
        ``policy -> SimResult``, in the request's order.
    """

    request: RunRequest
    pool: ParameterPool
    results: Mapping[str, SimResult]

    def __repr__(self) -> str:
        # the default repr printed every run (over 130,000 characters)
        return (f"PolicyRuns(policies={list(self.results)}, n={self.request.n:,}, "
                f"pool={self.pool.origin!r})")

    def summary(self) -> dict[str, dict[str, float | None]]:
        """``policy -> statistic -> mean over the scenarios`` (``None`` where none is finite).

        The statistics of :func:`summary_stats` over the summary window, and
        ``recognised_ever``: the share of scenarios with a recognition in the window.
        ``recognition_time`` counts quarters from the window's first quarter to the first
        quarter recognised (NaN where none is), so its mean is over the scenarios that
        recognised.
        """
        out: dict[str, dict[str, float | None]] = {}
        for name, res in self.results.items():
            row: dict[str, float | None] = {
                k: float(np.nanmean(v)) if np.isfinite(v).any() else None
                for k, v in res.stats.items()}
            row["recognised_ever"] = float(np.isfinite(res.stats["recognition_time"]).mean())
            out[name] = row
        return out

    def to_dict(self) -> dict[str, Any]:
        """The run's settings and :meth:`summary` (the core of ``qpq sim run --json``)."""
        start, until, window = self.request.dates()
        return {"n": self.request.n, "seed": self.request.seed, "start": start.isoformat(),
                "until": until.isoformat(), "window_start": window.isoformat(),
                "parameters": self.pool.origin, "draws": self.request.draws,
                "model": self.request.model, "policies": self.summary()}

    def to_frame(self) -> pd.DataFrame:
        """:meth:`summary` as a table: one row per policy, one column per statistic."""
        import pandas as pd

        frame = pd.DataFrame.from_dict(self.summary(), orient="index", dtype=float)
        frame.index.name = "policy"
        return frame

    def series(self, variable: str) -> pd.DataFrame:
        """Ensemble means of one series (:data:`qpq.sim.SERIES`) by quarter.

        One column per policy; the index holds the quarter labels (``2021Q3``).
        """
        import pandas as pd

        if variable not in SERIES:
            raise BadInputError(f"unknown series {variable!r}; known: {', '.join(SERIES)}")
        j = SERIES.index(variable)
        first = next(iter(self.results.values()))
        frame = pd.DataFrame({name: res.mean_series[:, j] for name, res in self.results.items()},
                             index=pd.Index(first.spec.timeline.labels(), name="quarter"))
        frame.columns.name = "policy"
        return frame
