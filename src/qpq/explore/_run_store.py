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

**A store that knows its contents.** With each finished chunk the manifest records the
partition's SHA-256, size and row count (``chunks.files``), after the partition has been
fsynced and renamed. :meth:`RunStore.verify` compares the disk with that record: presence
and size (quick, ``qpq explore status``) or also the hash (``--verify``, and before every
``query``, ``export`` and ``analyse``, which refuse a damaged or incomplete store unless
told to use only the intact chunks). ``--resume`` recomputes missing and damaged chunks.
:meth:`RunStore.open` checks the manifest against itself: the chunk layout must tile the
design its config describes (a manifest edited to another ``n`` is refused), and each
recorded row count must match its chunk.

The manifest's ``config`` is everything the numbers depend on — the scenario (by a hash of
its content), sampler, size, seed, policies, outcomes, chunk layout, the model set-up (case
timeline and parameter point, by hash) and the code (qpq's version, a fingerprint of the
modules that compute results, numpy's and scipy's versions). :meth:`RunStore.check` refuses
to add chunks computed under any other config.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from qpq.errors import BadInputError, Problem
from qpq.explore._designs import experiments_of
from qpq.files import staged_file, write_file
from qpq.sim import BLOCK_SIZE, write_parquet

__all__ = [
    "FORMAT",
    "ChunkProblem",
    "ChunkSpec",
    "RunConfig",
    "RunStore",
    "StoreHealth",
    "from_ranges",
    "sql_ident",
    "sql_string",
    "to_ranges",
]

