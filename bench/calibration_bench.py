"""The calibration on the record (``qpq sim calibrate``): what one history and one run cost.

``calibrate_record`` on the built-in case as of 2024-06-30, history from 1996, model v2, one
game point on a belief grid of 8, 20 predictive histories, no leave-one-family-out step: the
default rejection sampler at its default size (500 of 50,000 histories, simulated side by
side, the regression adjustment on the record's summary statistics included) and a small
pyabc ABC-SMC (30 particles, 2 populations): seconds for each run, and histories per second
of the inference (the game's solve, done once per process, and the checks excluded), which
sizes the rolling-origin backtests (each origin one run; under ABC-SMC attribution multiplies
a run by the number of families plus one, under rejection it re-ranks the same histories).
And the game's solve per game point at the default belief grid (12), cold and from the
solved regimes' disk cache (what the default number of game points costs). And the whole
default ``qpq sim calibrate --as-of 2024-06-30 --no-cache --json`` (30 game points, grid
12, attribution) as a user runs it, a fresh process each time: in one process and with
``--workers 2`` (game points solved and prior histories simulated on two worker
processes), taking turns, with the two documents compared.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np


def _one(case: Any, settings: Any) -> tuple[Any, float, dict[str, float]]:
    from qpq.sim import calibrate_record

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
    return cal, time.perf_counter() - start, stages


def run() -> list[dict[str, Any]]:
    from qpq.case import load_case
    from qpq.sim import AbcSettings

    case = load_case()
    load = f"one process; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    out = []
    for sampler, settings, label in (
            ("rejection", AbcSettings(game_points=1, grid_size=8, ppc_draws=20,
                                      attribution=False),
             "500 of 50,000 histories (rejection, adjusted: the default sampler and size)"),
            ("abc-smc", AbcSettings(sampler="abc-smc", population=30, generations=2,
                                    max_simulations=200, game_points=1, grid_size=8,
                                    ppc_draws=20, attribution=False),
             "30 particles x 2 populations (pyabc ABC-SMC)")):
        cal, total, stages = _one(case, settings)
        inference = stages.get("simulations", float("nan"))
        out.append({
            "name": f"record calibration as of 2024-06-30, {label}", "figure": total,
            "unit": "s", "n": cal.simulations,
            "notes": f"{cal.simulations} histories 1996-2024 in {inference:.1f} s of inference "
                     f"({cal.simulations / inference:.1f} histories/s"
                     + (", pyabc's import and database included" if sampler == "abc-smc"
                        else ", side by side") + "), game solve "
                     f"{stages.get('equilibrium lookup', 0.0):.1f} s (once per process), "
                     f"effective sample size {cal.ess:.1f}"
                     + ("; adjusted" if "regression adjustment of" in cal.method else "")
                     + f"; {load}"})
    out.append(_solve_cost(case, load))
    out.append(_workers())
    return out


def _workers(repeat: int = 2) -> dict[str, Any]:
    """The default CLI calibration, cold, in one process and on two workers (wall seconds)."""
    args = [sys.executable, "-m", "qpq", "sim", "calibrate", "--as-of", "2024-06-30",
            "--no-cache", "--json"]
    runs: dict[int, list[float]] = {1: [], 2: []}
    docs: dict[int, Any] = {}
    for _ in range(repeat):
        for workers in (1, 2):
            start = time.perf_counter()
            done = subprocess.run([*args, "--workers", str(workers)], capture_output=True,
                                  text=True, check=True)
            runs[workers].append(time.perf_counter() - start)
            docs[workers] = json.loads(done.stdout)
    one, two = statistics.median(runs[1]), statistics.median(runs[2])
    s = docs[2]["settings"]
    return {"name": "record calibration as of 2024-06-30, the defaults (qpq sim calibrate "
                    "--no-cache), --workers 2", "figure": two, "unit": "s",
            "peer": "the same, one process", "peer_figure": one, "ratio": one / two,
            "n": int(docs[2]["simulations"]),
            "notes": f"{s['game_points']} game points on a belief grid of {s['grid_size']} "
                     f"solved cold, {s['max_simulations']:,} prior histories, attribution and "
                     f"checks; a fresh process each run (start-up included), "
                     f"the two taking turns, median of {repeat}; ratio = speed-up; identical "
                     f"documents: {docs[1] == docs[2]}; load average "
                     f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"}


def _solve_cost(case: Any, load: str, points: int = 4) -> dict[str, Any]:
    """Seconds per solved game point at the default grid, and again from the disk cache."""
    import tempfile
    from pathlib import Path

    from qpq.case import case_as_of
    from qpq.sim import AbcSettings
    from qpq.sim._abc import _TABLES, _prepare

    as_of = dt.date(2024, 6, 30)
    settings = AbcSettings(game_points=points)
    times = []
    with tempfile.TemporaryDirectory(prefix="qpq-solves-") as tmp:
        for _ in range(2):                        # cold, then read back from the disk cache
            _TABLES.clear()
            start = time.perf_counter()
            fw = _prepare(case, case_as_of(case, as_of), as_of, settings, None, Path(tmp))
            times.append(time.perf_counter() - start)
    regimes = len(fw.timeline.v2_regimes()[0])
    return {"name": f"record calibration's game solve as of 2024-06-30, belief grid "
                    f"{settings.grid_size}, per game point", "figure": times[0] / points,
            "unit": "s", "n": points,
            "notes": f"{points} game points x {regimes} regimes solved in {times[0]:.1f} s; "
                     f"from the disk cache {times[1]:.2f} s (the record and timeline "
                     f"included); {load}"}
