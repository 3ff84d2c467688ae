"""Pin the public surface so that changes to it are deliberate."""

import qpq
import qpq.case
import qpq.report


def test_exported_names():
    assert set(qpq.__all__) == {
        "Case", "ComparisonStudy", "ForecastResult", "GameSolution", "PolicyRuns", "__version__",
        "explore_policies", "forecast", "load_case", "simulate_policies", "solve_game"}
    assert set(qpq.case.__all__) == {
        "Attack", "AttributeValue", "Attribution", "BUILTIN_CASE", "BargainingIssue",
        "BargainingPosition", "CASE_FILES", "Case", "Claim", "ClaimKind", "DateParseError",
        "Estimate", "Event", "EvidenceDB", "FactTarget", "FuzzyDate", "IssueObservation",
        "LocatedYaml", "Milestone",
        "OBSERVATION_KINDS", "PHASE_ATTRIBUTES", "Parameter", "Phase", "PhaseAttributeSpec",
        "Precision", "Quantity", "REQUIRED_FILES", "RunSettings",
        "Scenario", "Source", "TalibanAction",
        "YamlError", "audit", "builtin_case_path", "case_as_of", "case_json_schema", "load_case",
        "phase_attribute_conflicts", "quarter_end", "quarter_label", "quarter_mid", "quarter_of",
        "quarter_of_label", "quarter_start", "read_yaml", "un_estimates_words",
        "validation_message", "web_href"}
    assert set(qpq.report.__all__) == {
        "Basemap", "Figure", "Findings", "ReportContext", "ReportResult", "Section",
        "SectionContent",
        "SectionOutcome", "build_report", "compute_findings", "default_sections",
        "findings_for", "load_basemap", "phase_chart", "record_figures", "Trust", "trust_items"}
    for module in (qpq, qpq.case, qpq.report):
        for name in module.__all__:
            assert hasattr(module, name), name
