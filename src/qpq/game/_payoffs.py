"""Payoff and probability tensors of the game, for an ensemble of parameter points at once.

For N parameter points, a :class:`GameTensors` holds every number the solvers need, laid
out on fixed axes so that the fast solver can work by broadcasting:

* ``prior``: (N, T) — type probabilities;
* ``effort``: (N, E) — intensities of the structure's efforts (harbour 0, restrain,
  crackdown; co-optation 0, its effect is carried by ``coopt``);
* ``p_signal``: (N, T, E, S) — P(s, d, r | type, effort);
* per first move m: ``u_china[m]`` and ``u_taliban[m]``: (N, T, E, S, F_m) — each player's
  payoff for type, effort, signal and China's final action.

E is the number of the structure's efforts (``structure.efforts``; 3 in v1).

All numbers come from :mod:`qpq.model._utilities`; this module only arranges them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qpq.game._spec import FULL_GAME, TYPES, Effort, GameStructure, TalibanType
from qpq.model import (
    FinalAction,
    FirstMove,
    MoveKind,
    breaks_word,
    china_utility,
    consequence,
    defection_prob,
    expected_etim_share,
    future_harm,
    round_harm,
    signal_pressure,
    stay_prob,
    suppression_prob,
    taliban_utility,
    un_close_prob,
)

__all__ = ["COOPT_PARAMETERS", "GameTensors", "build_tensors", "type_prior"]

FloatArray = NDArray[np.float64]

COOPT_PARAMETERS = ("coopt_visibility", "coopt_pull_scale", "coopt_residual",
                    "coopt_cost_share", "coopt_harbour_share")
"""The parameters a structure with co-optation reads (docs/model-game.md §7.4)."""


@dataclass(frozen=True)
class GameTensors:
    """The game's numbers on fixed axes (see the module docstring)."""

    structure: GameStructure
    params: Mapping[str, FloatArray]
    prior: FloatArray
    effort: FloatArray
    kappa: FloatArray
    sincere: FloatArray
    p_s: FloatArray
    p_d: FloatArray
    p_signal: FloatArray
    u_china: tuple[FloatArray, ...]
    u_taliban: tuple[FloatArray, ...]
    harm: FloatArray
    future: tuple[FloatArray, ...]
    taliban_action_part: tuple[FloatArray, ...] | None = None
    coopt: FloatArray | None = None
    """(E,): 1 for co-optation, 0 for v1's efforts; None when the structure has no
    co-optation (the utilities then compute v1's formulas exactly)."""

    @property
    def etim_share(self) -> FloatArray:
        """(N, T, E): expected ETIM harm this round over ``etim_threat``, by type and effort."""
        return expected_etim_share(
            self.p_s, {} if self.coopt is None else self.params_col(3), self.coopt)

    def params_col(self, ndim: int) -> dict[str, FloatArray]:
        """The parameters as (N, 1, ..., 1) columns with ``ndim`` axes."""
        return {k: _col(v, ndim) for k, v in self.params.items()}

    @property
    def n_points(self) -> int:
        """Number of parameter points N."""
        return int(self.prior.shape[0])

    def point(self, i: int) -> GameTensors:
        """The tensors of one point, keeping a length-1 ensemble axis."""
        sl = slice(i, i + 1)
        return GameTensors(
            structure=self.structure,
            params={k: v[sl] for k, v in self.params.items()},
            prior=self.prior[sl], effort=self.effort[sl], kappa=self.kappa[sl],
            sincere=self.sincere, p_s=self.p_s[sl], p_d=self.p_d[sl],
            p_signal=self.p_signal[sl], u_china=tuple(u[sl] for u in self.u_china),
            u_taliban=tuple(u[sl] for u in self.u_taliban), harm=self.harm[sl],
            future=tuple(f[sl] for f in self.future),
            taliban_action_part=None if self.taliban_action_part is None else tuple(
                g[sl] for g in self.taliban_action_part), coopt=self.coopt)

    def with_prior(self, prior_sincere: ArrayLike) -> GameTensors:
        """The same game with another P(sincere) per point.

        Nothing but the type prior depends on ``prior_sincere`` (payoffs and signal
        probabilities are conditional on the type), so only the prior is recomputed: how
        the simulator solves one game at many beliefs.
        """
        ps = np.broadcast_to(np.asarray(prior_sincere, dtype=float).reshape(-1),
                             (self.n_points,))
        return replace(self, prior=type_prior(ps, self.params["p_high_capacity"],
                                              self.structure.types),
                       params={**self.params, "prior_sincere": np.array(ps)})

    def take(self, rows: NDArray[np.int64], moves: Sequence[int] | None = None
             ) -> GameTensors:
        """The tensors of some points; with ``moves``, only those first moves.

        With ``moves`` the structure is restricted to those first moves (in that order), so
        move indices of the result count from 0 within ``moves``.
        """
        pick = range(len(self.u_china)) if moves is None else moves
        st = self.structure if moves is None else replace(
            self.structure, first_moves=tuple(self.structure.first_moves[i] for i in pick))
        return GameTensors(
            structure=st, params={k: v[rows] for k, v in self.params.items()},
            prior=self.prior[rows], effort=self.effort[rows], kappa=self.kappa[rows],
            sincere=self.sincere, p_s=self.p_s[rows], p_d=self.p_d[rows],
            p_signal=self.p_signal[rows], u_china=tuple(self.u_china[i][rows] for i in pick),
            u_taliban=tuple(self.u_taliban[i][rows] for i in pick), harm=self.harm[rows],
            future=tuple(self.future[i][rows] for i in pick),
            taliban_action_part=None if self.taliban_action_part is None else tuple(
                self.taliban_action_part[i][rows] for i in pick), coopt=self.coopt)


