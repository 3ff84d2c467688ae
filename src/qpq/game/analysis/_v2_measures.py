"""The propositions measured on model v2's repeated relationship (docs/model-game.md §8.2).

:func:`evaluate_v2` is v2's counterpart of :func:`qpq.game.analysis._measures.evaluate`:
parameter arrays in, per proposition ``holds``/``defined``/metrics out, so that the lens's
verdict protocol (:mod:`qpq.game.analysis._verdicts`) and the study
(:func:`qpq.game.analysis._study.run_study` with ``model="v2"``) take it as they take v1.
Equilibria come from :func:`qpq.game.solve_relationship` (one stationary equilibrium per
point, pure or traced mixed); every quantity is read off its behaviour strategies, so a
mixed point is judged on its probabilities (any probability above 1e-12 counts as played)
and its regret is reported beside it.

How each proposition reads in the relationship (unrecognised state = where China chooses
its first move; "security" = −(expected discounted harm from the unrecognised state, in
harm units), the harm stream the strategies realise, Plan B's and intervention's relief of
next quarter's harm included):

* P1 — security when China opens this quarter with its best Engage[ρ] (by its own value,
  the equilibrium's strategies after that move and the relationship's continuation) exceeds
  security when it opens with Boycott: v1's "preferred continuation after a first move" with
  W replaced by the relationship's values (a one-quarter deviation; the relationship goes
  on as in equilibrium afterwards).
* P2 — in the unrecognised state, on the path: China does not boycott, some type
  restrains and no type cracks down.
* P3 — the capacity cap of the shared utilities (v2 does not change it): at a crackdown the
  sincere low-capacity type suppresses with lower probability than the sincere
  high-capacity type; the path version reads the unrecognised state's efforts.
* P4 — in the unrecognised state China's (most probable) first move is Engage[ρ] and,
  after a UN report of "close ties", it most likely withholds: P(Withhold | close) ≥ 1/2.
* P5m — the mechanism of one quarter (v2's stage has no W: ``future_weight`` = 0): a sincere
  high-capacity type at fixed effort x every quarter, never recognised, no Plan B — security
  is the stage harm over 1 − δ, so the test is v1's on the stage parameters.
* P5p — the relationship's strategies held fixed (both states), security as a function of
  ``crackdown_intensity`` peaks below the top of its range, where some type cracks down.
* P6 / P6s — with ``us_presence`` = 1 China's expected discounted payments from the
  unrecognised state (``aid_cost`` per quarter of aid, ``recognition_cost`` per grant) are
  lower than with 0, and its (most probable) first move is no more committal.
* P7 — at every information set where the Taliban failed (s = 0), after every first move
  and in both states, China's expected payoff of Plan B (continuation included) exceeds
  that of intervention, at its Bayes posterior under the strategies.
* P8 (what matters most) is a sensitivity ranking, the exploration lens's, with no
  counterpart here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from qpq.game._kernel import DEFAULT_TOL
from qpq.game._relationship import (
    Relationship,
    _evaluate,
    _payoffs,
    _play,
    _Played,
    _Stage,
    _stage,
    _values,
    solve_relationship,
    stage_params,
)
from qpq.game._relationship_mixed import _Q, Mixed, one_hot
from qpq.game._spec import DEFAULT_READINGS, FULL_GAME, Effort, GameStructure, Readings
from qpq.game.analysis._measures import Measured, evaluate
from qpq.game.analysis._propositions import SECURITY_ONLY
from qpq.model import FinalAction, FirstMove, MoveKind, consequence
from qpq.parallel import ChunkExecutor, InProcess, dealt, map_ordered

__all__ = ["V2_PROPOSITIONS", "Point", "V2Evaluator", "evaluate_v2", "payments",
           "security_after_moves", "solve_point"]

FloatArray = NDArray[np.float64]
Params = dict[str, FloatArray]

V2_PROPOSITIONS = ("P1", "P2", "P3", "P4", "P5m", "P5p", "P6", "P6s", "P7")
"""The propositions with a v2 reading (P8 is the exploration lens's)."""

PATH_GRID = 11
"""Crackdown intensities for the P5 path version (as v1's)."""
_MASS = 1e-12


@dataclass(frozen=True)
class Point:
    """The relationship at n points with what the measures read off it.

    ``q``: every action's expected payoff in each state given the strategies' own values
    (China's first moves, each type's efforts, China's final actions); ``plays``: each
    state's expected stage quantities under the strategies.
    """

    rel: Relationship
    stages: tuple[_Stage, _Stage]
    q: tuple[_Q, _Q]
    plays: tuple[_Played, _Played]


def _flat(params: Mapping[str, FloatArray]) -> Params:
    flat = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in params.items()}
    n = max(v.shape[0] for v in flat.values())
    return {k: np.broadcast_to(v, (n,)).copy() for k, v in flat.items()}


