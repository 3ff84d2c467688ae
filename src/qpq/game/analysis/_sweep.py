"""Phase diagrams: the selected equilibrium's label over a grid of two parameters.

:func:`phase_diagram` solves the game at every point of an ``nx`` × ``ny`` grid spanning
two parameters' plausible ranges (all other parameters at their defaults or at given
overrides) with the vectorised solver (:func:`qpq.game._ensemble.solve_ensemble`), and
returns a :class:`PhaseDiagram`: per grid point the selected PBE's primary label, whether
several PBE paths exist ("multiple"), whether China's first moves tie ("tie"), whether a
pure PBE exists, China's first move, its security and P(recognised). Grid points that
break one of the spec's orderings (e.g. ``restrain_intensity`` ≥ ``crackdown_intensity``)
are not solved and are marked as such. Integer parameters take every whole value of
their range (at most ``n``). :func:`cell_edges` gives the cells' edges for a chart.

This is the one builder of such grids: the report, ``qpq game sweep`` and the dashboard's
phase diagram all call :func:`phase_diagram` and only draw its result.

Selection and labels are the spec's (:data:`qpq.game._labels.SELECTION_RULE`); the mixed
search is not run in sweeps, so points without a pure PBE are marked "no pure PBE".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.errors import BadInputError
from qpq.game._ensemble import ENSEMBLE_METHOD, solve_ensemble
from qpq.game._kernel import DEFAULT_TOL
from qpq.game._labels import LABELS, SELECTION_RULE
from qpq.model import FIRST_MOVES, GAME_PARAMETERS, ParameterRegistry

__all__ = [
    "NO_PURE",
    "NO_PURE_NAME",
    "OUTSIDE",
    "OUTSIDE_NAME",
    "Axis",
    "PhaseDiagram",
    "cell_edges",
    "grid_axis",
    "phase_diagram",
]

FloatArray = NDArray[np.float64]

NO_PURE = -1
"""Label code of grid points without a pure PBE."""
OUTSIDE = -2
"""Label code of grid points that break one of the spec's orderings (not solved)."""
NO_PURE_NAME = "no pure PBE"
"""Name of :data:`NO_PURE`."""
OUTSIDE_NAME = "outside the spec's orderings"
"""Name of :data:`OUTSIDE`."""

MAX_POINTS = 1_000_000


@dataclass(frozen=True)
class Axis:
    """One axis of a phase diagram: a parameter and its grid values."""

    name: str
    values: FloatArray
    unit: str
    low: float
    high: float
    default: float


