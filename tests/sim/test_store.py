import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from qpq.sim._engine import SERIES, WindowStat, simulate
from qpq.sim._parquet import ParquetSink, read_scenarios
from qpq.sim._rng import BLOCK_SIZE


def test_results_stream_to_parquet_per_chunk(make_spec, tmp_path):
    stats = (WindowStat("attacks", "attacks_china", 8084, 8100, "sum"),)
    spec = make_spec(dt.date(2020, 1, 1), dt.date(2025, 12, 31), n=2 * BLOCK_SIZE + 10,
                     stats=stats, series_sample=30)
    sink = ParquetSink(tmp_path / "run", {"note": "test"})
    res = simulate(spec, chunk_blocks=1, sink=sink)
    sink.finish(res)
    assert len(list((tmp_path / "run" / "scenarios").glob("*.parquet"))) == 3
    frame = read_scenarios(tmp_path / "run")
    np.testing.assert_array_equal(frame["scenario"], np.arange(spec.n))
    np.testing.assert_array_equal(frame["attacks"], res.stats["attacks"])
    meta = json.loads((tmp_path / "run" / "meta.json").read_text())
    assert meta["n"] == spec.n and meta["note"] == "test"
    import duckdb

    con = duckdb.connect()
    summ = con.execute(f"SELECT * FROM read_parquet('{tmp_path / 'run' / 'summary.parquet'}')"
                       ).df()
    assert len(summ) == spec.timeline.n_quarters * len(SERIES)
    assert (summ["q05"] <= summ["q95"]).all()


def test_a_signal_during_a_parquet_write_waits_for_the_write_then_interrupts(
        tmp_path, monkeypatch):
    # A SIGINT that lands inside DuckDB comes out as DuckDB's own error ("Query
    # interrupted", or an Error holding the KeyboardInterrupt's traceback when it lands in
    # pandas code DuckDB calls); an interrupted explore run then exited 1 with a traceback
    # instead of 130 (seen in CI on 2026-12-05 and 2026-12-06). The write now finishes and
    # the signal's own handler runs after it.
    import signal

    import duckdb
    import pandas as pd
    import pytest

    from qpq.sim._parquet import write_parquet

    real_write = duckdb.DuckDBPyRelation.write_parquet

    def signalled_write(self: duckdb.DuckDBPyRelation, path: str) -> None:
        signal.raise_signal(received)
        real_write(self, path)

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(duckdb.DuckDBPyRelation, "write_parquet", signalled_write)
    frame = pd.DataFrame({"a": [1, 2, 3]})
    for received, handler in ((signal.SIGINT, signal.default_int_handler),
                              (signal.SIGTERM, on_term)):
        previous = signal.signal(received, handler)
        try:
            target = tmp_path / f"{received.name}.parquet"
            with pytest.raises(KeyboardInterrupt):
                write_parquet(frame, target)
            assert signal.getsignal(received) is handler
        finally:
            signal.signal(received, previous)
        con = duckdb.connect()
        assert con.read_parquet(str(target)).df()["a"].tolist() == [1, 2, 3]
        con.close()
    received = signal.SIGINT                    # an ignored signal stays ignored
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        write_parquet(frame, tmp_path / "ignored.parquet")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (tmp_path / "ignored.parquet").exists()


def test_a_rerun_replaces_the_folder_and_never_mixes_two_runs(make_spec, tmp_path):
    # a shorter run written where a longer one was left the longer run's later parts beside
    # its own, and the reader took both (39,232 rows read back from a 2,000-scenario run)
    target = tmp_path / "run"
    for n in (2 * BLOCK_SIZE + 10, 100):
        spec = make_spec(dt.date(2020, 1, 1), dt.date(2021, 12, 31), n=n, series_sample=5)
        sink = ParquetSink(target, {})
        res = simulate(spec, chunk_blocks=1, sink=sink)
        assert not target.exists() or json.loads((target / "meta.json").read_text())["n"] != n
        assert sink.finish(res) == target
        frame = read_scenarios(target)
        np.testing.assert_array_equal(frame["scenario"], np.arange(n))
        assert json.loads((target / "meta.json").read_text())["n"] == n
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]     # nothing left beside it


def test_an_interrupted_run_leaves_the_earlier_one_and_a_foreign_folder_is_refused(
        case, tmp_path, monkeypatch):
    import pytest

    import qpq.sim._policy_runs as policy_runs
    from qpq.errors import BadInputError
    from qpq.sim import RunRequest, run_policies

    request = RunRequest(policies=("boycott", "recognise"), n=BLOCK_SIZE + 1,
                         until=dt.date(2022, 12, 31), chunk_blocks=1, series_sample=4,
                         grid_size=8, out_dir=tmp_path)
    run_policies(case, request)

    def files() -> dict[str, bytes]:
        return {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*")
                if p.is_file()}

    before = files()

    def stop(stage: str, done: int, total: int) -> None:
        # in the second policy: the first one's new run is whole by then, and must wait
        # (it was put in place at once, leaving a folder of two runs: seed 1 and seed 0)
        if stage == "recognise" and done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_policies(case, replace(request, n=3 * BLOCK_SIZE, seed=1), on_progress=stop)
    assert files() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boycott", "recognise"]

    (tmp_path / "boycott" / "notes.txt").write_text("mine")

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the refusal came after work was done")

    monkeypatch.setattr(policy_runs, "table_for", no_work)
    with pytest.raises(BadInputError, match=r"boycott holds files .*notes\.txt"):
        run_policies(case, request)
    assert (tmp_path / "boycott" / "notes.txt").read_text() == "mine"


def test_a_failed_parquet_write_leaves_the_file_that_was_there(tmp_path, monkeypatch):
    import duckdb
    import pandas as pd
    import pytest

    from qpq.sim._parquet import write_parquet

    target = tmp_path / "x.parquet"
    write_parquet(pd.DataFrame({"a": [1, 2]}), target)
    good = target.read_bytes()

    def disk_full(self: duckdb.DuckDBPyRelation, path: str) -> None:
        with open(path, "wb") as f:
            f.write(b"PAR1 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(duckdb.DuckDBPyRelation, "write_parquet", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_parquet(pd.DataFrame({"a": [3]}), target)
    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["x.parquet"]


def test_a_failed_write_names_the_run_folder_not_its_partial_one(make_spec, tmp_path,
                                                                 monkeypatch):
    import pytest

    import qpq.sim._parquet as parquet

    target = tmp_path / "run"
    spec = make_spec(dt.date(2020, 1, 1), dt.date(2020, 12, 31), n=10, series_sample=2)

    def disk_full(frame: object, path: Path) -> None:
        raise RuntimeError(f'IO Error: Could not write file "{path}": No space left on device')

    monkeypatch.setattr(parquet, "write_parquet", disk_full)
    sink = ParquetSink(target, {})
    with pytest.raises(OSError) as caught:
        simulate(spec, chunk_blocks=1, sink=sink)
    assert f'"{target}/scenarios/part-00000.parquet"' in str(caught.value)
    assert ".partial" not in str(caught.value)
