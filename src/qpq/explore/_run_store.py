"""A run directory: one Parquet partition per finished chunk and the manifest that records them.

Layout::

    RUN_DIR/
      manifest.json              what was run and which chunks are done
      chunks/chunk-000000.parquet
      chunks/chunk-000001.parquet
      ...

A partition holds one row per (experiment, policy): ``experiment`` (the design's row),
``block`` (its random-number block), ``policy``, one column per uncertainty (the parameter
values) and one per outcome. It is written to a temporary name and renamed into place, and
only then is the chunk added to the manifest's ``done`` list (the manifest itself is
replaced atomically too), so a run killed at any instant leaves a consistent directory:
every chunk in ``done`` is complete, and a partition the manifest does not list is ignored
and recomputed.

The manifest's ``config`` is everything the numbers depend on — the scenario (by a hash of
its content), sampler, size, seed, policies, outcomes, chunk layout, the model set-up (case
timeline and parameter point, by hash) and the code (qpq's version, a fingerprint of the
modules that compute results, numpy's and scipy's versions). :meth:`RunStore.check` refuses
to add chunks computed under any other config.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from qpq.errors import BadInputError, Problem
from qpq.sim import write_parquet

__all__ = [
    "FORMAT",
    "ChunkSpec",
    "RunConfig",
    "RunStore",
    "from_ranges",
    "to_ranges",
]

FORMAT = "qpq-explore-run/1"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class RunConfig:
    """Everything a run's numbers depend on; two runs with equal configs give equal results.

    ``model_hash`` covers the simulator set-up (timeline from the case, the full parameter
    point, outcome window, lookup grid, replicates); ``code`` maps ``qpq``, ``fingerprint``,
    ``numpy`` and ``scipy`` to versions.
    """

    scenario: str
    scenario_hash: str
    method: str
    n: int
    seed: int
    policies: tuple[str, ...]
    outcomes: tuple[str, ...]
    uncertainties: tuple[str, ...]
    chunk_blocks: int
    model_hash: str
    code: Mapping[str, str]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (tuples as lists)."""
        out = asdict(self)
        for key in ("policies", "outcomes", "uncertainties"):
            out[key] = list(out[key])
        out["code"] = dict(self.code)
        return out

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> RunConfig:
        """Inverse of :meth:`to_json`."""
        return cls(scenario=str(doc["scenario"]), scenario_hash=str(doc["scenario_hash"]),
                   method=str(doc["method"]), n=int(doc["n"]), seed=int(doc["seed"]),
                   policies=tuple(doc["policies"]), outcomes=tuple(doc["outcomes"]),
                   uncertainties=tuple(doc["uncertainties"]),
                   chunk_blocks=int(doc["chunk_blocks"]), model_hash=str(doc["model_hash"]),
                   code=dict(doc["code"]))


@dataclass(frozen=True, slots=True)
class ChunkSpec:
    """Chunk ``index``: random-number blocks ``[first_block, stop_block)``, rows ``[lo, hi)``."""

    index: int
    first_block: int
    stop_block: int
    lo: int
    hi: int

    @property
    def rows(self) -> int:
        """Experiments in the chunk."""
        return self.hi - self.lo


def to_ranges(items: Iterable[int]) -> list[list[int]]:
    """Sorted integers as half-open ``[start, stop)`` runs (a compact ``done`` list)."""
    out: list[list[int]] = []
    for i in sorted(set(items)):
        if out and out[-1][1] == i:
            out[-1][1] = i + 1
        else:
            out.append([i, i + 1])
    return out


def from_ranges(ranges: Sequence[Sequence[int]]) -> set[int]:
    """Inverse of :func:`to_ranges`."""
    return {i for a, b in ranges for i in range(int(a), int(b))}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


_DIFF_HINT = {
    "scenario_hash": "the scenario file's content changed",
    "model_hash": "the case (timeline or parameter defaults) changed",
    "code": "qpq's code or numpy/scipy changed, so the numbers could differ",
    "chunk_blocks": "the chunk layout is fixed when a run starts",
}


