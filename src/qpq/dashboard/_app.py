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

import pandas as pd
import streamlit as st

from qpq.case import web_href
from qpq.dashboard._controls import AXIS_DEFAULTS, KEY_PARAMETERS, SliderSpec, slider_specs
from qpq.dashboard._equilibrium import EquilibriumView, RelationshipView
from qpq.dashboard._evidence import (
    EVIDENCE_QUERY,
    citing_parameters,
    evidence_markdown,
    parameter_evidence,
    record_figures,
    resolve_evidence,
)
from qpq.dashboard._phase import PhaseGrid
from qpq.dashboard._view import Context, Settings, Values, compute_view, view_charts
from qpq.dashboard._whatif import FAN_VARIABLES, ForecastView, WhatIfRequest, calibrated
from qpq.model import GAME_PARAMETERS, POLICIES, UNCALIBRATED
from qpq.sim import CalibrationResult, calibrate

_args = argparse.ArgumentParser(prog="qpq-dashboard")
_args.add_argument("--case", default=None)
CASE_DIR: str | None = _args.parse_known_args(sys.argv[1:])[0].case
POLICY_TEXT = {p.name: p.description for p in POLICIES}


@st.cache_resource(show_spinner=False)
def context(case_dir: str | None) -> Context:
    """The case and registry (loaded once per server)."""
    return Context.load(case_dir)


@st.cache_resource(max_entries=64, show_spinner="solving the phase diagram …")
def grid(case_dir: str | None, values: Values, x: str, y: str, size: int) -> PhaseGrid:
    """The phase grid, cached by the other parameters' values and the axes."""
    return context(case_dir).grid(values, x, y, size)


@st.cache_resource(max_entries=32, show_spinner="running the ensemble …")
def run(case_dir: str | None, values: Values, policy: str, n: int, seed: int, until: str
        ) -> ForecastView:
    """The what-if ensemble, cached by every input."""
    request = WhatIfRequest(policy=policy, n=n, seed=seed, until=dt.date.fromisoformat(until))
    return context(case_dir).run(values, request)


@st.cache_resource(max_entries=8, show_spinner="calibrating to the stylised facts …")
def calibration(case_dir: str | None, as_of: str, draws: int, seed: int) -> CalibrationResult:
    """ABC calibration as of a date, cached."""
    return calibrate(context(case_dir).case, dt.date.fromisoformat(as_of), draws=draws,
                     replicates=8, seed=seed)


def reset(specs: tuple[SliderSpec, ...]) -> None:
    """Put every slider back to its default."""
    for s in specs:
        st.session_state[f"p_{s.name}"] = s.default


def sliders(specs: tuple[SliderSpec, ...]) -> dict[str, float]:
    """One slider per parameter; returns the values."""
    values = {}
    for s in specs:
        fmt = "%d" if s.integer else f"%.{s.decimals}f"
        values[s.name] = float(st.slider(s.name, min_value=s.low, max_value=s.high,
                                         value=s.default, step=s.step, format=fmt,
                                         key=f"p_{s.name}", help=s.help))
    return values


def show_equilibrium(v: EquilibriumView) -> None:
    """Metrics, efforts and flags of one game."""
    st.markdown(f"**{v.scope}**")
    if not v.found:
        st.warning("No PBE found at this point (flags: " + ", ".join(v.flags) + ").")
        return
    st.markdown(f"Label: **{v.label}** · China's first move: **{v.first_move}**"
                + (f" · also: {', '.join(v.secondary_labels)}" if v.secondary_labels else ""))
    a, b, c, d = st.columns(4)
    a.metric("P(recognised)", f"{v.p_recognised:.3f}")
    b.metric("P(suppressed)", f"{v.p_suppressed:.3f}")
    c.metric("P(defection)", f"{v.p_defected:.3f}", help="a squeezed militant joins ISKP")
    d.metric("security", f"{v.china_security:.3f}",
             help="China's security: minus expected harm this round and in the future "
             "(harm units)")
    st.table(pd.DataFrame({"Taliban type": [e.type_label for e in v.efforts],
                           "effort": [e.effort for e in v.efforts]}).set_index("Taliban type"))
    st.caption(f"flags: {', '.join(v.flags) or 'none'} · {v.count_text}")


