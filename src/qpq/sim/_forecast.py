"""As-of forecasts: the calibrated ensemble carried on from the as-of date.

:func:`forecast` takes a :class:`~qpq.sim._calibration.CalibrationResult` (particles at the
as-of date), keeps the particles that agree with what the record knows then
(:func:`known_state`: no history in which China had already recognised the Taliban),
resamples ``n`` scenarios from them (each block from its own
resampling stream), and runs them from the first quarter after the history to the quarter
containing ``until`` under a policy, with the history the as-of view knows (phases still
running go on; later events are unknown). Over that window it reports the events of
:data:`EVENTS`, each with what the calibration used that bears on it (the stylised facts for
the facts calibration; the record's observations — attack counts, strength estimates, Taliban
actions, milestones and the facts — for the record calibration) and a label that needs both
that evidence and constrained parameters (:func:`event_label`: "calibrated", "partly
calibrated", "evidence seen, parameters unconstrained (assumption-driven)" or
"uncalibrated (assumption-driven)"); the backtest skill of its event type from the packaged
skill table of that calibration's backtest (:data:`SKILL_FILES`, not recomputed here) and
whether the calibration constrained the parameters it depends on. :func:`event_values` is the
one definition of the events' values (the dashboard's what-if uses it too).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from qpq.case import Case, case_as_of
from qpq.checks import as_date, check_seed, check_whole
from qpq.errors import BadInputError, QpqError
from qpq.sim._abc import NOT_APPLIED, RecordCalibration
from qpq.sim._calibration import UNCALIBRATED, CalibrationResult, check_known_by, history_end
from qpq.sim._engine import SERIES, Particles, RunSpec, SimResult, WindowStat, simulate
from qpq.sim._lookup import ContinuationTable
from qpq.sim._policies import relationship_moves, resolve_policy
from qpq.sim._record import describe_observations
from qpq.sim._record_events import outcome, record_event
from qpq.sim._relationship_table import RelationshipTable, check_table_budget
from qpq.sim._rng import Purpose
from qpq.sim._tables import relationship_tables, select_regimes, table_for
from qpq.sim._timeline import LATEST, build_timeline, quarter_end, quarter_of
from qpq.stats import INTERVAL_90, binomial_interval, median_interval, percent

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EVENTS",
    "SERIES_EVENTS",
    "EventSpec",
    "ForecastResult",
    "KnownState",
    "RecognitionBelief",
    "RecordOutcome",
    "check_window",
    "derived_text",
    "event_values",
    "forecast",
    "forecast_stats",
    "known_state",
    "recognition_belief",
    "record_outcomes",
]


@dataclass(frozen=True, slots=True)
class EventSpec:
    """A forecast event: what it measures and which simulator outputs bear on it.

    ``depends_on`` names the parameters whose terms produce the event in the dynamics'
    equations (docs/model-dynamics.md §5), read against the calibration's labels;
    ``record_event`` names the backtest's event of the same type
    (:data:`qpq.sim._record_events.RECORD_EVENTS`), ``None`` where the record has none;
    ``derived`` the record calibration's derived quantities (:data:`qpq.sim.DERIVED`) that
    are the event's level at the as-of date, where the forecast starts.
    """

    name: str
    kind: str
    unit: str
    description: str
    bears_on: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    record_event: str | None = None
    derived: tuple[str, ...] = ()


EVENTS: tuple[EventSpec, ...] = (
    EventSpec("china_recognizes_de_jure", "probability", "probability",
              "China holds de jure recognition of the Taliban at some quarter of the window",
              ("recognised", "recognition_status", "engaged"),
              ("recognition_cost", "recognition_value", "recognition_threshold",
               "third_party_recognition_factor", "prior_sincere"),
              "china_recognizes_de_jure"),
    EventSpec("attacks_on_chinese_nationals_afghanistan", "expected count", "attacks",
              "Expected attacks on Chinese nationals in Afghanistan over the window",
              ("attacks_nationals", "expected_attacks_nationals"),
              ("attack_rate", "interior_reach", "iskp_china_attack_rate", "boycott_exposure",
               "attack_dispersion"),
              "attacks_on_chinese_nationals_afghanistan",
              ("attacks_nationals_etim", "attacks_nationals_iskp")),
    EventSpec("attacks_cross_border_central_asia", "expected count", "attacks",
              "Expected attacks across the border into Central Asia over the window",
              ("attacks_central_asia", "expected_attacks_central_asia"),
              ("attack_rate", "cross_border_share", "iskp_china_attack_rate",
               "attack_dispersion"),
              "attacks_cross_border_central_asia",
              ("attacks_central_asia_etim", "attacks_central_asia_iskp")),
    EventSpec("militants_at_border_share", "expected share", "share of remaining militants",
              "Expected share of the remaining Uyghur militants in the border zone at the end",
              ("militants_border", "militants_relocated", "militants_transferred"),
              ("taliban_action_rate", "transfer_share", "recruitment", "defection_share"),
              derived=("tip_border", "tip_afghanistan")),
    EventSpec("militants_coopted_share", "expected share", "share of remaining militants",
              "Expected share of the remaining Uyghur militants co-opted into Taliban ranks",
              ("militants_coopted", "militants_relocated"),
              ("coopt_share", "taliban_action_rate")),
    EventSpec("militants_eliminated", "probability", "probability",
              "Probability that no militants remain (all stocks below elimination_threshold)",
              ("militants_border", "militants_transferred", "militants_remaining"),
              ("militants_initial_border", "recruitment", "base_neutralise_rate",
               "crackdown_neutralise_share", "elimination_threshold"),
              derived=("tip_afghanistan",)),
    EventSpec("iskp_strength", "median and 90% interval", "index (0-1)",
              "ISKP strength at the end of the window", ("iskp_strength",),
              ("iskp_strength_initial", "iskp_growth", "iskp_attrition", "iskp_recruit_gain"),
              "iskp_strength_band", ("iskp_fighters", "iskp_index")),
)
"""The events of ``qpq sim forecast`` (docs/model-dynamics.md §7.8)."""

SKILL_FILE = "backtest_skill.json"
"""The packaged skill table of the facts calibration's backtest (in this package), written by
``python docs/regenerate_numbers.py backtest-v1``
(:meth:`qpq.sim.BacktestResult.skill_document`); the forecast reads it, never runs a backtest."""

SKILL_FILES: dict[str, str] = {"facts": SKILL_FILE, "record": "backtest_skill_record.json"}
"""The packaged skill table of each calibration's backtest (the record's is written by
``python docs/regenerate_numbers.py backtest-record``): a forecast quotes the skill of the
backtest that was calibrated as it is."""


def packaged_skill(calibration: str = "facts") -> dict[str, Any] | None:
    """The packaged backtest skill document of ``calibration``'s backtest, or ``None``.

    Each call parses a fresh document (the caller may change it); the file is read once per
    process (:func:`_skill_text`), so a process that rewrites it and reads it again calls
    ``_skill_text.cache_clear()`` in between.
    """
    import json

    text = _skill_text(SKILL_FILES[calibration])
    if text is None:
        return None
    doc: dict[str, Any] = json.loads(text)
    return doc


@functools.lru_cache(maxsize=len(SKILL_FILES))
def _skill_text(name: str) -> str | None:
    # the text, not the parsed document: a str cannot be changed by a caller, and parsing it
    # costs less than a deep copy of the parsed document would (35 µs against 80 µs here)
    from importlib import resources

    path = resources.files("qpq.sim").joinpath(name)
    return path.read_text() if path.is_file() else None


def event_skill(spec: EventSpec, document: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The backtest skill of ``spec``'s event type from a skill document (``None``: none)."""
    if document is None or spec.record_event is None:
        return None
    row = next((r for r in document["skill"] if r["event"] == spec.record_event), None)
    if row is None:
        return None
    return {"event": row["event"], "score": row["score"], "origins": row["origins"],
            "skill_vs_climatology": row["skill_vs_climatology"],
            "skill_vs_persistence": row["skill_vs_persistence"],
            "model_score": row["scores"]["model"], "coverage_90": row["coverage"],
            "backtest_model": document["protocol"]["model"],
            "backtest_policy": document["protocol"].get("policy"),
            "backtest_calibration": document["protocol"].get("calibration_kind", "facts"),
            "generated": document["generated"]}


