"""Dashboard: redraw time after a control change at the default ensemble (2,000 scenarios).

Goal (issue 9): at most 0.5 s on 2 cores. What is timed is what the app does on a rerun
(src/qpq/dashboard/_app.py): ``compute_view`` (validate the point, solve the game with China
free and under the policy's first move, each with the bounded mixed search as ``qpq game
solve`` runs it, the 21 × 21 phase grid, the what-if ensemble of
2,000 scenarios 1996-2030) plus ``view_charts`` and each chart's ``to_dict()`` (the Vega-Lite
JSON Streamlit sends), with the app's caching reproduced by ``functools.lru_cache`` and warm
for whatever the change does not touch. Each timed change is to a value not seen before, so
the steps it invalidates really run:

* a slider that is not an axis of the phase diagram (``prior_sincere``): game, grid and
  ensemble all recomputed — the worst case;
* a slider on an axis (``iskp_pull``): the grid is reused, game and ensemble recomputed;
* China's policy: game and ensemble recomputed, grid reused;
* the non-axis slider again with the model switch on v2: the repeated relationship and v2's
  phase grid (at most ``V2_GRID_SIZE`` points per axis) recomputed.

The whole app script is also timed in process through Streamlit's AppTest (every element
built and serialised as on a real rerun, no browser): the same ``iskp_pull`` change, so a
cost outside ``compute_view`` (a chart rebuilt on every rerun, a table serialised) shows.

Optionally end to end in Debian's Chromium (skipped with a note when Chromium or Playwright
is missing): the time from a key press on the ``iskp_pull`` slider to the page having
finished its rerun (no stale elements, charts drawn), through a local ``qpq serve``.
"""

from __future__ import annotations

import functools
import statistics
import time
from typing import Any

from qpq.dashboard._phase import PhaseGrid
from qpq.dashboard._view import (
    V2_GRID_SIZE,
    Context,
    Settings,
    Values,
    compute_view,
    view_charts,
)
from qpq.dashboard._whatif import ForecastView, WhatIfRequest

GOAL = 0.5
REPEAT = 7
N = WhatIfRequest().n


def _timed_changes(ctx: Context, changes: list[Settings], model: str = "v1") -> list[float]:
    @functools.lru_cache(maxsize=64)
    def grid(values: Values, x: str, y: str, size: int, model: str) -> PhaseGrid:
        return ctx.grid(values, x, y, size, model)

    @functools.lru_cache(maxsize=32)
    def run(values: Values, request: WhatIfRequest) -> ForecastView:
        return ctx.run(values, request)

    def redraw(s: Settings) -> None:
        view = compute_view(ctx, s, grid_fn=grid, run_fn=run)
        for chart in view_charts(view, s.variable):
            chart.to_dict()

    redraw(Settings(model=model))  # warm: the page as first shown (under the model timed)
    times = []
    for s in changes:
        start = time.perf_counter()
        redraw(s)
        times.append(time.perf_counter() - start)
    return times


def _entry(name: str, times: list[float], notes: str, goal: bool = True) -> dict[str, Any]:
    med = statistics.median(times)
    judged = (f"goal <= {GOAL} s: {'met' if med <= GOAL else 'NOT met'}" if goal else
              f"no goal (v1's {GOAL} s for comparison)")
    return {"name": name, "figure": med, "unit": "s", "peer": None, "peer_figure": None,
            "ratio": None, "n": N,
            "notes": f"{notes} Median of {len(times)} changes (max {max(times):.3f} s); "
                     f"{judged}."}


def _browser(repeat: int = 5) -> dict[str, Any]:
    name = "dashboard redraw in Chromium (iskp_pull slider, end to end)"
    try:
        from tests.dashboard.browser import chromium, chromium_path, dashboard_server
    except ImportError as exc:  # pragma: no cover - run from the repository root
        return {"name": name, "figure": None, "unit": "s", "n": N,
                "notes": f"skipped: {exc}"}
    if chromium_path() is None:
        return {"name": name, "figure": None, "unit": "s", "n": N,
                "notes": "skipped: Chromium is not installed"}
    idle = ("() => !document.querySelector('[data-testid=stStatusWidget]') && "
            "!document.querySelector('[data-stale=true]') && "
            "document.querySelectorAll('.st-key-forecast canvas, .st-key-forecast svg.marks')"
            ".length > 0")
    times = []
    with dashboard_server() as server, chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(server.url)
        page.wait_for_function(idle, timeout=60_000)
        group = page.locator("[data-testid=stSlider]", has_text="iskp_pull")
        slider = group.get_by_role("slider")
        for _ in range(repeat):
            before = group.locator("input").first.input_value()
            url = page.evaluate("() => location.href")
            start = time.perf_counter()
            slider.focus()
            slider.press("ArrowRight")
            page.wait_for_function(
                "(v) => Array.from(document.querySelectorAll('[data-testid=stSlider]')).some("
                "g => g.innerText.includes('iskp_pull') && g.querySelector('input').value !== v)",
                arg=before, timeout=60_000)
            # the rerun writes the new value to the URL: waiting for it means the rerun has
            # started (under load a fixed pause alone let the page look idle before it did)
            page.wait_for_function("(u) => location.href !== u", arg=url, timeout=60_000)
            page.wait_for_timeout(50)
            page.wait_for_function(idle, timeout=60_000)
            times.append(time.perf_counter() - start)
    return _entry(name, times, "Key press on the iskp_pull slider (a new value each time; the "
                  "grid is cached) until the page has rerun and drawn its charts, through a "
                  "local Streamlit server started by qpq serve's code path (the rerun known "
                  "to have started by the URL taking the new value); includes "
                  "Streamlit's round trip and Vega rendering (50 ms settle included).")


