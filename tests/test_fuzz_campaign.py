"""The fuzz campaign's small sample: malformed inputs on every surface, none mishandled.

``tests/fuzzing.py`` generates malformed case files, scenario files, bargaining data (CSV,
Decide, KTAB), command-line arguments and damaged run stores, runs each in a worker process
with a deadline and classifies the outcome; ``make bench`` runs the same generator at 10,000+
inputs (``bench/fuzz_bench.py``). Here a few hundred inputs must give no traceback, no hang,
no silent acceptance of an input known to be invalid and no damage to an existing output.
"""

from __future__ import annotations

import pytest

from tests import fuzzing


def test_the_sample_mishandles_no_input():
    """One test (not one per outcome): under xdist each would run the whole sample again."""
    results = fuzzing.run_campaign(fuzzing.TEST_PLAN, workers=1)
    table = fuzzing.figures(results)
    assert set(table) == set(fuzzing.SURFACES)
    for surface, counts in table.items():
        assert sum(counts.values()) == fuzzing.TEST_PLAN[surface]
        # the generator is worth something only if most of its inputs are to be refused
        refused = counts["clean refusal"] + counts["vague refusal"]
        assert refused > sum(counts.values()) / 2, (surface, counts)
    found = fuzzing.bad(results)
    assert not found, "\n".join(f"{r.outcome}: {r.surface} #{r.index} {r.kind}: {r.mutation}: "
                                f"{r.detail}" for r in found[:10])


def test_the_sample_is_the_start_of_the_benchmark_campaign():
    """Input j of a surface depends only on the seed and j: the sample is the bench's start."""
    bench = set(fuzzing.tasks_of(fuzzing.BENCH_PLAN))
    assert set(fuzzing.tasks_of(fuzzing.TEST_PLAN)) <= bench
    assert len(bench) >= 10_000
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        seeds = fuzzing.Seeds(Path(tmp), fuzzing._mini_files(), fuzzing._builtin_files(),
                              frozenset({"china"}), Path(tmp) / "store")
        for surface in ("case", "scenario", "bargain-csv", "cli"):
            a = fuzzing.generate(seeds, surface, 7, seed=1)
            b = fuzzing.generate(seeds, surface, 7, seed=1)
            assert (a.kind, a.mutation, a.invalid) == (b.kind, b.mutation, b.invalid)


# -- inputs the campaign found mishandled, kept as regressions ---------------------------------
def _cli(argv):
    import contextlib
    import io

    from qpq.cli import main

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, err.getvalue()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "store"
    rc, err = _cli(["explore", "run", "deal-under-uncertainty", "--n", "4", "--out", str(path),
                    "--lever", "boycott", "--lever", "recognise"])
    assert rc == 0, err
    return path


MANIFEST_DAMAGE = {
    # name: (change to the manifest's text, the field the refusal must name)
    "nested 100,000 deep (was: RecursionError)": (lambda t: "[" * 100_000 + "]" * 100_000,
                                                  "nested too deeply"),
    "history null (was: TypeError in status)": (
        lambda t: json_edit(t, history=None), "history"),
    "chunks a string (was: a bare TypeError)": (lambda t: json_edit(t, chunks="x"), "chunks"),
    "done [['a', 'b']] (was: a bare ValueError)": (lambda t: json_edit(t, done=[["a", "b"]]),
                                                   "done"),
    "config.n NaN": (lambda t: t.replace('"n": 4', '"n": NaN'), "config.n"),
}


def json_edit(text, **changes):
    import json
    doc = json.loads(text)
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize("command", ["status", "query", "export"])
@pytest.mark.parametrize("name", sorted(MANIFEST_DAMAGE))
def test_damaged_manifests_are_refused_naming_the_field(store, tmp_path, name, command):
    import shutil
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    change, field = MANIFEST_DAMAGE[name]
    manifest = copy / "manifest.json"
    manifest.write_text(change(manifest.read_text()))
    before = manifest.read_bytes()
    extra = {"status": ["--verify"], "query": ["select 1"],
             "export": ["--format", "csv", "--out", str(tmp_path / "x.csv")]}[command]
    rc, err = _cli(["explore", command, str(copy), *extra])
    assert rc == 2, err
    assert "manifest.json" in err and field in err, err
    assert manifest.read_bytes() == before


@pytest.mark.parametrize("argv", [["game", "export", "--out"], ["evidence", "schema", "--out"]])
def test_an_output_file_that_is_a_folder_is_refused(tmp_path, argv):
    """Was: IsADirectoryError (a traceback); the folder's files stay."""
    (tmp_path / "keep.txt").write_text("earlier")
    rc, err = _cli([*argv, str(tmp_path)])
    assert rc == 2 and "--out" in err and "directory" in err, err
    assert (tmp_path / "keep.txt").read_text() == "earlier"


def test_a_scenario_asking_for_an_absurd_sample_is_refused(tmp_path):
    """Was: n = 10**40 accepted, to exhaust memory at the first run."""
    import yaml

    from qpq.case import load_case
    from qpq.errors import BadInputError
    from qpq.explore import load_study
    data = yaml.safe_load((fuzzing.CASE_DIR / "scenarios" / "deal.yaml").read_text())
    data["n"] = 10**40
    path = tmp_path / "huge.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(BadInputError) as info:
        load_study(path, load_case())
    assert "huge.yaml" in str(info.value) and "n" in {p.field for p in info.value.problems}


@pytest.mark.parametrize("command", ["eum", "exchange"])
def test_an_absurd_number_of_rounds_is_refused(command):
    """Was: bargain exchange --rounds 10**40 ran until killed."""
    rc, err = _cli(["bargain", command, "--rounds", "9" * 40])
    assert rc == 2 and "--rounds" in err, err


@pytest.mark.parametrize(("argv", "option"), [
    (["game", "solve", "--max-equilibria", "-5"], "--max-equilibria"),  # was: accepted
    (["sim", "run", "--n", "9" * 40], "--n"),  # was: ran until killed
    (["sim", "forecast", "--n", "0"], "--n"),  # was: no lower bound
    (["explore", "run", "deal-under-uncertainty", "--n", "9" * 40], "--n"),
])
def test_absurd_sizes_are_refused_naming_the_option(argv, option):
    rc, err = _cli(argv)
    assert rc == 2 and option in err, err
