"""The notebook API: one call per question, each returning a result with ``to_frame()``.

The top-level package :mod:`qpq` re-exports these (lazily) with the result types and
:func:`qpq.case.load_case`; docs/api.md documents them with examples.

* :func:`solve_game` — the one-round game at the case's defaults (``qpq game solve``);
* :func:`simulate_policies` — China's policies side by side (``qpq sim run``);
* :func:`explore_policies` — the policies over a scenario's uncertainties
  (``qpq explore compare``);
* :func:`forecast` — calibrate as of a date, then forecast (``qpq sim forecast``).
"""

from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.api._notebook import (
        explore_policies,
        forecast,
        simulate_policies,
        solve_game,
    )

__all__ = ["explore_policies", "forecast", "simulate_policies", "solve_game"]

# Each name's module is imported on first use (qpq._lazy), so importing the package
# for one name does not import its siblings' libraries.
_EXPORTS = {
    "qpq.api._notebook": ("explore_policies", "forecast", "simulate_policies", "solve_game"),
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