def _stages(flat: Mapping[str, FloatArray], structure: GameStructure
            ) -> tuple[_Stage, _Stage]:
    # the same two stages solve_relationship builds (the recognised state: Recognize in
    # force, whatever the structure lists)
    rec = replace(structure, first_moves=(FirstMove(MoveKind.RECOGNIZE),))
    return _stage(flat, structure, recognised=False), _stage(flat, rec, recognised=True)


def solve_point(params: Mapping[str, FloatArray], structure: GameStructure,
                tol: float) -> Point:
    """Solve the relationship and the quantities the measures need, at every point."""
    flat = _flat(params)
    rel = solve_relationship(flat, structure, tol=tol)
    stages = _stages(flat, structure)
    q0, q1, plays, _, _ = _payoffs(stages, rel.strategies, flat["quarterly_discount"],
                                   flat["w_security"])
    return Point(rel, stages, (q0, q1), plays)


def _security_of(plays: tuple[_Played, _Played], delta: FloatArray) -> FloatArray:
    """(n, T, 2): −(discounted expected harm) by type and state, relief included."""
    harmed = tuple(replace(p, china=-(p.harm_etim + p.harm_iskp)) for p in plays)
    sec, _, _ = _values((harmed[0], harmed[1]), delta, np.ones_like(delta))
    return sec


def _discounted(plays: tuple[_Played, _Played], flows: tuple[FloatArray, FloatArray],
                delta: FloatArray) -> FloatArray:
    """(n, T, 2): the discounted sum of a per-state flow (n, T) under the strategies."""
    zero = np.zeros_like(plays[0].relief_etim)
    fake = tuple(replace(p, china=f, relief_etim=zero, relief_iskp=zero)
                 for p, f in zip(plays, flows, strict=True))
    out, _, _ = _values((fake[0], fake[1]), delta, np.zeros_like(delta))
    return out


def security_after_moves(pt: Point) -> FloatArray:
    """(n, M): China's security at its prior after each first move in the unrecognised state.

    This quarter is played with the equilibrium's strategies after that move; from next
    quarter the relationship continues in equilibrium (its discounted harm in the state the
    quarter ends in, less the share of next quarter's harm Plan B or intervention removes).
    """
    st0 = pt.stages[0]
    t = st0.tensors
    delta = pt.rel.discount
    sec = _security_of(pt.plays, delta)                                  # (n, T, 2)
    harm = np.stack([np.stack([p.harm_etim, p.harm_iskp], axis=-1) for p in pt.plays],
                    axis=2)                                              # (n, T, 2, 2)
    s0 = pt.rel.strategies[0]
    n_m = len(t.structure.first_moves)
    out = np.zeros((t.n_points, n_m))
    d = delta[:, None]
    for mi in range(n_m):
        forced = Mixed(one_hot(np.full(t.n_points, mi), n_m), s0.effort, s0.response)
        p = _play(st0, forced)
        relief = (p.relief_etim * harm[..., 0] + p.relief_iskp * harm[..., 1]).sum(axis=-1)
        a = p.to_recognised
        by_type = (-(p.harm_etim + p.harm_iskp) + d * relief
                   + d * ((1.0 - a) * sec[..., 0] + a * sec[..., 1]))
        out[:, mi] = (t.prior * by_type).sum(axis=1)
    return out


def _efforts_on_path(pt: Point, state: int) -> FloatArray:
    """(n, T, E): each type's effort probabilities on the path in one state."""
    s = pt.rel.strategies[state]
    return np.asarray(sum(s.move[:, mi][:, None, None] * e for mi, e in enumerate(s.effort)))


def _effort_index(structure: GameStructure, effort: Effort) -> int:
    return structure.efforts.index(effort)


