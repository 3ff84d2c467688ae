"""Exploration's cost per experiment: one chunk through the lookup and the simulation.

One chunk of the built-in scenario ``deal-under-uncertainty`` (1,024 Monte Carlo
experiments, one noise block, policies ``boycott`` and ``engage_reward_if_suppressed``, the
scenario's outcomes, its history) through ``evaluate_block`` in one process: the
equilibrium lookup for the experiments' game points, then the simulation of every type.
Figures are CPU seconds of a child process (user + system, less sensitive to other load than
wall time), medians of 10 chunks (two children, each timing 5 chunks after a warm-up).

Until 2026-12-07 the peer was qpq v1 (commit 9bc3531, the lookup on the full kernel),
checked out from history and run beside ours: 2.19x the CPU per experiment on 2026-12-04,
with identical outcomes. The case and the simulator have changed since (19 uncertainties
where that commit's case had 12; v2's attack draws), so the old code now runs another
workload and the comparison no longer says anything; exploration's peer is EMA Workbench
(bench/explore_bench.py).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, resource
from qpq.case import load_case
from qpq.explore import evaluate_block, load_study, make_design, model_setup
case = load_case()
study = load_study("deal-under-uncertainty", case)
setup = model_setup(case, study)
design = make_design(study, "mc", 1024)
policies = ["boycott", "engage_reward_if_suppressed"]
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
times = []
for _ in range(6):
    t0 = cpu()
    out = evaluate_block(setup, design.values, 1, 0, policies)
    times.append(cpu() - t0)
print(json.dumps({"times": times[1:], "uncertainties": len(study.names),
                  "outcomes": len(out[policies[0]]),
                  "years": [study.start.year, study.until.year]}))
"""


def _child() -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin",
                                          "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run() -> list[dict[str, Any]]:
    """Per-experiment CPU cost of one exploration chunk."""
    n = 1024
    children = [_child() for _ in range(2)]     # each times 5 chunks after a warm-up
    times = [t for child in children for t in child["times"]]
    what = children[0]
    ms = statistics.median(times) / n * 1e3
    return [{
        "name": "explore: cost per experiment, one chunk in-process (lookup + simulation)",
        "figure": round(ms, 4), "unit": "CPU ms/experiment", "n": n,
        "notes": (f"deal-under-uncertainty ({what['uncertainties']} uncertainties), mc, 1,024 "
                  f"experiments (one block), policies boycott + engage_reward_if_suppressed, "
                  f"{what['outcomes']} outcomes, {what['years'][0]}-{what['years'][1]}; "
                  f"evaluate_block in two child processes, CPU time, median of 10 chunks"),
    }]
