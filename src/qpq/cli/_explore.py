"""``qpq explore``: sensitivity, discovery, policy comparison, and large resumable runs.

Examples::

    qpq explore validate deal-under-uncertainty
    qpq explore sensitivity deal-under-uncertainty --n 1024 --json
    qpq explore sensitivity my-scenario.yaml --method morris --n 64 --chart sobol.html
    qpq explore discover deal-under-uncertainty --n 2048 --workers 2
    qpq explore compare deal-under-uncertainty --json
    qpq explore schema > scenario.schema.json
    qpq explore run deal-under-uncertainty --out runs/deal --n 100000 --workers 2
    qpq explore run deal-under-uncertainty --resume runs/deal --executor dask --workers 4
    qpq explore query runs/deal "SELECT policy, avg(militants_iskp) FROM results GROUP BY 1"
    qpq explore export runs/deal --format ema
    qpq explore analyse runs/deal

SCENARIO is a scenario file (YAML) or the id of a scenario shipped with the case
(``cases/<case>/scenarios/``). A malformed scenario exits with code 2 and names the file,
field and what is allowed.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from qpq.cli._common import (
    GROUP_HELP,
    ExecutorOpt,
    SchedulerOpt,
    check_figure_path,
    console,
    count_printer,
    err_console,
    print_json,
    save_figures,
)
from qpq.errors import EXIT_BAD_INPUT, EXIT_INCOMPLETE, BadInputError

if TYPE_CHECKING:
    from qpq.explore import Study

# Domain modules are imported inside the commands, so that ``qpq --help`` and the other
# commands do not pay for them (tests/cli/test_import_cost.py).

__all__ = ["app"]

app = typer.Typer(help=GROUP_HELP["explore"], no_args_is_help=True)

ScenarioArg = Annotated[str, typer.Argument(help="scenario file or built-in scenario id")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON document")]
CaseOpt = Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)]
NOpt = Annotated[int | None, typer.Option("--n", min=1, max=10_000_000, help="sample size "
                                          "(default: the scenario's n, at most 10,000,000)")]
WorkersOpt = Annotated[int, typer.Option("--workers", min=1, help="worker processes (speed-up "
                                         "needs 2+ blocks of 1,024 base samples)")]
ChartOpt = Annotated[Path | None, typer.Option(
    "--chart", help="write the figure(s) here: a folder (NAME.html each), or a .html, .png, "
    ".svg or .json file (several figures: FILE_NAME.SUFFIX each)")]


def _load(ref: str, case_dir: Path | None) -> tuple[Any, Study]:
    from qpq.case import load_case
    from qpq.explore import load_study

    case = load_case(case_dir)
    return case, load_study(ref, case)


def _progress(enabled: bool) -> Any:
    if not enabled:
        return None

    return functools.partial(count_printer(), "experiments")


def _show_sensitivity(res: Any) -> None:
    from qpq.explore import SobolResult

    method = res.method
    for r in res.results:
        base, _, measure = r.outcome.partition(".")
        what = {"difference": f"{base} under {res.policy} minus under {res.compare_to}",
                "regret": f"regret in {base} of {res.policy} against {res.compare_to}"
                }.get(measure, f"{r.outcome} under {res.policy}")
        table = Table(title=f"{method} indices of {what} "
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
        if isinstance(r, SobolResult):
            vague = r.no_measurable_effect()
            if vague:
                console.print(f"{len(vague)} of {len(r.names)} inputs have an ST interval "
                              f"that reaches 0, no measurable effect at this size: "
                              + ", ".join(vague[:6]) + (", …" if len(vague) > 6 else "")
                              + ("; the ranking among them is noise" if len(vague) > 1 else "")
                              + ".")
    if method.lower().startswith("sobol"):
        console.print(f"S1: the share of the outcome's variance an input explains alone; ST: "
                      f"with its interactions (total order); ±: half the "
                      f"{res.results[0].conf_level:.0%} bootstrap interval. A negative S1 or "
                      "one above ST is sampling noise.")
    console.print(f"[dim]{res.seconds:.1f} s; outcomes are expectations over the Taliban's "
                  f"type; run {res.settings['start'][:4]} to "
                  f"{res.settings['until']}, measured from {res.settings['window_start']}"
                  "[/dim]")


def _show_discovery(res: Any) -> None:
    console.print(f"[bold]{res.question}[/bold]\ncase of interest: {res.rule}; "
                  f"{res.cases.mean():.0%} of {res.cases.size} experiments")
    if not res.cases.any() or res.cases.all():
        # PRIM and CART describe where the cases are; with none (or all) there is nothing to
        # describe, and PRIM's box would print a coverage of nan
        console.print("No experiment is a case of interest, so there is no region to describe."
                      if not res.cases.any() else
                      "Every experiment is a case of interest, so no region sets them apart.")
        return
    box = res.prim.chosen
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


def _show_comparison(res: Any) -> None:
    from qpq.model import outcome

    for c in res.comparisons:
        unit = outcome(c.outcome).unit
        if c.outcome == "recognition_time":
            # censored: a scenario that never recognises counts as the window's length
            unit += " from the window's start; never = the window's length (censored)"
        title = (f"{c.outcome} in {unit} ({'higher' if c.sign > 0 else 'lower'} is better; "
                 f"satisficing: share meeting {c.threshold:.3g})" if c.sign
                 else f"{c.outcome} in {unit} (descriptive)")
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
            console.print("most robust: " + "; ".join(
                f"{k}: {' = '.join(v)}" + (" (tied)" if len(v) > 1 else "")
                for k, v in c.most_robust.items())
                + (f" (threshold: {c.threshold_source})" if c.threshold_source else "")
                + f"; ties: within {c.tie_tolerance:.3g} (1% of the outcome's SD; shares "
                "within 0.01)")
    if any(c.sign for c in res.comparisons):
        console.print("worst 10%: the outcome's 10th percentile on its worse side over the "
                      "experiments; regret: in each experiment, how far the policy falls short "
                      "of the best policy there (Savage), its maximum and mean over the "
                      "experiments; satisficing: the share of experiments meeting the "
                      "threshold.")


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of a scenario file.

    Example: ``qpq explore schema > scenario.schema.json``
    """
    from qpq.explore import scenario_json_schema

    print_json(scenario_json_schema())