NOT_SAMPLED_LABEL = "not sampled (assumption)"
"""The label of a parameter the calibration does not sample (its value is an assumption)."""


def event_parameters(spec: EventSpec, cal: CalibrationResult) -> dict[str, Any]:
    """Whether the calibration constrained each parameter ``spec`` depends on.

    ``constrained`` says ``all``, ``some`` or ``none`` of them (parameters the calibration
    does not sample count as unconstrained: their values are assumptions); ``calibration``
    names the calibration (``facts`` or ``record``). Where the calibration labels its
    parameters (the record's), ``labels`` gives each one's label (a parameter counts as
    constrained when labelled calibrated; weakly constrained ones are named apart), and
    ``derived`` the labels of the event's derived quantities at the as-of date
    (:attr:`EventSpec.derived`), which can be narrowed where no parameter is.
    """
    reports = {p.name: p for p in cal.parameters}
    rows = {n: (bool(reports[n].constrained) if n in reports else False)
            for n in spec.depends_on}
    hit = sum(rows.values())
    doc: dict[str, Any] = {
        "constrained": "all" if rows and hit == len(rows) else ("some" if hit else "none"),
        "calibration": cal.kind, "parameters": rows}
    if cal.parameter_labels:
        doc["labels"] = {n: cal.parameter_labels.get(n, NOT_SAMPLED_LABEL)
                         for n in spec.depends_on}
    derived = (cal.details or {}).get("derived_labels") or {}
    if spec.derived and derived:
        # the level the forecast starts from can be narrowed where no parameter is
        doc["derived"] = {n: derived[n] for n in spec.derived if n in derived}
    return doc


def derived_text(constrained: Mapping[str, Any]) -> str:
    """The event's level at the as-of date as the record calibration narrowed it, in words.

    From :func:`event_parameters`' ``derived``: the quantities labelled calibrated or weakly
    constrained, e.g. "at the as-of date: iskp_fighters calibrated"; empty where none is (or
    the calibration labels none).
    """
    hit = [f"{k} {lab}" for k, lab in constrained.get("derived", {}).items()
           if lab in ("calibrated", "weakly constrained")]
    return f"at the as-of date: {', '.join(hit)}" if hit else ""


SERIES_EVENTS: dict[str, str] = {
    "expected_attacks_nationals": "attacks_on_chinese_nationals_afghanistan",
    "iskp_strength": "iskp_strength",
    "militants_border": "militants_at_border_share",
}
"""Series whose fan chart's label follows one event's parameters
(:meth:`ForecastResult.series_label`): the event counts or reads that series."""


