"""A fuzz campaign over every input surface: generate malformed inputs, run them, classify.

Shared by the test suite (a small sample, ``tests/test_fuzz_campaign.py``) and the benchmark
(``bench/fuzz_bench.py``, at least 10,000 inputs), so both use one generator and one
classifier. It lives under ``tests/`` because it is a test oracle built on the test fixtures
(the mini case of ``tests/conftest.py``); the benchmark imports it, never the reverse.

Surfaces (``SURFACES``):

``case``
    every case file kind, mutated in a copy of the mini case (fast) or of the built-in case
    (every file kind, including the optional ones the mini case lacks), loaded by
    :func:`qpq.case.load_case`; a few go through ``qpq evidence validate`` and through
    ``qpq report --out`` over an existing report (which must survive a refusal).
``scenario``
    the built-in scenario file, loaded by :func:`qpq.explore.load_study` (what
    ``qpq explore validate`` runs) against the built-in case.
``bargain-csv``, ``bargain-decide``, ``bargain-ktab``
    the three stakeholder data formats, run by ``qpq bargain eum --data FILE``.
``cli``
    argument lists that each hold one known-invalid element (unknown option, malformed
    number or date, unknown id, missing or wrong path, clashing options), some over an
    existing output that must survive.
``store``
    a small finished ``qpq explore run`` store with damaged chunks or manifest, read by
    ``qpq explore status/query/export/analyse`` (export over an existing file).

Each input is built from ``numpy.random.default_rng([seed, index])``, so input ``i`` is the
same whatever the worker or the sample size. Every input says whether its mutation is known
to make it invalid (``invalid``: the oracle for silent acceptance), which file a refusal must
name and, where the mutation targets one, which field (or option). Outcomes (``OUTCOMES``):

* ``clean refusal``: exit code 2, message names the file (and field); ``qpq explore status``
  exiting 2 with a report that calls the store damaged counts too;
* ``vague refusal``: any other non-zero exit, or a message without the file or field;
* ``traceback``: an exception other than :class:`qpq.errors.BadInputError` escaped;
* ``hang``: no answer within the deadline (the worker process is killed);
* ``silent acceptance``: a known-invalid input accepted with exit code 0;
* ``damage``: a refused command changed or removed a file that existed before it;
* ``accepted``: an input not known to be invalid, accepted (e.g. a byte flip in a comment).

Inputs run in worker processes (forked, so each imports qpq once) with a per-input deadline
enforced by the parent.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

OUTCOMES = ("clean refusal", "vague refusal", "traceback", "hang", "silent acceptance",
            "damage", "accepted")
BAD = ("traceback", "hang", "silent acceptance", "damage")
"""The outcomes the campaign's goal is zero of."""

SURFACES = ("case", "scenario", "bargain-csv", "bargain-decide", "bargain-ktab", "cli", "store")

BENCH_PLAN: dict[str, int] = {
    "case": 4000, "scenario": 1500, "bargain-csv": 900, "bargain-decide": 900,
    "bargain-ktab": 900, "cli": 1200, "store": 800,
}
"""Inputs per surface in ``make bench`` (10,200 in all)."""

TEST_PLAN: dict[str, int] = {
    "case": 90, "scenario": 40, "bargain-csv": 25, "bargain-decide": 25, "bargain-ktab": 25,
    "cli": 40, "store": 25,
}
"""Inputs per surface in the test suite's sample."""

DEADLINE_S = 20.0
"""Seconds one input may take before it counts as a hang."""

CASE_DIR = Path(__file__).resolve().parents[1] / "src" / "qpq" / "cases" / "china_taliban"
NO_SUCH_ID = "zz-no-such-id"


# -- inputs ------------------------------------------------------------------------------------
@dataclass
class Action:
    """What to run on a built input: a CLI argument list or a library call."""

    argv: list[str] | None = None
    call: Callable[[], object] | None = None
    # files whose content a refused command must leave as it was (existing outputs, stores)
    protect: list[Path] = field(default_factory=list)
    # for qpq explore status: a damaged store's report (exit 2) names the chunk, not always
    # the manifest field a mutation changed; saying "damaged" is a clean refusal there
    report_words: tuple[str, ...] = ()


@dataclass
class FuzzInput:
    """One generated input: what it is, the validity oracle, and how to build and run it."""

    surface: str
    kind: str
    mutation: str
    invalid: bool | None   # True: known invalid; None: validity unknown; False: valid
    file: tuple[str, ...]  # a refusal must name one of these (empty: nothing to name)
    field: tuple[str, ...]  # ... and one of these
    build: Callable[[Path], Action]


@dataclass(frozen=True)
class Result:
    """The outcome of one input."""

    index: int
    surface: str
    kind: str
    mutation: str
    outcome: str
    detail: str
    seconds: float


