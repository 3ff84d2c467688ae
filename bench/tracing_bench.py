"""Model v2's logit tracing: the solver's schedule against others, cost and accuracy.

Where policy iteration cycles, :func:`qpq.game.solve_relationship` traces logit responses
along 11 precisions from 0.1 to 1e5, each run until no probability moves by 1e-3 in a step
(1e-9 at the last), then settles the points still moving at the last precision by smoothed
fictitious play at λ = 1e3 for 1,000 steps (the *polish*; docs/model-game.md §7.5, §8.1).
Until 2026-12-07 it traced along 61 precisions, each to 1e-9, without the polish. The peers
here are that former schedule and the present one without its polish (``_trace``'s
``lambdas``, ``settled_before_last`` and ``polish``), on two sets of points in one process,
taking turns, median of :data:`REPEAT` in CPU seconds:

* the ``game_v2`` bench's grid (``iskp_pull`` x ``crackdown_intensity``, :data:`GRID` per
  axis, every other parameter at its default);
* :data:`RANDOM` points drawn over every parameter's range (seed :data:`SEED`; the
  discount capped at 0.995, v2's values need δ < 1), where play ends mixed at some.

Each row says what the peer changes: the points whose labels (first move, efforts, final
actions, pure or mixed) differ from the solver's, and the regret (the largest gain a player
has from deviating; 0 at an equilibrium) at the points that end mixed. The schedules were
fixed before the runs that measured them (the polish after one exploratory run on 400
other random points, seed 11, which measured λ = 1e3, 1e4 and 1e5 and steps of 1/(j + 2)
and 0.05).

A last row measures the same on the tables of the default record calibration as of
2024-06-30 (:class:`qpq.sim.AbcSettings`: 30 game points, belief grid 12, every regime
from 1996; attribution off, a fresh cache): each of its relationship solves is run under
the solver's schedule and the former one in turn (paired, one calibration), so it says what
the change of schedule did to the calibration's game tables and their cost.
"""

from __future__ import annotations

import contextlib
import functools
import statistics
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

GRID = 16
RANDOM = 400
SEED = 7
REPEAT = 3
Schedule = tuple[int, float, tuple[float, int] | None]
SOLVER: Schedule = (11, 1e-3, (1e3, 1000))
"""The solver's schedule, as the rows name it (checked against qpq.game._relationship):
precisions from 0.1 to 1e5, the settled-before-last tolerance, the polish (λ, steps)."""
PEERS: tuple[Schedule, ...] = ((61, 1e-9, None), (11, 1e-3, None))
"""The former schedule (until 2026-12-07), and the present one without its polish."""


def _words(schedule: Schedule) -> str:
    precisions, settled, polish = schedule
    return (f"{precisions} precisions, settled at {settled:g} before the last, "
            + ("no polish" if polish is None
               else f"polish: {polish[1]} steps at λ = {polish[0]:g}"))


@contextlib.contextmanager
def _schedule(schedule: Schedule | None) -> Iterator[None]:
    """The solver's tracing (None), or ``schedule`` in its place."""
    import qpq.game._relationship as rel

    if schedule is None:
        yield
        return
    precisions, settled, polish = schedule
    original = rel._trace
    lambdas = tuple(float(x) for x in np.geomspace(0.1, 1e5, precisions))
    rel._trace = functools.partial(original, lambdas=lambdas,
                                   settled_before_last=settled, polish=polish)
    try:
        yield
    finally:
        rel._trace = original


def _grid() -> dict[str, np.ndarray]:
    from qpq.game.analysis._sweep import grid_axis
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    base = registry.defaults().as_dict()
    ax = grid_axis(registry, "iskp_pull", GRID, "v2")
    ay = grid_axis(registry, "crackdown_intensity", GRID, "v2")
    gx, gy = np.meshgrid(ax.values, ay.values)
    values = {k: np.full(gx.size, float(v)) for k, v in base.items()}
    values["iskp_pull"], values["crackdown_intensity"] = gx.reshape(-1), gy.reshape(-1)
    inside = np.ones(gx.size, dtype=bool)
    for c in registry.constraints:
        inside &= c.holds(values[c.lhs], values[c.rhs])
    return registry.validate_arrays({k: v[inside] for k, v in values.items()})


def _random() -> dict[str, np.ndarray]:
    from qpq.game.analysis import sample_assumptions
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    batch = sample_assumptions(registry, RANDOM, np.random.default_rng(SEED)).params
    out = {k: np.asarray(v, dtype=float) for k, v in batch.items()}
    out["quarterly_discount"] = np.minimum(out["quarterly_discount"], 0.995)
    return out


def _solve(params: dict[str, np.ndarray], schedule: Schedule | None) -> tuple[float, Any]:
    from qpq.game import solve_relationship

    with _schedule(schedule):
        start = time.process_time()
        rel = solve_relationship(params)
        return time.process_time() - start, rel


def _labels(rel: Any) -> np.ndarray:
    return np.concatenate([rel.first_move[:, None], rel.effort.reshape(rel.n_points, -1),
                           rel.response.reshape(rel.n_points, -1),
                           rel.pure.astype(np.int64)], axis=1)