def figure_label(event: Mapping[str, Any]) -> str:
    """A forecast figure's label from its event's parameters as the calibration left them.

    As :func:`event_label` says where the calibration used nothing bearing on the event
    (:data:`UNCALIBRATED`) or constrained none of its parameters (:data:`UNCONSTRAINED`: the
    fan chart said "uncalibrated" where the events table beside it said the evidence was
    seen, until 2026-12-07); otherwise it names the calibration and, where only some are,
    which (every figure of a forecast says what its calibration did). The report's and the
    dashboard's fan charts both read it.
    """
    dep = event["calibration_constrained"]
    if dep["constrained"] == "none" or not event["observations"]:
        return event_label(bool(event["observations"]), "none")
    hit = [k for k, v in dep["parameters"].items() if v]
    if dep["constrained"] == "all":
        return f"parameters constrained by the {dep['calibration']} calibration"
    return (f"partly calibrated: the {dep['calibration']} calibration constrains "
            f"{', '.join(hit)} ({len(hit)} of {len(dep['parameters'])} parameters)")


def describe_calibration(cal: CalibrationResult) -> str:
    """The calibration and its size in words, for a forecast's captions and the report.

    The record's: its histories, accepted points and settings (those that set its cost and
    noise); the facts': its prior draws and scenarios and how many were accepted.
    """
    size = (f"{cal.draws:,} {'posterior' if cal.kind == 'record' else 'prior'} points × "
            f"{cal.replicates} histories as particles")
    if cal.kind != "record" or not cal.details:
        return (f"{cal.kind} — {cal.method}; {size}, "
                f"{cal.accepted.size:,} accepted"
                + (" (approximate: none matched every fact)" if cal.approximate else ""))
    d, st = cal.details, cal.details["settings"]
    # the setting asks for an adjustment; the method says when too few points let it run
    adjusted = not str(d.get("adjustment", "")).startswith(NOT_APPLIED)
    adjustment = (f"adjustment {st['adjustment']}" if adjusted else
                  f"adjustment {st['adjustment']} asked for but not applied (above)")
    return (f"record — {cal.method}; {d['particles']:,} parameter points "
            f"accepted from {d['simulations']:,} histories ({st['histories_per_point']} per "
            f"point; effective sample size {d['effective_sample_size']:.0f}), {adjustment}, "
            f"{st['game_points']} game points, belief grid "
            f"{st['grid_size']}, nuisance {st['nuisance']}, model {st['model']}; {size}")


def forecast_stats(first: int, last: int) -> tuple[WindowStat, ...]:
    """Window statistics the events need over quarters [first, last]."""
    return (
        WindowStat("recognised_any", "recognised", first, last, "max"),
        WindowStat("nationals", "expected_attacks_nationals", first, last, "sum"),
        WindowStat("nationals_count", "attacks_nationals", first, last, "sum"),
        WindowStat("central_asia", "expected_attacks_central_asia", first, last, "sum"),
        WindowStat("central_asia_count", "attacks_central_asia", first, last, "sum"),
        WindowStat("china", "expected_attacks_china", first, last, "sum"),
        WindowStat("border", "militants_border", first, last, "final"),
        WindowStat("coopted", "militants_coopted", first, last, "final"),
        WindowStat("remaining", "militants_remaining", first, last, "final"),
        WindowStat("iskp_strength", "iskp_strength", first, last, "final"),
        WindowStat("recognised_at_start", "recognised", first, first, "final"),
        # for the backtests (qpq.sim._backtest): reported actions, and the stock the UN counts
        WindowStat("taliban_acts_any", "taliban_acts", first, last, "max"),
        WindowStat("interior", "militants_interior", first, last, "final"),
    )


