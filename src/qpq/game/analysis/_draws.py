"""Monte Carlo draws over the plausible ranges of the game's assumptions, in spec order.

Proposition tests (docs/model-game.md A.5) report the share of the assumption ranges in
which each proposition holds. :func:`sample_assumptions` draws those points: every game
parameter marked ``assumption: true`` in the case file is drawn uniformly over its range,
except named model options (integer 0/1 switches such as ``planb_covers_iskp``), which
stay at their default; evidence-fixed parameters (``us_presence``) stay at their default.
Draws that break one of the spec's orderings (:data:`qpq.model.CONSTRAINTS`, e.g.
``restrain_intensity`` < ``crackdown_intensity``) are redrawn, both parameters of the
ordering together, until none does, so the sample is uniform on the ordered region (the
rule is :meth:`qpq.model.ParameterRegistry.redraw_until_ordered`, shared with the
simulator's pools). The random numbers come from the caller's
:class:`numpy.random.Generator` (never the global state), so the same generator state gives
the same draws.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from qpq.errors import BadInputError
from qpq.model import GAME_PARAMETERS, ParameterRegistry

__all__ = ["AssumptionSample", "sample_assumptions", "sampled_names"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class AssumptionSample:
    """Validated parameter arrays of a Monte Carlo over the assumption ranges.

    Attributes
    ----------
    params
        ``name -> (n,)`` array for every parameter of the registry.
    sampled
        The names drawn over their ranges (the others are fixed).
    fixed
        The names held at one value, with that value.
    method
        How the points were drawn.
    """

    params: dict[str, FloatArray]
    sampled: tuple[str, ...]
    fixed: dict[str, float] = field(default_factory=dict)
    method: str = ("uniform over each assumption's plausible range; model options and "
                   "evidence-fixed parameters at their defaults; draws that break a spec "
                   "ordering redrawn (both parameters) until none does")

    @property
    def size(self) -> int:
        """Number of points."""
        return int(next(iter(self.params.values())).shape[0])


def sampled_names(registry: ParameterRegistry) -> tuple[str, ...]:
    """The game parameters drawn by default: assumptions that are not 0/1 model options."""
    return tuple(p.name for p in registry if p.name in GAME_PARAMETERS and p.assumption
                 and not p.integer)


def sample_assumptions(registry: ParameterRegistry, n: int, rng: np.random.Generator, *,
                       names: Iterable[str] | None = None,
                       overrides: Mapping[str, str | float] | None = None
                       ) -> AssumptionSample:
    """Draw ``n`` parameter points over the assumption ranges, respecting the orderings.

    Parameters
    ----------
    registry
        The case's parameters (ranges, defaults, orderings).
    n
        Number of points (at least 1).
    rng
        The random number generator (injected; e.g. ``numpy.random.default_rng(2024)``).
    names
        Parameters to draw (default: :func:`sampled_names`); the others keep their default.
    overrides
        Values that replace defaults (validated); an overridden name is not drawn.
    """
    if n < 1:
        raise BadInputError(f"need at least one Monte Carlo draw, got {n}")
    over = {k: registry.parse_value(k, v) for k, v in (overrides or {}).items()}
    base = registry.point(over)
    drawn = [k for k in (sampled_names(registry) if names is None else tuple(names))
             if k not in over]
    for k in drawn:
        registry[k]                                          # unknown names raise
    values = {p.name: np.full(n, base[p.name]) for p in registry}
    for k in drawn:
        p = registry[k]
        values[k] = rng.uniform(p.low, p.high, n)
    registry.redraw_until_ordered(values, drawn,
                                  lambda p, size: rng.uniform(p.low, p.high, size))
    checked = registry.validate_arrays(values)
    fixed = {k: float(base[k]) for k in registry.names if k not in drawn}
    return AssumptionSample(params=checked, sampled=tuple(drawn), fixed=fixed)
