"""Game lens: throughput of the vectorised PBE solver, phase diagrams, pygambit as the peer.

* throughput: pure PBE, selection and labels for 100,000 random parameter points (ordered
  draws over the assumption ranges), on two worker processes and on one, median of 3;
* the previous kernel (all 3^4 effort profiles per first move, ``prune=False``) on 10,000
  of the same points, as the in-house reference for the speed-up;
* a 200 x 200 phase diagram (``qpq game sweep``), wall time, median of 3; goal <= 2 s on
  2 cores;
* pygambit 16.7 ``lcp_solve`` on reduced members of the family (two types, one first
  move, no UN report) at the defaults and random points: per-game time against ours on the
  same games, and agreement: every pygambit equilibrium that passes our sequential-
  rationality check must match one of ours in outcome distribution and payoffs;
* pygambit ``lcp_solve`` on the full game (2,208 leaves) in a subprocess killed after
  60 s: the time-out is the finding.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from bench.timing import median_seconds
from qpq.game import FULL_GAME, build_tree, solve, solve_ensemble, write_efg
from qpq.game.analysis._draws import sample_assumptions
from qpq.game.analysis._sweep import phase_diagram
from qpq.game.validation._gambit import matches, reduced_structure
from qpq.game.validation._reference import sequential_rationality
from qpq.model import FIRST_MOVES, ParameterRegistry

N = 100_000
N_REFERENCE = 10_000
GRID = 200
FULL_TIMEOUT_S = 60
REDUCED_MOVES = (0, 1, 2, 5)          # Boycott, Engage[no_promise], a promise, Recognize
REDUCED_POINTS = 3                    # pygambit: defaults + 2 random points per first move
REDUCED_BATCH = 5_000                 # ours: a batch of reduced games per first move


def _gambit_available() -> bool:
    try:
        import pygambit  # noqa: F401
    except ImportError:
        return False
    return True


def _strategy(game: Any, eq: Any) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {p.label: {} for p in game.players}
    for infoset in game.infosets:
        out[infoset.player.label][infoset.label] = {a.label: float(eq[a])
                                                    for a in infoset.actions}
    return out


def _agreement(tree: Any, game: Any, equilibria: Any, ours: Any, structure: Any
               ) -> tuple[int, int]:
    """(passing our sequential-rationality check, of which matching one of ours)."""
    profiles = [tree.profile_from_labels(e.strategy(structure)) for e in ours.equilibria]
    checked = agree = 0
    for eq in equilibria:
        profile = tree.profile_from_labels(_strategy(game, eq))
        if sequential_rationality(tree, profile, tol=1e-6).ok:
            checked += 1
            agree += any(matches(tree, profile, q, tol=1e-5) for q in profiles)
    return checked, agree


def _reduced(registry: ParameterRegistry) -> dict[str, Any]:
    """pygambit's lcp_solve against our solvers on reduced games."""
    import pygambit

    from qpq.game.validation._gambit import to_pygambit

    batch = sample_assumptions(registry, REDUCED_BATCH, np.random.default_rng(7)).params
    points = [registry.defaults()] + [
        registry.point({k: float(v[i]) for k, v in batch.items()})
        for i in range(REDUCED_POINTS - 1)]
    gambit_s: list[float] = []
    ours_s: list[float] = []
    batch_s: list[float] = []
    checked = agree = found = 0
    for mi in REDUCED_MOVES:
        structure = reduced_structure(FIRST_MOVES[mi])
        t, _ = median_seconds(partial(solve_ensemble, batch, structure), repeat=3)
        batch_s.append(t / REDUCED_BATCH)
        for point in points:
            tree = build_tree(point, structure)
            game = to_pygambit(tree)
            start = time.perf_counter()
            result = pygambit.nash.lcp_solve(game, rational=False, use_strategic=False)
            gambit_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            ours = solve(point, structure)
            ours_s.append(time.perf_counter() - start)
            found += len(result.equilibria)
            c, a = _agreement(tree, game, result.equilibria, ours, structure)
            checked += c
            agree += a
    return {"gambit": statistics.median(gambit_s), "ours": statistics.median(ours_s),
            "batch": statistics.median(batch_s), "games": len(gambit_s),
            "found": found, "checked": checked, "agree": agree}


_FULL_CODE = """
import sys, time, pygambit
game = pygambit.read_efg(sys.argv[1])
start = time.perf_counter()
result = pygambit.nash.lcp_solve(game, rational=sys.argv[2] == "1",
                                 use_strategic=sys.argv[3] == "1")
print(time.perf_counter() - start, len(result.equilibria))
"""

FULL_VARIANTS = (
    ("sequence form, floating point", False, False),
    ("sequence form, rational arithmetic (pygambit's default)", True, False),
    ("strategic form, floating point", False, True),
)


