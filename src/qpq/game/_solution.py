"""Self-describing results of the game solver: continuations, equilibria, the solution.

A :class:`GameSolution` records how it was made (method, tolerance, structure, parameters,
what the mixed search covered) next to what was found (every equilibrium, the selected
one, its label and flags), like pygambit's ``NashComputationResult``. Strategies and
beliefs are keyed by the same information-set and action labels as the .efg export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from qpq.game._spec import GameStructure
from qpq.model import FirstMove

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Continuation", "Equilibrium", "GameSolution", "MixedSearchReport"]

FloatArray = NDArray[np.float64]

# the outcome's names for Equilibrium.payoffs (the names the simulator and the exploration
# use); the table shows them once, as payoff_China and payoff_Taliban
_OUTCOME_PAYOFFS = frozenset({"china_payoff", "taliban_payoff"})


@dataclass(frozen=True, eq=False)
class Continuation:
    """An equilibrium of the continuation game after one of China's first moves.

    Attributes
    ----------
    first_move
        The first move it follows.
    taliban
        (T, E): each type's probability of each of the structure's efforts.
    china
        (S, F): China's probability of each final action at each information set.
    china_value
        China's expected payoff of the continuation.
    pure
        Whether both players play pure strategies.
    description
        ``pure`` or which player mixes where.
    """

    first_move: FirstMove
    taliban: FloatArray
    china: FloatArray
    china_value: float
    pure: bool
    description: str = "pure"

    def same_as(self, other: Continuation, tol: float = 1e-7) -> bool:
        """Same first move and behaviour (within ``tol``)."""
        return (self.first_move == other.first_move
                and bool(np.allclose(self.taliban, other.taliban, atol=tol))
                and bool(np.allclose(self.china, other.china, atol=tol)))


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """A perfect Bayesian equilibrium of the whole game.

    ``continuations`` has one entry per first move of the structure (on and off the path);
    ``first_move`` is China's (pure) first move.
    """

    first_move: FirstMove
    continuations: tuple[Continuation, ...]
    payoffs: dict[str, float]
    taliban_by_type: dict[str, float]
    pure: bool
    label: str
    secondary_labels: tuple[str, ...]
    outcome: dict[str, Any]
    beliefs: dict[str, dict[str, float]]
    selected: bool = False

    def strategy(self, structure: GameStructure) -> dict[str, dict[str, dict[str, float]]]:
        """Behaviour strategies keyed by player, information-set label and action label."""
        china: dict[str, dict[str, float]] = {
            structure.first_infoset(): {m.label: float(m == self.first_move)
                                        for m in structure.first_moves}}
        taliban: dict[str, dict[str, float]] = {}
        for c in self.continuations:
            m = c.first_move
            for i, t in enumerate(structure.types):
                taliban[structure.taliban_infoset(t, m)] = {
                    e.label: float(c.taliban[i, j]) for j, e in enumerate(structure.efforts)}
            for k, sig in enumerate(structure.signals):
                china[structure.china_infoset(m, sig)] = {
                    f.value: float(c.china[k, j]) for j, f in enumerate(structure.actions(m))}
        return {structure.players[0]: china, structure.players[1]: taliban}


@dataclass(frozen=True)
class MixedSearchReport:
    """What the bounded mixed search looked for and found."""

    ran: bool
    coverage: str
    candidates: int = 0
    found: int = 0


@dataclass(frozen=True, eq=False)
class GameSolution:
    """Everything the solver found at one parameter point, and how.

    Attributes
    ----------
    method
        Solver name and version of the method.
    structure
        The member of the game family solved.
    parameters
        The parameter point.
    tolerance
        Relative tolerance for ties and optimality.
    continuations
        Per first move, every continuation equilibrium found (pure ones first).
    equilibria
        Every PBE found (pure ones first), up to ``max_equilibria``.
    n_equilibria
        How many PBE exist in total from the continuations found (before truncation).
    selected
        Index of the selected equilibrium in ``equilibria``; ``None`` if none was found.
    label, secondary_labels
        The selected equilibrium's labels.
    tied_first_moves
        First moves whose best PBE value ties with the selected one's (including it).
    flags
        ``multiple``, ``tie``, ``tie (outcome-equivalent)``, ``no pure PBE``,
        ``no PBE found``, ``truncated``, ``China indifferent`` ...
    selection_rule
        The rule that chose ``selected`` and the label.
    mixed_search
        Coverage of the bounded mixed search.
    intuitive
        What the intuitive-criterion filter did (``None`` if not run).
    """

    method: str
    structure: GameStructure
    parameters: dict[str, float]
    tolerance: float
    continuations: tuple[tuple[Continuation, ...], ...]
    equilibria: tuple[Equilibrium, ...]
    n_equilibria: int
    selected: int | None
    label: str | None
    secondary_labels: tuple[str, ...]
    tied_first_moves: tuple[str, ...]
    flags: tuple[str, ...]
    selection_rule: str
    mixed_search: MixedSearchReport
    intuitive: str | None = None
    notes: tuple[str, ...] = field(default=())

    def __repr__(self) -> str:
        # the default repr printed every continuation (over 200,000 characters)
        return (f"GameSolution(label={self.label!r}, equilibria={len(self.equilibria)} of "
                f"{self.n_equilibria}, selected={self.selected}, flags={list(self.flags)})")

    @property
    def selected_equilibrium(self) -> Equilibrium | None:
        """The selected equilibrium, if any."""
        return None if self.selected is None else self.equilibria[self.selected]

    @property
    def pure_equilibria(self) -> tuple[Equilibrium, ...]:
        """The pure-strategy PBE."""
        return tuple(e for e in self.equilibria if e.pure)

    def to_dict(self) -> dict[str, Any]:
        """Everything the solution holds, JSON-ready (the same as :meth:`to_json`)."""
        return self.to_json()

    def to_frame(self) -> pd.DataFrame:
        """The equilibria as a table, one row each (pure ones first).

        Columns: the label, whether it is the selected one and pure, China's first move,
        both players' payoffs (``payoff_China``, ``payoff_Taliban``) and the scalar fields
        of its outcome (``p_recognised``, ``china_security`` …) but its copies of the
        payoffs; the strategies and beliefs are in :meth:`to_dict`.
        """
        import pandas as pd

        rows = []
        for e in self.equilibria:
            row: dict[str, Any] = {"label": e.label, "selected": e.selected, "pure": e.pure,
                                   "first_move": e.first_move.label,
                                   **{f"payoff_{p}": v for p, v in e.payoffs.items()}}
            row.update({k: v for k, v in e.outcome.items()
                        if k not in row and k not in _OUTCOME_PAYOFFS
                        and isinstance(v, int | float | str)})
            rows.append(row)
        frame = pd.DataFrame(rows)
        frame.index.name = "equilibrium"
        return frame

    def to_json(self) -> dict[str, Any]:
        """The JSON document of ``qpq game solve --json``."""
        return {
            "method": self.method,
            "parameters": dict(self.parameters),
            "structure": self.structure.describe(),
            "tolerance": self.tolerance,
            "selection_rule": self.selection_rule,
            "label": self.label,
            "secondary_labels": list(self.secondary_labels),
            "flags": list(self.flags),
            "tied_first_moves": list(self.tied_first_moves),
            "n_equilibria": self.n_equilibria,
            "mixed_search": {"ran": self.mixed_search.ran,
                             "coverage": self.mixed_search.coverage,
                             "candidates": self.mixed_search.candidates,
                             "found": self.mixed_search.found},
            "intuitive_criterion": self.intuitive,
            "notes": list(self.notes),
            "equilibria": [
                {
                    "label": e.label,
                    "secondary_labels": list(e.secondary_labels),
                    "selected": e.selected,
                    "pure": e.pure,
                    "first_move": e.first_move.label,
                    "payoffs": dict(e.payoffs),
                    "taliban_payoff_by_type": dict(e.taliban_by_type),
                    "strategy": e.strategy(self.structure),
                    "beliefs": e.beliefs,
                    "outcome": e.outcome,
                    "mixing": sorted({c.description for c in e.continuations if not c.pure}),
                }
                for e in self.equilibria
            ],
        }
