"""``qpq bargain``: the expected utility and exchange models of stakeholder bargaining.

Examples::

    qpq bargain eum                                   # built-in case, issue 'recognition'
    qpq bargain eum --issue action_on_etim --rounds 30
    qpq bargain eum --data eu.csv --variant scholz-compat --rounds 10 --json
    qpq bargain eum --data eu.csv --set q=0.5 --set offer_rule=scholz
    qpq bargain exchange                              # built-in case, both issues
    qpq bargain exchange --data cop21.csv --carry-over decide --sizing decide --json
    qpq bargain montecarlo --draws 500 --seed 1

``--data`` reads a plain CSV (``actor,capability,position,salience`` [,``issue``]), Decide's
``#``-tagged format or KTAB's SMP CSV (detected from the content).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from qpq.cli._common import GROUP_HELP, console, parse_assignments, print_json
from qpq.errors import BadInputError

if TYPE_CHECKING:
    from qpq.bargain import IssueSet, Stakeholders
    from qpq.case import Case

# Domain modules are imported inside the commands, so that ``qpq --help`` and the other
# commands do not pay for them (tests/cli/test_import_cost.py).

__all__ = ["app"]

app = typer.Typer(help=GROUP_HELP["bargain"], no_args_is_help=True)

MAX_ROUNDS = 1000
"""Most rounds either model may be asked for: each round costs the same, and the exchange model
runs every round it is given (a mistyped --rounds 10000000000 would run for ever)."""

DataOpt = Annotated[Path | None, typer.Option(
    "--data", help="data file (CSV, Decide or KTAB SMP); default: the case's bargaining data",
    dir_okay=False)]
CaseOpt = Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON document")]
DEFAULT_ISSUE = "recognition"


def _option_overrides(items: list[str]) -> dict[str, Any]:
    """Turn ``--set name=value`` pairs into typed :class:`EUMOptions` overrides."""
    from qpq.bargain import EUMOptions
    from qpq.checks import with_article

    fields = {f.name: f for f in dataclasses.fields(EUMOptions)}
    out: dict[str, Any] = {}
    for name, text in parse_assignments(items).items():
        if name not in fields:
            raise BadInputError(f"--set: unknown option {name!r}; options are: "
                                f"{', '.join(fields)}")
        default = fields[name].default
        try:
            if isinstance(default, bool):
                if text.lower() not in {"true", "false", "1", "0", "yes", "no"}:
                    raise ValueError(text)
                out[name] = text.lower() in {"true", "1", "yes"}
            elif isinstance(default, int):
                out[name] = int(text)
            elif isinstance(default, float):
                out[name] = float(text)
            else:
                out[name] = text
        except ValueError:
            raise BadInputError(f"--set {name}: cannot read {text!r} as "
                                f"{with_article(type(default).__name__)}") from None
    return out


def _single_issue(data: Path | None, loaded: Case | None, issue: str | None) -> Stakeholders:
    from qpq.bargain import case_stakeholders, read_issue_data

    if data is not None:
        return read_issue_data(data).stakeholders(issue)
    assert loaded is not None
    return case_stakeholders(loaded, issue or DEFAULT_ISSUE)


def _reading(loaded: Case | None, issue: str, value: float) -> str:
    """The value on the issue's scale in words (the case's anchors; a data file has none)."""
    from qpq.bargain import case_issue

    if loaded is None:
        return f"{value:.4g} on the data file's scale (it defines no anchors)"
    return case_issue(loaded, issue).reading(value)


def _record_line(loaded: Case | None, issue: str, value: float) -> None:
    """Where the record already put the issue, beside ``value`` (a case's issues only)."""
    from qpq.bargain import case_issue

    if loaded is not None:
        said = case_issue(loaded, issue).against_record(value)
        if said:
            console.print(said)


def _issue_json(loaded: Case | None, issue: str, value: float) -> dict[str, Any]:
    """The text's reading of ``value`` and the record's point, for ``--json``."""
    from qpq.bargain import case_issue

    doc: dict[str, Any] = {"value": value, "reading": _reading(loaded, issue, value)}
    if loaded is not None:
        doc["record"] = case_issue(loaded, issue).record_json(value)
    return doc


def _issue_set(data: Path | None, loaded: Case | None) -> IssueSet:
    from qpq.bargain import case_issue_set, read_issue_data

    if data is not None:
        return read_issue_data(data)
    assert loaded is not None
    return case_issue_set(loaded)


def _case_unless(data: Path | None, case: Path | None) -> Case | None:
    """The case, loaded once per command, unless ``--data`` replaces it."""
    from qpq.case import load_case

    return None if data is not None else load_case(case)


@app.command()
def eum(
    data: DataOpt = None,
    issue: Annotated[str | None, typer.Option("--issue", help="issue id (default: the first "
                                              "issue of --data, or 'recognition')")] = None,
    rounds: Annotated[int | None, typer.Option("--rounds", min=0, max=MAX_ROUNDS,
                                               help="rounds to run at most")] = None,
    variant: Annotated[str, typer.Option("--variant", help="default | scholz-compat")
                       ] = "default",
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="override one option, NAME=VALUE (e.g. q=0.5, offer_rule=scholz)")
    ] = None,
    case: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Run the expected utility model on one issue and show the forecast trajectory.

    Example: ``qpq bargain eum --data eu.csv --variant scholz-compat --rounds 10 --json``
    """
    from qpq.bargain import eum_options, run_eum

    overrides = _option_overrides(set_ or [])
    if rounds is not None:
        overrides["max_rounds"] = rounds
    opts = eum_options(variant, **overrides)
    loaded = _case_unless(data, case)
    result = run_eum(_single_issue(data, loaded, issue), opts)
    if json_out:
        doc = result.to_dict()
        doc["variant"] = variant
        doc["forecast_on_scale"] = _issue_json(loaded, result.data.issue, result.forecast)
        print_json(doc)
        return
    table = Table(title=f"Expected utility model: issue {result.data.issue!r} ({variant}; "
                  f"{result.stability.value})")
    for col in ("round", "median", "mean", "moves"):
        table.add_column(col, justify="right" if col != "moves" else "left", overflow="fold")
    for r in result.rounds:
        moves = "; ".join(f"{m.actor} {m.kind.value} {m.partner} → {m.end:.4g}"
                          for m in r.moves[:4]) + (" …" if len(r.moves) > 4 else "")
        table.add_row(str(r.round), f"{r.median:.6g}", f"{r.mean:.6g}", moves)
    console.print(table)
    movers = ", ".join(f"{a} ({k}×)" for a, k in result.movers().items()) or "nobody"
    console.print(f"forecast (median after round {result.rounds[-1].round}): "
                  f"{_reading(loaded, result.data.issue, result.forecast)}; "
                  f"movers: {movers}")
    if result.stability.value != "converged":
        # a run that did not converge forecasts wherever it stopped: say how far that moves
        lo, hi = min(result.medians), max(result.medians)
        console.print(f"Not converged ({result.stability.value}): the median moved between "
                      f"{lo:.1f} and {hi:.1f} over the rounds, so the forecast depends on "
                      f"where the run stops; qpq bargain montecarlo gives its spread over the "
                      "inputs' ranges.")
    _record_line(loaded, result.data.issue, result.forecast)


@app.command()
def exchange(
    data: DataOpt = None,
    rounds: Annotated[int, typer.Option("--rounds", min=0, max=MAX_ROUNDS,
                                        help="rounds of exchange")] = 10,
    carry_over: Annotated[str, typer.Option("--carry-over", help="full | decide (positions the "
                                            "next round starts from)")] = "full",
    seed: Annotated[int, typer.Option("--seed", help="seed for tie-breaking", min=0)] = 0,
    sizing: Annotated[str, typer.Option("--sizing", help="current | decide (decide: "
                                        "decide-exchange-model 2025.3.1's re-sizing, move caps "
                                        "and tie draws; with --carry-over decide it gives "
                                        "Decide's trajectory)")] = "current",
    case: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Run the equal-gain exchange model across two or more issues.

    Example: ``qpq bargain exchange --json`` (the built-in case's two issues)
    """
    from qpq.bargain import CarryOver, ExchangeOptions, Sizing, run_exchange

    if carry_over not in {c.value for c in CarryOver}:
        raise BadInputError(f"--carry-over must be one of: {', '.join(c.value for c in CarryOver)}"
                            f"; got {carry_over!r}")
    if sizing not in {c.value for c in Sizing}:
        raise BadInputError(f"--sizing must be one of: {', '.join(c.value for c in Sizing)}"
                            f"; got {sizing!r}")
    opts = ExchangeOptions(rounds=rounds, carry_over=CarryOver(carry_over), seed=seed,
                           sizing=Sizing(sizing))
    loaded = _case_unless(data, case)
    result = run_exchange(_issue_set(data, loaded), opts)
    final = result.rounds[-1].outcome_end if result.rounds else result.initial_outcome
    if json_out:
        doc = result.to_dict()
        doc["final_on_scale"] = {name: _issue_json(loaded, name, float(value))
                                 for name, value in zip(result.data.issues, final, strict=True)}
        print_json(doc)
        return
    issues = result.data.issues
    table = Table(title="Exchange model: outcome per issue (Nash bargaining solution)")
    table.add_column("round", justify="right")
    for name in issues:
        table.add_column(name, justify="right")
    table.add_column("exchanges", justify="right")
    table.add_row("0", *(f"{v:.4g}" for v in result.initial_outcome), "")
    for r in result.rounds:
        table.add_row(str(r.round), *(f"{v:.4g}" for v in r.outcome_end), str(len(r.exchanges)))
    console.print(table)
    for name, value in zip(issues, final, strict=True):
        console.print(f"{name} after the last round: {_reading(loaded, name, value)}")
        _record_line(loaded, name, value)
    ex = Table(title="Largest exchanges")
    for col in ("round", "i (demands p)", "p", "j (demands q)", "q", "gain"):
        ex.add_column(col, overflow="fold")
    top = sorted(result.exchanges(), key=lambda e: -e.gain)[:10]
    for e in top:
        ex.add_row(str(e.round), e.i, e.p, e.j, e.q, f"{e.gain:.4g}")
    console.print(ex)