@dataclass(frozen=True)
class ForecastResult:
    """A forecast: the events, their calibration status, and the run behind them."""

    as_of: dt.date
    until: dt.date
    policy: str
    n: int
    seed: int
    events: dict[str, dict[str, Any]]
    calibration: dict[str, Any]
    sim: SimResult

    def __repr__(self) -> str:
        # the default repr printed the whole run (over 140,000 characters)
        return (f"ForecastResult(as_of={self.as_of.isoformat()!r}, "
                f"until={self.until.isoformat()!r}, policy={self.policy!r}, n={self.n:,}, "
                f"events={list(self.events)})")

    def to_json(self) -> dict[str, Any]:
        """The JSON document of ``qpq sim forecast --json``."""
        return {"as_of": self.as_of.isoformat(), "until": self.until.isoformat(),
                "policy": self.policy, "n": self.n, "seed": self.seed,
                "china_moves": self.china_moves(),
                "events": self.events, "calibration": self.calibration}

    def to_dict(self) -> dict[str, Any]:
        """The forecast, JSON-ready (the same as :meth:`to_json`)."""
        return self.to_json()

    def china_moves(self) -> dict[str, float]:
        """What China did over the window, as shares of its scenario-quarters.

        ``engaged``: aid flowing or recognised; ``recognised``: de jure recognition held.
        The policies differ first in these; the attacks on Chinese nationals follow the
        first through their exposure (docs/model-dynamics.md §7.3).
        """
        return {v: float(self.sim.mean_series[:, SERIES.index(v)].mean())
                for v in ("engaged", "recognised")}

    def china_moves_text(self) -> str:
        """:meth:`china_moves` in words, as ``qpq sim forecast`` and the dashboard say it."""
        moves = self.china_moves()
        return (f"engaged (aid flowing or recognised) in {moves['engaged']:.1%} of the "
                f"window's scenario-quarters and holds de jure recognition in "
                f"{moves['recognised']:.1%}")

    def series_label(self, variable: str) -> str | None:
        """The label of a fan chart of ``variable`` (``None`` where no event decides it).

        :func:`figure_label` of the event :data:`SERIES_EVENTS` names for it.
        """
        event = SERIES_EVENTS.get(variable)
        return None if event is None else figure_label(self.events[event])

    def evidence(self, name: str) -> str:
        """Event ``name``'s label with the observations bearing on it, in words.

        ``partly calibrated (attacks 60)``; the label alone where nothing bears on the event.
        ``qpq sim forecast``'s table and the report's forecast section both show it.
        """
        event = self.events[name]
        seen = describe_observations(event["observations"])
        return f"{event['label']} ({seen})" if seen else str(event["label"])

    def to_frame(self) -> pd.DataFrame:
        """The events as a table, one row each.

        Columns: every value an event has (``probability``, ``expected``, ``median`` …;
        empty where an event has none), its kind, unit and calibration label. An interval
        ``[low, high]`` becomes two columns, ``NAME_low`` and ``NAME_high``; the facts a
        calibrated event rests on are joined by commas, and so are its ``observations``
        (``family count``: the record's cells, and the facts, that bear on it); the backtest
        skill becomes ``skill_vs_climatology`` and ``skill_vs_persistence`` (empty where the
        event type has none) and the calibration's constraint ``parameters_constrained``
        (all, some, none); ISKP's fighters, where the calibration gives a scale, are
        ``fighters_median``, ``fighters_low`` and ``fighters_high``.
        """
        import pandas as pd

        rows: dict[str, dict[str, Any]] = {}
        for name, event in self.events.items():
            row: dict[str, Any] = {}
            for key, value in event.items():
                if key == "facts":
                    row[key] = ", ".join(value)
                elif key == "observations":
                    row[key] = describe_observations(value)
                elif key == "backtest_skill":
                    for k in ("skill_vs_climatology", "skill_vs_persistence"):
                        row[k] = None if value is None else value[k]
                elif key == "calibration_constrained":
                    row["parameters_constrained"] = value["constrained"]
                elif key == "fighters":
                    row["fighters_median"] = value["median"]
                    row["fighters_low"], row["fighters_high"] = value["interval_90"]
                elif isinstance(value, list | tuple):
                    row[f"{key}_low"], row[f"{key}_high"] = value
                else:
                    row[key] = value
            rows[name] = row
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "event"
        return frame


@dataclass(frozen=True, slots=True)
class KnownState:
    """What the record says was true at the as-of date, which a forecast starts from.

    Attributes
    ----------
    as_of
        The date.
    china_recognised
        China held de jure recognition of the Taliban (an event of type ``recognition``
        between them, dated on or before the as-of date; the record has none).
    """

    as_of: dt.date
    china_recognised: bool

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"as_of": self.as_of.isoformat(), "china_recognised": self.china_recognised}


def known_state(case: Case, as_of: dt.date) -> KnownState:
    """The state the record knows at ``as_of`` (from the case as known then)."""
    as_of = as_date(as_of, "as_of")
    view = case_as_of(case, as_of)
    event = record_event("china_recognizes_de_jure")
    held = outcome(view, event, dt.date.min, as_of)
    return KnownState(as_of=as_of, china_recognised=bool(held))


def _agrees(calibration: CalibrationResult, known: KnownState) -> NDArray[np.bool_]:
    # Histories that contradict what the record knows at the as-of date (China recognising
    # before it did) are dropped before the forecast, so no event counts what did not happen.
    recognised = np.asarray(calibration.particles.arrays["recognised"], dtype=bool)
    return np.asarray(recognised == known.china_recognised)


def _conditioned(calibration: CalibrationResult, known: KnownState) -> tuple[Particles, int]:
    keep = np.flatnonzero(_agrees(calibration, known))
    if keep.size == 0:
        raise QpqError(
            f"no calibrated history as of {known.as_of} agrees with the record then "
            f"(China {'holds' if known.china_recognised else 'does not hold'} de jure "
            f"recognition): calibrate with more draws, or to a different date")
    return calibration.particles.take(keep), int(keep.size)


def _probability_intervals(hits: NDArray[np.bool_], pool_index: NDArray[np.int64]
                           ) -> dict[str, Any]:
    # Two sources of uncertainty, kept apart: the ensemble's finite size (Wilson 90% interval
    # of the share) and the parameters (5-95% of the share at each calibrated point).
    mc_low, mc_high = binomial_interval(int(hits.sum()), int(hits.size), 0.9, method="wilson")
    points = np.unique(pool_index)
    shares = np.array([hits[pool_index == p].mean() for p in points])
    lo, _, hi = median_interval(shares)
    # a skewed spread (most points never, a few often) puts the ensemble's share outside the
    # points' 5-95% range: the share of points that never see the event says why
    return {"interval_90_monte_carlo": [mc_low, mc_high],
            "interval_90_parameters": [lo, hi],
            "points_without": float((shares == 0).mean())}


def _facts(spec: EventSpec, cal: CalibrationResult) -> list[str]:
    return [f.fact.id for f in cal.facts
            if f.used and f.fact.target is not None and f.fact.target.quantity in spec.bears_on]


def event_evidence(spec: EventSpec, cal: CalibrationResult) -> tuple[list[str], dict[str, int]]:
    """The facts the calibration used that bear on ``spec``, and its observations per family.

    ``observations`` counts, per family, the cells (:attr:`CalibrationResult.cells`) that read
    a quantity ``spec`` bears on, and the facts among them under ``facts``; families with none
    are left out, so an empty mapping means nothing the calibration used bears on the event.
    """
    facts = _facts(spec, cal)
    bears = set(spec.bears_on)
    counts = {fam: sum(1 for q in qs if q & bears) for fam, qs in cal.cells.items()}
    observations = {fam: n for fam, n in counts.items() if n}
    if facts:
        observations["facts"] = len(facts)
    return facts, observations


