"""The record calibration's pieces against independent oracles (scipy's distributions,
quadrature, the normal equations), on tiny hand-made records: no simulation, each test well
under a second. Written for mutations that the calibration tests let pass (2026-12 check)."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import integrate, special
from scipy import stats as sps

from qpq.sim._abc import (
    LABELS,
    UNDETERMINED,
    AbcSettings,
    _adjust,
    _checks,
    _label,
    _ratio,
    _reports,
    _Run,
    _UniformPrior,
    _wquantile,
)
from qpq.sim._record import (
    BODY_OFFSET,
    FALSE_REPORT,
    AttackCell,
    BinaryCell,
    Record,
    StockCell,
    deviance,
    simulated_summaries,
)
from qpq.stats import INTERVAL_90

UN = "UN 1267 Monitoring Team"
Q = 4 * 2020                # 2020Q1: the cells' quarters are absolute


def _record(attacks=(), estimates=(), actions=(), milestones=()):
    return Record(dt.date(2024, 6, 30), Q, Q + 15, tuple(attacks), tuple(estimates),
                  tuple(actions), tuple(milestones), ())


def _stock(e, x):
    return {f"stock:militants_border:{e.start}-{e.stop}": np.asarray(x, dtype=float)}


def _assumed(n, sd):
    return {"estimate_error": np.broadcast_to(np.asarray(sd, dtype=float), (n,)),
            "iskp_full_strength": np.ones(n), "action_reporting": np.full(n, 0.9),
            "milestone_reporting": np.full(n, 0.9)}


# --------------------------------------------------------------------------- likelihoods


def test_a_year_of_counts_is_four_gamma_mixed_quarters_as_scipy_convolves_them():
    """Per quarter a negative binomial of shape k (gamma-mixed Poisson), mean mu/4: the
    year's count is their sum, whose pmf is the four-fold convolution of scipy's pmf."""
    cell = AttackCell("nationals", "etim", Q + 4, Q + 7, 3, ())
    rec = _record(attacks=[cell])
    total, iskp = np.array([0.5, 3.0, 8.0]), np.array([0.2, 1.0, 0.0])
    k = np.array([0.7, 2.0, 50.0])
    got = deviance(rec, {cell.key + ":total": total, cell.key + ":iskp": iskp}, {}, k,
                   ("attacks",))["attacks"]

    def year_pmf(y, mean, shape):
        grid = np.arange(y + 1)
        quarter = sps.nbinom.pmf(grid, shape, shape / (shape + mean / 4))
        pmf = quarter
        for _ in range(3):
            pmf = np.convolve(pmf, quarter)[:y + 1]
        return pmf[y]

    mu = total - iskp                       # ETIM/TIP or unclaimed: the rest of the region's
    want = [-2.0 * (math.log(year_pmf(3, m, s)) - math.log(year_pmf(3, 3.0, s)))
            for m, s in zip(mu, k, strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_a_reference_figure_is_interval_censored_with_each_history_s_error():
    """A UN figure 900-1,100: ``-2 log P(900 < x·e^{sd·Z} < 1,100)``, sd per history."""
    e = StockCell("e1", "etim_border", Q + 8, Q + 8, 900.0, 1100.0, UN)
    rec = _record(estimates=[e])
    x, sd = np.array([500.0, 1000.0, 3000.0]), np.array([0.2, 0.4, 0.6])
    got = deviance(rec, _stock(e, x), _assumed(3, sd), np.ones(3), ("estimates",))
    p = (sps.norm.cdf((math.log(1100.0) - np.log(x)) / sd)
         - sps.norm.cdf((math.log(900.0) - np.log(x)) / sd))
    np.testing.assert_allclose(got["estimates"], -2.0 * np.log(p), rtol=1e-9)


def test_another_body_s_offset_is_integrated_out_as_quadrature_does():
    """Two figures of one body other than the UN's: its log offset uniform on ±BODY_OFFSET
    and integrated out. The grid's mean over 81 points is the integral's mean up to
    81/80 (its step is the range over 80), 0.025 of deviance."""
    a = StockCell("a", "etim_border", Q + 8, Q + 8, 300.0, 500.0, "Some ministry")
    b = StockCell("b", "etim_border", Q + 12, Q + 12, 900.0, 1100.0, "Some ministry")
    rec = _record(estimates=[a, b])
    xa, xb, sd = np.array([400.0, 400.0, 400.0]), np.array([1000.0, 400.0, 50.0]), \
        np.array([0.3, 0.3, 0.5])
    got = deviance(rec, {**_stock(a, xa), **_stock(b, xb)}, _assumed(3, sd), np.ones(3),
                   ("estimates",))["estimates"]

    def lik(o, x, s, lo, hi):
        return (sps.norm.cdf((math.log(hi) - math.log(x) - o) / s)
                - sps.norm.cdf((math.log(lo) - math.log(x) - o) / s))

    want = []
    for i in range(3):
        area, _ = integrate.quad(lambda o, i=i: lik(o, xa[i], sd[i], 300.0, 500.0)
                                 * lik(o, xb[i], sd[i], 900.0, 1100.0),
                                 -BODY_OFFSET, BODY_OFFSET, points=[0.0, 1.0, 2.0],
                                 limit=200)
        want.append(-2.0 * math.log(area / (2.0 * BODY_OFFSET)))
    np.testing.assert_allclose(got, want, atol=0.03)
    # the pattern, not the level: the history where the stock rose as the figures did fits
    assert got[0] < got[1] - 2.0


def test_a_report_the_history_lacks_is_a_false_report():
    """Actions and milestones: the record's year reported with the reporting rate where the
    history has the event, with FALSE_REPORT where it does not; measured from the best fit."""
    seen = BinaryCell("actions", "acted", Q + 8, Q + 11, True, ())
    unseen = BinaryCell("actions", "acted", Q + 12, Q + 15, False, ())
    rec = _record(actions=[seen, unseen])
    has = {seen.key: np.array([1.0, 0.0, 1.0, 0.0]), unseen.key: np.array([1.0, 1.0, 0.0, 0.0])}
    assumed = _assumed(4, 0.3)
    got = deviance(rec, has, assumed, np.ones(4), ("actions",))["actions"]
    r = 0.9
    lik_seen = np.where(has[seen.key] > 0, r, FALSE_REPORT)
    lik_unseen = 1.0 - np.where(has[unseen.key] > 0, r, FALSE_REPORT)
    best = r * (1.0 - FALSE_REPORT)
    np.testing.assert_allclose(got, -2.0 * np.log(lik_seen * lik_unseen / best))
    assert got[2] == pytest.approx(0.0, abs=1e-12)
    # a recognition is as sure to be reported as a report is to be true, whatever the
    # milestones' reporting rate: not recognised by the cut-off, against histories that did
    never = BinaryCell("milestones", "recognised", Q + 8, Q + 15, False, ())
    did = {never.key: np.array([1.0, 0.0])}
    got = deviance(_record(milestones=[never]), did, _assumed(2, 0.3), np.ones(2),
                   ("milestones",))["milestones"]
    np.testing.assert_allclose(got, [-2.0 * math.log(FALSE_REPORT / (1.0 - FALSE_REPORT)),
                                     0.0], atol=1e-12)


# --------------------------------------------------------------------------- summaries


def test_simulated_summaries_draw_through_the_observation_models():
    """The regression adjustment's summaries: a UN figure is the stock times the body's
    log-normal error, a year's count the negative binomial of the likelihood."""
    n = 40_000
    e = StockCell("e1", "etim_border", Q + 8, Q + 8, 900.0, 1100.0, UN)
    early = AttackCell("nationals", "etim", Q + 0, Q + 3, 0, ())
    late = AttackCell("nationals", "etim", Q + 4, Q + 7, 0, ())
    rec = _record(attacks=[early, late], estimates=[e])
    stats = {**_stock(e, np.full(n, 1000.0)),
             early.key + ":total": np.full(n, 3.0), early.key + ":iskp": np.zeros(n),
             late.key + ":total": np.full(n, 12.0), late.key + ":iskp": np.zeros(n)}
    k = 0.5
    out = simulated_summaries(rec, stats, _assumed(n, 0.3), np.full(n, k),
                              np.random.default_rng(0), ("attacks", "estimates"))
    fig = out["estimates"][:, 0]
    assert fig.mean() == pytest.approx(math.log(1000.0), abs=0.01)
    assert fig.std() == pytest.approx(0.3, rel=0.02)
    for col, mu in ((0, 3.0), (1, 12.0)):
        counts = np.expm1(out["attacks"][:, col])
        shape = 4 * k
        assert counts.mean() == pytest.approx(sps.nbinom.mean(shape, shape / (shape + mu)),
                                              rel=0.03)
        assert counts.var() == pytest.approx(sps.nbinom.var(shape, shape / (shape + mu)),
                                             rel=0.08)


