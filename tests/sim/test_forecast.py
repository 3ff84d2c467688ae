import dataclasses
import datetime as dt
import json
import re

import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.sim import SERIES
from qpq.sim._calibration import UNCALIBRATED, calibrate
from qpq.sim._forecast import EVENTS, check_window, event_label, event_values, forecast

from .conftest import run_cli

AS_OF, UNTIL = dt.date(2025, 6, 30), dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def cal(case):
    return calibrate(case, AS_OF, draws=32, replicates=8, seed=0, grid_size=8, min_accept=20)


def test_forecast_document(case, cal):
    res = forecast(case, cal, UNTIL, n=3000, seed=1)
    doc = json.loads(json.dumps(res.to_json()))
    assert set(doc) >= {"as_of", "until", "policy", "n", "seed", "events"}
    assert doc["as_of"] == "2025-06-30" and doc["until"] == "2026-06-30"
    assert set(doc["events"]) == {e.name for e in EVENTS}
    ev = doc["events"]
    for name in ("china_recognizes_de_jure", "militants_eliminated"):
        assert 0.0 <= ev[name]["probability"] <= 1.0
    for name in ("militants_at_border_share", "militants_coopted_share"):
        assert 0.0 <= ev[name]["expected"] <= 1.0
    lo, hi = ev["iskp_strength"]["interval_90"]
    assert lo <= ev["iskp_strength"]["median"] <= hi
    assert doc["china_moves"] == res.china_moves()
    assert 0.0 <= doc["china_moves"]["recognised"] <= doc["china_moves"]["engaged"] <= 1.0
    for e in ev.values():
        assert isinstance(e["calibrated"], bool)
        assert e["label"] == event_label(bool(e["observations"]),
                                         e["calibration_constrained"]["constrained"])
        assert e["calibrated"] == (e["label"] in ("calibrated", "partly calibrated"))
        if not e["observations"]:
            assert e["label"] == UNCALIBRATED
    # no sourced fact counts attacks after 2021
    assert not ev["attacks_on_chinese_nationals_afghanistan"]["calibrated"]
    assert not ev["attacks_cross_border_central_asia"]["calibrated"]
    assert doc["calibration"]["window"] == ["2025Q3", "2026Q2"]


def test_each_event_quotes_its_backtest_skill_and_its_parameters_constraint(case, cal):
    from qpq.sim._forecast import event_parameters, event_skill, packaged_skill
    from qpq.sim._pools import sim_registry
    from qpq.sim._record_events import RECORD_EVENTS

    doc = packaged_skill()
    assert doc is not None and doc["generated"] and doc["protocol"]["origins"]
    rows = {r["event"]: r for r in doc["skill"]}
    names = {e.name for e in RECORD_EVENTS}
    registry = sim_registry(case)
    for spec in EVENTS:
        # every named event type is the backtest's, every parameter the simulator's
        assert spec.record_event is None or spec.record_event in names
        assert spec.depends_on and all(n in registry.names for n in spec.depends_on)
    ev = forecast(case, cal, UNTIL, n=512, seed=1).events
    for spec in EVENTS:
        sk = ev[spec.name]["backtest_skill"]
        if spec.record_event is None:
            assert sk is None
        else:
            row = rows[spec.record_event]
            assert sk["skill_vs_climatology"] == row["skill_vs_climatology"]
            assert sk["origins"] == row["origins"] and sk["generated"] == doc["generated"]
        dep = ev[spec.name]["calibration_constrained"]
        flags = {p.name: p.constrained for p in cal.parameters}
        assert dep["parameters"] == {n: flags.get(n, False) for n in spec.depends_on}
    # the rule on a made-up document and calibration: all / some / none
    spec = next(e for e in EVENTS if e.name == "attacks_cross_border_central_asia")
    fake = {"generated": "2000-01-01", "protocol": {"model": "v1"},
            "skill": [{"event": spec.record_event, "score": "crps", "origins": 3,
                       "scores": {"model": 2.0}, "skill_vs_climatology": -1.0,
                       "skill_vs_persistence": 0.5, "coverage": 1.0}]}
    assert event_skill(spec, fake)["skill_vs_persistence"] == 0.5
    assert event_skill(spec, None) is None
    def marked(names):
        return dataclasses.replace(cal, parameters=tuple(
            dataclasses.replace(p, constrained=p.name in names) for p in cal.parameters))

    sampled = [n for n in spec.depends_on if n in {p.name for p in cal.parameters}]
    assert len(sampled) == len(spec.depends_on) > 1
    assert event_parameters(spec, marked(sampled))["constrained"] == "all"
    assert event_parameters(spec, marked(sampled[:1]))["constrained"] == "some"
    assert event_parameters(spec, marked(()))["constrained"] == "none"


