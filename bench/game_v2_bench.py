"""Model v2's game lens: its phase diagrams against v1's, its stage games against pygambit.

* **Sweeps**: the same grid (``iskp_pull`` x ``crackdown_intensity``, :data:`GRID` per axis,
  every other parameter at its default) swept with v1's one-round game and with v2's
  repeated relationship (``phase_diagram(model="v2")``: ``solve_relationship`` at every
  point, the logit tracing where policy iteration cycles), and v2 without the tracing
  (``mixed=False``), on 2 workers, taking turns in one run, median of :data:`REPEAT`. The
  issue's acceptance asks v2's sweeps to be no slower than v1's; the ratio says how far.
  The notes add each run's CPU seconds over all processes (less sensitive to the shared
  machine's load than wall time): the run without the tracing is about policy
  iteration's share, the difference the tracing's.
* **The least a v2 diagram can cost** (:func:`_floor`): two policy-iteration steps over the
  grid (a point is a fixed point only when a second solve of its stage games repeats the
  first), in process, against v1's whole diagram in process.
* **Stage games vs pygambit** (the v1 reduced-game benchmark's counterpart): reduced
  relationships (two types at high capacity, no UN report, first moves Engage[no_promise],
  Engage[reward_if_suppressed], Recognize) at the defaults and :data:`STAGE_POINTS` − 1
  random points. Each state's stage game, continuation at the leaves
  (:func:`qpq.game.validation.stage_tree`), is solved by pygambit's
  ``enumpure_agent_solve`` (every pure agent-form equilibrium; the unrecognised state one
  first move at a time, as v1's reduced games are), and our stationary strategies must have
  agent regret 0 and be among them where they are pure. Ours: both states' stage games
  (China-preferred pure PBE given the relationship's values, the step policy iteration
  repeats) over a batch of :data:`STAGE_BATCH` random points.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import replace
from typing import Any

import numpy as np

GRID = 16
REPEAT = 3
STAGE_POINTS = 3
STAGE_BATCH = 2000
STAGE_MOVES = (1, 2, 5)          # Engage[no_promise], Engage[reward_if_suppressed], Recognize
AXES = ("iskp_pull", "crackdown_intensity")


def _sweeps() -> list[dict[str, Any]]:
    from qpq.game.analysis import phase_diagram
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    x, y = AXES
    runs: dict[str, list[float]] = {"v1": [], "v2": [], "v2 pure": []}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    phase_diagram(registry, x, y, 4, workers=2)                      # warm-up: imports
    last: dict[str, Any] = {}
    for _ in range(REPEAT):
        for key, kw in (("v1", {}), ("v2", {"model": "v2"}),
                        ("v2 pure", {"model": "v2", "mixed": False})):
            before = _cpu()
            start = time.perf_counter()
            last[key] = phase_diagram(registry, x, y, GRID, workers=2, **kw)
            runs[key].append(time.perf_counter() - start)
            cpu[key].append(_cpu() - before)
    t = {k: statistics.median(v) for k, v in runs.items()}
    c = {k: statistics.median(v) for k, v in cpu.items()}
    d2 = last["v2"]
    found = d2.found_by.reshape(-1)
    share = ", ".join(f"{k} {(found == i).mean():.0%}" for i, k in
                      enumerate(("pure", "traced, pure", "mixed")) if (found == i).any())
    n = GRID * GRID
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    return [
        {"name": f"v2 phase diagram {GRID} x {GRID} vs v1, 2 workers", "figure": t["v2"],
         "unit": "s", "peer": "v1 phase diagram, same grid", "peer_figure": t["v1"],
         "ratio": t["v1"] / t["v2"], "n": n,
         "notes": f"{x} x {y}, qpq game sweep --model v2 without the figure (the defaults "
                  f"solved in the same batch); v1 and v2 taking turns, median of {REPEAT}; "
                  f"v2 is {t['v2'] / t['v1']:.0f}x slower than v1 on this grid "
                  f"({t['v2'] / n * 1e3:.0f} ms per point against "
                  f"{t['v1'] / n * 1e3:.2f} on this small grid, about 0.04 on v1's "
                  f"200 x 200 benchmark; a 200 x 200 v2 diagram like this one would take "
                  f"about {t['v2'] / n * 40_000 / 3600:.1f} h); CPU of all processes "
                  f"(median): v2 {c['v2']:.1f} s, of which policy iteration about "
                  f"{c['v2 pure']:.1f} s (the run without the tracing) and the tracing the "
                  f"rest, v1 {c['v1']:.2f} s; the grid's v2 cells: {share}; acceptance "
                  f"'no slower than today': {'met' if t['v2'] <= t['v1'] else 'not met'}; "
                  f"{load}"},
        {"name": f"v2 phase diagram {GRID} x {GRID} without the tracing vs v1, 2 workers",
         "figure": t["v2 pure"], "unit": "s", "peer": "v1 phase diagram, same grid",
         "peer_figure": t["v1"], "ratio": t["v1"] / t["v2 pure"], "n": n,
         "notes": f"--model v2 --pure-only (policy iteration only; cycling points marked, "
                  f"not solved); same run, median of {REPEAT}; "
                  f"{t['v2 pure'] / t['v1']:.0f}x slower than v1; CPU of all processes "
                  f"{c['v2 pure']:.1f} s; {load}"},
    ]


def _floor() -> dict[str, Any]:
    """What a v2 point costs at the least: its stage games solved once, against v1's diagram.

    v1 solves each point's one-round game once. v2's relationship is a fixed point: policy
    iteration solves both states' stage games (the unrecognised one is v1's round with
    values at the leaves) at the values of the last strategies, and a point is done only
    when a second solve repeats the first. So two steps of :func:`_best_profile` over the
    grid are the least any point can cost, whatever the iteration count; this row measures
    one step over the whole grid (at zero values, the first step), in process, CPU.
    """
    from qpq.game import FULL_GAME
    from qpq.game import _relationship as rel
    from qpq.game._kernel import DEFAULT_TOL
    from qpq.game.analysis import phase_diagram
    from qpq.game.analysis._sweep import grid_axis
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    x, y = AXES
    gx, gy = np.meshgrid(grid_axis(registry, x, GRID, "v2").values,
                         grid_axis(registry, y, GRID, "v2").values)
    n = GRID * GRID
    p = {k: np.full(n, float(v)) for k, v in registry.defaults().as_dict().items()}
    p[x], p[y] = gx.ravel(), gy.ravel()
    # the diagram solves only the points inside the parameters' orderings: on this grid
    # that is every point, so both sides solve the same 256
    inside = np.ones(n, dtype=bool)
    for c in registry.constraints:
        inside &= c.holds(p[c.lhs], p[c.rhs])
    if not inside.all():
        raise RuntimeError(f"{int((~inside).sum())} grid points break an ordering; the "
                           "least-cost row would solve points the diagram does not")
    delta = p["quarterly_discount"]
    structure1 = replace(FULL_GAME, first_moves=(rel._RECOGNIZE,))
    n_types = len(FULL_GAME.types)
    zero = np.zeros((n, n_types, 2))
    step, v1 = [], []
    phase_diagram(registry, x, y, 4, workers=1)                      # warm-up
    for _ in range(REPEAT):
        before = time.process_time()
        stages = (rel._stage(p, FULL_GAME, False), rel._stage(p, structure1, True))
        rel._best_profile(stages, delta, zero, zero, np.zeros((n, n_types, 2, 2)),
                          DEFAULT_TOL)
        step.append(time.process_time() - before)
        before = time.process_time()
        phase_diagram(registry, x, y, GRID, workers=1)
        v1.append(time.process_time() - before)
    return {"step": statistics.median(step), "v1": statistics.median(v1), "n": n}


def _cpu() -> float:
    """User + system CPU seconds of this process and its finished children (the workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _stage_structure() -> Any:
    from qpq.game import GameStructure
    from qpq.game._spec import TYPES
    from qpq.model import FIRST_MOVES

    return GameStructure(types=tuple(t for t in TYPES if t.high_capacity),
                         first_moves=tuple(FIRST_MOVES[i] for i in STAGE_MOVES),
                         un_report=False)


def _points(n: int, seed: int) -> dict[str, np.ndarray]:
    from qpq.game.analysis import sample_assumptions
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    batch = sample_assumptions(registry, n, np.random.default_rng(seed)).params
    out = {k: np.asarray(v, dtype=float) for k, v in batch.items()}
    # v2's values need δ < 1 (choice V6); the range reaches 1
    out["quarterly_discount"] = np.minimum(out["quarterly_discount"], 0.995)
    base = registry.defaults()
    return {k: np.concatenate([[base[k]], v]) for k, v in out.items()}


def _ours(structure: Any) -> tuple[float, int]:
    """Seconds per point to solve both states' stage games at the relationship's values."""
    from qpq.game import solve_relationship
    from qpq.game._kernel import DEFAULT_TOL
    from qpq.game._relationship import _best_profile, _evaluate, _stage

    params = _points(STAGE_BATCH - 1, 11)
    rel = solve_relationship(params, structure, mixed=False)
    flat = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    rec = replace(structure, first_moves=structure.first_moves[-1:])
    stages = (_stage(flat, structure, recognised=False), _stage(flat, rec, recognised=True))
    delta = flat["quarterly_discount"]
    _, cv, tv, harm = _evaluate(stages, rel.strategies, delta, flat["w_security"])
    seconds = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        _best_profile(stages, delta, cv, tv, harm, DEFAULT_TOL)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds) / rel.n_points, rel.n_points


