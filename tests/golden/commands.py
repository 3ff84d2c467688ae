"""The commands whose JSON output is pinned, and how two outputs are compared."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

HERE = Path(__file__).parent

COMMANDS: dict[str, list[str]] = {
    "game_solve": ["game", "solve", "--json"],
    "game_sweep": ["game", "sweep", "--x", "iskp_pull", "--y", "crackdown_intensity", "--n", "16",
                   "--json"],
    "sim_run": ["sim", "run", "--n", "512", "--until", "2027-12-31", "--json"],
    "explore_compare": ["explore", "compare", "deal-under-uncertainty", "--n", "32", "--json"],
    "bargain_eum": ["bargain", "eum", "--json"],
}
"""Name -> ``qpq`` arguments. Sizes are reduced so that the suite stays fast; the code
paths are those of the full runs."""


def _sim_v2() -> Any:
    from tests.golden import sim_v2

    return sim_v2.run()


CALLS: dict[str, Callable[[], Any]] = {"sim_v2_run": _sim_v2}
"""Name -> a function, for code paths no command reaches yet (model v2's simulator)."""

NAMES: tuple[str, ...] = (*COMMANDS, *CALLS)
"""Every pinned output."""

# Keys whose values depend on the machine or the moment, not on the model.
VOLATILE = frozenset({"seconds", "elapsed", "elapsed_s", "wall_s", "generated", "created",
                      "qpq_version", "version", "path", "root"})

REL_TOL = 1e-9
"""Floats agree to this relative tolerance (summation order may move the last bits)."""


def run(name: str) -> Any:
    """Run one pinned command in-process and return its parsed JSON, volatile keys removed."""
    if name in CALLS:
        return strip(json.loads(json.dumps(CALLS[name]())))
    from qpq.cli import app

    result = CliRunner().invoke(app, COMMANDS[name], catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"qpq {' '.join(COMMANDS[name])} exited {result.exit_code}: "
                           f"{result.output[-2000:]}")
    return strip(json.loads(result.stdout))


def strip(doc: Any) -> Any:
    """``doc`` without the :data:`VOLATILE` keys, at any depth."""
    if isinstance(doc, dict):
        return {k: strip(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [strip(v) for v in doc]
    return doc


def path_of(name: str) -> Path:
    """The golden file of a command."""
    return HERE / f"{name}.json"


def differences(expected: Any, actual: Any, where: str = "$") -> list[str]:
    """Where two JSON documents differ (floats within :data:`REL_TOL`); empty if equal."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return [] if expected == actual else [f"{where}: {expected!r} != {actual!r}"]
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        if isinstance(expected, float) and math.isnan(expected):
            ok = isinstance(actual, float) and math.isnan(actual)
        else:
            ok = math.isclose(expected, actual, rel_tol=REL_TOL, abs_tol=1e-12)
        return [] if ok else [f"{where}: {expected!r} != {actual!r}"]
    if isinstance(expected, dict) and isinstance(actual, dict):
        out: list[str] = []
        for k in sorted(set(expected) | set(actual)):
            if k not in actual:
                out.append(f"{where}.{k}: missing")
            elif k not in expected:
                out.append(f"{where}.{k}: unexpected")
            else:
                out += differences(expected[k], actual[k], f"{where}.{k}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: length {len(expected)} != {len(actual)}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out += differences(e, a, f"{where}[{i}]")
        return out
    return [] if expected == actual else [f"{where}: {expected!r} != {actual!r}"]
