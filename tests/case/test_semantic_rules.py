"""The meaning of a case file, not only its shape (issue 20).

Each input below was once accepted by ``qpq evidence validate`` (or accepted and then crashed
a later command). Every one must now exit 2 with the file, line and field named, without a
traceback, and without touching the case folder.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from qpq.case._loader import builtin_case_path
from qpq.cli import main


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "case"
    shutil.copytree(builtin_case_path(), root)
    return root


def _edit(root: Path, fname: str, change: Callable[[Any], Any]) -> None:
    path = root / fname
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data = change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _refused(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> str:
    before = _snapshot(root)
    code = main(list(args) if args else ["evidence", "validate", str(root)])
    out, err = capsys.readouterr()
    text = out + err
    assert code == 2, text
    assert "Traceback" not in text
    assert _snapshot(root) == before  # nothing written, nothing lost
    return text


def _named(text: str, fname: str, field: str) -> str:
    """The problem line naming ``fname`` with a line number and ``field``; fails if none."""
    pattern = re.compile(rf"{re.escape(fname)}:\d+: [^\n]*{re.escape(field)}")
    lines = [ln for ln in text.splitlines() if pattern.search(ln)]
    assert lines, f"no problem names {fname}:LINE and {field!r} in:\n{text}"
    return lines[0]


def _item(items: list[dict[str, Any]], item_id: str) -> dict[str, Any]:
    return next(i for i in items if i.get("id") == item_id)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("value, says", [
    (float("nan"), "finite"), (float("inf"), "finite"), (-57, "greater than or equal to 0"),
])
def test_quantity_value_must_be_finite_and_non_negative(capsys, tmp_path, value, says):
    root = _copy(tmp_path)
    _edit(root, "quantities.yaml", lambda qs: [dict(qs[0], value=value), *qs[1:]])
    line = _named(_refused(capsys, root), "quantities.yaml", "value")
    assert says in line


def test_quantity_unit_from_the_vocabulary(capsys, tmp_path):
    root = _copy(tmp_path)
    _edit(root, "quantities.yaml", lambda qs: [dict(qs[0], unit="parsecs"), *qs[1:]])
    line = _named(_refused(capsys, root), "quantities.yaml", "unit")
    assert "'parsecs'" in line and "km" in line and "people" in line  # says what is allowed


@pytest.mark.parametrize("name, value", [("us_presence", 5), ("us_presence", -1),
                                         ("taliban_in_power", float("nan"))])
def test_phase_attribute_inside_its_range(capsys, tmp_path, name, value):
    root = _copy(tmp_path)

    def change(phases):
        ph = _item(phases, "ph-quid-pro-quo")
        ph["attributes"] = dict(ph["attributes"], **{name: value})
        return phases

    _edit(root, "phases.yaml", change)
    line = _named(_refused(capsys, root), "phases.yaml", "attributes")
    assert name in line or "finite" in line


@pytest.mark.parametrize("name, field, value, says", [
    ("prior_sincere", "high", 1.5, "prior_sincere.high: high=1.5 is outside what the model "
                                   "allows, (0, 1)"),
    ("capacity_low", "default", 0.99, "defaults break capacity_low <= capacity_high"),
])
def test_validate_applies_what_the_model_allows_of_each_parameter(capsys, tmp_path, name,
                                                                  field, value, says):
    """Once accepted by validate and refused by the first lens to build the registry."""
    root = _copy(tmp_path)

    def change(params):
        p = next(p for p in params if p["name"] == name)
        p[field] = value
        if field == "default":
            p["high"] = max(p["high"], value)
        return params

    _edit(root, "parameters.yaml", change)
    text = " ".join(_refused(capsys, root).split())
    assert "case/parameters.yaml: " in text and says in text, text


def test_phase_attribute_inside_the_range_of_the_parameter_it_feeds(capsys, tmp_path):
    root = _copy(tmp_path)

    def narrow(params):
        p = next(p for p in params if p["name"] == "us_presence")
        p.update(low=0.0, high=0.5, default=0.0)
        return params

    _edit(root, "parameters.yaml", narrow)
    line = _named(_refused(capsys, root), "phases.yaml", "attributes.us_presence")
    assert "[0, 0.5]" in line and "parameters.yaml" in line


def test_unknown_phase_attribute_lists_the_known_ones(capsys, tmp_path):
    root = _copy(tmp_path)

    def change(phases):
        _item(phases, "ph-quid-pro-quo")["attributes"]["us_presense"] = 0
        return phases

    _edit(root, "phases.yaml", change)
    line = _named(_refused(capsys, root), "phases.yaml", "attributes")
    assert "us_presense" in line and "taliban_in_power" in line


def test_unknown_attribute_with_its_own_sources_is_named(capsys, tmp_path):
    root = _copy(tmp_path)

    def change(phases):
        _item(phases, "ph-attr-iskp-targets-china")["attributes"]["iskp_presnt"] = {
            "value": 1, "sources": ["rehalem-2025"]}
        return phases

    _edit(root, "phases.yaml", change)
    line = _named(_refused(capsys, root), "phases.yaml", "ph-attr-iskp-targets-china")
    assert "iskp_presnt" in line and "iskp_present" in line and "taliban_isolation" in line


@pytest.mark.parametrize("value", [1.5, -0.25])
def test_attribute_value_with_sources_inside_its_range(capsys, tmp_path, value):
    root = _copy(tmp_path)

    def change(phases):
        _item(phases, "ph-attr-isolation-2021")["attributes"]["taliban_isolation"]["value"] = value
        return phases

    _edit(root, "phases.yaml", change)
    line = _named(_refused(capsys, root), "phases.yaml", "ph-attr-isolation-2021")
    assert "taliban_isolation" in line and "[0, 1]" in line


def test_attribute_sources_must_exist_and_resolve(capsys, tmp_path):
    root = _copy(tmp_path)

    def change(phases):
        attrs = _item(phases, "ph-attr-isolation-2021")["attributes"]
        attrs["taliban_isolation"]["sources"] = ["no-such-source"]
        _item(phases, "ph-attr-before-iskp")["attributes"]["iskp_present"]["sources"] = []
        return phases

    _edit(root, "phases.yaml", change)
    text = _refused(capsys, root)
    assert "no-such-source" in _named(text, "phases.yaml",
                                      "ph-attr-isolation-2021.attributes.taliban_isolation.sources")
    _named(text, "phases.yaml", "ph-attr-before-iskp")


def test_overlapping_phases_that_disagree_are_refused_naming_both(capsys, tmp_path):
    root = _copy(tmp_path)

    def change(phases):
        _item(phases, "ph-attr-isolation-2021")["end"] = "2024-12-31"
        return phases

    _edit(root, "phases.yaml", change)
    text = _refused(capsys, root)
    line = _named(text, "phases.yaml", "ph-attr-isolation-china-credentials.attributes."
                  "taliban_isolation")
    assert "ph-attr-isolation-2021" in line and "2024Q1" in line
    _named(text, "phases.yaml", "ph-attr-isolation-uae-credentials.attributes.taliban_isolation")


def test_phase_cannot_start_after_it_ends(capsys, tmp_path):
    root = _copy(tmp_path)

    def change(phases):
        _item(phases, "ph-karzai-era").update(start="2015", end="2014-09")
        return phases

    _edit(root, "phases.yaml", change)
    line = _named(_refused(capsys, root), "phases.yaml", "ph-karzai-era")
    assert "starts (2015) after it ends (2014-09)" in line


def test_us_presence_5_no_longer_crashes_the_forecast(capsys, tmp_path):
    root = _copy(tmp_path)

    def change(phases):
        _item(phases, "ph-quid-pro-quo")["attributes"]["us_presence"] = 5
        return phases

    _edit(root, "phases.yaml", change)
    text = _refused(capsys, root, "sim", "forecast", "--case", str(root),
                    "--as-of", "2024-06-30", "--until", "2026-12-31")
    assert "ValueError" not in text and "probability 0" not in text
    _named(text, "phases.yaml", "us_presence")


# --------------------------------------------------------------------------- bargaining


def _positions(change: Callable[[dict[str, Any]], Any]) -> Callable[[Any], Any]:
    def edit(doc):
        change(doc)
        return doc
    return edit


def test_bargaining_position_inside_its_scale(capsys, tmp_path):
    root = _copy(tmp_path)
    _edit(root, "bargaining.yaml", _positions(lambda d: d["positions"][0].update(position=1000)))
    line = _named(_refused(capsys, root), "bargaining.yaml", "position")
    assert "1000" in line and "[0, 100]" in line


def test_bargaining_scale_ordered(capsys, tmp_path):
    root = _copy(tmp_path)
    _edit(root, "bargaining.yaml",
          _positions(lambda d: d["issues"][0].update(scale_min=100, scale_max=0)))
    line = _named(_refused(capsys, root), "bargaining.yaml", "issues")
    assert "scale_min 100 must be below scale_max 0" in line


def test_bargaining_observed_points_lie_on_the_scale_in_date_order(capsys, tmp_path):
    root = _copy(tmp_path)
    _edit(root, "bargaining.yaml",
          _positions(lambda d: d["issues"][0]["observed"][0].update(value=140)))
    line = _named(_refused(capsys, root), "bargaining.yaml", "issues")
    assert "observed value 140 (2022-03-24) lies outside the scale [0, 100]" in line
    root = _copy(tmp_path / "order")
    _edit(root, "bargaining.yaml",
          _positions(lambda d: d["issues"][0]["observed"].reverse()))
    line = _named(_refused(capsys, root), "bargaining.yaml", "issues")
    assert "observed entries must be in date order" in line


def test_bargaining_observed_evidence_must_resolve(capsys, tmp_path):
    root = _copy(tmp_path)
    _edit(root, "bargaining.yaml",
          _positions(lambda d: d["issues"][0]["observed"][0]["evidence"].append("ms-nowhere")))
    line = _named(_refused(capsys, root), "bargaining.yaml", "observed.evidence")
    assert "ms-nowhere" in line


def test_bargaining_one_position_per_actor_and_issue(capsys, tmp_path):
    root = _copy(tmp_path)
    _edit(root, "bargaining.yaml",
          _positions(lambda d: d["positions"].append(dict(d["positions"][0]))))
    line = _named(_refused(capsys, root), "bargaining.yaml", "actor")
    assert "already has a position" in line


def test_bargaining_issue_needs_two_actors(capsys, tmp_path):
    root = _copy(tmp_path)

    def keep_one(doc):
        issue = doc["issues"][0]["id"]
        first = next(p for p in doc["positions"] if p["issue"] == issue)
        doc["positions"] = [p for p in doc["positions"]
                            if p["issue"] != issue or p["actor"] == first["actor"]]

    _edit(root, "bargaining.yaml", _positions(keep_one))
    line = _named(_refused(capsys, root), "bargaining.yaml", "issue")
    assert "at least two" in line


# --------------------------------------------------------------------------- sources, claims


def test_source_needs_something_to_find_it_by(capsys, tmp_path):
    root = _copy(tmp_path)

    def change(sources):
        _item(sources, "joint-statement-2006-prc-afghanistan").pop("title")
        return sources

    _edit(root, "sources.yaml", change)
    text = _refused(capsys, root)
    line = _named(text, "sources.yaml", "joint-statement-2006-prc-afghanistan")
    assert "title, a publisher or at least one author" in line
    # the source failed, so items citing it are not reported again as dangling references
    assert "unknown id 'joint-statement-2006-prc-afghanistan'" not in text


def test_source_needs_a_date_or_a_note(capsys, tmp_path):
    root = _copy(tmp_path)

    def change(sources):
        _item(sources, "roggio-2024-lwj").pop("date")
        return sources

    _edit(root, "sources.yaml", change)
    line = _named(_refused(capsys, root), "sources.yaml", "roggio-2024-lwj")
    assert "publication date" in line


def test_claim_cannot_cite_itself(capsys, tmp_path):
    root = _copy(tmp_path)

    def change(claims):
        claims[0]["evidence"] = [*claims[0].get("evidence", []), claims[0]["id"]]
        return claims

    _edit(root, "claims.yaml", change)
    line = _named(_refused(capsys, root), "claims.yaml", "item 1")
    assert "cites itself" in line


def test_claims_cannot_cite_each_other_in_a_cycle(capsys, tmp_path):
    root = _copy(tmp_path)

    def change(claims):
        a, b = claims[0], claims[1]
        a["evidence"] = [*a.get("evidence", []), b["id"]]
        b["evidence"] = [*b.get("evidence", []), a["id"]]
        return claims

    _edit(root, "claims.yaml", change)
    text = _refused(capsys, root)
    line = _named(text, "claims.yaml", "evidence")
    assert "cycle" in line


# --------------------------------------------------------------------------- whole files


@pytest.mark.parametrize("fname", ["parameters.yaml", "phases.yaml", "bargaining.yaml",
                                   "curated_findings.yaml", "spellings.yaml", "estimates.yaml"])
@pytest.mark.parametrize("content", ["", "# nothing left\n", "[]\n"])
def test_an_empty_file_says_so(capsys, tmp_path, fname, content):
    root = _copy(tmp_path)
    (root / fname).write_text(content, encoding="utf-8")
    text = _refused(capsys, root)
    problems = [ln for ln in text.splitlines() if ln.lstrip().startswith("- ")]
    assert fname in problems[0] and "the file is empty" in problems[0], text


@pytest.mark.parametrize("fname", ["parameters.yaml", "phases.yaml", "sources.yaml"])
def test_a_required_file_deleted(capsys, tmp_path, fname):
    root = _copy(tmp_path)
    (root / fname).unlink()
    text = _refused(capsys, root)
    problems = [ln for ln in text.splitlines() if ln.lstrip().startswith("- ")]
    assert fname in problems[0] and "missing: every case needs" in problems[0], text


@pytest.mark.parametrize("fname", ["actors.yaml", "claims.yaml", "events.yaml", "places.yaml",
                                   "quantities.yaml", "sources.yaml"])
def test_emptied_file_is_the_root_cause_not_hundreds_of_references(capsys, tmp_path, fname):
    root = _copy(tmp_path)
    (root / fname).write_text("", encoding="utf-8")
    text = _refused(capsys, root)
    problems = [ln for ln in text.splitlines() if ln.lstrip().startswith("- ")]
    assert fname in problems[0] and "the file is empty" in problems[0]
    assert not any("unknown id" in p for p in problems), text
    assert len(problems) <= 3, text  # the cause, and at most one summary of what it breaks


def test_an_empty_scenario_file_says_so(capsys, tmp_path):
    root = _copy(tmp_path)
    (root / "scenarios" / "deal.yaml").write_text("# emptied\n", encoding="utf-8")
    text = _refused(capsys, root)
    assert "scenarios/deal.yaml:1: the file is empty" in text


@pytest.mark.parametrize(("content", "says"), [
    ("- id: [unclosed\n", "invalid YAML"),
    ("id: not-a-list\n", "expected a YAML list"),
    (b"\xff\xfe\x00", "not UTF-8"),
])
def test_an_unreadable_file_is_the_root_cause(capsys, tmp_path, content, says):
    root = _copy(tmp_path)
    path = root / "sources.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    text = _refused(capsys, root)
    problems = [ln for ln in text.splitlines() if ln.lstrip().startswith("- ")]
    assert "sources.yaml" in problems[0] and says in problems[0], text
    assert "references from other files into sources.yaml" in problems[1], text
    assert not any("unknown id" in p for p in problems), text
