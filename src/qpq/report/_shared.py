"""The studies several report sections read, computed once per report (``ctx.memo``).

The key findings (:mod:`qpq.report._findings`) sum up what the lens sections show, so they
must read the *same* results, not recompute them at other sizes: every study the findings
and a section share is built here, once, and kept in the report's cache. This also makes
the report run the v1 proposition study once where two sections read it (the propositions
and model v2's comparison) and the exploration's Latin hypercube once for the policy
comparison and scenario discovery (so the report's PRIM box and its comparison stand on the
same experiments, like ``qpq explore discover``/``compare`` at the same ``--n``).

Sizes: :data:`REDUCED` (``make run``) or :data:`FULL`; ``ctx.options["sizes"]`` overrides
single entries (tests use tiny ensembles).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qpq.case import Scenario
from qpq.checks import check_whole, did_you_mean
from qpq.errors import BadInputError
from qpq.explore import (
    ComparisonStudy,
    Design,
    DiscoveryStudy,
    Evaluation,
    MorrisResult,
    SensitivityStudy,
    SobolResult,
    Study,
    load_study,
    reaches_zero,
    run_comparison,
    run_discovery,
    run_lhs,
    run_sensitivity,
)
from qpq.game.analysis import PropositionStudy, run_study
from qpq.model import ParameterRegistry
from qpq.report._sections import ReportContext

__all__ = ["DEFAULT_SCENARIO", "FULL", "REDUCED", "SEED", "SENSITIVITY_OUTCOMES", "bargaining",
           "dynamic_propositions", "explore_comparison", "explore_discovery", "explore_lhs",
           "explore_sensitivity", "explore_study", "finite", "indistinct", "reaches_zero",
           "sentence", "sizes", "v1_propositions"]

DEFAULT_SCENARIO = "deal-under-uncertainty"
SEED = 2024
"""Seed of the v1 proposition study (``qpq game propositions --seed 2024``)."""
SENSITIVITY_OUTCOMES = ("china_security", "militants_iskp")

REDUCED: dict[str, int] = {"sobol_n": 64, "lhs_n": 256, "study_n": 2000, "prop_n": 512,
                           "bargain_draws": 50}
"""Sizes in ``make run``: Sobol' base samples, Latin-hypercube experiments (comparison and
discovery), v1 proposition draws, scenarios per dynamic proposition, bargaining draws."""
FULL: dict[str, int] = {"sobol_n": 1024, "lhs_n": 0, "study_n": 20000, "prop_n": 4096,
                        "bargain_draws": 200}
"""Sizes of the full report; ``lhs_n`` 0 means the scenario's own ``n`` (the CLI default)."""


def sizes(ctx: ReportContext) -> dict[str, int]:
    """The sizes of this report: reduced or full, with ``ctx.options["sizes"]`` on top.

    Checked once per report (:class:`ReportContext` asks for them when it is made, so a bad
    size is refused before any section runs, not reported as a section that "does not
    apply"); a copy each call.
    """
    return dict(ctx.memo("sizes", lambda: _checked_sizes(ctx)))


def _checked_sizes(ctx: ReportContext) -> dict[str, int]:
    out = dict(REDUCED if ctx.reduced else FULL)
    raw = ctx.options.get("sizes", {})
    if not isinstance(raw, Mapping):
        raise BadInputError(f"options['sizes'] must be a mapping of size names to whole "
                            f"numbers, e.g. {{'sobol_n': 64}}; got {raw!r}")
    given = dict(raw)
    # a misspelt size was ignored and the study ran at its default, unsaid
    unknown = sorted(set(given) - set(out), key=str)
    if unknown:
        raise BadInputError(f"options['sizes']: unknown size {unknown[0]!r}; allowed: "
                            f"{', '.join(out)}{did_you_mean(str(unknown[0]), out)}")
    out.update({k: check_whole(v, f"options['sizes'][{k!r}]") for k, v in given.items()})
    return out


def explore_study(ctx: ReportContext) -> Study | None:
    """The case's exploration scenario (option ``explore_scenario``, default the built-in)."""
    def load() -> Study | None:
        scenarios: tuple[Scenario, ...] = ctx.case.scenarios
        if not scenarios:
            return None
        wanted = str(ctx.options.get("explore_scenario", DEFAULT_SCENARIO))
        ids = [s.id for s in scenarios]
        if wanted not in ids and Path(wanted).is_file():
            return load_study(wanted, ctx.case)  # a scenario file outside the case
        return load_study(wanted if wanted in ids else ids[0], ctx.case)
    study: Study | None = ctx.memo("explore.study", load)
    return study


def lhs_size(ctx: ReportContext, study: Study) -> int:
    """Latin-hypercube experiments of the comparison and discovery."""
    return sizes(ctx)["lhs_n"] or study.n


