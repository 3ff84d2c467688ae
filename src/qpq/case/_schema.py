"""The case-file schema: frozen pydantic models for every kind of item a case holds.

A *case* is a folder of YAML files (see :mod:`qpq.case._loader`). Each file holds a list of
one kind of item, and every item has a stable, slug-like ``id`` so that other items (and
model parameters) can cite it. The models here are the single definition of that format:
they validate input, and :func:`case_json_schema` exports them as JSON Schema for editors and
for people writing a new case.

Everything is ``extra="forbid"``: an unknown field is an error, not silently ignored, so a
typo in a case file is caught where it is made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from qpq.case._dates import FuzzyDate, quarter_label, quarter_mid, quarter_of
from qpq.case._links import URL_PATTERN, check_url
from qpq.case._units import UNITS

__all__ = [
    "PHASE_ATTRIBUTES",
    "REQUIRED_FILES",
    "RULES_BEYOND_JSON_SCHEMA",
    "Actor",
    "Attack",
    "AttributeValue",
    "Attribution",
    "BargainingFile",
    "BargainingIssue",
    "BargainingPosition",
    "CaseMeta",
    "Citation",
    "Claim",
    "ClaimKind",
    "CuratedFinding",
    "DateStr",
    "Estimate",
    "Event",
    "EventType",
    "FactTarget",
    "Id",
    "IssueObservation",
    "Milestone",
    "Parameter",
    "Phase",
    "PhaseAttributeSpec",
    "Place",
    "Quantity",
    "RunSettings",
    "Scenario",
    "ScenarioUncertainty",
    "Source",
    "SourceKind",
    "Spelling",
    "TalibanAction",
    "Unit",
    "bargaining_problems",
    "case_json_schema",
    "phase_attribute_conflicts",
]

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"

REQUIRED_FILES: tuple[str, ...] = ("case.yaml", "sources.yaml", "actors.yaml", "places.yaml",
                                   "phases.yaml", "events.yaml", "claims.yaml",
                                   "parameters.yaml")
"""Files every case needs: the lenses cannot run, or the evidence means nothing, without them.

Any other case file is optional, but one that is present must hold at least one item: an
empty file is far more often a damaged one than a deliberate "none".
"""

RULES_BEYOND_JSON_SCHEMA: dict[str, tuple[str, ...]] = {
    "every file": (
        "numbers are finite: no .nan, .inf or -.inf (JSON has none, YAML does)",
        "ids are unique across the whole case, and every reference resolves to an item of the "
        "kind its field names",
    ),
    "sources.yaml": (
        "a source has a title, a publisher or at least one author",
        "a source has a date, or a note saying why it has none",
    ),
    "phases.yaml": (
        "a phase does not start after it ends (its earliest start is not after its latest end)",
        "an attribute that feeds a parameter lies inside that parameter's low-high range in "
        "parameters.yaml",
        "two phases in force on one quarter's midpoint do not give an attribute different "
        "values",
    ),
    "quantities.yaml": ("value_high is not below value",),
    "claims.yaml": (
        "a claim does not cite itself in evidence or first_reported",
        "claims do not cite each other in a cycle",
        "a stylised fact's target window does not start after it ends",
    ),
    "places.yaml": ("parents do not form a cycle",),
    "actors.yaml": ("affiliations do not form a cycle",),
    "estimates.yaml": ("value_high is not below value; implied is (low, high) with low <= high",),
    "parameters.yaml": ("low <= default <= high; evidence given unless assumption is true; "
                        "an integer parameter's default, low and high are whole numbers",),
    "attacks.yaml": ("killed_total is not below chinese_killed",),
    "bargaining.yaml": (
        "scale_min is below scale_max, and every anchor is a number on the scale",
        "an issue's stances, where given, name every anchor and nothing else",
        "an issue's observed points lie on the scale and are in date order",
        "a position, and its position_range, lie inside the issue's scale",
        "each actor has at most one position per issue",
        "an issue with positions has positions of at least two actors",
        "every *_range is (low, high) with low <= high",
    ),
    "scenarios/*.yaml": ("an uncertainty's low is below its high",),
    "case.yaml": ("the run block's dates are ordered: start < takeover <= until, start < "
                  "backcast_as_of, start < forecast_as_of < forecast_until",),
}
"""The semantic rules the loader checks that JSON Schema cannot express, by file.

``qpq evidence schema`` exports them next to the schemas, and docs/case-file.md lists them.
"""


def _year_as_text(value: object) -> object:
    # An unquoted year such as 2003 arrives from YAML as an int; it is still a date.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _check_date(value: str) -> str:
    FuzzyDate.parse(value)
    return value


Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=80)]
"""A stable item id: lower-case letters, digits, ``-``, ``_`` and ``.``."""

DateStr = Annotated[str, BeforeValidator(_year_as_text), AfterValidator(_check_date)]
"""A fuzzy date string: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or ``START/END``."""


WebUrl = Annotated[str, AfterValidator(check_url),
                   Field(json_schema_extra={"pattern": URL_PATTERN})]
"""A link the report renders: ``http(s)://HOST...`` or ``doi:10....`` (never ``javascript:``)."""


def _known_unit(value: str) -> str:
    if value not in UNITS:
        raise ValueError(f"unknown unit {value!r}; allowed: {', '.join(sorted(UNITS))}")
    return value


Unit = Annotated[str, AfterValidator(_known_unit),
                 Field(json_schema_extra={"enum": sorted(UNITS)})]
"""A unit from the declared vocabulary (:data:`qpq.case._units.UNITS`)."""


