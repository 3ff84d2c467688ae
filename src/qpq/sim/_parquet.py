"""Streaming simulation results to Parquet, one file per execution chunk.

A run directory holds:

* ``scenarios/part-NNNNN.parquet`` — one row per scenario: index, parameter point, true
  type and every window statistic (written as each chunk finishes, in block order);
* ``series/part-NNNNN.parquet`` — the sampled scenarios' quarterly series (long format:
  scenario, quarter, one column per variable of :data:`qpq.sim._engine.SERIES`);
* ``summary.parquet`` — per quarter and variable: the ensemble mean (all scenarios) and
  the quantiles of :data:`qpq.stats.FAN_QUANTILES` over the sampled scenarios;
* ``meta.json`` — what was run.

Files are written with DuckDB (a core dependency) and read back with
``read_parquet('DIR/scenarios/*.parquet')``.

A run is written into a hidden sibling folder (``.NAME.partial``) and moved into place only
when it is complete, replacing an earlier run's folder there. So a folder never mixes two
runs (a shorter run's parts beside a longer one's: the reader would take both), and an
interrupted or failed run leaves the earlier results as they were. A folder that holds
anything but a run's files is refused before any work (:func:`check_run_folder`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from qpq.files import (
    check_output_folder,
    errors_named,
    replace_folder,
    signals_held,
    staged_file,
)
from qpq.sim._engine import SERIES, ChunkResult, RunSpec, SimResult
from qpq.sim._timeline import quarter_label
from qpq.stats import FAN_QUANTILES, quantile_name

__all__ = ["ParquetSink", "check_run_folder", "quantile_frame", "read_scenarios",
           "write_parquet"]


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write one data frame to a Parquet file (via DuckDB).

    The file appears whole or not at all. Ctrl-C (or SIGTERM) during the write takes effect
    as soon as the write is over, as a :class:`KeyboardInterrupt` raised by the usual
    handler. Were it let through, DuckDB would wrap it in its own error (a "Query
    interrupted" or an ``Error`` holding the traceback, depending on where in DuckDB it
    lands), and an interrupted run would exit with a traceback and status 1 instead of
    stopping cleanly (status 130). Holding it back costs the length of one chunk's write.
    """
    # a failed write (a full disk) leaves the file that was there, never half a file; the
    # folder is made if missing
    with signals_held(), staged_file(path) as tmp:
        con = duckdb.connect()
        try:
            # the path is passed as a value, not pasted into SQL (a folder may be named it's)
            con.from_df(frame).write_parquet(str(tmp))
        finally:
            con.close()


def quantile_frame(result: SimResult) -> pd.DataFrame:
    """Per quarter and variable: ensemble mean and quantiles over the sampled scenarios."""
    labels = result.spec.timeline.labels()
    rows: list[dict[str, Any]] = []
    sample = result.sample_series
    for j, var in enumerate(SERIES):
        qs = (np.quantile(sample[:, :, j], FAN_QUANTILES, axis=1) if sample.shape[1]
              else np.full((len(FAN_QUANTILES), len(labels)), np.nan))
        for t, lab in enumerate(labels):
            row: dict[str, Any] = {"quarter": lab, "t": t, "variable": var,
                                   "mean": float(result.mean_series[t, j])}
            for k, qv in enumerate(FAN_QUANTILES):
                row[quantile_name(qv)] = float(qs[k, t])
            rows.append(row)
    return pd.DataFrame(rows)


RUN_ENTRIES = frozenset({"scenarios", "series", "summary.parquet", "meta.json"})
"""What a run folder holds; a folder with anything else is not replaced."""


def check_run_folder(out_dir: Path) -> None:
    """Refuse ``out_dir`` unless it is absent, empty or an earlier run's folder.

    Raises
    ------
    BadInputError
        Naming the folder and the entries that are not a run's, before any work is done.
    """
    check_output_folder(out_dir, RUN_ENTRIES, option="--out", kind="simulation run")


class ParquetSink:
    """Writes each chunk's rows as it arrives, then the summary (see the module docstring).

    The rows go to ``.NAME.partial`` beside ``out_dir``; :meth:`complete` adds the summary,
    :meth:`install` moves the run into place (:meth:`finish`: both), :meth:`abandon` removes
    what was written. Several policies' sinks are completed one by one and installed together,
    so a failure in any policy leaves every earlier run in place.
    """

    def __init__(self, out_dir: Path, meta: Mapping[str, Any] | None = None) -> None:
        check_run_folder(out_dir)
        self.target = Path(out_dir)
        self.out = self.target.with_name(f".{self.target.name}.partial")
        # a crash's leftovers: ours alone (the name), never a user's
        shutil.rmtree(self.out, ignore_errors=True)
        self.meta = dict(meta or {})
        self.parts = 0

    def abandon(self) -> None:
        """Remove the partial run (an interrupted or failed run); the target is untouched."""
        shutil.rmtree(self.out, ignore_errors=True)

    def __call__(self, spec: RunSpec, chunk: ChunkResult) -> None:
        """Write one chunk (called in block order)."""
        with errors_named(self.target, self.out):      # the user named the target
            self._write_chunk(spec, chunk)

    def _write_chunk(self, spec: RunSpec, chunk: ChunkResult) -> None:
        n = chunk.type_index.shape[0]
        frame = pd.DataFrame({"scenario": np.arange(chunk.first, chunk.first + n),
                              "pool_index": chunk.pool_index, "type_index": chunk.type_index,
                              **chunk.stats})
        write_parquet(frame, self.out / "scenarios" / f"part-{self.parts:05d}.parquet")
        k = chunk.sample_index.shape[0]
        if k:
            t_len = chunk.sample_series.shape[0]
            labels = [quarter_label(q) for q in range(spec.timeline.start, spec.timeline.stop)]
            series = pd.DataFrame({
                "scenario": np.tile(chunk.sample_index, t_len),
                "quarter": np.repeat(labels, k),
                **{v: chunk.sample_series[:, :, j].reshape(-1) for j, v in enumerate(SERIES)}})
            write_parquet(series, self.out / "series" / f"part-{self.parts:05d}.parquet")
        self.parts += 1

    def finish(self, result: SimResult) -> Path:
        """:meth:`complete` then :meth:`install`: the run in place; its folder."""
        self.complete(result)
        return self.install()

    def complete(self, result: SimResult) -> None:
        """Write the summary and ``meta.json`` beside the rows; the run is whole, not in place."""
        meta = {"n": result.spec.n, "seed": result.spec.seed, "policy": result.spec.policy,
                "quarters": [quarter_label(result.spec.timeline.start),
                             quarter_label(result.spec.timeline.stop - 1)],
                "chunks": self.parts, **self.meta}
        with errors_named(self.target, self.out):
            write_parquet(quantile_frame(result), self.out / "summary.parquet")
            (self.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")

    def install(self) -> Path:
        """Move the completed run into place (an earlier run's folder is replaced); its folder."""
        replace_folder(self.out, self.target)
        return self.target


def read_scenarios(out_dir: Path) -> pd.DataFrame:
    """All scenario rows of a run directory, in scenario order (via DuckDB)."""
    con = duckdb.connect()
    try:
        glob = (Path(out_dir) / "scenarios" / "*.parquet").as_posix()
        frame: pd.DataFrame = con.read_parquet(glob).order("scenario").df()
    finally:
        con.close()
    return frame
