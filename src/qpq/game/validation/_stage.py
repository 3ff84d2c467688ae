"""Model v2's stage game as an explicit tree, for the Gambit checks of the relationship.

:func:`qpq.game.solve_relationship` solves each quarter's stage game on tensors, with the
relationship's discounted values added to the payoffs. Here the same stage is written as an
explicit tree from the utilities (:func:`build_tree` with a continuation at every leaf),
the continuation recomputed from the solution's values and its efforts with the model's
own probability functions, so that pygambit can judge the stage profile independently.
"""

from __future__ import annotations

from typing import Any

from qpq.game._relationship import STATES, Relationship
from qpq.game._spec import Effort, TalibanType
from qpq.game.validation._tree import Tree, build_tree
from qpq.model import (
    FinalAction,
    FirstMove,
    MoveKind,
    consequence,
    defection_prob,
    expected_etim_share,
    signal_pressure,
    suppression_prob,
)

__all__ = ["stage_strategy", "stage_tree"]

_RECOGNIZE = FirstMove(MoveKind.RECOGNIZE)

Strategy = dict[str, dict[str, dict[str, float]]]


def _point(rel: Relationship, i: int, state: int) -> dict[str, float]:
    return {k: float(v[i]) for k, v in rel.stage_params[state].items()}


def _next_harm(rel: Relationship, i: int, t_index: int, p: dict[str, float]
               ) -> tuple[tuple[float, float], tuple[float, float]]:
    """(ETIM, ISKP) harm expected next quarter in each state, for one type.

    Under the solution's behaviour strategies in that state: China's first-move
    probabilities times the type's effort probabilities after each move (for pure
    strategies, the harm of the one effort played).
    """
    t = rel.structure.types[t_index]
    kappa = p["capacity_high"] if t.high_capacity else p["capacity_low"]
    intensity = {Effort.HARBOUR: 0.0, Effort.RESTRAIN: p["restrain_intensity"],
                 Effort.CRACKDOWN: p["crackdown_intensity"], Effort.COOPT: 0.0}
    st = rel.structure
    out = []
    for state in (0, 1):
        mixed = rel.strategies[state]
        etim = iskp = 0.0
        for mi, by_type in enumerate(mixed.effort):
            for j, e in enumerate(st.efforts):
                weight = float(mixed.move[i, mi]) * float(by_type[i, t_index, j])
                if weight == 0.0:
                    continue
                co = float(e is Effort.COOPT) if st.has_coopt else None
                sigma_s = float(suppression_prob(signal_pressure(kappa, intensity[e], p, co), p))
                etim += weight * p["etim_threat"] * float(expected_etim_share(sigma_s, p, co))
                iskp += weight * p["iskp_threat"] * float(defection_prob(kappa * intensity[e], p,
                                                                          co))
        out.append((etim, iskp))
    return out[0], out[1]


def stage_tree(rel: Relationship, i: int, state: int) -> Tree:
    """The stage game of point ``i`` in ``state`` (0 unrecognised, 1 recognised).

    Leaves carry the stage payoffs plus δ times each player's value of the state the final
    action leads to; China's also gains ``w_security`` times the share of next quarter's
    expected harm that Plan B or intervention removes.
    """
    p = _point(rel, i, state)
    delta = float(rel.discount[i])
    types = rel.structure.types
    harms = {t: _next_harm(rel, i, k, p) for k, t in enumerate(types)}

    def continuation(t: TalibanType, m: FirstMove, f: FinalAction) -> tuple[float, float]:
        k = types.index(t)
        c = consequence(m, f)
        nxt = int(c.recognised)
        effect = p["planb_effect"] * c.plan_b + p["intervene_effect"] * c.intervene
        etim, iskp = harms[t][nxt]
        relief = effect * (etim + p["planb_covers_iskp"] * iskp)
        return (delta * (float(rel.china_value[i, nxt, k]) + p["w_security"] * relief),
                delta * float(rel.taliban_value[i, nxt, k]))

    structure = rel.structure if state == 0 else type(rel.structure)(
        types=types, first_moves=(_RECOGNIZE,), un_report=rel.structure.un_report,
        efforts=rel.structure.efforts)
    return build_tree(p, structure, continuation=continuation,
                      title=f"qpq model v2 stage game ({STATES[state]})")


def stage_strategy(rel: Relationship, i: int, state: int) -> Strategy:
    """The solution's behaviour strategies in the stage game of point ``i`` in ``state``."""
    st = rel.structure
    mixed = rel.strategies[state]
    moves = st.first_moves if state == 0 else (_RECOGNIZE,)
    china: dict[str, dict[str, float]] = {
        st.first_infoset(): {m.label: float(mixed.move[i, k]) for k, m in enumerate(moves)}}
    taliban: dict[str, dict[str, float]] = {}
    for mi, m in enumerate(moves):
        for k, t in enumerate(st.types):
            taliban[st.taliban_infoset(t, m)] = {
                e.label: float(mixed.effort[mi][i, k, j]) for j, e in enumerate(st.efforts)}
        for j, g in enumerate(st.signals):
            china[st.china_infoset(m, g)] = {
                f.value: float(mixed.response[mi][i, j, a]) for a, f in enumerate(st.actions(m))}
    out: dict[str, Any] = {st.players[0]: china, st.players[1]: taliban}
    return out
