"""Backtest events read from the record: outcomes in a window, and the naive baselines.

Each event of :data:`RECORD_EVENTS` has one definition of its outcome over a window of dates
(from the record as it stands, every observation dated by the latest day its fuzzy date can
mean, as the as-of cut dates them) and two baseline forecasts made only from what was known
at the origin (the case's as-of view, :func:`qpq.case.case_as_of`):

- **climatology**: the trailing five years before the origin. A count is forecast as
  Poisson with the trailing rate scaled to the window; a binary event by the share of the
  five-year span's windows (of the forecast's length) in which it occurred; a band by the
  bands of the estimates whose reference date lies in the five years.
- **persistence**: the last window of the same length before the origin. A count as Poisson
  with the last window's count as mean; a binary event as certain to repeat (or not) what
  it did; a band as the last known estimate's band.

Where the record is too thin to define an outcome (no estimate in a window) the origin is
not scored for that event, and the result says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from qpq.case import Attack, Case, Estimate, FuzzyDate, case_as_of
from qpq.sim._scores import Discrete

__all__ = [
    "CENTRAL_ASIA_ON_AFGHAN_BORDER",
    "ISKP_BANDS",
    "RECORD_EVENTS",
    "TALIBAN_ACTIONS_AGAINST",
    "TIP_BANDS",
    "UYGHUR_MILITANTS",
    "RecordEvent",
    "add_months",
    "baselines",
    "outcome",
    "record_event",
]

EventKind = Literal["count", "binary", "band"]

CENTRAL_ASIA_ON_AFGHAN_BORDER: tuple[str, ...] = (
    "tajikistan-country", "uzbekistan-country", "turkmenistan-country")
"""Country places of the Central Asian states that border Afghanistan. The record does not
say where an attack in Central Asia was launched from (``cross_border`` is unset for all of
them), so attacks on Chinese targets in these states stand in for the model's attacks
"across the border into Central Asia"; Kyrgyzstan, with no Afghan border, is left out."""

TALIBAN_ACTIONS_AGAINST: tuple[str, ...] = ("relocation", "arrest", "deportation")
"""Kinds of reported Taliban steps that act on the militants (pledges and denials are words;
co-optation absorbs rather than acts against them)."""

UYGHUR_MILITANTS: tuple[str, ...] = ("etim", "tip")
"""The record's subjects that are the Uyghur militants (ETIM and its successor name TIP): the
backtest's events and the record calibration's observations (``qpq.sim._record``) read these."""

TIP_BANDS: tuple[float, ...] = (250.0, 500.0, 1000.0)
"""Upper edges of the ETIM/TIP strength bands (fighters): <250, 250-500, 500-1000, >=1000."""

ISKP_BANDS: tuple[float, ...] = (1000.0, 2500.0, 5000.0)
"""Upper edges of the ISKP strength bands (fighters): <1000, 1000-2500, 2500-5000, >=5000."""

CLIMATOLOGY_YEARS = 5


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (clipped to the month's last day).

    A month's last day stays its month's last day: 30 June + 6 months is 31 December, so the
    window after a quarter end ends on a quarter end (30 June + 6 months had been 30
    December, and an estimate dated 31 December 2021 fell outside the 6-month window after
    2021-06-30 although the forecast it was scored against covered 2021Q4 whole).
    """
    import calendar

    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = calendar.monthrange(year, month)[1]
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return dt.date(year, month, last)
    return dt.date(year, month, min(day.day, last))


def _day(text: str) -> dt.date:
    return FuzzyDate.parse(text).latest


def _in(day: dt.date, start: dt.date, stop: dt.date) -> bool:
    """Whether ``day`` lies in the half-open window (start, stop]."""
    return start < day <= stop


