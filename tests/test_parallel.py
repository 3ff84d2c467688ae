"""qpq.parallel: one executor protocol for every lens; results in task order when asked."""

from __future__ import annotations

import os

import pytest

from qpq.errors import BadInputError
from qpq.parallel import InProcess, ProcessPool, executor_for, map_ordered, worker_count


class LastFirst(InProcess):
    """Finishes tasks in reverse order, as a pool may."""

    def map_unordered(self, fn, tasks):
        yield from reversed([fn(t) for t in tasks])


def square(x: int) -> int:
    return x * x


def test_map_ordered_restores_task_order():
    assert list(LastFirst().map_unordered(square, range(5))) == [16, 9, 4, 1, 0]
    assert list(map_ordered(LastFirst(), square, range(5))) == [0, 1, 4, 9, 16]
    assert list(map_ordered(InProcess(), square, [])) == []


@pytest.mark.parametrize("start_method", ["spawn", "fork"])
def test_process_pool_gives_the_same_results_in_order(start_method):
    with ProcessPool(2, start_method=start_method) as pool:
        assert list(map_ordered(pool, square, range(20))) == [x * x for x in range(20)]
        assert set(pool.pids()) and os.getpid() not in pool.pids()


def test_executor_for_picks_by_workers():
    with executor_for(1) as ex:
        assert isinstance(ex, InProcess)
    with executor_for(2) as ex:
        assert isinstance(ex, ProcessPool) and ex.workers == 2
    with pytest.raises(BadInputError, match="in-process runs one chunk"), executor_for(
            2, "in-process"):
        pass


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_the_executors_take_a_whole_number_of_workers(workers):
    # executor_for(0) ran in process unsaid (run_sensitivity, run_lhs and run_discovery pass
    # their workers here) and make_executor(workers=1.5) made a pool of 1.5 workers
    from qpq.parallel import make_executor

    with pytest.raises(BadInputError, match=r"^workers must be a whole number of at least 1; "
                                            r"got "):
        make_executor(workers=workers)
    with pytest.raises(BadInputError, match=r"^workers must be a whole number of at least 1; "
                                            r"got "), executor_for(workers):
        pass
    with executor_for(2.0) as ex:
        assert isinstance(ex, ProcessPool) and ex.workers == 2


def _environ() -> dict[str, str | None]:
    return {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")}


def test_local_dask_workers_keep_the_adaptive_allocator_and_one_blas_thread():
    """Dask's MALLOC_TRIM_THRESHOLD_ (which made NumPy-heavy tasks 1.8x slower) is not set
    on the workers of the cluster qpq starts; its one-thread BLAS/OpenMP setting is."""
    from qpq.parallel import DaskCluster

    with DaskCluster(1) as ex:
        (seen,) = ex.client.run(_environ).values()
    assert seen == {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1"}


def test_a_local_dask_cluster_starts_while_another_program_holds_port_8787():
    """The scheduler's HTTP server takes a free loopback port, not Dask's default 8787 (a
    notebook's cluster may hold it; a run failed so, 2026-12-05)."""
    import socket

    from qpq.parallel import DaskCluster

    held = socket.socket()
    try:
        held.bind(("0.0.0.0", 8787))
        held.listen()
    except OSError:
        pass                     # someone else holds it already: the same situation
    try:
        with DaskCluster(1) as ex:
            (seen,) = ex.client.run(_environ).values()
            link = ex.client.dashboard_link
    finally:
        held.close()
    assert seen["OMP_NUM_THREADS"] == "1"
    assert "127.0.0.1" in link and ":8787" not in link


def test_a_pool_that_never_reports_its_dead_worker_is_restarted(monkeypatch):
    # A worker killed while it holds the call queue's lock can wedge the executor: it never
    # reports the pool broken and its futures never finish (seen once in a full test run).
    # Here the first pool's task simply outlasts the heartbeat while the pool is said to
    # have lost a worker: the task goes to a new pool and its result comes back.
    import time

    checks = []

    def lost_once(pool):
        checks.append(pool)
        return len(checks) == 1

    monkeypatch.setattr(ProcessPool, "_lost_worker", staticmethod(lost_once))
    with ProcessPool(1, heartbeat=0.05) as ex:
        assert list(ex.map_unordered(time.sleep, [0.5])) == [None]
        assert ex.restarts == 1


def test_a_killed_worker_is_seen_as_lost():
    import signal
    import time

    with ProcessPool(1) as ex:
        pool = ex._start()
        pid = pool.submit(os.getpid).result()
        assert not ProcessPool._lost_worker(pool)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not ProcessPool._lost_worker(pool) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ProcessPool._lost_worker(pool)


def test_only_distributeds_sync_cancel_name_error_is_dropped_from_tornados_log():
    # distributed 2026.8.0's sync() schedules a cancel that reads an unset variable when a
    # Ctrl-C lands before the awaited future exists; tornado logs the NameError
    import logging
    import sys

    from qpq.parallel import _SYNC_CANCEL_BUG

    def record_of(module: str, name: str, exc: BaseException) -> logging.LogRecord:
        code = f"def {name}():\n    raise exc\n"
        space: dict[str, object] = {"__name__": module, "exc": exc}
        exec(code, space)          # a frame with that function and module name
        try:
            space[name]()                                   # type: ignore[operator]
        except BaseException:
            info = sys.exc_info()
        return logging.LogRecord("tornado.application", logging.ERROR, __file__, 1,
                                 "Exception in callback", None, info)

    def bug() -> NameError:
        return NameError("cannot access free variable 'future'")

    assert not _SYNC_CANCEL_BUG.filter(record_of("distributed.utils", "cancel", bug()))
    assert _SYNC_CANCEL_BUG.filter(record_of("distributed.utils", "cancel", ValueError("x")))
    assert _SYNC_CANCEL_BUG.filter(record_of("distributed.utils", "other", bug()))
    assert _SYNC_CANCEL_BUG.filter(record_of("qpq.sim", "cancel", bug()))
    assert _SYNC_CANCEL_BUG.filter(logging.LogRecord("tornado.application", logging.ERROR,
                                                     __file__, 1, "no exception", None, None))


def test_worker_count_is_the_one_default_for_none() -> None:
    assert worker_count(None) == max(1, min(2, os.cpu_count() or 1))
    assert worker_count(3) == 3
    with pytest.raises(BadInputError, match="workers must be a whole number of at least 1"):
        worker_count(0)
