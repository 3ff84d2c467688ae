"""Model v2's repeated relationship: the stage game played every quarter, valued once.

v1 plays a one-round game whose end is valued by an assumed continuation W (China) and an
assumed ``future_value`` per type, with effort "locked in" by recognition (q(R) = 1). Nothing
in that round rewards a recognised Taliban for continued effort, so a best-responding
Taliban stop at recognition while China's W expects them to go on (docs/model-dynamics.md
A.4, "hold-up after recognition"). Here the round is the *stage* of an infinitely repeated
relationship, and what follows a round is the discounted value of the relationship itself
under the strategies played, computed from the same stage payoffs the simulator realises:

* **State**: China's status towards the Taliban at the start of the quarter, unrecognised
  (0) or recognised de jure (1). In state 0 China chooses its first move (Boycott,
  Engage[ρ], Recognize) each quarter; in state 1 the status is in force (first move
  Recognize, without paying ``recognition_cost`` again).
* **Stage payoffs**: the v1 round's utilities with W replaced: China's per-quarter value of
  a recognised relationship is ``future_value_<type>``·(1 − δ) (v1's one-off value of a
  lasting recognition spread as a perpetuity, so its present value is v1's), Plan B and
  intervention cost once per quarter (v1's (1 + ``future_weight``) factor priced their
  future effect), and nothing else looks ahead.
* **Continuation**: after the final action f the relationship moves to state R(m, f) and
  both players receive δ times their value there (δ = ``quarterly_discount``); Plan B or
  intervention removes ``planb_effect``/``intervene_effect`` of next quarter's ETIM harm (and
  ``planb_covers_iskp`` of that share of ISKP harm), as in the simulator (choice D4).
* **Strategies** are stationary and Markov in the status: a first move in state 0, each
  type's effort and China's response at every signal in each state. Values follow from the
  strategies by a 2-state linear system per type; the strategies are the stage game's
  China-preferred pure PBE given the values (the game's own selection,
  :func:`qpq.game._selection.select`). The pair is found by iterating both until the
  strategies repeat (policy iteration); a point where they cycle or run past ``max_iter``
  is flagged, not hidden.

China's belief enters through the stage game's prior (its belief at the start of the
quarter) and its Bayes posterior at the final move, which weighs the type-specific values
of what follows. The strategies do not depend on future beliefs (Markov in the status only):
the value a belief gets is the value of committing to the stationary strategies chosen at
that belief. The alternative, a value function on a belief grid (a Markov perfect
equilibrium in (status, belief)), is recorded in docs/model-game.md (choice V1, §10) as the
next step.

Whether a recognised Taliban keep acting is a result: a type keeps its effort in state 1
when the status it secures — China downgrading after signals that effort makes less likely —
is worth more than the effort costs (the hold-up frontier, tested in
tests/game/test_relationship.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qpq.checks import check_flag
from qpq.game._continuations import solve_continuations
from qpq.game._kernel import DEFAULT_TOL, check_tol
from qpq.game._payoffs import GameTensors, build_tensors
from qpq.game._relationship_mixed import _Q, Mixed, expected, one_hot, regret
from qpq.game._relationship_stacked import Stacked, StackedQ, StackedStrategies, stack_stages
from qpq.game._spec import FULL_GAME, GameStructure
from qpq.model import (
    FINAL_ACTIONS,
    GAME_PARAMETERS,
    FirstMove,
    MoveKind,
    check_game_values,
    consequence,
)

__all__ = ["LAMBDAS", "METHOD", "STATES", "Mixed", "Relationship", "solve_relationship",
           "stage_params"]

FloatArray = NDArray[np.float64]

STATES = ("unrecognised", "recognised")
"""The relationship's states, in the order of every ``state`` axis."""

METHOD = ("qpq.game.solve_relationship v2: stationary Markov strategies in the recognition "
          "status; stage game = v1 round with W replaced by discounted relationship values "
          "(policy iteration; China-preferred pure PBE of each stage)")

_RECOGNIZE = FirstMove(MoveKind.RECOGNIZE)