@dataclass(frozen=True)
class RecordEvent:
    """A backtest event: its kind, its definition on the record, and the model's reading.

    ``read`` gives the dated observations of the event in a case: (day, 1.0) per occurrence
    for counts and binary events, (reference day, fighters) per estimate for bands.
    """

    name: str
    kind: EventKind
    description: str
    definition: str
    model: str
    read: Callable[[Case], list[tuple[dt.date, float]]]
    bands: tuple[float, ...] = ()

    def band_of(self, value: float) -> int:
        """Index of the band holding ``value``."""
        return int(np.searchsorted(np.asarray(self.bands), value, side="right"))

    @property
    def categories(self) -> int:
        """Number of bands (band events)."""
        return len(self.bands) + 1


def _attacks(pick: Callable[[Attack], bool]) -> Callable[[Case], list[tuple[dt.date, float]]]:
    def read(case: Case) -> list[tuple[dt.date, float]]:
        return [(_day(a.date), 1.0) for a in case.attacks if pick(a)]
    return read


def _recognition(case: Case) -> list[tuple[dt.date, float]]:
    return [(_day(e.date), 1.0) for e in case.events
            if e.type == "recognition" and {"china", "taliban"} <= set(e.actors)]


def _taliban_action(case: Case) -> list[tuple[dt.date, float]]:
    return [(_day(t.date), 1.0) for t in case.taliban_actions
            if t.kind in TALIBAN_ACTIONS_AGAINST and set(t.subjects) & set(UYGHUR_MILITANTS)]


def _midpoint(e: Estimate) -> float | None:
    iv = e.interval()
    if iv is None:
        return None
    lo, hi = iv
    if np.isfinite(lo) and np.isfinite(hi):
        return (lo + hi) / 2.0
    finite = [v for v in (lo, hi) if np.isfinite(v) and v > 0]
    return finite[0] if finite else None


def _estimates(pick: Callable[[Estimate], bool]
               ) -> Callable[[Case], list[tuple[dt.date, float]]]:
    def read(case: Case) -> list[tuple[dt.date, float]]:
        out = []
        for e in case.estimates:
            mid = _midpoint(e) if pick(e) else None
            if mid is not None:
                out.append((_day(e.reference), mid))
        return out
    return read


RECORD_EVENTS: tuple[RecordEvent, ...] = (
    RecordEvent("attacks_on_chinese_nationals_afghanistan", "count",
                "Attacks on Chinese nationals in Afghanistan in the window",
                "attacks.yaml: country afghanistan, targets include chinese_nationals",
                "simulated count of attacks on Chinese nationals in Afghanistan",
                _attacks(lambda a: a.country == "afghanistan"
                         and "chinese_nationals" in a.targets)),
    RecordEvent("attacks_cross_border_central_asia", "count",
                "Attacks on Chinese targets in the Central Asian states bordering Afghanistan",
                "attacks.yaml: country tajikistan, uzbekistan or turkmenistan (a proxy: the "
                "record does not say where these attacks were launched from)",
                "simulated count of attacks across the border into Central Asia",
                _attacks(lambda a: a.country in CENTRAL_ASIA_ON_AFGHAN_BORDER)),
    RecordEvent("china_recognizes_de_jure", "binary",
                "China recognises the Taliban government de jure in the window",
                "events.yaml: an event of type recognition whose actors include china and "
                "taliban", "share of scenarios with de jure recognition in some quarter",
                _recognition),
    RecordEvent("taliban_action_against_uyghur_militants", "binary",
                "A Taliban action against Uyghur militants (relocation, arrest, deportation) "
                "is reported in the window",
                "taliban_actions.yaml: kind relocation, arrest or deportation, subjects "
                "include etim or tip",
                "share of scenarios where the Taliban restrain or crack down in some quarter",
                _taliban_action),
    RecordEvent("tip_strength_band", "band",
                "Estimated ETIM/TIP fighters in Afghanistan, in bands",
                "estimates.yaml: subject etim or tip, measure fighters, geography "
                "afghanistan; the midpoint of the latest estimate (by reference date) in the "
                "window",
                "Uyghur fighters in the border zone, the interior and Taliban ranks at the "
                "window's end",
                # the forecast counts all of Afghanistan: a province's or Syria's count is
                # another quantity (the calibration reads Badakhshan's as the border stock)
                _estimates(lambda e: e.subject in UYGHUR_MILITANTS and e.measure == "fighters"
                           and e.geography == "afghanistan"),
                TIP_BANDS),
    RecordEvent("iskp_strength_band", "band",
                "Estimated ISKP fighters in Afghanistan, in bands",
                "estimates.yaml: subject iskp, measure fighters, geography afghanistan; the "
                "midpoint of the latest estimate (by reference date) in the window",
                "ISKP's strength index at the window's end times the fighters of an ISKP at "
                "index 1 (the record calibration's posterior iskp_full_strength); none from "
                "the stylised facts, which give the index no fighter scale (baselines only)",
                _estimates(lambda e: e.subject == "iskp" and e.measure == "fighters"
                           and e.geography == "afghanistan"),
                ISKP_BANDS),
)
"""The events a backtest scores (docs/model-dynamics.md, evaluation)."""


