"""One way to run work in parallel: executors that map a function over tasks.

Every lens that spreads work over processes does it here: the game's ensemble solver
(chunks of parameter points), the simulator (chunks of random-number blocks), the
equilibrium lookup tables (slices of the parameter pool) and model v2's relationship tables
and propositions study (rows dealt out in turn), the record calibration's prior histories
(chunks of points), exploration's studies (noise blocks) and its chunked runs. Each
executor has one job — apply a function to tasks and hand back results *as they finish* —
with the same interface (:class:`ChunkExecutor`);
:func:`map_ordered` puts results back in task order for callers that assemble arrays.
Results never depend on the executor: each task is a pure function of its input.

* :class:`InProcess` — one task after another in this process (the default; no start-up).
* :class:`ProcessPool` — ``workers`` worker processes (spawned by default; ``fork`` starts
  faster where the calling program is fork-safe). A worker that dies (killed, out of
  memory) breaks a :class:`~concurrent.futures.ProcessPoolExecutor`; the pool is then
  rebuilt and the tasks that were in flight are submitted again (at most
  ``max_restarts`` times).
* :class:`DaskCluster` — a Dask ``LocalCluster`` of ``workers`` processes (one thread each,
  glibc's allocator left adaptive) or an existing scheduler (``tcp://HOST:PORT``, whose
  workers run as their cluster configures them). Dask itself reschedules the tasks of a
  worker that dies.

At most ``window`` tasks are in flight (default twice the workers), so the memory of
pending inputs and unreturned results is bounded by the task size, not by the run.
Workers ignore SIGINT: an interrupt reaches the coordinating process, which stops
submitting, drops the tasks in flight and keeps everything already returned.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from importlib import import_module
from multiprocessing import get_all_start_methods, get_context
from typing import Any, Protocol, Self, TypeVar

import numpy as np
from numpy.typing import NDArray

from qpq.checks import check_whole, check_workers
from qpq.errors import BadInputError, QpqError
from qpq.files import signals_held

__all__ = [
    "ChunkExecutor",
    "DaskCluster",
    "InProcess",
    "ProcessPool",
    "dealt",
    "executor_for",
    "fast_start_method",
    "make_executor",
    "map_ordered",
    "resolve_kind",
    "worker_count",
]

T = TypeVar("T")
R = TypeVar("R")


class ChunkExecutor(Protocol):
    """Runs ``fn`` over tasks, yielding results in the order they finish."""

    name: str
    workers: int

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Results of ``fn(task)``, as each finishes."""
        ...

    def close(self) -> None:
        """Stop workers, dropping unfinished tasks."""
        ...

    def describe(self) -> dict[str, Any]:
        """What ran the chunks, for the manifest's history."""
        ...

    def __enter__(self) -> ChunkExecutor: ...

    def __exit__(self, *exc: object) -> None: ...


class _Closing:
    """``with executor:`` closes it on the way out."""

    def close(self) -> None:
        """Stop workers (subclasses)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ignore_sigint() -> bool:
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread of the worker: nothing to do there
        return False
    return True


def _quiet_logs() -> bool:
    # a worker of a cluster being closed on purpose loses its scheduler mid-heartbeat and
    # would log that as an error, with a traceback, after every Ctrl-C
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    return True


class _SyncCancelBug(logging.Filter):
    """Drop tornado's report of distributed's ``sync`` cancel callback failing on Ctrl-C.

    A Ctrl-C that lands in ``distributed.utils.sync`` before the awaited future exists
    schedules a ``cancel`` that reads the unset variable (a NameError in distributed
    2026.8.0, not ours); tornado logs it with a traceback after the run has stopped cleanly.
    Only that record is dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        tb = exc.__traceback__ if exc is not None else None
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        return not (isinstance(exc, NameError) and tb is not None
                    and tb.tb_frame.f_code.co_name == "cancel"
                    and tb.tb_frame.f_globals.get("__name__") == "distributed.utils")


_SYNC_CANCEL_BUG = _SyncCancelBug()


class InProcess(_Closing):
    """Chunks one after another in this process."""

    name = "in-process"
    workers = 1

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """``fn(task)`` for each task, in order."""
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        """Nothing to stop."""

    def describe(self) -> dict[str, Any]:
        """``{"executor": "in-process", "workers": 1}``."""
        return {"executor": self.name, "workers": 1}


