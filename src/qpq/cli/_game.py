"""``qpq game``: solve the quid pro quo game and export it for Gambit.

Examples::

    qpq game solve
    qpq game solve --set reneging_cost=5 --set iskp_pull=2 --json
    qpq game export --format efg --out qpq.efg
    qpq game export --first-move "Engage[reward_if_suppressed]" --reduced --out small.efg
    qpq game sweep --x iskp_pull --y crackdown_intensity --n 200 --out phase.png
    qpq game sweep --model v2 --x quarterly_discount --y iskp_pull --n 8
    qpq game propositions --n 2000 --seed 2024
    qpq game relationship --at 2023-06-30
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from qpq.cli._common import (
    GROUP_HELP,
    check_figure_path,
    console,
    day_option,
    err_console,
    parse_assignments,
    print_json,
    save_chart,
)
from qpq.errors import BadInputError

if TYPE_CHECKING:
    from qpq.game import GameSolution, GameStructure
    from qpq.game.analysis import Flip, PbeVerdict
    from qpq.model import ParameterSet

# Domain modules are imported inside the commands, so that ``qpq --help`` and the other
# commands do not pay for them (tests/cli/test_import_cost.py).

__all__ = ["app"]

app = typer.Typer(help=GROUP_HELP["game"], no_args_is_help=True)

CaseOpt = Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="override a parameter, "
                                                  "NAME=VALUE (repeatable)")]
# typer renders help as Rich markup, which took "[reward_if_suppressed]" for a tag and
# dropped it; the backslash makes the bracket literal
MoveOpt = Annotated[list[str] | None, typer.Option(
    "--first-move", help="restrict China's first moves (repeatable), e.g. Boycott, "
    "Engage\\[reward_if_suppressed], Recognize")]


def _point(case: Path | None, sets: list[str] | None) -> ParameterSet:
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load(case)
    return registry.point(parse_assignments(sets or []))


def _structure(moves: list[str] | None, reduced: bool) -> GameStructure:
    from qpq.game import FULL_GAME, GameStructure
    from qpq.model import FIRST_MOVES, FirstMove, first_move

    chosen: tuple[FirstMove, ...] = FIRST_MOVES
    if moves:
        try:
            chosen = tuple(first_move(m) for m in moves)
        except ValueError as exc:
            raise BadInputError(f"--first-move: {exc}") from None
    if reduced:
        if len(chosen) != 1:
            raise BadInputError("--reduced needs exactly one --first-move")
        from qpq.game.validation import reduced_structure

        try:
            return reduced_structure(chosen[0])
        except ValueError as exc:
            raise BadInputError(f"--reduced: {exc}") from None
    return FULL_GAME if chosen == FIRST_MOVES else GameStructure(first_moves=chosen)


def _yn(v: bool | None) -> str:
    return "-" if v is None else "yes" if v else "no"


def _pbe_cell(pbe: PbeVerdict | None, selected: bool | None) -> str:
    if pbe is None:
        return f"{_yn(selected)} / (selected only)"
    text = f"{_yn(pbe.selected)} / {_yn(pbe.some)} / {_yn(pbe.every)}"
    if pbe.selection_margin is not None:
        text += f" (China prefers by {pbe.selection_margin:.3g})"
    return text


def _responses_words(responses: dict[str, dict[str, float]]) -> str:
    """China's final actions by what it observed, in words.

    ``responses`` maps a signal's code (``s1,d0,rclose``) to action probabilities. Signals
    with one answer are grouped and the group named by what its signals share where that
    alone picks them out ("Downgrade when UN reports close Taliban–al-Qaeda ties"), else
    listed one by one.
    """
    from itertools import combinations

    from qpq.game import FULL_GAME

    signals = {sig.label: sig for sig in FULL_GAME.signals if sig.label in responses}
    groups: dict[str, list[str]] = {}
    for code, acts in responses.items():
        answer = ", ".join(f"{a} {p:.2f}" if p < 1 else a for a, p in acts.items())
        groups.setdefault(answer, []).append(code)
    if len(groups) == 1:
        return f"{next(iter(groups))} whatever it observes"

    def named(codes: list[str]) -> str:
        sigs = [signals[c] for c in codes if c in signals]
        keys = list(sigs[0].parts) if sigs and len(sigs) == len(codes) else []
        for k in range(len(keys) + 1):
            for comps in combinations(keys, k):
                shared = {tuple(x.parts[c] for c in comps) for x in sigs}
                picked = [x for x in signals.values()
                          if tuple(x.parts.get(c) for c in comps) in shared]
                if len(shared) == 1 and len(picked) == len(sigs):
                    return " and ".join(next(iter(shared)))
        return " or ".join(f"{signals[c].description if c in signals else c} ({c})"
                           for c in codes)

    return "; ".join(f"{answer} when it observes {named(codes)}"
                     for answer, codes in groups.items())


def _flip_cell(flip: Flip | None) -> str:
    return "-" if flip is None else flip.words()


def _print(sol: GameSolution) -> None:
    console.print(f"[bold]Label:[/bold] {escape(sol.label or '(no equilibrium found)')}"
                  + (f"  (also: {escape(', '.join(sol.secondary_labels))})"
                     if sol.secondary_labels else ""))
    console.print(f"[bold]Flags:[/bold] {escape(', '.join(sol.flags) or 'none')}")
    # "tied" only where China is indifferent between first moves: the field holds the
    # selected move alone otherwise
    tied = sol.tied_first_moves
    kept = len(sol.equilibria)
    console.print(f"[bold]Equilibria:[/bold] {sol.n_equilibria} found, "
                  f"{len(sol.pure_equilibria)} of them pure"
                  + (f"; the first {kept} kept (--json lists them)"
                     if kept < sol.n_equilibria else "; --json lists them")
                  + (f"; tied first moves: {escape(', '.join(tied))}" if len(tied) > 1
                     else ""))
    eq = sol.selected_equilibrium
    if eq is not None:
        st = sol.structure
        on = eq.continuations[st.first_moves.index(eq.first_move)]
        table = Table(title=f"Selected PBE: China plays {escape(eq.first_move.label)}")
        table.add_column("Taliban type")
        table.add_column("effort (probability)")
        for i, t in enumerate(st.types):
            table.add_row(f"{t.description} ({t.label})", ", ".join(
                f"{e.label}={p:.3g}" for e, p in zip(st.efforts, on.taliban[i], strict=True)
                if p > 0))
        console.print(table)
        acts = st.actions(eq.first_move)
        table = Table(title=f"China's final move after {escape(eq.first_move.label)}, by what "
                            "it observed (with its posterior P(sincere))")
        table.add_column("China observed")
        table.add_column("action")
        table.add_column("P(sincere)")
        for k, sig in enumerate(st.signals):
            label = st.china_infoset(eq.first_move, sig)
            post = sum(v for t, v in eq.beliefs[label].items() if t.startswith("S"))
            table.add_row(f"{escape(sig.description)} ({escape(sig.label)})", ", ".join(
                f"{a.value}={p:.3g}" for a, p in zip(acts, on.china[k], strict=True) if p > 0),
                f"{post:.3f}")
        console.print(table)
        console.print("[dim]Codes (kept in --json): S/I sincere/insincere, H/L high/low "
                      "capacity; s1/s0 suppression seen or not, d1/d0 a defection or not, "
                      "rclose/rfar the UN report; an information set is "
                      "C|<first move>,<signal>.[/dim]")
        out = eq.outcome
        console.print(f"P(recognised)={out['p_recognised']:.3f}  P(suppressed)="
                      f"{out['p_suppressed']:.3f}  P(defection)={out['p_defected']:.3f}  "
                      f"China security={out['china_security']:.3f}  payoffs: China "
                      f"{eq.payoffs[st.players[0]]:.3f}, Taliban {eq.payoffs[st.players[1]]:.3f}")
        # three lenses say "China's security" on three scales; this one is the game's
        console.print("[dim]China security: minus the expected harm of this round and, "
                      "weighted by future_weight, of the future the round leaves, in harm "
                      "units (one round of unsuppressed ETIM/TIP activity costs etim_threat, "
                      "default 1); not the repeated relationship's discounted "
                      "value (qpq game relationship) nor the simulator's harm per year (qpq "
                      "explore, qpq sim). qpq findings sets the lenses' answers side by "
                      "side.[/dim]")
    console.print(f"[dim]Selection rule: {escape(sol.selection_rule)}[/dim]")
    console.print(f"[dim]Mixed search: {escape(sol.mixed_search.coverage)}[/dim]")


@app.command("solve")
def solve_command(
    sets: SetOpt = None,
    case: CaseOpt = None,
    first_moves: MoveOpt = None,
    reduced: Annotated[bool, typer.Option("--reduced", help="two types (one capacity), one "
                                          "first move, no UN report")] = False,
    mixed: Annotated[bool, typer.Option("--mixed/--no-mixed", help="run the bounded mixed "
                                        "search")] = True,
    intuitive: Annotated[bool, typer.Option("--intuitive", help="apply the intuitive "
                                            "criterion")] = False,
    tol: Annotated[float | None, typer.Option(
        "--tol", help="relative tolerance for ties (default: the solver's, 1e-09)")] = None,
    max_equilibria: Annotated[int, typer.Option("--max-equilibria", min=1,
                                                help="list at most this many PBE")] = 256,
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """All pure PBE (and mixed ones from a bounded search), the selected one and its label.

    Example: ``qpq game solve --set reneging_cost=5 --json``
    """
    from qpq.game import DEFAULT_TOL, solve

    if tol is None:
        tol = DEFAULT_TOL
    point = _point(case, sets)
    structure = _structure(first_moves, reduced)
    sol = solve(point, structure, mixed=mixed, intuitive=intuitive, tol=tol,
                max_equilibria=max(1, max_equilibria))
    if json_out:
        print_json(sol.to_json())
        return
    _print(sol)


@app.command("export")
def export_command(
    fmt: Annotated[str, typer.Option("--format", help="output format (efg)")] = "efg",
    out: Annotated[Path, typer.Option("--out", help="file to write",
                                      dir_okay=False)] = Path("qpq_game.efg"),
    sets: SetOpt = None,
    case: CaseOpt = None,
    first_moves: MoveOpt = None,
    reduced: Annotated[bool, typer.Option("--reduced", help="two types (one capacity), one "
                                          "first move, no UN report")] = False,
    model: Annotated[str, typer.Option(
        "--model", help="v1: the one-round game; v2: one state's stage game of the repeated "
        "relationship, with the relationship's continuation at its leaves")] = "v1",
    state: Annotated[str, typer.Option(
        "--state", help="v2: the stage game's state, unrecognised or recognised")
    ] = "unrecognised",
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """Write the game tree (at the given parameters) as a Gambit .efg file.

    Model v2: the stage game of one state at the relationship's stationary equilibrium's
    values (``qpq.game.validation.stage_tree``, the tree the Gambit checks solve), so
    Gambit can check the strategies ``qpq game relationship`` reports.
    Example: ``qpq game export --format efg --out qpq.efg``;
    ``qpq game export --model v2 --state recognised --out stage.efg``
    """
    from qpq.game import STATES
    from qpq.game.validation import build_tree, write_efg
    from qpq.model import check_model

    if fmt.lower() != "efg":
        raise BadInputError(f"--format {fmt!r} is not supported; allowed: efg")
    check_model(model, field="--model")
    if state not in STATES:
        raise BadInputError(f"--state {state!r} is not a state; allowed: {', '.join(STATES)}")
    if model == "v1" and state != STATES[0]:
        raise BadInputError("--state chooses a stage game of model v2; add --model v2")
    point = _point(case, sets)
    structure = _structure(first_moves, reduced)
    changed = point.changed()
    values = ("parameters: defaults" + ("" if not changed else " with " + ", ".join(
        f"{k}={v:g}" for k, v in changed.items())))
    solved: dict[str, object] = {}
    if model == "v2":
        from qpq.game import solve_relationship
        from qpq.game.validation import stage_tree

        rel = solve_relationship(point.arrays(), structure)
        tree = stage_tree(rel, 0, STATES.index(state))
        doc = rel.to_json(0)
        solved = {"model": "v2", "state": state, "found_by": doc["found_by"],
                  "pure": doc["pure"], "regret": doc["regret"]}
        comment = (f"qpq model v2 stage game ({state}), the relationship's continuation at "
                   f"its leaves (equilibrium found by {doc['found_by']}); {values}")
    else:
        tree = build_tree(point, structure)
        comment = f"qpq one-round game; {values}"
    path = write_efg(tree, out, comment)
    info = {"path": str(path), "format": "efg", "players": list(tree.players),
            "leaves": tree.n_leaves, "infosets": len(tree.infosets), "changed": changed,
            **solved}
    if json_out:
        print_json(info)
    else:
        # on stderr: with --out /dev/stdout, stdout is the .efg itself
        err_console.print(f"wrote {escape(str(path))} ({tree.n_leaves} leaves, "
                          f"{len(tree.infosets)} information sets)")


@app.command("sweep")
def sweep_command(
    x: Annotated[str, typer.Option("--x", help="parameter on the horizontal axis")],
    y: Annotated[str, typer.Option("--y", help="parameter on the vertical axis")],
    n: Annotated[int, typer.Option("--n", help="grid values per axis (integer parameters: "
                                   "at most their whole values)")] = 200,
    sets: SetOpt = None,
    case: CaseOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="write the figure: .png, .svg, .html or .json (Vega-Lite)")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="worker processes (default: up to 2)")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document (the "
                                           "grids, by label name)")] = False,
    model: Annotated[str, typer.Option(
        "--model", help="v1: the one-round game; v2: the repeated relationship "
        "(qpq game relationship at every grid point; far slower, try --n 10)")] = "v1",
    pure_only: Annotated[bool, typer.Option(
        "--pure-only", help="v2: skip the logit tracing where policy iteration finds no "
        "pure fixed point (those points are marked, not solved)")] = False,
) -> None:
    """Phase diagram: the selected equilibrium's label over a grid of two parameters.

    Example: ``qpq game sweep --x iskp_pull --y crackdown_intensity --n 200 --out p.png``;
    model v2: ``qpq game sweep --model v2 --x quarterly_discount --y iskp_pull --n 8``
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from qpq.game.analysis import OUTSIDE, phase_diagram
    from qpq.model import ParameterRegistry

    if not 2 <= n <= 1000:
        raise BadInputError(f"--n must lie in [2, 1000], got {n}")
    if workers is not None and workers < 1:
        raise BadInputError(f"--workers must be at least 1, got {workers}")
    from qpq.model import check_model

    check_model(model, field="--model")
    if pure_only and model != "v2":
        raise BadInputError("--pure-only applies to --model v2 only")
    check_figure_path(out, "--out", folder=False)
    registry = ParameterRegistry.load(case)
    overrides = parse_assignments(sets or [])
    with Progress(TextColumn("sweeping"), BarColumn(), MofNCompleteColumn(),
                  console=err_console, transient=True, disable=json_out) as bar:
        task = bar.add_task("sweep", total=None)

        def done(k: int) -> None:
            bar.update(task, completed=k)

        diagram = phase_diagram(registry, x, y, n, overrides=overrides, workers=workers,
                                on_chunk=done, model=model, mixed=not pure_only)
    saved = None
    if out is not None:
        from qpq.report import phase_chart

        saved = save_chart(phase_chart(diagram), out)
    if json_out:
        doc = diagram.to_json()
        doc["figure"] = str(saved) if saved else None
        print_json(doc)
        return
    solved = diagram.label != OUTSIDE
    table = Table(title=f"Selected equilibrium over {escape(x)} × {escape(y)} "
                  f"({diagram.shape[1]} × {diagram.shape[0]} grid)")
    table.add_column("label")
    table.add_column("share of the grid", justify="right")
    for label, share in sorted(diagram.shares().items(), key=lambda kv: -kv[1]):
        table.add_row(escape(label), f"{share:.1%}")
    console.print(table)
    if diagram.model == "v2" and diagram.found_by is not None and diagram.regret is not None:
        from qpq.game.analysis import LABEL_KEY

        console.print("how found (share of the solved points): " + "; ".join(
            f"{k} {share:.1%}" for k, share in diagram.found_by_shares().items())
            + f"; not solved (an ordering broken, or δ = 1): {(~solved).mean():.1%} of the "
            "grid")
        mixed = diagram.mixed_regret()
        if mixed is not None:
            console.print(f"regret where mixed: median {mixed[0]:.3g}, max {mixed[1]:.3g} "
                          "(payoff units)")
        console.print(f"[dim]{escape(LABEL_KEY)}[/dim]")
    else:
        console.print(f"multiple PBE paths: {diagram.multiple[solved].mean():.1%} of the "
                      f"grid; first-move ties: {diagram.tie[solved].mean():.1%}; outside the "
                      f"spec's orderings: {(~solved).mean():.1%}")
    console.print(f"defaults ({x}={diagram.default_point[0]:g}, "
                  f"{y}={diagram.default_point[1]:g}): {escape(str(diagram.default_label))}")
    console.print(f"solved in {diagram.seconds:.2f} s"
                  + (f"; figure: {escape(str(saved))}" if saved else ""))
    console.print(f"[dim]Selection rule: {escape(diagram.selection_rule)}[/dim]")


