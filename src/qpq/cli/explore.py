"""``qpq explore``: sensitivity, scenario discovery and policy comparison from scenario files.

Examples::

    qpq explore validate deal-under-uncertainty
    qpq explore sensitivity deal-under-uncertainty --n 1024 --json
    qpq explore sensitivity my-scenario.yaml --method morris --n 64 --chart sobol.html
    qpq explore discover deal-under-uncertainty --n 2048 --workers 2
    qpq explore compare deal-under-uncertainty --json
    qpq explore schema > scenario.schema.json

SCENARIO is a scenario file (YAML) or the id of a scenario shipped with the case
(``cases/<case>/scenarios/``). A malformed scenario exits with code 2 and names the file,
field and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from qpq.case import load_case
from qpq.cli._common import console, err_console, print_json
from qpq.errors import BadInputError
from qpq.explore.loading import load_study
from qpq.explore.scenario import Study
from qpq.explore.settings import scenario_json_schema

__all__ = ["app"]

app = typer.Typer(help="Exploration: sensitivity (Sobol'/Morris), scenario discovery (PRIM) and "
                       "policy comparison under deep uncertainty.", no_args_is_help=True)

ScenarioArg = Annotated[str, typer.Argument(help="scenario file or built-in scenario id")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON document")]
CaseOpt = Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)]
NOpt = Annotated[int | None, typer.Option("--n", min=1, help="sample size (default: the "
                                          "scenario's n)")]
WorkersOpt = Annotated[int, typer.Option("--workers", min=1, help="worker processes (speed-up "
                                         "needs 2+ blocks of 1,024 base samples)")]
ChartOpt = Annotated[Path | None, typer.Option("--chart", help="write the figure(s) here "
                                               "(.html, .png, .svg or a folder)")]


def _load(ref: str, case_dir: Path | None) -> tuple[Any, Study]:
    case = load_case(case_dir)
    return case, load_study(ref, case)


def _progress(enabled: bool) -> Any:
    if not enabled:
        return None

    def show(done: int, total: int) -> None:
        err_console.print(f"[dim]experiments: {done}/{total}[/dim]", end="\r")

    return show


def _save(chart: Any, path: Path, name: str) -> Path:
    target = path / f"{name}.html" if path.suffix == "" else path
    target.parent.mkdir(parents=True, exist_ok=True)
    chart.save(str(target))
    return target


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of a scenario file."""
    print_json(scenario_json_schema())


@app.command("validate")
def validate_command(scenario: ScenarioArg, case_dir: CaseOpt = None,
                     json_out: JsonOpt = False) -> None:
    """Check a scenario file against the schema and the case's parameters."""
    _, study = _load(scenario, case_dir)
    orderings = [f"{o.dependent} drawn {o.side} {o.other}" for o in study.orderings]
    doc = {"id": study.id, "source": study.source, "valid": True,
           "uncertainties": [{"parameter": u.name, "low": u.low, "high": u.high,
                              "distribution": u.distribution, "in_lookup": u.in_lookup}
                             for u in study.uncertainties],
           "levers": list(study.levers), "outcomes": {o.name: o.objective
                                                      for o in study.outcomes},
           "orderings": orderings,
           "reference_policy": study.reference_policy, "n": study.n, "seed": study.seed}
    if json_out:
        print_json(doc)
        return
    console.print(f"[green]valid[/green] scenario {study.id} ({study.source}): "
                  f"{len(study.uncertainties)} uncertainties, {len(study.levers)} levers, "
                  f"{len(study.outcomes)} outcomes; orderings: "
                  + ("; ".join(orderings) or "none"))