def _choice_margin(pt: Point) -> FloatArray:
    """The smallest payoff difference behind the unrecognised state's most probable path.

    The smaller of China's value of its first move minus that of its best other first move
    and, over the types, the value of the type's effort minus its best other effort — both
    given the relationship's values (0 where the strategies mix: the choices are tied).
    """
    q = pt.q[0]
    rel = pt.rel
    n = rel.n_points
    rows = np.arange(n)
    mv = q.move
    chosen = mv[rows, rel.first_move]
    other = np.where(one_hot(rel.first_move, mv.shape[1]) > 0, -np.inf, mv).max(axis=1)
    china = chosen - other
    qe = np.stack(q.effort, axis=1)[rows, rel.first_move]                # (n, T, E)
    eff = rel.effort[:, 0].astype(np.int64)                              # (n, T)
    own = np.take_along_axis(qe, eff[..., None], axis=-1)[..., 0]
    rest = np.where(one_hot(eff, qe.shape[-1]) > 0, -np.inf, qe).max(axis=-1)
    types = (own - rest).min(axis=1)
    return np.asarray(np.minimum(china, types))


def _pbe_metrics(pt: Point) -> dict[str, FloatArray]:
    rel = pt.rel
    return {"mixed": (~rel.pure.all(axis=1)).astype(float), "regret": rel.regret.copy(),
            "china_value": rel.value.copy()}


def _p1(pt: Point, tol: float) -> Measured:
    moves = pt.rel.structure.first_moves
    engage = [i for i, m in enumerate(moves) if m.kind is MoveKind.ENGAGE]
    boycott = next(i for i, m in enumerate(moves) if m.kind is MoveKind.BOYCOTT)
    sec = security_after_moves(pt)
    best = np.array(engage)[np.argmax(pt.q[0].move[:, engage], axis=1)]
    rows = np.arange(pt.rel.n_points)
    sec_e, sec_b = sec[rows, best], sec[:, boycott]
    holds = sec_e > sec_b + tol * (1.0 + np.abs(sec_b))
    return Measured(holds, np.ones_like(holds), {
        "margin": np.abs(sec_e - sec_b), "security_boycott": sec_b, "security_engage": sec_e,
        "engage_move": best.astype(float), **_pbe_metrics(pt)})


def _p2(pt: Point) -> Measured:
    st = pt.rel.structure
    eff = _efforts_on_path(pt, 0)
    boycott = next(i for i, m in enumerate(st.first_moves) if m.kind is MoveKind.BOYCOTT)
    restrain = (eff[..., _effort_index(st, Effort.RESTRAIN)] > _MASS).sum(axis=1)
    crack = (eff[..., _effort_index(st, Effort.CRACKDOWN)] > _MASS).sum(axis=1)
    no_boycott = pt.rel.strategies[0].move[:, boycott] <= _MASS
    holds = no_boycott & (restrain > 0) & (crack == 0)
    eff1 = _efforts_on_path(pt, 1)
    return Measured(holds, np.ones_like(holds), {
        "margin": _choice_margin(pt), "types_restraining": restrain.astype(float),
        "types_cracking_down": crack.astype(float),
        "types_acting_recognised": (1.0 - eff1[..., _effort_index(st, Effort.HARBOUR)]
                                    > _MASS).sum(axis=1).astype(float),
        **_pbe_metrics(pt)})


def _type_index(st: GameStructure, sincere: bool, high: bool) -> int:
    return next(i for i, ty in enumerate(st.types)
                if ty.sincere == sincere and ty.high_capacity == high)


def _p3(pt: Point) -> Measured:
    st = pt.rel.structure
    t = pt.stages[0].tensors
    sh, sl = _type_index(st, True, True), _type_index(st, True, False)
    crack = _effort_index(st, Effort.CRACKDOWN)
    gap = t.p_s[:, sh, crack] - t.p_s[:, sl, crack]
    eff = _efforts_on_path(pt, 0)
    path_l = (eff[:, sl] * t.p_s[:, sl]).sum(axis=-1)
    path_h = (eff[:, sh] * t.p_s[:, sh]).sum(axis=-1)
    n = t.n_points
    return Measured(gap > 1e-12, np.ones(n, dtype=bool), {
        "margin": np.abs(gap), "cap_gap": gap,
        "p_suppressed_sincere_low": t.p_s[:, sl, crack],
        "p_suppressed_sincere_high": t.p_s[:, sh, crack],
        "holds_on_path": (path_l < path_h).astype(float)})


