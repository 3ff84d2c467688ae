"""The forecast panel: an ensemble under China's chosen policy, fan chart and events.

Two kinds of run, both through :mod:`qpq.sim`'s public API (the model is not re-implemented
here):

* :func:`what_if` — a **what-if at the sliders' point**: the case's whole history from 1996
  and on to the horizon, every scenario at the sliders' parameter point (one-point
  :class:`~qpq.sim.ParameterPool`, the equilibrium lookup for it, then
  :func:`~qpq.sim.simulate`). The ``us_presence`` slider, which the simulator otherwise reads
  from the case's dated phases, becomes a counterfactual: the US/NATO presence after the
  August 2021 withdrawal (0 = what happened). Every number is labelled
  "uncalibrated (assumption-driven)": no calibration selects these parameters.
* :func:`calibrated` — the **as-of forecast** of ``qpq sim forecast``: given a calibration
  (the app's: :func:`~qpq.sim.record_calibrator` on the record known by the as-of date,
  cached; a :func:`~qpq.sim.calibrate` result on the stylised facts also serves),
  :func:`~qpq.sim.forecast` under the policy; its note describes the calibration in the
  forecast's own words (``qpq sim forecast``'s "Calibration:" line). Its parameters are the
  calibrated particles', so the sliders do not apply; events say whether a used fact bears
  on them, their event type's backtest skill and whether the calibration constrained the
  parameters they depend on (as ``qpq sim forecast`` prints them: read from its result,
  never recomputed here). A window the record has passed (an as-of date and a horizon
  before the record's last day) also gets what the record shows in it
  (:func:`qpq.sim.record_outcomes`, the command's "the record shows" column).

The events are those of :data:`qpq.sim.EVENTS`, over the window from ``window_start`` to the
horizon, valued by :func:`qpq.sim.event_values` (the forecast's own definitions) and shown
as :class:`EventRow` rows; :func:`fan_data` gives a fan chart's bands (median, 50%
and 90%) from the scenarios that keep their series.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import altair as alt
import pandas as pd

from qpq.case import Case, quarter_of_label, quarter_start
from qpq.model import ParameterSet
from qpq.sim import (
    EVENTS,
    INDICATOR_SERIES,
    OUTPUTS,
    SERIES,
    UNCALIBRATED,
    AbcSettings,
    CalibrationResult,
    Override,
    ParameterPool,
    RecordOutcome,
    RunSpec,
    SimResult,
    band_frame,
    bands_chart,
    build_timeline,
    describe_observations,
    event_values,
    forecast,
    forecast_stats,
    quarter_of,
    recognition_belief,
    record_outcomes,
    simulate,
    table_for,
)

__all__ = [
    "FAN_LEAD_YEARS",
    "FAN_SINCE",
    "FAN_VARIABLES",
    "EventRow",
    "ForecastView",
    "WhatIfRequest",
    "calibrated",
    "event_rows",
    "fan_chart",
    "fan_data",
    "fan_since",
    "horizon_problem",
    "skill_note",
    "what_if",
]

CALIBRATED_UNASSESSED = "calibrated ensemble (constraint on this series not assessed)"
"""The calibrated mode's fan chart label for a series no event decides."""

FAN_VARIABLES: tuple[str, ...] = (
    "militants_border", "militants_iskp", "iskp_strength", "expected_attacks_china",
    "expected_attacks_nationals", "belief_sincere", "recognised", "taliban_effort",
)
"""Series the fan chart can show (a subset of :data:`qpq.sim.SERIES`)."""


@dataclass(frozen=True)
class WhatIfRequest:
    """What the forecast panel runs.

    Attributes
    ----------
    policy
        A simulator policy name (:func:`qpq.sim._policies.policy_names`).
    n, seed
        Ensemble size (default 2,000) and seed.
    until
        Last day of the run (default: the case's ``run.until``).
    window_start
        First day of the events' window (default: the day after the case's
        ``run.forecast_as_of``).
    grid_size
        Belief grid of the equilibrium lookup.
    series_sample
        Scenarios that keep full series (for the fan chart's bands).
    """

    policy: str = "equilibrium"
    n: int = 2000
    seed: int = 0
    until: dt.date | None = None
    window_start: dt.date | None = None
    grid_size: int = 24
    series_sample: int = 500

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"the ensemble needs at least one scenario, got n={self.n}")

    def for_case(self, case: Case) -> WhatIfRequest:
        """The request with the case's dates where it gives none (checked in order)."""
        until = self.until or case.run.until
        window = self.window_start or _what_if_window_start(case)
        if not case.run.start < window <= until:
            raise ValueError(f"need {case.run.start} < window_start <= until; got {window}, "
                             f"{until}")
        return replace(self, until=until, window_start=window)

    @property
    def horizon(self) -> dt.date:
        """``until``, once :meth:`for_case` has filled it."""
        if self.until is None:
            raise ValueError("the request has no horizon yet: call for_case(case) first")
        return self.until


