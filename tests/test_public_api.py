"""Pin the public surface so that changes to it are deliberate."""

import qpq
import qpq.case
import qpq.report


def test_exported_names():
    assert qpq.__all__ == ["__version__"]
    assert set(qpq.case.__all__) == {"BUILTIN_CASE", "CASE_FILES", "Case", "DateParseError",
                                     "FuzzyDate", "Precision", "builtin_case_path", "load_case"}
    assert set(qpq.report.__all__) == {"Figure", "ReportContext", "ReportResult", "Section",
                                       "SectionContent", "SectionOutcome", "build_report",
                                       "default_sections"}
    for module in (qpq.case, qpq.report):
        for name in module.__all__:
            assert hasattr(module, name), name