def _p4(pt: Point) -> Measured:
    rel = pt.rel
    st = rel.structure
    t = pt.stages[0].tensors
    n = rel.n_points
    close = np.array([g.r_close == 1 for g in st.signals])
    kinds = np.array([m.kind is MoveKind.ENGAGE for m in st.first_moves])
    engages = kinds[rel.first_move]
    p_hold = np.full(n, np.nan)
    s0 = rel.strategies[0]
    for mi, m in enumerate(st.first_moves):
        rows = np.flatnonzero(rel.first_move == mi)
        if rows.size == 0 or m.kind is not MoveKind.ENGAGE:
            continue
        joint = (t.prior[rows][:, :, None, None] * s0.effort[mi][rows][..., None]
                 * t.p_signal[rows])                                     # (r, T, E, S)
        w = joint.sum(axis=(1, 2)) * close
        hold = s0.response[mi][rows][..., st.actions(m).index(FinalAction.WITHHOLD)]
        p_hold[rows] = (w * hold).sum(axis=1) / w.sum(axis=1)
    holds = engages & (np.nan_to_num(p_hold) >= 0.5)
    return Measured(holds, np.ones(n, dtype=bool), {
        "margin": _choice_margin(pt), "engages": engages.astype(float),
        "p_withhold_if_close": p_hold, "first_move": rel.first_move.astype(float),
        **_pbe_metrics(pt)})


def _p5_mechanism(flat: Params, tol: float, readings: Readings) -> Measured:
    # the stage has no look-ahead (future_weight = 0): v1's mechanism on one quarter
    return evaluate(stage_params(flat, False), tol=tol, only=["P5m"],
                    readings=readings)["P5m"]


def _p5_path(flat: Params, pt: Point, c_low: float, tol: float) -> Measured:
    rel = pt.rel
    st = rel.structure
    n = rel.n_points
    lo = np.maximum(c_low, flat["restrain_intensity"] + 1e-3)
    grid = lo[:, None] + (1.0 - lo[:, None]) * np.linspace(0.0, 1.0, PATH_GRID)[None, :]
    rep = {k: np.repeat(v, PATH_GRID) for k, v in flat.items()}
    rep["crackdown_intensity"] = grid.reshape(-1)
    stages = _stages(rep, st)
    rows = np.repeat(np.arange(n), PATH_GRID)
    fixed = (rel.strategies[0].take(rows), rel.strategies[1].take(rows))
    plays, *_ = _evaluate(stages, fixed, rep["quarterly_discount"], rep["w_security"])
    sec_t = _security_of(plays, rep["quarterly_discount"])[..., 0]       # (nG, T)
    sec = (stages[0].tensors.prior * sec_t).sum(axis=1).reshape(n, PATH_GRID)
    crack = _effort_index(st, Effort.CRACKDOWN)
    cracks = ((_efforts_on_path(pt, 0)[..., crack] > _MASS).any(axis=1)
              | (_efforts_on_path(pt, 1)[..., crack] > _MASS).any(axis=1))
    k = np.argmax(sec, axis=1)
    top = sec[np.arange(n), k]
    drop = top - sec[:, -1]
    holds = cracks & (k < PATH_GRID - 1) & (drop > tol * (1.0 + np.abs(top)))
    return Measured(holds, np.ones(n, dtype=bool), {
        "margin": np.abs(drop), "crackdown_on_path": cracks.astype(float),
        "security_drop": drop, "peak_crackdown": grid[np.arange(n), k], **_pbe_metrics(pt)})


def payments(pt: Point, flat: Mapping[str, FloatArray]) -> FloatArray:
    """(n,): China's expected discounted payments from the unrecognised state at its prior.

    ``aid_cost`` for every quarter aid flows and ``recognition_cost`` for every grant made
    from the unrecognised state (once recognised, the status costs nothing more).
    """
    flows = []
    for x, (stage, s) in enumerate(zip(pt.stages, pt.rel.strategies, strict=True)):
        t = stage.tensors
        flow = np.zeros(t.prior.shape)
        for mi, m in enumerate(t.structure.first_moves):
            acts = t.structure.actions(m)
            cost = np.stack([flat["aid_cost"] * consequence(m, f).aid
                             + (x == 0) * flat["recognition_cost"] * consequence(m, f).grants
                             for f in acts], axis=-1)                       # (n, F)
            by_sig = np.einsum("nte,ntes->nts", s.effort[mi], t.p_signal)
            act = np.einsum("nts,nsf->ntf", by_sig, s.response[mi])
            flow += s.move[:, mi][:, None] * (act * cost[:, None, :]).sum(axis=-1)
        flows.append(flow)
    disc = _discounted(pt.plays, (flows[0], flows[1]), pt.rel.discount)
    return np.asarray((pt.stages[0].tensors.prior * disc[..., 0]).sum(axis=1))


