"""The paper's propositions in time: dynamic forms of P1, P3, P5 and P6.

The static forms are in docs/model-game.md A.5.

Each test compares two runs of the whole history (the case's ``run.start`` to ``horizon``)
that differ in one respect and share every random number (same seed, same scenarios: common
random numbers), and measures over the quid pro quo window (from the case's ``run.takeover``,
2021-08-15 in the built-in case, to ``horizon``, by default its ``run.until``):

* **P1** boycott vs engagement: China's security (minus severity-weighted expected attacks
  on China and Chinese nationals per year) is lower under ``boycott`` than under
  ``engage_no_promise`` (and, reported, ``equilibrium``). Falsification: with the
  Taliban's effort fixed at harbour under both policies (no strategic response),
  engagement is no longer more secure.
* **P3** capacity: a sincere Taliban with low capacity suppresses less often than one with
  high capacity (types forced). Falsification: with ``capacity_low`` = ``capacity_high``
  the difference vanishes.
* **P5** the crackdown conundrum: the Taliban's effort is fixed at crackdown and its
  intensity raised; with ``iskp_pull`` = 0 expected attacks on China never rise (the
  falsification counterpart, which must hold); with a positive pull net security can fall
  (reported per pull, with the share of the prior ranges where it does).
* **P6** free ride: a counterfactual in which the US stays after 2021 (timeline override)
  against the actual withdrawal; after the withdrawal China pays more (aid and
  recognition cost) and engages more. Falsification: with ``us_suppression`` = 0 the
  difference vanishes.

P3, P5 and P6 are built into the mechanisms, so their tests check the size and region of
the effect; stochastic statements are expectations over the ensemble.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.case import Case
from qpq.checks import check_seed, check_whole
from qpq.sim._dynamics import StepOptions
from qpq.sim._engine import RunSpec, WindowStat, simulate
from qpq.sim._pools import ParameterPool, default_pool, sample_pool, sim_registry
from qpq.sim._tables import table_for
from qpq.sim._timeline import Override, build_timeline, quarter_label, quarter_of
from qpq.stats import percent

__all__ = ["PropositionResult", "p1_boycott", "p1_made_of", "p3_capacity", "p5_conundrum",
           "p6_free_ride", "run_measures"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PropositionResult:
    """A dynamic proposition test: effect at the defaults, share of the ranges, falsification.

    ``effect`` is the mean CRN difference in the direction the proposition predicts
    (positive: it holds); ``share`` the share of prior draws where it holds (``None`` when
    not computed); ``falsification_effect`` the same difference where the logic says it
    must vanish or flip.
    """

    name: str
    statement: str
    measure: str
    effect: float
    holds: bool
    share: float | None
    falsification: str
    falsification_effect: float
    falsification_holds: bool
    details: dict[str, Any] = field(default_factory=dict)
    kind: str = "strategic result"


def _window(case: Case) -> str:
    """The measures' window as the results name it, e.g. ``2021Q3–2030Q4``.

    From the takeover to the run's last quarter (:func:`run_measures`' default horizon).
    """
    run = case.run
    return f"{quarter_label(quarter_of(run.takeover))}–{quarter_label(quarter_of(run.until))}"


def run_measures(case: Case, pool: ParameterPool, policy: str, *, n: int, seed: int,
                 horizon: dt.date | None = None, overrides: tuple[Override, ...] = (),
                 options: StepOptions | None = None, forced_type: int | None = None,
                 grid_size: int = 24) -> dict[str, FloatArray]:
    """Per-scenario measures over the post-takeover window of a full-history run.

    The run starts at the case's ``run.start`` and ends at ``horizon`` (default: its
    ``run.until``); the window starts at its ``run.takeover``.
    """
    # each proposition passes its own n and seed here: a negative seed reached numpy, a
    # fractional one ran as its whole part
    n = check_whole(n, "n (scenarios)", minimum=1)
    seed = check_seed(seed)
    run = case.run
    until = horizon or run.until
    timeline = build_timeline(case, run.start, until, overrides)
    first, last = quarter_of(run.takeover), quarter_of(until)
    stats = (
        WindowStat("china", "expected_attacks_china", first, last, "sum"),
        WindowStat("nationals", "expected_attacks_nationals", first, last, "sum"),
        WindowStat("suppressed", "suppressed", first, last, "mean"),
        WindowStat("pays", "china_pays", first, last, "sum"),
        WindowStat("engaged", "engaged", first, last, "mean"),
        WindowStat("recognised", "recognised", first, last, "mean"),
        WindowStat("committal", "first_move", first, last, "mean"),
    )
    table = table_for(pool, timeline.regimes, grid_size)
    spec = RunSpec(timeline=timeline, pool=pool, table=table, policy=policy, n=n, seed=seed,
                   stats=stats, options=options or StepOptions(), forced_type=forced_type)
    sim = simulate(spec)
    years = (last - first + 1) / 4.0
    severity = pool.values["nationals_severity"][sim.pool_index]
    out = dict(sim.stats)
    out["security"] = -(out["china"] + severity * out["nationals"]) / years
    out["pool_index"] = sim.pool_index.astype(float)
    return out


def _per_draw(diff: FloatArray, pool_index: FloatArray, size: int) -> FloatArray:
    idx = pool_index.astype(np.int64)
    sums = np.bincount(idx, weights=diff, minlength=size)
    counts = np.bincount(idx, minlength=size)
    return np.asarray(sums / np.maximum(counts, 1))


def _pools(case: Case, overrides: Mapping[str, float], draws: int, seed: int
           ) -> tuple[ParameterPool, ParameterPool | None]:
    reg = sim_registry(case)
    default = default_pool(reg, overrides)
    prior = sample_pool(reg, draws, seed, overrides) if draws else None
    return default, prior


EXPOSURE = "boycott_exposure"
"""The simulator's share of China's nationals in Afghanistan who stay exposed while China
boycotts (1 while it engages): P1 reports its difference with this set to 1."""


def p1_boycott(case: Case, *, n: int = 2048, seed: int = 0, draws: int = 0,
               replicates: int = 16) -> PropositionResult:
    """P1: boycott leaves China less secure than engagement (dynamic, CRN)."""
    default, prior = _pools(case, {}, draws, seed)
    runs = {pol: run_measures(case, default, pol, n=n, seed=seed)
            for pol in ("boycott", "engage_no_promise", "equilibrium")}
    sec = {pol: r["security"] for pol, r in runs.items()}
    effect = float((sec["engage_no_promise"] - sec["boycott"]).mean())
    eq_effect = float((sec["equilibrium"] - sec["boycott"]).mean())
    share = None
    if prior is not None:
        m = prior.size * replicates
        b = run_measures(case, prior, "boycott", n=m, seed=seed)
        e = run_measures(case, prior, "engage_no_promise", n=m, seed=seed)
        share = float((_per_draw(e["security"] - b["security"], b["pool_index"], prior.size)
                       > 0).mean())
    fixed = StepOptions(forced_effort=0)
    fb = run_measures(case, default, "boycott", n=n, seed=seed, options=fixed)
    fe = run_measures(case, default, "engage_no_promise", n=n, seed=seed, options=fixed)
    f_effect = float((fe["security"] - fb["security"]).mean())
    # how much of the difference one assumption makes: boycott keeps only that share of
    # China's nationals in Afghanistan exposed (docs/model-dynamics.md §7.3); at 1 a boycott
    # no longer moves them out of harm's way, on the same random numbers
    exposed, _ = _pools(case, {EXPOSURE: 1.0}, 0, seed)
    xb = run_measures(case, exposed, "boycott", n=n, seed=seed)
    xe = run_measures(case, exposed, "engage_no_promise", n=n, seed=seed)
    x_effect = float((xe["security"] - xb["security"]).mean())
    q = next(p for p in case.parameters if p.name == EXPOSURE)
    return PropositionResult(
        "P1", "Boycott leaves China less secure than engagement.",
        f"china_security (minus severity-weighted expected attacks per year), {_window(case)}",
        effect, effect > 0, share,
        "the Taliban's effort fixed at harbour under both policies (no strategic response): "
        "engagement is no longer more secure", f_effect, f_effect <= 1e-9,
        {"engage_no_promise_minus_boycott": effect, "equilibrium_minus_boycott": eq_effect,
         "security": {k: float(v.mean()) for k, v in sec.items()},
         "expected_attacks_on_china": {k: float(r["china"].mean()) for k, r in runs.items()},
         "expected_attacks_on_nationals": {k: float(r["nationals"].mean())
                                           for k, r in runs.items()},
         "suppressed_share": {k: float(r["suppressed"].mean()) for k, r in runs.items()},
         "exposure": {"parameter": EXPOSURE, "default": float(q.default),
                      "assumption": bool(q.assumption), "range": [q.low, q.high],
                      "engage_no_promise_minus_boycott_at_one": x_effect,
                      # + 0.0: a zero share reads 0, not -0
                      "share": (effect - x_effect) / effect + 0.0 if effect else None}})


def p1_made_of(p1: PropositionResult) -> str:
    """What the simulator's P1 difference is made of, in words.

    For ``qpq sim propositions``, the report's findings and its dynamic-propositions
    section: how often the militants are suppressed under each policy, and the difference
    with the boycott's exposure assumption at 1 (:func:`p1_boycott`'s ``details``).
    """
    d = p1.details
    sup, x = d["suppressed_share"], d["exposure"]
    at_one = x["engage_no_promise_minus_boycott_at_one"]
    kind = "an assumption" if x["assumption"] else "a parameter"
    low, high = x["range"]
    what = "the share of China's nationals in Afghanistan still exposed while China boycotts"
    text = (f"The militants are suppressed in {sup['engage_no_promise']:.1%} of the quarters "
            f"under engagement and {sup['boycott']:.1%} under boycott.")
    if x["default"] == 1:
        return text + (f" {x['parameter']} ({what}) is 1: a boycott keeps no nationals out "
                       "of harm's way.")
    text += (f" With {x['parameter']} at 1 instead of its default {x['default']:g} ({kind}, "
             f"range {low:g}–{high:g}: {what}), the difference is {at_one:+.3g}")
    if x["share"] is not None:
        text += f": that assumption makes {percent(x['share'])} of it"
    return text + "."


def p3_capacity(case: Case, *, n: int = 2048, seed: int = 0) -> PropositionResult:
    """P3: low capacity caps what even a sincere Taliban delivers (types forced).

    The effect is the mechanism at fixed type and effort (both sincere types crack down
    throughout); the equilibrium-path version (each type best-responds) is reported in
    ``details``.
    """
    default, _ = _pools(case, {}, 0, seed)
    crack = StepOptions(forced_effort=2)
    high = run_measures(case, default, "equilibrium", n=n, seed=seed, forced_type=0,
                        options=crack)
    low = run_measures(case, default, "equilibrium", n=n, seed=seed, forced_type=1,
                       options=crack)
    effect = float((high["suppressed"] - low["suppressed"]).mean())
    path_h = run_measures(case, default, "equilibrium", n=n, seed=seed, forced_type=0)
    path_l = run_measures(case, default, "equilibrium", n=n, seed=seed, forced_type=1)
    same, _ = _pools(case, {"capacity_high": 0.5, "capacity_low": 0.5}, 0, seed)
    h2 = run_measures(case, same, "equilibrium", n=n, seed=seed, forced_type=0, options=crack)
    l2 = run_measures(case, same, "equilibrium", n=n, seed=seed, forced_type=1, options=crack)
    f_effect = float(np.abs(h2["suppressed"] - l2["suppressed"]).max())
    return PropositionResult(
        "P3", "Low capacity caps what even a sincere Taliban delivers.",
        f"share of quarters with the militants suppressed, {_window(case)} (S,H minus S,L), "
        "both cracking down",
        effect, effect > 0, None,
        "capacity_low = capacity_high (= 0.5): the two sincere types deliver the same", f_effect,
        f_effect < 1e-9, {"suppressed_high": float(high["suppressed"].mean()),
                          "suppressed_low": float(low["suppressed"].mean()),
                          "equilibrium_path_high": float(path_h["suppressed"].mean()),
                          "equilibrium_path_low": float(path_l["suppressed"].mean()),
                          "equilibrium_path_effect": float(
                              (path_h["suppressed"] - path_l["suppressed"]).mean())},
        kind="mechanism (assumption)")


def _crackdown_curve(case: Case, pull: float, intensities: tuple[float, ...], n: int,
                     seed: int, draws: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {"china": [], "security": [], "per_draw": []}
    for k in intensities:
        over = {"iskp_pull": pull, "crackdown_intensity": k}
        default, prior = _pools(case, over, draws, seed)
        pool = prior if prior is not None else default
        m = pool.size * n if prior is not None else n
        r = run_measures(case, pool, "engage_no_promise", n=m, seed=seed,
                         options=StepOptions(forced_effort=2))
        out["china"].append(float(r["china"].mean()))
        out["security"].append(float(r["security"].mean()))
        if prior is not None:
            out["per_draw"].append(_per_draw(r["security"], r["pool_index"], pool.size))
    return out


def p5_conundrum(case: Case, *, n: int = 2048, seed: int = 0,
                 pulls: tuple[float, ...] = (1.0, 3.0),
                 intensities: tuple[float, ...] = (0.5, 0.625, 0.75, 0.875, 1.0),
                 draws: int = 0, replicates: int = 16) -> PropositionResult:
    """P5: beyond some crackdown intensity, defections to ISKP make China less secure.

    The mechanism at fixed type-independent effort (every type cracks down, China engages
    without a promise): China's security as the crackdown intensity rises, at each ISKP
    pull in ``pulls``. The effect is the largest drop of security from its maximum to full
    intensity over the pulls (positive: P5 appears). With ``draws`` the share of prior
    draws in which it appears at the highest pull is reported.
    """
    curves = {pull: _crackdown_curve(case, pull, intensities, n, seed) for pull in pulls}
    drops = {pull: float(max(c["security"]) - c["security"][-1]) for pull, c in curves.items()}
    effect = max(drops.values())
    share = None
    if draws:
        prior = _crackdown_curve(case, max(pulls), intensities, replicates, seed, draws)
        per = np.stack(prior["per_draw"])                       # (intensities, draws)
        share = float((per.max(axis=0) > per[-1] + 1e-12).mean())
    zero = _crackdown_curve(case, 0.0, intensities, n, seed)
    z = np.array(zero["china"])
    rise = float(np.diff(z).max())
    tol = 1e-9 * (1.0 + float(np.abs(z).max()))
    return PropositionResult(
        "P5", "Beyond some crackdown intensity, defections to ISKP make China's net security "
        "worse when ISKP's pull is high.",
        f"china_security at crackdown intensities {list(intensities)}, effort fixed at "
        f"crackdown, iskp_pull in {list(pulls)}",
        effect, effect > 0, share,
        "iskp_pull = 0: expected attacks on China never rise with crackdown intensity",
        rise, rise <= tol,
        {"intensities": list(intensities), "drop_by_pull": drops,
         "security_by_pull": {str(k): c["security"] for k, c in curves.items()},
         "zero_pull": {"china": zero["china"], "security": zero["security"]}},
        kind="mechanism (assumption)")


def p6_free_ride(case: Case, *, n: int = 2048, seed: int = 0) -> PropositionResult:
    """P6: with US/NATO present China free-rides; after the withdrawal it must engage."""
    stays = (Override("us_presence", 1.0, case.run.takeover),)
    default, _ = _pools(case, {}, 0, seed)
    actual = run_measures(case, default, "equilibrium", n=n, seed=seed)
    counter = run_measures(case, default, "equilibrium", n=n, seed=seed, overrides=stays)
    pays = float((actual["pays"] - counter["pays"]).mean())
    engaged = float((actual["engaged"] - counter["engaged"]).mean())
    committal = float((actual["committal"] - counter["committal"]).mean())
    no_us, _ = _pools(case, {"us_suppression": 0.0}, 0, seed)
    a0 = run_measures(case, no_us, "equilibrium", n=n, seed=seed)
    c0 = run_measures(case, no_us, "equilibrium", n=n, seed=seed, overrides=stays)
    f_effect = float(max(np.abs(a0["pays"] - c0["pays"]).max(),
                         np.abs(a0["engaged"] - c0["engaged"]).max()))
    return PropositionResult(
        "P6", "With US/NATO present China free-rides; after withdrawal it must engage.",
        "China's payments (aid + recognition cost), engaged share and how committal its "
        f"first move is (mean index, Boycott 0 ... Recognize 5), {_window(case)}: actual "
        "withdrawal minus a counterfactual in which the US stays",
        pays, pays > 0, None, "us_suppression = 0: the US presence changes nothing",
        f_effect, f_effect < 1e-9,
        {"pays_difference": pays, "engaged_difference": engaged,
         "first_move_committal_difference": committal,
         "pays_actual": float(actual["pays"].mean()),
         "pays_us_stays": float(counter["pays"].mean())},
        kind="mechanism (assumption)")
