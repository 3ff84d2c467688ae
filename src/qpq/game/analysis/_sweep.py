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

``model="v2"`` sweeps model v2's repeated relationship instead
(:func:`qpq.game.solve_relationship`, docs/model-game.md §7.5; its diagrams §8.1), point by
point exactly as that function solves it (each point's answer does not depend on the others
in its chunk). Its label says, per state, China's moves and the Taliban's efforts and how
the strategies were found (:func:`relationship_labels`); the regret of each point (≈ 0
unless mixed), China's value of the relationship and how the strategies were found come
beside it. v2 does not enumerate several equilibria or China's ties, so ``multiple`` and
``tie`` are false there (and ``null`` in the JSON).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.checks import as_mapping, check_flag, check_whole, check_workers, did_you_mean
from qpq.errors import BadInputError
from qpq.game._ensemble import ENSEMBLE_METHOD, solve_ensemble
from qpq.game._kernel import DEFAULT_TOL, check_tol
from qpq.game._labels import LABELS, SELECTION_RULE
from qpq.game._payoffs import type_prior
from qpq.game._relationship import METHOD as RELATIONSHIP_METHOD
from qpq.game._relationship import solve_relationship
from qpq.game._relationship_budget import check_relationship_budget
from qpq.game._spec import FULL_GAME
from qpq.model import FINAL_ACTIONS, FIRST_MOVES, GAME_PARAMETERS, ParameterRegistry, check_model
from qpq.palette import OKABE_ITO
from qpq.parallel import dealt, executor_for, fast_start_method, map_ordered, worker_count