@dataclass(frozen=True, slots=True)
class EventRow:
    """One forecast event: its value (and 90% interval), unit and calibration label.

    The calibrated forecast adds what ``qpq sim forecast`` says beside each event (empty in
    the what-if, which no backtest or calibration stands behind): the backtest skill of
    its event type vs climatology and vs persistence (``None`` where undefined) and the
    score (``skill_score``; ``None``: no backtest of this event type), and whether the
    calibration constrained ``all``, ``some`` or ``none`` of the parameters it depends on
    (``constrained_parameters``: each parameter and whether it was constrained).
    """

    name: str
    description: str
    kind: str
    unit: str
    value: float | None
    interval: tuple[float, float] | None
    label: str
    skill_score: str | None = None
    skill_vs_climatology: float | None = None
    skill_vs_persistence: float | None = None
    parameters_constrained: str | None = None
    constrained_parameters: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class ForecastView:
    """A run and what the panel shows of it.

    Attributes
    ----------
    mode
        ``what-if`` or ``calibrated``.
    sim
        The simulator's result (per-quarter means, sampled series, window statistics).
    events
        The events over the window.
    window
        First and last quarter label of the events' window.
    note
        What the numbers rest on (shown under the chart).
    skill_note
        Where the events' backtest skill comes from (``None`` when no event has one).
    series_labels
        Calibrated mode: the fan chart's label of each series an event decides
        (:meth:`qpq.sim.ForecastResult.series_label`, as the report's fan charts).
    record
        Calibrated mode, a window that ends by the record's last day: what the record shows
        in it, per event that has a record event (:func:`qpq.sim.record_outcomes`); empty
        otherwise.
    """

    mode: str
    sim: SimResult
    events: tuple[EventRow, ...]
    window: tuple[str, str]
    note: str
    skill_note: str | None = None
    series_labels: Mapping[str, str] = field(default_factory=dict)
    record: tuple[RecordOutcome, ...] = ()


def event_rows(values: Mapping[str, Mapping[str, Any]], default_label: str = UNCALIBRATED
               ) -> tuple[EventRow, ...]:
    """Rows for the events table, in :data:`qpq.sim.EVENTS` order.

    ``values`` maps event names to ``probability``/``expected``/``median`` (and
    ``interval_90``, ``label``, ``backtest_skill``, ``calibration_constrained`` when known)
    as :attr:`qpq.sim.ForecastResult.events` holds them.
    """
    rows = []
    for spec in EVENTS:
        v = values.get(spec.name)
        if v is None:
            continue
        value = next((v[k] for k in ("probability", "expected", "median") if k in v), None)
        interval = v.get("interval_90")
        skill = v.get("backtest_skill") or {}
        constrained = v.get("calibration_constrained") or {}
        rows.append(EventRow(
            name=spec.name, description=spec.description, kind=spec.kind, unit=spec.unit,
            value=None if value is None else float(value),
            interval=None if interval is None else (float(interval[0]), float(interval[1])),
            label=str(v.get("label", default_label)),
            skill_score=skill.get("score"),
            skill_vs_climatology=_number(skill.get("skill_vs_climatology")),
            skill_vs_persistence=_number(skill.get("skill_vs_persistence")),
            parameters_constrained=constrained.get("constrained"),
            constrained_parameters=tuple(
                (str(k), bool(c)) for k, c in constrained.get("parameters", {}).items())))
    return tuple(rows)


def _number(x: object) -> float | None:
    return None if x is None else float(x)  # type: ignore[arg-type]


