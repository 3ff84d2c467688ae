import json

import pytest

from .conftest import run_cli


def test_run_json_compares_policies(capsys, tmp_path):
    out_dir = tmp_path / "runs"
    code, out, _ = run_cli(capsys, "sim", "run", "--policy", "boycott", "--policy",
                           "equilibrium", "--n", "1024", "--until", "2024-12-31",
                           "--out", str(out_dir), "--charts", str(tmp_path / "charts"),
                           "--json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc["policies"]) == {"boycott", "equilibrium"}
    assert doc["policies"]["boycott"]["recognised_ever"] == 0.0
    assert "uncalibrated (assumption-driven)" in doc["note"]
    assert (out_dir / "boycott" / "summary.parquet").is_file()
    assert (tmp_path / "charts" / "fan_militants_border.html").is_file()


def test_a_rerun_names_the_folders_of_earlier_runs_it_leaves(capsys, tmp_path):
    # a rerun with other policies left the first run's folders beside its own without a
    # word (found 2026-12-06)
    out_dir = tmp_path / "runs"
    base = ("sim", "run", "--n", "64", "--until", "2022-12-31", "--out", str(out_dir))
    code, out, _ = run_cli(capsys, *base, "--policy", "boycott", "--policy", "recognise",
                           "--json")
    assert code == 0 and "earlier_runs" not in json.loads(out)
    code, out, _ = run_cli(capsys, *base, "--policy", "recognise", "--json")
    assert code == 0 and json.loads(out)["earlier_runs"] == ["boycott"]
    code, out, _ = run_cli(capsys, *base, "--policy", "recognise")
    assert code == 0 and "also holds folders of earlier runs" in " ".join(out.split())
    assert "boycott/" in out and "recognise/" not in out.split("earlier runs")[1]


def test_a_start_year_is_its_first_day(capsys):
    # --start 2014 began on 2014-12-31, in the year's last quarter: a year stands for its
    # last day only where it ends something (found 2026-12-07)
    code, out, _ = run_cli(capsys, "sim", "run", "--policy", "boycott", "--n", "8",
                           "--start", "2014", "--window-start", "2015", "--until", "2016",
                           "--json")
    doc = json.loads(out)
    assert code == 0 and doc["start"] == "2014-01-01" and doc["until"] == "2016-12-31"
    assert doc["window_start"] == "2015-01-01"


def test_charts_of_every_policy_are_drawn(capsys, tmp_path):
    # nine policies' trajectories are 7,560 rows, past Altair's notebook guard of 5,000:
    # `sim run --charts` (every policy, the default) ended in MaxRowsError after six charts
    charts = tmp_path / "charts"
    code, _, err = run_cli(capsys, "sim", "run", "--n", "8", "--charts", str(charts), "--json")
    assert code == 0, err
    assert (charts / "trajectories.html").stat().st_size > 100_000
    assert len(list(charts.glob("fan_*.html"))) == 6


@pytest.mark.parametrize(("args", "message"), [
    (("run", "--policy", "appease"), "error: unknown policy 'appease'; allowed: boycott,"),
    # refused by the run window, not by a later check of the summary window
    (("run", "--until", "1990-01-01"),
     "error: until (--until) 1990-01-01 must be after start (--start) 1996-01-01"),
    (("run", "--start", "1980"),
     "error: start (--start) 1980-01-01 is outside the simulator's range 1990-01-01..2100-12-31"),
    (("run", "--set", "iskp_pull=9"),
     "error: parameter iskp_pull=9 is out of range; allowed range is [0, 3]"),
    (("run", "--set", "no_such=1"), "error: unknown parameter 'no_such'"),
    (("backcast", "--policy", "appease"),
     "error: unknown policy 'appease'; allowed: boycott,"),
    (("backcast", "--model", "v3"), "error: --model: unknown model 'v3'; allowed: v1, v2"),
    (("forecast", "--as-of", "2025-06-30", "--until", "2026-06-30", "--model", "v3"),
     "error: --model: unknown model 'v3'; allowed: v1, v2"),
])
def test_bad_input_exits_2(capsys, args, message):
    code, out, err = run_cli(capsys, "sim", *args)
    assert code == 2 and out == "", err
    assert message in " ".join(err.split())


def test_backcast_out_is_replaced_whole_and_a_foreign_folder_refused_first(capsys, tmp_path,
                                                                            monkeypatch):
    import qpq.sim

    out = tmp_path / "b"
    args = ("sim", "backcast", "--draws", "8", "--replicates", "2", "--out", str(out))
    assert run_cli(capsys, *args, "--seed", "0")[0] == 0
    first = (out / "backcast.json").read_text()
    assert run_cli(capsys, *args, "--seed", "3")[0] == 0
    assert (out / "backcast.json").read_text() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]
    assert sorted(p.name for p in out.iterdir()) == ["accepted_parameters.parquet",
                                                      "backcast.json"]
    (out / "notes.txt").write_text("mine")

    def no_work(*a: object, **k: object) -> None:
        raise AssertionError("the refusal came after the calibration")

    monkeypatch.setattr(qpq.sim, "calibrate", no_work)
    code, _, err = run_cli(capsys, *args)
    assert code == 2 and "notes.txt" in err and (out / "notes.txt").read_text() == "mine"