@dataclass(frozen=True)
class Relationship:
    """The stationary equilibrium of the repeated relationship, per point.

    Axes: n points, 2 states (:data:`STATES`), T types (``structure.types``), S signals
    (``structure.signals``).

    Attributes
    ----------
    structure
        The stage game in the unrecognised state (its first moves are China's options).
    first_move
        (n,): China's first move in the unrecognised state (index into
        ``structure.first_moves``).
    effort
        (n, 2, T) int8: each type's effort in each state, as a position in
        ``structure.efforts`` (v1: 0 harbour, 1 restrain, 2 crackdown).
    response
        (n, 2, S) int8: China's final action at each signal in each state, as a position
        in :data:`qpq.model.FINAL_ACTIONS`.
    china_value, taliban_value
        (n, 2, T): each player's discounted value of the relationship from each state, by
        the Taliban's true type (China's is what China gets if that type is the truth).
    value
        (n,): China's expected value from the unrecognised state at its prior.
    recognised_next
        (n, 2, T): probability that the next quarter starts recognised, by state and type.
    pure
        (n, 2): the stage game has a pure continuation equilibrium at the strategies.
    converged
        (n,): the strategies repeated (a fixed point); false where they cycled or ran out
        of iterations (the last iterate is reported).
    iterations
        (n,): iterations until the strategies repeated.
    discount
        (n,): δ per quarter.
    effort_after, response_after
        (n, M, T) and (n, M, S): in the unrecognised state, the continuation after every
        first move (off the path too), as the stage game's PBE needs.
    stage_params
        The parameters of the stage game in each state (v1's round rewritten to one
        quarter, see :func:`stage_params`), ``name -> (n,)``.
    strategies
        The behaviour strategies in each state (pure ones as 0/1 probabilities): China's
        first-move probabilities, each type's effort probabilities after each first move
        and China's final-action probabilities at each signal (:class:`Mixed`).
    traced
        (n,): policy iteration found no pure fixed point and the strategies were traced
        from logit responses: pure where their most probable choices are an equilibrium
        (``pure`` true in both states, ``regret`` ≈ 0), otherwise mixed, with
        ``first_move``, ``effort`` and ``response`` holding the most probable choices.
    regret
        (n,): the most any player gains by deviating at any information set of either
        state, given the values of the strategies (payoff units; ≈ 0 at an equilibrium).
    method
        Provenance.
    """

    structure: GameStructure
    first_move: NDArray[np.int64]
    effort: NDArray[np.int8]
    response: NDArray[np.int8]
    china_value: FloatArray
    taliban_value: FloatArray
    value: FloatArray
    recognised_next: FloatArray
    pure: NDArray[np.bool_]
    converged: NDArray[np.bool_]
    iterations: NDArray[np.int64]
    discount: FloatArray
    effort_after: NDArray[np.int8]
    response_after: NDArray[np.int8]
    stage_params: tuple[Mapping[str, FloatArray], Mapping[str, FloatArray]]
    strategies: tuple[Mixed, Mixed]
    traced: NDArray[np.bool_]
    regret: FloatArray
    method: str = METHOD

    @property
    def n_points(self) -> int:
        """Number of points n."""
        return int(self.first_move.shape[0])

    def to_json(self, i: int = 0) -> dict[str, Any]:
        """Point ``i`` as plain JSON: strategies by label in both states, values, quality."""
        st = self.structure
        efforts = [e.label for e in st.efforts]

        def state(x: int) -> dict[str, Any]:
            mixed = self.strategies[x]
            moves = st.first_moves if x == 0 else (_RECOGNIZE,)
            after = {}
            for mi, m in enumerate(moves):
                after[m.label] = {
                    "efforts": {t.label: {e: float(mixed.effort[mi][i, k, j])
                                          for j, e in enumerate(efforts)
                                          if mixed.effort[mi][i, k, j] > 0}
                                for k, t in enumerate(st.types)},
                    "responses": {g.label: {f.value: float(mixed.response[mi][i, j, a])
                                            for a, f in enumerate(st.actions(m))
                                            if mixed.response[mi][i, j, a] > 0}
                                  for j, g in enumerate(st.signals)}}
            return {
                "first_move": {m.label: float(mixed.move[i, k]) for k, m in enumerate(moves)
                               if mixed.move[i, k] > 0},
                "after": after,
                "china_value_by_type": {t.label: float(self.china_value[i, x, k])
                                        for k, t in enumerate(st.types)},
                "taliban_value_by_type": {t.label: float(self.taliban_value[i, x, k])
                                          for k, t in enumerate(st.types)},
                "p_recognised_next_by_type": {t.label: float(self.recognised_next[i, x, k])
                                              for k, t in enumerate(st.types)}}

        return {"method": self.method, "discount_per_quarter": float(self.discount[i]),
                "china_value": float(self.value[i]), "regret": float(self.regret[i]),
                "found_by": ("policy iteration" if self.converged[i] else "logit tracing"),
                "pure": bool(self.pure[i].all()),
                "states": {name: state(x) for x, name in enumerate(STATES)}}


