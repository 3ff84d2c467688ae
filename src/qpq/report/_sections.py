"""The report's building blocks: figures, sections and the section registry.

Each lens contributes sections. A :class:`Section` is a title plus a *builder*: a function
that takes the :class:`ReportContext` and returns :class:`SectionContent` (an HTML fragment
and figures). The registry is an explicit, ordered list (:func:`default_sections`): no
registration by import side effect. A section whose lens is not built yet has no builder and
renders as a placeholder that says what will appear there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from importlib import import_module
from pathlib import Path
from typing import Any

from qpq.case import Case
from qpq.checks import check_flag, did_you_mean
from qpq.errors import BadInputError

__all__ = [
    "Figure",
    "ReportContext",
    "Section",
    "SectionContent",
    "default_sections",
    "html_table",
]


def html_table(headers: list[str], rows: list[list[str]], cls: str = "data") -> str:
    """An HTML table: headers are escaped here, cells are trusted (already escaped) HTML."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


@dataclass(frozen=True)
class Figure:
    """A chart with the words a reader needs: what it shows and how to read it."""

    id: str
    title: str
    how_to_read: str
    chart: Any  # an altair chart; typed loosely because altair ships no type stubs
    note: str | None = None


@dataclass(frozen=True)
class SectionContent:
    """What a builder returns: trusted HTML (already escaped) and figures."""

    html: str
    figures: tuple[Figure, ...] = ()
    summary: str | None = None  # one line for the command-line summary


_OPTIONS = ("explore_scenario", "sim_as_of", "sim_backcast_as_of", "sim_calibration",
            "sim_until", "sizes")
"""The keys of :attr:`ReportContext.options` that some section reads."""


