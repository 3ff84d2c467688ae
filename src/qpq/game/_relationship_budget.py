"""How much model v2's relationship solves one command may cost before it is refused.

Solving the repeated relationship costs milliseconds where policy iteration converges and
hundredths to tenths of a second where its best responses cycle and the logit tracing runs
(docs/model-game.md §8.1), so the commands that solve it at many points estimate their
cost first and refuse, before any work, what would take longer than
:data:`RELATIONSHIP_BUDGET`, saying what it would cost and how much is allowed. The
callers: v2 phase diagrams (``qpq game sweep``, the report, the dashboard), the v2
propositions study, the simulator's tables (``qpq sim run --draws``, ``backcast``, the
facts calibration of ``forecast`` and ``backtest``, the record calibration's game points,
a forecast's rebuilt table) and ``qpq explore compare``. Each owns its estimate of a
unit's cost (a grid point, a draw, a table's parameter point); this module owns the budget
and the message.
"""

from __future__ import annotations

import math

from qpq.errors import BadInputError

__all__ = ["RELATIONSHIP_BUDGET", "check_relationship_budget"]

RELATIONSHIP_BUDGET = 768.0
"""Most CPU seconds of relationship solves (estimated) one command may spend: about 13
minutes, the order of the longest default runs of the other lenses."""


def check_relationship_budget(units: int, seconds_each: float, *, unit: str, what: str,
                              lower: str, fixed: float = 0.0) -> None:
    """Refuse ``units`` of ``seconds_each`` CPU seconds (plus ``fixed``) past the budget.

    ``unit`` names a unit in the plural ("grid points"), ``what`` says what is solved at
    each ("at every grid point"), ``lower`` how to ask for less ("lower --n"); ``fixed`` is
    what the work costs whatever the units (a search run once).

    Raises
    ------
    BadInputError
        With the estimate and the most units allowed.
    """
    most = max(0, int((RELATIONSHIP_BUDGET - fixed) // seconds_each))
    if units > most:
        extra = f" and {fixed:.0f} s once" if fixed else ""
        cost, budget = (units * seconds_each + fixed) / 60, RELATIONSHIP_BUDGET / 60
        # a tenth where whole minutes would print a refused cost equal to the budget
        # ("about 13 CPU minutes; allowed under v2: about 13 CPU minutes"); then the cost
        # rounded up and the budget down, as a cost a few seconds past the budget read
        # "about 12.8 CPU minutes; allowed under v2: about 12.8 CPU minutes"
        digits = 0 if round(cost) != round(budget) else 1
        if digits:
            cost, budget = math.ceil(cost * 10) / 10, math.floor(budget * 10) / 10
        raise BadInputError(
            f"model v2 solves the repeated relationship {what} (about {seconds_each:.2g} s "
            f"of CPU each{extra}): {units:,} {unit} would take about {cost:.{digits}f} CPU "
            f"minutes; allowed under v2: about {budget:.{digits}f} CPU minutes, here at most "
            f"{most:,} {unit} ({lower})")
