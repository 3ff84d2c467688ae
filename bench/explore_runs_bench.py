"""Exploration runs: chunked runs streamed to the Parquet store, on each executor.

All figures are one study: the built-in scenario ``deal-under-uncertainty`` (its
uncertainties: 19 since 2026-12-04, 12 before; history 1996-2030), a Monte Carlo design
(``method="mc"``) of 8 random-number blocks = 8,192 experiments, policies ``boycott`` and
``engage_reward_if_suppressed``, the scenario's five outcomes, one block per chunk (8 chunks).

* **In-process throughput**: experiments/s of ``run_plan(plan, dir, executor=InProcess())``
  into a fresh directory, against the same experiments through the pre-existing
  ``evaluate(setup, make_design(...), policies)`` with no store at all.
* **Store + runner overhead per chunk**, timed directly (not as a difference of two whole
  runs, which is dominated by noise): building one chunk's frame (``chunk_frame``) and
  writing its Parquet partition and the manifest (``RunStore.write_chunk``), median of
  20 writes into one fresh store, each of a distinct chunk index. Peer: compute per chunk,
  the median ``ChunkOutput.seconds`` (time inside ``run_chunk``) of the chunks of the timed
  in-process runs.
* **Dask LocalCluster scaling**: the same plan on ``DaskCluster(1)`` and ``DaskCluster(2)``;
  cluster start-up (including importing qpq on the workers) is timed apart and excluded.
  Scaling efficiency = T(1 worker) / (2 x T(2 workers)). ``ProcessPool(2)`` (spawned
  processes, started and warmed before timing) is the local peer.
* **Executor overhead per chunk** (Dask and ProcessPool, each with 1 worker, against
  in-process): 64 tiny chunk tasks (8 rows, one policy, but the full model set-up) through
  ``ex.map_unordered(run_chunk, tasks)`` on ``InProcess()``, a fresh ``DaskCluster(1)`` and
  ``ProcessPool(1)``, both started and warmed before timing; the three are timed in turn,
  3 rounds, medians. A tiny task still computes for 0.1-0.2 s (the simulated history has
  a fixed cost per block) and that compute runs at different speeds in different processes,
  by more than the overhead, so each task's own compute (``ChunkOutput.seconds``) is
  subtracted: overhead = (per-task wall - per-task compute) on the executor minus the same
  in-process, i.e. pickling and moving task and result, scheduling and idle gaps. Per-task
  wall times are in the notes. Tiny tasks carry 8 rows and return 8 results, so the
  transfer of a real chunk's ~100 KB of rows and ~80 KB of outcomes is not included
  (sizes in the notes).
* **Bounded memory**: peak RSS of a fresh subprocess that runs an in-process plan of 4
  blocks and one of 32 blocks (``mc``, policy ``boycott`` only, history shortened to
  2019-2024 to keep it cheap); the ratio should be about 1 (memory is bounded by the chunk,
  not the run). The peak is the child's ``VmHWM`` (/proc/self/status), not ``ru_maxrss``:
  Linux carries the parent's peak across fork and execve into the child's ``ru_maxrss``,
  so it would report this benchmark process's peak (``ru_maxrss`` is the fallback off
  Linux).

Whole-run timings are medians of 3 when one run takes under 15 s, otherwise a single run
(said in the notes). ``QPQ_BENCH_SMALL=1`` runs a quick smoke-test size (2 blocks; 8 tiny
tasks; memory 1 vs 4 blocks). Workers are only started inside :func:`run`, never at import
(the runner imports this module; spawned workers import it too).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from qpq.case import load_case
from qpq.explore._chunked_runs import (
    ChunkOutput,
    ChunkTask,
    RunPlan,
    chunk_frame,
    code_fingerprint,
    plan_run,
    run_chunk,
    run_plan,
)
from qpq.explore._designs import make_design
from qpq.explore._evaluate import evaluate, evaluate_block
from qpq.explore._loading import load_study
from qpq.explore._run_store import ChunkSpec, RunStore
from qpq.parallel import ChunkExecutor, DaskCluster, InProcess, ProcessPool
from qpq.sim._rng import BLOCK_SIZE

SCENARIO = "deal-under-uncertainty"
POLICIES = ("boycott", "engage_reward_if_suppressed")
SMALL = os.environ.get("QPQ_BENCH_SMALL", "") not in ("", "0")
BLOCKS = 2 if SMALL else 8               # experiments = BLOCKS x 1,024
MEM_BLOCKS = (1, 4) if SMALL else (4, 32)
MEM_POLICY = "boycott"
MEM_START, MEM_UNTIL = dt.date(2019, 1, 1), dt.date(2024, 12, 31)
WORKERS = 2
REPEAT = 3
REPEAT_BELOW_S = 15.0                    # repeat only runs shorter than this
WRITE_REPEAT = 20                        # chunk writes timed (distinct chunk indices)
TINY_TASKS = 8 if SMALL else 64          # tiny tasks per round (executor overhead)
TINY_ROWS = 8
TINY_POLICIES = POLICIES[:1]             # one policy: halves a tiny task's compute

T = TypeVar("T")
R = TypeVar("R")

# Run by a fresh interpreter: peak RSS (KiB) of one in-process run of ``argv[1]`` blocks.
_MEMORY_CHILD = """
import dataclasses, datetime, json, resource, sys, tempfile
from pathlib import Path
from qpq.case import load_case
from qpq.explore._loading import load_study
from qpq.explore._chunked_runs import plan_run, run_plan
from qpq.sim._rng import BLOCK_SIZE


