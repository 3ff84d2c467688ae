"""The qpq dashboard: a Streamlit script, thin layout over :mod:`qpq.dashboard`'s functions.

Run it with ``qpq serve`` (or ``python -m streamlit run`` on this file; see
:mod:`qpq.dashboard._server`). Every computation lives in plain, tested functions
(:func:`~qpq.dashboard._view.compute_view` and the modules it calls); this script draws the
controls, calls them with Streamlit's caches around the expensive steps, and lays out the
result. Arguments after ``--``: ``--case DIR`` serves another case folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time
from typing import Any

import pandas as pd
import streamlit as st

# Streamlit's own Altair -> Vega-Lite conversion (what st.altair_chart calls before
# st.vega_lite_chart), so a chart converted once and cached draws exactly as st.altair_chart
# would draw it; private to Streamlit, pinned with it in requirements.lock (1.67.0).
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from qpq.case import web_href
from qpq.dashboard._controls import AXIS_DEFAULTS, KEY_PARAMETERS, SliderSpec, slider_specs
from qpq.dashboard._equilibrium import EquilibriumView, RelationshipView
from qpq.dashboard._evidence import (
    citing_parameters,
    evidence_ids,
    evidence_markdown,
    parameter_evidence,
    record_figures,
    resolve_evidence,
)
from qpq.dashboard._phase import PhaseGrid, phase_frame
from qpq.dashboard._query import (
    GRID_RANGE,
    MODELS,
    MODES,
    N_RANGE,
    SEED_RANGE,
    UNTIL_RANGE,
    Controls,
    as_of_range,
    controls_from_query,
    controls_query,
    extra_choices,
)
from qpq.dashboard._tables import (
    csv_bytes,
    efforts_frame,
    events_display,
    events_frame,
    state_frame,
)
from qpq.dashboard._view import (
    V2_GRID_SIZE,
    Context,
    Settings,
    Values,
    compute_view,
    view_charts,
)
from qpq.dashboard._whatif import (
    FAN_VARIABLES,
    ForecastView,
    WhatIfRequest,
    calibrated,
    fan_data,
    fan_since,
    horizon_problem,
)
from qpq.game.analysis import LABEL_KEY
from qpq.model import GAME_PARAMETERS, POLICIES, UNCALIBRATED
from qpq.sim import (
    CALIBRATION_DRAWS,
    CALIBRATION_REPLICATES,
    AbcSettings,
    CalibrationResult,
    record_calibrator,
)

_args = argparse.ArgumentParser(prog="qpq-dashboard")
_args.add_argument("--case", default=None)
CASE_DIR: str | None = _args.parse_known_args(sys.argv[1:])[0].case
POLICY_TEXT = {p.name: p.description for p in POLICIES}
RECORD_SETTINGS = AbcSettings(model="v1")
"""The calibrated mode's record calibration: ``qpq sim forecast``'s
(:class:`qpq.sim.AbcSettings`' defaults at the command's model, v1), about 10 s the first
time for a date, cached after.
Until 2026-12-06 it was the quick one (:data:`qpq.sim.QUICK_RECORD_SETTINGS`, about a
second): with its 2 game points the equilibrium policy engaged in 4.6% of the forecast's
quarters as of 2025-06-30 to 2026-06-30, against 87% with the command's 30, so the mode
contradicted the command it names."""


@st.cache_resource(show_spinner=False)
def context(case_dir: str | None) -> Context:
    """The case and registry (loaded once per server)."""
    return Context.load(case_dir)


@st.cache_resource(max_entries=64, show_spinner="solving the phase diagram …")
def grid(case_dir: str | None, values: Values, x: str, y: str, size: int, model: str
         ) -> PhaseGrid:
    """The phase grid, cached by the other parameters' values, the axes and the model."""
    return context(case_dir).grid(values, x, y, size, model)


@st.cache_resource(max_entries=64, show_spinner=False)
def game(case_dir: str | None, values: Values, policy: str | None, model: str
         ) -> EquilibriumView | RelationshipView:
    """The game at a point (with the bounded mixed search), cached.

    A rerun that does not move the point (the evidence panel, the fan chart's series ...)
    does not solve again.
    """
    return context(case_dir).game(values, policy, model)


@st.cache_resource(max_entries=32, show_spinner="running the ensemble …")
def run(case_dir: str | None, values: Values, policy: str, n: int, seed: int, until: str
        ) -> ForecastView:
    """The what-if ensemble, cached by every input."""
    request = WhatIfRequest(policy=policy, n=n, seed=seed, until=dt.date.fromisoformat(until))
    return context(case_dir).run(values, request)


