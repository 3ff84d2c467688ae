"""The quid pro quo game: definition, exact solver, reference solver and Gambit bridge.

* :mod:`qpq.game.spec` — formal properties as data (players, types, chance, information);
* :func:`solve` / :func:`solve_ensemble` — all pure PBE (vectorised), bounded mixed search,
  selection and labels;
* :func:`continuations` — the game's face for the other lenses: China's preferred
  continuation after every first move and the selected move, for many points and beliefs;
* :func:`build_tree`, :func:`to_efg` — the explicit tree and its .efg export;
* :mod:`qpq.game.reference` — a small general solver for any finite extensive game;
* :mod:`qpq.game.catalog` — games with published answers;
* :mod:`qpq.game.gambit_bridge` — checks against pygambit (imported lazily).
"""

from qpq.game.continuations import Continuations, continuations
from qpq.game.efg import parse_efg, read_efg, to_efg, write_efg
from qpq.game.ensemble import EnsembleSolution, solve_ensemble
from qpq.game.labels import LABELS, SELECTION_RULE
from qpq.game.payoffs import type_prior
from qpq.game.solution import Continuation, Equilibrium, GameSolution, MixedSearchReport
from qpq.game.solver import DEFAULT_TOL, solve
from qpq.game.spec import (
    EFFORTS,
    FULL_GAME,
    TYPES,
    Effort,
    GameStructure,
    Signal,
    TalibanType,
)
from qpq.game.tree import Node, Tree, build_tree

__all__ = [
    "DEFAULT_TOL",
    "EFFORTS",
    "FULL_GAME",
    "LABELS",
    "SELECTION_RULE",
    "TYPES",
    "Continuation",
    "Continuations",
    "Effort",
    "EnsembleSolution",
    "Equilibrium",
    "GameSolution",
    "GameStructure",
    "MixedSearchReport",
    "Node",
    "Signal",
    "TalibanType",
    "Tree",
    "build_tree",
    "continuations",
    "parse_efg",
    "read_efg",
    "solve",
    "solve_ensemble",
    "to_efg",
    "type_prior",
    "write_efg",
]