@dataclass(frozen=True)
class _Stage:
    """One state's stage game: its tensors without continuation, and what f leads to."""

    tensors: GameTensors
    next_state: tuple[FloatArray, ...]     # per first move: (F,) state after each action
    effect_etim: tuple[FloatArray, ...]    # per first move: (n, F) share of ETIM harm removed
    effect_iskp: tuple[FloatArray, ...]    # per first move: (n, F) share of ISKP harm removed


def stage_params(p: Mapping[str, FloatArray], recognised: bool) -> dict[str, FloatArray]:
    """The v1 round's parameters rewritten so that its payoffs are one quarter's.

    W's look-ahead goes (``future_weight`` = 0, which also leaves Plan B and intervention one
    quarter's cost); the relationship's value per quarter is ``future_value_<type>``·(1 − δ);
    in the recognised state granting recognition costs nothing more.
    """
    delta = p["quarterly_discount"]
    q = dict(p)
    q["future_weight"] = np.zeros_like(delta)     # nothing looks ahead inside the stage
    q["future_value_sincere"] = p["future_value_sincere"] * (1.0 - delta)
    q["future_value_insincere"] = p["future_value_insincere"] * (1.0 - delta)
    if recognised:
        q["recognition_cost"] = np.zeros_like(delta)   # the status is already granted
    return q


def _stage(p: Mapping[str, FloatArray], structure: GameStructure, recognised: bool) -> _Stage:
    t = build_tensors(stage_params(p, recognised), structure)
    nxt, eff_e, eff_i = [], [], []
    planb, interv = p["planb_effect"][:, None], p["intervene_effect"][:, None]
    cover = p["planb_covers_iskp"][:, None]
    for m in structure.first_moves:
        cons = [consequence(m, f) for f in structure.actions(m)]
        nxt.append(np.array([float(c.recognised) for c in cons]))
        pb = np.array([float(c.plan_b) for c in cons])[None, :]
        iv = np.array([float(c.intervene) for c in cons])[None, :]
        effect = pb * planb + iv * interv
        eff_e.append(effect)
        eff_i.append(cover * effect)
    return _Stage(t, tuple(nxt), tuple(eff_e), tuple(eff_i))


def _with_continuation(stage: _Stage, delta: FloatArray, china_next: FloatArray,
                       taliban_next: FloatArray, relief: FloatArray) -> GameTensors:
    """The stage's tensors plus δ·(value of the state each final action leads to).

    ``china_next``/``taliban_next``: (n, T, 2) values by type and next state; ``relief``:
    (n, T, 2, 2) expected ETIM and ISKP harm next quarter by type and next state, of which
    Plan B or intervention removes its effect (China's gain, weighted by ``w_security``).
    """
    t = stage.tensors
    w = t.params["w_security"][:, None, None]
    d = delta[:, None, None]
    u_c, u_t = [], []
    for mi in range(len(t.structure.first_moves)):
        nxt = stage.next_state[mi].astype(np.int64)                      # (F,)
        vc = china_next[:, :, nxt]                                       # (n, T, F)
        vt = taliban_next[:, :, nxt]
        gain = (relief[:, :, nxt, 0] * stage.effect_etim[mi][:, None, :]
                + relief[:, :, nxt, 1] * stage.effect_iskp[mi][:, None, :])
        add_c = d * (vc + w * gain)
        add_t = d * vt
        u_c.append(t.u_china[mi] + add_c[:, :, None, None, :])
        u_t.append(t.u_taliban[mi] + add_t[:, :, None, None, :])
    return replace(t, u_china=tuple(u_c), u_taliban=tuple(u_t), taliban_action_part=None)


def _local(response: NDArray[np.int8], structure: GameStructure, m: FirstMove
           ) -> NDArray[np.int64]:
    """Global final-action positions → positions among m's actions."""
    lookup = np.full(len(FINAL_ACTIONS), -1, dtype=np.int64)
    lookup[structure.global_actions(m)] = np.arange(len(structure.actions(m)))
    return lookup[response.astype(np.int64)]


@dataclass(frozen=True)
class _Played:
    """What one state's strategies give, per type: expected stage payoffs and transitions."""

    china: FloatArray        # (n, T) expected stage payoff, China
    taliban: FloatArray      # (n, T) expected stage payoff, the type
    to_recognised: FloatArray  # (n, T) P(next state = recognised)
    relief_etim: FloatArray  # (n, T, 2) E[share of next ETIM harm removed; next state]
    relief_iskp: FloatArray  # (n, T, 2) the same for ISKP harm
    harm_etim: FloatArray    # (n, T) expected ETIM harm this quarter (before any relief)
    harm_iskp: FloatArray    # (n, T) expected ISKP harm this quarter


