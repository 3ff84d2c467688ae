"""The dashboard's controls: one slider per parameter, built from the case's registry.

A :class:`SliderSpec` is what the app needs to draw a slider (range, step, default, help
text) and what the analyst needs to judge it (unit, evidence ids or "assumption"). Every
number comes from the case's ``parameters.yaml`` through the
:class:`~qpq.model.ParameterRegistry`, so a slider's range is the parameter's plausible
range and nothing is typed twice.

:func:`resolve_point` turns the sliders' values into a validated
:class:`~qpq.model.ParameterSet`, or the problems that stop it (the orderings of
:data:`qpq.model.CONSTRAINTS`, e.g. ``capacity_low`` <= ``capacity_high``), so that the app
can say what is wrong instead of failing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from qpq.errors import BadInputError
from qpq.model import UNCALIBRATED, ParameterRegistry, ParameterSet

__all__ = [
    "AXIS_DEFAULTS",
    "KEY_PARAMETERS",
    "UNCALIBRATED",
    "PointCheck",
    "SliderSpec",
    "resolve_point",
    "slider_spec",
    "slider_specs",
]


KEY_PARAMETERS: tuple[str, ...] = (
    "crackdown_intensity", "iskp_pull", "prior_sincere", "capacity_low", "capacity_high",
    "reneging_cost", "recognition_value", "w_security", "us_presence", "econ_gain",
)
"""The parameters the dashboard shows as sliders from the start (the paper's levers:
how hard the Taliban go on ETIM/TIP, how strongly ISKP pulls, good faith, capacity,
commitment, the value of recognition, security first, the US free ride, trade)."""

AXIS_DEFAULTS: tuple[str, str] = ("crackdown_intensity", "iskp_pull")
"""The phase diagram's default axes: the two parameters of the paper's central claim."""


@dataclass(frozen=True, slots=True)
class SliderSpec:
    """Everything needed to draw one parameter's slider and say where its range comes from.

    Attributes
    ----------
    name, description, unit
        The parameter, as the case defines it.
    low, high, default
        Plausible range and default (the slider's limits and initial value).
    step
        Slider step: about a hundredth of the range, rounded to 1, 2 or 5 × 10^k (1 for
        integer parameters).
    integer
        Whether the parameter takes whole numbers only.
    assumption
        ``True`` when the value is an assumption (the evidence ids then justify only its
        direction or ordering).
    evidence
        Evidence ids cited by the case.
    """

    name: str
    description: str
    unit: str
    low: float
    high: float
    default: float
    step: float
    integer: bool
    assumption: bool
    evidence: tuple[str, ...]

    @property
    def status(self) -> str:
        """``evidence`` or :data:`UNCALIBRATED`."""
        return UNCALIBRATED if self.assumption else "evidence"

    @property
    def decimals(self) -> int:
        """Decimal places that show one step."""
        if self.integer or self.step >= 1:
            return 0
        return max(0, -math.floor(math.log10(self.step) + 1e-9))

    @property
    def help(self) -> str:
        """The slider's tooltip: description, unit, range, default and status."""
        cited = ", ".join(self.evidence) if self.evidence else "none"
        return (f"{self.description} Unit: {self.unit}. Range [{self.low:g}, {self.high:g}], "
                f"default {self.default:g}. Status: {self.status}; evidence ids: {cited}.")

    def clip(self, value: float) -> float:
        """``value`` clipped to the range (and rounded for an integer parameter)."""
        v = min(max(float(value), self.low), self.high)
        return float(round(v)) if self.integer else v


def _nice_step(span: float) -> float:
    if span <= 0:
        return 1.0
    raw = span / 100.0
    power = 10.0 ** math.floor(math.log10(raw))
    for mult in (1.0, 2.0, 5.0, 10.0):
        if raw <= mult * power * (1 + 1e-9):
            return mult * power
    return 10.0 * power  # pragma: no cover - the loop always returns


def slider_spec(registry: ParameterRegistry, name: str) -> SliderSpec:
    """The slider of one parameter.

    Raises
    ------
    BadInputError
        For a name the registry does not define (the message suggests close names).
    """
    p = registry[name]
    step = 1.0 if p.integer else _nice_step(p.high - p.low)
    return SliderSpec(name=p.name, description=p.description, unit=p.unit, low=float(p.low),
                      high=float(p.high), default=float(p.default), step=step,
                      integer=p.integer, assumption=p.assumption, evidence=tuple(p.evidence))


def slider_specs(registry: ParameterRegistry, names: Iterable[str] = KEY_PARAMETERS
                 ) -> tuple[SliderSpec, ...]:
    """Sliders for ``names`` (default :data:`KEY_PARAMETERS`), in that order."""
    return tuple(slider_spec(registry, n) for n in names)


@dataclass(frozen=True)
class PointCheck:
    """The sliders' values as a validated point, or why they are not one.

    Attributes
    ----------
    point
        The parameter point (defaults with the values applied); ``None`` when invalid.
    problems
        One sentence per problem (empty when ``point`` is set).
    """

    point: ParameterSet | None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the values make a valid point."""
        return self.point is not None


def resolve_point(registry: ParameterRegistry, values: Mapping[str, float]) -> PointCheck:
    """Apply ``values`` to the defaults and check ranges and orderings.

    Parameters
    ----------
    registry
        The case's parameter registry.
    values
        ``name -> value`` from the sliders (any subset of the parameters).

    Returns
    -------
    PointCheck
        The point, or the problems (an unknown name, a value out of range, a broken
        ordering such as ``capacity_low`` above ``capacity_high``).
    """
    try:
        return PointCheck(registry.point(dict(values)))
    except BadInputError as exc:
        lines = [str(exc).splitlines()[0]]
        lines += [str(p) for p in exc.problems]
        return PointCheck(None, tuple(line for line in lines if line))
