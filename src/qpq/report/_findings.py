"""Key findings: each lens's answer to the paper's questions, side by side, and why they differ.

For the paper's central questions — should China engage, recognise or boycott; when does the
crackdown backfire; what would change the answer — :func:`compute_findings` states what
each lens answers, where the answers disagree, and which assumption decides the
disagreement. Nothing here is written by hand:

* the **game** answers with the selected equilibrium at the defaults and the propositions
  (P1, P5) at the defaults and over the ranges;
* the **simulator** with P1 and P5 in time at the defaults (engagement minus boycott under
  common random numbers);
* the **exploration** with the most robust policy by minimax regret over the scenario's
  Latin hypercube (ties named as ties) and the backfire share (a margin in standard
  deviations);
* the **bargaining** models with their forecast, read against the issue scale's anchors
  (a forecast of what happens, not advice).

**The decisive assumption** of a disagreement is computed on the policy question itself:
the parameter with the largest total-order Sobol' index (Morris μ* for a Morris design) of
``china_security`` under the reference policy *minus* under the comparison policy, per
experiment (:func:`decisive_parameter`); for the backfire question, the restricted
dimension of PRIM's box with the smallest quasi-p value (:func:`box_driver`). The region
where the other answer holds comes from PRIM on the same experiments.

Every study is read from :mod:`qpq.report._shared`, so the findings cost nothing the report
does not already compute and quote exactly the numbers of the sections they link to.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from qpq.bargain import case_issue
from qpq.case import Case
from qpq.errors import BadInputError
from qpq.explore import MorrisResult, PrimResult, SobolResult, Study, contrasts, prim
from qpq.report._bargain_section import monte_carlo_words, stability_words
from qpq.report._sections import ReportContext, SectionContent
from qpq.report._shared import bargaining as bargaining_data
from qpq.report._shared import (
    dynamic_propositions,
    explore_comparison,
    explore_discovery,
    explore_lhs,
    explore_sensitivity,
    explore_study,
    finite,
    game_solution,
    indistinct,
    lhs_size,
    reaches_zero,
    selected_equilibrium,
    sentence,
    sizes,
    v1_propositions,
)
from qpq.report._track_record_section import record_calibration
from qpq.report._trust import Trust, compute_trust, glossary_html, names_html, trust_html
from qpq.sim import RecordCalibration, p1_made_of
from qpq.stats import percent

__all__ = ["Disagreement", "Findings", "LensAnswer", "Question", "box_driver",
           "compute_findings", "decisive_parameter", "findings_section"]

QUESTION_POLICY = "Should China engage, recognise or boycott?"
QUESTION_BACKFIRE = "When does the crackdown backfire?"
QUESTION_CHANGE = "What would change the answer?"


WHERE = {"game": "at the defaults", "simulator": "at the defaults",
         "exploration": "over the ranges"}
"""Where each lens that answers the policy question reads its answer."""


def _answers(lens: str, stance: str) -> str:
    """``the game answers engage at the defaults``: one lens's answer in a disagreement."""
    return f"the {lens} answers {stance} {WHERE[lens]}"


@dataclass(frozen=True)
class LensAnswer:
    """One lens's answer: a stance (comparable across lenses), words, numbers, its section."""

    lens: str
    stance: str
    answer: str
    numbers: dict[str, float]
    section: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"lens": self.lens, "stance": self.stance, "answer": self.answer,
                "numbers": {k: finite(v) for k, v in self.numbers.items()},
                "section": self.section}


@dataclass(frozen=True)
class Disagreement:
    """Two lenses answering differently, and the assumption computed to decide it."""

    lenses: tuple[str, str]
    stances: tuple[str, str]
    decisive: str | None
    index: float
    method: str
    explanation: str
    section: str
    runners_up: tuple[tuple[str, float], ...] = ()
    not_distinguishable_from: tuple[str, ...] = ()
    reasons: str = ""  # the explanation after its stances, where pairs can share it

    @property
    def role(self) -> str:
        """What the assumption is called: decisive, or leading where others tie with it."""
        return ("leading assumption (not separable from others at this size)"
                if self.not_distinguishable_from else "decisive assumption")

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"lenses": list(self.lenses), "stances": list(self.stances),
                "decisive_parameter": self.decisive, "index": finite(self.index),
                "not_distinguishable_from": list(self.not_distinguishable_from),
                "method": self.method, "explanation": self.explanation,
                "section": self.section,
                "runners_up": [{"parameter": k, "index": v} for k, v in self.runners_up]}


