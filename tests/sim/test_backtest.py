"""Rolling-origin backtests: honest cut-offs, scores against the record, baselines, the CLI."""

import datetime as dt
import json
import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats as sps

from qpq.case import Attack, TalibanAction, case_as_of
from qpq.errors import BadInputError
from qpq.sim._backtest import (
    MODEL_READINGS,
    BacktestResult,
    BacktestSpec,
    _describe,
    _scores,
    backtest,
    default_origins,
    scored_occurrences,
)
from qpq.sim._calibration import calibrate
from qpq.sim._record_events import (
    RECORD_EVENTS,
    add_months,
    baselines,
    outcome,
    record_event,
)
from qpq.sim._scores import LOG_FLOOR, Discrete, skill

from .conftest import run_cli

ORIGIN = dt.date(2022, 6, 30)
# the stylised facts' calibration, named (the default is the record's, tested in
# test_forecast_record.py): the mechanics below do not depend on it, and it is the cheaper
SMALL = BacktestSpec(origins=(ORIGIN,), draws=8, replicates=2, n=64, seed=3,
                     calibration="facts")


@pytest.fixture(scope="module")
def result(case):
    return backtest(case, SMALL)


def _attack(name, day):
    return Attack.model_validate({
        "id": name, "date": day, "title": "test", "place": "kabul",
        "country": "afghanistan", "targets": ["chinese_nationals"], "summary": "A test.",
        "sources": ["devdiscourse-2022-12-13-kabul"]})


def _later_observations(case):
    """Observations reported after ORIGIN (their sources are of December 2022): an attack
    and a Taliban action inside the window, and an attack before the origin that was not
    known at it."""
    attack, hidden = _attack("atk-test-later", "2022-09-01"), _attack("atk-test-hidden",
                                                                      "2022-05-01")
    action = TalibanAction.model_validate({
        "id": "ta-test-later", "date": "2022-10-01", "kind": "arrest", "title": "test",
        "subjects": ["etim"], "summary": "A test.", "reported_by": "test",
        "sources": ["devdiscourse-2022-12-13-kabul"]})
    return replace(case, attacks=(*case.attacks, attack, hidden),
                   taliban_actions=(*case.taliban_actions, action))


def test_later_observations_leave_the_forecast_unchanged(case, result):
    more = _later_observations(case)
    again = backtest(more, SMALL)
    before = {r["event"]: r for r in result.rows}
    after = {r["event"]: r for r in again.rows}
    for name in before:
        # forecasts (model and baselines) are made at the origin: the same
        assert after[name]["forecasts"] == before[name]["forecasts"], name
    nat = "attacks_on_chinese_nationals_afghanistan"
    act = "taliban_action_against_uyghur_militants"
    # ... while the outcomes on the record include the new observations
    assert after[nat]["outcome"] == before[nat]["outcome"] + 1
    assert after[act]["outcome"] == 1
    assert after[nat]["scores"]["model"] != before[nat]["scores"]["model"]


def test_calibrator_sees_only_the_as_of_view(case):
    seen = []

    def spy(view, as_of):
        seen.append((view, as_of))
        return calibrate(view, as_of, draws=4, replicates=2, seed=0, min_accept=4)

    more = _later_observations(case)
    backtest(more, SMALL, calibrator=spy)
    (view, as_of), = seen
    assert as_of == ORIGIN
    assert {a.id for a in view.attacks} == {a.id for a in case_as_of(case, ORIGIN).attacks}
    assert not {"atk-test-later", "atk-test-hidden"} & {a.id for a in view.attacks}