def _play(stage: _Stage, s: Mixed) -> _Played:
    """Expected stage quantities of one state under stationary strategies, per type."""
    t = stage.tensors
    n, n_types = t.prior.shape
    china = np.zeros((n, n_types))
    taliban = np.zeros((n, n_types))
    to_rec = np.zeros((n, n_types))
    rel_e = np.zeros((n, n_types, 2))
    rel_i = np.zeros((n, n_types, 2))
    harm_e = np.zeros((n, n_types))
    harm_i = np.zeros((n, n_types))
    etim = t.params["etim_threat"][:, None]
    iskp = t.params["iskp_threat"][:, None]
    etim_share = t.etim_share                      # (n, T, E): 1 − P(s) in v1
    for mi in range(len(t.structure.first_moves)):
        w = s.move[:, mi][:, None]
        if not w.any():
            continue
        sig, psi = s.effort[mi], s.response[mi]
        by_sig = np.einsum("nte,ntes->nts", sig, t.p_signal)          # P(signal | type)
        weight = sig[..., None] * t.p_signal                            # (n, T, E, S)
        china += w * np.einsum("ntes,ntes->nt", weight,
                               np.einsum("ntesf,nsf->ntes", t.u_china[mi], psi))
        taliban += w * np.einsum("ntes,ntes->nt", weight,
                                 np.einsum("ntesf,nsf->ntes", t.u_taliban[mi], psi))
        nxt = stage.next_state[mi]
        act = np.einsum("nts,nsf->ntf", by_sig, psi)                   # P(action | type)
        to_rec += w * (act * nxt).sum(axis=-1)
        for x in (0, 1):
            here = nxt == x
            rel_e[..., x] += w * (act * (stage.effect_etim[mi] * here)[:, None, :]).sum(-1)
            rel_i[..., x] += w * (act * (stage.effect_iskp[mi] * here)[:, None, :]).sum(-1)
        harm_e += w * etim * (sig * etim_share).sum(axis=-1)
        harm_i += w * iskp * (sig * t.p_d).sum(axis=-1)
    return _Played(china, taliban, to_rec, rel_e, rel_i, harm_e, harm_i)


