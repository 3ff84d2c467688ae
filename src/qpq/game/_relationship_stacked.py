"""Model v2's tracing step with every (state, first move) of the relationship stacked.

The logit tracing (:func:`qpq.game._relationship._trace`) repeats one step thousands of
times per point: the values of the current strategies, every action's expected payoff at
those values, and the logit responses. Written one first move at a time (as
:func:`qpq.game._relationship._play` and :func:`qpq.game._relationship_mixed.expected`
are), a step is several hundred numpy calls on arrays of a few thousand numbers, so the
calls' overhead, not the arithmetic, set the tracing's cost (most of a v2 sweep's time).

Here the *slots* — the unrecognised state's first moves, then the recognised state's
Recognize — that have the same number of final actions are stacked on one axis (a
*group*: Boycott's three actions alone, the other first moves' four together), and a step
is a few dozen calls on the stacked arrays. Every operation is the per-move one with that
axis added, element for element (the same ``einsum`` subscripts with ``k`` added, the same
products in the same order), and the moves' contributions to a state's expected
quantities are added up one move at a time in the per-move code's order. So the results
are bit for bit those of the per-move code, which stays the reference (and is what every
other caller uses); tests/game/test_relationship_stacked.py compares the two on random
strategies and points. Padding Boycott to four actions would make one group but change
the order of some sums, hence the groups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qpq.game._payoffs import GameTensors

__all__ = ["N_PLAYED", "Stacked", "StackedQ", "StackedStrategies", "stack_stages"]

FloatArray = NDArray[np.float64]

N_PLAYED = 9
"""Expected stage quantities per type, on the last axis of :meth:`Stacked.play`'s arrays:
China's and the type's payoffs, P(next state recognised), the ETIM and ISKP relief by next
state (4), the ETIM and ISKP harm."""


@dataclass(frozen=True)
class _Group:
    """Slots with the same number F of final actions, stacked on axis 1 (K slots)."""

    slots: NDArray[np.int64]        # (K,) positions in the slot order
    prior: FloatArray               # (n, K, T) the slot's stage prior
    p_signal: FloatArray            # (n, K, T, E, S)
    u_china: FloatArray             # (n, K, T, E, S, F) stage payoffs, no continuation
    u_taliban: FloatArray           # (n, K, T, E, S, F)
    u_both: FloatArray              # (n, K, 2, T, E, S, F) China's, the Taliban's
    next_state: NDArray[np.int64]   # (K, F) state each final action leads to
    effect_etim: FloatArray         # (n, K, F) share of next ETIM harm removed
    effect_iskp: FloatArray         # (n, K, F)
    linear: FloatArray              # (n, K, 5, F) next state as 0/1, then the relief:
                                    # ETIM to 0, to 1, ISKP to 0, to 1
    harm_share: FloatArray          # (n, K, T, 2, E) ETIM share, P(defection)
    threat: FloatArray              # (n, K, 2) etim_threat, iskp_threat

    def take(self, rows: NDArray[np.int64]) -> _Group:
        return _Group(self.slots, self.prior[rows], self.p_signal[rows], self.u_china[rows],
                      self.u_taliban[rows], self.u_both[rows], self.next_state,
                      self.effect_etim[rows], self.effect_iskp[rows], self.linear[rows],
                      self.harm_share[rows], self.threat[rows])


@dataclass(frozen=True)
class StackedStrategies:
    """Behaviour strategies of both states in the stacked layout.

    ``move``: (n, M) China's first-move probabilities while unrecognised and (n, 1) once
    recognised (1: Recognize in force); ``effort``: per group (n, K, T, E); ``response``:
    per group (n, K, S, F).
    """

    move: tuple[FloatArray, FloatArray]
    effort: tuple[FloatArray, ...]
    response: tuple[FloatArray, ...]

    def take(self, rows: NDArray[np.int64]) -> StackedStrategies:
        return StackedStrategies((self.move[0][rows], self.move[1][rows]),
                                 tuple(e[rows] for e in self.effort),
                                 tuple(r[rows] for r in self.response))

    def blend(self, other: StackedStrategies, step: float) -> StackedStrategies:
        """(1 − step)·self + step·other."""
        def mix(a: FloatArray, b: FloatArray) -> FloatArray:
            return (1.0 - step) * a + step * b
        return StackedStrategies(
            (mix(self.move[0], other.move[0]), mix(self.move[1], other.move[1])),
            tuple(mix(a, b) for a, b in zip(self.effort, other.effort, strict=True)),
            tuple(mix(a, b) for a, b in zip(self.response, other.response, strict=True)))

    def distance(self, other: StackedStrategies) -> FloatArray:
        """(n,): the largest change of any probability (a maximum: order-free)."""
        pairs = [*zip(self.move, other.move, strict=True),
                 *zip(self.effort, other.effort, strict=True),
                 *zip(self.response, other.response, strict=True)]
        return np.asarray(np.max([np.abs(a - b).reshape(a.shape[0], -1).max(axis=1)
                                  for a, b in pairs], axis=0))

    def put(self, rows: NDArray[np.int64], part: StackedStrategies) -> StackedStrategies:
        """These strategies with those at ``rows`` replaced by ``part``."""
        def put(a: FloatArray, b: FloatArray) -> FloatArray:
            out = a.copy()
            out[rows] = b
            return out
        return StackedStrategies(
            (put(self.move[0], part.move[0]), put(self.move[1], part.move[1])),
            tuple(put(a, b) for a, b in zip(self.effort, part.effort, strict=True)),
            tuple(put(a, b) for a, b in zip(self.response, part.response, strict=True)))


@dataclass(frozen=True)
class StackedQ:
    """Every action's expected payoff in both states, in the stacked layout."""

    move: tuple[FloatArray, FloatArray]   # (n, M), (n, 1)
    effort: tuple[FloatArray, ...]        # per group (n, K, T, E)
    response: tuple[FloatArray, ...]      # per group (n, K, S, F)

    def logit(self, lam: float) -> StackedStrategies:
        """Each player's logit response at precision λ."""
        return StackedStrategies((_logit(self.move[0], lam), _logit(self.move[1], lam)),
                                 tuple(_logit(e, lam) for e in self.effort),
                                 tuple(_logit(r, lam) for r in self.response))

    def regret(self, s: StackedStrategies) -> FloatArray:
        """(n,): the most any player gains by deviating at any information set.

        :func:`qpq.game._relationship_mixed.regret` of both states at once, stacked.
        """
        def gain(q: FloatArray, p: FloatArray) -> FloatArray:
            return np.asarray((q.max(axis=-1) - (q * p).sum(axis=-1))
                              .reshape(q.shape[0], -1).max(axis=1))
        return np.asarray(np.max([gain(q, p) for q, p in (
            *zip(self.move, s.move, strict=True), *zip(self.effort, s.effort, strict=True),
            *zip(self.response, s.response, strict=True))], axis=0))


