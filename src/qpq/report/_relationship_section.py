"""The report section "Model v2: the repeated relationship" (docs/model-game.md §7.5, §8.2).

Model v2 makes v1's round the stage of an infinitely repeated relationship; it is opt-in,
and every other section still reads v1. This section shows v2's stationary equilibrium at
the defaults — per state (unrecognised, recognised): China's first move, each type's
effort, China's response to each signal, each player's discounted value and the chance of
being recognised next quarter — with the hold-up result (does a recognised sincere type
keep acting, and does China's response once recognised depend on what it observes), and
the propositions' verdicts under v2 beside v1's (the same protocol,
:func:`qpq.game.analysis.run_study` with ``model="v2"``).

Its phase diagram solves the relationship over the axes of the phase-diagram section's first
diagram (``iskp_pull`` × ``crackdown_intensity``, the paper's central claim), so the two
models can be read side by side.

``ctx.reduced`` (``make run``): v2's Monte Carlo over 20 draws without the flip search (a
point whose relationship is traced costs a fraction of a second) and an 8 × 8 phase diagram;
``--full``: 100 draws with flips (``qpq game propositions --model v2``) and 24 × 24.
"""

from __future__ import annotations

from html import escape
from typing import Any

from qpq.errors import BadInputError
from qpq.game import FULL_GAME, Effort, solve_relationship
from qpq.game.analysis import (
    LABEL_KEY,
    PhaseDiagram,
    PropositionResult,
    PropositionStudy,
    phase_diagram,
    run_study,
)
from qpq.model import ParameterRegistry
from qpq.report._phase_section import DIAGRAMS, phase_chart
from qpq.report._sections import Figure, ReportContext, SectionContent, html_table
from qpq.report._shared import SEED, v1_propositions

__all__ = ["V2_DRAWS_FULL", "V2_DRAWS_REDUCED", "V2_PHASE_FULL", "V2_PHASE_REDUCED",
           "bottom_line", "relationship_section", "v2_comparison", "verdict_changes"]

V2_DRAWS_REDUCED = 20
"""v2's Monte Carlo draws in ``make run`` (no flip search)."""
V2_DRAWS_FULL = 100
"""v2's Monte Carlo draws with ``--full`` (with the flip search)."""
V1_DRAWS = 2000
"""v1's draws for the comparison (as the propositions section's reduced run)."""
V2_PHASE_REDUCED = 8
"""Grid values per axis of v2's phase diagram in ``make run`` (a traced cell costs about
0.01 s of CPU in a grid's batch since the tracing's change of 2026-12-07, 0.1 s before;
docs/model-game.md §8.1)."""
V2_PHASE_FULL = 24
"""Grid values per axis of v2's phase diagram with ``--full``."""

V2_HOW_TO_READ = (
    "Each colour is model v2's stationary equilibrium at that combination of the two "
    "parameters, all others at their defaults: China's first move while unrecognised and "
    "the final actions it takes at some signal, each type's effort while unrecognised and "
    "once recognised (one letter per type), and how the strategies were found. "
    + LABEL_KEY + ". The white diamond is the default point.")


def _probs(d: dict[str, float]) -> str:
    return ", ".join(k if v >= 1 - 1e-12 else f"{k} {v:.2f}" for k, v in d.items())


def _state_table(doc: dict[str, Any]) -> str:
    rows = []
    for name, body in doc["states"].items():
        on = max(body["first_move"], key=body["first_move"].get)
        after = body["after"][on]
        efforts = "<br>".join(f"{escape(t)}: {escape(_probs(e))}"
                              for t, e in after["efforts"].items())
        responses = "<br>".join(f"{escape(g)}: {escape(_probs(a))}"
                                for g, a in after["responses"].items())
        values = "<br>".join(
            f"{escape(t)}: {body['china_value_by_type'][t]:.2f} / "
            f"{body['taliban_value_by_type'][t]:.2f} (P(recognised next) "
            f"{body['p_recognised_next_by_type'][t]:.2f})"
            for t in body["china_value_by_type"])
        rows.append([f"<strong>{escape(name)}</strong>", escape(_probs(body["first_move"])),
                     efforts, f"<small>{responses}</small>", f"<small>{values}</small>"])
    return html_table(["state", "China's first move", "Taliban effort by type",
                       "China's response by signal (s, d, UN report)",
                       "value by true type: China / Taliban"], rows)


def _hold_up(rel: Any) -> str:
    st = FULL_GAME
    sincere = [k for k, t in enumerate(st.types) if t.sincere]
    acting = [st.types[k].label for k in sincere
              if st.efforts[int(rel.effort[0, 1, k])] is not Effort.HARBOUR]
    responsive = len({int(a) for a in rel.response[0, 1]}) > 1
    reach = float(rel.recognised_next[0, 0].max())
    parts = [("a recognised sincere type keeps acting (" + ", ".join(acting) + ")")
             if acting else "no recognised sincere type keeps acting (the hold-up persists)",
             "China's response once recognised depends on what it observes" if responsive
             else "China's response once recognised does not depend on what it observes",
             f"the largest chance that some type is recognised next quarter from the "
             f"unrecognised state is {reach:.2f}"]
    return "; ".join(parts)


