"""Report section "Track record": the backtest's skill table and diagrams, the calibration.

The backtest (:func:`qpq.sim.backtest`) forecasts from every half-year origin 2016-2024 with
only what was known then and scores the forecasts against the record beside climatology and
persistence (docs/model-dynamics.md §11). The calibration on the record as of the last
origin (:func:`qpq.sim.calibrate_record`, §7.11) follows: per parameter its label, prior and
posterior, and the posterior predictive checks. With ``ctx.reduced`` the per-origin
calibration and forecast ensembles and the record calibration are small, and the section
says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import numpy as np

from qpq.errors import BadInputError
from qpq.palette import OKABE_ITO
from qpq.report._sections import Figure, ReportContext, SectionContent, html_table
from qpq.sim import (
    AbcSettings,
    BacktestResult,
    BacktestSpec,
    RecordCalibration,
    backtest,
    packaged_skill,
)

__all__ = [
    "ONE_GAME_POINT",
    "RELIABILITY_BINS",
    "facts_backtest",
    "one_game_point_misses",
    "pooled_skill_row",
    "posterior_frame",
    "record_calibration",
    "reliability_frame",
    "track_record_section",
]

CALIBRATION_AS_OF = dt.date(2024, 6, 30)
"""The record calibration the section shows (the last default origin)."""

CALIBRATION = AbcSettings(population=500, max_simulations=50_000, ppc_draws=100)
"""Its settings in a full report (docs/model-dynamics.md §7.11's run: the defaults, 30 game
points on a belief grid of 12)."""

CALIBRATION_REDUCED = AbcSettings(population=100, max_simulations=4000, game_points=1,
                                  grid_size=4, ppc_draws=40)
"""Its settings in a reduced report (``make run``): fewer histories, 2.5% accepted, one
coarse game point; the labels are noisier and the section says so."""

POSTERIOR_BINS = 10
"""Bins of the posterior histograms over each parameter's prior range."""

RELIABILITY_BINS = 5
"""Equal-width bins of forecast probability in the reliability diagram."""

REDUCED = {"draws": 150, "replicates": 4, "n": 2000}
"""Per-origin sizes in a reduced report (``make run``)."""


def _fmt(x: Any, signed: bool = False) -> str:
    if x is None:
        return "—"
    return f"{x:+.2f}" if signed else f"{x:.3g}"


def reliability_frame(result: BacktestResult) -> list[dict[str, Any]]:
    """Per forecaster and probability bin: mean forecast, observed frequency, forecasts.

    Pools every binary event's forecasts that have an outcome.
    """
    out = []
    edges = np.linspace(0.0, 1.0, RELIABILITY_BINS + 1)
    for src in ("model", "climatology", "persistence"):
        pairs = [(r["forecasts"][src]["probability"], r["outcome"]) for r in result.rows
                 if r["kind"] == "binary" and r["outcome"] is not None
                 and r["forecasts"][src] is not None]
        if not pairs:
            continue
        p = np.array([a for a, _ in pairs])
        y = np.array([b for _, b in pairs], dtype=float)
        idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, RELIABILITY_BINS - 1)
        for b in range(RELIABILITY_BINS):
            mask = idx == b
            if mask.any():
                out.append({"forecaster": src, "forecast": float(p[mask].mean()),
                            "observed": float(y[mask].mean()), "forecasts": int(mask.sum())})
    return out