__all__ = [
    "FOUND_BY",
    "LABEL_COLOURS",
    "NO_PURE",
    "NO_PURE_NAME",
    "OUTSIDE",
    "OUTSIDE_COLOUR",
    "OUTSIDE_NAME",
    "V2_COLOURS",
    "Axis",
    "PhaseDiagram",
    "cell_edges",
    "grid_axis",
    "phase_diagram",
    "relationship_labels",
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
OUTSIDE_NAME_V2 = "outside the spec's orderings (or δ = 1: no finite v2 value)"
"""Name of :data:`OUTSIDE` in a v2 diagram (v2's values need ``quarterly_discount`` < 1)."""

LABEL_COLOURS: dict[str, str] = {
    **dict(zip(LABELS, (OKABE_ITO[i] for i in (0, 5, 6, 3, 2, 1, 9, 4)), strict=True)),
    NO_PURE_NAME: "#BBBBBB",
}
"""One colour per equilibrium label, in every phase diagram (report, CLI figure, dashboard).

Boycott is orange, as the boycott policy in every fan chart (``qpq.palette.fixed_colours``);
intervention vermillion, Plan B reddish purple, crackdown backfires yellow, deal holds
green, recognition without deal sky blue, recognition withdrawn wine, engage without
recognition blue; points without a pure PBE light grey.
"""
OUTSIDE_COLOUR = "#FFFFFF"
"""Points outside the orderings are left blank."""
V2_COLOURS = tuple(c for c in OKABE_ITO if c != "#000000")
"""v2's strategy labels take these in the order of their codes on the grid (black, the
colour of the charts' marks, is left out; past the ninth label they repeat)."""

MAX_POINTS = 1_000_000

V2_POINT_SECONDS = 0.022
"""CPU seconds of a v2 diagram's grid point, for the cost guard
(:func:`qpq.game.check_relationship_budget`): ``python -m bench game_v2``, 2026-12-07 (the
first run after the tracing's new schedule), the 16 × 16 diagram over ``iskp_pull`` ×
``crackdown_intensity`` took 5.6 s of CPU over all processes (0.022 s a point; the tracing
ran at 56% of them). 0.075 until then (19.1 s under the former schedule, 2026-12-05); a
later run the same day, on a host slower per CPU second, took 7.8 s (0.030): the estimate
is good to a factor of about 1.5 between hosts."""
V2_POINT_SECONDS_PURE = 0.015
"""The same without the tracing (``mixed=False``, ``--pure-only``): 3.8 s of CPU for the
256 points in the same run (3.3 s on 2026-12-05, 6.0 s on the slower host)."""

FOUND_BY = ("pure", "traced, pure", "mixed", "no fixed point (not traced)")
"""How v2's strategies at a point were found (codes of :attr:`PhaseDiagram.found_by`):
policy iteration reached a pure fixed point; the logit tracing found pure strategies;
it found mixed ones (with their regret); policy iteration did not converge and the
tracing was not run (``mixed=False``)."""

V2_SELECTION_RULE = ("model v2: stationary Markov strategies; the China-preferred pure PBE of "
                     "each stage game at the relationship's values (policy iteration), logit "
                     "tracing where they cycle")
V2_CHUNK = 256


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
        (v2: ``security`` is NaN and ``p_recognised`` is the probability, at China's
        prior, that the quarter after an unrecognised one starts recognised.)
    default_point, default_label
        The swept parameters' defaults (x, y) and the label there, with the other
        parameters as fixed (:data:`OUTSIDE_NAME` if that point breaks an ordering).
    fixed
        Overrides of the defaults used for the other parameters.
    method, selection_rule, tolerance, seconds, workers
        Provenance and cost (``seconds``: the solver's wall time; ``workers`` 0: chosen
        automatically).
    model
        ``"v1"`` or ``"v2"`` (:data:`MODELS`).
    names
        The label names the codes of ``label`` index (v1: :data:`LABELS`; v2: the distinct
        strategy labels on this grid, see :func:`relationship_labels`).
    regret, value, found_by
        v2 only (NaN / −1 for v1 and outside the orderings): the largest gain from a
        deviation at any information set (≈ 0 unless mixed), China's value of the
        relationship from the unrecognised state, and how the strategies were found
        (index into :data:`FOUND_BY`).
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
    model: str = "v1"
    names: tuple[str, ...] = LABELS
    regret: FloatArray | None = None
    value: FloatArray | None = None
    found_by: NDArray[np.int64] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx)."""
        ny, nx = self.label.shape
        return int(ny), int(nx)

    def label_names(self) -> list[str]:
        """Names of the codes: the labels, then "no pure PBE", "outside orderings"."""
        return [*self.names, NO_PURE_NAME,
                OUTSIDE_NAME_V2 if self.model == "v2" else OUTSIDE_NAME]

    def label_index(self) -> NDArray[np.int64]:
        """(ny, nx) position of each point's label in :meth:`label_names`."""
        return np.where(self.label >= 0, self.label, len(self.names) - 1 - self.label)

    def name_of(self, code: int) -> str:
        """Name of one label code."""
        names = self.label_names()
        return names[code] if code >= 0 else names[len(self.names) - 1 - code]

    def cell_text(self, j: int, i: int) -> str:
        """The label of cell (row j, column i), with its regret where v2's play is mixed."""
        name = self.name_of(int(self.label[j, i]))
        if (self.found_by is not None and self.regret is not None
                and self.found_by[j, i] == FOUND_BY.index("mixed")):
            name += f" (regret {self.regret[j, i]:.3g})"
        return name

    def shares(self) -> dict[str, float]:
        """Share of the solved grid points per primary label (and "no pure PBE")."""
        solved = self.label != OUTSIDE
        total = int(solved.sum())
        out: dict[str, float] = {}
        for code in [*range(len(self.names)), NO_PURE]:
            k = int((self.label == code).sum())
            if k:
                out[self.name_of(code)] = k / total
        return out

    def found_by_shares(self) -> dict[str, float]:
        """v2: share of the solved grid points by how their strategies were found.

        Keys from :data:`FOUND_BY`, only those present; empty for v1 or a grid with no
        solved point.
        """
        if self.found_by is None:
            return {}
        kinds = self.found_by[self.label != OUTSIDE]
        if not kinds.size:
            return {}
        return {k: float((kinds == i).mean()) for i, k in enumerate(FOUND_BY)
                if (kinds == i).any()}

    def mixed_regret(self) -> tuple[float, float] | None:
        """v2: median and largest regret over the cells whose play is mixed (``None``: none)."""
        if self.found_by is None or self.regret is None:
            return None
        mixed = self.found_by == FOUND_BY.index("mixed")
        if not mixed.any():
            return None
        return float(np.median(self.regret[mixed])), float(self.regret[mixed].max())

    def colours(self) -> dict[str, str]:
        """The colour of each label on the grid, in :meth:`label_names` order.

        v1's labels keep :data:`LABEL_COLOURS`; v2's strategy labels take
        :data:`V2_COLOURS` in the order of their codes among those on the grid; points
        outside the orderings are :data:`OUTSIDE_COLOUR`. The one rule of every phase chart
        (report, CLI figure, dashboard).
        """
        names = self.label_names()
        present = set(np.unique(self.label_index()).tolist())
        outside = names[-1]
        out: dict[str, str] = {}
        k = 0
        for code, name in enumerate(names):
            if code not in present:
                continue
            if name == outside:
                out[name] = OUTSIDE_COLOUR
            elif name in LABEL_COLOURS:
                out[name] = LABEL_COLOURS[name]
            else:
                out[name] = V2_COLOURS[k % len(V2_COLOURS)]
                k += 1
        return out

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary with the grids as nested lists (labels by name)."""
        names = np.array(self.label_names(), dtype=object)
        codes = self.label_index()
        solved = self.label != OUTSIDE
        v2 = self.model == "v2"
        extra: dict[str, Any] = {}
        if v2 and self.regret is not None and self.found_by is not None:
            found = np.array([*FOUND_BY, None], dtype=object)[self.found_by]
            # v1's document is left as it was (its golden output), so only v2 names a model
            extra = {"model": self.model, "regret": self.regret, "value": self.value,
                     "found_by": found.tolist(),
                     "found_by_shares": self.found_by_shares(),
                     "label_key": LABEL_KEY,
                     "cell": [[self.cell_text(j, i) for i in range(self.shape[1])]
                              for j in range(self.shape[0])]}
        return {
            "x": {"name": self.x.name, "unit": self.x.unit, "values": self.x.values},
            "y": {"name": self.y.name, "unit": self.y.unit, "values": self.y.values},
            "shape": list(self.shape),
            "label": names[codes].tolist(),
            "multiple": None if v2 else self.multiple, "tie": None if v2 else self.tie,
            "tie_equivalent": None if v2 else self.tie_equivalent,
            "first_move": [[FIRST_MOVES[m].label if m >= 0 else None for m in row]
                           for row in self.first_move.tolist()],
            "security": self.security, "p_recognised": self.p_recognised,
            "shares": self.shares(),
            "multiple_share": (None if v2 else float(self.multiple[solved].mean())
                               if solved.any() else 0.0),
            "tie_share": (None if v2 else float(self.tie[solved].mean())
                          if solved.any() else 0.0),
            "default_point": {self.x.name: self.default_point[0],
                              self.y.name: self.default_point[1],
                              "label": self.default_label},
            "fixed": self.fixed, "method": self.method, "selection_rule": self.selection_rule,
            "tolerance": self.tolerance, "seconds": self.seconds, "workers": self.workers,
            **extra,
        }


_EFFORT_LETTERS = {"harbour": "h", "restrain": "r", "crackdown": "c", "coopt": "o"}

LABEL_KEY = ("v2 labels: 'unrecognised <China's first move>: <its final actions at the "
             "signals>, efforts <one letter per type>; recognised: <final actions>, efforts "
             "<letters>; <how found>'; types in the order "
             + " ".join(t.label for t in FULL_GAME.types) + "; efforts "
             + ", ".join(f"{v} {k}" for k, v in _EFFORT_LETTERS.items())
             + "; final actions listed in the model's order; where mixed, the most probable "
             "choices")
"""How to read :func:`relationship_labels`' names."""


