"""Every ``qpq …`` command line the README and the guides quote names a command and options
that exist.

A docs audit (2026-12-07) checked each quoted line by hand with ``--help``; this keeps that
true. Lines in a fenced ``sh`` block are whole commands: each must parse, ``--help``
appended (so nothing runs). Commands quoted inline are often fragments (``qpq explore run
--seed``, an option named without its value), so of those only the command path and the
option names are checked.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from qpq.cli import _group, app
from qpq.cli._common import GROUP_HELP

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "docs/user-guide.md", "docs/api.md", "docs/case-file.md",
        "docs/architecture.md")
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`((?:\.venv/bin/)?qpq [^`]+)`")

REFUSED = {"qpq game solve --debug": "No such option: --debug"}
"""Lines the docs quote *as refused*: they must stay refused."""


def _words(line: str) -> list[str]:
    """A quoted command line as arguments: ``[...]`` optional parts, ``…`` and comments out."""
    line = line.replace(".venv/bin/qpq", "qpq").replace("...", "X").replace("…", "X")
    words = shlex.split(line, comments=True)
    assert words[0] == "qpq", line
    return [w for w in words[1:] if not (w.startswith("[") and w.endswith("]"))]


def _sh_commands(text: str) -> list[str]:
    """The ``qpq`` command lines of a text's ``sh`` blocks, continuation lines joined."""
    found = []
    for block in SH_BLOCK.findall(text):
        lines = block.splitlines()
        while lines:
            line = lines.pop(0)
            while lines and (line.rstrip().endswith("\\") or _unclosed(line)):
                line = line.rstrip().removesuffix("\\") + " " + lines.pop(0).strip()
            if re.match(r"(\.venv/bin/)?qpq ", line):
                found.append(line)
    return found


def _unclosed(line: str) -> bool:
    try:
        shlex.split(line, comments=True)
    except ValueError:
        return True
    return False


def _inline_commands(text: str) -> list[str]:
    return [" ".join(m.split()) for m in INLINE.findall(text)
            if m.strip() not in ("qpq …", ".venv/bin/qpq …")]


def _quoted(kind: str) -> list[tuple[str, str]]:
    pick = _sh_commands if kind == "sh" else _inline_commands
    out = []
    for doc in DOCS:
        for line in pick((ROOT / doc).read_text(encoding="utf-8")):
            if (doc, line) not in out:
                out.append((doc, line))
    return out


def _command(words: list[str]) -> tuple[Any, list[str]]:
    """The click command a line names and the words after its name."""
    words = [w for w in words if w != "--debug"]        # qpq's own option, before the command
    root = typer.main.get_command(app)
    if words[0] in GROUP_HELP:
        group = _group(words[0])
        assert words[1] in group.commands, f"qpq {words[0]} has no command {words[1]!r}"
        return group.commands[words[1]], words[2:]
    assert words[0] in root.commands, f"qpq has no command {words[0]!r}"    # type: ignore[attr-defined]
    return root.commands[words[0]], words[1:]                               # type: ignore[attr-defined]


def _options(command: Any) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *p.secondary_opts)
            if o.startswith("-")} | {"--help"}


def test_the_docs_quote_commands():
    assert len(_quoted("sh")) > 50 and len(_quoted("inline")) > 50


@pytest.mark.parametrize(("doc", "line"), _quoted("sh"))
def test_every_command_line_in_a_sh_block_parses(doc, line):
    result = CliRunner().invoke(app, [*_words(line), "--help"])
    assert result.exit_code == 0, (doc, line, " ".join(result.output.split())[-300:])


@pytest.mark.parametrize(("doc", "line"), _quoted("inline"))
def test_every_inline_command_names_a_command_and_its_options(doc, line):
    if line in REFUSED:
        return
    command, rest = _command(_words(line))
    unknown = {w.split("=")[0] for w in rest if w.startswith("--")} - _options(command)
    assert not unknown, (doc, line, unknown)


@pytest.mark.parametrize(("line", "message"), REFUSED.items())
def test_what_the_docs_call_refused_is_refused(line, message):
    assert any(line == quoted for _, quoted in _quoted("inline")), line   # still quoted
    result = CliRunner().invoke(app, _words(line))
    assert result.exit_code == 2 and message in " ".join(result.output.split()), result.output


def test_the_extractors_join_lines_and_drop_fragments():
    text = ("```sh\nqpq a b \\\n    --c d   # note\nqpq q \"SELECT 1\n    FROM t\"\nls\n```\n"
            "`qpq …` and `qpq x  --y`\n")
    assert _sh_commands(text) == ["qpq a b  --c d   # note", 'qpq q "SELECT 1 FROM t"']
    assert _inline_commands(text) == ["qpq x --y"]
    assert _words("qpq evidence record [--json] --as-of D  # x") == [
        "evidence", "record", "--as-of", "D"]