def _full_game(registry: ParameterRegistry) -> list[tuple[str, float | None, str]]:
    """pygambit's lcp_solve on the full game, each variant killed after the limit."""
    out: list[tuple[str, float | None, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "full.efg"
        write_efg(build_tree(registry.defaults()), path, "qpq full game at the defaults")
        for name, rational, strategic in FULL_VARIANTS:
            try:
                res = subprocess.run([sys.executable, "-c", _FULL_CODE, str(path),
                                      str(int(rational)), str(int(strategic))],
                                     capture_output=True, text=True, timeout=FULL_TIMEOUT_S,
                                     check=True)
            except subprocess.TimeoutExpired:
                out.append((name, None, f"did not finish within {FULL_TIMEOUT_S} s (process "
                                        "killed)"))
                continue
            seconds, count = res.stdout.split()
            out.append((name, float(seconds), f"finished with {count} equilibrium(s)"))
    return out


def _full_agreement(registry: ParameterRegistry) -> tuple[int, int, int]:
    """The full game's floating-point sequence-form lcp equilibria against ours."""
    import pygambit

    from qpq.game.validation._gambit import to_pygambit

    point = registry.defaults()
    tree = build_tree(point)
    game = to_pygambit(tree)
    result = pygambit.nash.lcp_solve(game, rational=False, use_strategic=False)
    checked, agree = _agreement(tree, game, result.equilibria, solve(point), FULL_GAME)
    return len(result.equilibria), checked, agree


def run() -> list[dict[str, Any]]:
    registry = ParameterRegistry.load()
    sample = sample_assumptions(registry, N, np.random.default_rng(2024))
    params = sample.params
    solve_ensemble({k: v[:2000] for k, v in params.items()}, workers=2)       # warm-up
    t2, _ = median_seconds(lambda: solve_ensemble(params, workers=2), repeat=3, warmup=0)
    t1, _ = median_seconds(lambda: solve_ensemble(params, workers=1), repeat=3, warmup=0)
    ref = {k: v[:N_REFERENCE] for k, v in params.items()}
    t_old, _ = median_seconds(lambda: solve_ensemble(ref, prune=False), repeat=3, warmup=0)
    t_new, _ = median_seconds(lambda: solve_ensemble(ref), repeat=3, warmup=0)
    same = bool(np.array_equal(solve_ensemble(ref).label, solve_ensemble(ref, prune=False)
                               .label))
    t_grid, _ = median_seconds(
        lambda: phase_diagram(registry, "iskp_pull", "crackdown_intensity", GRID, workers=2),
        repeat=3)
    entries: list[dict[str, Any]] = [
        {"name": "PBE solver throughput, 2 workers (full game)", "figure": N / t2,
         "unit": "points/s", "peer": None, "peer_figure": None, "ratio": None, "n": N,
         "notes": f"{N:,} ordered draws over the assumption ranges (seed 2024): pure PBE, "
                  f"selection, labels, path statistics; median of 3 ({t2:.2f} s)"},
        {"name": "PBE solver throughput, 1 process", "figure": N / t1, "unit": "points/s",
         "peer": None, "peer_figure": None, "ratio": None, "n": N,
         "notes": f"same draws, one process; median of 3 ({t1:.2f} s; "
                  f"{t1 / N * 1e6:.0f} us per point)"},
        {"name": "PBE solver vs previous kernel (all 81 profiles)", "figure": N_REFERENCE / t_new,
         "unit": "points/s", "peer": "qpq v1 kernel (prune=False)",
         "peer_figure": N_REFERENCE / t_old, "ratio": t_old / t_new, "n": N_REFERENCE,
         "notes": f"one process, median of 3; identical labels: {same} (tests check every "
                  "output)"},
        {"name": f"phase diagram {GRID} x {GRID}, 2 workers", "figure": t_grid, "unit": "s",
         "peer": None, "peer_figure": None, "ratio": None, "n": GRID * GRID,
         "notes": "iskp_pull x crackdown_intensity, qpq game sweep without the figure; "
                  "median of 3; goal <= 2 s on 2 cores"},
    ]
    if not _gambit_available():
        print("  pygambit peer skipped: pygambit is not installed", file=sys.stderr)
        return entries
    red = _reduced(registry)
    entries.append({
        "name": "reduced games: per-game time vs pygambit lcp_solve",
        "figure": red["batch"] * 1e3, "unit": "ms/game",
        "peer": "pygambit 16.7 lcp_solve", "peer_figure": red["gambit"] * 1e3,
        "ratio": red["gambit"] / red["batch"], "n": REDUCED_BATCH * len(REDUCED_MOVES),
        "notes": f"two types, one first move ({len(REDUCED_MOVES)} first moves), no UN report; "
                 f"ours: solve_ensemble on batches of {REDUCED_BATCH:,} random reduced games "
                 f"(median of 3), pygambit (floating point, sequence form): median over "
                 f"{red['games']} of them (defaults + {REDUCED_POINTS - 1} random points per "
                 f"first move), one game at a time as it solves them; goal >= 100x; the "
                 f"scalar solve() (all PBE, China's ties enumerated, mixed search) takes "
                 f"{red['ours'] * 1e3:.1f} ms/game"})
    entries.append({
        "name": "reduced games: pygambit equilibria that match ours",
        "figure": red["agree"], "unit": "equilibria", "peer": "pygambit 16.7 lcp_solve",
        "peer_figure": red["checked"], "ratio": (red["agree"] / red["checked"]
                                                 if red["checked"] else None),
        "n": red["games"],
        "notes": f"{red['found']} lcp equilibria found; {red['checked']} pass our "
                 "sequential-rationality check; each must match one of ours in outcome "
                 "distribution and payoffs"})
    found, checked, agree = _full_agreement(registry)
    for name, seconds, note in _full_game(registry):
        entries.append({
            "name": f"full game: pygambit lcp_solve ({name})",
            "figure": seconds if seconds is not None else float(FULL_TIMEOUT_S), "unit": "s",
            "peer": None, "peer_figure": None,
            "ratio": (seconds / (t1 / N)) if seconds is not None else None, "n": 1,
            "notes": note + ("; figure = the limit, a time-out" if seconds is None else
                             f"; ratio = its time over ours per full game in a batch "
                             f"({t1 / N * 1e3:.2f} ms)")
            + (f"; its {found} equilibrium(s): {checked} pass our sequential-rationality "
               f"check, {agree} match one of our PBE at the defaults"
               if not (name.startswith("sequence form, rational") or "strategic" in name)
               else "")})
    return entries