@dataclass(frozen=True)
class Question:
    """One of the paper's questions with every lens's answer and the disagreements."""

    id: str
    text: str
    answers: tuple[LensAnswer, ...]
    disagreements: tuple[Disagreement, ...]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"id": self.id, "question": self.text,
                "answers": [a.to_json() for a in self.answers],
                "agree": not self.disagreements,
                "disagreements": [d.to_json() for d in self.disagreements],
                "notes": list(self.notes)}


@dataclass(frozen=True)
class Findings:
    """The key findings and the settings they were computed with."""

    case: str
    questions: tuple[Question, ...]
    settings: dict[str, Any]
    seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)
    trust: Trust | None = None

    def question(self, qid: str) -> Question:
        """The question with id ``qid``."""
        return next(q for q in self.questions if q.id == qid)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict; ``section`` fields are the report's HTML anchors."""
        return {"case": self.case, "questions": [q.to_json() for q in self.questions],
                "settings": dict(self.settings), "seconds": self.seconds,
                "notes": list(self.notes),
                "trust": None if self.trust is None else self.trust.to_json()}


# -- the computations that decide --------------------------------------------------------

def decisive_parameter(result: SobolResult | MorrisResult, k: int = 3
                       ) -> tuple[str | None, float, tuple[tuple[str, float], ...]]:
    """The input that moves ``result``'s outcome most, its index and the next ``k - 1``.

    Sobol': the largest total-order index ST; Morris: the largest μ*. ``None`` when the
    outcome did not vary over the design (no input decides anything).
    """
    if isinstance(result, SobolResult):
        if result.constant:
            return None, 0.0, ()
        order = result.ranking("ST")
        value = dict(result.ST)
    else:
        order = result.ranking()
        value = dict(result.mu_star)
        if max(value.values(), default=0.0) <= 0.0:
            return None, 0.0, ()
    top = [(n, float(value[n])) for n in order[:k]]
    return top[0][0], top[0][1], tuple(top[1:])


def box_driver(res: PrimResult) -> tuple[str | None, float]:
    """The restricted dimension of PRIM's chosen box with the smallest quasi-p value."""
    box = res.chosen
    if not box.restricted:
        return None, float("nan")
    name = min(box.restricted, key=lambda n: box.quasi_p.get(n, 1.0))
    return name, float(box.quasi_p.get(name, float("nan")))


def _box_words(res: PrimResult, study: Study, limit: int = 3) -> str:
    box = res.chosen
    limits = box.limits(res.names)
    ordered = sorted(limits, key=lambda n: box.quasi_p.get(n, 1.0))[:limit]
    if not ordered:
        return "no restriction (the whole space)"
    base = dict(study.base)
    return "; ".join(f"{n} {limits[n][0]:.3g}–{limits[n][1]:.3g} (default {base[n]:.3g})"
                     for n in ordered) + (f"; coverage {box.coverage:.2f}, density "
                                          f"{box.density:.2f}")


def _stance_of_move(move: str) -> str:
    low = move.lower()
    return "boycott" if low.startswith("boycott") else (
        "recognise" if low.startswith("recogni") else "engage")


def _stance_of_policies(policies: tuple[str, ...]) -> str:
    # conditional and plan B engage first; "equilibrium" is China's best response, any move
    stances = {"equilibrium play" if p == "equilibrium" else
               "engage" if p.startswith(("conditional", "plan_b")) else _stance_of_move(p)
               for p in policies}
    return stances.pop() if len(stances) == 1 else "tie: " + " / ".join(sorted(stances))