def test_rows_hold_forecast_outcome_scores_and_baselines(case, result):
    doc = json.loads(json.dumps(result.to_json()))
    assert len(doc["rows"]) == len(RECORD_EVENTS)
    until = dt.date(2023, 6, 30)
    for row in doc["rows"]:
        ev = next(e for e in RECORD_EVENTS if e.name == row["event"])
        assert row["origin"] == "2022-06-30" and row["until"] == "2023-06-30"
        assert row["outcome"] == outcome(case, ev, ORIGIN, until)
        assert set(row["forecasts"]) == {"model", "climatology", "persistence"}
        if row["outcome"] is None:
            assert all(v is None for v in row["scores"].values())
            continue
        for src, sc in row["scores"].items():
            if sc is None:
                continue
            y, said = row["outcome"], row["forecasts"][src]
            if ev.kind == "binary":
                p = said["probability"]
                assert sc["brier"] == pytest.approx((p - y) ** 2)
                # the log score of the probability given to what happened, floored
                q = min(max(p if y == 1 else 1.0 - p, LOG_FLOOR), 1.0 - LOG_FLOOR)
                assert sc["log"] == pytest.approx(-math.log(q))
            else:
                for level in ("50", "90"):
                    lo, hi = said[f"interval_{level}"]
                    assert sc[f"covered_{level}"] == (lo <= y <= hi)
                assert 0.0 <= sc["pit"][0] <= sc["pit"][1] <= 1.0
                if ev.kind == "count" and src != "model":
                    # the baselines are Poisson: the PIT [F(y-1), F(y)] from scipy
                    m = said["mean"]
                    assert sc["pit"] == pytest.approx([sps.poisson.cdf(y - 1, m),
                                                       sps.poisson.cdf(y, m)], abs=1e-9)
                if ev.kind == "band":
                    cum = np.cumsum(said["probabilities"])
                    assert sc["pit"] == pytest.approx([cum[y - 1] if y else 0.0, cum[y]])
    # the ISKP index has no fighter scale: no model forecast, baselines only
    iskp = next(r for r in doc["rows"] if r["event"] == "iskp_strength_band")
    assert iskp["forecasts"]["model"] is None
    assert len(doc["seconds_per_origin"]) == 1
    pooled = doc["pooled"]["iskp_strength_band"]
    assert pooled["crps"]["model"] is None and pooled["compared"] == 0
    assert pooled["origins_in_means"] == 1
    assert pooled["crps"]["climatology"] == pytest.approx(iskp["scores"]["climatology"]["crps"])
    # the pooled band scores compare like with like: only the ETIM/TIP band has all three
    assert doc["pooled"]["all_band"]["compared"] == doc["pooled"]["tip_strength_band"]["compared"]


def test_pooled_skill_is_recomputed_from_the_rows(case):
    spec = replace(SMALL, origins=(dt.date(2021, 12, 31), ORIGIN))
    res = backtest(case, spec)
    pooled = res.pooled()
    for kind, key in (("binary", "brier"), ("count", "crps")):
        rows = [r for r in res.rows if r["kind"] == kind and r["outcome"] is not None]
        model = [r["scores"]["model"][key] for r in rows]
        clim = [r["scores"]["climatology"][key] for r in rows]
        entry = pooled[f"all_{kind}"][key]
        assert entry["model"] == pytest.approx(np.mean(model))
        assert entry["skill_vs_climatology"] == pytest.approx(skill(model, clim))
    assert pooled["all_count"]["origins_scored"] == 4
    # the skill table the report and docs print is the pooled entries, one row per event
    table = {r["event"]: r for r in res.skill_table()}
    assert table["all_binary"]["score"] == "brier" and table["all_count"]["score"] == "crps"
    for kind, key in (("binary", "brier"), ("count", "crps")):
        row, entry = table[f"all_{kind}"], pooled[f"all_{kind}"][key]
        assert row["scores"]["model"] == entry["model"]
        assert row["skill_vs_climatology"] == entry["skill_vs_climatology"]


def test_a_forecast_is_described_and_scored_by_hand():
    """One count and one binary forecast whose scores are worked out by hand."""
    nat = record_event("attacks_on_chinese_nationals_afghanistan")
    f = Discrete(np.array([0.1, 0.4, 0.4, 0.1]))        # F = 0.1, 0.5, 0.9, 1
    # mean 0.4 + 0.8 + 0.3; median: the smallest k with F(k) >= 1/2; the central 50%
    # interval [q(0.25), q(0.75)] and the 90% one [q(0.05), q(0.95)]
    assert _describe(nat, f) == {"mean": pytest.approx(1.5), "median": 1,
                                 "interval_50": [1, 2], "interval_90": [0, 3]}
    sc = _scores(nat, f, 3)
    # y = 3 lies outside the 50% interval, inside the 90% one; PIT [F(2), F(3)]
    assert (sc["covered_50"], sc["covered_90"]) == (False, True)
    assert sc["pit"] == pytest.approx([0.9, 1.0])
    # CRPS = sum over k of (F(k) - 1{k >= 3})^2 = 0.01 + 0.25 + 0.81
    assert sc["crps"] == pytest.approx(0.01 + 0.25 + 0.81)
    act = record_event("taliban_action_against_uyghur_militants")
    b = Discrete.bernoulli(0.25)
    assert _describe(act, b) == {"probability": 0.25}
    assert _scores(act, b, 1) == {"brier": pytest.approx(0.75 ** 2),
                                  "log": pytest.approx(math.log(4.0))}
    assert _scores(act, b, 0) == {"brier": pytest.approx(0.25 ** 2),
                                  "log": pytest.approx(-math.log(0.75))}
    assert _scores(act, None, 1) is None


