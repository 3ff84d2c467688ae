"""The notebook API returns what the lens that owns each question returns, as tables.

Each check compares the API's result with the owner called directly (the same seeds, so the
same numbers) and the table with the result it was made from; sizes are small.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest

import qpq
from qpq.errors import BadInputError
from qpq.explore import load_study, run_comparison, run_discovery, run_sensitivity
from qpq.game import solve
from qpq.model import ParameterRegistry
from qpq.sim import SERIES, RunRequest, calibrate, run_policies
from qpq.sim import forecast as sim_forecast
from tests.sim.conftest import run_cli

POLICIES = ("engage_no_promise", "boycott")


@pytest.fixture(scope="module")
def case():
    return qpq.load_case()


def test_case_tables_list_every_parameter(case):
    frame = case.to_frame()
    assert list(frame.index) == [p.name for p in case.parameters]
    for p in case.parameters[:5]:
        assert frame.loc[p.name, "default"] == p.default
        assert (frame.loc[p.name, "low"], frame.loc[p.name, "high"]) == (p.low, p.high)
    doc = case.to_dict()
    assert doc["id"] == case.meta.id
    assert doc["counts"]["parameters"] == len(case.parameters)
    assert doc["run"]["forecast_as_of"] == case.run.forecast_as_of.isoformat()


def test_solve_game_is_the_solver_at_the_case_defaults(case):
    sol = qpq.solve_game(case)
    direct = solve(ParameterRegistry.from_case(case).point())
    assert (sol.label, sol.n_equilibria) == (direct.label, direct.n_equilibria)
    frame = sol.to_frame()
    assert len(frame) == len(sol.equilibria)
    chosen = frame[frame["selected"]]
    assert len(chosen) == 1 and chosen["label"].iloc[0] == sol.label
    assert chosen["payoff_China"].iloc[0] == sol.selected_equilibrium.payoffs["China"]
    # the outcome's copies of the payoffs were two more columns, equal in every row
    assert not {"china_payoff", "taliban_payoff"} & set(frame.columns)
    assert {"payoff_Taliban", "p_recognised", "china_security"} <= set(frame.columns)
    assert sol.to_dict() == sol.to_json()


def test_solve_game_takes_overrides(case):
    sol = qpq.solve_game(case, {"prior_sincere": 0.6}, mixed=False)
    assert sol.parameters["prior_sincere"] == 0.6
    with pytest.raises(BadInputError):
        qpq.solve_game(case, {"no_such_parameter": 1.0})
    with pytest.raises(BadInputError, match="out of range"):
        qpq.solve_game(case, {"prior_sincere": 0.9})


def test_simulate_policies_summarises_the_runs(case):
    runs = qpq.simulate_policies(case, POLICIES, n=128, seed=3)
    _, direct = run_policies(case, RunRequest(policies=POLICIES, n=128, seed=3))
    frame = runs.to_frame()
    assert list(frame.index) == list(POLICIES)
    for p in POLICIES:
        stats = direct[p].stats
        assert frame.loc[p, "militants_iskp"] == pytest.approx(np.mean(stats["militants_iskp"]))
        assert frame.loc[p, "recognised_ever"] == np.isfinite(stats["recognition_time"]).mean()
    # boycott never recognises: its mean recognition time is undefined, not zero
    assert np.isnan(frame.loc["boycott", "recognition_time"])
    assert runs.to_dict()["policies"]["boycott"]["recognition_time"] is None
    series = runs.series("recognised")
    j = SERIES.index("recognised")
    assert series.shape == (direct["boycott"].mean_series.shape[0], 2)
    assert np.array_equal(series["engage_no_promise"].to_numpy(),
                          direct["engage_no_promise"].mean_series[:, j])
    assert series.index[0] == runs.results["boycott"].spec.timeline.labels()[0]
    with pytest.raises(BadInputError, match="unknown series"):
        runs.series("no_such_series")


def test_simulate_policies_summary_is_the_commands(case, capsys):
    # ``qpq sim run --json`` and the API summarise the same runs with the same numbers
    code, out, _ = run_cli(capsys, "sim", "run", "--policy", "boycott", "--policy",
                           "equilibrium", "--n", "64", "--seed", "2", "--json")
    assert code == 0
    doc = qpq.simulate_policies(case, ["boycott", "equilibrium"], n=64, seed=2).to_dict()
    assert doc["policies"] == json.loads(out)["policies"]
    assert {k: doc[k] for k in ("start", "until", "window_start")} == {
        k: json.loads(out)[k] for k in ("start", "until", "window_start")}


def test_simulate_policies_rejects_an_unknown_policy(case):
    with pytest.raises(BadInputError, match=r"^unknown policy 'appease'; allowed: boycott,"):
        qpq.simulate_policies(case, ["appease"], n=8)


def test_one_policy_may_be_named_without_a_list(case):
    # "boycott" was read as the policies 'b', 'o', ... ("unknown policy 'b'")
    one = qpq.simulate_policies(case, "boycott", n=64, until="2023-12-31")
    listed = qpq.simulate_policies(case, ["boycott"], n=64, until="2023-12-31")
    pd.testing.assert_frame_equal(one.to_frame(), listed.to_frame())
    assert list(one.results) == ["boycott"]
    study = qpq.explore_policies(case=case, n=8, levers="boycott")
    assert {c.policy for c in study.comparisons[0].metrics} == {"boycott"}


def test_explore_policies_is_the_comparison_of_the_case_scenario(case):
    res = qpq.explore_policies(case=case, n=8, levers=POLICIES)
    study = load_study(case.scenarios[0].id, case)
    direct = run_comparison(case, study, n=8, levers=POLICIES)
    frame = res.to_frame()
    assert len(frame) == len(study.outcomes) * len(POLICIES)
    for c, d in zip(res.comparisons, direct.comparisons, strict=True):
        for p in POLICIES:
            assert frame.loc[(c.outcome, p), "mean"] == d.metric(p).mean
            named = frame.loc[(c.outcome, p), "most_robust_by"]
            assert set(filter(None, named.split(", "))) == {
                k for k, v in d.most_robust.items() if p in v}
    assert res.to_dict()["outcomes"] == direct.to_json()["outcomes"]


def test_sensitivity_and_discovery_tables_hold_their_results(case):
    study = load_study(case.scenarios[0].id, case)
    for method, columns in (("sobol", ("S1", "S1_conf", "ST", "ST_conf")),
                            ("morris", ("mu", "mu_star", "sigma", "mu_star_conf"))):
        res = run_sensitivity(case, study, method=method, n=4, num_resamples=10,
                              policy="boycott", outcomes=["china_security"])
        frame = res.to_frame()
        r = res.result("china_security")
        assert list(frame.columns) == list(columns)
        assert list(frame.index) == [("china_security", n) for n in r.names]
        for c in columns:
            assert frame[c].tolist() == [getattr(r, c)[n] for n in r.names]
        assert res.to_dict() == res.to_json()
    found = run_discovery(case, study, n=32)
    box = found.to_frame()
    chosen = found.prim.chosen
    assert set(box.index[box["restricted"]]) == set(chosen.restricted)
    for name, (low, high) in chosen.limits(found.prim.names).items():
        assert (box.loc[name, "low"], box.loc[name, "high"]) == (low, high)
    assert (box["low"] >= box["bound_low"]).all() and (box["high"] <= box["bound_high"]).all()
    assert found.to_dict() == found.to_json()


def test_forecast_on_the_facts_is_calibrate_then_forecast(case):
    res = qpq.forecast("2025-06-30", "2026-06-30", case, n=64, draws=40, replicates=2,
                       calibration="facts")
    cal = calibrate(case, dt.date(2025, 6, 30), draws=40, replicates=2)
    direct = sim_forecast(case, cal, dt.date(2026, 6, 30), n=64)
    assert res.events == direct.events
    frame = res.to_frame()
    assert list(frame.index) == list(res.events)
    rec = res.events["china_recognizes_de_jure"]
    assert frame.loc["china_recognizes_de_jure", "probability"] == rec["probability"]
    low, high = rec["interval_90_monte_carlo"]
    assert (frame.loc["china_recognizes_de_jure", "interval_90_monte_carlo_low"],
            frame.loc["china_recognizes_de_jure", "interval_90_monte_carlo_high"]) == (low, high)
    # an event without a probability has an empty cell, not a zero
    assert pd.isna(frame.loc["iskp_strength", "probability"])
    # the backtest skill and the calibration's constraint, flattened
    attacks = res.events["attacks_on_chinese_nationals_afghanistan"]
    assert (frame.loc["attacks_on_chinese_nationals_afghanistan", "skill_vs_climatology"]
            == attacks["backtest_skill"]["skill_vs_climatology"])
    assert pd.isna(frame.loc["militants_coopted_share", "skill_vs_climatology"])
    assert (frame.loc["militants_coopted_share", "parameters_constrained"]
            == res.events["militants_coopted_share"]["calibration_constrained"]["constrained"])
    assert res.to_dict() == res.to_json()


TINY_RECORD = qpq.sim.AbcSettings(population=10, max_simulations=200, game_points=4,
                                  grid_size=4, start=dt.date(2014, 1, 1), ppc_draws=4,
                                  attribution=False, min_ess=1, model="v1")


def test_forecast_by_default_is_record_calibrator_then_forecast(case, tmp_path):
    from qpq.sim import record_calibrator

    tiny = TINY_RECORD
    # no calibration named: the record's (qpq.sim.DEFAULT_CALIBRATION), cached where told
    res = qpq.forecast("2023-06-30", "2024-06-30", case, n=64, draws=8, replicates=2,
                       record=tiny, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("record-calibration-*.pkl"))) == 1
    cal = record_calibrator(tiny, points=8, replicates=2)(case, dt.date(2023, 6, 30))
    assert res.events == sim_forecast(case, cal, dt.date(2024, 6, 30), n=64).events
    assert res.calibration["kind"] == "record"
    again = qpq.forecast("2023-06-30", "2024-06-30", case, n=64, draws=8, replicates=2,
                         calibration="record", record=tiny, cache_dir=tmp_path)
    assert again.events == res.events
    with pytest.raises(BadInputError, match="unknown calibration"):
        qpq.forecast(case=case, n=4, calibration="recrd")
    with pytest.raises(BadInputError, match="calibration is 'facts'"):
        qpq.forecast(case=case, n=4, calibration="facts", record=tiny)
    with pytest.raises(BadInputError, match="calibration is 'facts'"):
        qpq.forecast(case=case, n=4, calibration="facts", cache_dir=tmp_path)
    with pytest.raises(BadInputError, match="is not model v2"):
        qpq.forecast(case=case, n=4, model="v2", record=tiny)


def test_forecast_window_defaults_to_the_case_run_block(case):
    res = qpq.forecast(case=case, n=16, draws=40, replicates=2, calibration="facts")
    assert (res.as_of, res.until) == (case.run.forecast_as_of, case.run.forecast_until)


@pytest.mark.parametrize("as_of,until,says", [
    ("2025-13-01", "2026-06-30", "'2025-13-01' is not a date"),
    ("2024-06-30", "2024-03-31", "2024-06-30 must be before until"),
    ("2026-06-30", "2027-06-30", "after the record's last day 2025-06-30"),
])
def test_forecast_bad_dates_are_bad_input(case, as_of, until, says):
    with pytest.raises(BadInputError, match=re.escape(says)):
        qpq.forecast(as_of, until, case, n=8, draws=40, replicates=2)


@pytest.mark.parametrize("call,says", [
    (lambda c: qpq.explore_policies(case=c, n=4, levers=["appease"]), "unknown policy"),
    (lambda c: qpq.explore_policies("no-such-scenario", c), "no scenario file or scenario id"),
    (lambda c: qpq.explore_policies(case=c, n=4, model="v3"), "unknown model"),
    (lambda c: qpq.simulate_policies(c, ["boycott"], n=4, model="v3"), "unknown model"),
    (lambda c: qpq.simulate_policies(c, ["boycott"], n=4, until="soon"), "not a date"),
    (lambda c: qpq.forecast(case=c, policy="appease", n=4), "unknown policy"),
])
def test_bad_input_says_what_is_allowed(case, call, says):
    with pytest.raises(BadInputError, match=says):
        call(case)
