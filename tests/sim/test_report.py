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