def _scored(crps, c50, c90, pit):
    return {"crps": crps, "covered_50": c50, "covered_90": c90, "pit": list(pit)}


def test_pooled_means_skill_coverage_and_pit_by_hand():
    """Two scored origins and one without an outcome, every pooled number by hand."""
    nat = "attacks_on_chinese_nationals_afghanistan"
    rows = (
        {"event": nat, "kind": "count", "outcome": 2,
         "scores": {"model": _scored(1.0, True, True, (0.0, 0.2)),
                    "climatology": _scored(2.0, False, True, (0.4, 0.6)),
                    "persistence": _scored(4.0, False, False, (0.9, 1.0))}},
        {"event": nat, "kind": "count", "outcome": 0,
         "scores": {"model": _scored(3.0, False, True, (0.6, 1.0)),
                    "climatology": _scored(4.0, True, True, (0.0, 0.2)),
                    "persistence": _scored(1.0, True, True, (0.0, 1.0))}},
        {"event": nat, "kind": "count", "outcome": None,
         "scores": {"model": None, "climatology": None, "persistence": None}},
    )
    res = BacktestResult(BacktestSpec(), rows, ())
    pooled = res.pooled()
    for name in (nat, "all_count"):
        doc = pooled[name]
        assert (doc["origins_scored"], doc["origins_without_outcome"]) == (2, 1)
        assert (doc["compared"], doc["origins_in_means"]) == (2, 2)
        # mean CRPS: model (1 + 3) / 2, climatology (2 + 4) / 2, persistence (4 + 1) / 2
        assert doc["crps"] == {"model": 2.0, "climatology": 3.0, "persistence": 2.5,
                               "skill_vs_climatology": pytest.approx(1 - 2.0 / 3.0),
                               "skill_vs_persistence": pytest.approx(1 - 2.0 / 2.5)}
        assert doc["coverage_model"] == {"50": 0.5, "90": 1.0}
        assert doc["coverage_persistence"] == {"50": 0.5, "90": 0.5}
        # five bins of width 0.2: [0, 0.2] fills the first, [0.6, 1] the last two by halves
        assert doc["pit_histogram_model"] == pytest.approx([0.5, 0.0, 0.0, 0.25, 0.25])
        assert doc["pit_histogram_climatology"] == pytest.approx([0.5, 0.0, 0.5, 0.0, 0.0])
    table = {r["event"]: r for r in res.skill_table()}
    assert table[nat] == {"event": nat, "kind": "count", "score": "crps", "origins": 2,
                          "scores": {"model": 2.0, "climatology": 3.0, "persistence": 2.5},
                          "skill_vs_climatology": pytest.approx(1 / 3),
                          "skill_vs_persistence": pytest.approx(0.2), "coverage": 1.0}


def test_pooled_binary_scores_by_hand():
    """Both binary scores are pooled; the skill table quotes the Brier score's."""
    act = "taliban_action_against_uyghur_militants"

    def scored(brier, log):
        return {"brier": brier, "log": log}

    rows = tuple({"event": act, "kind": "binary", "outcome": y,
                  "scores": {"model": scored(*m), "climatology": scored(*c),
                             "persistence": scored(*p)}}
                 for y, m, c, p in ((1, (0.25, 0.7), (0.5, 1.0), (1.0, 5.0)),
                                    (0, (0.25, 0.3), (0.5, 1.0), (0.0, 0.1))))
    res = BacktestResult(BacktestSpec(), rows, ())
    doc = res.pooled()["all_binary"]
    assert doc["brier"] == {"model": 0.25, "climatology": 0.5, "persistence": 0.5,
                            "skill_vs_climatology": pytest.approx(0.5),
                            "skill_vs_persistence": pytest.approx(0.5)}
    # log: model (0.7 + 0.3) / 2, climatology 1, persistence (5 + 0.1) / 2
    assert doc["log"] == {"model": pytest.approx(0.5), "climatology": 1.0,
                          "persistence": pytest.approx(2.55),
                          "skill_vs_climatology": pytest.approx(0.5),
                          "skill_vs_persistence": pytest.approx(1 - 0.5 / 2.55)}
    assert "coverage_model" not in doc
    (row,) = [r for r in res.skill_table() if r["event"] == "all_binary"]
    assert (row["score"], row["skill_vs_climatology"], row["coverage"]) == (
        "brier", pytest.approx(0.5), None)


