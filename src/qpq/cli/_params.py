"""``qpq params``: every model parameter with its default, range, unit and evidence.

The evidence column also counts the observations of the record (estimates, attacks,
Taliban actions, milestones) that bear on a parameter: what it is to be calibrated against.

Examples::

    qpq params
    qpq params --json
    qpq params --case path/to/my_case
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from qpq.cli._common import console, print_json

if TYPE_CHECKING:
    from qpq.model import ParameterRegistry

# Domain modules are imported inside the commands, so that ``qpq --help`` and the other
# commands do not pay for them (tests/cli/test_import_cost.py).

__all__ = ["parameter_rows", "params_command"]


def parameter_rows(registry: ParameterRegistry) -> list[dict[str, Any]]:
    """One JSON-ready row per parameter."""
    from qpq.model import UNCALIBRATED

    return [
        {
            "name": p.name,
            "group": p.group,
            "description": p.description,
            "unit": p.unit,
            "default": p.default,
            "low": p.low,
            "high": p.high,
            "integer": p.integer,
            "evidence": list(p.evidence),
            "observations": list(p.observations),
            "n_observations": len(p.observations),
            "assumption": p.assumption,
            "status": UNCALIBRATED if p.assumption else "evidence",
            "note": p.note,
        }
        for p in registry
    ]


def params_command(
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
    case: Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)] = None,
) -> None:
    """List every model parameter: default, range, unit and evidence (or "assumption").

    Example: ``qpq params --json``
    """
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load(case)
    rows = parameter_rows(registry)
    if json_out:
        print_json({"source": registry.source, "parameters": rows})
        return
    table = Table(title=f"Model parameters ({len(rows)}; {registry.source})")
    for col in ("name", "default", "range", "unit", "evidence"):
        table.add_column(col, overflow="fold")
    for r in rows:
        evidence = ", ".join(r["evidence"])
        if r["assumption"]:
            evidence = f"assumption ({evidence})" if evidence else "assumption"
        if r["n_observations"]:
            evidence += f"; {r['n_observations']} observations"
        table.add_row(r["name"], f"{r['default']:g}", f"[{r['low']:g}, {r['high']:g}]",
                      r["unit"], evidence)
    console.print(table)
