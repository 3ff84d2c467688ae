"""The Gambit bridge: our trees in pygambit, and the checks of docs/model-game.md §7.7.

pygambit is imported lazily (inside functions), so everything else in :mod:`qpq.game`
works without it. The checks:

(a) :func:`agent_regret` — pygambit's ``agent_max_regret`` of a profile on the full tree,
    and :func:`subgame_agent_regrets` on each first-move subgame (off-path play is invisible
    on the full tree, so each first move's continuation is checked on its own tree);
(b) :func:`qpq.game.validation._reference.nash_regret` on the exported tree, validated here against
    pygambit's strategic ``max_regret`` on small games (:func:`strategic_regret`);
(c) :func:`gambit_equilibria` runs ``lcp_solve`` / ``enumpoly_solve`` / ``logit_solve`` on
    reduced members of the family (:func:`reduced_structure`) so that their equilibria can
    be compared with ours (:func:`matches`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.game._spec import EFFORTS, TYPES, Effort, GameStructure
from qpq.game.validation._efg import to_efg
from qpq.game.validation._reference import expected_payoffs, reach
from qpq.game.validation._tree import Profile, Tree, build_tree
from qpq.model import FirstMove, ParameterSet

__all__ = [
    "agent_regret",
    "agent_regrets",
    "gambit_equilibria",
    "leaf_distribution",
    "matches",
    "reduced_structure",
    "strategic_regret",
    "subgame_agent_regrets",
    "to_pygambit",
]

Strategy = Mapping[str, Mapping[str, Mapping[str, float]]]


def to_pygambit(tree: Tree) -> Any:
    """The tree as a pygambit game (through the .efg text we export)."""
    import pygambit

    return pygambit.read_efg(io.StringIO(to_efg(tree)))


def _infoset_label(infoset: Any, players: list[str]) -> str:
    if infoset.label:
        return str(infoset.label)
    return f"{infoset.player.label}:{infoset.number + 1}"


def _behaviour(game: Any, strategy: Strategy) -> Any:
    profile = game.mixed_behavior_profile(rational=False)
    players = [p.label for p in game.players]
    for infoset in game.infosets:
        given = strategy.get(infoset.player.label, {}).get(_infoset_label(infoset, players))
        if given is None:
            raise KeyError(f"no strategy for information set {infoset.label!r}")
        for action in infoset.actions:
            profile[action] = float(given.get(action.label, 0.0))
    return profile


def _to_strategy(game: Any, profile: Any) -> dict[str, dict[str, dict[str, float]]]:
    players = [p.label for p in game.players]
    out: dict[str, dict[str, dict[str, float]]] = {p: {} for p in players}
    for infoset in game.infosets:
        out[infoset.player.label][_infoset_label(infoset, players)] = {
            a.label: float(profile[a]) for a in infoset.actions}
    return out


def agent_regret(tree: Tree, strategy: Strategy) -> float:
    """Pygambit's ``agent_max_regret`` of a labelled behaviour profile on ``tree``."""
    return agent_regrets(tree, [strategy])[0]


def agent_regrets(tree: Tree, strategies: Sequence[Strategy]) -> list[float]:
    """``agent_max_regret`` of several profiles on one tree (the game is built once)."""
    game = to_pygambit(tree)
    return [float(_behaviour(game, s).agent_max_regret()) for s in strategies]


def strategic_regret(tree: Tree, strategy: Strategy) -> float:
    """Pygambit's ``max_regret`` (strategic form; small games only)."""
    game = to_pygambit(tree)
    return float(_behaviour(game, strategy).max_regret())


def subgame_agent_regrets(params: ParameterSet | Mapping[str, float],
                          strategies: Sequence[Strategy], structure: GameStructure
                          ) -> dict[str, list[float]]:
    """``agent_max_regret`` of each profile's continuation after each first move.

    Each first move's continuation is checked on its own tree (the game restricted to that
    first move), where off-path play on the full tree becomes on-path.
    """
    out: dict[str, list[float]] = {}
    for m in structure.first_moves:
        sub = replace(structure, first_moves=(m,))      # keeps the reading choices
        restricted = []
        for strategy in strategies:
            china = dict(strategy.get(structure.players[0], {}))
            china[sub.first_infoset()] = {m.label: 1.0}
            restricted.append({structure.players[0]: china,
                               structure.players[1]: strategy.get(structure.players[1], {})})
        out[m.label] = agent_regrets(build_tree(params, sub), restricted)
    return out


def reduced_structure(first_move: FirstMove, high_capacity: bool = True,
                      efforts: tuple[Effort, ...] = EFFORTS) -> GameStructure:
    """A member small enough for pygambit's global solvers.

    Types S and I at one capacity, one first move, no UN report (``efforts``: v1's three
    unless given).
    """
    types = tuple(t for t in TYPES if t.high_capacity == high_capacity)
    return GameStructure(types=types, first_moves=(first_move,), un_report=False,
                         efforts=efforts)


def gambit_equilibria(tree: Tree, method: str) -> list[dict[str, dict[str, dict[str, float]]]]:
    """Equilibria that pygambit finds on ``tree`` (``lcp``, ``enumpoly`` or ``logit``)."""
    import pygambit

    game = to_pygambit(tree)
    if method == "lcp":
        result = pygambit.nash.lcp_solve(game, rational=False, use_strategic=False)
    elif method == "enumpoly":
        result = pygambit.nash.enumpoly_solve(game, use_strategic=False)
    elif method == "logit":
        result = pygambit.nash.logit_solve(game, use_strategic=False)
    else:
        raise ValueError(f"unknown method {method!r}")
    return [_to_strategy(game, eq) for eq in result.equilibria]


def leaf_distribution(tree: Tree, profile: Profile) -> NDArray[np.float64]:
    """Probability of every terminal node (pre-order) under ``profile``."""
    r = reach(tree, profile)
    return np.array([r.get(id(n), 0.0) for n in tree.walk() if n.is_terminal])


def matches(tree: Tree, a: Profile, b: Profile, tol: float = 1e-6) -> bool:
    """Same distribution over terminal nodes and the same expected payoffs."""
    return bool(np.allclose(leaf_distribution(tree, a), leaf_distribution(tree, b), atol=tol)
                and np.allclose(expected_payoffs(tree, a), expected_payoffs(tree, b),
                                atol=tol * 10))
