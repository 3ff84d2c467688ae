"""``qpq game``: solve the quid pro quo game and export it for Gambit.

Examples::

    qpq game solve
    qpq game solve --set reneging_cost=5 --set iskp_pull=2 --json
    qpq game export --format efg --out qpq.efg
    qpq game export --first-move "Engage[reward_if_suppressed]" --reduced --out small.efg
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from qpq.cli._common import console, parse_assignments, print_json
from qpq.errors import BadInputError
from qpq.game.efg import write_efg
from qpq.game.gambit_bridge import reduced_structure
from qpq.game.solution import GameSolution
from qpq.game.solver import DEFAULT_TOL, solve
from qpq.game.spec import FULL_GAME, GameStructure
from qpq.game.tree import build_tree
from qpq.model.parameters import ParameterRegistry, ParameterSet
from qpq.model.policies import FIRST_MOVES, FirstMove, first_move

__all__ = ["app"]

app = typer.Typer(help="Solve the quid pro quo game (perfect Bayesian equilibria) and export "
                  "it to Gambit's .efg format.", no_args_is_help=True)

CaseOpt = Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="override a parameter, "
                                                  "NAME=VALUE (repeatable)")]
MoveOpt = Annotated[list[str] | None, typer.Option(
    "--first-move", help="restrict China's first moves (repeatable), e.g. Boycott, "
    "Engage[reward_if_suppressed], Recognize")]


def _point(case: Path | None, sets: list[str] | None) -> ParameterSet:
    registry = ParameterRegistry.load(case)
    return registry.point(parse_assignments(sets or []))


def _structure(moves: list[str] | None, reduced: bool) -> GameStructure:
    chosen: tuple[FirstMove, ...] = FIRST_MOVES
    if moves:
        try:
            chosen = tuple(first_move(m) for m in moves)
        except ValueError as exc:
            raise BadInputError(f"--first-move: {exc}") from None
    if reduced:
        if len(chosen) != 1:
            raise BadInputError("--reduced needs exactly one --first-move")
        try:
            return reduced_structure(chosen[0])
        except ValueError as exc:
            raise BadInputError(f"--reduced: {exc}") from None
    return FULL_GAME if chosen == FIRST_MOVES else GameStructure(first_moves=chosen)


def _print(sol: GameSolution) -> None:
    console.print(f"[bold]Label:[/bold] {escape(sol.label or '(no equilibrium found)')}"
                  + (f"  (also: {escape(', '.join(sol.secondary_labels))})"
                     if sol.secondary_labels else ""))
    console.print(f"[bold]Flags:[/bold] {escape(', '.join(sol.flags) or 'none')}")
    console.print(f"[bold]Equilibria:[/bold] {sol.n_equilibria} found "
                  f"({len(sol.pure_equilibria)} pure listed); tied first moves: "
                  f"{escape(', '.join(sol.tied_first_moves) or '-')}")
    eq = sol.selected_equilibrium
    if eq is not None:
        st = sol.structure
        on = eq.continuations[st.first_moves.index(eq.first_move)]
        table = Table(title=f"Selected PBE: China plays {escape(eq.first_move.label)}")
        table.add_column("type")
        table.add_column("effort")
        for i, t in enumerate(st.types):
            table.add_row(t.label, ", ".join(f"{e}={p:.3g}" for e, p in zip(
                ("harbour", "restrain", "crackdown"), on.taliban[i], strict=True) if p > 0))
        console.print(table)
        acts = st.actions(eq.first_move)
        table = Table(title="China's final move by signal (with posterior P(sincere))")
        table.add_column("information set")
        table.add_column("action")
        table.add_column("P(sincere)")
        for k, sig in enumerate(st.signals):
            label = st.china_infoset(eq.first_move, sig)
            post = sum(v for t, v in eq.beliefs[label].items() if t.startswith("S"))
            table.add_row(escape(label), ", ".join(f"{a.value}={p:.3g}" for a, p in zip(
                acts, on.china[k], strict=True) if p > 0), f"{post:.3f}")
        console.print(table)
        out = eq.outcome
        console.print(f"P(recognised)={out['p_recognised']:.3f}  P(suppressed)="
                      f"{out['p_suppressed']:.3f}  P(defection)={out['p_defected']:.3f}  "
                      f"China security={out['china_security']:.3f}  payoffs: China "
                      f"{eq.payoffs[st.players[0]]:.3f}, Taliban {eq.payoffs[st.players[1]]:.3f}")
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
    tol: Annotated[float, typer.Option("--tol", help="relative tolerance for ties")
                   ] = DEFAULT_TOL,
    max_equilibria: Annotated[int, typer.Option("--max-equilibria", help="list at most this "
                                                "many PBE")] = 256,
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """All pure PBE (and mixed ones from a bounded search), the selected one and its label.

    Example: ``qpq game solve --set reneging_cost=5 --json``
    """
    if not 0 < tol < 1e-2:
        raise BadInputError(f"--tol must lie in (0, 0.01), got {tol:g}")
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
    out: Annotated[Path, typer.Option("--out", help="file to write")] = Path("qpq_game.efg"),
    sets: SetOpt = None,
    case: CaseOpt = None,
    first_moves: MoveOpt = None,
    reduced: Annotated[bool, typer.Option("--reduced", help="two types (one capacity), one "
                                          "first move, no UN report")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """Write the game tree (at the given parameters) as a Gambit .efg file.

    Example: ``qpq game export --format efg --out qpq.efg``
    """
    if fmt.lower() != "efg":
        raise BadInputError(f"--format {fmt!r} is not supported; allowed: efg")
    point = _point(case, sets)
    structure = _structure(first_moves, reduced)
    tree = build_tree(point, structure)
    changed = point.changed()
    comment = ("qpq model-spec v1.4 one-round game; parameters: defaults"
               + ("" if not changed else " with " + ", ".join(f"{k}={v:g}"
                                                            for k, v in changed.items())))
    path = write_efg(tree, out, comment)
    info = {"path": str(path), "format": "efg", "players": list(tree.players),
            "leaves": tree.n_leaves, "infosets": len(tree.infosets), "changed": changed}
    if json_out:
        print_json(info)
    else:
        console.print(f"wrote {escape(str(path))} ({tree.n_leaves} leaves, {len(tree.infosets)} "
                      "information sets)")
