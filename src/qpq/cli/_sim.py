"""``qpq sim``: the dynamics — policy runs, the backcast, as-of forecasts, propositions.

Examples::

    qpq sim run --n 20000 --until 2030-12-31 --out runs/base
    qpq sim run --policy boycott --policy equilibrium --draws 256 --json
    qpq sim backcast --as-of 2025-12-31
    qpq sim calibrate --as-of 2024-06-30 --json
    qpq sim forecast --as-of 2025-06-30 --until 2026-06-30 --json
    qpq sim forecast --as-of 2025-06-30 --until 2027-12-31 --policy conditional --n 50000
    qpq sim forecast --as-of 2025-06-30 --until 2026-06-30 --calibration facts
    qpq sim run --model v2 --policy boycott --policy equilibrium --n 2000
    qpq sim propositions --n 4096
    qpq sim backtest --json
    qpq sim backtest --origins 2020-06-30,2022-06-30 --horizon 6m --draws 64 --n 2000
    qpq sim backtest --executor dask --workers 2
    qpq sim backtest --calibration facts
    qpq sim backtest --max-simulations 20000 --population 200

Time step: one quarter. Every quantity no evidence constrains is labelled
"uncalibrated (assumption-driven)"; a forecast event on which evidence bears is "calibrated",
"partly calibrated" or "evidence seen, parameters unconstrained (assumption-driven)" as the
calibration constrained all, some or none of its parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from qpq.cli._common import (
    GROUP_HELP,
    ExecutorOpt,
    SchedulerOpt,
    console,
    count_printer,
    day_option,
    parse_assignments,
    print_json,
    save_figures,
)
from qpq.errors import BadInputError
from qpq.model import policy_names

# Domain modules are imported inside the commands, so that ``qpq --help`` and the other
# commands do not pay for them (tests/cli/test_import_cost.py).

__all__ = ["app"]

app = typer.Typer(help=GROUP_HELP["sim"], no_args_is_help=True)

MAX_SCENARIOS = 10_000_000
"""Most scenarios a command may be asked for (as for a scenario file's n): far above what runs
here, and a mistyped --n would otherwise allocate until memory runs out."""

JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON document")]
CaseOpt = Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)]
SeedOpt = Annotated[int, typer.Option("--seed", help="seed of every random stream", min=0)]
WorkersOpt = Annotated[int, typer.Option("--workers", help="worker processes", min=1)]
DrawsOpt = Annotated[int, typer.Option("--draws", help="calibration: parameter draws", min=1)]
RepsOpt = Annotated[int, typer.Option("--replicates", help="calibration: scenarios per draw",
                                      min=1)]
# forecast and backtest: the same two sizes, read per calibration (the record's, the default,
# resamples posterior points; the facts' draws prior points)
ParticleDrawsOpt = Annotated[int, typer.Option(
    "--draws", help="calibration: parameter points, posterior points resampled from the record "
    "calibration (default) or prior draws (--calibration facts)", min=1)]
ParticleRepsOpt = Annotated[int, typer.Option(
    "--replicates", help="calibration: histories per point (the particles are --draws × "
    "--replicates)", min=1)]
ModelOpt = Annotated[str, typer.Option(
    "--model", help="v1: the one-round game each quarter; v2: the repeated relationship "
    "(docs/model-dynamics.md §7.2, §7.9)")]
FORECAST_MODEL = "v1"
"""The model ``qpq sim forecast`` and ``qpq sim backtest`` run by default (``qpq sim
calibrate`` defaults to v2, AbcSettings' own, and says when it differs from this)."""


# The record calibration's main settings on `qpq sim forecast` and `qpq sim backtest`, spelled
# as `qpq sim calibrate` spells them; left out, each is AbcSettings' default (its one owner).
CALIBRATION_DEFAULT = "record"
"""qpq.sim.DEFAULT_CALIBRATION, spelled out: importing qpq.sim here would make every command
pay for it (tests/cli/test_import_cost.py); tests/sim/test_forecast_record.py checks the two
agree."""
CALIBRATION_DRAWS = 1000
CALIBRATION_REPLICATES = 8
"""qpq.sim.CALIBRATION_DRAWS and CALIBRATION_REPLICATES (the --draws and --replicates
defaults of backcast, forecast and backtest), spelled out for the reason above;
tests/sim/test_forecast_record.py checks they agree."""
SMC_POPULATION = 500
"""qpq.sim.AbcSettings' population, spelled out for the reason above: the particles per
population of `qpq sim calibrate --sampler abc-smc` when --population is left out, read by
the command and by its help; tests/sim/test_cli.py checks the two agree."""
CalibrationOpt = Annotated[str, typer.Option(
    "--calibration", help="record (default: the calibration on the whole record known at the "
    "as-of date, docs/model-dynamics.md §7.11; the particles are --draws posterior points × "
    "--replicates histories; its backtest beats climatology on attacks on Chinese nationals "
    "where the facts' does far worse, §11; seconds cold at the defaults, about 12 s for a "
    "forecast, then cached by content hash in --cache-dir) or facts (ABC rejection on the "
    "stylised facts alone, §7.8)")]
PopulationOpt = Annotated[int | None, typer.Option(
    "--population", help="record calibration: accepted parameter points (default as qpq sim "
    "calibrate: 1% of the points, max-simulations / histories-per-point / 100)", min=1)]
MaxSimOpt = Annotated[int | None, typer.Option(
    "--max-simulations", help="record calibration: prior histories (default as qpq sim "
    "calibrate: 50,000)", min=1)]
PerPointOpt = Annotated[int | None, typer.Option(
    "--histories-per-point", help="record calibration: histories at each prior point "
    "(default: AbcSettings')", min=1)]
AdjustmentOpt = Annotated[str | None, typer.Option(
    "--adjustment", help="record calibration: none or local-linear (default: AbcSettings')")]
GamePointsOpt = Annotated[int | None, typer.Option(
    "--game-points", help="record calibration: prior points at which the game is solved "
    "(default: AbcSettings', at least min_ess, so the game's parameters can be labelled; "
    "docs/model-dynamics.md §7.11)", min=1)]
GridOpt = Annotated[int | None, typer.Option(
    "--grid-size", help="record calibration: belief grid of the game (default 12)", min=2)]
NuisanceOpt = Annotated[str | None, typer.Option(
    "--nuisance", help="record calibration: prior (default) or defaults")]
CacheDirOpt = Annotated[Path | None, typer.Option(
    "--cache-dir", help="record calibration: results by content hash (default: "
    "$XDG_CACHE_HOME/qpq/calibrate, else ~/.cache/qpq/calibrate)", file_okay=False)]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="record calibration: neither read "
                                          "nor write the cache")]


