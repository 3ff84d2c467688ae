"""Large exploration runs: chunked, streamed to a Parquet store, resumable exactly.

A run evaluates one design (any sampler of :mod:`qpq.explore._designs`) under a list of
China's policies and writes every experiment's outcomes to a run directory
(:mod:`qpq.explore._run_store`). :func:`plan_run` fixes everything the numbers depend on (a
:class:`~qpq.explore._run_store.RunConfig`) and cuts the design into chunks of
``chunk_blocks`` whole random-number blocks; :func:`run_plan` computes the chunks a run
directory lacks on any executor (:mod:`qpq.parallel`) and writes each one as it
finishes.

**Exactness.** A chunk is a pure function of its task: the design rows (a pure function of
scenario, sampler, size and seed; the streamed samplers draw just the chunk's rows), the
model set-up and the blocks' random streams keyed by (seed, block)
(:func:`~qpq.explore._evaluate.evaluate_block`). So the store's contents are the same bit for
bit for any executor, number of workers, chunk size and order of completion, and a resumed
run equals an uninterrupted one (tested).

**Memory.** The coordinating process holds at most ``window`` chunks' inputs and results;
the streamed samplers (``mc``, ``sobol``, ``saltelli``, ``factorial``) draw each chunk's
rows when it is submitted, so memory does not grow with the run. Latin hypercube and Morris
designs are drawn whole in the coordinator: n × D × 16 bytes (1.9 GB for 10 million
experiments over 12 uncertainties); use ``mc`` or ``sobol`` beyond that.

**Versions.** The config carries a fingerprint of the modules that compute results (every
``qpq`` module except the CLI, report and dashboard), so a run directory is never resumed by
different code; each worker checks the fingerprint too (a Dask cluster whose workers run
another qpq is refused).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy
from numpy.typing import NDArray

import qpq
from qpq.case import Case
from qpq.checks import as_names, check_seed, check_whole
from qpq.errors import BadInputError, Interrupted, QpqError
from qpq.explore._designs import STREAMED, Method, design_rows, design_size, make_design
from qpq.explore._evaluate import ModelSetup, evaluate_block, model_setup
from qpq.explore._run_store import ChunkSpec, RunConfig, RunStore, to_ranges
from qpq.explore._scenario import Study
from qpq.explore._transform import to_values
from qpq.model import check_policy
from qpq.parallel import ChunkExecutor, InProcess
from qpq.sim import BLOCK_SIZE

__all__ = [
    "ChunkOutput",
    "ChunkTask",
    "RunInterrupted",
    "RunPlan",
    "RunProgress",
    "RunSummary",
    "code_fingerprint",
    "code_version",
    "plan_run",
    "run_chunk",
    "run_plan",
    "scenario_hash",
]

FloatArray = NDArray[np.float64]
_NOT_RESULTS = ("cli", "report", "dashboard")  # packages that never change a number


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 (16 hex digits) of the source of every module that computes results."""
    root = Path(qpq.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in _NOT_RESULTS:
            continue
        digest.update(rel.as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def code_version() -> dict[str, str]:
    """Versions: qpq, its source fingerprint, numpy and scipy."""
    return {"qpq": qpq.__version__, "fingerprint": code_fingerprint(),
            "numpy": np.__version__, "scipy": scipy.__version__}


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_plain(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, float):
        return repr(obj)  # exact
    return obj


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(_plain(obj), sort_keys=True).encode()).hexdigest()[:16]


def scenario_hash(study: Study) -> str:
    """Hash of a study's content (not where its file lives or how it describes itself)."""
    return _hash(dataclasses.replace(study, source="", description=""))


@dataclass(frozen=True)
class RunPlan:
    """A run fixed in advance: config, model set-up, design size and chunks."""

    config: RunConfig
    study: Study
    setup: ModelSetup
    n_experiments: int
    group_size: int
    chunks: tuple[ChunkSpec, ...]

    @property
    def method(self) -> Method:
        """The sampler."""
        return self.config.method  # type: ignore[return-value]

    @cached_property
    def _whole(self) -> FloatArray:
        return make_design(self.study, self.method, self.config.n).values

    def values(self, lo: int, hi: int) -> FloatArray:
        """Parameter values of design rows ``[lo, hi)`` (drawn alone when streamed)."""
        if self.method in STREAMED:
            return to_values(design_rows(self.study, self.method, self.config.n, lo, hi),
                             self.study)
        return self._whole[lo:hi]

    def describe(self) -> dict[str, Any]:
        """JSON-ready summary of the plan (stored in the manifest)."""
        return {"experiments": self.n_experiments, "group_size": self.group_size,
                "block_rows": BLOCK_SIZE * self.group_size,
                "rows_per_experiment": len(self.config.policies),
                "window": [str(self.study.window_start), str(self.study.until)],
                "start": str(self.study.start), "replicates": self.study.replicates,
                "grid_size": self.study.grid_size, "parameters": dict(self.setup.base)}


def plan_run(case: Case, study: Study, *, method: Method = "lhs", n: int | None = None,
             seed: int | None = None, policies: Sequence[str] | None = None,
             outcomes: Sequence[str] | None = None, chunk_blocks: int = 1) -> RunPlan:
    """Fix a run of ``study``: its design (``method``, ``n``), policies, outcomes and chunks.

    Defaults: the scenario's ``n``, seed, levers and outcomes; one random-number block
    (1,024 noise groups) per chunk.

    Raises
    ------
    BadInputError
        For an unknown policy or outcome, a size the sampler cannot use or a chunk size
        below 1.
    """
    # 1.5 and True passed "< 1" (a notebook's values; the CLI's are whole)
    chunk_blocks = check_whole(chunk_blocks, "chunk_blocks (--chunk-blocks)", minimum=1)
    if seed is not None:
        study = dataclasses.replace(study, seed=check_seed(seed))
    # a lone name was read letter by letter ("unknown policy 'b'")
    chosen = as_names(policies, "policies", empty_ok=True) or study.levers
    for p in chosen:
        check_policy(p)
    names = (as_names(outcomes, "outcomes", empty_ok=True)
             or tuple(o.name for o in study.outcomes))
    for o in names:
        study.outcome(o)  # raises, listing the scenario's outcomes
    clash = set(names) & set(study.names) | {"experiment", "block", "policy"} & (
        set(names) | set(study.names))
    if clash:
        raise BadInputError(f"column names clash in the results store: {sorted(clash)}")
    n_base, total, group = design_size(study, method, n)
    setup = model_setup(case, study, names)
    block_rows = BLOCK_SIZE * group
    n_blocks = -(-total // block_rows)
    chunks = tuple(
        ChunkSpec(i, b, min(b + chunk_blocks, n_blocks), b * block_rows,
                  min(min(b + chunk_blocks, n_blocks) * block_rows, total))
        for i, b in enumerate(range(0, n_blocks, chunk_blocks)))
    config = RunConfig(scenario=study.id, scenario_hash=scenario_hash(study), method=method,
                       n=n_base, seed=study.seed, policies=chosen, outcomes=names,
                       uncertainties=study.names, chunk_blocks=chunk_blocks,
                       model_hash=_hash(setup), code=code_version())
    return RunPlan(config, study, setup, total, group, chunks)


@dataclass(frozen=True)
class ChunkTask:
    """What a worker needs for one chunk (picklable; no case object)."""

    chunk: ChunkSpec
    setup: ModelSetup
    values: FloatArray
    group_size: int
    policies: tuple[str, ...]
    fingerprint: str


@dataclass(frozen=True)
class ChunkOutput:
    """One chunk's outcomes (``outcomes[policy][outcome]`` over its rows) and provenance."""

    chunk: ChunkSpec
    outcomes: Mapping[str, Mapping[str, FloatArray]]
    seconds: float
    worker: str


def run_chunk(task: ChunkTask) -> ChunkOutput:
    """Evaluate one chunk, block by block (a pure function of the task).

    Raises
    ------
    QpqError
        When this worker's qpq differs from the coordinator's (different fingerprints).
    """
    if task.fingerprint != code_fingerprint():
        raise QpqError(f"worker {socket.gethostname()} runs different qpq code (fingerprint "
                       f"{code_fingerprint()}, coordinator {task.fingerprint}); install the "
                       "same qpq on every worker")
    t0 = time.perf_counter()
    c = task.chunk
    block_rows = BLOCK_SIZE * task.group_size
    parts = []
    for b in range(c.first_block, c.stop_block):
        lo = b * block_rows - c.lo
        hi = min(lo + block_rows, c.rows)
        parts.append(evaluate_block(task.setup, task.values[lo:hi], task.group_size, b,
                                    task.policies))
    outcomes = {p: {o: np.concatenate([part[p][o] for part in parts])
                    for o in task.setup.outcomes} for p in task.policies}
    return ChunkOutput(c, outcomes, time.perf_counter() - t0,
                       f"{socket.gethostname()}:{os.getpid()}")


def chunk_frame(plan: RunPlan, values: FloatArray, out: ChunkOutput) -> pd.DataFrame:
    """The store's rows of one chunk: one per (experiment, policy), experiment-major."""
    c = out.chunk
    k = len(plan.config.policies)
    experiment = np.repeat(np.arange(c.lo, c.hi, dtype=np.int64), k)
    block_rows = BLOCK_SIZE * plan.group_size
    cols: dict[str, Any] = {
        "experiment": experiment,
        "block": experiment // block_rows,
        "policy": np.tile(np.array(plan.config.policies, dtype=object), c.rows),
    }
    for j, name in enumerate(plan.config.uncertainties):
        cols[name] = np.repeat(values[:, j], k)
    for o in plan.config.outcomes:
        cols[o] = np.stack([out.outcomes[p][o] for p in plan.config.policies], axis=1
                           ).reshape(-1)
    return pd.DataFrame(cols)


@dataclass(frozen=True)
class RunProgress:
    """Where a run stands: chunks and experiments done (of the whole run) and this session's."""

    chunks_done: int
    chunks_total: int
    experiments_done: int
    experiments_total: int
    session_experiments: int
    session_seconds: float

    @property
    def rate(self) -> float:
        """Experiments per second in this session."""
        return self.session_experiments / self.session_seconds if self.session_seconds else 0.0


@dataclass(frozen=True)
class RunSummary:
    """What a call of :func:`run_plan` did."""

    path: Path
    config: RunConfig
    status: str
    chunks_total: int
    chunks_before: int
    chunks_run: int
    experiments: int
    seconds: float
    executor: Mapping[str, Any] = field(default_factory=dict)

    @property
    def chunks_done(self) -> int:
        """Chunks done after this call."""
        return self.chunks_before + self.chunks_run

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"run_dir": str(self.path), "status": self.status,
                "scenario": self.config.scenario, "method": self.config.method,
                "n": self.config.n, "seed": self.config.seed,
                "experiments": self.experiments, "policies": list(self.config.policies),
                "outcomes": list(self.config.outcomes), "chunks_total": self.chunks_total,
                "chunks_before": self.chunks_before, "chunks_run": self.chunks_run,
                "seconds": self.seconds, "executor": dict(self.executor)}


class RunInterrupted(Interrupted):
    """The run was interrupted; finished chunks are kept (exit code 130)."""

    def __init__(self, summary: RunSummary) -> None:
        self.summary = summary
        super().__init__(
            f"interrupted: {summary.chunks_done} of {summary.chunks_total} chunks are saved in "
            f"{summary.path}; continue with `qpq explore run {summary.config.scenario} "
            f"--resume {summary.path}`")


def _tasks(plan: RunPlan, todo: Sequence[int], cache: dict[int, FloatArray]
           ) -> Iterator[ChunkTask]:
    fingerprint = plan.config.code["fingerprint"]
    for i in todo:
        c = plan.chunks[i]
        values = plan.values(c.lo, c.hi)
        cache[i] = values
        yield ChunkTask(c, plan.setup, values, plan.group_size, plan.config.policies,
                        fingerprint)


def run_plan(plan: RunPlan, out_dir: Path, *, executor: ChunkExecutor | None = None,
             resume: bool = False,
             on_progress: Callable[[RunProgress], None] | None = None) -> RunSummary:
    """Compute the chunks ``out_dir`` lacks and write each as it finishes.

    Parameters
    ----------
    plan
        From :func:`plan_run`.
    out_dir
        A new or empty directory, or (``resume=True``) a run directory started with the
        same config.
    executor
        Where chunks run (default in-process); the caller owns it.
    resume
        Continue the run in ``out_dir`` instead of starting one.
    on_progress
        Called with a :class:`RunProgress` at the start and after every chunk.

    Raises
    ------
    BadInputError
        ``out_dir`` is not usable (holds another run, or a run with a different config).
    RunInterrupted
        On KeyboardInterrupt (SIGINT): finished chunks are kept and the manifest says
        ``interrupted``.
    """
    ex = executor or InProcess()
    repaired: list[int] = []
    if resume:
        store = RunStore.open(out_dir)
        store.check(plan.config)
        # a resumed run must end with every chunk intact, not only with every chunk listed
        repaired = store.verify(hashes=True).damaged
        store.forget(repaired)
    else:
        store = RunStore.create(out_dir, plan.config, plan.chunks,
                                {"scenario_source": plan.study.source,
                                 "plan": plan.describe()})
    todo = store.missing()
    before = len(store.done)
    rows_done = sum(plan.chunks[i].rows for i in store.done)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    session_rows = 0
    ran = 0

    def report() -> None:
        if on_progress is not None:
            on_progress(RunProgress(before + ran, len(plan.chunks), rows_done + session_rows,
                                    plan.n_experiments, session_rows,
                                    time.perf_counter() - t0))

    def finish(status: str, **info: Any) -> RunSummary:
        s = RunSummary(store.path, plan.config, status, len(plan.chunks), before, ran,
                       plan.n_experiments, time.perf_counter() - t0, ex.describe())
        store.manifest["status"] = status
        store.manifest.update(info)
        store.add_history({"started": started, **ex.describe(), "chunks_run": ran,
                           **({"recomputed_damaged": to_ranges(repaired)} if repaired else {}),
                           "status": status, "seconds": round(s.seconds, 3)})
        return s

    store.set_status("running")
    report()
    values: dict[int, FloatArray] = {}
    try:
        for out in ex.map_unordered(run_chunk, _tasks(plan, todo, values)):
            i = out.chunk.index
            store.write_chunk(i, chunk_frame(plan, values.pop(i), out))
            ran += 1
            session_rows += out.chunk.rows
            report()
    except KeyboardInterrupt:
        ex.close()
        raise RunInterrupted(finish("interrupted")) from None
    except Exception as exc:
        finish("failed", error=f"{type(exc).__name__}: {exc}")
        raise
    return finish("complete" if store.complete else "incomplete")
