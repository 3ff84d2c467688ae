"""Exporting a run directory: EMA Workbench's results archive, one CSV or one Parquet file.

**EMA Workbench** (``format="ema"``): the ``.tar.gz`` that ``ema_workbench.save_results``
writes and ``ema_workbench.load_results`` reads (the format of EMA 2.x/3.x with a
``metadata.json``): ``experiments.csv`` — one row per (experiment, policy) with a column per
uncertainty, ``scenario`` (the experiment's row in the design), ``policy`` and ``model``
(``qpq``) — one ``<outcome>.cls`` per outcome (a header-less column of values, EMA's
``ScalarOutcome`` serialisation) and ``metadata.json`` naming the outcomes' classes and the
experiments' dtypes. Floats are written with full round-trip precision, so EMA reads back
exactly the store's numbers (tested against EMA's own ``load_results``).

The archive is built partition by partition through temporary files, so exporting takes
memory for one chunk, not for the run, and is renamed into place when complete.
"""

from __future__ import annotations

import gzip
import json
import shutil
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import duckdb

from qpq.errors import BadInputError
from qpq.explore._run_store import RunStore
from qpq.files import staged_file

__all__ = ["FORMATS", "export_run"]

Format = Literal["ema", "csv", "parquet"]
FORMATS: tuple[Format, ...] = ("ema", "csv", "parquet")
_SUFFIX = {"ema": ".tar.gz", "csv": ".csv", "parquet": ".parquet"}
_EMA_VERSION = 0.1  # the archive version EMA's save_results writes


def _ordered(store: RunStore, source: str) -> str:
    return f"SELECT * FROM {source} ORDER BY experiment, {store.policy_rank()}"


def _export_ema(store: RunStore, target: Path, chunks: Sequence[int]) -> None:
    with staged_file(target) as archive:
        # the parts beside the archive, on the target's disk (a large run's CSVs may not fit
        # a temporary folder in memory); an error about them names the target
        tmp = archive.with_name(archive.name + ".parts")
        tmp.mkdir()
        try:
            _write_ema(store, tmp, archive, target.name, chunks)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _write_ema(store: RunStore, tmp: Path, archive: Path, name: str,
               chunks: Sequence[int]) -> None:
    cfg = store.config
    exp_file = tmp / "experiments.csv"
    out_files = {o: tmp / f"{o}.cls" for o in cfg.outcomes}
    con = duckdb.connect()
    try:
        for i, part in enumerate(store.files(chunks)):
            frame = con.execute(_ordered(store, "read_parquet(?)"), [str(part)]).df()
            exp = frame[list(cfg.uncertainties)].copy()
            exp["scenario"] = frame["experiment"].astype("int64")
            exp["policy"] = frame["policy"].astype(str)
            exp["model"] = "qpq"
            # pandas writes floats with repr precision: EMA reads back the same numbers
            exp.to_csv(exp_file, mode="a", header=i == 0, index=False, encoding="utf-8")
            for o, path in out_files.items():
                frame[[o]].to_csv(path, mode="a", header=False, index=False, encoding="utf-8")
    finally:
        con.close()
    meta = {"version": _EMA_VERSION,
            "outcomes": [["ScalarOutcome", o, f"{o}.cls"] for o in cfg.outcomes],
            "experiments": {**{u: "float64" for u in cfg.uncertainties},
                            "scenario": "int64", "policy": "category", "model": "category"}}
    (tmp / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    # the gzip header names the file it was made as: the target's name, not the staged one
    with open(archive, "wb") as raw, gzip.GzipFile(filename=name, mode="wb", fileobj=raw) as gz, \
            tarfile.open(fileobj=gz, mode="w") as z:
        z.add(exp_file, arcname="experiments.csv")
        for o, path in out_files.items():
            z.add(path, arcname=f"{o}.cls")
        z.add(tmp / "metadata.json", arcname="metadata.json")


def _export_table(store: RunStore, target: Path, fmt: Format, chunks: Sequence[int]) -> None:
    con = store.connect(chunks)
    try:
        with staged_file(target) as tmp:
            # the target goes to DuckDB as a value, never pasted into SQL text
            rel = con.sql(_ordered(store, "results"))
            if fmt == "parquet":
                rel.write_parquet(str(tmp))
            else:
                rel.write_csv(str(tmp), header=True)
    finally:
        con.close()


def export_run(run_dir: Path, fmt: str = "ema", out: Path | None = None, *,
               partial: bool = False) -> Path:
    """Export the run in ``run_dir`` as ``fmt``; returns the file written.

    ``out`` defaults to ``RUN_DIR/results.tar.gz`` (``ema``), ``results.csv`` or
    ``results.parquet``. Every chunk is verified against its recorded SHA-256 first; an
    unfinished run or one with a missing or damaged chunk is refused unless ``partial``
    (then only the intact finished chunks are exported).

    Raises
    ------
    BadInputError
        For an unknown format, a directory that is not a run, an unfinished or damaged run.
    """
    if fmt not in FORMATS:
        raise BadInputError(f"fmt (--format): unknown format {fmt!r}; allowed: "
                            + ", ".join(FORMATS))
    store = RunStore.open(run_dir)
    chunks = store.usable("export", allow_partial=partial)
    target = Path(out) if out is not None else Path(run_dir) / f"results{_SUFFIX[fmt]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "ema":
        _export_ema(store, target, chunks)
    else:
        _export_table(store, target, fmt, chunks)
    return target
