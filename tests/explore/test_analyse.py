"""Analysing a stored run gives what the in-memory studies give on the same design."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from qpq.errors import BadInputError, QpqError
from qpq.explore import load_study
from qpq.explore._analyse import analyse_run
from qpq.explore._chunked_runs import plan_run, run_plan
from qpq.explore._run_store import RunStore
from qpq.explore._studies import run_comparison, run_discovery, run_sensitivity

from .conftest import RUN_POLICIES
from .test_cli import run_explore


def test_sobol_from_a_saltelli_run_equals_the_sensitivity_study(case, scenario_file, tmp_path):
    study = load_study(str(scenario_file()), case)
    plan = plan_run(case, study, method="saltelli", n=16, policies=["boycott"],
                    outcomes=["china_security"])
    run_plan(plan, tmp_path / "run")
    res = analyse_run(tmp_path / "run", study)
    assert res.comparison is None and len(res.sensitivity) == 1
    ref = run_sensitivity(case, study, n=16, policy="boycott", outcomes=["china_security"])
    got, want = res.sensitivity[0].results[0], ref.results[0]
    assert got.S1 == want.S1 and got.ST == want.ST and got.ST_conf == want.ST_conf
    assert res.sensitivity[0].design == ref.design


def test_the_policy_question_from_a_saltelli_run_equals_the_sensitivity_study(
        case, scenario_file, tmp_path):
    study = load_study(str(scenario_file()), case)
    deal = study.reference_policy
    plan = plan_run(case, study, method="saltelli", n=16, policies=[deal, "boycott"],
                    outcomes=["china_security"])
    run_plan(plan, tmp_path / "run")
    res = analyse_run(tmp_path / "run", study, compare_to="boycott")
    assert [s.policy for s in res.sensitivity] == [deal]     # boycott against itself: no
    ref = run_sensitivity(case, study, n=16, policy=deal, outcomes=["china_security"],
                          compare_to="boycott")
    got = {r.outcome: r for r in res.sensitivity[0].results}
    assert set(got) == {"china_security", "china_security.difference",
                        "china_security.regret"}
    for want in ref.results:
        assert got[want.outcome].ST == want.ST and got[want.outcome].S1 == want.S1
    assert res.sensitivity[0].compare_to == "boycott"
    with pytest.raises(BadInputError, match="not in the run; allowed"):
        analyse_run(tmp_path / "run", study, compare_to="recognise")
    with pytest.raises(BadInputError, match="no other policy"):
        analyse_run(tmp_path / "run", study, policies=["boycott"], compare_to="boycott")


def test_compare_to_is_refused_for_a_comparison_design(case, scenario_file, tmp_path):
    study = load_study(str(scenario_file()), case)
    run_plan(plan_run(case, study, method="mc", n=50, policies=["boycott"]), tmp_path / "r")
    with pytest.raises(BadInputError, match="only for saltelli and morris runs"):
        analyse_run(tmp_path / "r", study, compare_to="boycott")


def test_comparison_and_discovery_from_an_lhs_run_equal_the_studies(case, scenario_file,
                                                                     tmp_path):
    study = load_study(str(scenario_file()), case)
    plan = plan_run(case, study, method="lhs", n=300, policies=RUN_POLICIES)
    run_plan(plan, tmp_path / "run")
    res = analyse_run(tmp_path / "run", study)
    ref = run_comparison(case, study, n=300, levers=RUN_POLICIES)
    assert res.comparison is not None and res.discovery is not None
    assert res.comparison.to_json()["outcomes"] == ref.to_json()["outcomes"]
    disc = run_discovery(case, study, n=300)
    assert np.array_equal(res.discovery.cases, disc.cases)
    assert res.discovery.prim.to_json() == disc.prim.to_json()


def test_discovery_is_skipped_with_a_reason_when_the_run_lacks_its_policies(case,
                                                                            scenario_file,
                                                                            tmp_path):
    study = load_study(str(scenario_file()), case)
    run_plan(plan_run(case, study, method="mc", n=50, policies=["boycott"]), tmp_path / "r")
    res = analyse_run(tmp_path / "r", study)
    assert res.discovery is None and "no scenario discovery" in res.notes[0]
    assert [m.policy for m in res.comparison.comparisons[0].metrics] == ["boycott"]


def test_analyse_refuses_unfinished_foreign_or_tampered_runs(case, scenario_file, tmp_path):
    study = load_study(str(scenario_file()), case)
    run_plan(plan_run(case, study, method="mc", n=50, policies=["boycott"]), tmp_path / "r")
    other = load_study(str(scenario_file("other.yaml", n=65)), case)
    with pytest.raises(BadInputError, match="another scenario"):
        analyse_run(tmp_path / "r", other)
    store = RunStore.open(tmp_path / "r")
    part = store.partition(0)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * REPLACE (iskp_pull + 1e-9 AS iskp_pull) FROM "
                f"read_parquet('{part}')) TO '{tmp_path / 'x.parquet'}' (FORMAT parquet)")
    tampered = pd.read_parquet(tmp_path / "x.parquet")
    (tmp_path / "x.parquet").replace(part)
    with pytest.raises(BadInputError, match="missing or damaged") as err:
        analyse_run(tmp_path / "r", study)
    assert "--allow-partial" not in str(err.value)  # analyses need every experiment
    # the same values written with a valid record (as another qpq would): the design check
    store.write_chunk(0, tampered)
    with pytest.raises(QpqError, match="differ from the design"):
        analyse_run(tmp_path / "r", study)
    store.manifest["done"] = []
    store.save()
    with pytest.raises(BadInputError, match="not finished"):
        analyse_run(tmp_path / "r", study)


def test_analyse_cli_finds_the_scenario_and_prints_json(capsys, scenario_file, tmp_path):
    run = tmp_path / "run"
    code, _, err = run_explore(capsys, "run", str(scenario_file()), "--out", str(run),
                               "--method", "lhs", "--n", "200", "--lever", "boycott",
                               "--lever", "engage_reward_if_suppressed")
    assert code == 0, err
    code, out, _ = run_explore(capsys, "analyse", str(run), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["method"] == "lhs" and doc["sensitivity"] == []
    assert doc["discovery"]["design"]["experiments"] == 200
    code, out, _ = run_explore(capsys, "analyse", str(run))
    assert code == 0 and "PRIM box" in out and "most robust" in out


def test_cli_analyse_compare_to(capsys, scenario_file, tmp_path):
    run = tmp_path / "s"
    code, _, err = run_explore(capsys, "run", str(scenario_file()), "--out", str(run),
                               "--method", "saltelli", "--n", "8", "--outcome",
                               "china_security", "--lever", "engage_reward_if_suppressed",
                               "--lever", "boycott")
    assert code == 0, err
    code, out, _ = run_explore(capsys, "analyse", str(run), "--compare-to", "boycott",
                               "--json")
    assert code == 0
    [sens] = json.loads(out)["sensitivity"]
    assert sens["compare_to"] == "boycott"
    assert {r["outcome"] for r in sens["outcomes"]} >= {"china_security.difference"}
    code, _, err = run_explore(capsys, "analyse", str(run), "--compare-to", "nope")
    assert code == 2 and "not in the run" in err
