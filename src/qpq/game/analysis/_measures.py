"""Measuring the propositions (:mod:`qpq.game.analysis._propositions`) at many points at once.

:func:`evaluate` takes parameter arrays (the defaults, a Monte Carlo sample, or either
after a falsification counterpart) and returns, per proposition, whether it holds at each
point, where it is defined, and the quantities behind each verdict. Equilibria come from
the vectorised solver (:func:`qpq.game._ensemble.solve_ensemble`): the selected PBE and
China's preferred continuation after every first move; path statistics from
:func:`qpq.game._paths.path_statistics`; the P5 mechanism from the shared utilities
(:mod:`qpq.model._utilities`) directly. Points are processed in chunks (bounded memory).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from qpq.game._ensemble import EnsembleSolution, _behaviour, solve_ensemble
from qpq.game._kernel import DEFAULT_TOL, profiles
from qpq.game._paths import PathStats, path_statistics
from qpq.game._payoffs import GameTensors, build_tensors
from qpq.game._spec import DEFAULT_READINGS, FULL_GAME, Readings
from qpq.game.analysis._propositions import PROPOSITIONS, SECURITY_ONLY
from qpq.model import (
    Consequence,
    FinalAction,
    FirstMove,
    MoveKind,
    breaks_word,
    consequence,
    defection_prob,
    future_harm,
    suppression_prob,
)

__all__ = ["CHUNK", "MECHANISM_GRID", "P7_TERMS", "PATH_GRID", "Measured", "evaluate",
           "p7_terms"]

FloatArray = NDArray[np.float64]
Params = dict[str, FloatArray]

MECHANISM_GRID = 101
"""Effort intensities for the P5 mechanism (0 to ``crackdown_intensity``)."""
PATH_GRID = 11
"""Crackdown intensities for the P5 path version."""
CHUNK = 1024
"""Points per chunk."""


@dataclass(frozen=True)
class Measured:
    """A proposition measured at n points.

    Attributes
    ----------
    holds
        (n,): the proposition holds (False where undefined).
    defined
        (n,): it can be assessed (e.g. the needed equilibria exist).
    metrics
        Quantities behind the verdict, (n,) arrays (NaN where undefined).
    """

    holds: NDArray[np.bool_]
    defined: NDArray[np.bool_]
    metrics: dict[str, FloatArray]


# --------------------------------------------------------------------------- helpers


def _profile_behaviour(prof_idx: NDArray[np.int64], resp: NDArray[np.integer], n_act: int,
                       n_types: int, n_eff: int) -> tuple[FloatArray, FloatArray]:
    """:func:`qpq.game._ensemble._behaviour` of profile indices (rows of ``profiles``)."""
    return _behaviour(profiles(n_types, n_eff)[prof_idx], resp.astype(np.int64), n_act, n_eff)


def _move_stats(t: GameTensors, sol: EnsembleSolution, mi: int, rows: NDArray[np.int64]
                ) -> PathStats:
    """Path statistics of China's preferred continuation after move ``mi`` at ``rows``."""
    sub = t.take(rows, (mi,))
    talib, china = _profile_behaviour(sol.move_profile[rows, mi], sol.move_response[rows, mi],
                                      sub.u_china[0].shape[-1], len(t.structure.types),
                                      t.structure.n_efforts)
    return path_statistics(sub, 0, talib, china)


def _type_index(sincere: bool, high: bool) -> int:
    return next(i for i, ty in enumerate(FULL_GAME.types)
                if ty.sincere == sincere and ty.high_capacity == high)


def _pay(sol: EnsembleSolution, p: Params) -> FloatArray:
    kinds = np.array([m.kind.value for m in FULL_GAME.first_moves])
    move = np.maximum(sol.selected_move, 0)
    grants = np.where(kinds[move] == MoveKind.RECOGNIZE.value, 1.0,
                      np.where(kinds[move] == MoveKind.ENGAGE.value,
                               sol.stats["p_recognised"], 0.0))
    pay = p["aid_cost"] * sol.stats["p_aid"] + p["recognition_cost"] * grants
    return np.asarray(np.where(sol.has_pure, pay, np.nan))