class ProcessPool(_Closing):
    """A local pool of worker processes, rebuilt when a worker dies.

    ``start_method`` is ``spawn`` (default: safe with threads, but each worker imports the
    caller's ``__main__`` module, which must be import-safe) or ``fork`` (starts faster;
    for callers that hold no threads, e.g. the game's ensemble solver). Every ``heartbeat``
    seconds without a result the pool checks its workers itself: a dead one means a new pool
    (the executor does not always notice).
    """

    name = "process-pool"

    def __init__(self, workers: int, *, window: int | None = None, max_restarts: int = 3,
                 start_method: str = "spawn", heartbeat: float = 5.0) -> None:
        if workers < 1:
            raise BadInputError(f"workers (--workers) must be at least 1, got {workers}")
        self.start_method = start_method
        self.heartbeat = heartbeat
        self.workers = workers
        self.window = window or 2 * workers
        self.max_restarts = max_restarts
        self.restarts = 0
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                         mp_context=get_context(self.start_method),
                                         initializer=_ignore_sigint)
        if self.start_method == "fork":
            # a fork pool starts all its workers at the first submit; do it here, where
            # Python's warning about forking a process that has threads (BLAS, rich) can be
            # silenced: the workers run NumPy code only and never touch those threads
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*fork.*",
                                        category=DeprecationWarning)
                self._pool.submit(os.getpid).result()
        return self._pool

    def pids(self) -> list[int]:
        """Process ids of the workers (for tests and diagnostics)."""
        return self._pids_of(self._pool) if self._pool is not None else []

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """``fn(task)`` on the pool; a dead worker's chunks are resubmitted to a new pool."""
        pool = self._pool or self._start()
        source = iter(tasks)
        pending: dict[Future[R], T] = {}
        retry: deque[T] = deque()
        end = object()
        while True:
            # a worker's death can surface at submit() as well as in a result
            broken = False
            while len(pending) < self.window:
                item = retry.popleft() if retry else next(source, end)
                if item is end:
                    break
                task: T = item  # type: ignore[assignment]
                try:
                    pending[pool.submit(fn, task)] = task
                except BrokenProcessPool:
                    retry.appendleft(task)
                    broken = True
                    break
            if not broken:
                if not pending:
                    return
                # a worker killed at the wrong moment (holding the call queue's lock) can
                # wedge the executor so that it never reports the pool broken and the wait
                # never returns (seen once in a full test run, 2026-12-05): every
                # `heartbeat` seconds without a result, look for a dead worker ourselves
                finished, _ = wait(pending, timeout=self.heartbeat,
                                   return_when=FIRST_COMPLETED)
                if not finished and self._lost_worker(pool):
                    broken = True
                for fut in finished:
                    task = pending.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        retry.append(task)
                        broken = True
                        continue
                    yield result
            if broken:
                if self.restarts >= self.max_restarts:
                    raise QpqError(f"worker processes died {self.restarts + 1} times; giving "
                                   "up (finished chunks are kept; resume the run)")
                self.restarts += 1
                # every future of a broken pool fails: resubmit them all to a new pool
                retry.extend(pending.values())
                pending.clear()
                self._shutdown()
                pool = self._start()

    def _shutdown(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # terminate first: shutdown alone would wait for the chunks in flight
        for pid in self._pids_of(pool):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        pool.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _processes(pool: ProcessPoolExecutor) -> list[Any]:
        # the executor exposes no public list of its processes; a copy, since its own
        # thread adds and removes them
        return list((getattr(pool, "_processes", None) or {}).values())

    @staticmethod
    def _lost_worker(pool: ProcessPoolExecutor) -> bool:
        """Whether a worker of ``pool`` has exited (its pool is then of no more use)."""
        return any(p.exitcode is not None for p in ProcessPool._processes(pool))

    @staticmethod
    def _pids_of(pool: ProcessPoolExecutor) -> list[int]:
        return [p.pid for p in ProcessPool._processes(pool)
                if p.is_alive() and p.pid is not None]

    def close(self) -> None:
        """Terminate the workers."""
        self._shutdown()

    def describe(self) -> dict[str, Any]:
        """Executor name, workers and pool restarts."""
        return {"executor": self.name, "workers": self.workers, "restarts": self.restarts}


class DaskCluster(_Closing):
    """A Dask ``LocalCluster`` of ``workers`` processes, or the scheduler at ``scheduler``."""

    name = "dask"

    def __init__(self, workers: int = 2, *, scheduler: str | None = None,
                 window: int | None = None, connect_timeout: float = 10.0) -> None:
        try:
            dist: Any = import_module("distributed")  # untyped library: Any on purpose
        except ImportError:  # pragma: no cover - the explore extra installs it
            raise BadInputError("the Dask executor needs the `explore` extra: "
                                "pip install 'qpq[explore]'") from None
        Client, LocalCluster = dist.Client, dist.LocalCluster
        self.scheduler = scheduler
        self._cluster: Any = None
        if scheduler is None:
            if workers < 1:
                raise BadInputError(f"workers (--workers) must be at least 1, got {workers}")
            # Dask starts its workers with MALLOC_TRIM_THRESHOLD_ set (to hand memory back to
            # the system sooner); setting it at all switches off glibc's adaptive mmap
            # threshold, so every large NumPy array is mapped and faulted in afresh: the
            # backtest's origins ran 1.8x slower on such a worker than in a process pool.
            # The other variables (one BLAS/OpenMP thread per worker) stay.
            config: Any = import_module("dask").config
            environ = {k: v for k, v in config.get("distributed.nanny.pre-spawn-environ",
                                                   {}).items()
                       if k != "MALLOC_TRIM_THRESHOLD_"}
            # The scheduler's HTTP server starts even without a dashboard, on 8787 unless
            # told otherwise: a port another program (a notebook's cluster, another run) may
            # hold, which failed a run here. A free port on the loopback interface only, and
            # no dashboard on it (an address alone would switch one on). Ctrl-C is held
            # while it starts: a half-started cluster cannot be closed (distributed prints
            # an AssertionError at exit); once it exists, the run closes it and stops.
            with config.set({"distributed.nanny.pre-spawn-environ": environ}), signals_held():
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                             processes=True, dashboard_address="127.0.0.1:0",
                                             scheduler_kwargs={"dashboard": False},
                                             silence_logs=logging.ERROR)
            self.client: Any = Client(self._cluster)
        else:
            failed = None
            try:
                self.client = Client(scheduler, timeout=f"{connect_timeout}s")
            except (OSError, TimeoutError, ValueError) as exc:   # ValueError: a bad address
                failed = str(exc)
            if failed is not None:
                # The half-made Client closes itself in __del__, which takes the lock that
                # every Client's start holds (distributed's LoopRunner._lock, not
                # re-entrant): left to a later garbage collection, that may run inside the
                # next Client's start and hang it for good (a test run hung so, 2026-12-07).
                # Collected here, with the traceback that held it gone, it closes now.
                gc.collect()
                raise BadInputError(f"scheduler (--scheduler): cannot reach a Dask scheduler at "
                                    f"{scheduler} ({failed}); allowed: the address of a running "
                                    "scheduler, e.g. tcp://10.0.0.5:8786")
        self.client.run(_ignore_sigint)
        logging.getLogger("tornado.application").addFilter(_SYNC_CANCEL_BUG)
        self.workers = max(1, len(self.client.scheduler_info()["workers"]))
        self.window = window or 2 * self.workers

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> process id (for tests and diagnostics)."""
        pids: dict[str, int] = self.client.run(os.getpid)
        return pids

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """``fn(task)`` on the cluster; Dask reschedules a dead worker's chunks."""
        as_completed: Any = import_module("distributed").as_completed
        source = iter(tasks)
        futures = []
        for task in source:
            futures.append(self.client.submit(fn, task, pure=False))
            if len(futures) >= self.window:
                break
        done = as_completed(futures)
        for fut in done:
            result = fut.result()
            fut.release()
            nxt = next(source, None)
            if nxt is not None:
                done.add(self.client.submit(fn, nxt, pure=False))
            yield result

    def close(self) -> None:
        """Close the client (and the local cluster, if this executor started one)."""
        client: Any = self.client
        try:
            if self._cluster is not None:
                # a cluster already gone needs no quieting
                with contextlib.suppress(Exception):
                    client.run(_quiet_logs, on_error="ignore")
            client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()

    def describe(self) -> dict[str, Any]:
        """Executor name, workers and scheduler address."""
        return {"executor": self.name, "workers": self.workers,
                "scheduler": self.scheduler or "LocalCluster"}