def event_values(stats: Mapping[str, NDArray[np.float64]], threshold: float | NDArray[np.float64]
                 ) -> dict[str, dict[str, Any]]:
    """The value of every event of :data:`EVENTS`, from a run's window statistics.

    The one definition of the events, for ``qpq sim forecast`` and the dashboard's what-if:
    a probability is a share of scenarios, an expected count a mean of Poisson rates
    summed over the window (with the drawn counts beside it: their mean, the share of
    scenarios with at least one and their 90% interval), a share of
    remaining militants a mean over the scenarios that still have militants (``None``
    when none has), ISKP strength the median and 90% interval.

    Parameters
    ----------
    stats
        Per-scenario window statistics of :func:`forecast_stats`.
    threshold
        ``elimination_threshold``: one value or one per scenario.
    """
    st = stats
    remaining = st["remaining"]
    alive = remaining >= threshold
    with np.errstate(invalid="ignore", divide="ignore"):
        border_share = np.where(alive, st["border"] / remaining, np.nan)
        coopt_share = np.where(alive, st["coopted"] / remaining, np.nan)
    lo, med, hi = median_interval(st["iskp_strength"])
    return {
        "china_recognizes_de_jure": {
            "probability": float((st["recognised_any"] >= 1).mean()),
            "already_at_start": float((st["recognised_at_start"] >= 1).mean())},
        "attacks_on_chinese_nationals_afghanistan": {
            "expected": float(st["nationals"].mean()), **_drawn(st["nationals_count"])},
        "attacks_cross_border_central_asia": {
            "expected": float(st["central_asia"].mean()), **_drawn(st["central_asia_count"])},
        "militants_at_border_share": {
            "expected": float(np.nanmean(border_share)) if alive.any() else None,
            "scenarios_with_militants": float(alive.mean())},
        "militants_coopted_share": {
            "expected": float(np.nanmean(coopt_share)) if alive.any() else None,
            "scenarios_with_militants": float(alive.mean())},
        "militants_eliminated": {"probability": float((~alive).mean())},
        "iskp_strength": {"median": med, "interval_90": [lo, hi], **_fighters(st)},
    }


def _drawn(counts: NDArray[np.float64]) -> dict[str, Any]:
    """A count event's drawn counts: their mean, P(at least one) and 90% interval.

    The interval's ends are counts the scenarios drew (``inverted_cdf``), not interpolated
    between them.
    """
    lo, hi = np.quantile(counts, INTERVAL_90, method="inverted_cdf")
    return {"simulated_mean": float(counts.mean()),
            "p_at_least_one": float((counts >= 1).mean()),
            "interval_90": [float(lo), float(hi)]}


def _fighters(st: Mapping[str, NDArray[np.float64]]) -> dict[str, Any]:
    """ISKP in fighters, where the run has the calibration's scale (``iskp_fighters``)."""
    if "iskp_fighters" not in st:
        return {}
    lo, med, hi = median_interval(st["iskp_fighters"])
    return {"fighters": {"median": float(med), "interval_90": [float(lo), float(hi)],
                         "scale": "the index times the calibration's posterior "
                                  "iskp_full_strength"}}


def _events(sim: SimResult, cal: CalibrationResult, threshold: NDArray[np.float64]
            ) -> dict[str, dict[str, Any]]:
    values = event_values(sim.stats, threshold)
    skill = packaged_skill(cal.kind)
    out = {}
    for spec in EVENTS:
        facts, observations = event_evidence(spec, cal)
        constrained = event_parameters(spec, cal)
        label = event_label(bool(observations), constrained["constrained"])
        out[spec.name] = {**values[spec.name], "kind": spec.kind, "unit": spec.unit,
                          "calibrated": label in (CALIBRATED, PARTLY_CALIBRATED),
                          "label": label, "facts": facts, "observations": observations,
                          "backtest_skill": event_skill(spec, skill),
                          "calibration_constrained": constrained}
    return out


CALIBRATED = "calibrated"
PARTLY_CALIBRATED = "partly calibrated"
UNCONSTRAINED = "evidence seen, parameters unconstrained (assumption-driven)"


def event_label(evidence: bool, constrained: str) -> str:
    """An event's calibration label: what bears on it and what the calibration constrained.

    Evidence bearing on an event is not enough to call its forecast calibrated: the record's
    attack counts bear on ISKP's strength band, yet the calibration may leave every parameter
    the band depends on where its prior put it. So ``calibrated`` needs both — evidence and
    every parameter the event depends on (:attr:`EventSpec.depends_on`) constrained —
    ``partly calibrated`` some of them, and an event with evidence but no constrained
    parameter says so; without evidence it is :data:`qpq.model.UNCALIBRATED`.

    ``constrained`` is :func:`event_parameters`' ``all``, ``some`` or ``none``.
    """
    if not evidence:
        return UNCALIBRATED
    return {"all": CALIBRATED, "some": PARTLY_CALIBRATED}.get(constrained, UNCONSTRAINED)


