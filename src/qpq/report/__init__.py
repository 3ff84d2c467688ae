"""The HTML report: a registry of sections contributed by each lens, and its renderer."""

from qpq.report.render import ReportResult, SectionOutcome, build_report
from qpq.report.sections import Figure, ReportContext, Section, SectionContent, default_sections

__all__ = [
    "Figure",
    "ReportContext",
    "ReportResult",
    "Section",
    "SectionContent",
    "SectionOutcome",
    "build_report",
    "default_sections",
]
