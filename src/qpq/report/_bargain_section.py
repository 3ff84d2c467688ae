"""The report section of the bargaining lens: forecasts, quadrants, the exchange, Monte Carlo."""

from __future__ import annotations

from html import escape
from typing import Any

from qpq.bargain import bargain_charts, case_issue
from qpq.case import Case
from qpq.report._sections import Figure, ReportContext, SectionContent
from qpq.report._shared import bargaining
from qpq.stats import INTERVAL_90, percent, quantile_name

__all__ = ["bargain_section"]

# `make run` uses a small Monte Carlo; `qpq report --full` the lens's default.
REDUCED_DRAWS = 50
FULL_DRAWS = 200


def stability_words(eum: dict[str, Any]) -> str:
    """The default run's stability, said as what it is: one run's path over its rounds."""
    f = eum["forecast"]
    # the Stability values as a reader says them ("the forecast is cycling")
    said = {"cycle": "cycling"}.get(f["stability"], f["stability"])
    return (f"{said} in the default run (its median {f['median_range'][0]:.0f}–"
            f"{f['median_range'][1]:.0f} over the rounds)")


def monte_carlo_words(mc: dict[str, Any] | None, issue: str) -> str:
    """The Monte Carlo's spread of the forecast on ``issue``, in words.

    Its 90% range and how often the draws converge ("" without a Monte Carlo).
    """
    if not mc or issue not in mc["eum_median"]:
        return ""
    q = mc["eum_median"][issue]
    low, high = (q[quantile_name(level)] for level in INTERVAL_90)
    converge = mc["eum_converged_share"][issue]
    return (f"over the Monte Carlo's {mc['n_draws']:,} draws of the assumption ranges the "
            f"forecast lies within {low:.0f}–{high:.0f} (90%), and {percent(converge)} of "
            "the draws converge within the rounds")