def _bargaining_answer(ctx: ReportContext, issue: str, text: str) -> LensAnswer | None:
    """The bargaining lens's answer on ``issue``: its forecast median read on the scale.

    The stance is the one the case gives the anchor nearest the median (``stances``); with
    no forecast for the issue, or no stances, the lens gives no answer. ``text`` has a
    ``{words}`` field for the median in the scale's words. Where the exchange model ran,
    its end point on the issue follows: the two models can land far apart (the actors
    trade one issue for another in one, not in the other), and the stance stays the
    expected utility model's, as the bargaining section says.
    """
    if not ctx.case.bargaining_issues:      # an evidence-only case: the lens is silent
        return None
    data = bargaining_data(ctx)
    eum = data["eum"].get(issue)
    if eum is None:
        return None
    med = float(eum["forecast"]["median"])
    scale = case_issue(ctx.case, issue)
    stance = scale.stance(med)
    if stance is None:
        return None
    words, numbers = text.format(words=scale.reading(med)), {f"{issue}_median": med}
    inputs = data.get("inputs") or []
    assumed = sum(1 for row in inputs if row.get("assumption"))
    spread = monte_carlo_words(data.get("monte_carlo"), issue)
    words += (f" The forecast is {stability_words(eum)}"
              + (f"; {spread}" if spread else "")
              + (f"; {assumed} of the bargaining models' {len(inputs)} inputs are assumptions"
                 if inputs else "")
              + ".")
    # a forecast of the settlement below a point the record reached years before says so
    known = scale.observed_at(ctx.as_of)
    if known is not None:
        words += " " + scale.against_record(med, ctx.as_of)
        numbers[f"{issue}_record"] = float(known.value)
    end = (data.get("exchange") or {}).get("final_outcome", {}).get(issue)
    if end is not None:
        words += (" The exchange model, in which the actors may trade this issue for "
                  f"another, ends at {scale.reading(float(end))}.")
        numbers[f"{issue}_exchange"] = float(end)
    return LensAnswer("bargaining", stance, words, numbers, "bargaining")


# -- the questions -------------------------------------------------------------------------

def _game_answer(solution: dict[str, Any], study_props: Any) -> tuple[LensAnswer, Any]:
    selected = selected_equilibrium(solution)
    move = selected["first_move"] if selected else "none"
    p1 = next(r for r in study_props.results if r.proposition.id == "P1")
    p_rec = selected["outcome"]["p_recognised"] if selected else float("nan")
    answer = (f"At the defaults China's selected equilibrium is “{solution['label']}” "
              f"(first move {move}; P(recognised) {p_rec:.2f} in one round from the prior "
              f"belief; the Forecasts section measures what China's belief at the as-of date "
              f"does to that chance). P1 (boycott less secure "
              f"than engagement) {p1.status} at the defaults and holds in {p1.share:.0%} of "
              f"{p1.n_defined:,} draws over the ranges.")
    return LensAnswer("game", _stance_of_move(move), answer,
                      {"p_recognised": float(p_rec), "p1_share": float(p1.share)},
                      "game"), p1


def _exposure_share(p1: Any) -> str:
    """The simulator's P1 difference with the boycott's exposure at 1, in one clause."""
    x = p1.details["exposure"]
    at_one = x["engage_no_promise_minus_boycott_at_one"]
    share = ("" if x["share"] is None
             else f"; the assumption makes {percent(x['share'])} of it")
    return (f"with {x['parameter']} at 1 the difference is {at_one:+.3g}, against "
            f"{p1.effect:+.3g} at its default {x['default']:g}{share}.")


