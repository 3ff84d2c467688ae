"""The case file: schema, loading, as-of dating, queries and the integrity audit."""


from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.case._asof import (
        case_as_of,
    )
    from qpq.case._audit import (
        audit,
    )
    from qpq.case._dates import (
        DateParseError,
        FuzzyDate,
        Precision,
        quarter_end,
        quarter_label,
        quarter_mid,
        quarter_of,
        quarter_of_label,
        quarter_start,
    )
    from qpq.case._links import (
        web_href,
    )
    from qpq.case._loader import (
        BUILTIN_CASE,
        CASE_FILES,
        OBSERVATION_KINDS,
        Case,
        builtin_case_path,
        load_case,
        validation_message,
    )
    from qpq.case._queries import (
        EvidenceDB,
        un_estimates_words,
    )
    from qpq.case._schema import (
        PHASE_ATTRIBUTES,
        REQUIRED_FILES,
        Attack,
        AttributeValue,
        Attribution,
        BargainingIssue,
        BargainingPosition,
        Claim,
        ClaimKind,
        Estimate,
        Event,
        FactTarget,
        IssueObservation,
        Milestone,
        Parameter,
        Phase,
        PhaseAttributeSpec,
        Quantity,
        RunSettings,
        Scenario,
        Source,
        TalibanAction,
        case_json_schema,
        phase_attribute_conflicts,
    )
    from qpq.case._yamlio import (
        LocatedYaml,
        YamlError,
        read_yaml,
    )

__all__ = [
    "BUILTIN_CASE",
    "CASE_FILES",
    "OBSERVATION_KINDS",
    "PHASE_ATTRIBUTES",
    "REQUIRED_FILES",
    "Attack",
    "AttributeValue",
    "Attribution",
    "BargainingIssue",
    "BargainingPosition",
    "Case",
    "Claim",
    "ClaimKind",
    "DateParseError",
    "Estimate",
    "Event",
    "EvidenceDB",
    "FactTarget",
    "FuzzyDate",
    "IssueObservation",
    "LocatedYaml",
    "Milestone",
    "Parameter",
    "Phase",
    "PhaseAttributeSpec",
    "Precision",
    "Quantity",
    "RunSettings",
    "Scenario",
    "Source",
    "TalibanAction",
    "YamlError",
    "audit",
    "builtin_case_path",
    "case_as_of",
    "case_json_schema",
    "load_case",
    "phase_attribute_conflicts",
    "quarter_end",
    "quarter_label",
    "quarter_mid",
    "quarter_of",
    "quarter_of_label",
    "quarter_start",
    "read_yaml",
    "un_estimates_words",
    "validation_message",
    "web_href",
]

# Each name's module is imported on first use (qpq._lazy), so importing the package
# for one name does not import its siblings' libraries.
_EXPORTS = {
    "qpq.case._asof": ("case_as_of",),
    "qpq.case._audit": ("audit",),
    "qpq.case._dates": ("DateParseError", "FuzzyDate", "Precision", "quarter_end",
                        "quarter_label", "quarter_mid", "quarter_of", "quarter_of_label",
                        "quarter_start"),
    "qpq.case._loader": ("BUILTIN_CASE", "CASE_FILES", "OBSERVATION_KINDS", "Case",
                         "builtin_case_path", "load_case", "validation_message"),
    "qpq.case._links": ("web_href",),
    "qpq.case._queries": ("EvidenceDB", "un_estimates_words"),
    "qpq.case._schema": (
        "PHASE_ATTRIBUTES", "REQUIRED_FILES", "Attack", "AttributeValue", "Attribution",
        "BargainingIssue", "BargainingPosition", "Claim", "ClaimKind",
        "Estimate", "Event", "FactTarget", "IssueObservation", "Milestone", "Parameter",
        "Phase",
        "PhaseAttributeSpec", "Quantity", "RunSettings", "Scenario",
        "Source", "TalibanAction", "case_json_schema", "phase_attribute_conflicts",
    ),
    "qpq.case._yamlio": ("LocatedYaml", "YamlError", "read_yaml"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