class RunStore:
    """A run directory (see the module docstring). Create with :meth:`create` or :meth:`open`."""

    def __init__(self, path: Path, manifest: dict[str, Any]) -> None:
        self.path = Path(path)
        self.manifest = manifest

    # -- creation -------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, config: RunConfig, chunks: Sequence[ChunkSpec],
               info: Mapping[str, Any]) -> RunStore:
        """Start a new run in ``path`` (missing or empty); ``info`` is stored for provenance.

        Raises
        ------
        BadInputError
            When ``path`` already holds a run or other files.
        """
        path = Path(path)
        if (path / MANIFEST).exists():
            done = cls.open(path)
            raise BadInputError(
                f"{path} already holds a run of {done.config.scenario} ({len(done.done)} of "
                f"{done.n_chunks} chunks done); continue it with --resume {path} or choose "
                "a new directory")
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise BadInputError(f"{path} exists and is not an empty directory; a run needs a "
                                "new or empty directory")
        (path / "chunks").mkdir(parents=True, exist_ok=True)
        manifest = {
            "format": FORMAT,
            "created": _now(),
            "updated": _now(),
            "status": "running",
            "config": config.to_json(),
            "chunks": {"count": len(chunks),
                       "layout": [[c.first_block, c.stop_block, c.lo, c.hi] for c in chunks]},
            "done": [],
            "history": [],
            **dict(info),
        }
        store = cls(path, manifest)
        store.save()
        return store

    @classmethod
    def open(cls, path: Path) -> RunStore:
        """Open an existing run directory.

        Raises
        ------
        BadInputError
            When ``path`` has no readable qpq manifest.
        """
        path = Path(path)
        file = path / MANIFEST
        if not file.is_file():
            raise BadInputError(f"{path} is not a qpq run directory (no {MANIFEST}); start "
                                "runs with `qpq explore run SCENARIO --out DIR`")
        try:
            manifest = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise BadInputError(f"{file}: unreadable manifest ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            found = manifest.get("format") if isinstance(manifest, dict) else None
            raise BadInputError(f"{file}: field format: {found!r} is not a qpq run; "
                                f"allowed: {FORMAT!r}")
        try:
            RunConfig.from_json(manifest["config"])
            from_ranges(manifest["done"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BadInputError(f"{file}: malformed manifest ({exc!r})") from None
        return cls(path, manifest)

    # -- state ----------------------------------------------------------------------------
    @property
    def config(self) -> RunConfig:
        """The config the run was started with."""
        return RunConfig.from_json(self.manifest["config"])

    @property
    def n_chunks(self) -> int:
        """Chunks in the run."""
        return int(self.manifest["chunks"]["count"])

    @property
    def chunks(self) -> tuple[ChunkSpec, ...]:
        """Every chunk of the run."""
        return tuple(ChunkSpec(i, *map(int, row))
                     for i, row in enumerate(self.manifest["chunks"]["layout"]))

    @property
    def done(self) -> set[int]:
        """Indices of finished chunks (their partitions are complete)."""
        return from_ranges(self.manifest["done"])

    @property
    def complete(self) -> bool:
        """Whether every chunk is done."""
        return len(self.done) == self.n_chunks

    def missing(self) -> list[int]:
        """Chunks still to compute, in order."""
        done = self.done
        return [i for i in range(self.n_chunks) if i not in done]

    def partition(self, index: int) -> Path:
        """The Parquet file of chunk ``index``."""
        return self.path / "chunks" / f"chunk-{index:06d}.parquet"

    def files(self) -> list[Path]:
        """Partitions of the finished chunks, in chunk order."""
        return [self.partition(i) for i in sorted(self.done)]

    def check(self, config: RunConfig) -> None:
        """Refuse ``config`` unless it equals the run's (a clear list of what differs).

        Raises
        ------
        BadInputError
            Naming every field that differs, old and new value, and why it matters.
        """
        old = self.config.to_json()
        new = config.to_json()
        diffs = []
        for key in old:
            if old[key] != new.get(key):
                hint = _DIFF_HINT.get(key, "")
                if key == "code":
                    changed = {k: (old[key].get(k), new[key].get(k)) for k in new[key]
                               if old[key].get(k) != new[key].get(k)}
                    what = ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items())
                else:
                    what = f"{old[key]} -> {new[key]}"
                diffs.append(f"{key}: {what}" + (f" ({hint})" if hint else ""))
        if diffs:
            raise BadInputError(
                f"cannot resume {self.path}: it was started with a different set-up, so its "
                "finished chunks would not match the rest; start a new run directory "
                "instead. Differences:",
                problems=[Problem(str(self.path / MANIFEST), d, "config") for d in diffs])

    # -- writing --------------------------------------------------------------------------
    def save(self) -> None:
        """Write the manifest atomically."""
        self.manifest["updated"] = _now()
        _atomic_write(self.path / MANIFEST, json.dumps(self.manifest, indent=1) + "\n")

    def write_chunk(self, index: int, frame: pd.DataFrame) -> Path:
        """Write chunk ``index``'s rows, then record it as done (in that order)."""
        target = self.partition(index)
        tmp = target.with_name(f".{target.name}.tmp")
        write_parquet(frame, tmp)
        os.replace(tmp, target)
        self.manifest["done"] = to_ranges(self.done | {index})
        self.save()
        return target

    def set_status(self, status: str, **info: Any) -> None:
        """Record the run's status (``running``, ``interrupted``, ``failed``, ``complete``)."""
        self.manifest["status"] = status
        self.manifest.update(info)
        self.save()

    def add_history(self, entry: Mapping[str, Any]) -> None:
        """Append one session (executor, chunks run, seconds, how it ended)."""
        self.manifest["history"].append(dict(entry))
        self.save()

    # -- reading --------------------------------------------------------------------------
    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with the view ``results`` over finished chunks.

        ``results`` is empty (with the right columns) when no chunk is done yet.
        """
        con = duckdb.connect()
        files = self.files()
        if files:
            listing = ", ".join(f"'{p.as_posix()}'" for p in files)
            con.execute(f"CREATE VIEW results AS SELECT * FROM read_parquet([{listing}])")
        else:
            cfg = self.config
            cols = (["experiment BIGINT", "block BIGINT", "policy VARCHAR"]
                    + [f'"{u}" DOUBLE' for u in cfg.uncertainties]
                    + [f'"{o}" DOUBLE' for o in cfg.outcomes])
            con.execute(f"CREATE TABLE results ({', '.join(cols)})")
        return con

    def policy_rank(self) -> str:
        """SQL for a policy's position in the run's policy list (to order rows by it)."""
        names = ", ".join(f"'{p}'" for p in self.config.policies)
        return f"list_position([{names}], policy)"

    def read(self) -> pd.DataFrame:
        """Every finished row, ordered by experiment and policy (policy in run order)."""
        con = self.connect()
        try:
            frame: pd.DataFrame = con.execute(
                f"SELECT * FROM results ORDER BY experiment, {self.policy_rank()}").df()
        finally:
            con.close()
        return frame