def _not_after(start: str, end: str | None, what: str) -> None:
    # Fuzzy dates overlap when their precisions differ ("2021" and "2021-08"), so only an
    # interval whose earliest possible start lies after its latest possible end is refused.
    if end is None:
        return
    if FuzzyDate.parse(start).earliest > FuzzyDate.parse(end).latest:
        raise ValueError(f"{what} starts ({start}) after it ends ({end}); need start <= end")


def _ordered_pair(pair: tuple[float, float] | None, name: str) -> None:
    if pair is not None and pair[0] > pair[1]:
        raise ValueError(f"{name} [{pair[0]:g}, {pair[1]:g}] must be (low, high) with "
                         "low <= high")


class _Item(BaseModel):
    # Finite numbers everywhere: no field of a case means anything at NaN or infinity.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True,
                              allow_inf_nan=False)


# --------------------------------------------------------------------------- metadata


class PaperRef(_Item):
    """The publication the case is built from."""

    author: str
    title: str
    year: int
    source: Id = Field(description="id of the paper itself in sources.yaml")


class RunSettings(_Item):
    """``case.yaml``'s ``run`` block: the dates the simulator's runs and the report use.

    Each date is a fact of the case (when its history starts, when the present regime began),
    so a second case changes them here, not in code.
    """

    start: dt.date = Field(description="first day of the simulated history")
    takeover: dt.date = Field(
        description="when the present regime began; run summaries and propositions are "
        "measured from here")
    until: dt.date = Field(description="last day of a run unless told otherwise (the horizon)")
    backcast_as_of: dt.date = Field(description="the report's backcast: facts known by this day")
    forecast_as_of: dt.date = Field(description="the report's forecast: calibrated to this day")
    forecast_until: dt.date = Field(description="the report's forecast: last day")

    @model_validator(mode="after")
    def _ordered(self) -> RunSettings:
        if not self.start < self.takeover <= self.until:
            raise ValueError(f"need start < takeover <= until; got {self.start}, "
                             f"{self.takeover}, {self.until}")
        if not self.start < self.backcast_as_of:
            raise ValueError(f"backcast_as_of {self.backcast_as_of} must be after start "
                             f"{self.start}")
        if not self.start < self.forecast_as_of < self.forecast_until:
            raise ValueError(f"need start < forecast_as_of < forecast_until; got {self.start}, "
                             f"{self.forecast_as_of}, {self.forecast_until}")
        return self


class CaseMeta(_Item):
    """``case.yaml``: what the case is about and where it comes from."""

    id: Id
    title: str
    summary: str
    paper: PaperRef
    attribution: str = Field(description="how the case's data were made and from what")
    time_unit: Literal["quarter"] = "quarter"
    run: RunSettings | None = Field(
        default=None, description="dates of the simulator's runs (needed by the simulator, "
        "exploration and the report's dynamics sections)")


# --------------------------------------------------------------------------- sources


class SourceKind(StrEnum):
    """What sort of publication a source is."""

    ARTICLE = "article"
    JOURNAL = "journal"
    BOOK = "book"
    REPORT = "report"
    OFFICIAL = "official"
    UN = "un"
    WEB = "web"
    PAPER = "paper"
    NOTE = "note"


class Citation(_Item):
    """One place where the paper cites a source, with the details *as printed there*.

    Recording each citation as printed (rather than only a cleaned-up source) is what lets
    the audit's detectors find the paper's inconsistencies: a URL whose date disagrees with
    the printed date, a bibliography entry that spells an author differently, and so on.
    """

    footnote: int | None = Field(
        default=None, ge=1, description="footnote number; absent for the bibliography entry"
    )
    style: Literal["full", "ibidem", "art_cit", "short", "bibliography", "inline"] = "full"
    authors: list[str] | None = None
    title: str | None = None
    publisher: str | None = None
    date: DateStr | None = None
    url: WebUrl | None = None
    accessed: DateStr | None = None


class Source(_Item):
    """A publication the case relies on (from the paper, or added to fill a gap)."""

    id: Id
    kind: SourceKind
    authors: list[str] = Field(default_factory=list)
    title: str | None = None
    publisher: str | None = None
    date: DateStr | None = Field(default=None, description="publication date")
    url: WebUrl | None = None
    accessed: DateStr | None = None
    origin: Literal["paper", "added"] = "paper"
    citations: list[Citation] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _identifiable(self) -> Source:
        if not (self.title or self.publisher or self.authors):
            raise ValueError("a source needs a title, a publisher or at least one author, so "
                             "a reader can find it")
        if self.date is None and not self.note:
            raise ValueError("a source needs a publication date, or a note saying why it has "
                             "none (the as-of views date items by their sources)")
        return self

    @property
    def footnotes(self) -> list[int]:
        """Footnote numbers that cite this source, in order."""
        return sorted({c.footnote for c in self.citations if c.footnote is not None})

    @property
    def best_title(self) -> str | None:
        """The source's title, or else the first title one of its citations prints."""
        return self.title or next((c.title for c in self.citations if c.title), None)

    @property
    def best_url(self) -> str | None:
        """The source's URL, or else the first URL one of its citations prints."""
        return self.url or next((c.url for c in self.citations if c.url), None)

    @property
    def citation(self) -> str:
        """One line a reader can find the source by (authors, date, title, publisher).

        The form is ``Authors (date). Title. Publisher.`` Parts the source lacks are left
        out, not printed empty (a source may have only authors and a publisher); without
        authors the publisher leads and is not repeated.
        """
        who = "; ".join(self.authors) or self.publisher or ""
        head = f"{who} ({self.date})" if who and self.date else (who or self.date or "")
        parts = [head, self.best_title or "", (self.publisher or "") if self.authors else ""]
        out = ""
        for part in (p.strip() for p in parts):
            if part:
                out += (" " if out else "") + part + ("" if part[-1] in ".?!" else ".")
        return out


