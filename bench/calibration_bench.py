"""The calibration on the record (``qpq sim calibrate``): what one history and one run cost.

``calibrate_record`` on the built-in case as of 2024-06-30, history from 1996, model v2, with a
small ABC-SMC (30 particles, 2 populations, one game point on a belief grid of 8, 20
predictive histories, no leave-one-family-out runs): seconds for the run, and histories per
second of the inference (pyabc's import and database included; the game's solve and the
checks excluded), which sizes the rolling-origin backtests (each origin one run; attribution
multiplies a run by the number of families plus one).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

import numpy as np


def run() -> list[dict[str, Any]]:
    from qpq.case import load_case
    from qpq.sim import AbcSettings, calibrate_record

    case = load_case()
    settings = AbcSettings(population=30, generations=2, max_simulations=200, game_points=1,
                           grid_size=8, ppc_draws=20, attribution=False)
    stages: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        stages[stage] = stages.get(stage, 0.0) + now - last[0]
        last[0] = now

    start = time.perf_counter()
    last[0] = start
    cal = calibrate_record(case, dt.date(2024, 6, 30), rng=np.random.default_rng(0),
                           settings=settings, on_progress=progress)
    total = time.perf_counter() - start
    inference = stages.get("simulations", float("nan"))
    return [{
        "name": "record calibration as of 2024-06-30, 30 particles x 2 populations (qpq sim "
                "calibrate)", "figure": total, "unit": "s", "n": cal.simulations,
        "notes": f"{cal.simulations} histories 1996-2024 in {inference:.1f} s of inference, "
                 "pyabc's import and database included "
                 f"({cal.simulations / inference:.1f} histories/s), game solve "
                 f"{stages.get('equilibrium lookup', 0.0):.1f} s, one process; load average "
                 f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"}]