def _verdict(r: PropositionResult | None) -> str:
    if r is None:
        return "–"
    text = {"holds": "✔ holds", "fails": "✘ fails", "partly": "◐ partly",
            "undefined": "– undefined"}[r.status]
    text += f" · {r.share:.0%} of {r.n_defined}"
    if r.flip is not None and r.flip.value is not None:
        text += f" · flips at {r.flip.parameter} = {r.flip.value:.3g}"
    fals = "✔" if r.falsification_ok else "✘"
    return f"{escape(text)}<br><small>counterpart {fals} ({r.falsified_share:.0%})</small>"


def _comparison(v1: PropositionStudy, v2: PropositionStudy) -> str:
    rows = []
    for r2 in v2.results:
        r1 = next((r for r in v1.results if r.proposition.id == r2.proposition.id), None)
        mixed = r2.defaults_metrics.get("mixed")
        rows.append([f"<strong>{escape(r2.proposition.id)}</strong>",
                     escape(r2.proposition.statement), _verdict(r1), _verdict(r2),
                     f"<small>{escape(r2.proposition.definition)}"
                     + (" (mixed strategies at the defaults)" if mixed else "") + "</small>"])
    return html_table(["id", "the paper says", f"v1 (one round; {v1.n_draws:,} draws)",
                       f"v2 (relationship; {v2.n_draws:,} draws)", "how v2 reads it"], rows)


def verdict_changes(v1: PropositionStudy, v2: PropositionStudy) -> list[tuple[str, str, str]]:
    """The propositions whose verdict at the defaults differs between v1 and v2."""
    before = {r.proposition.id: r.status for r in v1.results}
    return [(r.proposition.id, before[r.proposition.id], r.status) for r in v2.results
            if r.proposition.id in before and before[r.proposition.id] != r.status]


def _flips(v1: PropositionStudy, v2: PropositionStudy) -> str:
    changed = verdict_changes(v1, v2)
    if not changed:
        return "every proposition keeps its verdict at the defaults."
    return ("the verdict at the defaults changes for " + ", ".join(
        f"{pid} ({a} → {b})" for pid, a, b in changed) + ".")


def _found(d: PhaseDiagram) -> str:
    # "; " between the kinds: one of them ("traced, pure") holds a comma
    return "; ".join(f"{k} {v:.0%}" for k, v in d.found_by_shares().items()) or "none solved"


def _phase_text(d: PhaseDiagram) -> str:
    """What the v2 diagram shows in numbers: how found, then the shares by label.

    The shares are a table, not a list: the labels hold "; " themselves.
    """
    text = (f"Over {escape(d.x.name)} × {escape(d.y.name)} ({d.shape[1]} × {d.shape[0]} "
            f"grid; v1's diagram over the same axes is in the section \"Phase diagrams\"). "
            f"How the strategies were found (share of the solved points): {escape(_found(d))}")
    mixed = d.mixed_regret()
    if mixed is not None:
        text += (f"; where play is mixed the regret is {mixed[0]:.3g} at the median and "
                 f"{mixed[1]:.3g} at most (payoff units: approximate equilibria)")
    text += f". Solved in {d.seconds:.1f} s."
    shares = sorted(d.shares().items(), key=lambda kv: -kv[1])
    if not shares:
        return f"<p>{text} No point of the grid was solved.</p>"
    return f"<p>{text} The share of the grid each equilibrium holds:</p>" + html_table(
        ["stationary equilibrium (label)", "share of the solved grid"],
        [[escape(k), f"{v:.0%}"] for k, v in shares])


def v2_comparison(ctx: ReportContext) -> tuple[PropositionStudy, PropositionStudy]:
    """The propositions under v1 (:data:`V1_DRAWS`) and v2 at this report's size, once.

    The section shows them side by side; the key findings' trust summary reads the same pair,
    so the verdicts it says v2 reverses are the section's.
    """
    registry = ParameterRegistry.from_case(ctx.case)
    n2 = V2_DRAWS_REDUCED if ctx.reduced else V2_DRAWS_FULL
    v2: PropositionStudy = ctx.memo("game.v2_propositions", lambda: run_study(
        registry, n2, seed=SEED, model="v2", flips=not ctx.reduced))
    return v1_propositions(ctx, V1_DRAWS), v2