# --------------------------------------------------------------------------- world


class Actor(_Item):
    """A state, organisation, group or person."""

    id: Id
    name: str
    kind: Literal["state", "government", "militant_group", "organisation", "person", "other"]
    aliases: list[str] = Field(default_factory=list)
    description: str | None = None
    affiliation: Id | None = Field(default=None, description="actor id this one belongs to")


class Place(_Item):
    """A place with coordinates from a named gazetteer."""

    id: Id
    name: str
    kind: Literal["country", "province", "region", "city", "pass", "corridor", "border", "other"]
    aliases: list[str] = Field(default_factory=list)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    coords_source: str = Field(description="the gazetteer the coordinates come from")
    parent: Id | None = None
    description: str | None = None


class PhaseAttributeSpec(NamedTuple):
    """One name of the phase-attribute vocabulary: its range, meaning, unit and default."""

    low: float
    high: float
    meaning: str
    unit: str
    default: float


PHASE_ATTRIBUTES: dict[str, PhaseAttributeSpec] = {
    "us_presence": PhaseAttributeSpec(
        0.0, 1.0, "the share of US/NATO counter-terrorism presence in Afghanistan (1 while "
        "US/NATO forces were there); feeds the parameter us_presence", "share", 0.0),
    "taliban_in_power": PhaseAttributeSpec(
        0.0, 1.0, "1 while the Taliban govern Kabul, else 0 (insurgent or absent)",
        "indicator", 0.0),
    "iskp_present": PhaseAttributeSpec(
        0.0, 1.0, "1 once the Islamic State's Khorasan province exists (announced 26 January "
        "2015), else 0", "indicator", 0.0),
    "iskp_targets_china": PhaseAttributeSpec(
        0.0, 1.0, "1 while ISKP explicitly names China or Chinese nationals as its targets "
        "(in claims, propaganda or attacks), else 0", "indicator", 0.0),
    "iskp_under_pressure": PhaseAttributeSpec(
        0.0, 1.0, "1 while sources report military campaigns breaking ISKP's hold on its "
        "strongholds (territory lost, fighters killed or surrendering in large numbers), "
        "else 0", "indicator", 0.0),
    "taliban_isolation": PhaseAttributeSpec(
        0.0, 1.0, "1/(1+k), k = states recognising the Taliban government de jure plus half "
        "the states that accept a Taliban-appointed ambassador's credentials without "
        "recognising it; 1 = no state does either", "index", 1.0),
    "china_exposure_afghanistan": PhaseAttributeSpec(
        0.0, 1.0, "(Chinese embassy open in Kabul + Chinese nationals reported working in "
        "Afghanistan + min(major Chinese resource contracts in force, 2)) / 4", "index", 0.0),
    "china_exposure_central_asia": PhaseAttributeSpec(
        0.0, 1.0, "(a Chinese state company holds an oil or gas asset in Central Asia + a "
        "pipeline carrying Central Asian gas to China in operation + Chinese workers reported "
        "at Central Asian project sites) / 3", "index", 0.0),
}
"""The phase-attribute vocabulary: the one place that names what a phase may set.

Each entry gives the allowed range, the meaning (for an index, its coding rule), the unit and
the default that holds in a quarter no phase sets. A phase attribute that shares its name
with a parameter must also lie inside that parameter's range in ``parameters.yaml`` (checked
when the case is loaded). docs/case-file.md lists the coding rules and their sources.
"""


class AttributeValue(_Item):
    """A phase attribute's value with the evidence behind it.

    A phase may give an attribute as a plain number (backed by the phase's ``sources``) or as
    this mapping, when the value rests on its own sources or needs a note on its coding.
    """

    value: float
    sources: list[Id] = Field(min_length=1, description="source ids behind this value")
    note: str | None = Field(default=None, description="how the value was coded, what is "
                             "unknown")


def _attribute_schema(spec: PhaseAttributeSpec) -> dict[str, Any]:
    number = {"type": "number", "minimum": spec.low, "maximum": spec.high}
    return {"description": spec.meaning, "anyOf": [number, {
        "type": "object", "required": ["value", "sources"], "additionalProperties": False,
        "properties": {"value": number,
                       "sources": {"type": "array", "minItems": 1,
                                   "items": {"type": "string", "pattern": ID_PATTERN}},
                       "note": {"type": "string"}}}]}


