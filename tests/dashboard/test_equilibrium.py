from __future__ import annotations

import dataclasses

import pytest

from qpq.dashboard._equilibrium import equilibrium_view, policy_first_move, summarise
from qpq.dashboard._view import Context
from qpq.errors import BadInputError
from qpq.game import FULL_GAME, solve
from qpq.model import POLICIES
from qpq.model._policies import FIRST_MOVES, FirstMove, MoveKind, Promise


def test_every_policy_maps_to_a_first_move_or_to_china_choosing() -> None:
    assert policy_first_move("equilibrium") is None
    assert policy_first_move("boycott") == FirstMove(MoveKind.BOYCOTT)
    engage = FirstMove(MoveKind.ENGAGE, Promise.NO_PROMISE)
    assert policy_first_move("conditional") == engage
    assert policy_first_move("plan_b_after_failure") == engage
    for p in POLICIES:
        m = policy_first_move(p.name)
        assert m is None or m in FIRST_MOVES
    # the simulator's policy lookup decides it (qpq.sim.resolve_policy); the dashboard had
    # its own, with a KeyError of its own
    with pytest.raises(BadInputError, match="unknown policy 'appease'; allowed: boycott,"):
        policy_first_move("appease")


def test_free_game_matches_the_solver(ctx: Context) -> None:
    point = ctx.registry.defaults()
    view = equilibrium_view(point)
    ref = solve(point)  # with the mixed search: the selection still prefers pure PBE
    eq = ref.selected_equilibrium
    assert eq is not None
    assert view.found and view.label == ref.label == "engage without recognition"
    assert view.first_move == eq.first_move.label == "Engage[no_promise]"
    assert view.p_recognised == pytest.approx(eq.outcome["p_recognised"])
    assert view.p_recognised == pytest.approx(0.1245, abs=5e-4)  # docs/model-game.md A.2
    assert [e.effort for e in view.efforts] == ["crackdown", "restrain", "harbour", "harbour"]
    assert view.mixed_search and "multiple" in view.flags
    assert view.scope == "China chooses its first move"
    assert view.n_equilibria == ref.n_equilibria > view.n_pure == len(ref.pure_equilibria)


def test_the_count_is_the_clis(ctx: Context, capsys: pytest.CaptureFixture[str]) -> None:
    # issue 17: "17 PBE, mixed found" on the CLI against "7 PBE; mixed search not needed"
    # on the dashboard read as two answers; both now say the CLI's numbers
    import re

    from qpq.cli import main

    assert main(["game", "solve"]) == 0
    out = capsys.readouterr().out
    found = re.search(r"Equilibria: (\d+) found, (\d+) of them pure", out)
    assert found is not None, out
    view = equilibrium_view(ctx.registry.defaults())
    assert (view.n_equilibria, view.n_pure) == (int(found[1]), int(found[2]))
    assert view.count_text.startswith(f"{found[1]} PBE found, {found[2]} of them pure")


def test_committed_policy_restricts_the_first_move(ctx: Context) -> None:
    point = ctx.registry.defaults()
    boycott = equilibrium_view(point, FirstMove(MoveKind.BOYCOTT))
    assert boycott.label == "boycott" and boycott.p_recognised == 0.0
    assert boycott.scope == "China commits to Boycott"
    recognise = equilibrium_view(point, FirstMove(MoveKind.RECOGNIZE))
    ref = solve(point, dataclasses.replace(FULL_GAME, first_moves=(FirstMove(
        MoveKind.RECOGNIZE),)))
    assert recognise.label == ref.label == "recognition withdrawn"


def test_the_label_changes_with_iskp_pull(ctx: Context) -> None:
    low = equilibrium_view(ctx.registry.point({"iskp_pull": 0.0}))
    high = equilibrium_view(ctx.registry.point({"iskp_pull": 3.0}))
    assert high.label == "boycott" and low.label != "boycott"
    assert high.p_defected > low.p_defected


def test_no_equilibrium_is_said_so(ctx: Context) -> None:
    point = ctx.registry.defaults()
    sol = solve(point, mixed=True)
    fake = dataclasses.replace(sol, selected=None)
    view = summarise(fake, "test")
    assert not view.found and view.label is None and view.efforts == ()
    assert view.as_dict()["efforts"] == {}


def test_relationship_view_reads_the_solution(ctx: Context) -> None:
    import numpy as np

    from qpq.dashboard._equilibrium import relationship_view
    from qpq.game import solve_relationship
    from qpq.model import FINAL_ACTIONS

    point = ctx.registry.defaults()
    view = relationship_view(point)
    rel = solve_relationship({k: np.array([v]) for k, v in point.items()})
    assert [s.name for s in view.states] == ["unrecognised", "recognised"]
    assert view.states[0].first_move == FULL_GAME.first_moves[int(rel.first_move[0])].label
    assert view.states[1].first_move == "Recognize"
    for x, s in enumerate(view.states):
        assert [e.effort for e in s.efforts] == [FULL_GAME.efforts[int(e)].label
                                                 for e in rel.effort[0, x]]
        assert [a for _, a in s.responses] == [FINAL_ACTIONS[int(a)].value
                                               for a in rel.response[0, x]]
        assert dict(s.china_value) == pytest.approx(
            {t.label: float(v) for t, v in zip(FULL_GAME.types, rel.china_value[0, x],
                                               strict=True)})
    assert view.china_value == pytest.approx(float(rel.value[0]))
    sincere_acts = any(FULL_GAME.efforts[int(rel.effort[0, 1, k])].label != "harbour"
                       for k, t in enumerate(FULL_GAME.types) if t.sincere)
    assert ("no recognised sincere type keeps acting" in view.hold_up) is (not sincere_acts)
