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

from qpq.case import load_case
from qpq.explore import load_study

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import hashlib, json, resource, time
import numpy as np
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
digest = hashlib.sha256()
for p in policies:
    for o in sorted(out[p]):
        digest.update(np.ascontiguousarray(out[p][o]).tobytes())
print(json.dumps({"times": times[1:], "digest": digest.hexdigest()[:16]}))
"""


def _child(src: Path) -> dict[str, Any]:
    env_path = str(src)
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin",
                                          "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run() -> list[dict[str, Any]]:
    """Per-experiment CPU cost of one exploration chunk."""
    n = 1024
    times: list[float] = []
    digests = set()
    for _ in range(2):              # each child times 5 chunks after a warm-up
        child = _child(ROOT / "src")
        times += child["times"]
        digests.add(child["digest"])
    study = load_study("deal-under-uncertainty", load_case())
    ms = statistics.median(times) / n * 1e3
    return [{
        "name": "explore: cost per experiment, one chunk in-process (lookup + simulation)",
        "figure": round(ms, 4), "unit": "CPU ms/experiment", "n": n,
        "notes": (f"deal-under-uncertainty ({len(study.names)} uncertainties), mc, 1,024 "
                  f"experiments (one block), policies boycott + engage_reward_if_suppressed, "
                  f"{len(study.outcomes)} outcomes, {study.start.year}-{study.until.year}; "
                  f"evaluate_block in two child processes, CPU time, median of 10 chunks; "
                  f"the two children's outcomes identical: {len(digests) == 1}"),
    }]