V2_DRAWS = 100
"""Default draws of ``qpq game propositions --model v2`` (v1: 2,000): a v2 point whose
relationship is traced costs about a second (docs/model-game.md §8.2)."""


@app.command("propositions")
def propositions_command(
    n: Annotated[int | None, typer.Option("--n", help="Monte Carlo draws over the assumption "
                                          "ranges (default 2000; 100 with --model v2)")
                 ] = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of the random generator",
                                      min=0)] = 2024,
    sets: SetOpt = None,
    case: CaseOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
    written_sigma_d: Annotated[bool, typer.Option(
        "--written-sigma-d", help="reading: sigma_d in W at continued effort x, as the "
        "spec writes it, not at pressure kappa*x")] = False,
    mixed_compete: Annotated[bool, typer.Option(
        "--mixed-compete", help="reading: mixed PBE compete with pure ones in selection "
        "(default: a pure PBE is selected when one exists); it changes the verdicts on the "
        "PBE listed at the point tested, the shares come from the pure-PBE ensemble "
        "solver")] = False,
    model: Annotated[str, typer.Option(
        "--model", help="v1: the one-round game; v2: the repeated relationship "
        "(solve_relationship; docs/model-game.md §7.5, §8.2)")] = "v1",
    workers: Annotated[int | None, typer.Option(
        "--workers", help="model v2: worker processes sharing the relationship's solves "
        "(default: up to 2; the same results)")] = None,
) -> None:
    """Test P1–P7: at the defaults, share of the ranges, falsification counterparts.

    Beside each verdict: the verdict on the selected PBE and on some / every PBE, the
    deciding margin and the share of draws with a small margin, the nearest flip along
    the parameters most associated with the verdict (v1: the nearest of three; v2: one),
    and the region tested.

    Example: ``qpq game propositions --n 2000 --seed 2024 --json``;
    ``qpq game propositions --model v2 --n 100``
    """
    from qpq.game import Readings
    from qpq.game.analysis import SMALL_MARGIN, run_study
    from qpq.model import ParameterRegistry, check_model

    check_model(model, field="--model")
    if n is None:
        n = 2000 if model == "v1" else V2_DRAWS
    if not 1 <= n <= 1_000_000:
        raise BadInputError(f"--n must lie in [1, 1000000], got {n}")
    if workers is not None and workers < 1:
        raise BadInputError(f"--workers must be at least 1, got {workers}")
    registry = ParameterRegistry.load(case)
    readings = Readings(pure_over_mixed=not mixed_compete,
                        kappa_in_future_defection=not written_sigma_d)
    study = run_study(registry, n, seed=seed,
                      overrides=parse_assignments(sets or []), readings=readings,
                      model=model, workers=workers)
    if json_out:
        print_json(study.to_json())
        return
    table = Table(title=f"The paper's propositions ({n:,} draws, seed {seed})"
                  + (" — model v2, the repeated relationship" if model == "v2" else ""))
    # the falsification counterpart must fail: "fails" there is the wanted answer
    for col in ("id", "kind", "at defaults", "share of ranges",
                "counterpart (must fail): defaults / share holding"):
        table.add_column(col)
    how = Table(title="How each verdict at the defaults was reached")
    for col in ("id", "selected / some / every PBE", f"margin (draws < {SMALL_MARGIN:g})",
                "nearest flip", "tested at"):
        how.add_column(col)
    for r in study.results:
        p = r.proposition
        cond = (f" ({r.share_in_condition:.1%} if {p.condition.description.split(' (')[0]})"
                if p.condition is not None and r.share_in_condition is not None else "")
        fals = ("fails" if r.falsified_at_defaults is False else "holds"
                if r.falsified_at_defaults else "-")
        lo, hi = r.interval
        # a share means little without its basis: the draws where the verdict is defined
        share = (f"{r.share:.1%} of {r.n_defined:,} (95%: {lo:.0%}–{hi:.0%})"
                 if r.n_defined else "no defined draw")
        table.add_row(p.id, "strategic" if p.kind.name == "STRATEGIC" else "mechanism",
                      r.status + (f" ({r.region_share:.0%} of region)"
                                  if r.region_share is not None else ""),
                      f"{share}{escape(cond)}", f"{fals} / {r.falsified_share:.1%}")
        how.add_row(p.id, _pbe_cell(r.pbe, r.at_defaults),
                    f"{r.margin_text} ({r.small_margin_share:.0%})", escape(_flip_cell(r.flip)),
                    escape(r.test_region))
    console.print(table)
    console.print(how)
    for r in study.results:
        console.print(f"[bold]{r.proposition.id}[/bold] {escape(r.proposition.statement)} "
                      f"[dim]Measured as: {escape(r.proposition.definition)}[/dim]")
    if model == "v2":
        console.print("[bold]P8[/bold] (what matters most) is a sensitivity ranking, the "
                      "exploration lens's: no v2 reading here")
        console.print(f"[dim]{escape(study.method)}[/dim]")
    if readings.changed():
        console.print(f"[dim]readings: {escape(str(readings.changed()))}[/dim]")
    console.print(f"[dim]{escape(study.sampling_method)}; {study.seconds:.1f} s[/dim]")