class Phase(_Item):
    """A dated interval of the case's history (e.g. the US/NATO presence).

    A phase is in force from its start's earliest day up to, not including, its end's latest
    day (an open phase runs on), so a phase ending on the day the next begins hands over that
    day. Phases may overlap, but two phases in force on one quarter's midpoint must agree on
    every attribute both set (:func:`phase_attribute_conflicts`).
    """

    id: Id
    name: str
    start: DateStr
    end: DateStr | None = Field(default=None, description="absent while the phase lasts")
    description: str
    sources: list[Id] = Field(min_length=1)
    attributes: dict[str, float | AttributeValue] = Field(
        default_factory=dict, description="dated history the lenses read (see "
        "PHASE_ATTRIBUTES): a number backed by the phase's sources, or {value, sources, note}",
        json_schema_extra={
            "properties": {name: _attribute_schema(spec)
                           for name, spec in PHASE_ATTRIBUTES.items()},
            "additionalProperties": False})

    @field_validator("end")
    @classmethod
    def _ends_after_start(cls, end: str | None, info: ValidationInfo) -> str | None:
        if "start" in info.data:
            _not_after(info.data["start"], end, "the phase")
        return end

    @field_validator("attributes")
    @classmethod
    def _known_attributes(cls, attributes: dict[str, float | AttributeValue]
                          ) -> dict[str, float | AttributeValue]:
        for name, given in attributes.items():
            if name not in PHASE_ATTRIBUTES:
                raise ValueError(f"unknown attribute {name!r}; the case declares: "
                                 + ", ".join(PHASE_ATTRIBUTES))
            spec = PHASE_ATTRIBUTES[name]
            value = given.value if isinstance(given, AttributeValue) else given
            if not spec.low <= value <= spec.high:
                raise ValueError(f"attribute {name} = {value:g} lies outside "
                                 f"[{spec.low:g}, {spec.high:g}]; {name}: {spec.meaning}")
        return attributes

    def attribute_values(self) -> dict[str, AttributeValue]:
        """Every attribute the phase sets, with its sources (a plain number: the phase's)."""
        return {name: given if isinstance(given, AttributeValue)
                else AttributeValue(value=given, sources=list(self.sources))
                for name, given in self.attributes.items()}

    @property
    def in_force_from(self) -> dt.date:
        """First day the phase is in force (its start's earliest day)."""
        return FuzzyDate.parse(self.start).earliest

    @property
    def in_force_until(self) -> dt.date | None:
        """First day the phase is no longer in force (its end's latest day); None: open."""
        return FuzzyDate.parse(self.end).latest if self.end is not None else None

    def in_force(self, day: dt.date) -> bool:
        """Whether the phase is in force on ``day``."""
        return self.in_force_on([day])[0]

    def in_force_on(self, days: Sequence[dt.date]) -> list[bool]:
        """Whether the phase is in force on each of ``days`` (its dates parsed once)."""
        first, until = self.in_force_from, self.in_force_until
        return [first <= day and (until is None or day < until) for day in days]


def _first_shared_quarter(a: Phase, b: Phase) -> int | None:
    # the first quarter whose midpoint lies in both phases' days in force, if any
    first = max(a.in_force_from, b.in_force_from)
    ends = [d for d in (a.in_force_until, b.in_force_until) if d is not None]
    q = quarter_of(first)
    if quarter_mid(q) < first:
        q += 1
    return q if not ends or quarter_mid(q) < min(ends) else None


def phase_attribute_conflicts(phases: Sequence[Phase]) -> list[tuple[int, str, str]]:
    """Pairs of phases that give one attribute two values in a quarter they share.

    Returns ``(index of the later phase, field, message)`` for each clash, naming both phase
    ids and the first quarter (its midpoint, the day the simulator reads) where both are in
    force. Overlapping phases that agree, or that set different attributes, combine freely.
    """
    out: list[tuple[int, str, str]] = []
    values = [ph.attribute_values() for ph in phases]
    for j, later in enumerate(phases):
        for i in range(j):
            shared = sorted(name for name in values[i].keys() & values[j].keys()
                            if values[i][name].value != values[j][name].value)
            if not shared:
                continue
            q = _first_shared_quarter(phases[i], later)
            if q is None:
                continue
            for name in shared:
                out.append((j, f"attributes.{name}", (
                    f"phases {phases[i].id!r} and {later.id!r} are both in force in "
                    f"{quarter_label(q)} (midpoint {quarter_mid(q)}) and give {name} "
                    f"{values[i][name].value:g} and {values[j][name].value:g}; phases that "
                    "overlap must agree on every attribute both set (end one where the "
                    "other begins)")))
    return out


# --------------------------------------------------------------------------- evidence


class EventType(StrEnum):
    """Broad type of a dated event."""

    DIPLOMATIC = "diplomatic"
    SECURITY = "security"
    MILITARY = "military"
    ATTACK = "attack"
    ECONOMIC = "economic"
    POLITICAL = "political"
    STATEMENT = "statement"
    REPORT = "report"
    RECOGNITION = "recognition"
    HISTORICAL = "historical"


class _Located(_Item):
    """Fields shared by items that come from a place in the paper."""

    paper_ref: str | None = Field(
        default=None, description="where in the paper: section and/or footnote, e.g. 'fn 23'"
    )


class Event(_Located):
    """A dated event, summarised in our own words."""

    id: Id
    date: DateStr
    title: str = Field(max_length=120)
    summary: str
    type: EventType
    actors: list[Id] = Field(min_length=1)
    places: list[Id] = Field(default_factory=list)
    sources: list[Id] = Field(default_factory=list)


