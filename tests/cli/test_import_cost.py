"""Starting the CLI imports only what the command uses.

Each check runs in a fresh interpreter, since this test session has long imported
everything. The libraries named here cost seconds together at start-up (Altair alone about
half a second) and only the report, the charts, the evidence queries, the stores and the
dashboard use them.
"""

import json
import subprocess
import sys

import typer

from qpq.cli import _game as game
from qpq.game import DEFAULT_TOL

HEAVY = ("altair", "vl_convert", "duckdb", "pandas", "streamlit", "pyarrow", "SALib", "dask")

PROBE = """
import json, sys
from qpq.cli import main
code = main(sys.argv[2:])
loaded = sorted(n for n in {libraries!r}
                if any(m == n or m.startswith(n + ".") for m in sys.modules))
with open(sys.argv[1], "w") as f:
    json.dump({{"code": code, "loaded": loaded}}, f)
"""


def loaded_by(tmp_path, libraries, *args):
    """Run ``qpq ARGS`` in a new interpreter; its exit code and which LIBRARIES it imported.

    A library counts when it or any of its submodules was imported.
    """
    report = tmp_path / "report.json"
    subprocess.run([sys.executable, "-c", PROBE.format(libraries=libraries), str(report), *args],
                   check=True, capture_output=True, timeout=120)
    data = json.loads(report.read_text())
    return data["code"], data["loaded"]


def test_help_imports_no_heavy_library(tmp_path):
    # NumPy and SciPy too: NumPy alone takes a third of the 0.3 s that --help may take.
    code, loaded = loaded_by(tmp_path, (*HEAVY, "numpy", "scipy"), "--help")
    assert code == 0
    assert loaded == []


def test_help_builds_no_command_group(tmp_path):
    # The root lists the lenses' groups from their help alone; each is imported when named.
    groups = ("qpq.cli._bargain", "qpq.cli._evidence", "qpq.cli._explore", "qpq.cli._game",
              "qpq.cli._sim")
    code, loaded = loaded_by(tmp_path, groups, "--help")
    assert code == 0
    assert loaded == []
    code, loaded = loaded_by(tmp_path, groups, "game", "--help")
    assert code == 0
    assert loaded == ["qpq.cli._game"]


def test_game_solve_imports_no_heavy_library(tmp_path):
    # SciPy too: scipy.optimize (the reference solver's LP) would add a quarter second.
    code, loaded = loaded_by(tmp_path, (*HEAVY, "scipy"), "game", "solve", "--json")
    assert code == 0
    assert loaded == []


def test_sim_run_without_out_imports_no_heavy_library(tmp_path):
    # Only runs written to disk (--out) need DuckDB and pandas; charts (--charts) need Altair.
    code, loaded = loaded_by(tmp_path, HEAVY, "sim", "run", "--policy", "boycott", "--n", "64",
                             "--json")
    assert code == 0
    assert loaded == []


def test_probe_sees_an_import(tmp_path):
    # The probe itself must notice a library when a command does import it.
    code, loaded = loaded_by(tmp_path, ("duckdb", "numpy"), "evidence", "timeline", "--json")
    assert code == 0
    assert loaded == ["duckdb", "numpy"]


def test_solve_help_states_the_solver_default_tolerance():
    # --tol's default is resolved when the command runs; its help must not drift from it.
    command = typer.main.get_command(game.app)
    solve = command.commands["solve"]  # type: ignore[attr-defined]
    tol = next(p for p in solve.params if p.name == "tol")
    assert f"{DEFAULT_TOL:g}" in tol.help
