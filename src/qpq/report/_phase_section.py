"""The report section "Phase diagrams": the selected equilibrium over two parameters.

Each diagram solves the game on a grid of two parameters' plausible ranges (all others at
their defaults) with :func:`qpq.game.analysis._sweep.phase_diagram` and colours each region by the
selected PBE's primary label; dots mark "multiple" (several PBE paths), crosses
mark ties across China's first moves, and a diamond marks the defaults. The grid is drawn
as run-length rectangles (one per run of equal labels along a row), so even a 200 × 200
diagram stays a small chart. ``ctx.reduced`` (``make run``) uses 60 × 60 grids.
"""

from __future__ import annotations

from html import escape
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from qpq.errors import BadInputError
from qpq.game.analysis import (
    OUTSIDE,
    PhaseDiagram,
    cell_edges,
    phase_diagram,
)
from qpq.model import ParameterRegistry
from qpq.report._sections import Figure, ReportContext, SectionContent

__all__ = ["DIAGRAMS", "phase_chart", "phase_section"]


DIAGRAMS: tuple[tuple[str, str, str], ...] = (
    ("iskp_pull", "crackdown_intensity",
     "The paper's central claim: success depends on how hard the Taliban go on ETIM/TIP "
     "(crackdown intensity) and how strongly ISKP pulls squeezed militants (P5, P8)."),
    ("iskp_pull", "w_security",
     "\"Security first\" is a weight, tested by varying it: where does "
     "China's security weight, against ISKP's pull, turn engagement into Plan B or boycott?"),
    ("us_presence", "econ_gain",
     "The free ride (P6): how China's first move depends on US/NATO presence and on what "
     "engagement earns it economically."),
)
"""The report's diagrams: (x, y, why these axes)."""


def _runs(grid: NDArray[Any], xe: NDArray[np.float64], ye: NDArray[np.float64]
          ) -> list[dict[str, Any]]:
    """One rectangle per run of equal values along each row.

    Each rectangle reaches a quarter cell into its right and upper neighbours (which are
    drawn over it), so that no hairline gaps show between cells; the chart clips the edge.
    """
    out = []
    pad_x = 0.25 * (xe[-1] - xe[0]) / max(1, xe.size - 1)
    pad_y = 0.25 * (ye[-1] - ye[0]) / max(1, ye.size - 1)
    for j in range(grid.shape[0]):
        row = grid[j]
        cuts = np.flatnonzero(row[1:] != row[:-1]) + 1
        starts = np.concatenate([[0], cuts])
        stops = np.concatenate([cuts, [row.size]])
        for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
            out.append({"x0": xe[a], "x1": xe[b] + pad_x, "y0": ye[j], "y1": ye[j + 1] + pad_y,
                        "value": row[a]})
    return out


MULTIPLE = "several equilibrium paths (multiple)"
TIE = "China's first moves tie"


def _marks(d: PhaseDiagram) -> pd.DataFrame:
    """Markers on a coarse lattice (about 25 per axis) for multiplicity and ties."""
    step = max(1, max(d.shape) // 25)
    rows = []
    for mask, what in ((d.multiple & (d.label != OUTSIDE), MULTIPLE), (d.tie, TIE)):
        jj, ii = np.nonzero(mask[::step, ::step])
        rows += [{"x": float(d.x.values[::step][i]), "y": float(d.y.values[::step][j]),
                  "mark": what} for j, i in zip(jj.tolist(), ii.tolist(), strict=True)]
    return pd.DataFrame(rows, columns=["x", "y", "mark"])


def phase_chart(d: PhaseDiagram, title: str | None = None) -> Any:
    """An altair chart of a phase diagram (labels, multiplicity, ties, the defaults)."""
    xe, ye = cell_edges(d.x.values), cell_edges(d.y.values)
    names = np.array(d.label_names(), dtype=object)
    codes = d.label_index()
    rects = pd.DataFrame([{**r, "label": names[r["value"]]} for r in _runs(codes, xe, ye)])
    colours = d.colours()          # v1's fixed colours, v2's in the grid's order
    present = list(colours)
    colour = alt.Color("label:N", title="selected equilibrium",
                       scale=alt.Scale(domain=present, range=[colours[n] for n in present]))
    if d.model == "v2":
        # v2's long strategy labels: one per line below the chart
        colour = colour.legend(orient="bottom", direction="vertical", labelLimit=900)
    xs = alt.X("x0:Q", title=f"{d.x.name} ({d.x.unit})",
               scale=alt.Scale(domain=[float(xe[0]), float(xe[-1])], nice=False, zero=False))
    ys = alt.Y("y0:Q", title=f"{d.y.name} ({d.y.unit})",
               scale=alt.Scale(domain=[float(ye[0]), float(ye[-1])], nice=False, zero=False))
    layers = [alt.Chart(rects).mark_rect(clip=True, strokeWidth=0).encode(
        x=xs, x2="x1:Q", y=ys, y2="y1:Q",
        color=colour,
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("x0:Q", title=f"{d.x.name} from",
                                                      format=".3g"),
                 alt.Tooltip("y0:Q", title=d.y.name, format=".3g")])]
    marks = _marks(d)
    if not marks.empty:
        layers.append(alt.Chart(marks).mark_point(size=16, filled=True, opacity=0.85,
                                                  color="#000000", stroke="#FFFFFF",
                                                  strokeWidth=0.6).encode(
            x="x:Q", y="y:Q",
            shape=alt.Shape("mark:N", title="marks",
                            scale=alt.Scale(domain=[MULTIPLE, TIE],
                                            range=["circle", "cross"]))))
    dx, dy = d.default_point
    dflt = pd.DataFrame({"x": [dx], "y": [dy], "text": ["defaults"],
                         "label": [d.default_label or "?"]})
    layers.append(alt.Chart(dflt).mark_point(shape="diamond", size=170, filled=True,
                                             color="#FFFFFF", stroke="#000000",
                                             strokeWidth=1.5, opacity=1).encode(
        x="x:Q", y="y:Q", tooltip=["text:N", "label:N"]))
    layers.append(alt.Chart(dflt).mark_text(align="left", dx=9, dy=-9, fontWeight="bold",
                                            color="#000000").encode(
        x="x:Q", y="y:Q", text="text:N"))
    return alt.layer(*layers).resolve_scale(shape="independent").properties(
        width=360, height=300,
        title=title or f"Selected equilibrium over {d.x.name} × {d.y.name}"
        + (" (model v2: the repeated relationship)" if d.model == "v2" else ""))


