"""The phase diagram: the game's equilibrium label over two parameters, point marked.

:func:`phase_grid` is the game's phase diagram (:func:`qpq.game.analysis._sweep.phase_diagram`) over
two parameters' plausible ranges, ``size`` points per axis (every other parameter at the
sliders' values), and :func:`phase_chart` draws it with the current point marked. The grid
depends on the axes and on the *other* parameters only, so the app caches it and a move
along an axis only moves the mark. Grid points that break an ordering of
:data:`qpq.model.CONSTRAINTS` (e.g. ``capacity_low`` above ``capacity_high`` when both are
axes) are not solved and shown as ``not allowed``; points without a pure PBE as ``no pure
PBE`` (the ensemble solver does not run the mixed search).

With ``model="v2"`` (the equilibrium panel's switch) the grid is model v2's diagram
(docs/model-game.md §8.1): each cell is the repeated relationship's stationary equilibrium,
labelled by China's first move and final actions and each type's effort in both states
(:data:`qpq.game.analysis.LABEL_KEY`), mixed strategies traced where no pure one exists.
Its labels are the strategies found on that grid, coloured by the phase charts' one rule
(:meth:`qpq.game.analysis.PhaseDiagram.colours`: their order on the grid), not a fixed
legend; the legend splits each label into its parts, one per line.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from qpq.game import LABELS
from qpq.game.analysis import (
    LABEL_COLOURS,
    NO_PURE_NAME,
    OUTSIDE,
    OUTSIDE_COLOUR,
    cell_edges,
    phase_diagram,
)
from qpq.model import FIRST_MOVES, ParameterRegistry

__all__ = [
    "CATEGORIES",
    "NOT_ALLOWED",
    "NO_PURE",
    "PhaseGrid",
    "phase_chart",
    "phase_frame",
    "phase_grid",
]

NO_PURE = NO_PURE_NAME
NOT_ALLOWED = "not allowed (breaks an ordering)"
CATEGORIES: tuple[str, ...] = (*LABELS, NO_PURE, NOT_ALLOWED)
"""Every colour category of the diagram, in legend order."""

# the report's and the CLI's colours (qpq.game.analysis.LABEL_COLOURS)
_COLOURS = (*(LABEL_COLOURS[label] for label in (*LABELS, NO_PURE)), OUTSIDE_COLOUR)

_RULE_GIST = "pure PBE only; ties to the least committal first move"
_LEGEND_ROW = 22    # pixels per line of v2's legend below the chart
_TITLE_LINE = 33    # pixels a title line beyond the third takes from the plot, with a margin

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PhaseGrid:
    """Labels of the selected PBE over a grid of two parameters.

    Attributes
    ----------
    x, y
        Parameter names of the axes.
    x_values, y_values
        Grid coordinates (``size`` each, from low to high).
    labels
        (size_y, size_x) primary label per point (or :data:`NO_PURE`, :data:`NOT_ALLOWED`).
    first_moves
        (size_y, size_x) China's selected first move ("" where none).
    p_recognised
        (size_y, size_x) P(recognised) on the selected path (NaN where none).
    multiple
        (size_y, size_x) more than one pure PBE path (v2: all false; its solver selects one
        stationary equilibrium per point).
    fixed
        The values of every other parameter.
    model
        ``"v1"`` (the one-round game) or ``"v2"`` (the repeated relationship).
    colours
        v2: the colour of each label on the grid, in legend order (:data:`NOT_ALLOWED`
        last, if any point is); empty for v1, whose colours are fixed.
    """

    x: str
    y: str
    x_values: FloatArray
    y_values: FloatArray
    labels: NDArray[np.str_]
    first_moves: NDArray[np.str_]
    p_recognised: FloatArray
    multiple: NDArray[np.bool_]
    fixed: Mapping[str, float]
    model: str = "v1"
    colours: Mapping[str, str] = field(default_factory=dict)

    @property
    def categories(self) -> tuple[str, ...]:
        """The labels in legend order: :data:`CATEGORIES` for v1, v2's ``colours``' keys."""
        return CATEGORIES if self.model == "v1" else tuple(self.colours)

    def label_at(self, x: float, y: float) -> str:
        """The label of the grid cell nearest to ``(x, y)``."""
        i = int(np.abs(self.y_values - y).argmin())
        j = int(np.abs(self.x_values - x).argmin())
        return str(self.labels[i, j])

    def shares(self) -> dict[str, float]:
        """Share of grid points per category (categories with no point left out)."""
        values, counts = np.unique(self.labels, return_counts=True)
        total = float(self.labels.size)
        return {str(v): float(c) / total for v, c in zip(values, counts, strict=True)}


def phase_grid(registry: ParameterRegistry, values: Mapping[str, float], x: str, y: str,
               size: int = 21, *, model: str = "v1") -> PhaseGrid:
    """Solve the game over a ``size`` × ``size`` grid of ``x`` and ``y``.

    The grid is :func:`qpq.game.analysis._sweep.phase_diagram`'s (same axes, labels and orderings);
    this only renames its labels for the legend.

    Parameters
    ----------
    registry
        The case's parameters (ranges of the axes, defaults of everything else).
    values
        The sliders' values (the axes' own values are ignored).
    x, y
        Two different game parameters.
    size
        Points per axis (at least 2; an integer axis takes each whole value once).
    model
        ``"v1"`` or ``"v2"`` (:func:`qpq.game.analysis.phase_diagram`'s ``model``).

    Raises
    ------
    BadInputError
        For equal axes, a size below 2, a name that is not a game parameter, or values
        that break an ordering between parameters other than the axes.
    """
    others = {k: float(v) for k, v in values.items() if k not in (x, y)}
    # one process: the app caches grids and may serve several sessions at once
    d = phase_diagram(registry, x, y, size, overrides=others, workers=1, model=model)
    labels = np.array(d.label_names(), dtype=object)[d.label_index()]
    labels[d.label == OUTSIDE] = NOT_ALLOWED
    colours: dict[str, str] = {}
    if model == "v2":
        outside = d.name_of(OUTSIDE)
        colours = {NOT_ALLOWED if k == outside else k: v for k, v in d.colours().items()}
    move_labels = np.array(["", *(m.label for m in FIRST_MOVES)], dtype=object)
    base = registry.defaults().as_dict()
    base.update(others)
    return PhaseGrid(x=x, y=y, x_values=d.x.values, y_values=d.y.values,
                     labels=labels.astype(str), first_moves=move_labels[d.first_move + 1]
                     .astype(str), p_recognised=d.p_recognised, multiple=d.multiple,
                     fixed={k: v for k, v in base.items() if k not in (x, y)},
                     model=model, colours=colours)


def phase_frame(grid: PhaseGrid) -> pd.DataFrame:
    """One row per grid cell: centre, edges, label, first move, P(recognised), multiple."""
    xe, ye = cell_edges(grid.x_values), cell_edges(grid.y_values)
    ny, nx = grid.labels.shape
    jj, ii = np.meshgrid(np.arange(nx), np.arange(ny))
    j, i = jj.ravel(), ii.ravel()
    return pd.DataFrame({
        "x": grid.x_values[j], "y": grid.y_values[i], "x0": xe[j], "x1": xe[j + 1],
        "y0": ye[i], "y1": ye[i + 1], "label": grid.labels[i, j],
        "first_move": grid.first_moves[i, j], "p_recognised": grid.p_recognised[i, j],
        "multiple": (np.where(grid.multiple[i, j], "multiple PBE paths", "one path")
                     if grid.model == "v1" else "not enumerated (model v2)"),
    })


def _lines(text: str, width: int = 58) -> list[str]:
    """``text`` in lines of at most about ``width`` characters, broken between words."""
    return textwrap.wrap(text, width) or [""]


def phase_chart(grid: PhaseGrid, current: tuple[float, float], *, width: int = 360,
                height: int = 300) -> Any:
    """The diagram as an Altair chart: cells coloured by label, the current point marked.

    The title says what is shown; the subtitle gives the selection rule's gist.
    """
    frame = phase_frame(grid)
    shown = set(frame["label"])
    present = [c for c in grid.categories if c in shown]
    if grid.model == "v1":
        # Fixed colours for every category; the legend lists the ones on this diagram, below
        # it: beside it, it took half the width of a column on a laptop's screen, which the
        # app fits the chart into (2026-12-07)
        colour = alt.Color("label:N", title="equilibrium label",
                           scale=alt.Scale(domain=list(CATEGORIES), range=list(_COLOURS)),
                           legend=alt.Legend(values=present, labelLimit=220, orient="bottom",
                                             direction="vertical"))
    else:
        # v2's long strategy labels below the chart, each split at its "; " into lines
        colour = alt.Color("label:N", title="stationary equilibrium (model v2)",
                           scale=alt.Scale(domain=list(grid.categories),
                                           range=[grid.colours[c] for c in grid.categories]),
                           legend=alt.Legend(values=present, orient="bottom",
                                             direction="vertical", labelLimit=600,
                                             titleLimit=400,
                                             labelExpr="split(datum.label, '; ')"))
    # both legends sit below the chart, and the app fits the whole chart, legend included,
    # into the height: room for the title and a line per label part (v1's labels are one)
    height += _LEGEND_ROW * (sum(c.count("; ") + 1 for c in present) + 1)
    # channels as objects, not shorthand strings, which Altair converts through a schema
    # table it rebuilds each time (~3 ms a string, on every rerun of the dashboard)
    cells = alt.Chart(frame).mark_rect(stroke="#FFFFFF", strokeWidth=0.3).encode(
        x=alt.X("x0:Q", title=grid.x, scale=alt.Scale(zero=False, nice=False)),
        x2=alt.X2("x1"),
        y=alt.Y("y0:Q", title=grid.y, scale=alt.Scale(zero=False, nice=False)),
        y2=alt.Y2("y1"),
        color=colour,
        tooltip=[alt.Tooltip("x:Q", title=grid.x, format=".3g"),
                 alt.Tooltip("y:Q", title=grid.y, format=".3g"), alt.Tooltip("label:N"),
                 alt.Tooltip("first_move:N", title="China's first move"),
                 alt.Tooltip("p_recognised:Q", title="P(recognised)" if grid.model == "v1"
                             else "P(recognised next quarter)", format=".2f"),
                 alt.Tooltip("multiple:N")])
    here = pd.DataFrame({"x": [current[0]], "y": [current[1]],
                         "label": [grid.label_at(*current)]})
    mark = alt.Chart(here).mark_point(shape="diamond", size=220, filled=True, color="#000000",
                                      stroke="#FFFFFF", strokeWidth=1.5).encode(
        x=alt.X("x:Q"), y=alt.Y("y:Q"),
        tooltip=[alt.Tooltip("x:Q", title=grid.x, format=".3g"),
                 alt.Tooltip("y:Q", title=grid.y, format=".3g"),
                 alt.Tooltip("label:N", title="label here")])
    gist = ("label of China's preferred PBE (" + _RULE_GIST + ")" if grid.model == "v1"
            else "model v2: the repeated relationship's stationary equilibrium (logit tracing "
            "where policy iteration cycles)")
    # short lines: a line wider than the column was cut ("… (◆ = curre…")
    text = ["Equilibrium label over", f"{grid.x} × {grid.y} (◆ = current point)"]
    subtitle = [*_lines(f"{grid.labels.size} grid points; other parameters at the sliders' "
                        "values;"), *_lines(gist)]
    title = alt.TitleParams(text=text, subtitle=subtitle)
    # the app fits the whole chart, title included, into the height: room for the lines
    # beyond the three the base height was set with
    height += _TITLE_LINE * max(0, len(text) + len(subtitle) - 3)
    return (cells + mark).properties(title=title, width=width, height=height)
