import re

import pytest

from qpq.case import load_case
from qpq.report import Section, build_report, default_sections


def test_report_builds_with_placeholders(make_case, tmp_path):
    out = tmp_path / "out"
    result = build_report(load_case(make_case()), out)
    html = result.html.read_text()
    built = {s.id for s in result.sections if s.built}
    assert {"case", "timeline", "audit", "parameters"} <= built
    # every registered section appears, built or as a placeholder
    for section in default_sections():
        assert f"id='{section.id}'" in html
    assert html.count("class='placeholder'") == len(result.sections) - len(built)
    # figures: embedded spec + PNG and SVG files on disk
    assert (out / "figures" / "timeline.png").stat().st_size > 1000
    assert (out / "figures" / "timeline.svg").read_text().startswith("<svg")
    assert "vegaEmbed" in html and "How to read this" in html
    # offline: no external scripts or stylesheets
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+stylesheet", html)


def test_failed_build_keeps_previous_report(make_case, tmp_path):
    out = tmp_path / "out"
    case = load_case(make_case())
    build_report(case, out)
    before = (out / "report.html").read_text()
    broken = [Section("x", "X", "test", "never", "qpq.report._evidence_sections:no_such_fn")]
    with pytest.raises(AttributeError):
        build_report(case, out, broken)
    assert (out / "report.html").read_text() == before


def test_every_internal_link_resolves(make_case, tmp_path):
    html = build_report(load_case(make_case()), tmp_path / "out").html.read_text()
    targets = set(re.findall(r'href="#(item-[^"]+)"', html))
    anchors = set(re.findall(r'id="(item-[^"]+)"', html))
    assert targets and targets <= anchors


def test_section_that_does_not_apply_says_why(make_case, tmp_path):
    # The mini case has two parameters, not the game's: the game section explains instead of
    # failing the whole report.
    result = build_report(load_case(make_case()), tmp_path / "out")
    html = result.html.read_text()
    assert "does not apply to this case" in html
    (game,) = [s for s in result.sections if s.id == "game"]
    assert game.built and game.figures == ()