@app.command("sensitivity")
def sensitivity_command(
    scenario: ScenarioArg,
    method: Annotated[str, typer.Option("--method", help="sobol or morris")] = "sobol",
    n: NOpt = None,
    policy: Annotated[str | None, typer.Option("--policy", help="China's policy (default: "
                                               "the scenario's reference policy)")] = None,
    outcome: Annotated[list[str] | None, typer.Option("--outcome", help="outcome (repeatable;"
                                                      " default: all)")] = None,
    workers: WorkersOpt = 1,
    chart: ChartOpt = None,
    case_dir: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Global sensitivity: Sobol' S1/ST (Saltelli design, n base samples) or Morris μ*/σ.

    Example: ``qpq explore sensitivity deal-under-uncertainty --n 1024 --json``
    """
    from qpq.explore.charts import morris_chart, sobol_chart
    from qpq.explore.sensitivity import SobolResult
    from qpq.explore.studies import run_sensitivity

    if method not in ("sobol", "morris"):
        raise BadInputError(f"--method: unknown method {method!r}; allowed: sobol, morris")
    case, study = _load(scenario, case_dir)
    res = run_sensitivity(case, study, method=method,  # type: ignore[arg-type]
                          n=n, policy=policy, outcomes=outcome, workers=workers,
                          on_progress=_progress(not json_out))
    if chart is not None:
        for r in res.results:
            fig = sobol_chart(r) if isinstance(r, SobolResult) else morris_chart(r)
            one_file = chart.suffix != "" and len(res.results) == 1
            _save(fig, chart if one_file else (chart if chart.suffix == "" else chart.parent),
                  f"{method}_{r.outcome}")
    if json_out:
        print_json(res.to_json())
        return
    for r in res.results:
        table = Table(title=f"{method} indices of {r.outcome} under {res.policy} "
                            f"({res.design['experiments']} experiments)")
        if isinstance(r, SobolResult):
            for col in ("input", "S1", "±", "ST", "±"):
                table.add_column(col, justify="left" if col == "input" else "right")
            for name in r.ranking("ST"):
                table.add_row(name, f"{r.S1[name]:.3f}", f"{r.S1_conf[name]:.3f}",
                              f"{r.ST[name]:.3f}", f"{r.ST_conf[name]:.3f}")
        else:
            for col in ("input", "mu*", "±", "sigma"):
                table.add_column(col, justify="left" if col == "input" else "right")
            for name in r.ranking():
                table.add_row(name, f"{r.mu_star[name]:.3g}", f"{r.mu_star_conf[name]:.3g}",
                              f"{r.sigma[name]:.3g}")
        console.print(table)
    console.print(f"[dim]{res.seconds:.1f} s; outcomes are expectations over the Taliban's "
                  "type; run 1996 to "
                  f"{res.settings['until']}, measured from {res.settings['window_start']}"
                  "[/dim]")


@app.command("discover")
def discover_command(scenario: ScenarioArg, n: NOpt = None, workers: WorkersOpt = 1,
                     chart: ChartOpt = None, case_dir: CaseOpt = None,
                     json_out: JsonOpt = False) -> None:
    """Scenario discovery: PRIM box (and a CART tree) for the scenario's backfire question.

    Example: ``qpq explore discover deal-under-uncertainty --n 2048 --json``
    """
    from qpq.explore.charts import prim_box_chart, prim_tradeoff_chart
    from qpq.explore.studies import run_discovery

    case, study = _load(scenario, case_dir)
    res = run_discovery(case, study, n=n, workers=workers, on_progress=_progress(not json_out))
    if chart is not None:
        units = {u.name: u.unit for u in study.uncertainties}
        folder = chart if chart.suffix == "" else chart.parent
        _save(prim_tradeoff_chart(res.prim), folder, "prim_tradeoff")
        _save(prim_box_chart(res.prim, units), folder, "prim_box")
    if json_out:
        print_json(res.to_json())
        return
    box = res.prim.chosen
    console.print(f"[bold]{res.question}[/bold]\ncase of interest: {res.rule}; "
                  f"{res.cases.mean():.0%} of {res.cases.size} experiments")
    table = Table(title=f"PRIM box: coverage {box.coverage:.2f}, density {box.density:.2f}, "
                        f"mass {box.mass:.2f}")
    for col in ("input", "low", "high", "quasi-p"):
        table.add_column(col)
    for name, (lo, hi) in box.limits(res.prim.names).items():
        table.add_row(name, f"{lo:.3g}", f"{hi:.3g}", f"{box.quasi_p.get(name, float('nan')):.2g}")
    console.print(table)
    scores = sorted(res.cart.scores.items(), key=lambda kv: -kv[1])
    console.print("CART feature scores: " + ", ".join(f"{k} {v:.2f}" for k, v in scores
                                                       if v > 0))


@app.command("compare")
def compare_command(
    scenario: ScenarioArg,
    n: NOpt = None,
    lever: Annotated[list[str] | None, typer.Option("--lever", help="China's policy "
                                                    "(repeatable; default: the scenario's)")
                     ] = None,
    workers: WorkersOpt = 1,
    chart: ChartOpt = None,
    case_dir: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Policy comparison: every lever over the same experiments; robustness metrics.

    Example: ``qpq explore compare deal-under-uncertainty --json``
    """
    from qpq.explore.charts import policy_chart, regret_chart
    from qpq.explore.settings import policy_names
    from qpq.explore.studies import run_comparison

    for name in lever or []:
        if name not in policy_names():
            raise BadInputError(f"--lever: unknown policy {name!r}; allowed: "
                                + ", ".join(policy_names()))
    case, study = _load(scenario, case_dir)
    res = run_comparison(case, study, n=n, levers=lever, workers=workers,
                         on_progress=_progress(not json_out))
    if chart is not None:
        folder = chart if chart.suffix == "" else chart.parent
        for c in res.comparisons:
            _save(policy_chart(res.values, c.outcome, res.levers), folder, f"policies_{c.outcome}")
            if c.sign:
                _save(regret_chart(c), folder, f"regret_{c.outcome}")
    if json_out:
        print_json(res.to_json())
        return
    for c in res.comparisons:
        title = (f"{c.outcome} ({'higher' if c.sign > 0 else 'lower'} is better; satisficing: "
                 f"share meeting {c.threshold:.3g})" if c.sign else f"{c.outcome} (descriptive)")
        table = Table(title=title)
        cols = ["policy", "mean", "p10", "p90"]
        if c.sign:
            cols = ["policy", "mean", "worst 10%", "max regret", "mean regret", "satisficing"]
        for col in cols:
            if col == "policy":
                table.add_column(col, overflow="fold", ratio=2)
            else:
                table.add_column(col, justify="right", no_wrap=True, ratio=1)
        for m in c.metrics:
            if c.sign:
                row = [m.policy, f"{m.mean:.3g}", f"{m.worst_decile:.3g}", f"{m.max_regret:.3g}",
                       f"{m.mean_regret:.3g}", f"{m.satisficing:.2f}"]
            else:
                row = [m.policy] + [f"{v:.3g}" for v in (m.mean, m.p10, m.p90)]
            table.add_row(*row)
        console.print(table)
        if c.sign:
            console.print("most robust: " + ", ".join(f"{k}: {v}"
                                                       for k, v in c.most_robust.items())
                          + (f" (threshold: {c.threshold_source})" if c.threshold_source
                             else ""))
