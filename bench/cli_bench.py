"""CLI start-up: wall time of a fresh ``qpq`` process, as a user starts it.

* ``qpq --help``: goal <= 0.3 s;
* ``qpq game solve`` (the defaults, with the mixed search): goal <= 1.0 s.

Each command runs in a new interpreter (``python -m qpq``, the same entry point as the
``qpq`` script), once untimed so that the files are in the OS cache, then 5 times; the
figure is the median. Bare interpreter start-up is measured the same way and given in the
notes, because on a shared machine it shows how much of a figure is load rather than qpq.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Any

REPEAT = 5
GOALS = {"--help": 0.3, "game solve": 1.0}


def _cold_seconds(args: list[str]) -> float:
    """Median wall time of ``python ARGS`` in a new process (one warm-up run)."""
    cmd = [sys.executable, *args]
    subprocess.run(cmd, check=True, capture_output=True)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run() -> list[dict[str, Any]]:
    bare = _cold_seconds(["-c", "pass"])
    entries = []
    for command, goal in GOALS.items():
        seconds = _cold_seconds(["-m", "qpq", *command.split()])
        entries.append({
            "name": f"cold start: qpq {command}", "figure": seconds, "unit": "s", "n": REPEAT,
            "notes": f"new process each time, median of {REPEAT} after one warm-up run; goal "
                     f"<= {goal:g} s ({'met' if seconds <= goal else 'NOT met'}); bare "
                     f"interpreter start: {bare:.3f} s"})
    return entries
