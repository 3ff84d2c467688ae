"""Regenerate the numbers quoted in the docs.

Usage: ``python docs/regenerate_numbers.py [--check] [ID ...]``.

A figure quoted in a doc sits between ``<!-- numbers:ID -->`` and ``<!-- /numbers:ID -->``;
this script computes each block from the code and the built-in case and rewrites it in
place. ``--check`` rewrites nothing and exits 1 when a block differs from what the code
gives now (a test runs it on the quick blocks). Blocks:

* ``game-v2-budget``, ``explore-v2-budget`` — docs/model-game.md §8.1 and
  docs/model-explore.md: what model v2's cost guard refuses (the default v2 phase diagram,
  the v2 propositions study, the built-in scenario under ``--model v2``), read from its
  constants and its own messages (instant);
* ``game-mc`` — docs/model-game.md A.2: shares of a Monte Carlo over the assumption ranges
  (20,000 ordered draws, seed 2024, ``solve_ensemble``);
* ``game-phase`` — docs/model-game.md A.4: the three report diagrams at 200 × 200;
* ``game-verdicts`` — docs/model-game.md A.5: each proposition's verdict at the defaults on
  the selected / some / every PBE, margin, share of small margins (2,000 draws, seed
  2024), nearest flip and test region (``run_study``);
* ``game-propositions`` — docs/model-game.md A.5: the results table (20,000 draws, seed
  2024, ``run_study``): at the defaults, the share of the ranges with its 95% interval, the
  share in the paper's region, and the falsification counterpart (about a minute);
* ``game-readings`` — docs/model-game.md §7.2: the table of reading choices and tolerances,
  with the share of the ranges where the other choice changes the selected equilibrium
  (10,000 ordered draws, seed 2024, ``solve_ensemble``; the pure-over-mixed choice needs
  the mixed search of ``solve``: 400 of those draws);
* ``game-v2`` — docs/model-game.md §8: model v2's relationship at the defaults and over
  the ranges (1,000 ordered draws, seed 2024, ``solve_relationship``);
* ``game-v2-propositions`` — docs/model-game.md §8.2: the propositions under model v2
  beside v1 (``run_study(model="v2")``: 100 ordered draws, seed 2024, with flips; v1: 2,000
  draws, seed 2024; several minutes);
* ``backcast-v2`` — docs/model-dynamics.md §7.8: the backcast from 1996 as of 2025-12-31 with
  v1 and v2 (150 draws × 8 scenarios, belief grid 4, seed 0; a few minutes);
* ``record-calibration`` — docs/model-dynamics.md §7.11: the calibration on the record as
  of 2024-06-30 (rejection ABC, 50,000 histories, 500 accepted, 30 game points, belief grid
  12 — the defaults — seed 0), marginalised and conditional on the defaults; labels, derived
  quantities, trade-offs and checks, and the labels at seeds 1-3 (a few minutes);
* ``record-calibration-game-points`` — docs/model-dynamics.md §7.11: the share of prior game
  points at which the Taliban act (100 points, belief grid 12, 200 histories each) and the
  rule's number of game points (several minutes);
* ``record-calibration-why`` — docs/model-dynamics.md §7.11: the history's own noise in the
  record's deviance, the model's ISKP and ETIM/TIP stocks against the estimates, and the
  synthetic attack-rate recovery (at the calibration's default game points; a few minutes);
* ``record-calibration-synthetic`` — docs/model-dynamics.md §7.11: the rejection samplers'
  recovery of 20 synthetic truths drawn from the prior (50,000 histories each; one, five or
  ten per parameter point; with and without the regression adjustment), coverage and width,
  and the default it chooses (several minutes);
* ``record-calibration-derived`` — docs/model-dynamics.md §7.11: the coverage of the derived
  quantities (ISKP's fighters, the ETIM/TIP stocks, the expected attacks) on 20 synthetic
  truths at the default game points, with and without the regression adjustment (several
  minutes);
* ``tip-stock-flows`` — docs/model-dynamics.md §7.4: model v2's ETIM/TIP stock 1996 to
  mid-2021, its flows per period at the defaults (1,000 histories) and over the record
  calibration's prior (4,000 draws, 2 game points, belief grid 8, seed 0), with one drain
  switched off at a time (under a minute);
* ``backtest-v1`` — docs/model-dynamics.md §11: the rolling-origin backtest calibrated on
  the stylised facts (``calibration="facts"``; 17 origins, model v1, the command's default
  sizes; a few minutes): scores per event, skill
  against climatology and persistence, 90% coverage; the same run rewrites the packaged
  skill table src/qpq/sim/backtest_skill.json (dated) that ``qpq sim forecast --calibration
  facts`` quotes per event (not in ``--check`` mode).
* ``backtest-record`` — docs/model-dynamics.md §11: the same backtest (17 origins, models v1
  and v2, 1,000 × 8 particles, 10,000 forecast scenarios, seed 0) calibrated at each origin
  on the whole record known then (``calibration="record"``, :class:`qpq.sim.AbcSettings`
  defaults: 500 of 50,000 prior histories, 30 game points, belief grid 12; the origins share
  a fresh cache folder; about eight minutes on a quiet machine); rewrites the packaged
  skill table src/qpq/sim/backtest_skill_record.json (model
  v1's) that ``qpq sim forecast`` (record, the default calibration) quotes (not in
  ``--check`` mode).
* ``explore-difference`` — docs/model-explore.md §9: Sobol' indices of the deal minus
  boycott (``run_sensitivity(compare_to="boycott")`` on the built-in scenario, N = 64 base
  samples as in ``make run``'s report and ``qpq findings``; under a minute).
* ``explore-p8``, ``explore-backfire``, ``explore-robust`` — docs/model-explore.md §9: the
  built-in scenario at full size (Sobol' N = 1,024 under the deal; scenario discovery and the
  policy comparison on one Latin hypercube of 1,024 experiments, every lever; a few minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import math
import re
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

DOCS = Path(__file__).parent
SKILL_PATH = DOCS.parent / "src" / "qpq" / "sim" / "backtest_skill.json"
"""The packaged backtest skill table (qpq.sim._forecast.SKILL_FILE), written by backtest-v1."""
SKILL_RECORD_PATH = SKILL_PATH.with_name("backtest_skill_record.json")
"""The record-calibrated backtest's skill table (qpq.sim._forecast.SKILL_FILES["record"]),
written by backtest-record."""
CHECK = False
"""Set by run(): in --check mode nothing is written, the packaged skill table included."""


@functools.cache
def _transfers_fact() -> Any:
    """The stylised fact on transfers to China (its target read from the case)."""
    from qpq.case import load_case
    from qpq.sim import stylised_facts

    return next(f for f in stylised_facts(load_case()) if f.id == "cl-sf-uyghurs-deported")


def _pct(x: float) -> str:
    """A share as printed in the docs: two significant figures below 10%, whole above."""
    p = 100 * x
    if p == 0:
        return "0%"
    if p < 0.1:
        return f"{p:.2f}%"
    if p < 10:
        return f"{p:.1f}%"
    return f"{p:.0f}%"


def game_mc() -> str:
    """docs/model-game.md A.2: the Monte Carlo shares."""
    from qpq.game import LABELS, solve_ensemble
    from qpq.game.analysis import sample_assumptions
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    sample = sample_assumptions(registry, 20_000, np.random.default_rng(2024))
    sol = solve_ensemble(sample.params, workers=None)
    has = sol.has_pure
    labels = sol.label[has]
    shares = sorted(((float((labels == i).sum()) / sol.label.size, name)
                     for i, name in enumerate(LABELS)), reverse=True)
    harbour = float((sol.efforts[has] == 0).all(axis=1).sum()) / sol.label.size
    equivalent = float(sol.tie_equivalent.sum()) / max(1, int(sol.tie.sum()))
    parts = ", ".join(f"{name} {_pct(s)}" for s, name in shares if s > 0)
    return textwrap.fill(f"Monte Carlo over the full ranges (20,000 ordered draws, seed 2024, "
            f"`solve_ensemble`): no pure PBE {_pct(1 - has.mean())}; first-move ties "
            f"{_pct(sol.tie.mean())} ({_pct(equivalent)} of them outcome-equivalent); multiple "
            f"PBE paths {_pct(sol.multiple.mean())}; primary labels: {parts}; all types "
            f"harbour in {_pct(harbour)} of draws. These are findings about the assumption "
            "ranges, not tuned.", width=92)


PHASE_AXES = (("iskp_pull", "crackdown_intensity"), ("iskp_pull", "w_security"),
              ("us_presence", "econ_gain"))


def game_phase() -> str:
    """docs/model-game.md A.4: the report's three phase diagrams at 200 × 200."""
    from qpq.game.analysis import phase_diagram
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    rows = ["| axes (x × y) | 200 × 200: primary labels | multiple | ties |", "|---|---|---|---|"]
    for x, y in PHASE_AXES:
        d = phase_diagram(registry, x, y, 200)
        shares = sorted(((s, k) for k, s in d.shares().items()), reverse=True)
        text = ", ".join(f"{k} {_pct(s)}" for s, k in shares)
        rows.append(f"| `{x}` × `{y}` | {text} | {_pct(float(d.multiple.mean()))} | "
                    f"{_pct(float(d.tie.mean()))} |")
    return "\n".join(rows)