def skill_note(events: Mapping[str, Mapping[str, Any]]) -> str | None:
    """One line on the events' backtest skill: what it means and which dated table it is.

    ``None`` when no event has a backtest skill (the package holds no skill table).
    """
    sk = next((e["backtest_skill"] for e in events.values() if e.get("backtest_skill")),
              None)
    if sk is None:
        return None
    return (f"Skill = 1 − score / baseline score (below 0 the baseline does better), from "
            f"the packaged backtest skill table of {sk['generated']}: model "
            f"{sk['backtest_model']}'s backtest over {sk['origins']} origins, calibrated on "
            f"the {sk['backtest_calibration']} as this forecast is, not this run. "
            "\"Parameters constrained\": whether the calibration constrained all, some or "
            "none of the parameters the event depends on.")


def what_if(case: Case, point: ParameterSet, request: WhatIfRequest) -> ForecastView:
    """Run the ensemble at ``point`` under ``request.policy``, history start to horizon.

    Parameters
    ----------
    case
        The case (its full history: phases and third-party recognitions).
    point
        A validated point of the simulator's registry (:func:`qpq.sim.sim_registry`).
    request
        Policy, ensemble size, seed, horizon and window.
    """
    request = request.for_case(case)
    # the slider's counterfactual US/NATO presence applies from the present regime on
    withdrawal = case.run.takeover
    us_after = point["us_presence"]
    overrides = (Override("us_presence", us_after, withdrawal),) if us_after > 0 else ()
    timeline = build_timeline(case, case.run.start, request.horizon, overrides)
    pool = ParameterPool(point.arrays(), "dashboard")
    table = table_for(pool, timeline.regimes, request.grid_size)
    first = max(quarter_of(request.window_start or case.run.start), timeline.start)
    last = timeline.stop - 1
    spec = RunSpec(timeline=timeline, pool=pool, table=table, policy=request.policy,
                   n=request.n, seed=request.seed, stats=forecast_stats(first, last),
                   series_sample=min(request.n, request.series_sample))
    sim = simulate(spec)
    events = event_rows(event_values(sim.stats, point["elimination_threshold"]))
    labels = timeline.labels()
    note = (f"What-if at the sliders' parameter point: {request.n:,} scenarios from "
            f"{case.run.start.year} to "
            f"{labels[-1]} under policy {request.policy!r} (seed {request.seed}); types, "
            f"signals and attacks are drawn, the parameters are not. Every number is "
            f"{UNCALIBRATED}.")
    if us_after > 0:
        note += f" Counterfactual: US/NATO presence {us_after:g} after {withdrawal}."
    return ForecastView("what-if", sim, events, (labels[first - timeline.start], labels[-1]),
                        note)


def calibrated(case: Case, calibration: CalibrationResult, request: WhatIfRequest
               ) -> ForecastView:
    """The as-of forecast of ``qpq sim forecast`` from a calibration.

    The events' window runs from the calibration's as-of date to ``request.until`` (default:
    the case's ``run.until``), which may lie before the record's last day: the view then
    holds what the record shows in the window (``record``), read after the forecast, which
    never sees it. The sliders do not apply (the calibrated particles carry their own
    parameters).

    Raises
    ------
    qpq.errors.BadInputError
        When the horizon is not after the as-of date (:func:`qpq.sim.forecast` refuses it
        before any work; :func:`horizon_problem` says so to the page first).
    """
    until = request.until or case.run.until
    fc = forecast(case, calibration, until, policy=request.policy, n=request.n,
                  seed=request.seed, series_sample=request.series_sample)
    labels = fc.sim.spec.timeline.labels()
    # the calibration in qpq sim forecast's words (its "Calibration:" line), and what the
    # dashboard adds: what it was fitted to, and where its calibration differs from the CLI's
    described = fc.calibration["description"]
    if calibration.kind == "record" and calibration.details:
        d = calibration.details
        how = (f"the calibration on the record known then (observations: "
               f"{describe_observations(d['observations'])}; {described}; the game "
               "panel's model switch does not apply"
               + (f"; smaller than qpq sim forecast's {AbcSettings.max_simulations:,} "
                  "histories, so noisier" if d["simulations"] < AbcSettings.max_simulations
                  else "") + ")")
    else:
        how = (f"the calibration on the stylised facts known then ({described}; facts used: "
               f"{', '.join(calibration.used_facts) or 'none'})")
    note = (f"Calibrated forecast as of {calibration.as_of}: {how}, then "
            f"{request.n:,} scenarios resampled and run to {labels[-1]} under "
            f"{request.policy!r}. The sliders do not apply in this mode.")
    note += f" Under it China is {fc.china_moves_text()}. " + recognition_belief(
        case, calibration, fc).words()
    series = {v: lab for v in FAN_VARIABLES if (lab := fc.series_label(v)) is not None}
    return ForecastView("calibrated", fc.sim, event_rows(fc.events), (labels[0], labels[-1]),
                        note, skill_note(fc.events), series, record_outcomes(case, fc))


