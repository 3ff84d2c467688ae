"""Mixed stationary strategies of model v2's relationship, traced from logit responses.

Where pure stationary strategies have no fixed point (best responses cycle: the hold-up at
work — once trusted, the Taliban stop acting, so China downgrades after bad signals, which
makes acting worthwhile again), the relationship still has an equilibrium in behaviour
strategies: China mixes over first moves or final actions, the types over efforts. It is
found here as the limit of logit (quantal response) equilibria of the stationary game:
every player plays each action with probability ∝ exp(λ·its expected payoff given the
values of the current strategies), values follow from the strategies, and λ grows along a
schedule, each step starting from the last (McKelvey & Palfrey's tracing idea; the game's
tensors are those of the pure solver). Where the damped steps still oscillate at the last
precision, smoothed fictitious play at a lower one (each player's average logit response so
far) settles them: the regrets this left, up to several payoff units, fall by two orders
of magnitude in the median and by one at the largest, though not at every point, so each
point keeps whichever answer, polished or not, has the smaller regret
(``bench/tracing_bench.py``, docs/model-game.md §8.1). The answer is reported with its
largest regret (the most any player gains by deviating at any information set, on or off
the path, given the values): a small regret is an ε-equilibrium, never presented as exact.

Alternatives not taken: support enumeration of stationary mixed equilibria (exact but the
supports multiply across states, moves and types); a predictor-corrector path follower
(sGameSolver's method for stochastic games; our stage has incomplete information and
Bayesian China, which its formulation does not cover).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

__all__ = ["Mixed", "expected", "logit_step", "one_hot", "regret"]


@dataclass(frozen=True)
class Mixed:
    """Behaviour strategies in one state's stage game, per point.

    ``move``: (n, M) China's first-move probabilities; ``effort``: per move, (n, T, E) each
    type's effort probabilities; ``response``: per move, (n, S, F_m) China's final-action
    probabilities at each signal.
    """

    move: FloatArray
    effort: tuple[FloatArray, ...]
    response: tuple[FloatArray, ...]

    def blend(self, other: Mixed, step: float) -> Mixed:
        """(1 − step)·self + step·other."""
        def mix(a: FloatArray, b: FloatArray) -> FloatArray:
            return (1.0 - step) * a + step * b
        return Mixed(mix(self.move, other.move),
                     tuple(mix(a, b) for a, b in zip(self.effort, other.effort, strict=True)),
                     tuple(mix(a, b) for a, b in zip(self.response, other.response,
                                                     strict=True)))

    def distance(self, other: Mixed) -> FloatArray:
        """(n,): the largest change of any probability."""
        parts = [np.abs(self.move - other.move).max(axis=1)]
        parts += [np.abs(a - b).reshape(a.shape[0], -1).max(axis=1)
                  for a, b in zip(self.effort, other.effort, strict=True)]
        parts += [np.abs(a - b).reshape(a.shape[0], -1).max(axis=1)
                  for a, b in zip(self.response, other.response, strict=True)]
        return np.asarray(np.max(parts, axis=0))

    def take(self, rows: NDArray[np.int64]) -> Mixed:
        """The strategies at some points."""
        return Mixed(self.move[rows], tuple(e[rows] for e in self.effort),
                     tuple(r[rows] for r in self.response))


def one_hot(index: NDArray[np.int64], size: int) -> FloatArray:
    """Probabilities putting 1 on ``index`` (any leading shape) over ``size`` actions."""
    out = np.zeros((*index.shape, size))
    np.put_along_axis(out, index[..., None], 1.0, axis=-1)
    return out


@dataclass(frozen=True)
class _Q:
    """Expected payoffs of every action at every information set of one state."""

    move: FloatArray                   # (n, M) China's value of each first move
    effort: tuple[FloatArray, ...]     # per move (n, T, E) each type's value of each effort
    response: tuple[FloatArray, ...]   # per move (n, S, F) China's value of each action


def expected(prior: FloatArray, p_signal: FloatArray, u_china: tuple[FloatArray, ...],
             u_taliban: tuple[FloatArray, ...], s: Mixed) -> _Q:
    """Every action's expected payoff given the others' strategies and China's beliefs.

    ``u_*`` include the continuation. China's value at a final information set uses its
    Bayes posterior (every signal has positive probability: full-support chance).
    """
    moves, efforts, responses = [], [], []
    for mi in range(len(u_china)):
        sig = s.effort[mi]
        psi = s.response[mi]
        q_t = np.einsum("ntes,ntesf,nsf->nte", p_signal, u_taliban[mi], psi)
        joint = prior[:, :, None, None] * sig[..., None] * p_signal           # (n, T, E, S)
        num = np.einsum("ntes,ntesf->nsf", joint, u_china[mi])
        den = joint.sum(axis=(1, 2))
        efforts.append(q_t)
        responses.append(num / den[..., None])
        moves.append(np.einsum("nsf,nsf->n", num, psi))
    return _Q(np.stack(moves, axis=1), tuple(efforts), tuple(responses))


def _logit(q: FloatArray, lam: float) -> FloatArray:
    z = lam * (q - q.max(axis=-1, keepdims=True))
    e = np.exp(z)
    out: FloatArray = e / e.sum(axis=-1, keepdims=True)
    return out


def logit_step(q: _Q, lam: float) -> Mixed:
    """Each player's logit response at precision λ."""
    return Mixed(_logit(q.move, lam), tuple(_logit(e, lam) for e in q.effort),
                 tuple(_logit(r, lam) for r in q.response))


def regret(q: _Q, s: Mixed) -> FloatArray:
    """(n,): the most any player gains by deviating at any information set.

    China's final information sets are weighed as reached (sequential rationality at every
    one of them, on and off the path); the types' at every first move.
    """
    parts = [q.move.max(axis=1) - (q.move * s.move).sum(axis=1)]
    for qe, se in zip(q.effort, s.effort, strict=True):
        parts.append((qe.max(axis=-1) - (qe * se).sum(axis=-1)).max(axis=1))
    for qr, sr in zip(q.response, s.response, strict=True):
        parts.append((qr.max(axis=-1) - (qr * sr).sum(axis=-1)).max(axis=1))
    return np.asarray(np.max(parts, axis=0))
