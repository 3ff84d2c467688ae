"""The HTML report: a registry of sections contributed by each lens, and its renderer."""


from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.report._basemap import (
        Basemap,
        load_basemap,
    )
    from qpq.report._findings import (
        Findings,
        compute_findings,
        findings_for,
    )
    from qpq.report._phase_section import (
        phase_chart,
    )
    from qpq.report._record_section import (
        record_figures,
    )
    from qpq.report._render import (
        ReportResult,
        SectionOutcome,
        build_report,
    )
    from qpq.report._sections import (
        Figure,
        ReportContext,
        Section,
        SectionContent,
        default_sections,
    )
    from qpq.report._trust import (
        Trust,
        trust_items,
    )

__all__ = [
    "Basemap",
    "Figure",
    "Findings",
    "ReportContext",
    "ReportResult",
    "Section",
    "SectionContent",
    "SectionOutcome",
    "Trust",
    "build_report",
    "compute_findings",
    "default_sections",
    "findings_for",
    "load_basemap",
    "phase_chart",
    "record_figures",
    "trust_items",
]

# Each name's module is imported on first use (qpq._lazy), so importing the package
# for one name does not import its siblings' libraries.
_EXPORTS = {
    "qpq.report._basemap": ("Basemap", "load_basemap"),
    "qpq.report._findings": ("Findings", "compute_findings", "findings_for"),
    "qpq.report._phase_section": ("phase_chart",),
    "qpq.report._record_section": ("record_figures",),
    "qpq.report._render": ("ReportResult", "SectionOutcome", "build_report"),
    "qpq.report._sections": (
        "Figure", "ReportContext", "Section", "SectionContent", "default_sections",
    ),
    "qpq.report._trust": ("Trust", "trust_items"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
