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


def test_sobol_table_says_what_its_columns_are_and_which_indices_are_noise(capsys,
                                                                         scenario_file):
    args = ("sensitivity", str(scenario_file()), "--n", "16", "--outcome", "china_security")
    code, out, _ = run_explore(capsys, *args)
    assert code == 0
    flat = " ".join(out.split())
    assert "S1: the share of the outcome's variance an input explains alone" in flat
    assert "half the 95% bootstrap interval" in flat
    code, doc, _ = run_explore(capsys, *args, "--json")
    (entry,) = json.loads(doc)["outcomes"]
    # the inputs named as without measurable effect are those whose ST interval reaches 0
    vague = [n for n in entry["ST"] if entry["ST"][n] - entry["conf"]["ST"][n] <= 0]
    assert vague                 # quarterly_discount does not enter china_security
    assert f"{len(vague)} of 5 inputs have an ST interval that reaches 0" in flat


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


def test_a_chart_file_with_several_figures_gives_each_its_own_file_in_that_format(
        capsys, scenario_file, tmp_path):
    chart = tmp_path / "figs" / "prim.svg"
    code, _, _ = run_explore(capsys, "discover", str(scenario_file()), "--n", "64",
                             "--chart", str(chart))
    assert code == 0
    written = sorted(p.name for p in chart.parent.iterdir())
    assert written == ["prim_prim_box.svg", "prim_prim_tradeoff.svg"]
    assert all((chart.parent / n).read_text().startswith("<svg") for n in written)


@pytest.mark.parametrize("command", ["sensitivity", "discover", "compare"])
def test_an_unknown_chart_format_is_refused_before_any_work(capsys, scenario_file, tmp_path,
                                                            monkeypatch, command):
    import qpq.explore

    def no_work(*args, **kwargs):
        raise AssertionError("the experiments ran before --chart was checked")

    for run in ("run_sensitivity", "run_discovery", "run_comparison"):
        monkeypatch.setattr(qpq.explore, run, no_work)
    code, out, err = run_explore(capsys, command, str(scenario_file()), "--chart",
                                 str(tmp_path / "figure.pdf"))
    assert code == 2 and out == ""
    assert "--chart" in err and ".pdf" in err and ".svg" in err and "a folder" in err
    assert not (tmp_path / "figure.pdf").exists()
    # an existing file without a suffix is not a folder to write into (it failed after the
    # experiments, with "File exists")
    plain = tmp_path / "notes"
    plain.write_text("mine")
    code, out, err = run_explore(capsys, command, str(scenario_file()), "--chart", str(plain))
    assert code == 2 and "unknown figure format (none)" in err and plain.read_text() == "mine"


def test_schema_is_json(capsys):
    code, out, _ = run_explore(capsys, "schema")
    assert code == 0 and json.loads(out)["title"] == "qpq exploration scenario"


@pytest.mark.parametrize(("args", "message"), [
    (("sensitivity", "no-such-scenario"),
     "error: no scenario file or scenario id 'no-such-scenario' (scenarios of case "
     "china_taliban: deal-under-uncertainty)"),
    (("sensitivity", "deal-under-uncertainty", "--method", "fast"),
     "error: --method: unknown method 'fast'; allowed: sobol, morris"),
    (("sensitivity", "deal-under-uncertainty", "--policy", "appease", "--n", "2"),
     "error: policy (--policy): unknown policy 'appease'; allowed: boycott,"),
    (("sensitivity", "deal-under-uncertainty", "--compare-to", "appease", "--n", "2"),
     "error: compare_to (--compare-to): unknown policy 'appease'; allowed: boycott,"),
    (("sensitivity", "deal-under-uncertainty", "--n", "3"),          # not a power of 2
     "error: a Sobol' sequence needs n to be a power of 2 (e.g. 1024, 4096), got 3"),
    (("sensitivity", "deal-under-uncertainty", "--outcome", "happiness", "--n", "2"),
     "error: outcome 'happiness' is not among the scenario's outcomes; allowed: "
     "china_security,"),
    (("compare", "deal-under-uncertainty", "--lever", "appease"),
     "error: --lever: unknown policy 'appease'; allowed: boycott,"),
])
def test_bad_input_exits_2(capsys, args, message):
    code, out, err = run_explore(capsys, *args)
    assert code == 2 and out == "", err
    assert message in " ".join(err.split())


def test_equilibrium_is_refused_for_large_designs(capsys):
    code, _, err = run_explore(capsys, "sensitivity", "deal-under-uncertainty", "--policy",
                               "equilibrium", "--n", "2048")
    assert code == 2 and "equilibrium" in err and "20,000" in err


