"""Where chunks run: in this process, on a local process pool, or on a Dask cluster.

Every executor has one job — apply a function to tasks and hand back results *as they
finish* — with the same interface (:class:`ChunkExecutor`), so the runner
(:mod:`qpq.explore._chunked_runs`) writes each chunk as soon as it arrives whatever runs it. Results
never depend on the executor: each chunk is a pure function of its task.

* :class:`InProcess` — one chunk after another in this process (the default; no start-up).
* :class:`ProcessPool` — ``workers`` spawned processes. A worker that dies (killed, out of
  memory) breaks a :class:`~concurrent.futures.ProcessPoolExecutor`; the pool is then
  rebuilt and the chunks that were in flight are submitted again (at most
  ``max_restarts`` times).
* :class:`DaskCluster` — a Dask ``LocalCluster`` of ``workers`` processes (one thread each)
  or an existing scheduler (``tcp://HOST:PORT``). Dask itself reschedules the chunks of a
  worker that dies.

At most ``window`` tasks are in flight (default twice the workers), so the memory of
pending inputs and unwritten results is bounded by the chunk size, not by the run.
Workers ignore SIGINT: an interrupt reaches the coordinating process, which stops
submitting, drops the chunks in flight and keeps everything already written.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from importlib import import_module
from multiprocessing import get_context
from typing import Any, Protocol, Self, TypeVar

from qpq.errors import BadInputError, QpqError

__all__ = [
    "ChunkExecutor",
    "DaskCluster",
    "InProcess",
    "ProcessPool",
    "make_executor",
    "resolve_kind",
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
    """A local pool of spawned worker processes, rebuilt when a worker dies."""

    name = "process-pool"

    def __init__(self, workers: int, *, window: int | None = None, max_restarts: int = 3
                 ) -> None:
        if workers < 1:
            raise BadInputError(f"--workers must be at least 1, got {workers}")
        self.workers = workers
        self.window = window or 2 * workers
        self.max_restarts = max_restarts
        self.restarts = 0
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                         mp_context=get_context("spawn"),
                                         initializer=_ignore_sigint)
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
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
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
    def _pids_of(pool: ProcessPoolExecutor) -> list[int]:
        # the executor exposes no public list of its processes
        procs = getattr(pool, "_processes", None) or {}
        return [p.pid for p in procs.values() if p.is_alive() and p.pid is not None]

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
                raise BadInputError(f"--workers must be at least 1, got {workers}")
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                         processes=True, dashboard_address=None,
                                         silence_logs=logging.ERROR)
            self.client: Any = Client(self._cluster)
        else:
            try:
                self.client = Client(scheduler, timeout=f"{connect_timeout}s")
            except (OSError, TimeoutError) as exc:
                raise BadInputError(f"--scheduler: cannot reach a Dask scheduler at "
                                    f"{scheduler} ({exc}); allowed: the address of a running "
                                    "scheduler, e.g. tcp://10.0.0.5:8786") from None
        self.client.run(_ignore_sigint)
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
        raise BadInputError(f"--executor: unknown executor {kind!r}; allowed: "
                            + ", ".join(kinds))
    if kind == "auto":
        kind = "dask" if scheduler else ("pool" if workers > 1 else "in-process")
    if scheduler and kind != "dask":
        raise BadInputError(f"--scheduler needs the dask executor, not {kind!r}")
    if kind == "in-process" and workers > 1:
        raise BadInputError("--executor in-process runs one chunk at a time; allowed "
                            "--workers: 1 (use pool or dask for more)")
    return kind


def make_executor(kind: str = "auto", workers: int = 1, scheduler: str | None = None
                  ) -> ChunkExecutor:
    """The executor for ``kind`` (``in-process``, ``pool``, ``dask`` or ``auto``).

    See :func:`resolve_kind` for ``auto`` and the checks.
    """
    kind = resolve_kind(kind, workers, scheduler)
    if kind == "in-process":
        return InProcess()
    if kind == "pool":
        return ProcessPool(workers)
    return DaskCluster(workers, scheduler=scheduler)
