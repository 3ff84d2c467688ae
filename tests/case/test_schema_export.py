"""The JSON Schema export carries the semantic rules JSON Schema can express (issue 20)."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from qpq.case import case_json_schema
from qpq.case._loader import builtin_case_path
from qpq.case._schema import RULES_BEYOND_JSON_SCHEMA
from qpq.case._yamlio import read_yaml

SCHEMA = case_json_schema()
DOCS = Path(__file__).resolve().parents[2] / "docs" / "case-file.md"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMA["files"][name])


def _builtin(name: str):
    return read_yaml(builtin_case_path() / name).data


@pytest.mark.parametrize("name", sorted(n for n in SCHEMA["files"] if "*" not in n))
def test_every_builtin_file_validates_against_the_export(name):
    assert list(_validator(name).iter_errors(_builtin(name))) == []


def test_required_files_are_exported():
    assert {"case.yaml", "sources.yaml", "parameters.yaml", "phases.yaml"} <= set(
        SCHEMA["required_files"])


@pytest.mark.parametrize(("name", "edit", "keyword"), [
    ("parameters.yaml", lambda d: [], "minItems"),
    ("spellings.yaml", lambda d: [], "minItems"),
    ("quantities.yaml", lambda d: [dict(d[0], value=-57)], "minimum"),
    ("quantities.yaml", lambda d: [dict(d[0], unit="parsecs")], "enum"),
    ("phases.yaml", lambda d: [dict(d[0], attributes={"us_presence": 5})], "maximum"),
    ("phases.yaml", lambda d: [dict(d[0], attributes={"us_presense": 0})],
     "additionalProperties"),
    ("phases.yaml", lambda d: [dict(d[0], attributes={"taliban_isolation": {
        "value": 1.5, "sources": ["rehalem-2025"]}})], "maximum"),
    ("phases.yaml", lambda d: [dict(d[0], attributes={"iskp_present": {"value": 1}})],
     "required"),
    ("phases.yaml", lambda d: [dict(d[0], attributes={"iskp_present": {
        "value": 1, "sources": []}})], "minItems"),
    ("bargaining.yaml", lambda d: dict(d, positions=d["positions"][:1]), "minItems"),
    ("bargaining.yaml", lambda d: dict(d, positions=[dict(d["positions"][0],
                                                          salience_range=[0.5, 2])]), "maximum"),
])
def test_export_refuses_what_json_schema_can_express(name, edit, keyword):
    def keywords(errors):
        for e in errors:
            yield e.validator
            yield from keywords(e.context or ())

    errors = list(_validator(name).iter_errors(edit(_builtin(name))))
    assert keyword in set(keywords(errors)), [e.message for e in errors]


def _documented_rules() -> list[tuple[str, str]]:
    """The list under "they are:" in docs/case-file.md as (file, bullet text) pairs."""
    lines = DOCS.read_text(encoding="utf-8").split("they are:", 1)[1].splitlines()[1:]
    bullets: list[str] = []
    for line in lines:
        if line.startswith("- "):
            bullets.append(line[2:])
        elif line.startswith("  ") and bullets:
            bullets[-1] += " " + line.strip()
        elif bullets:
            break
    pairs = []
    for b in bullets:
        where, rule = b.split(": ", 1)
        pairs.append((where.strip("`"), " ".join(rule.split())))
    return pairs


def test_docs_list_every_rule_json_schema_cannot_carry():
    # both ways, in order: each exported rule opens one bullet of the docs' list (a bullet
    # may explain it after), and the list has no bullet the export lacks
    documented = _documented_rules()
    exported = [(f, r) for f, rules in RULES_BEYOND_JSON_SCHEMA.items() for r in rules]
    assert len(documented) == len(exported)
    for (doc_file, text), (file, rule) in zip(documented, exported, strict=True):
        assert doc_file == file and text.startswith(rule), (doc_file, text, file, rule)
        assert text[len(rule):] in ("", ".") or text[len(rule):].startswith((" (", ". ")), text
    assert SCHEMA["rules_beyond_json_schema"] == {k: list(v) for k, v in
                                                  RULES_BEYOND_JSON_SCHEMA.items()}
