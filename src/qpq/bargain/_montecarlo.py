"""Monte Carlo over the assumption ranges of a case's bargaining inputs.

Most bargaining numbers are assumptions with ranges (:mod:`qpq.bargain._case_data`). To see
which conclusions survive them, :func:`monte_carlo` draws the inputs ``n_draws`` times from an
injected :class:`numpy.random.Generator`, runs the expected utility model on every issue and
the exchange model on all issues together, and summarises: the distribution of each issue's
forecast median and mean after the last round, how often each trajectory converged, and how
often a chosen pair of actors (by default China and the Taliban) traded with each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qpq.bargain._case_data import case_issue_set, draw_issue_set
from qpq.bargain._data import FloatArray
from qpq.bargain._exchange import ExchangeOptions
from qpq.bargain._exchange_run import run_exchange
from qpq.bargain._options import EUMOptions
from qpq.bargain._trajectory import Stability, run_eum
from qpq.case import Case
from qpq.checks import check_generator, check_whole
from qpq.errors import BadInputError
from qpq.stats import FAN_QUANTILES, quantile_name

__all__ = ["MonteCarloResult", "monte_carlo"]


@dataclass(frozen=True, eq=False)
class MonteCarloResult:
    """Forecasts over ``n_draws`` input draws.

    ``median[issue]`` and ``mean[issue]`` hold one final forecast per draw; ``converged``
    the share of draws whose trajectory converged; ``pair_trades`` the share of draws in
    which ``pair`` made at least one exchange; ``exchange_outcome[issue]`` the exchange
    model's final outcome per draw.
    """

    issues: tuple[str, ...]
    n_draws: int
    median: dict[str, FloatArray]
    mean: dict[str, FloatArray]
    converged: dict[str, float]
    exchange_outcome: dict[str, FloatArray]
    pair: tuple[str, str]
    pair_trades: float
    eum_options: EUMOptions
    exchange_options: ExchangeOptions

    def summary(self) -> dict[str, Any]:
        """Quantiles of every forecast and the shares, JSON-ready."""
        def q(values: FloatArray) -> dict[str, float]:
            return {quantile_name(p): float(np.quantile(values, p)) for p in FAN_QUANTILES}

        return {
            "n_draws": self.n_draws,
            "eum_median": {i: q(v) for i, v in self.median.items()},
            "eum_mean": {i: q(v) for i, v in self.mean.items()},
            "eum_converged_share": dict(self.converged),
            "exchange_outcome": {i: q(v) for i, v in self.exchange_outcome.items()},
            "pair": list(self.pair),
            "pair_trades_share": self.pair_trades,
        }


DEFAULT_PAIR = ("china", "taliban")
"""The pair whose trades :func:`monte_carlo` counts unless told (the quid pro quo's parties)."""


def monte_carlo(case: Case, rng: np.random.Generator, n_draws: int = 200, *,
                eum_options: EUMOptions | None = None,
                exchange_options: ExchangeOptions | None = None,
                pair: tuple[str, str] | None = None) -> MonteCarloResult:
    """Run both models over ``n_draws`` draws of the case's bargaining inputs.

    Parameters
    ----------
    case
        A case with ``bargaining.yaml``.
    rng
        The generator all draws come from (seed it for reproducible results).
    n_draws
        Number of input draws.
    eum_options, exchange_options
        Model switches (defaults: the corrected EUM reading; exchange defaults).
    pair
        Two actor ids whose mutual exchanges are counted (checked against the case's
        bargaining actors); default ``("china", "taliban")``, counted as never trading
        where the case has no such actor.
    """
    n_draws = check_whole(n_draws, "n_draws", minimum=1)
    check_generator(rng)
    if pair is not None:
        # an unknown actor given was counted as "never trades" (found 2026-12-06)
        actors = case_issue_set(case).actors
        if isinstance(pair, str) or len(pair) != 2 or any(a not in actors for a in pair):
            raise BadInputError(f"pair must be two actor ids of the case's bargaining data; "
                                f"got {pair!r}; allowed: {', '.join(actors)}")
    pair = pair or DEFAULT_PAIR
    eum_opts = eum_options if eum_options is not None else EUMOptions()
    ex_opts = exchange_options if exchange_options is not None else ExchangeOptions()
    sets = draw_issue_set(case, rng, n_draws)
    issues = sets[0].issues
    median = {i: np.empty(n_draws) for i in issues}
    mean = {i: np.empty(n_draws) for i in issues}
    conv = dict.fromkeys(issues, 0)
    ex_out = {i: np.empty(n_draws) for i in issues}
    trades = 0
    for k, data in enumerate(sets):
        for issue in issues:
            result = run_eum(data.stakeholders(issue), eum_opts)
            median[issue][k] = result.rounds[-1].median
            mean[issue][k] = result.rounds[-1].mean
            conv[issue] += result.stability == Stability.CONVERGED
        if len(issues) >= 2:
            ex = run_exchange(data, ex_opts)
            for d, issue in enumerate(issues):
                ex_out[issue][k] = ex.final_outcome[d]
            trades += bool(ex.exchanges(*pair))
    return MonteCarloResult(
        issues=issues, n_draws=n_draws, median=median, mean=mean,
        converged={i: conv[i] / n_draws for i in issues},
        exchange_outcome=ex_out if len(issues) >= 2 else {}, pair=pair,
        pair_trades=trades / n_draws, eum_options=eum_opts, exchange_options=ex_opts)
