"""CLI start-up: wall time of a fresh ``qpq`` process, as a user starts it.

* ``qpq --help``: goal <= 0.3 s;
* ``qpq game solve`` (the defaults, with the mixed search): goal <= 1.0 s.

Each command runs in a new interpreter (``python -m qpq``, the same entry point as the
``qpq`` script), once untimed so that the files are in the OS cache and the bytecode cache is
written, then 5 times; the figure is the median. ``PYTHONDONTWRITEBYTECODE`` is removed from
the children's environment (some sandboxes set it): without it every run would compile qpq's
sources again, which no installed copy does. The notes give bare interpreter start-up
(measured the same way) and the machine's load average, because on a shared machine much of
a figure can be other people's work rather than qpq's.
"""

from __future__ import annotations

import os
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
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run() -> list[dict[str, Any]]:
    bare = _cold_seconds(["-c", "pass"])
    entries = []
    for command, goal in GOALS.items():
        seconds = _cold_seconds(["-m", "qpq", *command.split()])
        load = os.getloadavg()[0]
        entries.append({
            "name": f"cold start: qpq {command}", "figure": seconds, "unit": "s", "n": REPEAT,
            "notes": f"new process each time, median of {REPEAT} after one warm-up run (bytecode "
                     f"cache on); goal "
                     f"<= {goal:g} s ({'met' if seconds <= goal else 'NOT met'}); bare "
                     f"interpreter start: {bare:.3f} s; load average {load:.1f} on "
                     f"{os.cpu_count()} cores"})
    return entries