def choice_margin(t: GameTensors, sol: EnsembleSolution) -> FloatArray:
    """The smallest payoff difference behind the selected path, per point (NaN: no PBE).

    The smaller of (a) China's value of the selected first move minus its value of the
    best other first move (each with China's preferred continuation there; in absolute
    value) and (b) over the types, the payoff of the type's selected effort minus that of
    its best other effort, given China's responses on the path. A margin near 0 means a
    small change of payoffs can change the selected path.
    """
    n = t.n_points
    out = np.full(n, np.nan)
    n_types = len(t.structure.types)
    vals = np.where(sol.move_profile >= 0, sol.move_value, -np.inf)
    for mi in range(len(t.structure.first_moves)):
        rows = np.flatnonzero(sol.selected_move == mi)
        if rows.size == 0:
            continue
        other = np.delete(vals[rows], mi, axis=1)
        china_gap = (np.abs(sol.stats["china_value"][rows] - other.max(axis=1))
                     if other.shape[1] else np.full(rows.size, np.inf))
        eff = profiles(n_types, t.structure.n_efforts)[sol.selected_profile[rows]]  # (r, T)
        resp = sol.move_response[rows, mi].astype(np.int64)                       # (r, S)
        u = np.take_along_axis(t.u_taliban[mi][rows], resp[:, None, None, :, None],
                               axis=4)[..., 0]                                    # (r,T,E,S)
        tv = (t.p_signal[rows] * u).sum(axis=3)                                   # (r, T, E)
        own = np.take_along_axis(tv, eff[..., None], axis=2)[..., 0]
        alt = np.where(np.arange(tv.shape[2])[None, None, :] == eff[..., None], -np.inf,
                       tv).max(
            axis=2)
        out[rows] = np.minimum(china_gap, (own - alt).min(axis=1))
    return out


# --------------------------------------------------------------------------- measures


def _p1(t: GameTensors, sol: EnsembleSolution, tol: float) -> Measured:
    n = t.n_points
    engage = [i for i, m in enumerate(FULL_GAME.first_moves) if m.kind is MoveKind.ENGAGE]
    sec = np.full((n, 2), np.nan)
    harm = np.full((n, 2), np.nan)
    rows = np.flatnonzero(sol.move_profile[:, 0] >= 0)
    st = _move_stats(t, sol, 0, rows)
    sec[rows, 0], harm[rows, 0] = st.security, st.round_harm
    vals = np.where(sol.move_profile[:, engage] >= 0, sol.move_value[:, engage], -np.inf)
    best = np.array(engage)[np.argmax(vals, axis=1)]
    has_e = np.isfinite(vals).any(axis=1)
    for mi in engage:
        r = np.flatnonzero(has_e & (best == mi))
        if r.size:
            st = _move_stats(t, sol, mi, r)
            sec[r, 1], harm[r, 1] = st.security, st.round_harm
    defined = np.isfinite(sec).all(axis=1)
    holds = defined & (sec[:, 1] > sec[:, 0] + tol * (1.0 + np.abs(sec[:, 0])))
    return Measured(holds, defined, {
        "margin": np.abs(sec[:, 1] - sec[:, 0]),
        "security_boycott": sec[:, 0], "security_engage": sec[:, 1],
        "round_harm_boycott": harm[:, 0], "round_harm_engage": harm[:, 1],
        "engage_move": np.where(has_e, best, -1).astype(float)})


def _p2(t: GameTensors, sol: EnsembleSolution) -> Measured:
    eff = sol.efforts
    restrain = (eff == 1).sum(axis=1)
    crack = (eff == 2).sum(axis=1)
    defined = sol.has_pure
    holds = defined & (sol.selected_move != 0) & (restrain > 0) & (crack == 0)
    sincere = [i for i, ty in enumerate(FULL_GAME.types) if ty.sincere]
    return Measured(holds, defined, {
        "margin": choice_margin(t, sol),
        "types_restraining": restrain.astype(float), "types_cracking_down": crack.astype(
            float), "sincere_effort_max": np.where(defined, eff[:, sincere].max(axis=1),
                                                   np.nan)})


def _p3(t: GameTensors, sol: EnsembleSolution) -> Measured:
    sh, sl = _type_index(True, True), _type_index(True, False)
    gap = t.p_s[:, sh, 2] - t.p_s[:, sl, 2]
    eff = np.maximum(sol.efforts, 0)
    idx = np.arange(t.n_points)
    path_l = t.p_s[idx, sl, eff[:, sl]]
    path_h = t.p_s[idx, sh, eff[:, sh]]
    on_path = np.where(sol.has_pure, (path_l < path_h).astype(float), np.nan)
    return Measured(gap > 1e-12, np.ones(t.n_points, dtype=bool), {
        "margin": np.abs(gap), "cap_gap": gap, "p_suppressed_sincere_low": t.p_s[:, sl, 2],
        "p_suppressed_sincere_high": t.p_s[:, sh, 2], "holds_on_path": on_path})


