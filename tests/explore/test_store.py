"""The run directory: manifest, atomic partitions, refusing foreign or mismatched runs."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from qpq.errors import BadInputError
from qpq.explore._run_store import FORMAT, ChunkSpec, RunStore, from_ranges, to_ranges


def test_ranges_round_trip():
    items = {0, 1, 2, 5, 7, 8, 20}
    assert to_ranges(items) == [[0, 3], [5, 6], [7, 9], [20, 21]]
    assert from_ranges(to_ranges(items)) == items
    assert to_ranges([]) == []


def _store(tmp_path, tiny_plan):
    plan = tiny_plan()
    return plan, RunStore.create(tmp_path / "run", plan.config, plan.chunks, {"plan": {}})


def test_new_store_lists_every_chunk_as_missing(tmp_path, tiny_plan):
    plan, store = _store(tmp_path, tiny_plan)
    assert store.n_chunks == len(plan.chunks) == 4
    assert store.missing() == [0, 1, 2, 3] and not store.complete
    assert store.chunks == plan.chunks
    doc = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert doc["format"] == FORMAT and doc["status"] == "running"
    assert doc["config"]["code"]["fingerprint"] == plan.config.code["fingerprint"]
    # an empty store still has a queryable results view with the right columns
    con = store.connect()
    cols = [r[0] for r in con.execute("DESCRIBE results").fetchall()]
    assert cols[:3] == ["experiment", "block", "policy"]
    assert cols[-2:] == ["china_security", "militants_iskp"]


def test_write_chunk_is_recorded_and_strays_are_ignored(tmp_path, tiny_plan):
    _, store = _store(tmp_path, tiny_plan)
    rows = store.chunks[2].rows * 2  # two policies
    frame = pd.DataFrame({"experiment": range(rows), "block": 0, "policy": "a",
                          "x": [0.5, 0.25] + [0.0] * (rows - 2)})
    store.write_chunk(2, frame)
    # a partition written by a run that died before updating the manifest
    stray = store.partition(1)
    stray.write_bytes(b"not parquet")
    reopened = RunStore.open(store.path)
    assert reopened.done == {2} and reopened.missing() == [0, 1, 3]
    assert reopened.files() == [store.partition(2)]
    con = reopened.connect()
    assert con.execute("SELECT sum(x) FROM results").fetchone() == (0.75,)
    assert not list(store.path.glob("chunks/.*"))      # no staged file left behind


def test_create_refuses_an_existing_run_or_other_files(tmp_path, tiny_plan):
    plan, store = _store(tmp_path, tiny_plan)
    with pytest.raises(BadInputError, match="--resume"):
        RunStore.create(store.path, plan.config, plan.chunks, {})
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(BadInputError, match="not an empty directory"):
        RunStore.create(other, plan.config, plan.chunks, {})
    assert (other / "notes.txt").read_text() == "mine"


def test_open_refuses_what_is_not_a_run(tmp_path):
    with pytest.raises(BadInputError, match="not a qpq run directory"):
        RunStore.open(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(BadInputError, match="unreadable manifest"):
        RunStore.open(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "other/9"}))
    with pytest.raises(BadInputError, match="field format"):
        RunStore.open(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": FORMAT}))
    with pytest.raises(BadInputError, match="malformed manifest"):
        RunStore.open(tmp_path)


def test_check_names_every_difference(tmp_path, tiny_plan):
    plan, store = _store(tmp_path, tiny_plan)
    store.check(plan.config)  # the same config is accepted
    other = dataclasses.replace(plan.config, n=4096, seed=8,
                                code={**plan.config.code, "fingerprint": "0" * 16})
    with pytest.raises(BadInputError) as err:
        store.check(other)
    text = str(err.value)
    assert "cannot resume" in text
    assert "n: 3500 -> 4096" in text and "seed: 7 -> 8" in text
    assert "fingerprint" in text and "qpq's code" in text
    assert "scenario_hash" not in text


def test_chunk_spec_rows():
    assert ChunkSpec(3, 3, 5, 3072, 4500).rows == 1428
