"""The bargaining lens's results for the report, as plain data.

:func:`bargain_report_data` runs everything the report shows about stakeholder bargaining on a
case: the expected utility forecast of every issue (the corrected default reading, with the
Scholz-compatible variant alongside), who moves, the perception quadrants of the two
principals in the first round, the equal-gain exchange across the issues (with the
China–Taliban exchanges singled out), and a Monte Carlo over the assumption ranges. The result
is a JSON-ready dict; :mod:`qpq.bargain._charts` draws it. Every input number is listed with
its evidence ids or its assumption flag and range, so each figure traces back to the case.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qpq.bargain._case_data import case_issue, case_issue_set, case_stakeholders, input_table
from qpq.bargain._eum import quadrants
from qpq.bargain._exchange import ExchangeOptions
from qpq.bargain._exchange_run import run_exchange
from qpq.bargain._montecarlo import monte_carlo
from qpq.bargain._options import EUMOptions
from qpq.bargain._trajectory import EUMResult, run_eum
from qpq.case import Case
from qpq.checks import check_seed

__all__ = ["bargain_report_data", "quadrant_points"]

PRINCIPALS = ("china", "taliban")


def quadrant_points(result: EUMResult, actor: str, round_no: int = 1) -> list[dict[str, Any]]:
    """``actor``'s perception of every other actor in a round: (EU_ij, EU_ji, quadrant).

    The result must have been run with ``keep_perceptions=True``.
    """
    if actor not in result.actors:
        return []
    rnd = result.rounds[round_no]
    if rnd.eu_ij is None or rnd.eu_ji is None:
        raise ValueError("run_eum(..., keep_perceptions=True) is needed for quadrants")
    i = result.actors.index(actor)
    x = result.rounds[round_no - 1].position
    quad = quadrants(rnd.eu_ij, rnd.eu_ji, x[:, None] == x[None, :])
    return [{"actor": actor, "other": other, "eu_ij": float(rnd.eu_ij[i, j]),
             "eu_ji": float(rnd.eu_ji[i, j]), "quadrant": str(quad[i, j])}
            for j, other in enumerate(result.actors) if j != i]


def _trajectory(result: EUMResult) -> list[dict[str, Any]]:
    return [{"round": r.round, "median": r.median, "mean": r.mean} for r in result.rounds]


def _eum_section(case: Case, issue: str, rounds: int) -> dict[str, Any]:
    data = case_stakeholders(case, issue)
    meta = case_issue(case, issue)
    default = run_eum(data, EUMOptions(max_rounds=rounds), keep_perceptions=True)
    scholz = run_eum(data, EUMOptions.scholz_compat(max_rounds=rounds))
    medians = default.medians
    return {
        "issue": issue, "name": meta.name, "scale": [meta.scale_min, meta.scale_max],
        "anchors": dict(meta.anchors),
        "forecast": {"median": default.forecast, "mean": default.rounds[-1].mean,
                     "stability": default.stability.value,
                     "cycle_length": default.cycle_length,
                     "median_range": [float(np.min(medians)), float(np.max(medians))],
                     "rounds": len(default.rounds) - 1},
        "trajectory": _trajectory(default),
        "positions": [{"round": r.round, "actor": a, "position": float(x)}
                      for r in default.rounds for a, x in zip(default.actors, r.position,
                                                              strict=True)],
        "movers": default.movers(),
        "moves": [dict(m.to_dict(), round=r.round) for r in default.rounds for m in r.moves],
        "quadrants": {a: quadrant_points(default, a, 1) for a in PRINCIPALS
                      if a in default.actors and len(default.rounds) > 1},
        "options": default.options.to_dict(),
        "scholz_compat": {"forecast": {"median": scholz.forecast,
                                       "mean": scholz.rounds[-1].mean,
                                       "stability": scholz.stability.value},
                          "trajectory": _trajectory(scholz), "movers": scholz.movers()},
    }


def bargain_report_data(case: Case, *, rounds: int = 20, mc_draws: int = 200, seed: int = 0,
                        pair: tuple[str, str] = PRINCIPALS) -> dict[str, Any]:
    """Run the bargaining lens on a case and return the report's data (JSON-ready).

    Parameters
    ----------
    case
        A case with ``bargaining.yaml`` (the built-in case has ``recognition`` and
        ``action_on_etim``).
    rounds
        Rounds of the expected utility model.
    mc_draws
        Draws of the Monte Carlo over the assumption ranges (0 skips it).
    seed
        Seed of the Monte Carlo's generator and of the exchange model's tie-breaking.
    pair
        The two actors whose mutual exchange is singled out.

    Returns
    -------
    dict
        ``inputs`` (every number with provenance), ``eum`` (per issue: forecast, trajectory,
        positions, movers, moves, quadrants, Scholz-compatible variant), ``exchange`` (the
        full run, the pair's exchanges, outcomes), ``monte_carlo`` (quantiles and samples)
        and ``notes``.
    """
    # the document records the seed: a Generator would not serialise, a negative one
    # reached numpy inside the exchange
    seed = check_seed(seed)
    issues = [i.id for i in case.bargaining_issues]
    eum = {issue: _eum_section(case, issue, rounds) for issue in issues}
    out: dict[str, Any] = {
        "case": case.meta.id,
        "issues": [{"id": i.id, "name": i.name, "description": i.description,
                    "scale": [i.scale_min, i.scale_max], "anchors": dict(i.anchors)}
                   for i in case.bargaining_issues],
        "inputs": input_table(case),
        "eum": eum,
        "exchange": None,
        "monte_carlo": None,
        "notes": [
            "Positions, capabilities and saliences are mostly assumptions (see 'inputs'); "
            "the Monte Carlo shows how far the forecasts move over their ranges.",
            "The expected utility model need not converge; 'stability' says whether the "
            "trajectory converged, cycled or was still moving after the last round.",
        ],
    }
    ex_opts = ExchangeOptions(seed=seed)
    if len(issues) >= 2:
        ex = run_exchange(case_issue_set(case), ex_opts)
        doc = ex.to_dict()
        doc["pair"] = list(pair)
        doc["pair_exchanges"] = [e.to_dict() for e in ex.exchanges(*pair)]
        out["exchange"] = doc
    if mc_draws > 0:
        mc = monte_carlo(case, np.random.default_rng(seed), mc_draws,
                         eum_options=EUMOptions(max_rounds=rounds), exchange_options=ex_opts,
                         pair=pair)
        summary = mc.summary()
        summary["samples"] = {"eum_median": {k: v.tolist() for k, v in mc.median.items()},
                              "exchange_outcome": {k: v.tolist()
                                                   for k, v in mc.exchange_outcome.items()}}
        summary["seed"] = seed
        out["monte_carlo"] = summary
    return out