def type_prior(prior_sincere: ArrayLike, p_high_capacity: ArrayLike,
               types: Sequence[TalibanType] = TYPES) -> FloatArray:
    """P(type) for each point: P(S)·P(H), independent, renormalised over ``types``.

    Parameters
    ----------
    prior_sincere, p_high_capacity
        (N,) arrays (or scalars): P(sincere) and P(high capacity).
    types
        The types of the game family member, in its order.

    Returns
    -------
    (N, T) array; rows sum to 1 (a reduced game renormalises, keeping the full game's
    odds between the types it has).
    """
    ps = np.asarray(prior_sincere, dtype=float).reshape(-1)[:, None]
    ph = np.asarray(p_high_capacity, dtype=float).reshape(-1)[:, None]
    if not (((ps >= 0) & (ps <= 1)).all() and ((ph >= 0) & (ph <= 1)).all()):
        # 1.5 gave negative probabilities (found 2026-12-06); NaN fails the test too
        raise ValueError("prior_sincere and p_high_capacity must lie in [0, 1]")
    sincere = np.array([t.sincere for t in types])
    high = np.array([t.high_capacity for t in types])
    prior = np.where(sincere, ps, 1 - ps) * np.where(high, ph, 1 - ph)
    if len(set(types)) == len(TYPES):
        # all four types: the products are the distribution already; dividing by their
        # floating-point sum would only move last bits (and the simulator's beliefs with them)
        return np.asarray(prior)
    total = prior.sum(axis=1, keepdims=True)
    return np.asarray(prior / np.where(total > 0, total, 1.0))


def _col(a: ArrayLike, ndim: int) -> FloatArray:
    """Reshape a length-N vector to (N, 1, ..., 1) with ``ndim`` axes."""
    v = np.asarray(a, dtype=float).reshape(-1)
    return v.reshape((v.shape[0],) + (1,) * (ndim - 1))