def _policy_question(ctx: ReportContext, study: Study) -> tuple[Question, dict[str, Any]]:
    ref, other = study.reference_policy, study.discovery.compare_to or "boycott"
    props = v1_propositions(ctx)
    game, p1 = _game_answer(game_solution(ctx), props)
    dyn = {r.name: r for r in dynamic_propositions(ctx)}
    sim_p1 = dyn["P1"]
    sim = LensAnswer(
        "simulator", "engage" if sim_p1.effect > 0 else "boycott",
        f"At the defaults, engaging (no promise) minus boycotting changes China's security by "
        f"{sim_p1.effect:+.3g} harm units per year ({sim_p1.measure}); P1 "
        f"{'holds' if sim_p1.holds else 'does not hold'}. " + p1_made_of(sim_p1),
        {"engage_minus_boycott": float(sim_p1.effect),
         "engage_minus_boycott_exposure_at_one": float(
             sim_p1.details["exposure"]["engage_no_promise_minus_boycott_at_one"])},
        "dynamic-propositions")
    comp = explore_comparison(ctx, study)
    sec = next(c for c in comp.comparisons if c.outcome == "china_security")
    robust = tuple(sec.most_robust.get("minimax_regret", ()))
    design, ev = explore_lhs(ctx, study)
    diff = contrasts(study, ev, ref, other, "china_security")["difference"]
    better = diff > 0  # china_security: higher is better
    expl = LensAnswer(
        "exploration", _stance_of_policies(robust),
        f"Over {design.n_experiments:,} experiments of scenario {study.id}, the most robust "
        f"policy for china_security by minimax regret is {' = '.join(robust)}"
        f"{' (tied)' if len(robust) > 1 else ''}; {ref} beats {other} in "
        f"{better.mean():.0%} of them.",
        {"share_reference_better": float(better.mean()),
         **{f"max_regret.{m.policy}": float(m.max_regret or 0.0) for m in sec.metrics
            if m.policy in (ref, other)}}, "policies")
    answers = [game, sim, expl]
    barg = _bargaining_answer(ctx, "recognition", "The expected-utility model forecasts "
                              "recognition at {words}; a forecast of what the stakeholders "
                              "settle on, not advice.")
    answers += [barg] if barg else []
    # the policy question's own sensitivity: the reference minus the comparison policy
    sens = explore_sensitivity(ctx, study)
    name = "china_security.difference"
    dec: tuple[str | None, float, tuple[tuple[str, float], ...]] = (None, 0.0, ())
    method = ""
    close: tuple[str, ...] = ()
    noise = False
    if sens.compare_to == other and any(r.outcome == name for r in sens.results):
        res = sens.result(name)
        dec = decisive_parameter(res)
        close = indistinct(res, dec[0]) if dec[0] else ()
        # the sensitivity section's rule: an index whose interval reaches 0 is not an effect
        lead = dec[0]
        noise = lead is not None and isinstance(res, SobolResult) and reaches_zero(
            res.ST[lead], res.ST_conf[lead])
        method = (f"largest total-order Sobol' index of china_security under {ref} minus "
                  f"under {other} (N = {sens.design.get('n_base', '?')}, "
                  f"{sens.design['experiments']:,} experiments per policy)")
    # where the reference policy beats the comparison one: PRIM on the same experiments
    overturn = better if expl.stance == other else ~better
    box_text = "no experiment overturns it"
    box = None
    if overturn.any() and not overturn.all():
        bounds = [(u.low, u.high) for u in study.uncertainties]
        box = prim(design.values, overturn, study.names, bounds=bounds)
        box_text = _box_words(box, study)
    others = len(study.uncertainties) - 1
    overlap = (f"every other parameter's ({others})" if len(close) == others else
               f"those of {len(close)} other parameter(s), first {', '.join(close[:3])}")
    caveat = (f" At this sample size the 95% interval of {dec[0]}'s index overlaps "
              f"{overlap}: the ranking is not settled (a larger --n, or --full, narrows "
              "the intervals)." if close else "")
    if noise:
        caveat += (f" Its own interval reaches 0, so at this size no parameter is shown to "
                   f"move the difference at all: {dec[0]} leads within the noise.")
    disagreements = []
    lenses = [a for a in answers if a.lens in WHERE]
    for i, a in enumerate(lenses):
        for b in lenses[i + 1:]:
            if a.stance == b.stance:
                continue
            reasons = (f"The assumption that moves the {ref}-minus-{other} difference most "
                       f"is {dec[0]} (ST {dec[1]:.2f}); where the exploration's answer "
                       f"({expl.stance}) is overturned (PRIM): {box_text}." + caveat)
            if "simulator" in (a.lens, b.lens):
                # the ranking is the exploration's, over the ranges; the simulator's answer
                # at the defaults has its own decomposition (its P1 row)
                reasons += (" That ranking is over the exploration's ranges; the simulator's "
                            "answer at the defaults is decomposed in its own row: "
                            + _exposure_share(sim_p1))
            disagreements.append(Disagreement(
                (a.lens, b.lens), (a.stance, b.stance), dec[0], dec[1], method,
                sentence(f"{_answers(a.lens, a.stance)}; {_answers(b.lens, b.stance)}. ")
                + reasons,
                "sensitivity-china_security-difference", dec[2], close, reasons))
    notes: tuple[str, ...] = ()
    if any(a.lens == "bargaining" and a.stance != expl.stance for a in answers):
        notes = ("The bargaining forecast answers a different question (what the "
                 "stakeholders will settle on), so it is shown, not counted as a "
                 "disagreement.",)
    extra = {"decisive": dec, "method": method, "caveat": caveat, "box": box, "box_text": box_text,
             "overturn_share": float(overturn.mean()), "overturned": int(overturn.sum()),
             "experiments": int(overturn.size), "noise": noise, "p1": p1, "expl": expl}
    return Question("policy", QUESTION_POLICY, tuple(answers), tuple(disagreements),
                    notes), extra