@app.command("validate")
def validate_command(scenario: ScenarioArg, case_dir: CaseOpt = None,
                     json_out: JsonOpt = False) -> None:
    """Check a scenario file against the schema and the case's parameters.

    Example: ``qpq explore validate deal-under-uncertainty --json``
    """
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
    compare_to: Annotated[str | None, typer.Option(
        "--compare-to", help="a second policy: also the indices of each outcome's difference "
        "(policy minus this one, per experiment) and of the policy's regret against it")
    ] = None,
    outcome: Annotated[list[str] | None, typer.Option("--outcome", help="outcome (repeatable;"
                                                      " default: all)")] = None,
    workers: WorkersOpt = 1,
    executor: ExecutorOpt = "auto",
    scheduler: SchedulerOpt = None,
    chart: ChartOpt = None,
    case_dir: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Global sensitivity: Sobol' S1/ST (Saltelli design, n base samples) or Morris μ*/σ.

    Example: ``qpq explore sensitivity deal-under-uncertainty --n 1024 --json``; the
    policy question: ``qpq explore sensitivity deal-under-uncertainty --compare-to boycott``
    """
    from qpq.explore import SobolResult, executor_for, morris_chart, run_sensitivity, sobol_chart

    if method not in ("sobol", "morris"):
        raise BadInputError(f"--method: unknown method {method!r}; allowed: sobol, morris")
    check_figure_path(chart, "--chart")
    case, study = _load(scenario, case_dir)
    with executor_for(workers, executor, scheduler) as ex:
        res = run_sensitivity(case, study, method=method,  # type: ignore[arg-type]
                              n=n, policy=policy, outcomes=outcome, workers=workers,
                              executor=ex, on_progress=_progress(not json_out),
                              compare_to=compare_to)
    if chart is not None:
        save_figures(chart, {f"{method}_{r.outcome}": sobol_chart(r) if isinstance(r, SobolResult)
                             else morris_chart(r) for r in res.results})
    if json_out:
        print_json(res.to_json())
        return
    _show_sensitivity(res)


@app.command("discover")
def discover_command(scenario: ScenarioArg, n: NOpt = None, workers: WorkersOpt = 1,
                     executor: ExecutorOpt = "auto", scheduler: SchedulerOpt = None,
                     chart: ChartOpt = None, case_dir: CaseOpt = None,
                     json_out: JsonOpt = False) -> None:
    """Scenario discovery: PRIM box (and a CART tree) for the scenario's backfire question.

    Example: ``qpq explore discover deal-under-uncertainty --n 2048 --json``
    """
    from qpq.explore import executor_for, prim_box_chart, prim_tradeoff_chart, run_discovery

    check_figure_path(chart, "--chart")
    case, study = _load(scenario, case_dir)
    with executor_for(workers, executor, scheduler) as ex:
        res = run_discovery(case, study, n=n, workers=workers, executor=ex,
                            on_progress=_progress(not json_out))
    if chart is not None:
        units = {u.name: u.unit for u in study.uncertainties}
        save_figures(chart, {"prim_tradeoff": prim_tradeoff_chart(res.prim),
                             "prim_box": prim_box_chart(res.prim, units)})
    if json_out:
        print_json(res.to_json())
        return
    _show_discovery(res)


@app.command("compare")
def compare_command(
    scenario: ScenarioArg,
    n: NOpt = None,
    lever: Annotated[list[str] | None, typer.Option("--lever", help="China's policy "
                                                    "(repeatable; default: the scenario's)")
                     ] = None,
    workers: WorkersOpt = 1,
    executor: ExecutorOpt = "auto",
    scheduler: SchedulerOpt = None,
    chart: ChartOpt = None,
    model: Annotated[str, typer.Option(
        "--model", help="v1: the one-round game each quarter; v2: the repeated relationship "
        "(each lever's table solved with China committed to it)")] = "v1",
    case_dir: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Policy comparison: every lever over the same experiments; robustness metrics.

    Example: ``qpq explore compare deal-under-uncertainty --json``; model v2:
    ``qpq explore compare deal-under-uncertainty --model v2 --n 8``
    """
    from qpq.explore import executor_for, policy_chart, regret_chart, run_comparison
    from qpq.model import check_model, check_policy

    for name in lever or []:
        check_policy(name, field="--lever")

    check_model(model, field="--model")
    check_figure_path(chart, "--chart")
    case, study = _load(scenario, case_dir)
    with executor_for(workers, executor, scheduler) as ex:
        res = run_comparison(case, study, n=n, levers=lever, workers=workers, executor=ex,
                             on_progress=_progress(not json_out), model=model)
    if chart is not None:
        figures = {}
        for c in res.comparisons:
            figures[f"policies_{c.outcome}"] = policy_chart(res.values, c.outcome, res.levers)
            if c.sign:
                figures[f"regret_{c.outcome}"] = regret_chart(c)
        save_figures(chart, figures)
    if json_out:
        print_json(res.to_json())
        return
    _show_comparison(res)