def game_readings() -> str:
    """docs/model-game.md §7.2: what each named reading choice or tolerance changes."""
    from dataclasses import replace

    from qpq.game import FULL_GAME, EnsembleSolution, Readings, solve, solve_ensemble
    from qpq.game.analysis import sample_assumptions
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    sample = sample_assumptions(registry, 10_000, np.random.default_rng(2024))
    base = solve_ensemble(sample.params, workers=None)

    def changed(o: EnsembleSolution) -> str:
        diff = (base.selected_move != o.selected_move) | (
            base.selected_profile != o.selected_profile)
        return _pct(float(diff.mean()))

    written = replace(FULL_GAME, readings=Readings(kappa_in_future_defection=False))
    kappa = changed(solve_ensemble(sample.params, written, workers=None))
    tight = changed(solve_ensemble(sample.params, tol=1e-12, workers=None))
    exact = replace(FULL_GAME, readings=Readings(equivalence_atol=0.0))
    eq0 = solve_ensemble(sample.params, exact, workers=None)
    ties = int(base.tie.sum())
    flips = int((base.tie_equivalent != eq0.tie_equivalent).sum())
    compete = replace(FULL_GAME, readings=Readings(pure_over_mixed=False))
    n_mixed, moved = 400, 0
    for i in range(n_mixed):
        point = {k: float(v[i]) for k, v in sample.params.items()}
        a, b = solve(point), solve(point, compete)
        if a.selected is None or b.selected is None:
            continue
        ea, eb = a.equilibria[a.selected], b.equilibria[b.selected]
        path_a = ea.continuations[FULL_GAME.first_moves.index(ea.first_move)]
        path_b = eb.continuations[FULL_GAME.first_moves.index(eb.first_move)]
        moved += int(ea.first_move != eb.first_move or not path_a.same_as(path_b))
    rows = [
        "| choice (option) | default, and which way it falls | the other choice changes the "
        "selected equilibrium in |", "|---|---|---|",
        "| pure over mixed (`Readings.pure_over_mixed`, `qpq game propositions "
        "--mixed-compete`) | `True`: a pure PBE is selected whenever one exists, even if the "
        "bounded mixed search found a mixed PBE China prefers (pure PBE are exact, mixed ones "
        f"come from a bounded search) | {_pct(moved / n_mixed)} of {n_mixed} draws "
        "(first move or on-path play; `solve` with the mixed search) |",
        "| κ inside σ_d in W (`Readings.kappa_in_future_defection`, `--written-sigma-d`) | "
        "`True`: σ_d at pressure κ_θ·x for continued effort x (item 3 above) | "
        f"{kappa} of 10,000 draws (first move or effort profile) |",
        "| tie tolerance (`tol`, `qpq game solve --tol`; 1e-9, relative) | China's best "
        "responses are compared on posterior expected payoffs (num ≥ max − tol·(den + "
        "\\|max\\|) on Bayes numerators), so an information set reached with probability "
        "below 1e-9 is judged like any other, not swamped by an absolute tolerance; ties "
        "across first moves go to the least committal move, within a move to the least "
        "effort | "
        f"{tight} of 10,000 draws with tol = 1e-12 |",
        "| outcome-equivalence (`Readings.equivalence_atol`; 1e-9, absolute on cell "
        "probabilities) | a (type, signal) cell of probability ≤ 1e-9 under both tied first "
        "moves is negligible: ties that differ only there are called outcome-equivalent | "
        f"never (it decides the flag only); with 0 the flag changes in {flips} of the {ties} "
        "draws with a first-move tie |",
        "| mixed-search interval (1e-9, `game/_mixed.py`) | a China mixture whose feasible "
        "interval is narrower than 1e-9 is a knife-edge and not reported | only where a mixed "
        "PBE is selected: where no pure PBE exists, or with `pure_over_mixed` = `False` |",
    ]
    return "\n".join(rows)


def _yn(v: bool | None) -> str:
    return "–" if v is None else "yes" if v else "no"


def game_verdicts() -> str:
    """docs/model-game.md A.5: verdicts with their margins, flips and test regions."""
    from qpq.game.analysis import SMALL_MARGIN, run_study
    from qpq.model import ParameterRegistry

    study = run_study(ParameterRegistry.load(), 2000, rng=np.random.default_rng(2024))
    rows = ["| id | at the defaults | selected / some / every PBE | margin | draws with margin "
            f"< {SMALL_MARGIN:g} | nearest flip (of the parameters searched) | searched along "
            "| tested at |",
            "|---|---|---|---|---|---|---|---|"]
    for r in study.results:
        status = r.status + (f" ({_pct(r.region_share)} of the region)"
                             if r.region_share is not None else "")
        if r.pbe is None:
            pbe = f"{_yn(r.at_defaults)} / selected PBE only"
        else:
            pbe = f"{_yn(r.pbe.selected)} / {_yn(r.pbe.some)} / {_yn(r.pbe.every)}"
            if r.pbe.selection_margin is not None:
                pbe += f" (China prefers the selected by {r.pbe.selection_margin:.3f})"
        f = r.flip
        flip = ("– (the same verdict in every draw)" if f is None else
                f"`{f.parameter}` = {f.value:.3g} (from {f.start:g})" if f.value is not None
                else "none")
        searched = "–" if f is None else ", ".join(f"`{n}`" for n in f.searched_along)
        rows.append(f"| {r.proposition.id} | {status} | {pbe} | {r.margin:.3g} | "
                    f"{_pct(r.small_margin_share)} | {flip} | {searched} | {r.test_region} |")
    return "\n".join(rows)


def _count(x: float) -> str:
    """A small whole count of types in words."""
    n = round(x)
    return {0: "no type", 1: "one type", 2: "two types"}.get(n, f"{n} types")


def _minus(x: float) -> str:
    """Two decimals with a typographic minus, as the prose around the blocks writes it."""
    return f"{x:.2f}".replace("-", "−")


def game_propositions() -> str:
    """docs/model-game.md A.5: the propositions at the defaults, over 20,000 draws, falsified."""
    from qpq.game.analysis import run_study
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    study = run_study(registry, 20_000, rng=np.random.default_rng(2024))
    # P5m's efforts run from 0 to crackdown_intensity (its default: no override at the defaults)
    top = float(registry["crackdown_intensity"].default)

    def share(r: Any) -> str:
        lo, hi = r.interval
        return (f"{100 * r.share:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]" if 0 < r.share < 1
                else _pct(r.share))

    def bold(r: Any) -> str:
        return r.status if r.status == "holds" else f"**{r.status}**"

    m = {r.proposition.id: r.defaults_metrics for r in study.results}
    means = {r.proposition.id: r.metric_means for r in study.results}
    p6s = study.result("P6s")
    flip = p6s.flip
    switch = f"{flip.value:.2g}" if flip is not None and flip.value is not None else "none"
    p1, p3, p7 = m["P1"], m["P3"], m["P7"]
    detail = {
        "P1": f"security {_minus(p1['security_engage'])} vs {_minus(p1['security_boycott'])} after "
              f"Boycott; this round's harm {p1['round_harm_engage']:.2f} vs "
              f"{p1['round_harm_boycott']:.2f}",
        "P2": f"{_count(m['P2']['types_restraining'])} restraining, "
              f"{_count(m['P2']['types_cracking_down'])} cracking down",
        "P3": f"gap {p3['cap_gap']:.2f}: {p3['p_suppressed_sincere_high']:.2f} vs "
              f"{p3['p_suppressed_sincere_low']:.2f}",
        "P4": f"P(Withhold \\| close) = {m['P4']['p_withhold_if_close']:.2f}",
        "P5m": f"security peaks at effort {m['P5m']['peak_intensity']:.2g}"
               + (", the top of the range" if math.isclose(m["P5m"]["peak_intensity"], top)
                  else "")
               if m["P5m"]["security_drop"] == 0 else
               f"security falls by {m['P5m']['security_drop']:.2g} after its peak",
        "P5p": "security does not fall from its peak" if m["P5p"]["security_drop"] == 0 else
               f"security falls by {m['P5p']['security_drop']:.2g} from its peak",
        "P6": f"pays {m['P6']['pay_us_present']:.2f} with the US, "
              f"{m['P6']['pay_us_absent']:.2f} without",
        "P6s": f"{_pct(p6s.region_share or 0.0)} of `econ_gain` ∈ (0, `aid_cost`]; the "
               f"verdict switches at `econ_gain` = {switch}",
        "P7": f"the reduction too: {-p7['term_security_at_zero_effort']:.1f} < "
              f"{p7['term_cost']:.1f}" if p7["analytic_reduction_holds"] else
              "the reduction does not",
    }
    region = {
        "P7": f"reduction holds in {_pct(means['P7']['analytic_reduction_holds'])}, agrees "
              f"with the full test in {_pct(means['P7']['agrees_with_reduction'])}",
    }
    on_path = {"P3": f" (on the path: {_pct(means['P3']['holds_on_path'])})"}
    note = {"P6": " (exactly neutral)", "P6s": " (at `econ_gain` = `aid_cost`)"}
    rows = ["| id | at the defaults | share of the ranges [95%] | in the paper's region | "
            "counterpart at defaults / share still holding |", "|---|---|---|---|---|"]
    for r in study.results:
        pid = r.proposition.id
        cond = r.proposition.condition
        # P6s's condition is its test region, given in the first column
        reg = (f"{_pct(r.share_in_condition)} at {cond.description}"
               if cond is not None and r.share_in_condition is not None and pid != "P6s"
               else region.get(pid, "–"))
        k = round(r.falsified_share * r.n_falsified)
        fals = ("holds" if r.falsified_at_defaults else "fails") + " / " + (
            f"{100 * r.falsified_share:.2f}% ({k} of {r.n_falsified:,} draws)" if k else "0.0%")
        rows.append(f"| {pid} | {bold(r)} ({detail[pid]}) | {share(r)}{on_path.get(pid, '')} | "
                    f"{reg} | {fals}{note.get(pid, '')} |")
    return "\n".join(rows)


