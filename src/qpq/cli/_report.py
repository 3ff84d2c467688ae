"""``qpq report``: build the HTML report for a case.

Example::

    qpq report --out out/
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from qpq.cli._common import console, day_option, print_json, progress

# Domain modules are imported inside the commands, so that ``qpq --help`` and the other
# commands do not pay for them (tests/cli/test_import_cost.py).

__all__ = ["report_command"]


def report_command(
    out: Annotated[Path, typer.Option("--out", help="output folder", file_okay=False)] = Path(
        "out"),
    case: Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)] = None,
    full: Annotated[bool, typer.Option("--full", help="run heavy studies at full settings")
                    ] = False,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="use only evidence known by this date (YYYY[-MM[-DD]])")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """Write OUT/report.html (self-contained, opens offline) and OUT/figures/*.png|svg.

    Example: ``qpq report --out out/`` or ``qpq report --as-of 2021-08-15 --out out-2021/``
    """
    from qpq.case import case_as_of, load_case
    from qpq.report import build_report

    start = time.perf_counter()
    loaded = load_case(case)
    cutoff = None
    if as_of is not None:
        cutoff = day_option(as_of, "--as-of")
        loaded = case_as_of(loaded, cutoff)     # build_report refuses a date after the record
    result = build_report(
        loaded, out, reduced=not full, as_of=cutoff,
        progress=None if json_out else lambda s: progress(s, len(s), "building report"))
    seconds = time.perf_counter() - start
    if json_out:
        print_json({"report": result.html, "seconds": seconds, "sections": result.sections})
        return
    built = sum(s.built for s in result.sections)
    console.print(f"[bold]qpq report[/bold] for {loaded.meta.id}: {result.html} "
                  f"({built}/{len(result.sections)} sections built, {seconds:.1f} s)")
    for s in result.sections:
        if s.summary:
            console.print(f"  {s.summary}")
    pending = [s.title for s in result.sections if not s.built]
    if pending:
        console.print(f"  placeholders: {', '.join(pending)}")
