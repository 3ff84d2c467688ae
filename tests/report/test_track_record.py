"""The report's "Track record" section: the backtest's table and diagrams."""


import numpy as np
import pytest

from qpq.report import _track_record_section as track
from qpq.sim import BacktestSpec
from qpq.sim._backtest import BacktestResult


def _row(event, p_model, p_clim, y):
    return {"event": event, "kind": "binary", "outcome": y,
            "forecasts": {"model": {"probability": p_model},
                          "climatology": {"probability": p_clim},
                          "persistence": None}}


def test_reliability_frame_by_hand():
    rows = (_row("a", 0.05, 0.5, 0), _row("a", 0.15, 0.5, 1), _row("b", 0.9, 0.5, 1),
            _row("b", 0.95, 0.5, 1), {**_row("b", 0.5, 0.5, 0), "outcome": None})
    frame = track.reliability_frame(BacktestResult(BacktestSpec(), rows, ()))
    model = [r for r in frame if r["forecaster"] == "model"]
    # bins of width 0.2: [0, 0.2) holds 0.05 and 0.15 (one of two happened), [0.8, 1] the rest
    assert [(r["forecast"], r["observed"], r["forecasts"]) for r in model] == [
        (pytest.approx(0.1), 0.5, 2), (pytest.approx(0.925), 1.0, 2)]
    (clim,) = [r for r in frame if r["forecaster"] == "climatology"]
    assert clim["observed"] == pytest.approx(np.mean([0, 1, 1, 1]))
    assert not [r for r in frame if r["forecaster"] == "persistence"]


def test_posterior_frame_by_hand():
    from types import SimpleNamespace

    from qpq.sim._abc import ParameterPosterior

    # prior range 0-10 (90% interval 0.5-9.5); posterior points all in 1-3
    def post(name, role, label):
        return ParameterPosterior(name, role, (0.5, 9.5), 2.0, (1.1, 2.9), 0.2, label)

    cal = SimpleNamespace(
        parameters=(post("a", "targeted", "calibrated"),
                    post("b", "marginalised", "assumption-driven"),
                    post("c", "marginalised", "weakly constrained"),
                    post("g", "game", "calibrated")),
        points={n: np.array([1.5, 2.5, 2.5, 1.5]) for n in "abcg"},
        weights=np.full(4, 0.25))
    frame = track.posterior_frame(cal)
    shown = {r["parameter"].split(":")[0] for r in frame}
    assert shown == {"a", "c"}          # targeted, or not assumption-driven; never the game's
    a = [r for r in frame if r["parameter"].startswith("a:") and r["distribution"] ==
         "posterior"]
    # a density over ten bins of width 0.1: the mass sits in bins 0.1-0.2 and 0.2-0.3
    assert sum(r["density"] for r in a) * 0.1 == pytest.approx(1.0)
    assert {round(r["position"], 2) for r in a if r["density"] > 0} == {0.15, 0.25}
    assert all(r["density"] == 1.0 for r in frame if r["distribution"] == "prior")


def test_section_builds_on_the_builtin_case(builtin_report):
    import json
    from importlib import resources

    _, result = builtin_report          # make run's report, built once for the session
    (outcome,) = [s for s in result.sections if s.id == "track-record"]
    assert outcome.built and outcome.applies, outcome.note
    assert len(outcome.figures) == 4
    html = result.html.read_text()
    html = html[html.index("<section id='track-record'>"):]
    html = html[:html.index("</section>")]
    assert "skill vs climatology" in html and "2016-06-30" in html
    assert "Calibration on the record as of 2024-06-30" in html
    assert "Posterior predictive checks" in html and "track-record-posteriors" in html
    assert "Derived quantities at the as-of date" in html and "iskp_fighters" in html
    # the summary names both calibrations: the record's skill is the packaged run's
    packaged = json.loads(resources.files("qpq.sim").joinpath(
        "backtest_skill_record.json").read_text())
    (pooled,) = [r for r in packaged["skill"] if r["event"] == "all_count"]
    assert outcome.summary.startswith("track record: 17 origins; count skill vs climatology ")
    assert " on the stylised facts, " in outcome.summary
    assert outcome.summary.endswith(
        f", {pooled['skill_vs_climatology']:+.2f} on the record (packaged run)")