# -- large runs: chunked, stored, resumable -------------------------------------------------
RunDirArg = Annotated[Path, typer.Argument(help="run directory (made by `qpq explore run`)",
                                           file_okay=False)]


def _run_progress(enabled: bool, total: int, before: int) -> tuple[Any, Any]:
    """A rich progress bar over chunks (done, experiments/s, time left) and its callback."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if not enabled:
        return None, None
    bar = Progress(TextColumn("chunks"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]} experiments/s"), TimeElapsedColumn(),
                   TextColumn("left"), TimeRemainingColumn(), console=err_console,
                   transient=True)
    task = bar.add_task("run", total=total, completed=before, rate="-")

    def show(p: Any) -> None:
        bar.update(task, completed=p.chunks_done, rate=f"{p.rate:,.0f}")

    return bar, show


def _means(run_dir: Path) -> Any:
    from qpq.explore import RunStore, sql_ident

    store = RunStore.open(run_dir)
    cfg = store.config
    cols = ", ".join(f"avg({sql_ident(o)}) AS {sql_ident(o)}" for o in cfg.outcomes)
    con = store.connect()
    try:
        return con.execute(f"SELECT policy, count(*) AS experiments, {cols} FROM results "
                           f"GROUP BY policy ORDER BY {store.policy_rank()}").df()
    finally:
        con.close()


@app.command("run")
def run_command(
    scenario: ScenarioArg,
    out: Annotated[Path | None, typer.Option("--out", help="new run directory",
                                             file_okay=False)] = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="continue this run "
                                                "directory (only missing chunks run)",
                                                file_okay=False)] = None,
    method: Annotated[str | None, typer.Option("--method", help="sampler: lhs (default), mc, "
                                               "sobol, saltelli, morris, factorial")] = None,
    n: NOpt = None,
    seed: Annotated[int | None, typer.Option("--seed", help="seed (default: the scenario's)",
                                             min=0)] = None,
    lever: Annotated[list[str] | None, typer.Option("--lever", help="China's policy "
                                                    "(repeatable; default: the scenario's)")
                     ] = None,
    outcome: Annotated[list[str] | None, typer.Option("--outcome", help="outcome (repeatable;"
                                                      " default: the scenario's)")] = None,
    chunk_blocks: Annotated[int | None, typer.Option(
        "--chunk-blocks", min=1, help="random-number blocks (1,024 noise groups) per chunk; "
        "default 1")] = None,
    executor: ExecutorOpt = "auto",
    workers: Annotated[int, typer.Option("--workers", min=1, help="worker processes (pool, "
                                         "or a Dask LocalCluster)")] = 1,
    scheduler: SchedulerOpt = None,
    case_dir: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Run a design through the simulator in chunks, streaming results to a Parquet store.

    Every chunk is written as it finishes; an interrupted run (Ctrl-C, a killed worker, a
    crash) keeps its finished chunks and `--resume DIR` computes only the missing ones, with
    results equal to an uninterrupted run's. Results are identical for any executor, number
    of workers and chunk size.

    Examples: ``qpq explore run deal-under-uncertainty --out runs/deal --n 100000 --workers 2``;
    ``qpq explore run deal-under-uncertainty --resume runs/deal --executor dask --workers 4``
    """
    import signal

    from qpq.explore import RunStore, make_executor, plan_run, run_plan

    if (out is None) == (resume is None):
        raise BadInputError("give exactly one of --out DIR (a new run) and --resume DIR")
    case, study = _load(scenario, case_dir)
    target = out if out is not None else resume
    assert target is not None
    before = 0
    if resume is not None:
        previous_run = RunStore.open(resume)
        before = len(previous_run.done)
        cfg = previous_run.config
        method = method or cfg.method
        n = n if n is not None else cfg.n
        seed = seed if seed is not None else cfg.seed
        lever = lever or list(cfg.policies)
        outcome = outcome or list(cfg.outcomes)
        chunk_blocks = chunk_blocks or cfg.chunk_blocks
    plan = plan_run(case, study, method=method or "lhs",  # type: ignore[arg-type]
                    n=n, seed=seed, policies=lever, outcomes=outcome,
                    chunk_blocks=chunk_blocks or 1)
    bar, show = _run_progress(not json_out, len(plan.chunks), before)

    def _terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with make_executor(executor, workers, scheduler) as ex:
            if bar is not None:
                bar.start()
            try:
                res = run_plan(plan, target, executor=ex, resume=resume is not None,
                               on_progress=show)
            finally:
                if bar is not None:
                    bar.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if json_out:
        print_json(res.to_json())
        return
    console.print(f"[green]{res.status}[/green]: {res.chunks_done} of {res.chunks_total} chunks "
                  f"({res.chunks_run} run now, {res.chunks_before} kept) in {res.path}; "
                  f"{res.experiments:,} experiments x {len(plan.config.policies)} policies, "
                  f"{res.seconds:.1f} s on {res.executor.get('executor')} "
                  f"({res.executor.get('workers')} worker(s))")
    frame = _means(target).set_index("policy")
    table = Table(title=f"mean outcome per policy over {res.experiments:,} experiments "
                        "(query the store for more)")
    table.add_column("outcome")
    for policy in frame.index:
        # the policy's name as a query or --lever takes it (a header of spaces was copied
        # into a query that knew no such policy)
        table.add_column(Text(str(policy)), justify="right", overflow="fold")
    for o in plan.config.outcomes:
        table.add_row(o, *[f"{frame.loc[p, o]:.4g}" for p in frame.index])
    console.print(table)
    console.print(f"[dim]qpq explore query {target} \"SELECT ... FROM results\"; "
                  f"qpq explore export {target} --format ema[/dim]")


