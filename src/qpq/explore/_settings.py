"""The exploration lens's settings in a scenario file's ``extra`` block, and the JSON Schema.

A scenario file (``cases/<case>/scenarios/*.yaml``, schema :class:`qpq.case._schema.Scenario`)
speaks EMA Workbench's vocabulary: *uncertainties* (parameter ranges), *levers* (China's
policies), *outcomes* (from the outcome registry) and the number of *experiments*. What
only exploration needs (the run's dates, the lookup grid, replicates, parameters fixed
away from their defaults, the "backfire" question for scenario discovery and satisficing
thresholds) lives in the schema's free ``extra`` mapping; :class:`ExploreSettings` gives
that mapping a strict shape (an unknown key is an error naming the allowed keys), and
:func:`scenario_json_schema` publishes the whole file's format for editors.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qpq.case import Scenario
from qpq.checks import as_date
from qpq.errors import BadInputError
from qpq.model import OUTCOMES, Lens, policy_names

__all__ = [
    "DiscoverySettings",
    "ExploreSettings",
    "policy_names",
    "scenario_json_schema",
    "simulated_outcomes",
]


def simulated_outcomes() -> tuple[str, ...]:
    """Outcomes of the registry the simulator computes: the allowed outcomes."""
    return tuple(o.name for o in OUTCOMES if o.lens in (Lens.SIMULATION, Lens.BOTH))


def _iso(value: str) -> str:
    # qpq.checks.as_date's rule: fromisoformat alone took 20300101 and 2030-W01-1 too
    try:
        as_date(value, "date")
    except BadInputError:
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiscoverySettings(_Strict):
    """What counts as a case of interest for scenario discovery ("the deal backfires").

    With ``compare_to`` a case of interest is an experiment in which ``outcome`` under
    ``policy`` is worse (in the outcome's direction) than under ``compare_to`` by more than
    ``worse_by`` (in the outcome's units) or, with ``worse_by_sd``, by more than that
    fraction of the outcome's standard deviation across the ensemble (both policies'
    values pooled: a margin on the outcome's own scale); with the same random numbers.
    Without ``compare_to``, one in which the outcome is worse than ``threshold``.
    """

    question: str = "Under which conditions does the deal backfire?"
    policy: str | None = Field(default=None, description="default: reference_policy")
    outcome: str = "militants_iskp"
    compare_to: str | None = "boycott"
    worse_by: float = Field(default=0.0, ge=0.0)
    worse_by_sd: float | None = Field(default=None, ge=0.0, description=(
        "margin as a fraction of the outcome's standard deviation across the ensemble; "
        "replaces worse_by"))
    threshold: float | None = None


class ExploreSettings(_Strict):
    """The ``extra`` block of a scenario file (every key optional)."""

    reference_policy: str | None = Field(
        default=None, description="policy for sensitivity and discovery (default: first lever)")
    start: str | None = Field(default=None, description="first day of every run (default: "
                              "the case's run.start)")
    until: str | None = Field(default=None, description="last day of every run (default: the "
                              "case's run.until)")
    window_start: str | None = Field(
        default=None, description="outcomes are measured from here to `until` (default: the "
        "case's run.takeover)")
    grid_size: int = Field(default=12, ge=2, le=96, description="belief grid of the lookup")
    replicates: int = Field(default=1, ge=1, le=64,
                            description="scenarios per experiment and Taliban type")
    fixed: dict[str, float] = Field(default_factory=dict,
                                    description="parameters set away from their defaults")
    discovery: DiscoverySettings = Field(default_factory=DiscoverySettings)
    satisficing: dict[str, float] = Field(
        default_factory=dict, description="outcome -> threshold a policy should meet")
    levels: int = Field(default=3, ge=2, le=64, description="full factorial: levels per input")
    morris_levels: int = Field(default=4, ge=2, le=64, description="Morris grid levels")

    @field_validator("start", "until", "window_start")
    @classmethod
    def _dates(cls, value: str | None) -> str | None:
        return None if value is None else _iso(value)


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of an exploration scenario file (``extra`` spelled out, enums filled in).

    Levers and outcomes are enumerated from the registries; parameter names depend on the
    case (``qpq params`` lists them), so they are plain strings here.
    """
    schema = Scenario.model_json_schema()
    extra = ExploreSettings.model_json_schema()
    defs = schema.setdefault("$defs", {})
    defs.update(extra.pop("$defs", {}))
    defs["ExploreSettings"] = extra
    props = schema["properties"]
    props["extra"] = {"$ref": "#/$defs/ExploreSettings",
                      "description": "settings of the exploration lens"}
    props["levers"] = {"type": "array", "items": {"enum": list(policy_names())},
                       "description": "China's policies to compare (default: all)"}
    props["outcomes"] = {"type": "array", "items": {"enum": list(simulated_outcomes())},
                         "description": "outcomes to report (default: china_security)"}
    schema["title"] = "qpq exploration scenario"
    return schema