def _backfire_question(ctx: ReportContext, study: Study) -> Question:
    props = v1_propositions(ctx)
    p5 = [r for r in props.results if r.proposition.id.startswith("P5")]
    holds5 = any(r.status == "holds" for r in p5)
    game = LensAnswer(
        "game", "backfires" if holds5 else "does not backfire at the defaults",
        "P5 (the crackdown pushes militants to ISKP and leaves China less secure): "
        + "; ".join(f"{r.proposition.id} {r.status} at the defaults, holds in {r.share:.0%} "
                    "of the draws" for r in p5) + ".",
        {f"{r.proposition.id}_share": float(r.share) for r in p5}, "propositions")
    dyn = {r.name: r for r in dynamic_propositions(ctx)}["P5"]
    sim = LensAnswer(
        "simulator", "backfires" if dyn.holds else "does not backfire at the defaults",
        f"P5 in time: effect {dyn.effect:+.3g} ({dyn.measure}; the effect is security's "
        "largest drop from its peak to full intensity, 0 where it rises throughout); "
        f"{'holds' if dyn.holds else 'does not hold'} at the defaults.",
        {"p5_effect": float(dyn.effect)}, "dynamic-propositions")
    disc = explore_discovery(ctx, study)
    share = float(disc.cases.mean())
    expl = LensAnswer(
        "exploration", "backfires in a region" if share > 0 else "does not backfire",
        f"{share:.0%} of {disc.cases.size:,} experiments: {disc.rule}. "
        + (f"PRIM's box: {_box_words(disc.prim, study)}." if share > 0 else
           "No experiment backfires, so there is no region to describe."),
        {"backfire_share": share, "coverage": float(disc.prim.chosen.coverage),
         "density": float(disc.prim.chosen.density)}, "discovery")
    answers = [game, sim, expl]
    barg = _bargaining_answer(ctx, "action_on_etim", "The expected-utility model forecasts "
                              "the Taliban's action against ETIM/TIP at {words}.")
    answers += [barg] if barg else []
    driver, qp = box_driver(disc.prim)
    base = dict(study.base)
    disagreements = []
    if share > 0 and driver is not None:
        lo, hi = disc.prim.chosen.limits(disc.prim.names)[driver]
        inside = lo <= base[driver] <= hi
        for a in (game, sim):
            if a.stance.startswith("does not"):
                disagreements.append(Disagreement(
                    (a.lens, "exploration"), (a.stance, expl.stance), driver, qp,
                    "restricted dimension of PRIM's backfire box with the smallest quasi-p",
                    f"{a.lens} finds no backfire at the defaults; the exploration finds it in "
                    f"{share:.0%} of the experiments, concentrated where {driver} is "
                    f"{lo:.3g}–{hi:.3g} (quasi-p {qp:.2g}); its default {base[driver]:.3g} "
                    f"lies {'inside' if inside else 'outside'} that range.", "discovery"))
    return Question("backfire", QUESTION_BACKFIRE, tuple(answers), tuple(disagreements))


def _record_says(record: RecordCalibration | None, name: str | None) -> str:
    """What the calibration on the record says of the decisive parameter ("" if nothing).

    The exploration samples the parameter's whole prior range; where the record moves it,
    the reader of "the answer turns on it" should know which end the record favours.
    """
    if record is None:
        return ""
    post = next((p for p in record.parameters if p.name == name), None)
    if post is None or not math.isfinite(post.median_prior_quantile):
        return ""
    return (f" The calibration on the record (as of {record.as_of}, model {record.model}) "
            f"puts {name}'s median at {post.posterior_median:.3g}, at its prior's "
            f"{percent(post.median_prior_quantile)} quantile ({post.label}); the exploration "
            "samples its whole prior range.")