@st.cache_resource(max_entries=8,
                   show_spinner="calibrating on the record (about 10 s the first time) …")
def calibration(case_dir: str | None, as_of: str, draws: int, seed: int) -> CalibrationResult:
    """The calibration on the record known at a date (``qpq sim forecast``'s kind), cached.

    The command's settings (:data:`RECORD_SETTINGS`), held in the server's memory: unlike
    the command, the dashboard writes nothing under the user's cache directory.
    """
    settings = RECORD_SETTINGS
    return record_calibrator(settings, seed=seed, points=draws,
                             replicates=CALIBRATION_REPLICATES)(
        context(case_dir).case, dt.date.fromisoformat(as_of))


@st.cache_resource(max_entries=8, show_spinner=False)
def record(case_dir: str | None, as_of: str | None
           ) -> tuple[tuple[str, str, str, dict[str, Any]], ...]:
    """The record's figures as of a date (all if ``None``): id, title, how to read, spec.

    Cached as Vega-Lite specs: building the three charts and converting them (the attack
    map carries the 80 kB basemap) cost about 0.7 s, and they depend on nothing but the date.
    """
    date = None if as_of is None else dt.date.fromisoformat(as_of)
    return tuple((f.id, f.title, f.how_to_read, _convert_altair_to_vega_lite_spec(f.chart))
                 for f in record_figures(context(case_dir).case, date))


def reset(specs: tuple[SliderSpec, ...]) -> None:
    """Put every slider back to its default."""
    for s in specs:
        st.session_state[f"p_{s.name}"] = s.default


def restore(ctx: Context) -> tuple[str, ...]:
    """On a session's first run, the controls from the URL; the URL's problems.

    The values go into the widgets' state before the widgets are drawn, so the page opens
    with them; a value that cannot be used is reported and left at its default.
    """
    state = st.session_state
    if "_url_problems" not in state:
        read = controls_from_query(st.query_params.to_dict(), ctx)
        c = read.controls
        state.update({"policy": c.policy, "extra": list(c.extra), "x_axis": c.x_axis,
                      "y_axis": c.y_axis, "grid_size": c.grid_size, "mode": MODES[c.mode],
                      "n": c.n, "seed": c.seed, "until": c.until, "variable": c.variable,
                      "as_of": c.as_of, "model": MODELS[c.model], "evidence_item": c.evidence})
        state.update({f"p_{name}": value for name, value in c.values.items()})
        state["_url_problems"] = read.problems
    return tuple(state["_url_problems"])


def sliders(specs: tuple[SliderSpec, ...], disabled: bool) -> dict[str, float]:
    """One slider per parameter; returns the values."""
    values = {}
    for s in specs:
        fmt = "%d" if s.integer else f"%.{s.decimals}f"
        values[s.name] = float(st.slider(s.name, min_value=s.low, max_value=s.high,
                                         value=s.default, step=s.step, format=fmt,
                                         key=f"p_{s.name}", help=s.help, disabled=disabled))
    return values


def download(frame: pd.DataFrame, name: str, what: str) -> None:
    """A CSV download of one table (no rerun on click)."""
    st.download_button(f"download {what} (CSV)", csv_bytes(frame), file_name=f"{name}.csv",
                       mime="text/csv", key=f"csv_{name}", on_click="ignore",
                       type="tertiary", icon=":material/download:")


def show_equilibrium(v: EquilibriumView, name: str) -> None:
    """Metrics, efforts and flags of one game."""
    st.markdown(f"**{v.scope}**")
    if not v.found:
        st.warning("No PBE found at this point (flags: " + ", ".join(v.flags) + ").")
        return
    st.markdown(f"Label: **{v.label}** · China's first move: **{v.first_move}**"
                + (f" · also: {', '.join(v.secondary_labels)}" if v.secondary_labels else ""))
    # two by two: four in a row were cut to "0.1…" in a laptop's half-screen column
    a, b = st.columns(2)
    c, d = st.columns(2)
    a.metric("P(recognised)", f"{v.p_recognised:.3f}")
    b.metric("P(suppressed)", f"{v.p_suppressed:.3f}")
    c.metric("P(defection)", f"{v.p_defected:.3f}", help="a squeezed militant joins ISKP")
    d.metric("security", f"{v.china_security:.3f}",
             help="China's security: minus expected harm this round and in the future "
             "(harm units)")
    frame = efforts_frame(v)
    st.table(frame.set_index("Taliban type"))
    download(frame, name, "efforts")
    st.caption(f"flags: {', '.join(v.flags) or 'none'} · {v.count_text}")


