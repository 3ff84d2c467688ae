"""The three Gambit checks of docs/model-game.md §7.7."""

from __future__ import annotations

import pytest

from qpq.game import FULL_GAME, Effort, build_tree, parse_efg, solve, to_efg
from qpq.game.validation._gambit import (
    agent_regrets,
    gambit_equilibria,
    matches,
    reduced_structure,
    subgame_agent_regrets,
)
from qpq.game.validation._reference import nash_regret, sequential_rationality
from qpq.model import FIRST_MOVES, ParameterRegistry, ParameterSet
from tests.game.conftest import random_points
from tests.required import require_pygambit

require_pygambit()

TOL = 1e-7


def _check_agent_regret(point: ParameterSet) -> None:
    sol = solve(point)
    strategies = [e.strategy(FULL_GAME) for e in sol.equilibria]
    full = agent_regrets(build_tree(point), strategies)
    assert max(full) <= TOL
    per_move = subgame_agent_regrets(point, strategies, FULL_GAME)
    assert set(per_move) == {m.label for m in FIRST_MOVES}
    assert max(max(v) for v in per_move.values()) <= TOL


def test_agent_regret_at_defaults(defaults: ParameterSet) -> None:
    _check_agent_regret(defaults)


@pytest.mark.slow
def test_agent_regret_at_random_points(registry: ParameterRegistry) -> None:
    for point in random_points(registry, 4, seed=31):
        _check_agent_regret(point)


def test_agent_regret_detects_a_non_equilibrium(defaults: ParameterSet) -> None:
    sol = solve(defaults, mixed=False)
    strategy = sol.equilibria[sol.selected].strategy(FULL_GAME)
    # make every type harbour on the path and China reward everywhere: not an equilibrium
    m = sol.equilibria[sol.selected].first_move
    for t in FULL_GAME.types:
        strategy["Taliban"][FULL_GAME.taliban_infoset(t, m)] = {
            "harbour": 0.0, "restrain": 0.0, "crackdown": 1.0}
    assert agent_regrets(build_tree(defaults), [strategy])[0] > 1e-3


def test_nash_regret_on_the_exported_tree(defaults: ParameterSet) -> None:
    sol = solve(defaults)
    exported = parse_efg(to_efg(build_tree(defaults)))
    for e in sol.equilibria:
        profile = exported.profile_from_labels(e.strategy(FULL_GAME))
        assert nash_regret(exported, profile) <= TOL


@pytest.mark.parametrize("index", [0, 1, 2, 4, 5])
def test_reduced_games_lcp_and_logit(registry: ParameterRegistry, index: int) -> None:
    points = [registry.defaults(), *random_points(registry, 2, seed=40 + index)]
    for point in points:
        structure = reduced_structure(FIRST_MOVES[index])
        tree = build_tree(point, structure)
        ours = [tree.profile_from_labels(e.strategy(structure))
                for e in solve(point, structure).equilibria]
        assert ours
        for method in ("lcp", "logit"):
            found = gambit_equilibria(tree, method)
            assert found
            for strategy in found:
                profile = tree.profile_from_labels(strategy)
                check = sequential_rationality(tree, profile, tol=1e-6)
                if method == "logit":
                    assert check.ok   # the logit limit is sequentially rational
                if check.ok:
                    assert any(matches(tree, profile, q, tol=1e-5) for q in ours), method


@pytest.mark.slow
def test_reduced_game_enumpoly_finds_exactly_our_equilibria(defaults: ParameterSet) -> None:
    """Every equilibrium of enumpoly_solve, both ways, on the smallest reduced member.

    enumpoly is the one Gambit solver that enumerates: about 50 s for the first equilibrium
    of the three-effort Boycott member, and over 5 minutes for the first one even with two
    efforts at Engage[no_promise], so it runs on the Boycott member with two efforts
    (harbour, crackdown), whose every equilibrium it finds in about 20 s. There the check is
    two-sided, unlike lcp's: each sequentially rational Gambit equilibrium is one of ours, and
    each of ours is among Gambit's.
    """
    structure = reduced_structure(FIRST_MOVES[0], efforts=(Effort.HARBOUR, Effort.CRACKDOWN))
    tree = build_tree(defaults, structure)
    ours = [tree.profile_from_labels(e.strategy(structure))
            for e in solve(defaults, structure).equilibria]
    theirs = [tree.profile_from_labels(s) for s in gambit_equilibria(tree, "enumpoly")]
    rational = [p for p in theirs if sequential_rationality(tree, p, tol=1e-6).ok]
    assert ours and rational
    for profile in rational:
        assert any(matches(tree, profile, q, tol=1e-5) for q in ours)
    for q in ours:
        assert any(matches(tree, p, q, tol=1e-5) for p in rational)