def peak_kb():
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


blocks = int(sys.argv[1])
case = load_case()
study = dataclasses.replace(load_study(sys.argv[2], case),
                            start=datetime.date.fromisoformat(sys.argv[3]),
                            until=datetime.date.fromisoformat(sys.argv[4]))
plan = plan_run(case, study, method="mc", n=blocks * BLOCK_SIZE, policies=(sys.argv[5],),
                chunk_blocks=1)
before = peak_kb()
with tempfile.TemporaryDirectory() as d:
    s = run_plan(plan, Path(d) / "run")
after = peak_kb()
print(json.dumps({"before_kb": before, "peak_kb": after, "chunks": s.chunks_run,
                  "experiments": s.experiments, "seconds": s.seconds, "status": s.status}))
"""


def _timed(fn: Callable[[], Any]) -> tuple[float, int]:
    """Median seconds of ``fn()`` and the number of runs (3 if the first is short, else 1)."""
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if times[0] >= REPEAT_BELOW_S:
            break
    return statistics.median(times), len(times)


def _reps(k: int) -> str:
    return f"median of {k}" if k > 1 else "one run (a run takes over 15 s)"


def _run_on(plan: RunPlan, ex: ChunkExecutor) -> Callable[[], None]:
    """A fresh run of ``plan`` on ``ex`` into a new temporary directory."""
    def once() -> None:
        with tempfile.TemporaryDirectory() as d:
            summary = run_plan(plan, Path(d) / "run", executor=ex)
            if summary.status != "complete":
                raise RuntimeError(f"benchmark run ended {summary.status}")
    return once


def _evaluate_only(plan: RunPlan) -> Callable[[], None]:
    """The same experiments through evaluate(): design drawn whole, no store, no runner."""
    def once() -> None:
        design = make_design(plan.study, "mc", plan.config.n)
        evaluate(plan.setup, design, plan.config.policies)
    return once


class _Recording(InProcess):
    """``InProcess`` that keeps the compute seconds (``ChunkOutput.seconds``) of each chunk."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """``fn(task)`` for each task, in order, noting each chunk's compute time."""
        for result in super().map_unordered(fn, tasks):
            if isinstance(result, ChunkOutput):
                self.seconds.append(result.seconds)
            yield result