@app.command("relationship")
def relationship_command(
    sets: SetOpt = None,
    case: CaseOpt = None,
    at: Annotated[str | None, typer.Option(
        "--at", help="solve the stage game of this date (YYYY-MM-DD; a year or month: its "
        "last day): the case's phase attributes in force then scale the parameters they bear "
        "on")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """Model v2 (under construction): the round as the stage of a repeated relationship.

    Stationary strategies in the unrecognised and the recognised state, each player's
    discounted value, and how the equilibrium was found (docs/model-game.md §7.5).
    Example: ``qpq game relationship --at 1998-06-30``
    """
    from qpq.case import load_case
    from qpq.game import FULL_GAME, solve_relationship
    from qpq.model import HISTORY_EFFECTS, ParameterRegistry

    loaded = load_case(case)          # read once: parameters and, with --at, the history
    point = ParameterRegistry.from_case(loaded).point(parse_assignments(sets or []))
    params = point.arrays()
    history: dict[str, float] = {}
    day = None if at is None else day_option(at, "--at")
    if day is not None:
        from qpq.sim import build_timeline, quarter_of, stage_point

        try:
            timeline = build_timeline(loaded, day, day)
        except BadInputError as exc:        # the timeline's own words name start and stop
            raise BadInputError(f"--at {at}: out of the simulator's range ({exc})") from None
        q = quarter_of(day)
        if not timeline.in_power(q):
            raise BadInputError(f"--at {at}: the Taliban do not govern then (no quid pro quo)")
        history = {e.attribute: timeline.value(e.attribute, q) for e in HISTORY_EFFECTS
                   if e.stage}
        params = stage_point(point.values, timeline, q)   # the game the simulator plays then
    rel = solve_relationship(params)
    doc = rel.to_json(0)
    doc["history"] = ({"date": day.isoformat(), "attributes": history,
                      "effects": [{"attribute": e.attribute, "parameter": e.parameter,
                                   "why": e.why} for e in HISTORY_EFFECTS if e.stage]}
                      if day is not None else None)
    if json_out:
        print_json(doc)
        return
    if history:
        console.print("[bold]History:[/bold] " + escape(", ".join(
            f"{k}={v:g}" for k, v in history.items())))
        for e in doc["history"]["effects"]:
            console.print(f"  [dim]{escape(e['attribute'])} → {escape(e['parameter'])}: "
                          f"{escape(e['why'])}[/dim]")
        if day is not None and day > loaded.run.forecast_as_of:
            console.print(f"  [dim]{day} lies after the case's record "
                          f"({loaded.run.forecast_as_of}): the phases running then are "
                          "carried on, not known.[/dim]")
    else:
        console.print("[dim]No --at date: the parameters at their defaults, no phase "
                      "attribute applied.[/dim]")
    found = doc["found_by"] + ("" if doc["pure"] else f", mixed (regret {doc['regret']:.3g})")
    console.print(f"[bold]Relationship:[/bold] {escape(found)}; China's value "
                  f"{doc['china_value']:.2f} (harm units, δ = {doc['discount_per_quarter']:g} "
                  "per quarter)")
    words = {t.label: t.description for t in FULL_GAME.types}
    for name, body in doc["states"].items():
        moves = ", ".join(f"{m} {p:.2f}" for m, p in body["first_move"].items())
        table = Table(title=f"{name}: China plays {escape(moves)}")
        table.add_column("type")
        table.add_column("effort")
        table.add_column("P(recognised next)")
        table.add_column("value (China / Taliban)")
        on = max(body["first_move"], key=body["first_move"].get)
        for t, eff in body["after"][on]["efforts"].items():
            table.add_row(f"{words.get(t, t)} ({t})",
                          ", ".join(f"{e} {p:.2f}" for e, p in eff.items()),
                          f"{body['p_recognised_next_by_type'][t]:.2f}",
                          f"{body['china_value_by_type'][t]:.1f} / "
                          f"{body['taliban_value_by_type'][t]:.1f}")
        console.print(table)
        responses = body["after"][on]["responses"]
        console.print("  China's response: " + escape(_responses_words(responses)))
