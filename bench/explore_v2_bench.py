"""Model v2's relationship tables: what a cell costs, against the cost guard's estimate.

Commands that solve model v2's relationship at many parameter points (``qpq explore
compare --model v2``, ``qpq sim backcast --model v2``, ``qpq sim run --model v2 --draws``)
refuse work whose tables are estimated above ``qpq.game.RELATIONSHIP_BUDGET`` CPU seconds,
at ``CELL_SECONDS`` per cell (a point in one stage regime at one belief grid point;
:func:`qpq.sim.check_table_budget`). This measures the real figure on the built-in
scenario (belief grid 12, history 1996-2030): ``explore compare --model v2`` over :data:`N`
experiments under boycott and the equilibrium (two commitments), in this process, CPU
seconds per cell (the simulation included), beside the estimate.
"""

from __future__ import annotations

import os
import time
from typing import Any

from qpq.case import load_case
from qpq.explore._evaluate import model_setup
from qpq.explore._loading import load_study
from qpq.explore._studies import run_comparison
from qpq.sim._relationship_table import CELL_SECONDS

N = 4
LEVERS = ("boycott", "equilibrium")


def run() -> list[dict[str, Any]]:
    case = load_case()
    study = load_study("deal-under-uncertainty", case)
    regimes = len(model_setup(case, study, model="v2").timeline.v2_regimes()[0])
    cpu, wall = time.process_time(), time.perf_counter()
    run_comparison(case, study, n=N, levers=LEVERS, model="v2")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    cells = N * len(LEVERS) * regimes * study.grid_size
    each = cpu / cells
    return [{
        "name": "model v2 relationship tables: CPU per cell (explore compare --model v2)",
        "figure": each, "unit": "CPU s", "peer": "the cost guard's estimate (CELL_SECONDS)",
        "peer_figure": CELL_SECONDS, "ratio": each / CELL_SECONDS, "n": cells,
        "notes": f"run_comparison on deal-under-uncertainty, n={N}, levers "
                 f"{', '.join(LEVERS)} (two commitments), model v2, one process: {cpu:.1f} "
                 f"CPU s ({wall:.1f} s wall) for {cells} cells ({regimes} stage regimes x "
                 f"belief grid {study.grid_size}, history 1996-2030; the simulation "
                 f"included); ratio > 1: the guard underestimates; load average "
                 f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"}]