def _tiny_tasks(plan: RunPlan, count: int, policies: tuple[str, ...] | None = None
                ) -> list[ChunkTask]:
    """Chunk tasks of 8 rows each (default: the plan's policies), to warm or probe executors.

    Each carries the full model set-up, like a real chunk's task, but only 8 design rows.
    """
    spec = ChunkSpec(0, 0, 1, 0, TINY_ROWS)
    return [ChunkTask(spec, plan.setup, plan.values(0, TINY_ROWS), plan.group_size,
                      policies or plan.config.policies, code_fingerprint())
            for _ in range(count)]


class _WriteCost(NamedTuple):
    total: float      # median seconds: frame + partition + manifest
    frame: float      # median seconds: chunk_frame alone
    write: float      # median seconds: RunStore.write_chunk alone


def _write_cost(plan: RunPlan) -> _WriteCost:
    """Medians over WRITE_REPEAT chunks written into one fresh store, each a new index.

    Every write builds the frame of chunk 0's rows and outcomes, relabelled as chunk ``i``
    (rows ``[i x rows, (i+1) x rows)``), so each lands in its own partition and the manifest
    gains one chunk per write, as in a run.
    """
    c = plan.chunks[0]
    values = plan.values(c.lo, c.hi)
    out = run_chunk(ChunkTask(c, plan.setup, values, plan.group_size, plan.config.policies,
                              code_fingerprint()))
    specs = tuple(ChunkSpec(i, i, i + 1, i * c.rows, (i + 1) * c.rows)
                  for i in range(WRITE_REPEAT))
    totals, frames, writes = [], [], []
    with tempfile.TemporaryDirectory() as d:
        store = RunStore.create(Path(d) / "run", plan.config, specs, {})
        for spec in specs:
            relabelled = ChunkOutput(spec, out.outcomes, out.seconds, out.worker)
            t0 = time.perf_counter()
            frame = chunk_frame(plan, values, relabelled)
            t1 = time.perf_counter()
            store.write_chunk(spec.index, frame)
            t2 = time.perf_counter()
            totals.append(t2 - t0)
            frames.append(t1 - t0)
            writes.append(t2 - t1)
        if len(store.done) != WRITE_REPEAT:
            raise RuntimeError(f"wrote {len(store.done)} of {WRITE_REPEAT} chunks")
    return _WriteCost(statistics.median(totals), statistics.median(frames),
                      statistics.median(writes))


def _start_dask(workers: int) -> tuple[DaskCluster, float]:
    """A fresh LocalCluster whose workers have imported qpq, and its start-up seconds."""
    t0 = time.perf_counter()
    ex = DaskCluster(workers)
    try:
        ex.client.run(code_fingerprint)          # every worker imports qpq before timing
    except BaseException:
        ex.close()
        raise
    return ex, time.perf_counter() - t0


def _dask(plan: RunPlan, workers: int) -> tuple[float, int, float]:
    """(median run seconds, runs, start-up seconds) on a fresh LocalCluster."""
    ex, startup = _start_dask(workers)
    try:
        seconds, k = _timed(_run_on(plan, ex))
    finally:
        ex.close()
    return seconds, k, startup


def _pool(plan: RunPlan, workers: int) -> tuple[float, int, float]:
    """(median run seconds, runs, start-up seconds) on a ProcessPool of ``workers``."""
    with ProcessPool(workers) as ex:
        t0 = time.perf_counter()
        for _ in ex.map_unordered(run_chunk, _tiny_tasks(plan, 2 * workers)):
            pass
        startup = time.perf_counter() - t0
        seconds, k = _timed(_run_on(plan, ex))
    return seconds, k, startup


class _PerTask(NamedTuple):
    """Medians over the rounds, seconds per task."""

    wall: float       # wall time of the whole map / tasks
    compute: float    # mean ChunkOutput.seconds (inside run_chunk)
    other: float      # wall - compute: what the executor adds


