"""``qpq explore``: JSON documents, charts and exit codes."""

from __future__ import annotations

import json

import pytest

from qpq.cli import _explore as explore_cli
from qpq.cli import app, main


def run_explore(capsys, *args):
    """Run ``qpq explore ARGS`` (registering the sub-app if the CLI does not yet)."""
    if not any(g.name == "explore" for g in app.registered_groups):
        app.add_typer(explore_cli.app, name="explore")
    capsys.readouterr()
    code = main(["explore", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_sensitivity_json_has_indices_per_outcome(capsys, scenario_file, tmp_path):
    chart = tmp_path / "sobol.html"
    code, out, _ = run_explore(capsys, "sensitivity", str(scenario_file()), "--n", "16",
                               "--outcome", "china_security", "--chart", str(chart), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["method"] == "sobol" and doc["policy"] == "engage_reward_if_suppressed"
    assert doc["design"]["experiments"] == 16 * (5 + 2)
    (entry,) = doc["outcomes"]
    assert entry["outcome"] == "china_security"
    assert set(entry["S1"]) == set(entry["ST"]) == set(entry["conf"]["ST"]) == {
        "iskp_pull", "crackdown_intensity", "restrain_intensity", "defection_share",
        "quarterly_discount"}
    assert entry["ST"]["quarterly_discount"] == 0.0     # it does not enter china_security
    assert chart.is_file()


def test_morris_table(capsys, scenario_file):
    code, out, _ = run_explore(capsys, "sensitivity", str(scenario_file()), "--method",
                               "morris", "--n", "4", "--outcome", "militants_iskp")
    assert code == 0 and "mu*" in out and "militants_iskp" in out


def test_compare_json_names_the_most_robust_policy(capsys, scenario_file, tmp_path):
    code, out, _ = run_explore(capsys, "compare", str(scenario_file()), "--n", "32",
                               "--chart", str(tmp_path), "--json")
    assert code == 0
    doc = json.loads(out)
    first = doc["outcomes"][0]
    assert first["outcome"] == "china_security"
    assert set(first["policies"]) == {"engage_reward_if_suppressed", "boycott", "conditional"}
    assert set(first["most_robust"]["minimax_regret"]) <= set(first["policies"])
    assert (tmp_path / "regret_china_security.html").is_file()


def test_discover_prints_the_box(capsys, scenario_file, tmp_path):
    code, out, _ = run_explore(capsys, "discover", str(scenario_file()), "--n", "64",
                               "--chart", str(tmp_path))
    assert code == 0 and "PRIM box" in out and "coverage" in out
    assert (tmp_path / "prim_tradeoff.html").is_file()


def test_schema_is_json(capsys):
    code, out, _ = run_explore(capsys, "schema")
    assert code == 0 and json.loads(out)["title"] == "qpq exploration scenario"


@pytest.mark.parametrize("args", [
    ("sensitivity", "no-such-scenario"),
    ("sensitivity", "deal-under-uncertainty", "--method", "fast"),
    ("sensitivity", "deal-under-uncertainty", "--policy", "appease", "--n", "2"),
    ("sensitivity", "deal-under-uncertainty", "--n", "3"),          # not a power of 2
    ("sensitivity", "deal-under-uncertainty", "--outcome", "happiness", "--n", "2"),
    ("compare", "deal-under-uncertainty", "--lever", "appease"),
])
def test_bad_input_exits_2(capsys, args):
    code, out, err = run_explore(capsys, *args)
    assert code == 2 and out == "" and "error:" in err


def test_equilibrium_is_refused_for_large_designs(capsys):
    code, _, err = run_explore(capsys, "sensitivity", "deal-under-uncertainty", "--policy",
                               "equilibrium", "--n", "2048")
    assert code == 2 and "equilibrium" in err and "20,000" in err


def test_model_v2_is_refused_for_costly_studies_with_the_estimate(capsys):
    # the scenario's own n (1,024) under v2: hours of relationship solves, refused before
    # any work with what it would cost and how far to lower --n
    from qpq.case import load_case
    from qpq.explore._loading import load_study
    from qpq.explore._studies import V2_BUDGET, V2_SECONDS
    from qpq.sim import relationship_moves

    levers = load_study("deal-under-uncertainty", load_case()).levers
    k = len({relationship_moves(p) for p in levers})
    assert 1 < k < len(levers)                        # some levers share a commitment
    code, out, err = run_explore(capsys, "compare", "deal-under-uncertainty", "--model", "v2")
    assert code == 2 and out == ""
    assert "model v2" in err and f"({k} here)" in err and "CPU minutes" in err
    assert f"at most {int(V2_BUDGET // (V2_SECONDS * k))} experiments" in err
    # fewer policies, fewer commitments: boycott and the equilibrium are two
    code, _, err = run_explore(capsys, "compare", "deal-under-uncertainty", "--model", "v2",
                               "--lever", "boycott", "--lever", "equilibrium", "--n", "256")
    assert code == 2 and "2 here" in err
    assert f"at most {int(V2_BUDGET // (V2_SECONDS * 2))} experiments" in err


def test_the_v2_limit_counts_distinct_commitments_and_scales_with_the_grid():
    from qpq.case import load_case
    from qpq.errors import BadInputError
    from qpq.explore._designs import make_design
    from qpq.explore._loading import load_study
    from qpq.explore._studies import V2_BUDGET, V2_GRID, V2_SECONDS, _check_cost

    study = load_study("deal-under-uncertainty", load_case())
    # engage_no_promise, conditional and plan_b_after_failure share one commitment
    shared = ("engage_no_promise", "conditional", "plan_b_after_failure")
    most = int(V2_BUDGET // V2_SECONDS)
    at_limit = make_design(study, "lhs", most)
    _check_cost(shared, at_limit, "v2")                  # one commitment: at the limit
    with pytest.raises(BadInputError, match="1 here"):
        _check_cost(shared, make_design(study, "lhs", most + 1), "v2")
    with pytest.raises(BadInputError, match="2 here"):
        _check_cost((*shared, "boycott"), at_limit, "v2")
    # a finer belief grid costs more per table, a coarser one less
    with pytest.raises(BadInputError, match=f"at most {most // 2} experiments"):
        _check_cost(shared, at_limit, "v2", grid_size=2 * V2_GRID)
    _check_cost(shared, make_design(study, "lhs", 2 * most), "v2", grid_size=V2_GRID // 2)
    _check_cost((*shared, "boycott"), at_limit, "v1")  # v1's guard is its own
