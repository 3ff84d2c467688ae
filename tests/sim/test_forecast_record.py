"""Forecasts and backtests from the calibration on the record (the default calibration)."""

import dataclasses
import datetime as dt
import json
import pickle

import numpy as np
import pytest

from qpq.case import Attack
from qpq.errors import BadInputError
from qpq.sim import AbcSettings, BacktestSpec, backtest, forecast, record_calibrator
from qpq.sim._abc import LABELS, UNDETERMINED
from qpq.sim._forecast import EVENTS, NOT_SAMPLED_LABEL

from .conftest import run_cli

AS_OF, UNTIL = dt.date(2023, 6, 30), dt.date(2024, 6, 30)
# small and fast: v1 from 2014, four solved game points (with one, v1's Taliban are
# recognised after the takeover in every history and the forecast rightly refuses them all)
TINY = AbcSettings(population=10, max_simulations=200, game_points=4, grid_size=4,
                   start=dt.date(2014, 1, 1), ppc_draws=4, attribution=False, min_ess=1,
                   model="v1")
# no --calibration: the record's is the default
TINY_OPTIONS = ("--max-simulations", "1000",
                "--game-points", "4", "--grid-size", "4", "--draws", "8", "--replicates", "2",
                "--n", "64", "--no-cache")


def _attack(name, day, source):
    return Attack.model_validate({
        "id": name, "date": day, "title": "test", "place": "kabul",
        "country": "afghanistan", "targets": ["chinese_nationals"], "claimed_by": ["iskp"],
        "summary": "A test.", "sources": [source]})