# -- seeds: valid inputs that mutations start from ----------------------------------------------
def _yaml_text(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _mini_files() -> dict[str, str]:
    from tests.conftest import MINI_CASE
    return {name: (c if isinstance(c, str) else _yaml_text(c)) for name, c in MINI_CASE.items()}


def _builtin_files(case_dir: Path = CASE_DIR) -> dict[str, str]:
    return {p.relative_to(case_dir).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(case_dir.rglob("*.yaml"))}


CSV_SEED = ("issue,actor,capability,position,salience\n"
            "recognition,china,60,70,0.8\nrecognition,taliban,40,100,0.9\n"
            "recognition,pakistan,30,60,0.5\nrecognition,russia,25,50,0.3\n"
            "security,china,60,90,0.9\nsecurity,taliban,40,30,0.6\n"
            "security,pakistan,30,60,0.4\nsecurity,russia,25,70,0.2\n")
DECIDE_SEED = ("#0\tfuzz seed\n#A\tchina\tChina\n#A\ttaliban\tTaliban\n#A\tpakistan\tPakistan\n"
               "#P\trec\tRecognition\n#P\tsec\tSecurity\n#M\trec\t0\tnone\n#M\trec\t100\tfull\n"
               "#D\tchina\trec\t70\t0.8\t60\n#D\ttaliban\trec\t100\t0.9\t40\n"
               "#D\tpakistan\trec\t60\t0.5\t30\n#D\tchina\tsec\t90\t0.9\t60\n"
               "#D\ttaliban\tsec\t30\t0.6\t40\n#D\tpakistan\tsec\t60\t0.4\t30\n")
KTAB_SEED = ("fuzz,a seed scenario,3,2\n"
             "Actor,Description,Power,recognition,sal-rec,security,sal-sec\n"
             "china,China,60,70,40,90,50\ntaliban,Taliban,40,100,50,30,30\n"
             "pakistan,Pakistan,30,60,20,60,20\n")
BARGAIN_SEEDS = {"bargain-csv": ("data.csv", CSV_SEED), "bargain-decide": ("data.dat", DECIDE_SEED),
                 "bargain-ktab": ("data.csv", KTAB_SEED)}


@dataclass
class Seeds:
    """Everything built once per campaign: case texts, the case, a small finished run store."""

    root: Path
    mini: dict[str, str]
    builtin: dict[str, str]
    ids: frozenset[str]
    store: Path
    case_dir: Path = CASE_DIR
    _case: Any = None

    @property
    def case(self) -> Any:
        if self._case is None:
            from qpq.case import load_case
            self._case = load_case(self.case_dir)
        return self._case


def make_seeds(root: Path, case_dir: Path = CASE_DIR) -> Seeds:
    """Build the seeds under ``root`` (a small run store costs a couple of seconds).

    ``case_dir``: the built-in case of the qpq under test (another checkout's, to measure it).
    """
    from qpq.cli import main
    builtin = _builtin_files(case_dir)
    ids: set[str] = set()
    for text in (*builtin.values(), *_mini_files().values()):
        data = yaml.safe_load(text)
        for item in _items(data):
            if isinstance(item.get("id"), str):
                ids.add(item["id"])
    store = root / "seed-store"
    with _quiet():
        rc = main(["explore", "run", "deal-under-uncertainty", "--n", "4", "--out", str(store),
                   "--lever", "boycott", "--lever", "recognise"])
    if rc != 0:
        raise RuntimeError(f"the fuzz campaign's seed store could not be built (exit {rc})")
    return Seeds(root, _mini_files(), builtin, frozenset(ids), store, case_dir)


def _items(data: Any) -> list[dict[str, Any]]:
    """The mappings of a case file worth mutating: list items, or nested lists' items."""
    if isinstance(data, list):
        return [d for d in data if isinstance(d, dict)]
    if isinstance(data, dict):
        nested = [v for v in data.values() if isinstance(v, list)]
        items = [d for lst in nested for d in lst if isinstance(d, dict)]
        return items or [data]
    return []


# -- generic text and YAML mutations ----------------------------------------------------------
HOSTILE_YAML = {
    # name: (text, field a refusal must name or None)
    "python tag": ("- !!python/object/apply:os.system ['echo pwned']\n", None),
    "alias bomb": ("a: &a [x, x, x, x, x, x, x, x, x]\n"
                   + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
                             for p, c in zip("abcdefgh", "bcdefghi", strict=True)), None),
    "deep nesting": ("x: " + "[" * 60 + "]" * 60 + "\n", None),
    "duplicate key": ("id: a\nid: b\n", None),
    "tab indentation": ("a:\n\t- b\n", None),
    "unterminated quote": ("id: 'abc\n", None),
    "binary": ("\x00\x01\x02\xff\xfe", None),
}

UNICODE = ("\u202e", "\u0000", "\ufeff", "😀" * 50, "ا" * 30, "\ud7ff", "e\u0301", "\u2028")


def _text_mutation(text: str, rng: np.random.Generator) -> tuple[str, bytes, bool | None]:
    """(name, new bytes, invalid?) of a text-level mutation; ``None`` validity: unknown."""
    raw = text.encode("utf-8")
    op = rng.integers(6)
    if op == 0 and raw:
        cut = int(rng.integers(len(raw)))
        return "truncated", raw[:cut], None
    if op == 1 and raw:
        out = bytearray(raw)
        for _ in range(int(rng.integers(1, 4))):
            out[int(rng.integers(len(out)))] ^= 1 << int(rng.integers(8))
        return "byte flips", bytes(out), None
    if op == 2:
        return "not UTF-8", raw + b"\n# \xff\xfe\xc3\x28\n", True
    if op == 3:
        return "empty", b"", True
    if op == 4 and raw:
        lines = text.splitlines(keepends=True)
        k = int(rng.integers(len(lines)))
        return "line duplicated", "".join([*lines[:k + 1], *lines[k:]]).encode(), None
    return "NUL bytes", raw.replace(b"\n", b"\n\x00", 1) if raw else b"\x00", True


def _fields(item: dict[str, Any]) -> list[str]:
    return sorted(k for k in item if isinstance(k, str))


DATE_NAMES = re.compile(r"(^|_)(date|start|end|until|as_of|published|from|to)$")
DATE_VALUE = re.compile(r"^\d{4}(-\d{2}){0,2}$")


