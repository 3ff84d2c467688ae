"""The one record-or-facts switch (qpq.sim.calibrator_for) and the population rule.

Nothing here calibrates: the record's calibrator is compared with the one
qpq.sim.record_calibrator makes from the same settings, and the facts' calls a stand-in
for qpq.sim.calibrate that records its arguments.
"""

import dataclasses
import datetime as dt
import pickle
from pathlib import Path

import pytest

from qpq.errors import BadInputError
from qpq.sim import (
    AbcSettings,
    BacktestSpec,
    _calibrators,
    calibrator_for,
    default_population,
    given_options,
    record_calibrator,
)

from .conftest import run_cli


@pytest.fixture
def calls(monkeypatch):
    """qpq.sim.calibrate replaced by a recorder of its keyword arguments."""
    seen = []
    monkeypatch.setattr(_calibrators, "calibrate",
                        lambda case, as_of, **kw: seen.append((case, as_of, kw)) or "cal")
    return seen


def test_the_record_kind_is_record_calibrator_with_the_forecasts_settings(tmp_path):
    # the default kind; left out, the settings are AbcSettings' at the forecast's model, v1
    made = calibrator_for(seed=3, draws=8, replicates=2, cache_dir=tmp_path)
    assert made == record_calibrator(AbcSettings(model="v1"), seed=3, points=8, replicates=2,
                                     cache_dir=tmp_path)
    assert calibrator_for(model="v2") == record_calibrator(AbcSettings(model="v2"))
    small = dataclasses.replace(AbcSettings(), population=20, max_simulations=2000, model="v1")
    assert calibrator_for("record", record=small) == record_calibrator(small)
    assert calibrator_for("record", record=small, model="v1") == record_calibrator(small)
    # of the facts' options only the workers reach it, and it pickles (for a process pool)
    assert calibrator_for("record", workers=4, grid_size=6) == record_calibrator(
        AbcSettings(model="v1"), workers=4)
    assert pickle.loads(pickle.dumps(made)) == made


def test_the_record_kind_refuses_settings_of_another_model_and_that_cannot_run():
    with pytest.raises(BadInputError, match="model v2 is not model v1"):
        calibrator_for("record", record=AbcSettings(model="v2"), model="v1")
    with pytest.raises(BadInputError, match="must not exceed"):
        calibrator_for("record", record=AbcSettings(population=600, max_simulations=500))


def test_the_facts_kind_calls_calibrate_with_the_sizes_given(calls):
    made = calibrator_for("facts", seed=5, draws=8, replicates=2, model="v2", workers=3,
                          grid_size=6)
    assert pickle.loads(pickle.dumps(made)) == made
    day = dt.date(2020, 6, 30)
    assert made("case", day) == "cal"
    assert calls == [("case", day, {"seed": 5, "draws": 8, "replicates": 2, "model": "v2",
                                    "workers": 3, "grid_size": 6, "on_progress": None})]
    # sizes and model left out are calibrate's own defaults: not passed at all
    calibrator_for("facts")("case", day)
    assert calls[-1][2] == {"seed": 0, "on_progress": None}


def test_the_backtests_facts_calibrator_is_the_one_it_always_ran(calls):
    spec = BacktestSpec(calibration="facts", draws=8, replicates=2, seed=4, model="v2",
                        workers=2)
    spec.calibrator()("case", dt.date(2020, 6, 30))
    # at most 50 accepted histories, fewer when the ensemble is smaller
    assert calls[-1][2] == {"draws": 8, "replicates": 2, "seed": 4, "policy": "equilibrium",
                            "workers": 2, "min_accept": 16, "model": "v2",
                            "on_progress": None}


@pytest.mark.parametrize(("given", "named"), [
    ({"record": AbcSettings()}, "record"),
    ({"cache_dir": Path("somewhere")}, "cache_dir"),
    ({"record": AbcSettings(), "cache_dir": Path("x")}, "record, cache_dir"),
])
def test_record_inputs_beside_the_facts_are_refused_by_their_names(calls, given, named):
    with pytest.raises(BadInputError) as err:
        calibrator_for("facts", **given)
    assert str(err.value).startswith(f"{named}: record calibration settings, but "
                                     "calibration is 'facts'")
    assert calls == []


def test_a_front_end_names_its_own_inputs_in_the_refusal(calls):
    with pytest.raises(BadInputError) as err:
        calibrator_for("facts", record_inputs=["--max-simulations", "--no-cache"],
                       option="--calibration")
    assert str(err.value).startswith("--max-simulations, --no-cache: record calibration "
                                     "settings, but --calibration is 'facts'; leave out "
                                     "--calibration")
    # named inputs mean nothing to the record's calibration, and nothing named nothing
    calibrator_for("record", record_inputs=["--max-simulations"])
    calibrator_for("facts", record_inputs=[])("case", dt.date(2020, 6, 30))
    assert len(calls) == 1
    # a front end that names nothing cannot slip record settings past the refusal
    with pytest.raises(BadInputError, match=r"^record: "):
        calibrator_for("facts", record=AbcSettings(), record_inputs=[])


@pytest.mark.parametrize("kind", ["recrd", "Facts", ""])
def test_an_unknown_kind_is_refused_naming_the_kinds(calls, kind):
    with pytest.raises(BadInputError, match="unknown calibration") as err:
        calibrator_for(kind, record=AbcSettings())
    assert "record" in str(err.value) and "facts" in str(err.value)


def test_the_command_names_its_options_in_the_refusal(capsys):
    code, out, err = run_cli(capsys, "sim", "forecast", "--as-of", "2023-06-30", "--until",
                             "2024-06-30", "--calibration", "facts", "--max-simulations",
                             "1000", "--no-cache")
    flat = " ".join(err.split())
    assert code == 2 and out == ""
    assert "--max-simulations, --no-cache: record calibration settings, but --calibration is " \
        "'facts'" in flat


def test_the_default_population_is_one_percent_of_the_prior_points():
    # the defaults: 500 of 50,000 points, AbcSettings' own population
    assert default_population(AbcSettings.max_simulations,
                              AbcSettings.histories_per_point) == AbcSettings().population
    for histories, per_point in [(50_000, 1), (10_000, 1), (50_000, 5), (12_345, 3)]:
        points = histories // per_point
        assert default_population(histories, per_point) == points // 100
    # never fewer than one point
    assert default_population(99, 1) == default_population(10, 10) == 1


def test_the_commands_take_the_population_by_the_rule(capsys):
    from qpq.cli import _sim as sim_cli

    made = sim_cli._calibration("record", "v2", cache_dir=None, no_cache=True,
                                max_simulations=20_000, histories_per_point=4)
    assert made["record"] == AbcSettings(model="v2", max_simulations=20_000,
                                         histories_per_point=4, population=50)
    assert made["cache_dir"] is None
    # given, the population is the command's; left out at the defaults, AbcSettings' own
    given = sim_cli._calibration("record", "v1", cache_dir=None, no_cache=True, population=7)
    assert given["record"].population == 7
    plain = sim_cli._calibration("record", "v1", cache_dir=Path("c"), no_cache=False)
    assert plain["record"] == AbcSettings(model="v1") and plain["cache_dir"] == Path("c")


def test_given_options_drops_only_the_options_left_as_none():
    # falsy values are given (a seed of 0, no progress callback's False): only None is left out
    assert given_options(a=None, seed=0, flag=False, name="", n=3) == {
        "seed": 0, "flag": False, "name": "", "n": 3}
    assert given_options() == {}
