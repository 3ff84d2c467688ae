"""docs/analyst-notebook.ipynb runs, top to bottom, in a real Jupyter kernel.

nbclient starts an IPython kernel (ipykernel) as a notebook front end would, so the test
sees what an analyst sees: display of tables and charts, the kernel's working folder and
its imports. The notebook is kept without outputs (its numbers are model results, made
when it runs), which this test also checks.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

import qpq

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "analyst-notebook.ipynb"
STEPS = ("qpq.load_case", "qpq.solve_game", "qpq.simulate_policies", "qpq.explore_policies",
         "qpq.forecast")


def test_notebook_is_valid_and_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    # load case, solve the game, simulate, compare, forecast: in that order
    source = "\n".join(c.source for c in code)
    at = [source.index(step) for step in STEPS]
    assert at == sorted(at)


def test_notebook_runs_in_a_kernel(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # the kernel runs in a temporary folder and must import the qpq under test, not another
    # installed copy; a last cell reports which one it imported
    source_root = str(Path(qpq.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source_root, env.get("PYTHONPATH")]))
    nb.cells.append(new_code_cell("import qpq as _q; print(_q.__file__)"))
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)  # raises CellExecutionError, with the cell and traceback
    imported = nb.cells[-1].outputs[0]["text"].strip()
    assert Path(imported).resolve() == Path(qpq.__file__).resolve()
    code = [c for c in nb.cells[:-1] if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    # every step ends in a table (a DataFrame's HTML) or a chart, as the markdown says
    shown = [o.get("data", {}) for c in code for o in c.outputs
             if o.output_type == "execute_result"]
    assert sum("text/html" in d for d in shown) >= 5
    assert any("application/vnd.vegalite.v5+json" in d or "text/html" in d for d in shown)