def test_the_baselines_are_made_for_the_spec_s_horizon(case):
    """A 6-month backtest's baselines are those of the 6-month window, not of a year."""
    res = backtest(case, replace(SMALL, horizon_months=6))
    differ = False
    for row in res.rows:
        assert row["until"] == "2022-12-31"
        ev = record_event(row["event"])
        six, year = baselines(case, ev, ORIGIN, 6), baselines(case, ev, ORIGIN, 12)
        for src in ("climatology", "persistence"):
            assert row["forecasts"][src] == _describe(ev, getattr(six, src))
            differ |= _describe(ev, getattr(year, src)) != _describe(ev, getattr(six, src))
    assert differ       # the record tells the two horizons apart at this origin


def test_model_readings_by_hand():
    """The model's reading of each event from window statistics made up by hand."""
    def read(name, **stats):
        return MODEL_READINGS[name]({k: np.asarray(v, dtype=float) for k, v in stats.items()})

    # a scenario with one recognition or more counts: 3 of 4
    got = read("china_recognizes_de_jure", recognised_any=[0, 1, 2, 1])
    np.testing.assert_allclose(got.pmf, [0.25, 0.75])
    got = read("taliban_action_against_uyghur_militants", taliban_acts_any=[0, 0, 3, 0])
    np.testing.assert_allclose(got.pmf, [0.75, 0.25])
    got = read("attacks_on_chinese_nationals_afghanistan", nationals_count=[0, 2, 2, 1])
    np.testing.assert_allclose(got.pmf, [0.25, 0.25, 0.5])
    # ETIM/TIP bands <250, 250-500, 500-1000, >=1000 of border + interior + co-opted
    # fighters: 249, 250 (an edge belongs to the band above), 250, 1000
    got = read("tip_strength_band", border=[249, 100, 0, 600], interior=[0, 100, 250, 200],
               coopted=[0, 50, 0, 200])
    np.testing.assert_allclose(got.pmf, [0.25, 0.5, 0.0, 0.25])
    # ISKP bands <1000, 1000-2500, 2500-5000, >=5000; none without a fighter scale
    got = read("iskp_strength_band", iskp_fighters=[999, 1000, 5000, 7000])
    np.testing.assert_allclose(got.pmf, [0.25, 0.25, 0.0, 0.5])
    # every band has its probability, an empty top band too (the JSON's probabilities)
    got = read("iskp_strength_band", iskp_fighters=[10, 20, 30, 4000])
    np.testing.assert_allclose(got.pmf, [0.75, 0.0, 0.25, 0.0])
    assert read("iskp_strength_band", iskp_strength=[0.5]) is None


def test_scored_occurrences_count_after_the_first_origin_to_the_last_window_end(case):
    attacks = tuple(_attack(f"atk-test-{day}", day) for day in
                    ("2020-06-30", "2020-07-01", "2021-12-31", "2022-01-01"))
    made = replace(case, attacks=attacks)
    protocol = {"origins": ["2021-06-30", "2020-06-30"], "horizon_months": 6}
    got = scored_occurrences(made, protocol, ("attacks_on_chinese_nationals_afghanistan",))
    # (2020-06-30, 2021-12-31]: the attack on the first origin's day belongs to its past
    assert got == {"occurrences": 2,
                   "by_event": {"attacks_on_chinese_nationals_afghanistan": 2},
                   "from": "2020-06-30", "to": "2021-12-31"}


def test_backtest_is_deterministic(case, result):
    again = backtest(case, SMALL)
    assert again.rows == result.rows


def test_a_window_may_end_on_the_record_s_last_day(case):
    """The last origin whose window ends on run.forecast_as_of is scored; one quarter later
    is refused."""
    stop = case.run.forecast_as_of
    last = add_months(stop, -SMALL.horizon_months)
    replace(SMALL, origins=(last,)).check(case)
    with pytest.raises(BadInputError, match="record's last day"):
        replace(SMALL, origins=(add_months(last, 3),)).check(case)


def test_every_event_has_a_model_reading():
    assert set(MODEL_READINGS) == {e.name for e in RECORD_EVENTS}


def test_default_origins():
    o = default_origins()
    assert o[0] == dt.date(2016, 6, 30) and o[-1] == dt.date(2024, 6, 30)
    assert len(o) == 17 and list(o) == sorted(o)


@pytest.mark.parametrize(("change", "match"), [
    ({"origins": (dt.date(2020, 5, 15),)}, "quarter"),
    ({"origins": (dt.date(2024, 12, 31),)}, "record's last day"),
    ({"horizon_months": 5}, "quarters"),
    ({"model": "v3"}, "unknown model"),
    ({"origins": ()}, "at least one"),
    ({"origins": (ORIGIN, ORIGIN)}, "twice"),
    ({"origins": (dt.date(1995, 12, 31),)}, "out of range"),
])
def test_bad_settings_are_refused(case, change, match):
    with pytest.raises(BadInputError, match=match):
        replace(SMALL, **change).check(case)