def test_the_record_backtest_part_shows_the_packaged_run():
    from qpq.sim import packaged_skill

    doc = packaged_skill("record")
    html = track._record_backtest_part(doc)
    assert doc is not None and doc["generated"] in html and doc["regenerate"] in html
    # every event of the packaged run has its row, with its skill as the file has it
    for row in doc["skill"]:
        assert f"<td>{row['event']}</td>" in html
    nationals = next(r for r in doc["skill"]
                     if r["event"] == "attacks_on_chinese_nationals_afghanistan")
    assert f"{nationals['skill_vs_climatology']:+.2f}" in html


def test_a_forecast_on_a_bin_edge_falls_in_the_bin_it_opens():
    # bins are [0, 0.2), [0.2, 0.4), ... [0.8, 1]: 0.2 is in the second, 1.0 in the last
    rows = (_row("a", 0.2, 0.5, 1), _row("a", 0.3, 0.5, 0), _row("a", 1.0, 0.5, 1))
    frame = track.reliability_frame(BacktestResult(BacktestSpec(), rows, ()))
    model = [(r["forecasts"], r["observed"]) for r in frame if r["forecaster"] == "model"]
    assert model == [(2, 0.5), (1, 1.0)]


def test_a_posterior_point_is_placed_on_the_whole_prior_range():
    # a 90% interval of 0.5-9.5 is the uniform prior on 0-10: 1.2 sits at 0.12 of it, 5.3
    # at 0.53, in the bins centred 0.15 and 0.55
    from types import SimpleNamespace

    from qpq.sim._abc import ParameterPosterior

    cal = SimpleNamespace(
        parameters=(ParameterPosterior("a", "targeted", (0.5, 9.5), 2.0, (1.1, 2.9), 0.2,
                                       "calibrated"),),
        points={"a": np.array([1.2, 5.3])}, weights=np.full(2, 0.5))
    frame = track.posterior_frame(cal)
    assert {round(r["position"], 2) for r in frame if r["distribution"] == "posterior"
            and r["density"] > 0} == {0.15, 0.55}


def test_the_pooled_row_is_the_kind_s_own_score():
    rows = [{"event": "all_count", "score": "brier"}, {"event": "all_count", "score": "crps"},
            {"event": "all_binary", "score": "crps"}, {"event": "all_binary", "score": "brier"}]
    doc = {"skill": rows}
    assert track.pooled_skill_row(doc, "count") is rows[1]
    assert track.pooled_skill_row(doc, "binary") is rows[3]
    assert track.pooled_skill_row(None, "count") is None


def test_a_miss_is_counted_against_its_family_s_checks():
    checks = [{"family": "attacks", "observation": o, "inside_90": o != "b"}
              for o in ("a", "b", "c")] + [{"family": "actions", "observation": "x",
                                             "inside_90": True}]
    assert "1 of 3 attacks (b)" in track._misses_note(checks, 30)


def test_no_skill_is_blamed_on_a_perfect_baseline_that_is_missing():
    # a baseline without a forecast has no score at all: its dash is not "scores 0"
    row = {"event": "x", "origins": 17, "scores": {"model": 0.2, "climatology": 0.1,
                                                     "persistence": None},
           "skill_vs_climatology": -1.0, "skill_vs_persistence": None}
    assert "against persistence" not in track._dashes([row])
    # where that baseline forecast with certainty and scored 0, the dash is explained
    perfect = {**row, "scores": {**row["scores"], "persistence": 0.0}}
    assert "x against persistence: no skill, because that baseline scores 0" in track._dashes(
        [perfect])