def show_relationship(v: RelationshipView, name: str) -> None:
    """Model v2's equilibrium per state, its values and the hold-up."""
    st.markdown(f"**{v.scope}** · found by {v.found_by}"
                + ("" if v.pure else f", mixed (regret {v.regret:.3g})"))
    a, b = st.columns(2)
    a.metric("China's value", f"{v.china_value:.2f}",
             help="discounted value of the relationship from the unrecognised state at "
             "China's prior (harm units)")
    b.metric("δ per quarter", f"{v.discount:g}")
    for s in v.states:
        st.markdown(f"**{s.name}** · China: **{s.first_move}**")
        frame = state_frame(s)
        st.table(frame.set_index("Taliban type").style.format(precision=2))
        download(frame, f"{name}-{s.name}", f"the {s.name} state")
        st.caption("China's response: " + "; ".join(f"{g} {a}" for g, a in s.responses))
    st.markdown(f"**Hold-up:** {v.hold_up}.")


def pick(name: str, all_pills: tuple[str, ...]) -> None:
    """A parameter's evidence id was chosen: open it in the panel, clear the choices."""
    chosen = st.session_state.get(f"evp_{name}")
    if chosen:
        st.session_state["evidence_item"] = chosen
    for key in all_pills:
        st.session_state[key] = None