def test_backcast_json_table(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "sim", "backcast", "--as-of", "2025-06-30", "--draws", "16",
                           "--replicates", "4", "--out", str(tmp_path), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["as_of"] == "2025-06-30" and len(doc["facts"]) == 12
    row = next(r for r in doc["facts"] if r["fact"] == "cl-sf-may-2023-pledge")
    assert row["used"] is False                       # known only from the 2025 paper
    row = next(r for r in doc["facts"] if r["fact"] == "cl-sf-no-chinese-recognition")
    assert row["used"] is True                        # Beijing's statements, window closed
    import duckdb

    path = (tmp_path / "accepted_parameters.parquet").as_posix()
    frame = duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')").df()
    assert len(frame) == doc["accepted"] and "iskp_pull" in frame.columns


TINY_CALIBRATION = ("--min-ess", "1", "--population", "8", "--generations", "1",
                    "--max-simulations", "20", "--game-points", "1", "--grid-size", "4",
                    "--start", "2014-01-01",
                    "--ppc-draws", "4", "--no-attribution")


def test_calibrate_s_abc_smc_population_default_is_abc_settings_and_its_help_says_it(
        capsys, monkeypatch):
    import typing

    import qpq.sim
    from qpq.cli import _sim as sim_cli

    owner = qpq.sim.AbcSettings.population
    assert owner == sim_cli.SMC_POPULATION   # spelled out in the CLI (import cost)
    hints = typing.get_type_hints(sim_cli.calibrate_command, include_extras=True)
    (option,) = hints["population"].__metadata__
    assert f"ABC-SMC particles per population (default {owner})" in option.help

    class Stop(Exception):
        pass

    def capture(case, as_of, *, settings, **_):
        raise Stop(settings)

    monkeypatch.setattr(qpq.sim, "calibrate_record", capture)
    with pytest.raises(Stop) as stopped:
        run_cli(capsys, "sim", "calibrate", "--as-of", "2024-06-30", "--sampler", "abc-smc")
    assert stopped.value.args[0].population == owner


def test_calibrate_json_reports_labels_checks_and_caches(capsys, tmp_path):
    args = ("sim", "calibrate", "--as-of", "2024-06-30", *TINY_CALIBRATION,
            "--cache-dir", str(tmp_path), "--json")
    code, out, _ = run_cli(capsys, *args)
    assert code == 0
    doc = json.loads(out)
    assert doc["as_of"] == "2024-06-30" and doc["model"] == "v2"
    assert {c["family"] for c in doc["predictive_checks"]} == set(doc["families"])
    assert {p["label"] for p in doc["parameters"]} <= {"calibrated", "weakly constrained",
                                                       "assumption-driven"}
    from qpq.sim._record import DERIVED
    assert [d["name"] for d in doc["derived"]] == [d.name for d in DERIVED]
    assert all(d["label"] in ("calibrated", "weakly constrained", "assumption-driven")
               and d["role"] == "derived" and d["unit"] for d in doc["derived"])
    assert {t["level"] for t in doc["trade_offs"]} == {"iskp_fighters", "tip_afghanistan",
                                                       "attacks_nationals_iskp"}
    # the result (beside it may lie the game's solved regimes, unless solved in this process)
    assert len(list(tmp_path.glob("record-calibration-*.pkl"))) == 1
    code, again, _ = run_cli(capsys, *args)           # from the cache: the same document
    assert code == 0 and json.loads(again) == doc
    code, text, _ = run_cli(capsys, *args[:-1])        # the text shows the same table
    assert code == 0 and "Derived quantities at the as-of date" in text
    assert "iskp_fighters" in text and "ISKP strength: correlation" in text
    # each posterior median with its prior quantile, and the checks met by construction
    # (the table wraps at the console's width, so its words are read one by one)
    assert all(0 <= p["median_prior_quantile"] <= 1 for p in doc["parameters"])
    assert "quantile)" in text and "construction)" in text
    flagged = [c for c in doc["predictive_checks"] if c["by_construction"]]
    assert flagged and all(c["family"] == "estimates" for c in flagged)
    together = doc["predictive_facts_together"]
    assert "Stylised facts all at once" in text
    flat = " ".join(text.split())
    assert f"{together['matching']} of {together['histories']} predictive histories" in flat
    # the model is named, and the forecasts' different default said
    from qpq.cli._sim import FORECAST_MODEL

    assert "Calibration on the record as of 2024-06-30, model v2 (" in flat
    assert FORECAST_MODEL != "v2"
    assert (f"qpq sim forecast and qpq sim backtest calibrate model {FORECAST_MODEL} by "
            "default") in flat and "--model v2 to use this model" in flat


def test_calibrate_on_workers_prints_the_same_document(capsys):
    args = ("sim", "calibrate", "--as-of", "2024-06-30", *TINY_CALIBRATION, "--no-cache",
            "--json")
    code, alone, _ = run_cli(capsys, *args)
    assert code == 0
    code, pooled, _ = run_cli(capsys, *args, "--workers", "2")
    assert code == 0 and json.loads(pooled) == json.loads(alone)


@pytest.mark.parametrize(("args", "message"), [
    (("--family", "rumours"), "error: unknown observation families ['rumours']; known: attacks,"),
    (("--model", "v3"), "error: --model: unknown model 'v3'; allowed: v1, v2"),
    (("--sampler", "mcmc"),
     "error: --sampler must be one of rejection, abc-smc, not 'mcmc'"),
    (("--nuisance", "fixed"),
     "error: --nuisance must be prior or defaults, not 'fixed'"),
    (("--histories-per-point", "0"), "error: --histories-per-point must be "
     "a whole number of at least 1; got 0"),
    (("--point-score", "median"), "error: --point-score must be one of "
     "mean-deviance, mean-likelihood, not 'median'"),
    (("--sampler", "abc-smc", "--histories-per-point", "2"), "error: --histories-per-point "
     "applies to the rejection sampler only"),
    (("--population", "0"),
     "error: --population must be a whole number of at least 1; got 0"),
    (("--adjustment", "quadratic"), "error: --adjustment must be one of "
     "none, local-linear, not 'quadratic'"),
    (("--as-of", "not-a-date"), "error: --as-of: 'not-a-date' is not a date"),
])
def test_calibrate_bad_input_exits_2(capsys, tmp_path, args, message):
    base = ["sim", "calibrate", "--as-of", "2024-06-30", *TINY_CALIBRATION, "--no-cache"]
    if args[0] == "--as-of":
        base[3] = args[1]
        args = ()
    code, out, err = run_cli(capsys, *base, *args)
    assert code == 2 and out == "", err
    assert message in " ".join(err.split())


@pytest.mark.parametrize("coopt", [False, True])
def test_run_model_v2_fixed_policies(capsys, coopt):
    code, out, _ = run_cli(capsys, "sim", "run", "--model", "v2", "--policy", "boycott",
                           "--policy", "recognise", "--n", "256", "--start", "2022-01-01",
                           "--until", "2022-12-31", "--window-start", "2022-01-01", "--json",
                           *(("--coopt",) if coopt else ()))
    assert code == 0
    doc = json.loads(out)
    assert doc["model"] == "v2" and set(doc["policies"]) == {"boycott", "recognise"}
    assert ("coopt" in doc["efforts"]) is coopt
    assert doc["policies"]["boycott"]["recognised_ever"] == 0.0
    assert doc["policies"]["boycott"]["engaged_share"] == 0.0
    assert doc["policies"]["recognise"]["engaged_share"] == 1.0


def test_run_unknown_model_exits_2(capsys):
    code, out, err = run_cli(capsys, "sim", "run", "--model", "v3")
    assert code == 2 and out == "" and "--model" in err
    code, out, err = run_cli(capsys, "sim", "run", "--coopt")
    assert code == 2 and out == "" and "model v2 only" in err


@pytest.mark.parametrize(("args", "lower"), [
    (("backcast", "--model", "v2"), "lower --draws"),          # the default 1,000 draws
    (("run", "--model", "v2", "--draws", "500", "--policy", "boycott", "--policy",
      "equilibrium"), "lower --draws, or fewer policies"),
])
def test_model_v2_refuses_hours_of_relationship_solves_before_starting(capsys, args, lower):
    # qpq.sim.check_table_budget: refused at once, with the estimate and the most allowed
    code, out, err = run_cli(capsys, "sim", *args)
    assert code == 2 and out == ""
    assert "model v2 solves the repeated relationship" in err and "CPU minutes" in err
    assert f"({lower})" in err
    commitments = "2 distinct" if "run" in args else "1 distinct"
    assert commitments in err


@pytest.mark.parametrize(("args", "needle"), [
    # the record calibration's game points (v2 by default), none cached
    (("calibrate", "--as-of", "2024-06-30", "--game-points", "1000", "--no-cache"),
     "(lower --game-points)"),
    # a facts backtest under v2: the origins' calibrations add up to one budget
    (("backtest", "--model", "v2", "--calibration", "facts"),
     "(lower --draws, or give fewer --origins)"),
])
def test_model_v2_budget_covers_game_points_and_the_backtests_origins(capsys, args, needle):
    code, out, err = run_cli(capsys, "sim", *args)
    assert code == 2 and out == ""
    assert "model v2 solves the repeated relationship" in err and needle in err


def test_a_v2_record_backtest_counts_game_points_over_its_distinct_regimes(capsys):
    # cached solves (the default): each distinct stage regime once, whatever the origins
    code, out, err = run_cli(capsys, "sim", "backtest", "--model", "v2", "--game-points",
                             "400")
    assert code == 2 and out == ""
    assert "game point of the record calibration" in err and "solved once and cached" in err
    assert "(lower --game-points)" in err


def test_forecast_as_of_after_the_record_is_refused_before_calibrating(capsys):
    # it calibrated on a record cut after its last day, whose quarters then read as
    # quarters without events (found 2026-12-06)
    code, out, err = run_cli(capsys, "sim", "forecast", "--as-of", "2025-09-30", "--until",
                             "2026-06-30")
    assert code == 2 and out == ""
    assert "after the record's last day 2025-06-30" in err and "Traceback" not in err


def test_calibrate_names_the_yes_no_observations_the_model_finds_unlikely():
    from qpq.cli._sim import _unlikely_binary

    checks = [
        {"observation": "acted 2021", "observed": 1, "predictive_probability": 0.2},
        {"observation": "acted 2022", "observed": 0, "predictive_probability": 0.13},
        {"observation": "engaged 2021", "observed": 1, "predictive_probability": 0.78},
        {"observation": "recognised 2021", "observed": 0, "predictive_probability": 0.62},
        {"observation": "est-un", "observed": [1, 2], "predictive_90": [0, 3]},  # not yes/no
    ]
    said = _unlikely_binary(checks)
    assert "less than even odds at 2 of 4: acted 2021 (0.20), recognised 2021 (0.38)." in said
    assert _unlikely_binary(checks[1:3]).endswith("less than even odds at 0 of 2.")
    assert _unlikely_binary(checks[4:]) == ""
