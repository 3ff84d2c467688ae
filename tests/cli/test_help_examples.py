"""Every command's --help ends with an example, as the user guide promises."""

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


def test_every_command_has_an_example():
    # explore schema, status and validate had none (found 2026-12-06 by a docs audit)
    commands = {p: c for p, c in _leaves(typer.main.get_command(app), ())
                if p[0] not in GROUP_HELP}        # the lenses' groups: stand-ins here
    for name in GROUP_HELP:
        commands.update(_leaves(_group(name), (name,)))
    missing = [" ".join(p) for p, c in commands.items() if "Example" not in (c.help or "")]
    assert len(commands) > 30
    assert missing == []
