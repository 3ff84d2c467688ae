"""``qpq findings``: the key findings — each lens's answer side by side and what decides.

Example::

    qpq findings
    qpq findings --json
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qpq.cli._common import console, print_json

# Domain modules are imported inside the command (tests/cli/test_import_cost.py).

__all__ = ["findings_command"]


def findings_command(
    case: Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)] = None,
    full: Annotated[bool, typer.Option("--full", help="the full report's ensemble sizes "
                                       "(default: make run's)")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
    trust: Annotated[bool, typer.Option(
        "--trust/--no-trust", help="also how far to trust them: the backcast, track record, "
        "record calibration and model v2 studies (about 20 s more at make run's sizes, "
        "minutes with --full)")] = True,
) -> None:
    """The report's "Key findings": how far to trust them, each lens's answer, what decides.

    Every lens's answer, the disagreements and the decisive assumption, computed with the
    report's studies at the same sizes (reduced by default, as in ``make run``; ``--full``
    for the full report's). Example: ``qpq findings --json``
    """
    from rich.markup import escape as markup

    from qpq.case import load_case
    from qpq.report import findings_for

    f = findings_for(load_case(case), reduced=not full, trust=trust)
    if json_out:
        print_json(f.to_json())
        return
    if f.trust is not None:
        from qpq.report import trust_items

        console.print("[bold]How far to trust these answers[/bold]")
        for head, text, section in trust_items(f.trust, reduced=not full):
            console.print(f"- [bold]{head}.[/bold] {markup(text)} (§ {section})",
                          highlight=False)
    for q in f.questions:
        table = Table(title=q.text, show_lines=True)
        table.add_column("lens", no_wrap=True)
        table.add_column("answer", ratio=1)
        table.add_column("reasons and numbers (report section)", ratio=3)
        for a in q.answers:
            # the answers hold bracketed move names (Engage[no_promise]) that Rich would
            # take for markup and drop
            table.add_row(a.lens, markup(a.stance), f"{markup(a.answer)} (§ {a.section})")
        console.print(table)
        for d in q.disagreements:
            console.print(f"[bold]{' vs '.join(d.lenses)}[/bold]: {d.role} "
                          f"[bold]{d.decisive}[/bold] ({markup(d.method)}). "
                          f"{markup(d.explanation)}")
        for n in q.notes:
            console.print(f"[dim]{markup(n)}[/dim]")
    s = f.settings
    console.print(f"[dim]{s['scenario']} ({s['uncertainties']} uncertainties): "
                  f"{s['lhs_experiments']:,} Latin-hypercube experiments, "
                  f"{s['sobol_base_samples']} Sobol' base samples, {s['game_draws']:,} game "
                  f"draws, {s['sim_scenarios']} simulated scenarios per proposition; "
                  f"{f.seconds:.0f} s[/dim]")
