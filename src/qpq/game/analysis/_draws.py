"""Monte Carlo draws over the plausible ranges of the game's assumptions, one stream each.

Proposition tests (docs/model-game.md A.5) report the share of the assumption ranges in
which each proposition holds. :func:`sample_assumptions` draws those points: every game
parameter marked ``assumption: true`` in the case file is drawn uniformly over its range,
except named model options (integer 0/1 switches such as ``planb_covers_iskp``), which
stay at their default; evidence-fixed parameters (``us_presence``) stay at their default.
Draws that break one of the spec's orderings (:data:`qpq.model.CONSTRAINTS`, e.g.
``restrain_intensity`` < ``crackdown_intensity``) are redrawn, both parameters of the
ordering together, until none does, so the sample is uniform on the ordered region (the
rule is :meth:`qpq.model.ParameterRegistry.draw_ordered`, shared with the simulator's
pools).

Each parameter draws from its own stream, keyed by its name
(:func:`qpq.model.parameter_generators`, the derivation the simulator's prior uses, under
the game's own key :data:`GAME_STREAM`), from one root seed taken from the caller's
:class:`numpy.random.Generator` (never the global state). So the same generator state gives
the same draws, and adding a parameter to the case, or drawing one more or one fewer,
leaves every other parameter's draws as they were, ordering redraws apart (streams read in
registry order would shift every later parameter's draws).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from qpq.checks import as_mapping, as_names, check_generator, check_whole
from qpq.model import GAME_PARAMETERS, ParameterRegistry, parameter_generators

__all__ = ["GAME_STREAM", "AssumptionSample", "sample_assumptions", "sampled_names"]

FloatArray = NDArray[np.float64]

GAME_STREAM: tuple[int, ...] = (200,)
"""The game Monte Carlo's key before each parameter's name key (the simulator's parameter
streams start with its purposes, 0-4, and model v2's choice streams with 100)."""

_ROOT_BOUND = 2**63
"""The root seed of a sample is one integer in [0, this) drawn from the caller's generator."""


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
    method: str = ("uniform over each assumption's plausible range, each parameter from its "
                   "own stream; model options and evidence-fixed parameters at their "
                   "defaults; draws that break a spec ordering redrawn (both parameters) "
                   "until none does")

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
        The random number generator (injected; e.g. ``numpy.random.default_rng(2024)``):
        one root seed is drawn from it, and each parameter's stream is keyed by that root,
        :data:`GAME_STREAM` and its name.
    names
        Parameters to draw (default: :func:`sampled_names`); the others keep their default.
    overrides
        Values that replace defaults (validated); an overridden name is not drawn.
    """
    n = check_whole(n, "n (Monte Carlo draws)", minimum=1)
    rng = check_generator(rng)
    over = {k: registry.parse_value(k, v) for k, v in as_mapping(overrides, "overrides").items()}
    base = registry.point(over)
    # a lone name was read letter by letter ("unknown parameter 'i'")
    chosen = as_names(names, "names", empty_ok=True)
    drawn = [k for k in dict.fromkeys(sampled_names(registry) if chosen is None else chosen)
             if k not in over]
    for k in drawn:
        registry[k]                                          # unknown names raise
    values = {p.name: np.full(n, base[p.name]) for p in registry}
    root = int(rng.integers(_ROOT_BOUND))
    registry.draw_ordered(values, parameter_generators(root, drawn, GAME_STREAM))
    checked = registry.validate_arrays(values)
    fixed = {k: float(base[k]) for k in registry.names if k not in drawn}
    return AssumptionSample(params=checked, sampled=tuple(drawn), fixed=fixed)