def _reliability_chart(frame: list[dict[str, Any]]) -> Any:
    import altair as alt
    import pandas as pd

    data = pd.DataFrame(frame)
    diagonal = alt.Chart(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]})).mark_line(
        strokeDash=[4, 4], color="grey").encode(x="x:Q", y="y:Q")
    points = alt.Chart(data).mark_circle(opacity=0.8).encode(
        x=alt.X("forecast:Q", title="forecast probability (bin mean)",
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("observed:Q", title="observed frequency", scale=alt.Scale(domain=[0, 1])),
        size=alt.Size("forecasts:Q", title="forecasts"),
        color=alt.Color("forecaster:N", scale=alt.Scale(range=OKABE_ITO[:3])),
        tooltip=["forecaster", "forecast", "observed", "forecasts"])
    return (diagonal + points).properties(width=360, height=300)


def _counts_chart(result: BacktestResult, event: str) -> Any:
    import altair as alt
    import pandas as pd

    rows = []
    for r in result.rows:
        if r["event"] != event or r["outcome"] is None:
            continue
        for src in ("model", "climatology"):
            f = r["forecasts"][src]
            rows.append({"origin": r["origin"], "forecaster": src, "median": f["median"],
                         "low": f["interval_90"][0], "high": f["interval_90"][1],
                         "outcome": r["outcome"]})
    data = pd.DataFrame(rows)
    colour = alt.Color("forecaster:N", scale=alt.Scale(range=OKABE_ITO[:2]))
    base = alt.Chart(data).encode(x=alt.X("origin:O", title="forecast origin"),
                                  xOffset="forecaster:N")
    bars = base.mark_rule(strokeWidth=3).encode(
        y=alt.Y("low:Q", title="attacks in the next window"), y2="high:Q", color=colour)
    mid = base.mark_tick(thickness=2).encode(y="median:Q", color=colour)
    seen = alt.Chart(data).mark_point(shape="diamond", filled=True, color="black").encode(
        x="origin:O", y="outcome:Q", tooltip=["origin", "outcome"])
    return (bars + mid + seen).properties(width=520, height=260)


def _pit_chart(pooled: dict[str, Any]) -> Any:
    import altair as alt
    import pandas as pd

    doc = pooled["all_count"]
    rows = []
    width = 1.0
    for src in ("model", "climatology", "persistence"):
        hist = doc[f"pit_histogram_{src}"]
        if hist is None:
            continue
        width = 1.0 / len(hist)   # a calibrated forecaster's share per bin
        rows += [{"forecaster": src, "bin": f"{i * width:.1f}–{(i + 1) * width:.1f}",
                  "share": h} for i, h in enumerate(hist)]
    data = pd.DataFrame(rows)
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("bin:O", title="PIT"), y=alt.Y("share:Q", title="share of forecasts"),
        xOffset="forecaster:N",
        color=alt.Color("forecaster:N", scale=alt.Scale(range=OKABE_ITO[:3])),
        tooltip=["forecaster", "bin", "share"])
    flat = alt.Chart(pd.DataFrame({"y": [width]})).mark_rule(
        strokeDash=[4, 4], color="grey").encode(y="y:Q")
    return (bars + flat).properties(width=420, height=240)


def posterior_frame(cal: RecordCalibration) -> list[dict[str, Any]]:
    """Per shown parameter and bin of its prior range: prior and posterior density.

    Shown: the targeted parameters and any other that is not assumption-driven. Positions
    are on the prior's range scaled to 0-1 (the range is the 90% interval widened by 5% of
    the range each side: priors are uniform), so one axis serves every parameter; the
    uniform prior's density is 1 there.
    """
    edges = np.linspace(0.0, 1.0, POSTERIOR_BINS + 1)
    out = []
    for p in cal.parameters:
        if p.role == "game" or (p.role != "targeted" and p.label == "assumption-driven"):
            continue
        lo90, hi90 = p.prior_90
        width = (hi90 - lo90) / 0.9
        if width <= 0:
            continue
        pos = (cal.points[p.name] - (lo90 - 0.05 * width)) / width
        hist, _ = np.histogram(np.clip(pos, 0.0, 1.0), bins=edges, weights=cal.weights)
        facet = f"{p.name}: {p.label} ({p.relative_ratio:.2f})"
        for i, h in enumerate(hist):
            mid = float(0.5 * (edges[i] + edges[i + 1]))
            out.append({"parameter": facet, "position": mid, "density": float(
                h * POSTERIOR_BINS), "distribution": "posterior"})
            out.append({"parameter": facet, "position": mid, "density": 1.0,
                        "distribution": "prior"})
    return out


def _posterior_chart(frame: list[dict[str, Any]]) -> Any:
    import altair as alt
    import pandas as pd

    data = pd.DataFrame(frame)
    colour = alt.Color("distribution:N", scale=alt.Scale(domain=["prior", "posterior"],
                                                         range=OKABE_ITO[:2]))
    base = alt.Chart(data).encode(
        # short titles, names and labels on lines of their own: they set the cells' width
        # (the figure ran 1,067 px wide in the 1,000-px page; the caption says 0 and 1)
        x=alt.X("position:Q", title="position in prior range",
                scale=alt.Scale(domain=[0, 1])))
    post = base.transform_filter(alt.datum.distribution == "posterior").mark_bar(
        opacity=0.7, width=12).encode(y=alt.Y("density:Q", title="density"), color=colour,
                                      tooltip=["parameter", "position", "density"])
    prior = base.transform_filter(alt.datum.distribution == "prior").mark_line(
        strokeDash=[4, 4]).encode(y="density:Q", color=colour)
    return alt.layer(post, prior, data=data).properties(width=150, height=110).facet(
        facet=alt.Facet("parameter:N", title=None,
                        header=alt.Header(labelExpr="split(datum.value, ': ')")), columns=4)