def resolve_kind(kind: str = "auto", workers: int = 1, scheduler: str | None = None) -> str:
    """The executor ``kind`` stands for (``auto`` resolved), after checking the options.

    ``auto``: Dask when a ``scheduler`` is given, a process pool for ``workers`` > 1,
    otherwise in-process.

    Raises
    ------
    BadInputError
        For an unknown kind or options that contradict it.
    """
    kinds = ("auto", "in-process", "pool", "dask")
    if kind not in kinds:
        raise BadInputError(f"executor (--executor): unknown executor {kind!r}; allowed: "
                            + ", ".join(kinds))
    if kind == "auto":
        kind = "dask" if scheduler else ("pool" if workers > 1 else "in-process")
    if scheduler and kind != "dask":
        raise BadInputError(f"scheduler (--scheduler) needs the dask executor, not {kind!r}")
    if kind == "in-process" and workers > 1:
        raise BadInputError("executor (--executor) in-process runs one chunk at a time; allowed "
                            "--workers: 1 (use pool or dask for more)")
    return kind


def make_executor(kind: str = "auto", workers: int = 1, scheduler: str | None = None
                  ) -> ChunkExecutor:
    """The executor for ``kind`` (``in-process``, ``pool``, ``dask`` or ``auto``).

    See :func:`resolve_kind` for ``auto`` and the checks.
    """
    # workers=0 and 1.5 were taken (run in process, a pool of 1.5 workers)
    workers = check_whole(workers, "workers", minimum=1)
    kind = resolve_kind(kind, workers, scheduler)
    if kind == "in-process":
        return InProcess()
    if kind == "pool":
        return ProcessPool(workers)
    return DaskCluster(workers, scheduler=scheduler)


