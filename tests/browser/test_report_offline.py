"""The HTML report in a real browser, offline: every figure renders, the console is clean.

The report is the session's built-in reduced report (the ``builtin_report`` fixture of
tests/conftest.py, shared with tests/report/test_builtin_report.py), opened from
``file://`` in Debian's Chromium with every request that is not a local file blocked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.browser import artifact, chromium, guard, require_chromium

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(builtin_report: tuple[Path, Any]) -> Path:
    require_chromium()  # fail (CI) or skip before opening the report
    html: Path = builtin_report[1].html
    return html


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def test_every_figure_renders_offline_without_console_errors(report: Path, browser: Any
                                                             ) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    g = guard(page)
    page.goto(report.as_uri())
    n_charts = page.locator("div.chart").count()
    assert n_charts >= 5, f"expected the report's figures, found {n_charts} div.chart"
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('div.chart')).every("
        "el => el.querySelector('svg, canvas'))", timeout=60_000)
    empty = page.evaluate(
        "() => Array.from(document.querySelectorAll('div.chart'))"
        ".filter(el => !el.querySelector('svg, canvas')).map(el => el.dataset.figure)")
    assert empty == []
    # A rendered figure has marks, not just an empty svg element.
    marks = page.evaluate(
        "() => Array.from(document.querySelectorAll('div.chart')).map("
        "el => el.querySelectorAll('svg .mark-rect, svg .mark-symbol, svg .mark-line, "
        "svg .mark-area, svg .mark-text, svg path, canvas').length)")
    assert all(m > 0 for m in marks), marks
    page.screenshot(path=artifact("report-offline.png"), full_page=True)
    assert g.blocked == [], f"the report asked the network for: {g.blocked}"
    assert g.console_errors == [], g.console_errors
    assert g.page_errors == [], g.page_errors
    context.close()


def test_the_record_section_draws_its_three_charts(report: Path, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    g = guard(page)
    page.goto(report.as_uri())
    charts = "div.chart[data-figure^='record-']"
    page.wait_for_function(
        f"() => document.querySelectorAll(\"{charts}\").length === 3 && Array.from("
        f"document.querySelectorAll(\"{charts}\")).every(el => el.querySelector('svg, canvas'))",
        timeout=60_000)
    figures = page.evaluate(
        f"() => Array.from(document.querySelectorAll(\"{charts}\")).map(el => el.dataset.figure)")
    assert figures == ["record-estimates", "record-attacks", "record-engagement"]
    page.locator(charts).first.scroll_into_view_if_needed()
    page.screenshot(path=artifact("report-record.png"))
    assert g.blocked == [] and g.console_errors == [] and g.page_errors == []
    context.close()


def test_map_and_quadrant_labels_do_not_overlap_as_drawn(report: Path, browser: Any) -> None:
    # The same check as tests/report/test_labels.py, on the text as Chromium lays it out in
    # its own fonts: no two data labels of the map or a perception-quadrant chart overlap.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    page.goto(report.as_uri())
    charts = "div.chart[data-figure='map'], div.chart[data-figure^='bargain-quadrants']"
    page.wait_for_function(
        f"() => Array.from(document.querySelectorAll(\"{charts}\")).every("
        "el => el.querySelector('svg .mark-text text'))", timeout=60_000)
    found = page.evaluate(
        f"() => Array.from(document.querySelectorAll(\"{charts}\")).map(el => ["
        "el.dataset.figure, Array.from(el.querySelectorAll('svg g.mark-text text'))"
        ".filter(t => !t.closest('.role-axis, .role-legend, .role-title'))"
        ".map(t => { const r = t.getBoundingClientRect();"
        " return [t.textContent, r.left, r.top, r.right, r.bottom]; })])")
    assert len(found) >= 2 and any(fig == "map" for fig, _ in found)
    for fig, boxes in found:
        assert len(boxes) >= 5, (fig, boxes)
        clashes = [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                   if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]
        assert clashes == [], (fig, clashes)
    context.close()