def record_calibration(ctx: ReportContext) -> RecordCalibration:
    """The section's calibration on the record, once per report (the findings read it too)."""
    from qpq.sim import calibrate_record

    def run() -> RecordCalibration:
        settings = CALIBRATION_REDUCED if ctx.reduced else CALIBRATION
        # no later than the case's record (another case's may end earlier) or the report's
        # cut
        as_of = ctx.known_by(min(CALIBRATION_AS_OF, ctx.case.run.forecast_as_of))
        return calibrate_record(ctx.case, as_of, rng=np.random.default_rng(0),
                                settings=settings)
    res: RecordCalibration = ctx.memo("sim.record_calibration", run)
    return res


def facts_backtest(ctx: ReportContext) -> BacktestResult:
    """The section's backtest on the stylised facts, once per report (the findings read it).

    The record's backtest, the default, is packaged (:func:`qpq.sim.packaged_skill`): its
    seventeen record calibrations take minutes.
    """
    def run() -> BacktestResult:
        spec = BacktestSpec(calibration="facts")
        if ctx.reduced:
            spec = BacktestSpec(draws=REDUCED["draws"], replicates=REDUCED["replicates"],
                                n=REDUCED["n"], calibration="facts")
        if ctx.as_of is not None:
            # a report as of a date scores only the origins whose window it knows the end of
            known = ctx.known_by(ctx.case.run.forecast_as_of)
            origins = tuple(o for o in spec.origins if spec.window_end(o) <= known)
            if not origins:
                raise BadInputError(
                    f"no backtest origin's {spec.horizon_months}-month window ends by the "
                    f"report's as-of date {ctx.as_of} (the first ends "
                    f"{spec.window_end(spec.origins[0])})")
            spec = dataclasses.replace(spec, origins=origins)
        return backtest(ctx.case, spec)
    res: BacktestResult = ctx.memo("sim.facts_backtest", run)
    return res


def _attacks_used(ctx: ReportContext, cal: Any) -> str:
    """Which of the record's attacks the attack checks count, and why the others are not.

    The record section counts every attack on Chinese targets; the calibration compares only
    those its attackers can have made where the model places them (``cal.excluded``, whose
    reasons are grouped here as they are written).
    """
    from collections import Counter

    from qpq.case import case_as_of

    attacks = case_as_of(ctx.case, cal.as_of).attacks
    known = [a.id for a in attacks]
    if not known:
        return ""
    why = dict(cal.excluded)
    left = [a for a in attacks if a.id in why]
    # one entry per reason, with where its attacks were (the attacks' own countries)
    where: dict[str, Counter[str]] = {}
    for a in left:
        place = ctx.case.by_id.get(a.country)
        where.setdefault(why[a.id], Counter())[str(getattr(place, "name", a.country))] += 1
    said = [", ".join(f"{n} in {p}" for p, n in c.most_common()) + f" ({reason})"
            for reason, c in where.items()]
    return (f"<p>Of the record's {len(known)} attacks on Chinese targets known by "
            f"{cal.as_of.isoformat()}, the attack checks count {len(known) - len(left)}"
            + (f"; not used: {escape('; '.join(said))}" if said else "") + ". The model's "
            "attacks inside China (Xinjiang), a term of China's security measure, have no "
            "check: the calibration compares attacks on nationals in Afghanistan and in "
            "Central Asia only.</p>")


