"""``qpq evidence``: query and audit the case file.

Examples::

    qpq evidence timeline --actor China --as-of 2021-08-15 --json
    qpq evidence show ev-wang-yi-kabul-2022
    qpq evidence search "Badakhshan"
    qpq evidence audit
    qpq evidence record --subject ETIM --as-of 2025-06-30 --json
    qpq evidence validate path/to/my_case
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from qpq.cli._common import GROUP_HELP, console, day_option, err_console, print_json
from qpq.errors import BadInputError, QpqError

# Domain modules are imported inside the commands, so that ``qpq --help`` and the other
# commands do not pay for them (tests/cli/test_import_cost.py).

__all__ = ["app"]

app = typer.Typer(help=GROUP_HELP["evidence"], no_args_is_help=True)

CaseOpt = Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON document")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="only what was known by this date "
                                             "(YYYY[-MM[-DD]])")]


def _day(text: str | None, option: str, *, end: bool) -> dt.date | None:
    return None if text is None else day_option(text, option, end=end)


@app.command()
def timeline(
    actor: Annotated[str | None, typer.Option("--actor", help="actor id, name or alias")] = None,
    start: Annotated[str | None, typer.Option("--from", help="first date")] = None,
    end: Annotated[str | None, typer.Option("--to", help="last date (not before --from)")] = None,
    as_of: AsOfOpt = None,
    case: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Events in date order, with their sources.

    Example: ``qpq evidence timeline --actor China --from 2021 --json``
    """
    from qpq.case import EvidenceDB, load_case

    first, last = _day(start, "--from", end=False), _day(end, "--to", end=True)
    if first is not None and last is not None and first > last:
        # an empty window is a typo (the dates swapped), not a question with no events
        raise BadInputError(f"--from {start} is after --to {end}; allowed: a --from no later "
                            "than --to")
    db = EvidenceDB.from_case(load_case(case))
    rows = db.timeline(actor, first, last, _day(as_of, "--as-of", end=True))
    if json_out:
        print_json({"case": db.case.meta.id, "actor": actor, "as_of": as_of, "events": rows})
        return
    table = Table(title=f"Timeline ({len(rows)} events)")
    for col in ("date", "event", "actors", "sources"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["date"], r["title"], ", ".join(r["actors"]),
                      ", ".join(s["id"] for s in r["sources"]))
    console.print(table)


@app.command()
def show(item_id: Annotated[str, typer.Argument(help="any item id, or a parameter name")],
         case: CaseOpt = None, json_out: JsonOpt = False) -> None:
    """One item with its fields and what cites it (or a parameter with its evidence).

    Example: ``qpq evidence show bajoria-2014-cfr``, ``qpq evidence show attack_rate``
    """
    from qpq.case import EvidenceDB, load_case

    loaded = load_case(case)
    if item_id in loaded.parameter and item_id not in loaded.by_id:
        from qpq.cli._params import print_parameters

        print_parameters(loaded, [item_id], json_out)
        return
    db = EvidenceDB.from_case(loaded)
    data = db.show(item_id)
    if json_out:
        print_json(data)
        return
    console.print(f"[bold]{data['id']}[/bold] ({data['kind']}, known {data['known'] or 'n/a'})")
    for key, value in data["item"].items():
        if key != "id":
            # a URL on one line, whatever the terminal's width: folded, it was copied broken
            console.print(f"  [cyan]{key}[/cyan]: {escape(_field(value))}",
                          soft_wrap=key == "url")
    if data["cited_by"]:
        console.print(f"  [cyan]cited by[/cyan]: {', '.join(data['cited_by'])}")


def _field(value: Any) -> str:
    """An item's field in words: lists joined, records (e.g. citations) in a few words each.

    ``--json`` keeps every value as it is.
    """
    if isinstance(value, list):
        return "; ".join(_field(v) for v in value) if value else "none"
    if isinstance(value, dict):
        # a citation says where the paper cites the source; its copy of the source's own
        # fields (title, url, ...) would repeat the lines above
        where = [f"{k} {value[k]}" for k in ("footnote", "page") if k in value]
        if "style" in value:
            where.append(str(value["style"]))
        return ", ".join(where) or ", ".join(f"{k}: {_field(v)}" for k, v in value.items())
    return str(value)


