"""How far to trust the key findings: what the model's own checks against the record say.

The key findings (:mod:`qpq.report._findings`) set the lenses' answers side by side; an
analyst also needs, before reading them, what the report's checks say of the model that gives
them. :func:`compute_trust` gathers them from the studies the report's sections run anyway
(read through their once-per-report accessors, so nothing is computed twice):

* the **inputs**: how many of the case's parameters are assumptions;
* the **backcast** on the stylised facts (section "Backcast"): how many simulated histories
  reproduce every fact used, and the rarest facts;
* the **track record** (section "Track record"): the forecasts' skill against climatology,
  calibrated on the stylised facts (run here) and on the whole record (the packaged run);
* the **record calibration** (same section): how many parameters the record constrains, and
  which observations the calibrated histories do not reproduce;
* **model v2** (section "Model v2"): which propositions' verdicts at the defaults it reverses.

Each is a number with its section; the sentences are generated, not written by hand, and no
threshold here was chosen by looking at a result (a skill below 0 is worse than the baseline
by the score's definition; a check fails by the section's stated rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from qpq.errors import BadInputError
from qpq.report._relationship_section import v2_comparison, verdict_changes
from qpq.report._sections import ReportContext
from qpq.report._shared import finite
from qpq.report._sim_sections import backcast_calibration, forecast_window
from qpq.report._track_record_section import (
    ONE_GAME_POINT,
    facts_backtest,
    one_game_point_misses,
    pooled_skill_row,
    record_calibration,
)
from qpq.sim import DERIVED, packaged_skill

__all__ = ["GLOSSARY", "Trust", "compute_trust", "glossary_html", "names", "names_html",
           "trust_html", "trust_items"]

DERIVED_SHORT = {d.name: d.short for d in DERIVED}
"""The record calibration's derived quantities in a few words (the Key findings list them)."""


GLOSSARY: tuple[tuple[str, str], ...] = (
    ("ABC (approximate Bayesian computation)", "calibration by simulation: histories are "
     "drawn from the prior and those nearest the record (or matching the stylised facts) "
     "are kept; the kept parameters are the posterior"),
    ("Brier score", "the squared error of a probability forecast of a yes/no event (0 is "
     "perfect); smaller is better"),
    ("climatology, persistence", "the two baselines of the track record: the trailing five "
     "years' rate, and the last window's outcome"),
    ("CRPS (continuous ranked probability score)", "the error of a forecast distribution of "
     "a count or a band against what happened, in the count's units; smaller is better"),
    ("common random numbers (CRN)", "two policies compared on the same parameters and the "
     "same random draws, so their difference is the policy's, not the luck's"),
    ("deviance", "how far a simulated history is from the record: −2 × the log-likelihood "
     "of the record given the history, less its best possible value, summed over the "
     "observation families; smaller is nearer"),
    ("EU (in the bargaining charts)", "expected utility, in the expected-utility model: "
     "what an actor expects to gain by challenging another's position, or (as it sees it) "
     "what the other expects to gain by challenging its own; not the European Union, which "
     "the charts name as the actor eu"),
    ("harm units", "the model's scale of harm to China: in the simulator an expected attack "
     "on China counts 1 and one on Chinese nationals in Afghanistan nationals_severity; in "
     "the game one round of unsuppressed ETIM/TIP activity counts etim_threat (default 1)"),
    ("PBE (perfect Bayesian equilibrium)", "the game's solution: each side's moves are best "
     "given its beliefs, and beliefs follow the moves by Bayes' rule"),
    ("PIT (probability integral transform)", "where each outcome fell in its forecast "
     "distribution; a calibrated forecaster's PIT values are spread evenly"),
    ("PRIM", "the patient rule induction method: finds the box of parameter ranges where an "
     "outcome of interest (the deal backfiring) is concentrated; coverage is the share of "
     "such cases inside the box, density the share of the box that are such cases"),
    ("scholz-compat", "the expected-utility model's variant that reproduces Scholz et "
     "al.'s published runs, their choices kept where we read them differently; the "
     "report's forecasts use the corrected default and show this one alongside"),
    ("skill", "1 − the model's score / the baseline's score: above 0 the model beats the "
     "baseline, below 0 it does worse"),
    ("Sobol' indices (S1, ST)", "the share of an outcome's variance a parameter explains "
     "alone (S1) and with its interactions (ST)"),
    ("calibrated, weakly constrained, assumption-driven", "a parameter's label after "
     "calibration on the record: its posterior 90% interval is below 0.5 of its prior's "
     "width, below 0.8, or wider"),
    ("game point", "one set of the game's parameters solved for the simulator; every "
     "simulated history plays one of them"),
    ("belief grid", "the values of China's belief that the Taliban are sincere at which "
     "each game point is solved in advance; a simulated quarter plays the solution of the "
     "grid cell its belief lies in"),
    ("nuisance prior", "in a calibration, the parameters it does not target are drawn from "
     "their ranges too (not held at their defaults)"),
    ("particles", "the calibrated parameter sets, each with its simulated history, from "
     "which forecasts and checks start"),
    ("logit tracing", "how model v2's equilibrium is found where best responses cycle: "
     "noisy (logit) responses whose noise is lowered step by step; what it finds may be "
     "mixed and only approximately an equilibrium (its regret is reported)"),
    ("predictive range", "where the calibrated model's fresh histories put an observation "
     "(90% of them); an observation outside it is one the model does not reproduce"),
    ("prior, posterior", "a parameter's range before calibration (drawn uniformly) and what "
     "is left of it after"),
    ("propositions P1-P8", "the paper's claims: P1-P7 tested by the game (section \"The "
     "paper's propositions\") and again in time by the simulator (\"The propositions in "
     "time\"); P8, what matters most, by the exploration's sensitivity and scenario "
     "discovery"),
    ("stylised facts", "qualitative things the record shows (e.g. 'Omar refused in 2000'), "
     "each with a target the simulated history must meet"),
    ("v1, v2", "the model's two versions: v1 plays the paper's one-round game every quarter; "
     "v2 makes it the stage of a repeated relationship (section \"Model v2\")"),
)
"""Terms the report uses without defining them where they appear, for the key findings."""


