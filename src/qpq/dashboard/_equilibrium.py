"""The game panel: the selected equilibrium at the sliders' point, in a few numbers.

:func:`equilibrium_view` solves the one-round quid pro quo game with
:func:`qpq.game.solve` and keeps what an analyst reads first: the primary label, China's
first move, each Taliban type's effort, P(recognised), P(suppressed), P(defection),
China's security, the flags and the selection rule. ``first_move`` restricts China to one
first move (the game member :class:`~qpq.game.GameStructure` with that move only), which is
how a fixed policy (boycott, engage with a promise, recognise) is read in the game.

The bounded mixed search runs as ``qpq game solve`` runs it, so that the panel counts the
same PBE as the CLI ("17 PBE found (7 pure)" at the defaults, issue 17); the selection
prefers a pure PBE whenever one exists, so the search adds to the count, not to the
selected equilibrium (about 0.2 s at the defaults).

:func:`relationship_view` is the panel's model v2 (the switch on the panel): the repeated
relationship's stationary equilibrium (:func:`qpq.game.solve_relationship`,
docs/model-game.md §7.5) per state — China's first move, each type's effort, China's
responses, the values — and the hold-up result; with ``first_move`` China is committed to
that move while unrecognised (the Taliban best-respond to the commitment within the
relationship), as the simulator's fixed policies play v2.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from qpq.game import FULL_GAME, GameSolution, GameStructure, solve
from qpq.model import FIRST_MOVES, FirstMove, ParameterSet
from qpq.sim import resolve_policy

__all__ = [
    "EquilibriumView",
    "RelationshipView",
    "StateView",
    "TypeEffort",
    "equilibrium_view",
    "policy_first_move",
    "relationship_view",
    "summarise",
]

def policy_first_move(policy: str) -> FirstMove | None:
    """China's first move in the one-round game under a simulator policy.

    The simulator's move while the Taliban are unrecognised (:func:`qpq.sim.resolve_policy`):
    fixed policies play their move; ``conditional`` and ``plan_b_after_failure`` engage
    without a promise (the Taliban respond as to Engage[no_promise], docs/model-dynamics.md
    choice D5); ``equilibrium`` leaves China free (``None``).

    Raises
    ------
    BadInputError
        For a name that is not one of :data:`qpq.model.POLICIES`.
    """
    move = resolve_policy(policy).move
    return None if move < 0 else FIRST_MOVES[move]


@dataclass(frozen=True, slots=True)
class TypeEffort:
    """One Taliban type's behaviour on the selected equilibrium's path.

    ``effort`` is the effort it plays, or ``mixed (p harbour, …)`` when it mixes;
    ``probabilities`` maps each effort to its probability.
    """

    type_label: str
    effort: str
    probabilities: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class EquilibriumView:
    """The selected PBE of one game, summarised for the dashboard.

    Attributes
    ----------
    scope
        ``China chooses its first move`` or ``China commits to <move>``.
    found
        Whether a PBE was found (all other fields but ``flags`` are then set).
    label, secondary_labels
        Primary and secondary labels (docs/model-game.md §7.6).
    first_move
        China's first move on the path.
    efforts
        Each type's effort.
    p_recognised, p_suppressed, p_defected
        Probabilities on the path.
    china_security, china_payoff, taliban_payoff
        China's security (minus expected harm now and in the future, harm units) and the
        players' expected payoffs.
    flags
        The solver's flags (``multiple``, ``tie``, ``no pure PBE`` ...).
    n_equilibria
        PBE found, pure and mixed (as ``qpq game solve`` counts them).
    mixed_search
        Whether the bounded mixed search ran.
    n_pure
        Pure PBE found (listed by ``qpq game solve``).
    selection_rule
        The rule that chose the equilibrium and its label.
    """

    scope: str
    found: bool
    label: str | None
    secondary_labels: tuple[str, ...]
    first_move: str | None
    efforts: tuple[TypeEffort, ...]
    p_recognised: float
    p_suppressed: float
    p_defected: float
    china_security: float
    china_payoff: float
    taliban_payoff: float
    flags: tuple[str, ...]
    n_equilibria: int
    mixed_search: bool
    selection_rule: str
    n_pure: int = 0

    @property
    def count_text(self) -> str:
        """How many PBE were found, in the words of ``qpq game solve`` for the same count."""
        search = "bounded mixed search run" if self.mixed_search else "mixed search not run"
        return f"{self.n_equilibria} PBE found, {self.n_pure} of them pure ({search})"

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict (efforts as ``type -> effort``)."""
        d = dataclasses.asdict(self)
        d["efforts"] = {e.type_label: e.effort for e in self.efforts}
        return d


def _effort_text(probs: tuple[tuple[str, float], ...]) -> str:
    support = [(name, p) for name, p in probs if p > 1e-9]
    if len(support) == 1:
        return support[0][0]
    return "mixed (" + ", ".join(f"{p:.2f} {name}" for name, p in support) + ")"