def _record_settings(**settings: Any) -> Any:
    """``AbcSettings(**settings)``, its refusals naming the command's options.

    The settings are refused where they are made, in the words of the API ("calibration
    setting model"); a command's user typed ``--model``. The translation sits here, at the
    boundary, rather than as a labeller threaded through the frozen settings; it keys on the
    words every refusal of a setting begins with (tests/sim/test_cli.py pins them).
    """
    import re

    from qpq.sim import AbcSettings

    try:
        return AbcSettings(**settings)
    except BadInputError as exc:
        raise BadInputError(re.sub(
            r"calibration setting (\w+)",
            lambda m: f"--{m.group(1).replace('_', '-')}", str(exc))) from None


def _calibration(calibration: str, model: str, *, cache_dir: Path | None, no_cache: bool,
                 **options: Any) -> dict[str, Any]:
    """``qpq.sim.calibrator_for``'s inputs from the command's calibration options.

    For the record: its settings (``AbcSettings``' defaults where an option is left out, the
    population by ``qpq.sim.default_population`` as ``qpq sim calibrate`` takes it) and cache
    folder; otherwise the record options given, as the command names them, for the refusal.
    """
    from qpq.sim import AbcSettings, default_population, given_options

    given = given_options(**options)
    inputs: dict[str, Any] = {"model": model, "option": "--calibration"}
    if calibration != "record":
        named = [f"--{k.replace('_', '-')}" for k in given]
        named += ["--cache-dir"] if cache_dir is not None else []
        named += ["--no-cache"] if no_cache else []
        return {**inputs, "record_inputs": named}
    if "population" not in given:
        given["population"] = default_population(
            given.get("max_simulations", AbcSettings.max_simulations),
            given.get("histories_per_point", AbcSettings.histories_per_point))
    return {**inputs, "record": _record_settings(model=model, **given),
            "cache_dir": None if no_cache else (cache_dir or _cache_dir())}


def _model(name: str) -> str:
    from qpq.model import check_model

    return check_model(name, field="--model")


def _progress(enabled: bool) -> Any:
    if not enabled:
        return None

    return count_printer()


