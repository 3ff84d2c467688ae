"""The benchmark runner: run each benchmark module, record results, render the table.

Each module in :data:`MODULES` exposes ``run() -> list[dict]`` whose entries carry
``name, figure, unit, peer, peer_figure, ratio, n, notes``; the runner adds ``machine`` and
``date`` and merges them into ``bench/results.json`` (entries of modules not run this time
are kept), then renders ``bench/README.md``.

Usage: ``python -m bench [MODULE ...]`` (default: all), e.g. ``python -m bench evidence``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
README = HERE / "README.md"

# Benchmark modules by short name, in the order they run.
MODULES: dict[str, str] = {
    "evidence": "bench.evidence_bench",
    "game": "bench.game_bench",
    "game_v2": "bench.game_v2_bench",
    "tracing": "bench.tracing_bench",
    "propositions": "bench.propositions_bench",
    "bargain": "bench.bargain_bench",
    "sim": "bench.sim_bench",
    "calibration": "bench.calibration_bench",
    "backtest": "bench.backtest_bench",
    "explore": "bench.explore_bench",
    "explore_runs": "bench.explore_runs_bench",
    "explore_v2": "bench.explore_v2_bench",
    "lookup": "bench.lookup_bench",
    "dashboard": "bench.dashboard_bench",
    "cli": "bench.cli_bench",
    "fuzz": "bench.fuzz_bench",
}

FIELDS = ("name", "figure", "unit", "peer", "peer_figure", "ratio", "n", "machine", "date",
          "notes")


def machine() -> str:
    """A one-line description of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; "
            f"numpy {np.__version__}")


def _load() -> list[dict[str, Any]]:
    if RESULTS.is_file():
        data: list[dict[str, Any]] = json.loads(RESULTS.read_text())
        return data
    return []


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def render(entries: list[dict[str, Any]]) -> str:
    """The README table."""
    lines = [
        "# Benchmarks",
        "",
        "Run with `make bench` (or `python -m bench MODULE`). Figures are medians over repeats;",
        "peers run in the same session on the same machine, so ratios are the figures to quote.",
        "Machines here are shared and noisy. Generated from `results.json`; do not edit by hand.",
        "",
        "| benchmark | figure | unit | peer | peer figure | ratio | n | date | notes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for e in entries:
        lines.append("| " + " | ".join(_fmt(e.get(k)) for k in (
            "name", "figure", "unit", "peer", "peer_figure", "ratio", "n", "date", "notes"))
            + " |")
    for short in MODULES:
        # a module may explain its rows at more length than a table cell holds
        if any(e.get("module") == short for e in entries):
            about = getattr(importlib.import_module(MODULES[short]), "ABOUT", None)
            if about:
                lines += ["", about.strip()]
    machines = sorted({e["machine"] for e in entries if e.get("machine")})
    if machines:
        lines += ["", "Machines: " + "; ".join(f"`{m}`" for m in machines)]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Run the named modules (default: all) and update results.json and README.md."""
    names = argv or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        print(f"unknown benchmark module(s): {', '.join(unknown)}; known: {', '.join(MODULES)}",
              file=sys.stderr)
        return 2
    entries = _load()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    where = machine()
    for short in names:
        module = importlib.import_module(MODULES[short])
        print(f"== {short}", flush=True)
        fresh = []
        for entry in module.run():
            entry = {k: entry.get(k) for k in FIELDS} | {"module": short}
            entry["machine"] = where
            entry["date"] = stamp
            fresh.append(entry)
            print(f"  {entry['name']}: {_fmt(entry['figure'])} {entry['unit']}"
                  + (f" (peer {entry['peer']}: {_fmt(entry['peer_figure'])}, ratio "
                     f"{_fmt(entry['ratio'])})" if entry.get("peer") else ""), flush=True)
        entries = [e for e in entries if e.get("module") != short] + fresh
    order = {name: i for i, name in enumerate(MODULES)}
    entries.sort(key=lambda e: order.get(e.get("module", ""), len(order)))
    RESULTS.write_text(json.dumps(entries, indent=2) + "\n")
    README.write_text(render(entries))
    print(f"wrote {RESULTS.relative_to(HERE.parent)} and {README.relative_to(HERE.parent)}")
    return 0