def _values(plays: tuple[_Played, _Played], delta: FloatArray, w: FloatArray
            ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Discounted values (n, T, 2) of China and the Taliban, and next-quarter harm.

    V = (I − δP)⁻¹ u per type, for the two-state chain P; China's u adds δ·w times the
    harm Plan B or intervention removes next quarter (which depends on the next state's
    effort). Returns (china, taliban, harm) with harm (n, T, 2, 2): ETIM and ISKP harm
    expected in each state.
    """
    d = delta[:, None]
    harm = np.stack([np.stack([p.harm_etim, p.harm_iskp], axis=-1) for p in plays],
                    axis=2)                                                # (n, T, 2, 2)
    reward_c = []
    for p in plays:
        relief = (p.relief_etim * harm[..., 0] + p.relief_iskp * harm[..., 1]).sum(axis=-1)
        reward_c.append(p.china + d * w[:, None] * relief)
    # two-state chain per type: a = P(0→1), b = P(1→1)
    a, b = plays[0].to_recognised, plays[1].to_recognised
    m00, m01 = 1.0 - d * (1.0 - a), -d * a
    m10, m11 = -d * (1.0 - b), 1.0 - d * b
    det = m00 * m11 - m01 * m10

    def solve(u0: FloatArray, u1: FloatArray) -> FloatArray:
        return np.stack([(m11 * u0 - m01 * u1) / det, (m00 * u1 - m10 * u0) / det], axis=-1)

    china = solve(reward_c[0], reward_c[1])
    taliban = solve(plays[0].taliban, plays[1].taliban)
    return china, taliban, harm


def _take(stage: _Stage, rows: NDArray[np.int64]) -> _Stage:
    return _Stage(stage.tensors.take(rows), stage.next_state,
                  tuple(e[rows] for e in stage.effect_etim),
                  tuple(e[rows] for e in stage.effect_iskp))


@dataclass(frozen=True)
class _Profile:
    """Stationary strategies at some points: the state-0 move, efforts and responses."""

    move: NDArray[np.int64]          # (a,)
    effort: NDArray[np.int8]         # (a, 2, T)
    response: NDArray[np.int8]       # (a, 2, S)
    pure: NDArray[np.bool_]          # (a, 2)
    effort_after: NDArray[np.int8]   # (a, M, T) state 0, after every first move
    response_after: NDArray[np.int8]  # (a, M, S)

    def same(self, other: _Profile) -> NDArray[np.bool_]:
        a = self.move.shape[0]
        return np.asarray((self.move == other.move)
                          & (self.effort.reshape(a, -1) == other.effort.reshape(a, -1)).all(1)
                          & (self.response.reshape(a, -1)
                             == other.response.reshape(a, -1)).all(1))


def _best_profile(stages: tuple[_Stage, _Stage], delta: FloatArray, china_v: FloatArray,
                  taliban_v: FloatArray, harm: FloatArray, tol: float) -> _Profile:
    """The China-preferred pure PBE of each state's stage game, given the values."""
    sols = [solve_continuations(_with_continuation(s, delta, china_v, taliban_v, harm),
                                tol, prune=False) for s in stages]
    n = delta.shape[0]
    rows = np.arange(n)
    move = np.asarray(sols[0].selected, dtype=np.int64)
    return _Profile(
        move=move,
        effort=np.stack([sols[0].effort[rows, move], sols[1].effort[:, 0]], axis=1),
        response=np.stack([sols[0].response[rows, move], sols[1].response[:, 0]], axis=1),
        pure=np.stack([sols[0].pure[rows, move], sols[1].pure[:, 0]], axis=1),
        effort_after=sols[0].effort, response_after=sols[0].response)


def _as_mixed(stages: tuple[_Stage, _Stage], prof: _Profile) -> tuple[Mixed, Mixed]:
    """A pure profile as behaviour strategies (one-hot), state by state."""
    out = []
    for x, stage in enumerate(stages):
        st = stage.tensors.structure
        n_m = len(st.first_moves)
        move = one_hot(prof.move, n_m) if x == 0 else np.ones((prof.move.shape[0], 1))
        efforts, responses = [], []
        for mi, m in enumerate(st.first_moves):
            e = prof.effort_after[:, mi] if x == 0 else prof.effort[:, 1]
            r = prof.response_after[:, mi] if x == 0 else prof.response[:, 1]
            efforts.append(one_hot(e.astype(np.int64), st.n_efforts))
            responses.append(one_hot(_local(r, st, m), len(st.actions(m))))
        out.append(Mixed(move, tuple(efforts), tuple(responses)))
    return out[0], out[1]


def _evaluate(stages: tuple[_Stage, _Stage], s: tuple[Mixed, Mixed], delta: FloatArray,
              w: FloatArray) -> tuple[tuple[_Played, _Played], FloatArray, FloatArray,
                                      FloatArray]:
    plays = (_play(stages[0], s[0]), _play(stages[1], s[1]))
    return (plays, *_values(plays, delta, w))


def _payoffs(stages: tuple[_Stage, _Stage], s: tuple[Mixed, Mixed], delta: FloatArray,
             w: FloatArray) -> tuple[_Q, _Q, tuple[_Played, _Played], FloatArray, FloatArray]:
    """Every action's expected payoff in both states, given the strategies' own values."""
    plays, china_v, taliban_v, harm = _evaluate(stages, s, delta, w)
    qs = []
    for stage, sx in zip(stages, s, strict=True):
        tc = _with_continuation(stage, delta, china_v, taliban_v, harm)
        qs.append(expected(tc.prior, tc.p_signal, tc.u_china, tc.u_taliban, sx))
    return qs[0], qs[1], plays, china_v, taliban_v


LAMBDAS = tuple(float(x) for x in np.geomspace(0.1, 1e5, 11))
"""Precisions λ of the logit tracing, smallest first (61 until 2026-12-07; the bench
``python -m bench tracing`` compares the two)."""
SETTLED = 1e-9
"""A point is settled at the last precision when no probability moves by this much in a
step."""
SETTLED_BEFORE_LAST = 1e-3
"""The same, at every precision but the last (the path only has to come near each logit
equilibrium before the next precision; 1e-9 everywhere until 2026-12-07)."""
POLISH = (1e3, 1000)
"""(λ, steps) of the smoothed fictitious play that settles the points still moving at the
last precision (none until 2026-12-07): their fixed step of 0.5 oscillates there, leaving
regrets up to several payoff units. A point keeps the polished strategies only where their
regret is no larger than where the tracing stopped (since the second change of
2026-12-07)."""


def _stacked(stages: tuple[_Stage, _Stage]) -> Stacked:
    return stack_stages(tuple((s.tensors, s.next_state, s.effect_etim, s.effect_iskp)
                              for s in stages))


def _played(acc: FloatArray) -> _Played:
    """A state's :class:`_Played` from :meth:`Stacked.play`'s (n, T, 9) sums."""
    return _Played(acc[..., 0], acc[..., 1], acc[..., 2], acc[..., 3:5], acc[..., 5:7],
                   acc[..., 7], acc[..., 8])


def _stacked_step(st: Stacked, s: StackedStrategies, delta: FloatArray, w: FloatArray,
                  lam: float) -> StackedStrategies:
    """One tracing step: logit responses to the payoffs at the strategies' own values.

    :func:`_payoffs` then :func:`qpq.game._relationship_mixed.logit_step`, on the stacked
    layout (bit for bit).
    """
    return _stacked_q(st, s, delta, w).logit(lam)


def _stacked_q(st: Stacked, s: StackedStrategies, delta: FloatArray, w: FloatArray
               ) -> StackedQ:
    """Every action's expected payoff at the strategies' own values, stacked."""
    acc0, acc1 = st.play(s)
    china_v, taliban_v, harm = _values((_played(acc0), _played(acc1)), delta, w)
    return st.expected(s, delta, w, china_v, taliban_v, harm)


def _trace(stages: tuple[_Stage, _Stage], delta: FloatArray, w: FloatArray,
           inner: int = 60, step: float = 0.5, lambdas: tuple[float, ...] = LAMBDAS,
           settled_before_last: float = SETTLED_BEFORE_LAST,
           polish: tuple[float, int] | None = POLISH) -> tuple[Mixed, Mixed]:
    """Logit equilibria along ``lambdas``, each started from the last (uniform first).

    The steps run on the stacked layout (:mod:`qpq.game._relationship_stacked`: every
    state's first moves at once, the per-move code's numbers bit for bit). A point is
    settled at a precision when no probability moves by :data:`SETTLED` in a step, or, at
    every precision but the last, by ``settled_before_last`` (the defaults are the solver's;
    ``bench/tracing_bench.py`` measures other schedules).

    ``polish`` = (λ, k): the points still moving at the last precision then take k steps
    of smoothed fictitious play at λ (step 1/(j + 2): the average of their logit responses
    so far), which settles where the fixed step of 0.5 oscillates (None: no polish); each
    of those points keeps whichever of the two has the smaller regret.
    """
    full = _stacked(stages)
    s = full.uniform()
    n = delta.shape[0]
    everyone = np.arange(n)
    for i, lam in enumerate(lambdas):
        settled = SETTLED if i == len(lambdas) - 1 else settled_before_last
        # each point stops moving at this λ once settled, so a point's path never depends
        # on which other points share its batch; once a quarter of the rows evaluated has
        # settled, only the moving ones are evaluated (same paths, less work)
        rows, sub, d, ws = everyone, full, delta, w
        for _ in range(inner):
            part = s if rows.size == n else s.take(rows)
            new = _stacked_step(sub, part, d, ws, lam)
            moved = part.distance(new) >= settled
            if not moved.any():
                break
            keep = np.flatnonzero(moved)
            s = s.put(rows[keep], part.take(keep).blend(new.take(keep), step))
            if keep.size <= 0.75 * rows.size:
                # a settled row's strategies no longer change, so neither do its payoffs:
                # it would stay settled if evaluated again
                rows = rows[keep]
                sub = full.take(rows)
                d, ws = delta[rows], w[rows]
    if polish is not None:
        lam, steps = polish
        # one evaluation at where the tracing stopped: which points still move, and the
        # regret the polish has to beat
        q = _stacked_q(full, s, delta, w)
        moving = np.flatnonzero(s.distance(q.logit(lambdas[-1])) >= SETTLED)
        if moving.size:
            sub, part = full.take(moving), s.take(moving)
            d, ws = delta[moving], w[moving]
            for j in range(steps):
                new = _stacked_step(sub, part, d, ws, lam)
                part = part.blend(new, 1.0 / (j + 2.0))
            # the average need not be nearer equilibrium than where the tracing stopped
            # (it is at most points, not at all): each point keeps the smaller regret
            better = _stacked_q(sub, part, d, ws).regret(part) <= q.regret(s)[moving]
            s = s.put(moving[better], part.take(np.flatnonzero(better)))
    efforts, responses = full.unstack(s)
    m = full.n_moves
    return (Mixed(s.move[0], efforts[:m], responses[:m]),
            Mixed(s.move[1], efforts[m:], responses[m:]))


def solve_relationship(params: Mapping[str, ArrayLike], structure: GameStructure = FULL_GAME,
                       *, beliefs: ArrayLike | None = None, tol: float = DEFAULT_TOL,
                       max_iter: int = 60, plain_iter: int = 10, mixed: bool = True
                       ) -> Relationship:
    """The repeated relationship's stationary equilibrium for every parameter point.

    Parameters
    ----------
    params
        ``name -> array`` of every game parameter and ``quarterly_discount`` (δ < 1), one
        common length N (or 1).
    structure
        The stage game in the unrecognised state: its types, China's first moves and
        whether the UN report is observed. The first moves are China's options while
        unrecognised: all of them for the equilibrium; one for a China committed to a
        fixed policy (the Taliban then best-respond to that commitment within the
        relationship and China's final actions stay sequentially rational; the simulator's
        fixed policies, docs/model-dynamics.md §7.9). Once recognised, China's first move is
        Recognize (in force) whatever the structure lists.
    beliefs
        If given, (G,) values of ``prior_sincere``: every point at every belief, N·G rows
        (row i·G + g is point i at belief g).
    tol
        Relative tolerance for ties and optimality (the stage game's).
    max_iter
        Iterations before a point whose strategies are not a fixed point is reported as
        not converged (with its last strategies).
    plain_iter
        Iterations of plain policy iteration (values = those of the last strategies)
        before a point that has not converged switches to averaged values (each step
        moves the values 1/(j + 1) of the way to the last strategies' values), which
        breaks the cycles best responses can run into. A fixed point is always confirmed
        at the exact values of its own strategies.
    mixed
        Where no pure fixed point is found, trace mixed stationary strategies from logit
        responses (:mod:`qpq.game._relationship_mixed`); their largest regret is
        reported in ``regret``.
    """
    tol = check_tol(tol)
    mixed = check_flag(mixed, "mixed")
    needed = (*GAME_PARAMETERS, "quarterly_discount")
    check_game_values(params, names=needed if beliefs is None else
                      [n for n in needed if n != "prior_sincere"])
    if beliefs is not None:
        check_game_values({"prior_sincere": beliefs}, names=(), what="beliefs")
    flat = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in params.items()}
    n0 = max(v.shape[0] for v in flat.values())
    flat = {k: np.broadcast_to(v, (n0,)).copy() for k, v in flat.items()}
    if beliefs is not None:
        b = np.asarray(beliefs, dtype=float).reshape(-1)
        flat = {k: np.repeat(v, b.size) for k, v in flat.items()}
        flat["prior_sincere"] = np.tile(b, n0)
    delta = flat["quarterly_discount"]
    if ((delta <= 0) | (delta >= 1)).any():
        raise ValueError("quarterly_discount must lie strictly between 0 and 1 for the "
                         "relationship's values to be finite")
    # the recognised state's stage: the same structure (types, report, reading choices)
    # with Recognize in force
    rec_structure = replace(structure, first_moves=(_RECOGNIZE,))
    stages = (_stage(flat, structure, recognised=False),
              _stage(flat, rec_structure, recognised=True))
    n = stages[0].tensors.n_points
    n_types, n_sig = len(structure.types), len(structure.signals)
    n_moves = len(structure.first_moves)
    w = flat["w_security"]
    china_v = np.zeros((n, n_types, 2))
    taliban_v = np.zeros((n, n_types, 2))
    harm = np.zeros((n, n_types, 2, 2))
    exact = np.zeros(n, dtype=bool)        # values are those of the previous strategies
    damped = np.zeros(n, dtype=np.int64)
    out = _Profile(move=np.zeros(n, dtype=np.int64),
                   effort=np.zeros((n, 2, n_types), dtype=np.int8),
                   response=np.zeros((n, 2, n_sig), dtype=np.int8),
                   pure=np.zeros((n, 2), dtype=bool),
                   effort_after=np.zeros((n, n_moves, n_types), dtype=np.int8),
                   response_after=np.zeros((n, n_moves, n_sig), dtype=np.int8))
    previous: _Profile | None = None
    converged = np.zeros(n, dtype=bool)
    iterations = np.full(n, max_iter, dtype=np.int64)
    active = np.arange(n)
    for it in range(1, max_iter + 1):
        sub = (_take(stages[0], active), _take(stages[1], active))
        d = delta[active]
        prof = _best_profile(sub, d, china_v[active], taliban_v[active], harm[active], tol)
        for name in ("move", "effort", "response", "pure", "effort_after", "response_after"):
            getattr(out, name)[active] = getattr(prof, name)
        repeat = (previous.same(prof) if previous is not None
                  else np.zeros(active.size, dtype=bool))
        done = repeat & exact[active]
        converged[active[done]] = True
        iterations[active[done]] = it
        _, ec, et, eh = _evaluate(sub, _as_mixed(sub, prof), d, w[active])
        # plain steps (and the step that confirms a repeat) move to the new values;
        # otherwise average, so that cycling best responses settle
        plain = (it <= plain_iter) | repeat
        j = damped[active]
        step = np.where(plain, 1.0, 1.0 / (j + 2.0))[:, None, None]
        china_v[active] += step * (ec - china_v[active])
        taliban_v[active] += step * (et - taliban_v[active])
        harm[active] += step[..., None] * (eh - harm[active])
        exact[active] = plain
        damped[active] = np.where(plain, j, j + 1)
        keep = ~done
        active = active[keep]
        previous = _Profile(prof.move[keep], prof.effort[keep], prof.response[keep],
                            prof.pure[keep], prof.effort_after[keep],
                            prof.response_after[keep])
        if active.size == 0:
            break
    strategies = _as_mixed(stages, out)
    lack = np.flatnonzero(~converged)
    traced = np.zeros(n, dtype=bool)
    if lack.size and mixed:
        sub = (_take(stages[0], lack), _take(stages[1], lack))
        logit = _trace(sub, delta[lack], w[lack])
        strategies = (_put(strategies[0], lack, logit[0]), _put(strategies[1], lack, logit[1]))
        traced[lack] = True
        _modal(stages, strategies, out, lack)
        # where the most probable choices are themselves an equilibrium, report them
        # exactly (pure) rather than the nearly pure logit strategies
        modal = _as_mixed(stages, out)
        q0, q1, _, cv, tv = _payoffs(stages, modal, delta, w)
        scale = 1.0 + np.maximum(np.abs(cv).max(axis=(1, 2)), np.abs(tv).max(axis=(1, 2)))
        exact_pure = np.maximum(regret(q0, modal[0]), regret(q1, modal[1])) <= tol * scale
        pick = lack[exact_pure[lack]]
        strategies = (_put(strategies[0], pick, modal[0].take(pick)),
                      _put(strategies[1], pick, modal[1].take(pick)))
        out.pure[pick] = True
    q0, q1, plays, china_v, taliban_v = _payoffs(stages, strategies, delta, w)
    worst = np.maximum(regret(q0, strategies[0]), regret(q1, strategies[1]))
    prior = stages[0].tensors.prior
    to_rec = np.stack([plays[0].to_recognised, plays[1].to_recognised], axis=1)
    return Relationship(
        structure=structure, first_move=out.move, effort=out.effort, response=out.response,
        china_value=np.moveaxis(china_v, 2, 1), taliban_value=np.moveaxis(taliban_v, 2, 1),
        value=(prior * china_v[:, :, 0]).sum(axis=1), recognised_next=to_rec, pure=out.pure,
        converged=converged, iterations=iterations, discount=delta,
        effort_after=out.effort_after, response_after=out.response_after,
        stage_params=(stage_params(flat, False), stage_params(flat, True)),
        strategies=(strategies[0], strategies[1]), traced=traced, regret=worst)