def glossary_html() -> str:
    """The glossary as a folded list under the key findings."""
    return ("<details><summary>Terms used in this report</summary><dl>" + "".join(
        f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in GLOSSARY)
        + "</dl></details>")


_BETTER = {"maximize": "higher is better", "minimize": "lower is better", "none": ""}


def names(ctx: ReportContext) -> tuple[tuple[str, str], ...]:
    """The code names the sections print, each with what it means, from its owner.

    China's policies (:data:`qpq.model.POLICIES`), the exploration scenario's outcomes (its
    own descriptions), the forecast's events (:data:`qpq.sim.EVENTS`) and the series that
    its fan charts and the backcast's plot (:data:`qpq.sim.OUTPUTS`' descriptions): headings and
    tables name them as the command line does, and an analyst should not need the code to
    read ``engage_reward_if_suppressed`` or ``militants_iskp``.
    """
    from qpq.model import POLICIES
    from qpq.report._shared import explore_study
    from qpq.report._sim_sections import BACKCAST_VARIABLES
    from qpq.sim import EVENTS, OUTPUTS, RECORD_EVENTS, SERIES_EVENTS

    found: dict[str, list[tuple[str, str]]] = {}
    for p in POLICIES:
        found.setdefault(p.name, []).append(("a policy", p.description))
    study = explore_study(ctx)
    if study is not None:
        for o in study.outcomes:
            extra = "; ".join(x for x in (o.unit, _BETTER.get(o.objective, "")) if x)
            found.setdefault(o.name, []).append(
                ("an outcome of the exploration",
                 o.description.rstrip(".") + (f" ({extra})" if extra else "")))
    for e in EVENTS:
        found.setdefault(e.name, []).append(("a forecast event", f"{e.description} ({e.unit})"))
    for r in RECORD_EVENTS:                       # the track record's scored events
        bands = ("; bands: " + ", ".join(f"{b:g}" for b in r.bands) + " (edges)"
                 if r.bands else "")
        found.setdefault(r.name, []).append(
            ("a backtest event", f"{r.description} ({r.kind}){bands}"))
    for kind in ("binary", "count", "band"):
        found.setdefault(f"all_{kind}", []).append(
            ("a pooled row of the track record", f"every {kind} event of the backtest "
                                                 "scored together"))
    for var, event in SERIES_EVENTS.items():      # the forecast's fan charts plot these
        found.setdefault(var, []).append(
            ("a simulated series", f"{OUTPUTS[var]}, per quarter (the forecast's fan chart "
                                   f"of the event {event})"))
    for var in BACKCAST_VARIABLES:                # and the backcast's, all vs accepted
        if var not in SERIES_EVENTS:
            found.setdefault(var, []).append(
                ("a simulated series", f"{OUTPUTS[var]}, per quarter (the backcast's fan "
                                       "chart)"))
    # a name two lenses use (iskp_strength) is one entry that says what it is in each
    out = {name: [text if len(uses) == 1 else f"as {what}: {text}" for what, text in uses]
           for name, uses in found.items()}
    return tuple((name, "; ".join(texts)) for name, texts in out.items())


