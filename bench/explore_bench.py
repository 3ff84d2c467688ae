"""Exploration lens: a full Sobol' study of the built-in case, and EMA Workbench as peer.

* **Sobol' study**: the built-in scenario ``deal-under-uncertainty`` (D uncertainties: 19
  since 2026-12-04, 12 before), N = 4096 base samples, first- and total-order indices of
  ``china_security`` under the reference policy: N·(D + 2) experiments (86,016; 57,344
  with 12), each the whole history 1996-2030 for
  the four Taliban types, then SALib's analysis. Wall time end to end (design, equilibrium
  lookups, simulation, analysis) on two worker processes (this machine's two cores);
  goal <= 60 s. One run: the study is itself a minute of work.
* **EMA Workbench peer** (bench/peers/ema/run_ema.py, its own Python 3.12 venv): the same
  per-experiment code wrapped in an EMA ``Model`` and run by EMA's ``SequentialEvaluator``
  on a sample of the study's experiments; its per-experiment cost is extrapolated to the
  study's experiments and the ratio is EMA's extrapolated time over ours (goal >= 100x).
  Skipped with a message when the peer's venv is missing (run bench/peers/ema/setup.sh).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from qpq.case import load_case
from qpq.explore import SobolResult, load_study, make_design, run_sensitivity
from qpq.parallel import ProcessPool

HERE = Path(__file__).resolve().parent
PEER = HERE / "peers" / "ema"
PEER_PY = PEER / ".venv" / "bin" / "python"
CACHE = HERE / ".cache"
SCENARIO = "deal-under-uncertainty"
OUTCOME = "china_security"
N = 4096
WORKERS = 2
EMA_SAMPLE = 24


def _ema(study: Any, policy: str) -> dict[str, Any] | None:
    if not PEER_PY.is_file():
        print("  ema peer skipped: bench/peers/ema/.venv is missing (run "
              "bench/peers/ema/setup.sh)", file=sys.stderr)
        return None
    design = make_design(study, "saltelli", N)
    pick = np.linspace(0, design.n_experiments - 1, EMA_SAMPLE).astype(int)
    CACHE.mkdir(exist_ok=True)
    path = CACHE / "ema_spec.json"
    path.write_text(json.dumps({"scenario": SCENARIO, "policy": policy, "outcome": OUTCOME,
                                "experiments": design.values[pick].tolist()}))
    out = subprocess.run([str(PEER_PY), str(PEER / "run_ema.py"), str(path)],
                         capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["pick"] = pick
    return result


def _cpu() -> float:
    """User + system CPU seconds of this process and its reaped children (the workers)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def run() -> list[dict[str, Any]]:
    case = load_case()
    study = load_study(SCENARIO, case)
    # fork: `python -m bench` runs the runner at import, so spawned workers could not
    # re-import the main module; the workers only run numpy code on their blocks
    c0 = _cpu()
    t0 = time.perf_counter()
    with ProcessPool(WORKERS, start_method="fork") as ex:
        res = run_sensitivity(case, study, n=N, outcomes=[OUTCOME], executor=ex)
    seconds = time.perf_counter() - t0
    cpu = _cpu() - c0
    experiments = int(res.design["experiments"])
    sobol = res.results[0]
    assert isinstance(sobol, SobolResult)     # a Saltelli design's study
    top = sorted(sobol.names, key=lambda k: -sobol.ST[k])[:4]
    ema = _ema(study, res.policy)
    ema_total = ema["per_experiment_s"] * experiments if ema else None
    cores = os.cpu_count()
    entries: list[dict[str, Any]] = [
        {"name": f"Sobol study, built-in case ({len(study.names)} uncertainties, N={N}, "
                 f"S1+ST), {WORKERS} workers",
         "figure": seconds, "unit": "s",
         "peer": f"EMA Workbench {ema['ema']} SequentialEvaluator (extrapolated)" if ema
         else None,
         "peer_figure": ema_total, "ratio": ema_total / seconds if ema_total else None,
         "n": experiments,
         "notes": f"{experiments:,} experiments x 4 Taliban types, 1996-2030, policy "
                  f"{res.policy}, grid {study.grid_size}; goal <= 60 s on 2 cores and >= 100x "
                  f"EMA; {cores} cores here; top ST: "
                  + ", ".join(f"{k} {sobol.ST[k]:.2f}" for k in top)
                  + (f"; EMA per-experiment cost from {EMA_SAMPLE} experiments of the design"
                     if ema else "; EMA peer skipped: run bench/peers/ema/setup.sh")},
        {"name": "explore: cost per experiment (whole study / experiments)",
         "figure": seconds / experiments * 1e3, "unit": "ms",
         "peer": "EMA Workbench SequentialEvaluator" if ema else None,
         "peer_figure": ema["per_experiment_s"] * 1e3 if ema else None,
         "ratio": ema["per_experiment_s"] / (seconds / experiments) if ema else None,
         "n": experiments,
         "notes": "ours on 2 workers, vectorised over blocks of 1,024 base samples; EMA one "
                  "experiment per call, one process"},
        {"name": "explore: Sobol study CPU time (all processes)", "figure": cpu, "unit": "s",
         "peer": "EMA Workbench SequentialEvaluator (extrapolated CPU)" if ema else None,
         "peer_figure": ema["cpu_per_experiment_s"] * experiments if ema else None,
         "ratio": ema["cpu_per_experiment_s"] * experiments / cpu if ema else None,
         "n": experiments,
         "notes": "user + system CPU of the parent and its workers: less sensitive than wall "
                  "time to other load on a shared machine; wall time on two idle cores is "
                  "about half of it"},
    ]
    if ema is not None:
        # same experiments, each with its own random numbers on the EMA side: a check
        ours = float(np.mean(_ours_at(case, study, res.policy, ema["pick"])))
        entries.append({
            "name": "explore vs EMA: outcome means agree", "figure": ours,
            "unit": f"{OUTCOME} (mean over the sampled experiments)", "peer": "EMA Workbench",
            "peer_figure": ema["mean"], "ratio": ours / ema["mean"] if ema["mean"] else None,
            "n": EMA_SAMPLE,
            "notes": "same equations and experiments, different random numbers: a check, "
                     "not a benchmark"})
    return entries


def _ours_at(case: Any, study: Any, policy: str, pick: Any) -> Any:
    from qpq.explore._evaluate import evaluate_block, model_setup

    setup = model_setup(case, study, [OUTCOME])
    design = make_design(study, "saltelli", N)
    rows = design.values[pick]
    return evaluate_block(setup, rows, 1, 0, [policy])[policy][OUTCOME]


if __name__ == "__main__":
    for e in run():
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in e.items()})
