"""The report section "The paper's propositions": tests (a)–(c) of docs/model-game.md A.5.

For P1–P7 (P5 in its mechanism and equilibrium-path versions, P6 also for
security-motivated engagement) the table shows the model's definition, the status at the
frozen defaults, the share of a Monte Carlo over the assumption ranges in which the
proposition holds (with a 95% interval and, where the paper names one, the share in its
region), and the falsification counterpart: whether the proposition fails there at the
defaults and in how many of the same draws it still holds. Beside each verdict: the region
it was tested in, its verdict on the selected PBE and on some / every PBE, the deciding
margin with the share of draws whose margin is small, and the nearest flip. A chart shows
the shares.
``ctx.reduced`` (``make run``) uses 2,000 draws; ``--full`` 20,000.
"""

from __future__ import annotations

from html import escape
from typing import Any

import altair as alt
import pandas as pd

from qpq.errors import BadInputError
from qpq.game.analysis import (
    SMALL_MARGIN,
    Kind,
    PropositionResult,
    PropositionStudy,
)
from qpq.model import ParameterRegistry
from qpq.palette import OKABE_ITO
from qpq.report._sections import Figure, ReportContext, SectionContent
from qpq.report._shared import SEED, v1_propositions

__all__ = ["SEED", "propositions_section", "shares_chart"]

"""Seed of the report's Monte Carlo (recorded in the section)."""

_KIND_COLOURS = {Kind.STRATEGIC.value: OKABE_ITO[4], Kind.MECHANISM.value: OKABE_ITO[0]}


def _fmt_metrics(metrics: dict[str, float]) -> str:
    return "; ".join(f"{k.replace('_', ' ')} {v:.3g}" for k, v in metrics.items())


def _yn(v: bool | None) -> str:
    return "–" if v is None else "yes" if v else "no"


def _how(r: PropositionResult) -> str:
    """Tested where, on which equilibria, by what margin, and where it flips."""
    parts = [f"tested at: {r.test_region}"
             + (f" (holds on {r.region_share:.0%} of it)" if r.region_share is not None
                else "")]
    if r.pbe is not None:
        pbe = (f"selected / some / every PBE: {_yn(r.pbe.selected)} / {_yn(r.pbe.some)} / "
               f"{_yn(r.pbe.every)} " + ("(does not depend on the equilibrium)"
                                         if r.pbe.independent else f"({r.pbe.n_pbe} PBE)"))
        if r.pbe.selection_margin is not None:
            pbe += (f"; China prefers the selected PBE to the best with the other verdict "
                    f"by {r.pbe.selection_margin:.3g}")
        parts.append(pbe)
    else:
        parts.append("judged on the selected PBE only")
    parts.append(f"margin {r.margin_text}; {r.small_margin_share:.0%} of the draws have a "
                 f"margin below {SMALL_MARGIN:g}")
    f = r.flip
    if f is not None:
        parts.append(f.words())
    return "; ".join(parts)


def _row(r: PropositionResult) -> str:
    p = r.proposition
    status = {"holds": "✔ holds", "fails": "✘ fails", "partly": "◐ partly",
              "undefined": "– undefined"}[r.status]
    adj = (" (at the defaults with " + ", ".join(f"{k} = {v:g}" for k, v in
                                                  p.at_defaults.items()) + ")"
           if p.at_defaults else "")
    cond = ""
    if p.condition is not None and r.share_in_condition is not None:
        cond = (f"<br><small>{r.share_in_condition:.1%} in the region of "
                f"{escape(p.condition.description)} (n = {r.n_in_condition})</small>")
    fals = ("fails, as it must" if r.falsified_at_defaults is False else
            "still holds" if r.falsified_at_defaults else "undefined")
    verdict = "✔" if r.falsification_ok else "✘ (see the model description)"
    return (
        f"<tr><td><strong>{escape(p.id)}</strong></td><td>{escape(p.statement)}</td>"
        f"<td>{escape(p.kind.value)}</td><td>{escape(p.definition)}</td>"
        f"<td>{status}{escape(adj)}<br><small>{escape(_how(r))}</small><br><small>"
        f"{escape(_fmt_metrics(r.defaults_metrics))}</small></td>"
        f"<td>{r.share:.1%} [{r.interval[0]:.1%}, {r.interval[1]:.1%}]<br><small>n = "
        f"{r.n_defined} of {r.n_draws}</small>{cond}</td>"
        f"<td>{escape(p.falsification)}<br>at the defaults: {fals}; share still holding: "
        f"{r.falsified_share:.1%} (n = {r.n_falsified}) {verdict}</td></tr>")