def names_html(ctx: ReportContext) -> str:
    """:func:`names` as a folded list under the glossary."""
    return ("<details><summary>Names used in this report (China's policies, the "
            "exploration's outcomes, the forecast's and the backtest's events, and series)"
            "</summary><dl>" + "".join(
                f"<dt><code>{escape(name)}</code></dt><dd>{escape(text)}</dd>"
                for name, text in names(ctx)) + "</dl></details>")


@dataclass(frozen=True)
class Trust:
    """The model's checks against the record, as numbers with the section each comes from.

    ``backcast``: as-of date, model, histories, how many match every used fact, the rarest
    used facts (id, share of histories matching). ``track_record``: origins, the pooled
    skill against climatology of the count forecasts (CRPS) and the binary ones (Brier)
    calibrated on the stylised facts, and the packaged record backtest's count skill and
    date (``None`` where the report does not show it). ``record``: as-of date, model, game
    points, parameters labelled calibrated and weakly constrained of all, predictive checks
    inside of all, the checks missed (family, observation) and whether the run's single game
    point explains them. ``v2``: draws and the propositions whose verdict at the defaults
    changes from v1 (id, v1, v2). A part the case cannot give (its section "does not apply":
    a report as of a date before the first backtest window ends, a case without a record)
    is ``None``, and ``unavailable`` says why.
    """

    parameters: int
    assumptions: int
    backcast: dict[str, Any] | None
    track_record: dict[str, Any] | None
    record: dict[str, Any] | None
    v2: dict[str, Any] | None
    unavailable: dict[str, str] = field(default_factory=dict)
    forecast: tuple[str, str] | None = None
    """The forecasts' as-of date and end (ISO), for the line that says why the report reads
    the case at several dates."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"parameters": self.parameters, "assumptions": self.assumptions,
                "backcast": self.backcast, "track_record": self.track_record,
                "record": self.record, "v2": self.v2, "unavailable": dict(self.unavailable),
                "forecast": None if self.forecast is None else list(self.forecast)}


def _backcast(ctx: ReportContext) -> dict[str, Any]:
    cal = backcast_calibration(ctx)
    used = [r for r in cal.backcast_table() if r["used"] and r["evaluable"]]
    rarest = sorted(used, key=lambda r: r["prior_match"])[:2]
    said = {c.id: c.text for c in ctx.case.claims}
    return {"as_of": cal.as_of.isoformat(), "model": cal.model,
            "histories": int(cal.misses.size),
            "matching_every_fact": int((cal.misses == 0).sum()),
            "facts_used": len(used),
            "rarest": [{"fact": r["fact"], "text": said.get(r["fact"], ""),
                        "share": finite(r["prior_match"])} for r in rarest]}


def _track_record(ctx: ReportContext) -> dict[str, Any]:
    bt = facts_backtest(ctx)
    pooled = bt.pooled()

    def skill(kind: str, score: str) -> float | None:
        return finite(pooled.get(f"all_{kind}", {}).get(score, {})
                      .get("skill_vs_climatology"))
    packaged = packaged_skill("record") if ctx.as_of is None else None
    row, binary = pooled_skill_row(packaged, "count"), pooled_skill_row(packaged, "binary")
    scored = None if packaged is None else _count_events_scored(ctx, packaged["protocol"])
    return {"origins": len(bt.spec.origins), "model": bt.spec.model,
            "record_count_events": scored,
            "facts_count_skill": skill("count", "crps"),
            "facts_binary_skill": skill("binary", "brier"),
            "record_count_skill": None if row is None
            else finite(row["skill_vs_climatology"]),
            "record_binary_skill": None if binary is None
            else finite(binary["skill_vs_climatology"]),
            "record_generated": None if packaged is None else packaged["generated"]}


def _count_events_scored(ctx: ReportContext, protocol: dict[str, Any]) -> dict[str, Any]:
    """How many occurrences the packaged backtest's count events rest on."""
    from qpq.sim import RECORD_EVENTS, scored_occurrences

    counts = tuple(r.name for r in RECORD_EVENTS if r.kind == "count")
    return scored_occurrences(ctx.case, protocol, counts)


