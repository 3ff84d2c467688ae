"""Every command's --help ends with an example, as the user guide promises, and shows its
help text whole (no bracketed word taken for Rich markup)."""

import itertools
from typing import Any

import typer

from qpq.cli import _group, app
from qpq.cli._common import GROUP_HELP


def _leaves(command: Any, path: tuple[str, ...]):
    # typer's groups need not be click's own Group class: a group is what has commands
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield path, command


def _all_commands() -> dict[tuple[str, ...], Any]:
    commands = {p: c for p, c in _leaves(typer.main.get_command(app), ())
                if p[0] not in GROUP_HELP}        # the lenses' groups: stand-ins here
    for name in GROUP_HELP:
        commands.update(_leaves(_group(name), (name,)))
    return commands


def test_every_command_has_an_example():
    # explore schema, status and validate had none (found 2026-12-06 by a docs audit)
    commands = _all_commands()
    missing = [" ".join(p) for p, c in commands.items() if "Example" not in (c.help or "")]
    assert len(commands) > 30
    assert missing == []


def test_help_shows_every_bracketed_word_of_the_source(monkeypatch):
    # typer renders help as Rich markup: "e.g. Boycott, Engage[reward_if_suppressed],
    # Recognize" printed as "e.g. Boycott, Engage, Recognize" (found 2026-12 by an audit)
    import re

    from typer.testing import CliRunner

    monkeypatch.setenv("COLUMNS", "3000")      # one line per paragraph: no word is split
    brackets = re.compile(r"\[[^\[\]]*\]")
    checked, missing = set(), []
    for path, command in _all_commands().items():
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
        words = {w for text in texts for w in brackets.findall(text)}
        if not words:
            continue
        result = CliRunner().invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        shown = " ".join(result.output.replace("│", " ").split())
        checked.add(" ".join(path))
        missing += [f"{' '.join(path)}: {w}" for w in words if " ".join(w.split()) not in shown]
    assert {"game solve", "game export"} <= checked
    assert missing == []


def test_help_paragraphs_fill_an_80_column_terminal(monkeypatch):
    # typer kept the source's line breaks after the first paragraph, so an 80-column
    # terminal wrapped each source line again: "(attack counts,", "strength estimates, ...",
    # every other line short (found 2026-12-07 in `qpq sim forecast --help`)
    from typer.testing import CliRunner

    monkeypatch.setenv("COLUMNS", "80")
    ragged, pairs = [], 0
    for path, _ in _all_commands().items():
        result = CliRunner().invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        prose = result.output.split("Usage:", 1)[1].split("╭", 1)[0].split("\n")[2:]
        lines = [line.strip() for line in prose]
        for line, following in itertools.pairwise(lines):
            # a line followed by more of its paragraph ends where the next word would not
            # fit (some 76 columns of text; 70 leaves room for rich's own margins)
            if line and following and not following.startswith("Example"):
                pairs += 1
                if len(line) + 1 + len(following.split()[0]) <= 70:
                    ragged.append(f"{' '.join(path)}: {line!r}")
    # the split above found the help's prose (72 pairs of lines in 35 commands, 2026-12)
    assert pairs > 40
    assert ragged == []


def test_reflow_keeps_paragraphs_and_examples_apart():
    from qpq.cli import _reflow

    text = """First line.

    Second paragraph,
    over two lines.
    Example: ``qpq x``;
    ``qpq y``

    Third."""
    assert _reflow(text) == ("First line.\n\nSecond paragraph, over two lines.\n"
                            "Example: ``qpq x``; ``qpq y``\n\nThird.")