def _p6(flat: Params, present: Point, absent: Point, tol: float) -> Measured:
    pay1 = payments(present, {**flat, "us_presence": np.ones_like(flat["us_presence"])})
    pay0 = payments(absent, flat)
    holds = (pay1 < pay0 - tol * (1.0 + np.abs(pay0))) & (
        present.rel.first_move <= absent.rel.first_move)
    mixed = np.maximum(_pbe_metrics(present)["mixed"], _pbe_metrics(absent)["mixed"])
    return Measured(holds, np.ones_like(holds), {
        "margin": np.abs(pay0 - pay1), "pay_us_present": pay1, "pay_us_absent": pay0,
        "first_move_us_present": present.rel.first_move.astype(float),
        "first_move_us_absent": absent.rel.first_move.astype(float),
        "security_motivated": (flat["econ_gain"] <= flat["aid_cost"]).astype(float),
        "mixed": mixed, "regret": np.maximum(present.rel.regret, absent.rel.regret)})


def _p7(pt: Point, tol: float) -> Measured:
    n = pt.rel.n_points
    holds = np.ones(n, dtype=bool)
    margin = np.full(n, np.inf)
    for stage, q in zip(pt.stages, pt.q, strict=True):
        st = stage.tensors.structure
        fail = np.array([g.s == 0 for g in st.signals])
        for mi, m in enumerate(st.first_moves):
            acts = st.actions(m)
            qr = q.response[mi][:, fail]                                   # (n, S0, F)
            pb = qr[..., acts.index(FinalAction.PLAN_B)]
            iv = qr[..., acts.index(FinalAction.INTERVENE)]
            holds &= (pb - iv > tol * (1.0 + np.abs(iv))).all(axis=1)
            margin = np.minimum(margin, np.abs(pb - iv).min(axis=1))
    return Measured(holds, np.ones(n, dtype=bool), {"margin": margin, **_pbe_metrics(pt)})


def _key(flat: Mapping[str, FloatArray]) -> bytes:
    return b"".join(k.encode() + np.ascontiguousarray(flat[k]).tobytes() for k in sorted(flat))


def _measure(flat: Params, want: set[str], structure: GameStructure, tol: float,
             crackdown_low: float) -> dict[str, Measured]:
    got: dict[str, Measured] = {}
    if "P5m" in want:
        got["P5m"] = _p5_mechanism(flat, tol, structure.readings)
    absent: Point | None = None
    if want & {"P1", "P2", "P3", "P4", "P5p", "P7"}:
        pt = solve_point(flat, structure, tol)
        absent = pt if not flat["us_presence"].any() else None
        if "P1" in want:
            got["P1"] = _p1(pt, tol)
        if "P2" in want:
            got["P2"] = _p2(pt)
        if "P3" in want:
            got["P3"] = _p3(pt)
        if "P4" in want:
            got["P4"] = _p4(pt)
        if "P5p" in want:
            got["P5p"] = _p5_path(flat, pt, crackdown_low, tol)
        if "P7" in want:
            got["P7"] = _p7(pt, tol)
    if want & {"P6", "P6s"}:
        ones, zeros = np.ones_like(flat["us_presence"]), np.zeros_like(flat["us_presence"])
        present = solve_point({**flat, "us_presence": ones}, structure, tol)
        if absent is None:
            absent = solve_point({**flat, "us_presence": zeros}, structure, tol)
        p6 = _p6(flat, present, absent, tol)
        secure = SECURITY_ONLY.test(flat)
        got["P6"] = p6
        got["P6s"] = Measured(p6.holds & secure, p6.defined & secure, p6.metrics)
    return got


def _rows(m: Measured, lo: int, hi: int) -> Measured:
    return Measured(m.holds[lo:hi], m.defined[lo:hi],
                    {k: v[lo:hi] for k, v in m.metrics.items()})


def _measure_task(task: tuple[Params, set[str], GameStructure, float, float]
                  ) -> dict[str, Measured]:
    return _measure(*task)


