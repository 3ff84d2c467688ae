"""China's policies in the simulator: the registry's policies given behaviour.

:data:`qpq.model.POLICIES` names China's built-in policies as frozen specifications; this
module says what each does in a quarter, vectorised over scenarios, and turns
(first move, final action) pairs into their consequences through
:func:`qpq.model.consequence` and :func:`qpq.model.breaks_word` (tabulated once).

State carries over (docs/model-dynamics.md §3, step 2): once the Taliban are recognised, the
next quarter starts from the first move Recognize (maintained) until China downgrades or
intervenes; otherwise the policy chooses the first move.

* fixed first-move policies (``boycott``, ``engage_<promise>``, ``recognise``): that move;
  China's final action is the tabulated continuation equilibrium's response to the signals;
* ``conditional``: Engage[no_promise]; China recognises (Reward) when its belief after the
  quarter's signals is at least ``recognition_threshold`` and no attack on China or its
  nationals has occurred for ``quiet_quarters`` quarters, and otherwise withholds; the
  Taliban best-respond as to Engage[no_promise] (the rule is not part of the one-round
  game; a documented simplification);
* ``plan_b_after_failure``: Engage[no_promise]; when the Taliban fail (s = 0) China turns to
  Plan B, otherwise it plays the tabulated response;
* ``equilibrium``: the selected PBE's first move at China's current belief, and its
  response.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import NDArray

from qpq.errors import BadInputError
from qpq.game import FULL_GAME
from qpq.model import (
    FINAL_ACTIONS,
    FIRST_MOVES,
    POLICIES,
    FinalAction,
    FirstMove,
    MoveKind,
    Policy,
    Promise,
    breaks_word,
    check_policy,
    consequence,
    policy_names,
)

__all__ = [
    "BOYCOTT",
    "CONSEQUENCES",
    "ENGAGE_NO_PROMISE",
    "RECOGNIZE",
    "ConsequenceTables",
    "PolicyKind",
    "SimPolicy",
    "moves_for",
    "policy_names",
    "relationship_moves",
    "resolve_policy",
]

BOYCOTT = FIRST_MOVES.index(FirstMove(MoveKind.BOYCOTT))
ENGAGE_NO_PROMISE = FIRST_MOVES.index(FirstMove(MoveKind.ENGAGE, Promise.NO_PROMISE))
RECOGNIZE = FIRST_MOVES.index(FirstMove(MoveKind.RECOGNIZE))
REWARD = FINAL_ACTIONS.index(FinalAction.REWARD)
WITHHOLD = FINAL_ACTIONS.index(FinalAction.WITHHOLD)
PLAN_B = FINAL_ACTIONS.index(FinalAction.PLAN_B)
INTERVENE = FINAL_ACTIONS.index(FinalAction.INTERVENE)


class PolicyKind(Enum):
    """How a policy chooses China's moves."""

    FIXED = "fixed first move"
    CONDITIONAL = "conditional recognition"
    PLAN_B_AFTER_FAILURE = "plan B after failure"
    EQUILIBRIUM = "equilibrium"


@dataclass(frozen=True, slots=True)
class SimPolicy:
    """A registry policy with the simulator's behaviour attached.

    Attributes
    ----------
    spec
        The registry's :class:`qpq.model.Policy`.
    kind
        How it chooses.
    move
        First-move index used while the Taliban are not recognised (−1 for equilibrium).
    """

    spec: Policy
    kind: PolicyKind
    move: int

    @property
    def name(self) -> str:
        """The policy's registry name."""
        return self.spec.name


def resolve_policy(name: str) -> SimPolicy:
    """The simulator behaviour of the registry policy ``name``.

    Raises
    ------
    BadInputError
        For a name the registry does not know.
    """
    p = POLICIES[policy_names().index(check_policy(name))]
    if p.name == "equilibrium":
        return SimPolicy(p, PolicyKind.EQUILIBRIUM, -1)
    if p.name == "conditional":
        return SimPolicy(p, PolicyKind.CONDITIONAL, ENGAGE_NO_PROMISE)
    if p.name == "plan_b_after_failure":
        return SimPolicy(p, PolicyKind.PLAN_B_AFTER_FAILURE, ENGAGE_NO_PROMISE)
    if p.first_move is None:
        raise BadInputError(f"policy {name!r} has no first move and no simulator behaviour")
    return SimPolicy(p, PolicyKind.FIXED, FIRST_MOVES.index(p.first_move))