def show_evidence_item(ctx: Context, item_id: str) -> None:
    """One evidence item in the panel: what it is, its words, sources and citing parameters."""
    try:
        item = resolve_evidence(ctx.case, item_id)
    except KeyError as exc:
        st.error(str(exc).strip("'\""))
        return
    st.markdown(f"**{item.id}** · {item.kind} · {item.date or 'undated'}  \n{item.title}")
    if item.quote:
        st.markdown(f"> {item.quote}")
        st.caption("the source's words, as the case file records them")
    if item.note:
        st.caption(item.note)
    for s in item.sources:
        href = web_href(s.url)
        link = f"[{s.url}]({href})" if href else "no URL recorded"
        st.markdown(f"- source `{s.id}`: {s.citation} — {link}")
    cited_by = citing_parameters(ctx.case, item.id)
    st.markdown("Cited by parameters: " + (", ".join(f"`{p}`" for p in cited_by)
                                             or "none (cited by other evidence)"))


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="qpq — what-if dashboard", layout="wide")
    ctx = context(CASE_DIR)
    reg = ctx.registry
    st.title("qpq — the China–Taliban quid pro quo, what-if")
    st.caption(f"Case: {ctx.case.meta.title}. Move the sliders (ranges are the case's "
               "plausible ranges) and choose China's policy. Numbers no evidence pins are "
               f"{UNCALIBRATED}; see the evidence panel. The URL keeps every setting: "
               "copy it to share this view.")
    problems = restore(ctx)
    if problems:
        with st.container(key="url-problems"):
            st.warning("Some settings in the URL could not be used; the defaults stand in "
                       "for them:\n\n" + "\n".join(f"- {p}" for p in problems))
    # the forecast's mode decides which controls apply; its radio is drawn further down,
    # its value (updated before this rerun) is read here
    what_if_mode = st.session_state.get("mode", MODES["whatif"]) == MODES["whatif"]

    side = st.sidebar
    with side:
        st.header("China's policy")
        names = [p.name for p in POLICIES]
        policy = st.selectbox("policy", names, index=names.index("equilibrium"), key="policy",
                              help="China's policy in the game and the ensemble")
        st.caption(POLICY_TEXT[policy])
        st.header("Parameters")
        if not what_if_mode:
            with st.container(key="locked"):
                st.caption("Locked in calibrated mode: the forecast draws its parameters "
                           "from the calibration, so the sliders do not apply to it; the game "
                           "panel and the phase diagram stay at the point shown. Choose "
                           "\"what-if at these parameters\" to move them.")
        extra = st.multiselect("more sliders", extra_choices(ctx), key="extra",
                               disabled=not what_if_mode)
        specs = slider_specs(reg, (*KEY_PARAMETERS, *extra))
        st.button("reset to defaults", on_click=reset, args=(specs,), disabled=not what_if_mode)
        values = sliders(specs, disabled=not what_if_mode)
        st.header("Phase diagram")
        # only the game's parameters move its equilibrium; a simulator slider would give a
        # one-colour diagram (and qpq.game.analysis._sweep refuses it)
        shown = [s.name for s in specs if s.name in GAME_PARAMETERS]
        # an axis whose slider was removed falls back to the default axis
        if st.session_state.get("x_axis") not in shown:
            st.session_state["x_axis"] = AXIS_DEFAULTS[0]
        x = st.selectbox("x axis", shown, key="x_axis")
        y_choices = [n for n in shown if n != x]
        if st.session_state.get("y_axis") not in y_choices:
            st.session_state["y_axis"] = (AXIS_DEFAULTS[1] if AXIS_DEFAULTS[1] in y_choices
                                          else y_choices[0])
        y = st.selectbox("y axis", y_choices, key="y_axis")
        size = st.slider("grid points per axis", GRID_RANGE[0], GRID_RANGE[1], 21, 2,
                         key="grid_size")
        st.header("Forecast")
        mode = st.radio("run", list(MODES.values()), key="mode")
        n = int(st.number_input("scenarios", N_RANGE[0], N_RANGE[1], 2000, 100, key="n"))
        seed = int(st.number_input("seed", SEED_RANGE[0], SEED_RANGE[1], 0, 1, key="seed"))
        until = int(st.slider("horizon (end of year)", UNTIL_RANGE[0], UNTIL_RANGE[1],
                              ctx.case.run.until.year, key="until",
                              help="the end of the events' window; a year before the "
                              "record's last day needs the calibrated mode with an earlier "
                              "as-of date (a past window, shown beside what the record "
                              "shows)"))
        variable = st.selectbox("fan chart", FAN_VARIABLES, key="variable")
        first, last = as_of_range(ctx.case)
        as_of = st.date_input("as of", ctx.case.run.forecast_as_of, first, last,
                              key="as_of", disabled=what_if_mode,
                              help="the calibrated forecast's date")
        if what_if_mode:
            st.caption("\"as of\" applies to the calibrated forecast only.")
        else:
            # a date typed outside the range is outlined in red and not taken, without a word
            # from Streamlit (found 2026-12-07)
            st.caption(f"\"as of\": from {first} to {last}, the record's last day; a date "
                       "outside is not taken.")

    # the panel's switch and the evidence panel are drawn below; their values from the
    # last rerun (or the URL)
    model_label = st.session_state.get("model", MODELS["v1"])
    model = next((k for k, v in MODELS.items() if v == model_label), "v1")
    mode_key = next(k for k, v in MODES.items() if v == mode)
    controls = Controls(policy=policy, extra=tuple(extra), values=values, x_axis=x, y_axis=y,
                        grid_size=size, mode=mode_key, n=n, seed=seed, until=until,
                        variable=variable, as_of=as_of, model=model,
                        evidence=st.session_state.get("evidence_item"))
    st.query_params.from_dict(controls_query(controls, specs))

    request = WhatIfRequest(policy=policy, n=n, seed=seed, until=dt.date(until, 12, 31))
    # a horizon the mode cannot reach leaves the forecast out, with the reason, not the page
    unreachable = horizon_problem(ctx.case, request.horizon, None if what_if_mode else as_of)
    settings = Settings(values=values, policy=policy, x_axis=x, y_axis=y, grid_size=size,
                        request=request, variable=variable, model=model)
    start = time.perf_counter()
    view = compute_view(
        ctx, settings, forecast=what_if_mode and unreachable is None,
        grid_fn=lambda v, gx, gy, k, m: grid(CASE_DIR, v, gx, gy, k, m),
        run_fn=lambda v, r: run(CASE_DIR, v, r.policy, r.n, r.seed, r.horizon.isoformat()),
        game_fn=lambda v, p, m: game(CASE_DIR, v, p, m))
    if not view.check.ok:
        with st.container(key="problems"):
            st.error("These values do not make a valid parameter point:\n\n"
                     + "\n".join(f"- {p}" for p in view.check.problems))
        return
    if not what_if_mode and unreachable is None:
        cal = calibration(CASE_DIR, as_of.isoformat(), CALIBRATION_DRAWS, seed)
        view = dataclasses.replace(view, forecast=calibrated(ctx.case, cal, request))
    forecast = view.forecast
    phase, fan = view_charts(view, variable)

    left, right = st.columns([5, 6])
    with left, st.container(key="equilibrium"):
        st.subheader("Equilibrium of the one-round game" if model == "v1" else
                     "Equilibrium of the repeated relationship (model v2)")
        st.radio("model", list(MODELS.values()), key="model", horizontal=True,
                 help="v1: the paper's one-round game (the model everything else uses); "
                 "v2: the round as the stage of a repeated relationship "
                 "(docs/model-game.md §7.5)")
        if view.relationship is not None:
            show_relationship(view.relationship, "relationship")
        if view.committed_relationship is not None:
            with st.container(key="committed"):
                show_relationship(view.committed_relationship, "committed-relationship")
        if view.equilibrium is not None:
            show_equilibrium(view.equilibrium, "equilibrium-efforts")
        if view.committed is not None:
            with st.container(key="committed"):
                show_equilibrium(view.committed, "committed-efforts")
        if model == "v1":
            with st.expander("selection rule"):
                st.write(view.equilibrium.selection_rule if view.equilibrium else "")
    with right, st.container(key="phase"):
        st.subheader("Phase diagram")
        if phase is not None and view.grid is not None:
            st.altair_chart(phase, key="phase_chart")
            download(phase_frame(view.grid), "phase-diagram", "the diagram's grid")
            if view.grid.model == "v2":
                st.caption(f"Model v2: at most {V2_GRID_SIZE} points per axis (each point "
                           f"solves the repeated relationship). {LABEL_KEY}.")

    with st.container(key="forecast"):
        st.subheader(f"Forecast under '{policy}'")
        if unreachable is not None:
            with st.container(key="horizon-problem"):
                st.warning(unreachable)
        if forecast is not None and fan is not None:
            st.altair_chart(fan, key="fan_chart")
            download(fan_data(forecast.sim, variable, fan_since(forecast)), f"fan-{variable}",
                     "the chart's bands")
            st.caption(forecast.note)
            events = events_frame(forecast)
            st.table(events_display(events).set_index("event"))
            download(events, "forecast-events", "the events")
            st.caption(f"Events over {forecast.window[0]}–{forecast.window[1]}.")
            if forecast.record:
                st.caption(forecast.record[0].window_words(ctx.case.run.forecast_as_of,
                                                           as_of))
            if forecast.skill_note:
                st.caption(forecast.skill_note)

    with st.container(key="evidence"):
        # the panel stays in view while the list beside it scrolls (a style, no content)
        st.html("<style>[data-testid=stColumn]:has(.st-key-evidence-detail) "
                "{position: sticky; top: 4rem; align-self: flex-start;}</style>")
        st.subheader("Evidence behind each parameter")
        listing, panel = st.columns([3, 2])
        evidence_of = [parameter_evidence(ctx.case, s.name) for s in specs]
        pills = tuple(f"evp_{pe.name}" for pe in evidence_of if evidence_ids(pe))
        with listing:
            for pe in evidence_of:
                st.markdown(evidence_markdown(pe))
                ids = evidence_ids(pe)
                if ids:
                    st.pills(f"show evidence of {pe.name}", ids, key=f"evp_{pe.name}",
                             on_change=pick, args=(pe.name, pills),
                             label_visibility="collapsed")
        with panel, st.container(key="evidence-detail", border=True):
            st.markdown("**Evidence panel**")
            st.selectbox("evidence item", sorted(ctx.case.by_id), index=None,
                         key="evidence_item",
                         placeholder="choose an id, or click one on the left",
                         help="any item of the case file; its sources, citation and URL "
                         "show here, on the same page")
            chosen = st.session_state.get("evidence_item")
            if chosen:
                show_evidence_item(ctx, chosen)
    with st.container(key="record"):
        # the charts fit a 1280-px window's column; a narrower one scrolls them sideways
        # rather than cutting their right edge (a style, no content)
        st.html("<style>.st-key-record [data-testid=stFullScreenFrame] "
                "{overflow-x: auto;}</style>")
        record_as_of = None if what_if_mode else as_of
        st.subheader("The record" + (f" as known on {record_as_of}" if record_as_of else ""))
        as_of_key = None if record_as_of is None else record_as_of.isoformat()
        for fig_id, title, how_to_read, spec in record(CASE_DIR, as_of_key):
            st.markdown(f"**{title}**")
            st.vega_lite_chart(spec=spec, key=f"chart_{fig_id}")
            st.caption(how_to_read)
    st.caption(f"Recomputed in {time.perf_counter() - start:.2f} s "
               f"(game, grid and ensemble {view.seconds:.2f} s; cached steps reused).")


main()
