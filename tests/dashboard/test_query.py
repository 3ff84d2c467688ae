"""Settings in the URL: every control written, read back, bad values reported not fatal."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from qpq.dashboard._controls import KEY_PARAMETERS, slider_specs
from qpq.dashboard._query import (
    CONTROL_KEYS,
    MODEL_DESCRIPTIONS,
    MODELS,
    Controls,
    controls_from_query,
    controls_query,
    default_controls,
    extra_choices,
)
from qpq.dashboard._view import Context
from qpq.model import MODELS as MODEL_VERSIONS


def specs_of(ctx: Context, c: Controls) -> tuple:
    return slider_specs(ctx.registry, (*KEY_PARAMETERS, *c.extra))


def test_no_parameter_shares_a_key_with_a_control(ctx: Context) -> None:
    names = {*extra_choices(ctx), *KEY_PARAMETERS}
    assert not names & set(CONTROL_KEYS)


def test_every_model_has_a_label_on_the_switch() -> None:
    # the switch offers qpq.model's models, in its order; a model added there without words
    # here fails this (its label would be the bare name), and so does a stale description
    assert set(MODEL_DESCRIPTIONS) == set(MODEL_VERSIONS)
    assert tuple(MODELS) == MODEL_VERSIONS
    assert len(set(MODELS.values())) == len(MODELS)
    for m, label in MODELS.items():
        assert label == f"{m}: {MODEL_DESCRIPTIONS[m]}"


def test_defaults_round_trip_and_every_control_is_written(ctx: Context) -> None:
    d = default_controls(ctx)
    q = controls_query(d, specs_of(ctx, d))
    assert set(CONTROL_KEYS) - {"evidence"} <= set(q)
    assert set(KEY_PARAMETERS) <= set(q)
    read = controls_from_query(q, ctx)
    assert read.problems == () and read.controls == d
    assert controls_from_query({}, ctx).controls == d


def test_changed_settings_round_trip(ctx: Context) -> None:
    d = default_controls(ctx)
    extra = ("elimination_threshold", "iskp_recruit_base")
    extra = tuple(n for n in extra if n in extra_choices(ctx))
    assert extra, "the test needs parameters outside the key ones"
    specs = slider_specs(ctx.registry, extra)
    values = {**d.values, "iskp_pull": 2.5, "prior_sincere": 0.45,
              **{s.name: s.high for s in specs}}
    c = dataclasses.replace(d, policy="boycott", extra=extra, values=values,
                            x_axis="prior_sincere", y_axis="crackdown_intensity",
                            grid_size=11, mode="calibrated", n=500, seed=7, until=2035,
                            variable="iskp_strength", as_of=dt.date(2024, 6, 30), model="v2",
                            evidence="roggio-2024-lwj")
    q = controls_query(c, specs_of(ctx, c))
    assert q["iskp_pull"] == "2.5" and q["run"] == "calibrated" and q["more"] == ",".join(extra)
    read = controls_from_query(q, ctx)
    assert read.problems == ()
    assert read.controls == c


def test_a_parameter_value_adds_its_slider(ctx: Context) -> None:
    name = extra_choices(ctx)[0]
    spec = slider_specs(ctx.registry, (name,))[0]
    read = controls_from_query({name: str(spec.high)}, ctx)
    assert read.problems == ()
    assert read.controls.extra == (name,) and read.controls.values[name] == spec.high


@pytest.mark.parametrize(("key", "value", "words"), [
    ("policy", "appease", "expected one of boycott"),
    ("seed", "abc", "expected a whole number in 0–2147483647"),
    ("n", "10", "expected a whole number in 100–50000"),
    ("grid", "20", "expected an odd whole number in 5–41"),
    ("until", "2099", "expected a whole number in 2002–2040"),
    ("as_of", "2031-01-01", "expected a date YYYY-MM-DD from 2002-01-01 to 2025-06-30 (the "
                            "record's last day)"),
    # after the record a calibrated forecast is refused (qpq.sim.check_known_by)
    ("as_of", "2025-09-30", "to 2025-06-30 (the record's last day)"),
    ("as_of", "yesterday", "expected a date"),
    ("run", "fast", "expected one of whatif, calibrated"),
    ("model", "v3", "expected one of v1, v2"),
    ("fan", "gdp", "expected one of militants_border"),
    ("iskp_pull", "99", "expected a number in [0, 3]"),
    ("iskp_pull", "nan", "expected a number in"),
    ("x", "no_such_axis", "expected one of crackdown_intensity"),
    ("evidence", "roggio-2042", "the case holds no item with that id"),
    ("colour", "red", "is neither a control"),
    ("more", "nonsense", "is not a parameter the dashboard can add"),
])
def test_bad_values_are_reported_and_fall_back_to_defaults(ctx: Context, key: str,
                                                           value: str, words: str) -> None:
    d = default_controls(ctx)
    read = controls_from_query({key: value, "policy": "boycott"} if key != "policy"
                               else {key: value}, ctx)
    assert len(read.problems) == 1 and words in read.problems[0], read.problems
    assert repr(value) in read.problems[0] or key in read.problems[0]
    expected = d if key == "policy" else dataclasses.replace(d, policy="boycott")
    assert read.controls == expected  # the rest still applies


def test_y_equal_to_x_is_refused(ctx: Context) -> None:
    read = controls_from_query({"x": "iskp_pull", "y": "iskp_pull"}, ctx)
    assert read.controls.x_axis == "iskp_pull" and read.controls.y_axis != "iskp_pull"
    assert len(read.problems) == 1 and "y='iskp_pull'" in read.problems[0]


def test_lists_take_the_last_value(ctx: Context) -> None:
    assert controls_from_query({"policy": ["boycott", "recognise"]}, ctx).controls.policy == (
        "recognise")