def _structure_mutation(data: Any, rng: np.random.Generator, ids: frozenset[str]
                        ) -> tuple[str, Any, bool | None, str | tuple[str, ...] | None]:
    """(name, mutated data, invalid?, field) of a structure-aware mutation of one item."""
    data = copy.deepcopy(data)
    items = _items(data)
    if not items:
        return "top level replaced by a number", 42, True, None
    item = items[int(rng.integers(len(items)))]
    names = _fields(item)
    if not names:
        item["zz_unknown"] = 1
        return "unknown field", data, True, "zz_unknown"
    key = names[int(rng.integers(len(names)))]
    value = item[key]
    op = int(rng.integers(12))
    if op == 0:
        item[f"{key}_typo"] = item.pop(key)
        return "field renamed", data, True, f"{key}_typo"
    if op == 1:
        del item[key]
        return "field dropped", data, None, key
    if op == 2:
        if isinstance(value, str):
            item[key] = {"nested": [1, 2]}
            return "string -> mapping", data, True, key
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            item[key] = "not a number"
            return "number -> string", data, True, key
        if isinstance(value, list):
            item[key] = 7
            return "list -> number", data, True, key
        item[key] = [[[]]]
        return "value -> nested list", data, None, key
    if op == 3:
        num = _numeric_path(item)
        if num is not None:
            holder, k = num
            holder[k] = [math.nan, math.inf, -math.inf][int(rng.integers(3))]
            return f"{holder[k]} in a number", data, True, k
        item[key] = math.nan
        return "nan value", data, None, key
    if op == 4:
        num = _numeric_path(item)
        if num is not None:
            holder, k = num
            holder[k] = [-1e308, 1e308, -1, 10**30, 0][int(rng.integers(5))]
            return "number out of range", data, None, k
    if op == 5:
        date_key = next((k for k in names if DATE_NAMES.search(k)
                         and isinstance(item[k], str) and DATE_VALUE.match(item[k])), None)
        if date_key is not None:
            item[date_key] = ["2021-02-30", "2021-13-01", "20211", "yesterday", "0000-00-00"][
                int(rng.integers(5))]
            return "bad date", data, True, date_key
    if op == 6:
        ref = _reference(item, ids)
        if ref is not None:
            holder, k = ref
            if isinstance(holder[k], list):
                holder[k] = [*holder[k][:-1], NO_SUCH_ID]
            else:
                holder[k] = NO_SUCH_ID
            return "dangling reference", data, True, (k, NO_SUCH_ID)
    if op == 7 and isinstance(data, list) and "id" in item:
        data.append(copy.deepcopy(item))
        return "duplicate id", data, True, None
    if op == 8 and isinstance(value, str):
        item[key] = value + "x" * int(rng.integers(100_000, 400_000))
        return "huge string", data, None, key
    if op == 9 and isinstance(value, str):
        item[key] = value + UNICODE[int(rng.integers(len(UNICODE)))]
        return "odd unicode", data, None, key
    if op == 10 and isinstance(value, list):
        item[key] = value + value
        return "list doubled", data, None, key
    if op == 11:
        item[key] = None
        return "null value", data, None, key
    item[f"zz_{key}"] = value
    return "unknown field", data, True, f"zz_{key}"


