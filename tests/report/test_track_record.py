"""The report's "Track record" section: the backtest's table and diagrams."""

import datetime as dt

import numpy as np
import pytest

from qpq.case import load_case
from qpq.report import _track_record_section as track
from qpq.report import build_report
from qpq.report._sections import Section
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


def test_section_builds_on_the_builtin_case(tmp_path, monkeypatch):
    monkeypatch.setattr(track, "REDUCED", {"draws": 4, "replicates": 2, "n": 32})
    section = Section("track-record", "Track record", "sim", "-",
                      "qpq.report._track_record_section:track_record_section")
    result = build_report(load_case(), tmp_path, sections=[section], reduced=True)
    (outcome,) = result.sections
    assert outcome.built and outcome.applies, outcome.note
    assert len(outcome.figures) == 3
    html = result.html.read_text()
    assert "skill vs climatology" in html and "2016-06-30" in html
    assert dt.date(2024, 6, 30).isoformat() in html