def test_cli_backtest(capsys):
    code, out, err = run_cli(capsys, "sim", "backtest", "--origins", "2022-06-30", "--draws",
                             "4", "--replicates", "2", "--n", "32", "--calibration", "facts",
                             "--json")
    assert code == 0
    assert "backtest origin 2022-06-30" in err   # progress goes to stderr, not into the JSON
    doc = json.loads(out)
    assert doc["protocol"]["origins"] == ["2022-06-30"]
    assert {r["event"] for r in doc["rows"]} == {e.name for e in RECORD_EVENTS}
    assert "all_binary" in doc["pooled"]
    code, _, err = run_cli(capsys, "sim", "backtest", "--origins", "2022-06-15", "--json")
    assert code == 2 and "quarter" in err
    code, _, err = run_cli(capsys, "sim", "backtest", "--horizon", "1y")
    assert code == 2 and "--horizon" in err


def test_an_origins_results_do_not_depend_on_the_order_origins_run(case):
    """Each origin is seeded from the spec alone: run it first or second, the same rows."""
    other = dt.date(2021, 6, 30)
    ab = backtest(case, replace(SMALL, origins=(ORIGIN, other)))
    ba = backtest(case, replace(SMALL, origins=(other, ORIGIN)))
    by_origin = {o: [r for r in ab.rows if r["origin"] == o.isoformat()] for o in (ORIGIN, other)}
    assert [r["origin"] for r in ba.rows[:len(RECORD_EVENTS)]] == [other.isoformat()] * len(
        RECORD_EVENTS)
    for o in (ORIGIN, other):
        assert [r for r in ba.rows if r["origin"] == o.isoformat()] == by_origin[o]
    # ... and the two origins' forecasts differ, so a mix-up would show
    assert [r["forecasts"] for r in by_origin[ORIGIN]] != [r["forecasts"]
                                                           for r in by_origin[other]]


def test_workers_inside_an_origin_are_refused_on_a_pool_executor(case):
    from qpq.parallel import ProcessPool

    with ProcessPool(2) as ex, pytest.raises(BadInputError, match="--workers"):
        backtest(case, replace(SMALL, workers=2), executor=ex)
    # nor may a calibrator given with workers of its own start pools inside the workers
    from qpq.sim import calibrator_for, record_calibrator
    for calibrator in (record_calibrator(workers=2), calibrator_for("facts", workers=2)):
        with ProcessPool(2) as ex, pytest.raises(BadInputError,
                                                 match="calibrator's workers 2"):
            backtest(case, SMALL, calibrator=calibrator, executor=ex)


def test_progress_is_reported_as_each_origin_finishes(case):
    seen = []
    spec = replace(SMALL, origins=(dt.date(2021, 6, 30), ORIGIN))
    backtest(case, spec, on_progress=lambda *a: seen.append(a))
    assert seen == [("backtest", 0, 2), ("backtest origin 2021-06-30", 1, 2),
                    ("backtest origin 2022-06-30", 2, 2), ("backtest", 2, 2)]


def test_cli_backtest_on_dask_gives_the_in_process_numbers(capsys):
    """``--executor dask --workers 2`` (a LocalCluster of 2): the same document, row for row."""
    args = ("sim", "backtest", "--origins", "2021-06-30,2022-06-30", "--draws", "8",
            "--replicates", "2", "--n", "64", "--seed", "3", "--calibration", "facts", "--json")
    code, out, _ = run_cli(capsys, *args)
    assert code == 0
    code, out_dask, err = run_cli(capsys, *args, "--executor", "dask", "--workers", "2")
    assert code == 0, err
    assert "backtest origin 2021-06-30" in err and "backtest origin 2022-06-30" in err
    ref, on_dask = json.loads(out), json.loads(out_dask)
    assert [r["origin"] for r in on_dask["rows"]][::len(RECORD_EVENTS)] == [
        "2021-06-30", "2022-06-30"]
    assert on_dask["rows"] == ref["rows"]
    assert on_dask["pooled"] == ref["pooled"]


def test_cli_backtest_refuses_contradicting_executor_options(capsys):
    code, _, err = run_cli(capsys, "sim", "backtest", "--executor", "pool", "--scheduler",
                           "tcp://127.0.0.1:1")
    assert code == 2 and "scheduler (--scheduler) needs the dask executor" in err
    code, _, err = run_cli(capsys, "sim", "backtest", "--executor", "threads")
    assert code == 2 and "--executor" in err
