from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from qpq.cli._game import app
from qpq.cli._params import params_command
from qpq.errors import BadInputError
from qpq.game import parse_efg
from tests.required import require_pygambit

runner = CliRunner()


def test_solve_json_uses_the_efg_labels(tmp_path: Path) -> None:
    res = runner.invoke(app, ["solve", "--json", "--set", "reneging_cost=2"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["parameters"]["reneging_cost"] == 2.0
    assert doc["label"] in {e["label"] for e in doc["equilibria"] if e["selected"]}
    out = tmp_path / "g.efg"
    res = runner.invoke(app, ["export", "--format", "efg", "--out", str(out),
                              "--set", "reneging_cost=2"])
    assert res.exit_code == 0, res.output
    tree = parse_efg(out.read_text(encoding="utf-8"))
    efg_infosets = {i.label for i in tree.infosets.values()}
    for eq in doc["equilibria"]:
        for player, infosets in eq["strategy"].items():
            assert player in tree.players
            assert set(infosets) <= efg_infosets
        assert set(eq["beliefs"]) <= efg_infosets
    actions = {i.label: set(i.actions) for i in tree.infosets.values()}
    for infoset, dist in doc["equilibria"][0]["strategy"]["China"].items():
        assert set(dist) == actions[infoset]


def test_solve_human_output() -> None:
    res = runner.invoke(app, ["solve", "--no-mixed"])
    assert res.exit_code == 0, res.output
    assert "Label:" in res.output and "Selected PBE" in res.output
    flat = " ".join(res.output.split())
    # China's security here is the game's, on its own scale, and said to differ from the
    # other lenses'; nothing ties at the defaults, so no tie is claimed
    assert "China security: minus the expected harm of this round" in flat
    assert "not the repeated relationship's discounted value" in flat
    assert "tied first moves" not in flat


def test_reduced_solve_and_export(tmp_path: Path) -> None:
    res = runner.invoke(app, ["solve", "--json", "--reduced", "--first-move",
                              "Engage[reward_if_suppressed]"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["structure"]["types"] == ["S,H", "I,H"]
    out = tmp_path / "small.efg"
    res = runner.invoke(app, ["export", "--reduced", "--first-move", "Boycott", "--out",
                              str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["leaves"] == 2 * 3 * 4 * 3


@pytest.mark.parametrize("state", [0, 1])
def test_export_v2_writes_the_stage_game_gambit_checks(tmp_path: Path, state: int) -> None:
    # the file is the stage tree at the relationship's values: the one the Gambit checks
    # solve, so pygambit reads it and finds our strategies an equilibrium there

    from qpq.game import STATES, solve_relationship, to_efg
    from qpq.game.validation import stage_strategy, stage_tree
    from qpq.model import ParameterRegistry

    out = tmp_path / "stage.efg"
    res = runner.invoke(app, ["export", "--model", "v2", "--state", STATES[state], "--out",
                              str(out), "--set", "reneging_cost=2", "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert info["model"] == "v2" and info["state"] == STATES[state]
    point = ParameterRegistry.load().point({"reneging_cost": 2.0})
    rel = solve_relationship(point.arrays())
    tree = stage_tree(rel, 0, state)
    text = out.read_text(encoding="utf-8")
    # the same tree as the Gambit checks build (its header names the stage and the values)
    assert text.split("\n", 2)[2] == to_efg(tree).split("\n", 2)[2]
    assert f"stage game ({STATES[state]})" in text and "reneging_cost=2" in text
    assert info["leaves"] == tree.n_leaves and info["found_by"] == rel.to_json(0)["found_by"]
    pygambit = require_pygambit()
    from qpq.game.validation._gambit import agent_regrets

    game = pygambit.read_efg(str(out))
    assert len(game.players) == len(tree.players)
    assert agent_regrets(tree, [stage_strategy(rel, 0, state)])[0] <= 1e-7


@pytest.mark.parametrize(("args", "needle"), [
    (["solve", "--set", "iskp_pull=9"], "allowed range is [0, 3]"),
    (["solve", "--set", "nonsense=1"], "unknown parameter"),
    (["solve", "--set", "iskp_pull"], "NAME=VALUE"),
    (["solve", "--first-move", "Invade"], "unknown first move"),
    (["export", "--format", "nfg"], "allowed: efg"),
    (["export", "--state", "recognised"], "add --model v2"),
    (["export", "--model", "v2", "--state", "annexed"], "allowed: unrecognised, recognised"),
    (["export", "--model", "v3"], "--model"),
    (["solve", "--reduced"], "exactly one"),
])
def test_bad_input_raises_bad_input_error(args: list[str], needle: str) -> None:
    res = runner.invoke(app, args)
    assert isinstance(res.exception, BadInputError), res.output
    assert needle in str(res.exception)
    assert res.exception.exit_code == 2


def test_params_command() -> None:
    cli = typer.Typer()
    cli.command("params")(params_command)
    cli.command("other")(lambda: None)
    res = runner.invoke(cli, ["params", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["parameters"]
    names = {r["name"] for r in rows}
    assert {"prior_sincere", "iskp_pull", "recognition_value", "us_presence"} <= names
    for r in rows:
        assert r["low"] <= r["default"] <= r["high"]
        assert r["evidence"] or r["assumption"]
    res = runner.invoke(cli, ["params"])
    assert res.exit_code == 0 and "prior_sincere" in res.output


def test_relationship_at_two_dates() -> None:
    """Model v2 through the CLI: the first rule's stage game is not the second's."""
    docs = []
    for day in ("1998-06-30", "2023-06-30"):
        res = runner.invoke(app, ["relationship", "--at", day, "--json"])
        assert res.exit_code == 0, res.output
        docs.append(json.loads(res.output))
    assert docs[0]["states"]["unrecognised"]["first_move"] == {"Boycott": 1.0}
    assert "Boycott" not in docs[1]["states"]["unrecognised"]["first_move"]
    assert docs[0]["history"]["attributes"]["taliban_isolation"] == 0.25
    assert {d["regret"] for d in docs} == {0.0}
    res = runner.invoke(app, ["relationship"])
    assert res.exit_code == 0 and "recognised: China plays Recognize" in res.output
    flat = " ".join(res.output.split())
    assert "No --at date: the parameters at their defaults" in flat
    assert "sincere, high capacity (S,H)" in flat
    res = runner.invoke(app, ["relationship", "--at", "1998-06-30"])
    flat = " ".join(res.output.split())
    assert "taliban_isolation → recognition_value:" in flat and "lies after" not in flat
    res = runner.invoke(app, ["relationship", "--at", "2030-06-30"])
    assert "2030-06-30 lies after the case's record" in " ".join(res.output.split())


@pytest.mark.parametrize("day", ["2010-01-01", "1998-13-01", "1998-01-01/1998-12-31"])
def test_relationship_refuses_a_date_without_the_game(day: str) -> None:
    res = runner.invoke(app, ["relationship", "--at", day])
    assert isinstance(res.exception, BadInputError)
    assert "--at" in str(res.exception)


def test_relationship_reads_at_as_every_date_option_does() -> None:
    # --at had its own parse (datetime.date.fromisoformat); the CLI's date options are read
    # by day_option: a year stands for its last day, as an as-of date's does
    res = runner.invoke(app, ["relationship", "--at", "1998", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["history"]["date"] == "1998-12-31"


def test_relationship_at_a_date_is_the_simulators_stage_game() -> None:
    """--at solves the quarter's stage game as the simulator's v2 tables build it: after a
    third-party recognition (2025Q3 in the built-in history) recognition costs China less."""
    import datetime as dt

    from qpq.case import load_case
    from qpq.game import solve_relationship
    from qpq.model import ParameterRegistry
    from qpq.sim import build_timeline, quarter_of, stage_point

    case = load_case()
    point = ParameterRegistry.from_case(case).point({})
    day = dt.date(2025, 9, 30)
    timeline = build_timeline(case, day, day)
    params = stage_point(point.values, timeline, quarter_of(day))
    assert params["recognition_cost"][0] == pytest.approx(
        point["recognition_cost"] * point["third_party_recognition_factor"])
    res = runner.invoke(app, ["relationship", "--at", day.isoformat(), "--json"])
    assert res.exit_code == 0, res.output
    direct = solve_relationship(params).to_json(0)
    assert json.loads(res.output)["china_value"] == pytest.approx(direct["china_value"])


def test_solve_decodes_types_and_signals() -> None:
    """The text names types and what China observed in words, with the codes beside them."""
    from qpq.game import FULL_GAME

    res = runner.invoke(app, ["solve"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    for t in FULL_GAME.types:
        assert f"{t.description} ({t.label})" in text
    descriptions = {s.description for s in FULL_GAME.signals}
    assert len(descriptions) == len(FULL_GAME.signals)          # each code its own words
    for s in FULL_GAME.signals:
        assert f"({s.label})" in text


def test_relationship_responses_are_said_by_what_picks_them_out() -> None:
    from qpq.cli._game import _responses_words
    from qpq.game import FULL_GAME

    codes = [sig.label for sig in FULL_GAME.signals]
    assert _responses_words({c: {"Withhold": 1.0} for c in codes}) == (
        "Withhold whatever it observes")
    by_report = {c: {"Downgrade" if c.endswith("rclose") else "Maintain": 1.0} for c in codes}
    assert _responses_words(by_report) == (
        "Downgrade when it observes UN reports close Taliban–al-Qaeda ties; Maintain when it "
        "observes UN reports distant ties")
    two = {c: {"Reward" if c.startswith("s1") and c.endswith("rfar") else "Withhold": 1.0}
           for c in codes}
    said = _responses_words(two)
    assert said.startswith("Withhold when it observes ")        # no one shared component
    assert ("Reward when it observes militants seen suppressed and UN reports distant ties"
            in said)
    # a mixed answer keeps its probabilities
    mixed = {c: {"Withhold": 0.25, "Reward": 0.75} for c in codes}
    assert _responses_words(mixed) == "Withhold 0.25, Reward 0.75 whatever it observes"