@dataclass(frozen=True)
class PhaseDiagram:
    """The selected equilibrium over a two-parameter grid (arrays are (ny, nx)).

    Attributes
    ----------
    x, y
        The axes (x varies along columns, y along rows).
    label
        Index into :data:`qpq.game._labels.LABELS`; :data:`NO_PURE` or :data:`OUTSIDE`.
    multiple
        More than one pure PBE path.
    tie, tie_equivalent
        China's first moves tie (outcome-equivalent ties flagged separately).
    first_move
        Index into :data:`qpq.model.FIRST_MOVES` of the selected first move (−1 if none).
    security, p_recognised
        China's security (−(this round's harm + ``future_weight``·future harm)) and the
        probability of recognition on the selected path (NaN where not solved).
    default_point, default_label
        The swept parameters' defaults (x, y) and the label there, with the other
        parameters as fixed (:data:`OUTSIDE_NAME` if that point breaks an ordering).
    fixed
        Overrides of the defaults used for the other parameters.
    method, selection_rule, tolerance, seconds, workers
        Provenance and cost (``seconds``: the solver's wall time; ``workers`` 0: chosen
        automatically).
    """

    x: Axis
    y: Axis
    label: NDArray[np.int64]
    multiple: NDArray[np.bool_]
    tie: NDArray[np.bool_]
    tie_equivalent: NDArray[np.bool_]
    first_move: NDArray[np.int64]
    security: FloatArray
    p_recognised: FloatArray
    default_point: tuple[float, float]
    default_label: str | None
    fixed: dict[str, float] = field(default_factory=dict)
    method: str = ENSEMBLE_METHOD
    selection_rule: str = SELECTION_RULE
    tolerance: float = DEFAULT_TOL
    seconds: float = 0.0
    workers: int = 1

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx)."""
        ny, nx = self.label.shape
        return int(ny), int(nx)

    def label_names(self) -> list[str]:
        """Names of the codes: the spec's labels, then "no pure PBE", "outside orderings"."""
        return [*LABELS, NO_PURE_NAME, OUTSIDE_NAME]

    def label_index(self) -> NDArray[np.int64]:
        """(ny, nx) position of each point's label in :meth:`label_names`."""
        return np.where(self.label >= 0, self.label, len(LABELS) - 1 - self.label)

    def name_of(self, code: int) -> str:
        """Name of one label code."""
        names = self.label_names()
        return names[code] if code >= 0 else names[len(LABELS) - 1 - code]

    def shares(self) -> dict[str, float]:
        """Share of the solved grid points per primary label (and "no pure PBE")."""
        solved = self.label != OUTSIDE
        total = int(solved.sum())
        out: dict[str, float] = {}
        for code in [*range(len(LABELS)), NO_PURE]:
            k = int((self.label == code).sum())
            if k:
                out[self.name_of(code)] = k / total
        return out

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary with the grids as nested lists (labels by name)."""
        names = np.array(self.label_names(), dtype=object)
        codes = self.label_index()
        solved = self.label != OUTSIDE
        return {
            "x": {"name": self.x.name, "unit": self.x.unit, "values": self.x.values},
            "y": {"name": self.y.name, "unit": self.y.unit, "values": self.y.values},
            "shape": list(self.shape),
            "label": names[codes].tolist(),
            "multiple": self.multiple, "tie": self.tie, "tie_equivalent": self.tie_equivalent,
            "first_move": [[FIRST_MOVES[m].label if m >= 0 else None for m in row]
                           for row in self.first_move.tolist()],
            "security": self.security, "p_recognised": self.p_recognised,
            "shares": self.shares(),
            "multiple_share": float(self.multiple[solved].mean()) if solved.any() else 0.0,
            "tie_share": float(self.tie[solved].mean()) if solved.any() else 0.0,
            "default_point": {self.x.name: self.default_point[0],
                              self.y.name: self.default_point[1],
                              "label": self.default_label},
            "fixed": self.fixed, "method": self.method, "selection_rule": self.selection_rule,
            "tolerance": self.tolerance, "seconds": self.seconds, "workers": self.workers,
        }


def grid_axis(registry: ParameterRegistry, name: str, n: int) -> Axis:
    """``n`` evenly spaced values over a parameter's range (whole values if integer)."""
    if name not in GAME_PARAMETERS:
        raise BadInputError(f"{name!r} is not a parameter of the game; sweep one of: "
                            + ", ".join(GAME_PARAMETERS))
    p = registry[name]
    if n < 2:
        raise BadInputError(f"a sweep needs at least 2 values per axis, got {n}")
    if p.integer:
        values = np.arange(int(p.low), int(p.high) + 1, dtype=float)
        if values.size > n:
            values = np.unique(np.round(np.linspace(p.low, p.high, n)))
    else:
        values = np.linspace(p.low, p.high, n)
    return Axis(name, values, p.unit, float(p.low), float(p.high), float(p.default))


def cell_edges(values: FloatArray) -> FloatArray:
    """The ``n + 1`` edges of the cells centred on ``n`` increasing grid values.

    Inner edges lie half-way between neighbours; the outer cells are as wide on their
    outer side as on their inner one (a single value gets a cell of width 1).
    """
    values = np.asarray(values, dtype=float)
    if values.size == 1:
        return np.array([values[0] - 0.5, values[0] + 0.5])
    mid = (values[1:] + values[:-1]) / 2
    return np.concatenate([[values[0] - (mid[0] - values[0])], mid,
                           [values[-1] + (values[-1] - mid[-1])]])


