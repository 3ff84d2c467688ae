from __future__ import annotations

import qpq.dashboard as dashboard


def test_exported_names() -> None:
    assert sorted(dashboard.__all__) == sorted(
        ["APP_PATH", "AXIS_DEFAULTS", "Context", "DEFAULT_HOST", "DEFAULT_PORT",
         "DashboardView", "EquilibriumView", "EventRow", "EvidenceItem", "ForecastView",
         "KEY_PARAMETERS", "ParameterEvidence", "PhaseGrid", "PointCheck",
         "RelationshipView", "Settings", "SliderSpec", "SourceRef", "StateView", "TypeEffort",
         "WhatIfRequest", "compute_view",
         "equilibrium_view", "evidence_markdown", "fan_chart", "is_loopback",
         "parameter_evidence", "phase_chart", "phase_grid", "relationship_view",
         "resolve_evidence",
         "resolve_point", "slider_spec", "slider_specs", "streamlit_command", "streamlit_env",
         "view_charts", "what_if"])
    for name in dashboard.__all__:
        assert hasattr(dashboard, name), name


def test_the_package_does_not_import_streamlit() -> None:
    import subprocess
    import sys

    code = "import sys, qpq.dashboard; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