@app.command("run")
def run_command(
    policy: Annotated[list[str] | None, typer.Option(
        "--policy", help="China's policy (repeatable); default: all: "
        + ", ".join(policy_names()))] = None,
    n: Annotated[int, typer.Option("--n", help="scenarios per policy", min=1,
                                   max=MAX_SCENARIOS)] = 10_000,
    seed: SeedOpt = 0,
    start: Annotated[str | None, typer.Option(
        "--start", help="first day of the run (default: the case's run.start)")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", help="last day of the run (default: the case's run.until)")] = None,
    window: Annotated[str | None, typer.Option(
        "--window-start", help="start of the summary window (default: the case's "
        "run.takeover)")] = None,
    draws: Annotated[int, typer.Option("--draws", help="0: defaults; k: k parameter points "
                                       "from the plausible ranges", min=0)] = 0,
    set_: Annotated[list[str] | None, typer.Option("--set", help="NAME=VALUE override")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="stream results to Parquet here",
                                             file_okay=False)] = None,
    charts: Annotated[Path | None, typer.Option("--charts", help="write fan charts (HTML) "
                                                "here", file_okay=False)] = None,
    workers: WorkersOpt = 1,
    model: ModelOpt = "v1",
    coopt: Annotated[bool, typer.Option("--coopt", help="model v2: the Taliban may also "
                                        "co-opt the militants (a fourth effort)")] = False,
    case_dir: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Trajectories of the key states under China's policies (common random numbers).

    Example: ``qpq sim run --policy engage_no_promise --policy boycott --n 2000 --json``;
    model v2: ``qpq sim run --model v2 --policy boycott --policy equilibrium --n 2000``
    """
    from qpq.case import load_case
    from qpq.model import UNCALIBRATED
    from qpq.sim import PolicyRuns, RunRequest, run_policies

    case = load_case(case_dir)
    request = RunRequest(
        policies=tuple(policy) if policy else policy_names(),
        start=day_option(start, "--start", end=False) if start else None,
        until=day_option(until, "--until") if until else None, n=n, seed=seed, draws=draws,
        overrides=parse_assignments(set_ or []),
        window_start=day_option(window, "--window-start", end=False) if window else None,
        workers=workers, out_dir=out, model=_model(model), coopt=coopt).for_case(case)
    request.check()
    first, last, window_start = request.dates()
    pool, results = run_policies(case, request, _progress(not json_out))
    summary = PolicyRuns(request, pool, results).summary()
    doc = {"n": n, "seed": seed, "start": first.isoformat(),
           "until": last.isoformat(), "window_start": window_start.isoformat(),
           "parameters": pool.origin, "draws": draws, "policies": summary,
           "note": f"militant head counts and attack counts after {case.run.takeover.year} are "
                   + UNCALIBRATED,
           "out": str(out) if out else None}
    earlier: list[str] = []
    if out is not None:
        # a rerun replaces the folders of the policies it runs; other policies' folders
        # from earlier runs stay beside them, said so (each has its own meta.json)
        earlier = sorted(p.name for p in out.iterdir()
                         if p.is_dir() and (p / "meta.json").is_file()
                         and p.name not in request.policies)
        if earlier:
            doc["earlier_runs"] = earlier
    if model != "v1":
        # v1 stays the default and its documents (and golden outputs) unchanged
        doc["model"] = model
        from qpq.game import ALL_EFFORTS, EFFORTS

        doc["efforts"] = [e.label for e in (ALL_EFFORTS if coopt else EFFORTS)]
    if charts is not None:
        from qpq.sim import fan_chart, trajectory_chart

        figures = {f"fan_{var}": fan_chart(results, var, label=UNCALIBRATED if var.startswith(
            ("militants", "expected")) else None)
            for var in ("militants_border", "militants_iskp", "iskp_strength", "belief_sincere",
                        "recognised", "expected_attacks_china")}
        figures["trajectories"] = trajectory_chart(results, (
            "militants_border", "militants_iskp", "iskp_strength", "belief_sincere", "engaged",
            "recognised"))
        charts.mkdir(parents=True, exist_ok=True)     # a folder, whatever its name
        save_figures(charts, figures)
        doc["charts"] = str(charts)
    if json_out:
        print_json(doc)
        return
    table = Table(title=f"Policies, {window_start}..{last} ({n} scenarios each; "
                        f"parameters: {pool.origin}; model {model})")
    cols = ("expected_attacks_china", "expected_attacks_nationals", "recognised_ever",
            "engaged_share", "militants_border", "iskp_strength")
    table.add_column("policy")
    for c in cols:
        table.add_column(c, justify="right")
    for name, row in summary.items():
        table.add_row(name, *(f"{row[c]:.3g}" if row[c] is not None else "—" for c in cols))
    console.print(table)
    console.print(f"Militant head counts and attack counts are {UNCALIBRATED}.")
    if earlier:
        console.print(f"{out} also holds folders of earlier runs, not this one's: "
                      + ", ".join(f"{n}/" for n in earlier)
                      + " (each folder's meta.json says how it was made).")


_BACKCAST_FILES = ("accepted_parameters.parquet", "backcast.json")
"""What ``sim backcast --out DIR`` writes (the folder holds these alone)."""


@app.command("backcast")
def backcast_command(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="use facts known by this date (default: the case's "
        "run.backcast_as_of)")] = None,
    draws: DrawsOpt = CALIBRATION_DRAWS, replicates: RepsOpt = CALIBRATION_REPLICATES,
    seed: SeedOpt = 0,
    policy: Annotated[str, typer.Option("--policy", help="China's policy over the history")
                      ] = "equilibrium",
    out: Annotated[Path | None, typer.Option(
        "--out", help="write the accepted parameter sets and the table to this folder "
        "(replaced whole; refused if it holds other files)", file_okay=False)] = None,
    workers: WorkersOpt = 1, model: ModelOpt = "v1", case_dir: CaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Calibrate to the stylised facts known by --as-of and show how each is matched.

    Example: ``qpq sim backcast --as-of 2025-12-31 --json``
    """
    import numpy as np

    from qpq.case import load_case
    from qpq.files import check_output_folder, staged_folder
    from qpq.sim import UNCALIBRATED, calibrate, given_others_words, resolve_policy

    resolve_policy(policy)
    if out is not None:     # before the calibration: the folder is replaced whole at the end
        check_output_folder(out, _BACKCAST_FILES, option="--out", kind="backcast")
    case = load_case(case_dir)
    cut = day_option(as_of, "--as-of") if as_of else case.run.backcast_as_of
    cal = calibrate(case, cut, draws=draws, replicates=replicates, seed=seed, policy=policy,
                    workers=workers, on_progress=_progress(not json_out), model=_model(model))
    if out is not None:
        import json

        from qpq.sim import write_parquet

        # the parameters and the table together, or neither (a full disk between the two
        # left this run's parameters beside the last run's table)
        with staged_folder(out) as staged:
            write_parquet(cal.accepted_frame(), staged / _BACKCAST_FILES[0])
            (staged / _BACKCAST_FILES[1]).write_text(
                json.dumps(cal.summary(), indent=2, default=str) + "\n", encoding="utf-8")
    if json_out:
        print_json(cal.summary())
        return
    table = Table(title=f"Backcast as of {cut}: {cal.accepted.size} of "
                        f"{draws * replicates} histories accepted"
                        + (" (approximate)" if cal.approximate else ""))
    for c in ("fact", "target", "used", "match (all)", "match (given the others)",
              "match (accepted)", "median [90%]"):
        table.add_column(c, overflow="fold")
    for r in cal.backcast_table():
        def f(x: Any) -> str:
            return "—" if x is None or not np.isfinite(x) else f"{x:.3g}"
        table.add_row(r["fact"], r["target"], "yes" if r["used"] else "no",
                      f(r["prior_match"]), given_others_words(r, draws * replicates),
                      f(r["accepted_match"]),
                      f"{f(r['accepted_median'])} [{f(r['accepted_90'][0])}, "
                      f"{f(r['accepted_90'][1])}]")
    console.print(table)
    constrained = [p.name for p in cal.parameters if p.constrained]
    console.print("Constrained parameters: " + (", ".join(constrained) or "none")
                  + f"; all others {UNCALIBRATED}.")


def _cache_dir() -> Path:
    import os

    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "qpq" / "calibrate"


@app.command("calibrate")
def calibrate_command(
    as_of: Annotated[str, typer.Option("--as-of", help="calibrate on the record known by this "
                                       "date")],
    sampler: Annotated[str, typer.Option("--sampler", help="rejection (default: prior "
                                         "histories side by side, the nearest accepted) or "
                                         "abc-smc (pyabc)")] = "rejection",
    population: Annotated[int | None, typer.Option(
        "--population", help="accepted parameter points (rejection; default 1% of the "
        "points, max-simulations / histories-per-point / 100) or ABC-SMC particles per "
        f"population (default {SMC_POPULATION})")] = None,
    generations: Annotated[int, typer.Option("--generations", help="most populations "
                                             "(abc-smc)", min=1)] = 6,
    max_simulations: Annotated[int, typer.Option("--max-simulations", help="simulated "
                                                 "histories in all", min=1)] = 50_000,
    histories_per_point: Annotated[int | None, typer.Option(
        "--histories-per-point", help="rejection: histories run at each prior point, ranked "
        "by --point-score over them (1: one history per point, the sampler before issue "
        "16's study; default: AbcSettings')")] = None,
    adjustment: Annotated[str | None, typer.Option(
        "--adjustment", help="rejection: none or local-linear (regression adjustment on the "
        "record's summary statistics; default: AbcSettings')")] = None,
    point_score: Annotated[str, typer.Option(
        "--point-score", help="rejection, several histories per point: mean-deviance "
        "(default) or mean-likelihood")] = "mean-deviance",
    game_points: Annotated[int | None, typer.Option(
        "--game-points", help="prior points at which the game is solved (default: "
        "AbcSettings', at least min_ess, so the game's parameters can be labelled; "
        "docs/model-dynamics.md §7.11)", min=1)] = None,
    grid_size: Annotated[int, typer.Option("--grid-size", help="belief grid of the game",
                                           min=2)] = 12,
    start: Annotated[str | None, typer.Option(
        "--start", help="first day of the history (default: the case's run.start)")] = None,
    family: Annotated[list[str] | None, typer.Option(
        "--family", help="observation family to use (repeatable; default: all)")] = None,
    ppc_draws: Annotated[int, typer.Option("--ppc-draws", help="histories for the posterior "
                                           "predictive checks", min=1)] = 100,
    attribution: Annotated[bool, typer.Option(
        "--attribution/--no-attribution", help="leave each family out once to say which "
        "calibrate a parameter (one more run per family)")] = True,
    model: Annotated[str, typer.Option("--model", help="v2 (default) or v1")] = "v2",
    nuisance: Annotated[str, typer.Option("--nuisance", help="prior (default: parameters "
                                          "not targeted drawn from their ranges) or defaults "
                                          "(held at their defaults: a conditional "
                                          "calibration)")] = "prior",
    min_ess: Annotated[float, typer.Option("--min-ess", help="below this effective sample "
                                           "size every label is undetermined", min=0)] = 30.0,
    workers: Annotated[int, typer.Option(
        "--workers", help="worker processes solving model v2's game points and simulating "
        "the rejection sampler's prior histories (the same results)", min=1)] = 1,
    seed: SeedOpt = 0,
    cache_dir: Annotated[Path | None, typer.Option(
        "--cache-dir", help="results by content hash (default: $XDG_CACHE_HOME/qpq/calibrate)",
        file_okay=False)] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="neither read nor write the "
                                           "cache")] = False,
    case_dir: CaseOpt = None, json_out: JsonOpt = False,
) -> None:
    """Calibrate on the record known by --as-of (ABC over every observation family).

    Families: attack counts, strength estimates, Taliban actions, milestones, stylised facts.

    Example: ``qpq sim calibrate --as-of 2024-06-30 --json``
    """
    import numpy as np

    from qpq.case import load_case
    from qpq.parallel import executor_for
    from qpq.sim import (
        AbcSettings,
        calibrate_record,
        default_population,
        describe_observations,
        observed_text,
        predictive_text,
    )

    case = load_case(case_dir)
    cut = day_option(as_of, "--as-of")
    per_point = (histories_per_point if histories_per_point is not None
                 else AbcSettings.histories_per_point if sampler == "rejection" else 1)
    if population is None:
        population = (default_population(max_simulations, per_point)
                      if sampler == "rejection" else SMC_POPULATION)
    settings = _record_settings(sampler=sampler, population=population, generations=generations,
                                max_simulations=max_simulations, histories_per_point=per_point,
                                point_score=point_score,
                                game_points=game_points or AbcSettings.game_points,
                                adjustment=adjustment or (AbcSettings.adjustment
                                                          if sampler == "rejection" else "none"),
                                grid_size=grid_size, ppc_draws=ppc_draws, attribution=attribution,
                                start=day_option(start, "--start", end=False) if start else None,
                                model=model,
                                nuisance=nuisance, min_ess=min_ess)
    kwargs: dict[str, Any] = {"families": tuple(family)} if family else {}
    with executor_for(workers) as ex:
        cal = calibrate_record(case, cut, rng=np.random.default_rng(seed), settings=settings,
                               cache_dir=None if no_cache else (cache_dir or _cache_dir()),
                               on_progress=_progress(not json_out), executor=ex, **kwargs)
    doc = cal.summary()
    if json_out:
        print_json(doc)
        return
    pops = len(cal.populations)
    # the model named: qpq sim forecast's default (v1) is not this command's (v2)
    table = Table(title=f"Calibration on the record as of {cut}, model {cal.model} "
                        f"({cal.simulations:,} histories, "
                        f"{settings.histories_per_point} per point, "
                        f"{pops} population{'' if pops == 1 else 's'}, effective sample size "
                        f"{cal.ess:.1f} of {cal.weights.size})")
    for c in ("parameter", "role", "prior 90%", "posterior 90%", "median (prior quantile)",
              "width ratio", "label", "by"):
        table.add_column(c)
    for p in cal.parameters:
        table.add_row(p.name, p.role, f"[{p.prior_90[0]:.3g}, {p.prior_90[1]:.3g}]",
                      f"[{p.posterior_90[0]:.3g}, {p.posterior_90[1]:.3g}]", p.median_text,
                      f"{p.width_ratio:.2f}", p.label, ", ".join(p.by))
    console.print(table)
    if cal.derived:
        derived = Table(title="Derived quantities at the as-of date (labelled as the parameters "
                              "are; docs/model-dynamics.md §7.11)")
        for c in ("quantity", "unit", "prior 90%", "posterior 90%", "median (prior quantile)",
                  "relative ratio", "label", "by"):
            derived.add_column(c)
        units = {r["name"]: r["unit"] for r in doc["derived"]}
        for p in cal.derived:
            derived.add_row(p.name, units[p.name],
                            f"[{p.prior_90[0]:.3g}, {p.prior_90[1]:.3g}]",
                            f"[{p.posterior_90[0]:.3g}, {p.posterior_90[1]:.3g}]",
                            p.median_text,
                            f"{p.relative_ratio:.2f}", p.label, ", ".join(p.by))
        console.print(derived)
    for t in cal.trade_offs:
        console.print(f"{t.group}: correlation of the logs with {t.level}, prior → posterior: "
                      + "; ".join(f"{n} {t.pair(n, t.level)[0]:+.2f} → "
                                  f"{t.pair(n, t.level)[1]:+.2f}"
                                  for n in t.names if n != t.level))
    checks = Table(title="Posterior predictive checks (observed vs predictive 90%; for "
                         "reports and facts, the probability of a 1)")
    for c in ("family", "observation", "observed", "predictive", "inside"):
        # folded, not cut: estimate ids share long prefixes (est-usfor-iskp-2016-01, -07)
        checks.add_column(c, overflow="fold")
    for r in cal.checks:
        checks.add_row(r["family"], r["observation"], observed_text(r["observed"]),
                       predictive_text(r),
                       ("yes (by construction)" if r["by_construction"] else "yes")
                       if r["inside_90"] else "NO")
    console.print(checks)
    unlikely = _unlikely_binary(cal.checks)
    if unlikely:
        console.print(unlikely)
    if cal.facts_together is not None:
        both = cal.facts_together
        aside = "" if "facts" in cal.families else " (out of sample: the facts were left out)"
        console.print(f"Stylised facts all at once ({', '.join(both.facts)}): {both.matching} "
                      f"of {both.histories} predictive histories match every one{aside}.")
    console.print("Observations per family: " + describe_observations(
        cal.observations) + f"; {len(cal.excluded)} record items "
        "not used (see --json: excluded).")
    if cal.model != FORECAST_MODEL:
        console.print(f"Model {cal.model}: qpq sim forecast and qpq sim backtest calibrate "
                      f"model {FORECAST_MODEL} by default, so their labels can differ from "
                      f"these; give them --model {cal.model} to use this model.")