def game_v2() -> str:
    """docs/model-game.md §8: the relationship at the defaults and over the ranges."""
    from qpq.game import FULL_GAME, solve_relationship
    from qpq.game.analysis import sample_assumptions
    from qpq.model import FINAL_ACTIONS, ParameterRegistry

    registry = ParameterRegistry.load()
    d = solve_relationship(registry.defaults().arrays())

    def responses(state: int) -> str:
        acts = [FINAL_ACTIONS[int(a)].value for a in d.response[0, state]]
        return ", ".join(f"{g.label} {a}" for g, a in zip(FULL_GAME.signals, acts, strict=True))

    how = ("a pure fixed point of policy iteration" if d.converged[0] else
           "found by the logit tracing, pure" if d.pure[0].all() else
           f"found by the logit tracing, mixed (regret {float(d.regret[0]):.3g})")
    efforts = ["harbour", "restrain", "crackdown"]
    eff = lambda x: ", ".join(f"{t.label} {efforts[int(e)]}"          # noqa: E731
                              for t, e in zip(FULL_GAME.types, d.effort[0, x], strict=True))
    defaults = (f"At the defaults ({how}): China plays "
                f"**{FULL_GAME.first_moves[int(d.first_move[0])].label}** while unrecognised; "
                f"efforts {eff(0)}; China's responses {responses(0)}. Once recognised: "
                f"efforts {eff(1)}; responses {responses(1)}. China's value "
                f"{float(d.value[0]):.2f} (harm units, discounted at δ = "
                f"{float(d.discount[0]):g} per quarter).")
    sample = sample_assumptions(registry, 1_000, np.random.default_rng(2024))
    r = solve_relationship(sample.params)
    pure = r.pure.all(axis=1)
    mixed = r.traced & ~pure
    q = np.quantile(r.regret[mixed], [0.5, 0.9]) if mixed.any() else np.zeros(2)
    recognises = float((r.recognised_next[:, 0].max(axis=1) > 0).mean())
    sincere = [k for k, t in enumerate(FULL_GAME.types) if t.sincere]
    acting = float(((r.effort[:, 1, sincere] > 0).any(axis=1) & pure).mean())
    responsive = float((np.array([len(set(x)) > 1 for x in r.response[:, 1].tolist()])
                        & pure).mean())
    ranges = (f"Over the ranges (1,000 ordered draws, seed 2024): policy iteration reaches a pure "
              f"fixed point in {_pct(float(r.converged.mean()))} of draws; the logit tracing "
              f"finds a pure equilibrium in {_pct(float((r.traced & pure).mean()))} more and "
              f"mixed strategies in {_pct(float(mixed.mean()))} (largest regret: median "
              f"{q[0]:.2g}, 90th percentile {q[1]:.2g} harm units). Where strategies are pure: "
              f"China's response once recognised depends on what it observes in "
              f"{_pct(responsive)} of draws, and a recognised sincere type acts in "
              f"{_pct(acting)}; some type can reach recognition from the unrecognised state "
              f"in {_pct(recognises)}.")
    return textwrap.fill(defaults, width=92) + "\n\n" + textwrap.fill(ranges, width=92)


def _flip(f: object) -> str:
    from qpq.game.analysis import Flip

    assert f is None or isinstance(f, Flip)
    return ("– (the same verdict in every draw)" if f is None else
            f"`{f.parameter}` = {f.value:.3g} (from {f.start:g})" if f.value is not None
            else f"none along `{f.parameter}` in [{f.low:g}, {f.high:g}]")


def game_v2_propositions() -> str:
    """docs/model-game.md §8.2: the propositions under v2 beside v1."""
    from qpq.game.analysis import SMALL_MARGIN, run_study
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    v1 = run_study(registry, 2000, rng=np.random.default_rng(2024))
    v2 = run_study(registry, 100, rng=np.random.default_rng(2024), model="v2")
    first = {r.proposition.id: r for r in v1.results}
    rows = ["| id | v1 at the defaults (share of 2,000 draws) | v2 at the defaults | v2 share "
            f"of 100 draws [95%] | v2 margin (draws < {SMALL_MARGIN:g}) | v2 nearest flip | "
            "v2 counterpart: at the defaults / share still holding |",
            "|---|---|---|---|---|---|---|"]
    for r in v2.results:
        o = first[r.proposition.id]
        status = r.status + (f" ({_pct(r.region_share)} of the region)"
                             if r.region_share is not None else "")
        fals = ("fails" if r.falsified_at_defaults is False else "holds"
                if r.falsified_at_defaults else "–")
        rows.append(f"| {r.proposition.id} | {o.status} ({_pct(o.share)}) | {status} | "
                    f"{_pct(r.share)} [{_pct(r.interval[0])}, {_pct(r.interval[1])}] | "
                    f"{r.margin:.3g} ({_pct(r.small_margin_share)}) | {_flip(r.flip)} | "
                    f"{fals} / {_pct(r.falsified_share)} |")
    mixed = [r.metric_means.get("mixed", float("nan")) for r in v2.results
             if "mixed" in r.metric_means]
    at_defaults = "mixed" if v2.result("P1").defaults_metrics["mixed"] else "pure"
    note = (f"v2's verdicts rest on mixed (traced, approximate) strategies in at most "
            f"{_pct(max(mixed))} of a proposition's draws; the equilibrium at the defaults "
            f"is {at_defaults}.")
    return "\n".join(rows) + "\n\n" + textwrap.fill(note, width=92)


def backcast_v2() -> str:
    """docs/model-dynamics.md §7.8: histories matching every fact, v1 against v2, per fact.

    Per used fact: the share of all histories matching it, and the share matching it among
    the histories that match every other used fact (which fact stops the rest).
    """
    import datetime as dt

    from qpq.case import load_case
    from qpq.sim import calibrate, given_others_words

    case = load_case()
    results = {m: calibrate(case, dt.date(2025, 12, 31), draws=150, replicates=8, seed=0,
                            grid_size=4, model=m) for m in ("v1", "v2")}
    rows = ["| model | histories matching every used fact |", "|---|---|"]
    for model, res in results.items():
        n = res.misses.size
        rows.append(f"| {model} | {int((res.misses == 0).sum())} of {n:,} "
                    f"({_pct(float((res.misses == 0).mean()))}) |")
    rows += ["", "| used fact | v1: matches | v1: matches where every other fact holds | "
             "v2: matches | v2: matches where every other fact holds |",
             "|---|---|---|---|---|"]

    def given(f: Any, n: int) -> str:
        return given_others_words(f.row(), n)

    by_model = {m: {f.fact.id: f for f in r.facts if f.used} for m, r in results.items()}
    for fid in by_model["v2"]:
        a, b = by_model["v1"].get(fid), by_model["v2"][fid]
        n1, n2 = results["v1"].misses.size, results["v2"].misses.size
        v1 = (f"{_pct(a.prior_match)} | {given(a, n1)}" if a is not None else "— | —")
        rows.append(f"| `{fid}` | {v1} | {_pct(b.prior_match)} | {given(b, n2)} |")
    dep = results["v2"].sim.stats["cl-sf-uyghurs-deported"]
    lo, med, hi = np.nanpercentile(dep, [5, 50, 95])
    rows += ["", f"Transfers to China 2000 to June 2021 over all v2 histories: median {med:.0f}, "
             f"5-95% {lo:.0f} to {hi:.0f} (the fact's target: {_transfers_fact().describe()})."]
    return "\n".join(rows)

def forecast_exposure() -> str:
    """docs/model-dynamics.md §7.8: why the report's policies differ on attacks on nationals.

    The report's own note under its forecast table (``make run``'s sizes), as it prints it.
    """
    from html import unescape
    from pathlib import Path

    from qpq.case import load_case
    from qpq.report._sections import ReportContext
    from qpq.report._sim_sections import forecast_section

    ctx = ReportContext(case=load_case(), out_dir=Path("."),
                        generated=dt.datetime.now(dt.UTC), reduced=True)
    html = forecast_section(ctx).html
    note = html[html.index("<p>What China does over the window"):]
    note = note[:note.index("</p>")]
    return textwrap.fill(unescape(re.sub(r"<[^>]+>", "", note)), width=92)


def recognition_belief() -> str:
    """docs/model-dynamics.md §7.8: what China's belief at the as-of date does to recognition.

    ``qpq sim forecast --as-of 2025-06-30 --until 2026-06-30``'s line (its defaults: record
    calibration, 10,000 scenarios, seed 0), as it prints it.
    """
    from qpq.case import load_case
    from qpq.sim import calibrator_for, forecast
    from qpq.sim import recognition_belief as measure

    case = load_case()
    cal = calibrator_for("record")(case, dt.date(2025, 6, 30))
    res = forecast(case, cal, dt.date(2026, 6, 30))
    return textwrap.fill(measure(case, cal, res).words(), width=92)


def p1_exposure() -> str:
    """docs/model-dynamics.md A.4: what the simulator's P1 difference is made of.

    ``qpq sim propositions``' line at the report's reduced size (512 scenarios, seed 0).
    """
    from qpq.case import load_case
    from qpq.sim import p1_boycott, p1_made_of

    r = p1_boycott(load_case(), n=512, seed=0)
    return textwrap.fill(f"At the defaults (512 scenarios, seed 0) engaging (no promise) minus "
                         f"boycotting changes China's security by {r.effect:+.3g} harm units "
                         f"per year ({r.measure}). {p1_made_of(r)}", width=92)


def backtest_v1() -> str:
    """docs/model-dynamics.md §11: the stylised facts' backtest's scores, as they come."""
    from qpq.case import load_case
    from qpq.sim import BacktestSpec, backtest

    # the facts calibration, named: the default is the record's (block backtest-record)
    result = backtest(load_case(), BacktestSpec(calibration="facts"))
    if not CHECK:
        # the same run gives the packaged skill table that `qpq sim forecast` quotes per event
        SKILL_PATH.write_text(json.dumps(result.skill_document(dt.date.today()), indent=1)
                              + "\n")
    return _skill_rows(result)


