"""The report on the built-in case (what `make run` builds), at reduced settings."""

import re

import pytest

from qpq.case import load_case
from qpq.report import build_report


@pytest.fixture(scope="module")
def built(builtin_report):
    return builtin_report


EVERY_LENS = ("findings", "case", "timeline", "map", "parameters", "game", "phase",
              "propositions",
              "relationship", "backcast", "forecast", "track-record", "dynamic-propositions",
              "sensitivity", "discovery", "policies", "bargaining", "audit", "evidence")


def test_every_lens_really_built(built):
    # a section whose builder failed on the built-in case is rendered as "does not apply":
    # that must fail here, not pass as built
    _, result = built
    by_id = {s.id: s for s in result.sections}
    for sid in EVERY_LENS:
        assert by_id[sid].built, sid
        assert by_id[sid].applies, (sid, by_id[sid].note)
    with_figures = ("game", "phase", "backcast", "forecast", "track-record", "sensitivity",
                    "discovery", "policies", "bargaining")
    assert all(by_id[sid].figures for sid in with_figures), [
        sid for sid in with_figures if not by_id[sid].figures]


def refuse(ctx):
    from qpq.errors import BadInputError

    raise BadInputError("this case has no simulator parameters")


def test_a_section_that_does_not_apply_is_reported(tmp_path):
    from qpq.report import Section

    section = Section("sim-x", "A lens", "dynamics", "", f"{__name__}:refuse")
    result = build_report(load_case(), tmp_path, sections=[section])
    (outcome,) = result.sections
    assert outcome.built and not outcome.applies
    assert "no simulator parameters" in outcome.note


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
