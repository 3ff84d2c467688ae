"""A store that knows its contents (issues 18 and 20): damaged, missing, copied chunks and
edited manifests are found; queries are single read-only statements; odd paths work."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from qpq.errors import EXIT_BAD_INPUT, EXIT_INCOMPLETE
from qpq.explore._run_store import RunStore

from .conftest import RUN_POLICIES
from .test_cli import run_explore

LEVERS = [arg for p in RUN_POLICIES for arg in ("--lever", p)]
COUNT = "SELECT count(*) AS n, count(DISTINCT experiment) AS e FROM results"


def _run(capsys, scenario_file, folder: Path, n: int = 2500) -> Path:
    code, _out, err = run_explore(capsys, "run", str(scenario_file()), "--out", str(folder),
                                 "--method", "mc", "--n", str(n), *LEVERS, "--json")
    assert code == 0, err
    return folder


@pytest.fixture(scope="module")
def _pristine(tmp_path_factory):
    """One undamaged store for the module: running it takes over a second, copying it none."""
    import yaml

    from qpq.cli import main

    from .conftest import TINY

    folder = tmp_path_factory.mktemp("pristine")
    scenario = folder / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY, sort_keys=False), encoding="utf-8")
    code = main(["explore", "run", str(scenario), "--out", str(folder / "run"), "--method",
                 "mc", "--n", "2500", *LEVERS, "--json"])
    assert code == 0
    return folder / "run"


@pytest.fixture
def three_chunks(_pristine, tmp_path):
    return Path(shutil.copytree(_pristine, tmp_path / "run"))


def _zero_middle(path: Path, n: int = 200) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid:mid + n] = bytes(n)
    path.write_bytes(bytes(data))


def _status(capsys, run, *extra):
    code, out, err = run_explore(capsys, "status", str(run), "--json", *extra)
    doc = json.loads(out)
    # the exit code says what the document says (`qpq explore status --help`)
    expected = 0 if doc["complete"] else EXIT_INCOMPLETE if doc["intact"] else EXIT_BAD_INPUT
    assert code == expected, (code, doc, err)
    return doc


def test_manifest_records_each_chunks_hash_and_rows(three_chunks):
    store = RunStore.open(three_chunks)
    files = store.manifest["chunks"]["files"]
    assert sorted(files) == ["0", "1", "2"]
    for i, c in enumerate(store.chunks):
        rec = files[str(i)]
        assert rec["rows"] == c.rows * len(RUN_POLICIES)
        assert rec["bytes"] == store.partition(i).stat().st_size
        assert len(rec["sha256"]) == 64


def test_corrupted_chunk_is_detected_refused_and_repaired(capsys, scenario_file, three_chunks):
    before = RunStore.open(three_chunks).read()
    _zero_middle(RunStore.open(three_chunks).partition(1))
    # the quick check sees nothing wrong with the size; --verify reads the content
    doc = _status(capsys, three_chunks, "--verify")
    assert not doc["intact"] and doc["damaged"] == [1]
    assert "sha-256" in doc["problems"][0]["message"].lower()
    for args in (["query", str(three_chunks), COUNT],
                 ["export", str(three_chunks), "--format", "csv"]):
        code, out, err = run_explore(capsys, *args)
        assert code == 2, (args, out)
        assert "chunk 1" in err and "--resume" in err and "Traceback" not in err
    assert not (three_chunks / "results.csv").exists()
    # --allow-partial serves the intact chunks only
    code, out, err = run_explore(capsys, "query", str(three_chunks), COUNT, "--json",
                                 "--allow-partial")
    assert code == 0, err
    assert json.loads(out)["rows"][0]["e"] == 2500 - 1024
    # --resume recomputes the damaged chunk; the result equals the undamaged run
    code, out, err = run_explore(capsys, "run", str(scenario_file()), "--resume",
                                 str(three_chunks), "--json")
    assert code == 0, err
    assert json.loads(out)["chunks_run"] == 1
    assert _status(capsys, three_chunks, "--verify")["intact"]
    pd.testing.assert_frame_equal(RunStore.open(three_chunks).read(), before)


def test_deleted_chunk_is_reported_refused_and_recomputed(capsys, scenario_file, three_chunks):
    before = RunStore.open(three_chunks).read()
    RunStore.open(three_chunks).partition(2).unlink()
    doc = _status(capsys, three_chunks)
    assert not doc["intact"] and doc["damaged"] == [2] and not doc["complete"]
    code, out, err = run_explore(capsys, "status", str(three_chunks))
    assert code == EXIT_BAD_INPUT
    assert "chunk 2" in out and "missing" in out and "damaged," in out
    code, _, err = run_explore(capsys, "query", str(three_chunks), COUNT)
    assert code == 2 and "chunk 2" in err and "IO Error" not in err and "--resume" in err
    code, out, err = run_explore(capsys, "run", str(scenario_file()), "--resume",
                                 str(three_chunks), "--json")
    assert code == 0, err
    assert json.loads(out)["chunks_run"] == 1
    pd.testing.assert_frame_equal(RunStore.open(three_chunks).read(), before)


def test_zero_byte_chunk_is_seen_without_verify(capsys, three_chunks):
    RunStore.open(three_chunks).partition(0).write_bytes(b"")
    doc = _status(capsys, three_chunks)
    assert doc["damaged"] == [0] and not doc["verified"] and "0 bytes" in doc["problems"][0][
        "message"]


def test_analyse_refuses_a_damaged_store(capsys, scenario_file, three_chunks):
    _zero_middle(RunStore.open(three_chunks).partition(0))
    code, _, err = run_explore(capsys, "analyse", str(three_chunks), "--scenario",
                               str(scenario_file()))
    assert code == 2 and "chunk 0" in err and "--resume" in err


def test_unfinished_run_query_needs_allow_partial(capsys, three_chunks):
    store = RunStore.open(three_chunks)
    store.manifest["done"] = [[0, 1]]
    store.save()
    code, _, err = run_explore(capsys, "query", str(three_chunks), COUNT)
    assert code == 2 and "1 of 3 chunks" in err and "--allow-partial" in err
    code, out, err = run_explore(capsys, "query", str(three_chunks), COUNT, "--json",
                                 "--allow-partial")
    assert code == 0 and json.loads(out)["rows"][0]["e"] == 1024
    assert "1 of 3 chunks" in err


def test_status_exit_code_tells_complete_unfinished_and_damaged_apart(capsys, three_chunks):
    # a damaged store exited 0 like a complete one, so a script could not tell them apart
    def status(*extra):
        codes = {run_explore(capsys, "status", str(three_chunks), *extra, *j)[0]
                 for j in ((), ("--json",))}
        assert len(codes) == 1          # --json or not, the same code
        return codes.pop()

    assert status() == status("--verify") == 0
    store = RunStore.open(three_chunks)
    store.manifest["done"], store.manifest["status"] = [[0, 2]], "interrupted"
    store.save()
    # unfinished but intact: --resume finishes it; nothing needs repair
    assert status() == status("--verify") == EXIT_INCOMPLETE != EXIT_BAD_INPUT
    _zero_middle(store.partition(1))
    assert status() == EXIT_INCOMPLETE          # the size is right: only --verify reads it
    assert status("--verify") == EXIT_BAD_INPUT  # damage outranks unfinished
    out = run_explore(capsys, "status", str(three_chunks), "--verify")[1]
    assert "damaged" in out and "--resume" in out


# -- issue 20, item 4 ----------------------------------------------------------------------
def test_chunk_copied_over_another_is_detected(capsys, three_chunks):
    store = RunStore.open(three_chunks)
    shutil.copyfile(store.partition(0), store.partition(1))
    doc = _status(capsys, three_chunks, "--verify")
    assert doc["damaged"] == [1]
    assert "copy of chunk 0" in doc["problems"][0]["message"]
    code, _out, err = run_explore(capsys, "query", str(three_chunks), COUNT)
    assert code == 2 and "chunk 1" in err


def test_chunk_copied_with_its_record_is_detected_by_content(capsys, three_chunks):
    file = three_chunks / "manifest.json"
    store = RunStore.open(three_chunks)
    shutil.copyfile(store.partition(0), store.partition(1))
    doc = json.loads(file.read_text())
    doc["chunks"]["files"]["1"] = doc["chunks"]["files"]["0"]  # the record edited to fit
    file.write_text(json.dumps(doc))
    doc = _status(capsys, three_chunks, "--verify")
    assert doc["damaged"] == [1]
    assert "experiments 0-1023" in doc["problems"][0]["message"]
    assert "1024-2047" in doc["problems"][0]["message"]


def test_edited_manifest_config_is_detected(capsys, three_chunks):
    file = three_chunks / "manifest.json"
    doc = json.loads(file.read_text())
    doc["config"]["n"] = 4096
    file.write_text(json.dumps(doc))
    for cmd in (["status", str(three_chunks)], ["query", str(three_chunks), COUNT]):
        code, _, err = run_explore(capsys, *cmd)
        assert code == 2, cmd
        assert "manifest.json" in err and "n" in err and "4096" in err and "2500" in err


def test_edited_layout_is_detected(capsys, three_chunks):
    file = three_chunks / "manifest.json"
    doc = json.loads(file.read_text())
    doc["chunks"]["layout"][1][2] = 1000
    file.write_text(json.dumps(doc))
    code, _, err = run_explore(capsys, "status", str(three_chunks))
    assert code == 2 and "chunks.layout" in err and "chunk 1" in err


@pytest.mark.parametrize("record", [None, {"sha256": ["x"], "bytes": 1, "rows": 2048},
                                    {"sha256": "0" * 64, "bytes": "1", "rows": 2048}])
def test_damaged_chunk_records_are_refused(capsys, three_chunks, record):
    file = three_chunks / "manifest.json"
    doc = json.loads(file.read_text())
    if record is None:
        del doc["chunks"]["files"]["1"]
    else:
        doc["chunks"]["files"]["1"] = record
    file.write_text(json.dumps(doc))
    code, _, err = run_explore(capsys, "status", str(three_chunks), "--verify")
    assert code == 2 and "chunks.files.1" in err and "Traceback" not in err


def test_run_folder_with_a_quote_works(capsys, scenario_file, tmp_path):
    run = _run(capsys, scenario_file, tmp_path / "it's", n=300)
    code, out, err = run_explore(capsys, "query", str(run), COUNT, "--json")
    assert code == 0, err
    assert json.loads(out)["rows"] == [{"n": 600, "e": 300}]
    for fmt in ("ema", "csv", "parquet"):
        code, _, err = run_explore(capsys, "export", str(run), "--format", fmt)
        assert code == 0, err


@pytest.mark.parametrize("sql", ["", "   ", " ; ", "/* nothing */"])
def test_empty_query_is_refused(capsys, three_chunks, sql):
    code, _, err = run_explore(capsys, "query", str(three_chunks), sql)
    assert code == 2 and "empty" in err and "Traceback" not in err


def test_multi_statement_query_is_refused(capsys, three_chunks):
    code, _, err = run_explore(capsys, "query", str(three_chunks),
                               "SELECT 1; SELECT count(*) FROM results")
    assert code == 2 and "2 statements" in err and "one" in err


# -- issue 18, item 2: the query cannot touch files outside the store ------------------------
def test_query_cannot_write_or_read_files_by_default(capsys, three_chunks, tmp_path):
    target = tmp_path / "x.csv"
    code, _, err = run_explore(capsys, "query", str(three_chunks),
                               f"COPY (SELECT 42) TO '{target}'")
    assert code == 2 and "--allow-files" in err
    assert not target.exists()
    secret = tmp_path / "secret.csv"
    secret.write_text("a\nhidden\n")
    code, out, err = run_explore(capsys, "query", str(three_chunks),
                                 f"SELECT * FROM read_csv('{secret}')")
    assert code == 2 and "hidden" not in out and "--allow-files" in err
    manifest = three_chunks / "manifest.json"
    code, out, err = run_explore(capsys, "query", str(three_chunks),
                                 f"SELECT * FROM read_text('{manifest}')")
    assert code == 2 and "sha256" not in out  # only the chunks behind the view are readable
    code, _, err = run_explore(capsys, "query", str(three_chunks),
                               "SET enable_external_access = true")
    assert code == 2
    # with --allow-files the user has DuckDB's full power
    code, out, err = run_explore(capsys, "query", str(three_chunks),
                                 f"SELECT * FROM read_csv('{secret}')", "--allow-files",
                                 "--csv")
    assert code == 0 and "hidden" in out
