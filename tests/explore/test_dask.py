"""Runs on a Dask LocalCluster: the same store for 1 and 3 workers, and after a worker dies."""

from __future__ import annotations

import os
import signal
import time

import pandas as pd
import pytest

from qpq.explore._chunked_runs import run_plan
from qpq.explore._run_store import RunStore
from qpq.parallel import DaskCluster, make_executor


def _read(path):
    return RunStore.open(path).read()


def test_dask_clusters_of_1_and_3_workers_give_the_in_process_store(tiny_plan, tmp_path):
    # 1, 2 and 4 workers until 2026-12-06: each worker is a process that imports qpq, and
    # on CI's two cores seven of them cost more than the check gains over four; three
    # workers share four chunks unevenly, which is where an assignment would show
    plan = tiny_plan()
    run_plan(plan, tmp_path / "in")
    ref = _read(tmp_path / "in")
    for w in (1, 3):
        with DaskCluster(w) as ex:
            assert ex.workers == w and len(ex.worker_pids()) == w
            summary = run_plan(plan, tmp_path / f"d{w}", executor=ex)
        assert summary.status == "complete"
        assert summary.executor == {"executor": "dask", "workers": w,
                                    "scheduler": "LocalCluster"}
        pd.testing.assert_frame_equal(_read(tmp_path / f"d{w}"), ref)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_dask_worker_killed_mid_run_leaves_the_result_unchanged(tiny_plan, tmp_path, how):
    plan = tiny_plan(n=4000)     # four chunks: the kill comes after the first
    run_plan(plan, tmp_path / "ref")
    killed: list[int] = []
    with DaskCluster(2) as ex:
        before = ex.worker_pids()

        def kill_once(p):
            if p.chunks_done == 1 and not killed:
                pid = next(iter(before.values()))
                os.kill(pid, how)
                killed.append(pid)

        summary = run_plan(plan, tmp_path / "run", executor=ex, on_progress=kill_once)
        assert killed and summary.chunks_run == len(plan.chunks) == 4
        deadline = time.monotonic() + 30
        while _alive(killed[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(killed[0])
    pd.testing.assert_frame_equal(_read(tmp_path / "run"), _read(tmp_path / "ref"))


def test_auto_executor_with_a_scheduler_address_uses_dask(tiny_plan, tmp_path):
    """`--scheduler tcp://…`: connect to a running cluster (here a LocalCluster's address)."""
    plan = tiny_plan(n=1500)
    run_plan(plan, tmp_path / "ref")
    with DaskCluster(1) as local:
        address = local.client.scheduler.address
        with make_executor("auto", 1, address) as ex:
            assert isinstance(ex, DaskCluster) and ex.describe()["scheduler"] == address
            run_plan(plan, tmp_path / "run", executor=ex)
    pd.testing.assert_frame_equal(_read(tmp_path / "run"), _read(tmp_path / "ref"))


def _live_clients() -> int:
    import gc

    from distributed import Client

    return sum(isinstance(o, Client) for o in gc.get_objects())


def test_an_unreachable_scheduler_is_bad_input():
    import gc

    from qpq.errors import BadInputError

    gc.collect()                # earlier tests' closed clients, awaiting a collection
    before = _live_clients()
    # no collection may run but DaskCluster's own: a half-made Client left for a later one
    # could close itself inside the next Client's start, which holds the lock its close
    # needs (a test run hung so)
    gc.disable()
    try:
        for address in ("tcp://127.0.0.1:9", "garbage", "tcp://localhost", "foo://1.2.3.4:1"):
            with pytest.raises(BadInputError, match="cannot reach a Dask scheduler") as info:
                DaskCluster(scheduler=address, connect_timeout=1.0)
            assert info.value.__context__ is None
            assert _live_clients() <= before, address
    finally:
        gc.enable()


def test_studies_on_dask_equal_in_process(case, scenario_file):
    """sensitivity/discover/compare --executor dask: the same numbers as in this process."""
    from qpq.explore import load_study
    from qpq.explore._studies import run_comparison
    from qpq.parallel import executor_for

    study = load_study(str(scenario_file(n=1100)), case)
    levers = ["boycott", "engage_reward_if_suppressed"]
    ref = run_comparison(case, study, levers=levers)
    with executor_for(2, "dask") as ex:
        assert ex is not None
        on_dask = run_comparison(case, study, levers=levers, executor=ex)
    for p in levers:
        for o, values in ref.values[p].items():
            assert values.shape == (1100,)
            assert (on_dask.values[p][o] == values).all(), (p, o)


def test_study_cli_accepts_dask_options(capsys):
    from .test_cli import run_explore

    code, _, err = run_explore(capsys, "compare", "deal-under-uncertainty", "--executor",
                               "pool", "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "scheduler (--scheduler) needs the dask executor" in err
