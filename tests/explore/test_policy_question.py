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