def relationship_labels(first_move: NDArray[np.int64], effort: NDArray[np.int8],
                        response: NDArray[np.int8], found_by: NDArray[np.int64]
                        ) -> tuple[NDArray[np.int64], tuple[str, ...]]:
    """One label per point of model v2's relationship, and the distinct names.

    ``first_move`` (n,), ``effort`` (n, 2, T), ``response`` (n, 2, S) as in
    :class:`qpq.game.Relationship` (FULL_GAME's types and efforts), ``found_by`` (n,) into
    :data:`FOUND_BY`. A label names China's first move while unrecognised, the final
    actions China takes at some signal in each state (which ones, not at which signal),
    each type's effort in each state, and how the strategies were found (see
    :data:`LABEL_KEY`). Returns codes (n,) into the names, which are sorted by the
    strategies they stand for (first move, efforts, actions), so that equal strategies
    get equal codes on any grid.
    """
    n = first_move.shape[0]
    used = np.zeros((n, 2, len(FINAL_ACTIONS)), dtype=np.int64)
    np.put_along_axis(used, response.astype(np.int64), 1, axis=2)
    key = np.concatenate([first_move[:, None], effort[:, 0].astype(np.int64),
                          effort[:, 1].astype(np.int64), used[:, 0], used[:, 1],
                          found_by[:, None]], axis=1)
    rows, codes = np.unique(key, axis=0, return_inverse=True)
    n_t = effort.shape[2]
    letters = [_EFFORT_LETTERS[e.label] for e in FULL_GAME.efforts]
    names = []
    for row in rows.tolist():
        e0, e1 = row[1:1 + n_t], row[1 + n_t:1 + 2 * n_t]
        u0 = row[1 + 2 * n_t:1 + 2 * n_t + len(FINAL_ACTIONS)]
        u1 = row[1 + 2 * n_t + len(FINAL_ACTIONS):-1]

        def acts(u: list[int]) -> str:
            return "/".join(f.value for f, k in zip(FINAL_ACTIONS, u, strict=True) if k)
        names.append(f"unrecognised {FIRST_MOVES[row[0]].label}: {acts(u0)}, efforts "
                     f"{''.join(letters[k] for k in e0)}; recognised: {acts(u1)}, efforts "
                     f"{''.join(letters[k] for k in e1)}; {FOUND_BY[row[-1]]}")
    return np.asarray(codes, dtype=np.int64).reshape(n), tuple(names)