# the equilibrium panel's model switch: label -> model (a comment, not a docstring:
# Streamlit's magic would print a bare string on the page)
MODELS = {"v1: one round": "v1", "v2: repeated relationship": "v2"}


def show_relationship(v: RelationshipView) -> None:
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
        values = dict(s.china_value)
        talib = dict(s.taliban_value)
        nxt = dict(s.p_recognised_next)
        st.table(pd.DataFrame({
            "Taliban type": [e.type_label for e in s.efforts],
            "effort": [e.effort for e in s.efforts],
            "value China / Taliban": [f"{values[e.type_label]:.2f} / {talib[e.type_label]:.2f}"
                                      for e in s.efforts],
            "P(recognised next)": [f"{nxt[e.type_label]:.2f}" for e in s.efforts],
        }).set_index("Taliban type"))
        st.caption("China's response: " + "; ".join(f"{g} {a}" for g, a in s.responses))
    st.markdown(f"**Hold-up:** {v.hold_up}.")


def show_evidence_page(ctx: Context, item_id: str) -> None:
    """One evidence item: what it is, its sources, the parameters that cite it."""
    with st.container(key="evidence-detail", border=True):
        try:
            item = resolve_evidence(ctx.case, item_id)
        except KeyError as exc:
            st.error(str(exc).strip("'\""))
            return
        st.subheader(f"Evidence: {item.id}")
        st.markdown(f"**{item.kind}** · {item.date or 'undated'}  \n{item.title}")
        for s in item.sources:
            href = web_href(s.url)
            link = f"[{s.url}]({href})" if href else "no URL recorded"
            st.markdown(f"- source `{s.id}`: {s.citation} — {link}")
        cited_by = citing_parameters(ctx.case, item.id)
        st.markdown("Cited by parameters: " + (", ".join(f"`{p}`" for p in cited_by)
                                                 or "none (cited by other evidence)"))
        st.markdown("[← back to the dashboard](./)")


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="qpq — what-if dashboard", layout="wide")
    ctx = context(CASE_DIR)
    reg = ctx.registry
    st.title("qpq — the China–Taliban quid pro quo, what-if")
    st.caption(f"Case: {ctx.case.meta.title}. Move the sliders (ranges are the case's "
               "plausible ranges) and choose China's policy. Numbers no evidence pins are "
               f"{UNCALIBRATED}; see the evidence panel.")
    wanted = st.query_params.get(EVIDENCE_QUERY)
    if wanted:
        show_evidence_page(ctx, wanted)

    side = st.sidebar
    with side:
        st.header("China's policy")
        names = [p.name for p in POLICIES]
        policy = st.selectbox("policy", names, index=names.index("equilibrium"), key="policy",
                              help="China's policy in the game and the ensemble")
        st.caption(POLICY_TEXT[policy])
        st.header("Parameters")
        others = [n for n in (*GAME_PARAMETERS, *(p.name for p in reg))
                  if n not in KEY_PARAMETERS]
        extra = st.multiselect("more sliders", sorted(set(others)), key="extra")
        specs = slider_specs(reg, (*KEY_PARAMETERS, *extra))
        st.button("reset to defaults", on_click=reset, args=(specs,))
        values = sliders(specs)
        st.header("Phase diagram")
        # only the game's parameters move its equilibrium; a simulator slider would give a
        # one-colour diagram (and qpq.game.analysis._sweep refuses it)
        shown = [s.name for s in specs if s.name in GAME_PARAMETERS]
        x = st.selectbox("x axis", shown, index=shown.index(AXIS_DEFAULTS[0]), key="x_axis")
        y_choices = [n for n in shown if n != x]
        y_default = AXIS_DEFAULTS[1] if AXIS_DEFAULTS[1] in y_choices else y_choices[0]
        y = st.selectbox("y axis", y_choices, index=y_choices.index(y_default), key="y_axis")
        size = st.slider("grid points per axis", 5, 41, 21, 2, key="grid_size")
        st.header("Forecast")
        mode = st.radio("run", ["what-if at these parameters", "calibrated as of a date"],
                        key="mode")
        n = int(st.number_input("scenarios", 100, 50_000, 2000, 100, key="n"))
        seed = int(st.number_input("seed", 0, 2**31 - 1, 0, 1, key="seed"))
        until = int(st.slider("horizon (end of year)", 2026, 2040, ctx.case.run.until.year,
                              key="until"))
        variable = st.selectbox("fan chart", FAN_VARIABLES, key="variable")
        as_of = ctx.case.run.forecast_as_of
        if mode != "what-if at these parameters":
            as_of = st.date_input("as of", as_of, dt.date(2002, 1, 1), dt.date(2025, 12, 31),
                                  key="as_of")

    request = WhatIfRequest(policy=policy, n=n, seed=seed, until=dt.date(until, 12, 31))
    # the panel's switch is drawn below, inside the panel; its value from the last rerun
    model = MODELS.get(st.session_state.get("model", ""), "v1")
    settings = Settings(values=values, policy=policy, x_axis=x, y_axis=y, grid_size=size,
                        request=request, variable=variable, model=model)
    what_if_mode = mode == "what-if at these parameters"
    start = time.perf_counter()
    view = compute_view(
        ctx, settings, forecast=what_if_mode,
        grid_fn=lambda v, gx, gy, k: grid(CASE_DIR, v, gx, gy, k),
        run_fn=lambda v, r: run(CASE_DIR, v, r.policy, r.n, r.seed, r.horizon.isoformat()))
    if not view.check.ok:
        with st.container(key="problems"):
            st.error("These values do not make a valid parameter point:\n\n"
                     + "\n".join(f"- {p}" for p in view.check.problems))
        return
    if not what_if_mode:
        cal = calibration(CASE_DIR, as_of.isoformat(), 1000, seed)
        view = dataclasses.replace(view, forecast=calibrated(ctx.case, cal, request))
    forecast = view.forecast
    phase, fan = view_charts(view, variable)

    left, right = st.columns([5, 6])
    with left, st.container(key="equilibrium"):
        st.subheader("Equilibrium of the one-round game" if model == "v1" else
                     "Equilibrium of the repeated relationship (model v2)")
        st.radio("model", list(MODELS), key="model", horizontal=True,
                 help="v1: the paper's one-round game (the model everything else uses); "
                 "v2: the round as the stage of a repeated relationship "
                 "(docs/model-game.md §7.5)")
        if view.relationship is not None:
            show_relationship(view.relationship)
        if view.committed_relationship is not None:
            with st.container(key="committed"):
                show_relationship(view.committed_relationship)
        if view.equilibrium is not None:
            show_equilibrium(view.equilibrium)
        if view.committed is not None:
            with st.container(key="committed"):
                show_equilibrium(view.committed)
        if model == "v1":
            with st.expander("selection rule"):
                st.write(view.equilibrium.selection_rule if view.equilibrium else "")
    with right, st.container(key="phase"):
        st.subheader("Phase diagram")
        if phase is not None:
            st.altair_chart(phase, key="phase_chart")

    with st.container(key="forecast"):
        st.subheader(f"Forecast under '{policy}'")
        if forecast is not None and fan is not None:
            st.altair_chart(fan, key="fan_chart")
            st.caption(forecast.note)
            st.table(pd.DataFrame({
                "event": [e.name for e in forecast.events],
                "value": [("—" if e.value is None else f"{e.value:.3g}")
                          + (f" [{e.interval[0]:.3g}, {e.interval[1]:.3g}]" if e.interval
                             else "") for e in forecast.events],
                "unit": [e.unit for e in forecast.events],
                "status": [e.label for e in forecast.events],
                "what": [e.description for e in forecast.events],
            }).set_index("event"))
            st.caption(f"Events over {forecast.window[0]}–{forecast.window[1]}.")

    with st.container(key="evidence"):
        st.subheader("Evidence behind each parameter")
        cols = st.columns(2)
        for i, s in enumerate(specs):
            with cols[i % 2]:
                st.markdown(evidence_markdown(parameter_evidence(ctx.case, s.name)))
    with st.container(key="record"):
        record_as_of = None if what_if_mode else as_of
        st.subheader("The record" + (f" as known on {record_as_of}" if record_as_of else ""))
        for fig in record_figures(ctx.case, record_as_of):
            st.markdown(f"**{fig.title}**")
            st.altair_chart(fig.chart, key=f"chart_{fig.id}")
            st.caption(fig.how_to_read)
    st.caption(f"Recomputed in {time.perf_counter() - start:.2f} s "
               f"(game, grid and ensemble {view.seconds:.2f} s; cached steps reused).")


main()