def _last_sum(x: FloatArray) -> FloatArray:
    """``x.sum(axis=-1)``, bit for bit, as slices added left to right.

    numpy sums fewer than 8 numbers along an axis one after the other (its pairwise sum
    starts at 8), which is what this does, on the whole array at once instead of row by
    row (a reduction over an axis of 3 or 4 pays its per-row cost on every row).
    """
    if x.shape[-1] >= 8:
        return np.asarray(x.sum(axis=-1))
    out = x[..., 0].copy()
    for j in range(1, x.shape[-1]):
        out += x[..., j]
    return out


def _last_max(x: FloatArray) -> FloatArray:
    """``x.max(axis=-1)`` (a maximum is exact in any order), slice by slice."""
    out = x[..., 0].copy()
    for j in range(1, x.shape[-1]):
        np.maximum(out, x[..., j], out=out)
    return out


def _logit(q: FloatArray, lam: float) -> FloatArray:
    # qpq.game._relationship_mixed._logit's operations, on the stacked arrays
    z = lam * (q - _last_max(q)[..., None])
    e = np.exp(z)
    out: FloatArray = e / _last_sum(e)[..., None]
    return out


@dataclass(frozen=True)
class Stacked:
    """Both states' stage games, their first moves stacked in groups (see the module doc).

    Slots: the unrecognised state's M first moves in order, then the recognised state's
    Recognize (slot M).
    """

    n_moves: int
    groups: tuple[_Group, ...]

    @property
    def n_points(self) -> int:
        return int(self.groups[0].prior.shape[0])

    def take(self, rows: NDArray[np.int64]) -> Stacked:
        return Stacked(self.n_moves, tuple(g.take(rows) for g in self.groups))

    def uniform(self) -> StackedStrategies:
        """Every choice equally likely (the tracing's start)."""
        n = self.n_points
        m = self.n_moves
        return StackedStrategies(
            (np.full((n, m), 1.0 / m), np.full((n, 1), 1.0)),
            tuple(np.full(g.p_signal.shape[:-1], 1.0 / g.p_signal.shape[3])
                  for g in self.groups),
            tuple(np.full((n, g.slots.size, g.p_signal.shape[4], g.u_china.shape[-1]),
                          1.0 / g.u_china.shape[-1]) for g in self.groups))

    def play(self, s: StackedStrategies) -> tuple[FloatArray, FloatArray]:
        """Each state's expected stage quantities per type, (n, T, :data:`N_PLAYED`).

        :func:`qpq.game._relationship._play`'s sums, move by move in its order.
        """
        n = self.n_points
        n_types = self.groups[0].prior.shape[2]
        weight = np.concatenate([s.move[0], s.move[1]], axis=1)          # (n, M + 1)
        terms = np.empty((n, self.n_moves + 1, n_types, N_PLAYED))
        for g, sig, psi in zip(self.groups, s.effort, s.response, strict=True):
            x = np.empty((n, g.slots.size, n_types, N_PLAYED))
            by_sig = np.einsum("nkte,nktes->nkts", sig, g.p_signal)
            joint = sig[..., None] * g.p_signal
            # both players' payoffs at once (the same sums, one more axis)
            x[..., :2] = np.einsum("nktes,nkptes->nktp", joint,
                                   np.einsum("nkptesf,nksf->nkptes", g.u_both, psi))
            act = np.einsum("nkts,nksf->nktf", by_sig, psi)
            # P(recognised next) and the four reliefs: each (act · its weights) summed
            x[..., 2:7] = _last_sum(act[:, :, :, None, :] * g.linear[:, :, None])
            x[..., 7:9] = _last_sum(sig[:, :, :, None, :] * g.harm_share)
            w = weight[:, g.slots]                                        # (n, K)
            factor = np.empty((n, g.slots.size, 1, N_PLAYED))
            factor[..., :7] = w[:, :, None, None]
            factor[..., 7:] = (w[:, :, None] * g.threat)[:, :, None, :]
            terms[:, g.slots] = factor * x
        acc = []
        for slots in (range(self.n_moves), (self.n_moves,)):
            total = np.zeros((n, n_types, N_PLAYED))
            for k in slots:
                total += terms[:, k]
            acc.append(total)
        return acc[0], acc[1]

    def expected(self, s: StackedStrategies, delta: FloatArray, w: FloatArray,
                 china_next: FloatArray, taliban_next: FloatArray, relief: FloatArray
                 ) -> StackedQ:
        """Every action's expected payoff with δ·(value of the next state) at the leaves.

        :func:`qpq.game._relationship._with_continuation` followed by
        :func:`qpq.game._relationship_mixed.expected`, stacked; ``china_next`` and
        ``taliban_next`` (n, T, 2), ``relief`` (n, T, 2, 2) as there.
        """
        n = self.n_points
        d = delta[:, None, None, None]
        ws = w[:, None, None, None]
        move = np.empty((n, self.n_moves + 1))
        efforts, responses = [], []
        for g, sig, psi in zip(self.groups, s.effort, s.response, strict=True):
            nxt = g.next_state
            vc = china_next[:, :, nxt].transpose(0, 2, 1, 3)              # (n, K, T, F)
            vt = taliban_next[:, :, nxt].transpose(0, 2, 1, 3)
            gain = (relief[:, :, nxt, 0].transpose(0, 2, 1, 3) * g.effect_etim[:, :, None, :]
                    + relief[:, :, nxt, 1].transpose(0, 2, 1, 3)
                    * g.effect_iskp[:, :, None, :])
            add_c = d * (vc + ws * gain)
            add_t = d * vt
            u_c = g.u_china + add_c[:, :, :, None, None, :]
            u_t = g.u_taliban + add_t[:, :, :, None, None, :]
            efforts.append(np.einsum("nktes,nktesf,nksf->nkte", g.p_signal, u_t, psi))
            joint = g.prior[:, :, :, None, None] * sig[..., None] * g.p_signal
            num = np.einsum("nktes,nktesf->nksf", joint, u_c)
            den = joint.sum(axis=(2, 3))
            responses.append(num / den[..., None])
            move[:, g.slots] = np.einsum("nksf,nksf->nk", num, psi)
        return StackedQ((move[:, :self.n_moves], move[:, self.n_moves:]), tuple(efforts),
                        tuple(responses))

    def unstack(self, s: StackedStrategies
                ) -> tuple[tuple[FloatArray, ...], tuple[FloatArray, ...]]:
        """Per slot, in slot order: efforts (n, T, E) and responses (n, S, F_m)."""
        efforts: list[FloatArray | None] = [None] * (self.n_moves + 1)
        responses: list[FloatArray | None] = [None] * (self.n_moves + 1)
        for g, e, r in zip(self.groups, s.effort, s.response, strict=True):
            for j, k in enumerate(g.slots.tolist()):
                efforts[k] = np.ascontiguousarray(e[:, j])
                responses[k] = np.ascontiguousarray(r[:, j])
        return (tuple(x for x in efforts if x is not None),
                tuple(x for x in responses if x is not None))