def _map_tiny(ex: ChunkExecutor, tasks: list[ChunkTask]) -> tuple[float, float, float]:
    """(wall, compute, wall - compute) seconds per task of one map of ``tasks`` on ``ex``."""
    t0 = time.perf_counter()
    outs = list(ex.map_unordered(run_chunk, tasks))
    wall = time.perf_counter() - t0
    if len(outs) != len(tasks):
        raise RuntimeError(f"{ex.name}: {len(outs)} results for {len(tasks)} tasks")
    compute = sum(o.seconds for o in outs)
    return wall / len(tasks), compute / len(tasks), (wall - compute) / len(tasks)


def _executor_overhead(plan: RunPlan) -> dict[str, _PerTask]:
    """Per-task times of TINY_TASKS tiny tasks on in-process, Dask(1) and ProcessPool(1).

    Dask and the pool are started and warmed (each worker runs tiny tasks) before timing;
    the three executors are then timed in turn, REPEAT rounds, so a slow spell of a shared
    machine hits all of them.
    """
    tasks = _tiny_tasks(plan, TINY_TASKS, TINY_POLICIES)
    dask, _ = _start_dask(1)
    try:
        with ProcessPool(1) as pool:
            executors: dict[str, ChunkExecutor] = {"in-process": InProcess(), "dask": dask,
                                                   "pool": pool}
            for ex in executors.values():
                _map_tiny(ex, tasks[:2])                  # warm: first calls, imports
            rounds: dict[str, list[tuple[float, float, float]]] = {k: [] for k in executors}
            for _ in range(REPEAT):
                for name, ex in executors.items():
                    rounds[name].append(_map_tiny(ex, tasks))
    finally:
        dask.close()
    return {name: _PerTask(*(statistics.median(r[j] for r in rs) for j in range(3)))
            for name, rs in rounds.items()}


def _memory(blocks: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(blocks), SCENARIO,
                          MEM_START.isoformat(), MEM_UNTIL.isoformat(), MEM_POLICY],
                         capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if result["status"] != "complete":
        raise RuntimeError(f"memory run of {blocks} blocks ended {result['status']}")
    return result


