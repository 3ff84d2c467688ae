"""The record calibration's derived quantities (issue 16): ISKP's fighters, the ETIM/TIP
stocks and the expected attacks at the as-of date, labelled as the parameters are, and the
trade-offs that make a level identifiable while its components are not."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest

from qpq.sim import AbcSettings, TradeOff, calibrate_record, synthetic_recovery
from qpq.sim._abc import (
    LABELS,
    _correlations,
    _derived_priors,
    _derived_ratios,
    _Draws,
    _parameter_priors,
    _ratios,
    _relative,
)
from qpq.sim._record import DERIVED, derived_values, derived_windows

AS_OF = dt.date(2024, 6, 30)
TINY = AbcSettings(population=100, max_simulations=1200, game_points=1, grid_size=4,
                   start=dt.date(2014, 1, 1), ppc_draws=12, attribution=False, min_ess=1.0)


# --------------------------------------------------------------------------- analytic case


def _product_case(adjustment: bool, seed: int = 0):
    """a, b uniform on [1, 10], the record sees log(a·b) with a small error: the product is
    identified, its components only through it (a ∝ 1/a on [1, 10] given a·b = 10)."""
    rng = np.random.default_rng(seed)
    n = 20_000
    a, b = rng.uniform(1.0, 10.0, n), rng.uniform(1.0, 10.0, n)
    summary = np.log(a * b) + 0.05 * rng.standard_normal(n)
    observed = np.array([np.log(10.0)])
    dev = ((summary - observed[0]) / 0.05) ** 2
    bounds = {"a": (1.0, 10.0, False), "b": (1.0, 10.0, False)}
    draws = _Draws({"a": a, "b": b}, np.zeros(n, dtype=np.int64), {}, {"x": dev[:, None]},
                   summaries={"x": summary[:, None]} if adjustment else {},
                   observed={"x": observed} if adjustment else {},
                   bounds=bounds if adjustment else {},
                   derived={"iskp_fighters": a * b})
    run = draws.accept(500, ("x",))
    registry = {k: SimpleNamespace(low=lo, high=hi, integer=i) for k, (lo, hi, i) in
                bounds.items()}
    params = _ratios(run, _parameter_priors(registry, dict.fromkeys(bounds, "targeted"), None),
                     np.random.default_rng(1))
    derived = _derived_ratios(run, _derived_priors(draws.derived), np.random.default_rng(2))
    return draws, run, params, derived


@pytest.mark.parametrize("adjustment", [False, True])
def test_a_product_narrows_while_its_components_do_not(adjustment):
    draws, run, params, derived = _product_case(adjustment)
    *_, ratio, null = derived["iskp_fighters"]
    product = _relative(ratio, null)
    components = {n: _relative(r[3], r[4]) for n, r in params.items()}
    # the product a·b is pinned near 10 (its prior 90% spans about 3-60), each component
    # still spans most of [1, 10]
    assert product < 0.5, product
    for name, rel in components.items():
        assert rel > 0.8, (name, rel)
    lo, hi = derived["iskp_fighters"][2]
    assert lo <= 10.0 <= hi and hi - lo < 5.0
    # the trade-off: independent in the prior, strongly anti-correlated in the posterior
    post = {"a": np.array([p["p:a"] for p in run.particles]),
            "b": np.array([p["p:b"] for p in run.particles])}
    assert abs(_correlations(draws.values, ("a", "b"), np.ones(draws.games.size))[0, 1]) < 0.05
    assert _correlations(post, ("a", "b"), run.weights)[0, 1] < -0.8


def test_the_product_is_not_called_narrow_when_the_record_misses_it():
    # the same machinery when the summary says nothing of the product: no narrowing (the
    # test above could fail)
    rng = np.random.default_rng(3)
    n = 20_000
    a, b = rng.uniform(1.0, 10.0, n), rng.uniform(1.0, 10.0, n)
    noise = rng.standard_normal(n)
    draws = _Draws({"a": a, "b": b}, np.zeros(n, dtype=np.int64), {},
                   {"x": (noise ** 2)[:, None]}, derived={"iskp_fighters": a * b})
    run = draws.accept(500, ("x",))
    *_, ratio, null = _derived_ratios(run, _derived_priors(draws.derived),
                                      np.random.default_rng(2))["iskp_fighters"]
    assert _relative(ratio, null) > 0.8


# --------------------------------------------------------------------------- the calibration


@pytest.fixture(scope="module")
def plain(case):
    return calibrate_record(case, AS_OF, rng=np.random.default_rng(0),
                            settings=dataclasses.replace(TINY, adjustment="none"))


@pytest.fixture(scope="module")
def adjusted(case):
    return calibrate_record(case, AS_OF, rng=np.random.default_rng(0), settings=TINY)


def test_every_derived_quantity_is_labelled(plain, adjusted):
    for cal in (plain, adjusted):
        assert [d.name for d in cal.derived] == [d.name for d in DERIVED]
        for d in cal.derived:
            assert d.role == "derived" and d.label in LABELS
            assert d.prior_90[0] <= d.prior_90[1] and d.posterior_90[0] <= d.posterior_90[1]
            assert np.all(cal.derived_points[d.name] >= 0.0)
            assert cal.parameter(d.name) is d
        doc = cal.summary()
        assert [r["name"] for r in doc["derived"]] == [d.name for d in DERIVED]
        assert all(r["unit"] and r["meaning"] for r in doc["derived"])
        assert {t["group"] for t in doc["trade_offs"]} == {"ISKP strength", "ETIM/TIP stock",
                                                           "ISKP attacks"}
        assert all(isinstance(t, TradeOff) for t in cal.trade_offs)


def test_unadjusted_derived_values_are_the_accepted_histories(plain):
    # without the adjustment the fighters are exactly index × the history's scale
    np.testing.assert_allclose(plain.derived_points["iskp_fighters"],
                               plain.derived_points["iskp_index"]
                               * plain.assumed["iskp_full_strength"])
    assert np.all(plain.derived_points["tip_afghanistan"]
                  >= plain.derived_points["tip_border"] - 1e-9)


def test_the_derived_labels_do_not_move_the_parameters(case, adjusted, monkeypatch):
    # the derived quantities ride along: with none defined, the same Generator gives the same
    # particles, weights and parameter labels (they draw from their own stream)
    from qpq.sim import _abc, _record

    monkeypatch.setattr(_record, "DERIVED", ())
    monkeypatch.setattr(_abc, "DERIVED", ())
    without = calibrate_record(case, AS_OF, rng=np.random.default_rng(0), settings=TINY)
    assert without.derived == () and without.trade_offs == ()     # none was computed
    for name, v in adjusted.points.items():
        np.testing.assert_array_equal(without.points[name], v, err_msg=name)
    np.testing.assert_array_equal(without.weights, adjusted.weights)
    assert without.parameters == adjusted.parameters
    monkeypatch.undo()
    # and with them, the same Generator gives the same derived labels
    again = calibrate_record(case, AS_OF, rng=np.random.default_rng(0), settings=TINY)
    assert again.derived == adjusted.derived
    for t in adjusted.trade_offs:
        np.testing.assert_allclose(np.diag(t.posterior)[np.isfinite(np.diag(t.posterior))], 1.0)
        np.testing.assert_allclose(t.posterior, t.posterior.T, equal_nan=True)


def test_derived_windows_read_the_as_of_quarter(case):
    from qpq.case import case_as_of
    from qpq.sim._abc import _prepare
    fw = _prepare(case, case_as_of(case, AS_OF), AS_OF, TINY, None)
    rec = fw.record
    windows = derived_windows(rec)
    assert {w.stop for w in windows} == {rec.last}
    assert {w.start for w in windows if w.statistic == "mean"} == {rec.last}
    assert {w.start for w in windows if w.statistic == "sum"} == {rec.last - 3}
    # per year: a history with a constant expected count c per quarter has 4c a year
    stats = {w.name: np.array([2.0 if w.statistic == "sum" else 0.5]) for w in windows}
    vals = derived_values(rec, stats, {"iskp_full_strength": np.array([8000.0])})
    assert vals["attacks_nationals_iskp"][0] == pytest.approx(2.0)
    assert vals["attacks_nationals_etim"][0] == pytest.approx(0.0)
    assert vals["iskp_fighters"][0] == pytest.approx(4000.0)
    assert vals["tip_afghanistan"][0] == pytest.approx(1.5)


def test_synthetic_recovery_reports_the_derived_coverage(case):
    s = dataclasses.replace(TINY, max_simulations=600, population=60)
    study = synthetic_recovery(case, AS_OF, [s], truths=3, rng=np.random.default_rng(4))
    row = study.rows[0]
    assert set(row.derived_covered) == {d.name for d in DERIVED}
    assert all(0.0 <= v <= 1.0 for v in row.derived_covered.values())
    assert 0.0 <= row.derived_coverage <= 1.0


def test_the_adjustment_keeps_the_accepted_values_for_the_trade_offs():
    # the adjusted run moves a and b but keeps what was accepted, which the unadjusted run
    # of the same draws returns as its particles
    _, plain_run, *_ = _product_case(adjustment=False)
    _, run, *_ = _product_case(adjustment=True)
    assert run.note.startswith("local-linear")
    for name in ("a", "b"):
        accepted = np.array([p["p:" + name] for p in plain_run.particles])
        np.testing.assert_array_equal(run.unadjusted[name], accepted)
        assert not np.allclose([p["p:" + name] for p in run.particles], accepted)


def test_trade_offs_correlate_the_accepted_values_not_the_adjusted_ones(case):
    # the adjustment moves the parameters and derived quantities but not the observation
    # models' assumptions (iskp_full_strength), so the trade-offs read the accepted values:
    # the same correlations with or without the adjustment (same Generator, same acceptance)
    wide = dataclasses.replace(TINY, population=400, max_simulations=2000)
    runs = {adj: calibrate_record(case, AS_OF, rng=np.random.default_rng(0),
                                  settings=dataclasses.replace(wide, adjustment=adj))
            for adj in ("none", "local-linear")}
    assert "local-linear" in runs["local-linear"].method      # the adjustment did apply
    for plain_t, adj_t in zip(runs["none"].trade_offs, runs["local-linear"].trade_offs,
                              strict=True):
        np.testing.assert_allclose(adj_t.posterior, plain_t.posterior, equal_nan=True)
