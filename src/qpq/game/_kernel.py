"""The vectorised core of the pure-strategy solver: one first move, all effort profiles.

For a first move m and every parameter point of an ensemble at once, the kernel takes each
of the Taliban's E^T type-contingent effort profiles (E efforts, 3 in v1; a fixed index
array, type 0 most significant), computes China's posterior and its expected payoff of every
final action at every information set (s, d, r), keeps China's best responses (ties within
a tolerance), and checks every type's optimality against China's (tie-broken) response.

Everything is arranged so that the heavy steps are broadcasts and batched matrix products:
China's numerator Σ_θ P(θ)·P(sig | θ, a_θ)·U_C is a sum of one small array per type, and
each type's value of each effort is a product of a one-hot response with its payoffs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.errors import BadInputError
from qpq.game._payoffs import GameTensors

__all__ = [
    "DEFAULT_TOL",
    "MAX_TOL",
    "KernelResult",
    "best_responses",
    "continuation_kernel",
    "profiles",
    "relative_tol_ok",
]

FloatArray = NDArray[np.float64]

DEFAULT_TOL = 1e-9
"""Relative tolerance for ties and optimality: a ≥ b − tol·(1 + |b|)."""

MAX_TOL = 1e-3
"""The largest tolerance the solvers take. At the built-in case's defaults every tolerance
from 1e-12 to 1e-3 finds the same PBE (tested); 1e-2 merges distinct payoffs into 244 and
0.1 ran for more than 40 s (the mixed search compares every pair of its candidates)."""


def check_tol(tol: object) -> float:
    """``tol`` as a float in (0, :data:`MAX_TOL`], or :class:`BadInputError`.

    Zero is refused: ties that rounding splits are then missed (at the defaults, 6 of the 17
    PBE); a negative or NaN tolerance found none, without a word (found 2026-12-06).
    """
    if (isinstance(tol, bool) or not isinstance(tol, int | float | np.floating)
            or not 0.0 < float(tol) <= MAX_TOL):
        raise BadInputError(f"tol (--tol) must be a number in (0, {MAX_TOL:g}] (a relative "
                            f"tolerance for ties; default {DEFAULT_TOL:g}); got {tol!r}")
    return float(tol)


@lru_cache(maxsize=16)
def profiles(n_types: int, n_efforts: int) -> NDArray[np.int64]:
    """All type-contingent pure effort profiles, shape (E^T, T); type 0 most significant."""
    return np.array(list(product(range(n_efforts), repeat=n_types)), dtype=np.int64).reshape(
        -1, n_types)


@lru_cache(maxsize=16)
def _own_index(n_types: int, n_efforts: int) -> NDArray[np.int64]:
    """Flat index of (profile, type, the type's own effort) in a (P, T, E) array."""
    prof = profiles(n_types, n_efforts)
    p_idx, t_idx = np.meshgrid(np.arange(prof.shape[0]), np.arange(n_types), indexing="ij")
    return np.asarray((p_idx * n_types + t_idx) * n_efforts + prof, dtype=np.int64).reshape(-1)


def relative_tol_ok(value: FloatArray, best: FloatArray, tol: float) -> NDArray[np.bool_]:
    """``value >= best - tol·(1 + |best|)``: optimal within a relative tolerance.

    Infinite ``best`` (used as "no candidate") compares exactly.
    """
    with np.errstate(invalid="ignore"):
        margin = np.where(np.isfinite(best), tol * (1.0 + np.abs(best)), 0.0)
    return np.asarray(value >= best - margin)


def best_responses(num: FloatArray, den: FloatArray, tol: float,
                   actions: NDArray[np.int64] | None = None, dtype: type = np.int64
                   ) -> tuple[FloatArray, NDArray[Any], FloatArray, NDArray[np.int8]]:
    """China's best responses at information sets, from Bayes numerators, ties kept.

    An action is a best response when its expected payoff num/den is within the relative
    tolerance of the best, which on numerators (den > 0) reads
    ``num >= nmax - tol·(den + |nmax|)``. The first best response in action order is
    China's tie-broken response.

    Parameters
    ----------
    num
        (F, ...): Σ_θ P(θ)·P(sig | θ, a_θ)·U_C(θ, a_θ, sig, f), action axis first.
    den
        (...): P(sig).
    tol
        Relative tolerance for ties.
    actions
        The action index of each row of ``num`` (default: 0..F−1), for callers that pass
        only the actions that may be best responses.
    dtype
        Integer type of the response.

    Returns
    -------
    threshold, response, chosen, count
        The best-response threshold on numerators, the first best response, its numerator
        (China's value at the information set, times P(sig)) and the number of best responses.
    """
    n_act = num.shape[0]
    labels = np.arange(n_act) if actions is None else actions
    nmax = num[0].copy()
    for f in range(1, n_act):
        np.maximum(nmax, num[f], out=nmax)
    thr = nmax - tol * (den + np.abs(nmax))
    response = np.full(nmax.shape, labels[-1], dtype=dtype)
    chosen = num[n_act - 1].copy()
    count = np.zeros(nmax.shape, dtype=np.int8)
    for f in range(n_act - 1, -1, -1):
        hit = num[f] >= thr
        count += hit
        np.copyto(response, labels[f], where=hit)
        np.copyto(chosen, num[f], where=hit)
    return thr, response, chosen, count


@dataclass(frozen=True)
class KernelResult:
    """Per point and profile, for one first move (arrays over a chunk of n points).

    Attributes
    ----------
    numerator_by_action
        (F, n, P, S): Σ_θ P(θ)·P(sig|θ, a_θ)·U_C(θ, a_θ, sig, f), action axis first.
    denominator
        (n, P, S): P(sig) under the profile.
    threshold
        (n, P, S): an action is a best response when its numerator reaches this.
    response
        (n, P, S): the first best response (tie-broken by action order).
    china_tie
        (n, P): China has more than one best response at some information set.
    taliban_values
        (n, P, T, E): each type's expected payoff of each effort against ``response``.
    taliban_ok
        (n, P): every type's profile effort is optimal against ``response``.
    china_value
        (n, P): China's expected payoff of the continuation (profile + ``response``).
    """

    numerator_by_action: FloatArray
    denominator: FloatArray
    threshold: FloatArray
    response: NDArray[np.int64]
    china_tie: NDArray[np.bool_]
    taliban_values: FloatArray
    taliban_ok: NDArray[np.bool_]
    china_value: FloatArray

    @property
    def numerator(self) -> FloatArray:
        """(n, P, S, F) view of the numerators."""
        return np.moveaxis(self.numerator_by_action, 0, -1)

    @property
    def best_response(self) -> NDArray[np.bool_]:
        """(n, P, S, F): China's best responses (within tolerance)."""
        return np.asarray(self.numerator >= self.threshold[..., None])


def continuation_kernel(t: GameTensors, m_index: int, tol: float) -> KernelResult:
    """Run the kernel for first move ``m_index`` over every point of ``t``."""
    n_types = len(t.structure.types)
    n_eff = t.structure.n_efforts
    prof = profiles(n_types, n_eff)
    n_prof = prof.shape[0]
    u_c = t.u_china[m_index]          # (n, T, E, S, F)
    u_t = t.u_taliban[m_index]
    n, _, _, n_sig, n_act = u_c.shape
    joint = t.prior[:, :, None, None] * t.p_signal          # (n, T, E, S)

    # numerators and denominators: Σ over types of each type's term at its own effort,
    # built as a sum of two halves (types 0..h-1 and h..T-1) so the big array is written once
    w_all = np.moveaxis(joint[..., None] * u_c, -1, 0)       # (F, n, T, E, S)
    h = n_types // 2

    def half(lo: int, hi: int, arr: FloatArray, lead: tuple[int, ...]) -> FloatArray:
        acc = np.zeros((*lead, *(n_eff,) * (hi - lo), n_sig))
        for k in range(lo, hi):
            shape = [1] * (hi - lo)
            shape[k - lo] = n_eff
            acc = acc + arr[..., k, :, :].reshape((*lead, *shape, n_sig))
        return acc.reshape((*lead, n_eff ** (hi - lo), n_sig))

    num_a = half(0, h, w_all, (n_act, n))
    num_b = half(h, n_types, w_all, (n_act, n))
    num = (num_a[:, :, :, None, :] + num_b[:, :, None, :, :]).reshape(n_act, n, n_prof, n_sig)
    den_a = half(0, h, joint, (n,))
    den_b = half(h, n_types, joint, (n,))
    den = (den_a[:, :, None, :] + den_b[:, None, :, :]).reshape(n, n_prof, n_sig)

    thr, response, chosen, count = best_responses(num, den, tol)
    china_tie = np.asarray((count > 1).any(axis=-1))
    china_value = chosen.sum(axis=-1)

    # each type's value of each effort against the response
    if t.taliban_action_part is not None:
        # U_T = base(type, effort, signal) + g(action): one small product suffices
        g = t.taliban_action_part[m_index]                    # (n, F)
        gs = np.take_along_axis(g, response.reshape(n, -1), axis=1).reshape(
            n, n_prof, n_sig)                                 # (n, P, S)
        base = (t.p_signal * u_t[..., 0]).sum(axis=-1)       # (n, T, E); g(action 0) = 0
        tv = np.matmul(gs, t.p_signal.reshape(n, n_types * n_eff, n_sig).transpose(0, 2, 1))
        tv = tv.reshape(n, n_prof, n_types, n_eff) + base[:, None]
    else:
        tw = t.p_signal[..., None] * u_t                      # (n, T, E, S, F)
        onehot = np.zeros((n, n_prof, n_sig, n_act))
        np.put_along_axis(onehot, response[..., None], 1.0, axis=-1)
        tv = np.matmul(onehot.reshape(n, n_prof, n_sig * n_act),
                       tw.reshape(n, n_types * n_eff, n_sig * n_act).transpose(0, 2, 1))
        tv = tv.reshape(n, n_prof, n_types, n_eff)
    own = tv.reshape(n, -1)[:, _own_index(n_types, n_eff)].reshape(n, n_prof, n_types)
    best = tv[..., 0]
    for e in range(1, n_eff):          # pairwise maxima, in effort order (v1: as before)
        best = np.maximum(best, tv[..., e])
    ok = (own >= best - tol * (1.0 + np.abs(best))).all(axis=-1)
    return KernelResult(numerator_by_action=num, denominator=den, threshold=thr,
                        response=response, china_tie=china_tie, taliban_values=tv,
                        taliban_ok=ok, china_value=china_value)