def test_forecast_is_deterministic_and_policy_sensitive(case, cal):
    a = forecast(case, cal, UNTIL, n=2048, seed=3)
    b = forecast(case, cal, UNTIL, n=2048, seed=3)
    assert a.events == b.events
    boycott = forecast(case, cal, UNTIL, n=2048, seed=3, policy="boycott")
    # a boycotting China never recognises, and the forecast starts where the record stands:
    # China had not recognised the Taliban by mid-2025
    p = boycott.events["china_recognizes_de_jure"]
    assert p["probability"] == 0.0 and p["already_at_start"] == 0.0
    np.testing.assert_array_equal(a.sim.type_index, boycott.sim.type_index)   # CRN


@pytest.mark.parametrize(("as_of", "until", "policy", "match"), [
    (dt.date(2026, 6, 30), dt.date(2025, 6, 30), "equilibrium", "must be before"),
    (dt.date(2025, 6, 30), dt.date(2025, 6, 30), "equilibrium", "must be before"),
    (dt.date(1995, 6, 30), dt.date(2025, 6, 30), "equilibrium", "out of range"),
    (dt.date(2025, 6, 30), dt.date(2200, 1, 1), "equilibrium", "later than"),
    (dt.date(2025, 6, 30), dt.date(2026, 6, 30), "appease", "unknown policy"),
])
def test_bad_window(as_of, until, policy, match):
    with pytest.raises(BadInputError, match=match):
        check_window(as_of, until, policy, start=dt.date(1996, 1, 1))


# the default (record) calibration, small: the command's own defaults take seconds
SMALL_RECORD = ("--max-simulations", "2000", "--population", "50", "--game-points", "2",
                "--grid-size", "4")