def test_another_body_s_summaries_are_its_figures_less_their_mean():
    """What a body's figures say whatever its offset: the record's readings (the middle of
    each interval on the log scale) and a history's drawn figures, less the body's mean."""
    from qpq.sim._record import observed_summaries

    a = StockCell("a", "etim_border", Q + 8, Q + 8, 300.0, 500.0, "Some ministry")
    b = StockCell("b", "etim_border", Q + 12, Q + 12, 900.0, 1100.0, "Some ministry")
    un = StockCell("u", "etim_border", Q + 12, Q + 12, 1000.0, 1200.0, UN)
    rec = _record(estimates=[a, un, b])
    half = 0.5 * (math.log(math.sqrt(900.0 * 1100.0)) - math.log(math.sqrt(300.0 * 500.0)))
    np.testing.assert_allclose(observed_summaries(rec, ("estimates",))["estimates"],
                               [-half, math.log(math.sqrt(1000.0 * 1200.0)), half])
    n = 2000
    stats = {**_stock(a, np.full(n, 100.0)), **_stock(b, np.full(n, 800.0))}
    drawn = simulated_summaries(rec, stats, _assumed(n, 0.3), np.ones(n),
                                np.random.default_rng(1), ("estimates",))["estimates"]
    np.testing.assert_allclose(drawn[:, 0] + drawn[:, 2], 0.0, atol=1e-12)
    # the difference of two figures' errors: mean log 8, sd 0.3·√2
    assert (drawn[:, 2] - drawn[:, 0]).mean() == pytest.approx(math.log(8.0), abs=0.03)
    assert (drawn[:, 2] - drawn[:, 0]).std() == pytest.approx(0.3 * math.sqrt(2), rel=0.05)


