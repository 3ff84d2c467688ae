"""Report sections of the exploration lens: Sobol' bars, PRIM, policy comparison.

Builders follow :mod:`qpq.report._sections`: each takes a
:class:`~qpq.report._sections.ReportContext` and returns
:class:`~qpq.report._sections.SectionContent`. They run the case's exploration scenario
(``ctx.options["explore_scenario"]``, default the built-in ``deal-under-uncertainty``, else
the case's first scenario). The studies come from :mod:`qpq.report._shared` (computed once,
read by the key findings too): one Latin hypercube for the comparison and the discovery,
one Saltelli design for the levels and the engage-minus-boycott difference. With
``ctx.reduced`` (``make run``) the designs are small (:data:`REDUCED`) and every section
says so; :data:`FULL` gives the sizes of the full report (the hypercube then has the
scenario's own ``n``, the CLI's default, so the report's PRIM box is ``qpq explore
discover``'s).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import numpy as np

from qpq.explore import (
    TIE_FRACTION,
    TIE_SHARE,
    SobolResult,
    Study,
    policy_chart,
    prim_box_chart,
    prim_tradeoff_chart,
    regret_chart,
    sobol_chart,
)
from qpq.model import UNCALIBRATED
from qpq.report._sections import Figure, ReportContext, SectionContent, html_table
from qpq.report._shared import (
    DEFAULT_SCENARIO,
    FULL,
    REDUCED,
    explore_comparison,
    explore_discovery,
    explore_sensitivity,
    explore_study,
    indistinct,
    lhs_size,
    reaches_zero,
    sizes,
)

__all__ = ["DEFAULT_SCENARIO", "FULL", "REDUCED", "discovery_section", "policies_section",
           "sensitivity_section"]


def _study(ctx: ReportContext) -> Study | None:
    return explore_study(ctx)


def _empty() -> SectionContent:
    return SectionContent("<p class='empty'>This case has no exploration scenario "
                          "(scenarios/*.yaml).</p>")


def _size_note(ctx: ReportContext, what: str, n: int) -> str:
    if ctx.reduced:
        return (f"<p><strong>Reduced run</strong> (make run): {escape(what)}; indices and "
                "shares are noisy. The full report uses "
                f"{FULL['sobol_n']:,} Sobol' base samples and the scenario's own number of "
                "Latin-hypercube experiments for both the comparison and the discovery (the "
                "default of <code>qpq explore compare</code> and <code>discover</code>); "
                "<code>qpq explore</code> runs any size (this reduced run is "
                f"<code>--n {n}</code>).</p>")
    return f"<p>{escape(what)}.</p>"




def _model_note(study: Study) -> str:
    return (f"Each experiment runs the simulator from {study.start} to {study.until} under "
            f"China's policy; outcomes are measured from {study.window_start} and are "
            "expectations over the Taliban's type (the four types simulated, weighted by the "
            f"experiment's prior); belief grid {study.grid_size}, {study.replicates} "
            f"scenario(s) per type. The exploration samples each uncertainty over its prior "
            "range, not the record calibration's posterior (the track record section shows "
            "how far the record narrows some of them, the attack rate above all), so its "
            f"attack and militant counts after {study.window_start.year} are the prior's: "
            f"{UNCALIBRATED}.")


def _suspect_words(main: SobolResult, name: str, place: int, of: int) -> str:
    # a rank among indices whose intervals reach 0 is the order of noise, not of effects
    st, conf = main.ST[name], main.ST_conf[name]
    if reaches_zero(st, conf):
        return (f"<code>{name}</code> has no measurable effect here (ST {st:.3f} ± "
                f"{conf:.3f}, its interval reaching 0; rank {place} of {of} means nothing)")
    return f"<code>{name}</code> ranks {place} of {of}"


def sensitivity_section(ctx: ReportContext) -> SectionContent:
    """Sobol' first/total-order indices of China's security (and ISKP's Uyghurs)."""
    study = _study(ctx)
    if study is None:
        return _empty()
    n = sizes(ctx)["sobol_n"]
    res = explore_sensitivity(ctx, study)
    main = res.results[0]
    assert isinstance(main, SobolResult)
    ranking = main.ranking("ST")
    rows = [[f"<code>{escape(k)}</code>", f"{main.S1[k]:.3f} ± {main.S1_conf[k]:.3f}",
             f"{main.ST[k]:.3f} ± {main.ST_conf[k]:.3f}"] for k in ranking]
    suspects = ("crackdown_intensity", "iskp_pull")
    places = {s: ranking.index(s) + 1 for s in suspects if s in ranking}
    verdict = ("The paper's two suspects are the top two." if sorted(places.values()) == [1, 2]
               else "The paper's two suspects are <strong>not</strong> the top two: "
               + ", ".join(_suspect_words(main, s, p, len(ranking))
                           for s, p in places.items())
               + f"; <code>{escape(ranking[0])}</code> leads.")
    tied = indistinct(main, ranking[0])
    if tied:
        verdict += (f" The lead is not settled at this size: {len(tied)} other parameter(s)' "
                    "intervals overlap the leader's.")
    html = (
        f"<p>Which uncertain parameters drive <code>{escape(main.outcome)}</code> under the "
        f"deal (<code>{escape(res.policy)}</code>)? Sobol' indices over "
        f"{len(study.uncertainties)} uncertainties of scenario "
        f"<code>{escape(study.id)}</code>: S1 is the share of the outcome's variance a "
        "parameter explains alone, ST alone and in interactions (± half-widths of 95% "
        f"bootstrap intervals). {verdict}</p>"
        + _size_note(ctx, f"N = {n} base samples, {res.design['experiments']:,} experiments",
                     n)
        + html_table(["parameter", "S1", "ST"], rows)
        + _difference_html(res)
        + _noise_note([r for r in res.results if isinstance(r, SobolResult)])
        + f"<p class='howto'>{escape(_model_note(study))}</p>")
    # levels and differences (the regret of a pair mostly repeats the difference: a table)
    figs = tuple(Figure(f"explore-sobol-{r.outcome.replace('.', '-')}",
                        f"What drives {_measure_words(r.outcome, res)}",
                        "Bars: first-order (S1) and total-order (ST) Sobol' indices, largest "
                        "ST first; black lines: 95% bootstrap intervals. A parameter with ST "
                        "near 0 can be fixed anywhere in its range without changing the "
                        "outcome.", sobol_chart(r))
                 for r in res.results
                 if isinstance(r, SobolResult) and not r.outcome.endswith(".regret"))
    return SectionContent(html, figs, f"sensitivity: {main.outcome} driven by {ranking[0]} "
                          f"(ST {main.ST[ranking[0]]:.2f}); N = {n}")


def _noise_note(results: list[SobolResult]) -> str:
    """What the tables' sampling error looks like, counted, so no one reads it as an effect.

    Sobol' estimators are unbiased but not bounded: at a small N an index can fall below 0
    or above 1, which no share of variance can. They are printed as estimated (clipping
    would hide how noisy they are) and counted here.
    """
    every = [(r.outcome, k, which, v[k], conf[k]) for r in results
             for which, v, conf in (("S1", r.S1, r.S1_conf), ("ST", r.ST, r.ST_conf))
             for k in v]
    values = [x for x in every if math.isfinite(x[3]) and math.isfinite(x[4])]
    undefined = len(every) - len(values)
    outside = [x for x in values if not 0.0 <= x[3] <= 1.0]
    vague = [x for x in values if reaches_zero(x[3], x[4])]
    if not outside and not vague and not undefined:
        return ""
    worst = max(outside, key=lambda x: abs(x[3] - min(max(x[3], 0.0), 1.0)), default=None)
    example = ("" if worst is None else
               f" (the furthest: {worst[2]} of <code>{escape(worst[1])}</code> for "
               f"<code>{escape(worst[0])}</code>, {worst[3]:.3f})")
    return (f"<p><strong>Sampling error.</strong> Of the {len(values)} indices estimated "
            f"(every outcome and measure), {len(outside)} lie outside [0, 1]{example}, which "
            f"a share of variance cannot, and {len(vague)} have intervals reaching 0 or "
            "below. These are the estimator's noise at this sample size, printed as "
            "estimated rather than clipped: read an index as an effect only where its "
            "interval stays clear of 0."
            + (f" {undefined} could not be estimated (an outcome that did not vary)."
               if undefined else "") + "</p>")


def _measure_words(name: str, res: Any) -> str:
    base, _, measure = name.partition(".")
    if measure == "difference":
        return f"{base}: {res.policy} minus {res.compare_to}"
    return base


def _difference_html(res: Any) -> str:
    """The policy question: indices of the difference and the regret, beside the levels."""
    if res.compare_to is None:
        return ""
    parts = []
    for r in res.results:
        base, _, measure = r.outcome.partition(".")
        if measure not in ("difference", "regret") or not isinstance(r, SobolResult):
            continue
        top = r.ranking("ST")[:5]
        what = (f"{base} under {res.policy} minus under {res.compare_to}"
                if measure == "difference" else
                f"the regret in {base} of {res.policy} against {res.compare_to}")
        anchor = f"sensitivity-{base}-{measure}"
        parts.append(
            f"<h4 id='{escape(anchor)}'>What drives {escape(what)}</h4>"
            + html_table(["parameter", "S1", "ST"],
                     [[f"<code>{escape(k)}</code>", f"{r.S1[k]:.3f} ± {r.S1_conf[k]:.3f}",
                       f"{r.ST[k]:.3f} ± {r.ST_conf[k]:.3f}"] for k in top]))
    return ("<p>The policy question is the <em>difference</em> between policies, per "
            "experiment with the same parameters and random numbers, not either policy's "
            "level: a parameter can drive the level (it scales every attack) and not the "
            "difference, and the reverse. Top five by ST:</p>" + "".join(parts))


def discovery_section(ctx: ReportContext) -> SectionContent:
    """PRIM's box for "when does the deal backfire?", its trade-off, and a CART view."""
    study = _study(ctx)
    if study is None:
        return _empty()
    n = lhs_size(ctx, study)
    res = explore_discovery(ctx, study)
    box = res.prim.chosen
    units = {u.name: u.unit for u in study.uncertainties}
    rows = [[f"<code>{escape(k)}</code>", f"{lo:.3g}", f"{hi:.3g}", escape(units.get(k, "")),
             f"{box.quasi_p.get(k, float('nan')):.2g}"]
            for k, (lo, hi) in box.limits(res.prim.names).items()]
    scores = sorted(res.cart.scores.items(), key=lambda kv: -kv[1])
    leaf = res.cart.leaves()[0]
    rule = " and ".join(f"{escape(a)} {escape(op)} {v:.3g}" for a, op, v in leaf.rule) or "all"
    head = (
        f"<p><strong>{escape(res.question)}</strong> Case of interest: {escape(res.rule)}. "
        f"{res.cases.mean():.0%} of {res.cases.size:,} Latin-hypercube experiments.</p>"
        + _size_note(ctx, f"{n} experiments, the same as the policy comparison's", n))
    if not res.cases.any():
        # PRIM and CART have nothing to separate: their box is the whole space, with no
        # coverage to report, so the section says so and draws nothing
        return SectionContent(
            head + "<p><strong>No experiment meets the rule</strong>: by this margin the "
            "deal does not backfire anywhere in the ensemble, so there is no region to "
            "describe (PRIM's box would be the whole space).</p>"
            + f"<p class='howto'>{escape(_model_note(study))}</p>", (),
            f"discovery: no backfire in {res.cases.size:,} experiments by the scenario's "
            "margin")
    html = (
        head
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
    n = lhs_size(ctx, study)
    res = explore_comparison(ctx, study)
    parts = [f"<p>China's {len(res.levers)} policies over the same {n:,} experiments with the "
             "same random numbers. Regret: how much worse a policy does than the best policy "
             "of that experiment; minimax regret picks the smallest worst case. Satisficing: "
             "the share of experiments meeting a threshold. <strong>Ties are ties</strong>: "
             f"policies within {TIE_FRACTION:g} standard deviations of the outcome (shares: "
             f"within {TIE_SHARE:g}) of the best are all named.</p>",
             _size_note(ctx, f"{n} experiments", n)]
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
                     + "<p>Most robust: " + escape("; ".join(
                         f"{k.replace('_', ' ')}: " + _tied(v)
                         for k, v in c.most_robust.items()))
                     + f" (threshold: {escape(str(c.threshold_source))}).</p>")
        if not summary:
            summary = (f"policies: most robust for {c.outcome} by minimax regret: "
                       f"{_tied(c.most_robust['minimax_regret'])}")
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


def _tied(policies: tuple[str, ...]) -> str:
    if len(policies) == 1:
        return policies[0]
    return f"tie between {len(policies)} ({', '.join(policies)})"


def _num(v: Any, fmt: str = ".3g") -> str:
    return "—" if v is None or not np.isfinite(v) else format(v, fmt)