def _calibration_part(ctx: ReportContext) -> tuple[str, Figure]:
    from qpq.sim import observed_text, predictive_text

    cal = record_calibration(ctx)
    settings, as_of = cal.settings, cal.as_of
    shown = [p for p in cal.parameters if p.role == "targeted" or p.label != "assumption-driven"]
    rows = [[escape(p.name), p.role, f"{p.prior_90[0]:.3g}–{p.prior_90[1]:.3g}",
             f"{p.posterior_90[0]:.3g}–{p.posterior_90[1]:.3g}", p.median_text,
             f"{p.relative_ratio:.2f}", escape(p.label), escape(", ".join(p.by))]
            for p in shown]
    checks = [[c["family"], escape(str(c["observation"])), escape(observed_text(c["observed"])),
               predictive_text(c),
               ("yes (by construction)" if c["by_construction"] else "yes") if c["inside_90"]
               else "<strong>no</strong>"] for c in cal.checks]
    counts = {lab: len(cal.labelled(lab)) for lab in ("calibrated", "weakly constrained")}
    html = (
        f"<h3>Calibration on the record as of {as_of.isoformat()}</h3>"
        f"<p>Rejection ABC (docs/model-dynamics.md §7.11): {cal.simulations:,} histories "
        f"drawn from the prior, the {cal.weights.size} nearest the record by its deviance "
        f"accepted" + (f" ({escape(cal.adjustment)})" if cal.adjustment else "")
        + f" (effective sample size {cal.ess:.0f}); {settings.game_points} game "
        f"point(s), belief grid {settings.grid_size}, seed 0"
        + ("; <strong>reduced run</strong>, labels noisier" if ctx.reduced else "")
        + f". Labels by the stated criterion (posterior / prior 90% width below 0.5 "
        "calibrated, below 0.8 weakly constrained, else assumption-driven; <em>by</em>: the "
        f"families whose omission weakens it): {counts['calibrated']} calibrated, "
        f"{counts['weakly constrained']} weakly constrained of {len(cal.parameters)} "
        "parameters. The table shows the targeted parameters and any other that is not "
        "assumption-driven.</p>"
        + html_table(["parameter", "role", "prior 90%", "posterior 90%",
                      "median (prior quantile)", "width ratio", "label", "by"], rows)
        + _derived_part(cal)
        + "<p>Posterior predictive checks: fresh histories at posterior particles; each "
        "count and estimate against its predictive 90% interval (attacks pooled over the "
        "record per region and perpetrator); each Taliban action, milestone and fact (0 or "
        "1) against its predictive probability of a 1, inside when the observed outcome has "
        "at least 5% probability. An estimate that is the only figure of a body with an "
        "offset of its own is inside by construction: the offset is drawn to meet it.</p>"
        + _attacks_used(ctx, cal)
        + _misses_note(cal.checks, settings.game_points)
        + html_table(["family", "observation", "observed", "predictive", "inside"],
                     checks)
        + ("" if cal.facts_together is None else
           f"<p>The stylised facts all at once: {cal.facts_together.matching} of "
           f"{cal.facts_together.histories} predictive histories match every one of the "
           f"{len(cal.facts_together.facts)} facts known by {as_of.isoformat()} (those "
           "checked above; the backcast's count is of the facts known by its own, later "
           "date).</p>"))
    fig = Figure("track-record-posteriors", "Prior and posterior of each targeted parameter",
                 "Per parameter (title: label and width ratio), the posterior's histogram over "
                 "the prior range scaled to 0-1 (0 its low end, 1 its high end) against the "
                 "uniform prior (dashed, density 1): "
                 "a calibrated parameter's bars pile up in part of the range. From the "
                 f"calibration on the record as of {as_of.isoformat()} (model "
                 f"{settings.model}) in the table above, not the forecasts' calibration.",
                 _posterior_chart(posterior_frame(cal)))
    return html, fig


ONE_GAME_POINT = ("with one game point, one draw from the prior rather than the defaults, "
                  "every history plays the same equilibrium of the game, so China's "
                  "engagement and the Taliban's actions vary between histories only by "
                  "chance, not with the calibrated parameters: misses among them say more "
                  "about the run's size than about the model")
"""Why a one-game-point calibration's misses of actions and milestones say little (the
section's note and the key findings' trust summary)."""