def _numeric_path(item: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """A (mapping, key) holding a number, in the item or one mapping below it."""
    for holder in (item, *(v for v in item.values() if isinstance(v, dict))):
        for k in _fields(holder):
            v = holder[k]
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return holder, k
    return None


FREE_LABELS = frozenset({"id", "group", "kind", "type", "name", "title", "unit", "style"})
"""Fields whose text may equal an id without pointing at it (a parameter's ``group: china``)."""


def _reference(item: dict[str, Any], ids: frozenset[str]) -> tuple[dict[str, Any], str] | None:
    """A (mapping, key) holding another item's id (or a list of them)."""
    for k in _fields(item):
        if k in FREE_LABELS:
            continue
        v = item[k]
        if (isinstance(v, str) and v in ids) or (
                isinstance(v, list) and v and all(isinstance(x, str) and x in ids for x in v)):
            return item, k
    return None


def _alts(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def _cli(argv: list[str], protect: Sequence[Path] = (), report_words: tuple[str, ...] = ()
         ) -> Action:
    return Action(argv=argv, protect=list(protect), report_words=report_words)


# -- surface: case files ----------------------------------------------------------------------
def _file_mutation(text: str, rng: np.random.Generator, ids: frozenset[str], required: bool
                   ) -> tuple[str, str | bytes | None, bool | None, tuple[str, ...]]:
    """(name, new content or None to delete, invalid?, fields) for one YAML data file."""
    roll = rng.random()
    if roll < 0.62:
        name, data, invalid, fld = _structure_mutation(yaml.safe_load(text), rng, ids)
        try:
            return name, _yaml_text(data), invalid, _alts(fld)
        except (ValueError, yaml.YAMLError):  # unicode yaml cannot write
            return name, json.dumps(data, allow_nan=True), invalid, _alts(fld)
    if roll < 0.87:
        name, raw, invalid_text = _text_mutation(text, rng)
        return name, raw, invalid_text, ()
    if roll < 0.95:
        names = sorted(HOSTILE_YAML)
        name = names[int(rng.integers(len(names)))]
        hostile, fld = HOSTILE_YAML[name]
        return name, hostile, True, _alts(fld)
    if roll < 0.98:
        return "top level: mapping <-> list", ("- a\n- b\n" if text.lstrip()[:1] != "-"
                                               else "a: 1\n"), True, ()
    return "file deleted", None, True if required else None, ()


def gen_case(seeds: Seeds, rng: np.random.Generator) -> FuzzInput:
    builtin = rng.random() < 0.15
    if builtin and rng.random() < 0.15:
        return _case_regression(seeds, rng)
    files = seeds.builtin if builtin else seeds.mini
    names = sorted(files)
    fname = names[int(rng.integers(len(names)))]
    from qpq.case import REQUIRED_FILES
    name, content, invalid, fields = _file_mutation(files[fname], rng, seeds.ids,
                                                    required=fname in REQUIRED_FILES)
    via = rng.random()

    def build(work: Path) -> Action:
        root = work / "case"
        for other, text in files.items():
            _write(root / other, text)
        if content is None:
            (root / fname).unlink()
        else:
            _write(root / fname, content)
        if via < 0.08:
            return _cli(["evidence", "validate", str(root)])
        if via < 0.11 and invalid:
            out = work / "out"
            _write(out / "report.html", "<html>an earlier report</html>\n")
            _write(out / "figures" / "a.svg", "<svg/>\n")
            return _cli(["report", "--out", str(out), "--case", str(root)],
                        protect=[out / "report.html", out / "figures" / "a.svg"])
        from qpq.case import load_case
        return Action(call=lambda: load_case(root))

    named: tuple[str, ...] = (Path(fname).name,)
    if invalid is None and not fields:
        # a cut, flipped or deleted file can be read, and break another file's references:
        # then that file, naming the missing id, is the right one to name
        named = tuple(sorted({Path(f).name for f in files}))
    return FuzzInput("case", fname, f"{'built-in' if builtin else 'mini'}: {name}", invalid,
                     named, fields, build)


def _case_regression(seeds: Seeds, rng: np.random.Generator) -> FuzzInput:
    """One of issue 20's inputs (``tests/case/regressions.py``), in the built-in case."""
    from tests.case.regressions import REGRESSIONS
    names = sorted(REGRESSIONS)
    name = names[int(rng.integers(len(names)))]
    mutate, fname, fld = REGRESSIONS[name]

    def build(work: Path) -> Action:
        root = work / "case"
        for other, text in seeds.builtin.items():
            _write(root / other, text)
        mutate(root)
        from qpq.case import load_case
        return Action(call=lambda: load_case(root))

    return FuzzInput("case", fname, f"issue 20 regression: {name}", True, (fname,),
                     _alts(fld), build)


# -- surface: scenario files ------------------------------------------------------------------
def gen_scenario(seeds: Seeds, rng: np.random.Generator) -> FuzzInput:
    text = seeds.builtin["scenarios/deal.yaml"]
    data = yaml.safe_load(text)
    roll = rng.random()
    fields: tuple[str, ...] = ()
    content: str | bytes
    if roll < 0.45:
        data, name, invalid, fields = _scenario_mutation(data, rng)
        content = _yaml_text(data)
    elif roll < 0.7:
        name, mutated, invalid, fld = _structure_mutation(data, rng, seeds.ids)
        fields = _alts(fld)
        content = _yaml_text(mutated)
    elif roll < 0.92:
        name, content, invalid = _text_mutation(text, rng)
    else:
        names = sorted(HOSTILE_YAML)
        name = names[int(rng.integers(len(names)))]
        content, invalid = HOSTILE_YAML[name][0], True
    via_cli = rng.random() < 0.08

    def build(work: Path) -> Action:
        path = work / "fuzzed-scenario.yaml"
        _write(path, content)
        if via_cli:
            return _cli(["explore", "validate", str(path)])
        from qpq.explore import load_study
        return Action(call=lambda: load_study(path, seeds.case))

    return FuzzInput("scenario", "scenario", name, invalid, ("fuzzed-scenario.yaml",), fields,
                     build)


def _scenario_mutation(data: dict[str, Any], rng: np.random.Generator
                       ) -> tuple[dict[str, Any], str, bool | None, tuple[str, ...]]:
    data = copy.deepcopy(data)
    op = int(rng.integers(11))
    unc = data["uncertainties"]
    u = unc[int(rng.integers(len(unc)))]
    if op == 0:
        u["parameter"] = NO_SUCH_ID
        return data, "unknown parameter", True, ("parameter", NO_SUCH_ID)
    if op == 1:
        u["low"], u["high"] = u["high"], u["low"]
        return data, "low above high", True, ("low", "high")
    if op == 2:
        u["high"] = u["high"] * 1000 + 10
        return data, "range beyond plausible", True, ("high",)
    if op == 3:
        data["levers"] = [*data["levers"], NO_SUCH_ID]
        return data, "unknown lever", True, ("levers", NO_SUCH_ID)
    if op == 4:
        data["outcomes"] = [*data["outcomes"], NO_SUCH_ID]
        return data, "unknown outcome", True, ("outcomes", NO_SUCH_ID)
    if op == 5:
        data["n"] = [0, -5, "many", 1.5, math.nan, 10**40][int(rng.integers(6))]
        return data, f"n = {data['n']!r}", True, ("n",)
    if op == 6:
        data["seed"] = [-1, "abc", 2.5, [1]][int(rng.integers(4))]
        return data, f"seed = {data['seed']!r}", True, ("seed",)
    extra = data["extra"]
    if op == 7:
        key = ["start", "until", "window_start"][int(rng.integers(3))]
        extra[key] = ["2021-02-30", "someday", "2101-01-01", "1800-01-01"][int(rng.integers(4))]
        # a far date is wrong only where it puts the run's end before its start
        known = extra[key] in ("2021-02-30", "someday") or (key, extra[key]) in (
            ("start", "2101-01-01"), ("until", "1800-01-01"))
        return data, f"{key} = {extra[key]}", True if known else None, (key,)
    if op == 8:
        extra["discovery"]["policy"] = NO_SUCH_ID
        return data, "unknown discovery policy", True, ("policy", NO_SUCH_ID)
    if op == 9:
        unc.append(copy.deepcopy(u))
        return data, "uncertainty twice", True, (u["parameter"],)
    key = ["grid_size", "replicates"][int(rng.integers(2))]
    extra[key] = [0, -3, "x", 10**12][int(rng.integers(4))]
    return data, f"{key} = {extra[key]!r}", True, (key,)


# -- surface: bargaining data -----------------------------------------------------------------
def _split_rows(text: str, sep: str) -> list[list[str]]:
    return [line.split(sep) for line in text.splitlines()]


def _cell_names(surface: str, header: list[str], row: list[str]) -> list[str | None]:
    if surface == "bargain-csv":
        return [*header]
    if surface == "bargain-decide":
        return [None, "actor", "issue", "position", "salience", "power"] if row[0] == "#D" \
            else [None] * len(row)
    dims = header[3::2]
    names: list[str | None] = ["Actor", None, "Power"]
    for d in dims:
        names += [d, f"salience of {d}"]
    return names


def gen_bargain(surface: str, seeds: Seeds, rng: np.random.Generator) -> FuzzInput:
    fname, text = BARGAIN_SEEDS[surface]
    sep = "\t" if surface == "bargain-decide" else ","
    rows = _split_rows(text, sep)
    first = {"bargain-csv": 1, "bargain-decide": 8, "bargain-ktab": 2}[surface]
    body = list(range(first, len(rows)))
    fields: tuple[str, ...] = ()
    invalid: bool | None
    content: str | bytes
    roll = rng.random()
    if roll < 0.6:
        r = body[int(rng.integers(len(body)))]
        row = rows[r]
        names = _cell_names(surface, rows[1 if surface == "bargain-ktab" else 0], row)
        numeric = [i for i, n in enumerate(names) if n and n not in ("actor", "issue", "Actor")]
        c = numeric[int(rng.integers(len(numeric)))]
        col = names[c] or ""
        op = int(rng.integers(9))
        if op == 0:
            row[c], name, invalid = "abc", "not a number", True
        elif op == 1:
            row[c] = ["nan", "inf", "-inf", "NaN"][int(rng.integers(4))]
            name, invalid = f"{row[c]} cell", True
        elif op == 2:
            row[c], name, invalid = "1e300", "huge number", True
        elif op == 3:
            row[c], name, invalid = "-3", "negative number", None
            if "salience" in col or col in ("capability", "power", "Power"):
                invalid = True
        elif op == 4:
            row[c] = "150" if surface == "bargain-ktab" else "1.5"
            name, invalid = "number above its range", "salience" in col or None
        elif op == 5:
            row[c], name, invalid = "", "empty cell", True
        elif op == 6:
            del row[c:]
            name, invalid, col = "row cut short", True, ""
        elif op == 7:
            rows.insert(r + 1, list(row))
            name, invalid, col = "row repeated", True, "actor" if surface != "bargain-ktab" \
                else "Actor"
        else:
            row.append("7")
            name, invalid, col = "extra cell", None, ""
        fields = (col,) if col else ()
        content = "\n".join(sep.join(r) for r in rows) + "\n"
    elif roll < 0.7:
        keep = rows[:first] + rows[first:first + 1]
        if surface == "bargain-decide":
            keep = [r for r in rows if r[0] != "#D" or r[1] == "china"]
        if surface == "bargain-ktab":
            keep[0] = [keep[0][0], keep[0][1], "1", keep[0][3]]
        content = "\n".join(sep.join(r) for r in keep) + "\n"
        name, invalid, fields = "one actor left", True, ("actor", "Actor", "actors")
    elif roll < 0.8 and surface != "bargain-decide":
        h = 1 if surface == "bargain-ktab" else 0
        hdr = rows[h]
        k = int(rng.integers(len(hdr)))
        fields = (hdr[k],)
        hdr[k] = hdr[k] + "_x"
        content = "\n".join(sep.join(r) for r in rows) + "\n"
        name = "header renamed"
        invalid = True if surface == "bargain-csv" and fields[0] != "issue" else None
        if fields[0] == "issue":  # optional: the rows become one issue's, actors repeat
            fields = ()
        if surface == "bargain-ktab":
            invalid, fields = (True if k < 3 else None), ()
    elif roll < 0.8:
        r = body[int(rng.integers(len(body)))]
        rows[r][0] = "#Q"
        content = "\n".join(sep.join(r) for r in rows) + "\n"
        name, invalid, fields = "unknown tag", True, ("tag", "#Q")
    else:
        name, content, invalid = _text_mutation(text, rng)
        if name in ("truncated", "byte flips", "line duplicated"):
            invalid = None
    def build(work: Path) -> Action:
        path = work / fname
        _write(path, content)
        return _cli(["bargain", "eum", "--data", str(path), "--rounds", "2", "--json"])

    return FuzzInput(surface, fname, name, invalid, (fname,), fields, build)


# -- surface: command-line arguments ----------------------------------------------------------
BAD_INTS = ("abc", "-5", "1.5", "nan", "", "9" * 40, "0x10")
BAD_DATES = ("2021-02-30", "2021-13", "tomorrow", "20210815", "-1", "2021-08-15T00:00")
BAD_SETS = ("novalue", f"{NO_SUCH_ID}=1", "prior_sincere=abc", "prior_sincere=nan",
            "prior_sincere=5", "=3", "prior_sincere=inf")


def gen_cli(seeds: Seeds, rng: np.random.Generator) -> FuzzInput:
    def pick(options: Sequence[str]) -> str:
        return options[int(rng.integers(len(options)))]

    op = int(rng.integers(12))
    file: tuple[str, ...] = ()
    invalid: bool | None = True
    out_kind = "none"
    if op == 0:
        cmd = pick([["params"], ["evidence", "timeline"], ["game", "solve"], ["bargain", "eum"],
                    ["explore", "validate", "deal-under-uncertainty"], ["sim", "run"]])
        argv, name, fields = [*cmd, "--zz-bogus", "1"], "unknown option", ("--zz-bogus",)
    elif op == 1:
        opt = pick([("sim", "run", "--n"), ("sim", "run", "--seed"), ("bargain", "eum",
                    "--rounds"), ("game", "solve", "--max-equilibria"),
                    ("sim", "run", "--workers"), ("bargain", "exchange", "--rounds"),
                    ("explore", "validate", "deal-under-uncertainty", "--n")])
        value = pick(BAD_INTS)
        if opt[-1] in ("--seed", "--workers", "--max-equilibria") and value == "9" * 40:
            value = "-5"  # a huge seed or cap is valid (and runs the whole command)
        argv = [*opt, value]
        name, fields = f"{opt[-1]} {value!r}", (opt[-1], value) if value else (opt[-1],)

    elif op == 2:
        cmd = pick([["evidence", "timeline", "--as-of"], ["evidence", "timeline", "--from"],
                    ["evidence", "search", "Wakhan", "--as-of"], ["sim", "run", "--start"],
                    ["sim", "run", "--until"], ["report", "--as-of"]])
        value = pick(BAD_DATES)
        argv, name, fields = [*cmd, value], f"{cmd[-1]} {value!r}", (cmd[-1], value)
        if cmd[0] == "report":
            out_kind = "report"
    elif op == 3:
        argv = pick([["evidence", "show", NO_SUCH_ID], ["evidence", "timeline", "--actor",
                     NO_SUCH_ID], ["sim", "run", "--policy", NO_SUCH_ID],
                     ["game", "solve", "--first-move", NO_SUCH_ID],
                     ["bargain", "eum", "--issue", NO_SUCH_ID],
                     ["explore", "validate", NO_SUCH_ID],
                     ["bargain", "eum", "--variant", NO_SUCH_ID],
                     ["bargain", "exchange", "--carry-over", NO_SUCH_ID],
                     ["bargain", "exchange", "--sizing", NO_SUCH_ID]])
        name, fields = f"unknown id for {argv[1]}", (NO_SUCH_ID,)
    elif op == 4:
        value = pick(BAD_SETS)
        cmd = pick([["game", "solve"], ["sim", "run"], ["game", "export"], ["bargain", "eum"]])
        argv, name = [*cmd, "--set", value], f"--set {value!r}"
        fields = (value.split("=")[0] or value, value, "--set")
        if cmd == ["game", "export"]:
            out_kind = "efg"
    elif op == 5:
        cmd = pick([["params"], ["evidence", "validate"], ["game", "solve"], ["sim", "run"],
                    ["bargain", "eum"], ["evidence", "timeline"], ["report"]])
        which = pick(["missing", "file"])
        argv, name = cmd, f"case folder {which}"
        file = ("no-such-case",) if which == "missing" else ("not-a-folder.txt",)
        fields = ()
        if cmd[0] == "report":
            out_kind = "report"
    elif op == 6:
        cmd = pick([["bargain", "eum", "--data", "{target}"],
                    ["bargain", "exchange", "--data", "{target}"],
                    ["explore", "validate", "{target}"], ["explore", "status", "{target}"],
                    ["explore", "query", "{target}", "select 1"],
                    ["explore", "export", "{target}"]])
        which = pick(["missing", "folder"])
        argv, name, fields = cmd, f"{cmd[1]}: {which} path", ()
        file = ("no-such-file",) if which == "missing" else ("a-folder",)
    elif op == 7:
        argv, name = ["explore", "run", "deal-under-uncertainty", "--out", "{new}", "--resume",
                      "{store}"], "--out with --resume"
        fields, out_kind = ("--out", "--resume"), "store"
    elif op == 8:
        argv = ["explore", "run", "deal-under-uncertainty", "--out", "{store}", "--n", "4"]
        name, fields, out_kind = "run over an existing store", (), "store"
        file = ("store",)
    elif op == 9:
        argv = pick([["explore", "export", "{store}", "--format", NO_SUCH_ID, "--out", "{out}"],
                     ["game", "export", "--format", NO_SUCH_ID, "--out", "{out}"],
                     ["explore", "run", "deal-under-uncertainty", "--out", "{new}",
                      "--executor", NO_SUCH_ID], ["explore", "run", "deal-under-uncertainty",
                      "--out", "{new}", "--method", NO_SUCH_ID],
                     ["explore", "run", "deal-under-uncertainty", "--out", "{new}", "--lever",
                      NO_SUCH_ID]])
        name, fields, out_kind = f"{argv[1]} with an unknown choice", (NO_SUCH_ID,), "out"
    elif op == 10:
        sql = pick(["DROP VIEW results", "COPY results TO '{out}'",
                    "SELECT * FROM read_csv('{out}')", "CREATE TABLE t AS SELECT 1",
                    "SELECT 1; SELECT 2", "INSTALL httpfs", "ATTACH '{out}.db' AS x",
                    "SELECT * FROM results WHERE", "PRAGMA version"])
        argv = ["explore", "query", "{store}", sql]
        name, fields, out_kind = f"query {sql.split()[0]}", (), "store+out"
    else:
        argv = pick([["evidence", "schema", "--out", "{folder}"],
                     ["game", "export", "--out", "{folder}"],
                     ["explore", "export", "{store}", "--out", "{folder}", "--format", "csv"],
                     ["explore", "query", "{store}", "select 1", "--max-rows", "0"]])
        name, fields, out_kind = f"{argv[1]}: output is a folder", (), "store+out"
    words = tuple(argv)

    def build(work: Path) -> Action:
        protect: list[Path] = []
        store = work / "store"
        if "{store}" in words or out_kind in ("store", "store+out"):
            shutil.copytree(seeds.store, store)
            protect += sorted(p for p in store.rglob("*") if p.is_file())
        folder = work / "a-folder"
        folder.mkdir()
        _write(folder / "keep.txt", "an earlier file\n")
        protect.append(folder / "keep.txt")
        out = work / "existing-output.csv"
        _write(out, "an,earlier\n1,2\n")
        protect.append(out)
        subst = {"{store}": str(store), "{new}": str(work / "new-run"), "{out}": str(out),
                 "{folder}": str(folder)}
        args = [a for a in words]
        for k, v in subst.items():
            args = [a.replace(k, v) for a in args]
        if op == 5:
            target = work / file[0]
            if file[0].endswith(".txt"):
                _write(target, "not a case\n")
            args += [str(target)] if args[:2] == ["evidence", "validate"] else \
                ["--case", str(target)]
        if op == 6:
            target = work / file[0] if file[0] != "a-folder" else folder
            args = [a.replace("{target}", str(target)) for a in args]
        if out_kind == "report":
            rep = work / "out"
            _write(rep / "report.html", "<html>an earlier report</html>\n")
            protect.append(rep / "report.html")
            args += ["--out", str(rep)]
        if out_kind == "efg":
            args += ["--out", str(out)]
        return _cli(args, protect)

    return FuzzInput("cli", argv[0] if argv[0] not in ("game", "sim", "bargain", "evidence",
                                                       "explore") else " ".join(argv[:2]),
                     name, invalid, file, fields, build)


# -- surface: run stores ----------------------------------------------------------------------
def _manifest_mutation(doc: dict[str, Any], rng: np.random.Generator
                       ) -> tuple[str, Any, tuple[str, ...]]:
    doc = copy.deepcopy(doc)
    op = int(rng.integers(10))
    if op == 0:
        doc["format"] = pick_str(rng, ["qpq-explore-run/9", "", 7, None])
        return "format changed", doc, ("format",)
    if op == 1:
        doc["config"]["n"] = pick_str(rng, [5, 4096, -1, "4", None])
        return "config n changed", doc, ("n",)
    if op == 2:
        files = doc["chunks"]["files"]
        key = next(iter(files))
        files[key]["sha256"] = "0" * 64
        return "recorded hash changed", doc, ("chunk 0", "sha", "SHA")
    if op == 3:
        files = doc["chunks"]["files"]
        key = next(iter(files))
        files[key]["rows"] = pick_str(rng, [3, 10**9, -1, "many"])
        return "recorded rows changed", doc, ("rows", "chunk 0")
    if op == 4:
        doc["done"] = pick_str(rng, [[[0, 5]], "x", [[1, 0]], [["a", "b"]], {"0": 1}])
        return "done list corrupted", doc, ("done",)
    if op == 5:
        key = pick_str(rng, ["config", "chunks", "done", "format", "status", "history"])
        del doc[key]
        return f"{key} dropped", doc, (key,)
    if op == 6:
        key = pick_str(rng, ["config", "chunks", "history"])
        doc[key] = pick_str(rng, [{"a": 1}, "x", 3, None] if key != "config" else
                            [[], "x", 3, None])
        return f"{key} wrong type", doc, (key,)
    if op == 7:
        return "manifest is a list", [doc], ()
    if op == 8:
        doc["config"]["policies"] = [*doc["config"]["policies"], NO_SUCH_ID]
        return "unknown policy in config", doc, ("policies", NO_SUCH_ID)
    doc["chunks"]["files"] = {}
    return "chunk record dropped", doc, ("chunk 0", "files")


def pick_str(rng: np.random.Generator, options: Sequence[Any]) -> Any:
    """One of ``options`` (any types), drawn from ``rng``."""
    return options[int(rng.integers(len(options)))]


def gen_store(seeds: Seeds, rng: np.random.Generator) -> FuzzInput:
    manifest_text = (seeds.store / "manifest.json").read_text(encoding="utf-8")
    chunks = sorted((seeds.store / "chunks").glob("*.parquet"))
    chunk_bytes = chunks[0].read_bytes()
    chunk_name = chunks[0].name
    roll = rng.random()
    fields: tuple[str, ...] = ()
    target = "manifest.json"
    new: bytes | None
    invalid: bool | None = True
    file: tuple[str, ...] = ("manifest.json",)
    if roll < 0.35:
        target, file = f"chunks/{chunk_name}", (chunk_name, "chunk 0")
        op = int(rng.integers(5))
        if op == 0:
            name, new = "chunk deleted", None
        elif op == 1:
            name, new = "chunk truncated", chunk_bytes[:int(rng.integers(len(chunk_bytes)))]
        elif op == 2:
            out = bytearray(chunk_bytes)
            out[int(rng.integers(len(out)))] ^= 1 << int(rng.integers(8))
            name, new = "chunk byte flip", bytes(out)
        elif op == 3:
            name, new = "chunk emptied", b""
        else:
            name, new = "chunk with garbage appended", chunk_bytes + b"garbage"
    elif roll < 0.7:
        name, doc, fields = _manifest_mutation(json.loads(manifest_text), rng)
        if name == "recorded hash changed":  # which of the two changed cannot be known
            file = ("manifest.json", chunk_name)
        new = json.dumps(doc, indent=1).encode()
    elif roll < 0.93:
        op = int(rng.integers(5))
        if op == 0:
            name, new = "manifest deleted", None
        elif op == 1:
            name, new = "manifest truncated", manifest_text.encode()[
                :int(rng.integers(len(manifest_text)))]
        elif op == 2:
            name, new = "manifest not JSON", b"{not json"
        elif op == 3:
            name, new = "manifest deeply nested", ("[" * 100_000 + "]" * 100_000).encode()
        else:
            name, new = "manifest NaN", manifest_text.replace('"n": ', '"n": NaN, "x": ',
                                                              1).encode()
    else:
        name, new, invalid = "untouched (control)", manifest_text.encode(), False
    cmd = rng.random()

    def build(work: Path) -> Action:
        store = work / "store"
        shutil.copytree(seeds.store, store)
        path = store / target
        if new is None:
            path.unlink()
        else:
            path.write_bytes(new)
        protect = sorted(p for p in store.rglob("*") if p.is_file())
        if cmd < 0.3:
            return _cli(["explore", "status", str(store), "--verify"], protect,
                        report_words=("damaged",))
        if cmd < 0.6:
            return _cli(["explore", "query", str(store), "select count(*) from results"],
                        protect)
        if cmd < 0.9:
            out = work / "earlier-export.csv"
            _write(out, "an,earlier\n1,2\n")
            return _cli(["explore", "export", str(store), "--format", "csv", "--out", str(out)],
                        [*protect, out])
        return _cli(["explore", "analyse", str(store), "--json"], protect)

    return FuzzInput("store", target, name, invalid, file, fields, build)


GENERATORS: dict[str, Callable[[Seeds, np.random.Generator], FuzzInput]] = {
    "case": gen_case, "scenario": gen_scenario, "cli": gen_cli, "store": gen_store,
    **{s: (lambda seeds, rng, s=s: gen_bargain(s, seeds, rng)) for s in BARGAIN_SEEDS},
}


def generate(seeds: Seeds, surface: str, j: int, seed: int) -> FuzzInput:
    """Input ``j`` of ``surface``: the same whatever the sample size or worker."""
    rng = np.random.default_rng([seed, SURFACES.index(surface), j])
    return GENERATORS[surface](seeds, rng)


# -- running and classifying ------------------------------------------------------------------
@contextlib.contextmanager
def _quiet() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _names(alternatives: tuple[str, ...], message: str) -> bool:
    return not alternatives or any(a.lower() in message.lower() for a in alternatives)


def classify(inp: FuzzInput, rc: int, message: str, reported: bool, damaged: list[str]) -> str:
    """The outcome class of a run that returned (see the module docstring)."""
    if rc != 0 and damaged:
        return "damage"
    if reported:
        return "clean refusal"
    if rc == 0:
        return "silent acceptance" if inp.invalid else "accepted"
    if rc == 2 and _names(inp.file, message) and _names(inp.field, message):
        return "clean refusal"
    return "vague refusal"


def run_one(seeds: Seeds, surface: str, j: int, seed: int, work: Path) -> Result:
    """Build input ``j`` of ``surface`` in ``work``, run it and classify the outcome."""
    from qpq.cli import main
    from qpq.errors import EXIT_BAD_INPUT, QpqError

    start = time.perf_counter()
    inp = generate(seeds, surface, j, seed)
    work.mkdir(parents=True)
    try:
        action = inp.build(work)
        before = {p: _digest(p) for p in action.protect}
        rc, detail = 0, ""
        with _quiet() as (out, err):
            try:
                if action.argv is not None:
                    rc = main(action.argv)
                elif action.call is not None:
                    action.call()
            except QpqError as exc:
                rc = exc.exit_code
                print(str(exc), file=sys.stderr)
            except BaseException as exc:  # the campaign's point: nothing else may escape
                if isinstance(exc, KeyboardInterrupt):
                    raise
                tb = traceback.format_exception(exc)
                return Result(j, surface, inp.kind, inp.mutation, "traceback",
                              f"{type(exc).__name__}: {exc}"[:300] + " | " + "".join(tb[-3:])
                              [-600:], time.perf_counter() - start)
        message = err.getvalue() + out.getvalue()
        detail = (" ".join(action.argv) if action.argv else "") + " -> " + message[-400:]
        damaged = [str(p.relative_to(work)) for p, h in before.items() if _digest(p) != h]
        reported = bool(action.report_words) and rc == EXIT_BAD_INPUT and any(
            w in out.getvalue() for w in action.report_words)
        outcome = classify(inp, rc, message, reported, damaged)
        if damaged:
            detail = f"changed: {', '.join(damaged)}; " + detail
        return Result(j, surface, inp.kind, inp.mutation, outcome, detail,
                      time.perf_counter() - start)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _worker(conn: multiprocessing.connection.Connection, seeds_file: Path, seed: int) -> None:
    warnings.simplefilter("ignore")
    os.environ["COLUMNS"] = "400"
    seeds: Seeds = pickle.loads(seeds_file.read_bytes())
    seeds.case  # noqa: B018 -- load the built-in case once, before the first input
    n = 0
    while True:
        task = conn.recv()
        if task is None:
            return
        surface, j = task
        n += 1
        conn.send(run_one(seeds, surface, j, seed, seeds.root / f"w{os.getpid()}-{n}"))


def tasks_of(plan: Mapping[str, int]) -> list[tuple[str, int]]:
    """(surface, j) for every input of ``plan``, surfaces interleaved."""
    longest = max(plan.values(), default=0)
    return [(s, j) for j in range(longest) for s in SURFACES if j < plan.get(s, 0)]


def run_campaign(plan: Mapping[str, int], seed: int = 20260618, workers: int = 2,
                 deadline: float = DEADLINE_S,
                 progress: Callable[[int, int], None] | None = None,
                 case_dir: Path = CASE_DIR) -> list[Result]:
    """Run every input of ``plan`` in ``workers`` processes; a hang is one past ``deadline``."""
    ctx = multiprocessing.get_context("spawn")
    todo = tasks_of(plan)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="qpq-fuzz-") as tmp:
        seeds = make_seeds(Path(tmp), case_dir)
        # Workers read the seeds (the case texts, ~400 kB) from a file: passed as an argument
        # they travel through the spawn pipe, and a worker that dies before reading them all
        # leaves the parent blocked forever in Process.start() (CPython keeps the pipe's read
        # end open while writing) -- a CI run hung there.
        seeds_file = Path(tmp) / "seeds.pickle"
        seeds_file.write_bytes(pickle.dumps(seeds))
        pending = iter(todo)
        busy: dict[Any, tuple[Any, tuple[str, int] | None, float]] = {}

        def start() -> Any:
            here, there = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(there, seeds_file, seed), daemon=True)
            proc.start()
            there.close()
            return here, proc

        def feed(conn: Any, proc: Any, fresh: bool = False) -> None:
            task = next(pending, None)
            if task is None:
                conn.send(None)
                proc.join(5)
                return
            conn.send(task)
            # a new worker's first input also waits for it to start (imports, the case)
            busy[conn] = (proc, task, time.monotonic() + deadline + (60.0 if fresh else 0.0))

        for _ in range(min(workers, len(todo))):
            feed(*start(), fresh=True)
        while busy:
            now = time.monotonic()
            soonest = min(t for _, _, t in busy.values())
            ready = multiprocessing.connection.wait(list(busy), timeout=max(0.05, soonest - now))
            for conn in ready:
                proc, task, _ = busy.pop(conn)
                try:
                    results.append(conn.recv())
                except EOFError:  # the worker died (e.g. out of memory): count it, restart
                    assert task is not None
                    results.append(Result(task[1], task[0], "?", "?", "traceback",
                                          f"worker died (exit {proc.exitcode})", 0.0))
                    feed(*start(), fresh=True)
                    continue
                feed(conn, proc)
                if progress is not None:
                    progress(len(results), len(todo))
            now = time.monotonic()
            for conn, (proc, task, until) in list(busy.items()):
                if now > until:
                    proc.kill()
                    proc.join()
                    busy.pop(conn)
                    assert task is not None
                    inp = generate(seeds, task[0], task[1], seed)
                    results.append(Result(task[1], task[0], inp.kind, inp.mutation, "hang",
                                          f"no answer in {deadline:g} s", deadline))
                    feed(*start(), fresh=True)
    results.sort(key=lambda r: (SURFACES.index(r.surface), r.index))
    return results