@app.command("forecast")
def forecast_command(
    as_of: Annotated[str, typer.Option("--as-of", help="calibrate on what the record knows by "
                                       "this date and start the forecast there")],
    until: Annotated[str, typer.Option("--until", help="end of the forecast window")],
    policy: Annotated[str, typer.Option("--policy", help="China's policy in the window: "
                                        + ", ".join(policy_names()))
                      ] = "equilibrium",
    n: Annotated[int, typer.Option("--n", help="forecast scenarios", min=1,
                                   max=MAX_SCENARIOS)] = 10_000,
    seed: SeedOpt = 0, draws: ParticleDrawsOpt = CALIBRATION_DRAWS,
    replicates: ParticleRepsOpt = CALIBRATION_REPLICATES,
    workers: WorkersOpt = 1, model: ModelOpt = FORECAST_MODEL,
    calibration: CalibrationOpt = CALIBRATION_DEFAULT, population: PopulationOpt = None,
    max_simulations: MaxSimOpt = None, histories_per_point: PerPointOpt = None,
    adjustment: AdjustmentOpt = None, game_points: GamePointsOpt = None,
    grid_size: GridOpt = None, nuisance: NuisanceOpt = None, cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False, case_dir: CaseOpt = None, json_out: JsonOpt = False,
) -> None:
    """Forecast the events of the window from the calibrated ensemble.

    By default the ensemble is calibrated on the whole record known at --as-of (attack counts,
    strength estimates, Taliban actions, milestones, stylised facts; cached by content hash);
    --calibration facts uses the stylised facts alone. Each event says what evidence bears on
    it and whether the calibration constrained its parameters; a window the record has
    passed gets a column of what the record shows in it.
    Example: ``qpq sim forecast --as-of 2025-06-30 --until 2026-06-30 --json``
    """
    from qpq.case import load_case
    from qpq.sim import (
        calibrator_for,
        check_window,
        describe_observations,
        forecast,
        recognition_belief,
        record_outcomes,
    )

    cut, end = day_option(as_of, "--as-of"), day_option(until, "--until")
    inputs = _calibration(
        calibration, _model(model), cache_dir=cache_dir, no_cache=no_cache,
        population=population, max_simulations=max_simulations,
        histories_per_point=histories_per_point, adjustment=adjustment,
        game_points=game_points, grid_size=grid_size, nuisance=nuisance)
    # bad calibration options fail here, before the case loads
    calibrator = calibrator_for(calibration, seed=seed, draws=draws, replicates=replicates,
                                workers=workers, on_progress=_progress(not json_out), **inputs)
    case = load_case(case_dir)
    check_window(cut, end, policy, n, start=case.run.start, case=case)
    cal = calibrator(case, cut)
    res = forecast(case, cal, end, policy=policy, n=n, seed=seed, workers=workers)
    # what the chance of recognition rests on: one more run of the window (a second or less)
    belief = recognition_belief(case, cal, res, workers=workers)
    # a window the record has passed: what happened, as the backtest would score it
    happened = {o.event: o for o in record_outcomes(case, res)}
    if json_out:
        print_json({**res.to_json(), "recognition_belief": belief.to_json(),
                    "record_outcomes": [o.to_json() for o in happened.values()]})
        return
    window = "–".join(res.calibration["window"])    # the forecast's own first and last quarter
    table = Table(title=f"New events {window} (forecast as of {cut}, {cal.kind} calibration), "
                        f"policy {policy}, {n} scenarios")
    evidence = ("label (record cells bearing on it)" if cal.kind == "record"
                else "label (facts bearing on it)")
    for c in ("event", "forecast", evidence, "skill vs climatology / persistence",
              f"its parameters constrained ({cal.kind} calibration)"):
        table.add_column(c)
    if happened:
        table.add_column("the record shows")
    dated, skill_note = "", ""
    for name, e in res.events.items():
        sk, dep = e["backtest_skill"], e["calibration_constrained"]
        skill = ("no backtest" if sk is None else
                 " / ".join("undefined" if v is None else _short(v) for v in (
                     sk["skill_vs_climatology"], sk["skill_vs_persistence"]))
                 + f" ({sk['score']})")
        if sk is not None and None in (sk["skill_vs_climatology"], sk["skill_vs_persistence"]):
            # skill is 1 - model / baseline: undefined where a baseline scored a perfect 0
            skill += (f"; undefined where the baseline never erred (score 0) — the model's "
                      f"{sk['score']} is {_short(sk['model_score'])}")
        if sk:
            dated = dated or sk["generated"]
            # the skill is quoted beside every policy's forecast but was earned by one
            other = ("" if sk["backtest_policy"] in (None, policy)
                     else f" — not this forecast's policy {policy}")
            skill_note = skill_note or (f"{sk['origins']} origins, model "
                                        f"{sk['backtest_model']}, policy "
                                        f"{sk['backtest_policy']}{other}")
        row = [name.replace("_", " "), _event_value(e), res.evidence(name), skill,
               _constrained(dep)]
        if happened:
            row.append(happened[name].words() if name in happened else "no record event")
        table.add_row(*row)
    console.print(table)
    if happened:
        console.print(next(iter(happened.values())).window_words(case.run.forecast_as_of, cut))
    rounded = _rounded_dates(cut, end, window)
    if rounded:
        console.print(rounded)
    if dated:
        block = "backtest-record" if cal.kind == "record" else "backtest-v1"
        console.print(f"Backtest skill (1 − score / baseline score; below 0 the baseline "
                      f"does better): the packaged skill table of {dated} ({skill_note}, "
                      f"{cal.kind} calibration; regenerate: python docs/regenerate_numbers.py "
                      f"{block}). --json keeps every value and code.")
        basis = _skill_basis(case, cal.kind, res.events)
        if basis:
            console.print(basis)
    kept = res.calibration
    held = kept["conditioned_on"]["china_recognised"]
    console.print(f"Starts from the record at {res.as_of}: China "
                  f"{'held' if held else 'had not given'} de jure recognition "
                  f"({kept['particles_kept']} of {kept['particles']} calibrated "
                  "histories agree and are kept); events are new in the window.")
    console.print(f"Under policy {policy} China is {res.china_moves_text()}.")
    console.print(belief.words())
    observed = (res.calibration.get("details") or {}).get("observations")
    if observed:
        console.print("Record used (observations per family): " + describe_observations(
            observed) + " — cells the calibration compares, not the record's items (attacks "
            "are counts per year, region and group); its stylised facts: "
            + (", ".join(cal.used_facts) or "none"))
    else:
        console.print("Facts used: " + (", ".join(cal.used_facts) or "none"))
    console.print(f"Calibration: {res.calibration['description']}")