def bottom_line(doc: dict[str, Any]) -> str:
    """What v2's equilibrium at the defaults means for the deal, in one sentence.

    Read from the unrecognised state (where the deal would start): China's first move, each
    type's chance of acting (any effort but harbouring) on it, and the largest chance that a
    type is recognised next quarter.
    """
    body = doc["states"]["unrecognised"]
    on = max(body["first_move"], key=body["first_move"].get)
    p_on = body["first_move"][on]
    move = (f"China plays {on}" if p_on >= 1 - 1e-9 else
            f"China's likeliest first move is {on} (probability {p_on:.2f})")
    acts = {t: 1.0 - e.get("harbour", 0.0) for t, e in body["after"][on]["efforts"].items()}
    acting = {t: p for t, p in acts.items() if p > 1e-9}
    reach = max(body["p_recognised_next_by_type"].values())
    if not acting:
        who = "every Taliban type harbours the militants"
    elif len(acting) == len(acts) and min(acting.values()) >= 1 - 1e-9:
        who = "every Taliban type acts against the militants"
    else:
        who = "the Taliban types act against the militants with probability " + "; ".join(
            f"{t} {p:.2f}" for t, p in acts.items())
    deal = (", so the deal does not form" if not acting and reach < 0.005 else "")
    chance = ("nil" if reach < 0.005 else f"at most {reach:.2f}")
    return (f"At the defaults, while unrecognised, {move} and {who}{deal}; the chance that "
            f"some type is recognised next quarter is {chance}.")


def relationship_section(ctx: ReportContext) -> SectionContent:
    """v2's equilibrium at the defaults and the propositions under v2 beside v1."""
    try:
        registry = ParameterRegistry.from_case(ctx.case)
    except BadInputError as exc:
        return SectionContent(f"<p class='empty'>This case's parameters do not define the "
                              f"game: {escape(str(exc))}</p>")
    rel = solve_relationship(registry.defaults().arrays())
    doc = rel.to_json(0)
    how = doc["found_by"] + ("" if doc["pure"] else f", mixed (regret {doc['regret']:.3g})")
    v1, v2 = v2_comparison(ctx)  # v1: the propositions section's, when sizes agree
    x, y, why = DIAGRAMS[0]
    size = V2_PHASE_REDUCED if ctx.reduced else V2_PHASE_FULL
    diagram = phase_diagram(registry, x, y, size, model="v2")
    figure = Figure(f"v2-phase-{x}-{y}".replace("_", "-"),
                    f"Model v2's equilibrium over {x} × {y}", V2_HOW_TO_READ,
                    phase_chart(diagram), note=f"Why these axes: {why}")
    html = (
        f"<p><strong>Bottom line.</strong> {escape(bottom_line(doc))} Under v2 "
        + escape(_flips(v1, v2)) + " The propositions under v2 rest on "
        f"{v2.n_draws:,} draws (v1's on {v1.n_draws:,}): read their shares as indicative."
        "</p>"
        "<p>Model v2 (opt-in and still under construction, as <code>qpq game relationship"
        "</code> says: the other sections read v1, except the track record's "
        "calibration on the record, which fits v2) makes the one-round game the "
        "stage of an infinitely repeated relationship: China's status towards the Taliban "
        "(unrecognised or recognised) is the state, strategies are stationary in it, and "
        "what follows a round is the relationship's own discounted value rather than v1's "
        "assumed W. At the defaults the equilibrium was found by "
        f"{escape(how)}; China's value {doc['china_value']:.2f} (harm units, δ = "
        f"{doc['discount_per_quarter']:g} per quarter).</p>"
        + _state_table(doc)
        + f"<p><strong>The hold-up:</strong> {escape(_hold_up(rel))}.</p>"
        "<p>The propositions under v2, beside v1: the same statements and falsification "
        "counterparts, read in the relationship (the last column). Each cell gives the "
        "verdict at the defaults, the share of the Monte Carlo draws where it holds, the "
        "nearest flip where it was searched, and whether the counterpart fails as it must. "
        "v2's solver reports one stationary equilibrium per point, so its verdict on some "
        "and every equilibrium is that on this one. P8 (what matters most) is the "
        "exploration lens's question.</p>"
        + _comparison(v1, v2)
        + "<p><strong>Phase diagram of v2</strong>, the figure below.</p>"
        + _phase_text(diagram)
        + "<p class='howto'>Reproduce: <code>qpq game relationship</code>; <code>qpq game "
        f"propositions --model v2 --n {v2.n_draws} --seed {SEED}</code> (v2 computed in "
        f"{v2.seconds:.0f} s" + ("" if not ctx.reduced else ", without the flip search")
        + f"); <code>qpq game sweep --model v2 --x {x} --y {y} --n {size}</code>.</p>")
    v1_status = {r.proposition.id: r.status for r in v1.results}
    summary = ("v2 relationship: " + how + "; propositions v1→v2: "
               + ", ".join(f"{r.proposition.id} {v1_status.get(r.proposition.id, '–')}→"
                           f"{r.status}" for r in v2.results))
    summary += f"; phase diagram {size}x{size}: {_found(diagram)}"
    return SectionContent(html, (figure,), summary)
