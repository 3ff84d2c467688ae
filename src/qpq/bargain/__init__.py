"""Stakeholder bargaining: the expected utility and exchange models.

Two multi-actor models analysts use to forecast negotiated outcomes:

* the expected utility model of Bueno de Mesquita (1994), in the reading of Scholz, Calbert &
  Smith (2011), on one issue at a time (:func:`run_eum`; every ambiguous choice is an option
  of :class:`EUMOptions`, with a ``scholz-compat`` preset that reproduces published runs);
* the equal-gain exchange model of Stokman & Van Oosten (1994) across two or more issues
  (:func:`run_exchange`).

Inputs are :class:`Stakeholders` (one issue) or an :class:`IssueSet` (several), read from CSV,
Decide or KTAB files (:func:`read_issue_data`) or from a case (:func:`case_stakeholders`,
:func:`case_issue_set`). :func:`monte_carlo` varies a case's assumptions;
:func:`bargain_report_data` feeds the report; :mod:`qpq.bargain._charts` (Altair, imported
on demand) draws it.
"""


from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.bargain._case_data import (
        case_issue,
        case_issue_set,
        case_stakeholders,
        draw_issue_set,
        input_table,
    )
    from qpq.bargain._charts import (
        bargain_charts,
    )
    from qpq.bargain._data import (
        IssueSet,
        Stakeholders,
    )
    from qpq.bargain._eum import (
        Move,
        OfferKind,
        Quadrant,
    )
    from qpq.bargain._exchange import (
        CarryOver,
        Exchange,
        ExchangeOptions,
        Sizing,
        nash_bargaining_solution,
    )
    from qpq.bargain._exchange_run import (
        ExchangeResult,
        ExchangeRound,
        run_exchange,
    )
    from qpq.bargain._io import (
        read_issue_data,
        read_stakeholders,
    )
    from qpq.bargain._montecarlo import (
        MonteCarloResult,
        monte_carlo,
    )
    from qpq.bargain._options import (
        VARIANTS,
        EUMOptions,
        MedianRule,
        OfferRule,
        ProbabilityRule,
        RiskReference,
        eum_options,
    )
    from qpq.bargain._report_data import (
        bargain_report_data,
    )
    from qpq.bargain._trajectory import (
        EUMResult,
        EUMRound,
        Stability,
        run_eum,
    )

__all__ = [
    "VARIANTS",
    "CarryOver",
    "EUMOptions",
    "EUMResult",
    "EUMRound",
    "Exchange",
    "ExchangeOptions",
    "ExchangeResult",
    "ExchangeRound",
    "IssueSet",
    "MedianRule",
    "MonteCarloResult",
    "Move",
    "OfferKind",
    "OfferRule",
    "ProbabilityRule",
    "Quadrant",
    "RiskReference",
    "Sizing",
    "Stability",
    "Stakeholders",
    "bargain_charts",
    "bargain_report_data",
    "case_issue",
    "case_issue_set",
    "case_stakeholders",
    "draw_issue_set",
    "eum_options",
    "input_table",
    "monte_carlo",
    "nash_bargaining_solution",
    "read_issue_data",
    "read_stakeholders",
    "run_eum",
    "run_exchange",
]

# Each name's module is imported on first use (qpq._lazy), so importing the package
# for one name does not import its siblings' libraries.
_EXPORTS = {
    "qpq.bargain._case_data": (
        "case_issue", "case_issue_set", "case_stakeholders", "draw_issue_set", "input_table",
    ),
    "qpq.bargain._charts": ("bargain_charts",),
    "qpq.bargain._data": ("IssueSet", "Stakeholders"),
    "qpq.bargain._eum": ("Move", "OfferKind", "Quadrant"),
    "qpq.bargain._exchange": (
        "CarryOver", "Exchange", "ExchangeOptions", "Sizing", "nash_bargaining_solution",
    ),
    "qpq.bargain._exchange_run": ("ExchangeResult", "ExchangeRound", "run_exchange"),
    "qpq.bargain._io": ("read_issue_data", "read_stakeholders"),
    "qpq.bargain._montecarlo": ("MonteCarloResult", "monte_carlo"),
    "qpq.bargain._options": (
        "EUMOptions", "MedianRule", "OfferRule", "ProbabilityRule", "RiskReference", "VARIANTS",
        "eum_options",
    ),
    "qpq.bargain._report_data": ("bargain_report_data",),
    "qpq.bargain._trajectory": ("EUMResult", "EUMRound", "Stability", "run_eum"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
