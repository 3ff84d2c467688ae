"""Parameter pools: the parameter points an ensemble's scenarios draw from.

Every scenario of an ensemble reads its parameters from one point of a
:class:`ParameterPool` (``name -> array over points``). A run at the defaults has a pool of
one point; calibration draws a pool from the plausible ranges (uniform, respecting the
orderings of :data:`qpq.model.CONSTRAINTS` by redrawing offending points); a forecast's pool
is the calibrated parameter sets. The one-round game's lookup tables are built per pool
point, so pools stay small (hundreds to a few thousand points) even when ensembles have
millions of scenarios.

The simulator's own parameters (:data:`SIM_PARAMETERS`) live in the case's
``parameters.yaml`` next to the game's, like every other parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qpq.case import Case
from qpq.checks import as_mapping, as_names, check_seed, check_whole
from qpq.errors import BadInputError
from qpq.model import CANONICAL_PARAMETERS, ParameterRegistry, parameter_generators
from qpq.sim._rng import BLOCK_SIZE, Purpose

__all__ = [
    "NOT_SAMPLED",
    "SIM_PARAMETERS",
    "ParameterPool",
    "default_pool",
    "sample_pool",
    "sim_registry",
]

FloatArray = NDArray[np.float64]

SIM_PARAMETERS: tuple[str, ...] = (
    "militants_initial_border", "militants_initial_abroad", "recruitment",
    "taliban_action_rate", "coopt_share", "crackdown_neutralise_share", "transfer_share",
    "us_strike_rate", "base_neutralise_rate", "defection_share", "return_rate",
    "iskp_fighter_attrition", "iskp_founding_year", "iskp_strength_initial", "iskp_growth",
    "iskp_attrition", "iskp_recruit_gain", "attack_rate", "interior_reach",
    "cross_border_share", "iskp_attack_weight", "iskp_china_attack_rate", "attack_dispersion",
    "boycott_exposure", "nationals_severity",
    "insurgent_control", "control_adjust", "control_noise", "control_floor",
    "iskp_control_drag",
    "un_report_period", "third_party_recognition_factor", "quarterly_discount",
    "iskp_campaign_attrition",
)
"""Parameters the simulator adds to the model (group ``dynamics`` in ``parameters.yaml``)."""

NOT_SAMPLED: tuple[str, ...] = (
    "us_presence", "planb_covers_iskp", "elimination_threshold", "recognition_threshold",
    "quiet_quarters", "control_floor",
)
"""Kept at their defaults when sampling: history sets ``us_presence``; the others are a
structural option, a definition, China's own policy settings and a numerical floor, not
uncertainties."""


def sim_registry(case: Case) -> ParameterRegistry:
    """A registry of every parameter the simulator reads (the game's and its own).

    Raises
    ------
    BadInputError
        If the case lacks a canonical model parameter or a simulator parameter, or its
        parameters do not fit the model (a range the specification forbids, a default that
        breaks an ordering: :meth:`ParameterRegistry.from_case`, the check ``qpq params``
        and the game's commands make), so that no simulation starts on them.
    """
    have = {p.name for p in case.parameters}
    missing = [n for n in (*CANONICAL_PARAMETERS, *SIM_PARAMETERS) if n not in have]
    if missing:
        raise BadInputError(f"case {case.root} lacks parameters the simulator needs "
                            f"(add them to parameters.yaml): {', '.join(missing)}")
    return ParameterRegistry.from_case(case)


@dataclass(frozen=True)
class ParameterPool:
    """Parameter points by name: every array has one entry per point.

    Attributes
    ----------
    values
        ``name -> float array (P,)``.
    origin
        How the pool was made (``defaults``, ``prior``, ``calibrated``).
    """

    values: Mapping[str, FloatArray]
    origin: str = "defaults"

    def __post_init__(self) -> None:
        sizes = {v.shape for v in self.values.values()}
        if len(sizes) != 1:
            raise ValueError(f"pool arrays differ in shape: {sizes}")
        object.__setattr__(self, "values", {k: np.asarray(v, dtype=float)
                                            for k, v in self.values.items()})

    @property
    def size(self) -> int:
        """Number of points P."""
        return int(next(iter(self.values.values())).shape[0])

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names."""
        return tuple(self.values)

    def constant(self, name: str) -> bool:
        """Whether ``name`` has one value across the pool."""
        v = self.values[name]
        return bool(np.all(v == v[0]))

    def point(self, i: int) -> dict[str, float]:
        """Point ``i`` as a plain dict."""
        return {k: float(v[i]) for k, v in self.values.items()}

    def take(self, index: NDArray[np.int64], origin: str | None = None) -> ParameterPool:
        """The points at ``index`` (with repeats), as a new pool."""
        return ParameterPool({k: v[index] for k, v in self.values.items()},
                             origin or self.origin)

    def varying(self) -> tuple[str, ...]:
        """Names whose values differ across points."""
        return tuple(n for n in self.values if not self.constant(n))

    def fixed(self, values: Mapping[str, float]) -> ParameterPool:
        """The pool with each named parameter set to one value at every point.

        Raises
        ------
        ValueError
            If a name is not a parameter of the pool.
        """
        unknown = sorted(set(values) - set(self.values))
        if unknown:
            raise ValueError(f"not parameters of this pool: {', '.join(unknown)} (it has "
                             f"{', '.join(self.values)})")
        return ParameterPool({k: np.full_like(v, float(values[k])) if k in values else v
                              for k, v in self.values.items()}, self.origin)


def _checked_overrides(registry: ParameterRegistry, overrides: Mapping[str, str | float] | None
                       ) -> dict[str, float]:
    # a list ended in "'list' object has no attribute 'items'", a pandas Series in "The
    # truth value of a Series is ambiguous"
    return {name: registry.parse_value(name, raw)
            for name, raw in as_mapping(overrides, "overrides").items()}


def default_pool(registry: ParameterRegistry, overrides: Mapping[str, str | float] | None = None
                 ) -> ParameterPool:
    """A pool of one point: the defaults with validated ``overrides`` applied."""
    point = registry.point(_checked_overrides(registry, overrides))
    return ParameterPool(point.arrays(), "defaults")


def sample_pool(registry: ParameterRegistry, n_points: int, seed: int,
                overrides: Mapping[str, str | float] | None = None,
                fixed: tuple[str, ...] = NOT_SAMPLED) -> ParameterPool:
    """Draw ``n_points`` points uniformly from the plausible ranges.

    Each block of :data:`BLOCK_SIZE` points draws every parameter from that parameter's own
    (seed, parameters, block, name) stream (:func:`qpq.model.parameter_generators`);
    points that break an ordering of :data:`qpq.model.CONSTRAINTS` are redrawn, both
    parameters of the broken ordering, each from its own stream, until none does
    (:meth:`qpq.model.ParameterRegistry.draw_ordered`), so the sample is uniform on the
    constrained region. A parameter's column depends on its name, the seed and the orderings
    only: adding a parameter that no ordering names leaves every other column as it was.
    ``overrides`` and ``fixed`` names keep one value.
    """
    n_points = check_whole(n_points, "n_points (parameter draws)", minimum=1)
    seed = check_seed(seed)
    fixed = as_names(fixed, "fixed", empty_ok=True) or ()
    unknown = [name for name in fixed if name not in registry]
    if unknown:
        raise BadInputError(f"fixed: unknown parameters {unknown}")
    over = _checked_overrides(registry, overrides)
    keep = set(fixed) | set(over)
    drawn = [p.name for p in registry if p.name not in keep]
    base = registry.point(over)
    values = {p.name: np.full(n_points, base[p.name]) for p in registry}
    for b in range((n_points + BLOCK_SIZE - 1) // BLOCK_SIZE):
        lo, hi = b * BLOCK_SIZE, min((b + 1) * BLOCK_SIZE, n_points)
        block = {k: v[lo:hi] for k, v in values.items()}         # views: written in place
        registry.draw_ordered(block, parameter_generators(seed, drawn,
                                                           (Purpose.PARAMETERS, b)))
    checked = registry.validate_arrays(values)
    return ParameterPool(checked, "prior")
