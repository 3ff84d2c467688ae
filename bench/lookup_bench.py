"""Exploration's cost per experiment against qpq v1, in the same run.

One chunk of the built-in scenario ``deal-under-uncertainty`` (1,024 Monte Carlo
experiments, one noise block, policies ``boycott`` and ``engage_reward_if_suppressed``, the
scenario's five outcomes, history 1996-2030) through ``evaluate_block`` in one process: the
equilibrium lookup for the experiments' game points, then the simulation of every type. The
peer is the same chunk on qpq v1 (commit :data:`V1`, the code before the lookup moved onto
the pruned kernel through ``qpq.game.continuations``), checked out from this repository's
history into a temporary folder and run in a child process beside ours, turn about, so both
see the same machine. Figures are CPU seconds of the child (user + system, less sensitive
to other load than wall time), medians of 10 chunks (two children per version, each timing
5 chunks after a warm-up); the children also
print a digest of every outcome, which must agree (the stored results are identical).
Needs the repository's git history; without it the peer is reported as unavailable.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
V1 = "9bc3531"
"""The last commit whose exploration lookup ran the full kernel (qpq.explore.lookup)."""

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


def _v1_source(folder: Path) -> Path | None:
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", V1, "src"],
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src"


def run() -> list[dict[str, Any]]:
    """Per-experiment CPU cost of one exploration chunk, ours and v1's."""
    n = 1024
    with tempfile.TemporaryDirectory() as tmp:
        old_src = _v1_source(Path(tmp))
        ours_t: list[float] = []
        v1_t: list[float] = []
        digests = set()
        # each child times 5 chunks after a warm-up; the versions take turns, twice
        for _ in range(2):
            ours = _child(ROOT / "src")
            ours_t += ours["times"]
            digests.add(ours["digest"])
            if old_src is not None:
                v1 = _child(old_src)
                v1_t += v1["times"]
                digests.add(v1["digest"])
    ours_ms = statistics.median(ours_t) / n * 1e3
    same = len(digests) == 1
    v1_ms = statistics.median(v1_t) / n * 1e3 if v1_t else None
    return [{
        "name": "explore: cost per experiment, one chunk in-process (lookup + simulation)",
        "figure": round(ours_ms, 4), "unit": "CPU ms/experiment",
        "peer": f"qpq v1 ({V1}, lookup on the full kernel)" if v1_ms else "qpq v1 (no git "
                "history: not run)",
        "peer_figure": round(v1_ms, 4) if v1_ms else None,
        "ratio": round(v1_ms / ours_ms, 3) if v1_ms else None, "n": n,
        "notes": (f"deal-under-uncertainty, mc, 1,024 experiments (one block), policies "
                  f"boycott + engage_reward_if_suppressed, 5 outcomes, 1996-2030; evaluate_block "
                  f"in two child processes per version taking turns, CPU time, median of 10 "
                  f"chunks; "
                  f"ratio = v1 / ours (goal >= 2); identical outcomes: {same}"),
    }]