def _what_if_window_start(case: Case) -> dt.date:
    """The what-if's first day of events: the day after the record's last."""
    return case.run.forecast_as_of + dt.timedelta(days=1)


def horizon_problem(case: Case, until: dt.date, as_of: dt.date | None = None) -> str | None:
    """Why the forecast panel cannot run to ``until``, in a sentence (``None``: it can).

    ``as_of`` is the calibrated forecast's date; ``None`` means the what-if, whose window
    starts the day after the record's last day (the case's ``run.forecast_as_of``). A
    horizon before that day is the calibrated mode's: a past window, beside the record.
    """
    if as_of is None:
        start = _what_if_window_start(case)
        if until < start:
            return (f"The what-if's events start after the record's last day "
                    f"({case.run.forecast_as_of}), so its horizon must end on or after "
                    f"{start}; got {until}. For a window the record has passed, choose "
                    "\"calibrated as of a date\" with an earlier as-of date.")
        return None
    if until <= as_of:
        return (f"The horizon ({until}) must be after the calibrated forecast's as-of date "
                f"({as_of}).")
    return None


FAN_SINCE = dt.date(2015, 1, 1)
"""A fan chart's first quarter: the years before the takeover and after, at least."""

FAN_LEAD_YEARS = 4
"""A fan chart shows at least this many years before its window."""


def fan_since(view: ForecastView) -> dt.date:
    """The first quarter a fan chart of ``view`` draws.

    :data:`FAN_SINCE`, or :data:`FAN_LEAD_YEARS` before the window opens where that is
    earlier: a calibrated forecast over a window the record has passed (as of 2002, say) drew
    an empty chart from 2015 on (found 2026-12-07).
    """
    start = _window_start(view)
    return min(FAN_SINCE, start.replace(year=start.year - FAN_LEAD_YEARS))


def _window_start(view: ForecastView) -> dt.date:
    """The first day of the events' window (its first quarter, ``view.window[0]``)."""
    return quarter_start(quarter_of_label(view.window[0]))


def fan_data(sim: SimResult, variable: str, since: dt.date = FAN_SINCE) -> pd.DataFrame:
    """Median and 50%/90% bands of ``variable`` per quarter from ``since`` on."""
    j = SERIES.index(variable)
    frame = band_frame({sim.spec.policy: (sim.spec.timeline.labels(),
                                          sim.sample_series[:, :, j], sim.mean_series[:, j])})
    return frame[frame["date"] >= pd.Timestamp(since)].reset_index(drop=True)


def fan_chart(view: ForecastView, variable: str, since: dt.date | None = None) -> Any:
    """The fan chart of ``variable`` with the events' window shaded; title says what.

    From ``since`` (default :func:`fan_since`); the title names the policy, the calibration
    label on its own line and, beneath, what the variable measures (:data:`qpq.sim.OUTPUTS`).
    """
    frame = fan_data(view.sim, variable, since or fan_since(view))
    # calibrated: only where an event's parameters say how far the calibration constrained
    # the series; elsewhere the chart does not claim it
    label = (UNCALIBRATED if view.mode == "what-if" else view.series_labels.get(
        variable, CALIBRATED_UNASSESSED))
    policy = view.sim.spec.policy
    what = ("share of scenarios" if variable in INDICATOR_SERIES
            else "median, 50% and 90% bands")
    # the label on lines of its own, wrapped as the report's: one line was cut at the
    # chart's width ("… — unca"), and a partly calibrated label runs to ~140 characters
    chart = bands_chart(frame, variable, title=f"{variable} under {policy}: {what}",
                        label=label, legend="policy", subtitle=OUTPUTS.get(variable))
    window = pd.DataFrame({"start": [pd.Timestamp(_window_start(view))],
                           "end": [frame["date"].max()]})
    shade = alt.Chart(window).mark_rect(opacity=0.06, color="#000000").encode(
        x=alt.X("start:T"), x2=alt.X2("end"))  # objects: see phase_chart
    return alt.layer(shade, chart).properties(width=560, height=240)
