"""An exploration study: the frozen specification a validated scenario file becomes.

A :class:`Study` holds EMA Workbench's nouns — :class:`Uncertainty` (a parameter's range
and distribution), levers (China's policies), :class:`OutcomeSpec` (an outcome with the
direction that is better) — plus the sample size, the seed, the run's dates and the
discovery question; :func:`qpq.explore._loading.load_study` builds it from a scenario file
and checks it against the case. It also records how the spec's orderings
(:data:`qpq.model.CONSTRAINTS`) are respected (:class:`Ordering`; see
:mod:`qpq.explore._transform`): when both parameters of an ordering are uncertain, the
*dependent* one (``restrain_intensity`` below ``crackdown_intensity``,
``effort_cost_insincere`` above ``effort_cost_sincere``, ``capacity_low`` below
``capacity_high``) is drawn from its range cut at the other's value; when only one is
uncertain it is cut at the other's fixed value. A range that cannot be cut to a non-empty
interval is bad input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from qpq.checks import check_number
from qpq.errors import BadInputError
from qpq.model import GAME_PARAMETERS, Direction, outcome

__all__ = [
    "DEPENDENT",
    "NOT_UNCERTAIN",
    "TABLE_PARAMETERS",
    "Discovery",
    "Ordering",
    "OutcomeSpec",
    "Study",
    "Uncertainty",
    "outcome_spec",
]

TABLE_PARAMETERS: frozenset[str] = frozenset((*GAME_PARAMETERS,
                                              "third_party_recognition_factor"))
"""Parameters the equilibrium lookup depends on (the rest only move the dynamics)."""

NOT_UNCERTAIN: Mapping[str, str] = MappingProxyType({
    "us_presence": "the case's dated phases set it quarter by quarter",
})
"""Parameters that cannot be uncertainties, with the reason."""

DEPENDENT: Mapping[tuple[str, str], str] = MappingProxyType({
    ("restrain_intensity", "crackdown_intensity"): "restrain_intensity",
    ("effort_cost_sincere", "effort_cost_insincere"): "effort_cost_insincere",
    ("capacity_low", "capacity_high"): "capacity_low",
})
"""For each ordering, the parameter drawn conditionally when both sides are uncertain."""

Objective = Literal["maximize", "minimize", "none"]


DISTRIBUTIONS: tuple[str, ...] = ("uniform", "triangular", "normal")
"""An uncertainty's distributions over its range (:mod:`qpq.explore._transform`)."""


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """A parameter varied over ``[low, high]`` with a distribution (EMA: an uncertainty)."""

    name: str
    low: float
    high: float
    distribution: Literal["uniform", "triangular", "normal"] = "uniform"
    integer: bool = False
    unit: str = ""
    in_lookup: bool = False

    def __post_init__(self) -> None:
        # a scenario file's are checked by its schema; one made in Python was not (low
        # above high, NaN or an unknown distribution went into the design; 2026-12-06)
        if self.distribution not in DISTRIBUTIONS:
            raise BadInputError(f"uncertainty {self.name}: distribution must be one of "
                                f"{', '.join(DISTRIBUTIONS)}, not {self.distribution!r}")
        low = check_number(self.low, f"uncertainty {self.name}: low")
        high = check_number(self.high, f"uncertainty {self.name}: high")
        if not low < high:
            raise BadInputError(f"uncertainty {self.name}: need low < high, got low {low:g}, "
                                f"high {high:g}")


@dataclass(frozen=True, slots=True)
class OutcomeSpec:
    """An outcome with the direction that is better (EMA: an outcome with its kind)."""

    name: str
    objective: Objective
    unit: str
    description: str

    @property
    def sign(self) -> int:
        """+1 when higher is better, -1 when lower is better, 0 when neither."""
        return {"maximize": 1, "minimize": -1, "none": 0}[self.objective]


@dataclass(frozen=True, slots=True)
class Ordering:
    """How one ordering of the spec is kept: ``dependent`` is cut at ``other``'s value.

    ``side`` is ``"below"`` when the dependent must stay below the other (it is the
    left-hand side of ``lhs < rhs``) and ``"above"`` otherwise.
    """

    lhs: str
    rhs: str
    strict: bool
    dependent: str
    other: str
    side: Literal["below", "above"]
    reason: str


@dataclass(frozen=True, slots=True)
class Discovery:
    """The scenario-discovery question (see :class:`~qpq.explore._settings.DiscoverySettings`)."""

    question: str
    policy: str
    outcome: str
    compare_to: str | None
    worse_by: float
    threshold: float | None
    worse_by_sd: float | None = None


@dataclass(frozen=True)
class Study:
    """A validated exploration scenario: everything a sampler and the model need.

    Attributes
    ----------
    id, description, source
        The scenario's id, description and the file it came from.
    uncertainties, levers, outcomes
        EMA's vocabulary: what varies, China's policies, what is measured.
    n, seed
        Base sample size and seed of every random stream of the study.
    reference_policy
        The policy under which sensitivity and discovery run.
    start, until, window_start
        Each run goes from ``start`` to ``until``; outcomes are measured from
        ``window_start``.
    grid_size, replicates
        Belief grid of the equilibrium lookup; scenarios per experiment and type.
    base, fixed
        The full parameter point the uncertainties vary around (defaults + ``fixed``), and
        the parameters the scenario sets away from their defaults.
    orderings
        How the spec's orderings are kept.
    discovery, satisficing
        The backfire question; satisficing thresholds per outcome.
    levels, morris_levels
        Full-factorial levels; Morris grid levels.
    """

    id: str
    description: str
    source: str
    uncertainties: tuple[Uncertainty, ...]
    levers: tuple[str, ...]
    outcomes: tuple[OutcomeSpec, ...]
    n: int
    seed: int
    reference_policy: str
    start: dt.date
    until: dt.date
    window_start: dt.date
    grid_size: int
    replicates: int
    base: Mapping[str, float]
    fixed: Mapping[str, float]
    orderings: tuple[Ordering, ...]
    discovery: Discovery
    satisficing: Mapping[str, float]
    levels: int = 3
    morris_levels: int = 4

    @property
    def names(self) -> tuple[str, ...]:
        """Uncertainty names, in file order (the columns of every design)."""
        return tuple(u.name for u in self.uncertainties)

    def outcome(self, name: str) -> OutcomeSpec:
        """The study's outcome ``name`` (:class:`BadInputError` listing them if absent)."""
        for o in self.outcomes:
            if o.name == name:
                return o
        raise BadInputError(f"outcome {name!r} is not among the scenario's outcomes; "
                            f"allowed: {', '.join(o.name for o in self.outcomes)}")


_OBJECTIVE: dict[Direction, Objective] = {
    Direction.HIGHER_BETTER_FOR_CHINA: "maximize",
    Direction.LOWER_BETTER_FOR_CHINA: "minimize",
    Direction.HIGHER_BETTER_FOR_TALIBAN: "maximize",
    Direction.DESCRIPTIVE: "none",
}


def outcome_spec(name: str) -> OutcomeSpec:
    """The registry outcome ``name`` with its better direction as an objective."""
    o = outcome(name)
    return OutcomeSpec(o.name, _OBJECTIVE[o.direction], o.unit, o.description)
