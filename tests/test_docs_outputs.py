"""The counts and outputs the README and the user guide quote from the CLI are what it prints now.

They describe the evidence base, not model results, and went stale as the record grew (the
audit's 54 findings were 66, the search's 28 matches 39, found 2026-12-06 by a docs audit):
each quoted line is read from the docs and compared with the command's own output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qpq.cli import main

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")


def _printed(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    return " ".join(capsys.readouterr().out.split())     # rich wraps and pads its tables


def _quoted(pattern: str, *docs: str) -> list[str]:
    found = [m for doc in docs for m in re.findall(pattern, doc)]
    assert found, pattern                # the docs still quote it
    return found


@pytest.mark.parametrize(("args", "pattern"), [
    (("evidence", "audit"), r"(\d+ integrity errors, \d+ findings)"),
    (("evidence", "search", "Badakhshan"), r"(\d+ items match 'Badakhshan')"),
    (("evidence", "timeline", "--actor", "China", "--as-of", "2021-08-15"),
     r"(Timeline \(\d+ events\))"),
    (("params",), r"(Model parameters \(\d+; china_taliban/parameters\.yaml\))"),
])
def test_quoted_outputs_are_current(capsys, args, pattern):
    printed = _printed(capsys, *args)
    for quote in _quoted(pattern, README, GUIDE):
        assert quote in printed, (quote, args)


def test_the_readmes_record_counts_are_current(capsys):
    printed = _printed(capsys, "evidence", "record")
    quote = _quoted(r"the record: (\d+) UN estimates, (\d+) attacks, (\d+) Taliban actions, "
                    r"(\d+) milestones", README)[0]
    un, attacks, actions, milestones = quote
    assert f"({un} UN estimates from" in printed
    for kind, n in (("attack", attacks), ("taliban_action", actions),
                    ("milestone", milestones)):
        assert re.search(rf"│ {kind} +│ +{n} │", printed), (kind, n)


def test_the_guides_evidence_show_block_is_what_the_cli_prints(capsys):
    # the guide showed "authors: ['Bill Roggio']" (a Python list) after the CLI had begun
    # printing "authors: Bill Roggio"
    block = _quoted(r"(?s)```sh\nqpq evidence show ([\w-]+)\n```\n\n```\n(.*?)```", GUIDE)[0]
    item, text = block[0], block[1]
    printed = _printed(capsys, "evidence", "show", item)
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip() != "…"]
    assert len(lines) >= 4
    for line in lines:
        assert line in printed, line


def test_the_guides_make_run_block_quotes_the_evidence_sections_summaries():
    # the guide's `make run` output said "200 sources" after the case had 201 (found
    # 2026-12-07 by a docs audit); the evidence base's lines are cheap to recompute, the
    # model sections' (seconds to a minute each) are not checked here
    import datetime as dt

    from qpq.case import load_case
    from qpq.report._evidence_sections import audit_section, case_in_brief, parameters_section
    from qpq.report._record_section import record_section
    from qpq.report._sections import ReportContext

    block = _quoted(r"(?s)```\n(qpq report for .*?)```", GUIDE)[0]
    ctx = ReportContext(case=load_case(), out_dir=ROOT, generated=dt.datetime(2026, 1, 1))
    for section in (case_in_brief, record_section, parameters_section, audit_section):
        summary = section(ctx).summary
        assert f"  {summary}\n" in block, summary