def explore_lhs(ctx: ReportContext, study: Study) -> tuple[Design, Evaluation]:
    """Every lever of the study on one Latin hypercube (common random numbers)."""
    design, ev = ctx.memo("explore.lhs", lambda: run_lhs(ctx.case, study, study.levers,
                                                         n=lhs_size(ctx, study)))
    return design, ev


def explore_comparison(ctx: ReportContext, study: Study) -> ComparisonStudy:
    """The policy comparison on :func:`explore_lhs`."""
    res: ComparisonStudy = ctx.memo("explore.comparison", lambda: run_comparison(
        None, study, lhs=explore_lhs(ctx, study)))
    return res


def explore_discovery(ctx: ReportContext, study: Study) -> DiscoveryStudy:
    """Scenario discovery of the study's backfire question on :func:`explore_lhs`."""
    res: DiscoveryStudy = ctx.memo("explore.discovery", lambda: run_discovery(
        None, study, lhs=explore_lhs(ctx, study)))
    return res


def explore_sensitivity(ctx: ReportContext, study: Study) -> SensitivityStudy:
    """Sobol' indices of the levels, and of the reference policy minus the comparison one.

    The comparison policy is the discovery question's (boycott in the built-in scenario).
    """
    have = [o.name for o in study.outcomes]
    outcomes = [o for o in SENSITIVITY_OUTCOMES if o in have] or have[:1]
    other = study.discovery.compare_to
    compare_to = other if other and other != study.reference_policy else None

    def run() -> SensitivityStudy:
        return run_sensitivity(ctx.case, study, n=sizes(ctx)["sobol_n"], outcomes=outcomes,
                               compare_to=compare_to)
    res: SensitivityStudy = ctx.memo("explore.sensitivity", run)
    return res


def game_solution(ctx: ReportContext) -> dict[str, Any]:
    """The game solved at the case's defaults (``solve(...).to_json()``), once per report."""
    from qpq.game import solve

    res: dict[str, Any] = ctx.memo("game.solution", lambda: solve(
        ParameterRegistry.from_case(ctx.case).point({})).to_json())
    return res


def selected_equilibrium(solution: dict[str, Any]) -> dict[str, Any] | None:
    """The selected equilibrium of :func:`game_solution`'s document (``None``: none is)."""
    return next((e for e in solution["equilibria"] if e["selected"]), None)


def v1_propositions(ctx: ReportContext, n: int | None = None) -> PropositionStudy:
    """The v1 proposition study (``n`` draws, default this report's size), once per size."""
    draws = n if n is not None else sizes(ctx)["study_n"]

    def run() -> PropositionStudy:
        return run_study(ParameterRegistry.from_case(ctx.case), draws, seed=SEED)
    res: PropositionStudy = ctx.memo(f"game.v1_propositions.{draws}", run)
    return res


def dynamic_propositions(ctx: ReportContext) -> list[Any]:
    """P1, P3, P5 and P6 in time (:mod:`qpq.sim`), at this report's size."""
    from qpq.sim import p1_boycott, p3_capacity, p5_conundrum, p6_free_ride

    n = sizes(ctx)["prop_n"]
    res: list[Any] = ctx.memo("sim.propositions", lambda: [
        p1_boycott(ctx.case, n=n), p3_capacity(ctx.case, n=n), p5_conundrum(ctx.case, n=n),
        p6_free_ride(ctx.case, n=n)])
    return res


def bargaining(ctx: ReportContext) -> dict[str, Any]:
    """The bargaining lens's report data (its Monte Carlo at this report's size)."""
    from qpq.bargain import bargain_report_data

    draws = sizes(ctx)["bargain_draws"]
    res: dict[str, Any] = ctx.memo("bargain.data",
                                   lambda: bargain_report_data(ctx.case, mc_draws=draws))
    return res


def sentence(text: str) -> str:
    """``text`` with its first letter upper-case (``str.capitalize`` lowers the rest)."""
    return text[:1].upper() + text[1:]


def finite(x: Any) -> float | None:
    """``x`` as a float, or ``None`` where it is missing or not finite (strict JSON)."""
    return float(x) if x is not None and math.isfinite(x) else None


def indistinct(result: SobolResult | MorrisResult, name: str) -> tuple[str, ...]:
    """Inputs whose 95% interval overlaps ``name``'s (Sobol' ST; Morris μ*), best first.

    At a small sample the top index may not be separable from the next: then the decisive
    assumption is one of these, and the findings and the sensitivity section say so rather
    than pretend otherwise.
    """
    if isinstance(result, SobolResult):
        val, conf, order = result.ST, result.ST_conf, result.ranking("ST")
    else:
        val, conf, order = result.mu_star, result.mu_star_conf, result.ranking()
    floor = val[name] - conf[name]
    return tuple(n for n in order if n != name and val[n] + conf[n] >= floor)