def _gambit(structure: Any) -> dict[str, Any]:
    """pygambit's enumpure_agent_solve on each state's stage trees at a few points."""
    import pygambit

    from qpq.game import solve_relationship
    from qpq.game.validation import stage_strategy, stage_tree
    from qpq.game.validation._gambit import _to_strategy, agent_regrets, to_pygambit

    params = _points(STAGE_POINTS - 1, 7)
    rel = solve_relationship(params, structure)
    per_point: list[float] = []
    lcp_point: list[float] = []
    games = found = pure_checked = among = 0
    worst = 0.0
    for i in range(rel.n_points):
        total = lcp = 0.0
        trees = []
        full = stage_strategy(rel, i, 0)
        china = structure.players[0]
        for m in structure.first_moves:
            # the unrecognised state one first move at a time (its own tree)
            sub = replace(rel, structure=replace(structure, first_moves=(m,)))
            strategy = {china: {**full[china], structure.first_infoset(): {m.label: 1.0}},
                        structure.players[1]: full[structure.players[1]]}
            trees.append((stage_tree(sub, i, 0), strategy))
        trees.append((stage_tree(rel, i, 1), stage_strategy(rel, i, 1)))
        for tree, strategy in trees:
            game = to_pygambit(tree)
            start = time.perf_counter()
            result = pygambit.nash.enumpure_agent_solve(game)
            total += time.perf_counter() - start
            start = time.perf_counter()
            pygambit.nash.lcp_solve(game, rational=False, use_strategic=False)
            lcp += time.perf_counter() - start
            games += 1
            found += len(result.equilibria)
            regret = agent_regrets(tree, [strategy])[0]
            worst = max(worst, regret)
            if rel.pure[i].all():
                pure_checked += 1
                eqs = [_to_strategy(game, e) for e in result.equilibria]
                among += any(all(abs(v - strategy[p][k].get(a, 0.0)) <= 1e-9
                                 for p in e for k in e[p] for a, v in e[p][k].items())
                             for e in eqs)
        per_point.append(total)
        lcp_point.append(lcp)
    return {"seconds": statistics.median(per_point), "lcp": statistics.median(lcp_point),
            "games": games, "found": found,
            "points": rel.n_points, "pure_checked": pure_checked, "among": among,
            "worst": worst, "pure_points": int(rel.pure.all(axis=1).sum())}