def shares_chart(study: PropositionStudy) -> Any:
    """Bars: share of the draws in which each proposition holds, with 95% intervals."""
    rows = [{"id": r.proposition.id, "share": r.share, "lo": r.interval[0],
             "hi": r.interval[1], "kind": r.proposition.kind.value,
             "at defaults": r.status, "falsified share": r.falsified_share}
            for r in study.results]
    frame = pd.DataFrame(rows)
    order = [r.proposition.id for r in study.results]
    bars = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("id:N", sort=order, title=None),
        x=alt.X("share:Q", title="share of the draws in which it holds",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("kind:N", title=None, legend=alt.Legend(labelLimit=340),
                        scale=alt.Scale(domain=list(_KIND_COLOURS),
                                        range=list(_KIND_COLOURS.values()))),
        tooltip=["id:N", alt.Tooltip("share:Q", format=".1%"), "at defaults:N",
                 alt.Tooltip("falsified share:Q", format=".1%")])
    rules = alt.Chart(frame).mark_rule(color="#000000").encode(
        y=alt.Y("id:N", sort=order), x="lo:Q", x2="hi:Q")
    return (bars + rules).properties(width=380, height=22 * len(rows))


def propositions_section(ctx: ReportContext) -> SectionContent:
    """Run the proposition study (2,000 draws when ``ctx.reduced``) and tabulate it."""
    try:
        ParameterRegistry.from_case(ctx.case)  # the case defines the game, or say why not
    except BadInputError as exc:
        return SectionContent(f"<p class='empty'>This case's parameters do not define the "
                              f"game: {escape(str(exc))}</p>")
    study = v1_propositions(ctx)
    strategic = ", ".join(r.proposition.id for r in study.results
                          if r.proposition.kind is Kind.STRATEGIC)
    mechanisms = ", ".join(r.proposition.id for r in study.results
                           if r.proposition.kind is Kind.MECHANISM)
    failing = [r.proposition.id for r in study.results if r.status == "fails"]
    table = ("<table class='data'><thead><tr><th>id</th><th>the paper says</th><th>kind</th>"
             "<th>in the model</th><th>(a) at the defaults</th><th>(b) share of the ranges"
             "</th><th>(c) falsification counterpart</th></tr></thead><tbody>"
             + "".join(_row(r) for r in study.results) + "</tbody></table>")
    html = (
        "<p>Each proposition of the paper is tested three ways: "
        "(a) at the case file's defaults, used as they are; (b) over a Monte Carlo of "
        f"{study.n_draws:,} draws over the plausible ranges of the assumptions (seed "
        f"{SEED}; {escape(study.sampling_method)}); (c) under its falsification counterpart, "
        "where the logic says it must fail, at the defaults and over the same draws. "
        f"<strong>Strategic results</strong> (they follow from equilibrium play): "
        f"{escape(strategic)}. <strong>Built into mechanisms</strong> (the payoffs assume "
        f"them; the tests measure their size and region): {escape(mechanisms)}.</p>"
        + (f"<p><strong>Not reproduced at the defaults:</strong> {escape(', '.join(failing))}."
           " The defaults were not tuned to the paper; see the model description for why."
           "</p>" if failing else "")
        + table
        + "<p class='howto'>\"Security\" (P1, P5) is this round's expected harm plus the "
        "expected future harm in China's continuation value W. Equilibria are China's "
        "preferred pure PBE from the vectorised solver (draws without a pure PBE count as "
        "undefined). P8 (crackdown intensity and ISKP's pull matter most) is a sensitivity "
        "question for the exploration lens.</p>"
        f"<p class='howto'>Reproduce: <code>qpq game propositions --n {study.n_draws} "
        f"--seed {SEED}</code>. Computed in {study.seconds:.1f} s.</p>")
    fig = Figure(
        "propositions-shares", "Share of the assumption ranges in which each proposition "
        "holds",
        "One bar per proposition: the share of the Monte Carlo draws (where it can be "
        "assessed) in which it holds, with its 95% interval as a black line; blue bars are "
        "strategic results, orange bars mechanisms the payoffs build in. Hover for the "
        "status at the defaults and the share that still holds under the falsification "
        "counterpart (which should be about 0).", shares_chart(study))
    summary = ("propositions: " + ", ".join(f"{r.proposition.id} {r.status} "
                                            f"({r.share:.0%})" for r in study.results))
    return SectionContent(html, (fig,), summary)
