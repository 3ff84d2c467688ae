"""The simulator's public functions and spec objects refuse bad values from Python.

Found by a probe of the public API (2026-12-06): a record calibration and a forecast "as of
2100" ran (every quarter after the record read as a quarter without events), a lone
targeted name was read letter by letter, ``population=2.5`` failed in a slice after the run
had started, counterfactual overrides took any value, ``rng=0`` ended in an AttributeError.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re

import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.sim import (
    AbcSettings,
    BacktestSpec,
    Override,
    RunRequest,
    StepOptions,
    calibrate,
    calibrate_record,
    sample_pool,
    sim_registry,
)

TINY = AbcSettings(population=10, max_simulations=60, game_points=1, grid_size=4,
                   start=dt.date(2014, 1, 1), ppc_draws=4, attribution=False, min_ess=1.0,
                   model="v1")


def test_the_record_calibration_refuses_a_date_after_the_record(case):
    from qpq.sim import check_known_by

    last = case.run.forecast_as_of
    check_known_by(case, last)                  # the record's last day is known by itself
    with pytest.raises(BadInputError, match=f"after the record's last day {last}"):
        calibrate_record(case, last + dt.timedelta(days=1), rng=np.random.default_rng(0),
                         settings=TINY)


def test_the_record_calibration_takes_a_generator_and_an_iso_date(case):
    with pytest.raises(BadInputError, match=r"rng must be a numpy\.random\.Generator"):
        calibrate_record(case, dt.date(2020, 6, 30), rng=0, settings=TINY)
    a = calibrate_record(case, "2020-06-30", rng=np.random.default_rng(3), settings=TINY,
                         families="attacks")         # one family, not its letters
    b = calibrate_record(case, dt.date(2020, 6, 30), rng=np.random.default_rng(3),
                         settings=TINY, families=("attacks",))
    assert a.as_of == b.as_of == dt.date(2020, 6, 30) and a.families == ("attacks",)
    assert a.key == b.key
    assert np.array_equal(a.points["recruitment"], b.points["recruitment"])


def test_the_facts_calibration_may_read_facts_after_the_record(case):
    # the report's backcast reads the facts known by run.backcast_as_of (after the record)
    assert case.run.backcast_as_of > case.run.forecast_as_of
    res = calibrate(case, case.run.backcast_as_of, draws=4, replicates=1, grid_size=3)
    assert res.as_of == case.run.backcast_as_of


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"draws": 0}, "draws must be a whole number of at least 1; got 0"),
    ({"replicates": 2.5}, "replicates must be a whole number of at least 1; got 2.5"),
    ({"grid_size": 1}, "grid_size must be a whole number of at least 2; got 1"),
    ({"seed": -1}, "seed must be a whole number of at least 0"),
])
def test_the_facts_calibration_refuses_bad_sizes(case, kwargs, words):
    with pytest.raises(BadInputError) as info:
        calibrate(case, dt.date(2020, 6, 30), **kwargs)
    assert words in str(info.value)


@pytest.mark.parametrize(("change", "words"), [
    ({"population": 2.5}, "calibration setting population must be a whole number"),
    ({"grid_size": 1}, "calibration setting grid_size must be a whole number of at least 2"),
    ({"game_seed": -3}, "calibration setting game_seed must be a whole number of at least 0"),
    ({"targeted": []}, None),
    # cross-field and enumerated settings too, not only when a run first reads them
    ({"alpha": 2.0}, r"alpha must be in \(0, 1\), got 2.0"),
    ({"sampler": "mcmc"}, "sampler must be one of rejection, abc-smc, not 'mcmc'"),
    ({"population": 61}, r"population \(61\) must not exceed max_simulations \(60\)"),
    ({"targeted": ("capacity_low",)}, "targeted parameters must be dynamics parameters"),
])
def test_calibration_settings_are_checked_where_they_are_made(change, words):
    if words is None:
        assert dataclasses.replace(TINY, **change).targeted == ()
        return
    with pytest.raises(BadInputError, match=words):
        dataclasses.replace(TINY, **change)


@pytest.mark.parametrize(("change", "words"), [
    # "'<' not supported between instances of 'float' and 'str'"
    ({"alpha": "0.5"}, "calibration setting alpha must be a finite number; got '0.5'"),
    ({"weak_below": "0.8"}, "calibration setting weak_below must be a finite number; got '0.8'"),
    ({"calibrated_below": "0.5"},
     "calibration setting calibrated_below must be a finite number; got '0.5'"),
    # min_ess was not checked at all
    ({"min_ess": "30"},
     "calibration setting min_ess must be a finite number of at least 0; got '30'"),
    ({"min_ess": -1.0}, "calibration setting min_ess must be a finite number of at least 0"),
    # one rule for the four numbers (min_ess had a second wording)
    ({"alpha": float("nan")}, "calibration setting alpha must be a finite number; got nan"),
    ({"min_ess": True}, "calibration setting min_ess must be a finite number"),
    ({"start": dt.datetime(2014, 1, 1)}, "calibration setting start must be a date"),
    ({"start": "2014/01/01"}, "calibration setting start: '2014/01/01' is not a date"),
])
def test_calibration_settings_of_the_wrong_type_are_named(change, words):
    with pytest.raises(BadInputError, match=words):
        dataclasses.replace(TINY, **change)


def test_calibration_settings_take_an_iso_start():
    # start="2014-01-01" was kept as a string and to_json() failed on .isoformat()
    settings = dataclasses.replace(TINY, start="2014-01-01")
    assert settings.start == dt.date(2014, 1, 1)
    assert settings.to_json() == TINY.to_json()


def test_calibration_settings_of_another_type_are_named(case):
    with pytest.raises(BadInputError, match=r"settings must be qpq.sim.AbcSettings .*; got dict"):
        calibrate_record(case, "2024-06-30", rng=np.random.default_rng(0),
                         settings={"population": 10})


def test_a_yes_no_setting_takes_only_true_or_false():
    with pytest.raises(BadInputError,
                       match="calibration setting attribution must be True or False; got 'no'"):
        AbcSettings(attribution="no")
    assert AbcSettings(attribution=np.False_).attribution is False


def test_a_lone_targeted_name_is_one_name():
    assert dataclasses.replace(TINY, targeted="recruitment").targeted == ("recruitment",)
    assert AbcSettings(max_simulations=1e4, population=100).max_simulations == 10_000


@pytest.mark.parametrize(("args", "words"), [
    (("us_presence", 5.0, dt.date(2022, 1, 1)), r"within \[0, 1\]; got 5.0"),
    (("us_presence", math.nan, dt.date(2022, 1, 1)), r"within \[0, 1\]; got nan"),
    (("us_presence", 1.0, dt.date(2022, 1, 1), dt.date(2021, 1, 1)), "end 2021-01-01 is "
                                                                     "before start"),
    (("nope", 1.0, dt.date(2022, 1, 1)), "unknown timeline attribute 'nope'"),
])
def test_a_counterfactual_is_checked_where_it_is_made(args, words):
    with pytest.raises(BadInputError, match=words):
        Override(*args)


def test_a_counterfactual_takes_iso_dates():
    assert Override("us_presence", 1, "2021-08-15").start == dt.date(2021, 8, 15)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"policies": "boycott"}, None),
    ({"policies": ()}, "policies is empty"),
    ({"workers": 0}, "workers must be a whole number of at least 1; got 0"),
    ({"seed": 1.5}, "seed must be a whole number of at least 0; got 1.5"),
    ({"grid_size": 1}, "grid_size must be a whole number of at least 2; got 1"),
    # "no" is true to Python: the Taliban co-opted
    ({"coopt": "no"}, "coopt must be True or False; got 'no'"),
    ({"overrides": ["iskp_pull"]}, "overrides must be a mapping name -> value"),
    ({"policies": ["boycott", "boycott"]}, "boycott given more than once"),
    # kept as given, these ended in "'<=' not supported between instances of
    # 'datetime.date' and 'str'" (or datetime and date) when the run started
    ({"start": dt.datetime(2000, 1, 1)}, "start must be a date .*, not a datetime"),
    ({"until": "2022/01/01"}, "until: '2022/01/01' is not a date"),
    ({"window_start": 2021}, "window_start: 2021 is not a date"),
    ({"out_dir": 3}, "out_dir must be a folder path or None; got 3"),
])
def test_a_run_request_is_checked_where_it_is_made(kwargs, words):
    if words is None:
        assert RunRequest(**kwargs).policies == ("boycott",)
        return
    with pytest.raises(BadInputError, match=words):
        RunRequest(**kwargs)


def test_a_run_request_reads_none_as_no_overrides():
    # None ran on the defaults before the overrides were checked where the request is made
    assert RunRequest(overrides=None).overrides == {}


def test_a_run_request_takes_iso_dates_and_a_folder_name(tmp_path):
    request = RunRequest(start="2000-01-01", until=dt.date(2022, 1, 1),
                         window_start="2021-08-15", out_dir=str(tmp_path))
    assert (request.start, request.until, request.window_start) == (
        dt.date(2000, 1, 1), dt.date(2022, 1, 1), dt.date(2021, 8, 15))
    assert request.out_dir == tmp_path


def test_a_backtest_spec_takes_iso_origins_and_refuses_bad_sizes():
    assert BacktestSpec(origins=("2023-06-30",)).origins == (dt.date(2023, 6, 30),)
    assert BacktestSpec(origins="2023-06-30").origins == (dt.date(2023, 6, 30),)
    with pytest.raises(BadInputError, match="draws must be a whole number of at least 1"):
        BacktestSpec(draws=0)
    with pytest.raises(BadInputError, match="origins: '2023-13-30' is not a date"):
        BacktestSpec(origins=("2023-13-30",))
    # checked only by check() before, where "12" % 3 ended in a TypeError
    for kwargs, words in (({"horizon_months": "12"}, "horizon_months (--horizon) must be a "
                                                     "whole number"),
                          ({"policy": "boycot"}, "policy (--policy): unknown policy 'boycot'"),
                          ({"model": "v3"}, "model (--model): unknown model 'v3'"),
                          # whole here, in quarters only in check(): one rule, two places
                          ({"horizon_months": 5}, "horizon_months (--horizon) must be a "
                                                  "positive number of quarters"),
                          ({"horizon_months": 0}, "horizon_months (--horizon) must be a "
                                                  "positive number of quarters"),
                          ({"cache_dir": 3}, "cache_dir must be a folder path or None; got 3")):
        with pytest.raises(BadInputError, match=re.escape(words)):
            BacktestSpec(**kwargs)


def test_sample_pool_names_an_unknown_fixed_parameter_and_a_bad_seed(case):
    registry = sim_registry(case)
    with pytest.raises(BadInputError, match=r"fixed: unknown parameters \['nope'\]"):
        sample_pool(registry, 3, 0, fixed=("nope",))
    with pytest.raises(BadInputError, match="seed must be a whole number of at least 0"):
        sample_pool(registry, 3, -1)
    with pytest.raises(BadInputError, match="got a numpy Generator"):
        sample_pool(registry, 3, np.random.default_rng(0))


def test_an_unknown_model_beside_record_settings_is_named_as_unknown():
    # it said "the record calibration settings' model v1 is not model v9"
    from qpq.sim._calibrators import record_settings_for

    with pytest.raises(BadInputError, match="unknown model 'v9'; allowed: v1, v2"):
        record_settings_for(TINY, "v9")
    with pytest.raises(BadInputError, match="is not model v2"):
        record_settings_for(TINY, "v2")


def test_known_state_takes_an_iso_date_and_min_accept_is_a_count(case):
    from qpq.sim import known_state

    assert known_state(case, "2020-06-30") == known_state(case, dt.date(2020, 6, 30))
    with pytest.raises(BadInputError, match="min_accept must be a whole number of at least 1"):
        calibrate(case, dt.date(2020, 6, 30), min_accept=-1)


def test_sample_pool_keeps_a_lone_fixed_name_fixed(case):
    # it was checked as one name and then used letter by letter (found by a review)
    registry = sim_registry(case)
    pool = sample_pool(registry, 4, 0, fixed="iskp_pull")
    assert (pool.values["iskp_pull"] == registry["iskp_pull"].default).all()


def test_no_family_is_named_as_none_not_as_unknown(case):
    with pytest.raises(BadInputError, match="families is empty; give at least one of"):
        calibrate_record(case, dt.date(2020, 6, 30), rng=np.random.default_rng(0),
                         settings=TINY, families=[])


def test_a_record_calibration_s_resampling_takes_a_generator_and_counts(case):
    # posterior_pool(5, 0) ended in "'int' object has no attribute 'choice'" and
    # to_calibration_result(points=0) in numpy's "need at least one array"
    rec = calibrate_record(case, dt.date(2020, 6, 30), rng=np.random.default_rng(0),
                           settings=TINY)
    with pytest.raises(BadInputError, match=r"rng must be a numpy\.random\.Generator"):
        rec.posterior_pool(5, 0)  # type: ignore[arg-type]
    with pytest.raises(BadInputError, match=r"n \(posterior points\)"):
        rec.posterior_pool(-1, np.random.default_rng(0))
    for kwargs, words in (({"points": 0}, "points"), ({"replicates": 2.5}, "replicates"),
                          ({"seed": -1}, "seed"),
                          ({"seed": np.random.default_rng(0)}, "got a numpy Generator")):
        with pytest.raises(BadInputError, match=re.escape(words)):
            rec.to_calibration_result(case, **kwargs)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"), ({"n": 2.5}, "n (scenarios)")])
def test_the_propositions_in_time_check_their_seed_and_size(case, kwargs, words):
    # seed=-1 reached numpy; seed=1.5 ran as seed 1 without a word
    from qpq.sim import p3_capacity

    with pytest.raises(BadInputError, match=re.escape(words)):
        p3_capacity(case, **{"n": 64, **kwargs})


@pytest.mark.parametrize("n", [1.5, True, 0])
def test_a_forecast_window_takes_a_whole_number_of_scenarios(n):
    # "n < 1" let 1.5 and True through to the CLI's and api.forecast's runs
    from qpq.sim._forecast import check_window

    with pytest.raises(BadInputError, match=r"n \(--n\) must be a whole number of at least 1"):
        check_window(dt.date(2024, 6, 30), dt.date(2025, 6, 30), "equilibrium", n,
                     start=dt.date(1996, 1, 1))


def test_the_pools_refuse_overrides_that_are_not_a_mapping(case):
    # a list ended in "'list' object has no attribute 'items'", a pandas Series in "The
    # truth value of a Series is ambiguous"
    import pandas as pd

    from qpq.sim import default_pool

    registry = sim_registry(case)
    for overrides in (["iskp_pull"], pd.Series({"iskp_pull": 1.0})):
        with pytest.raises(BadInputError, match="overrides must be a mapping name -> value"):
            default_pool(registry, overrides)
        with pytest.raises(BadInputError, match="overrides must be a mapping name -> value"):
            sample_pool(registry, 3, 0, overrides=overrides)
    assert default_pool(registry, {"iskp_pull": 1.0}).point(0)["iskp_pull"] == 1.0


def test_a_timeline_takes_iso_dates_and_refuses_a_datetime(case):
    from qpq.sim import build_timeline

    # "2000-01-01" ended in a date/str comparison TypeError
    t = build_timeline(case, "2000-01-01", "2000-12-31")
    assert t.stop - t.start == 4
    with pytest.raises(BadInputError, match=r"start must be a date .* not a datetime"):
        build_timeline(case, dt.datetime(2000, 1, 1), dt.date(2000, 12, 31))


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"seed": np.random.default_rng(0)}, "seed must be a whole number of at least 0"),
    ({"draws": 1.5}, "draws must be a whole number of at least 1; got 1.5"),
    ({"replicates": 0}, "replicates must be a whole number of at least 1; got 0"),
    ({"workers": 0}, "workers must be a whole number of at least 1; got 0"),
])
@pytest.mark.parametrize("kind", ["record", "facts"])
def test_a_calibrator_s_sizes_are_checked_when_it_is_made(kind, kwargs, words):
    from qpq.sim import calibrator_for

    # they passed until the first calibration ran (an outside read, 2026-12-07)
    with pytest.raises(BadInputError, match=re.escape(words)):
        calibrator_for(kind, **kwargs)


def test_a_record_calibrator_s_sizes_are_checked_when_it_is_made():
    from qpq.sim import record_calibrator

    with pytest.raises(BadInputError, match="points must be a whole number of at least 1"):
        record_calibrator(points=1.5)
    with pytest.raises(BadInputError, match="workers must be a whole number of at least 1"):
        record_calibrator(workers=0)
    with pytest.raises(BadInputError, match="cache_dir must be a folder path or None"):
        record_calibrator(cache_dir=3)
    # calibrator_for checks these before it calls record_calibrator; called directly, they
    # passed until the first origin's calibration ran
    with pytest.raises(BadInputError, match="seed must be a whole number of at least 0"):
        record_calibrator(seed=np.random.default_rng(0))
    with pytest.raises(BadInputError, match="replicates must be a whole number of at least 1"):
        record_calibrator(replicates=0)


@pytest.mark.parametrize(("kwargs", "words"), [
    # unchecked: 5 indexed past the intensities, "no" was true
    ({"forced_effort": 5}, "StepOptions.forced_effort must be an effort index 0-2, or 3"),
    ({"forced_effort": -1}, "StepOptions.forced_effort must be a whole number of at least 0"),
    ({"forced_effort": 1.5}, "StepOptions.forced_effort must be a whole number"),
    ({"fixed_belief": "no"}, "StepOptions.fixed_belief must be True or False"),
])
def test_step_options_refuse_what_they_cannot_mean(kwargs, words):
    with pytest.raises(BadInputError, match=re.escape(words)):
        StepOptions(**kwargs)


def test_co_optation_is_forced_only_where_the_table_has_it(make_spec):
    from tests.sim.conftest import stepper

    assert StepOptions(forced_effort=3.0).forced_effort == 3
    spec = make_spec(dt.date(1996, 1, 1), dt.date(1996, 3, 31), n=8)   # model v1's table
    with pytest.raises(BadInputError, match=r"forced_effort 3 \(co-optation\) needs a model "
                                            "v2 relationship table"):
        stepper(spec, StepOptions(forced_effort=3))