def fast_start_method() -> str:
    """The quickest start method: ``fork`` where the platform has it, else ``spawn``.

    Forked workers start without importing anything; for callers whose work holds no
    threads when the pool starts.
    """
    return "fork" if "fork" in get_all_start_methods() else "spawn"


def dealt(n: int, parts: int) -> list[NDArray[np.int64]]:
    """Rows ``0..n-1`` dealt out in turn: part k holds rows k, k + parts, k + 2·parts, ...

    For work whose costly rows come in runs (neighbouring parameter points that model v2's
    logit tracing must solve): dealt, each part gets its share of every run and the workers
    finish together.
    """
    return [np.arange(k, n, parts) for k in range(parts)]


def worker_count(workers: object) -> int:
    """Worker processes for ``workers`` (:func:`qpq.checks.check_workers`'s rule).

    ``None`` means up to two, as cores allow: the default of :func:`executor_for` and of the
    solvers that size their chunks by the workers before they make one.
    """
    chosen = check_workers(workers)
    return max(1, min(2, os.cpu_count() or 1)) if chosen is None else chosen


@contextmanager
def executor_for(workers: int | None = 1, kind: str = "auto", scheduler: str | None = None,
                 *, start_method: str = "spawn") -> Iterator[ChunkExecutor]:
    """An executor for the duration of a ``with`` block, closed on the way out.

    ``workers``: ``None`` means up to two, as cores allow; one worker (with ``auto``) runs
    in this process. ``kind`` and the checks as in :func:`resolve_kind`.
    """
    # workers=0 ran in process unsaid: run_sensitivity, run_lhs and run_discovery
    # (which pass their workers here) took it
    workers = worker_count(workers)
    kind = resolve_kind(kind, workers, scheduler)
    ex: ChunkExecutor
    if kind == "pool" and workers > 1:
        ex = ProcessPool(workers, start_method=start_method)
    elif kind == "dask":
        ex = DaskCluster(workers, scheduler=scheduler)
    else:
        ex = InProcess()
    with ex:
        yield ex


class _Indexed:
    """``fn`` applied to ``(index, task)``, returning ``(index, result)`` (picklable)."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn

    def __call__(self, item: tuple[int, Any]) -> tuple[int, Any]:
        i, task = item
        return i, self.fn(task)


def map_ordered(executor: ChunkExecutor, fn: Callable[[T], R], tasks: Iterable[T]
                ) -> Iterator[R]:
    """``fn(task)`` for each task on ``executor``, yielded in task order.

    Results that finish early wait (in memory) for those before them.
    """
    waiting: dict[int, R] = {}
    nxt = 0
    for i, result in executor.map_unordered(_Indexed(fn), enumerate(tasks)):
        waiting[i] = result
        while nxt in waiting:
            yield waiting.pop(nxt)
            nxt += 1
