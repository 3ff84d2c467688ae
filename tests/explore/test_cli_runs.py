"""``qpq explore run|status|query|export``: SIGINT and resume, SQL, EMA Workbench's archive."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qpq.explore import load_study
from qpq.explore._chunked_runs import plan_run, run_plan
from qpq.explore._run_store import RunStore

from .conftest import RUN_POLICIES
from .test_cli import run_explore

ROOT = Path(__file__).resolve().parents[2]
EMA_PY = ROOT / "bench" / "peers" / "ema" / ".venv" / "bin" / "python"
LEVERS = [arg for p in RUN_POLICIES for arg in ("--lever", p)]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _qpq(*args: str) -> list[str]:
    return [sys.executable, "-m", "qpq", *args]


@pytest.mark.parametrize("executor", [["--executor", "in-process"], ["--workers", "2"],
                                      ["--executor", "dask", "--workers", "2"]],
                         ids=["in-process", "pool", "dask"])
def test_sigint_keeps_finished_chunks_and_resume_equals_an_uninterrupted_run(
        case, scenario_file, tmp_path, executor):
    scen = scenario_file()
    run = tmp_path / "run"
    args = ["explore", "run", str(scen), "--method", "mc", "--n", "8000", *LEVERS]
    # a child inherits an ignored SIGINT (pytest started as a background job of a
    # non-interactive shell); Ctrl-C at a terminal reaches a run whose SIGINT is the default
    proc = subprocess.Popen(_qpq(*args, "--out", str(run), *executor),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    deadline = time.monotonic() + 240
    done: set[int] = set()
    while len(done) < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)
        if (run / "manifest.json").exists():
            done = RunStore.open(run).done
    proc.send_signal(signal.SIGINT)
    # the interrupt stops the run (fewer than all chunks are kept, below); the timeout only
    # turns a hang into a failure
    try:
        _, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    assert proc.returncode == 130, err
    assert "--resume" in err and "chunks are saved" in err
    # a clean stop: no worker's complaint that its scheduler went away, no traceback
    assert "Traceback" not in err and "ERROR" not in err, err
    store = RunStore.open(run)
    kept = store.done
    assert store.manifest["status"] == "interrupted"
    assert 2 <= len(kept) < store.n_chunks == 8
    if "dask" in executor:
        return      # resuming (on a pool) is tested from the other two interruptions

    resumed = subprocess.run(_qpq(*args, "--resume", str(run), "--workers", "2", "--json"),
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    doc = json.loads(resumed.stdout)
    assert doc["status"] == "complete" and doc["chunks_before"] == len(kept)
    assert doc["chunks_run"] == 8 - len(kept)

    plan = plan_run(case, load_study(str(scen), case), method="mc", n=8000,
                    policies=RUN_POLICIES)
    run_plan(plan, tmp_path / "ref")
    pd.testing.assert_frame_equal(RunStore.open(run).read(),
                                  RunStore.open(tmp_path / "ref").read())
    history = RunStore.open(run).manifest["history"]
    assert [h["status"] for h in history] == ["interrupted", "complete"]


@pytest.fixture
def finished_run(capsys, scenario_file, tmp_path):
    run = tmp_path / "run"
    code, out, err = run_explore(capsys, "run", str(scenario_file()), "--out", str(run),
                                 "--method", "mc", "--n", "1500", *LEVERS, "--json")
    assert code == 0, err
    assert json.loads(out)["status"] == "complete"
    return run


def test_human_run_output_has_the_means_table(capsys, scenario_file, tmp_path):
    code, out, _ = run_explore(capsys, "run", str(scenario_file()), "--out",
                               str(tmp_path / "r"), "--n", "200", "--lever", "boycott",
                               "--lever", "engage_no_promise")
    assert code == 0
    assert "complete" in out and "mean outcome per policy" in out and "boycott" in out
    # the policies' names as a query takes them, not "engage no promise"
    assert "engage_no_promise" in out.replace("\n", "").replace(" ", "").replace("│", "")
    assert "engage no" not in out


def test_status_query_and_sql_errors(capsys, finished_run):
    code, out, _ = run_explore(capsys, "status", str(finished_run), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["complete"] and doc["chunks_total"] == 2 and doc["missing"] == []
    assert doc["config"]["method"] == "mc" and doc["history"][0]["status"] == "complete"
    code, out, _ = run_explore(capsys, "query", str(finished_run),
                               "SELECT policy, count(*) AS n, min(experiment) AS lo, "
                               "max(experiment) AS hi FROM results GROUP BY policy "
                               "ORDER BY policy", "--json")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert rows == [{"policy": p, "n": 1500, "lo": 0, "hi": 1499} for p in sorted(RUN_POLICIES)]
    code, out, _ = run_explore(capsys, "query", str(finished_run),
                               "SELECT experiment FROM results LIMIT 3", "--csv")
    assert code == 0 and out.splitlines()[0] == "experiment" and len(out.splitlines()) == 4
    code, _, err = run_explore(capsys, "query", str(finished_run), "SELECT nope FROM results")
    assert code == 2 and "SQL:" in err and "nope" in err


def test_query_table_headers_are_the_column_names_csv_prints(capsys, finished_run):
    # the table printed "avg(militants iskp)" and "count star()": the fitting console broke
    # snake_case headers at their underscores, but these are names the next query types
    sql = ("SELECT policy, avg(militants_iskp), count(*), '[b]x' AS \"a[b]\" FROM results "
           "GROUP BY 1")
    code, out, _ = run_explore(capsys, "query", str(finished_run), sql, "--csv")
    assert code == 0
    names = out.splitlines()[0].split(",")
    assert "avg(militants_iskp)" in names and "count_star()" in names
    code, out, _ = run_explore(capsys, "query", str(finished_run), sql)
    assert code == 0
    header = next(line for line in out.splitlines() if "policy" in line)
    assert header.replace("┃", " ").split() == names
    assert "[b]x" in out            # a value is data, never markup


def _read_ema_archive(path: Path) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """EMA's archive read by the format's rules (metadata.json, experiments.csv, *.cls)."""
    with tarfile.open(path, "r:gz") as z:
        meta = json.loads(z.extractfile("metadata.json").read())  # type: ignore[union-attr]
        exp = pd.read_csv(z.extractfile("experiments.csv"))
        for name, dtype in meta["experiments"].items():
            exp[name] = exp[name].astype(dtype)
        outcomes = {}
        for kind, name, filename in meta["outcomes"]:
            assert kind == "ScalarOutcome"
            values = pd.read_csv(z.extractfile(filename), header=None, index_col=False).values
            outcomes[name] = values.reshape(values.shape[0])
    return exp, outcomes


def test_ema_export_holds_exactly_the_store(capsys, finished_run):
    code, out, _ = run_explore(capsys, "export", str(finished_run), "--format", "ema", "--json")
    assert code == 0
    path = Path(json.loads(out)["file"])
    assert path == finished_run / "results.tar.gz"
    store = RunStore.open(finished_run)
    frame = store.read()
    exp, outcomes = _read_ema_archive(path)
    assert list(exp.columns) == [*store.config.uncertainties, "scenario", "policy", "model"]
    assert np.array_equal(exp["scenario"].to_numpy(), frame["experiment"].to_numpy())
    assert list(exp["policy"].astype(str)) == list(frame["policy"])
    assert set(exp["model"]) == {"qpq"}
    for u in store.config.uncertainties:
        assert np.array_equal(exp[u].to_numpy(), frame[u].to_numpy())
    for o in store.config.outcomes:
        assert np.array_equal(outcomes[o], frame[o].to_numpy()), o


@pytest.mark.skipif(not EMA_PY.is_file(), reason="EMA Workbench needs Python >= 3.12: its peer "
                    "environment bench/peers/ema/.venv is made by bench/peers/ema/setup.sh "
                    "(make peers); .ci/run makes it where a Python 3.12 exists")
def test_ema_workbench_load_results_reads_the_export(capsys, finished_run, tmp_path):
    code, _, _ = run_explore(capsys, "export", str(finished_run), "--format", "ema")
    assert code == 0
    dump = tmp_path / "ema.npz"
    script = (
        "import sys, warnings; warnings.simplefilter('ignore')\n"
        "import numpy as np\n"
        "from ema_workbench import load_results\n"
        "exp, out = load_results(sys.argv[1])\n"
        "num = exp.select_dtypes('number')\n"
        "np.savez(sys.argv[2], columns=np.array(list(exp.columns), dtype=str),\n"
        "         numeric=num.to_numpy(), numeric_names=np.array(list(num.columns), dtype=str),\n"
        "         policy=np.array(list(exp['policy'].astype(str)), dtype=str),\n"
        "         policy_dtype=np.array(str(exp['policy'].dtype)),\n"
        "         **{'outcome_' + k: v for k, v in out.items()})\n")
    res = subprocess.run([str(EMA_PY), "-c", script, str(finished_run / "results.tar.gz"),
                          str(dump)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    got = np.load(dump, allow_pickle=False)
    store = RunStore.open(finished_run)
    frame = store.read()
    assert list(got["columns"]) == [*store.config.uncertainties, "scenario", "policy", "model"]
    assert str(got["policy_dtype"]) == "category"
    assert list(got["policy"]) == list(frame["policy"])
    expected = frame[[*store.config.uncertainties, "experiment"]].to_numpy(dtype=float)
    assert list(got["numeric_names"]) == [*store.config.uncertainties, "scenario"]
    assert np.array_equal(got["numeric"].astype(float), expected)
    for o in store.config.outcomes:
        assert np.array_equal(got[f"outcome_{o}"], frame[o].to_numpy()), o


def test_csv_and_parquet_exports(capsys, finished_run, tmp_path):
    frame = RunStore.open(finished_run).read()
    for fmt in ("csv", "parquet"):
        target = tmp_path / f"out.{fmt}"
        code, _, _ = run_explore(capsys, "export", str(finished_run), "--format", fmt,
                                 "--out", str(target))
        assert code == 0
        back = pd.read_csv(target) if fmt == "csv" else pd.read_parquet(target)
        pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_unfinished_run_export_needs_partial(capsys, finished_run):
    store = RunStore.open(finished_run)
    store.manifest["done"] = [[0, 1]]
    store.save()
    code, _, err = run_explore(capsys, "export", str(finished_run))
    assert code == 2 and "not finished (1 of 2 chunks" in err and "--resume" in err
    code, out, err = run_explore(capsys, "export", str(finished_run), "--partial", "--json")
    assert code == 0
    _, outcomes = _read_ema_archive(Path(json.loads(out)["file"]))
    assert outcomes["china_security"].shape == (1024 * len(RUN_POLICIES),)
    code, _, err = run_explore(capsys, "query", str(finished_run),
                               "SELECT count(*) FROM results")
    assert code == 2 and "not finished (1 of 2 chunks" in err and "--allow-partial" in err
    code, _, err = run_explore(capsys, "query", str(finished_run),
                               "SELECT count(*) FROM results", "--allow-partial")
    assert code == 0 and "1 of 2 chunks are done" in err


def test_run_option_errors(capsys, scenario_file, finished_run, tmp_path):
    scen = str(scenario_file())
    code, _, err = run_explore(capsys, "run", scen)
    assert code == 2 and "exactly one of --out" in err
    code, _, err = run_explore(capsys, "run", scen, "--out", str(finished_run), "--n", "1500")
    assert code == 2 and "--resume" in err
    code, _, err = run_explore(capsys, "run", scen, "--resume", str(finished_run),
                               "--n", "3000")
    assert code == 2 and "cannot resume" in err and "n: 1500 -> 3000" in err
    code, _, err = run_explore(capsys, "run", scen, "--out", str(tmp_path / "x"),
                               "--executor", "slurm")
    assert code == 2 and "allowed: auto, in-process, pool, dask" in err
    code, _, err = run_explore(capsys, "export", str(finished_run), "--format", "xlsx")
    assert code == 2 and "allowed: ema, csv, parquet" in err
    code, _, err = run_explore(capsys, "status", str(tmp_path))
    assert code == 2 and "not a qpq run directory" in err
    # resuming with the same options (here: all taken from the manifest) is a no-op
    code, out, _ = run_explore(capsys, "run", scen, "--resume", str(finished_run), "--json")
    assert code == 0 and json.loads(out)["chunks_run"] == 0
