"""Report sections of the dynamics lens: the backcast, the forecast, propositions in time.

Builders follow :mod:`qpq.report._sections`: each takes a
:class:`~qpq.report._sections.ReportContext` and returns
:class:`~qpq.report._sections.SectionContent`. With ``ctx.reduced`` (``make run``) the
ensembles are small (:data:`REDUCED`) and every section says so; options
``sim_as_of``/``sim_until`` (ISO dates) and ``sim_backcast_as_of`` in ``ctx.options``
override the default dates, and ``sim_calibration`` (``record`` or ``facts``) the forecast's
calibration.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

import numpy as np

from qpq.report._sections import Figure, ReportContext, SectionContent, html_table
from qpq.report._shared import (
    dynamic_propositions,
    game_solution,
    selected_equilibrium,
    sentence,
)
from qpq.sim import (
    CALIBRATION_DRAWS,
    CALIBRATION_REPLICATES,
    DEFAULT_CALIBRATION,
    OUTPUTS,
    SERIES,
    SERIES_EVENTS,
    UNCALIBRATED,
    AbcSettings,
    CalibrationResult,
    ForecastResult,
    band_frame,
    bands_chart,
    calibrate,
    calibrator_for,
    derived_text,
    describe_observations,
    events_chart,
    fact_match_chart,
    fan_chart,
    forecast,
    given_others_words,
    others_histories,
    p1_made_of,
    recognition_belief,
)
from qpq.stats import percent

__all__ = ["BACKCAST_VARIABLES", "FULL", "RECORD", "RECORD_REDUCED", "REDUCED",
           "backcast_calibration",
           "backcast_section", "forecast_section", "forecast_window", "propositions_section"]

REDUCED = {"draws": 150, "replicates": 4, "grid_size": 16, "n": 2000, "prop_n": 512}
"""Ensemble sizes when ``ctx.reduced`` is true (``make run``)."""

FULL = {"draws": CALIBRATION_DRAWS, "replicates": CALIBRATION_REPLICATES, "grid_size": 24,
        "n": 20_000, "prop_n": 4096}
"""Ensemble sizes of the full report."""

RECORD = AbcSettings(model="v1")
"""The forecast's record calibration in a full report: ``qpq sim forecast``'s (model v1,
:class:`qpq.sim.AbcSettings`' defaults), whose backtest's skill the events quote."""

RECORD_REDUCED = RECORD
"""The forecast's record calibration in a reduced report (``make run``): the full one, as
``qpq sim forecast``'s. Until 2026-12-06 it was the quick one
(:data:`qpq.sim.QUICK_RECORD_SETTINGS`, 2 game points): the equilibrium policy's moves
rested on those 2 solved games (engaged in 4.6% of the forecast's scenario-quarters, against
87% with the command's 30, as of 2025-06-30 to 2026-06-30), for about 8 s less. Kept as a
name of its own so that tests can shrink it."""

BACKCAST_VARIABLES = ("militants_border", "militants_neutralised", "belief_sincere")
"""The backcast's fan charts: simulated series (:data:`qpq.sim.OUTPUTS`), all histories
against the accepted ones."""

FORECAST_VARIABLES = tuple(SERIES_EVENTS)
"""The forecast's fan charts: the series an event decides (:data:`qpq.sim.SERIES_EVENTS`),
each labelled by its event's parameters (:meth:`qpq.sim.ForecastResult.series_label`)."""

FORECAST_POLICIES = ("equilibrium", "boycott", "conditional")


def _sizes(ctx: ReportContext) -> dict[str, int]:
    return REDUCED if ctx.reduced else FULL


def _date(ctx: ReportContext, key: str, default: dt.date, *, as_of: bool = True) -> dt.date:
    # an as-of date (the backcast's, the forecast's) is no later than the report's cut; a
    # forecast's end is not an as-of date
    raw = ctx.options.get(key)
    day = dt.date.fromisoformat(str(raw)) if raw else default
    return ctx.known_by(day) if as_of else day




def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    if isinstance(x, float):
        return f"{x:.3g}"
    return escape(str(x))


def _headline(e: dict[str, Any]) -> str:
    if "probability" in e:
        return _fmt(e["probability"])
    if "median" in e:
        return f"{_fmt(e['median'])} [{_fmt(e['interval_90'][0])}, {_fmt(e['interval_90'][1])}]"
    if "p_at_least_one" in e:
        # a count: the expected number, and the chance of any (what a briefing asks)
        lo, hi = e["interval_90"]
        return (f"{_fmt(e['expected'])} (P(at least one) {_fmt(e['p_at_least_one'])}; 90% "
                f"{lo:g}–{hi:g})")
    return _fmt(e.get("expected"))


def _size_note(ctx: ReportContext, cal: CalibrationResult) -> str:
    # the record's particles are posterior points resampled, the facts' prior draws
    points = "posterior points" if cal.kind == "record" else "parameter draws"
    size = (f"{cal.draws} {points} × {cal.replicates} scenarios = "
            f"{cal.draws * cal.replicates} histories")
    if ctx.reduced:
        return (f"<p><strong>Reduced run</strong> (make run): {size}; numbers are noisy. "
                "Run the full report for 1,000 draws × 8.</p>")
    return f"<p>{size}.</p>"


def _backcast_rows(table: list[dict[str, Any]], n: int, *, others: bool = True
                   ) -> list[list[str]]:
    rows = []
    for r in table:
        if not r["evaluable"]:
            status = "unmapped" if r["target"].startswith("unmapped") else "not evaluable"
        else:
            status = "used" if r["used"] else "out of sample (known after the as-of date)"
        rows.append([escape(r["fact"]), escape(r["target"]), escape(status),
                     _fmt(r["prior_match"]),
                     *([escape(given_others_words(r, n))] if others else []),
                     _fmt(r["accepted_match"]),
                     f"{_fmt(r['accepted_median'])} [{_fmt(r['accepted_90'][0])}, "
                     f"{_fmt(r['accepted_90'][1])}]"])
    return rows


def _others_said(table: list[dict[str, Any]], n: int) -> bool:
    """Whether the "where every other used fact holds" column says anything.

    It does where some used fact has at least one history matching all the others.
    """
    return any((others_histories(r, n) or 0) > 0 for r in table)


def backcast_calibration(ctx: ReportContext) -> CalibrationResult:
    """The backcast's calibration on the stylised facts, once per report.

    The backcast section draws it and the key findings' trust summary reads it.
    """
    def run() -> CalibrationResult:
        sizes = _sizes(ctx)
        as_of = _date(ctx, "sim_backcast_as_of", ctx.case.run.backcast_as_of)
        return calibrate(ctx.case, as_of, draws=sizes["draws"],
                         replicates=sizes["replicates"], grid_size=sizes["grid_size"], seed=0)
    res: CalibrationResult = ctx.memo("sim.backcast", run)
    return res


def backcast_section(ctx: ReportContext) -> SectionContent:
    """The simulated history against the stylised facts, with the calibration's results."""
    run = ctx.case.run
    cal = backcast_calibration(ctx)
    as_of = cal.as_of
    constrained = [p.name for p in cal.parameters if p.constrained]
    approx = (" No scenario matched every fact used, so the scenarios missing the fewest "
              "were accepted (approximate)." if cal.approximate else "")
    table, n = cal.backcast_table(), cal.draws * cal.replicates
    others = _others_said(table, n)
    no_others = ("" if others else
                 "<p>No simulated history matches all the used facts but one, for any of "
                 "them, so the table leaves out the column that would say which fact stops "
                 "the histories (what each fact's own match shows instead).</p>")
    out_of_sample = any(r["evaluable"] and not r["used"] for r in table)
    html = (
        f"<p>Quarters from {run.start.year} to {escape(as_of.isoformat())} under China's "
        f"<code>{escape(cal.policy)}</code> policy, parameters drawn uniformly from their "
        "plausible ranges; the scenarios that match every stylised fact known by the as-of "
        "date are accepted (ABC rejection; where none does, those missing the fewest). "
        f"Accepted: {cal.accepted.size} of {n}.{escape(approx)} "
        "A fact's median and 90% range among the accepted are values the scenarios take "
        "where its statistic is a count or a yes/no (1 = yes).</p>"
        + _size_note(ctx, cal)
        + html_table(["fact", "target", "status", "match (all)",
                      *(["match (where every other used fact holds)"] if others else []),
                      "match (accepted)", "accepted median [90%]"],
                     _backcast_rows(table, n, others=others))
        + no_others
        + "<p>Taliban type among accepted scenarios: "
        + ", ".join(f"{escape(k)} {v:.0%}" for k, v in cal.type_share.items()) + ".</p>"
        + "<p>Parameters the facts constrain (KS test, Bonferroni 1%): "
        + (escape(", ".join(constrained)) if constrained else "none")
        + f". Every other parameter, and every militant head count and attack count after "
        f"{run.takeover.year}, is {escape(UNCALIBRATED)}.</p>")
    accepted = set(cal.accepted.tolist())
    idx = cal.sim.sample_index
    mask = np.array([i in accepted for i in idx.tolist()], dtype=bool)
    labels = cal.timeline.labels()
    figs = [Figure("sim-fact-match", "Stylised facts: share of scenarios matching",
                   "Bars compare all simulated histories (prior) with the accepted ones"
                   + ("; facts known only after the as-of date are out-of-sample checks."
                      if out_of_sample else "."),
                   fact_match_chart(table))]
    for var in BACKCAST_VARIABLES:
        j = SERIES.index(var)
        groups = {"all draws": (labels, cal.sim.sample_series[:, :, j], None),
                  "accepted": (labels, cal.sim.sample_series[:, mask, j], None)}
        label = None if var == "belief_sincere" else UNCALIBRATED
        figs.append(Figure(f"sim-backcast-{var}", f"Backcast: {var}",
                           f"{sentence(OUTPUTS[var])} ({var}): median "
                           "and 50%/90% bands of sampled histories, all vs accepted.",
                           bands_chart(band_frame(groups), var, legend="scenarios",
                                       label=label)))
    return SectionContent(html, tuple(figs),
                          f"backcast: {cal.accepted.size} accepted histories, "
                          f"{len(cal.used_facts)} facts used")


def _forecast_calibration(ctx: ReportContext, as_of: dt.date) -> CalibrationResult:
    """The forecast's calibration at the report's sizes.

    The default kind (:data:`qpq.sim.DEFAULT_CALIBRATION`); ``sim_calibration`` in
    ``ctx.options`` names another (:func:`qpq.sim.calibrator_for` refuses a misspelt one
    rather than fall through to the facts' calibration unannounced).
    """
    sizes = _sizes(ctx)
    kind = str(ctx.options.get("sim_calibration") or DEFAULT_CALIBRATION)
    # the report's own record settings, for the record's calibration only
    record = (RECORD_REDUCED if ctx.reduced else RECORD) if kind == "record" else None
    return calibrator_for(kind, record=record, seed=0, draws=sizes["draws"],
                          replicates=sizes["replicates"],
                          grid_size=sizes["grid_size"])(ctx.case, as_of)


NATIONALS = "attacks_on_chinese_nationals_afghanistan"


def _share(x: float) -> str:
    return f"{x:.1%}" if 0 < x < 0.1 else percent(x)


def _exposure_note(ctx: ReportContext, cal: CalibrationResult,
                   runs: dict[str, ForecastResult], until: dt.date, n: int) -> str:
    """Why the policies' forecasts of attacks on nationals differ, computed.

    The attacks scale with the nationals' exposure, ``boycott_exposure`` in a quarter China
    boycotts and 1 while it engages (docs/model-dynamics.md §7.3, A.3): the note gives how
    often each policy engages and reruns boycott with the exposure at 1 on the same
    histories and random numbers, so the reader sees how much of the gap that one
    assumption makes. Empty where the case or the policies leave nothing to compare.
    """
    name = "boycott_exposure"
    params = {q.name: q for q in ctx.case.parameters}
    if ("boycott" not in runs or name not in cal.particle_pool.values
            or name not in params or NATIONALS not in runs["boycott"].events):
        return ""
    moves = {policy: r.china_moves() for policy, r in runs.items()}
    did = "; ".join(f"{escape(policy)} engaged {_share(m['engaged'])}, recognised "
                    f"{_share(m['recognised'])}" for policy, m in moves.items())
    q = params[name]
    held = runs["boycott"].events[NATIONALS]["calibration_constrained"]["parameters"]
    median = float(np.median(cal.particle_pool.values[name]))
    exposed = forecast(ctx.case, cal.with_dynamics({name: 1.0}, case=ctx.case), until,
                       policy="boycott", n=n, seed=0)

    def level(r: ForecastResult) -> float:
        return float(r.events[NATIONALS]["expected"])

    most = max(moves, key=lambda policy: moves[policy]["engaged"])
    base, top, fixed = level(runs["boycott"]), level(runs[most]), level(exposed)
    text = (
        f"<p>What China does over the window, as shares of the scenario-quarters: {did}. "
        "Attacks on Chinese nationals in Afghanistan scale with how many are there: in a "
        f"quarter China boycotts, <code>{name}</code> times their number while it engages "
        "(docs/model-dynamics.md §7.3). That is "
        + ("an assumption" if q.assumption else "a parameter")
        + f" (range {q.low:g}–{q.high:g}, default {q.default:g}) which the {escape(cal.kind)} "
        f"calibration leaves {'constrained' if held.get(name) else 'unconstrained'} (its "
        f"particles' median {median:.2g}). Set to 1 in every particle, the same histories "
        f"under boycott expect {fixed:.3g} attacks on nationals in the window. With each "
        f"particle's own value, boycott expects {base:.3g}")
    if most != "boycott" and moves[most]["engaged"] > 0 and top != base:
        text += (f" and {escape(most)}, which engages most, {top:.3g}. So the exposure alone "
                 f"makes {percent((fixed - base) / (top - base))} of the gap between boycott "
                 f"and {escape(most)}")
    text += "."
    points = int((cal.details.get("settings") or {}).get("game_points", 0))
    if cal.kind == "record" and 0 < points < RECORD.game_points:
        # the equilibrium policy's moves come from the solved game points alone
        text += (f" The record calibration here solves {points} game "
                 f"point{'' if points == 1 else 's'}, so what China does under the "
                 f"equilibrium policy rests on {'that' if points == 1 else 'those'} "
                 f"{points} solved game{'' if points == 1 else 's'}; <code>qpq sim "
                 f"forecast</code> and the full report solve {RECORD.game_points}.")
    return text + "</p>"


def _belief_note(ctx: ReportContext, cal: CalibrationResult, main: ForecastResult) -> str:
    """Why the forecast's chance of recognition differs from the game's, measured.

    The game section's P(recognised) is one round at the defaults from the prior belief; the
    forecast starts from the belief the calibrated histories carry at the as-of date
    (:func:`qpq.sim.recognition_belief` reruns the window with it put back to the prior).
    """
    text = recognition_belief(ctx.case, cal, main).words()
    selected = (selected_equilibrium(game_solution(ctx)) if ctx.case.parameters else None)
    if selected is not None:
        text += (f" The game section's P(recognised), {selected['outcome']['p_recognised']:.2f} "
                 "at the defaults, is one round played from the prior belief.")
    return f"<p>{escape(text)}</p>"


def _constrained(dep: dict[str, Any]) -> str:
    """The table's cell: none, all, or which of the event's parameters are constrained.

    With the event's level at the as-of date where the record narrowed it
    (:func:`qpq.sim.derived_text`).
    """
    derived = derived_text(dep)
    derived = f"; {derived}" if derived else ""
    if dep["constrained"] != "some":
        return str(dep["constrained"]) + derived
    hit = [k for k, v in dep["parameters"].items() if v]
    return f"some: {', '.join(hit)} ({len(hit)} of {len(dep['parameters'])}){derived}"


def forecast_window(ctx: ReportContext) -> tuple[dt.date, dt.date]:
    """The forecast's as-of date and end (the case's run block, or the report's options)."""
    return (_date(ctx, "sim_as_of", ctx.case.run.forecast_as_of),
            _date(ctx, "sim_until", ctx.case.run.forecast_until, as_of=False))


def forecast_section(ctx: ReportContext) -> SectionContent:
    """As-of forecasts of the calibrated ensemble under several of China's policies."""
    sizes = _sizes(ctx)
    as_of, until = forecast_window(ctx)
    cal = _forecast_calibration(ctx, as_of)
    runs = {p: forecast(ctx.case, cal, until, policy=p, n=sizes["n"], seed=0)
            for p in FORECAST_POLICIES}
    main = runs["equilibrium"]
    # a count or a probability means nothing without its window (the forecast's own quarters)
    window = "–".join(main.calibration["window"])
    rows = []
    for name, e in main.events.items():
        others = "; ".join(f"{p}: {_headline(r.events[name])}" for p, r in runs.items()
                           if p != "equilibrium")
        dep = e["calibration_constrained"]
        rows.append([escape(name), _headline(e), escape(f"{e['kind']}, {window}"),
                     escape(main.evidence(name)), escape(_constrained(dep)), escape(others)])
    if cal.kind == "record":
        details = cal.details
        used = (f"the whole record known by {escape(as_of.isoformat())} (observations: "
                + escape(describe_observations(details["observations"]))
                + " — cells the calibration compares, not the record's items: attacks are "
                "counts per year, region and group, estimates one per figure, actions and "
                "milestones yes/no cells (mostly one per year), facts the stylised facts "
                "with a target; <code>qpq sim forecast</code>'s default calibration)")
        noisy = (" The record calibration is reduced too (" + escape(
            f"{details['simulations']:,} histories, {details['particles']} accepted") + ")."
            if ctx.reduced and RECORD_REDUCED != RECORD else "")
    else:
        used = (f"the stylised facts known by {escape(as_of.isoformat())}: "
                f"{escape(', '.join(cal.used_facts) or 'none')}")
        noisy = ""
    kept = main.calibration
    html = (
        f"<p>The ensemble calibrated on {used}, carried on to {escape(until.isoformat())} "
        f"under China's policies; {sizes['n']:,} scenarios each, resampled from the "
        f"{kept['particles_kept']:,} of {kept['particles']:,} calibrated histories in which "
        f"China's recognition at the as-of date agrees with the record ("
        + ("China held de jure recognition of the Taliban"
           if kept["conditioned_on"]["china_recognised"]
           else "China had not recognised the Taliban de jure")
        + ").</p>"
        f"<p>Calibration: {escape(kept['description'])}.{noisy}</p>" + _size_note(ctx, cal)
        + html_table(["event", "equilibrium", "kind", "evidence bearing on it",
                      f"its parameters constrained ({escape(cal.kind)} calibration)",
                      "other policies"], rows)
        + _exposure_note(ctx, cal, runs, until, sizes["n"])
        + _belief_note(ctx, cal, main))
    figs = [Figure("sim-forecast-events", "Forecast events",
                   "Probabilities and expected shares under the equilibrium policy; colour "
                   f"is the event's label: whether anything the {cal.kind} calibration used "
                   "bears on it and whether it constrained the event's parameters.",
                   events_chart(main.events))]
    for var in FORECAST_VARIABLES:
        figs.append(Figure(
            # the series and the event it decides carry different names: say both
            f"sim-forecast-{var}", f"Forecast: {var} (the event {SERIES_EVENTS[var]})",
            "Top: median and 50%/90% bands under each of China's policies, one panel each "
            "(policies whose runs are identical share a panel). Bottom: each policy minus "
            "boycott, computed scenario by scenario on the same random numbers, with its "
            "bands; a band that straddles the zero line means the policies do not differ "
            "reliably on this quantity over the window. The title's label says whether the "
            f"calibration constrained the parameters of {SERIES_EVENTS[var]}.",
            fan_chart({p: r.sim for p, r in runs.items()}, var, label=main.series_label(var),
                      title=f"{var} (the event {SERIES_EVENTS[var]}): median with 50% and "
                      "90% bands, by policy")))
    return SectionContent(html, tuple(figs),
                          f"forecast {as_of}..{until} ({cal.kind} calibration): P(de jure) = "
                          f"{main.events['china_recognizes_de_jure']['probability']:.2f}")


def _counterpart(r: Any) -> str:
    # a counterpart that must fail tells something only where the proposition holds
    if not r.falsification_holds:
        return "FAILS"
    return "as required" if r.holds else ("as required (not informative: the proposition "
                                          "does not hold at the defaults either)")


def propositions_section(ctx: ReportContext) -> SectionContent:
    """Dynamic forms of P1, P3, P5, P6 with their falsification counterparts."""
    n = _sizes(ctx)["prop_n"]
    results = dynamic_propositions(ctx)  # shared with the key findings
    rows = [[escape(r.name), escape(r.statement), escape(r.kind), escape(r.measure),
             _fmt(r.effect), "holds" if r.holds else "does not hold",
             escape(r.falsification), _counterpart(r)] for r in results]
    html = (("<p><strong>Reduced run</strong>: " + str(n) + " scenarios per run.</p>")
            if ctx.reduced else "") + html_table(
        ["", "proposition", "kind", "measure", "effect (CRN)", "at defaults",
         "falsification", "counterpart"], rows)
    p1 = next(r for r in results if r.name == "P1")
    html += f"<p>P1: {escape(p1_made_of(p1))}</p>"
    held = sum(r.holds for r in results)
    return SectionContent(html, (), f"dynamic propositions: {held} of {len(results)} hold "
                                    "at the defaults")
