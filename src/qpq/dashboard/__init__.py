"""The local what-if dashboard: pure logic here, a thin Streamlit script in ``_app.py``.

An analyst chooses China's policy and moves the key parameters (sliders over the case's
plausible ranges) and sees the game's selected equilibrium, the point on a phase diagram,
the ensemble's fan chart and event probabilities, and the evidence behind each parameter.

* :mod:`~qpq.dashboard._controls` — sliders from the parameter registry, point validation;
* :mod:`~qpq.dashboard._equilibrium` — the game's selected PBE, summarised;
* :mod:`~qpq.dashboard._phase` — the phase-diagram grid and chart;
* :mod:`~qpq.dashboard._whatif` — the ensemble run, fan chart and events;
* :mod:`~qpq.dashboard._evidence` — evidence ids resolved to sources;
* :mod:`~qpq.dashboard._query` — every control's value in the URL, read back with checks;
* :mod:`~qpq.dashboard._tables` — the page's tables as data frames and CSV;
* :mod:`~qpq.dashboard._view` — what a rerun recomputes (:func:`compute_view`);
* :mod:`~qpq.dashboard._server` — the Streamlit command line (``qpq serve``).

Nothing here imports Streamlit; only ``_app.py`` does (the ``dashboard`` extra).
"""


from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.dashboard._controls import (
        AXIS_DEFAULTS,
        KEY_PARAMETERS,
        PointCheck,
        SliderSpec,
        resolve_point,
        slider_spec,
        slider_specs,
    )
    from qpq.dashboard._equilibrium import (
        EquilibriumView,
        RelationshipView,
        StateView,
        TypeEffort,
        equilibrium_view,
        relationship_view,
    )
    from qpq.dashboard._evidence import (
        EvidenceItem,
        ParameterEvidence,
        SourceRef,
        evidence_markdown,
        parameter_evidence,
        resolve_evidence,
    )
    from qpq.dashboard._phase import (
        PhaseGrid,
        phase_chart,
        phase_grid,
    )
    from qpq.dashboard._server import (
        APP_PATH,
        DEFAULT_HOST,
        DEFAULT_PORT,
        is_loopback,
        streamlit_command,
        streamlit_env,
    )
    from qpq.dashboard._view import (
        Context,
        DashboardView,
        Settings,
        compute_view,
        view_charts,
    )
    from qpq.dashboard._whatif import (
        EventRow,
        ForecastView,
        WhatIfRequest,
        fan_chart,
        what_if,
    )

__all__ = [
    "APP_PATH",
    "AXIS_DEFAULTS",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "KEY_PARAMETERS",
    "Context",
    "DashboardView",
    "EquilibriumView",
    "EventRow",
    "EvidenceItem",
    "ForecastView",
    "ParameterEvidence",
    "PhaseGrid",
    "PointCheck",
    "RelationshipView",
    "Settings",
    "SliderSpec",
    "SourceRef",
    "StateView",
    "TypeEffort",
    "WhatIfRequest",
    "compute_view",
    "equilibrium_view",
    "evidence_markdown",
    "fan_chart",
    "is_loopback",
    "parameter_evidence",
    "phase_chart",
    "phase_grid",
    "relationship_view",
    "resolve_evidence",
    "resolve_point",
    "slider_spec",
    "slider_specs",
    "streamlit_command",
    "streamlit_env",
    "view_charts",
    "what_if",
]

# Each name's module is imported on first use (qpq._lazy), so importing the package
# for one name does not import its siblings' libraries.
_EXPORTS = {
    "qpq.dashboard._controls": (
        "AXIS_DEFAULTS", "KEY_PARAMETERS", "PointCheck", "SliderSpec", "resolve_point",
        "slider_spec", "slider_specs",
    ),
    "qpq.dashboard._equilibrium": (
        "EquilibriumView", "RelationshipView", "StateView", "TypeEffort", "equilibrium_view",
        "relationship_view",
    ),
    "qpq.dashboard._evidence": (
        "EvidenceItem", "ParameterEvidence", "SourceRef", "evidence_markdown",
        "parameter_evidence", "resolve_evidence",
    ),
    "qpq.dashboard._phase": ("PhaseGrid", "phase_chart", "phase_grid"),
    "qpq.dashboard._server": (
        "APP_PATH", "DEFAULT_HOST", "DEFAULT_PORT", "is_loopback", "streamlit_command",
        "streamlit_env",
    ),
    "qpq.dashboard._view": ("Context", "DashboardView", "Settings", "compute_view", "view_charts"),
    "qpq.dashboard._whatif": ("EventRow", "ForecastView", "WhatIfRequest", "fan_chart", "what_if"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