FORMAT = "qpq-explore-run/2"
# format 1 had no chunk checksums, so nothing it holds can be verified
_UNVERIFIABLE = ("qpq-explore-run/1",)
MANIFEST = "manifest.json"
_READ_SIZE = 1 << 20


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal (quotes doubled).

    Only where DuckDB takes no bound parameter (a ``SET`` value, a list of names).
    """
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_READ_SIZE):
            digest.update(block)
    return digest.hexdigest()



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


@dataclass(frozen=True, slots=True)
class ChunkProblem:
    """What is wrong with chunk ``index``: ``kind`` is ``missing`` or ``damaged``.

    ``message`` says what was found, without the chunk's number.
    """

    index: int
    kind: str
    message: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"chunk": self.index, "kind": self.kind, "message": self.message}

    def __str__(self) -> str:
        return f"chunk {self.index}: {self.message}"


@dataclass(frozen=True)
class StoreHealth:
    """The outcome of :meth:`RunStore.verify`.

    ``problems`` lists done chunks whose partition is missing or differs from the manifest's
    record; ``hashed`` says whether content was compared (else only presence and size).
    """

    problems: tuple[ChunkProblem, ...]
    hashed: bool

    @property
    def damaged(self) -> list[int]:
        """Indices of done chunks that cannot be used."""
        return sorted({p.index for p in self.problems})

    @property
    def intact(self) -> bool:
        """Whether every done chunk passed."""
        return not self.problems


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


def _is_int(value: Any) -> bool:
    return type(value) is int


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# what each manifest field must hold: (field, test, what is allowed)
_SHAPE: tuple[tuple[str, Any, str], ...] = (
    ("status", lambda v: isinstance(v, str), "text"),
    ("history", lambda v: isinstance(v, list) and all(isinstance(h, dict) for h in v),
     "a list of session records"),
    ("config", lambda v: isinstance(v, dict), "a mapping"),
    ("config.scenario", lambda v: isinstance(v, str), "text"),
    ("config.scenario_hash", lambda v: isinstance(v, str), "text"),
    ("config.method", lambda v: isinstance(v, str), "text"),
    ("config.n", lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
    ("config.seed", _is_int, "an integer"),
    ("config.chunk_blocks", lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
    ("config.policies", _is_str_list, "a list of policy names"),
    ("config.outcomes", _is_str_list, "a list of outcome names"),
    ("config.uncertainties", _is_str_list, "a list of parameter names"),
    ("config.model_hash", lambda v: isinstance(v, str), "text"),
    ("config.code", lambda v: isinstance(v, dict), "a mapping"),
    ("chunks", lambda v: isinstance(v, dict), "a mapping"),
    ("chunks.count", lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
    ("chunks.layout", lambda v: isinstance(v, list) and all(
        isinstance(r, list) and len(r) == 4 and all(_is_int(x) and x >= 0 for x in r)
        for r in v), "a list of [first block, stop block, first row, stop row] integers"),
    ("chunks.files", lambda v: isinstance(v, dict), "a mapping of chunk records"),
    ("done", lambda v: isinstance(v, list) and all(
        isinstance(r, list) and len(r) == 2 and all(_is_int(x) and x >= 0 for x in r)
        and r[0] < r[1] for r in v), "a list of [start, stop) ranges of chunk numbers"),
)


def _shape_problems(manifest: Any, file: str) -> list[Problem]:
    """Every manifest field that is missing or of the wrong kind, named.

    Checked before anything reads the manifest, so that an edited or damaged one is refused
    with the field at fault rather than failing wherever a value is first used.
    """
    out: list[Problem] = []
    for name, ok, allowed in _SHAPE:
        holder: Any = manifest
        *parents, key = name.split(".")
        for parent in parents:
            holder = holder.get(parent)
            if not isinstance(holder, dict):
                break
        if not isinstance(holder, dict):
            continue  # the parent's own problem is reported
        if key not in holder:
            out.append(Problem(file, f"missing; must be {allowed}", name))
        elif not ok(holder[key]):
            out.append(Problem(file, f"{_short(holder[key])} is not {allowed}", name))
    return out


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
                       "layout": [[c.first_block, c.stop_block, c.lo, c.hi] for c in chunks],
                       "files": {}},
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
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadInputError(f"{file}: unreadable manifest ({exc})") from None
        except RecursionError:
            # the JSON decoder recurses once per level; a manifest is four levels deep
            raise BadInputError(f"{file}: unreadable manifest (nested too deeply to be one "
                                "qpq writes)") from None
        found = manifest.get("format") if isinstance(manifest, dict) else None
        if found in _UNVERIFIABLE:
            raise BadInputError(
                f"{file}: field format: {found!r} was written by an older qpq that kept no "
                "chunk checksums, so its results cannot be verified; run it again in a new "
                f"directory (this qpq writes {FORMAT!r})")
        if not isinstance(manifest, dict) or found != FORMAT:
            raise BadInputError(f"{file}: field format: {found!r} is not a qpq run; "
                                f"allowed: {FORMAT!r}")
        shape = _shape_problems(manifest, str(file))
        if shape:
            raise BadInputError(f"{file}: malformed manifest (edited or damaged); start the run "
                                "again in a new directory", problems=shape)
        try:
            RunConfig.from_json(manifest["config"])
            from_ranges(manifest["done"])
            store = cls(path, manifest)
            store.chunks  # noqa: B018 - parses the layout
            dict(manifest["chunks"]["files"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BadInputError(f"{file}: malformed manifest ({exc!r})") from None
        problems = store._consistency()
        if problems:
            raise BadInputError(
                f"{file}: the manifest contradicts itself (edited or damaged); start the run "
                "again in a new directory", problems=problems)
        return store

    def _consistency(self) -> list[Problem]:
        """How the manifest's config, layout, done list and records disagree (if they do)."""
        file = str(self.path / MANIFEST)
        cfg = self.config
        out: list[Problem] = []
        total, group = experiments_of(cfg.method, cfg.n, len(cfg.uncertainties))
        chunks = self.chunks
        if len(chunks) != self.n_chunks:
            out.append(Problem(file, f"{self.n_chunks} chunks counted, {len(chunks)} in "
                               "chunks.layout", "chunks.count"))
        block_rows = BLOCK_SIZE * group
        lo = block = 0
        for c in chunks:
            width = c.stop_block - c.first_block
            rows = min(c.stop_block * block_rows, total) - c.first_block * block_rows
            if (c.lo, c.first_block) != (lo, block) or not 0 < width <= cfg.chunk_blocks \
                    or (c.lo, c.rows) != (c.first_block * block_rows, rows):
                out.append(Problem(file, f"chunk {c.index}: experiments [{c.lo}, {c.hi}) in "
                                   f"blocks [{c.first_block}, {c.stop_block}) do not follow "
                                   f"from the config ({cfg.method} n={cfg.n}, "
                                   f"{cfg.chunk_blocks} block(s) of {block_rows} per chunk)",
                                   "chunks.layout"))
                break
            lo, block = c.hi, c.stop_block
        else:
            if lo != total:
                out.append(Problem(file, f"config says {cfg.method} n={cfg.n}, that is "
                                   f"{total} experiments, but the chunks hold {lo} "
                                   f"(experiments [0, {lo})); was the manifest edited?",
                                   "config.n"))
        files = self.manifest["chunks"]["files"]
        per_row = len(cfg.policies)
        for i in sorted(self.done):
            if not 0 <= i < len(chunks):
                out.append(Problem(file, f"chunk {i} is listed as done but the run has "
                                   f"chunks 0-{len(chunks) - 1}", "done"))
                continue
            rec = files.get(str(i))
            if not (isinstance(rec, dict) and isinstance(rec.get("sha256"), str)
                    and all(type(rec.get(k)) is int for k in ("bytes", "rows"))):
                out.append(Problem(file, f"chunk {i} is listed as done without a valid record "
                                   "(sha256 text, bytes and rows integers)",
                                   f"chunks.files.{i}"))
            elif rec["rows"] != chunks[i].rows * per_row:
                out.append(Problem(file, f"chunk {i}: {rec['rows']} rows recorded, its "
                                   f"{chunks[i].rows} experiments x {per_row} policies make "
                                   f"{chunks[i].rows * per_row}", f"chunks.files.{i}.rows"))
        return out

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

    def files(self, chunks: Iterable[int] | None = None) -> list[Path]:
        """Partitions of the finished chunks (or of ``chunks``), in chunk order."""
        return [self.partition(i) for i in sorted(self.done if chunks is None else chunks)]

    def verify(self, *, hashes: bool = True) -> StoreHealth:
        """Compare each done chunk's partition with the manifest's record.

        Quick (``hashes=False``): present with the recorded size. Full: also the SHA-256
        (reads every partition once). A partition whose hash is that of another chunk is
        named as a copy of it.
        """
        records = self.manifest["chunks"]["files"]
        by_hash = {str(rec.get("sha256")): int(i) for i, rec in records.items()
                   if isinstance(rec, dict) and str(i).isdigit()}
        problems: list[ChunkProblem] = []
        for i in sorted(self.done):
            rec, path = records[str(i)], self.partition(i)
            try:
                size = path.stat().st_size
            except OSError:
                problems.append(ChunkProblem(i, "missing", f"{path.name} is missing"))
                continue
            got = _sha256(path) if hashes else None
            twin = by_hash.get(got) if got is not None else None
            copy = f" (it is a copy of chunk {twin})" if twin is not None and twin != i else ""
            if size != rec["bytes"]:
                problems.append(ChunkProblem(i, "damaged", f"{path.name} has {size} "
                                             f"bytes, {rec['bytes']} were written{copy}"))
            elif got is not None and got != rec["sha256"]:
                why = copy or " (its content changed after it was written)"
                problems.append(ChunkProblem(i, "damaged", f"{path.name} does not "
                                             f"match its recorded SHA-256{why}"))
        if hashes:
            problems += self._content_problems(sorted(self.done - {p.index for p in problems}))
        return StoreHealth(tuple(problems), hashes)

    def _content_problems(self, indices: Sequence[int]) -> list[ChunkProblem]:
        """Chunks whose rows are not the experiments their layout says, policies each.

        A hash only proves a file is the one recorded; this catches a record edited to fit
        another chunk's file. Only files whose hash matched are read (they are valid Parquet).
        """
        if not indices:
            return []
        paths = {str(self.partition(i).resolve()): i for i in indices}
        con = duckdb.connect()
        try:
            rows = con.execute(
                "SELECT filename, count(*), min(experiment), max(experiment), "
                "count(DISTINCT experiment) FROM read_parquet(?, filename = true) "
                "GROUP BY filename", [list(paths)]).fetchall()
        finally:
            con.close()
        k = len(self.config.policies)
        out = []
        for name, n, lo, hi, distinct in rows:
            i = paths[name]
            c = self.chunks[i]
            if (n, lo, hi + 1, distinct) != (c.rows * k, c.lo, c.hi, c.rows):
                out.append(ChunkProblem(i, "damaged", f"holds experiments {lo}-{hi} ({distinct} "
                                        f"distinct, {n} rows), the chunk is experiments "
                                        f"{c.lo}-{c.hi - 1} x {k} policies"))
        return sorted(out, key=lambda p: p.index)

    def usable(self, command: str, *, allow_partial: bool = False,
               partial_option: str | None = "--allow-partial") -> list[int]:
        """The chunks ``command`` may read: every chunk, verified (else refused).

        With ``allow_partial`` the intact done chunks, whatever is missing or damaged.
        ``partial_option`` is the option the refusal suggests (``None``: the command has
        none, it needs the whole run).

        Raises
        ------
        BadInputError
            Naming each damaged or missing chunk and the command that repairs the store.
        """
        health = self.verify(hashes=True)
        good = sorted(self.done - set(health.damaged))
        if allow_partial or (health.intact and self.complete):
            return good
        repair = f"`qpq explore run {self.config.scenario} --resume {self.path}`"
        alternative = (f", or use the intact finished chunks only with {partial_option}"
                       if partial_option else "")
        if health.intact:
            raise BadInputError(
                f"{self.path}: the run is not finished ({len(self.done)} of {self.n_chunks} "
                f"chunks done); {command} needs every chunk: finish it with {repair}"
                + alternative)
        raise BadInputError(
            f"{self.path}: {len(health.damaged)} chunk(s) are missing or damaged, so {command} "
            f"would give wrong results; recompute them with {repair}" + alternative,
            problems=[Problem(str(self.partition(p.index)), p.message, f"chunk {p.index}")
                      for p in health.problems])

    def forget(self, chunks: Iterable[int]) -> None:
        """Mark ``chunks`` as not done (their partitions are recomputed on resume)."""
        drop = set(chunks)
        if not drop:
            return
        self.manifest["done"] = to_ranges(self.done - drop)
        for i in drop:
            self.manifest["chunks"]["files"].pop(str(i), None)
        self.save()

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
        # durable: a resume after a power cut trusts the chunks the manifest lists
        write_file(self.path / MANIFEST, json.dumps(self.manifest, indent=1) + "\n",
                   durable=True)

    def write_chunk(self, index: int, frame: pd.DataFrame) -> Path:
        """Write chunk ``index``'s rows, then record it as done (in that order)."""
        target = self.partition(index)
        with staged_file(target, durable=True) as tmp:
            write_parquet(frame, tmp)
            record = {"sha256": _sha256(tmp), "bytes": tmp.stat().st_size, "rows": len(frame)}
        self.manifest["chunks"]["files"][str(index)] = record
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
    def connect(self, chunks: Iterable[int] | None = None, *,
                sealed: bool = False) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with the view ``results`` over finished chunks.

        ``chunks`` limits the view to those chunks (default: every done chunk, unverified;
        callers check them with :meth:`usable` first). ``results`` is empty (with the right
        columns) when there is no chunk. ``sealed``: once the view exists, file access is
        limited to its partitions and the configuration locked, so a statement run on the
        connection can neither read nor write any other file.
        """
        con = duckdb.connect()
        files = self.files(chunks)
        if files:
            # paths go to DuckDB as values, never as SQL text (a folder may be named it's)
            con.read_parquet([str(p.resolve()) for p in files]).create_view("results")
        else:
            cfg = self.config
            cols = (["experiment BIGINT", "block BIGINT", "policy VARCHAR"]
                    + [f"{sql_ident(u)} DOUBLE" for u in cfg.uncertainties]
                    + [f"{sql_ident(o)} DOUBLE" for o in cfg.outcomes])
            con.execute(f"CREATE TABLE results ({', '.join(cols)})")
        if sealed:
            # SET takes no bound parameters; the literals are quoted by sql_string
            allowed = ", ".join(sql_string(str(p.resolve())) for p in files)
            con.execute(f"SET allowed_paths = [{allowed}]")
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
        return con

    def policy_rank(self) -> str:
        """SQL for a policy's position in the run's policy list (to order rows by it)."""
        names = ", ".join(sql_string(p) for p in self.config.policies)
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