class Quantity(_Located):
    """A number the evidence gives, with its unit, period and source."""

    id: Id
    measure: str = Field(
        description="what is measured; quantities with the same measure must agree"
    )
    value: float = Field(ge=0, description="every unit of the vocabulary counts or measures, "
                         "so values are non-negative")
    value_high: float | None = Field(default=None, ge=0, description="upper end of a range")
    qualifier: Literal["exact", "about", "more_than", "less_than", "at_least"] = "exact"
    unit: Unit
    as_stated: str = Field(description="the wording in the source, e.g. '57-mile section'")
    period: DateStr | None = None
    date: DateStr | None = Field(default=None, description="when the number was stated")
    description: str
    sources: list[Id] = Field(min_length=1)

    @field_validator("value_high")
    @classmethod
    def _range(cls, high: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("value")
        if high is not None and low is not None and high < low:
            raise ValueError(f"value_high {high:g} is below value {low:g}; a range needs "
                             "value <= value_high")
        return high


class ClaimKind(StrEnum):
    """What sort of assertion a claim is."""

    EMPIRICAL = "empirical"
    INTERPRETIVE = "interpretive"
    PREDICTIVE = "predictive"
    STYLISED_FACT = "stylised_fact"
    PROPOSITION = "proposition"


class FactTarget(_Item):
    """What a stylised fact says about the simulator's output, so calibration can test it.

    Example: "about 400 Uyghurs deported by June 2021" might be
    ``{quantity: militants_neutralised, start: 2000, end: 2021-06, statistic: final,
    op: between, value: 300, value_high: 500}``.
    """

    quantity: str = Field(description="a simulator output name")
    start: DateStr
    end: DateStr
    statistic: Literal["mean", "final", "max", "min", "sum", "any"] = "mean"
    op: Literal["<", "<=", ">", ">=", "between"]
    value: float
    value_high: float | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _range(self) -> FactTarget:
        if self.op == "between" and (self.value_high is None or self.value_high < self.value):
            raise ValueError("op 'between' needs value_high >= value")
        return self

    @field_validator("end")
    @classmethod
    def _window(cls, end: str, info: ValidationInfo) -> str:
        if "start" in info.data:
            _not_after(info.data["start"], end, "the target's window")
        return end


class Claim(_Located):
    """An assertion of the paper (or of a source), linked to the evidence behind it."""

    id: Id
    kind: ClaimKind
    text: str
    evidence: list[Id] = Field(
        default_factory=list, description="ids of sources, events, quantities or claims"
    )
    attributed_to: str | None = Field(
        default=None, description="the name the paper attributes the claim to, as printed"
    )
    date: DateStr | None = None
    target: FactTarget | None = Field(
        default=None, description="for stylised facts: the testable statement about outputs"
    )
    first_reported: list[Id] = Field(
        default_factory=list,
        description="sources or observations that on their own report the claim first; when "
        "given, the claim is known once all of them are (not when the rest of its evidence is)",
    )

    @field_validator("evidence", "first_reported")
    @classmethod
    def _not_self_cited(cls, ids: list[str], info: ValidationInfo) -> list[str]:
        own = info.data.get("id")
        if own in ids:
            raise ValueError(f"claim {own!r} cites itself; evidence must be other items")
        return ids


class Spelling(_Located):
    """A proper name exactly as the paper prints it (an index of the paper's names).

    The audit compares these against the gazetteer of actors and places to find near-miss
    spellings; the index itself makes no judgement.
    """

    text: str
    context: str = Field(description="a few words around it, in our own words or quoted")


class CuratedFinding(_Item):
    """An inconsistency that no detector can find, written down by hand with its reason."""

    id: Id
    category: str
    summary: str
    items: list[Id] = Field(default_factory=list)
    paper_ref: str | None = None
    why_curated: str = Field(description="why no detector can find this")


# --------------------------------------------------------------------------- the record
#
# Observations: what bodies and reporters said, dated and sourced, so that the model can be
# calibrated and scored against the world rather than against the paper alone.


class _Observation(_Item):
    id: Id
    sources: list[Id] = Field(min_length=1)
    note: str | None = None


STATED_READING: Mapping[str, float] = MappingProxyType({"exact": 0.0, "about": 0.1})
"""How far a single stated figure reaches either side, as a share of it, when the case is
read as stated (the audit's conflicts, the record's charts and tables): an exact figure is
the point, "about" is plus or minus 10%."""


class Estimate(_Observation):
    """A body's estimate of a quantity about a subject, exactly as the source states it.

    A figure stated only in words ("several hundred") keeps ``value`` empty, records the words,
    and gives the interval we read into them in ``implied`` (our reading, said in ``note``).
    """

    subject: Id = Field(description="actor the estimate is about, e.g. tip or iskp")
    measure: str = Field(description="what is counted, e.g. 'fighters'")
    value: float | None = Field(default=None, ge=0)
    value_high: float | None = Field(default=None, ge=0, description="upper end of a range")
    qualifier: Literal["exact", "about", "at_least", "up_to", "more_than", "fewer_than"] = "exact"
    words: str | None = Field(default=None, description="a figure given only in words")
    implied: tuple[float, float] | None = Field(
        default=None, description="the interval the words imply (our reading, not the source's)")
    unit: Unit = "fighters"
    as_stated: str = Field(description="the wording in the source")
    reference: DateStr = Field(description="the date or period the figure is about")
    geography: Id = Field(description="place (country or province) the figure covers")
    body: str = Field(description="the estimating body, e.g. 'UN 1267 Monitoring Team'")
    body_detail: str | None = Field(default=None,
                                    description="who within the body, e.g. 'one Member State'")
    report: str | None = Field(default=None, description="the report the figure comes from")

    @model_validator(mode="after")
    def _stated(self) -> Estimate:
        if self.value is None and self.words is None:
            raise ValueError("give value (a number) or words (a figure stated in words)")
        if self.value_high is not None and (self.value is None or self.value_high < self.value):
            raise ValueError("value_high needs value <= value_high")
        if self.implied is not None and self.implied[0] > self.implied[1]:
            raise ValueError("implied interval must be (low, high) with low <= high")
        if self.implied is not None and self.value is not None:
            raise ValueError("implied is the reading of words given without a number: give "
                             "value (with value_high for a range) or words with implied, "
                             "not both")
        return self

    def interval(self, rounding: Mapping[str, float] = STATED_READING
                 ) -> tuple[float, float] | None:
        """The range the estimate allows: its stated range, or what its words imply.

        A single number with qualifier ``exact`` or ``about`` is read as ``value × (1 ±
        rounding[qualifier])`` (:data:`STATED_READING` by default: an exact figure as the
        point, "about" as plus or minus 10%; the record calibration passes its own reading
        of how far a stated count is rounded, ``qpq.sim._record.POINT_ROUNDING``); an open
        bound is unbounded on that side.
        """
        if self.value is None:
            return None if self.implied is None else (float(self.implied[0]),
                                                      float(self.implied[1]))
        v = float(self.value)
        if self.value_high is not None and self.value_high > v:
            return (v, float(self.value_high))
        # a range of one number ("500 to 500") is that number, read with its qualifier
        if self.qualifier in ("exact", "about"):
            r = rounding[self.qualifier]
            return (v * (1 - r), v * (1 + r))
        if self.qualifier in ("up_to", "fewer_than"):
            return (0.0, v)
        return (v, float("inf"))                     # at_least, more_than


AttackTarget = Literal["chinese_nationals", "chinese_project", "chinese_state"]


class Attribution(_Item):
    """Who a source, or a named authority within it, says carried out an attack."""

    actor: Id
    by: str = Field(description="who makes the attribution, e.g. 'Pakistan's foreign minister'")
    source: Id


class Attack(_Observation):
    """An attack on Chinese nationals or interests; claims and attributions kept apart."""

    date: DateStr
    title: str = Field(max_length=120)
    place: Id = Field(description="gazetteer point of the attack")
    country: Id = Field(description="place id of the country")
    targets: list[AttackTarget] = Field(min_length=1)
    claimed_by: list[Id] = Field(default_factory=list,
                                 description="actors that claimed it; empty when unclaimed")
    attributed_to: list[Attribution] = Field(default_factory=list)
    chinese_killed: int | None = Field(default=None, ge=0)
    chinese_wounded: int | None = Field(default=None, ge=0)
    killed_total: int | None = Field(default=None, ge=0,
                                     description="everyone killed, attackers excluded")
    cross_border: bool | None = Field(default=None,
                                      description="launched from across a border, if reported")
    summary: str

    @field_validator("killed_total")
    @classmethod
    def _total_covers_chinese(cls, total: int | None, info: ValidationInfo) -> int | None:
        chinese = info.data.get("chinese_killed")
        if total is not None and chinese is not None and total < chinese:
            raise ValueError(f"killed_total {total} is below chinese_killed {chinese}; the "
                             "total counts everyone killed")
        return total

    def perpetrators(self) -> set[str]:
        """Every actor that claimed or was blamed for the attack."""
        return set(self.claimed_by) | {a.actor for a in self.attributed_to}


class TalibanAction(_Observation):
    """A reported step of the Taliban toward the Uyghur militants."""

    date: DateStr
    kind: Literal["relocation", "arrest", "deportation", "co_optation", "pledge", "denial"]
    title: str = Field(max_length=120)
    subjects: list[Id] = Field(min_length=1, description="actors acted on, e.g. tip")
    places: list[Id] = Field(default_factory=list)
    summary: str
    reported_by: str = Field(description="who reported it, e.g. 'UN 1267 Monitoring Team'")


class Milestone(_Observation):
    """A step in China's engagement with the Taliban."""

    date: DateStr
    kind: Literal["visit", "meeting", "agreement", "contract", "ambassador", "trade",
                  "recognition_statement", "aid"]
    title: str = Field(max_length=120)
    actors: list[Id] = Field(min_length=1)
    places: list[Id] = Field(default_factory=list)
    summary: str


# --------------------------------------------------------------------------- model inputs


class Parameter(_Item):
    """A model parameter: default, plausible range and the evidence (or 'assumption')."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    description: str
    unit: str
    default: float
    low: float
    high: float
    evidence: list[Id] = Field(default_factory=list)
    observations: list[Id] = Field(
        default_factory=list,
        description="ids of observations (estimates, attacks, Taliban actions, milestones) "
        "that bear on this parameter; the record it is to be calibrated against",
    )
    assumption: bool = False
    group: str = "general"
    integer: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        if not self.low <= self.high:
            raise ValueError(f"range low={self.low} is above high={self.high}")
        if not self.low <= self.default <= self.high:
            raise ValueError(
                f"default {self.default} lies outside its range [{self.low}, {self.high}]"
            )
        if not self.assumption and not self.evidence:
            raise ValueError("cite evidence ids, or set assumption: true")
        if self.integer and not all(float(v).is_integer()
                                    for v in (self.default, self.low, self.high)):
            raise ValueError(f"an integer parameter needs whole numbers; got default "
                             f"{self.default:g}, low {self.low:g}, high {self.high:g}")
        return self


class IssueObservation(_Item):
    """Where the record puts a bargaining issue on its scale, from a date on.

    A bargaining forecast (what the stakeholders settle on) read without the point the
    record has already reached can sit below what happened years earlier; the report sets
    the two side by side.
    """

    date: DateStr
    value: float
    evidence: list[Id] = Field(
        min_length=1, description="the record's items (milestones, Taliban actions) or "
                                  "sources that place the issue here")
    note: str = Field(description="why this point of the scale, in words")


class BargainingIssue(_Item):
    """One issue of the stakeholder bargaining lens, on a numeric scale."""

    id: Id
    name: str
    description: str
    scale_min: float = 0.0
    scale_max: float = 100.0
    anchors: dict[str, str] = Field(
        default_factory=dict, description="scale value -> what it means, e.g. '0': 'no contact'"
    )
    stances: dict[str, str] = Field(
        default_factory=dict,
        description="anchor -> the policy stance a forecast nearest that anchor amounts to, "
                    "e.g. '50': 'engage'; every key must be an anchor",
    )

    @field_validator("scale_max")
    @classmethod
    def _scale(cls, high: float, info: ValidationInfo) -> float:
        low = info.data.get("scale_min")
        if low is not None and not low < high:
            raise ValueError(f"scale_min {low:g} must be below scale_max {high:g}")
        return high

    @field_validator("anchors")
    @classmethod
    def _anchors_on_scale(cls, anchors: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        low, high = info.data.get("scale_min"), info.data.get("scale_max")
        for key in anchors:
            try:
                point = float(key)
            except ValueError:
                raise ValueError(f"anchor {key!r} is not a number on the scale") from None
            if low is not None and high is not None and not low <= point <= high:
                raise ValueError(f"anchor {key} lies outside the scale [{low:g}, {high:g}]")
        return anchors

    @field_validator("stances")
    @classmethod
    def _stances_on_anchors(cls, stances: dict[str, str],
                            info: ValidationInfo) -> dict[str, str]:
        anchors = info.data.get("anchors")
        if anchors is None:          # the anchors failed their own check
            return stances
        points = {float(k) for k in anchors}
        given = {_as_number(k) for k in stances}
        stray = [k for k in stances if _as_number(k) not in points]
        if stray:
            raise ValueError(f"stances {stray} are not anchors of the scale (anchors: "
                             f"{sorted(anchors, key=float)})")
        missing = sorted((k for k in anchors if float(k) not in given), key=float)
        if stances and missing:
            raise ValueError(f"every anchor needs a stance once any has one; missing: "
                             f"{missing}")
        return stances

    observed: list[IssueObservation] = Field(
        default_factory=list,
        description="where the record puts the issue on the scale, from each date on "
                    "(optional; in date order)")

    @model_validator(mode="after")
    def _observed_on_scale(self) -> BargainingIssue:
        for ob in self.observed:
            if not self.scale_min <= ob.value <= self.scale_max:
                raise ValueError(f"observed value {ob.value:g} ({ob.date}) lies outside the "
                                 f"scale [{self.scale_min:g}, {self.scale_max:g}]")
        days = [FuzzyDate.parse(ob.date).earliest for ob in self.observed]
        if days != sorted(days):
            raise ValueError("observed entries must be in date order; got "
                             + ", ".join(ob.date for ob in self.observed))
        return self

    def observed_at(self, as_of: dt.date | None = None) -> IssueObservation | None:
        """The record's latest point on the scale known by ``as_of`` (all when ``None``).

        An entry counts from the last day its date can mean (a month from its last day),
        as every dated item of the case does.
        """
        known = [ob for ob in self.observed
                 if as_of is None or FuzzyDate.parse(ob.date).latest <= as_of]
        return known[-1] if known else None

    def against_record(self, value: float, as_of: dt.date | None = None) -> str:
        """``value`` (a forecast) beside the record's point known by ``as_of``, in words.

        Empty when the issue has no observation by then.
        """
        ob = self.observed_at(as_of)
        if ob is None:
            return ""
        gap = value - ob.value
        where = ("at it" if abs(gap) < 0.5 else
                 f"{abs(gap):.1f} points {'below' if gap < 0 else 'above'} it")
        since = ob.date.split("/")[-1]      # a span counts from its end, as observed_at
        return (f"The record puts the issue “{self.name}” at {self.reading(ob.value)} since "
                f"{since}: {ob.note} ({', '.join(ob.evidence)}); {value:.1f} lies {where}.")

    def record_json(self, value: float, as_of: dt.date | None = None) -> dict[str, Any] | None:
        """:meth:`against_record` as JSON-ready fields (``None`` without an observation).

        The record's point (``value``, ``since``, ``note``, ``evidence``), its reading and
        ``difference``: the forecast ``value`` minus the record's point.
        """
        ob = self.observed_at(as_of)
        if ob is None:
            return None
        return {"value": ob.value, "reading": self.reading(ob.value),
                "since": ob.date.split("/")[-1], "note": ob.note,
                "evidence": list(ob.evidence), "difference": value - ob.value}

    def stance(self, value: float) -> str | None:
        """The stance of the anchor nearest ``value`` (the lower one on a tie), if any.

        The case, not the code, says what a bargaining forecast amounts to as policy: on the
        built-in recognition scale a median nearest 50 or 75 is "engage".
        """
        if not self.stances:
            return None
        points = sorted((float(k), v) for k, v in self.stances.items())
        return min(points, key=lambda p: (abs(p[0] - value), p[0]))[1]

    def reading(self, value: float) -> str:
        """``value`` in words: its place on the scale between the nearest anchors.

        A bargaining forecast such as 43.9 means nothing without the scale's anchors; this is
        the one place that turns a position into them, e.g. "43.9 on 0–100, between 25
        (humanitarian ...) and 50 (de facto engagement ...)".
        """
        head = f"{value:.1f} on {self.scale_min:g}–{self.scale_max:g}"
        points = sorted((float(k), v) for k, v in self.anchors.items())
        if not points:
            return f"{head} (the scale has no anchors)"
        for point, text in points:
            if abs(point - value) < 0.5:
                return f"{head}: {text} ({point:g})"
        below = [p for p in points if p[0] < value]
        above = [p for p in points if p[0] > value]
        if below and above:
            (lo, lo_text), (hi, hi_text) = below[-1], above[0]
            return f"{head}, between {lo:g} ({lo_text}) and {hi:g} ({hi_text})"
        point, text = below[-1] if below else above[0]
        return f"{head}, {'above' if below else 'below'} {point:g} ({text})"


def _as_number(key: str) -> float | None:
    try:
        return float(key)
    except ValueError:
        return None


_NonNegative = Annotated[float, Field(ge=0)]
_Share = Annotated[float, Field(ge=0, le=1)]


class BargainingPosition(_Item):
    """An actor's position, capability and salience on one issue."""

    issue: Id
    actor: Id
    position: float
    capability: float = Field(ge=0)
    salience: float = Field(ge=0, le=1)
    evidence: list[Id] = Field(default_factory=list)
    assumption: bool = False
    position_range: tuple[float, float] | None = None
    capability_range: tuple[_NonNegative, _NonNegative] | None = None
    salience_range: tuple[_Share, _Share] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _cited(self) -> BargainingPosition:
        if not self.assumption and not self.evidence:
            raise ValueError("cite evidence ids, or set assumption: true with ranges")
        return self

    @field_validator("position_range", "capability_range", "salience_range")
    @classmethod
    def _ordered(cls, pair: tuple[float, float] | None, info: ValidationInfo
                 ) -> tuple[float, float] | None:
        _ordered_pair(pair, str(info.field_name))
        return pair


class BargainingFile(_Item):
    """``bargaining.yaml``: the issues, and the actors' positions on them."""

    issues: list[BargainingIssue] = Field(min_length=1)
    positions: list[BargainingPosition] = Field(
        min_length=2, description="at least two actors on every issue that has positions")


def bargaining_problems(issues: Sequence[BargainingIssue], positions: Sequence[BargainingPosition]
                        ) -> list[tuple[int, str, str]]:
    """Rules across ``bargaining.yaml``'s items: ``(position index, field, message)`` each.

    A position lies inside its issue's scale (and so does its ``position_range``), each
    actor takes one position per issue, and an issue with positions has at least two actors
    (the bargaining models need someone to bargain with). A problem about a whole issue is
    put on the issue's first position.
    """
    scales = {i.id: (i.scale_min, i.scale_max) for i in issues}
    seen: dict[tuple[str, str], int] = {}
    out: list[tuple[int, str, str]] = []
    for index, pos in enumerate(positions):
        key = (pos.actor, pos.issue)
        if key in seen:
            out.append((index, "actor", f"actor {pos.actor!r} already has a position on issue "
                        f"{pos.issue!r} (position {seen[key] + 1}); one per actor and issue"))
        seen.setdefault(key, index)
        if pos.issue not in scales:
            continue
        lo, hi = scales[pos.issue]
        if not lo <= pos.position <= hi:
            out.append((index, "position", f"position {pos.position:g} lies outside issue "
                        f"{pos.issue!r}'s scale [{lo:g}, {hi:g}]"))
        rng = pos.position_range
        if rng is not None and not lo <= rng[0] <= rng[1] <= hi:
            out.append((index, "position_range", f"position_range [{rng[0]:g}, {rng[1]:g}] "
                        f"leaves issue {pos.issue!r}'s scale [{lo:g}, {hi:g}]"))
    for issue in issues:
        on_issue = [i for i, p in enumerate(positions) if p.issue == issue.id]
        actors = sorted({positions[i].actor for i in on_issue})
        if on_issue and len(actors) < 2:
            out.append((on_issue[0], "issue", f"issue {issue.id!r} has positions of one actor "
                        f"({actors[0]}); the bargaining models need at least two"))
    return out


class ScenarioUncertainty(_Item):
    """A parameter varied over a range in an exploration scenario."""

    parameter: str
    low: float
    high: float
    distribution: Literal["uniform", "triangular", "normal"] = "uniform"

    @field_validator("high")
    @classmethod
    def _ordered(cls, high: float, info: ValidationInfo) -> float:
        # strict, as exploration samples the interval: a point is not an uncertainty
        low = info.data.get("low")
        if low is not None and not low < high:
            raise ValueError(f"low={low:g} must be below high={high:g}")
        return high


class Scenario(_Item):
    """An exploration scenario: uncertainties, levers, outcomes, sample size, seed."""

    id: Id
    description: str
    uncertainties: list[ScenarioUncertainty] = Field(min_length=1)
    levers: list[str] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=list)
    # at most ten million experiments: a bound on what a scenario may ask for, far above any
    # design this machine runs (a larger n is a typo or hostile, and would exhaust memory)
    n: int = Field(default=1024, ge=1, le=10_000_000)
    seed: int = Field(default=0, ge=0)
    extra: dict[str, Any] = Field(default_factory=dict, description="lens-specific settings")



