"""The quid pro quo game: definition, exact solver and the face other lenses call.

* :class:`GameStructure` — formal properties as data (players, types, chance, information,
  and the layout of every array over types, signals and final actions);
* :func:`solve` / :func:`solve_ensemble` — all pure PBE (vectorised), bounded mixed search,
  selection and labels;
* :func:`continuations` — the game's face for the other lenses: China's preferred
  continuation after every first move and the selected move, for many points and beliefs;
* :func:`solve_relationship` — model v2's repeated relationship: the round as the stage of
  an infinitely repeated game, valued by the discounted values of the strategies played
  (stationary strategies, Markov in the recognition status).

Two sub-packages sit on top of the core and are never imported by it:
:mod:`qpq.game.analysis` (phase diagrams, the paper's propositions over the plausible
ranges) and :mod:`qpq.game.validation` (the explicit tree and its .efg export, a small
general solver, games with published answers, the pygambit bridge). :func:`build_tree` and
the .efg functions are also exported here.
"""


from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.game._continuations import (
        Continuations,
        continuations,
    )
    from qpq.game._ensemble import (
        EnsembleSolution,
        solve_ensemble,
    )
    from qpq.game._kernel import (
        MAX_TOL,
        check_tol,
    )
    from qpq.game._labels import (
        LABELS,
        SELECTION_RULE,
    )
    from qpq.game._payoffs import (
        type_prior,
    )
    from qpq.game._relationship import (
        STATES,
        Relationship,
        solve_relationship,
        stage_params,
    )
    from qpq.game._relationship_budget import (
        RELATIONSHIP_BUDGET,
        check_relationship_budget,
    )
    from qpq.game._solution import (
        Continuation,
        Equilibrium,
        GameSolution,
        MixedSearchReport,
    )
    from qpq.game._solver import (
        DEFAULT_TOL,
        solve,
    )
    from qpq.game._spec import (
        ALL_EFFORTS,
        EFFORTS,
        FULL_GAME,
        TYPES,
        Effort,
        GameStructure,
        Readings,
        Signal,
        TalibanType,
    )
    from qpq.game.validation._efg import (
        parse_efg,
        read_efg,
        to_efg,
        write_efg,
    )
    from qpq.game.validation._tree import (
        Node,
        Tree,
        build_tree,
    )

__all__ = [
    "ALL_EFFORTS",
    "DEFAULT_TOL",
    "EFFORTS",
    "FULL_GAME",
    "LABELS",
    "MAX_TOL",
    "RELATIONSHIP_BUDGET",
    "SELECTION_RULE",
    "STATES",
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
    "Readings",
    "Relationship",
    "Signal",
    "TalibanType",
    "Tree",
    "build_tree",
    "check_relationship_budget",
    "check_tol",
    "continuations",
    "parse_efg",
    "read_efg",
    "solve",
    "solve_ensemble",
    "solve_relationship",
    "stage_params",
    "to_efg",
    "type_prior",
    "write_efg",
]

# Each name's module is imported on first use (qpq._lazy), so importing the package
# for one name does not import its siblings' libraries.
_EXPORTS = {
    "qpq.game._continuations": ("Continuations", "continuations"),
    "qpq.game._ensemble": ("EnsembleSolution", "solve_ensemble"),
    "qpq.game._labels": ("LABELS", "SELECTION_RULE"),
    "qpq.game._payoffs": ("type_prior",),
    "qpq.game._relationship": ("STATES", "Relationship", "solve_relationship", "stage_params"),
    "qpq.game._relationship_budget": ("RELATIONSHIP_BUDGET", "check_relationship_budget"),
    "qpq.game._solution": ("Continuation", "Equilibrium", "GameSolution", "MixedSearchReport"),
    "qpq.game._kernel": ("MAX_TOL", "check_tol"),
    "qpq.game._solver": ("DEFAULT_TOL", "solve"),
    "qpq.game._spec": (
        "ALL_EFFORTS", "EFFORTS", "Effort", "FULL_GAME", "GameStructure", "Readings", "Signal",
        "TYPES",
        "TalibanType",
    ),
    "qpq.game.validation._efg": ("parse_efg", "read_efg", "to_efg", "write_efg"),
    "qpq.game.validation._tree": ("Node", "Tree", "build_tree"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