def record_event(name: str) -> RecordEvent:
    """The event of :data:`RECORD_EVENTS` named ``name`` (``StopIteration`` if none is)."""
    return next(e for e in RECORD_EVENTS if e.name == name)


def _latest_band(event: RecordEvent, points: list[tuple[dt.date, float]]) -> int | None:
    if not points:
        return None
    last = max(d for d, _ in points)
    # estimates of the same date that disagree (recorded side by side) are averaged
    return event.band_of(float(np.mean([v for d, v in points if d == last])))


def outcome(case: Case, event: RecordEvent, start: dt.date, stop: dt.date) -> int | None:
    """The event's outcome over the window (start, stop] on the record as it stands.

    A count of attacks, 1/0 for a binary event, the band index of the latest estimate in the
    window for a band event (``None`` when the window holds no estimate).
    """
    if event.kind == "band":
        return _latest_band(event, [(d, v) for d, v in event.read(case)
                                    if _in(d, start, stop)])
    n = sum(_in(d, start, stop) for d, _ in event.read(case))
    return n if event.kind == "count" else int(n > 0)


@dataclass(frozen=True)
class Baselines:
    """The two naive forecasts of one event from one origin (``None``: nothing to go on)."""

    climatology: Discrete | None
    persistence: Discrete | None


def baselines(case: Case, event: RecordEvent, origin: dt.date, months: int) -> Baselines:
    """Climatology and persistence forecasts of the window after ``origin`` (``months`` long).

    Only the case as known at ``origin`` is read. Binary forecasts are returned as
    :meth:`Discrete.bernoulli` distributions.
    """
    view = case_as_of(case, origin)
    back = add_months(origin, -12 * CLIMATOLOGY_YEARS)
    last = add_months(origin, -months)
    if event.kind == "band":
        points = [(d, v) for d, v in event.read(view) if d <= origin]
        recent = [event.band_of(v) for d, v in points if _in(d, back, origin)]
        clim = (Discrete(np.bincount(recent, minlength=event.categories) / len(recent))
                if recent else None)
        band = _latest_band(event, points)
        pers = None if band is None else Discrete(np.eye(event.categories)[band])
        return Baselines(clim, pers)
    days = [d for d, _ in event.read(view)]
    if event.kind == "count":
        rate = sum(_in(d, back, origin) for d in days) / (12.0 * CLIMATOLOGY_YEARS) * months
        return Baselines(Discrete.poisson(rate),
                         Discrete.poisson(float(sum(_in(d, last, origin) for d in days))))
    windows = [(add_months(origin, -months * (k + 1)), add_months(origin, -months * k))
               for k in range(max(1, 12 * CLIMATOLOGY_YEARS // months))]
    hit = [any(_in(d, a, b) for d in days) for a, b in windows]
    return Baselines(Discrete.bernoulli(float(np.mean(hit))),
                     Discrete.bernoulli(float(hit[0])))
