from __future__ import annotations

import numpy as np
import pytest

from qpq.dashboard._phase import (
    CATEGORIES,
    NO_PURE,
    NOT_ALLOWED,
    phase_chart,
    phase_frame,
    phase_grid,
)
from qpq.dashboard._view import Context
from qpq.errors import BadInputError
from qpq.game import solve
from qpq.game.analysis._sweep import NO_PURE as SWEEP_NO_PURE
from qpq.game.analysis._sweep import OUTSIDE, cell_edges, phase_diagram
from qpq.model import FIRST_MOVES


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
    with pytest.raises(BadInputError, match="must differ"):
        phase_grid(ctx.registry, {}, "iskp_pull", "iskp_pull")
    with pytest.raises(BadInputError, match="at least 2"):
        phase_grid(ctx.registry, {}, "iskp_pull", "prior_sincere", 1)
    with pytest.raises(BadInputError, match="not a parameter of the game"):
        phase_grid(ctx.registry, {}, "iskp_pull", "recruitment")


@pytest.mark.parametrize(("values", "x", "y"), [
    ({"prior_sincere": 0.4, "recruitment": 2.0}, "crackdown_intensity", "iskp_pull"),
    ({}, "capacity_low", "capacity_high"),
    # the sliders' effort_cost_sincere breaks the ordering with the axis's default only
    ({"effort_cost_sincere": 2.0}, "effort_cost_insincere", "w_security"),
])
def test_grid_is_the_game_sweep(ctx: Context, values: dict[str, float], x: str, y: str
                                ) -> None:
    # The dashboard draws qpq.game.analysis._sweep's diagram; it must not build a grid of its own.
    g = phase_grid(ctx.registry, {**values, x: 0.55}, x, y, 6)
    d = phase_diagram(ctx.registry, x, y, 6, overrides=values, workers=1)
    np.testing.assert_array_equal(g.x_values, d.x.values)
    np.testing.assert_array_equal(g.y_values, d.y.values)
    names = np.array(d.label_names(), dtype=object)[d.label_index()]
    np.testing.assert_array_equal(g.labels == NOT_ALLOWED, d.label == OUTSIDE)
    np.testing.assert_array_equal(g.labels[d.label != OUTSIDE], names[d.label != OUTSIDE])
    np.testing.assert_array_equal(g.p_recognised, d.p_recognised)
    np.testing.assert_array_equal(g.multiple, d.multiple)
    moves = [[FIRST_MOVES[m].label if m >= 0 else "" for m in row] for row in d.first_move]
    assert g.first_moves.tolist() == moves
    assert d.name_of(SWEEP_NO_PURE) == NO_PURE
    assert (g.labels == NOT_ALLOWED).any() == (x != "crackdown_intensity")


def test_integer_axis_takes_each_whole_value_once(ctx: Context) -> None:
    g = phase_grid(ctx.registry, {}, "planb_covers_iskp", "iskp_pull", 7)
    assert g.x_values.tolist() == [0.0, 1.0] and g.labels.shape == (7, 2)


def test_frame_and_chart(ctx: Context) -> None:
    g = phase_grid(ctx.registry, {}, "prior_sincere", "reneging_cost", 5)
    frame = phase_frame(g)
    assert len(frame) == 25
    assert (frame["x0"] < frame["x"]).all() and (frame["x"] < frame["x1"]).all()
    spec = phase_chart(g, (0.3, 0.5)).to_dict()
    assert "prior_sincere × reneging_cost (◆ = current point)" in spec["title"]["text"]
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rect", "point"]


def test_frame_cells_use_the_sweep_edges(ctx: Context) -> None:
    g = phase_grid(ctx.registry, {}, "prior_sincere", "reneging_cost", 5)
    frame = phase_frame(g)
    xe, ye = cell_edges(g.x_values), cell_edges(g.y_values)
    assert sorted(set(frame["x0"])) == xe[:-1].tolist()
    assert sorted(set(frame["y1"])) == ye[1:].tolist()


def test_v2_grid_is_the_v2_sweep_with_its_own_legend(ctx: Context, monkeypatch) -> None:
    # the equilibrium panel's switch: the same axes solved in the repeated relationship;
    # the diagram phase_grid solved is recorded, so the grid is solved once
    import qpq.dashboard._phase as phase

    seen = []

    def record(*args, **kwargs):
        seen.append((args, kwargs, phase_diagram(*args, **kwargs)))
        return seen[-1][2]

    monkeypatch.setattr(phase, "phase_diagram", record)
    g = phase_grid(ctx.registry, {}, "iskp_pull", "crackdown_intensity", 3, model="v2")
    ((args, kwargs, d),) = seen
    assert args[1:] == ("iskp_pull", "crackdown_intensity", 3)
    assert kwargs["model"] == "v2" and kwargs["workers"] == 1
    names = np.array(d.label_names(), dtype=object)[d.label_index()]
    np.testing.assert_array_equal(g.labels, names)
    np.testing.assert_array_equal(g.p_recognised, d.p_recognised)
    # the legend: the labels on the grid, coloured by the phase charts' one rule
    assert g.model == "v2" and g.categories == tuple(d.colours())
    assert set(g.labels.ravel()) == set(g.categories)
    assert not set(g.categories) & set(CATEGORIES)       # none of v1's labels
    frame = phase_frame(g)
    assert set(frame["multiple"]) == {"not enumerated (model v2)"}
    spec = phase_chart(g, (1.0, 1.0)).to_dict()
    colour = spec["layer"][0]["encoding"]["color"]
    assert colour["scale"]["domain"] == list(g.categories)
    assert colour["scale"]["range"] == list(d.colours().values())
    assert colour["legend"]["values"] == list(g.categories)
    # v2's labels take the palette in their order on the grid, black (the marks') left out
    from qpq.game.analysis._sweep import V2_COLOURS

    assert "#000000" not in V2_COLOURS
    strategies = [c for c in g.categories if c != NOT_ALLOWED]
    assert [g.colours[c] for c in strategies] == list(V2_COLOURS[:len(strategies)])
    assert "model v2" in " ".join(spec["title"]["subtitle"])


def test_every_phase_chart_colours_labels_by_one_rule(ctx: Context) -> None:
    # v1's labels keep their fixed colours (v2's rule: the v2 test above); outside points
    # are blank; only the labels on the grid are listed
    from qpq.game.analysis import LABEL_COLOURS, OUTSIDE_COLOUR

    d = phase_diagram(ctx.registry, "capacity_low", "capacity_high", 6, workers=1)
    colours = d.colours()
    on_grid = set(np.array(d.label_names(), dtype=object)[d.label_index()].ravel())
    assert set(colours) == on_grid
    assert colours.pop(d.name_of(OUTSIDE)) == OUTSIDE_COLOUR
    assert colours == {k: LABEL_COLOURS[k] for k in colours}
