"""``qpq report``: build the HTML report for a case.

Example::

    qpq report --out out/
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from qpq.case import load_case
from qpq.cli._common import console, print_json
from qpq.report import build_report

__all__ = ["report_command"]


def report_command(
    out: Annotated[Path, typer.Option("--out", help="output folder", file_okay=False)] = Path(
        "out"),
    case: Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)] = None,
    full: Annotated[bool, typer.Option("--full", help="run heavy studies at full settings")
                    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """Write OUT/report.html (self-contained, opens offline) and OUT/figures/*.png|svg.

    Example: ``qpq report --out out/``
    """
    start = time.perf_counter()
    loaded = load_case(case)
    result = build_report(loaded, out, reduced=not full, progress=not json_out)
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