def build_tensors(params: Mapping[str, ArrayLike], structure: GameStructure = FULL_GAME
                  ) -> GameTensors:
    """Compute the game's tensors for every parameter point in ``params``.

    Parameters
    ----------
    params
        ``name -> array`` of one common length N (e.g. from
        :meth:`qpq.model.ParameterRegistry.validate_arrays` or :meth:`ParameterSet.arrays`).
    structure
        Which member of the game family.
    """
    flat = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in params.items()}
    n = max(v.shape[0] for v in flat.values())
    flat = {k: np.broadcast_to(v, (n,)) if v.shape[0] == 1 else v for k, v in flat.items()}
    p5 = {k: _col(v, 5) for k, v in flat.items()}  # axes N, T, E, S, F
    types = structure.types
    sincere = np.array([float(t.sincere) for t in types])
    high = np.array([float(t.high_capacity) for t in types])

    prior = type_prior(flat["prior_sincere"], flat["p_high_capacity"], types)

    intensity = {Effort.HARBOUR: np.zeros(n), Effort.RESTRAIN: flat["restrain_intensity"],
                 Effort.CRACKDOWN: flat["crackdown_intensity"], Effort.COOPT: np.zeros(n)}
    effort = np.stack([intensity[e] for e in structure.efforts], axis=1)
    n_eff = structure.n_efforts
    coopt = (np.array([float(e is Effort.COOPT) for e in structure.efforts])
             if structure.has_coopt else None)
    if coopt is not None:
        missing = [k for k in COOPT_PARAMETERS if k not in flat]
        if missing:
            raise ValueError(f"a game with co-optation needs the parameters {missing} "
                             "(see the case's parameters.yaml, group 'coopt')")
    c5 = None if coopt is None else coopt[None, None, :, None, None]
    kappa = np.where(high, flat["capacity_high"][:, None], flat["capacity_low"][:, None])

    # axes (N, T, E, 1, 1) for type/effort quantities
    k5 = kappa[:, :, None, None, None]
    e5 = effort[:, None, :, None, None]
    sin5 = sincere[None, :, None, None, None]
    pressure = k5 * e5
    # the suppression signal's pressure differs from the defection pressure only under
    # co-optation (the same array otherwise, so v1 is computed exactly as before)
    sig_pressure = pressure if c5 is None else signal_pressure(k5, e5, p5, c5)
    p_s = suppression_prob(sig_pressure, p5)[..., 0, 0]      # (N, T, E)
    p_d = defection_prob(pressure, p5, c5)[..., 0, 0]        # (N, T, E)
    p_stay = stay_prob(pressure, p5, c5)[..., 0, 0]          # 1 - p_d, without cancellation
    us = flat["us_presence"] * flat["us_suppression"]
    p_not_s = (1.0 - sig_pressure[..., 0, 0]) * (1.0 - us[:, None, None]) * (
        1.0 - flat["base_suppression"][:, None, None])
    p_close = un_close_prob(sincere[None, :], {k: v[:, None] for k, v in flat.items()})

    sig = structure.signals
    s_v = np.array([g.s for g in sig], dtype=float)
    d_v = np.array([g.d for g in sig], dtype=float)
    r_v = np.array([g.r_close if g.r_close is not None else 0 for g in sig], dtype=float)
    p_sig = np.where(s_v == 1, p_s[..., None], p_not_s[..., None]) * np.where(
        d_v == 1, p_d[..., None], p_stay[..., None])
    if structure.un_report:
        pc = p_close[:, :, None, None]
        p_sig = p_sig * np.where(r_v == 1, pc, 1 - pc)

    s5 = s_v[None, None, None, :, None]
    d5 = d_v[None, None, None, :, None]
    harm = round_harm(s_v[None, :], d_v[None, :], {k: v[:, None] for k, v in flat.items()})

    # Every Engage[ρ] has the same final actions and consequences; the promises differ only
    # in the breach term, which U_C subtracts last. So U_C without the breach, U_T, the future
    # harm and U_T's separation are computed once per kind of first move (and shared), and
    # each move's U_C is that base minus reneging_cost·breach: bit-for-bit what evaluating
    # china_utility per move gives.
    shape5 = (n, len(types), n_eff, len(sig))
    by_kind: dict[MoveKind, tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]] = {}
    u_c: list[FloatArray] = []
    u_t: list[FloatArray] = []
    fut: list[FloatArray] = []
    parts: list[FloatArray] | None = []
    for m in structure.first_moves:
        acts = structure.actions(m)
        shape = (*shape5, len(acts))
        if m.kind not in by_kind:
            by_kind[m.kind] = _kind_tensors(m, acts, shape, s5, d5, sin5, k5, e5, p5,
                                            structure.readings.kappa_in_future_defection, c5)
        base, ut, fh, g = by_kind[m.kind]
        breach = np.stack([breaks_word(m, f, s_v, d_v, r_v) for f in acts], axis=-1).astype(
            float)[None, None, None, :, :]
        if breach.any():
            u_c.append(base - p5["reneging_cost"] * breach)
        else:
            u_c.append(base)
        u_t.append(ut)
        fut.append(fh)
        if parts is not None and g is not None:
            parts.append(g)
        else:
            parts = None

    if n > 0 and (p_sig <= 0).any():
        raise ValueError("some information set of China has probability 0 (capacity times "
                         "effort reaches 1, or a probability parameter is 0 or 1); the model "
                         "needs every signal possible")
    return GameTensors(structure=structure, params=flat, prior=prior, effort=effort,
                       kappa=kappa, sincere=sincere, p_s=p_s, p_d=p_d, p_signal=p_sig,
                       u_china=tuple(u_c), u_taliban=tuple(u_t), harm=harm, future=tuple(fut),
                       taliban_action_part=tuple(parts) if parts is not None else None,
                       coopt=coopt)