def _skill_rows(result: Any) -> str:
    """A backtest's skill table as the docs print it (blocks backtest-v1, backtest-record)."""

    def f(x: float | None, signed: bool = False) -> str:
        return "—" if x is None else (f"{x:+.2f}" if signed else f"{x:.3g}")

    def means(name: str, kind: str) -> str:
        # mean forecast (model; expectation, or probability) against the mean outcome
        rows = [r for r in result.rows if (r["event"] == name or name == f"all_{r['kind']}")
                and r["outcome"] is not None and r["forecasts"]["model"] is not None]
        if not rows or kind == "band":
            return "—"
        key = "probability" if kind == "binary" else "mean"
        fc = float(np.mean([r["forecasts"]["model"][key] for r in rows]))
        return f"{fc:.3g} / {float(np.mean([r['outcome'] for r in rows])):.3g}"

    rows = ["| event | score | origins | model | climatology | persistence | "
            "skill vs climatology | skill vs persistence | model mean / outcome mean | "
            "model's 90% coverage |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in result.skill_table():
        sc, cover = r["scores"], r["coverage"]
        rows.append(f"| {r['event']} | {r['score']} | {r['origins']} | "
                    f"{f(sc['model'])} | {f(sc['climatology'])} | {f(sc['persistence'])} | "
                    f"{f(r['skill_vs_climatology'], True)} | "
                    f"{f(r['skill_vs_persistence'], True)} | {means(r['event'], r['kind'])} | "
                    f"{'—' if cover is None else _pct(cover)} |")
    return "\n".join(rows)


def backtest_record() -> str:
    """docs/model-dynamics.md §11: the backtest calibrated on the whole record, as it comes.

    Settings fixed before the first run (not chosen by the scores): the default backtest's
    origins, horizon, particles (1,000 × 8), forecast scenarios and seed; the record
    calibration at :class:`qpq.sim.AbcSettings`' defaults; model v1 (the table beside
    backtest-v1's: only the calibration differs) and model v2 (the model the record
    calibration was built for).
    """
    from collections import Counter

    from qpq.case import load_case
    from qpq.sim import BacktestSpec, backtest

    case = load_case()
    out: list[str] = []
    # a fresh cache folder shared by the origins: later origins read the game's solved
    # regimes instead of solving them again (same answers, tested); no earlier result is read
    with tempfile.TemporaryDirectory() as tmp:
        results = {m: backtest(case, BacktestSpec(model=m, calibration="record",
                                                  cache_dir=Path(tmp)))
                   for m in ("v1", "v2")}
    for model, result in results.items():
        spec = result.spec
        if model == "v1" and not CHECK:
            # the forecast (model v1 by default) quotes the v1 table
            SKILL_RECORD_PATH.write_text(json.dumps(result.skill_document(dt.date.today()),
                                                    indent=1) + "\n")
        rec = spec.record_settings()
        per_origin = {r["origin"]: r["calibration"] for r in result.rows}
        labelled: Counter[str] = Counter(n for c in per_origin.values()
                                         for n in c["calibrated"])
        kept = ", ".join(f"`{n}` {k}" for n, k in sorted(labelled.items(),
                                                          key=lambda x: (-x[1], x[0])))
        out += [f"Model {model}, {len(spec.origins)} origins, {spec.horizon_months}-month "
                f"windows; at each origin rejection ABC on the record known then "
                f"({rec.population:,} of {rec.max_simulations:,} prior histories, "
                f"{rec.game_points} game points, belief grid {rec.grid_size}, nuisance "
                f"{rec.nuisance}, seed {spec.seed}), {spec.draws:,} posterior points × "
                f"{spec.replicates} histories as particles, {spec.n:,} forecast scenarios:",
                "", _skill_rows(result), "",
                f"Parameters labelled calibrated, with the number of origins (of "
                f"{len(per_origin)}) at which they were: {kept or 'none'}.", ""]
    return "\n".join(out[:-1])


def explore_difference() -> str:
    """docs/model-explore.md §9: what drives the deal-minus-boycott difference (N = 64)."""
    from qpq.case import load_case
    from qpq.explore import SobolResult, load_study, run_sensitivity

    case = load_case()
    study = load_study("deal-under-uncertainty", case)
    res = run_sensitivity(case, study, n=64, outcomes=["china_security", "militants_iskp"],
                          compare_to="boycott")
    rows = ["| measure | top five by ST (± 95% half-width) |", "|---|---|"]
    for r in res.results:
        assert isinstance(r, SobolResult)
        top = ", ".join(f"`{k}` {r.ST[k]:.2f} ± {r.ST_conf[k]:.2f}" for k in r.ranking("ST")[:5])
        rows.append(f"| `{r.outcome}` | {top} |")
    return "\n".join([f"N = 64 base samples, {res.design['experiments']:,} experiments per "
                      f"policy, {study.reference_policy} against boycott, seed {study.seed}:",
                      "", *rows])


_EXPLORE_N = 1024
"""Sobol' base samples and Latin-hypercube experiments of §9's full-size blocks: the full
report's Sobol' size (``qpq report --full``) and the built-in scenario's own ``n``."""


@functools.cache
def _explore_lhs() -> tuple[Any, Any, Any]:
    """The case, the built-in scenario and its Latin hypercube over every lever (once)."""
    from qpq.case import load_case
    from qpq.explore import load_study, run_lhs

    case = load_case()
    study = load_study("deal-under-uncertainty", case)
    return case, study, run_lhs(case, study, study.levers, n=_EXPLORE_N)


def _two(x: float) -> str:
    """Two decimals, without a minus sign on a value that rounds to zero."""
    return f"{0.0 if abs(x) < 0.005 else x:.2f}"


def explore_p8() -> str:
    """docs/model-explore.md §9: Sobol' indices of the levels under the deal (N = 1,024)."""
    from qpq.explore import SobolResult, run_sensitivity

    case, study, _ = _explore_lhs()
    res = run_sensitivity(case, study, n=_EXPLORE_N,
                          outcomes=["china_security", "militants_iskp"])
    out = [f"N = {_EXPLORE_N:,} base samples, {res.design['experiments']:,} experiments, "
           f"{study.reference_policy}, seed {study.seed}; 95% bootstrap half-widths:", ""]
    for r in res.results:
        assert isinstance(r, SobolResult)
        order = r.ranking("ST")
        out += [f"`{r.outcome}`:", "", "| rank | parameter | S1 | ST |", "|---|---|---|---|"]
        out += [f"| {i + 1} | `{k}` | {_two(r.S1[k])} ± {_two(r.S1_conf[k])} | "
                f"{_two(r.ST[k])} ± {_two(r.ST_conf[k])} |" for i, k in enumerate(order[:6])]
        rest = order[6:]
        if rest:
            top_st = max(r.ST[k] for k in rest)
            out.append(f"| 7-{len(order)} | the other {len(rest)} | | each ≤ {top_st:.2g} |")
        if "crackdown_intensity" in order:
            k = "crackdown_intensity"
            out.append(f"\n`crackdown_intensity` ranks {order.index(k) + 1} of {len(order)} "
                       f"(ST {r.ST[k]:.2g} ± {r.ST_conf[k]:.2g}).")
        out.append("")
    return "\n".join(out).rstrip()


def explore_backfire() -> str:
    """docs/model-explore.md §9: when the deal backfires (PRIM and CART, 1,024 experiments)."""
    from qpq.explore import run_discovery

    _, study, lhs = _explore_lhs()
    d = run_discovery(None, study, lhs=lhs)
    box, prim = d.prim.chosen, d.prim
    limits = box.limits(prim.names)
    rows = ["| restricted | low | high | quasi-p |", "|---|---|---|---|"]
    rows += [f"| `{k}` | {lo:.3g} | {hi:.3g} | {box.quasi_p.get(k, float('nan')):.2g} |"
             for k, (lo, hi) in limits.items()]
    cart = d.cart
    scores = sorted(cart.scores.items(), key=lambda kv: -kv[1])[:3]
    head = (f"{d.design.get('experiments', _EXPLORE_N):,} "
            f"Latin-hypercube experiments, seed {study.seed}. Case: {d.rule}. "
            f"Cases: {int(d.cases.sum())} of {d.cases.size} ({d.cases.mean():.1%}).")
    from qpq.explore import contrasts

    _, ev = lhs
    q = study.discovery
    diff = contrasts(study, ev, q.policy, q.compare_to, q.outcome)["difference"]
    lo, med, hi = np.quantile(diff, [0.05, 0.5, 0.95])
    spread = (f"The deal minus boycott in `{q.outcome}` (fighters at the horizon): median "
              f"{med:+.1f}, 5-95% {lo:+.1f} to {hi:+.1f}, largest {diff.max():+.1f}; more "
              f"ISKP fighters under the deal in {np.mean(diff > 0):.0%} of experiments, by "
              f"more than one fighter in {np.mean(diff > 1):.0%}.")
    head = head + "\n\n" + spread
    if not d.cases.any():
        return head + "\n\nNo experiment is a case: PRIM and CART have nothing to find."
    leaf = cart.leaves()[0]
    return "\n".join([
        head, "",
        f"PRIM's chosen box (step {prim.chosen_index} of {len(prim.trajectory) - 1}, pasted): "
        f"coverage {box.coverage:.2f}, density {box.density:.2f} (base "
        f"{prim.base_density:.2f}), mass {box.mass:.2f}.", "", *rows, "",
        "CART's scores: " + ", ".join(f"`{k}` {v:.2f}" for k, v in scores) +
        f"; densest leaf density {leaf.density:.2f}, coverage "
        f"{leaf.n_cases / cart.n_cases:.2f}, rule " +
        "; ".join(" ".join(str(x) for x in c) for c in leaf.rule) + "."])


def explore_robust() -> str:
    """docs/model-explore.md §9: the most robust policy (1,024 experiments, every lever)."""
    from qpq.explore import run_comparison

    _, study, lhs = _explore_lhs()
    c = run_comparison(None, study, lhs=lhs)
    rows = ["| outcome | direction | minimax regret | mean | worst decile | satisficing |",
            "|---|---|---|---|---|---|"]
    def best(comp: Any, metric: str) -> str:
        ps = comp.most_robust.get(metric, ())
        return "all tied" if len(ps) == len(comp.metrics) else ", ".join(f"`{p}`" for p in ps)

    for comp in c.comparisons:
        if comp.sign:
            rows.append(f"| `{comp.outcome}` | {'higher' if comp.sign > 0 else 'lower'} is "
                        "better | " + " | ".join(best(comp, m) for m in (
                            "minimax_regret", "mean", "worst_decile", "satisficing")) + " |")
    cs = next(comp for comp in c.comparisons if comp.outcome == "china_security")
    ranked = sorted(cs.metrics, key=lambda m: m.max_regret if m.max_regret is not None else 0)
    rows2 = ["| policy | largest regret | mean | share above the pooled median |",
             "|---|---|---|---|"]
    rows2 += [f"| `{m.policy}` | {m.max_regret:.2f} | {m.mean:.2f} | {m.satisficing:.0%} |"
              for m in ranked]
    return "\n".join([f"{_EXPLORE_N:,} Latin-hypercube experiments, every lever on the same "
                      f"experiments (common random numbers), seed {study.seed}; ties within "
                      f"{cs.tie_tolerance:.3g} (0.01 SD) for `china_security`:", "", *rows,
                      "", "`china_security` (harm units a year; higher is better):", "",
                      *rows2])


def record_calibration() -> str:
    """docs/model-dynamics.md §7.11: the calibration on the record as of 2024-06-30."""
    import dataclasses

    from qpq.case import load_case
    from qpq.sim import AbcSettings, calibrate_record, observed_text
    from qpq.sim._abc import UNDETERMINED_GAME

    case = load_case()
    # the defaults (since 2026-12-05: 30 game points, grid 12, by §7.11's rule): the block
    # follows AbcSettings rather than restating its values
    base = AbcSettings()
    runs = {nuisance: calibrate_record(case, dt.date(2024, 6, 30), rng=np.random.default_rng(0),
                                       settings=dataclasses.replace(base, nuisance=nuisance))
            for nuisance in ("prior", "defaults")}
    main, cond = runs["prior"], runs["defaults"]
    held = {p.name: p for p in cond.parameters}    # the conditional run reports no others
    # a row per parameter with something to say; the game's parameters that neither run could
    # label (too few solved game points) are counted in one line instead of a row each
    quiet = ("assumption-driven", UNDETERMINED_GAME)
    shown = [p.name for p in main.parameters
             if p.role == "targeted" or p.label not in quiet
             or (p.name in held and held[p.name].label not in quiet)]
    unlabelled = [p.name for p in main.parameters if p.name not in shown
                  and p.label == UNDETERMINED_GAME]

    def cell(p: Any) -> str:
        if p is None:
            return "held at its default"
        by = f" ({', '.join(p.by)})" if p.by else ""
        return f"{p.relative_ratio:.2f} {p.label}{by}"

    rows = [f"Rejection ABC, {main.simulations:,} prior histories from 1996, the "
            f"{main.weights.size} nearest accepted (effective sample size {main.ess:.0f}; "
            f"tolerance: deviance {main.populations[-1]['epsilon']:.1f}); {base.game_points} "
            f"game points, belief grid {base.grid_size}, seed 0. Conditional: the same with "
            "every untargeted parameter "
            f"at its default (tolerance {cond.populations[-1]['epsilon']:.1f}).", "",
            "| parameter | role | prior 90% | posterior 90% | posterior median (its prior "
            "quantile) | relative ratio, label (by) | conditional: relative ratio, label (by) "
            "|", "|---|---|---|---|---|---|---|"]
    for name in shown:
        p, c = main.parameter(name), held.get(name)
        rows.append(f"| {name} | {p.role} | {p.prior_90[0]:.3g}-{p.prior_90[1]:.3g} | "
                    f"{p.posterior_90[0]:.3g}-{p.posterior_90[1]:.3g} | {p.median_text} | "
                    f"{cell(p)} | {cell(c)} |")
    if unlabelled:
        same = all(n in held and held[n].label == UNDETERMINED_GAME for n in unlabelled)
        rows += ["", f"The game's {len(unlabelled)} parameters ({base.game_points} solved "
                 "game points): "
                 f"{UNDETERMINED_GAME}" + (", in the conditional run too." if same else
                                           "; none labelled in the conditional run.")]
    game = [p for p in main.parameters if p.role == "game"]
    if game and not unlabelled:
        by_label = {lab: [p.name for p in game if p.label == lab]
                    for lab in dict.fromkeys(p.label for p in game)}
        rows += ["", f"The game's {len(game)} parameters ({base.game_points} solved game "
                 "points; those not assumption-driven are rows above): " + "; ".join(
                     f"{len(v)} {lab}" for lab, v in by_label.items()) + "."]
    cond_derived = {p.name: p for p in cond.derived}
    rows += ["", "Derived quantities at the as-of date (the accepted histories' values, the "
             "same kernel weights and regression adjustment on log(value + floor); prior: "
             f"every one of the {main.simulations:,} prior histories):", "",
             "| derived quantity | prior 90% | posterior 90% | posterior median (its prior "
             "quantile) | relative ratio, label (by) | conditional: relative ratio, label "
             "(by) |", "|---|---|---|---|---|---|"]
    for d in main.derived:
        rows.append(f"| {d.name} | {d.prior_90[0]:.3g}-{d.prior_90[1]:.3g} | "
                    f"{d.posterior_90[0]:.3g}-{d.posterior_90[1]:.3g} | {d.median_text} | "
                    f"{cell(d)} | {cell(cond_derived.get(d.name))} |")

    def spread(interval: tuple[float, float]) -> str:
        lo, hi = interval
        return f"×{hi / lo:.3g}" if lo > 0 else "unbounded (its lower end is 0)"

    # what the widths hide for quantities whose prior spans orders of magnitude; the labels
    # keep the criterion fixed before any run (a scale chosen after seeing it would be tuning)
    rows += ["", "On the log scale, which the labels do not read (the factor between the "
             "ends of the 90% interval, prior → posterior): " + "; ".join(
                 f"{d.name} {spread(d.prior_90)} → {spread(d.posterior_90)}"
                 for d in main.derived) + "."]
    for t in main.trade_offs:
        level = t.level
        rows += ["", f"{t.group}: correlations of the logs with {level}, and the strongest "
                 "between two other members (prior → posterior; the prior draws the "
                 "parameters independently; the posterior is the accepted histories' own "
                 "values, before the regression adjustment):", "",
                 "| member | relative ratio, label | with " + level + ": prior → posterior |",
                 "|---|---|---|"]
        for n in t.names:
            if n == level:
                continue
            lab = (cell(main.parameter(n)) if n not in ("iskp_full_strength",)
                   else "observation-model assumption, not labelled")
            pr, po = t.pair(n, level)
            rows.append(f"| {n} | {lab} | {pr:+.2f} → {po:+.2f} |")
        others = [(a, b) for i, a in enumerate(t.names) for b in t.names[i + 1:]
                  if level not in (a, b)]
        a, b = max(others, key=lambda ab: abs(t.pair(*ab)[1]))
        pr, po = t.pair(a, b)
        rows.append(f"\nStrongest posterior correlation between two other members: {a} and "
                    f"{b}, {pr:+.2f} → {po:+.2f}.")
    # the same run with other seeds of the ABC's Generator (the labels only: no attribution)
    others = [calibrate_record(case, dt.date(2024, 6, 30), rng=np.random.default_rng(seed),
                               settings=dataclasses.replace(base, attribution=False,
                                                            ppc_draws=10))
              for seed in (1, 2, 3)]
    rows += ["", "The same calibration with other seeds of the Generator (other prior "
             "histories and observation draws; labels only): relative ratio and label of the "
             "targeted parameters and the derived quantities.", "",
             "| quantity | seed 0 | seed 1 | seed 2 | seed 3 |", "|---|---|---|---|---|"]
    for name in [p.name for p in main.parameters if p.role == "targeted"] + [
            d.name for d in main.derived]:
        rows.append(f"| {name} | " + " | ".join(
            f"{c.parameter(name).relative_ratio:.2f} {c.parameter(name).label}"
            for c in (main, *others)) + " |")
    binary = [c for c in main.checks if c["family"] in ("actions", "milestones")]
    rows += ["", "Posterior predictive checks of the actions and milestones (the predictive "
             "probability of a report; inside when the observed outcome has at least 5%): "
             + "; ".join(f"{c['family']} {c['observation']} observed "
                         f"{observed_text(c['observed'])}, {c['predictive_probability']:.2f}"
                         + ("" if c["inside_90"] else " (outside)") for c in binary) + "."]
    misses = [c for c in main.checks if not c["inside_90"]]
    given = sum(c["by_construction"] and c["inside_90"] for c in main.checks)
    rows += ["", f"Posterior predictive checks: {len(main.checks) - len(misses)} of "
             f"{len(main.checks)} observations inside the predictive 90% interval ({given} "
             "of them by construction: the only figure of a body with an offset of its own, "
             "which the offset is drawn to meet); outside: "
             + ("; ".join(f"{c['family']} {c['observation']} (observed "
                          f"{observed_text(c['observed'])}, predictive "
                          f"{c['predictive_90'][0]:.3g}-{c['predictive_90'][1]:.3g})"
                          for c in misses) or "none") + "."]
    return "\n".join(rows)


def record_facts() -> str:
    """docs/model-dynamics.md §7.11: the stylised facts, left out of the calibration, checked."""
    import dataclasses

    from qpq.case import load_case
    from qpq.sim import AbcSettings, calibrate_record
    from qpq.sim._record import FAMILIES
    from qpq.stats import binomial_interval

    case, as_of = load_case(), dt.date(2024, 6, 30)
    without = tuple(f for f in FAMILIES if f != "facts")
    base = dataclasses.replace(AbcSettings(), ppc_draws=4000, attribution=False)
    # the prior predictive: every prior history accepted, equal weights, no adjustment
    prior = dataclasses.replace(base, population=base.max_simulations, adjustment="none")
    runs = {name: calibrate_record(case, as_of, rng=np.random.default_rng(0), settings=st,
                                   families=without)
            for name, st in (("prior", prior), ("posterior", base))}
    rows = [f"Model v2 as of {as_of.isoformat()}, history from 1996; the calibration's default "
            f"settings on the families {', '.join(without)} (the stylised facts left out of "
            f"the likelihood), seed 0; {base.ppc_draws:,} predictive histories each from the "
            "prior (every one of its "
            f"{base.max_simulations:,} histories accepted, equal weights) and from the "
            "posterior. Share of predictive histories that match:", "",
            "| stylised fact | prior | posterior (calibrated without the facts) |",
            "|---|---|---|"]
    facts = {name: {c["observation"]: c["predictive_probability"]
                    for c in r.checks if c["family"] == "facts"} for name, r in runs.items()}
    for fid, p in facts["prior"].items():
        rows.append(f"| `{fid}` | {p:.1%} | {facts['posterior'][fid]:.1%} |")

    def together(name: str) -> str:
        t = runs[name].facts_together
        assert t is not None
        lo, hi = binomial_interval(t.matching, t.histories, 0.90, method="exact")
        return (f"{t.matching} of {t.histories:,} ({t.matching / t.histories:.1%}; 90% "
                f"interval {lo:.1%}-{hi:.1%})")

    rows.append(f"| **every one at once** | {together('prior')} | {together('posterior')} |")
    rows += ["", *_facts_and_recruitment(case, as_of, base, without)]
    return "\n".join(rows)


def _facts_and_recruitment(case: Any, as_of: dt.date, settings: Any,
                           without: tuple[str, ...]) -> list[str]:
    """Which facts the record's pull on ``recruitment`` costs.

    The prior histories' own facts, against those nearest the record without the facts (no
    adjustment).
    """
    import dataclasses

    from qpq.case import case_as_of
    from qpq.sim._abc import _chunk_deviance, _pool_chunks, _prepare, _seeds
    from qpq.sim._facts import evaluate

    s = dataclasses.replace(settings, adjustment="none")
    forward = _prepare(case, case_as_of(case, as_of), as_of, s, None, None)
    seed = _seeds(np.random.default_rng(0))[1]          # the calibration's prior histories
    rec = forward.record
    matched: dict[str, list[Any]] = {f.id: [] for f in rec.facts}
    columns: dict[str, list[Any]] = {}
    deviance = []
    for chunk in _pool_chunks(forward, s, seed, None):
        values, _, assumed, stats = chunk
        for f in rec.facts:
            matched[f.id].append(evaluate(f.target, stats["fact:" + f.id]))
        for name, v in {**values, **assumed}.items():
            columns.setdefault(name, []).append(np.asarray(v, dtype=float))
        dev = _chunk_deviance(rec, chunk, 1, without)
        deviance.append(sum(np.asarray(dev[f])[:, 0] for f in without))
    drawn = {n: np.concatenate(v) for n, v in columns.items()}
    drawn = {n: v for n, v in drawn.items() if v.std() > 0}
    r, total = drawn["recruitment"], np.concatenate(deviance)
    near = np.argsort(total, kind="stable")[:s.population]
    out = [f"Where the fall comes from, in the same {r.size:,} prior histories: the "
           f"{s.population} nearest the record without the facts (by its deviance, no "
           f"adjustment) have `recruitment` {r[near].mean():.1f} fighters a quarter on "
           f"average against the prior's {r.mean():.1f}; per fact, the share matching, the "
           "correlation of matching with `recruitment` over the prior histories, and the "
           "drawn parameter or assumption whose move towards the record goes most against "
           "the fact (the largest negative product of its shift among the nearest, in prior "
           "standard deviations, and its correlation with matching; a pointer, not a causal "
           "measure):", "",
           "| stylised fact | prior histories | nearest the record | correlation with "
           "recruitment | most against it: shift × correlation |", "|---|---|---|---|---|"]
    for f in rec.facts:
        ok = np.concatenate(matched[f.id]).astype(float)
        # per drawn column: its shift among the nearest (prior sd) and its correlation
        pull = {n: ((v[near].mean() - v.mean()) / v.std(), np.corrcoef(v, ok)[0, 1])
                for n, v in drawn.items()} if ok.std() > 0 else {}
        if not pull:
            shift = "none (every history alike)"
        else:
            worst = min(pull, key=lambda n: pull[n][0] * pull[n][1])
            shift = f"`{worst}` {pull[worst][0]:+.2f} sd × {pull[worst][1]:+.2f}"
        out.append(f"| `{f.id}` | {ok.mean():.1%} | {ok[near].mean():.1%} | "
                   f"{np.corrcoef(r, ok)[0, 1]:+.2f} | {shift} |")
    return out


def record_calibration_game_points() -> str:
    """docs/model-dynamics.md §7.11: where the Taliban act in the prior; the game points' rule.

    Reads the prior and the case's timeline only (no observation of the record): 100 game
    points drawn and solved as a calibration would (belief grid 12, game seed 0), 200 prior
    histories at each from 1996 to 2024-06-30.
    """
    from qpq.case import load_case
    from qpq.sim import AbcSettings, acting_game_points, required_game_points

    settings = AbcSettings(game_points=100)
    m = acting_game_points(load_case(), dt.date(2024, 6, 30), histories=200,
                           rng=np.random.default_rng(0), settings=settings)
    low, high = m.interval(0.90)
    default = AbcSettings()
    acting = m.share[m.share > 0]
    return "\n".join([
        f"{m.points} prior game points (belief grid {m.grid_size}, game seed {m.game_seed}), "
        f"{m.histories} prior histories each from 1996 to 2024-06-30: the Taliban act after "
        f"the takeover at **{m.acting} of {m.points}** points (p = {m.p:.2f}, 90% "
        f"Clopper-Pearson interval {low:.2f}-{high:.2f}); in {float(m.share.mean()):.0%} of "
        f"all {m.points * m.histories:,} histories. Among the acting points the share of "
        f"their histories that act has median {float(np.median(acting)):.2f} "
        f"({int((acting >= 0.5).sum())} points at half or more, "
        f"{int((acting < 0.1).sum())} under a tenth).", "",
        "| n from | p | fewest points with an acting one at probability 0.99 | with the "
        f"floor min_ess = {default.min_ess:.0f} |", "|---|---|---|---|",
        f"| the estimate | {m.p:.2f} | {required_game_points(m.p, floor=1)} | "
        f"{required_game_points(m.p, floor=default.min_ess)} |",
        f"| the interval's lower end (the rule) | {low:.2f} | "
        f"{required_game_points(low, floor=1)} | "
        f"{required_game_points(low, floor=default.min_ess)} |", "",
        f"`AbcSettings().game_points` = {default.game_points}: at p = {low:.2f}, "
        f"{default.game_points} points hold an acting one with probability "
        f"{1 - (1 - low) ** default.game_points:.6f}."])


def record_calibration_why() -> str:
    """docs/model-dynamics.md §7.11: why the record constrains so little (three measurements)."""
    from qpq.case import case_as_of, load_case
    from qpq.sim import AbcSettings, calibrate_record, synthetic_record

    # the calibration's forward model, to look inside one history's likelihood (a diagnosis
    # of the calibration module by its owner; nothing else reads it)
    from qpq.sim._abc import GAME_FREE, TARGETED, _prepare
    from qpq.sim._record import ASSUMPTIONS, deviance, figure_values, is_reference

    case = load_case()
    as_of = dt.date(2024, 6, 30)
    settings = AbcSettings()        # the calibration's prior: 30 game points, grid 12
    fw = _prepare(case, case_as_of(case, as_of), as_of, settings, None)
    rng = np.random.default_rng(0)
    n = 2000
    games = np.zeros(n, dtype=np.int64)
    rows = [f"{n:,} histories from 1996 to the as-of date, one game point, the observation "
            "models' assumptions at the middle of their ranges:", "",
            "| parameters | sd of the attacks' deviance | sd of the estimates' deviance |",
            "|---|---|---|"]
    defaults = fw.registry.point({})
    at_default = {k: np.full(n, float(defaults[k])) for k in defaults}
    drawn, _, _ = fw.prior_draws(n, 1, rng)
    mixed = {**drawn, **{k: at_default[k] for k in TARGETED}}
    for what, values in (("every parameter at its default", at_default),
                         ("targeted at their defaults, the rest drawn from the prior", mixed)):
        # one game point for all, the assumptions at the middle of their ranges
        values = {k: (v if k in GAME_FREE else np.full(n, float(fw.game_pool.values[k][0])))
                  for k, v in values.items()}
        assumed = {a.name: np.full(n, 0.5 * (a.low + a.high)) for a in ASSUMPTIONS}
        stats = fw.run_many(values, games, 7)
        dev = deviance(fw.record, stats, assumed, values["attack_dispersion"])
        rows.append(f"| {what} | {dev['attacks'].std():.1f} | {dev['estimates'].std():.1f} |")
    values, games2, assumed = fw.prior_draws(4000, 2, rng)
    stats = fw.run_many(values, games2, 9)
    # the figure a body would give without its error, at the UN's level: every other body's
    # own offset (integrated out by the likelihood) would move its figures together
    rows += ["", "| estimate | body | stock | record | model's figure at the UN's level over "
             "the prior: median (5-95%) |", "|---|---|---|---|---|"]
    for e in fw.record.estimates:
        x = figure_values(fw.record, stats, e, assumed)
        lo, med, hi = np.percentile(x, [5, 50, 95])
        body = "UN" if is_reference(e.body) else "other (own offset)"
        rows.append(f"| {e.id} | {body} | {e.stock} | {e.low:,.0f}-{e.high:,.0f} | {med:,.0f} "
                    f"({lo:,.0f}-{hi:,.0f}) |")
    rows += ["", "| synthetic: attack rate 1.6 the only unknown, counts from | attacks drawn | "
             "posterior 90% | relative ratio, label |", "|---|---|---|---|"]
    for start in (1996, 2004, 2014):
        s = AbcSettings(population=40, max_simulations=1000, game_points=1, grid_size=4,
                        start=dt.date(start, 1, 1), ppc_draws=4, attribution=False,
                        targeted=("attack_rate",), nuisance="defaults")
        rec = synthetic_record(case, as_of, {"attack_rate": 1.6},
                               rng=np.random.default_rng(11), settings=s)
        cal = calibrate_record(case, as_of, rng=np.random.default_rng(12), settings=s,
                               families=("attacks",), record=rec)
        p = cal.parameter("attack_rate")
        rows.append(f"| {start} | {sum(a.observed for a in rec.attacks)} | "
                    f"{p.posterior_90[0]:.2f}-{p.posterior_90[1]:.2f} | "
                    f"{p.relative_ratio:.2f} {p.label} |")
    return "\n".join(rows)


RECOVERY_CANDIDATES = ((1, "mean-deviance", 500, "none"), (5, "mean-deviance", 100, "none"),
                       (5, "mean-likelihood", 100, "none"), (10, "mean-deviance", 50, "none"),
                       (10, "mean-likelihood", 50, "none"), (5, "mean-deviance", 500, "none"),
                       (10, "mean-deviance", 500, "none"),
                       (1, "mean-deviance", 500, "local-linear"),
                       (1, "mean-deviance", 2500, "local-linear"),
                       (5, "mean-deviance", 500, "local-linear"))
"""The synthetic study's candidates (histories per point, point score, accepted points,
adjustment), all on 50,000 histories: today's sampler first; K = 5 and 10 at 1% of the
points (the conventional tolerance) with either score, and keeping 500 particles (a looser
tolerance); then (added after the first seven had been compared, the rule unchanged) the
local-linear regression adjustment at 1% and 5% of the points with one history each, and
with five at 5%. Fixed before each study ran."""


def record_calibration_synthetic() -> str:
    """docs/model-dynamics.md §7.11: the samplers' recovery of known truths (the default)."""
    import dataclasses

    from qpq.case import load_case
    from qpq.sim import AbcSettings, synthetic_recovery

    case = load_case()
    base = AbcSettings(max_simulations=50_000, game_points=2, grid_size=8)
    candidates = [dataclasses.replace(base, histories_per_point=k, point_score=score,
                                      population=pop, adjustment=adjustment)
                  for k, score, pop, adjustment in RECOVERY_CANDIDATES]
    study = synthetic_recovery(case, dt.date(2024, 6, 30), candidates, truths=20,
                               rng=np.random.default_rng(0))
    chosen = study.chosen()
    rows = [f"{study.truths} truths drawn from the prior (every parameter, the game point and "
            "the observation models' assumptions), one history each filling the record's "
            "cells as of 2024-06-30 from 1996; each candidate spends 50,000 histories on them "
            "(2 game points, belief grid 8, seed 0). Coverage: share of the truths' targeted "
            "parameters inside the posterior 90% interval (nominal 0.90); ratio: the mean "
            "relative width ratio over the targeted parameters (the labels read it).", "",
            "| candidate | coverage | mean ratio | targeted labelled calibrated |",
            "|---|---|---|---|"]
    for r in study.rows:
        share = float(np.mean(list(r.calibrated.values())))
        rows.append(f"| {r.label} | {r.coverage:.2f} | {r.mean_ratio:.3f} | {share:.2f} |")
    first = study.rows[0]
    rows += ["", f"Chosen by the rule: **{chosen.label}**.", "",
             f"| targeted parameter | today ({first.label}): coverage, mean ratio, share "
             f"calibrated | chosen: coverage, mean ratio, share calibrated |", "|---|---|---|"]
    for n in study.targeted:
        rows.append(f"| {n} | {first.covered[n]:.2f}, {first.relative_ratio[n]:.2f}, "
                    f"{first.calibrated[n]:.2f} | {chosen.covered[n]:.2f}, "
                    f"{chosen.relative_ratio[n]:.2f}, {chosen.calibrated[n]:.2f} |")
    return "\n".join(rows)


def record_calibration_derived() -> str:
    """docs/model-dynamics.md §7.11: coverage of the derived quantities on synthetic truths."""
    import dataclasses

    from qpq.case import load_case
    from qpq.sim import AbcSettings, synthetic_recovery
    from qpq.sim._record import DERIVED

    case = load_case()
    base = AbcSettings()      # the defaults: 500 of 50,000, 30 game points, grid 12
    candidates = [base, dataclasses.replace(base, adjustment="none")]
    study = synthetic_recovery(case, dt.date(2024, 6, 30), candidates, truths=20,
                               rng=np.random.default_rng(1))
    adj, plain = study.rows
    rows = [f"{study.truths} truths drawn from the prior as in the study above (seed 1: other "
            "truths than the study's), one history each filling the record's cells as of "
            f"2024-06-30, at the default {base.game_points} game points on a belief grid of "
            f"{base.grid_size} (the study above: 2 and 8); the default sampler (500 of "
            "50,000, local-linear adjustment) and the "
            "same without the adjustment. Coverage: share of the truths whose derived value "
            "(its history's) lies in the posterior 90% interval (nominal 0.90); ratio: mean "
            "relative width ratio; calibrated: share of the truths labelled calibrated.", "",
            "| derived quantity | adjusted (default): coverage, mean ratio, share calibrated "
            "| without the adjustment: coverage, mean ratio, share calibrated |",
            "|---|---|---|"]
    for d in DERIVED:
        n = d.name
        rows.append(f"| {n} | {adj.derived_covered[n]:.2f}, "
                    f"{adj.derived_relative_ratio[n]:.2f}, {adj.derived_calibrated[n]:.2f} | "
                    f"{plain.derived_covered[n]:.2f}, {plain.derived_relative_ratio[n]:.2f}, "
                    f"{plain.derived_calibrated[n]:.2f} |")
    rows += ["", f"Over all derived quantities: coverage {adj.derived_coverage:.2f} adjusted, "
             f"{plain.derived_coverage:.2f} without (targeted parameters, same truths: "
             f"{adj.coverage:.2f} and {plain.coverage:.2f})."]
    return "\n".join(rows)


def tip_stock_flows() -> str:
    """docs/model-dynamics.md §7.4: where model v2's ETIM/TIP stock comes from and goes.

    The flows of every quarter from 1996 to mid-2021 (the UN's ETIM/TIP estimates: 2020-07
    in Badakhshan, 2021 in Afghanistan), summed per period, at the defaults and over the
    prior the record calibration draws from; then the same prior histories with one drain
    switched off at a time (a diagnosis of which flow drains the stock, not a fit).
    """
    from unittest import mock

    import qpq.sim._dynamics as dynamics
    from qpq.case import case_as_of, load_case
    from qpq.model import defection_prob
    from qpq.sim import AbcSettings, ParameterPool, RunSpec, build_relationship_table, simulate
    from qpq.sim._abc import GAME_FREE, _prepare
    from qpq.sim._flows import LEDGER, militant_flows
    from qpq.sim._pools import sample_pool
    from qpq.sim._timeline import quarter_of

    case = load_case()
    as_of = dt.date(2024, 6, 30)        # the record calibration's forward model and history
    fw = _prepare(case, case_as_of(case, as_of), as_of, AbcSettings(game_points=2,
                                                                    grid_size=8), None)
    tl = fw.timeline
    periods = (("1996Q1-2001Q3", dt.date(1996, 1, 1), dt.date(2001, 9, 30)),
               ("2001Q4-2014Q4", dt.date(2001, 10, 1), dt.date(2014, 12, 31)),
               ("2015Q1-2020Q2", dt.date(2015, 1, 1), dt.date(2020, 6, 30)),
               ("2020Q3-2021Q2", dt.date(2020, 7, 1), dt.date(2021, 6, 30)))
    bounds = [(quarter_of(a), quarter_of(b)) for _, a, b in periods]
    fact = (quarter_of(dt.date(2000, 1, 1)), quarter_of(dt.date(2021, 6, 30)))
    drains = ("us_killed", "base_neutralised", "crackdown_neutralised", "crackdown_abroad",
              "to_iskp")

    def run(values: dict[str, Any], table: Any, n: int) -> dict[str, Any]:
        """Per-scenario sums of each flow per period, stock-quarters, end stocks."""
        acc = {k: np.zeros((len(periods), n)) for k in (*LEDGER, "stock", "defected")}
        since_2000 = np.zeros(n)                       # the transfers fact's window (in place)
        ends: dict[int, tuple[Any, Any]] = {}
        calls = [tl.start]

        def record(st: Any, p: Any, s_t: Any, s_us: Any, s_b: Any, d: Any, *rest: Any,
                   **kw: Any) -> dict[str, Any]:
            q = calls[-1]
            calls.append(q + 1)
            before = st.border + st.interior + st.coopted
            out = militant_flows(st, p, s_t, s_us, s_b, d, *rest, **kw)
            if fact[0] <= q <= fact[1]:
                np.add(since_2000, out["transferred"], out=since_2000)
            for j, (lo, hi) in enumerate(bounds):
                if lo <= q <= hi:
                    for k in LEDGER:
                        acc[k][j] += out[k]
                    acc["stock"][j] += before
                    acc["defected"][j] += d
                if q == hi:
                    ends[j] = (st.border.copy(), st.border + st.interior + st.coopted,
                               st.abroad.copy())
            return out

        spec = RunSpec(timeline=tl, pool=ParameterPool(values, "tip-stock-flows"),
                       table=table, policy="equilibrium", n=n, seed=9)
        with mock.patch.object(dynamics, "militant_flows", record):
            simulate(spec, chunk_blocks=10_000)            # one chunk: calls in quarter order
        assert calls[-1] == tl.stop, "one call per quarter"
        return {"acc": acc, "ends": ends, "transferred": since_2000}

    registry = fw.registry
    defaults = ParameterPool(registry.defaults().arrays(), "defaults")
    at_default = run(dict(defaults.values),
                     build_relationship_table(defaults, tl.v2_regimes()[0], 8), 1000)
    n = 4000
    values, games, _ = fw.prior_draws(n, 2, np.random.default_rng(0))
    table = fw.table.take(games)
    prior = run(values, table, n)

    def cell(r: dict[str, Any], k: str, j: int) -> str:
        total = float(r["acc"][k][j].mean())
        share = total / max(float(r["acc"]["stock"][j].mean()), 1e-9)
        return f"{total:,.0f}" + (f" ({100 * share:.1f}%)" if k in drains and total else "")

    def band(x: Any) -> str:
        lo, med, hi = np.percentile(x, [5, 50, 95])
        return f"{med:,.0f} ({lo:,.0f}-{hi:,.0f})"

    names = {"recruits": "recruits (in)", "returned": "returns from abroad (in)",
             "us_killed": "killed by US/NATO strikes", "base_neutralised":
             "neutralised by other counter-terrorism", "crackdown_neutralised":
             "neutralised in a Taliban crackdown", "crackdown_abroad":
             "driven abroad by a crackdown", "to_iskp": "defected to ISKP",
             "relocated": "relocated border → interior (internal)",
             "coopted": "co-opted (internal)", "transferred": "of the neutralised: "
             "transferred to China"}
    rows = ["Model v2, the record calibration's history (built-in case as of 2024-06-30, from "
            f"1996); prior: {n:,} draws as the calibration makes them (2 game points, belief "
            "grid 8, seed 0); defaults: 1,000 histories at the defaults (the game solved at the "
            "defaults). Fighters summed over each period, mean over the prior; then the mean "
            "at the defaults; in brackets, for the drains, the share of the stock in "
            "Afghanistan (border + interior + co-opted) they take per quarter.", "",
            "| flow | " + " | ".join(p[0] for p in periods) + " |",
            "|---|" + "---|" * len(periods)]
    for k in LEDGER:
        if k == "transferred" or any(prior["acc"][k][j].mean() > 0 for j in range(4)):
            rows.append(f"| {names[k]} | " + " | ".join(
                f"{cell(prior, k, j)}; {cell(at_default, k, j)}" for j in range(4)) + " |")
    rows.append("| quarters with a defection (d = 1), share | " + " | ".join(
        f"{prior['acc']['defected'][j].mean() / (hi - lo + 1):.2f}; "
        f"{at_default['acc']['defected'][j].mean() / (hi - lo + 1):.2f}"
        for j, (lo, hi) in enumerate(bounds)) + " |")
    rows.append("| border stock at the end: prior median (5-95%); at the defaults | " + " | ".join(
        f"{band(prior['ends'][j][0])}; {band(at_default['ends'][j][0])}"
        for j in range(4)) + " |")
    rows.append("| stock in Afghanistan at the end | " + " | ".join(
        f"{band(prior['ends'][j][1])}; {band(at_default['ends'][j][1])}"
        for j in range(4)) + " |")
    rows.append("| stock abroad at the end | " + " | ".join(
        f"{band(prior['ends'][j][2])}; {band(at_default['ends'][j][2])}"
        for j in range(4)) + " |")
    # not `fact`: run()'s closure reads that name (the window) on the switched-off runs below
    target = _transfers_fact()
    band_hits = [float(np.mean(target.holds(r["transferred"]))) for r in (prior, at_default)]
    rows += ["", "Transferred to China from 2000 to mid-2021 (the stylised fact's window; its "
             f"target {target.describe()}): prior median (5-95%) {band(prior['transferred'])}, "
             f"{100 * band_hits[0]:.0f}% of the histories meet it; at the defaults "
             f"{band(at_default['transferred'])}, {100 * band_hits[1]:.0f}% meet it."]
    # the militants' defection probability at zero Taliban pressure (the insurgency's)
    drawn = sample_pool(registry, 20_000, 3).values
    sigma0 = defection_prob(0.0, {k: np.asarray(v) for k, v in drawn.items()})
    games_sigma = [float(defection_prob(0.0, {k: float(v[g]) for k, v in
                                              fw.game_pool.values.items()}))
                   for g in range(fw.game_pool.size)]
    rows += ["", "Probability of a defection quarter at zero Taliban pressure (`defection_prob(0)`"
             f", every quarter of the insurgency once ISKP exists): over the prior (20,000 "
             f"draws, seed 3) median {np.median(sigma0):.2f} (5-95%: "
             f"{np.percentile(sigma0, 5):.2f}-{np.percentile(sigma0, 95):.2f}); at the defaults "
             f"{float(defection_prob(0.0, dict(registry.defaults().values))):.2f}; at the "
             "calibration's game points " + ", ".join(f"{x:.2f}" for x in games_sigma) + "."]
    rows += ["", "The same prior histories (same draws and random numbers) with one drain "
             "switched off by setting its parameter to 0:", "",
             "| switched off | border stock mid-2020: median (5-95%) | stock in Afghanistan "
             "mid-2021 | transferred 2000 to mid-2021 |", "|---|---|---|---|"]
    offs = (("nothing", {}), ("defection to ISKP (`defection_share`)", {"defection_share"}),
            ("US/NATO strikes (`us_strike_rate`)", {"us_strike_rate"}),
            ("other counter-terrorism (`base_neutralise_rate`)", {"base_neutralise_rate"}),
            ("all three", {"defection_share", "us_strike_rate", "base_neutralise_rate"}))
    for what, off in offs:
        r = prior if not off else run({k: (np.zeros(n) if k in off else v)
                                       for k, v in values.items()}, table, n)
        rows.append(f"| {what} | {band(r['ends'][2][0])} | {band(r['ends'][3][1])} | "
                    f"{band(r['transferred'])} |")
    assert all(k in GAME_FREE for k in ("defection_share", "us_strike_rate",
                                        "base_neutralise_rate"))
    return "\n".join(rows)


def _refusal(work: Callable[[], object]) -> str:
    """The message of the cost guard's refusal of ``work`` (which must be refused)."""
    from qpq.errors import BadInputError

    try:
        work()
    except BadInputError as e:
        return str(e)
    raise SystemExit("the cost guard did not refuse the work the docs quote")


def _guard_figure(message: str, pattern: str) -> str:
    found = re.search(pattern, message)
    if found is None:
        raise SystemExit(f"the cost guard's message no longer says {pattern!r}: {message}")
    return found.group(1)


def game_v2_budget() -> str:
    """docs/model-game.md §8.1: what the cost guard refuses, from its constants (instant)."""
    from qpq.game import RELATIONSHIP_BUDGET
    from qpq.game.analysis import _study, _sweep, phase_diagram
    from qpq.model import ParameterRegistry

    registry = ParameterRegistry.load()
    message = _refusal(lambda: phase_diagram(registry, "iskp_pull", "crackdown_intensity", 200,
                                             model="v2"))
    minutes = _guard_figure(message, r"about (\d+) CPU minutes")
    most = int(_guard_figure(message, r"at most ([\d,]+) grid points").replace(",", ""))
    pure = int(RELATIONSHIP_BUDGET // _sweep.V2_POINT_SECONDS_PURE)
    draws = int((RELATIONSHIP_BUDGET - _study.V2_FLIP_SECONDS) // _study.V2_DRAW_SECONDS)
    return textwrap.fill(
        f"The CLI's default 200 × 200 over `iskp_pull` × `crackdown_intensity` would take "
        f"about {minutes} CPU minutes and is refused with the estimate and the most grid "
        f"points allowed ({most:,} with the tracing: `--n {math.isqrt(most)}`; {pure:,} with "
        f"`--pure-only`). Only the points inside the orderings count. The propositions study "
        f"under v2 (§8.2) is guarded the same way, at {_study.V2_DRAW_SECONDS:g} s a draw and "
        f"{_study.V2_FLIP_SECONDS:g} s once for the flip search (`V2_DRAW_SECONDS`, "
        f"`V2_FLIP_SECONDS`, from `python -m bench propositions`: wall time of one process, "
        f"an upper bound of the CPU): at most {draws:,} draws with the flips.", width=92)


def explore_v2_budget() -> str:
    """docs/model-explore.md: what the cost guard says of the built-in scenario (instant)."""
    from qpq.case import load_case
    from qpq.explore._designs import make_design
    from qpq.explore._evaluate import model_setup
    from qpq.explore._loading import load_study
    from qpq.explore._studies import _check_cost
    from qpq.sim import relationship_moves

    case = load_case()
    study = load_study("deal-under-uncertainty", case)
    setup = model_setup(case, study, model="v2")
    design = make_design(study, "lhs", study.n)
    message = _refusal(lambda: _check_cost(study.levers, design, setup))
    minutes = int(_guard_figure(message, r"about ([\d,]+) CPU minutes").replace(",", ""))
    most = _guard_figure(message, r"at most ([\d,]+) experiments")
    commitments = len({relationship_moves(p) for p in study.levers})
    return textwrap.fill(
        f"The built-in scenario's {design.n_experiments:,} experiments under all "
        f"{len(study.levers)} levers ({commitments} commitments) would take about "
        f"{minutes / 60:.0f} CPU hours, and at most {most} experiments run.", width=92)


BLOCKS: dict[str, tuple[str, Callable[[], str]]] = {
    "game-mc": ("model-game.md", game_mc),
    "game-phase": ("model-game.md", game_phase),
    "game-readings": ("model-game.md", game_readings),
    "game-verdicts": ("model-game.md", game_verdicts),
    "game-propositions": ("model-game.md", game_propositions),
    "game-v2": ("model-game.md", game_v2),
    "game-v2-propositions": ("model-game.md", game_v2_propositions),
    "game-v2-budget": ("model-game.md", game_v2_budget),
    "backcast-v2": ("model-dynamics.md", backcast_v2),
    "forecast-exposure": ("model-dynamics.md", forecast_exposure),
    "p1-exposure": ("model-dynamics.md", p1_exposure),
    "recognition-belief": ("model-dynamics.md", recognition_belief),
    "backtest-v1": ("model-dynamics.md", backtest_v1),
    "backtest-record": ("model-dynamics.md", backtest_record),
    "explore-difference": ("model-explore.md", explore_difference),
    "explore-v2-budget": ("model-explore.md", explore_v2_budget),
    "explore-p8": ("model-explore.md", explore_p8),
    "explore-backfire": ("model-explore.md", explore_backfire),
    "explore-robust": ("model-explore.md", explore_robust),
    "record-calibration": ("model-dynamics.md", record_calibration),
    "record-facts": ("model-dynamics.md", record_facts),
    "record-calibration-why": ("model-dynamics.md", record_calibration_why),
    "record-calibration-game-points": ("model-dynamics.md", record_calibration_game_points),
    "record-calibration-synthetic": ("model-dynamics.md", record_calibration_synthetic),
    "record-calibration-derived": ("model-dynamics.md", record_calibration_derived),
    "tip-stock-flows": ("model-dynamics.md", tip_stock_flows),
}


def block_pattern(block: str) -> re.Pattern[str]:
    """The marked block ``block`` in a doc (its body is group 2)."""
    return re.compile(rf"(<!-- numbers:{re.escape(block)} -->\n)(.*?)(\n<!-- /numbers:"
                      rf"{re.escape(block)} -->)", flags=re.S)


def run(ids: list[str], check: bool) -> int:
    """Rewrite (or check) the blocks ``ids`` (all when empty); the number that differ."""
    global CHECK
    CHECK = check
    stale = 0
    for block in ids or list(BLOCKS):
        doc, compute = BLOCKS[block]
        path = DOCS / doc
        text = path.read_text()
        pattern = block_pattern(block)
        found = pattern.search(text)
        if found is None:
            raise SystemExit(f"{doc}: no block <!-- numbers:{block} -->")
        body = compute()
        if found.group(2) != body:
            stale += 1
            print(f"{doc} [{block}]: " + ("differs from the code" if check else "rewritten"))
            if not check:
                path.write_text(text[:found.start(2)] + body + text[found.end(2):])
    return stale


def main(argv: list[str] | None = None) -> int:
    """The command line: ``[--check] [ID ...]``; exit 1 when checking finds a stale block."""
    parser = argparse.ArgumentParser(
        prog="python docs/regenerate_numbers.py",
        description="Regenerate (or check) the numbers quoted in the docs, block by block.",
        # a block's name is one word: wrapped by hand, never at its hyphens
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.fill("blocks: " + ", ".join(BLOCKS), width=79,
                             break_on_hyphens=False))
    parser.add_argument("--check", action="store_true",
                        help="rewrite nothing; exit 1 when a block differs from the code")
    parser.add_argument("ids", nargs="*", metavar="ID",
                        help="blocks to regenerate (all when none is given)")
    args = parser.parse_args(argv)
    unknown = [b for b in args.ids if b not in BLOCKS]
    if unknown:
        parser.error(f"unknown block(s) {', '.join(unknown)}; the blocks are: "
                     + ", ".join(BLOCKS))
    n = run(args.ids, args.check)
    return 1 if args.check and n else 0


if __name__ == "__main__":
    sys.exit(main())
