"""The propositions study (``qpq game propositions``): how long the verdicts take.

``run_study`` on the built-in case with 2,000 draws (seed 2024), the command's default,
median of 3 in one process: with the verdict protocol (some / every PBE from ``solve``,
margins, nearest flips) and without the flips, so the notes say what the flips cost.
Model v2 (``run_study(model="v2")``, ``qpq game propositions --model v2``): 40 draws, one
run with the flips and one without (a v2 study takes minutes: a point whose relationship
is traced costs about a second), with how many points the batches traced.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

import numpy as np

REPEAT = 3
N = 2000
N_V2 = 40


def _seconds(flips: bool) -> float:
    from qpq.game.analysis import run_study
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        run_study(registry, N, rng=np.random.default_rng(2024), flips=flips)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _v2(flips: bool) -> tuple[float, int, int]:
    """Seconds of a v2 study, points solved and points traced (one run)."""
    import qpq.game.analysis._v2_measures as v2
    from qpq.game.analysis import run_study
    from qpq.model import ParameterRegistry

    solved = [0, 0]
    original = v2.solve_point

    def counting(params: Any, structure: Any, tol: float) -> Any:
        pt = original(params, structure, tol)
        solved[0] += pt.rel.n_points
        solved[1] += int(pt.rel.traced.sum())
        return pt

    v2.solve_point = counting                         # counts only; the result is the same
    try:
        start = time.perf_counter()
        run_study(ParameterRegistry.load(), N_V2, rng=np.random.default_rng(2024),
                  model="v2", flips=flips)
        return time.perf_counter() - start, solved[0], solved[1]
    finally:
        v2.solve_point = original


def run() -> list[dict[str, Any]]:
    _seconds(False)                                     # warm-up: imports, caches
    full, bare = _seconds(True), _seconds(False)
    v2_full, n_full, t_full = _v2(True)
    v2_bare, n_bare, t_bare = _v2(False)
    return [{
        "name": f"propositions study, model v2, {N_V2} draws (qpq game propositions "
                "--model v2)", "figure": v2_full, "unit": "s", "n": N_V2,
        "notes": f"run_study(model='v2') in one process, one run: {n_full:,} relationship "
                 f"points solved in batches, {t_full:,} of them traced; without the flips "
                 f"{v2_bare:.1f} s ({n_bare:,} points, {t_bare:,} traced); load average "
                 f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"}, {
        "name": "propositions study, 2,000 draws (qpq game propositions)", "figure": full,
        "unit": "s", "n": N,
        "notes": f"run_study in one process, median of {REPEAT}: shares over the draws, "
                 "counterparts, verdicts on some / every PBE at the point tested, margins "
                 f"and nearest flips; without the flips {bare:.2f} s; load average "
                 f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"}]
