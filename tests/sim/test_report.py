import dataclasses
import datetime as dt
import re

import pytest

from qpq.report import _sim_sections as report
from qpq.report._sections import ReportContext


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(report, "REDUCED", {"draws": 16, "replicates": 4, "grid_size": 6,
                                            "n": 512, "prop_n": 256})
    monkeypatch.setattr(report, "RECORD_REDUCED", dataclasses.replace(
        report.RECORD_REDUCED, max_simulations=2000, population=50, grid_size=4, game_points=2,
        ppc_draws=4, attribution=False))


def ctx(case, tmp_path):
    return ReportContext(case=case, out_dir=tmp_path, generated=dt.datetime(2026, 1, 1),
                         reduced=True)


def test_backcast_section(case, tmp_path, tiny):
    out = report.backcast_section(ctx(case, tmp_path))
    assert "Reduced run" in out.html and "cl-sf-uyghurs-deported" in out.html
    assert "uncalibrated (assumption-driven)" in out.html
    assert len(out.figures) == 4 and out.summary
    # each fan chart's caption says in words which series it draws
    assert "China's belief that the Taliban are sincere, after the quarter (belief_sincere)" \
        in out.figures[-1].how_to_read
    for fig in out.figures:
        fig.chart.to_dict()                           # a valid Vega-Lite spec
    # a yes/no or count fact's median and range are values the scenarios take, and the
    # column of matches "where every other used fact holds" is shown only where it can
    # say something (found 2026-12-06: "0 [0, 0.55]", and "no simulated history" in
    # every row)
    from qpq.report._sim_sections import _others_said, backcast_calibration
    from qpq.sim import INDICATOR_SERIES

    cal = backcast_calibration(ctx(case, tmp_path))
    for r in cal.backcast_table():
        values = [r["accepted_median"], *r["accepted_90"]]
        if not r["evaluable"]:
            continue
        series = r["target"].split("(", 1)[1].split(",", 1)[0]
        if r["target"].startswith("max("):    # a yes/no in the window
            assert set(values) <= {0.0, 1.0}, r
        elif series in INDICATOR_SERIES:    # a share of quarters (engaged, recognised)
            assert all(0.0 <= v <= 1.0 for v in values), r
        elif not series.endswith("_change"):   # stocks and flows of militants
            assert all(v >= 0.0 for v in values), r
        assert values[1] <= values[0] <= values[2], r
    said = _others_said(cal.backcast_table(), cal.draws * cal.replicates)
    assert ("match (where every other used fact holds)" in out.html) is said
    assert ("leaves out the column" in out.html) is not said


def test_forecast_section_calibrates_on_the_record_by_default(case, tmp_path, tiny):
    out = report.forecast_section(ctx(case, tmp_path))
    assert "Reduced run" in out.html and "china_recognizes_de_jure" in out.html
    # the text names the calibration and its settings, reduced as the run is
    assert "calibrated on the whole record known by 2025-06-30" in out.html
    assert "Calibration: record — rejection ABC" in out.html
    assert "from 2,000 histories" in out.html and "2 game points" in out.html
    assert "The record calibration is reduced too" in out.html
    # 50 accepted points are too few for the regression: said, not called applied
    assert "regression adjustment not applied" in out.html
    assert "adjustment local-linear," not in out.html
    assert "16 posterior points × 4 scenarios = 64 histories" in out.html
    assert "(record calibration)" in out.summary
    for fig in out.figures:
        fig.chart.to_dict()
    _figures_carry_their_events_labels(out)


def test_forecast_figure_labels_follow_the_events_parameters():
    from qpq.sim import UNCALIBRATED
    from qpq.sim._forecast import UNCONSTRAINED, figure_label

    def event(constrained, observations=None, **params):
        return {"calibration_constrained": {"constrained": constrained,
                                            "calibration": "record", "parameters": params},
                "observations": {"attacks": 3} if observations is None else observations}

    # evidence seen but no parameter constrained: the events table's words, not "uncalibrated"
    assert figure_label(event("none", a=False, b=False)) == UNCONSTRAINED
    assert figure_label(event("none", observations={}, a=False)) == UNCALIBRATED
    some = figure_label(event("some", attack_rate=True, b=False))
    assert "partly calibrated" in some and "attack_rate (1 of 2 parameters)" in some
    assert UNCALIBRATED not in some
    assert "record calibration" in figure_label(event("all", a=True))
    # constrained parameters, but nothing the calibration used bears on the event: as its label
    assert figure_label(event("all", observations={}, a=True)) == UNCALIBRATED


