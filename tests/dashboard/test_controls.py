from __future__ import annotations

import pytest

from qpq.dashboard._controls import (
    AXIS_DEFAULTS,
    KEY_PARAMETERS,
    UNCALIBRATED,
    resolve_point,
    slider_spec,
    slider_specs,
)
from qpq.dashboard._view import Context
from qpq.errors import BadInputError
from qpq.model import GAME_PARAMETERS


def test_sliders_take_ranges_defaults_and_evidence_from_the_case(ctx: Context) -> None:
    specs = slider_specs(ctx.registry)
    assert tuple(s.name for s in specs) == KEY_PARAMETERS
    for s in specs:
        p = ctx.registry[s.name]
        assert (s.low, s.high, s.default) == (p.low, p.high, p.default)
        assert s.evidence == tuple(p.evidence)
        assert s.low <= s.default <= s.high
        assert 0 < s.step <= (s.high - s.low) / 50
        assert s.name in s.help or s.description in s.help
    assert set(KEY_PARAMETERS) <= set(GAME_PARAMETERS)
    assert set(AXIS_DEFAULTS) <= set(KEY_PARAMETERS)


def test_status_says_assumption_or_evidence(ctx: Context) -> None:
    assert slider_spec(ctx.registry, "iskp_pull").status == UNCALIBRATED
    us = slider_spec(ctx.registry, "us_presence")
    assert us.status == "evidence" and "crs-2021-r46955" in us.help


@pytest.mark.parametrize(("span", "step"), [(3.0, 0.05), (0.65, 0.01), (1.0, 0.01),
                                            (10.0, 0.1), (900.0, 10.0)])
def test_steps_are_round_numbers(ctx: Context, span: float, step: float) -> None:
    from qpq.dashboard._controls import _nice_step

    assert _nice_step(span) == pytest.approx(step)


def test_integer_parameters_step_by_one(ctx: Context) -> None:
    integers = [p.name for p in ctx.registry if p.integer]
    assert integers, "the case has integer parameters (e.g. quiet_quarters)"
    s = slider_spec(ctx.registry, integers[0])
    assert s.step == 1.0 and s.decimals == 0
    assert s.clip(s.high + 5) == s.high and s.clip(s.low + 0.4) == round(s.low + 0.4)


def test_resolve_point_applies_values(ctx: Context) -> None:
    check = resolve_point(ctx.registry, {"iskp_pull": 2.5, "prior_sincere": 0.5})
    assert check.ok and check.point is not None
    assert check.point["iskp_pull"] == 2.5 and check.point["prior_sincere"] == 0.5
    assert check.point["w_security"] == ctx.registry["w_security"].default


def test_resolve_point_explains_a_broken_ordering(ctx: Context) -> None:
    check = resolve_point(ctx.registry, {"capacity_low": 0.6, "capacity_high": 0.4})
    assert not check.ok and check.point is None
    assert any("capacity_low <= capacity_high" in p for p in check.problems)


def test_resolve_point_explains_a_value_out_of_range(ctx: Context) -> None:
    check = resolve_point(ctx.registry, {"iskp_pull": 7.0})
    assert not check.ok
    assert "allowed range is [0, 3]" in check.problems[0]


def test_unknown_parameter(ctx: Context) -> None:
    with pytest.raises(BadInputError, match="did you mean iskp_pull"):
        slider_spec(ctx.registry, "iskp_pul")