def test_a_synthetic_figure_is_the_stock_times_the_body_s_error_read_as_ten_percent():
    from qpq.sim._record import synthetic_observations

    cells = [StockCell(f"e{i}", "etim_border", Q + 8, Q + 8, 1.0, 2.0, UN) for i in range(2000)]
    rec = _record(estimates=cells)
    made = synthetic_observations(rec, _stock(cells[0], [1000.0]), 1.0,
                                  {"estimate_error": 0.3, "iskp_full_strength": 1.0},
                                  np.random.default_rng(2))
    low, high = np.array([(e.low, e.high) for e in made.estimates]).T
    np.testing.assert_allclose(high / low, 1.1 / 0.9)
    logs = np.log(0.5 * (low + high) / 1000.0)
    assert sps.kstest(logs / 0.3, "norm").pvalue > 0.01


# --------------------------------------------------------------------------- regression adjustment


def test_the_adjustment_is_weighted_least_squares_with_epanechnikov_weights():
    """Against the normal equations ``(XᵀWX) β = XᵀWu`` with W = 1 - (score/max)²."""
    rng = np.random.default_rng(2)
    n = 300
    theta = rng.uniform(1.0, 3.0, n)
    u = special.logit((theta - 1.0) / 2.0)
    sims = np.column_stack([u + rng.normal(0.0, 0.5, n), rng.normal(0.0, 2.0, n)])
    observed = np.array([0.3, 0.1])
    score = rng.uniform(0.0, 4.0, n)
    out, w = _adjust({"a": theta}, score, sims, observed, {"a": (1.0, 3.0, False)})
    kernel = 1.0 - (score / score.max()) ** 2
    np.testing.assert_allclose(w, kernel / kernel.sum(), rtol=1e-12)
    x = sims - observed
    design = np.column_stack([np.ones(n), x])
    beta = np.linalg.solve(design.T @ (kernel[:, None] * design), design.T @ (kernel * u))
    np.testing.assert_allclose(out["a"], 1.0 + 2.0 * special.expit(u - x @ beta[1:]),
                               rtol=1e-8)


# --------------------------------------------------------------------------- intervals and labels


def test_an_equally_weighted_quantile_is_numpy_s_hazen_quantile():
    rng = np.random.default_rng(4)
    x = rng.standard_normal(37)
    q = (0.05, 0.3, 0.5, 0.95)
    want = np.quantile(x, q, method="hazen")
    np.testing.assert_allclose(_wquantile(x, np.ones(37), q), want)
    np.testing.assert_allclose(_wquantile(x, np.full(37, 1 / 37), q), want)


