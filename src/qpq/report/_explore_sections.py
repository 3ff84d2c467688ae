"""Report sections of the exploration lens: Sobol' bars, PRIM, policy comparison.

Builders follow :mod:`qpq.report._sections`: each takes a
:class:`~qpq.report._sections.ReportContext` and returns
:class:`~qpq.report._sections.SectionContent`. They run the case's exploration scenario
(``ctx.options["explore_scenario"]``, default the built-in ``deal-under-uncertainty``, else
the case's first scenario). With ``ctx.reduced`` (``make run``) the designs are small
(:data:`REDUCED`: all three sections in about ten seconds on two cores) and every section
says so; :data:`FULL` gives the sizes of the full report.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from qpq.case import Scenario
from qpq.explore import (
    SobolResult,
    Study,
    load_study,
    policy_chart,
    prim_box_chart,
    prim_tradeoff_chart,
    regret_chart,
    run_comparison,
    run_discovery,
    run_sensitivity,
    sobol_chart,
)
from qpq.model import UNCALIBRATED
from qpq.report._sections import Figure, ReportContext, SectionContent, html_table

__all__ = ["DEFAULT_SCENARIO", "FULL", "REDUCED", "discovery_section", "policies_section",
           "sensitivity_section"]

DEFAULT_SCENARIO = "deal-under-uncertainty"
REDUCED = {"sobol_n": 64, "discovery_n": 256, "compare_n": 256}
"""Design sizes when ``ctx.reduced`` is true (``make run``)."""
FULL = {"sobol_n": 1024, "discovery_n": 2048, "compare_n": 1024}
"""Design sizes of the full report."""


def _study(ctx: ReportContext) -> Study | None:
    scenarios: tuple[Scenario, ...] = ctx.case.scenarios
    if not scenarios:
        return None
    wanted = str(ctx.options.get("explore_scenario", DEFAULT_SCENARIO))
    ids = [s.id for s in scenarios]
    return load_study(wanted if wanted in ids else ids[0], ctx.case)


def _empty() -> SectionContent:
    return SectionContent("<p class='empty'>This case has no exploration scenario "
                          "(scenarios/*.yaml).</p>")


def _size_note(ctx: ReportContext, what: str) -> str:
    if ctx.reduced:
        return (f"<p><strong>Reduced run</strong> (make run): {escape(what)}; indices and "
                "shares are noisy. The full report uses "
                f"{FULL['sobol_n']:,} Sobol' base samples, {FULL['discovery_n']:,} discovery "
                f"and {FULL['compare_n']:,} comparison experiments; "
                "<code>qpq explore</code> runs any size.</p>")
    return f"<p>{escape(what)}.</p>"




def _model_note(study: Study) -> str:
    return (f"Each experiment runs the simulator from {study.start} to {study.until} under "
            f"China's policy; outcomes are measured from {study.window_start} and are "
            "expectations over the Taliban's type (the four types simulated, weighted by the "
            f"experiment's prior); belief grid {study.grid_size}, {study.replicates} "
            f"scenario(s) per type. All parameters and all post-{study.window_start.year} "
            f"attack and militant counts are {UNCALIBRATED}.")


def sensitivity_section(ctx: ReportContext) -> SectionContent:
    """Sobol' first/total-order indices of China's security (and ISKP's Uyghurs)."""
    study = _study(ctx)
    if study is None:
        return _empty()
    n = (REDUCED if ctx.reduced else FULL)["sobol_n"]
    have = [x.name for x in study.outcomes]
    outcomes: list[str] = [o for o in ("china_security", "militants_iskp") if o in have]
    outcomes = outcomes or have[:1]
    res = run_sensitivity(ctx.case, study, n=n, outcomes=outcomes)
    main = res.results[0]
    assert isinstance(main, SobolResult)
    ranking = main.ranking("ST")
    rows = [[f"<code>{escape(k)}</code>", f"{main.S1[k]:.3f} ± {main.S1_conf[k]:.3f}",
             f"{main.ST[k]:.3f} ± {main.ST_conf[k]:.3f}"] for k in ranking]
    suspects = ("crackdown_intensity", "iskp_pull")
    places = {s: ranking.index(s) + 1 for s in suspects if s in ranking}
    verdict = ("The paper's two suspects are the top two." if sorted(places.values()) == [1, 2]
               else "The paper's two suspects are <strong>not</strong> the top two: "
               + ", ".join(f"<code>{s}</code> ranks {p} of {len(ranking)}"
                           for s, p in places.items())
               + f"; <code>{escape(ranking[0])}</code> leads.")
    html = (
        f"<p>Which uncertain parameters drive <code>{escape(main.outcome)}</code> under the "
        f"deal (<code>{escape(res.policy)}</code>)? Sobol' indices over "
        f"{len(study.uncertainties)} uncertainties of scenario "
        f"<code>{escape(study.id)}</code>: S1 is the share of the outcome's variance a "
        "parameter explains alone, ST alone and in interactions (± half-widths of 95% "
        f"bootstrap intervals). {verdict}</p>"
        + _size_note(ctx, f"N = {n} base samples, {res.design['experiments']:,} experiments")
        + html_table(["parameter", "S1", "ST"], rows)
        + f"<p class='howto'>{escape(_model_note(study))}</p>")
    figs = tuple(Figure(f"explore-sobol-{r.outcome}", f"What drives {r.outcome}",
                        "Bars: first-order (S1) and total-order (ST) Sobol' indices, largest "
                        "ST first; black lines: 95% bootstrap intervals. A parameter with ST "
                        "near 0 can be fixed anywhere in its range without changing the "
                        "outcome.", sobol_chart(r))
                 for r in res.results if isinstance(r, SobolResult))
    return SectionContent(html, figs, f"sensitivity: {main.outcome} driven by {ranking[0]} "
                          f"(ST {main.ST[ranking[0]]:.2f}); N = {n}")


def discovery_section(ctx: ReportContext) -> SectionContent:
    """PRIM's box for "when does the deal backfire?", its trade-off, and a CART view."""
    study = _study(ctx)
    if study is None:
        return _empty()
    n = (REDUCED if ctx.reduced else FULL)["discovery_n"]
    res = run_discovery(ctx.case, study, n=n)
    box = res.prim.chosen
    units = {u.name: u.unit for u in study.uncertainties}
    rows = [[f"<code>{escape(k)}</code>", f"{lo:.3g}", f"{hi:.3g}", escape(units.get(k, "")),
             f"{box.quasi_p.get(k, float('nan')):.2g}"]
            for k, (lo, hi) in box.limits(res.prim.names).items()]
    scores = sorted(res.cart.scores.items(), key=lambda kv: -kv[1])
    leaf = res.cart.leaves()[0]
    rule = " and ".join(f"{escape(a)} {escape(op)} {v:.3g}" for a, op, v in leaf.rule) or "all"
    html = (
        f"<p><strong>{escape(res.question)}</strong> Case of interest: {escape(res.rule)}. "
        f"{res.cases.mean():.0%} of {res.cases.size:,} Latin-hypercube experiments.</p>"
        + _size_note(ctx, f"{n} experiments")
        + f"<p>PRIM's chosen box (step {res.prim.chosen_index} of the peeling trajectory, "
        f"pasted): coverage {box.coverage:.2f} (share of all backfire cases inside), "
        f"density {box.density:.2f} (share of backfire inside; base rate "
        f"{res.prim.base_density:.2f}), {len(box.restricted)} restricted dimensions. A "
        "small quasi-p value says the restriction matters.</p>"
        + html_table(["parameter", "from", "to", "unit", "quasi-p"], rows)
        + "<p>Second view, a CART tree: its densest leaf is " + rule
        + f" (density {leaf.density:.2f}, {leaf.n_points} experiments); inputs that separate "
        "backfire cases (impurity decrease): "
        + escape(", ".join(f"{k} {v:.2f}" for k, v in scores if v > 0.01) or "none")
        + ".</p>" + f"<p class='howto'>{escape(_model_note(study))}</p>")
    figs = (
        Figure("explore-prim-tradeoff", "PRIM: the coverage-density trade-off",
               "Each point is a box on the peeling trajectory (colour: restricted dimensions);"
               " peeling moves up and left, buying density with coverage. The diamond is the "
               "chosen box (before pasting); the dashed line is the base rate.",
               prim_tradeoff_chart(res.prim)),
        Figure("explore-prim-box", "PRIM: the box where the deal backfires",
               "Grey: each restricted parameter's full range; red: the part inside the box. "
               "Hover for the limits and quasi-p values.", prim_box_chart(res.prim, units)),
    )
    strongest = sorted(box.limits(res.prim.names).items(),
                       key=lambda kv: box.quasi_p.get(kv[0], 1.0))[:3]
    limits = ", ".join(f"{k} {lo:.2g}-{hi:.2g}" for k, (lo, hi) in strongest)
    return SectionContent(html, figs, f"discovery: backfire box {limits or 'none'} "
                          f"(coverage {box.coverage:.2f}, density {box.density:.2f})")


def policies_section(ctx: ReportContext) -> SectionContent:
    """Every lever over the same experiments, with robustness metrics."""
    study = _study(ctx)
    if study is None:
        return _empty()
    n = (REDUCED if ctx.reduced else FULL)["compare_n"]
    res = run_comparison(ctx.case, study, n=n)
    parts = [f"<p>China's {len(res.levers)} policies over the same {n:,} experiments with the "
             "same random numbers. Regret: how much worse a policy does than the best policy "
             "of that experiment; minimax regret picks the smallest worst case. Satisficing: "
             "the share of experiments meeting a threshold.</p>",
             _size_note(ctx, f"{n} experiments")]
    figs: list[Figure] = []
    summary = ""
    for c in res.comparisons:
        if not c.sign:
            continue
        rows = [[f"<code>{escape(m.policy)}</code>", f"{m.mean:.3g}",
                 f"{_num(m.worst_decile)}", f"{_num(m.max_regret)}", f"{_num(m.mean_regret)}",
                 f"{_num(m.satisficing, '.2f')}"] for m in c.metrics]
        parts.append(f"<h4>{escape(c.outcome)} ({'higher' if c.sign > 0 else 'lower'} is "
                     f"better)</h4>" + html_table(
                         ["policy", "mean", "worst decile", "largest regret", "mean regret",
                          f"share meeting {c.threshold:.3g}"], rows)
                     + "<p>Most robust: " + escape(", ".join(
                         f"{k.replace('_', ' ')}: {v}" for k, v in c.most_robust.items()))
                     + f" (threshold: {escape(str(c.threshold_source))}).</p>")
        if not summary:
            summary = (f"policies: most robust for {c.outcome} by minimax regret: "
                       f"{c.most_robust['minimax_regret']}")
            figs.append(Figure(f"explore-policies-{c.outcome}",
                               f"{c.outcome} under each of China's policies",
                               "Box plots over the same experiments (box: middle half; "
                               "whiskers: 1.5 interquartile ranges; dots beyond).",
                               policy_chart(res.values, c.outcome, res.levers)))
            figs.append(Figure(f"explore-regret-{c.outcome}", f"Regret in {c.outcome}",
                               "For each policy, the largest, 90th-percentile and mean regret "
                               "over the experiments: the minimax-regret policy has the "
                               "shortest largest bar.", regret_chart(c)))
    parts.append(f"<p class='howto'>{escape(_model_note(study))}</p>")
    return SectionContent("".join(parts), tuple(figs), summary or "policies: compared")


def _num(v: Any, fmt: str = ".3g") -> str:
    return "—" if v is None or not np.isfinite(v) else format(v, fmt)
