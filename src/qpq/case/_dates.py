"""Fuzzy dates: the precision-aware dates that every evidence item carries.

The paper dates things to the day ("August 15, 2021"), the month ("May 2023"), the year
("2003") or a span ("1996–2001"). A :class:`FuzzyDate` keeps the precision and exposes the
earliest and latest calendar day it can mean, so that an "as of" cut-off can be applied
conservatively: an item dated "2021" is only known for certain after 2021-12-31.

Accepted spellings (ISO 8601 subsets): ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` and an interval
``START/END`` whose ends are any of the three.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from qpq.checks import as_date

__all__ = ["DateParseError", "FuzzyDate", "Precision", "quarter_end", "quarter_label",
           "quarter_mid", "quarter_of", "quarter_of_label", "quarter_start"]

_PART = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class DateParseError(ValueError):
    """A string is not one of the accepted fuzzy-date spellings."""


class Precision(StrEnum):
    """How precisely a date is known."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    RANGE = "range"


def _parse_part(text: str, allowed: str = "YYYY, YYYY-MM, YYYY-MM-DD or START/END"
                ) -> tuple[dt.date, dt.date, Precision]:
    match = _PART.match(text.strip())
    if match is None:
        raise DateParseError(f"{text!r} is not a date; allowed: {allowed}")
    year = int(match.group(1))
    month = match.group(2)
    day = match.group(3)
    try:
        if month is None:
            return dt.date(year, 1, 1), dt.date(year, 12, 31), Precision.YEAR
        m = int(month)
        if day is None:
            last = calendar.monthrange(year, m)[1]
            return dt.date(year, m, 1), dt.date(year, m, last), Precision.MONTH
        d = dt.date(year, m, int(day))
    except ValueError as exc:
        raise DateParseError(f"{text!r} is not a valid calendar date ({exc})") from None
    return d, d, Precision.DAY


@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A date known to some precision, as the interval ``[earliest, latest]`` of days."""

    text: str
    earliest: dt.date
    latest: dt.date
    precision: Precision

    @classmethod
    def parse(cls, text: str, *, interval: bool = True) -> FuzzyDate:
        """Parse ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or ``START/END``.

        ``interval=False`` refuses ``START/END`` (a command's option names one date) and
        says so in its messages.
        """
        if not isinstance(text, str):
            raise DateParseError(f"{text!r} is not a date string (quote it in YAML)")
        raw = text.strip()
        if "/" in raw and not interval:
            # "15/08/2021" as well as an interval: neither is one ISO date
            raise DateParseError(f"{text!r} is not one date; give YYYY, YYYY-MM or YYYY-MM-DD "
                                 "(an interval START/END is not allowed here)")
        if "/" in raw:
            start_text, _, end_text = raw.partition("/")
            try:
                start, _, _ = _parse_part(start_text)
                _, end, _ = _parse_part(end_text)
            except DateParseError as exc:
                # the whole text, so that "15/08/2021" is not reported as the date "15"
                raise DateParseError(f"{text!r} is not a date: {exc}") from None
            if end < start:
                raise DateParseError(f"{text!r}: the interval ends before it starts")
            return cls(raw, start, end, Precision.RANGE)
        earliest, latest, precision = (_parse_part(raw) if interval else
                                       _parse_part(raw, "YYYY, YYYY-MM or YYYY-MM-DD"))
        return cls(raw, earliest, latest, precision)

    @property
    def year(self) -> int:
        """The year of the earliest day."""
        return self.earliest.year

    def __str__(self) -> str:
        return self.text



# The case's time unit is the quarter (``case.yaml``'s ``time_unit``). Its arithmetic lives
# here, beside the dates, because the case layer itself needs it: whether two phases clash is
# decided on the days the simulator reads them (quarter midpoints).


def quarter_of(day: dt.date | str) -> int:
    """Absolute quarter number of a day: ``year*4 + (month-1)//3`` (1996Q1 is 7984).

    ``day``: a date or ``YYYY-MM-DD`` (a string ended in "'str' object has no attribute
    'year'").
    """
    if not isinstance(day, dt.date):
        day = as_date(day, "day")
    return day.year * 4 + (day.month - 1) // 3


def quarter_start(q: int) -> dt.date:
    """First day of absolute quarter ``q``."""
    return dt.date(q // 4, (q % 4) * 3 + 1, 1)


def quarter_end(q: int) -> dt.date:
    """Last day of absolute quarter ``q``."""
    return quarter_start(q + 1) - dt.timedelta(days=1)


def quarter_mid(q: int) -> dt.date:
    """Midpoint day of absolute quarter ``q`` (the day phases are evaluated on)."""
    a, b = quarter_start(q), quarter_end(q)
    return a + (b - a) // 2


def quarter_label(q: int) -> str:
    """``1996Q1``-style label."""
    return f"{q // 4}Q{q % 4 + 1}"


_QUARTER_LABEL = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_of_label(label: str) -> int:
    """Absolute quarter of a :func:`quarter_label` (``"1996Q1"`` -> 7984), its inverse.

    Raises
    ------
    DateParseError
        For text that is not such a label.
    """
    m = _QUARTER_LABEL.fullmatch(label)     # "$" alone also matched before a final newline
    if m is None:
        raise DateParseError(f"{label!r} is not a quarter label such as 2021Q3")
    return int(m.group(1)) * 4 + int(m.group(2)) - 1
