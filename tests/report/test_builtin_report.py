"""The report on the built-in case (what `make run` builds), at reduced settings."""

import re

import pytest

from qpq.case import load_case
from qpq.report import build_report


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return out, build_report(load_case(), out, reduced=True)


def test_sections_with_data_are_built(built):
    _, result = built
    done = {s.id for s in result.sections if s.built}
    assert {"case", "timeline", "map", "parameters", "bargaining", "audit", "evidence"} <= done


def test_every_figure_has_files_and_words(built):
    out, result = built
    html = result.html.read_text()
    figures = [f for s in result.sections for f in s.figures]
    assert len(figures) >= 5
    for fig in figures:
        assert (out / "figures" / f"{fig}.png").stat().st_size > 1000
        assert (out / "figures" / f"{fig}.svg").stat().st_size > 1000
    assert html.count("How to read this:") == len(figures)
    assert not re.search(r"<script[^>]+src=", html)


def test_bargaining_summary_mentions_the_forecast(built):
    _, result = built
    (section,) = [s for s in result.sections if s.id == "bargaining"]
    assert section.summary and "forecast" in section.summary