def one_game_point_misses(game_points: int, missed: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a calibration's single game point explains some of its missed checks.

    With one solved game point every history plays the same equilibrium, so what China and
    the Taliban choose (milestones, actions) cannot follow the parameters; misses of counts
    or estimates it does not explain.
    """
    return game_points == 1 and any(c["family"] in ("actions", "milestones") for c in missed)


def _misses_note(checks: Sequence[Mapping[str, Any]], game_points: int) -> str:
    """The checks the calibrated model fails, named before the table that lists them."""
    if not checks:
        return "<p>No predictive checks.</p>"
    missed = [c for c in checks if not c["inside_90"]]
    if not missed:
        return "<p>Every observation is inside its predictive range.</p>"
    one_game = ""
    if one_game_point_misses(game_points, missed):
        one_game = (f" In this reduced run, {ONE_GAME_POINT}; the full report solves "
                    f"{CALIBRATION.game_points}.")
    by_family = Counter(c["family"] for c in missed)
    total = Counter(c["family"] for c in checks)
    names = {f: ", ".join(str(c["observation"]) for c in missed if c["family"] == f)
             for f in by_family}
    return ("<p><strong>What the calibrated model does not reproduce</strong>: "
            + "; ".join(f"{n} of {total[f]} {escape(f)} ({escape(names[f])})"
                        for f, n in by_family.items())
            + ". Each is an observation the record holds and the calibrated histories make "
            "improbable (below 5%) or put outside their 90% interval." + one_game + "</p>")


def _derived_part(cal: RecordCalibration) -> str:
    """The derived quantities' labels, beside the parameters'.

    ISKP's fighters, the ETIM/TIP stocks and the expected attacks at the as-of date.
    """
    if not cal.derived:
        return ""
    doc = {r["name"]: r for r in cal.summary()["derived"]}
    rows = [[escape(p.name), escape(doc[p.name]["unit"]),
             f"{p.prior_90[0]:.3g}–{p.prior_90[1]:.3g}",
             f"{p.posterior_90[0]:.3g}–{p.posterior_90[1]:.3g}", p.median_text,
             f"{p.relative_ratio:.2f}", escape(p.label), escape(", ".join(p.by))]
            for p in cal.derived]
    return ("<p>Derived quantities at the as-of date: what the record observes and the "
            "forecasts carry forward (ISKP's fighters are its strength index times the "
            "fighter scale, an assumption of the observation model), labelled by the same "
            "criterion from the accepted histories' values (docs/model-dynamics.md §7.11). "
            "A strength labelled here but not among the parameters is identified only as a "
            "product of parameters that trade off against each other. The median's prior "
            "quantile says how far the record moved a quantity, which the labels (read from "
            "widths) do not.</p>"
            + html_table(["quantity", "unit", "prior 90%", "posterior 90%",
                          "median (prior quantile)", "width ratio", "label", "by"], rows))


def _skill_table(skill_rows: list[dict[str, Any]]) -> str:
    """A backtest's skill rows (:meth:`qpq.sim.BacktestResult.skill_table`) as HTML."""
    rows = []
    for r in skill_rows:
        sc = r["scores"]
        rows.append([escape(r["event"]), r["score"], str(r["origins"]),
                     _fmt(sc["model"]), _fmt(sc["climatology"]), _fmt(sc["persistence"]),
                     _fmt(r["skill_vs_climatology"], True),
                     _fmt(r["skill_vs_persistence"], True)])
    return html_table(["event", "score", "origins", "model", "climatology", "persistence",
                       "skill vs climatology", "skill vs persistence"], rows) + _dashes(
                           skill_rows)


def _dashes(skill_rows: list[dict[str, Any]]) -> str:
    """Why a cell of the skill table is empty, for each kind of empty cell it has."""
    no_outcome = [r["event"] for r in skill_rows if not r["origins"]]
    no_model = [r["event"] for r in skill_rows
                if r["origins"] and r["scores"]["model"] is None]
    perfect = sorted({f"{r['event']} against {base}" for r in skill_rows
                      for base in ("climatology", "persistence")
                      if r["scores"]["model"] is not None and r["scores"][base] == 0
                      and r[f"skill_vs_{base}"] is None})
    notes = []
    if no_outcome:
        notes.append(f"{', '.join(no_outcome)}: no origin's window has an outcome in the "
                     "record to score")
    if no_model:
        why = (" (ISKP's fighters need the fighter scale that only the calibration on the "
               "record draws)" if "iskp_strength_band" in no_model else "")
        notes.append(f"{', '.join(no_model)}: no model score, because this calibration "
                     f"gives the model no reading of it{why}")
    if perfect:
        notes.append(f"{', '.join(perfect)}: no skill, because that baseline scores 0 (it "
                     "forecast the outcome with certainty and was right every time), so "
                     "1 − score / baseline is undefined")
    if not notes:
        return ""
    return "<p class='howto'>A dash: " + "; ".join(escape(n) for n in notes) + ".</p>"


def _record_backtest_part(doc: dict[str, Any] | None) -> str:
    """The packaged backtest from the record calibration (too slow to run in a report)."""
    if doc is None:
        return ""
    proto = doc["protocol"]
    return (
        "<h3>The same backtest, calibrated on the whole record</h3>"
        f"<p>Calibrated at each origin on everything the record knew then (attack counts, "
        f"the UN's estimates, Taliban actions, milestones and the stylised facts; the "
        f"default calibration of <code>qpq sim backtest</code> and <code>qpq sim "
        f"forecast</code>), model {escape(str(proto['model']))}, "
        f"{len(proto['origins'])} origins: the packaged run of {escape(doc['generated'])} "
        f"(<code>{escape(doc['regenerate'])}</code>; it takes minutes, so the report shows it "
        "rather than running it). The calibration above on the stylised facts alone leaves the "
        "attack rates at their prior; the record's attack counts constrain them.</p>"
        + _skill_table(doc["skill"]))


def track_record_section(ctx: ReportContext) -> SectionContent:
    """The backtest's pooled skill table, reliability diagram and count forecasts."""
    # the stylised facts' backtest, run here (the record's, the default, is packaged and shown
    # below: its seventeen record calibrations take minutes)
    result = facts_backtest(ctx)
    spec = result.spec
    pooled = result.pooled()
    table = _skill_table(result.skill_table())
    size = (f"{spec.draws} parameter draws × {spec.replicates} scenarios per origin, "
            f"{spec.n:,} forecast scenarios")
    note = (f"<p><strong>Reduced run</strong> (make run): {size}; numbers are noisy.</p>"
            if ctx.reduced else f"<p>{size}.</p>")
    html = (
        f"<p>From each of {len(spec.origins)} half-year origins "
        f"({spec.origins[0].isoformat()} to {spec.origins[-1].isoformat()}) the model is "
        "calibrated on the stylised facts known at the origin (<code>--calibration "
        "facts</code>) and forecasts the next "
        f"{spec.horizon_months} months; each event is scored against the record with proper "
        "scores (smaller is better) beside climatology (the trailing five years) and "
        "persistence (the last window). Skill = 1 − score / baseline score: below 0 the "
        "model does worse than the baseline. Results are reported as they come "
        "(docs/model-dynamics.md §11).</p>" + note
        + table)
    # the figures draw the backtest run here, not the packaged one whose table follows
    which = (" From the backtest calibrated on the stylised facts (the first table), not "
             "the packaged one on the whole record.")
    figs = [Figure("track-record-reliability", "Reliability of the binary forecasts",
                   "Each point pools the forecasts in one probability bin: its mean forecast "
                   "against how often the event happened; calibrated forecasts lie on the "
                   "diagonal, point size is the number of forecasts." + which,
                   _reliability_chart(reliability_frame(result))),
            Figure("track-record-nationals", "Attacks on Chinese nationals in Afghanistan: "
                   "forecasts against the record",
                   "Per origin, the 90% interval (bar) and median (tick) of the model's and "
                   "climatology's forecasts of the next window's attacks; diamonds are the "
                   "attacks the record shows." + which,
                   _counts_chart(result, "attacks_on_chinese_nationals_afghanistan")),
            Figure("track-record-pit", "PIT histograms of the count forecasts",
                   "The non-randomised PIT of every count forecast (attacks), pooled: a "
                   "calibrated forecaster's bars are level with the dashed line; bars piled "
                   "at the left mean outcomes lower than forecast." + which,
                   _pit_chart(pooled))]
    # one document for the part and the summary line; the packaged run used the whole
    # record, so a report as of an earlier date leaves it out
    record = packaged_skill("record") if ctx.as_of is None else None
    html += _record_backtest_part(record)
    cal_html, cal_fig = _calibration_part(ctx)
    html += cal_html
    figs.append(cal_fig)
    skill = pooled["all_count"]["crps"]["skill_vs_climatology"]
    # both calibrations named: the forecasts start from the record's, so the facts' skill
    # alone would read as the forecasts' own
    return SectionContent(html, tuple(figs),
                          f"track record: {len(spec.origins)} origins; count skill vs "
                          f"climatology {_fmt(skill, True)} on the stylised facts"
                          + _record_count_skill(record))


def pooled_skill_row(doc: dict[str, Any] | None, kind: str) -> dict[str, Any] | None:
    """A skill document's pooled row of one kind of event, or ``None`` without one.

    ``count``: the CRPS row; ``binary``: the Brier row (:func:`qpq.sim.packaged_skill`).
    """
    score = "brier" if kind == "binary" else "crps"
    return next((r for r in (doc or {}).get("skill", ())
                 if r["event"] == f"all_{kind}" and r["score"] == score), None)


def _record_count_skill(doc: dict[str, Any] | None) -> str:
    """The packaged record backtest's pooled count skill, for the summary line ('' if none)."""
    row = pooled_skill_row(doc, "count")
    if row is None:
        return ""
    return f", {_fmt(row['skill_vs_climatology'], True)} on the record (packaged run)"
