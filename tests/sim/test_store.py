import datetime as dt
import json

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


def test_ctrl_c_during_a_parquet_write_is_a_keyboard_interrupt(tmp_path, monkeypatch):
    # DuckDB reports a SIGINT mid-write as its own "Query interrupted" error; an interrupted
    # explore run then exited 1 with a traceback instead of 130 (seen in CI, 2026-12-05)
    import duckdb
    import pandas as pd
    import pytest

    from qpq.sim._parquet import write_parquet

    def write_fails_with(error: Exception) -> None:
        def fail(self: object, path: str) -> None:
            raise error
        monkeypatch.setattr(duckdb.DuckDBPyRelation, "write_parquet", fail)

    frame = pd.DataFrame({"a": [1, 2]})
    for error in (RuntimeError("Query interrupted"), duckdb.InterruptException("x")):
        write_fails_with(error)
        with pytest.raises(KeyboardInterrupt):
            write_parquet(frame, tmp_path / "x.parquet")
    write_fails_with(RuntimeError("disk full"))     # any other error is left as it is
    with pytest.raises(RuntimeError, match="disk full"):
        write_parquet(frame, tmp_path / "x.parquet")
