"""Rolling-origin backtests: forecast from past origins with what was known then, and score.

For every origin (by default each half-year end from 2016-06-30 to 2024-06-30) the model is
calibrated on the case as known at the origin (:func:`qpq.case.case_as_of`: the calibrator
and the forecast never see the later record), run forward over the horizon, and each event
of :data:`~qpq.sim._record_events.RECORD_EVENTS` is scored against its outcome on the record
as it stands, beside the climatology and persistence baselines
(:mod:`~qpq.sim._record_events`). Scores (:mod:`~qpq.sim._scores`): Brier and log score for
binary events; CRPS (the ranked probability score over unit categories), 50%/90% interval
coverage and the PIT for counts and bands. Skill scores against each baseline are given per
event and pooled over the events of a kind.

The calibration is a parameter, :data:`Calibrator`: by default
(:data:`qpq.sim.DEFAULT_CALIBRATION`) the calibration on the whole record known at each
origin (:func:`qpq.sim.record_calibrator`); ``BacktestSpec(calibration="facts")`` uses
:func:`qpq.sim.calibrate` (ABC rejection on the stylised facts, which has the same
signature); :func:`qpq.sim.calibrator_for` switches between them. Nothing here is tuned on
the scores: they are reported as they come.

Each origin is one independent task (calibration, forecast and scores as of that origin,
seeded from the spec's seed alone, never from the order in which origins run), so the
origins run on any of :mod:`qpq.parallel`'s executors with the same results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.case import Case, case_as_of
from qpq.checks import as_date, as_folder, check_seed, check_whole
from qpq.errors import BadInputError
from qpq.model import check_model, check_policy
from qpq.parallel import ChunkExecutor, InProcess
from qpq.sim._abc import AbcSettings
from qpq.sim._calibration import (
    CALIBRATION_DRAWS,
    CALIBRATION_REPLICATES,
    CALIBRATIONS,
    DEFAULT_CALIBRATION,
    FACTS_GRID_SIZE,
    history_end,
)
from qpq.sim._calibrators import Calibrator, calibrator_for, record_settings_for
from qpq.sim._forecast import ForecastResult, check_window, forecast
from qpq.sim._record_events import (
    RECORD_EVENTS,
    RecordEvent,
    add_months,
    baselines,
    outcome,
    record_event,
)
from qpq.sim._relationship_table import check_table_budget
from qpq.sim._scores import (
    COVERAGE_LEVELS,
    Discrete,
    brier,
    covers,
    crps_discrete,
    log_score,
    pit_histogram,
    skill,
)
from qpq.sim._timeline import build_timeline, quarter_end, quarter_of

__all__ = [
    "MODEL_READINGS",
    "BacktestResult",
    "BacktestSpec",
    "Calibrator",
    "backtest",
    "default_origins",
    "model_forecasts",
    "scored_occurrences",
]

REFERENCES = ("climatology", "persistence")


def default_origins() -> tuple[dt.date, ...]:
    """Every half-year end from 2016-06-30 to 2024-06-30."""
    return tuple(dt.date(y, m, 30 if m == 6 else 31)
                 for y in range(2016, 2025) for m in (6, 12) if (y, m) != (2024, 12))


@dataclass(frozen=True)
class BacktestSpec:
    """What a backtest runs: origins, horizon, model, calibration, ensemble sizes, seed.

    ``calibration`` is ``record`` (the default, :data:`qpq.sim.DEFAULT_CALIBRATION`:
    :func:`qpq.sim.calibrate_record` with ``record``'s settings, default
    :class:`qpq.sim.AbcSettings`; its model is the spec's; then ``draws`` points resampled
    from the posterior × ``replicates`` histories each are the particles) or ``facts``
    (:func:`qpq.sim.calibrate`: ``draws`` prior points × ``replicates`` scenarios, the
    matching ones kept). ``cache_dir`` keeps the record calibrations by content hash
    (``None``: no cache; refused with ``facts``, as are ``record``'s settings).
    """

    origins: tuple[dt.date, ...] = field(default_factory=default_origins)
    horizon_months: int = 12
    model: str = "v1"
    draws: int = CALIBRATION_DRAWS
    replicates: int = CALIBRATION_REPLICATES
    n: int = 10_000
    seed: int = 0
    policy: str = "equilibrium"
    workers: int = 1
    calibration: str = DEFAULT_CALIBRATION
    record: AbcSettings | None = None
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        # a notebook's values in their types: string origins failed deep in the date
        # arithmetic, draws=0 after a calibration had run (found 2026-12-06)
        given = self.origins
        origins = (given,) if isinstance(given, str | dt.date) else tuple(given)
        object.__setattr__(self, "origins", tuple(as_date(o, "origins") for o in origins))
        for name, minimum in (("draws", 1), ("replicates", 1), ("n", 1), ("workers", 1)):
            object.__setattr__(self, name, check_whole(getattr(self, name), name,
                                                       minimum=minimum))
        object.__setattr__(self, "seed", check_seed(self.seed))
        # checked only by check(), these failed there ('"12" % 3') or in a worker; the
        # horizon whole here and in quarters in check() was one rule in two places
        horizon = check_whole(self.horizon_months, "horizon_months (--horizon)", minimum=0)
        if horizon < 3 or horizon % 3:
            raise BadInputError(f"horizon_months (--horizon) must be a positive number of "
                                f"quarters (3m, 6m, 12m, ...), got {horizon}m")
        object.__setattr__(self, "horizon_months", horizon)
        check_model(self.model, field="model (--model)")
        check_policy(self.policy, field="policy (--policy)")
        object.__setattr__(self, "cache_dir", as_folder(self.cache_dir, "cache_dir"))

    def record_settings(self) -> AbcSettings:
        """The record calibration's settings: ``record`` (default: the defaults), this model."""
        return record_settings_for(self.record, self.model)

    def check(self, case: Case) -> None:
        """Reject bad settings before any work (clear message, exit code 2).

        What the spec alone decides (sizes, horizon, model, policy) is checked where it is
        made; this checks it against the case.
        """
        self.calibrator()      # the kind; record settings beside the facts; their model
        if not self.origins:
            raise BadInputError("origins (--origins): give at least one origin")
        if len(set(self.origins)) != len(self.origins):
            raise BadInputError("origins (--origins): an origin is given twice")
        stop = case.run.forecast_as_of
        for origin in self.origins:
            if quarter_end(quarter_of(origin)) != origin:
                raise BadInputError(f"origins (--origins): {origin} is not the last day of a "
                                    "quarter; origins must be quarter ends (e.g. 2020-06-30)")
            try:
                until = self.window_end(origin)
            except (ValueError, OverflowError):      # past the calendar's year 9999
                raise BadInputError(
                    f"--horizon {self.horizon_months}m: the window after {origin} would end "
                    f"after the year 9999; the record's last day is {stop}") from None
            if until > stop:
                raise BadInputError(
                    f"origins (--origins): the window after {origin} ends {until}, after the "
                    "record's "
                    f"last day {stop} (the case's run.forecast_as_of); no outcome to score")
            check_window(origin, until, self.policy, self.n, start=case.run.start,
                         as_of_option="origins (--origins)")
        if self.model == "v2":
            self._check_budget(case)

    def _check_budget(self, case: Case) -> None:
        """Refuse a v2 backtest whose relationship solves, all origins together, pass the budget.

        (:func:`qpq.game.check_relationship_budget`; each solve also checks its own.) The
        facts calibration solves its draws at every origin; the record calibration its game
        points once per distinct stage regime when its solves are cached (later origins
        read the earlier ones'), and every origin's regimes when they are not.
        """
        settings = self.record_settings() if self.calibration == "record" else None
        start = (settings.start if settings else None) or case.run.start
        per_origin = [build_timeline(case_as_of(case, o), start,
                                     quarter_end(history_end(o))).v2_regimes()[0]
                      for o in self.origins]
        every = sum(len(r) for r in per_origin)
        if settings is None:
            check_table_budget(
                self.draws, every, FACTS_GRID_SIZE, (self.policy,), unit="draws",
                at="at every draw of each origin's facts calibration",
                regimes_note=f" (the {len(self.origins)} origins' in all)",
                lower="lower --draws, or give fewer --origins")
            return
        cached = self.cache_dir is not None
        regimes = len({r for rs in per_origin for r in rs}) if cached else every
        how = "each solved once and cached" if cached else "every origin solving its own"
        check_table_budget(
            settings.game_points, regimes, settings.grid_size, ("equilibrium",),
            unit="game points", at="at every game point of the record calibration",
            regimes_note=f" ({how})",
            lower="lower --game-points" + ("" if cached else ", or cache the solves"))

    def window_end(self, origin: dt.date) -> dt.date:
        """The last day of the window scored after ``origin`` (``horizon_months`` later)."""
        return add_months(origin, self.horizon_months)

    def calibrator(self) -> Calibrator:
        """The per-origin calibration (it pickles, for a process pool).

        :func:`qpq.sim.calibrator_for` of ``calibration``: :func:`qpq.sim.calibrate` with
        these sizes, or :func:`qpq.sim.record_calibrator` with :meth:`record_settings`
        (``draws`` posterior points × ``replicates`` histories).
        """
        return calibrator_for(self.calibration, model=self.model, record=self.record,
                              cache_dir=self.cache_dir, seed=self.seed, draws=self.draws,
                              replicates=self.replicates, policy=self.policy,
                              workers=self.workers,
                              min_accept=min(50, self.draws * self.replicates))

    def protocol(self) -> dict[str, Any]:
        """The settings, JSON-ready (the protocol of :meth:`BacktestResult.to_json`)."""
        doc: dict[str, Any] = {
            "origins": [o.isoformat() for o in self.origins],
            "horizon_months": self.horizon_months, "model": self.model, "draws": self.draws,
            "replicates": self.replicates, "n": self.n, "seed": self.seed,
            "policy": self.policy, "calibration_kind": self.calibration,
            "calibration_method": CALIBRATIONS[self.calibration]}
        if self.calibration == "record":
            doc["record_settings"] = self.record_settings().to_json()
        return doc


Stats = Mapping[str, NDArray[np.float64]]


def _band(event: str, fighters: NDArray[np.float64]) -> Discrete:
    """The share of scenarios in each of ``event``'s bands."""
    ev = record_event(event)
    bands = np.searchsorted(np.asarray(ev.bands), fighters, side="right")
    return Discrete(np.bincount(bands, minlength=ev.categories) / bands.size)


def _tip_band(st: Stats) -> Discrete:
    # the fighters the UN counts as ETIM/TIP in Afghanistan (Uyghurs in ISKP count as ISKP)
    return _band("tip_strength_band", st["border"] + st["interior"] + st["coopted"])


MODEL_READINGS: dict[str, Callable[[Stats], Discrete | None]] = {
    "attacks_on_chinese_nationals_afghanistan":
        lambda st: Discrete.from_samples(st["nationals_count"]),
    "attacks_cross_border_central_asia":
        lambda st: Discrete.from_samples(st["central_asia_count"]),
    "china_recognizes_de_jure":
        lambda st: Discrete.bernoulli(float((st["recognised_any"] >= 1).mean())),
    "taliban_action_against_uyghur_militants":
        lambda st: Discrete.bernoulli(float((st["taliban_acts_any"] >= 1).mean())),
    "tip_strength_band": _tip_band,
    # the ISKP index has a fighter scale only where the calibration's posterior carries one
    "iskp_strength_band": lambda st: (_band("iskp_strength_band", st["iskp_fighters"])
                                      if "iskp_fighters" in st else None),
}
"""How each backtest event is read from a forecast run's window statistics
(:func:`qpq.sim.forecast_stats`); ``None``: the model does not forecast it."""


def model_forecasts(res: ForecastResult) -> dict[str, Discrete | None]:
    """The model's predictive distribution of every backtest event, from a forecast run."""
    return {ev.name: MODEL_READINGS[ev.name](res.sim.stats) for ev in RECORD_EVENTS}


def _describe(ev: RecordEvent, f: Discrete | None) -> dict[str, Any] | None:
    if f is None:
        return None
    if ev.kind == "binary":
        return {"probability": float(f.pmf[1]) if f.pmf.size > 1 else 0.0}
    doc: dict[str, Any] = {"mean": f.mean(), "median": f.quantile(0.5)}
    for c in COVERAGE_LEVELS:
        doc[f"interval_{round(c * 100)}"] = list(f.interval(c))
    if ev.kind == "band":
        doc["probabilities"] = f.pmf.tolist()
    return doc


def _scores(ev: RecordEvent, f: Discrete | None, y: int) -> dict[str, Any] | None:
    if f is None:
        return None
    if ev.kind == "binary":
        p = float(f.pmf[1]) if f.pmf.size > 1 else 0.0
        return {"brier": brier(p, y), "log": log_score(p, y)}
    doc: dict[str, Any] = {"crps": crps_discrete(f, y)}
    for c in COVERAGE_LEVELS:
        doc[f"covered_{round(c * 100)}"] = covers(f, y, c)
    doc["pit"] = list(f.pit(y))
    return doc


@dataclass(frozen=True)
class BacktestResult:
    """Per origin and event: forecasts, the outcome, scores; pooled skill tables."""

    spec: BacktestSpec
    rows: tuple[dict[str, Any], ...]
    seconds: tuple[float, ...]

    def pooled(self) -> dict[str, Any]:
        """Mean scores, skill, coverage and PIT histogram per event and per kind of event.

        Means are over the origins with an outcome that every source forecast (for an event
        the model does not forecast, both baselines), so the columns compare like with like.
        """
        out: dict[str, Any] = {}
        for ev in RECORD_EVENTS:
            out[ev.name] = _pool([r for r in self.rows if r["event"] == ev.name], ev.kind)
        for kind in ("binary", "count", "band"):
            out[f"all_{kind}"] = _pool([r for r in self.rows if r["kind"] == kind], kind)
        return out

    def skill_table(self) -> list[dict[str, Any]]:
        """The pooled skill table, one row per event and per kind of event.

        Each row: ``event``, ``score`` (``brier`` for binary events, ``crps`` otherwise),
        ``origins``, the three sources' mean ``scores`` (model, climatology, persistence),
        the model's ``skill_vs_climatology`` / ``skill_vs_persistence`` and its 90%
        ``coverage`` (``None`` where it has none). The report and the docs print this table.
        """
        pooled = self.pooled()
        names = [(e.name, e.kind) for e in RECORD_EVENTS]
        names += [(f"all_{k}", k) for k in ("binary", "count", "band")]
        rows = []
        for name, kind in names:
            doc = pooled[name]
            key = "brier" if kind == "binary" else "crps"
            e = doc[key]
            rows.append({"event": name, "kind": kind, "score": key,
                         "origins": doc["origins_in_means"],
                         "scores": {k: e[k] for k in ("model", "climatology", "persistence")},
                         "skill_vs_climatology": e["skill_vs_climatology"],
                         "skill_vs_persistence": e["skill_vs_persistence"],
                         "coverage": doc.get("coverage_model", {}).get("90")})
        return rows

    def skill_document(self, generated: dt.date) -> dict[str, Any]:
        """The skill table with its protocol and date.

        This is the file the forecast reads (:data:`qpq.sim._forecast.SKILL_FILE`).
        """
        block = "backtest-record" if self.spec.calibration == "record" else "backtest-v1"
        return {"generated": generated.isoformat(),
                "regenerate": f"python docs/regenerate_numbers.py {block}",
                "protocol": self.spec.protocol(),
                "skill": self.skill_table()}

    def to_json(self) -> dict[str, Any]:
        """The JSON document of ``qpq sim backtest --json``."""
        return {
            "protocol": {
                **self.spec.protocol(),
                "calibration": "per origin, on the case as known at the origin",
                "baselines": {"climatology": "trailing five years before the origin",
                              "persistence": "the last window of the same length"},
                "scores": "negatively oriented; skill = 1 - mean score / mean baseline score",
                "events": {ev.name: {"kind": ev.kind, "description": ev.description,
                                     "record": ev.definition, "model": ev.model,
                                     "bands": list(ev.bands) or None}
                           for ev in RECORD_EVENTS}},
            "seconds_per_origin": list(self.seconds),
            "rows": list(self.rows),
            "pooled": self.pooled(),
        }


def scored_occurrences(case: Case, protocol: Mapping[str, Any],
                       events: tuple[str, ...]) -> dict[str, Any]:
    """How many of the record's events a packaged backtest's skill of ``events`` rests on.

    The occurrences in ``case``'s record of the named :data:`RECORD_EVENTS` inside the scored
    windows of the skill document's ``protocol``: after its first origin, up to the end of
    its last origin's window (:meth:`qpq.sim.BacktestSpec.window_end`). Returns
    ``occurrences`` (all of them), ``by_event`` and the span (``from``, ``to``).
    """
    origins = tuple(sorted(dt.date.fromisoformat(o) for o in protocol["origins"]))
    end = BacktestSpec(origins=origins, horizon_months=int(protocol["horizon_months"])
                       ).window_end(origins[-1])
    by_event = {r.name: sum(1 for day, _ in r.read(case) if origins[0] < day <= end)
                for r in RECORD_EVENTS if r.name in events}
    return {"occurrences": sum(by_event.values()), "by_event": by_event,
            "from": origins[0].isoformat(), "to": end.isoformat()}


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _pool(rows: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    scored = [r for r in rows if r["outcome"] is not None]
    keys = ("brier", "log") if kind == "binary" else ("crps",)
    doc: dict[str, Any] = {"origins_scored": len(scored),
                           "origins_without_outcome": len(rows) - len(scored)}
    # every mean is over the same forecasts: those every source made (for an event the model
    # does not forecast, those both baselines made)
    base = [r for r in scored if all(r["scores"][b] is not None for b in REFERENCES)]
    both = [r for r in base if r["scores"]["model"] is not None]
    used = both or base
    doc["compared"] = len(both)
    doc["origins_in_means"] = len(used)
    sources = ("model", *REFERENCES) if both else REFERENCES
    for key in keys:
        entry: dict[str, Any] = {"model": None}
        for src in sources:
            entry[src] = _mean([r["scores"][src][key] for r in used])
        for b in REFERENCES:
            entry[f"skill_vs_{b}"] = skill(
                [r["scores"]["model"][key] for r in both],
                [r["scores"][b][key] for r in both]) if both else None
        doc[key] = entry
    if kind != "binary":
        for src in ("model", *REFERENCES):
            have = [r["scores"][src] for r in used] if src in sources else []
            doc[f"coverage_{src}"] = {
                f"{round(c * 100)}": _mean([float(h[f"covered_{round(c * 100)}"])
                                            for h in have]) for c in COVERAGE_LEVELS}
            doc[f"pit_histogram_{src}"] = (pit_histogram([tuple(h["pit"]) for h in have],
                                                         bins=5).tolist() if have else None)
    return doc


@dataclass(frozen=True)
class _OriginTask:
    """One origin's calibration, forecast and scores.

    A pure function of the case, the spec and the origin (both seeds are the spec's, never
    the origin's place in the run), so it runs on any executor with the same result.
    """

    case: Case
    spec: BacktestSpec
    calibrate_at: Calibrator

    def __call__(self, item: tuple[int, dt.date]) -> tuple[int, list[dict[str, Any]], float]:
        import time

        i, origin = item
        case, spec = self.case, self.spec
        t0 = time.perf_counter()
        until = spec.window_end(origin)
        view = case_as_of(case, origin)
        cal = self.calibrate_at(view, origin)
        res = forecast(view, cal, until, policy=spec.policy, n=spec.n, seed=spec.seed,
                       workers=spec.workers)
        models = model_forecasts(res)
        rows: list[dict[str, Any]] = []
        for ev in RECORD_EVENTS:
            y = outcome(case, ev, origin, until)
            base = baselines(case, ev, origin, spec.horizon_months)
            sources = {"model": models[ev.name], "climatology": base.climatology,
                       "persistence": base.persistence}
            rows.append({
                "origin": origin.isoformat(), "until": until.isoformat(), "event": ev.name,
                "kind": ev.kind, "outcome": y,
                "forecasts": {k: _describe(ev, f) for k, f in sources.items()},
                "scores": {k: (None if y is None else _scores(ev, f, y))
                           for k, f in sources.items()},
                "calibration": {"kind": cal.kind, "accepted": int(cal.accepted.size),
                                "approximate": cal.approximate,
                                "facts_used": len(cal.used_facts),
                                "calibrated": sorted(n for n, lab in
                                                     cal.parameter_labels.items()
                                                     if lab == "calibrated")}})
        return i, rows, time.perf_counter() - t0


def backtest(case: Case, spec: BacktestSpec | None = None, *,
             calibrator: Calibrator | None = None, executor: ChunkExecutor | None = None,
             on_progress: Callable[[str, int, int], None] | None = None) -> BacktestResult:
    """Run the rolling-origin backtest of ``spec`` on ``case``.

    Parameters
    ----------
    case
        The full case: its record gives the outcomes; the model and the baselines see only
        its as-of view at each origin.
    spec
        Origins, horizon, model and sizes (default: :class:`BacktestSpec`).
    calibrator
        Calibration per origin (default: ``spec.calibrator()``). On a process pool it must
        pickle (a module-level function or an object); Dask also ships closures.
    executor
        Runs the origins, each one task (:mod:`qpq.parallel`; default: in this process, one
        after another). The results do not depend on it. With any other executor the
        origin itself runs in one process: ``spec.workers`` must be 1.
    on_progress
        Called with (stage, origins done, origins) as each origin finishes.

    Raises
    ------
    BadInputError
        For bad settings, or ``spec.workers`` (or a given calibrator's ``workers``) > 1 with
        an executor of worker processes.
    """
    spec = spec or BacktestSpec()
    spec.check(case)
    ex: ChunkExecutor = executor or InProcess()
    own = int(getattr(calibrator, "workers", 1))          # a calibrator's own pool
    if not isinstance(ex, InProcess) and max(spec.workers, own) > 1:
        # a Dask worker is a daemon process, which may not start a pool of its own; and
        # nested pools would oversubscribe the cores anyway
        raise BadInputError(f"workers (--workers): on the {ex.name} executor each origin runs "
                            f"in one worker process; give the workers to the executor, not to the "
                            f"origin (spec.workers {spec.workers}, the calibrator's workers "
                            f"{own}; allowed: 1)")
    task = _OriginTask(case, spec, calibrator or spec.calibrator())
    total = len(spec.origins)
    done: dict[int, tuple[list[dict[str, Any]], float]] = {}
    if on_progress is not None:
        on_progress("backtest", 0, total)
    for i, rows, secs in ex.map_unordered(task, list(enumerate(spec.origins))):
        done[i] = (rows, secs)
        if on_progress is not None:
            on_progress(f"backtest origin {spec.origins[i]}", len(done), total)
    if on_progress is not None:
        on_progress("backtest", total, total)
    ordered = [done[i] for i in range(total)]
    return BacktestResult(spec, tuple(r for rows, _ in ordered for r in rows),
                          tuple(secs for _, secs in ordered))
