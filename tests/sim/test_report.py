import datetime as dt

import pytest

from qpq.report import _sim_sections as report
from qpq.report._sections import ReportContext


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(report, "REDUCED", {"draws": 16, "replicates": 4, "grid_size": 6,
                                            "n": 512, "prop_n": 256})


def ctx(case, tmp_path):
    return ReportContext(case=case, out_dir=tmp_path, generated=dt.datetime(2026, 1, 1),
                         reduced=True)


def test_backcast_section(case, tmp_path, tiny):
    out = report.backcast_section(ctx(case, tmp_path))
    assert "Reduced run" in out.html and "cl-sf-uyghurs-deported" in out.html
    assert "uncalibrated (assumption-driven)" in out.html
    assert len(out.figures) == 4 and out.summary
    for fig in out.figures:
        fig.chart.to_dict()                           # a valid Vega-Lite spec


def test_forecast_section(case, tmp_path, tiny):
    out = report.forecast_section(ctx(case, tmp_path))
    assert "Reduced run" in out.html and "china_recognizes_de_jure" in out.html
    for fig in out.figures:
        fig.chart.to_dict()


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