HOW_TO_READ = (
    "Each colour is the primary label of the equilibrium China prefers (the spec's selection "
    "rule) at that combination of the two parameters, all others at their defaults; dots "
    "mark where several equilibrium paths exist (\"multiple\") and crosses where China's "
    "first moves tie (both on a coarse lattice of about 25 × 25 grid points), light grey "
    "(\"no pure PBE\") marks points without a pure equilibrium, and the white diamond is "
    "the default point.")


def _shares_table(diagrams: list[tuple[PhaseDiagram, str]]) -> str:
    rows = []
    for d, _ in diagrams:
        solved = d.label != OUTSIDE
        shares = ", ".join(f"{escape(k)} {v:.0%}" for k, v in sorted(
            d.shares().items(), key=lambda kv: -kv[1]))
        rows.append(f"<tr><td>{escape(d.x.name)} × {escape(d.y.name)}</td>"
                    f"<td>{d.shape[1]} × {d.shape[0]}</td><td>{shares}</td>"
                    f"<td>{d.multiple[solved].mean():.0%}</td><td>{d.tie[solved].mean():.0%}"
                    f"</td><td>{escape(d.default_label or '-')}</td>"
                    f"<td>{d.seconds:.2f}</td></tr>")
    return ("<table class='data'><thead><tr><th>axes (x × y)</th><th>grid</th>"
            "<th>share of the grid by label</th><th>multiple</th><th>tie</th>"
            "<th>label at the defaults</th><th>solver seconds</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def phase_section(ctx: ReportContext) -> SectionContent:
    """Phase diagrams over the axes in :data:`DIAGRAMS` (60 × 60 when ``ctx.reduced``)."""
    try:
        registry = ParameterRegistry.from_case(ctx.case)
    except BadInputError as exc:
        return SectionContent(f"<p class='empty'>This case's parameters do not define the "
                              f"game: {escape(str(exc))}</p>")
    n = 60 if ctx.reduced else 200
    diagrams = [(phase_diagram(registry, x, y, n), why) for x, y, why in DIAGRAMS]
    d0 = diagrams[0][0]
    figures = []
    for d, why in diagrams:
        figures.append(Figure(
            f"phase-{d.x.name}-{d.y.name}".replace("_", "-"),
            f"Selected equilibrium over {d.x.name} × {d.y.name}", HOW_TO_READ,
            phase_chart(d), note=f"Why these axes: {why}"))
    size = (f"{n} × {n} grids (`make run` uses the reduced 60 × 60; `qpq report --full` "
            "200 × 200)")
    html = (
        "<p>Phase diagrams solve the game at every point of a grid over two parameters' "
        f"plausible ranges, all other parameters at their defaults: {escape(size)}. Labels "
        "are the spec's, on the path of the equilibrium China prefers; the mixed search is "
        "not run in sweeps, so points without a pure equilibrium are shown as such. Every "
        "parameter here is an assumption with a plausible range (see the parameter table), "
        "so the diagrams show where conclusions change, not where the case lies.</p>"
        + _shares_table(diagrams)
        + f"<p class='howto'><strong>Selection rule:</strong> "
        f"{escape(diagrams[0][0].selection_rule)}</p>"
        # the command for the grid shown, at this report's size
        f"<p class='howto'>Reproduce: <code>qpq game sweep --x {escape(d0.x.name)} --y "
        f"{escape(d0.y.name)} --n {n}</code> (add <code>--json</code> for the grid; other "
        "axes with <code>--x</code> and <code>--y</code>).</p>")
    summary = (f"phase diagrams: {len(diagrams)} at {n}x{n}; {d0.x.name} x {d0.y.name}: "
               + ", ".join(f"{k} {v:.0%}" for k, v in sorted(d0.shares().items(),
                                                              key=lambda kv: -kv[1])))
    return SectionContent(html, tuple(figures), summary)