def _put(full: Mixed, rows: NDArray[np.int64], part: Mixed) -> Mixed:
    """``full`` with the strategies at ``rows`` replaced by ``part``."""
    def put(a: FloatArray, b: FloatArray) -> FloatArray:
        out = a.copy()
        out[rows] = b
        return out
    return Mixed(put(full.move, part.move),
                 tuple(put(a, b) for a, b in zip(full.effort, part.effort, strict=True)),
                 tuple(put(a, b) for a, b in zip(full.response, part.response, strict=True)))


def _modal(stages: tuple[_Stage, _Stage], s: tuple[Mixed, Mixed], out: _Profile,
           rows: NDArray[np.int64]) -> None:
    """Fill ``out`` at ``rows`` with the most probable choices of mixed strategies."""
    st0 = stages[0].tensors.structure
    out.move[rows] = np.argmax(s[0].move[rows], axis=1)
    for mi, m in enumerate(st0.first_moves):
        out.effort_after[rows, mi] = np.argmax(s[0].effort[mi][rows], axis=-1)
        out.response_after[rows, mi] = st0.global_actions(m)[
            np.argmax(s[0].response[mi][rows], axis=-1)]
    chosen = out.move[rows]
    out.effort[rows, 0] = out.effort_after[rows, chosen]
    out.response[rows, 0] = out.response_after[rows, chosen]
    st1 = stages[1].tensors.structure
    out.effort[rows, 1] = np.argmax(s[1].effort[0][rows], axis=-1)
    out.response[rows, 1] = st1.global_actions(st1.first_moves[0])[
        np.argmax(s[1].response[0][rows], axis=-1)]
    out.pure[rows] = False
