"""``qpq bargain``: the JSON contract, the built-in case, variants and bad input (exit 2).

Each command runs through ``qpq.cli.main``, the entry point a user's shell reaches, so the
exit codes tested are the ones the CLI gives.
"""

from __future__ import annotations

import json

import pytest

from qpq.cli import main
from tests.bargain.reference_runs import EU_EMISSIONS, SCHOLZ_TRAJECTORY, TABLE_TOLERANCE


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def eu_csv(write_file):
    lines = ["actor,capability,position,salience"] + [f"{a},{c},{x},{s}" for a, c, x, s in
                                                      EU_EMISSIONS]
    return write_file("eu.csv", "\n".join(lines) + "\n")


def test_eum_json_contract(capsys, eu_csv):
    code, out, _ = run(capsys, "bargain", "eum", "--data", str(eu_csv), "--rounds", "3",
                       "--json")
    assert code == 0
    doc = json.loads(out)
    assert [r["round"] for r in doc["rounds"]] == [0, 1, 2, 3]
    first = doc["rounds"][0]
    assert set(first) >= {"round", "median", "mean", "positions", "moves"}
    assert first["positions"] == {a: float(x) for a, _, x, _ in EU_EMISSIONS}  # round 0 = input
    assert first["moves"] == [] and doc["variant"] == "default"


def test_eum_scholz_compat_reproduces_the_table(capsys, eu_csv):
    code, out, _ = run(capsys, "bargain", "eum", "--data", str(eu_csv), "--variant",
                       "scholz-compat", "--rounds", "10", "--json")
    assert code == 0
    rounds = json.loads(out)["rounds"]
    for r, (t, median, mean) in zip(rounds, SCHOLZ_TRAJECTORY, strict=True):
        assert r["round"] == t
        assert abs(r["median"] - median) <= TABLE_TOLERANCE
        assert abs(r["mean"] - mean) <= TABLE_TOLERANCE
    assert {m["actor"] for m in rounds[1]["moves"]} == {"Belgium", "Luxembourg", "Ireland"}


def test_eum_builtin_case_and_issue(capsys):
    code, out, _ = run(capsys, "bargain", "eum", "--rounds", "2", "--json")
    assert code == 0 and json.loads(out)["issue"] == "recognition"
    code, out, _ = run(capsys, "bargain", "eum", "--issue", "action_on_etim", "--rounds", "2",
                       "--json")
    assert code == 0 and "taliban" in json.loads(out)["rounds"][0]["positions"]
    code, out, _ = run(capsys, "bargain", "eum", "--rounds", "2")
    assert code == 0 and "forecast" in out
    flat = " ".join(out.split())             # the forecast read on the case's anchors
    assert "on 0–100" in flat and "de facto engagement" in flat
    # beside where the record already put the issue (bargaining.yaml's observed points)
    assert "The record puts the issue “Recognition of the Taliban government” at 75.0" in flat


def test_json_carries_the_text_s_reading_and_the_record_s_point(capsys, eu_csv):
    code, out, _ = run(capsys, "bargain", "eum", "--json")
    assert code == 0
    doc = json.loads(out)
    on = doc["forecast_on_scale"]
    assert on["value"] == doc["forecast"]["median"]
    assert "on 0–100" in on["reading"]
    rec = on["record"]
    assert rec["value"] == 75.0 and rec["since"] == "2024-01-30"
    assert rec["difference"] == pytest.approx(on["value"] - 75.0)
    code, text, _ = run(capsys, "bargain", "eum")
    flat = " ".join(text.split())
    assert f"{on['value']:.1f} lies {abs(rec['difference']):.1f} points below it" in flat
    # the built-in recognition issue does not settle in 20 rounds: it says how far it moved
    assert doc["stability"] == "unsettled"
    medians = [r["median"] for r in doc["rounds"]]
    assert (f"Not converged (unsettled): the median moved between {min(medians):.1f} and "
            f"{max(medians):.1f}") in flat
    code, out, _ = run(capsys, "bargain", "exchange", "--rounds", "2", "--json")
    assert code == 0
    final = json.loads(out)["final_on_scale"]
    assert set(final) == {"recognition", "action_on_etim"}
    assert final["action_on_etim"]["record"]["value"] == 50.0
    # data without a case: the reading says so and there is no record
    code, out, _ = run(capsys, "bargain", "eum", "--data", str(eu_csv), "--rounds", "1",
                       "--json")
    assert "record" not in json.loads(out)["forecast_on_scale"]


def test_text_outputs_read_positions_on_the_scale(capsys, eu_csv):
    code, out, _ = run(capsys, "bargain", "exchange", "--rounds", "1")
    flat = " ".join(out.split())
    assert code == 0
    assert "recognition after the last round:" in flat and "on 0–100" in flat
    assert "The record puts the issue “Taliban action against ETIM/TIP” at 50.0" in flat
    code, out, _ = run(capsys, "bargain", "eum", "--data", str(eu_csv), "--rounds", "1")
    assert code == 0 and "data file's scale (it defines no anchors)" in " ".join(out.split())


def test_eum_set_overrides(capsys, eu_csv):
    code, out, _ = run(capsys, "bargain", "eum", "--data", str(eu_csv), "--set", "q=0.5",
                       "--set", "offer_rule=scholz", "--set", "capitulation=false", "--json")
    assert code == 0
    opts = json.loads(out)["options"]
    assert (opts["q"], opts["offer_rule"], opts["capitulation"]) == (0.5, "scholz", False)