def _kind_tensors(m: FirstMove, acts: Sequence[FinalAction], shape: tuple[int, ...],
                  s5: FloatArray, d5: FloatArray, sin5: FloatArray, k5: FloatArray,
                  e5: FloatArray, p5: Mapping[str, FloatArray], kappa_in_defection: bool,
                  c5: FloatArray | None = None
                  ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]:
    """U_C without the breach term, U_T, future harm and U_T's action part for one kind."""
    cons = [consequence(m, f) for f in acts]

    def flag(attr: str) -> FloatArray:
        return np.array([float(getattr(c, attr)) for c in cons])[None, None, None, None, :]

    engaged = float(m.kind is not MoveKind.BOYCOTT)
    kw = dict(recognised=flag("recognised"), plan_b=flag("plan_b"), intervene=flag("intervene"))
    uc = china_utility(engaged=engaged, aid=flag("aid"), grants=flag("grants"), breach=0.0,
                       s=s5, d=d5, sincere=sin5, kappa=k5, effort=e5, p=p5,
                       kappa_in_defection=kappa_in_defection, coopt=c5, **kw)
    ut = taliban_utility(aid=flag("aid"), boycott=float(m.kind is MoveKind.BOYCOTT), s=s5,
                         d=d5, sincere=sin5, effort=e5, p=p5, coopt=c5, **kw)
    fh = future_harm(sincere=sin5, kappa=k5, effort=e5, p=p5,
                     kappa_in_defection=kappa_in_defection, coopt=c5, **kw)[:, :, :, 0, :]
    base = np.ascontiguousarray(np.broadcast_to(uc, shape))
    ut_full = np.ascontiguousarray(np.broadcast_to(ut, shape))
    fh_full = np.ascontiguousarray(np.broadcast_to(fh, (shape[0], shape[1], shape[2],
                                                        shape[4])))
    # U_T separates into a part that depends on the type, effort and signals and a part that
    # depends on China's final action only (recognition, aid, Plan B/intervention). The
    # fast kernel uses the separation when it holds (checked, not assumed).
    g = ut_full[:, 0, 0, 0, :] - ut_full[:, 0, 0, 0, :1]
    # |U_T(·, f) − U_T(·, f₀) − g(f)| ≤ 1e-12 everywhere (a NaN fails), without isclose's
    # many passes over the full array
    gap = ut_full[..., 1:] - ut_full[..., :1]
    gap -= g[:, None, None, None, 1:]
    np.abs(gap, out=gap)
    separable = bool(gap.size == 0 or gap.max() <= 1e-12)
    return base, ut_full, fh_full, g if separable else None