def test_the_null_ratio_reads_the_particles_weights():
    """Few particles carrying the weight narrow any weighted interval: prior draws given
    weights of effective size about 2 span far less than the prior's 90%, equal weights
    nearly all of it."""
    rng = np.random.default_rng(5)
    x = rng.uniform(0.0, 1.0, 200)
    fresh = [rng.uniform(0.0, 1.0, 200) for _ in range(200)]
    equal = _ratio(x, np.full(200, 1 / 200), (0.05, 0.95), fresh)[4]
    w = np.full(200, 1e-6)
    w[:2] = 1.0
    skewed = _ratio(x, w / w.sum(), (0.05, 0.95), fresh)[4]
    assert equal == pytest.approx(1.0, abs=0.05)
    assert skewed < 0.6, skewed


def test_a_label_s_threshold_belongs_to_the_weaker_label():
    s = AbcSettings(calibrated_below=0.5, weak_below=0.8)
    assert _label(0.5 - 1e-12, s) == LABELS[0] and _label(0.5, s) == LABELS[1]
    assert _label(0.8 - 1e-12, s) == LABELS[1] and _label(0.8, s) == LABELS[2]


def _report(ratio, without, ess, s):
    main = {"a": ((0.0, 1.0), 0.5, (0.5 - ratio / 2, 0.5 + ratio / 2), ratio, 1.0)}
    return _reports(main, {"a": without}, {"a": "targeted"}, ess, s,
                    {"a": _UniformPrior(0.0, 1.0, False)})[0]


def test_the_effective_sample_size_floor_is_inclusive():
    s = AbcSettings(min_ess=30.0)
    assert _report(0.3, {}, 30.0, s).label == LABELS[0]
    assert _report(0.3, {}, 29.999, s).label == UNDETERMINED


def test_a_family_calibrates_a_parameter_when_leaving_it_out_weakens_the_label():
    s = AbcSettings()
    # without "a" still calibrated and 0.05 wider: not it; without "b" weakly constrained
    p = _report(0.3, {"a": 0.35, "b": 0.6}, 100.0, s)
    assert p.label == LABELS[0] and p.by == ("b",)
    # no single family: joint; 0.15 wider counts though the label holds
    assert _report(0.3, {"a": 0.35, "b": 0.4}, 100.0, s).by == ("joint",)
    assert _report(0.3, {"a": 0.45, "b": 0.4}, 100.0, s).by == ("a",)


# --------------------------------------------------------------------------- predictive checks


def test_predictive_checks_against_scipy_s_intervals():
    """One posterior particle, its history fixed: the attack counts' predictive 90% interval
    is Poisson(5)'s (2-9, scipy's ppf; the ends inside), an estimate's is the stock times
    e^{±1.645·sd} and a figure overlapping it is inside, a report is inside when its
    observed outcome has at least 5% predictive probability."""
    poisson = sps.poisson(5.0)
    lo, hi = poisson.ppf(INTERVAL_90[0]), poisson.ppf(INTERVAL_90[1])
    assert (lo, hi) == (2.0, 9.0)
    cells = [AttackCell(region, who, Q + 8, Q + 11, y, ())
             for (region, who), y in zip([("nationals", "etim"), ("nationals", "iskp"),
                                          ("central_asia", "etim"), ("central_asia", "iskp")],
                                         (int(lo), int(hi), int(lo) - 1, int(hi) + 1),
                                         strict=True)]
    figures = [StockCell(f"e{i}", "etim_border", Q + 8, Q + 8, low, high, UN)
               for i, (low, high) in enumerate(((1500.0, 2500.0), (2000.0, 3000.0),
                                                (100.0, 500.0)))]
    reports = [BinaryCell("actions", "acted", Q + 8, Q + 11, True, ()),     # the history lacks it
               BinaryCell("actions", "acted", Q + 12, Q + 15, False, ()),   # has it, 0.99 reported
               BinaryCell("milestones", "engaged", Q + 8, Q + 11, True, ())]
    rec = _record(attacks=cells, estimates=figures, actions=reports[:2],
                  milestones=reports[2:])
    stats = {**_stock(figures[0], 1000.0),
             reports[0].key: 0.0, reports[1].key: 1.0, reports[2].key: 1.0}
    for c in cells:
        stats[c.key + ":total"], stats[c.key + ":iskp"] = 5.0, 5.0 if c.perpetrator == "iskp" \
            else 0.0
    forward = SimpleNamespace(record=rec, run_many=lambda values, games, seed: {
        k: np.full(games.size, v) for k, v in stats.items()})
    particle = {"p:attack_dispersion": 1e7, "a:estimate_error": 0.3,
                "a:iskp_full_strength": 1.0, "a:action_reporting": 0.99,
                "a:milestone_reporting": 0.9, "g": 0.0}
    run = _Run((), 0, (particle,), np.ones(1), {})
    rows, _ = _checks(forward, run, 4000, np.random.default_rng(0))
    by = {r["observation"].split(":")[0] if r["family"] == "attacks" else r["observation"]: r
          for r in rows}
    counts = {k: v for k, v in by.items() if v["family"] == "attacks"}
    assert [counts[n]["inside_90"] for n in ("nationals, etim", "nationals, iskp",
                                             "central_asia, etim", "central_asia, iskp")] \
        == [True, True, False, False]
    assert [counts[n]["yearly_inside_90"] for n in ("nationals, etim", "central_asia, etim")] \
        == [1.0, 0.0]
    assert counts["nationals, etim"]["predictive_90"] == [lo, hi]
    band = 1000.0 * np.exp(0.3 * sps.norm.ppf(INTERVAL_90))
    np.testing.assert_allclose(by["e0"]["predictive_90"], band, rtol=0.03)
    assert [by[f"e{i}"]["inside_90"] for i in range(3)] == [True, False, False]
    binary = [r for r in rows if r["family"] in ("actions", "milestones")]
    assert [r["predictive_probability"] for r in binary] == pytest.approx(
        [FALSE_REPORT, 0.99, 0.9], abs=0.015)
    assert [r["inside_90"] for r in binary] == [False, False, True]