def _record(ctx: ReportContext) -> dict[str, Any]:
    rec = record_calibration(ctx)
    missed = [c for c in rec.checks if not c["inside_90"]]
    return {"as_of": rec.as_of.isoformat(), "model": rec.model,
            "game_points": rec.settings.game_points, "parameters": len(rec.parameters),
            "calibrated": len(rec.labelled("calibrated")),
            "weakly_constrained": len(rec.labelled("weakly constrained")),
            "derived": len(rec.derived),
            "derived_calibrated": [d.name for d in rec.derived if d.label == "calibrated"],
            "derived_calibrated_words": [DERIVED_SHORT.get(d.name, d.name) for d in rec.derived
                                         if d.label == "calibrated"],
            "checks": len(rec.checks), "checks_inside": len(rec.checks) - len(missed),
            "by_construction": sum(bool(c["by_construction"]) and c["inside_90"]
                                   for c in rec.checks),
            "missed": [{"family": c["family"], "observation": str(c["observation"])}
                       for c in missed],
            "one_game_point_explains": one_game_point_misses(rec.settings.game_points,
                                                             missed)}


def _v2(ctx: ReportContext) -> dict[str, Any]:
    v1, v2 = v2_comparison(ctx)
    said = {r.proposition.id: r.proposition.statement for r in v2.results}
    return {"draws": v2.n_draws, "v1_draws": v1.n_draws,
            "verdict_changes": [{"proposition": p, "statement": said[p], "v1": a, "v2": b}
                                for p, a, b in verdict_changes(v1, v2)]}


def compute_trust(ctx: ReportContext) -> Trust:
    """The trust summary from the sections' own studies (see the module).

    Each part is computed on its own: where a study refuses this case (its section says "does
    not apply"), that part is left out with the reason, and the rest stands.
    """
    parts: dict[str, dict[str, Any] | None] = {}
    unavailable: dict[str, str] = {}
    for name, part in (("backcast", _backcast), ("track_record", _track_record),
                       ("record", _record), ("v2", _v2)):
        try:
            parts[name] = part(ctx)
        except BadInputError as exc:
            parts[name] = None
            unavailable[name] = str(exc)
    params = ctx.case.parameters
    as_of, until = forecast_window(ctx)
    return Trust(len(params), sum(p.assumption for p in params), parts["backcast"],
                 parts["track_record"], parts["record"], parts["v2"], unavailable,
                 (as_of.isoformat(), until.isoformat()))


def _skill_words(x: float | None) -> str:
    if x is None:
        return "undefined"
    if round(x, 2) == 0:
        return f"{x:+.2f} (about the same as climatology)"
    return f"{x:+.2f} ({'better' if x > 0 else 'worse'} than climatology)"


def _backcast_words(b: dict[str, Any]) -> str:
    # the fact in its own words (an id alone says nothing to a reader), the id after it
    rarest = "; ".join(f"“{x['text'] or x['fact']}” ({x['fact']}) in {x['share']:.1%}"
                       for x in b["rarest"] if x["share"] is not None)
    return (f"Of {b['histories']:,} simulated histories from the prior (model {b['model']}, "
            f"as of {b['as_of']}), {b['matching_every_fact']:,} reproduce all "
            f"{b['facts_used']} stylised facts used"
            + (f". The rarest: {rarest}" if rarest else "") + ".")


def _track_words(tr: dict[str, Any]) -> str:
    facts = (f"calibrated on the stylised facts alone, which leave the attack rates at their "
             f"assumed ranges, the count forecasts' skill is "
             f"{_skill_words(tr['facts_count_skill'])} and the yes/no forecasts' "
             f"{_skill_words(tr['facts_binary_skill'])}")
    if tr["record_count_skill"] is None:
        return f"From {tr['origins']} past origins (model {tr['model']}), {facts}."
    n = tr.get("record_count_events")
    few = ("" if not n else
           f" The count forecasts' skill rests on {n['occurrences']} "
           f"attack{'s' if n['occurrences'] != 1 else ''} of the record "
           f"in the scored windows ({n['from']} to {n['to']}): few events, so weak evidence "
           "either way.")
    return (f"From {tr['origins']} past origins (model {tr['model']}), calibrated on the "
            f"whole record as the forecasts are (the packaged run of "
            f"{tr['record_generated']}), the count forecasts' skill is "
            f"{_skill_words(tr['record_count_skill'])} and the yes/no forecasts' "
            f"{_skill_words(tr['record_binary_skill'])}; {facts}.{few}")