def stack_stages(stages: tuple[tuple[GameTensors, tuple[FloatArray, ...],
                                     tuple[FloatArray, ...], tuple[FloatArray, ...]], ...]
                 ) -> Stacked:
    """Stack both states' stage games into groups of slots.

    Per state: its tensors (stage payoffs without continuation) and, per first move, the
    next state after each final action (F,) and the shares of next quarter's ETIM and
    ISKP harm removed (n, F).
    """
    slots: list[tuple[GameTensors, int, FloatArray, FloatArray, FloatArray]] = []
    for t, to_state, etim, iskp in stages:
        for mi in range(len(t.structure.first_moves)):
            slots.append((t, mi, to_state[mi], etim[mi], iskp[mi]))
    by_f: dict[int, list[int]] = {}
    for k, (t, mi, *_) in enumerate(slots):
        by_f.setdefault(t.u_china[mi].shape[-1], []).append(k)
    groups = []
    for ks in by_f.values():
        def stack(get: Callable[[GameTensors, int], FloatArray], ks: list[int] = ks
                  ) -> FloatArray:
            return np.ascontiguousarray(np.stack([get(slots[k][0], slots[k][1]) for k in ks],
                                                 axis=1))

        nxt = np.stack([slots[k][2] for k in ks])                       # (K, F) floats
        eff_e = np.stack([slots[k][3] for k in ks], axis=1)              # (n, K, F)
        eff_i = np.stack([slots[k][4] for k in ks], axis=1)
        # effect · [next state = x], as _play forms it
        linear = np.stack([np.broadcast_to(nxt, eff_e.shape),
                           eff_e * (nxt == 0)[None], eff_e * (nxt == 1)[None],
                           eff_i * (nxt == 0)[None], eff_i * (nxt == 1)[None]], axis=2)
        groups.append(_Group(
            slots=np.asarray(ks, dtype=np.int64),
            prior=stack(lambda t, mi: t.prior),
            p_signal=stack(lambda t, mi: t.p_signal),
            u_china=stack(lambda t, mi: t.u_china[mi]),
            u_taliban=stack(lambda t, mi: t.u_taliban[mi]),
            u_both=np.ascontiguousarray(np.stack([stack(lambda t, mi: t.u_china[mi]),
                                                  stack(lambda t, mi: t.u_taliban[mi])],
                                                 axis=2)),
            next_state=nxt.astype(np.int64),
            effect_etim=eff_e, effect_iskp=eff_i, linear=linear,
            harm_share=stack(lambda t, mi: np.stack([t.etim_share, t.p_d], axis=2)),
            threat=stack(lambda t, mi: np.stack([t.params["etim_threat"],
                                                 t.params["iskp_threat"]], axis=-1))))
    return Stacked(len(stages[0][0].structure.first_moves), tuple(groups))