def _p4(t: GameTensors, sol: EnsembleSolution) -> Measured:
    n = t.n_points
    close = np.array([g.r_close == 1 for g in FULL_GAME.signals])
    p_rec = np.full(n, np.nan)
    p_hold = np.full(n, np.nan)
    for mi, m in enumerate(FULL_GAME.first_moves):
        rows = np.flatnonzero(sol.selected_move == mi)
        if rows.size == 0 or m.kind is not MoveKind.ENGAGE:
            continue
        st = _move_stats(t, sol, mi, rows)
        acts = FULL_GAME.actions(m)
        rec = np.array([consequence(m, f).recognised for f in acts])
        resp = sol.move_response[rows, mi].astype(np.int64)                 # (r, S)
        w = st.p_signal * close
        p_rec[rows] = (w * rec[resp]).sum(axis=1) / w.sum(axis=1)
        p_hold[rows] = (w * (resp == acts.index(FinalAction.WITHHOLD))).sum(axis=1) / w.sum(
            axis=1)
    kinds = np.array([m.kind is MoveKind.ENGAGE for m in FULL_GAME.first_moves])
    engages = sol.has_pure & kinds[np.maximum(sol.selected_move, 0)]
    holds = engages & (p_hold >= 0.5)
    return Measured(holds, sol.has_pure, {
        "margin": choice_margin(t, sol), "engages": engages.astype(float),
        "p_withhold_if_close": p_hold,
        "p_recognised_if_close": p_rec, "p_recognised": sol.stats["p_recognised"],
        "first_move": sol.selected_move.astype(float)})


def _p5_mechanism(p: Mapping[str, FloatArray], tol: float, readings: Readings) -> Measured:
    n = p["iskp_pull"].shape[0]
    col = {k: np.asarray(v, dtype=float)[:, None] for k, v in p.items()}
    x = col["crackdown_intensity"] * np.linspace(0.0, 1.0, MECHANISM_GRID)[None, :]
    kappa = col["capacity_high"]
    pressure = kappa * x
    round_h = col["etim_threat"] * (1.0 - suppression_prob(pressure, col)) + col[
        "iskp_threat"] * defection_prob(pressure, col)
    fut = future_harm(sincere=1.0, kappa=kappa, effort=x, recognised=0.0, plan_b=0.0,
                      intervene=0.0, p=col,
                      kappa_in_defection=readings.kappa_in_future_defection)
    sec = -(round_h + col["future_weight"] * fut)
    holds, k, drop = _interior_peak(sec, tol)
    holds_round, _, _ = _interior_peak(-round_h, tol)
    return Measured(holds, np.ones(n, dtype=bool), {
        "margin": drop, "peak_intensity": x[np.arange(n), k], "security_drop": drop,
        "falls_from_zero": ((k == 0) & (drop > 0)).astype(float),
        "holds_this_round_only": holds_round.astype(float)})


def _interior_peak(sec: FloatArray, tol: float
                   ) -> tuple[NDArray[np.bool_], NDArray[np.int64], FloatArray]:
    """Rows whose maximum is inside (not at either end, by more than tol at the top)."""
    n = sec.shape[0]
    k = np.argmax(sec, axis=1)
    top = sec[np.arange(n), k]
    drop = top - sec[:, -1]
    big = drop > tol * (1.0 + np.abs(top))
    return (k > 0) & big, k, np.where(big, drop, 0.0)