def _script(repeat: int = REPEAT) -> dict[str, Any]:
    """The app script rerun after an ``iskp_pull`` change, in process (AppTest)."""
    import sys
    from pathlib import Path

    from streamlit import config
    from streamlit.testing.v1 import AppTest

    import qpq.dashboard

    # as `qpq dashboard` serves it: the URL's settings go into the widgets' state on purpose,
    # which Streamlit otherwise reports with a stack trace on the first run
    key = "global.disableWidgetStateDuplicationWarning"
    config.set_option(key, qpq.dashboard.STREAMLIT_OPTIONS[key] == "true")
    # AppTest leaves its script as sys.modules["__main__"]; a process spawned later (another
    # bench module's pool) would re-import it and die, so the real one is put back
    main = sys.modules["__main__"]
    try:
        app = Path(qpq.dashboard.__file__).with_name("_app.py")
        at = AppTest.from_file(str(app), default_timeout=120).run()  # fills the caches
        times = []
        for i in range(repeat):
            (slider,) = [s for s in at.slider if s.label == "iskp_pull"]
            slider.set_value(round(0.35 + 0.3 * i, 2))
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
            if at.exception:
                raise RuntimeError(f"the app failed: {at.exception}")
    finally:
        sys.modules["__main__"] = main
    return _entry("dashboard rerun: whole app script in process (iskp_pull, AppTest)", times,
                  "iskp_pull changed: the app script run by Streamlit's AppTest, every "
                  "element built and serialised as on a real rerun (caches warm for what "
                  "the change does not touch); no browser, no network.")


def run() -> list[dict[str, Any]]:
    ctx = Context.load()
    worst = [Settings(values={"prior_sincere": 0.21 + 0.04 * i}) for i in range(REPEAT)]
    axis = [Settings(values={"iskp_pull": 0.35 + 0.3 * i}) for i in range(REPEAT)]
    policies = ["boycott", "engage_reward_if_suppressed", "recognise", "conditional",
                "plan_b_after_failure", "engage_reward_if_quiet", "engage_no_promise"]
    policy = [Settings(policy=p) for p in policies[:REPEAT]]
    out = [
        _entry("dashboard redraw: non-axis slider (game + 21x21 grid + ensemble)",
               _timed_changes(ctx, worst),
               "prior_sincere changed: compute_view (game free and committed, with the mixed "
               "search; phase grid "
               "441 points via solve_ensemble, what-if ensemble 2,000 scenarios 1996-2030) + "
               "both charts to Vega-Lite JSON; one process."),
        _entry("dashboard redraw: axis slider (grid cached)", _timed_changes(ctx, axis),
               "iskp_pull (the y axis) changed: game + ensemble recomputed, grid reused; "
               "charts to JSON; one process."),
        _entry("dashboard redraw: policy change", _timed_changes(ctx, policy),
               "China's policy changed: both games + ensemble under the new policy; grid "
               "reused; charts to JSON; one process."),
    ]
    # model v2 (the equilibrium panel's switch): the relationship and v2's phase grid, at
    # most V2_GRID_SIZE points per axis; fewer changes, each costs seconds
    v2 = [Settings(values={"prior_sincere": 0.23 + 0.04 * i}, model="v2") for i in range(3)]
    out.append(_entry(
        f"dashboard redraw under model v2: non-axis slider (relationship + "
        f"{V2_GRID_SIZE}x{V2_GRID_SIZE} v2 grid + ensemble)", _timed_changes(ctx, v2, "v2"),
        f"prior_sincere changed with the model switch on v2: compute_view (the repeated "
        f"relationship free and committed, v2's phase grid of {V2_GRID_SIZE ** 2} points via "
        f"solve_relationship with the tracing, the what-if ensemble) + both charts to "
        f"Vega-Lite JSON; one process.", goal=False))
    out.append(_script())
    out.append(_browser())
    return out


if __name__ == "__main__":  # pragma: no cover
    for e in run():
        print(e)
