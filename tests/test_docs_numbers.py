"""The numbers quoted in the docs are what docs/regenerate_numbers.py computes now."""

import importlib.util
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[1] / "docs"


def load():
    spec = importlib.util.spec_from_file_location("regenerate_numbers",
                                                  DOCS / "regenerate_numbers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_monte_carlo_shares_in_model_game_are_current():
    assert load().run(["game-mc"], check=True) == 0


def test_the_cost_guards_figures_are_current():
    # derived from the guard's constants and messages: a changed constant shows here
    assert load().run(["game-v2-budget", "explore-v2-budget"], check=True) == 0


def test_a_changed_figure_is_seen(tmp_path, monkeypatch):
    numbers = load()
    doc = tmp_path / "model-game.md"
    doc.write_text((DOCS / "model-game.md").read_text().replace("boycott 42%",
                                                               "boycott 47%"))
    monkeypatch.setattr(numbers, "DOCS", tmp_path)
    assert numbers.run(["game-mc"], check=True) == 1


def test_the_command_line_names_the_blocks_and_refuses_an_unknown_one(capsys):
    numbers = load()
    with pytest.raises(SystemExit) as stop:
        numbers.main(["--help"])
    assert stop.value.code == 0
    assert "tip-stock-flows" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        numbers.main(["no-such-block"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "unknown block(s) no-such-block" in err and "game-mc" in err
    assert numbers.main(["--check", "game-v2-budget"]) == 0
