"""The full default backtest (``qpq sim backtest``): time per origin, and its pooled skill.

17 half-year origins 2016-06-30..2024-06-30, 12-month windows, model v1, calibration per
origin at the command's defaults (1,000 parameter draws x 8 scenarios, ABC rejection on the
stylised facts known at the origin), 10,000 forecast scenarios per origin, one process.
Issue 16's goal: the whole backtest within 15 minutes on two cores. The pooled skill scores
are reported in the notes as they come (a check of the run, not a figure to improve).
Set ``QPQ_BACKTEST_ORIGINS=k`` to time only the first k origins (a quick look).
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from qpq.case import load_case
from qpq.sim import BacktestSpec, backtest
from qpq.sim._backtest import default_origins

GOAL_S = 15 * 60


def run() -> list[dict[str, Any]]:
    case = load_case()
    origins = default_origins()
    k = int(os.environ.get("QPQ_BACKTEST_ORIGINS", "0") or 0)
    if k:
        origins = origins[:k]
    spec = BacktestSpec(origins=origins)
    start = time.perf_counter()
    result = backtest(case, spec)
    total = time.perf_counter() - start
    pooled = result.pooled()

    def fmt(x: Any) -> str:
        return "n/a" if x is None else f"{x:+.2f}"

    def line(kind: str, key: str) -> str:
        e = pooled[f"all_{kind}"][key]
        return (f"{kind} {key}: skill vs climatology {fmt(e['skill_vs_climatology'])}, "
                f"vs persistence {fmt(e['skill_vs_persistence'])}")

    skills = "; ".join(line(kind, key) for kind, key in
                       (("binary", "brier"), ("count", "crps"), ("band", "crps")))
    per = result.seconds
    load = os.getloadavg()[0]
    return [
        {"name": "backtest: time per origin (calibration + forecast + scores)",
         "figure": statistics.median(per), "unit": "s", "n": len(per),
         "notes": f"median over {len(per)} origins (min {min(per):.1f}, max {max(per):.1f} s); "
                  f"draws 1,000 x 8, n 10,000, model v1, one process; load average "
                  f"{load:.1f} on {os.cpu_count()} cores"},
        {"name": "backtest: whole default backtest", "figure": total, "unit": "s",
         "n": len(per),
         "notes": f"{len(per)} origins; goal <= {GOAL_S} s on 2 cores "
                  f"({'met' if total <= GOAL_S else 'NOT met'}); pooled, as they come: "
                  + skills},
    ]