def _figures_carry_their_events_labels(out):
    import re

    from qpq.sim import SERIES_EVENTS, UNCALIBRATED
    from qpq.sim._charts import LABEL_LINE
    from qpq.sim._forecast import UNCONSTRAINED

    figs = {f.id: f for f in out.figures}
    for var in report.FORECAST_VARIABLES:
        event = SERIES_EVENTS[var]
        title = figs[f"sim-forecast-{var}"].chart.to_dict()["title"]["text"]
        # the chart names its series and the event it decides, its label on lines beneath
        assert title[0] == f"{var} (the event {event}): median with 50% and 90% bands, by policy"
        assert all(len(line) <= LABEL_LINE for line in title[1:]), title
        label = " ".join(title[1:])
        # the table's row of the event says how far its parameters are constrained
        # ("some" names which: "some: attack_rate, … (k of n)")
        constrained = re.search(f"<tr><td>{event}</td>(?:<td>[^<]*</td>){{3}}"
                                r"<td>([a-z]+)(?:: [^<]*)?</td>", out.html).group(1)
        # none constrained: "uncalibrated", or, where evidence bears on the event, the table's
        # "evidence seen, parameters unconstrained"
        assert (label in (UNCALIBRATED, UNCONSTRAINED)) == (constrained == "none"), (
            var, label, constrained)
        assert constrained == "none" or "record calibration" in label


def test_forecast_section_on_the_stylised_facts_when_asked(case, tmp_path, tiny):
    context = ReportContext(case=case, out_dir=tmp_path, generated=dt.datetime(2026, 1, 1),
                            reduced=True, options={"sim_calibration": "facts"})
    out = report.forecast_section(context)
    assert "calibrated on the stylised facts known by 2025-06-30" in out.html
    assert "16 parameter draws × 4 scenarios = 64 histories" in out.html
    assert "Calibration: facts — " in out.html and "(facts calibration)" in out.summary
    # the histories kept are checked against the record on one thing only, China's
    # recognition then: said so, not "that agree with the record" (found 2026-12-07)
    assert re.search(r"of [\d,]+ calibrated histories in which China's recognition at the "
                     r"as-of date agrees with the record \(China had not recognised the "
                     r"Taliban de jure\)", out.html)


@pytest.mark.parametrize("kind", ["recrod", "Facts"])
def test_forecast_section_refuses_an_unknown_calibration(case, tmp_path, kind, monkeypatch):
    from qpq.errors import BadInputError
    from qpq.sim import _calibrators

    # refused before any calibration runs (neither is reached), naming the allowed kinds
    for name in ("calibrate", "record_calibrator"):
        monkeypatch.setattr(_calibrators, name, lambda *a, **k: pytest.fail("calibrated"))
    context = ReportContext(case=case, out_dir=tmp_path, generated=dt.datetime(2026, 1, 1),
                            reduced=True, options={"sim_calibration": kind})
    with pytest.raises(BadInputError, match="record") as err:
        report.forecast_section(context)
    assert kind in str(err.value) and "facts" in str(err.value)


def test_fan_chart_shows_paired_differences_and_merges_identical_runs(case):
    import numpy as np

    from qpq.sim import SERIES, calibrate, fan_chart, forecast

    cal = calibrate(case, case.run.forecast_as_of, draws=16, replicates=4, grid_size=6,
                    seed=0)
    runs = {p: forecast(case, cal, case.run.forecast_until, policy=p, n=256, seed=0).sim
            for p in ("equilibrium", "boycott")}
    chart = fan_chart(runs, "expected_attacks_nationals")
    levels, panel = chart.vconcat
    assert levels.to_dict()["facet"]["column"]["field"] == "policy"  # panels, not overlaid
    diff = panel.layer[1].data
    j = SERIES.index("expected_attacks_nationals")
    by_hand = np.median(runs["equilibrium"].sample_series[:, :, j]
                        - runs["boycott"].sample_series[:, :, j], axis=1)
    assert list(diff["policy"].unique()) == ["equilibrium − boycott"]
    assert np.allclose(diff["median"].to_numpy(), by_hand)
    # two names for one run: one panel, named for both, and no difference panel
    same = fan_chart({"boycott": runs["boycott"], "engage": runs["boycott"]},
                     "militants_border").to_dict()
    assert "vconcat" not in same
    assert {d["policy"] for d in same["datasets"][next(iter(same["datasets"]))]} == {
        "boycott = engage"}


def test_a_counterpart_of_a_proposition_that_fails_anyway_is_not_informative():
    from types import SimpleNamespace as R

    assert report._counterpart(R(holds=True, falsification_holds=True)) == "as required"
    assert report._counterpart(R(holds=True, falsification_holds=False)) == "FAILS"
    assert "not informative" in report._counterpart(R(holds=False, falsification_holds=True))