def _forecast_rows(data: dict[str, Any], case: Case) -> str:
    rows = []
    for issue, eum in data["eum"].items():
        f = eum["forecast"]
        s = eum["scholz_compat"]["forecast"]
        rows.append(
            f"<tr><td>{escape(eum['name'])}</td><td>{f['median']:.1f}</td>"
            f"<td>{escape(case_issue(case, issue).reading(f['median']))}</td><td>{f['mean']:.1f}"
            f"</td><td>{escape(stability_words(eum))}</td>"
            f"<td>{s['median']:.1f} ({escape(s['stability'])})"
            f"</td><td>{escape(', '.join(eum['movers']))}</td></tr>")
    return ("<table class='data'><thead><tr><th>issue</th><th>forecast (median)</th>"
            "<th>what the median means on the scale</th><th>weighted mean</th><th>stability</th>"
            "<th>scholz-compat median</th>"
            "<th>who moves</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _exchange_words(ex: dict[str, Any], case: Case) -> str:
    """What the exchange model ends on, what the pair traded, and how it sits beside the EUM.

    The two models answer different questions on the same scales: the expected utility
    model forecasts each issue on its own, the exchange model lets actors trade one issue
    for another; the key findings read the expected utility model's forecast.
    """
    pair = ex["pair_exchanges"]

    def actor(a: str) -> str:
        item = case.by_id.get(a)
        return escape(str(getattr(item, "name", a)))

    def issue(k: str) -> str:
        return escape(case_issue(case, k).name)
    ends = "; ".join(
        f"{issue(k)} from {ex['initial_outcome'][k]:.1f} to "
        f"{escape(case_issue(case, k).reading(v))}" for k, v in ex["final_outcome"].items())
    trades = "; ".join(
        f"round {e['round']}: {actor(e['i'])} gives way on {issue(e['i_supplies'])} "
        f"({e['i_moves_on_q'][0]:.0f} → {e['i_moves_on_q'][1]:.0f}) for "
        f"{actor(e['j'])}'s move on {issue(e['i_demands'])} "
        f"({e['j_moves_on_p'][0]:.0f} → {e['j_moves_on_p'][1]:.0f})" for e in pair)
    n = len(pair)
    total = sum(len(r["exchanges"]) for r in ex["rounds"])
    # the pair's positions also move through the other pairs' exchanges, so a later trade
    # can start from where an earlier one did not leave them: say so, with the count
    others = (f" The other {total - n} of the {total} exchanges, between other pairs, move "
              "positions in between, so a trade can start from a position other than the "
              "one the pair's previous trade left." if total > n and n > 1 else "")
    # the end points first, then where they start from, each a sentence of its own
    return (f"<p><strong>The exchange model</strong> ends on: {ends}. These are expected "
            f"outcomes before and after {len(ex['rounds'])} rounds of exchanges. The model "
            "starts from the actors' positions weighted by capability and salience (the Nash "
            "bargaining solution), not from the expected utility model's forecast. "
            f"{n} exchange{'' if n == 1 else 's'} between "
            f"{' and '.join(actor(a) for a in ex['pair'])}"
            + (f": {trades}" if trades else "") + "." + others + " The key findings read "
            "the expected "
            "utility model's forecast, each issue on its own; the exchange model answers "
            "what the actors settle on when they may trade one issue for the other.</p>")


def bargain_section(ctx: ReportContext) -> SectionContent:
    """Run the bargaining lens on the case and show it."""
    if not ctx.case.bargaining_issues:
        return SectionContent("<p class='empty'>This case has no bargaining issues.</p>")
    draws = REDUCED_DRAWS if ctx.reduced else FULL_DRAWS
    data = bargaining(ctx)  # shared with the key findings
    figures = tuple(Figure(f"bargain-{key}", spec["title"], spec["how_to_read"], spec["chart"])
                    for key, spec in bargain_charts(data).items())
    parts = [
        "<p>The expected utility model (Bueno de Mesquita, in Scholz et al.'s reading; the "
        "corrected default, with the scholz-compat variant alongside) forecasts each issue; "
        "the equal-gain exchange model (Stokman & Van Oosten) lets actors trade across the two "
        "issues, which is how recognition-for-crackdown appears here.</p>",
        _forecast_rows(data, ctx.case),
    ]
    # each forecast beside where the record had already put the issue (bargaining.yaml's
    # `observed`): a settlement forecast below a point reached years before is a finding
    said = [case_issue(ctx.case, k).against_record(eum["forecast"]["median"], ctx.as_of)
            for k, eum in data["eum"].items()]
    if any(said):
        parts.append("<p>" + " ".join(escape(t) for t in said if t) + " The inputs are "
                     "the stakeholders' preferred positions, mostly as the paper reads them, "
                     "not the record's points, so the two can differ.</p>")
    ex = data.get("exchange")
    if ex:
        parts.append(_exchange_words(ex, ctx.case))
    mc = data.get("monte_carlo")
    if mc:
        spread_of = {eum["name"]: monte_carlo_words(mc, issue)
                     for issue, eum in data["eum"].items()}
        spread = "; ".join(f"{name}: {words}" for name, words in spread_of.items() if words)
        parts.append(f"<p>Monte Carlo over the assumption ranges: {draws} draws (seed "
                     f"{mc['seed']}){' — reduced for make run' if ctx.reduced else ''}"
                     + (f". {escape(spread)}" if spread else "") + ".</p>")
    n_assumed = sum(1 for row in data["inputs"] if row.get("assumption"))
    parts.append(f"<p class='howto'>{n_assumed} of {len(data['inputs'])} inputs are "
                 "assumptions (uncalibrated); each is listed with its range in the case's "
                 "bargaining.yaml.</p>")
    issue, first = next(iter(data["eum"].items()))
    summary = (f"bargaining: {first['name']} forecast "
               f"{case_issue(ctx.case, issue).reading(first['forecast']['median'])} "
               f"({first['forecast']['stability']})")
    return SectionContent("".join(parts), figures, summary)