def _gambit_available() -> bool:
    try:
        import pygambit  # noqa: F401
    except ImportError:
        return False
    return True


def run() -> list[dict[str, Any]]:
    entries = _sweeps()
    f = _floor()
    entries.append({
        "name": f"v2's least cost: two stage-solve steps of the {GRID} x {GRID} grid vs v1's "
                 "whole diagram, in process",
        "figure": 2 * f["step"], "unit": "s CPU", "peer": "v1 phase diagram, same grid, "
        "in process", "peer_figure": f["v1"], "ratio": f["v1"] / (2 * f["step"]),
        "n": f["n"],
        "notes": f"one step = both states' stage games solved at every point (the "
                 f"tensors built, then the China-preferred pure PBE, policy iteration's "
                 f"step): {f['step']:.3f} s; a point is a fixed point only once a second "
                 f"step repeats the first, so two steps bound any v2 diagram from below "
                 f"({2 * f['step'] / f['v1']:.1f}x v1's whole diagram, before any cycling "
                 f"point's further steps or tracing); median of {REPEAT}, CPU of this "
                 f"process"})
    if not _gambit_available():
        print("  pygambit peer skipped: pygambit is not installed", file=sys.stderr)
        return entries
    structure = _stage_structure()
    ours, n_batch = _ours(structure)
    gam = _gambit(structure)
    moves = ", ".join(m.label for m in structure.first_moves)
    entries.append({
        "name": "v2 stage games: per-point time vs pygambit enumpure_agent_solve",
        "figure": ours * 1e3, "unit": "ms/point", "peer": "pygambit 16.7 enumpure_agent_solve",
        "peer_figure": gam["seconds"] * 1e3, "ratio": gam["seconds"] / ours, "n": n_batch,
        "notes": f"reduced relationship (types S,H and I,H; first moves {moves}; no UN "
                 "report); a point = both states' stage games with the relationship's "
                 "continuation at the leaves; ours: China-preferred pure PBE of each stage "
                 f"at the values (policy iteration's step) over a batch of {n_batch:,} "
                 f"points, median of {REPEAT}; pygambit: every pure agent-form equilibrium "
                 f"of each stage tree (unrecognised: one tree per first move), median over "
                 f"{gam['points']} points (defaults + {gam['points'] - 1} random) of the "
                 f"sum over their {gam['games'] // gam['points']} trees; goal >= 100x"})
    entries.append({
        "name": "v2 stage games: per-point time vs pygambit lcp_solve",
        "figure": ours * 1e3, "unit": "ms/point", "peer": "pygambit 16.7 lcp_solve",
        "peer_figure": gam["lcp"] * 1e3, "ratio": gam["lcp"] / ours, "n": n_batch,
        "notes": "the same stage trees and points as the row above, pygambit's lcp_solve "
                 "(sequence form, floating point: one equilibrium per tree, v1's reduced-"
                 "game peer) instead of enumerating pure equilibria; goal >= 100x"})
    entries.append({
        "name": "v2 stage games: our strategies among pygambit's pure equilibria",
        "figure": gam["among"], "unit": "stage trees", "peer": "pygambit 16.7",
        "peer_figure": gam["pure_checked"],
        "ratio": gam["among"] / gam["pure_checked"] if gam["pure_checked"] else None,
        "n": gam["games"],
        "notes": f"{gam['games']} stage trees at {gam['points']} points "
                 f"({gam['pure_points']} with pure stationary strategies), "
                 f"{gam['found']} pure agent-form equilibria found; our strategies' largest "
                 f"pygambit agent regret {gam['worst']:.2g} (mixed points included)"})
    return entries