def test_model_v2_is_refused_for_costly_studies_with_the_estimate(capsys):
    # the scenario's own n (1,024) under v2: hours of relationship solves, refused before
    # any work with what it would cost and how far to lower --n
    from qpq.case import load_case
    from qpq.explore._evaluate import model_setup
    from qpq.explore._loading import load_study
    from qpq.game import RELATIONSHIP_BUDGET as TABLE_BUDGET
    from qpq.sim import relationship_moves
    from qpq.sim._relationship_table import CELL_SECONDS

    case = load_case()
    study = load_study("deal-under-uncertainty", case)
    k = len({relationship_moves(p) for p in study.levers})
    assert 1 < k < len(study.levers)                  # some levers share a commitment
    setup = model_setup(case, study, model="v2")
    cell = CELL_SECONDS * len(setup.timeline.v2_regimes()[0]) * study.grid_size
    code, out, err = run_explore(capsys, "compare", "deal-under-uncertainty", "--model", "v2")
    assert code == 2 and out == ""
    assert "model v2" in err and f"{k} distinct commitment(s)" in err and "CPU minutes" in err
    assert f"at most {int(TABLE_BUDGET // (cell * k))} experiments" in err and "--lever" in err
    # fewer levers, fewer commitments: boycott and the equilibrium are two
    code, _, err = run_explore(capsys, "compare", "deal-under-uncertainty", "--model", "v2",
                               "--lever", "boycott", "--lever", "equilibrium", "--n", "256")
    assert code == 2 and "2 distinct commitment(s)" in err
    assert f"at most {int(TABLE_BUDGET // (cell * 2))} experiments" in err


def test_the_v2_budget_counts_points_tables_regimes_and_grid():
    from qpq.errors import BadInputError
    from qpq.game import RELATIONSHIP_BUDGET as TABLE_BUDGET
    from qpq.sim import check_table_budget
    from qpq.sim._relationship_table import CELL_SECONDS

    one, two = ("equilibrium",), ("equilibrium", "boycott")     # one table, then two
    most = int(TABLE_BUDGET // (CELL_SECONDS * 8 * 12))
    check_table_budget(most, 8, 12, one, lower="lower --n")            # at the budget
    with pytest.raises(BadInputError, match=f"at most {most} points .lower --n."):
        check_table_budget(most + 1, 8, 12, one, lower="lower --n")
    # twice the tables, regimes or grid: half the points
    half = int(TABLE_BUDGET // (CELL_SECONDS * 8 * 12 * 2))
    for args in ((8, 12, two), (16, 12, one), (8, 24, one)):
        with pytest.raises(BadInputError, match=f"at most {half} points"):
            check_table_budget(most, *args, lower="x")


def test_the_v2_guard_counts_distinct_commitments():
    from qpq.case import load_case
    from qpq.errors import BadInputError
    from qpq.explore._designs import make_design
    from qpq.explore._evaluate import model_setup
    from qpq.explore._loading import load_study
    from qpq.explore._studies import _check_cost

    case = load_case()
    study = load_study("deal-under-uncertainty", case)
    v2, v1 = model_setup(case, study, model="v2"), model_setup(case, study)
    # engage_no_promise, conditional and plan_b_after_failure share one commitment
    shared = ("engage_no_promise", "conditional", "plan_b_after_failure")
    with pytest.raises(BadInputError, match=r"each of 1 distinct"):
        _check_cost(shared, make_design(study, "lhs", 1024), v2)
    with pytest.raises(BadInputError, match=r"each of 2 distinct"):
        _check_cost((*shared, "boycott"), make_design(study, "lhs", 1024), v2)
    _check_cost((*shared, "boycott"), make_design(study, "lhs", 1024), v1)  # v1's own guard


def test_discovery_without_cases_says_so_instead_of_a_box(capsys):
    from types import SimpleNamespace

    import numpy as np

    from qpq.cli._explore import _show_discovery

    class NoBox:     # reaching PRIM's box would be the bug
        def __getattr__(self, name):
            raise AssertionError("PRIM's box is not shown without cases")

    for cases, said in ((np.zeros(8, dtype=bool), "No experiment is a case of interest"),
                        (np.ones(8, dtype=bool), "Every experiment is a case of interest")):
        _show_discovery(SimpleNamespace(question="Q?", rule="r", cases=cases, prim=NoBox(),
                                        cart=NoBox()))
        out = " ".join(capsys.readouterr().out.split())
        assert said in out and "coverage" not in out and "CART" not in out


def test_compare_table_says_what_its_robustness_columns_are(capsys, scenario_file):
    code, out, _ = run_explore(capsys, "compare", str(scenario_file()), "--n", "16")
    assert code == 0
    flat = " ".join(out.split())
    assert "worst 10%: the outcome's 10th percentile on its worse side" in flat
    assert "how far the policy falls short of the best policy there (Savage)" in flat
