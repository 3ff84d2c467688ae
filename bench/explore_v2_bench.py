"""Exploration under model v2: what one experiment costs, against the cost guard's estimate.

``qpq explore compare --model v2`` solves the repeated relationship at every experiment for
each distinct commitment of China among the levers (docs/model-explore.md, "Cost"). The
studies refuse a design whose estimate (``V2_SECONDS`` per experiment × commitment, scaled
by the belief grid) passes ``V2_BUDGET``; this measures the real figure on the built-in
scenario (its belief grid of 12, history 1996-2030): :data:`N` experiments under boycott and
the equilibrium (two commitments), in this process, CPU seconds per experiment ×
commitment (the simulation included), beside the estimate.
"""

from __future__ import annotations

import os
import time
from typing import Any

from qpq.case import load_case
from qpq.explore._loading import load_study
from qpq.explore._studies import V2_GRID, V2_SECONDS, run_comparison

N = 4
LEVERS = ("boycott", "equilibrium")


def run() -> list[dict[str, Any]]:
    case = load_case()
    study = load_study("deal-under-uncertainty", case)
    cpu, wall = time.process_time(), time.perf_counter()
    run_comparison(case, study, n=N, levers=LEVERS, model="v2")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    units = N * len(LEVERS)
    each = cpu / units * V2_GRID / study.grid_size
    return [{
        "name": "explore compare --model v2: CPU per experiment x commitment",
        "figure": each, "unit": "CPU s", "peer": "the cost guard's estimate (V2_SECONDS)",
        "peer_figure": V2_SECONDS, "ratio": each / V2_SECONDS, "n": units,
        "notes": f"run_comparison on deal-under-uncertainty, n={N}, levers "
                 f"{', '.join(LEVERS)} (two commitments), model v2, one process: {cpu:.1f} "
                 f"CPU s ({wall:.1f} s wall) at belief grid {study.grid_size}, history "
                 f"1996-2030; ratio > 1: the guard underestimates; load average "
                 f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"}]
