"""The simulator's clock and the history it reads from the case file.

Time step: one **quarter**. A quarter is numbered absolutely as ``year*4 + (month-1)//3``
(so 1996Q1 is 7984), and a run covers the quarters ``[start, stop)``.

History comes from the case's dated phases and events, never from code:

* each phase's ``attributes`` (the vocabulary :data:`qpq.case.PHASE_ATTRIBUTES`:
  ``us_presence``, ``taliban_in_power``, ``iskp_present``, ``iskp_targets_china``,
  ``taliban_isolation``, ``china_exposure_afghanistan``, ``china_exposure_central_asia``)
  hold in a quarter when the phase is in force on the quarter's **midpoint**
  (:meth:`qpq.case.Phase.in_force`: from the fuzzy start's earliest day up to, not
  including, the fuzzy end's latest day, so that a phase ending on the day the next begins
  hands over that day; an open phase runs on). Overlapping phases must agree on an attribute
  both set (a clash is bad input naming both phases); where no phase sets an attribute its
  declared default holds. Each quarter's value keeps the source ids behind it;
* third-party recognitions of the Taliban are events of type ``recognition`` whose actors
  include ``taliban`` but not ``china``; each lowers China's ``recognition_cost`` from its
  quarter on (parameter ``third_party_recognition_factor``).

A :class:`Timeline` is built from a case (usually an as-of view, so a forecast cannot see
events after its cut-off) and may carry counterfactual overrides for proposition tests.
The *regime* of a quarter is the part of the one-round game that history changes
(``us_presence`` and the number of third-party recognitions): the equilibrium lookup is
built once per regime. The simulator reads only ``us_presence`` and ``taliban_in_power`` so
far; the other attributes are carried per quarter for the lenses that read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from qpq.case import (
    PHASE_ATTRIBUTES,
    Case,
    FuzzyDate,
    phase_attribute_conflicts,
    quarter_end,
    quarter_label,
    quarter_mid,
    quarter_of,
    quarter_start,
)
from qpq.checks import as_date, check_number
from qpq.errors import BadInputError
from qpq.model import HISTORY_EFFECTS

__all__ = [
    "EARLIEST",
    "LATEST",
    "Override",
    "Regime",
    "Timeline",
    "build_timeline",
    "quarter_end",
    "quarter_label",
    "quarter_mid",
    "quarter_of",
    "quarter_start",
]

STAGE_ATTRIBUTES: tuple[str, ...] = tuple(e.attribute for e in HISTORY_EFFECTS if e.stage)
"""The phase attributes that change model v2's stage game (its regimes differ in them); the
history effects on the dynamics alone (``stage=False``) leave the regimes as they are."""

EARLIEST = dt.date(1990, 1, 1)
"""The earliest date a run may start."""

LATEST = dt.date(2100, 12, 31)
"""The latest date a run may reach."""


@dataclass(frozen=True, slots=True)
class Regime:
    """The history-dependent inputs of the one-round game in a quarter.

    ``attributes`` (model v2's stage regimes only) holds the phase attributes that change
    the stage game (:data:`qpq.model.HISTORY_EFFECTS`), as ``(name, value)`` pairs.
    """

    us_presence: float
    recognitions: int
    attributes: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Override:
    """A counterfactual: attribute ``name`` takes ``value`` on ``[start, end]`` (dates)."""

    name: str
    value: float
    start: dt.date
    end: dt.date = LATEST

    def __post_init__(self) -> None:
        # checked where it is made: a value outside the attribute's range (or NaN) went
        # into the timeline, and an end before the start did nothing (found 2026-12-06)
        spec = PHASE_ATTRIBUTES.get(self.name)
        if spec is None:
            raise BadInputError(f"unknown timeline attribute {self.name!r}; known: "
                                + ", ".join(PHASE_ATTRIBUTES))
        object.__setattr__(self, "value", check_number(
            self.value, f"override of {self.name}", low=spec.low, high=spec.high))
        start = as_date(self.start, f"override of {self.name}: start")
        end = as_date(self.end, f"override of {self.name}: end")
        if end < start:
            raise BadInputError(f"override of {self.name}: end {end} is before start {start}")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)


@dataclass(frozen=True)
class Timeline:
    """Per-quarter history inputs for the quarters ``[start, stop)``.

    Attributes
    ----------
    start, stop
        Absolute quarter numbers.
    us_presence, taliban_in_power
        Per-quarter attribute values (float arrays).
    recognitions
        Cumulative third-party recognitions of the Taliban in force per quarter.
    regimes
        Distinct :class:`Regime` values among quarters with the Taliban in power.
    regime_index
        Per-quarter index into ``regimes`` (0 where the Taliban are not in power).
    sources
        Phase and event ids the timeline was read from.
    attributes
        Per-quarter values of every declared phase attribute (``us_presence`` and
        ``taliban_in_power`` are the arrays above).
    attribute_sources
        Per attribute, per quarter, the source ids behind the value (empty where the
        declared default or a counterfactual override holds).
    stage_regimes, stage_regime_index
        Model v2's regimes: as ``regimes``, and also distinct in the phase attributes that
        change the stage game (empty: the same as ``regimes``).
    """

    start: int
    stop: int
    us_presence: NDArray[np.float64]
    taliban_in_power: NDArray[np.float64]
    recognitions: NDArray[np.int64]
    regimes: tuple[Regime, ...]
    regime_index: NDArray[np.int64]
    sources: tuple[str, ...] = field(default=())
    attributes: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)
    attribute_sources: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    stage_regimes: tuple[Regime, ...] = ()
    stage_regime_index: NDArray[np.int64] | None = None

    def v2_regimes(self) -> tuple[tuple[Regime, ...], NDArray[np.int64]]:
        """Model v2's regimes and per-quarter index (v1's where none were built)."""
        if not self.stage_regimes or self.stage_regime_index is None:
            return self.regimes, self.regime_index
        return self.stage_regimes, self.stage_regime_index

    @property
    def n_quarters(self) -> int:
        """Number of quarters in the run."""
        return self.stop - self.start

    def in_power(self, q: int) -> bool:
        """Whether the Taliban govern in absolute quarter ``q``."""
        return bool(self.taliban_in_power[q - self.start] >= 0.5)

    def labels(self) -> list[str]:
        """Quarter labels of the run."""
        return [quarter_label(q) for q in range(self.start, self.stop)]

    def value(self, name: str, q: int) -> float:
        """Attribute ``name`` in absolute quarter ``q``."""
        return float(self.attributes[name][q - self.start])

    def cited(self, name: str, q: int) -> tuple[str, ...]:
        """Source ids behind attribute ``name`` in absolute quarter ``q``."""
        return self.attribute_sources[name][q - self.start]


def third_party_recognitions(case: Case) -> list[tuple[str, dt.date]]:
    """Recognitions of the Taliban by others than China: (event id, day it counts from)."""
    out = []
    for ev in case.events:
        if str(ev.type) == "recognition" and "taliban" in ev.actors and "china" not in ev.actors:
            out.append((ev.id, FuzzyDate.parse(ev.date).latest))
    return sorted(out, key=lambda x: x[1])


def build_timeline(case: Case, start: dt.date, stop: dt.date,
                   overrides: tuple[Override, ...] = ()) -> Timeline:
    """Read phases and events of ``case`` into per-quarter inputs for ``[start, stop]``.

    Parameters
    ----------
    case
        The case (pass an as-of view for forecasts).
    start, stop
        First and last day of the run; the run covers every quarter they touch.
    overrides
        Counterfactual attribute values (e.g. the US stays after 2021).
    """
    # "2000-01-01" or a datetime ended in a date/str (or datetime/date) comparison TypeError
    start, stop = as_date(start, "start"), as_date(stop, "stop")
    if not EARLIEST <= start <= stop <= LATEST:
        raise BadInputError(f"a run must satisfy {EARLIEST} <= start <= stop <= {LATEST}; "
                            f"got start {start}, stop {stop} (where not given as options, "
                            "they are case.yaml's run.start, run.until or as-of dates)")
    q0, q1 = quarter_of(start), quarter_of(stop) + 1
    n = q1 - q0
    clashes = phase_attribute_conflicts(case.phases)
    if clashes:
        raise BadInputError("phases.yaml: " + "; ".join(msg for _, _, msg in clashes))
    # the case layer owns the attribute names, ranges and defaults (checked on loading)
    attrs: dict[str, NDArray[np.float64]] = {
        name: np.full(n, spec.default) for name, spec in PHASE_ATTRIBUTES.items()}
    cited: dict[str, list[tuple[str, ...]]] = {name: [()] * n for name in PHASE_ATTRIBUTES}
    mids = [quarter_mid(q0 + i) for i in range(n)]
    used: list[str] = []
    for ph in case.phases:
        values = ph.attribute_values()
        if not values:
            continue
        hit = False
        for i, in_force in enumerate(ph.in_force_on(mids)):
            if in_force:
                hit = True
                for name, given in values.items():
                    attrs[name][i] = given.value
                    cited[name][i] = tuple(given.sources)
        if hit:
            used.append(ph.id)
    for ov in overrides:
        for i in range(n):
            if ov.start <= mids[i] <= ov.end:
                attrs[ov.name][i] = ov.value
                cited[ov.name][i] = ()
    recog = np.zeros(n, dtype=np.int64)
    for ev_id, day in third_party_recognitions(case):
        qi = quarter_of(day) - q0
        if qi < n:
            recog[max(qi, 0):] += 1
            used.append(ev_id)
    regimes: list[Regime] = []
    index = np.zeros(n, dtype=np.int64)
    for i in range(n):
        if attrs["taliban_in_power"][i] < 0.5:
            continue
        reg = Regime(float(attrs["us_presence"][i]), int(recog[i]))
        if reg not in regimes:
            regimes.append(reg)
        index[i] = regimes.index(reg)
    if not regimes:
        regimes.append(Regime(0.0, 0))
    staged: list[Regime] = []
    stage_index = np.zeros(n, dtype=np.int64)
    for i in range(n):
        if attrs["taliban_in_power"][i] < 0.5:
            continue
        reg = Regime(float(attrs["us_presence"][i]), int(recog[i]),
                     tuple((a, float(attrs[a][i])) for a in STAGE_ATTRIBUTES))
        if reg not in staged:
            staged.append(reg)
        stage_index[i] = staged.index(reg)
    if not staged:
        staged.append(Regime(0.0, 0, tuple((a, PHASE_ATTRIBUTES[a].default)
                                           for a in STAGE_ATTRIBUTES)))
    return Timeline(start=q0, stop=q1, us_presence=attrs["us_presence"],
                    taliban_in_power=attrs["taliban_in_power"], recognitions=recog,
                    regimes=tuple(regimes), regime_index=index, sources=tuple(used),
                    attributes=attrs,
                    attribute_sources={name: tuple(c) for name, c in cited.items()},
                    stage_regimes=tuple(staged), stage_regime_index=stage_index)

