"""The dashboard in a real browser: Debian's Chromium driven by Playwright.

One server per module (started through ``qpq serve``'s code path on a free local port),
a fresh page (a fresh Streamlit session, so defaults) per test. Screenshots go to
out/test-artifacts/. Requests that leave 127.0.0.1 are blocked and must not happen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qpq.dashboard import KEY_PARAMETERS
from tests.dashboard.browser import Guard, Server, artifact, chromium, dashboard_server, guard

pytestmark = pytest.mark.slow

EQ = ".st-key-equilibrium"
METRIC = f"{EQ} [data-testid=stMetricValue]"
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    from tests.dashboard.browser import require_chromium

    require_chromium()
    with dashboard_server() as s:
        yield s


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[tuple[Any, Guard]]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    pg = context.new_page()
    g = guard(pg)
    pg.goto(server.url)
    pg.wait_for_selector(METRIC, timeout=TIMEOUT)
    wait_charts(pg)
    yield pg, g
    context.close()


def wait_charts(pg: Any) -> None:
    for key in ("phase", "forecast"):
        pg.wait_for_selector(f".st-key-{key} canvas, .st-key-{key} svg.marks", timeout=TIMEOUT)
    wait_idle(pg)


def wait_idle(pg: Any) -> None:
    """Wait until Streamlit has finished the rerun (no stale elements, not running)."""
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]') && "
        "!document.querySelector('[data-stale=true]')", timeout=TIMEOUT)


def metrics(pg: Any) -> list[str]:
    return [t.strip() for t in pg.locator(METRIC).all_inner_texts()]


def label_line(pg: Any) -> str:
    return str(pg.locator(EQ).get_by_text("Label:").first.inner_text())


def chart_png(pg: Any, key: str) -> bytes:
    return bytes(pg.locator(f".st-key-{key} [data-testid=stVegaLiteChart]").first.screenshot())


def move_slider(pg: Any, name: str, key: str) -> None:
    slider = pg.locator("[data-testid=stSlider]", has_text=name).get_by_role("slider")
    slider.focus()
    slider.press(key)


def choose(pg: Any, label: str, option: str) -> None:
    pg.locator("[data-testid=stSelectbox]", has_text=label).first.click()
    pg.get_by_role("option", name=option, exact=True).click()


def test_page_shows_equilibrium_phase_diagram_forecast_evidence_record_and_csv(
        page: tuple[Any, Guard]) -> None:
    """The page at the defaults, read without changing it: one page load for three checks.

    A fresh page at the defaults took 3.3-4.5 s to show its charts (measured 2026-12-06;
    Streamlit's cached run of the script takes 0.5-0.8 s of it, Chromium's drawing most of
    the rest), the CI machine has two cores, and these checks leave the settings as they
    found them.
    """
    pg, g = page
    _defaults_shown(pg, g)
    _record_charts_drawn(pg, g)
    _csv_downloads(pg, g)


def _defaults_shown(pg: Any, g: Guard) -> None:
    # nothing above the title: Streamlit's "magic" once drew an attribute's docstring there
    main = pg.locator("[data-testid=stMain]").inner_text().strip()
    assert main.startswith("qpq — the China–Taliban quid pro quo, what-if"), main[:200]
    assert "engage without recognition" in label_line(pg)
    assert "Engage[no_promise]" in label_line(pg)
    values = metrics(pg)
    assert values[0] == "0.124"  # P(recognised) at the defaults (docs/model-game.md A.2)
    assert pg.locator(f"{EQ} table").inner_text().count("harbour") == 2
    assert pg.locator(".st-key-forecast table").inner_text().count(
        "uncalibrated (assumption-driven)") == 7
    assert "`un-2024-monitoring-team`" not in pg.locator(".st-key-evidence").inner_text()
    # wait for it (count() does not): the evidence panel renders after the tables above, and
    # a clean-clone CI run once read it before it was drawn (2026-12-05)
    pg.locator(".st-key-evp_prior_sincere").get_by_text(
        "un-2024-monitoring-team").first.wait_for(timeout=TIMEOUT)
    # the count `qpq game solve` prints (docs/user-guide.md quotes 17 and 7)
    from qpq.dashboard import Context
    from qpq.game import solve

    sol = solve(Context.load().registry.defaults())
    count = f"{sol.n_equilibria} PBE found, {len(sol.pure_equilibria)} of them pure"
    assert count in pg.locator(EQ).inner_text()
    pg.screenshot(path=artifact("dashboard-defaults.png"))
    assert g.blocked == [], f"requests left 127.0.0.1: {g.blocked}"
    assert g.console_errors == [] and g.page_errors == []


def test_slider_changes_numbers_and_charts(page: tuple[Any, Guard]) -> None:
    pg, g = page
    before = metrics(pg)
    phase_before, fan_before = chart_png(pg, "phase"), chart_png(pg, "forecast")
    move_slider(pg, "iskp_pull", "End")  # the strongest pull ISKP's range allows
    pg.wait_for_function(f"() => document.querySelector('{EQ}').innerText.includes('boycott')",
                         timeout=TIMEOUT)
    wait_charts(pg)
    after = metrics(pg)
    assert "Label: boycott" in label_line(pg)
    assert after != before
    assert after[0] == "0.000"  # no recognition after a boycott
    assert float(after[2]) > float(before[2])  # more defection to ISKP
    assert chart_png(pg, "phase") != phase_before  # the mark moved
    assert chart_png(pg, "forecast") != fan_before
    pg.screenshot(path=artifact("dashboard-iskp-pull-max.png"))
    assert g.blocked == [] and g.console_errors == [] and g.page_errors == []


def test_choosing_another_policy(page: tuple[Any, Guard]) -> None:
    pg, g = page
    events_before = pg.locator(".st-key-forecast table").inner_text()
    choose(pg, "policy", "recognise")
    pg.wait_for_selector(".st-key-committed", timeout=TIMEOUT)
    wait_charts(pg)
    committed = pg.locator(".st-key-committed").inner_text()
    assert "China commits to Recognize" in committed
    assert "recognition withdrawn" in committed
    assert "Forecast under 'recognise'" in pg.locator(".st-key-forecast").inner_text()
    assert pg.locator(".st-key-forecast table").inner_text() != events_before
    pg.screenshot(path=artifact("dashboard-policy-recognise.png"))
    assert g.blocked == [] and g.console_errors == [] and g.page_errors == []


def test_model_switch_shows_the_relationship(page: tuple[Any, Guard], server: Server) -> None:
    pg, g = page
    # the smallest grid (5 x 5): v2's diagram solves the relationship at every point
    pg.goto(f"{server.url}/?grid=5")
    pg.wait_for_selector(".st-key-phase", timeout=TIMEOUT)
    wait_charts(pg)
    pg.locator(f"{EQ} [data-testid=stRadio]").get_by_text("v2: repeated relationship").click()
    pg.wait_for_function(
        f"() => document.querySelector('{EQ}').innerText.includes('Hold-up')", timeout=TIMEOUT)
    wait_charts(pg)
    panel = pg.locator(EQ).inner_text()
    assert "repeated relationship (model v2)" in panel
    assert "unrecognised" in panel and "recognised" in panel
    assert "Engage[no_promise]" in panel           # docs/model-game.md §11 at the defaults
    assert "the hold-up persists" in panel
    assert "Label:" not in panel                   # v1's round is not shown
    # the phase diagram follows the switch (a coarser grid: each point is a relationship)
    pg.wait_for_function(
        "() => document.querySelector('.st-key-phase').innerText.includes('Model v2: at most')",
        timeout=TIMEOUT)
    # nothing but the page's own words above the title (a bare string in the app's script
    # would be printed by Streamlit's magic)
    assert "model switch" not in pg.locator("body").inner_text()
    pg.screenshot(path=artifact("dashboard-model-v2.png"))
    choose(pg, "policy", "boycott")                # a fixed policy: China committed in v2
    pg.wait_for_selector(".st-key-committed", timeout=TIMEOUT)
    wait_charts(pg)
    assert ("China commits to Boycott while unrecognised"
            in pg.locator(".st-key-committed").inner_text())
    choose(pg, "policy", "equilibrium")
    pg.wait_for_selector(".st-key-committed", state="detached", timeout=TIMEOUT)
    wait_charts(pg)
    pg.locator(f"{EQ} [data-testid=stRadio]").get_by_text("v1: one round").click()
    pg.wait_for_function(
        f"() => document.querySelector('{EQ}').innerText.includes('Label:')", timeout=TIMEOUT)
    assert "engage without recognition" in label_line(pg)
    pg.wait_for_function(
        "() => !document.querySelector('.st-key-phase').innerText.includes('Model v2: at most')",
        timeout=TIMEOUT)
    assert g.blocked == [] and g.console_errors == [] and g.page_errors == []


def slider_value(pg: Any, name: str) -> float:
    slider = pg.locator("[data-testid=stSlider]", has_text=name)
    return float(slider.locator("[data-testid=stSliderThumbValue]").inner_text())


def query(pg: Any) -> dict[str, str]:
    from urllib.parse import parse_qs, urlsplit

    return {k: v[-1] for k, v in parse_qs(urlsplit(pg.url).query).items()}


def test_evidence_panel_opens_on_the_same_page(page: tuple[Any, Guard], server: Server
                                               ) -> None:
    pg, g = page
    move_slider(pg, "iskp_pull", "End")  # a changed slider must survive opening evidence
    pg.wait_for_function(f"() => document.querySelector('{EQ}').innerText.includes('boycott')",
                         timeout=TIMEOUT)
    wait_idle(pg)
    pg.locator(".st-key-evp_prior_sincere").get_by_text("roggio-2024-lwj", exact=True).click()
    detail = pg.locator(".st-key-evidence-detail")
    detail.get_by_text("Al Qaeda opens 8 new training camps").first.wait_for(timeout=TIMEOUT)
    wait_idle(pg)
    text = detail.inner_text()
    assert "Bill Roggio (2024-02-01). Al Qaeda opens 8 new training camps" in text  # citation
    assert "Long War Journal." in text
    assert "prior_sincere" in text  # the parameters that cite it
    href = detail.locator("a[href^='https://']").first
    assert href.get_attribute("href") == (
        "https://www.longwarjournal.org/archives/2024/02/al-qaeda-opens-8-new-training-camps-"
        "5-madrasas-and-a-facilitation-network-to-iran-in-afghanistan.php")
    # same page, same session: the slider kept its value, the URL names the item
    assert len(pg.context.pages) == 1
    assert slider_value(pg, "iskp_pull") == 3.0 and "Label: boycott" in label_line(pg)
    assert query(pg)["evidence"] == "roggio-2024-lwj" and query(pg)["iskp_pull"] == "3"
    # any id can be chosen; a quantity shows the words its source states
    pg.locator("[data-testid=stSelectbox]", has_text="evidence item").first.click()
    pg.keyboard.type("q-uyghurs-in-badakhshan")  # 600-odd ids: the list filters as one types
    pg.get_by_role("option", name="q-uyghurs-in-badakhshan", exact=True).click()
    detail.locator("blockquote").first.wait_for(timeout=TIMEOUT)
    assert "hundreds" in detail.locator("blockquote").first.inner_text()
    assert query(pg)["evidence"] == "q-uyghurs-in-badakhshan"
    # the panel stays in view beside the list: an id far down opens where one looks
    last = pg.locator(".st-key-evp_econ_gain button").first
    wanted = last.inner_text().strip()
    last.click()
    pg.wait_for_function(f"() => new URLSearchParams(location.search).get('evidence') === "
                         f"'{wanted}'", timeout=TIMEOUT)
    wait_idle(pg)
    assert wanted in detail.inner_text()
    box, view = detail.bounding_box(), pg.viewport_size
    # (without the sticky panel it sat some 2,000 px above the clicked id)
    assert box["y"] + box["height"] > 200 and box["y"] < view["height"], box
    assert slider_value(pg, "iskp_pull") == 3.0
    pg.screenshot(path=artifact("dashboard-evidence-panel.png"))
    assert g.blocked == [] and g.console_errors == [] and g.page_errors == []


def test_settings_restored_from_a_url(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    pg = context.new_page()
    g = guard(pg)
    pg.goto(f"{server.url}/?policy=boycott&iskp_pull=0.5&prior_sincere=0.45&model=v1"
            "&x=prior_sincere&y=iskp_pull&seed=abc&evidence=un-2024-monitoring-team")
    pg.wait_for_selector(".st-key-committed", timeout=TIMEOUT)
    wait_charts(pg)
    assert slider_value(pg, "iskp_pull") == 0.5
    assert slider_value(pg, "prior_sincere") == 0.45
    assert "China commits to Boycott" in pg.locator(".st-key-committed").inner_text()
    assert "Forecast under 'boycott'" in pg.locator(".st-key-forecast").inner_text()
    assert "prior_sincere × iskp_pull" in pg.locator(".st-key-phase").inner_text()
    assert "Letter dated 23 January 2024" in pg.locator(".st-key-evidence-detail").inner_text()
    warning = pg.locator(".st-key-url-problems").inner_text()
    assert "seed='abc' ignored: expected a whole number" in warning and "default 0" in warning
    q = query(pg)  # every control written back, the bad seed replaced by its default
    assert q["policy"] == "boycott" and q["iskp_pull"] == "0.5" and q["seed"] == "0"
    assert q["x"] == "prior_sincere" and q["run"] == "whatif" and q["grid"] == "21"
    move_slider(pg, "iskp_pull", "Home")
    pg.wait_for_function("() => location.search.includes('iskp_pull=0&')", timeout=TIMEOUT)
    pg.screenshot(path=artifact("dashboard-from-url.png"))
    # a horizon before the record's last day is the calibrated mode's (a past window): the
    # what-if says so in place of its forecast, and the rest of the page stays
    move_slider(pg, "horizon (end of year)", "Home")
    pg.wait_for_selector(".st-key-horizon-problem", timeout=TIMEOUT)
    wait_idle(pg)
    warning = pg.locator(".st-key-horizon-problem").inner_text()
    assert "start after the record's last day" in warning and "calibrated as of a date" in warning
    assert pg.locator(".st-key-forecast [data-testid=stVegaLiteChart]").count() == 0
    assert pg.locator(".st-key-phase [data-testid=stVegaLiteChart]").count() == 1
    assert query(pg)["until"] == "2002"
    context.close()
    assert g.blocked == [] and g.console_errors == [] and g.page_errors == []


def _csv_downloads(pg: Any, g: Guard) -> None:
    import csv
    import io

    rows = [r.split("\t")[0].strip() for r in
            pg.locator(".st-key-forecast table tbody tr").all_inner_texts() if r.strip()]
    with pg.expect_download() as info:
        pg.locator(".st-key-csv_forecast-events button").click()
    download = info.value
    assert download.suggested_filename == "forecast-events.csv"
    table = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert table[0] == ["event", "value", "low_90", "high_90", "unit", "status", "what",
                        "window"]
    assert [r[0] for r in table[1:]] == rows and len(rows) == 7
    for r in table[1:]:
        assert float(r[1]) >= 0 and r[5] == "uncalibrated (assumption-driven)"
        assert r[7] == "2025Q3–2030Q4"
    with pg.expect_download() as info:
        pg.locator(".st-key-csv_equilibrium-efforts button").click()
    efforts = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert efforts == [["Taliban type", "effort"], ["S,H", "crackdown"], ["S,L", "restrain"],
                       ["I,H", "harbour"], ["I,L", "harbour"]]
    assert g.blocked == [] and g.console_errors == [] and g.page_errors == []


def test_values_that_break_an_ordering_are_explained(page: tuple[Any, Guard]) -> None:
    pg, _ = page
    move_slider(pg, "capacity_low", "End")     # 0.6
    wait_idle(pg)
    move_slider(pg, "capacity_high", "Home")   # 0.4 < capacity_low
    pg.wait_for_selector(".st-key-problems", timeout=TIMEOUT)
    # the keyed container is drawn in place of the panels before the rerun ends, and for a
    # moment still holds their stale elements (a clean-clone CI run read the equilibrium
    # panel's text there, 2026-12-06): read it once Streamlit is idle
    wait_idle(pg)
    text = pg.locator(".st-key-problems").inner_text()
    assert "capacity_low=0.6, capacity_high=0.4" in text
    pg.screenshot(path=artifact("dashboard-invalid-point.png"))


def slider_input(pg: Any, name: str) -> Any:
    return pg.locator("[data-testid=stSlider]", has_text=name).locator("input[type=range]")


def disabled(pg: Any, selector: str) -> bool:
    return bool(pg.locator(selector).first.is_disabled())


def test_calibrated_mode_runs_the_as_of_forecast(page: tuple[Any, Guard]) -> None:
    pg, g = page
    fan_before = chart_png(pg, "forecast")
    date = "[data-testid=stDateInput] input"
    assert not slider_input(pg, "iskp_pull").is_disabled()
    assert disabled(pg, date)  # "as of" applies to the calibrated forecast only
    pg.locator("[data-testid=stRadio]", has_text="run").get_by_text(
        "calibrated as of a date").click()
    pg.wait_for_function(
        "() => document.querySelector('.st-key-forecast').innerText.includes("
        "'Calibrated forecast as of 2025-06-30')", timeout=3 * TIMEOUT)
    wait_charts(pg)
    assert pg.locator("[data-testid=stDateInput]", has_text="as of").count() == 1
    # the sliders, "more sliders" and reset do not apply: locked, with the reason
    for name in KEY_PARAMETERS:
        assert slider_input(pg, name).is_disabled(), name
    for name in ("grid points per axis", "horizon (end of year)"):  # these still apply
        assert not slider_input(pg, name).is_disabled(), name
    assert disabled(pg, "[data-testid=stButton] button:has-text('reset to defaults')")
    assert disabled(pg, "[data-testid=stMultiSelect] input")
    assert "the sliders do not apply" in pg.locator(".st-key-locked").inner_text()
    assert not disabled(pg, date)
    assert query(pg)["run"] == "calibrated"
    text = pg.locator(".st-key-forecast").inner_text()
    # the default calibration, qpq sim forecast's: on the whole record known then
    assert "the calibration on the record known then" in text and "attacks 120" in text
    assert "The sliders do not apply in this mode." in text
    # the record bears on every event (attack counts on the attack events, the estimates on
    # ISKP and the militants, milestones and facts on recognition): none is without evidence
    # here, where from the stylised facts alone the attack and ISKP events were; each label
    # also says whether the event's parameters were constrained (which of the three depends
    # on this small calibration's result, so any of them may show)
    table = pg.locator(".st-key-forecast table").inner_text()
    assert table.count("uncalibrated (assumption-driven)") == 0
    rows = [r for r in pg.locator(".st-key-forecast table tbody tr").all_inner_texts()
            if r.strip()]
    assert len(rows) == 7
    for row in rows:
        assert "calibrated" in row or "evidence seen, parameters unconstrained" in row, row
    # issue 16 item 4: each event's backtest skill and calibration constraint, with the
    # caption that says what skill is and which dated table it comes from
    head = pg.locator(".st-key-forecast table thead").inner_text()
    assert "skill vs climatology / persistence" in head and "parameters constrained" in head
    assert table.count("no backtest") == 3  # the three militant events have no record event
    assert "(crps)" in table and "(brier)" in table
    assert "below 0 the baseline does better" in text and "model v1's backtest" in text
    assert "calibrated on the record as this forecast is" in text
    with pg.expect_download() as info:
        pg.locator(".st-key-csv_forecast-events button").click()
    header = Path(info.value.path()).read_text(encoding="utf-8").splitlines()[0]
    assert header == ("event,value,low_90,high_90,unit,status,skill_score,"
                      "skill_vs_climatology,skill_vs_persistence,parameters_constrained,"
                      "constrained,unconstrained,what,window")
    assert chart_png(pg, "forecast") != fan_before
    pg.screenshot(path=artifact("dashboard-calibrated.png"))
    assert g.blocked == [] and g.console_errors == [] and g.page_errors == []


def _record_charts_drawn(pg: Any, g: Guard) -> None:
    record = pg.locator(".st-key-record")
    record.scroll_into_view_if_needed()
    pg.wait_for_function(
        "() => document.querySelectorAll('.st-key-record [data-testid=stVegaLiteChart]')"
        ".length === 3", timeout=TIMEOUT)
    pg.wait_for_selector(".st-key-record canvas, .st-key-record svg.marks", timeout=TIMEOUT)
    text = record.inner_text()
    assert "The record" in text and "Attacks on Chinese nationals and interests" in text
    record.screenshot(path=artifact("dashboard-record.png"))
    assert g.blocked == [] and g.console_errors == [] and g.page_errors == []
