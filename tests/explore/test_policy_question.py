"""The policy question: differences and regret between two policies, a backfire margin on
the outcome's own scale (issue 17 item 3)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from qpq.explore import contrasts, load_study
from qpq.explore._studies import backfire_cases

from .test_cli import run_explore


def test_contrasts_by_hand(case):
    study = load_study("deal-under-uncertainty", case)
    ev = {"a": {"militants_iskp": np.array([10.0, 5.0, 7.0]),
                "china_security": np.array([-1.0, -3.0, -2.0])},
          "b": {"militants_iskp": np.array([8.0, 6.0, 7.0]),
                "china_security": np.array([-2.0, -1.0, -2.0])}}
    # lower is better for militants_iskp: a is worse by 2 in the first experiment only
    iskp = contrasts(study, ev, "a", "b", "militants_iskp")
    assert iskp["difference"].tolist() == [2.0, -1.0, 0.0]
    assert iskp["regret"].tolist() == [2.0, 0.0, 0.0]
    # higher is better for china_security: a is worse by 2 in the second
    sec = contrasts(study, ev, "a", "b", "china_security")
    assert sec["difference"].tolist() == [1.0, -2.0, 0.0]
    assert sec["regret"].tolist() == [0.0, 2.0, 0.0]


def test_backfire_margin_is_a_fraction_of_the_outcomes_spread(case):
    study = load_study("deal-under-uncertainty", case)
    q = study.discovery
    rng = np.random.default_rng(3)
    ref = rng.normal(240.0, 20.0, 500)
    y = ref + rng.normal(0.0, 5.0, 500)
    ev = {q.policy: {q.outcome: y}, "boycott": {q.outcome: ref}}
    cases, rule = backfire_cases(study, ev)  # type: ignore[arg-type]
    margin = 0.2 * np.std(np.concatenate([y, ref]))
    assert np.array_equal(cases, y - ref > margin)
    assert "0.2 standard deviations" in rule and f"{margin:.3g}" in rule
    # the head-count rule of old counts far more cases on the same data
    old = dataclasses.replace(study, discovery=dataclasses.replace(q, worse_by=1.0,
                                                                   worse_by_sd=None))
    assert backfire_cases(old, ev)[0].sum() > cases.sum()  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_cli_sensitivity_of_the_difference(capsys, scenario_file, method):
    code, out, _ = run_explore(capsys, "sensitivity", str(scenario_file()), "--method", method,
                               "--n", "4", "--outcome", "china_security", "--compare-to",
                               "boycott", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["compare_to"] == "boycott"
    assert [o["outcome"] for o in doc["outcomes"]] == [
        "china_security", "china_security.difference", "china_security.regret"]
    code, _, err = run_explore(capsys, "sensitivity", str(scenario_file()), "--n", "4",
                               "--compare-to", "engage_reward_if_suppressed",
                               "--policy", "engage_reward_if_suppressed")
    assert code == 2 and "another policy" in err


@pytest.mark.parametrize(("outcome", "worse"), [("militants_iskp", np.greater),
                                                ("china_security", np.less)])
def test_backfire_against_a_threshold_is_the_worse_side(case, outcome, worse):
    # without compare_to a case is an experiment whose outcome is worse than the threshold:
    # above it where lower is better (militants_iskp), below it where higher is
    study = load_study("deal-under-uncertainty", case)
    q = dataclasses.replace(study.discovery, outcome=outcome, compare_to=None, threshold=2.0,
                            worse_by_sd=None)
    study = dataclasses.replace(study, discovery=q)
    y = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    cases, rule = backfire_cases(study, {q.policy: {outcome: y}})  # type: ignore[arg-type]
    assert np.array_equal(cases, worse(y, 2.0)) and "worse than 2" in rule


def test_an_outcome_the_study_does_not_list_keeps_its_registry_direction(case):
    # a discovery outcome may be any simulated outcome; one the study does not list was
    # read as higher-is-better, which reversed "worse" for lower-is-better outcomes
    from qpq.explore._scenario import outcome_spec

    study = load_study("deal-under-uncertainty", case)
    listed = {o.name for o in study.outcomes}
    name = "militants_iskp"
    assert outcome_spec(name).sign == -1
    study = dataclasses.replace(study, outcomes=tuple(o for o in study.outcomes
                                                      if o.name != name))
    assert name not in {o.name for o in study.outcomes} and name in listed
    q = dataclasses.replace(study.discovery, outcome=name, compare_to=None, threshold=2.0,
                            worse_by_sd=None)
    study = dataclasses.replace(study, discovery=q)
    y = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    cases, _ = backfire_cases(study, {q.policy: {name: y}})  # type: ignore[arg-type]
    assert np.array_equal(cases, y > 2.0)
    ev = {"a": {name: np.array([10.0, 5.0])}, "b": {name: np.array([8.0, 6.0])}}
    assert contrasts(study, ev, "a", "b", name)["regret"].tolist() == [2.0, 0.0]


def _linear_evaluation(study, design, columns):
    """Each policy's outcome equal to one uncertain input (a linear model, indices known)."""
    from qpq.explore._evaluate import Evaluation

    return Evaluation(0, design.n_experiments, {
        p: {o: design.values[:, study.names.index(name)] for o, name in cols.items()}
        for p, cols in columns.items()})