def check_window(as_of: dt.date, until: dt.date, policy: str, n: int = 1, *,
                 start: dt.date, as_of_option: str = "as_of (--as-of)",
                 case: Case | None = None) -> None:
    """Reject bad forecast input before any work: policy, dates, ensemble size.

    ``as_of_option`` names the option that gave the as-of date in the messages (a
    backtest's origins are its as-of dates: ``--origins``). With ``case``, an as-of date
    after its record's last day is refused too (:func:`check_known_by`).

    Raises
    ------
    BadInputError
        For an unknown policy, an as-of date that leaves no complete quarter of history
        after ``start``, an ``until`` not after the as-of date or beyond the last date a
        run may reach, or ``n`` < 1.
    """
    resolve_policy(policy)
    check_whole(n, "n (--n)", minimum=1)    # 1.5 and True passed "n < 1" (the CLI, api.forecast)
    if as_of > LATEST or until > LATEST:
        raise BadInputError(f"dates must not be later than {LATEST}; got {as_of_option} "
                            f"{as_of}, until (--until) {until}")
    if history_end(as_of) < quarter_of(start):
        raise BadInputError(f"{as_of_option} {as_of} is out of range: the history starts "
                            f"{start} and needs at least one complete quarter before it")
    if until <= as_of:
        raise BadInputError(f"{as_of_option} {as_of} must be before until (--until) {until}")
    if case is not None:
        check_known_by(case, as_of)


def forecast(case: Case, calibration: CalibrationResult, until: dt.date | str, *,
             policy: str = "equilibrium", n: int = 10_000, seed: int = 0, workers: int = 1,
             series_sample: int = 500) -> ForecastResult:
    """Run the calibrated ensemble from the as-of date to ``until``.

    Parameters
    ----------
    case
        The case the calibration was made on (its record gives the state at the as-of date).
    calibration
        A calibration (:func:`calibrate`, or :meth:`RecordCalibration.to_calibration_result`
        of :func:`calibrate_record`); its as-of date starts the window.
    until
        The window's last day (a date or ``YYYY-MM-DD``), read as the end of its quarter.
    policy, n, seed
        China's policy (:func:`qpq.sim.resolve_policy`), scenarios, and the seed of their
        draws (a whole number; the particles are resampled from it).
    workers
        Processes for the run (the same numbers for any number).
    series_sample
        Scenarios that keep their full series (for fan charts).

    Returns
    -------
    ForecastResult
        The events over the window with their labels, and the run.

    Raises
    ------
    BadInputError
        For an unknown policy, ``until`` not after the as-of date, or beyond the last date
        a run may reach, sizes or a seed that are not whole numbers in range, or a
        calibration that is not a :class:`CalibrationResult`.
    QpqError
        When no calibrated history agrees with the record's state at the as-of date
        (:func:`known_state`).
    """
    if isinstance(calibration, RecordCalibration):
        raise BadInputError("calibration: a RecordCalibration; forecast from its "
                            "CalibrationResult, calibration.to_calibration_result(case)")
    if not isinstance(calibration, CalibrationResult):
        raise BadInputError(f"calibration must be a CalibrationResult (qpq.sim.calibrate, "
                            f"or a RecordCalibration's .to_calibration_result(case)); got "
                            f"{type(calibration).__name__}")
    until = as_date(until, "until")
    n = check_whole(n, "n (scenarios)", minimum=1)
    seed = check_seed(seed)
    workers = check_whole(workers, "workers", minimum=1)
    series_sample = check_whole(series_sample, "series_sample", minimum=0)
    as_of = calibration.as_of
    check_window(as_of, until, policy, n, start=case.run.start, case=case)
    first = calibration.timeline.stop
    last = quarter_of(until)
    view = case_as_of(case, as_of)
    timeline = build_timeline(view, quarter_end(first - 1) + dt.timedelta(days=1),
                              quarter_end(last))
    pool = calibration.particle_pool
    unique = np.unique(calibration.sim.pool_index[calibration.accepted])
    grid_size = calibration.table.grid.shape[0]
    table: ContinuationTable | RelationshipTable | None
    if isinstance(calibration.table, RelationshipTable):
        # model v2: the calibration's relationship table where it covers the window's stage
        # regimes and the forecast policy's commitment, else the particles' own solve
        regimes = timeline.v2_regimes()[0]
        moves = relationship_moves(policy)
        table = (select_regimes(calibration.table.take(unique), regimes)
                 if calibration.table.moves == moves else None)
        if table is None:
            check_table_budget(pool.size, len(regimes), grid_size, (policy,),
                               unit="particles", lower="lower --draws")
            table = relationship_tables(pool, regimes, grid_size, [policy],
                                        workers=workers)[policy]
    else:
        table = select_regimes(calibration.table.take(unique), timeline.regimes)
        if table is None:
            table = table_for(pool, timeline.regimes, grid_size, workers=workers)
    known = known_state(case, as_of)
    particles, kept = _conditioned(calibration, known)
    spec = RunSpec(timeline=timeline, pool=pool, table=table, policy=policy, n=n, seed=seed,
                   purpose=Purpose.FORECAST, particles=particles,
                   stats=forecast_stats(timeline.start, timeline.stop - 1),
                   series_sample=min(n, series_sample))
    sim = simulate(spec, workers=workers)
    if calibration.iskp_fighters_scale is not None:
        # the record's posterior carries ISKP's fighter scale: the index in fighters
        scale = np.asarray(calibration.iskp_fighters_scale)[sim.pool_index]
        sim = replace(sim, stats={**sim.stats,
                                  "iskp_fighters": sim.stats["iskp_strength"] * scale})
    threshold = pool.values["elimination_threshold"][sim.pool_index]
    events = _events(sim, calibration, threshold)
    # Every scenario starts from a particle that agrees with the record, so recognition in
    # the window is new in it; the share that started recognised is the known state's.
    rec = events["china_recognizes_de_jure"]
    rec["already_at_start"] = float(known.china_recognised)
    rec.update(_probability_intervals(sim.stats["recognised_any"] >= 1, sim.pool_index))
    alive = sim.stats["remaining"] >= threshold
    events["militants_eliminated"].update(_probability_intervals(~alive, sim.pool_index))
    cal = {"kind": calibration.kind, "method": calibration.method,
           "facts_used": list(calibration.used_facts), "accepted": int(calibration.accepted.size),
           "draws": calibration.draws, "replicates": calibration.replicates,
           "approximate": calibration.approximate, "calibration_seed": calibration.seed,
           "history_policy": calibration.policy, "model": calibration.model,
           "conditioned_on": known.to_json(), "particles_kept": kept,
           "particles": calibration.particles.size,
           "window": [timeline.labels()[0], timeline.labels()[-1]]}
    if calibration.details:
        cal["details"] = dict(calibration.details)
    cal["description"] = describe_calibration(calibration)
    return ForecastResult(as_of=as_of, until=until, policy=policy, n=n, seed=seed,
                          events=events, calibration=cal, sim=sim)