def case_json_schema() -> dict[str, Any]:
    """JSON Schema of every case file, keyed by file name (for editors and new cases)."""
    from pydantic import TypeAdapter

    files: dict[str, Any] = {"case.yaml": CaseMeta}
    files.update({
        "sources.yaml": list[Source],
        "actors.yaml": list[Actor],
        "places.yaml": list[Place],
        "phases.yaml": list[Phase],
        "events.yaml": list[Event],
        "quantities.yaml": list[Quantity],
        "claims.yaml": list[Claim],
        "spellings.yaml": list[Spelling],
        "estimates.yaml": list[Estimate],
        "attacks.yaml": list[Attack],
        "taliban_actions.yaml": list[TalibanAction],
        "milestones.yaml": list[Milestone],
        "curated_findings.yaml": list[CuratedFinding],
        "parameters.yaml": list[Parameter],
        "scenarios/*.yaml": Scenario,
    })
    files["bargaining.yaml"] = BargainingFile
    schemas = {name: TypeAdapter(t).json_schema() for name, t in files.items()}
    for schema in schemas.values():
        # a present file must hold at least one item (an empty one is refused by name)
        if schema.get("type") == "array":
            schema["minItems"] = 1
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "qpq case folder",
        "required_files": list(REQUIRED_FILES),
        "files": schemas,
        "rules_beyond_json_schema": {k: list(v) for k, v in RULES_BEYOND_JSON_SCHEMA.items()},
    }