def _unlikely_binary(checks: Any) -> str:
    """The yes/no observations the calibrated model gives less than even odds, in a sentence.

    For them the 90% range holds both outcomes whenever 0.05 < P(1) < 0.95, so "inside" says
    little; the chance of what the record shows is the check.
    """
    low = [(str(r["observation"]), p if r["observed"] else 1.0 - p) for r in checks
           if (p := r.get("predictive_probability")) is not None]
    if not low:
        return ""
    below = [f"{o} ({q:.2f})" for o, q in low if q < 0.5]
    return (f"Yes/no observations: the 90% range holds both outcomes whenever 0.05 < P(1) < "
            f"0.95, so 'inside' says little there; the model gives what the record shows less "
            f"than even odds at {len(below)} of {len(low)}"
            + (f": {', '.join(below)}." if below else "."))


def _rounded_dates(as_of: dt.date, until: dt.date, window: str) -> str:
    """Where the model's quarters move the forecast's dates, in one sentence ("" if nowhere)."""
    from qpq.case import quarter_end, quarter_label, quarter_of

    def inside(day: dt.date) -> bool:
        return quarter_end(quarter_of(day)) != day

    said = []
    if inside(as_of):
        said.append(f"the as-of date {as_of} falls inside the window's first quarter, so that "
                    "quarter began before it"
                    if window.startswith(quarter_label(quarter_of(as_of))) else
                    f"the window starts after the as-of date {as_of}'s quarter ends")
    if inside(until):
        said.append(f"--until {until} is read as the end of its quarter")
    if not said:
        return ""
    return (f"Dates: the model moves in whole quarters, so the window is {window}: "
            + "; ".join(said) + ".")


