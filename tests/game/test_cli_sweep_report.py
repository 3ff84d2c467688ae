"""``qpq game sweep`` and ``qpq game propositions``.

The report sections they feed are checked on the built-in report
(tests/report/test_builtin_report.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qpq.cli._game import app
from qpq.errors import BadInputError
from qpq.game._labels import LABELS
from qpq.game.analysis import LABEL_COLOURS

runner = CliRunner()


def test_sweep_json_and_figures(tmp_path: Path) -> None:
    out = tmp_path / "phase.svg"
    res = runner.invoke(app, ["sweep", "--x", "iskp_pull", "--y", "crackdown_intensity",
                              "--n", "12", "--workers", "1", "--json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["shape"] == [12, 12] and doc["x"]["name"] == "iskp_pull"
    assert {lab for row in doc["label"] for lab in row} <= {*LABELS, "no pure PBE"}
    assert doc["default_point"]["label"] in LABELS
    assert out.read_text(encoding="utf-8").lstrip().startswith("<svg")
    spec = tmp_path / "phase.json"
    res = runner.invoke(app, ["sweep", "--x", "iskp_pull", "--y", "w_security", "--n", "6",
                              "--set", "reneging_cost=2", "--out", str(spec)])
    assert res.exit_code == 0, res.output
    assert "share of the grid" in res.output and "defaults" in res.output
    assert json.loads(spec.read_text(encoding="utf-8"))["layer"]


def test_sweep_refuses_an_unknown_figure_format_before_solving(tmp_path: Path,
                                                             monkeypatch) -> None:
    import qpq.game.analysis

    def no_solve(*args: object, **kwargs: object) -> None:
        raise AssertionError("the grid was solved before --out was checked")

    monkeypatch.setattr(qpq.game.analysis, "phase_diagram", no_solve)
    for name in ("phase.pdf", "phase"):
        res = runner.invoke(app, ["sweep", "--x", "iskp_pull", "--y", "crackdown_intensity",
                                  "--n", "200", "--out", str(tmp_path / name)])
        assert isinstance(res.exception, BadInputError), res.output
        message = str(res.exception)
        assert "--out" in message and ".png" in message and "folder" not in message
    assert list(tmp_path.iterdir()) == []


def test_sweep_model_v2_table_json_and_figure(tmp_path: Path) -> None:
    # δ 0.9 and 1.0 (no finite value: not solved) against ISKP's pull 0 and 3: at the
    # defaults a mixed and a pure cell
    args = ["sweep", "--model", "v2", "--x", "quarterly_discount", "--y", "iskp_pull",
            "--n", "2", "--workers", "1"]
    out = tmp_path / "v2.svg"
    res = runner.invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "how found (share of the solved points): pure 50.0%; mixed 50.0%" in text
    assert "regret where mixed: median" in text and "δ = 1): 50.0% of the grid" in text
    assert "model v2" in out.read_text(encoding="utf-8")
    res = runner.invoke(app, [*args, "--json", "--pure-only"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["model"] == "v2" and doc["found_by"][0] == ["no fixed point (not traced)", None]
    assert doc["label"][1][0].startswith("unrecognised Boycott") and doc["multiple"] is None


@pytest.mark.parametrize(("args", "needle"), [
    (["--x", "iskp_pull", "--y", "w_security", "--model", "v3"], "--model: unknown model"),
    (["--x", "iskp_pull", "--y", "w_security", "--pure-only"], "--model v2 only"),
    (["--x", "iskp_pull", "--y", "iskp_pull"], "must differ"),
    (["--x", "iskp_pull", "--y", "bogus"], "not a parameter of the game"),
    (["--x", "iskp_pull", "--y", "w_security", "--n", "1"], "--n must lie"),
    (["--x", "iskp_pull", "--y", "w_security", "--n", "4", "--out", "x.pdf"], "figure format"),
    (["--x", "iskp_pull", "--y", "w_security", "--set", "w_security=9"], "cannot also be set"),
])
def test_sweep_bad_input(args: list[str], needle: str, tmp_path: Path) -> None:
    args = [a if a != "x.pdf" else str(tmp_path / "x.pdf") for a in args]
    res = runner.invoke(app, ["sweep", *args])
    assert isinstance(res.exception, BadInputError), res.output
    assert needle in str(res.exception)


def test_propositions_command() -> None:
    res = runner.invoke(app, ["propositions", "--n", "60", "--seed", "3", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["seed"] == 3 and doc["n_draws"] == 60
    by_id = {r["id"]: r for r in doc["results"]}
    assert by_id["P1"]["status_at_defaults"] == "holds"
    assert by_id["P2"]["status_at_defaults"] == "fails"
    assert all(0 <= r["share"] <= 1 for r in doc["results"])
    res = runner.invoke(app, ["propositions", "--n", "40"])
    assert res.exit_code == 0 and "P5m" in res.output and "counterpart" in res.output
    flat = " ".join(res.output.split())
    # each share with its basis and interval, each proposition as the paper states it
    p1 = by_id["P1"]
    assert "Boycott leaves China less secure than engagement." in flat
    assert re.search(r"P1 strategic holds \d+\.\d% of 40 \(95%: \d+%–\d+%\)", flat)
    assert p1["n_defined"] == 60
    res = runner.invoke(app, ["propositions", "--n", "0"])
    assert isinstance(res.exception, BadInputError)


def test_a_label_has_one_colour_in_the_report_and_the_dashboard() -> None:
    """Boycott was grey in the report and orange on the dashboard (issue 17)."""
    from qpq.dashboard._phase import _COLOURS, CATEGORIES
    from qpq.model import policy_names
    from qpq.palette import fixed_colours

    dashboard = dict(zip(CATEGORIES, _COLOURS, strict=True))
    for label in LABELS:
        assert dashboard[label] == LABEL_COLOURS[label]
    assert len(set(LABEL_COLOURS.values())) == len(LABEL_COLOURS)
    # and the boycott label is the boycott policy's colour in the fan charts
    assert LABEL_COLOURS["boycott"] == fixed_colours(["boycott"], policy_names())[0]
