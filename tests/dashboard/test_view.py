from __future__ import annotations

import functools

import pytest

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

SMALL = WhatIfRequest(n=200, series_sample=50)


def test_compute_view_at_the_defaults(ctx: Context) -> None:
    view = compute_view(ctx, Settings(request=SMALL, grid_size=5))
    assert view.check.ok and view.equilibrium is not None and view.committed is None
    assert view.equilibrium.label == "engage without recognition"
    assert view.grid is not None and view.grid.labels.shape == (5, 5)
    assert view.current == (1.0, 1.0) and view.forecast is not None
    phase, fan = view_charts(view, "iskp_strength")
    assert phase is not None and fan is not None


def test_a_fixed_policy_adds_the_committed_game(ctx: Context) -> None:
    view = compute_view(ctx, Settings(policy="boycott", request=SMALL, grid_size=5))
    assert view.committed is not None and view.committed.label == "boycott"
    assert view.forecast is not None and view.forecast.sim.spec.policy == "boycott"


def test_model_v2_shows_the_relationship_instead_of_the_round(ctx: Context) -> None:
    models: list[str] = []

    def grid(values: Values, x: str, y: str, size: int, model: str) -> PhaseGrid:
        models.append(model)     # the grid's content: tests/dashboard/test_phase.py
        return ctx.grid(values, x, y, 2, "v1")

    view = compute_view(ctx, Settings(model="v2", policy="boycott", request=SMALL,
                                      grid_size=3), forecast=False, grid_fn=grid)
    assert view.relationship is not None
    assert models == ["v2"]        # the phase diagram follows the switch
    assert view.equilibrium is None and view.committed is None
    assert [s.name for s in view.relationship.states] == ["unrecognised", "recognised"]
    # the policy commits China to Boycott while unrecognised
    c = view.committed_relationship
    assert c is not None and c.scope == "China commits to Boycott while unrecognised"
    assert c.states[0].first_move == "Boycott"
    assert all(p == 0.0 for _, p in c.states[0].p_recognised_next)
    v1 = compute_view(ctx, Settings(request=SMALL, grid_size=5), forecast=False,
                      grid_fn=grid)
    assert v1.relationship is None and v1.equilibrium is not None
    assert models == ["v2", "v1"]


def test_model_v2_caps_the_grid_and_keys_it_by_model(ctx: Context) -> None:
    calls: list[tuple[int, str]] = []

    def grid(values: Values, x: str, y: str, size: int, model: str) -> PhaseGrid:
        calls.append((size, model))
        return ctx.grid(values, x, y, 2, "v1")   # any grid: only the call is checked

    game = functools.lru_cache(maxsize=4)(ctx.game)      # each model's game solved once
    for model, size in (("v2", 21), ("v2", 5), ("v1", 21)):
        compute_view(ctx, Settings(model=model, grid_size=size), grid_fn=grid,
                     game_fn=game, forecast=False)
    assert calls == [(V2_GRID_SIZE, "v2"), (5, "v2"), (21, "v1")]


def test_invalid_values_stop_before_any_work(ctx: Context) -> None:
    calls: list[str] = []

    def grid(*a: object) -> PhaseGrid:
        calls.append("grid")
        raise AssertionError("not reached")

    view = compute_view(ctx, Settings(values={"capacity_low": 0.6, "capacity_high": 0.4}),
                        grid_fn=grid)
    assert not view.check.ok and view.equilibrium is None and calls == []
    assert view_charts(view, "iskp_strength") == (None, None)


def test_moving_an_axis_reuses_the_cached_grid(ctx: Context) -> None:
    grid_calls: list[Values] = []

    @functools.lru_cache(maxsize=8)
    def grid(values: Values, x: str, y: str, size: int, model: str) -> PhaseGrid:
        grid_calls.append(values)
        return ctx.grid(values, x, y, size, model)

    def run(values: Values, request: WhatIfRequest) -> ForecastView:
        return ctx.run(values, request)

    for pull in (1.0, 2.0, 3.0):  # iskp_pull is the y axis
        v = compute_view(ctx, Settings(values={"iskp_pull": pull}, request=SMALL, grid_size=5),
                         grid_fn=grid, run_fn=run)
        assert v.current == (1.0, pull)
    assert len(grid_calls) == 1
    compute_view(ctx, Settings(values={"prior_sincere": 0.5}, request=SMALL, grid_size=5),
                 grid_fn=grid, run_fn=run, forecast=False)
    assert len(grid_calls) == 2


def test_the_game_step_is_called_per_point_policy_and_model(ctx: Context) -> None:
    calls: list[tuple[Values, str | None, str]] = []

    @functools.lru_cache(maxsize=8)
    def game(values: Values, policy: str | None, model: str) -> object:
        calls.append((values, policy, model))
        return ctx.game(values, policy, model)

    def grid(values: Values, x: str, y: str, size: int, model: str) -> PhaseGrid:
        return ctx.grid(values, x, y, size, model)

    s = Settings(policy="boycott", grid_size=3)
    first = compute_view(ctx, s, grid_fn=grid, game_fn=game, forecast=False)
    again = compute_view(ctx, s, grid_fn=grid, game_fn=game, forecast=False)
    assert [c[1:] for c in calls] == [(None, "v1"), ("boycott", "v1")]  # the rerun reused both
    assert again.equilibrium == first.equilibrium == compute_view(
        ctx, s, grid_fn=grid, forecast=False).equilibrium
    assert first.committed is not None and first.committed.label == "boycott"
    with pytest.raises(TypeError, match="expected RelationshipView"):
        compute_view(ctx, Settings(model="v2", grid_size=3), grid_fn=grid, forecast=False,
                     game_fn=lambda v, p, m: ctx.game(v, p, "v1"))