@pytest.mark.parametrize(("text", "words"), [
    ("actor,capability,position\na,1,2\n", "salience"),
    ("actor,capability,position,salience\na,-1,2,0.5\n", "capability"),
    ("actor,capability,position,salience\na,1,2,0.5\nb,1,3,2\n", "salience"),
    ("actor,capability,position,salience\na,1,2,0.5\na,1,3,0.5\n", "duplicate"),
])
def test_bad_data_exits_2_naming_row_and_column(capsys, write_file, text, words):
    code, out, err = run(capsys, "bargain", "eum", "--data", str(write_file("bad.csv", text)))
    assert code == 2 and out == ""
    assert "bad.csv" in err and words in err


@pytest.mark.parametrize(("args", "message"), [
    (("--variant", "bdm85"), "error: unknown variant 'bdm85'; choose one of: default, "
     "scholz-compat"),
    (("--set", "q=2"), "error: invalid expected utility model options: - options: q: must lie "
     "in [0, 1], got 2.0"),
    (("--set", "nonsense=1"), "error: --set: unknown option 'nonsense'; options are: "
     "probability,"),
    (("--set", "max_rounds=many"), "error: --set max_rounds: cannot read 'many' as an int"),
    (("--issue", "trade"), "error: case 'china_taliban' has no bargaining issue 'trade'; it "
     "has: recognition, action_on_etim"),
])
def test_bad_options_exit_2(capsys, args, message):
    code, out, err = run(capsys, "bargain", "eum", *args)
    assert code == 2 and out == "", err
    assert message in " ".join(err.split())


def test_exchange_json_builtin_and_csv(capsys, write_file):
    code, out, _ = run(capsys, "bargain", "exchange", "--rounds", "2", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["issues"] == ["recognition", "action_on_etim"] and len(doc["rounds"]) == 2
    text = "issue,actor,capability,position,salience\np,A,1,100,0.8\np,B,1,0,0.2\n" \
           "q,A,1,100,0.2\nq,B,1,0,0.8\n"
    code, out, _ = run(capsys, "bargain", "exchange", "--data", str(write_file("x.csv", text)),
                       "--rounds", "1", "--json")
    assert code == 0 and json.loads(out)["rounds"][0]["exchanges"][0]["gain"] == \
        pytest.approx(12.0)
    code, out, _ = run(capsys, "bargain", "exchange", "--rounds", "1")
    assert code == 0 and "Largest exchanges" in out


def test_exchange_bad_input(capsys, eu_csv):
    code, _, err = run(capsys, "bargain", "exchange", "--data", str(eu_csv))
    assert code == 2 and "two issues" in err
    code, _, err = run(capsys, "bargain", "exchange", "--carry-over", "some")
    assert code == 2 and "carry-over" in err
    code, _, err = run(capsys, "bargain", "exchange", "--sizing", "exact")
    assert code == 2 and "--sizing must be one of: current, decide" in err


@pytest.mark.parametrize("sizing", ["current", "decide"])
def test_exchange_refuses_an_issue_without_weight(capsys, write_file, sizing):
    # every actor's capability x salience 0 on issue q: the outcome there is 0/0, which the
    # exchange model printed as "q after the last round: nan" with exit 0
    # (a CSV's issues were refused one by one already; Decide's file is read as a whole)
    text = ("#A,A,A\n#A,B,B\n#P,p,p\n#P,q,q\n#D,A,p,100,0.8,1\n#D,B,p,0,0.2,1\n"
            "#D,A,q,100,0,1\n#D,B,q,0,0.8,0\n")
    code, out, err = run(capsys, "bargain", "exchange", "--data", str(write_file("z.txt", text)),
                         "--sizing", sizing)
    assert code == 2 and out == "" and "nan" not in err, err
    assert "z.txt" in err and "issue 'q': every actor has capability × salience = 0" in err


def test_exchange_decide_sizing(capsys):
    code, out, _ = run(capsys, "bargain", "exchange", "--rounds", "3", "--sizing", "decide",
                       "--carry-over", "decide", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["options"]["sizing"] == "decide" and len(doc["rounds"]) == 3
    code, out, _ = run(capsys, "bargain", "exchange", "--rounds", "3", "--json")
    assert json.loads(out)["options"]["sizing"] == "current"


def test_montecarlo(capsys):
    code, out, _ = run(capsys, "bargain", "montecarlo", "--draws", "2", "--rounds", "3",
                       "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["n_draws"] == 2 and set(doc["eum_median"]) == {"recognition", "action_on_etim"}


@pytest.mark.parametrize("args", [("eum",), ("exchange",), ("montecarlo", "--draws", "3")])
def test_a_case_without_bargaining_data_is_told_so(capsys, tmp_path, args):
    # bargaining.yaml is optional (an evidence-only case); montecarlo ended in numpy's
    # broadcast error and eum said "it has: none"
    import shutil

    from qpq.case import builtin_case_path

    case = tmp_path / "case"
    shutil.copytree(builtin_case_path(), case)
    (case / "bargaining.yaml").unlink()
    code, out, err = run(capsys, "bargain", *args, "--case", str(case))
    assert code == 2 and out == "" and "Traceback" not in err
    assert "has no bargaining issues" in err and "bargaining.yaml" in err


@pytest.mark.parametrize("command", ["eum", "exchange", "montecarlo"])
def test_rounds_are_capped_on_every_bargaining_command(capsys, command):
    # montecarlo took --rounds 1000000000 (found 2026-12-06 by a docs audit: the user
    # guide says every --rounds is at most 1,000)
    code, out, err = run(capsys, "bargain", command, "--rounds", "1001")
    assert code == 2 and out == "" and "--rounds" in err and "1000" in err