def summarise(solution: GameSolution, scope: str) -> EquilibriumView:
    """The dashboard's summary of a :class:`~qpq.game.GameSolution`."""
    eq = solution.selected_equilibrium
    nan = float("nan")
    if eq is None:
        return EquilibriumView(
            scope=scope, found=False, label=None, secondary_labels=(), first_move=None,
            efforts=(), p_recognised=nan, p_suppressed=nan, p_defected=nan,
            china_security=nan, china_payoff=nan, taliban_payoff=nan,
            flags=solution.flags, n_equilibria=solution.n_equilibria,
            mixed_search=solution.mixed_search.ran, selection_rule=solution.selection_rule,
            n_pure=len(solution.pure_equilibria))
    out = eq.outcome
    efforts = []
    for type_label, by_effort in out["effort_by_type"].items():
        # the solution lists the structure's efforts in order (v1: harbour, restrain, crackdown)
        probs = tuple((label, float(p)) for label, p in by_effort.items())
        efforts.append(TypeEffort(type_label, _effort_text(probs), probs))
    return EquilibriumView(
        scope=scope, found=True, label=eq.label, secondary_labels=eq.secondary_labels,
        first_move=eq.first_move.label, efforts=tuple(efforts),
        p_recognised=float(out["p_recognised"]), p_suppressed=float(out["p_suppressed"]),
        p_defected=float(out["p_defected"]), china_security=float(out["china_security"]),
        china_payoff=float(out["china_payoff"]), taliban_payoff=float(out["taliban_payoff"]),
        flags=solution.flags, n_equilibria=solution.n_equilibria,
        mixed_search=solution.mixed_search.ran, selection_rule=solution.selection_rule,
        n_pure=len(solution.pure_equilibria))


def equilibrium_view(point: ParameterSet, first_move: FirstMove | None = None
                     ) -> EquilibriumView:
    """Solve the game at ``point`` and summarise the selected PBE.

    Parameters
    ----------
    point
        A validated parameter point.
    first_move
        Restrict China to this first move (a fixed policy); ``None``: China chooses.
    """
    structure, scope = _committed(first_move)
    return summarise(solve(point, structure, mixed=True), scope)


@dataclass(frozen=True)
class StateView:
    """One state of model v2's relationship: what each side plays there and what it is worth.

    ``first_move``: China's first move (``Recognize`` in the recognised state, where the
    status is in force); ``efforts``: each type's effort after it; ``responses``: China's
    final action at each signal (label ``s,d,r``), mixed ones with their probabilities;
    ``china_value``/``taliban_value``/``p_recognised_next``: by the Taliban's true type.
    """

    name: str
    first_move: str
    efforts: tuple[TypeEffort, ...]
    responses: tuple[tuple[str, str], ...]
    china_value: tuple[tuple[str, float], ...]
    taliban_value: tuple[tuple[str, float], ...]
    p_recognised_next: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class RelationshipView:
    """Model v2's stationary equilibrium at one point, summarised for the dashboard.

    ``scope``: ``China chooses its first move while unrecognised`` or ``China commits to
    <move> while unrecognised``; ``found_by``: policy iteration or logit tracing; ``pure``
    with ``regret`` (≈ 0 at an exact equilibrium); ``china_value`` from the unrecognised
    state at China's prior, in harm units discounted at ``discount`` per quarter;
    ``hold_up``: whether a recognised sincere type keeps acting and whether China's response
    once recognised depends on what it observes, in words.
    """

    scope: str
    found_by: str
    pure: bool
    regret: float
    china_value: float
    discount: float
    states: tuple[StateView, ...]
    hold_up: str

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return dataclasses.asdict(self)


def _choice_text(probs: dict[str, float]) -> str:
    support = [(k, p) for k, p in probs.items() if p > 1e-9]
    if len(support) == 1:
        return support[0][0]
    return "mixed (" + ", ".join(f"{p:.2f} {k}" for k, p in support) + ")"


def relationship_view(point: ParameterSet, first_move: FirstMove | None = None
                      ) -> RelationshipView:
    """Solve model v2's relationship at ``point`` (:func:`qpq.game.solve_relationship`).

    ``first_move`` commits China to that move while unrecognised (a fixed policy);
    ``None``: China chooses.
    """
    from qpq.game import solve_relationship

    structure, scope = _committed(first_move, " while unrecognised")
    rel = solve_relationship(point.arrays(), structure)
    doc = rel.to_json(0)
    states = []
    for name, body in doc["states"].items():
        on = max(body["first_move"], key=body["first_move"].get)
        after = body["after"][on]
        efforts = tuple(TypeEffort(t, _choice_text(e), tuple(e.items()))
                        for t, e in after["efforts"].items())
        states.append(StateView(
            name=name, first_move=_choice_text(body["first_move"]), efforts=efforts,
            responses=tuple((g, _choice_text(a)) for g, a in after["responses"].items()),
            china_value=tuple(body["china_value_by_type"].items()),
            taliban_value=tuple(body["taliban_value_by_type"].items()),
            p_recognised_next=tuple(body["p_recognised_next_by_type"].items())))
    recognised = states[1]
    sincere = {t.label for t in FULL_GAME.types if t.sincere}
    acting = [e.type_label for e in recognised.efforts
              if e.type_label in sincere and e.effort != "harbour"]
    responsive = len({a for _, a in recognised.responses}) > 1
    hold_up = ((f"recognised sincere types keep acting ({', '.join(acting)})" if acting
                else "no recognised sincere type keeps acting (the hold-up persists)")
               + "; China's response once recognised "
               + ("depends" if responsive else "does not depend") + " on what it observes")
    return RelationshipView(
        scope=scope, found_by=doc["found_by"], pure=bool(doc["pure"]), regret=float(doc["regret"]),
        china_value=float(doc["china_value"]), discount=float(doc["discount_per_quarter"]),
        states=tuple(states), hold_up=hold_up)


def _committed(first_move: FirstMove | None, when: str = "") -> tuple[GameStructure, str]:
    # the game China plays: every first move, or the one a fixed policy commits it to
    if first_move is None:
        return FULL_GAME, f"China chooses its first move{when}"
    if first_move not in FIRST_MOVES:
        raise ValueError(f"unknown first move {first_move!r}")
    return (dataclasses.replace(FULL_GAME, first_moves=(first_move,)),
            f"China commits to {first_move.label}{when}")