def _skill_basis(case: Any, kind: str, events: dict[str, Any]) -> str:
    """How many of the record's items each quoted skill rests on, in one sentence.

    Read from the case's whole record, as the packaged table was scored (not from the
    forecast, which must not change with what was reported after its as-of date).
    """
    from qpq.sim import packaged_skill, scored_occurrences

    doc = packaged_skill(kind)
    named = {e["backtest_skill"]["event"]: name for name, e in events.items()
             if e["backtest_skill"] is not None}
    if doc is None or not named:
        return ""
    basis = scored_occurrences(case, doc["protocol"], tuple(named))
    return (f"Each skill rests on the record's items of its event between {basis['from']} and "
            f"{basis['to']}: " + "; ".join(f"{named[ev].replace('_', ' ')} {n}"
                                           for ev, n in basis["by_event"].items())
            + " (events, or estimates for a band; few make a skill weak evidence either way).")


def _constrained(dep: dict[str, Any]) -> str:
    """An event's parameters as the calibration left them, in words."""
    from qpq.sim import derived_text

    hit = [k for k, v in dep["parameters"].items() if v]
    text = f"{dep['constrained']} ({len(hit)} of {len(dep['parameters'])}"
    text += f": {', '.join(hit)})" if hit else ")"
    weak = [k for k, lab in dep.get("labels", {}).items() if lab == "weakly constrained"]
    text += f"; weakly: {', '.join(weak)}" if weak else ""
    # the level at the as-of date can be narrowed where the parameters behind it are not
    derived = derived_text(dep)
    return text + (f"; {derived}" if derived else "")


