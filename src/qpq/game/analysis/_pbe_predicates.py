"""The v1 propositions judged on one PBE at a time, for the verdict on some / every PBE.

:func:`qpq.game.solve` lists every PBE at a point; each function here says whether a
proposition holds on one of them, with the same definition as the vectorised measure in
:mod:`qpq.game.analysis._measures` applies to the selected PBE (docs/model-game.md A.5).
:func:`judge` hands them, with the solver's list, to the lens's generic protocol
(:func:`qpq.game.analysis._verdicts.pbe_verdict`). Propositions that do not depend on the
equilibrium (P3, P5m: mechanisms of the payoffs) have the same verdict on every PBE; the
path version of P5 holds the *selected* PBE fixed by definition and is not judged per PBE.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from qpq.game._kernel import DEFAULT_TOL
from qpq.game._paths import path_statistics
from qpq.game._payoffs import GameTensors, build_tensors
from qpq.game._solution import Continuation, Equilibrium, GameSolution
from qpq.game._solver import solve
from qpq.game._spec import DEFAULT_READINGS, FULL_GAME, Readings
from qpq.game.analysis._verdicts import PbeVerdict, pbe_verdict
from qpq.model import FinalAction, MoveKind

__all__ = ["INDEPENDENT", "NOT_PER_PBE", "PREDICATES", "judge"]

Predicate = Callable[[GameSolution, GameTensors, Equilibrium, float], bool | None]

INDEPENDENT = frozenset({"P3", "P5m"})
"""Propositions whose verdict does not depend on the equilibrium."""
NOT_PER_PBE = frozenset({"P5p"})
"""Propositions defined on the selected PBE only."""

_MASS = 1e-12


def _stats_security(t: GameTensors, mi: int, c: Continuation) -> float:
    return float(path_statistics(t, mi, c.taliban[None], c.china[None]).security[0])


def _p1(sol: GameSolution, t: GameTensors, eq: Equilibrium, tol: float) -> bool | None:
    moves = sol.structure.first_moves
    engage = [i for i, m in enumerate(moves) if m.kind is MoveKind.ENGAGE]
    boycott = [i for i, m in enumerate(moves) if m.kind is MoveKind.BOYCOTT]
    if not engage or not boycott:
        return None
    best = max(engage, key=lambda i: eq.continuations[i].china_value)
    sec_b = _stats_security(t, boycott[0], eq.continuations[boycott[0]])
    sec_e = _stats_security(t, best, eq.continuations[best])
    return sec_e > sec_b + tol * (1.0 + abs(sec_b))


def _p2(sol: GameSolution, t: GameTensors, eq: Equilibrium, tol: float) -> bool | None:
    eff = eq.outcome["effort_by_type"]
    restrains = any(e["restrain"] > _MASS for e in eff.values())
    cracks = any(e["crackdown"] > _MASS for e in eff.values())
    return eq.first_move.kind is not MoveKind.BOYCOTT and restrains and not cracks


def _p4(sol: GameSolution, t: GameTensors, eq: Equilibrium, tol: float) -> bool | None:
    if eq.first_move.kind is not MoveKind.ENGAGE:
        return False
    mi = sol.structure.first_moves.index(eq.first_move)
    c = eq.continuations[mi]
    st = path_statistics(t, mi, c.taliban[None], c.china[None])
    close = np.array([g.r_close == 1 for g in sol.structure.signals])
    w = st.p_signal[0] * close
    hold = sol.structure.actions(eq.first_move).index(FinalAction.WITHHOLD)
    return bool((w * c.china[:, hold]).sum() / w.sum() >= 0.5)


def _p7(sol: GameSolution, t: GameTensors, eq: Equilibrium, tol: float) -> bool | None:
    fail = np.array([g.s == 0 for g in sol.structure.signals])
    for mi, m in enumerate(sol.structure.first_moves):
        c = eq.continuations[mi]
        acts = sol.structure.actions(m)
        i_pb, i_in = acts.index(FinalAction.PLAN_B), acts.index(FinalAction.INTERVENE)
        # weight of (type, effort, signal): prior · mixture · P(signal | type, effort)
        w = t.prior[0][:, None, None] * c.taliban[:, :, None] * t.p_signal[0]
        u = t.u_china[mi][0]
        num_pb = (w * u[..., i_pb]).sum(axis=(0, 1))[fail]
        num_in = (w * u[..., i_in]).sum(axis=(0, 1))[fail]
        den = w.sum(axis=(0, 1))[fail]
        if not ((num_pb - num_in) / den > tol * (1.0 + np.abs(num_in / den))).all():
            return False
    return True


PREDICATES: Mapping[str, Predicate] = {"P1": _p1, "P2": _p2, "P4": _p4, "P7": _p7}
"""Per-PBE predicates of the propositions that depend on the equilibrium (P6 pairs PBE)."""


def _pay(eq: Equilibrium, params: Mapping[str, float]) -> float:
    kind = eq.first_move.kind
    grants = (1.0 if kind is MoveKind.RECOGNIZE else
              eq.outcome["p_recognised"] if kind is MoveKind.ENGAGE else 0.0)
    return float(params["aid_cost"] * eq.outcome["p_aid"] + params["recognition_cost"] * grants)


def _judge_p6(params: Mapping[str, float], readings: Readings, tol: float) -> PbeVerdict:
    structure = replace(FULL_GAME, readings=readings)
    present = solve({**params, "us_presence": 1.0}, structure, tol=tol)
    absent = solve({**params, "us_presence": 0.0}, structure, tol=tol)
    moves = structure.first_moves

    def holds(a: Equilibrium, b: Equilibrium) -> bool:
        pay1, pay0 = _pay(a, params), _pay(b, params)
        return (pay1 < pay0 - tol * (1.0 + abs(pay0))
                and moves.index(a.first_move) <= moves.index(b.first_move))

    pairs = [(i, j) for i in range(len(present.equilibria))
             for j in range(len(absent.equilibria))]
    sel_index = (None if present.selected is None or absent.selected is None else
                 pairs.index((present.selected, absent.selected)))
    verdict = pbe_verdict(
        pairs, sel_index,
        lambda ij: present.equilibria[ij[0]].payoffs["China"]
        + absent.equilibria[ij[1]].payoffs["China"],
        lambda ij: holds(present.equilibria[ij[0]], absent.equilibria[ij[1]]))
    return verdict


def judge(pid: str, params: Mapping[str, float], *, readings: Readings = DEFAULT_READINGS,
          tol: float = DEFAULT_TOL, selected_verdict: bool | None = None,
          solution: GameSolution | None = None) -> PbeVerdict | None:
    """Proposition ``pid`` on the selected PBE and on every PBE :func:`solve` lists.

    Parameters
    ----------
    pid
        Proposition id (``P1`` … ``P7``, ``P5m``, ``P5p``, ``P6s``).
    params
        One parameter point (every parameter).
    readings
        The model's reading choices.
    tol
        Relative tolerance of the strict comparisons (and of the solver).
    selected_verdict
        The vectorised measure's verdict, used for the propositions that do not depend
        on the equilibrium (the same on every PBE).
    solution
        The solution at ``params`` when already computed.

    Returns ``None`` for a proposition defined on the selected PBE only (P5p). For P6 the
    "PBE" are pairs (one with US forces present, one without), China's value summed.
    """
    if pid in NOT_PER_PBE:
        return None
    if pid in INDEPENDENT:
        return PbeVerdict.of_payoffs(selected_verdict)
    if pid in ("P6", "P6s"):
        return _judge_p6(params, readings, tol)
    structure = replace(FULL_GAME, readings=readings)
    sol = solution if solution is not None else solve(params, structure, tol=tol)
    t = build_tensors({k: np.array([float(v)]) for k, v in params.items()}, structure)
    pred = PREDICATES[pid]
    return pbe_verdict(sol.equilibria, sol.selected, lambda e: e.payoffs["China"],
                       lambda e: pred(sol, t, e, tol))
