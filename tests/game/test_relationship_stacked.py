"""The tracing's stacked step is the per-move code's step, bit for bit.

:mod:`qpq.game._relationship_stacked` evaluates every (state, first move) of the
relationship at once; the per-move functions of :mod:`qpq.game._relationship` (``_play``,
``_payoffs``) and :func:`qpq.game._relationship_mixed.logit_step` stay the reference. Both
are run here on random behaviour strategies (drawn from a seeded generator, pure and mixed
rows) at the defaults and random points, for the full game, the game with co-optation
(four efforts), a China committed to one first move, and a reduced game (two types, no UN
report: four signals; no Boycott: one group), and must agree exactly: the tracing repeats
the step thousands of times, so the stacked layout may not move a single bit. (That a
point's answer does not depend on its batch is tests/game/test_sweep_v2.py's.)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qpq.game import ALL_EFFORTS, FULL_GAME, GameStructure
from qpq.game._relationship import (
    _RECOGNIZE,
    _payoffs,
    _play,
    _played,
    _stacked,
    _stacked_q,
    _stacked_step,
    _stage,
    _values,
)
from qpq.game._relationship_mixed import Mixed, logit_step, regret
from qpq.game._relationship_stacked import Stacked, StackedStrategies
from qpq.game._spec import TYPES
from qpq.model import FIRST_MOVES, ParameterRegistry
from tests.game.conftest import random_arrays

STRUCTURES = {
    "full": FULL_GAME,
    "coopt": GameStructure(efforts=ALL_EFFORTS),
    "committed": replace(FULL_GAME, first_moves=(FIRST_MOVES[2],)),
    # the reduced game of the stage-game benchmark: two types, no UN report (4 signals),
    # no Boycott (a single group of four final actions)
    "reduced": GameStructure(types=tuple(t for t in TYPES if t.high_capacity),
                             first_moves=tuple(FIRST_MOVES[i] for i in (1, 2, 5)),
                             un_report=False),
}


def _points(registry: ParameterRegistry, n: int, seed: int) -> dict[str, np.ndarray]:
    draws = random_arrays(registry, n, seed)
    base = registry.defaults()
    pts = {k: np.concatenate([[base[k]], np.asarray(v, dtype=float)]) for k, v in draws.items()}
    pts["quarterly_discount"] = np.minimum(pts["quarterly_discount"], 0.99)  # values need δ < 1
    return pts


def _random(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Behaviour strategies over the last axis; about a third of the rows pure."""
    w = rng.gamma(0.5, size=shape)
    pure = rng.random(shape[:-1]) < 0.3
    one = np.zeros(shape)
    np.put_along_axis(one, w.argmax(axis=-1)[..., None], 1.0, axis=-1)
    w = np.where(pure[..., None], one, w)
    return np.asarray(w / w.sum(axis=-1, keepdims=True))


def _strategies(st: Stacked, structure: GameStructure, n: int, rng: np.random.Generator
                ) -> tuple[tuple[Mixed, Mixed], StackedStrategies]:
    """Random strategies in both layouts (the same numbers)."""
    n_t, n_e, n_s = len(structure.types), structure.n_efforts, len(structure.signals)
    moves = (*structure.first_moves, _RECOGNIZE)
    efforts = [_random(rng, (n, n_t, n_e)) for _ in moves]
    responses = [_random(rng, (n, n_s, len(structure.actions(m)))) for m in moves]
    m = len(structure.first_moves)
    move0 = _random(rng, (n, m))
    per_move = (Mixed(move0, tuple(efforts[:m]), tuple(responses[:m])),
                Mixed(np.ones((n, 1)), (efforts[m],), (responses[m],)))
    stacked = StackedStrategies(
        (move0, np.ones((n, 1))),
        tuple(np.stack([efforts[k] for k in g.slots], axis=1) for g in st.groups),
        tuple(np.stack([responses[k] for k in g.slots], axis=1) for g in st.groups))
    return per_move, stacked


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_stacked_step_is_the_per_move_step_bit_for_bit(registry: ParameterRegistry,
                                                      name: str) -> None:
    structure = STRUCTURES[name]
    p = _points(registry, 24, 5)
    stages = (_stage(p, structure, recognised=False),
              _stage(p, replace(structure, first_moves=(_RECOGNIZE,)), recognised=True))
    st = _stacked(stages)
    # slots grouped by their number of final actions: Boycott's three, the others' four
    sizes = sorted(g.slots.size for g in st.groups)
    assert sizes == {"full": [1, 6], "coopt": [1, 6], "committed": [2],
                     "reduced": [4]}[name], sizes
    delta, w = p["quarterly_discount"], p["w_security"]
    rng = np.random.default_rng(17)
    n = delta.shape[0]
    for _ in range(3):
        per_move, stacked = _strategies(st, structure, n, rng)
        # the expected stage quantities of each state
        acc = st.play(stacked)
        for x in (0, 1):
            ref, got = _play(stages[x], per_move[x]), _played(acc[x])
            for field in ("china", "taliban", "to_recognised", "relief_etim", "relief_iskp",
                          "harm_etim", "harm_iskp"):
                np.testing.assert_array_equal(getattr(got, field), getattr(ref, field),
                                              err_msg=f"{name}: state {x} {field}")
        # the regret that decides whether the polish's average is kept: the same largest
        # gain as the per-move code's (maxima of the same numbers; the recognised state's
        # single first move contributes nothing)
        q0, q1, *_ = _payoffs(stages, per_move, delta, w)
        want = np.maximum(regret(q0, per_move[0]), regret(q1, per_move[1]))
        assert (want > 0).all()
        np.testing.assert_array_equal(_stacked_q(st, stacked, delta, w).regret(stacked), want)
        # a whole step: values, every action's payoff, logit responses
        for lam in (0.3, 40.0, 3e4):
            ref_step = (logit_step(q0, lam), logit_step(q1, lam))
            got_step = _stacked_step(st, stacked, delta, w, lam)
            efforts, responses = st.unstack(got_step)
            m = len(structure.first_moves)
            np.testing.assert_array_equal(got_step.move[0], ref_step[0].move)
            np.testing.assert_array_equal(got_step.move[1], ref_step[1].move)
            for k in range(m + 1):
                x, mi = (0, k) if k < m else (1, 0)
                np.testing.assert_array_equal(efforts[k], ref_step[x].effort[mi])
                np.testing.assert_array_equal(responses[k], ref_step[x].response[mi])


def test_stacked_values_are_the_per_move_values(registry: ParameterRegistry) -> None:
    """The values the step starts from: the same 2-state solve on the same sums."""
    p = _points(registry, 10, 9)
    stages = (_stage(p, FULL_GAME, recognised=False),
              _stage(p, replace(FULL_GAME, first_moves=(_RECOGNIZE,)), recognised=True))
    st = _stacked(stages)
    per_move, stacked = _strategies(st, FULL_GAME, p["w_security"].shape[0],
                                    np.random.default_rng(3))
    delta, w = p["quarterly_discount"], p["w_security"]
    ref = _values((_play(stages[0], per_move[0]), _play(stages[1], per_move[1])), delta, w)
    acc = st.play(stacked)
    got = _values((_played(acc[0]), _played(acc[1])), delta, w)
    for a, b in zip(got, ref, strict=True):
        np.testing.assert_array_equal(a, b)