def _p5_path(p: Params, sol: EnsembleSolution, c_low: float, tol: float) -> Measured:
    structure = sol.structure
    n = p["iskp_pull"].shape[0]
    lo = np.maximum(c_low, p["restrain_intensity"] + 1e-3)
    grid = lo[:, None] + (1.0 - lo[:, None]) * np.linspace(0.0, 1.0, PATH_GRID)[None, :]
    sec = np.full((n, PATH_GRID), np.nan)
    for mi, m in enumerate(FULL_GAME.first_moves):
        rows = np.flatnonzero(sol.selected_move == mi)
        if rows.size == 0:
            continue
        rep = {k: np.repeat(v[rows], PATH_GRID) for k, v in p.items()}
        rep["crackdown_intensity"] = grid[rows].reshape(-1)
        sub = build_tensors(rep, replace(structure, first_moves=(m,)))
        prof = np.repeat(sol.selected_profile[rows], PATH_GRID)
        resp = np.repeat(sol.move_response[rows, mi], PATH_GRID, axis=0)
        talib, china = _profile_behaviour(prof, resp, sub.u_china[0].shape[-1],
                                          len(FULL_GAME.types), FULL_GAME.n_efforts)
        sec[rows] = path_statistics(sub, 0, talib, china).security.reshape(-1, PATH_GRID)
    defined = sol.has_pure
    cracks = defined & (sol.efforts == 2).any(axis=1)
    safe = np.where(np.isfinite(sec), sec, -np.inf)
    k = np.argmax(safe, axis=1)
    top = safe[np.arange(n), k]
    drop = np.where(defined, top - sec[:, -1], np.nan)
    holds = cracks & (k < PATH_GRID - 1) & (drop > tol * (1.0 + np.abs(top)))
    return Measured(holds, defined, {
        "margin": np.abs(drop), "crackdown_on_path": cracks.astype(float),
        "security_drop": drop,
        "peak_crackdown": np.where(defined, grid[np.arange(n), k], np.nan)})


def _p6(p: Params, present: EnsembleSolution, absent: EnsembleSolution, tol: float
        ) -> Measured:
    pay1, pay0 = _pay(present, {**p, "us_presence": np.ones_like(p["us_presence"])}), _pay(
        absent, p)
    defined = present.has_pure & absent.has_pure
    holds = defined & (pay1 < pay0 - tol * (1.0 + np.abs(pay0))) & (
        present.selected_move <= absent.selected_move)
    return Measured(holds, defined, {
        "margin": np.abs(pay0 - pay1), "pay_us_present": pay1, "pay_us_absent": pay0,
        "first_move_us_present": present.selected_move.astype(float),
        "first_move_us_absent": absent.selected_move.astype(float),
        "security_motivated": (p["econ_gain"] <= p["aid_cost"]).astype(float)})


P7_TERMS = ("cost", "security_at_zero_effort", "aid_saved", "recognition_cost",
            "relationship", "reneging", "effort_dependent_harm")
"""The exact P7 condition's terms (their sum is Plan B's payoff minus intervention's)."""


