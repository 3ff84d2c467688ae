"""Scenario files: the built-in one loads, the schema describes it, bad ones name the fault."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from qpq.case import builtin_case_path
from qpq.errors import BadInputError
from qpq.explore._loading import load_study
from qpq.explore._settings import scenario_json_schema

from .test_cli import run_explore

BUILTIN = builtin_case_path() / "scenarios" / "deal.yaml"


def test_builtin_scenario_loads_with_the_papers_suspects(case):
    study = load_study("deal-under-uncertainty", case)
    assert {"crackdown_intensity", "iskp_pull"} <= set(study.names)
    # the assumptions the policy question turns on are varied (issue 17 item 3) ...
    assert {"boycott_exposure", "nationals_severity", "econ_gain", "attack_rate",
            "iskp_attack_weight", "iskp_china_attack_rate"} <= set(study.names)
    # ... each over its documented plausible range, never one made up for the scenario
    ranges = {p.name: (p.low, p.high) for p in case.parameters}
    for u in study.uncertainties:
        assert (u.low, u.high) == ranges[u.name], u.name
    assert study.discovery.worse_by_sd == 0.2 and study.discovery.worse_by == 0.0
    assert study.reference_policy == "engage_reward_if_suppressed"
    assert study.outcome("china_security").objective == "maximize"
    assert study.outcome("militants_iskp").objective == "minimize"
    deps = {o.dependent: (o.side, o.other) for o in study.orderings}
    assert deps["restrain_intensity"] == ("below", "crackdown_intensity")
    assert deps["effort_cost_insincere"] == ("above", "effort_cost_sincere")
    assert study.source.endswith("scenarios/deal.yaml")
    assert case.item("deal-under-uncertainty") is not None     # the case loader sees it


def test_a_path_loads_the_same_study(case):
    by_path = load_study(BUILTIN, case)
    by_id = load_study("deal-under-uncertainty", case)
    assert by_path.names == by_id.names and by_path.levers == by_id.levers


def test_json_schema_accepts_the_builtin_and_rejects_typos():
    schema = scenario_json_schema()
    data = yaml.safe_load(BUILTIN.read_text())
    jsonschema.validate(data, schema)
    bad = dict(data, levers=["appease"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = dict(data, extra={**data["extra"], "grid": 3})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_unknown_id_lists_the_known_ones(case):
    with pytest.raises(BadInputError, match="deal-under-uncertainty"):
        load_study("deal-under-uncertainy", case)


BAD = [
    ({"uncertainties": [{"parameter": "iskp_pul", "low": 0, "high": 1}]},
     "uncertainties.item 1.parameter", "did you mean iskp_pull"),
    ({"uncertainties": [{"parameter": "iskp_pull", "low": 0, "high": 5}]},
     "uncertainties.item 1.high", "allowed: within [0, 3]"),
    ({"uncertainties": [{"parameter": "us_presence", "low": 0, "high": 1}]},
     "uncertainties.item 1.parameter", "phases"),
    # the case schema's rule: reported on high, the field that breaks the order when read
    ({"uncertainties": [{"parameter": "iskp_pull", "low": 2, "high": 1}]},
     "uncertainties.item 1.high", "low=2 must be below high=1"),
    ({"uncertainties": [{"parameter": "quiet_quarters", "low": 1, "high": 8,
                         "distribution": "normal"}]},
     "uncertainties.item 1.distribution", "only distribution 'uniform'"),
    ({"levers": ["boycott", "appease"]}, "levers.item 2", "allowed: boycott, engage_no_promise"),
    ({"levers": ["boycott", "recognise", "boycott"]}, "levers.item 3", "listed twice"),
    ({"extra": {"discovery": {"policy": "boycott", "compare_to": "boycott"}}},
     "extra.discovery.compare_to", "allowed: a compare_to other than the policy"),
    ({"outcomes": ["china_security", "happiness"]}, "outcomes.item 2",
     "allowed: china_security"),
    ({"outcomes": ["round_harm"]}, "outcomes.item 1", "allowed: china_security"),
    ({"extra": {"grid": 3}}, "extra.grid", "allowed fields: reference_policy"),
    ({"extra": {"discovery": {"policy": "appease"}}}, "extra.discovery.policy",
     "allowed: boycott"),
    ({"extra": {"discovery": {"wrong": 1}}}, "extra.discovery.wrong",
     "allowed fields: question"),
    ({"extra": {"fixed": {"iskp_pull": 1.0}}}, "extra.fixed.iskp_pull",
     "both fixed and an uncertainty"),
    ({"extra": {"until": "2030-13-01"}}, "extra.until", "ISO date"),
    # forms datetime.date.fromisoformat takes and qpq.checks.as_date refuses
    ({"extra": {"until": "20300101"}}, "extra.until", "ISO date"),
    ({"extra": {"start": "2030-W01-1"}}, "extra.start", "ISO date"),
    ({"uncertainties": [{"parameter": "restrain_intensity", "low": 0.6, "high": 0.7},
                        {"parameter": "crackdown_intensity", "low": 0.5, "high": 1.0}]},
     "uncertainties.item 1.low", "restrain_intensity < crackdown_intensity"),
    ({"n": 0}, "n", "greater than or equal to 1"),
    ({"seed": "x"}, "seed", "integer"),
]


@pytest.mark.parametrize(("replace", "field", "allowed"), BAD)
def test_malformed_scenarios_exit_2_naming_file_field_allowed(capsys, scenario_file, replace,
                                                               field, allowed):
    replace = dict(replace)
    extra = replace.pop("extra", None)
    path = scenario_file("bad.yaml", extra=extra, **replace)
    code, out, err = run_explore(capsys, "validate", str(path))
    assert code == 2 and out == ""
    assert "bad.yaml" in err and field in err and allowed in err, err


def test_problems_are_collected_with_lines(case, scenario_file):
    path = scenario_file(uncertainties=[{"parameter": "nope", "low": 0, "high": 1},
                                        {"parameter": "iskp_pull", "low": 0, "high": 9}],
                         levers=["appease"])
    with pytest.raises(BadInputError) as info:
        load_study(path, case)
    problems = info.value.problems
    assert len(problems) == 3
    assert all(p.file.endswith("tiny.yaml") and p.line for p in problems)


def test_yaml_tags_are_not_executed(capsys, scenario_file):
    path = scenario_file(text="id: x\ndescription: !!python/object/apply:os.system ['true']\n")
    code, _, err = run_explore(capsys, "validate", str(path))
    assert code == 2 and "no tags" in err


def test_validate_json_summary(capsys, scenario_file):
    code, out, _ = run_explore(capsys, "validate", str(scenario_file()), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["valid"] and doc["outcomes"]["china_security"] == "maximize"
    assert doc["orderings"] == ["restrain_intensity drawn below crackdown_intensity"]


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"low": 3.0, "high": 1.0}, "need low < high"),
    ({"low": float("nan"), "high": 1.0}, "low must be a finite number"),
    ({"low": 0.0, "high": 1.0, "distribution": "nope"}, "distribution must be one of"),
])
def test_an_uncertainty_made_in_python_is_checked(kwargs, words):
    # a scenario file's are checked by its schema; one made in Python was not (2026-12-06)
    from qpq.explore import Uncertainty

    with pytest.raises(BadInputError, match=words):
        Uncertainty("iskp_pull", **kwargs)