def _record_words(r: dict[str, Any], reduced: bool, forecast_model: str | None) -> str:
    missed = "; ".join(f"{m['family']} {m['observation']}" for m in r["missed"])
    caveat = f" ({ONE_GAME_POINT})" if r["one_game_point_explains"] else ""
    other = (f", not the forecasts' {forecast_model}" if forecast_model
             and forecast_model != r["model"] else "")
    derived = (f"; of {r['derived']} quantities it derives, calibrated (their posterior "
               "interval under half their prior's width, which says that the record narrows "
               "them, not that it is reproduced): " + ", ".join(r["derived_calibrated_words"])
               if r["derived_calibrated"] else "")
    built = (f" ({r['by_construction']} of them by construction)" if r["by_construction"]
             else "")
    return (f"As of {r['as_of']}, model {r['model']}{other}"
            + (" (reduced run)" if reduced else "")
            + f": {r['calibrated']} of {r['parameters']} parameters calibrated, "
            f"{r['weakly_constrained']} weakly constrained{derived}; {r['checks_inside']} of "
            f"{r['checks']} observations inside their predictive range{built}."
            + (f" Not reproduced: {missed}{caveat}." if missed else ""))


def _v2_words(v2: dict[str, Any]) -> str:
    changes = ("it keeps every proposition's verdict at the defaults"
               if not v2["verdict_changes"] else
               "it changes the verdict at the defaults of " + "; ".join(
                   f"{c['proposition']}, “{c['statement']}” ({c['v1']} → {c['v2']})"
                   for c in v2["verdict_changes"]))
    return (f"The one-round game made the stage of a repeated relationship: {changes}. "
            f"The verdicts at the defaults are solved, not sampled; the shares over the "
            f"ranges rest on {v2['draws']:,} v2 draws against {v2['v1_draws']:,} for v1.")


def trust_items(t: Trust, reduced: bool) -> list[tuple[str, str, str]]:
    """The summary as (heading, plain sentence, report section), for the page and the CLI."""
    items = [("Inputs", f"{t.assumptions} of the {t.parameters} parameters are assumptions "
              "with ranges, not values the evidence gives; the answers below hold at their "
              "defaults or over their ranges, as each says.", "parameters")]
    parts: tuple[tuple[str, str, str, Any], ...] = (
        ("backcast", "History", "backcast", _backcast_words),
        ("track_record", "Forecasts", "track-record", _track_words),
        ("record", "Calibration on the record", "track-record",
         lambda r: _record_words(r, reduced, None if t.track_record is None
                                 else t.track_record["model"])),
        ("v2", "Model v2", "relationship", _v2_words))
    for key, head, section, words in parts:
        part = getattr(t, key)
        items.append((head, words(part) if part is not None else
                      f"Not available for this case: {t.unavailable.get(key, 'not computed')}",
                      section))
    dates = _dates_words(t)
    if dates:
        items.append(("Dates", dates, "forecast"))
    return items


def _dates_words(t: Trust) -> str:
    """Why the checks and the forecasts read the case at different dates."""
    said = []
    if t.backcast is not None:
        said.append(f"The backcast reads the stylised facts known by {t.backcast['as_of']} "
                    "(a fact that only the paper reports counts from its year's end).")
    if t.record is not None:
        said.append(f"The calibration on the record reads the record known by "
                    f"{t.record['as_of']}, the backtest's last origin, so that its checks are "
                    "those of a forecast the record can score.")
    if t.forecast is not None:
        said.append(f"The forecasts start from the record known by {t.forecast[0]} and run "
                    f"to {t.forecast[1]}; the report does not score that window (the case's "
                    "record ends at the case's forecast date, and the track record scores "
                    "past origins instead).")
    if len(said) < 2:
        return ""
    return "The report reads the case at several dates. " + " ".join(said)


def trust_html(t: Trust, reduced: bool) -> str:
    """The trust summary as the key findings' opening list."""
    items = "".join(
        f"<li><strong>{escape(head)}.</strong> {escape(text)} "
        f"<a href='#{escape(section)}'>§ {escape(section)}</a></li>"
        for head, text, section in trust_items(t, reduced))
    return ("<h3 id='findings-trust'>How far to trust these answers</h3>"
            "<p>What the report's own checks against the record say of the model, before its "
            f"answers:</p><ul>{items}</ul>")