def _event_value(e: dict[str, Any]) -> str:
    """One forecast event's numbers in words, with its unit and intervals."""
    def span(key: str) -> str:
        lo, hi = e[key]
        return f"{_short(lo)}–{_short(hi)}"

    if "probability" in e:
        text = f"P = {_short(e['probability'])}"
        parts = []
        if "interval_90_parameters" in e:
            # the chance at each calibrated point: a spread, not an interval around P; where
            # most points never see the event, that is what explains P (a few points' share)
            never = e.get("points_without") or 0.0
            parts.append(f"0 at {never:.0%} of the calibrated parameter points" if never >= 0.5
                         else f"per parameter point 5–95%: {span('interval_90_parameters')}"
                         + (f", 0 at {never:.0%} of them" if never else ""))
        if "interval_90_monte_carlo" in e:
            parts.append(f"Monte Carlo 90%: {span('interval_90_monte_carlo')}")
        return text + (f" ({'; '.join(parts)})" if parts else "")
    if "median" in e:
        text = (f"median {_short(e['median'])} {e['unit']}"
                + (f" (90%: {span('interval_90')})" if "interval_90" in e else ""))
        if "fighters" in e:     # the record calibration's fighter scale (ISKP)
            f = e["fighters"]
            lo, hi = f["interval_90"]
            text += (f"; {f['median']:,.0f} fighters (90%: {lo:,.0f}–{hi:,.0f})")
        return text
    text = f"{_short(e['expected'])} {e['unit']} (mean)"
    if "p_at_least_one" in e:
        lo, hi = e["interval_90"]
        text += f"; P(at least one) = {_short(e['p_at_least_one'])}; 90%: {lo:g}–{hi:g}"
    return text


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    return str(v)


def _horizon(text: str) -> int:
    import re

    m = re.fullmatch(r"\s*(\d+)\s*m\s*", text)
    if m is None:
        raise BadInputError(f"--horizon: give months as e.g. 12m, got {text!r}")
    return int(m.group(1))