@dataclass(frozen=True, slots=True)
class RecognitionBelief:
    """What a forecast's chance of de jure recognition rests on: China's belief at its start.

    The game's one round starts from the prior belief; a forecast starts from the state the
    calibrated histories reached by the as-of date, kept where they agree with the record
    (:func:`known_state`). :func:`recognition_belief` measures the difference that belief
    makes by running the same scenarios with it put back to its prior.

    Attributes
    ----------
    as_of, window
        The forecast's as-of date and its first and last quarter.
    policy
        China's policy in the window.
    particles, kept
        Calibrated histories, and those that agree with the record and start the scenarios.
    china_recognised
        The record's state at the as-of date (:class:`KnownState`).
    sincere_kept
        Median over the kept histories of China's belief that the Taliban are sincere at the
        as-of date.
    prior_kept
        Mean over the kept histories of their ``prior_sincere`` (the belief a run starts from).
    sincere_set_aside
        The same median over the histories set aside (``None`` when none is).
    probability
        The forecast's probability that China holds de jure recognition at some quarter of
        the window.
    reset_probability
        The same with every kept history's belief put back to its prior (same scenarios,
        seed and random numbers).
    """

    as_of: dt.date
    window: tuple[str, str]
    policy: str
    particles: int
    kept: int
    china_recognised: bool
    sincere_kept: float
    prior_kept: float
    sincere_set_aside: float | None
    probability: float
    reset_probability: float

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"as_of": self.as_of.isoformat(), "window": list(self.window),
                "policy": self.policy, "particles": self.particles, "kept": self.kept,
                "china_recognised": self.china_recognised,
                "sincere_kept_median": self.sincere_kept, "prior_kept_mean": self.prior_kept,
                "sincere_set_aside_median": self.sincere_set_aside,
                "probability": self.probability,
                "probability_belief_at_prior": self.reset_probability}

    def words(self) -> str:
        """The measurement in plain sentences (``qpq sim forecast``, the report)."""
        window = "–".join(self.window)
        head = f"China's de jure recognition in {window}: P = {self.probability:.2g}"
        if self.probability == 0 and self.reset_probability == 0:
            return (f"{head} under policy {self.policy}, and 0 with China's belief about the "
                    "Taliban put back to its prior: the belief makes no difference here.")
        text = (f"{head} (the forecast). It starts from the calibrated histories as they "
                f"stood on {self.as_of}.")
        aside = self.particles - self.kept
        if aside:
            did = ("had not yet recognised" if self.china_recognised
                   else "had already recognised")
            text += (f" In {aside:,} of the {self.particles:,} ({percent(aside / self.particles)}) "
                     f"China {did} the Taliban, which the record contradicts, so they are "
                     "set aside; that so many had says the calibration fits China's "
                     "recognition loosely."
                     f" In them China's belief that the Taliban are sincere (of the type "
                     f"that acts in good faith) has {_median(self.sincere_set_aside)}; in the "
                     f"{self.kept:,} kept, {_median(self.sincere_kept)}")
        else:
            text += (f" In all {self.particles:,}, China's belief that the Taliban are sincere "
                     f"(of the type that acts in good faith) has {_median(self.sincere_kept)}")
        return text + (
            f", where their prior (prior_sincere, drawn per history) averages "
            f"{_belief(self.prior_kept)}. Rerun with that "
            f"belief put back to the prior, the same scenarios give P = "
            f"{self.reset_probability:.2g}: a counterfactual that shows what the belief does, "
            "not a forecast.")


def _belief(x: float | None) -> str:
    # a belief that rounds to 0 or 1 at two digits is said as a bound, not as certainty
    if x is None:
        return "none"
    if x > 0.99:
        return "above 0.99"
    return "below 0.001" if x < 0.001 else f"{x:.2g}"


def _median(x: float | None) -> str:
    # "a median above 0.99", "a median of 0.012"
    said = _belief(x)
    return f"a median {said}" if said[0].isalpha() else f"a median of {said}"