AllowPartialOpt = Annotated[bool, typer.Option(
    "--allow-partial", help="use the intact finished chunks only, when chunks are missing, "
    "damaged or not yet run (the store is otherwise refused)")]


@app.command("status")
def status_command(
    run_dir: RunDirArg,
    verify: Annotated[bool, typer.Option("--verify", help="also compare every chunk's "
                                         "content with its recorded SHA-256 (reads the "
                                         "whole store)")] = False,
    json_out: JsonOpt = False,
) -> None:
    """What a run directory holds: its set-up, chunks done, missing or damaged, its sessions.

    Without --verify each finished chunk is checked for presence and size; with it, for
    content too. Repair a store with `qpq explore run SCENARIO --resume RUN_DIR`.

    Exit code (with --json too): 0 every chunk is done and intact (with --verify: query,
    export and analyse accept the store); 2 a finished chunk is missing or damaged (or
    RUN_DIR is no run); 3 the finished chunks are intact but others are still to compute
    (the run is running, was interrupted or failed; --resume finishes it).

    Example: ``qpq explore status runs/deal --verify``
    """
    from qpq.explore import RunStore, to_ranges

    store = RunStore.open(run_dir)
    cfg = store.config
    health = store.verify(hashes=verify)
    damaged = set(health.damaged)
    missing = to_ranges(set(store.missing()) | damaged)
    complete = store.complete and health.intact
    doc = {"run_dir": str(run_dir), "status": store.manifest["status"],
           "complete": complete, "intact": health.intact, "verified": verify,
           "chunks_total": store.n_chunks, "chunks_done": len(store.done - damaged),
           "missing": missing, "damaged": health.damaged,
           "problems": [p.to_json() for p in health.problems], "config": cfg.to_json(),
           "plan": store.manifest.get("plan", {}), "history": store.manifest["history"]}
    # a script tells the three states apart by the code alone: damage needs a repair, an
    # unfinished run needs time or --resume, and only a whole store can be analysed
    code = 0 if complete else EXIT_INCOMPLETE if health.intact else EXIT_BAD_INPUT
    if json_out:
        print_json(doc)
        raise typer.Exit(code)
    gaps = ", ".join(f"{a}" if b == a + 1 else f"{a}-{b - 1}" for a, b in missing) or "none"
    for p in health.problems:
        console.print(f"[red]{p.kind}[/red] {p}")
    if health.problems:
        console.print(f"repair with: qpq explore run {cfg.scenario} --resume {run_dir}")
    check = "content verified" if verify else "presence and size checked; --verify for content"
    # the manifest's status is what the last session recorded; damage found now overrides it
    state = store.manifest["status"] if health.intact else "damaged"
    console.print(f"{run_dir}: [bold]{state}[/bold], "
                  f"{doc['chunks_done']} of {store.n_chunks} chunks done and intact "
                  f"({check}; to compute: {gaps})\n"
                  f"scenario {cfg.scenario} ({cfg.scenario_hash}), {cfg.method} n={cfg.n}, seed "
                  f"{cfg.seed}, {len(cfg.policies)} policies, outcomes: "
                  f"{', '.join(cfg.outcomes)}; qpq {cfg.code['qpq']} ({cfg.code['fingerprint']})")
    for h in store.manifest["history"]:
        console.print(f"  {h.get('started')}: {h.get('executor')} x{h.get('workers')}, "
                      f"{h.get('chunks_run')} chunks in {h.get('seconds')} s -> {h.get('status')}")
    raise typer.Exit(code)