@app.command()
def montecarlo(
    draws: Annotated[int, typer.Option("--draws", min=1, help="input draws")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="seed of the generator", min=0)] = 0,
    rounds: Annotated[int, typer.Option("--rounds", min=0, max=MAX_ROUNDS,
                                         help="EUM rounds")] = 20,
    case: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Vary the case's assumptions over their ranges and summarise both models' forecasts.

    Example: ``qpq bargain montecarlo --draws 500 --seed 1 --json``
    """
    import numpy as np

    from qpq.bargain import EUMOptions, ExchangeOptions, monte_carlo
    from qpq.case import load_case

    result = monte_carlo(load_case(case), np.random.default_rng(seed), draws,
                         eum_options=EUMOptions(max_rounds=rounds),
                         exchange_options=ExchangeOptions(seed=seed))
    summary = result.summary()
    if json_out:
        summary["seed"] = seed
        print_json(summary)
        return
    table = Table(title=f"Monte Carlo over {draws} draws (seed {seed})")
    for col in ("issue", "forecast", "5%", "25%", "50%", "75%", "95%"):
        table.add_column(col, justify="right" if col not in {"issue", "forecast"} else "left")
    for label, key in (("EUM median", "eum_median"), ("EUM mean", "eum_mean"),
                       ("exchange outcome", "exchange_outcome")):
        for issue, q in summary[key].items():
            table.add_row(issue, label, *(f"{v:.4g}" for v in q.values()))
    console.print(table)
    a, b = result.pair
    console.print(f"{a} and {b} trade in {result.pair_trades:.0%} of the draws")
