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
