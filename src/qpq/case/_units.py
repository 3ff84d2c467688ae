"""The units a case may state a number in: one vocabulary for the schema and the audit.

A quantity or an estimate states a number in the evidence's own terms. Keeping the units to a
declared vocabulary means a typo (``milles``) or nonsense (``parsecs``) is refused where it is
written, and the audit can convert the units it knows how to compare (lengths) without
guessing. Every unit here counts or measures something, so none allows a negative value.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["UNITS", "Unit", "to_si"]


@dataclass(frozen=True)
class Unit:
    """A unit of the vocabulary: what it measures, and its factor to SI where one exists."""

    dimension: str
    si_factor: float | None = None


_COUNTS = ("attacks", "camps", "countries", "editions", "fighters", "items", "lines",
           "madrasas", "options", "pages", "people", "periods", "projects", "rounds",
           "schools", "soldiers", "troops", "visits")
_TIME = ("days", "weeks", "months", "quarters", "years")

UNITS: dict[str, Unit] = {
    **{name: Unit("count") for name in _COUNTS},
    **{name: Unit("duration") for name in _TIME},
    "km": Unit("length", 1000.0), "kilometre": Unit("length", 1000.0),
    "kilometer": Unit("length", 1000.0), "m": Unit("length", 1.0),
    "mi": Unit("length", 1609.344), "mile": Unit("length", 1609.344),
    "miles": Unit("length", 1609.344),
    "USD": Unit("money"), "CNY": Unit("money"), "PKR": Unit("money"), "AFN": Unit("money"),
    "percent": Unit("share"), "share": Unit("share"),
}
"""Every unit a quantity or estimate may use, by its exact spelling."""


def to_si(unit: str) -> tuple[str, float] | None:
    """``(dimension, factor)`` converting ``unit`` to SI, or ``None`` if it has none."""
    known = UNITS.get(unit) or UNITS.get(unit.lower())
    if known is None or known.si_factor is None:
        return None
    return known.dimension, known.si_factor