@app.command("backtest")
def backtest_command(
    origins: Annotated[list[str] | None, typer.Option(
        "--origins", help="forecast origins, quarter ends, comma-separated or repeated "
        "(default: every half-year end 2016-06-30..2024-06-30)")] = None,
    horizon: Annotated[str, typer.Option("--horizon", help="window after each origin, in "
                                         "months (a multiple of 3)")] = "12m",
    model: Annotated[str, typer.Option("--model", help="v1 or v2")] = FORECAST_MODEL,
    n: Annotated[int, typer.Option("--n", help="forecast scenarios per origin", min=1,
                                   max=MAX_SCENARIOS)] = 10_000,
    seed: SeedOpt = 0, draws: ParticleDrawsOpt = CALIBRATION_DRAWS,
    replicates: ParticleRepsOpt = CALIBRATION_REPLICATES,
    workers: Annotated[int, typer.Option("--workers", help="worker processes (or Dask "
                                         "workers), each running whole origins", min=1)] = 1,
    executor: ExecutorOpt = "auto", scheduler: SchedulerOpt = None,
    calibration: CalibrationOpt = CALIBRATION_DEFAULT, population: PopulationOpt = None,
    max_simulations: MaxSimOpt = None, histories_per_point: PerPointOpt = None,
    adjustment: AdjustmentOpt = None, game_points: GamePointsOpt = None,
    grid_size: GridOpt = None, nuisance: NuisanceOpt = None, cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False, case_dir: CaseOpt = None, json_out: JsonOpt = False,
) -> None:
    """Forecast from past origins with only what was known then; score against the record.

    Each origin is calibrated on the case as known at that date; the events are scored
    against the record with proper scores, beside climatology and persistence. Origins run
    in parallel on --executor (pool or dask; results identical to one process).
    By default each origin is calibrated on the whole record known then (seconds per origin
    cold, one to two minutes for the 17 default origins, cached after); --calibration facts on
    the stylised facts alone.
    Example: ``qpq sim backtest --origins 2021-06-30 --draws 64 --n 2000 --json``
    """
    from qpq.case import load_case
    from qpq.parallel import executor_for, resolve_kind
    from qpq.sim import BacktestSpec, backtest, calibrator_for

    resolve_kind(executor, workers, scheduler)   # bad options fail before the case loads
    inputs = _calibration(
        calibration, _model(model), cache_dir=cache_dir, no_cache=no_cache,
        population=population, max_simulations=max_simulations,
        histories_per_point=histories_per_point, adjustment=adjustment,
        game_points=game_points, grid_size=grid_size, nuisance=nuisance)
    # refused here, naming the command's options; the spec makes each origin's calibrator
    calibrator_for(calibration, **inputs)
    case = load_case(case_dir)
    # the executor's workers run whole origins; each origin runs in one process
    spec = BacktestSpec(horizon_months=_horizon(horizon), model=model, draws=draws,
                        replicates=replicates, n=n, seed=seed, calibration=calibration,
                        record=inputs.get("record"), cache_dir=inputs.get("cache_dir"))
    if origins:
        picked = [o.strip() for text in origins for o in text.split(",") if o.strip()]
        spec = replace(spec, origins=tuple(day_option(o, "--origins") for o in picked))
    spec.check(case)
    import time

    with executor_for(workers, executor, scheduler) as ex:
        start = time.perf_counter()
        result = backtest(case, spec, executor=ex, on_progress=_progress(True))
        wall, ran_on = time.perf_counter() - start, ex.describe()
    if json_out:
        print_json(result.to_json())
        return
    pooled = result.pooled()
    table = Table(title=f"Backtest: {len(spec.origins)} origins, {spec.horizon_months}-month "
                        f"windows, model {spec.model}, {spec.calibration} calibration "
                        "(skill > 0: better than the baseline)")
    for c in ("event", "score", "origins", "model", "climatology", "persistence",
              "skill vs clim.", "skill vs pers."):
        table.add_column(c, justify="right" if c != "event" else "left")

    def f(x: Any) -> str:
        return "—" if x is None else f"{x:.3g}"

    for name, doc in pooled.items():
        for key in ("brier", "log", "crps"):
            if key in doc:
                e = doc[key]
                table.add_row(name, key, str(doc["origins_in_means"]), f(e["model"]),
                              f(e["climatology"]), f(e["persistence"]),
                              f(e["skill_vs_climatology"]), f(e["skill_vs_persistence"]))
    console.print(table)
    console.print("Seconds per origin: " + ", ".join(f"{t:.1f}" for t in result.seconds)
                  + f"; {wall:.1f} s in all on {ran_on['executor']} "
                  f"({ran_on['workers']} worker(s))")


@app.command("propositions")
def propositions_command(
    n: Annotated[int, typer.Option("--n", help="scenarios per run", min=64,
                                   max=MAX_SCENARIOS)] = 2048,
    draws: Annotated[int, typer.Option("--draws", help="prior draws for the shares of the "
                                       "ranges where P1 and P5 hold (0: skip)", min=0)] = 0,
    seed: SeedOpt = 0, case_dir: CaseOpt = None, json_out: JsonOpt = False,
) -> None:
    """Dynamic forms of P1, P3, P5 and P6 with common random numbers.

    Example: ``qpq sim propositions --json``
    """
    from qpq.case import load_case
    from qpq.sim import p1_boycott, p1_made_of, p3_capacity, p5_conundrum, p6_free_ride

    case = load_case(case_dir)
    results = [p1_boycott(case, n=n, seed=seed, draws=draws), p3_capacity(case, n=n, seed=seed),
               p5_conundrum(case, n=n, seed=seed, draws=draws),
               p6_free_ride(case, n=n, seed=seed)]
    if json_out:
        print_json({"n": n, "seed": seed, "propositions": results})
        return
    table = Table(title=f"Propositions in time ({n} scenarios per run, CRN)")
    for c in ("", "effect", "at defaults", "share of ranges", "falsification counterpart"):
        table.add_column(c)
    for r in results:
        table.add_row(r.name, f"{r.effect:.3g}", "holds" if r.holds else "does not hold",
                      "—" if r.share is None else f"{r.share:.0%}",
                      ("as required: " if r.falsification_holds else "FAILS: ")
                      + r.falsification)
    console.print(table)
    console.print(f"P1: {p1_made_of(results[0])}")