def figures(results: Sequence[Result]) -> dict[str, dict[str, int]]:
    """Counts of each outcome per surface (every outcome listed, zeros included)."""
    table = {s: dict.fromkeys(OUTCOMES, 0) for s in SURFACES}
    for r in results:
        table[r.surface][r.outcome] += 1
    return {s: c for s, c in table.items() if sum(c.values())}


def bad(results: Sequence[Result]) -> list[Result]:
    """The results in the outcome classes whose goal is zero."""
    return [r for r in results if r.outcome in BAD]


def summary(results: Sequence[Result]) -> str:
    """A plain-text table of the figures."""
    table = figures(results)
    width = max(len(o) for o in OUTCOMES)
    lines = [f"{'surface':<15}{'inputs':>8}  " + "  ".join(f"{o:>{min(width, 10)}}"
                                                        for o in OUTCOMES)]
    for s, c in table.items():
        lines.append(f"{s:<15}{sum(c.values()):>8}  "
                     + "  ".join(f"{c[o]:>{min(width, 10)}}" for o in OUTCOMES))
    total = Counter(r.outcome for r in results)
    lines.append(f"{'all':<15}{len(results):>8}  "
                 + "  ".join(f"{total[o]:>{min(width, 10)}}" for o in OUTCOMES))
    return "\n".join(lines)
