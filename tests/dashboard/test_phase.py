from __future__ import annotations

import numpy as np
import pytest

from qpq.dashboard.phase import CATEGORIES, NOT_ALLOWED, phase_chart, phase_frame, phase_grid
from qpq.dashboard.view import Context
from qpq.game import solve


def test_grid_agrees_with_the_exact_solver(ctx: Context) -> None:
    g = phase_grid(ctx.registry, {"prior_sincere": 0.4}, "crackdown_intensity", "iskp_pull", 7)
    assert g.labels.shape == (7, 7)
    assert g.x_values[0] == ctx.registry["crackdown_intensity"].low
    assert g.y_values[-1] == ctx.registry["iskp_pull"].high
    assert g.fixed["prior_sincere"] == 0.4 and "iskp_pull" not in g.fixed
    rng = np.random.default_rng(3)
    for i, j in rng.integers(0, 7, size=(5, 2)):
        point = ctx.registry.point({"prior_sincere": 0.4,
                                    "crackdown_intensity": float(g.x_values[j]),
                                    "iskp_pull": float(g.y_values[i])})
        ref = solve(point, mixed=False)
        assert g.labels[i, j] == ref.label
        eq = ref.selected_equilibrium
        assert eq is not None and g.first_moves[i, j] == eq.first_move.label
        assert g.p_recognised[i, j] == pytest.approx(eq.outcome["p_recognised"])


def test_grid_shows_where_the_label_changes(ctx: Context) -> None:
    g = phase_grid(ctx.registry, {}, "crackdown_intensity", "iskp_pull", 9)
    shares = g.shares()
    assert set(shares) <= set(CATEGORIES)
    assert shares.get("boycott", 0) > 0 and shares.get("engage without recognition", 0) > 0
    assert g.label_at(1.0, 3.0) == "boycott"
    assert g.label_at(1.0, 0.0) == "engage without recognition"


def test_points_that_break_an_ordering_are_not_solved(ctx: Context) -> None:
    g = phase_grid(ctx.registry, {}, "capacity_low", "capacity_high", 6)
    low = g.x_values[None, :]
    high = g.y_values[:, None]
    assert np.array_equal(g.labels == NOT_ALLOWED, np.broadcast_to(low > high, g.labels.shape))
    assert np.isnan(g.p_recognised[g.labels == NOT_ALLOWED]).all()


def test_bad_axes(ctx: Context) -> None:
    with pytest.raises(ValueError, match="must differ"):
        phase_grid(ctx.registry, {}, "iskp_pull", "iskp_pull")
    with pytest.raises(ValueError, match="at least 2"):
        phase_grid(ctx.registry, {}, "iskp_pull", "prior_sincere", 1)


def test_frame_and_chart(ctx: Context) -> None:
    g = phase_grid(ctx.registry, {}, "prior_sincere", "reneging_cost", 5)
    frame = phase_frame(g)
    assert len(frame) == 25
    assert (frame["x0"] < frame["x"]).all() and (frame["x"] < frame["x1"]).all()
    spec = phase_chart(g, (0.3, 0.5)).to_dict()
    assert "prior_sincere × reneging_cost" in spec["title"]["text"]
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rect", "point"]