def _change_question(study: Study, policy: dict[str, Any],
                     record: RecordCalibration | None = None) -> Question:
    dec, method = policy["decisive"], policy["method"]
    expl: LensAnswer = policy["expl"]
    # a leader whose index reaches 0 is named, but not given as the answer
    stance = (f"not determined at this size ({dec[0]} leads within the noise)"
              if dec[0] and policy["noise"] else dec[0] or "nothing varied decides it")
    answers = [LensAnswer(
        "exploration", stance,
        (f"The answer “{expl.stance}” turns most"
         + (", within the noise," if policy["noise"] else "")
         + f" on {dec[0]} (ST {dec[1]:.2f}; then "
         + ", ".join(f"{n} {v:.2f}" for n, v in dec[2])
         + f"). It is overturned in {policy['overturn_share']:.0%} of the experiments "
         f"({policy['overturned']} of {policy['experiments']:,}), concentrated in: "
         f"{policy['box_text']}.{policy['caveat']}" + _record_says(record, dec[0]))
        if dec[0] else
        "No varied parameter moves the difference between the policies.",
        {"index": float(dec[1]), "overturned_share": policy["overturn_share"]},
        "sensitivity-china_security-difference")]
    flip = getattr(policy["p1"], "flip", None)
    if flip is not None and flip.value is not None:
        answers.append(LensAnswer(
            "game", flip.parameter,
            f"P1's verdict at the defaults changes when {flip.parameter} moves from "
            f"{flip.start:.3g} to {flip.value:.3g} (the nearest flip along the parameter "
            "most associated with P1's verdict over the draws, the others at their defaults; "
            "other parameters were not searched).", {"flip_value": float(flip.value)},
            "propositions"))
    return Question("change", QUESTION_CHANGE, tuple(answers), (),
                    (f"method: {method}",) if method else ())


def compute_findings(ctx: ReportContext, *, trust: bool = True) -> Findings:
    """The key findings of ``ctx.case`` from the report's shared studies (see the module).

    ``trust``: also the summary of how far to trust them (:mod:`qpq.report._trust`), which
    runs the backcast, track-record and model v2 studies (in a report, the sections' own).
    """
    t0 = time.perf_counter()
    study = explore_study(ctx)
    if study is None:
        raise ValueError("the key findings need an exploration scenario (scenarios/*.yaml)")
    policy, extra = _policy_question(ctx, study)
    record: RecordCalibration | None = None
    if trust:
        # the trust summary runs the same calibration (memoised); without it, none is run
        with contextlib.suppress(BadInputError):     # none: the trust summary says why
            record = record_calibration(ctx)
    questions = (policy, _backfire_question(ctx, study),
                 _change_question(study, extra, record))
    s = sizes(ctx)
    settings = {"reduced": ctx.reduced, "scenario": study.id,
                "uncertainties": len(study.uncertainties),
                "reference_policy": study.reference_policy,
                "compare_to": study.discovery.compare_to,
                "sobol_base_samples": s["sobol_n"], "lhs_experiments": lhs_size(ctx, study),
                "game_draws": s["study_n"], "sim_scenarios": s["prop_n"],
                "bargain_draws": s["bargain_draws"]}
    return Findings(ctx.case.meta.id, questions, settings, time.perf_counter() - t0,
                    trust=compute_trust(ctx) if trust else None)


def findings_for(case: Case, *, reduced: bool = True, options: dict[str, Any] | None = None,
                 trust: bool = True) -> Findings:
    """:func:`compute_findings` outside a report (``qpq findings``)."""
    ctx = ReportContext(case=case, out_dir=Path("."), generated=dt.datetime.now(dt.UTC),
                        reduced=reduced, options=dict(options or {}))
    return compute_findings(ctx, trust=trust)


# -- the report section -------------------------------------------------------------------

def _link(section: str, text: str) -> str:
    return f"<a href='#{escape(section)}'>{escape(text)}</a>"


