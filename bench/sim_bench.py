"""Dynamics lens: throughput of the vectorised simulator, memory per scenario, Mesa 3 peer.

* throughput: scenario-steps (scenario-quarters) per second for N = 100,000 scenarios over
  the 120 quarters 1996Q1-2025Q4 under the `equilibrium` policy at the defaults, on two
  worker processes (this machine's two cores), median of 3 runs; the equilibrium lookup is
  built before timing and reported separately;
* model v2's throughput in the same run and setting (its relationship table over the
  timeline's stage regimes instead of v1's lookup: stationary strategies, mixed choices
  from their own stream, negative-binomial attacks, a UN report every quarter), on the
  same worker pool and in one process; v1 and v2 runs alternate, so the ratio v2/v1 is
  measured under the same load;
* peak memory per scenario: tracemalloc peak of a one-process run of N = 32,768 scenarios
  divided by N (working set of a chunk plus the per-scenario results);
* the Mesa 3 peer (bench/peers/mesa/model.py: one Mesa Model per scenario, one agent per
  actor group, the same equations) runs a sample of scenarios in its own venv; its
  scenario-steps per second are extrapolated from the sample, and the ratio is ours over
  Mesa's in the same unit. The peer is skipped with a message when its venv is missing
  (run bench/peers/mesa/setup.sh).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

from qpq.case import load_case
from qpq.parallel import ProcessPool
from qpq.sim._engine import RunSpec, simulate
from qpq.sim._lookup import build_table
from qpq.sim._policies import CONSEQUENCES
from qpq.sim._pools import default_pool, sim_registry
from qpq.sim._relationship_table import build_relationship_table
from qpq.sim._timeline import build_timeline

HERE = Path(__file__).resolve().parent
PEER = HERE / "peers" / "mesa"
PEER_PY = PEER / ".venv" / "bin" / "python"
CACHE = HERE / ".cache"
N = 100_000
START, STOP = dt.date(1996, 1, 1), dt.date(2025, 12, 31)   # 120 quarters
GRID = 24
GRID_V2 = 8          # v2's relationship is solved per cell (seconds each): a coarser grid
MESA_SAMPLE = 200
WORKERS = 2
CHUNK = 7  # blocks per chunk: 98 blocks = 14 chunks, 7 per worker


def _setup() -> tuple[Any, Any, Any]:
    case = load_case()
    pool = default_pool(sim_registry(case))
    tl = build_timeline(case, START, STOP)
    return pool, tl, build_table(pool, tl.regimes, GRID)


def _spec_json(pool: Any, tl: Any, table: Any) -> dict[str, Any]:
    c = CONSEQUENCES
    return {
        "start": tl.start, "grid_size": GRID, "params": pool.point(0),
        "us_presence": tl.us_presence.tolist(), "in_power": tl.taliban_in_power.tolist(),
        "recognitions": tl.recognitions.tolist(), "regime": tl.regime_index.tolist(),
        "selected": table.selected[0].tolist(), "effort": table.effort[0].tolist(),
        "response": table.response[0].tolist(),
        "response_no_report": table.response_no_report[0].tolist(),
        "breach": c.breach.astype(int).tolist(),
        "breach_no_report": c.breach_no_report.astype(int).tolist(),
        "consequences": {k: getattr(c, k).astype(int).tolist()
                         for k in ("recognised", "aid", "grants", "plan_b", "intervene")},
    }


def _mesa(pool: Any, tl: Any, table: Any) -> dict[str, Any] | None:
    if not PEER_PY.is_file():
        print("  mesa peer skipped: bench/peers/mesa/.venv is missing (run "
              "bench/peers/mesa/setup.sh)", file=sys.stderr)
        return None
    CACHE.mkdir(exist_ok=True)
    path = CACHE / "mesa_spec.json"
    path.write_text(json.dumps(_spec_json(pool, tl, table)))
    runs = []
    for rep in range(3):
        out = subprocess.run([str(PEER_PY), str(PEER / "model.py"), str(path),
                              str(MESA_SAMPLE), str(rep * MESA_SAMPLE)],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    best: dict[str, Any] = sorted(runs, key=lambda r: r["steps_per_s"])[1]
    best["mean_border_end"] = statistics.mean(r["mean_border_end"] for r in runs)
    best["mean_attacks_china"] = statistics.mean(r["mean_attacks_china"] for r in runs)
    return best


def run() -> list[dict[str, Any]]:
    pool, tl, _ = _setup()
    t0 = time.perf_counter()
    table = build_table(pool, tl.regimes, GRID)
    lookup_ms = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    table_v2 = build_relationship_table(pool, tl.v2_regimes()[0], GRID_V2)
    table_v2_s = time.perf_counter() - t0
    steps = N * tl.n_quarters
    spec = RunSpec(timeline=tl, pool=pool, table=table, policy="equilibrium", n=N, seed=0)
    spec_v2 = RunSpec(timeline=tl, pool=pool, table=table_v2, policy="equilibrium", n=N,
                      seed=0)
    pooled: dict[str, list[float]] = {"v1": [], "v2": []}
    single: dict[str, list[float]] = {"v1": [], "v2": []}
    # fork: `python -m bench` runs the runner at import, so spawned workers cannot
    # re-import the main module; the workers only run numpy element-wise code
    with ProcessPool(WORKERS, start_method="fork") as ex:
        simulate(spec, chunk_blocks=CHUNK, executor=ex)           # warm-up: workers start
        simulate(spec_v2, chunk_blocks=CHUNK, executor=ex)
        for _ in range(3):
            for model, sp in (("v1", spec), ("v2", spec_v2)):
                t0 = time.perf_counter()
                out = simulate(sp, chunk_blocks=CHUNK, executor=ex)
                pooled[model].append(time.perf_counter() - t0)
                if model == "v1":
                    res = out
    for _ in range(3):
        for model, sp in (("v1", spec), ("v2", spec_v2)):
            t0 = time.perf_counter()
            simulate(sp, chunk_blocks=CHUNK)
            single[model].append(time.perf_counter() - t0)
    load = os.getloadavg()[0]       # the machine is shared: how busy it was
    ours, ours_1 = (steps / statistics.median(pooled["v1"]),
                    steps / statistics.median(single["v1"]))
    v2, v2_1 = (steps / statistics.median(pooled["v2"]),
                steps / statistics.median(single["v2"]))

    n_mem = 32 * 1024
    mem_spec = RunSpec(timeline=tl, pool=pool, table=table, policy="equilibrium", n=n_mem,
                       seed=0)
    tracemalloc.start()
    simulate(mem_spec, chunk_blocks=32)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    border = float(res.series_frame()["militants_border"][-1])
    mesa = _mesa(pool, tl, table)
    cores = os.cpu_count()
    peer = f"Mesa {mesa['mesa']} (one Model per scenario)" if mesa else None
    entries: list[dict[str, Any]] = [
        {"name": f"sim throughput, {WORKERS} workers (equilibrium policy, 1996Q1-2025Q4)",
         "figure": ours, "unit": "scenario-steps/s",
         "peer": peer,
         "peer_figure": mesa["steps_per_s"] if mesa else None,
         "ratio": ours / mesa["steps_per_s"] if mesa else None, "n": steps,
         "notes": f"N={N} x {tl.n_quarters} quarters on {cores} cores, median of 3; goal "
                  f">= 1e7 steps/s and >= 300x Mesa; Mesa extrapolated from {MESA_SAMPLE} "
                  "scenarios (median of 3 samples)" if mesa else
                  "Mesa peer skipped: run bench/peers/mesa/setup.sh"},
        {"name": "sim throughput, 1 process", "figure": ours_1, "unit": "scenario-steps/s",
         "peer": peer if mesa else None, "peer_figure": mesa["steps_per_s"] if mesa else None,
         "ratio": ours_1 / mesa["steps_per_s"] if mesa else None, "n": steps,
         "notes": "same run without worker processes: the process-for-process ratio (Mesa "
                  "runs one process; it would parallelise over scenarios just as well)"},
        {"name": f"sim throughput model v2, {WORKERS} workers (equilibrium, 1996Q1-2025Q4)",
         "figure": v2, "unit": "scenario-steps/s", "peer": "model v1, same run",
         "peer_figure": ours, "ratio": v2 / ours, "n": steps,
         "notes": f"N={N} x {tl.n_quarters} quarters, relationship table over "
                  f"{len(table_v2.regimes)} stage regimes x {GRID_V2} belief grid points, "
                  f"median of 3 on {cores} cores (load average {load:.1f}); goal >= 1e7 "
                  "steps/s (issue 15); ratio = v2 over v1, runs alternating under the same "
                  "load"},
        {"name": "sim throughput model v2, 1 process", "figure": v2_1,
         "unit": "scenario-steps/s", "peer": "model v1, same run", "peer_figure": ours_1,
         "ratio": v2_1 / ours_1, "n": steps,
         "notes": "same runs without worker processes; ratio = v2 over v1"},
        {"name": "model v2 relationship table (one parameter point)", "figure": table_v2_s,
         "unit": "s", "peer": None, "peer_figure": None, "ratio": None,
         "n": len(table_v2.regimes) * GRID_V2,
         "notes": f"qpq.sim.build_relationship_table: {len(table_v2.regimes)} stage regimes x "
                  f"{GRID_V2} belief grid points (v1's lookup: see above)"},
        {"name": "sim peak memory per scenario", "figure": peak / n_mem, "unit": "bytes",
         "peer": None, "peer_figure": None, "ratio": None, "n": n_mem,
         "notes": "tracemalloc peak of one chunk of 32 blocks, divided by its scenarios"},
        {"name": "equilibrium lookup (one parameter point)", "figure": lookup_ms, "unit": "ms",
         "peer": None, "peer_figure": None, "ratio": None,
         "n": len(tl.regimes) * GRID,
         "notes": f"{len(tl.regimes)} regimes x {GRID} belief grid points, 6 first moves"},
    ]
    if mesa is not None:
        entries.append({
            "name": "sim vs Mesa: ensemble means agree", "figure": border,
            "unit": "fighters (border zone, 2025Q4 mean)", "peer": "Mesa",
            "peer_figure": mesa["mean_border_end"],
            "ratio": border / mesa["mean_border_end"] if mesa["mean_border_end"] else None,
            "n": MESA_SAMPLE * 3,
            "notes": "same equations, different random numbers: a check, not a benchmark"})
    return entries


if __name__ == "__main__":
    for e in run():
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in e.items()})
    np.set_printoptions()