def test_sensitivity_of_the_policy_question_reads_each_policy(case, scenario_file):
    # the policy's outcome is iskp_pull, compare_to's quarterly_discount: the level depends
    # on iskp_pull alone (ST exactly 0 for every other input), the difference on both
    from qpq.explore import make_design
    from qpq.explore._studies import sensitivity_of

    study = load_study(str(scenario_file()), case)
    design = make_design(study, "saltelli", 64)
    ev = _linear_evaluation(study, design, {"deal": {"china_security": "iskp_pull"},
                                            "boycott": {"china_security": "quarterly_discount"}})
    res = sensitivity_of(study, "sobol", design, ev, "deal", ["china_security"], 0.0,
                         num_resamples=10, compare_to="boycott")
    level, diff = res.result("china_security"), res.result("china_security.difference")
    assert level.ST["iskp_pull"] > 0.5
    assert all(level.ST[n] == pytest.approx(0.0, abs=1e-12) for n in study.names
               if n != "iskp_pull")
    assert diff.ST["iskp_pull"] > 0.5 and diff.ST["quarterly_discount"] > 0
    assert {n for n in study.names if diff.ST[n] > 1e-12} == {"iskp_pull",
                                                               "quarterly_discount"}
    assert res.policy == "deal" and res.compare_to == "boycott"


def test_discovery_finds_the_backfire_region_within_the_scenarios_ranges(case, scenario_file):
    # the deal backfires (more militants than under boycott's 1.5) where iskp_pull > 1.5
    from qpq.explore import make_design
    from qpq.explore._evaluate import Evaluation
    from qpq.explore._studies import run_discovery

    study = load_study(str(scenario_file()), case)
    q = study.discovery
    assert (q.outcome, q.compare_to, q.worse_by, q.worse_by_sd) == (
        "militants_iskp", "boycott", 0.0, None)
    design = make_design(study, "lhs", 400)
    pull = design.values[:, study.names.index("iskp_pull")]
    ev = Evaluation(0, 400, {q.policy: {q.outcome: pull},
                             "boycott": {q.outcome: np.full(400, 1.5)}})
    res = run_discovery(None, study, lhs=(design, ev))
    assert np.array_equal(res.cases, pull > 1.5)
    # the box is read against the scenario's ranges, not the sample's extremes
    assert res.prim.bounds == tuple((u.low, u.high) for u in study.uncertainties)
    frame = res.to_frame()
    assert frame.loc["iskp_pull", "bound_high"] == 3.0
    assert res.prim.chosen.restricted == ("iskp_pull",)
    low, high = res.prim.chosen.limits(study.names)["iskp_pull"]
    assert low == pytest.approx(1.5, abs=0.05) and high == 3.0
