"""The propositions study (``qpq game propositions``): how long the verdicts take.

``run_study`` on the built-in case with 2,000 draws (seed 2024), the command's default,
median of 3 in one process: with the verdict protocol (some / every PBE from ``solve``,
margins, nearest flips) and without the flips, so the notes say what the flips cost.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

import numpy as np

REPEAT = 3
N = 2000


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


def run() -> list[dict[str, Any]]:
    _seconds(False)                                     # warm-up: imports, caches
    full, bare = _seconds(True), _seconds(False)
    return [{
        "name": "propositions study, 2,000 draws (qpq game propositions)", "figure": full,
        "unit": "s", "n": N,
        "notes": f"run_study in one process, median of {REPEAT}: shares over the draws, "
                 "counterparts, verdicts on some / every PBE at the point tested, margins "
                 f"and nearest flips; without the flips {bare:.2f} s; load average "
                 f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"}]