@app.command()
def search(text: Annotated[str, typer.Argument(help="words to find")], as_of: AsOfOpt = None,
           case: CaseOpt = None, json_out: JsonOpt = False) -> None:
    """Items whose text contains every word.

    Example: ``qpq evidence search "Badakhshan relocation"``
    """
    from qpq.case import EvidenceDB, load_case

    db = EvidenceDB.from_case(load_case(case))
    rows = db.search(text, _day(as_of, "--as-of", end=True))
    if json_out:
        print_json({"query": text, "results": rows})
        return
    table = Table(title=f"{len(rows)} items match {text!r}")
    for col in ("id", "kind", "snippet"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["id"], r["kind"], r["snippet"])
    console.print(table)


@app.command()
def record(
    subject: Annotated[str | None, typer.Option("--subject",
                                                help="actor id, name or alias")] = None,
    as_of: AsOfOpt = None,
    case: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The record: estimates, attacks, Taliban actions and milestones, counted by kind and body.

    Example: ``qpq evidence record --subject ISKP --as-of 2023-12-31 --json``
    """
    from qpq.case import EvidenceDB, load_case, un_estimates_words

    db = EvidenceDB.from_case(load_case(case))
    data = db.record(subject, _day(as_of, "--as-of", end=True))
    if json_out:
        print_json(data)
        return
    what = f" on {subject}" if subject else ""
    when = f" known by {as_of}" if as_of else ""
    console.print(f"[bold]The record{what}{when}[/bold]: {data['total']} observations "
                  f"({un_estimates_words(data)})")
    for title, column, key in (("Observations per kind", "kind", "counts"),
                               ("Estimates per estimating body", "body", "by_body"),
                               ("Observations per source publisher", "publisher",
                                "by_publisher")):
        table = Table(title=title)
        table.add_column(column, overflow="fold")
        table.add_column("n", justify="right")
        for name, n in data[key].items():
            table.add_row(name, str(n))
        console.print(table)


@app.command("audit")
def audit_cmd(case: CaseOpt = None, json_out: JsonOpt = False) -> None:
    """Integrity errors and the evidence's own inconsistencies (exit 1 on errors).

    Example: ``qpq evidence audit --json``
    """
    from qpq.case import audit, load_case

    report = audit(load_case(case))
    if json_out:
        print_json(report)
    else:
        console.print(f"[bold]Audit of {report.case_id}[/bold]: {len(report.errors)} integrity "
                      f"errors, {len(report.findings)} findings")
        for f in report.errors:
            console.print(f"  [red]error[/red] {f.summary}")
        for f in report.findings:
            console.print(f"  [yellow]{f.detector}[/yellow] {f.summary}")
    if not report.ok:
        raise QpqError(f"{len(report.errors)} integrity errors")


@app.command()
def validate(path: Annotated[Path, typer.Argument(help="case folder")],
             json_out: JsonOpt = False) -> None:
    """Validate a case folder, its basemap included (exit 2 with one message per problem).

    Example: ``qpq evidence validate my_case/``
    """
    from qpq.case import load_case
    from qpq.model import ParameterRegistry
    from qpq.report import load_basemap

    case = load_case(path)
    # what the model allows of the parameters the case defines (an evidence-only case, or
    # one without the game, defines none or some: the lenses that need more say so)
    ParameterRegistry.from_case(case, complete=False)
    # the basemap is the report's file (only the map reads it), but it ships in the case
    # folder, so a damaged one is found here rather than at the end of a report
    basemap = load_basemap(case)
    summary = {"case": case.meta.id, "sources": len(case.sources), "events": len(case.events),
               "quantities": len(case.quantities), "claims": len(case.claims),
               "actors": len(case.actors), "places": len(case.places),
               "phases": len(case.phases), "parameters": len(case.parameters),
               "basemap_outlines": 0 if basemap is None else len(basemap.features)}
    if json_out:
        print_json({"valid": True, **summary})
    else:
        console.print(f"{path}: valid — " + ", ".join(f"{v} {k.replace('_', ' ')}"
                                                     for k, v in summary.items()
                                                     if k != "case"))


@app.command()
def schema(out: Annotated[Path | None, typer.Option("--out", help="write to this file",
                                                    dir_okay=False)] = None) -> None:
    """Print (or write) the JSON Schema of every case file.

    Example: ``qpq evidence schema --out case.schema.json``
    """
    from qpq.case import case_json_schema

    data = case_json_schema()
    if out is None:
        print_json(data)
    else:
        import json

        from qpq.files import write_file

        write_file(out, json.dumps(data, indent=2) + "\n")
        err_console.print(f"wrote {out}")     # stdout may be the data (--out /dev/stdout)