def test_the_priors_90_intervals_are_scipy_s_and_numpy_s():
    """The prior 90% that the width ratio divides by (and the tables print): a uniform
    range's central 90%, a sampled prior's (game points, prior histories) sample quantiles."""
    from qpq.sim._abc import _SampledPrior

    assert _UniformPrior(2.0, 6.0, False).interval == pytest.approx(
        tuple(sps.uniform(2.0, 4.0).ppf(INTERVAL_90)))
    sample = np.random.default_rng(6).lognormal(0.0, 1.0, 501)
    assert _SampledPrior.of(sample).interval == pytest.approx(
        tuple(np.quantile(sample, INTERVAL_90, method="hazen")))


def test_what_falls_in_the_as_of_quarter_waits_for_the_quarter_to_end(case):
    """As of 2022-12-20 the history ends with 2022Q3 (the last complete quarter): the Kabul
    hotel attack of 12 December and November's zero-tariff milestone are known but fall
    after it, so they are left out with the reason, not counted in 2022's cells."""
    from qpq.case import case_as_of
    from qpq.sim._calibration import history_end
    from qpq.sim._record import build_record
    from qpq.sim._timeline import quarter_label, quarter_of

    as_of = dt.date(2022, 12, 20)
    view = case_as_of(case, as_of)
    assert {"atk-2022-12-12-kabul-hotel"} <= {a.id for a in view.attacks}
    last = history_end(as_of)
    assert quarter_label(last) == "2022Q3"
    rec = build_record(view, case, as_of, quarter_of(dt.date(2014, 1, 1)), last)
    excluded = dict(rec.excluded)
    for item in ("atk-2022-12-12-kabul-hotel", "ms-2022-11-zero-tariffs-98"):
        assert "after the cut-off" in excluded[item] or "outside" in excluded[item], item
    cells = (*rec.attacks, *rec.actions, *rec.milestones)
    assert all(c.stop <= last for c in cells)
    assert not any({"atk-2022-12-12-kabul-hotel", "ms-2022-11-zero-tariffs-98"} & set(c.ids)
                   for c in cells)


def test_a_step_against_militants_before_the_takeover_is_left_out(case):
    """The actions family starts at the takeover quarter: a relocation the quarter before is left
    out with the reason, not counted in 2021's cell."""
    import dataclasses

    from qpq.case import case_as_of
    from qpq.sim._calibration import history_end
    from qpq.sim._record import build_record
    from qpq.sim._timeline import quarter_of

    moved = next(t for t in case.taliban_actions if t.id == "ta-2021-10-relocation-from-border")
    early = moved.model_copy(update={"id": "ta-2021-07-test", "date": "2021-05-10"})
    as_of = dt.date(2021, 12, 31)
    first, last = quarter_of(dt.date(2014, 1, 1)), history_end(as_of)
    plain = build_record(case_as_of(case, as_of), case, as_of, first, last)
    more = dataclasses.replace(case, taliban_actions=(*case.taliban_actions, early))
    rec = build_record(case_as_of(more, as_of), more, as_of, first, last)
    assert "before the takeover" in dict(rec.excluded)["ta-2021-07-test"]
    assert rec.actions == plain.actions