def p7_terms(t: GameTensors, m: FirstMove, w: FloatArray, effort: FloatArray,
             p: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """China's payoff of Plan B minus that of intervention at each information set, by term.

    The exact condition of P7 at one information set (m, s = 0, d, r) is that the sum of
    these terms, averaged over China's posterior there, is positive. U_C(PlanB) −
    U_C(Intervene) at the same (type, effort, s, d) has this round's harm and
    ``econ_gain`` in common, so what remains is, from the shared utilities:

    * ``cost`` — (1 + ``future_weight``)·(``intervene_cost`` − ``planb_cost``);
    * ``security_at_zero_effort`` — −``w_security``·``future_weight``·(future harm under
      Plan B − under intervention) with no continued effort: with ``cost`` this is the
      spec's analytic reduction;
    * ``aid_saved`` — −``aid_cost``·(A under Plan B − A under intervention): after Engage
      or Recognize, Plan B keeps paying aid and intervention saves it;
    * ``recognition_cost`` — −``recognition_cost``·ΔG (0: G is sunk after Recognize);
    * ``relationship`` — ΔR·V_θ: intervening after Recognize ends recognition and its
      relationship value;
    * ``reneging`` — −``reneging_cost``·Δbreach: intervening after Recognize is a breach;
    * ``effort_dependent_harm`` — the security term at the type's actual effort minus
      ``security_at_zero_effort`` (continued effort cuts future ETIM harm and feeds
      ISKP).

    Parameters
    ----------
    t
        The tensors (for the structure and its readings).
    m
        The first move.
    w
        (r, T, S) posterior weights (unnormalised) of each type at each signal.
    effort
        (r, T) each type's effort intensity.
    p
        Parameters, (r,) arrays.

    Returns (r, S) arrays, one per name in :data:`P7_TERMS`.
    """
    st = t.structure
    kappa_reading = st.readings.kappa_in_future_defection
    pb, iv = consequence(m, FinalAction.PLAN_B), consequence(m, FinalAction.INTERVENE)
    col = {k: np.asarray(v, dtype=float)[:, None] for k, v in p.items()}
    sincere = np.array([float(ty.sincere) for ty in st.types])[None, :]
    kappa = np.where(np.array([ty.high_capacity for ty in st.types])[None, :],
                     col["capacity_high"], col["capacity_low"])

    def harm(c: Consequence, e: FloatArray | float) -> FloatArray:
        return future_harm(sincere=sincere, kappa=kappa, effort=e,
                           recognised=float(c.recognised), plan_b=float(c.plan_b),
                           intervene=float(c.intervene), p=col,
                           kappa_in_defection=kappa_reading)

    weight = col["w_security"] * col["future_weight"]
    sec = -weight * (harm(pb, effort) - harm(iv, effort))                  # (r, T)
    sec0 = -weight * (harm(pb, 0.0) - harm(iv, 0.0))
    value = sincere * col["future_value_sincere"] + (1 - sincere) * col[
        "future_value_insincere"]
    post = w / w.sum(axis=1, keepdims=True)                                # (r, T, S)

    def mean(x: FloatArray) -> FloatArray:
        return np.asarray((post * np.broadcast_to(x, post.shape[:2])[:, :, None]).sum(axis=1))

    sig = st.signals
    s_v, d_v = np.array([g.s for g in sig]), np.array([g.d for g in sig])
    r_v = np.array([g.r_close or 0 for g in sig])
    breach = (breaks_word(m, FinalAction.PLAN_B, s_v, d_v, r_v).astype(float)
              - breaks_word(m, FinalAction.INTERVENE, s_v, d_v, r_v).astype(float))
    n_sig = len(sig)
    ones = np.ones((w.shape[0], n_sig))
    return {
        "cost": ones * (1.0 + col["future_weight"]) * (col["intervene_cost"]
                                                       - col["planb_cost"]),
        "security_at_zero_effort": mean(sec0),
        "aid_saved": ones * -col["aid_cost"] * (float(pb.aid) - float(iv.aid)),
        "recognition_cost": ones * -col["recognition_cost"] * (float(pb.grants)
                                                               - float(iv.grants)),
        "relationship": (float(pb.recognised) - float(iv.recognised)) * mean(value),
        "reneging": -col["reneging_cost"] * breach[None, :],
        "effort_dependent_harm": mean(sec - sec0),
    }


def _p7(t: GameTensors, sol: EnsembleSolution, p: Params, tol: float) -> Measured:
    n = t.n_points
    fail = np.array([g.s == 0 for g in FULL_GAME.signals])
    prefer = np.zeros(n)
    count = np.zeros(n)
    everywhere = np.ones(n, dtype=bool)
    closest = np.full(n, np.inf)
    binding = np.full(n, np.inf)
    terms_at = {k: np.full(n, np.nan) for k in P7_TERMS}
    for mi, m in enumerate(FULL_GAME.first_moves):
        rows = np.flatnonzero(sol.move_profile[:, mi] >= 0)
        acts = FULL_GAME.actions(m)
        i_pb, i_in = acts.index(FinalAction.PLAN_B), acts.index(FinalAction.INTERVENE)
        eff = profiles(len(FULL_GAME.types), FULL_GAME.n_efforts)[
            sol.move_profile[rows, mi]]                                             # (r, T)
        u = t.u_china[mi][rows]                                                     # (r,T,E,S,F)
        w = t.prior[rows][:, :, None] * np.take_along_axis(
            t.p_signal[rows], eff[:, :, None, None], axis=2)[:, :, 0]               # (r, T, S)
        u_eff = np.take_along_axis(u, eff[:, :, None, None, None], axis=2)[:, :, 0]  # (r,T,S,F)
        num_pb = (w * u_eff[..., i_pb]).sum(axis=1)[:, fail]
        num_in = (w * u_eff[..., i_in]).sum(axis=1)[:, fail]
        den = w.sum(axis=1)[:, fail]
        diff = (num_pb - num_in) / den
        better = diff > tol * (1.0 + np.abs(num_in / den))
        closest[rows] = np.minimum(closest[rows], np.abs(diff).min(axis=1))
        # the exact condition's terms at the binding information set (smallest difference)
        terms = p7_terms(t, m, w, t.effort[rows[:, None], eff], {k: v[rows] for k, v in
                                                                   p.items()})
        j = np.argmin(diff, axis=1)
        lower = diff[np.arange(rows.size), j] < binding[rows]
        upd = rows[lower]
        binding[upd] = diff[np.arange(rows.size), j][lower]
        for k in P7_TERMS:
            terms_at[k][upd] = terms[k][:, fail][np.arange(rows.size), j][lower]
        prefer[rows] += better.sum(axis=1)
        count[rows] += better.shape[1]
        everywhere[rows] &= better.all(axis=1)
    c = p["planb_covers_iskp"]
    analytic = (p["intervene_effect"] - p["planb_effect"]) * p["w_security"] * p[
        "future_weight"] * (p["etim_threat"] + c * p["iskp_threat"] * defection_prob(
            0.0, p)) < (1.0 + p["future_weight"]) * (p["intervene_cost"] - p["planb_cost"])
    defined = count > 0
    holds = defined & everywhere
    return Measured(holds, defined, {
        "margin": np.where(defined, closest, np.nan),
        "share_failed_sets_preferring_plan_b": np.where(defined, prefer / np.maximum(
            count, 1), np.nan), "analytic_reduction_holds": analytic.astype(float),
        "agrees_with_reduction": (analytic == holds).astype(float),
        "binding_difference": np.where(defined, binding, np.nan),
        **{f"term_{k}": terms_at[k] for k in P7_TERMS}})


# --------------------------------------------------------------------------- evaluate


def evaluate(params: Mapping[str, NDArray[np.float64]], *, crackdown_low: float = 0.5,
             tol: float = DEFAULT_TOL, chunk: int = CHUNK,
             only: Iterable[str] | None = None, readings: Readings = DEFAULT_READINGS
             ) -> dict[str, Measured]:
    """Measure the propositions at every point of ``params`` (validated arrays).

    Parameters
    ----------
    params
        ``name -> (n,)`` arrays for every parameter.
    crackdown_low
        Bottom of ``crackdown_intensity``'s plausible range (the P5 path version's grid).
    tol
        Relative tolerance of the strict comparisons (and of the solver).
    chunk
        Points per chunk (bounds the memory used).
    only
        Proposition ids to measure (default: all), skipping the work the others need.
    readings
        The model's named reading choices (:class:`qpq.game.Readings`).
    """
    structure = replace(FULL_GAME, readings=readings)
    want = {p.id for p in PROPOSITIONS} if only is None else set(only)
    flat = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in params.items()}
    n = max(v.shape[0] for v in flat.values())
    flat = {k: np.ascontiguousarray(np.broadcast_to(v, (n,))) for k, v in flat.items()}
    parts: list[dict[str, Measured]] = []
    for lo in range(0, n, chunk):
        p = {k: v[lo:lo + chunk] for k, v in flat.items()}
        got: dict[str, Measured] = {}
        sol: EnsembleSolution | None = None
        if "P5m" in want:
            got["P5m"] = _p5_mechanism(p, tol, readings)
        if want & {"P1", "P2", "P3", "P4", "P5p", "P7"}:
            sol = solve_ensemble(p, structure, tol=tol, workers=1)
            t = build_tensors(p, structure)
            if "P1" in want:
                got["P1"] = _p1(t, sol, tol)
            if "P2" in want:
                got["P2"] = _p2(t, sol)
            if "P3" in want:
                got["P3"] = _p3(t, sol)
            if "P4" in want:
                got["P4"] = _p4(t, sol)
            if "P5p" in want:
                got["P5p"] = _p5_path(p, sol, crackdown_low, tol)
            if "P7" in want:
                got["P7"] = _p7(t, sol, p, tol)
        if want & {"P6", "P6s"}:
            ones, zeros = np.ones_like(p["us_presence"]), np.zeros_like(p["us_presence"])
            present = solve_ensemble({**p, "us_presence": ones}, structure, tol=tol, workers=1)
            absent = (sol if sol is not None and not p["us_presence"].any() else
                      solve_ensemble({**p, "us_presence": zeros}, structure, tol=tol,
                                     workers=1))
            p6 = _p6(p, present, absent, tol)
            secure = SECURITY_ONLY.test(p)
            got["P6"] = p6
            got["P6s"] = Measured(p6.holds & secure, p6.defined & secure, p6.metrics)
        parts.append({k: v for k, v in got.items() if k in want})
    out: dict[str, Measured] = {}
    for key in parts[0]:
        out[key] = Measured(
            holds=np.concatenate([q[key].holds for q in parts]),
            defined=np.concatenate([q[key].defined for q in parts]),
            metrics={m: np.concatenate([q[key].metrics[m] for q in parts])
                     for m in parts[0][key].metrics})
    return out