def run() -> list[dict[str, Any]]:
    case = load_case()
    study = load_study(SCENARIO, case)
    plan = plan_run(case, study, method="mc", n=BLOCKS * BLOCK_SIZE, policies=POLICIES,
                    chunk_blocks=1)
    n = plan.n_experiments
    chunks = len(plan.chunks)
    what = (f"{SCENARIO}, mc, {n:,} experiments ({BLOCKS} blocks, 1 block per chunk = "
            f"{chunks} chunks), policies {' + '.join(POLICIES)}, "
            f"{len(plan.config.outcomes)} outcomes, {study.start.year}-{study.until.year}")
    cores = os.cpu_count()

    # warm-up: imports and first-call costs, so the first timed run is not penalised
    evaluate_block(plan.setup, plan.values(0, 8), plan.group_size, 0, POLICIES)

    size_note = "; QPQ_BENCH_SMALL=1 (smoke-test size)" if SMALL else ""
    recording = _Recording()
    t_run, k_run = _timed(_run_on(plan, recording))
    compute = statistics.median(recording.seconds)     # per chunk, inside run_chunk
    t_eval, k_eval = _timed(_evaluate_only(plan))
    write = _write_cost(plan)
    t_d1, k_d1, start_d1 = _dask(plan, 1)
    t_d2, k_d2, start_d2 = _dask(plan, WORKERS)
    t_pool, k_pool, start_pool = _pool(plan, WORKERS)
    eff_dask = t_d1 / (WORKERS * t_d2)
    eff_pool = t_run / (WORKERS * t_pool)

    per_task = _executor_overhead(plan)
    local = per_task["in-process"]
    ex_overhead = {k: per_task[k].other - local.other for k in ("dask", "pool")}
    tiny = _tiny_tasks(plan, 1, TINY_POLICIES)[0]
    c0 = plan.chunks[0]
    full_task = ChunkTask(c0, plan.setup, plan.values(c0.lo, c0.hi), plan.group_size,
                          plan.config.policies, code_fingerprint())
    sizes = (f"pickled task {len(pickle.dumps(tiny)) / 1e3:.0f} KB, result "
             f"{len(pickle.dumps(run_chunk(tiny))) / 1e3:.1f} KB; a real chunk's task "
             f"{len(pickle.dumps(full_task)) / 1e3:.0f} KB, result ~"
             f"{(len(plan.config.policies) * len(plan.config.outcomes) * c0.rows * 8) / 1e3:.0f}"
             " KB of outcomes")
    walls = ", ".join(f"{label} {per_task[k].wall * 1e3:.1f}" for k, label in (
        ("in-process", "in-process"), ("dask", "Dask(1)"), ("pool", "ProcessPool(1)")))
    computes = ", ".join(f"{per_task[k].compute * 1e3:.1f}" for k in ("in-process", "dask",
                                                                       "pool"))

    def executor_notes(key: str, label: str) -> str:
        return (f"{TINY_TASKS} tiny tasks ({TINY_ROWS} rows, policy {TINY_POLICIES[0]}, full "
                f"model set-up) through map_unordered(run_chunk) on a warmed {label}, "
                f"in-process and the other executor timed in turn, median of {REPEAT} "
                f"rounds; per-task wall ms: {walls}; compute inside run_chunk "
                f"(ChunkOutput.seconds) ms: {computes}; overhead = (wall - compute) on "
                f"{label} {per_task[key].other * 1e3:.2f} ms - in-process "
                f"{local.other * 1e3:.2f} ms (the plain difference of walls, "
                f"{(per_task[key].wall - local.wall) * 1e3:+.1f} ms, mostly measures compute "
                f"speed differing between processes); {sizes}; ratio = overhead / "
                f"in-process per-task wall; = {ex_overhead[key] / compute:.2%} of a real "
                f"chunk's compute ({compute * 1e3:.0f} ms){size_note}")

    small_m, large_m = (_memory(b) for b in MEM_BLOCKS)
    mib = 1024.0  # the child reports KiB

    return [
        {"name": "explore run: in-process throughput (run_plan, store)",
         "figure": n / t_run, "unit": "experiments/s",
         "peer": "evaluate() without a store (pre-existing path)",
         "peer_figure": n / t_eval, "ratio": t_eval / t_run, "n": n,
         "notes": f"{what}; run_plan into a fresh directory {_reps(k_run)} ({t_run:.2f} s), "
                  f"evaluate() incl. drawing the design {_reps(k_eval)} ({t_eval:.2f} s); "
                  f"{cores} cores here{size_note}"},
        {"name": "explore run: store + runner overhead per chunk (in-process)",
         "figure": write.total * 1e3, "unit": "ms/chunk",
         "peer": "compute per chunk (in-process run_plan, inside run_chunk)",
         "peer_figure": compute * 1e3, "ratio": write.total / compute, "n": WRITE_REPEAT,
         "notes": f"timed directly: chunk_frame + RunStore.write_chunk (Parquet partition + "
                  f"manifest) of a chunk of {c0.rows:,} experiments x "
                  f"{len(plan.config.policies)} policies, median of {WRITE_REPEAT} writes "
                  f"into one fresh store, each a distinct chunk index (frame "
                  f"{write.frame * 1e3:.1f} ms, write {write.write * 1e3:.1f} ms); compute = "
                  f"median ChunkOutput.seconds of the {len(recording.seconds)} chunks of the "
                  f"timed in-process runs; ratio = overhead / compute{size_note}"},
        {"name": f"explore run: Dask LocalCluster, {WORKERS} workers throughput",
         "figure": n / t_d2, "unit": "experiments/s",
         "peer": "Dask LocalCluster, 1 worker", "peer_figure": n / t_d1,
         "ratio": t_d1 / t_d2, "n": n,
         "notes": f"same plan; {_reps(k_d2)} ({t_d2:.2f} s) vs {_reps(k_d1)} ({t_d1:.2f} s); "
                  f"ratio = speed-up; LocalCluster start-up excluded: {start_d2:.1f} s "
                  f"({WORKERS} workers), {start_d1:.1f} s (1 worker), incl. importing qpq "
                  f"on the workers; {cores} cores here{size_note}"},
        {"name": f"explore run: Dask scaling efficiency, {WORKERS} workers",
         "figure": eff_dask, "unit": "T1/(2·T2)",
         "peer": f"ProcessPool({WORKERS}) vs in-process, same formula",
         "peer_figure": eff_pool, "ratio": eff_dask / eff_pool, "n": n,
         "notes": f"1.0 = perfect; {cores} cores here, shared with the coordinating process "
                  f"(which draws rows and writes the store)"},
        {"name": "explore run: Dask overhead per chunk (1 worker vs in-process)",
         "figure": ex_overhead["dask"] * 1e3, "unit": "ms/chunk",
         "peer": "in-process, per tiny task (wall)",
         "peer_figure": local.wall * 1e3, "ratio": ex_overhead["dask"] / local.wall,
         "n": TINY_TASKS, "notes": executor_notes("dask", "DaskCluster(1)")},
        {"name": "explore run: ProcessPool overhead per chunk (1 worker vs in-process)",
         "figure": ex_overhead["pool"] * 1e3, "unit": "ms/chunk",
         "peer": "in-process, per tiny task (wall)",
         "peer_figure": local.wall * 1e3, "ratio": ex_overhead["pool"] / local.wall,
         "n": TINY_TASKS, "notes": executor_notes("pool", "ProcessPool(1)")},
        {"name": f"explore run: ProcessPool({WORKERS}) throughput",
         "figure": n / t_pool, "unit": "experiments/s",
         "peer": f"Dask LocalCluster, {WORKERS} workers", "peer_figure": n / t_d2,
         "ratio": t_d2 / t_pool, "n": n,
         "notes": f"spawned processes, {_reps(k_pool)} ({t_pool:.2f} s); pool start-up and "
                  f"warm-up excluded ({start_pool:.1f} s); ratio > 1: the pool is faster"},
        {"name": f"explore run: peak RSS, {MEM_BLOCKS[1]} blocks (in-process)",
         "figure": large_m["peak_kb"] / mib, "unit": "MiB",
         "peer": f"same, {MEM_BLOCKS[0]} blocks", "peer_figure": small_m["peak_kb"] / mib,
         "ratio": large_m["peak_kb"] / small_m["peak_kb"], "n": large_m["experiments"],
         "notes": f"peak RSS (VmHWM) of a fresh subprocess; {SCENARIO} with history shortened to "
                  f"{MEM_START}..{MEM_UNTIL} (dataclasses.replace), mc, policy "
                  f"{MEM_POLICY} only, 1 block per chunk; {large_m['experiments']:,} vs "
                  f"{small_m['experiments']:,} experiments ({large_m['seconds']:.1f} s vs "
                  f"{small_m['seconds']:.1f} s); RSS after imports and set-up "
                  f"{large_m['before_kb'] / mib:.0f} MiB, the run adds "
                  f"{(large_m['peak_kb'] - large_m['before_kb']) / mib:.0f} MiB vs "
                  f"{(small_m['peak_kb'] - small_m['before_kb']) / mib:.0f} MiB; ratio ~1 = "
                  f"memory bounded by the chunk, not the run{size_note}"},
    ]


if __name__ == "__main__":
    for e in run():
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in e.items()})