def recognition_belief(case: Case, calibration: CalibrationResult, result: ForecastResult,
                       *, workers: int = 1) -> RecognitionBelief:
    """Measure how China's belief at the as-of date shapes ``result``'s chance of recognition.

    Reruns :func:`forecast` on ``calibration`` with China's belief put back to each
    particle's prior (:meth:`CalibrationResult.with_prior_belief`), with ``result``'s policy,
    scenarios and seed; ``result`` must be that calibration's forecast.

    Raises
    ------
    ValueError
        If ``result`` was not forecast from ``calibration`` (another as-of date).
    """
    if result.as_of != calibration.as_of:
        raise ValueError(f"the forecast starts on {result.as_of}, the calibration on "
                         f"{calibration.as_of}: pass the calibration it was forecast from")
    # the state the forecast was conditioned on, as it recorded it
    known = KnownState(calibration.as_of,
                       bool(result.calibration["conditioned_on"]["china_recognised"]))
    keep = _agrees(calibration, known)
    arrays = calibration.particles.arrays
    belief = np.asarray(arrays["belief"])
    sincere = belief[0] + belief[1]
    index = np.asarray(arrays["pool_index"])
    prior = np.asarray(calibration.particle_pool.values["prior_sincere"])[index]
    reset = forecast(case, calibration.with_prior_belief(), result.until, policy=result.policy,
                     n=result.n, seed=result.seed, workers=workers)
    event = "china_recognizes_de_jure"
    first, last = result.calibration["window"]
    return RecognitionBelief(
        as_of=calibration.as_of, window=(str(first), str(last)),
        policy=result.policy, particles=int(keep.size), kept=int(keep.sum()),
        china_recognised=known.china_recognised,
        sincere_kept=float(np.median(sincere[keep])), prior_kept=float(prior[keep].mean()),
        sincere_set_aside=float(np.median(sincere[~keep])) if (~keep).any() else None,
        probability=float(result.events[event]["probability"]),
        reset_probability=float(reset.events[event]["probability"]))


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """What the record shows over a past forecast's window, for one event.

    ``value`` is scored as the backtest scores it (:func:`qpq.sim._record_events.outcome`):
    attacks counted, 1/0 for a yes/no event, the band of the latest estimate in the window for
    a band event (``None``: no estimate in the window). The window is the forecast's quarters,
    ``start`` (excluded) to ``stop`` (included). ``interval_90`` is the forecast's 90%
    interval of the drawn counts (count events) or of ISKP's fighters at the window's end
    (band events, where the record calibration gives the fighter scale), ``probability`` its
    chance of the event (yes/no events).
    """

    event: str
    record_event: str
    kind: str
    start: dt.date
    stop: dt.date
    value: int | None
    bands: tuple[float, ...] = ()
    interval_90: tuple[float, float] | None = None
    probability: float | None = None

    def words(self) -> str:
        """The outcome in words, beside what the forecast said of it."""
        if self.kind == "band":
            if self.value is None:
                return "no estimate in the window"
            edges = (0.0, *self.bands, math.inf)
            lo, hi = edges[self.value], edges[self.value + 1]
            band = (f"under {hi:,.0f}" if lo == 0 else f"{lo:,.0f} or more" if hi == math.inf
                    else f"{lo:,.0f}–{hi:,.0f}")
            text = f"latest estimate in the window: {band} fighters"
            if self.interval_90 is not None:
                a, b = self.interval_90
                where = ("overlaps it" if a < hi and b >= lo else
                         "lies below it" if b < lo else "lies above it")
                text += f" (the forecast's 90% range {a:,.0f}–{b:,.0f} {where})"
            return text
        if self.kind == "count":
            n = int(self.value or 0)
            text = f"{n} attack{'s' if n != 1 else ''}"
            if self.interval_90 is not None:
                lo, hi = self.interval_90
                where = "inside" if lo <= n <= hi else "outside"
                text += f" ({where} the forecast's 90% range {lo:g}–{hi:g})"
            return text
        text = "yes" if self.value else "no"
        if self.probability is not None:
            text += f" (the forecast gave it P = {self.probability:.2g})"
        return text

    def window_words(self, record_end: dt.date, as_of: dt.date) -> str:
        """The sentence under a "the record shows" column.

        It names the window, how the record is read, and that the forecast (as of
        ``as_of``) never saw it; ``record_end`` is the record's last day.
        """
        return (f"The window ({self.start} excluded to {self.stop}) ends by the record's last "
                f"day ({record_end}): 'the record shows' is what happened, read as the "
                f"backtest reads it; the forecast saw only the record as of {as_of}.")

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields, with :meth:`words`."""
        return {"event": self.event, "record_event": self.record_event, "kind": self.kind,
                "window": [self.start.isoformat(), self.stop.isoformat()],
                "value": self.value, "words": self.words()}


def record_outcomes(case: Case, result: ForecastResult) -> tuple[RecordOutcome, ...]:
    """What the record shows over ``result``'s window, per event that has a record event.

    Empty when the window ends after the record's last day (the case's
    ``run.forecast_as_of``): the record cannot say yet. The window is the forecast's own
    quarters, which can begin before the as-of date (a date inside a quarter) and end after
    ``until`` (read as the end of its quarter). Only what a backtest would score is read:
    the forecast itself never sees these outcomes (it is calibrated on the record as of its
    as-of date).
    """
    timeline = result.sim.spec.timeline
    start = quarter_end(timeline.start - 1)
    stop = quarter_end(timeline.stop - 1)
    if stop > case.run.forecast_as_of:
        return ()
    out = []
    for spec in EVENTS:
        if spec.record_event is None or spec.name not in result.events:
            continue
        ev = record_event(spec.record_event)
        e = result.events[spec.name]
        interval = (e.get("interval_90") if ev.kind == "count"
                    else (e.get("fighters") or {}).get("interval_90"))
        out.append(RecordOutcome(
            spec.name, ev.name, ev.kind, start, stop, outcome(case, ev, start, stop), ev.bands,
            None if interval is None else (float(interval[0]), float(interval[1])),
            float(e["probability"]) if ev.kind == "binary" and "probability" in e else None))
    return tuple(out)