def _measure_on(executor: ChunkExecutor, flat: Params, want: set[str],
                structure: GameStructure, tol: float, crackdown_low: float
                ) -> dict[str, Measured]:
    """:func:`_measure` with the rows shared out over the executor's workers.

    The rows are dealt out (:func:`qpq.parallel.dealt`) and put back in order; a row's
    answer does not depend on its batch.
    """
    n = next(iter(flat.values())).shape[0]
    k = min(n, int(executor.describe()["workers"]))
    if k <= 1:
        return _measure(flat, want, structure, tol, crackdown_low)
    parts = dealt(n, k)
    tasks = [({name: v[rows] for name, v in flat.items()}, want, structure, tol, crackdown_low)
             for rows in parts]
    got = list(map_ordered(executor, _measure_task, tasks))
    back = np.argsort(np.concatenate(parts), kind="stable")
    return {pid: Measured(np.concatenate([g[pid].holds for g in got])[back],
                          np.concatenate([g[pid].defined for g in got])[back],
                          {m: np.concatenate([g[pid].metrics[m] for g in got])[back]
                           for m in got[0][pid].metrics})
            for pid in got[0]}


class V2Evaluator:
    """Measures the propositions under v2, remembering what it measured.

    A solve of the relationship costs seconds *per call* where it traces mixed strategies
    (the tracing's schedule runs whatever the batch size), and a point's answer does not
    depend on the batch it is solved in. So the study hands every parameter set it will ask
    for to :meth:`prime`, which measures them all in one batch and keeps each set's rows;
    a later call with the same arrays is answered from there.
    """

    def __init__(self, readings: Readings = DEFAULT_READINGS, tol: float = DEFAULT_TOL,
                 crackdown_low: float = 0.5, executor: ChunkExecutor | None = None) -> None:
        self.structure = replace(FULL_GAME, readings=readings)
        self.readings = readings
        self.tol = tol
        self.crackdown_low = crackdown_low
        self.executor = executor or InProcess()
        """Where a batch's rows are measured (shared out over its workers)."""
        self._measured: dict[bytes, dict[str, Measured]] = {}
        self.solves = 0
        """Batches measured (each solves the relationship once or twice)."""

    def prime(self, sets: Iterable[Mapping[str, FloatArray]],
              only: Iterable[str] | None = None) -> None:
        """Measure every parameter set in one batch and remember each one's rows."""
        want = self._want(only)
        flats, seen = [], set()
        for params in sets:
            flat = _flat(params)
            key = _key(flat)
            if key not in seen and not want <= set(self._measured.get(key, {})):
                seen.add(key)
                flats.append((key, flat))
        if not flats:
            return
        names = sorted(flats[0][1])
        joined = {k: np.concatenate([f[k] for _, f in flats]) for k in names}
        got = _measure_on(self.executor, joined, want, self.structure, self.tol,
                          self.crackdown_low)
        self.solves += 1
        lo = 0
        for key, flat in flats:
            hi = lo + flat[names[0]].shape[0]
            self._measured.setdefault(key, {}).update(
                {pid: _rows(m, lo, hi) for pid, m in got.items()})
            lo = hi

    @staticmethod
    def _want(only: Iterable[str] | None) -> set[str]:
        want = set(V2_PROPOSITIONS if only is None else only)
        unknown = want - set(V2_PROPOSITIONS)
        if unknown:
            raise KeyError(f"no v2 reading of {sorted(unknown)}; known: "
                           + ", ".join(V2_PROPOSITIONS))
        return want

    def __call__(self, params: Mapping[str, FloatArray], *, crackdown_low: float | None = None,
                 tol: float | None = None, only: Iterable[str] | None = None,
                 readings: Readings | None = None) -> dict[str, Measured]:
        """Measure the propositions ``only`` (default: all of v2's) at every point."""
        if readings is not None and readings != self.readings:
            raise ValueError("this evaluator was made for other reading choices")
        if (tol is not None and tol != self.tol) or (
                crackdown_low is not None and crackdown_low != self.crackdown_low):
            raise ValueError("this evaluator was made for another tolerance or crackdown "
                             "range")
        want = self._want(only)
        flat = _flat(params)
        have = self._measured.get(_key(flat), {})
        if not want <= set(have):
            self.prime([flat], want)
            have = self._measured[_key(flat)]
        return {k: have[k] for k in want}


def evaluate_v2(params: Mapping[str, FloatArray], *, crackdown_low: float = 0.5,
                tol: float = DEFAULT_TOL, only: Iterable[str] | None = None,
                readings: Readings = DEFAULT_READINGS) -> dict[str, Measured]:
    """Measure the propositions under v2 at every point of ``params`` (one-off evaluator)."""
    return V2Evaluator(readings, tol, crackdown_low)(params, only=only)