@dataclass(frozen=True)
class ConsequenceTables:
    """(first move, final action) → R, A, G, Plan B, intervention, breach; from the registry.

    Arrays are indexed ``[m, f]`` (first move in FIRST_MOVES order, final action in
    :data:`FINAL_ACTIONS` order); ``breach`` is ``[m, f, signal]`` with signals in the
    game's order, and ``breach_no_report`` ``[m, f, 2s + d]`` reads an absent UN report as
    "far" (no evidence of close ties).
    """

    valid: NDArray[np.bool_]
    recognised: NDArray[np.bool_]
    aid: NDArray[np.bool_]
    grants: NDArray[np.bool_]
    plan_b: NDArray[np.bool_]
    intervene: NDArray[np.bool_]
    breach: NDArray[np.bool_]
    breach_no_report: NDArray[np.bool_]


def _tables() -> ConsequenceTables:
    n_m, n_f = len(FIRST_MOVES), len(FINAL_ACTIONS)
    shape = (n_m, n_f)
    valid, rec, aid, grants, pb, iv = (np.zeros(shape, dtype=bool) for _ in range(6))
    sig = FULL_GAME.signals
    s = np.array([g.s for g in sig])
    d = np.array([g.d for g in sig])
    r = np.array([g.r_close for g in sig])
    s0, d0 = (np.array(v) for v in zip(*FULL_GAME.report_free_signals, strict=True))
    breach = np.zeros((n_m, n_f, s.size), dtype=bool)
    breach_nr = np.zeros((n_m, n_f, s0.size), dtype=bool)
    for mi, m in enumerate(FIRST_MOVES):
        for fi, f in enumerate(FINAL_ACTIONS):
            try:
                c = consequence(m, f)
            except ValueError:
                continue
            valid[mi, fi] = True
            rec[mi, fi], aid[mi, fi], grants[mi, fi] = c.recognised, c.aid, c.grants
            pb[mi, fi], iv[mi, fi] = c.plan_b, c.intervene
            breach[mi, fi] = breaks_word(m, f, s, d, r)
            breach_nr[mi, fi] = breaks_word(m, f, s0, d0, np.zeros(s0.size))
    return ConsequenceTables(valid, rec, aid, grants, pb, iv, breach, breach_nr)


CONSEQUENCES = _tables()
"""The consequence tables of :mod:`qpq.model._policies`."""


def moves_for(policies: Iterable[str]) -> tuple[int, ...]:
    """First moves (sorted indices into FIRST_MOVES) whose continuations the policies read.

    ``boycott`` only Boycott; ``engage_<promise>``, ``conditional`` and
    ``plan_b_after_failure`` their Engage move and Recognize (once the Taliban are
    recognised, later quarters start from Recognize); ``recognise`` only Recognize;
    ``equilibrium`` all of them.
    """
    need: set[int] = set()
    for name in policies:
        p = resolve_policy(name)
        if p.kind is PolicyKind.EQUILIBRIUM:
            return tuple(range(len(FIRST_MOVES)))
        need.add(p.move)
        if CONSEQUENCES.recognised[p.move].any() or p.kind is PolicyKind.CONDITIONAL:
            need.add(RECOGNIZE)
    return tuple(sorted(need))


def relationship_moves(name: str) -> tuple[int, ...]:
    """China's first moves while unrecognised in model v2's relationship under a policy.

    ``equilibrium``: all of them (China chooses each quarter); every other policy commits
    China to its one first move (``conditional`` and ``plan_b_after_failure`` to
    Engage[no_promise], whose final actions they then override as in v1), and its
    relationship table is solved with that move fixed
    (:func:`qpq.sim.build_relationship_table`).
    """
    p = resolve_policy(name)
    if p.kind is PolicyKind.EQUILIBRIUM:
        return tuple(range(len(FIRST_MOVES)))
    return (p.move,)