def phase_diagram(registry: ParameterRegistry, x: str, y: str, n: int = 200, *,
                  ny: int | None = None, overrides: Mapping[str, str | float] | None = None,
                  workers: int | None = None, tol: float = DEFAULT_TOL,
                  on_chunk: Callable[[int], None] | None = None) -> PhaseDiagram:
    """Solve the game over an ``n`` × ``ny`` grid of parameters ``x`` and ``y``.

    Parameters
    ----------
    registry
        The case's parameters (ranges and defaults).
    x, y
        The two parameters to sweep (different game parameters).
    n, ny
        Grid values along x and along y (``ny`` defaults to ``n``).
    overrides
        Values for other parameters (``--set``); validated (ranges, and the orderings that
        do not involve a swept parameter: grid points that break those are marked
        :data:`OUTSIDE`).
    workers
        Worker processes for the solver (``None``: up to two).
    tol
        Relative tolerance for ties.
    on_chunk
        Progress callback (points done).
    """
    if x == y:
        raise BadInputError(f"--x and --y must differ, both are {x!r}")
    over = dict(overrides or {})
    clash = [k for k in (x, y) if k in over]
    if clash:
        raise BadInputError(f"{', '.join(clash)} is swept, so it cannot also be set with --set")
    base = registry.defaults().as_dict()
    base.update({k: registry.parse_value(k, v) for k, v in over.items()})
    # the swept parameters' defaults are not part of any grid point, so an override may
    # break an ordering with them (e.g. restrain_intensity above the default crackdown)
    problems = registry.check_constraints({k: v for k, v in base.items() if k not in (x, y)})
    if problems:
        raise BadInputError("the parameter values are inconsistent:", problems)
    ax, ay = grid_axis(registry, x, n), grid_axis(registry, y, ny or n)
    if ax.values.size * ay.values.size > MAX_POINTS:
        raise BadInputError(f"the grid has {ax.values.size * ay.values.size:,} points; "
                            f"at most {MAX_POINTS:,} are allowed")
    gx, gy = np.meshgrid(ax.values, ay.values)               # (ny, nx)
    values = {k: np.full(gx.size, v) for k, v in base.items()}
    values[x], values[y] = gx.reshape(-1), gy.reshape(-1)
    feasible = np.ones(gx.size, dtype=bool)
    for c in registry.constraints:
        feasible &= c.holds(values[c.lhs], values[c.rhs])
    start = time.perf_counter()
    label = np.full(gx.size, OUTSIDE, dtype=np.int64)
    multiple = np.zeros(gx.size, dtype=bool)
    tie = np.zeros(gx.size, dtype=bool)
    tie_eq = np.zeros(gx.size, dtype=bool)
    move = np.full(gx.size, -1, dtype=np.int64)
    security = np.full(gx.size, np.nan)
    p_rec = np.full(gx.size, np.nan)
    if feasible.any():
        arrays = registry.validate_arrays({k: v[feasible] for k, v in values.items()})
        sol = solve_ensemble(arrays, tol=tol, workers=workers, on_chunk=on_chunk)
        label[feasible] = np.where(sol.has_pure, sol.label, NO_PURE)
        multiple[feasible] = sol.multiple
        tie[feasible] = sol.tie
        tie_eq[feasible] = sol.tie_equivalent
        move[feasible] = sol.selected_move
        security[feasible] = sol.stats["security"]
        p_rec[feasible] = sol.stats["p_recognised"]
    seconds = time.perf_counter() - start
    if registry.check_constraints(base):
        d_label = OUTSIDE_NAME
    else:
        d = solve_ensemble({k: np.array([v]) for k, v in base.items()})
        d_label = LABELS[int(d.label[0])] if d.has_pure[0] else NO_PURE_NAME
    shape = gx.shape
    return PhaseDiagram(
        x=ax, y=ay, label=label.reshape(shape), multiple=multiple.reshape(shape),
        tie=tie.reshape(shape), tie_equivalent=tie_eq.reshape(shape),
        first_move=move.reshape(shape), security=security.reshape(shape),
        p_recognised=p_rec.reshape(shape), default_point=(base[x], base[y]),
        default_label=d_label,
        fixed={k: float(v) for k, v in base.items() if v != registry[k].default},
        tolerance=tol, seconds=seconds, workers=workers if workers is not None else 0)