def test_cli_forecast_json(capsys):
    code, out, _ = run_cli(capsys, "sim", "forecast", "--as-of", "2025-06-30", "--until",
                           "2026-06-30", "--n", "1024", "--draws", "24", "--replicates", "4",
                           "--calibration", "facts", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["n"] == 1024 and doc["policy"] == "equilibrium" and doc["seed"] == 0
    assert set(doc["events"]) == {e.name for e in EVENTS}
    assert doc["calibration"]["kind"] == "facts"


@pytest.mark.parametrize(("options", "kind"), [(SMALL_RECORD, "record"),
                                               (("--calibration", "facts"), "facts")])
def test_cli_forecast_text_gives_window_units_and_intervals(capsys, options, kind):
    code, out, _ = run_cli(capsys, "sim", "forecast", "--as-of", "2025-06-30", "--until",
                           "2026-06-30", "--n", "256", "--draws", "24", "--replicates", "4",
                           *options)
    assert code == 0
    flat = " ".join(out.split())
    assert f"New events 2025Q3–2026Q2 (forecast as of 2025-06-30, {kind} calibration)" in flat
    assert f"Calibration: {kind} — " in flat
    # what the calibration used: the record's families, or the facts alone
    assert ("Record used (observations per family): attacks" in flat) == (kind == "record")
    assert ("Facts used: " in flat) == (kind == "facts")
    # probabilities with both intervals (a table's wrapped cells interleave when flattened)
    assert "P = " in flat and "Monte" in flat and "parameter" in flat
    assert "attacks" in flat and "(mean)" in flat        # counts with their unit
    assert "least one) = " in flat                       # and the chance of any
    assert "=" not in re.sub(r"(\bP|one\)) = ", "", flat)   # no key=value dumps
    assert re.search(r"Under policy equilibrium China is engaged \(aid flowing or "
                     r"recognised\) in \d+\.\d% of the window's scenario-quarters and holds "
                     r"de jure recognition in \d+\.\d%\.", flat)


@pytest.mark.parametrize(("args", "says"), [
    (("--as-of", "2024-06-30", "--until", "2024-03-31"), "must be before until"),
    (("--as-of", "2026-06-30", "--until", "2027-06-30"), "after the record's last day"),
    (("--as-of", "2025-06-30", "--until", "2026-06-30", "--policy", "appease"),
     "unknown policy 'appease'"),
    (("--as-of", "1980-01-01", "--until", "2026-06-30"), "is out of range"),
    (("--as-of", "yesterday", "--until", "2026-06-30"),
     "'yesterday' is not a date; allowed: YYYY, YYYY-MM or YYYY-MM-DD"),
])
def test_cli_bad_input_exits_2(capsys, args, says):
    code, out, err = run_cli(capsys, "sim", "forecast", *args)
    assert code == 2 and out == ""
    assert "error:" in err and says in " ".join(err.split())


def test_event_values_known_answers():
    # four scenarios; the last has fewer militants than the threshold (eliminated)
    stats = {
        "recognised_any": np.array([1.0, 0.0, 1.0, 0.0]),
        "recognised_at_start": np.array([0.0, 0.0, 1.0, 0.0]),
        "nationals": np.array([1.0, 2.0, 3.0, 6.0]),
        "nationals_count": np.array([0.0, 2.0, 4.0, 6.0]),
        "central_asia": np.array([0.5, 0.5, 0.5, 0.5]),
        "central_asia_count": np.array([0.0, 1.0, 0.0, 1.0]),
        "remaining": np.array([10.0, 20.0, 40.0, 0.5]),
        "border": np.array([5.0, 5.0, 10.0, 0.5]),
        "coopted": np.array([0.0, 10.0, 0.0, 0.0]),
        "iskp_strength": np.linspace(0.0, 1.0, 4),
    }
    v = event_values(stats, 1.0)
    assert [*v] == [e.name for e in EVENTS]
    assert v["china_recognizes_de_jure"] == {"probability": 0.5, "already_at_start": 0.25}
    # drawn counts 0, 2, 4, 6: three of four at least one; the 5% and 95% ends drawn ones
    assert v["attacks_on_chinese_nationals_afghanistan"] == {
        "expected": 3.0, "simulated_mean": 3.0, "p_at_least_one": 0.75,
        "interval_90": [0.0, 6.0]}
    assert v["militants_at_border_share"]["expected"] == pytest.approx((0.5 + 0.25 + 0.25) / 3)
    assert v["militants_coopted_share"] == {"expected": pytest.approx(0.5 / 3),
                                            "scenarios_with_militants": 0.75}
    assert v["militants_eliminated"] == {"probability": 0.25}
    assert v["iskp_strength"]["median"] == pytest.approx(0.5)
    assert v["iskp_strength"]["interval_90"] == pytest.approx([0.05, 0.95])
    # a threshold per scenario; nobody left: no share
    gone = event_values(stats, np.full(4, 100.0))
    assert gone["militants_eliminated"]["probability"] == 1.0
    assert gone["militants_at_border_share"]["expected"] is None


def test_forecast_starts_from_what_was_true(case, cal):
    """Histories in which China had recognised before the as-of date are dropped (issue 17)."""
    from qpq.sim._forecast import known_state

    known = known_state(case, AS_OF)
    assert known.china_recognised is False             # the record has no such event
    recognised = np.asarray(cal.particles.arrays["recognised"], dtype=bool)
    res = forecast(case, cal, UNTIL, n=3000, seed=1)
    doc = res.to_json()
    assert doc["calibration"]["conditioned_on"] == {"as_of": "2025-06-30",
                                                   "china_recognised": False}
    assert doc["calibration"]["particles_kept"] == int((~recognised).sum())
    rec = doc["events"]["china_recognizes_de_jure"]
    assert rec["already_at_start"] == 0.0
    lo, hi = rec["interval_90_monte_carlo"]
    assert lo <= rec["probability"] <= hi
    plo, phi = rec["interval_90_parameters"]
    assert 0.0 <= plo <= phi <= 1.0
    for key in ("interval_90_monte_carlo", "interval_90_parameters", "points_without"):
        assert key in doc["events"]["militants_eliminated"]
    # the share of calibrated points at which the event never happens, from the scenarios
    hits = res.sim.stats["recognised_any"] >= 1
    points = np.unique(res.sim.pool_index)
    never = np.mean([not hits[res.sim.pool_index == p].any() for p in points])
    assert rec["points_without"] == pytest.approx(never)
    if rec["points_without"] >= 0.95:
        assert phi == 0.0      # why a skewed spread can leave P outside the points' range


def _with_recognised(cal, which):
    """The calibration with the particles at ``which`` marked as having been recognised."""
    from dataclasses import replace

    from qpq.sim import Particles

    arrays = dict(cal.particles.arrays)
    flag = np.array(arrays["recognised"], dtype=bool)
    flag[which] = True
    return replace(cal, particles=Particles({**arrays, "recognised": flag}))


def test_particles_that_contradict_the_record_are_dropped(case, cal):
    # the fixture's histories happen not to recognise: mark some that did, and the forecast
    # must keep only the others and start every scenario unrecognised
    from qpq.errors import QpqError

    n = cal.particles.size
    some = _with_recognised(cal, np.arange(n // 2))
    res = forecast(case, some, UNTIL, n=1000, seed=1)
    assert res.calibration["particles_kept"] == n - n // 2
    assert res.events["china_recognizes_de_jure"]["already_at_start"] == 0.0
    with pytest.raises(QpqError, match="no calibrated history"):
        forecast(case, _with_recognised(cal, np.arange(n)), UNTIL, n=1000, seed=1)


def test_a_record_event_of_recognition_changes_the_known_state(case):
    """An event of recognition between China and the Taliban, dated before the as-of date,
    makes China's recognition known; one dated after it does not."""
    from dataclasses import replace

    from qpq.case import Event
    from qpq.sim._forecast import known_state

    def with_event(day: str) -> object:
        ev = Event.model_validate({"id": "ev-test-recognition", "date": day,
                                   "type": "recognition", "actors": ["china", "taliban"],
                                   "title": "test", "summary": "test",
                                   "sources": ["roggio-2024-lwj"]})
        return replace(case, events=(*case.events, ev))

    assert known_state(with_event("2024-01-10"), AS_OF).china_recognised is True
    assert known_state(with_event("2025-09-10"), AS_OF).china_recognised is False


def test_an_event_is_calibrated_only_where_evidence_bears_and_its_parameters_are_constrained():
    # before 2026-12-05 evidence alone made an event "calibrated", whatever the parameters
    assert event_label(True, "none") == ("evidence seen, parameters unconstrained "
                                         "(assumption-driven)")
    assert event_label(True, "some") == "partly calibrated"
    assert event_label(True, "all") == "calibrated"
    for constrained in ("none", "some", "all"):
        assert event_label(False, constrained) == UNCALIBRATED


def test_the_packaged_skill_is_read_once_and_its_callers_get_their_own_copy():
    from qpq.sim._forecast import _skill_text, packaged_skill

    first = packaged_skill("record")
    assert first is not None and first["skill"]
    first["skill"].clear()                  # a caller's change stays the caller's
    before = _skill_text.cache_info()
    again = packaged_skill("record")
    assert again["skill"] and again is not first
    after = _skill_text.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)


def test_china_moves_are_the_policies_shares_of_engaged_and_recognised_quarters(case, cal):
    boycott = forecast(case, cal, UNTIL, policy="boycott", n=500, seed=1).china_moves()
    assert boycott == {"engaged": 0.0, "recognised": 0.0}
    engage = forecast(case, cal, UNTIL, policy="conditional", n=500, seed=1)
    moves = engage.china_moves()
    assert moves["engaged"] == 1.0          # conditional engages from its first quarter
    series = engage.sim.mean_series[:, list(SERIES).index("recognised")]
    assert moves["recognised"] == pytest.approx(series.mean())


def test_a_counterfactual_exposure_moves_the_attacks_on_nationals_and_nothing_else(case, cal):
    """boycott_exposure set to 1: boycott then exposes the nationals as engaging does."""
    event = "attacks_on_chinese_nationals_afghanistan"
    fixed = cal.with_dynamics({"boycott_exposure": 1.0}, case=case)
    assert np.all(fixed.particle_pool.values["boycott_exposure"] == 1.0)
    assert fixed.particle_pool.values["attack_rate"] is cal.particle_pool.values["attack_rate"]
    assert np.any(cal.particle_pool.values["boycott_exposure"] < 1.0)
    base = forecast(case, cal, UNTIL, policy="boycott", n=500, seed=1)
    exposed = forecast(case, fixed, UNTIL, policy="boycott", n=500, seed=1)
    assert exposed.events[event]["expected"] > base.events[event]["expected"]
    # the exposure touches the nationals only: ISKP and the border stock follow the same path
    assert exposed.events["iskp_strength"] == base.events["iskp_strength"]
    assert (exposed.events["militants_at_border_share"]
            == base.events["militants_at_border_share"])
    with pytest.raises(BadInputError, match="capacity_high"):
        cal.with_dynamics({"capacity_high": 0.9}, case=case)
    # a value is checked against its range and must be a number (a boycott exposure of -3
    # gave a negative expected count of attacks; found 2026-12-06)
    for bad, said in (({"boycott_exposure": -3.0}, "out of range; allowed range is [0, 1]"),
                      ({"boycott_exposure": "x"}, "'x' is not a number"),
                      ({"boycott_exposure": [1]}, "is not a number"),
                      ({"boycott_exposure": float("nan")}, "out of range"),
                      ({"boycot_exposure": 1.0}, "boycot_exposure")):
        with pytest.raises(BadInputError, match=re.escape(said)):
            cal.with_dynamics(bad, case=case)
    with pytest.raises(ValueError, match="not parameters of this pool: no_such"):
        cal.particle_pool.fixed({"no_such": 1.0})


def test_count_events_give_the_chance_of_any_and_an_interval_of_drawn_counts(case, cal):
    res = forecast(case, cal, UNTIL, n=3000, seed=1)
    for name, stat in (("attacks_on_chinese_nationals_afghanistan", "nationals_count"),
                       ("attacks_cross_border_central_asia", "central_asia_count")):
        e, counts = res.events[name], res.sim.stats[stat]
        assert e["p_at_least_one"] == pytest.approx(float((counts > 0).mean()))
        lo, hi = e["interval_90"]
        # ends the scenarios drew, covering at least 90% of them between them
        assert lo in counts and hi in counts and lo == int(lo) and hi == int(hi)
        assert ((counts >= lo) & (counts <= hi)).mean() >= 0.9
        assert (counts < lo).mean() <= 0.05 and (counts > hi).mean() <= 0.05


def test_cli_forecast_says_where_quarters_move_its_dates():
    from qpq.cli._sim import _rounded_dates

    assert _rounded_dates(dt.date(2025, 6, 30), dt.date(2026, 6, 30), "2025Q3–2026Q2") == ""
    said = _rounded_dates(dt.date(2025, 5, 15), dt.date(2026, 5, 1), "2025Q2–2026Q2")
    assert "2025-05-15 falls inside the window's first quarter" in said
    assert "--until 2026-05-01 is read as the end of its quarter" in said
    later = _rounded_dates(dt.date(2025, 5, 15), dt.date(2026, 6, 30), "2025Q3–2026Q2")
    assert "starts after the as-of date 2025-05-15's quarter ends" in later
    assert "--until" not in later


def test_forecast_checks_its_arguments_as_the_command_does(case, cal):
    # found 2026-12-06 by an outside read of the API: a negative seed and a fractional n
    # reached numpy ("expected non-negative integer"), a date string was compared with a
    # date, a RecordCalibration failed on a missing attribute
    same = forecast(case, cal, UNTIL.isoformat(), n=64, seed=1)
    assert same.events == forecast(case, cal, UNTIL, n=64, seed=1).events
    for kwargs, said in (({"seed": -1}, "seed"), ({"n": 2.5}, "n (scenarios)"),
                         ({"n": 0}, "n (scenarios)"), ({"workers": 0}, "workers"),
                         ({"series_sample": -1}, "series_sample")):
        with pytest.raises(BadInputError, match=re.escape(said)):
            forecast(case, cal, UNTIL, **{"n": 64, **kwargs})
    with pytest.raises(BadInputError, match="until"):
        forecast(case, cal, "2026-13-01", n=64)
    with pytest.raises(BadInputError, match="must be a CalibrationResult"):
        forecast(case, object(), UNTIL, n=64)  # type: ignore[arg-type]


# ---- found by a mutation read of qpq.sim._forecast (2026-12): each test below failed on a
# deliberate change of the rule it states, which the tests above let pass.

def test_forecast_stats_read_each_event_over_its_window():
    """The events' definitions (EVENTS, docs/model-dynamics.md §7.8) as window statistics:
    "at some quarter" a max, counts over the window sums, levels "at the end" the final
    quarter's, and the state at the start the first quarter's alone."""
    from qpq.sim._forecast import forecast_stats

    first, last = 40, 43
    got = {s.name: (s.quantity, s.start, s.stop, s.statistic)
           for s in forecast_stats(first, last)}
    whole = {
        "recognised_any": ("recognised", "max"),
        "nationals": ("expected_attacks_nationals", "sum"),
        "nationals_count": ("attacks_nationals", "sum"),
        "central_asia": ("expected_attacks_central_asia", "sum"),
        "central_asia_count": ("attacks_central_asia", "sum"),
        "china": ("expected_attacks_china", "sum"),
        "border": ("militants_border", "final"),
        "coopted": ("militants_coopted", "final"),
        "remaining": ("militants_remaining", "final"),
        "iskp_strength": ("iskp_strength", "final"),
        "taliban_acts_any": ("taliban_acts", "max"),
        "interior": ("militants_interior", "final"),
    }
    want = {k: (v, first, last, s) for k, (v, s) in whole.items()}
    want["recognised_at_start"] = ("recognised", first, first, "final")
    assert got == want


def test_probability_intervals_known_answers():
    """Wilson's 90% interval of the share (written out here), the linear 5-95% range of the
    shares at the points, and the share of points that never see the event."""
    from scipy.stats import norm

    from qpq.sim._forecast import _probability_intervals

    # four points, five scenarios each: 1, 2, 0 and 5 hits (8 of 20)
    hits = np.array([1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1], dtype=bool)
    index = np.repeat(np.array([7, 3, 9, 0]), 5)
    got = _probability_intervals(hits, index)
    z, n, p = norm.ppf(0.95), 20, 8 / 20
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert got["interval_90_monte_carlo"] == pytest.approx([centre - half, centre + half],
                                                           abs=1e-9)
    # the points' shares sorted: 0, 0.2, 0.4, 1; 5% lies 0.15 of the way from the first to
    # the second, 95% 0.85 of the way from the third to the fourth
    assert got["interval_90_parameters"] == pytest.approx([0.15 * 0.2, 0.4 + 0.85 * 0.6])
    assert got["points_without"] == 0.25


def test_militants_at_the_threshold_remain():
    """Eliminated means every stock below elimination_threshold: a stock equal to it
    remains, and its shares count."""
    ones = np.ones(2)
    stats = {"recognised_any": 0 * ones, "recognised_at_start": 0 * ones,
             "nationals": ones, "nationals_count": ones, "central_asia": ones,
             "central_asia_count": ones, "remaining": np.array([2.0, 1.0]),
             "border": np.array([1.0, 1.0]), "coopted": np.array([0.0, 0.5]),
             "iskp_strength": ones}
    v = event_values(stats, 1.0)
    assert v["militants_eliminated"] == {"probability": 0.0}
    assert v["militants_at_border_share"] == {"expected": pytest.approx(0.75),
                                              "scenarios_with_militants": 1.0}
    assert v["militants_coopted_share"]["expected"] == pytest.approx(0.25)


def test_only_the_facts_used_bear_on_an_event(cal):
    """A fact not known at the as-of date (not used to accept) is an out-of-sample check:
    it never counts as evidence bearing on an event (§7.8: "the used facts whose target is
    one of the event's quantities")."""
    from qpq.sim._forecast import event_evidence

    spec = next(e for e in EVENTS if e.name == "militants_at_border_share")
    relocation = "cl-sf-relocation"          # a target on militants_relocated
    assert any(f.fact.id == relocation and f.used for f in cal.facts)
    assert relocation in event_evidence(spec, cal)[0]
    unused = dataclasses.replace(cal, facts=tuple(
        dataclasses.replace(f, used=False) if f.fact.id == relocation else f
        for f in cal.facts))
    facts, observations = event_evidence(spec, unused)
    assert relocation not in facts
    assert observations.get("facts", 0) == len(facts)


def test_one_complete_quarter_of_history_is_enough():
    # the history needs one complete quarter before the as-of date: 1996-03-31 ends 1996Q1
    start = dt.date(1996, 1, 1)
    check_window(dt.date(1996, 3, 31), dt.date(1997, 3, 31), "equilibrium", start=start)
    with pytest.raises(BadInputError, match="out of range"):
        check_window(dt.date(1996, 3, 30), dt.date(1997, 3, 31), "equilibrium", start=start)


def test_the_known_state_is_the_record_as_known_on_the_as_of_date(case):
    """Recognition dated on the as-of day is known then; one dated earlier but first
    published after the as-of date is not (yet)."""
    from dataclasses import replace

    from qpq.case import Event, Source
    from qpq.sim._forecast import known_state

    def with_event(day: str, source: str = "roggio-2024-lwj", extra=()) -> object:
        ev = Event.model_validate({"id": "ev-test-recognition", "date": day,
                                   "type": "recognition", "actors": ["china", "taliban"],
                                   "title": "test", "summary": "test", "sources": [source]})
        return replace(case, events=(*case.events, ev), sources=(*case.sources, *extra))

    assert known_state(with_event(AS_OF.isoformat()), AS_OF).china_recognised is True
    late = Source.model_validate({"id": "test-late-report", "kind": "article",
                                  "title": "A late report", "date": "2025-09-01"})
    reported_late = with_event("2024-01-10", "test-late-report", (late,))
    assert known_state(reported_late, AS_OF).china_recognised is False
    assert known_state(reported_late, dt.date(2025, 9, 30)).china_recognised is True


def test_recognition_in_the_window_s_first_quarter_is_new_not_already_held(case, cal):
    """already_at_start is the record's state at the as-of date (0 here), not the share
    recognised by the end of the window's first quarter."""
    res = forecast(case, cal, UNTIL, policy="conditional", n=500, seed=1)
    # the premise: some scenarios recognise within the first quarter of the window
    assert (res.sim.stats["recognised_at_start"] >= 1).any()
    rec = res.events["china_recognizes_de_jure"]
    assert rec["probability"] > 0 and rec["already_at_start"] == 0.0


def test_elimination_intervals_are_those_of_the_eliminated_share(case, cal):
    res = forecast(case, cal, UNTIL, n=1000, seed=1)
    gone = res.sim.stats["remaining"] < cal.particle_pool.values["elimination_threshold"][
        res.sim.pool_index]
    e = res.events["militants_eliminated"]
    assert e["probability"] == gone.mean()
    lo, hi = e["interval_90_monte_carlo"]
    assert lo <= e["probability"] <= hi
    points = np.unique(res.sim.pool_index)
    never = np.mean([not gone[res.sim.pool_index == p].any() for p in points])
    assert e["points_without"] == pytest.approx(never)


def test_beliefs_are_said_as_bounds_only_beyond_them():
    from qpq.sim._forecast import _belief, _median

    assert _belief(0.99) == "0.99" and _belief(0.995) == "above 0.99"
    assert _belief(0.005) == "0.005" and _belief(0.001) == "0.001"
    assert _belief(0.0009) == "below 0.001" and _belief(None) == "none"
    assert _median(0.5) == "a median of 0.5" and _median(0.999) == "a median above 0.99"


def test_recognition_belief_words_say_which_histories_were_set_aside():
    from qpq.sim._forecast import RecognitionBelief

    def rb(recognised: bool) -> RecognitionBelief:
        return RecognitionBelief(
            as_of=dt.date(2025, 6, 30), window=("2025Q3", "2026Q2"), policy="equilibrium",
            particles=10, kept=6, china_recognised=recognised, sincere_kept=0.2,
            prior_kept=0.5, sincere_set_aside=0.995, probability=0.01,
            reset_probability=0.1)

    text = " ".join(rb(False).words().split())
    assert "In 4 of the 10 (40%) China had already recognised the Taliban" in text
    assert "has a median above 0.99; in the 6 kept, a median of 0.2" in text
    assert "averages 0.5" in text and "give P = 0.1: a counterfactual" in text
    assert "In 4 of the 10 (40%) China had not yet recognised" in " ".join(
        rb(True).words().split())


def test_recognition_belief_averages_the_prior_over_the_kept_histories(case, cal):
    from qpq.sim import recognition_belief

    n = cal.particles.size
    some = _with_recognised(cal, np.arange(0, n, 3))
    res = forecast(case, some, UNTIL, n=64, seed=1)
    rb = recognition_belief(case, some, res)
    kept = np.ones(n, dtype=bool)
    kept[np.arange(0, n, 3)] = False
    index = np.asarray(cal.particles.arrays["pool_index"])
    prior = np.asarray(cal.particle_pool.values["prior_sincere"])[index]
    # the premise: the prior differs between the kept and the set-aside histories
    assert prior[kept].mean() != pytest.approx(prior.mean())
    assert (rb.particles, rb.kept) == (n, int(kept.sum()))
    assert rb.prior_kept == pytest.approx(prior[kept].mean())
    belief = np.asarray(cal.particles.arrays["belief"])
    assert rb.sincere_set_aside == pytest.approx(np.median((belief[0] + belief[1])[~kept]))


def test_a_past_window_s_band_words_follow_the_band_edges():
    """Bands are [low, high) (band_of: a value on an edge is in the upper band); the
    forecast's 90% range [a, b] overlaps one when a < high and b >= low."""
    from qpq.sim._forecast import RecordOutcome

    def words(value, interval):
        return RecordOutcome("iskp_strength", "iskp_strength_band", "band", dt.date(2023, 6, 30),
                             dt.date(2024, 6, 30), value, (1000.0, 4000.0), interval).words()

    assert words(1, None) == "latest estimate in the window: 1,000–4,000 fighters"
    assert words(0, None) == "latest estimate in the window: under 1,000 fighters"
    assert words(2, None) == "latest estimate in the window: 4,000 or more fighters"
    assert words(1, (4000.0, 6000.0)).endswith("range 4,000–6,000 lies above it)")
    assert words(1, (3999.0, 6000.0)).endswith("range 3,999–6,000 overlaps it)")
    assert words(1, (500.0, 1000.0)).endswith("range 500–1,000 overlaps it)")
    assert words(1, (500.0, 999.0)).endswith("range 500–999 lies below it)")
    assert words(None, None) == "no estimate in the window"