def _regret(rel: Any, mixed: np.ndarray) -> str:
    if not mixed.any():
        return "none mixed"
    r = rel.regret[mixed]
    return f"{mixed.sum()} mixed, regret median {np.median(r):.3g} max {r.max():.3g}"


def _check_solver_schedule() -> None:
    """The rows name the solver's schedule as :data:`SOLVER` says: it must be the solver's."""
    import qpq.game._relationship as rel

    ours = (len(rel.LAMBDAS), rel.SETTLED_BEFORE_LAST, rel.POLISH)
    if ours != SOLVER or rel.LAMBDAS[0] != 0.1 or rel.LAMBDAS[-1] != 1e5:
        raise RuntimeError(f"the solver's schedule is {ours}, not {SOLVER}: update SOLVER "
                           "and the rows' words")


def _calibration_tables(peer: Schedule) -> dict[str, Any]:
    """Each relationship solve of the default record calibration under both schedules."""
    import datetime as dt
    import tempfile
    from pathlib import Path

    import qpq.sim._relationship_table as tables
    from qpq.case import load_case
    from qpq.sim import AbcSettings, calibrate_record

    # the table module's own name for the solver (it imports it privately)
    names = vars(tables)
    solve = names["solve_relationship"]
    settings = AbcSettings(attribution=False)
    out = {"cells": 0, "traced": 0, "mixed": 0, "differ": 0, "cpu": 0.0, "cpu_alt": 0.0,
           "game_points": settings.game_points, "grid_size": settings.grid_size}

    def both(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        rel = solve(*args, **kwargs)
        middle = time.process_time()
        with _schedule(peer):
            other = solve(*args, **kwargs)
        out["cpu"] += middle - start
        out["cpu_alt"] += time.process_time() - middle
        out["cells"] += rel.n_points
        out["traced"] += int(rel.traced.sum())
        out["mixed"] += int((~rel.pure.all(axis=1)).sum())
        out["differ"] += int((_labels(rel) != _labels(other)).any(axis=1).sum())
        return rel

    names["solve_relationship"] = both
    try:
        with tempfile.TemporaryDirectory() as tmp:
            calibrate_record(load_case(), dt.date(2024, 6, 30), rng=np.random.default_rng(0),
                             settings=settings, cache_dir=Path(tmp))
    finally:
        names["solve_relationship"] = solve
    return out


def run() -> list[dict[str, Any]]:
    _check_solver_schedule()
    sets = {"grid": _grid(), "random": _random()}
    schedules: list[Schedule | None] = [None, *PEERS]
    cpu: dict[tuple[str, Schedule | None], list[float]] = {}
    last: dict[tuple[str, Schedule | None], Any] = {}
    for _ in range(REPEAT):
        for name, params in sets.items():
            for schedule in schedules:
                seconds, last[name, schedule] = _solve(params, schedule)
                cpu.setdefault((name, schedule), []).append(seconds)
    entries = []
    ours_t = sum(statistics.median(cpu[s, None]) for s in sets)
    for peer in PEERS:
        peer_t = sum(statistics.median(cpu[s, peer]) for s in sets)
        parts = []
        for name in sets:
            ref, new = last[name, None], last[name, peer]
            differ = (_labels(ref) != _labels(new)).any(axis=1)
            mixed_ref = ~ref.pure.all(axis=1)
            mixed_new = ~new.pure.all(axis=1)
            parts.append(
                f"{name} ({ref.n_points} points, {int(ref.traced.sum())} traced): CPU "
                f"{statistics.median(cpu[name, None]):.1f} s (the peer "
                f"{statistics.median(cpu[name, peer]):.1f} s); labels differ at "
                f"{int(differ.sum())} points ({int((differ & mixed_ref).sum())} of them mixed "
                f"under the solver's schedule); solver's {_regret(ref, mixed_ref)}; the "
                f"peer's {_regret(new, mixed_new)}")
        entries.append({
            "name": f"v2 logit tracing, the solver's ({_words(SOLVER)}) vs {_words(peer)}",
            "figure": ours_t, "unit": "CPU s", "peer": _words(peer), "peer_figure": peer_t,
            "ratio": peer_t / ours_t, "n": sum(last[s, None].n_points for s in sets),
            "notes": f"one process, schedules taking turns, median of {REPEAT} (policy "
                     "iteration included, the same in both); " + "; ".join(parts)})
    former = PEERS[0]
    cal = _calibration_tables(former)
    entries.append({
        "name": f"v2 logit tracing in the record calibration's tables, the solver's "
                f"({_words(SOLVER)}) vs {_words(former)}",
        "figure": cal["cpu"], "unit": "CPU s", "peer": _words(former),
        "peer_figure": cal["cpu_alt"], "ratio": cal["cpu_alt"] / cal["cpu"],
        "n": cal["cells"],
        "notes": f"the default record calibration as of 2024-06-30 ({cal['game_points']} game "
                 f"points, belief grid {cal['grid_size']}, every regime from 1996), each "
                 "relationship solve run under both schedules in turn (paired, one "
                 f"calibration; CPU of the solves only): {cal['cells']:,} cells, "
                 f"{cal['traced']:,} traced, {cal['mixed']:,} ending mixed under the solver's "
                 f"schedule; labels differ at {cal['differ']:,} cells"})
    return entries