_READ_ONLY = ("SELECT", "EXPLAIN")


def _one_statement(sql: str, allow_files: bool) -> str:
    """``sql`` if it is one statement (a query unless ``allow_files``), else a clear refusal."""
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise BadInputError(f"SQL: {exc}".strip()) from None
    if not statements:
        raise BadInputError("SQL: the query is empty; give one statement, e.g. "
                            "\"SELECT count(*) FROM results\"")
    if len(statements) > 1:
        raise BadInputError(f"SQL: {len(statements)} statements given; give one query at a "
                            "time")
    kind = statements[0].type.name
    if not allow_files and kind not in _READ_ONLY:
        raise BadInputError(f"SQL: a {kind} statement is not allowed; queries are read-only "
                            "(SELECT or EXPLAIN over the view `results`); --allow-files "
                            "allows any statement and file")
    return sql


@app.command("query")
def query_command(
    run_dir: RunDirArg,
    sql: Annotated[str, typer.Argument(help="SQL over the view `results` (one row per "
                                       "experiment and policy)")],
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="rows to print (the "
                                          "table; --json and --csv print all)")] = 50,
    csv_out: Annotated[bool, typer.Option("--csv", help="print CSV")] = False,
    allow_partial: AllowPartialOpt = False,
    allow_files: Annotated[bool, typer.Option(
        "--allow-files", help="let the query read and write any file and run any statement "
        "(DuckDB's full power; only for queries you wrote yourself)")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Query a run's results with DuckDB SQL: one statement over the view `results`.

    The store is verified first (a missing or damaged chunk is refused unless
    --allow-partial). By default the query is one SELECT (or EXPLAIN) that sees only the
    view: no other file can be read or written; --allow-files lifts that.

    Example: ``qpq explore query runs/deal "SELECT policy, avg(militants_iskp) FROM results
    GROUP BY policy"``
    """
    import duckdb

    from qpq.explore import RunStore

    statements = _one_statement(sql, allow_files)
    store = RunStore.open(run_dir)
    chunks = store.usable("query", allow_partial=allow_partial)
    con = store.connect(chunks, sealed=not allow_files)
    try:
        result = con.execute(statements)
        if result.description is None:
            raise BadInputError("SQL: the statement returned no result set; give a query "
                                "(SELECT ...)")
        frame = result.df()
    except duckdb.PermissionException as exc:
        raise BadInputError(f"SQL: {exc}".strip().split("\n")[0] + "; queries read the view "
                            "`results` only (--allow-files for any file)") from None
    except duckdb.Error as exc:
        raise BadInputError(f"SQL: {exc}".strip()) from None
    finally:
        con.close()
    if len(chunks) < store.n_chunks:
        err_console.print(f"[yellow]note: {len(chunks)} of {store.n_chunks} chunks are "
                          "done and intact; the query sees those only[/yellow]")
    if json_out:
        print_json({"columns": list(map(str, frame.columns)),
                    "rows": frame.to_dict(orient="records")})
        return
    if csv_out:
        import sys

        frame.to_csv(sys.stdout, index=False)
        return
    # Text, not str: the headers are the names the next query uses (as --csv prints them),
    # so no underscore may become a space, and a value like "[b]" is data, not markup
    table = Table()
    for col in frame.columns:
        table.add_column(Text(str(col)))
    for row in frame.head(max_rows).itertuples(index=False):
        table.add_row(*[Text(f"{v:.6g}" if isinstance(v, float) else str(v)) for v in row])
    console.print(table)
    if len(frame) > max_rows:
        console.print(f"[dim]{len(frame) - max_rows} more rows (--max-rows, --csv)[/dim]")


@app.command("export")
def export_command(
    run_dir: RunDirArg,
    fmt: Annotated[str, typer.Option("--format", help="ema (EMA Workbench's save_results "
                                     "archive), csv or parquet")] = "ema",
    out: Annotated[Path | None, typer.Option("--out", help="file to write (default: "
                                             "RUN_DIR/results.tar.gz, .csv or .parquet)",
                                             dir_okay=False)] = None,
    partial: Annotated[bool, typer.Option(
        "--allow-partial", "--partial", help="export the intact finished chunks only, when "
        "chunks are missing, damaged or not yet run")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Export a run: EMA Workbench's results archive (`load_results` reads it), CSV or Parquet.

    Example: ``qpq explore export runs/deal --format ema`` then, in Python,
    ``experiments, outcomes = ema_workbench.load_results("runs/deal/results.tar.gz")``
    """
    from qpq.explore import export_run

    path = export_run(run_dir, fmt, out, partial=partial)
    # a stream (--out /dev/stdout) has no size to report
    size = path.stat().st_size if path.is_file() else None
    if json_out:
        print_json({"run_dir": str(run_dir), "format": fmt, "file": str(path), "bytes": size})
        return
    # on stderr: with --out /dev/stdout, stdout is the data
    err_console.print(f"wrote {path}" + (f" ({size:,} bytes)" if size is not None else ""))


@app.command("analyse")
def analyse_command(
    run_dir: RunDirArg,
    scenario: Annotated[str | None, typer.Option("--scenario", help="the scenario the run "
                                                 "was made from (default: the file recorded "
                                                 "in the run)")] = None,
    policy: Annotated[list[str] | None, typer.Option("--policy", help="sensitivity: policy "
                                                     "(repeatable; default: all of the run)")
                      ] = None,
    compare_to: Annotated[str | None, typer.Option(
        "--compare-to", help="saltelli/morris runs: a policy of the run; also the indices of "
        "each outcome's difference from it and of the other policies' regret against it")
    ] = None,
    case_dir: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Analyse a finished run's stored outcomes (nothing is simulated again).

    Sobol' indices for saltelli runs, Morris for morris runs, the policy comparison and
    scenario discovery for other designs.

    Example: ``qpq explore run deal-under-uncertainty --out runs/s --method saltelli --n 4096
    --lever engage_reward_if_suppressed --workers 2`` then ``qpq explore analyse runs/s``;
    with ``--lever boycott`` too, ``qpq explore analyse runs/s --compare-to boycott`` gives the
    policy question's indices (deal minus boycott, and the deal's regret).
    """
    from qpq.explore import RunStore, analyse_run

    store = RunStore.open(run_dir)
    study = None
    if scenario is not None:
        study = _load(scenario, case_dir)[1]
    else:
        # a built-in scenario loads by its id; a user's file by the path the run recorded
        for ref in (store.config.scenario, str(store.manifest.get("scenario_source", ""))):
            try:
                study = _load(ref, case_dir)[1]
                break
            except BadInputError:
                continue
        if study is None:
            raise BadInputError(f"{run_dir}: cannot find the scenario "
                                f"{store.config.scenario!r} the run was made from; pass it "
                                "with --scenario FILE")
    res = analyse_run(run_dir, study, policies=policy, compare_to=compare_to)
    if json_out:
        print_json(res.to_json())
        return
    for s in res.sensitivity:
        _show_sensitivity(s)
    if res.comparison is not None:
        _show_comparison(res.comparison)
    if res.discovery is not None:
        _show_discovery(res.discovery)
    for note in res.notes:
        console.print(f"[dim]{note}[/dim]")
