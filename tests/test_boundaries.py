"""Package boundaries: other packages import a package's ``__init__``, and only downwards.

Each package keeps its implementation in private modules (``_name.py``); what other packages
may use is what its ``__init__`` exports. Packages are layered (a package imports only
packages below it), and the game's core imports neither of its sub-packages (analyses,
validation), which are built on it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import qpq

SRC = Path(qpq.__file__).parent

LAYERS = {
    "qpq": 0,           # shared helpers at the top level: errors, files, stats, ...
    "qpq.case": 1,
    "qpq.model": 2,
    "qpq.game": 3,
    "qpq.bargain": 3,
    "qpq.sim": 4,
    "qpq.explore": 5,
    "qpq.report": 6,
    "qpq.api": 6,       # the notebook API: thin entry points over case, game, sim, explore
    "qpq.dashboard": 7,
    "qpq.cli": 8,
}
GAME_SUBPACKAGES = ("qpq.game.analysis", "qpq.game.validation")


def package_of(module: str) -> str:
    """``qpq.sim._engine`` -> ``qpq.sim``; ``qpq.errors`` -> ``qpq``."""
    if module == "qpq.__main__":       # ``python -m qpq`` is the command line
        return "qpq.cli"
    if module == "qpq.__init__":       # ``import qpq`` re-exports the notebook API (lazily)
        return "qpq.api"
    parts = module.split(".")
    if len(parts) >= 2 and f"qpq.{parts[1]}" in LAYERS:
        return f"qpq.{parts[1]}"
    return "qpq"


def imported(tree: ast.AST) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every qpq import, at any depth (functions included)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "qpq" or node.module.startswith("qpq."):
                out.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names
                    if a.name == "qpq" or a.name.startswith("qpq.")]
    return out


def violations(module: str, source: str) -> list[str]:
    """Every boundary the source of ``module`` crosses, as sentences."""
    own = package_of(module)
    is_init = module.endswith(".__init__")
    found = []
    for line, target, names in imported(ast.parse(source)):
        where = f"{module}:{line} imports {target}"
        other = package_of(target)
        if other != own and other != "qpq":
            private = [p for p in target.split(".")[2:] if p.startswith("_")]
            private += [n for n in names if n.startswith("_")]
            if private:
                found.append(f"{where}: private {private} of another package")
        if LAYERS[other] > LAYERS[own]:
            found.append(f"{where}: upward ({other} is above {own})")
        core = own == "qpq.game" and not any(module.startswith(s) for s in GAME_SUBPACKAGES)
        if core and not is_init and any(target.startswith(s) for s in GAME_SUBPACKAGES):
            found.append(f"{where}: the game's core imports a sub-package built on it")
    return found


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        out.append((".".join(rel.parts), path))
    return out


@pytest.mark.parametrize("module,path", modules(), ids=[m for m, _ in modules()])
def test_module_stays_inside_its_boundaries(module, path):
    assert violations(module, path.read_text()) == []


def test_every_implementation_module_is_private():
    public = [m for m, p in modules() if package_of(m) != "qpq"
              and not p.name.startswith("_") and p.name != "__init__.py"]
    assert public == []


@pytest.mark.parametrize("source,expected", [
    ("from qpq.sim._engine import simulate", "private"),
    ("def f():\n    from qpq.game._kernel import profiles", "private"),
    ("from qpq.sim import _private_helper", "private"),
    ("from qpq.cli import app", "upward"),
    ("import qpq.dashboard", "upward"),
])
def test_the_checker_sees_a_crossing(source, expected):
    found = violations("qpq.explore._evaluate", source)
    assert found and expected in found[0]


def test_the_checker_sees_the_core_importing_a_subpackage():
    assert violations("qpq.game._solver", "from qpq.game.validation import build_tree")
    assert not violations("qpq.game.validation._tree", "from qpq.game._spec import TYPES")
    assert not violations("qpq.sim._dynamics", "from qpq.game import continuations")


def test_the_top_level_is_the_notebook_facade():
    # ``qpq/__init__.py`` may name the lenses' public surfaces (it re-exports the notebook
    # API lazily), but neither their private modules nor the layers above the API.
    assert not violations("qpq.__init__", "from qpq.api import solve_game")
    assert not violations("qpq.__init__", "from qpq.sim import PolicyRuns")
    assert "private" in violations("qpq.__init__", "from qpq.sim._engine import SimResult")[0]
    assert "upward" in violations("qpq.__init__", "from qpq.cli import main")[0]
    # the helpers at the top level stay at the bottom
    assert "upward" in violations("qpq.errors", "from qpq.api import solve_game")[0]