@dataclass(frozen=True)
class ReportContext:
    """Everything a builder may use; builders must not read anything else."""

    case: Case
    out_dir: Path
    generated: dt.datetime
    reduced: bool = True  # heavy studies run at reduced, cached settings in `make run`
    as_of: dt.date | None = None  # the case was cut to what was known by this date
    options: dict[str, Any] = field(default_factory=dict)
    # studies several sections read (and the key findings sum up), computed once per report
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # reduced="no" is true to Python and ran the reduced report
        object.__setattr__(self, "reduced", check_flag(self.reduced, "reduced"))
        # the sections read their options with .get(), so a misspelt key would otherwise
        # run the whole report on the defaults without a word
        unknown = sorted(set(self.options) - set(_OPTIONS), key=str)
        if unknown:
            raise BadInputError(
                f"options: unknown key {unknown[0]!r}; allowed: {', '.join(_OPTIONS)}"
                f"{did_you_mean(str(unknown[0]), _OPTIONS)}")
        from qpq.report._shared import sizes  # imports this module: at call time

        sizes(self)     # checked here, before any section runs

    def known_by(self, day: dt.date) -> dt.date:
        """``day``, or the report's as-of date where that is earlier.

        A model section that calibrates on the record "known by" a date must not pass the
        cut: the case holds nothing after it, and the quarters after it would read as
        quarters without attacks, actions or estimates.
        """
        return day if self.as_of is None else min(day, self.as_of)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time ``key`` is asked for in this report, then its value.

        A refusal (:class:`BadInputError`: the case lacks what the study needs) is kept too
        and raised again: a record calibration the case refused was attempted by the
        section, the trust summary and the key findings in turn.
        """
        if key not in self.cache:
            try:
                self.cache[key] = compute()
            except BadInputError as exc:
                self.cache[key] = _Refused(exc)
        value = self.cache[key]
        if isinstance(value, _Refused):
            raise value.error
        return value


@dataclass(frozen=True)
class _Refused:
    """A memoised study the case refused: its error, raised on every later ask."""

    error: BadInputError


Builder = Callable[[ReportContext], SectionContent]


@dataclass(frozen=True)
class Section:
    """One report section. ``builder`` is ``"module:function"`` or ``None`` (placeholder)."""

    id: str
    title: str
    lens: str
    placeholder: str
    builder: str | None = None

    def load_builder(self) -> Builder | None:
        """Import the builder function (lazily, so a report needs only the lenses it shows)."""
        if self.builder is None:
            return None
        module_name, _, func = self.builder.partition(":")
        fn: Builder = getattr(import_module(module_name), func)
        return fn


def default_sections() -> list[Section]:
    """The report's sections in reading order."""
    ev = "qpq.report._evidence_sections"
    return [
        Section("findings", "Key findings", "all",
                "Each lens's answer to the paper's questions side by side, where they "
                "disagree and the assumption that decides it.",
                "qpq.report._findings:findings_section"),
        Section("case", "The case in brief", "evidence",
                "A summary of the case.", f"{ev}:case_in_brief"),
        Section("timeline", "Evidence timeline", "evidence",
                "Dated events by actor.", f"{ev}:timeline_section"),
        Section("map", "Places involved", "evidence",
                "A schematic map of the places in the case.",
                "qpq.report._map_section:map_section"),
        Section("record", "The record", "evidence",
                "Estimates of fighters by body over time, attacks on Chinese targets, Taliban "
                "actions and "
                "China's engagement milestones (docs/case-file.md).",
                "qpq.report._record_section:record_section"),
        Section("parameters", "Model parameters and their evidence", "model",
                "Every parameter with its default, range, unit and evidence.",
                f"{ev}:parameters_section"),
        Section("game", "The quid pro quo game: equilibria", "game",
                "Perfect Bayesian equilibria at the defaults.",
                "qpq.report._game_section:game_section"),
        Section("phase", "Phase diagrams", "game",
                "Where the deal holds, unravels or backfires over the parameter space.",
                "qpq.report._phase_section:phase_section"),
        Section("propositions", "The paper's propositions", "game",
                "P1–P7: status at the defaults, share of the plausible range, falsification.",
                "qpq.report._propositions_section:propositions_section"),
        Section("relationship", "Model v2: the repeated relationship", "game",
                "Model v2's equilibrium at the defaults per state, the hold-up, and the "
                "propositions under v2 beside v1.",
                "qpq.report._relationship_section:relationship_section"),
        Section("backcast", "Backcast: the simulated history against stylised facts", "sim",
                "The simulated history against the case's stylised facts.",
                "qpq.report._sim_sections:backcast_section"),
        Section("forecast", "Forecasts", "sim",
                "Forecast fan charts and event probabilities by policy.",
                "qpq.report._sim_sections:forecast_section"),
        Section("track-record", "Track record: forecasts from past origins", "sim",
                "Rolling-origin backtests: skill against climatology and persistence, "
                "reliability, forecasts against the record.",
                "qpq.report._track_record_section:track_record_section"),
        Section("dynamic-propositions", "The propositions in time", "sim",
                "Dynamic forms of P1, P3, P5 and P6.",
                "qpq.report._sim_sections:propositions_section"),
        Section("sensitivity", "What drives China's security", "explore",
                "Sobol and Morris indices for china_security.",
                "qpq.report._explore_sections:sensitivity_section"),
        Section("discovery", "When does the deal backfire?", "explore",
                "PRIM boxes and the coverage/density trade-off.",
                "qpq.report._explore_sections:discovery_section"),
        Section("policies", "China's options compared", "explore",
                "Robustness of each policy across the ensemble.",
                "qpq.report._explore_sections:policies_section"),
        Section("bargaining", "Stakeholder bargaining", "bargain",
                "Expected-utility forecast of recognition and the recognition-for-crackdown "
                "exchange.", "qpq.report._bargain_section:bargain_section"),
        Section("audit", "Audit of the evidence", "evidence",
                "Integrity errors and the paper's own inconsistencies.",
                f"{ev}:audit_section"),
        Section("evidence", "Evidence: sources, quantities and claims", "evidence",
                "Every item the report cites, with its id.", f"{ev}:evidence_appendix"),
    ]