def _grouped(ds: tuple[Disagreement, ...]) -> list[list[Disagreement]]:
    """Disagreements that share their decisive assumption and reasons, together.

    Each explanation opens with the pair's stances (one sentence) and goes on with the
    reasons; where the reasons are the same (the game against the simulator and against the
    exploration, both read on the exploration's experiments) one item says them once.
    """
    groups: dict[tuple[Any, ...], list[Disagreement]] = {}
    for i, d in enumerate(ds):
        # without separate reasons a disagreement stands alone
        key = (d.decisive, d.method, d.section, d.reasons) if d.reasons else (i,)
        groups.setdefault(key, []).append(d)
    return list(groups.values())


def _disagreement_item(group: list[Disagreement]) -> str:
    d = group[0]
    if d.reasons:
        # each lens's answer once, in the order the pairs name them
        said: dict[str, str] = {}
        for x in group:
            for lens, stance in zip(x.lenses, x.stances, strict=True):
                said.setdefault(lens, _answers(lens, stance))
        text = sentence("; ".join(said.values()) + ". ") + d.reasons
    else:
        text = d.explanation
    return (f"<li>{escape(', '.join(' vs '.join(x.lenses) for x in group))}: {d.role} "
            f"<strong><code>{escape(str(d.decisive))}</code></strong> "
            f"({escape(d.method)}). {escape(text)} "
            f"({_link(d.section, '§ ' + d.section)})</li>")


def findings_section(ctx: ReportContext) -> SectionContent:
    """The report's first section: the findings, every number linked to its section."""
    if not ctx.case.scenarios or not ctx.case.parameters:
        return SectionContent("<p class='empty'>The key findings need the game's parameters "
                              "and an exploration scenario; this case lacks one.</p>")
    f = compute_findings(ctx)
    parts = ([] if f.trust is None else [trust_html(f.trust, ctx.reduced)]) + [
        glossary_html(), names_html(ctx)]
    parts += ["<p>Each lens's answer to the paper's questions, side by side; where two "
             "disagree, the assumption that decides it is <em>computed</em> (a sensitivity "
             "analysis of the difference between the policies, or PRIM's box), not chosen. "
             "Every answer links to the section it comes from.</p>"]
    for q in f.questions:
        rows = "".join(
            f"<tr><td>{escape(a.lens)}</td><td><strong>{escape(a.stance)}</strong></td>"
            f"<td>{escape(a.answer)} ({_link(a.section, '§ ' + a.section)})</td></tr>"
            for a in q.answers)
        parts.append(f"<h3 id='findings-{escape(q.id)}'>{escape(q.text)}</h3>"
                     "<table class='data'><thead><tr><th>lens</th><th>answer</th>"
                     f"<th>reasons and numbers</th></tr></thead><tbody>{rows}</tbody></table>")
        if q.disagreements:
            parts.append("<p><strong>Where they disagree:</strong></p><ul>" + "".join(
                _disagreement_item(group) for group in _grouped(q.disagreements))
                + "</ul>")
        elif q.id != "change":
            parts.append("<p>The lenses that answer it agree.</p>")
        parts.extend(f"<p class='howto'>{escape(n)}</p>" for n in q.notes)
    s = f.settings
    parts.append(
        f"<p class='howto'>Settings ({'reduced, make run' if s['reduced'] else 'full'}): "
        f"scenario {escape(s['scenario'])} ({s['uncertainties']} uncertainties), "
        f"{s['lhs_experiments']:,} Latin-hypercube experiments, {s['sobol_base_samples']} "
        f"Sobol' base samples, {s['game_draws']:,} game draws, {s['sim_scenarios']} simulated "
        f"scenarios per proposition, {s['bargain_draws']} bargaining draws; the same studies "
        "as the sections linked. <code>qpq findings --json</code> prints these findings.</p>")
    pol = f.question("policy")
    dec = pol.disagreements[0].decisive if pol.disagreements else None
    summary = ("findings: " + "; ".join(f"{a.lens} {a.stance}" for a in pol.answers)
               + (f"; decisive: {dec}" if dec else "; the lenses agree"))
    return SectionContent("".join(parts), (), summary)