def _cli_json(capsys, *args):
    """A ``qpq sim ... --json`` run that succeeded, its document."""
    code, out, err = run_cli(capsys, "sim", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def _forecast(case, settings=TINY):
    cal = record_calibrator(settings, points=8, replicates=2)(case, AS_OF)
    return forecast(case, cal, UNTIL, n=64, seed=0)


@pytest.fixture(scope="module")
def calibration(case):
    return record_calibrator(TINY, points=8, replicates=2)(case, AS_OF)


@pytest.fixture(scope="module")
def base(case, calibration):
    return forecast(case, calibration, UNTIL, n=64, seed=0)


def test_the_record_forecast_as_of_a_date_uses_only_the_record_known_then(case):
    # 20 particles, not TINY's 10: the control below needs a forecast, i.e. some particle
    # not recognised by the as-of date, and of 10 the case kept 2 and the control none
    # (with the per-parameter prior streams; 20 keep 6 and 6); of 400 draws, not 200, since
    # one shared offset of the other bodies (2026-12-05, since replaced) moved the draws and
    # of 200 none was left
    settings = dataclasses.replace(TINY, population=20, max_simulations=400)
    base = _forecast(case, settings)
    # reported in January 2025: an attack in the window and one before the as-of date that
    # nobody knew of at it -- the forecast as of the date must not move
    late = "devdiscourse-2025-01-23-takhar"
    later = dataclasses.replace(case, attacks=(
        *case.attacks, _attack("atk-test-later", "2023-09-01", late),
        _attack("atk-test-hidden", "2023-03-01", late)))
    assert _forecast(later, settings).events == base.events
    # the control: the same kind of attack, reported in December 2022, is known at the
    # as-of date; the record calibration reads it and the forecast moves (so the test above
    # can fail)
    known = dataclasses.replace(case, attacks=(
        *case.attacks, _attack("atk-test-known", "2022-03-01",
                               "devdiscourse-2022-12-13-kabul")))
    assert _forecast(known, settings).events != base.events


def test_the_forecast_says_which_calibration_and_what_it_constrained(base):
    from qpq.sim._forecast import packaged_skill

    record_skill = packaged_skill("record")
    assert record_skill["protocol"]["calibration_kind"] == "record"
    assert record_skill["regenerate"].endswith("backtest-record")
    rows = {r["event"]: r for r in record_skill["skill"]}
    assert rows != {r["event"]: r for r in packaged_skill("facts")["skill"]}
    doc = json.loads(json.dumps(base.to_json()))
    cal = doc["calibration"]
    assert cal["kind"] == "record" and "rejection ABC" in cal["method"]
    assert cal["details"]["settings"]["max_simulations"] == 200
    assert cal["details"]["particles"] == 10 and cal["accepted"] == 16
    allowed = {*LABELS, UNDETERMINED, NOT_SAMPLED_LABEL}
    for spec in EVENTS:
        dep = doc["events"][spec.name]["calibration_constrained"]
        assert dep["calibration"] == "record"
        assert set(dep["labels"]) == set(spec.depends_on) <= set(dep["parameters"])
        assert set(dep["labels"].values()) <= allowed
        # constrained exactly where the record calibration labels the parameter calibrated
        assert dep["parameters"] == {n: lab == "calibrated" for n, lab in dep["labels"].items()}
        hit = sum(dep["parameters"].values())
        assert dep["constrained"] == ("all" if hit == len(spec.depends_on) else
                                      "some" if hit else "none")
        sk = doc["events"][spec.name]["backtest_skill"]
        # the skill quoted is the record-calibrated backtest's, never the facts'
        if spec.record_event is None:
            assert sk is None
        else:
            row = rows[spec.record_event]
            assert sk["backtest_calibration"] == "record"
            assert (sk["skill_vs_climatology"], sk["origins"]) == (
                row["skill_vs_climatology"], row["origins"])


def test_facts_forecasts_say_so_and_carry_no_record_labels(case):
    from qpq.sim import calibrate

    cal = calibrate(case, AS_OF, draws=16, replicates=4, seed=0, grid_size=8, min_accept=8)
    doc = forecast(case, cal, UNTIL, n=64, seed=0).to_json()
    assert doc["calibration"]["kind"] == "facts" and "details" not in doc["calibration"]
    for e in doc["events"].values():
        assert e["calibration_constrained"]["calibration"] == "facts"
        assert "labels" not in e["calibration_constrained"]
        assert e["backtest_skill"] is None or e["backtest_skill"]["backtest_calibration"] == \
            "facts"


def test_backtest_from_the_record_calibration(case):
    origin = dt.date(2020, 6, 30)
    spec = BacktestSpec(origins=(origin,), horizon_months=6, n=64, draws=8, replicates=2,
                        model="v1", calibration="record", record=TINY)
    # a process pool ships the calibrator: it must pickle
    assert pickle.loads(pickle.dumps(spec.calibrator())) == spec.calibrator()
    out = backtest(case, spec)
    doc = out.to_json()
    assert doc["protocol"]["calibration_kind"] == "record"
    assert doc["protocol"]["record_settings"]["max_simulations"] == 200
    assert {r["calibration"]["kind"] for r in out.rows} == {"record"}
    assert all(r["calibration"]["accepted"] == 16 for r in out.rows)
    # the same calibration through the API's calibrator gives the same rows
    assert spec.calibrator() == record_calibrator(TINY, points=8, replicates=2)
    again = backtest(case, spec, calibrator=record_calibrator(TINY, points=8, replicates=2))
    assert again.rows == out.rows
    assert out.skill_document(dt.date(2026, 1, 1))["regenerate"].endswith("backtest-record")


@pytest.mark.parametrize(("change", "match"), [
    ({"calibration": "recrd"}, "unknown calibration"),
    ({"calibration": "facts", "record": TINY}, "^record: .*calibration is 'facts'"),
    ({"calibration": "facts", "cache_dir": "somewhere"}, "^cache_dir: .*calibration is 'facts'"),
    ({"calibration": "record", "record": TINY, "model": "v2"}, "model v1 is not model v2"),
    # too large a population is refused where AbcSettings is made (tests/sim/test_bad_input.py)
])
def test_bad_record_settings_are_refused(case, change, match):
    spec = dataclasses.replace(BacktestSpec(origins=(dt.date(2020, 6, 30),)), **change)
    with pytest.raises(BadInputError, match=match):
        spec.check(case)


def test_cli_forecast_from_the_record(capsys):
    doc = _cli_json(capsys, "forecast", "--as-of", "2023-06-30", "--until", "2024-06-30",
                    *TINY_OPTIONS)
    assert doc["calibration"]["kind"] == "record"
    settings = doc["calibration"]["details"]["settings"]
    # the population left out: 1% of the points, as qpq sim calibrate takes it
    assert (settings["population"], settings["max_simulations"], settings["game_points"],
            settings["grid_size"], settings["model"]) == (10, 1000, 4, 4, "v1")
    assert all("labels" in e["calibration_constrained"] for e in doc["events"].values())
    code, out, _ = run_cli(capsys, "sim", "forecast", "--as-of", "2023-06-30", "--until",
                           "2024-06-30", *TINY_OPTIONS)
    assert code == 0
    flat = " ".join(out.split())
    assert "Calibration: record — rejection ABC" in flat
    assert "10 parameter points accepted from 1,000 histories (1 per point" in flat
    assert "4 game points" in flat


def test_cli_backtest_from_the_record(capsys):
    doc = _cli_json(capsys, "backtest", "--origins", "2020-06-30", "--horizon", "6m",
                    *TINY_OPTIONS)
    assert doc["protocol"]["calibration_kind"] == "record"
    assert doc["protocol"]["record_settings"]["population"] == 10
    assert doc["protocol"]["record_settings"]["adjustment"] == "local-linear"
    assert {r["calibration"]["kind"] for r in doc["rows"]} == {"record"}


def test_cli_record_backtest_on_a_process_pool_gives_the_in_process_rows(capsys):
    args = ("sim", "backtest", "--origins", "2020-06-30,2020-12-31", "--horizon", "6m",
            *TINY_OPTIONS, "--json")
    code, out, _ = run_cli(capsys, *args)
    assert code == 0
    code, pooled, err = run_cli(capsys, *args, "--executor", "pool", "--workers", "2")
    assert code == 0, err
    assert json.loads(pooled)["rows"] == json.loads(out)["rows"]


FACTS_REFUSES = ("record calibration settings, but --calibration is 'facts'; leave out "
                 "--calibration (record is the default), or leave them out")


@pytest.mark.parametrize(("args", "message"), [
    (("--calibration", "recrd"),
     "error: calibration (--calibration): unknown calibration 'recrd'; allowed: facts, record"),
    (("--calibration", "RECORD"),
     "error: calibration (--calibration): unknown calibration 'RECORD'; allowed: facts, record"),
    # a record setting, facts calibration
    (("--calibration", "facts", "--population", "10"), f"error: --population: {FACTS_REFUSES}"),
    (("--calibration", "facts", "--no-cache"), f"error: --no-cache: {FACTS_REFUSES}"),
    (("--calibration", "facts", "--cache-dir", "somewhere"),
     f"error: --cache-dir: {FACTS_REFUSES}"),
    (("--nuisance", "fixed"),
     "error: --nuisance must be prior or defaults, not 'fixed'"),
    (("--calibration", "record", "--adjustment", "quadratic"), "error: --adjustment "
     "must be one of none, local-linear, not 'quadratic'"),
    (("--calibration", "facts", "--adjustment", "none"), f"error: --adjustment: {FACTS_REFUSES}"),
    (("--population", "600", "--max-simulations", "500"), "error: --population "
     "(600) must not exceed max_simulations (500) // histories_per_point (1) = 500"),
    (("--calibration", "record", "--model", "v3"),
     "error: --model: unknown model 'v3'; allowed: v1, v2"),
])
@pytest.mark.parametrize("command", [
    ("forecast", "--as-of", "2023-06-30", "--until", "2024-06-30"),
    ("backtest", "--origins", "2020-06-30"),
])
def test_cli_bad_calibration_options_exit_2(capsys, command, args, message):
    code, out, err = run_cli(capsys, "sim", *command, *args)
    assert code == 2 and out == "", err
    assert message in " ".join(err.split())


def test_the_record_forecast_gives_iskp_fighters_and_the_backtest_scores_its_band(case, base):
    import numpy as np

    from qpq.sim import calibrate
    from qpq.sim._backtest import model_forecasts

    fighters = base.sim.stats["iskp_fighters"]
    # the index times a scale drawn from iskp_full_strength's range (4,000-10,000)
    ratio = fighters / np.maximum(base.sim.stats["iskp_strength"], 1e-12)
    live = base.sim.stats["iskp_strength"] > 1e-9
    assert live.any() and np.all((ratio[live] >= 4000 - 1e-6) & (ratio[live] <= 10000 + 1e-6))
    assert base.events["iskp_strength"]["fighters"]["median"] == pytest.approx(
        float(np.median(fighters)))
    band = model_forecasts(base)["iskp_strength_band"]
    assert band is not None and band.pmf.sum() == pytest.approx(1.0)
    # the stylised facts give the index no fighter scale: no ISKP band from them
    facts = forecast(case, calibrate(case, AS_OF, draws=8, replicates=2, seed=0, model="v1",
                                     min_accept=4), UNTIL, n=64, seed=0)
    assert "iskp_fighters" not in facts.sim.stats
    assert model_forecasts(facts)["iskp_strength_band"] is None


def test_iskp_fighters_are_printed_and_tabled(case, base, capsys):
    row = base.to_frame().loc["iskp_strength"]
    assert row["fighters_low"] <= row["fighters_median"] <= row["fighters_high"]
    code, out, _ = run_cli(capsys, "sim", "forecast", "--as-of", str(AS_OF), "--until",
                           str(UNTIL), "--model", "v1", *TINY_OPTIONS)
    # the table wraps its cells (and interleaves the wrapped columns' lines): read the words
    words = "".join(out.split())
    assert code == 0 and "fighters" in words and words.count("(90%:") >= 2


def test_the_calibration_sizes_are_the_owner_s_everywhere():
    import inspect

    from qpq.cli import _sim as sim_cli
    from qpq.report import _sim_sections
    from qpq.sim import CALIBRATION_DRAWS, CALIBRATION_REPLICATES, calibrate

    sizes = (CALIBRATION_DRAWS, CALIBRATION_REPLICATES)
    # the command line spells them out (importing qpq.sim would cost every command)
    assert sizes == (sim_cli.CALIBRATION_DRAWS, sim_cli.CALIBRATION_REPLICATES)
    for command in (sim_cli.backcast_command, sim_cli.forecast_command,
                    sim_cli.backtest_command):
        params = inspect.signature(command).parameters
        assert (params["draws"].default, params["replicates"].default) == sizes, command
    params = inspect.signature(calibrate).parameters
    assert (params["draws"].default, params["replicates"].default) == sizes
    made = record_calibrator()
    assert (made.points, made.replicates) == sizes
    assert (BacktestSpec().draws, BacktestSpec().replicates) == sizes
    full = _sim_sections.FULL
    assert (full["draws"], full["replicates"]) == sizes


def test_record_is_the_default_calibration_everywhere():
    import inspect

    import qpq
    from qpq.cli import _sim as sim_cli
    from qpq.report import _sim_sections
    from qpq.sim import DEFAULT_CALIBRATION

    assert DEFAULT_CALIBRATION == "record"
    assert BacktestSpec().calibration == DEFAULT_CALIBRATION
    assert sim_cli.CALIBRATION_DEFAULT == DEFAULT_CALIBRATION
    # the model spelled out for the same reason: the backtest's own default
    assert BacktestSpec().model == sim_cli.FORECAST_MODEL
    for command in (sim_cli.forecast_command, sim_cli.backtest_command):
        assert inspect.signature(command).parameters["model"].default == BacktestSpec().model
    for command in (sim_cli.forecast_command, sim_cli.backtest_command):
        assert inspect.signature(command).parameters["calibration"].default == "record"
    assert inspect.signature(qpq.forecast).parameters["calibration"].default == "record"
    # the report's forecast calibrates on the record at the command's model, v1
    assert _sim_sections.RECORD.model == _sim_sections.RECORD_REDUCED.model == "v1"
    # --draws says what it counts under the default: posterior points, not prior draws
    import typing

    for command in (sim_cli.forecast_command, sim_cli.backtest_command):
        hints = typing.get_type_hints(command, include_extras=True)
        (option,) = hints["draws"].__metadata__
        assert "posterior points" in option.help and "facts" in option.help


def test_cli_facts_calibration_stays_available(capsys):
    doc = _cli_json(capsys, "forecast", "--as-of", "2023-06-30", "--until", "2024-06-30",
                    "--calibration", "facts", "--draws", "16", "--replicates", "2", "--n", "64")
    assert doc["calibration"]["kind"] == "facts" and "details" not in doc["calibration"]
    # the facts calibration's evidence is its facts alone
    for e in doc["events"].values():
        assert set(e["observations"]) <= {"facts"}
        assert e["observations"].get("facts", 0) == len(e["facts"])
        assert e["calibrated"] <= bool(e["facts"])   # no evidence, never calibrated


def test_record_evidence_per_event_counts_the_records_cells(case, base):
    """Each event's observations against a count by hand of the record's cells."""
    from qpq.case import case_as_of
    from qpq.sim._calibration import history_end
    from qpq.sim._record import STOCKS, build_record
    from qpq.sim._timeline import quarter_of

    record = build_record(case_as_of(case, AS_OF), case, AS_OF, quarter_of(TINY.start),
                          history_end(AS_OF))
    nationals = sum(1 for a in record.attacks if a.region == "nationals")
    central = sum(1 for a in record.attacks if a.region == "central_asia")
    iskp = sum(1 for e in record.estimates if "iskp_strength" in STOCKS[e.stock])
    border = sum(1 for e in record.estimates if "militants_border" in STOCKS[e.stock])
    coopted = sum(1 for e in record.estimates if "militants_coopted" in STOCKS[e.stock])
    milestones = len(record.milestones)
    assert min(nationals, central, iskp, border, milestones) > 0   # the counts can fail
    ev = base.events
    assert ev["attacks_on_chinese_nationals_afghanistan"]["observations"] == {
        "attacks": nationals}
    assert ev["attacks_cross_border_central_asia"]["observations"] == {"attacks": central}
    assert ev["iskp_strength"]["observations"] == {"estimates": iskp}
    assert ev["militants_at_border_share"]["observations"]["estimates"] == border
    assert ev["militants_coopted_share"]["observations"].get("estimates", 0) == coopted
    assert ev["china_recognizes_de_jure"]["observations"]["milestones"] == milestones
    for e in ev.values():
        # facts stay listed one by one; the label needs evidence and constrained parameters
        assert e["observations"].get("facts", 0) == len(e["facts"])
        constrained = e["calibration_constrained"]["constrained"]
        assert e["calibrated"] == (bool(e["observations"]) and constrained != "none")
        assert e["label"] == ({"all": "calibrated", "some": "partly calibrated"}.get(
            constrained, "evidence seen, parameters unconstrained (assumption-driven)")
            if e["observations"] else "uncalibrated (assumption-driven)")
    frame = base.to_frame()
    assert frame.loc["iskp_strength", "observations"] == f"estimates {iskp}"
    # the label with its evidence in words, as the command's table and the report show it
    assert base.evidence("iskp_strength") == f"{ev['iskp_strength']['label']} (estimates {iskp})"
    desc = base.calibration["description"]
    assert desc.startswith("record — rejection ABC") and "200 histories" in desc


def test_the_forecast_counts_the_cells_its_calibration_carries(case, calibration, base):
    # the calibration carries one entry per cell of each family it read (but the facts) ...
    from qpq.sim._record import FAMILIES

    families = calibration.details["families"]
    assert list(calibration.cells) == [f for f in FAMILIES if f != "facts" and f in families]
    sizes = calibration.details["observations"]
    assert {f: len(c) for f, c in calibration.cells.items()} == {
        f: sizes[f] for f in calibration.cells}
    # ... and the forecast counts those: without them only the facts are left as evidence
    bare = forecast(case, dataclasses.replace(calibration, cells={}), UNTIL, n=64, seed=0)
    assert any(set(e["observations"]) - {"facts"} for e in base.events.values())
    for name, e in bare.events.items():
        assert e["observations"] == ({"facts": len(e["facts"])} if e["facts"] else {}), name


def test_recognition_belief_puts_china_s_belief_back_to_each_particle_s_prior(
        case, calibration, base):
    from qpq.game import type_prior
    from qpq.sim import recognition_belief

    reset = calibration.with_prior_belief()
    arrays, index = reset.particles.arrays, reset.particles.arrays["pool_index"]
    values = calibration.particle_pool.values
    belief = np.asarray(arrays["belief"])
    np.testing.assert_allclose(belief[0] + belief[1], np.asarray(values["prior_sincere"])[index])
    np.testing.assert_allclose(belief.sum(axis=0), 1.0)
    np.testing.assert_array_equal(belief.T, type_prior(np.asarray(values["prior_sincere"])[index],
                                                       np.asarray(values["p_high_capacity"])[index]))
    # every other state the histories reached stays as the calibration left it
    for name, value in calibration.particles.arrays.items():
        if name != "belief":
            np.testing.assert_array_equal(arrays[name], value)

    rb = recognition_belief(case, calibration, base)
    assert rb.kept == base.calibration["particles_kept"]
    assert rb.particles == base.calibration["particles"]
    assert rb.probability == base.events["china_recognizes_de_jure"]["probability"]
    again = forecast(case, reset, UNTIL, n=64, seed=0)
    assert rb.reset_probability == again.events["china_recognizes_de_jure"]["probability"]
    held = np.asarray(calibration.particles.arrays["belief"])
    kept = ~np.asarray(calibration.particles.arrays["recognised"], dtype=bool)
    assert rb.sincere_kept == pytest.approx(float(np.median((held[0] + held[1])[kept])))
    # a calibration whose beliefs are already at the prior gives the same chance both ways
    same = recognition_belief(case, reset, again)
    assert same.reset_probability == same.probability
    text = " ".join(rb.words().split())
    assert f"{rb.kept:,} kept" in text and f"P = {rb.probability:.2g} (the forecast)" in text
    assert f"give P = {rb.reset_probability:.2g}: a counterfactual" in text


def test_recognition_belief_refuses_a_forecast_from_another_date(case, calibration, base):
    from qpq.sim import recognition_belief

    other = dataclasses.replace(base, as_of=dt.date(2022, 6, 30))
    with pytest.raises(ValueError, match="pass the calibration it was forecast from"):
        recognition_belief(case, calibration, other)


def test_cli_forecast_says_what_the_chance_of_recognition_rests_on(capsys):
    doc = _cli_json(capsys, "forecast", "--as-of", "2023-06-30", "--until", "2024-06-30",
                    *TINY_OPTIONS)
    rb = doc["recognition_belief"]
    assert rb["probability"] == doc["events"]["china_recognizes_de_jure"]["probability"]
    assert rb["kept"] == doc["calibration"]["particles_kept"]
    assert 0.0 <= rb["probability_belief_at_prior"] <= 1.0
    code, out, _ = run_cli(capsys, "sim", "forecast", "--as-of", "2023-06-30", "--until",
                           "2024-06-30", *TINY_OPTIONS)
    assert code == 0
    flat = " ".join(out.split())
    assert "Rerun with that belief put back to the prior, the same scenarios give P =" in flat


def test_recognition_belief_says_so_where_the_policy_rules_recognition_out(
        case, calibration):
    from qpq.sim import recognition_belief

    res = forecast(case, calibration, UNTIL, policy="boycott", n=64, seed=0)
    rb = recognition_belief(case, calibration, res)
    assert rb.probability == rb.reset_probability == 0.0
    assert rb.words().endswith("under policy boycott, and 0 with China's belief about the "
                               "Taliban put back to its prior: the belief makes no "
                               "difference here.")


def test_events_carry_the_labels_of_their_level_at_the_as_of_date(case, calibration, base):
    from qpq.sim import DERIVED, derived_text

    labels = calibration.details["derived_labels"]
    assert set(labels) == {d.name for d in DERIVED}
    for spec in EVENTS:
        dep = base.events[spec.name]["calibration_constrained"]
        assert dep.get("derived", {}) == {n: labels[n] for n in spec.derived}
        said = derived_text(dep)
        narrowed = [n for n in spec.derived if labels[n] in ("calibrated", "weakly constrained")]
        assert all(f"{n} {labels[n]}" in said for n in narrowed)
        assert (said == "") is (not narrowed)
    # the words for a level the record narrowed, and none where it did not
    assert derived_text({"derived": {"iskp_fighters": "calibrated",
                                     "iskp_index": "assumption-driven"}}) == \
        "at the as-of date: iskp_fighters calibrated"
    assert derived_text({"derived": {"iskp_index": "assumption-driven"}}) == ""


def test_each_quoted_skill_says_how_many_record_items_it_rests_on(case, capsys):
    from qpq.sim import RECORD_EVENTS, packaged_skill, scored_occurrences

    protocol = packaged_skill("record")["protocol"]
    origins = sorted(dt.date.fromisoformat(o) for o in protocol["origins"])
    names = tuple(r.name for r in RECORD_EVENTS)
    basis = scored_occurrences(case, protocol, names)
    end = dt.date.fromisoformat(basis["to"])
    assert basis["from"] == origins[0].isoformat() and end > origins[-1]
    for event in RECORD_EVENTS:
        # counted here from the record directly: after the first origin, to the last window
        assert basis["by_event"][event.name] == sum(origins[0] < day <= end
                                                    for day, _ in event.read(case))
    assert basis["occurrences"] == sum(basis["by_event"].values())
    code, out, _ = run_cli(capsys, "sim", "forecast", "--as-of", "2023-06-30", "--until",
                           "2024-06-30", *TINY_OPTIONS)
    assert code == 0
    flat = " ".join(out.split())
    n = basis["by_event"]["attacks_on_chinese_nationals_afghanistan"]
    assert (f"Each skill rests on the record's items of its event between {basis['from']} and "
            f"{basis['to']}:") in flat
    assert f"attacks on chinese nationals afghanistan {n};" in flat


def test_the_quoted_skill_says_which_policy_earned_it(case, capsys, base):
    from qpq.sim import packaged_skill

    policy = packaged_skill("record")["protocol"]["policy"]
    assert all(e["backtest_skill"]["backtest_policy"] == policy
               for e in base.events.values() if e["backtest_skill"])
    other = "boycott" if policy != "boycott" else "equilibrium"
    code, out, _ = run_cli(capsys, "sim", "forecast", "--as-of", "2023-06-30", "--until",
                           "2024-06-30", "--policy", other, *TINY_OPTIONS)
    assert code == 0
    assert f"policy {policy} — not this forecast's policy {other}" in " ".join(out.split())


def test_a_past_window_says_what_the_record_shows(case, calibration, capsys):
    """The record over the forecast's quarters, read after the forecast as the backtest reads
    it: 2023Q3-2025Q2 holds the Takhar attack on Chinese nationals (January 2025) and the
    attack on Chinese workers in Tajikistan (November 2024); no recognition."""
    from qpq.sim import record_outcomes

    past = forecast(case, calibration, dt.date(2025, 6, 30), n=64, seed=0)
    got = {o.event: o for o in record_outcomes(case, past)}
    assert set(got) == {s.name for s in EVENTS if s.record_event is not None}
    for o in got.values():
        assert (o.start, o.stop) == (AS_OF, dt.date(2025, 6, 30))
    nationals = got["attacks_on_chinese_nationals_afghanistan"]
    assert nationals.value == 1 and nationals.words().startswith("1 attack (")
    lo, hi = past.events[nationals.event]["interval_90"]
    assert ("inside" if lo <= 1 <= hi else "outside") in nationals.words()
    assert got["attacks_cross_border_central_asia"].value == 1
    recognition = got["china_recognizes_de_jure"]
    assert recognition.value == 0 and recognition.words().startswith("no (the forecast gave")
    iskp = got["iskp_strength"]
    lo, hi = past.events["iskp_strength"]["fighters"]["interval_90"]
    assert iskp.interval_90 == (lo, hi)
    assert iskp.words().startswith("latest estimate in the window: ")
    assert f"(the forecast's 90% range {lo:,.0f}–{hi:,.0f} " in iskp.words()
    # a window the record has not reached: nothing to show
    assert record_outcomes(case, forecast(case, calibration, dt.date(2025, 9, 30), n=64,
                                          seed=0)) == ()
    doc = _cli_json(capsys, "forecast", "--as-of", str(AS_OF), "--until", "2025-06-30",
                    *TINY_OPTIONS)
    rows = {r["event"]: r for r in doc["record_outcomes"]}
    assert rows["attacks_on_chinese_nationals_afghanistan"]["value"] == 1
    assert rows["china_recognizes_de_jure"]["window"] == ["2023-06-30", "2025-06-30"]
    code, out, _ = run_cli(capsys, "sim", "forecast", "--as-of", str(AS_OF), "--until",
                           "2025-06-30", *TINY_OPTIONS)
    assert code == 0 and "the record shows" in out and "ends by the record's last day" in out


def test_each_scenario_s_fighters_use_its_own_point_s_scale(calibration, base):
    """ISKP in fighters is the index times the calibration's posterior iskp_full_strength
    *of the scenario's own point* (found by a mutation read, 2026-12: a single scale for
    every scenario stayed inside the range the test above checks)."""
    scale = np.asarray(calibration.iskp_fighters_scale)
    index = base.sim.pool_index
    assert np.unique(scale[index]).size > 1           # the premise: the points differ
    np.testing.assert_allclose(base.sim.stats["iskp_fighters"],
                               base.sim.stats["iskp_strength"] * scale[index], rtol=1e-12)
