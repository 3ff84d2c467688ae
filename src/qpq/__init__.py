"""qpq: analysing state–militant security bargains (the China–Taliban quid pro quo).

The names here are the notebook API (docs/api.md): load a case, solve the game, run the
simulator, compare policies over a scenario's uncertainties, forecast. Each is imported on
first use (:mod:`qpq._lazy`), so ``import qpq`` stays cheap and importing any subpackage
does not pay for the others; the lenses' full surfaces are their packages
(:mod:`qpq.case`, :mod:`qpq.game`, :mod:`qpq.sim`, :mod:`qpq.explore`, …).
"""

from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.api import explore_policies, forecast, simulate_policies, solve_game
    from qpq.case import Case, load_case
    from qpq.explore import ComparisonStudy
    from qpq.game import GameSolution
    from qpq.sim import ForecastResult, PolicyRuns

__version__ = "0.1.0"

__all__ = [
    "Case",
    "ComparisonStudy",
    "ForecastResult",
    "GameSolution",
    "PolicyRuns",
    "__version__",
    "explore_policies",
    "forecast",
    "load_case",
    "simulate_policies",
    "solve_game",
]

# The top level is the facade over the lenses (tests/test_boundaries.py files it with
# qpq.api): each name is looked up in its package's public surface on first use.
_EXPORTS = {
    "qpq.api": ("explore_policies", "forecast", "simulate_policies", "solve_game"),
    "qpq.case": ("Case", "load_case"),
    "qpq.explore": ("ComparisonStudy",),
    "qpq.game": ("GameSolution",),
    "qpq.sim": ("ForecastResult", "PolicyRuns"),
}

# the lenses' packages and the shared modules a user calls, each on first use (``import qpq``
# then ``qpq.sim.…``); not the front ends (cli, dashboard) or the project's internals
_SUBPACKAGES = ("api", "bargain", "case", "checks", "errors", "explore", "game", "model",
                "parallel", "report", "sim", "stats")
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, _SUBPACKAGES)