def _relationship_chunk(task: tuple[Mapping[str, FloatArray], float, bool]) -> dict[str, Any]:
    """What a v2 diagram keeps of :func:`solve_relationship` at some points."""
    params, tol, mixed = task
    rel = solve_relationship(params, FULL_GAME, tol=tol, mixed=mixed)
    n = rel.n_points
    found = np.where(rel.converged, 0, np.where(
        rel.traced, np.where(rel.pure.all(axis=1), 1, 2), 3)).astype(np.int64)
    ps = np.broadcast_to(params["prior_sincere"], (n,))
    ph = np.broadcast_to(params["p_high_capacity"], (n,))
    prior = type_prior(ps, ph, FULL_GAME.types)
    return {"first_move": rel.first_move, "effort": rel.effort, "response": rel.response,
            "found_by": found, "regret": rel.regret, "value": rel.value,
            "p_recognised": (prior * rel.recognised_next[:, 0, :]).sum(axis=1)}


def _solve_relationships(params: Mapping[str, FloatArray], tol: float, mixed: bool,
                         workers: int | None, on_chunk: Callable[[int], None] | None
                         ) -> dict[str, Any]:
    """:func:`_relationship_chunk` over chunks of points, spread over worker processes.

    Neighbouring grid points tend to need the same work (the logit tracing runs in
    regions), so chunk k takes every K-th point: each chunk gets a share of every region
    and the workers finish together. A point's answer does not depend on its chunk.
    """
    n = next(iter(params.values())).shape[0]
    n_work = worker_count(workers)
    # at least one chunk per worker; larger chunks otherwise (the tracing's work per
    # iteration is vectorised over a chunk's points)
    n_chunks = max(1, min(n, max(n_work, -(-n // V2_CHUNK))))
    order = dealt(n, n_chunks)
    tasks = [({k: v[rows] for k, v in params.items()}, tol, mixed) for rows in order]
    start = fast_start_method()
    out: dict[str, Any] = {}
    done = 0
    with contextlib.ExitStack() as stack:
        ex = stack.enter_context(executor_for(min(n_work, n_chunks), start_method=start))
        for rows, part in zip(order, map_ordered(ex, _relationship_chunk, tasks),
                              strict=True):
            for k, v in part.items():
                if k not in out:
                    out[k] = np.zeros((n, *v.shape[1:]), dtype=v.dtype)
                out[k][rows] = v
            done += rows.size
            if on_chunk is not None:
                on_chunk(done)
    return out


V2_AXES = ("quarterly_discount",)
"""Parameters a v2 sweep may take as axes besides the game's (the relationship's δ)."""


def grid_axis(registry: ParameterRegistry, name: str, n: int, model: str = "v1") -> Axis:
    """``n`` evenly spaced values over a parameter's range (whole values if integer)."""
    allowed = GAME_PARAMETERS + (V2_AXES if model == "v2" else ())
    if name not in allowed:
        raise BadInputError(f"{name!r} is not a parameter of the game"
                            + (" nor v2's discount" if model == "v2" else "")
                            + did_you_mean(name, allowed) + "; sweep one of: "
                            + ", ".join(allowed))
    p = registry[name]
    try:
        n = check_whole(n, "n", minimum=2)
    except BadInputError:
        raise BadInputError(f"a sweep needs a whole number of at least 2 values per axis, "
                            f"got {n!r}") from None
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
                  on_chunk: Callable[[int], None] | None = None, model: str = "v1",
                  mixed: bool = True) -> PhaseDiagram:
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
    model
        ``"v1"``: the one-round game (:func:`qpq.game.solve_ensemble`); ``"v2"``: the
        repeated relationship (:func:`qpq.game.solve_relationship` at every point; points
        with ``quarterly_discount`` ≥ 1 are not solved and marked :data:`OUTSIDE`).
    mixed
        v2: trace mixed strategies where policy iteration finds no pure fixed point
        (``solve_relationship``'s ``mixed``; by far the costliest part of a v2 sweep).
    """
    if not isinstance(registry, ParameterRegistry):
        raise BadInputError("registry must be a qpq.model.ParameterRegistry, e.g. "
                            f"ParameterRegistry.from_case(case); got {type(registry).__name__}")
    check_model(model)
    tol = check_tol(tol)
    workers = check_workers(workers)
    mixed = check_flag(mixed, "mixed")
    if x == y:
        raise BadInputError(f"x and y (--x, --y) must differ, both are {x!r}")
    # a list reached dict() ("dictionary update sequence element #0 ...")
    over = as_mapping(overrides, "overrides")
    clash = [k for k in (x, y) if k in over]
    if clash:
        raise BadInputError(f"{', '.join(clash)} is swept, so it cannot also be set in the "
                            "overrides (--set)")
    base = registry.defaults().as_dict()
    base.update({k: registry.parse_value(k, v) for k, v in over.items()})
    # the swept parameters' defaults are not part of any grid point, so an override may
    # break an ordering with them (e.g. restrain_intensity above the default crackdown)
    problems = registry.check_constraints({k: v for k, v in base.items() if k not in (x, y)})
    if problems:
        raise BadInputError("the parameter values are inconsistent:", problems)
    ax = grid_axis(registry, x, n, model)
    ay = grid_axis(registry, y, n if ny is None else ny, model)
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
    if model == "v2":
        # v2's values are finite only for δ < 1 (choice V6)
        feasible &= values["quarterly_discount"] < 1.0
    found = np.full(gx.size, -1, dtype=np.int64)
    regret = np.full(gx.size, np.nan)
    value = np.full(gx.size, np.nan)
    names: tuple[str, ...] = LABELS
    v2 = model == "v2"
    default_ok = not registry.check_constraints(base) and not (
        v2 and base["quarterly_discount"] >= 1)
    d_label = None
    if v2:
        check_relationship_budget(
            int(feasible.sum()) + default_ok, V2_POINT_SECONDS if mixed else
            V2_POINT_SECONDS_PURE, unit="grid points", what="at every grid point",
            lower="lower --n" + (", or --pure-only" if mixed else ""))
    if v2 and (feasible.any() or default_ok):
        # the defaults ride along as one more point: a v2 point can take seconds alone
        rows = {k: np.concatenate([v[feasible], [base[k]] if default_ok else []])
                for k, v in values.items()}
        r = _solve_relationships(registry.validate_arrays(rows), tol, mixed, workers,
                                 on_chunk)
        codes, names = relationship_labels(r["first_move"], r["effort"], r["response"],
                                           r["found_by"])
        k = int(feasible.sum())
        if default_ok:
            d_label = names[int(codes[k])]
        label[feasible] = codes[:k]
        move[feasible] = r["first_move"][:k]
        p_rec[feasible] = r["p_recognised"][:k]
        found[feasible] = r["found_by"][:k]
        regret[feasible] = r["regret"][:k]
        value[feasible] = r["value"][:k]
    elif feasible.any():
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
    if not default_ok:
        d_label = OUTSIDE_NAME_V2 if v2 else OUTSIDE_NAME
    elif not v2:
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
        tolerance=tol, seconds=seconds, workers=workers if workers is not None else 0,
        model=model, names=names,
        method=RELATIONSHIP_METHOD if v2 else ENSEMBLE_METHOD,
        selection_rule=V2_SELECTION_RULE if v2 else SELECTION_RULE,
        regret=regret.reshape(shape) if v2 else None,
        value=value.reshape(shape) if v2 else None,
        found_by=found.reshape(shape) if v2 else None)
