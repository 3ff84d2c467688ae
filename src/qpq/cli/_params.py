"""``qpq params``: every model parameter with its default, range, unit and evidence.

The evidence column also counts the observations of the record (estimates, attacks,
Taliban actions, milestones) that bear on a parameter: what it is to be calibrated against.

Examples::

    qpq params
    qpq params attack_rate iskp_threat      # one parameter each, with its evidence resolved
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
    from qpq.case import Case
    from qpq.dashboard import ParameterEvidence
    from qpq.model import ParameterRegistry

# Domain modules are imported inside the commands, so that ``qpq --help`` and the other
# commands do not pay for them (tests/cli/test_import_cost.py).

__all__ = ["parameter_rows", "parameter_text", "params_command", "print_parameters"]


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


def parameter_text(pe: ParameterEvidence) -> str:
    """One parameter as plain text, not dicts.

    What it is, its range and status, each evidence item with the sources behind it
    (citation and URL), and the record's observations.
    """
    from qpq.model import UNCALIBRATED

    lines = [pe.name, f"  {pe.description.strip()}",
             f"  unit: {pe.unit}; default {pe.default:g}; plausible range "
             f"[{pe.low:g}, {pe.high:g}]",
             f"  status: {'evidence' if not pe.assumption else UNCALIBRATED}"]
    if pe.note:
        lines.append(f"  note: {' '.join(pe.note.split())}")
    if not pe.items:
        lines.append("  evidence: none cited (a pure assumption)")
    else:
        lines.append(f"  evidence ({len(pe.items)}):")
    for it in pe.items:
        if it.kind == "source" and it.sources:
            src = it.sources[0]
            lines.append(f"    {it.id} (source): {src.citation}{' ' + src.url if src.url else ''}")
            continue
        lines.append(f"    {it.id} ({it.kind}{', ' + it.date if it.date else ''}): "
                     f"{' '.join(it.title.split())}")
        for src in it.sources:
            where = f" {src.url}" if src.url else ""
            lines.append(f"      source {src.id}: {src.citation}{where}")
    if pe.observations:
        lines.append(f"  observations of the record bearing on it ({len(pe.observations)}): "
                     + ", ".join(pe.observations))
    return "\n".join(lines)


def print_parameters(case: Case, names: list[str], json_out: bool) -> None:
    """Print named parameters with their evidence resolved (text or JSON).

    An unknown name is refused (exit 2) with the close names.
    """
    from dataclasses import asdict

    from qpq.checks import did_you_mean
    from qpq.dashboard import parameter_evidence
    from qpq.errors import BadInputError

    known = [p.name for p in case.parameters]
    unknown = [n for n in names if n not in case.parameter]
    if unknown:
        raise BadInputError(f"the case defines no parameter {unknown[0]!r}"
                            + did_you_mean(unknown[0], known)
                            + " (`qpq params` lists them all)")
    found = [parameter_evidence(case, n) for n in names]
    if json_out:
        print_json({"parameters": [asdict(pe) | {"status": pe.status} for pe in found]})
        return
    for pe in found:
        console.print(parameter_text(pe), markup=False, highlight=False, soft_wrap=True)


def params_command(
    names: Annotated[list[str] | None, typer.Argument(
        help="parameters to show in full, with their evidence (default: a table of all)",
        show_default=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
    case: Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)] = None,
) -> None:
    """List every model parameter: default, range, unit and evidence (or "assumption").

    With names, each named parameter in full: description, range, status, every evidence
    item resolved to its sources (citation and URL) and the record's observations.

    Example: ``qpq params --json``, ``qpq params attack_rate``
    """
    from qpq.model import ParameterRegistry

    if names:
        from qpq.case import load_case

        print_parameters(load_case(case), names, json_out)
        return
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
            n = r["n_observations"]
            evidence += f"; {n} observation{'s' if n > 1 else ''}"
        table.add_row(r["name"], f"{r['default']:g}", f"[{r['low']:g}, {r['high']:g}]",
                      r["unit"], evidence)
    console.print(table)
