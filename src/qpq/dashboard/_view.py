"""What the dashboard recomputes when a control changes: one function, no Streamlit.

:func:`compute_view` takes the loaded case (a :class:`Context`) and the controls' values
(:class:`Settings`) and returns a :class:`DashboardView`: the validated point, the game's
equilibrium with China free and under the chosen policy's first move, the phase-diagram
grid, and the forecast. :func:`view_charts` turns it into the two Altair charts. The app
calls exactly these on every rerun, passing cached versions of the two expensive steps
(the grid and the ensemble run) as ``grid_fn`` and ``run_fn``; the benchmark
(``bench/dashboard_bench.py``) times the same calls with the same caching.

The grid is keyed by the *other* parameters' values (not the axes'), so moving a slider
that is one of the two axes reuses the grid and only moves the mark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from qpq.case import Case, load_case
from qpq.dashboard._controls import AXIS_DEFAULTS, PointCheck, resolve_point
from qpq.dashboard._equilibrium import (
    EquilibriumView,
    RelationshipView,
    equilibrium_view,
    policy_first_move,
    relationship_view,
)
from qpq.dashboard._phase import PhaseGrid, phase_chart, phase_grid
from qpq.dashboard._whatif import ForecastView, WhatIfRequest, fan_chart, what_if
from qpq.model import ParameterRegistry, check_model
from qpq.sim import sim_registry

__all__ = [
    "V2_GRID_SIZE",
    "Context",
    "DashboardView",
    "GameFn",
    "GridFn",
    "RunFn",
    "Settings",
    "Values",
    "compute_view",
    "view_charts",
]

V2_GRID_SIZE = 9
"""Most points per axis of model v2's phase diagram: each point solves the repeated
relationship (hundredths of a second of CPU each, docs/model-game.md §8.1; a redraw with
the 9 × 9 grid took 1.8 s and, on a slower host, 3.4 s in ``python -m bench dashboard``
on 2026-12-07), so the default 21 × 21
would solve 441 points where 9 × 9 solves 81."""

Values = tuple[tuple[str, float], ...]
"""Parameter values as a sorted, hashable tuple of ``(name, value)`` pairs (cache keys)."""

GridFn = Callable[[Values, str, str, int, str], PhaseGrid]
"""``(other parameters' values, x, y, size, model) -> PhaseGrid`` (the app passes a cached
one)."""

RunFn = Callable[[Values, WhatIfRequest], ForecastView]
"""``(parameter values, request) -> ForecastView`` (the app passes a cached one)."""

GameFn = Callable[[Values, str | None, str], EquilibriumView | RelationshipView]
"""``(parameter values, policy or None for China free, model) -> the game's view`` (the
app passes a cached one: the bounded mixed search makes a solve cost about 0.2 s)."""


@dataclass(frozen=True)
class Context:
    """What never changes while the app runs: the case and its parameter registry."""

    case: Case
    registry: ParameterRegistry

    @classmethod
    def load(cls, case_dir: str | Path | None = None) -> Context:
        """Load a case folder (default: the built-in case) and the simulator's registry."""
        case = load_case(case_dir)
        return cls(case, sim_registry(case))

    def grid(self, values: Values, x: str, y: str, size: int, model: str = "v1"
             ) -> PhaseGrid:
        """The phase grid, uncached."""
        return phase_grid(self.registry, dict(values), x, y, size, model=model)

    def game(self, values: Values, policy: str | None, model: str
             ) -> EquilibriumView | RelationshipView:
        """The game at the point, uncached.

        China free (``policy`` ``None``) or committed to the policy's first move; model
        ``v1`` (the round) or ``v2`` (the relationship).
        """
        point = self.registry.point(dict(values))
        move = None if policy is None else policy_first_move(policy)
        if model == "v2":
            return relationship_view(point, move)
        return equilibrium_view(point, move)

    def run(self, values: Values, request: WhatIfRequest) -> ForecastView:
        """The what-if run, uncached (``values`` must make a valid point)."""
        point = self.registry.point(dict(values))
        return what_if(self.case, point, request)


@dataclass(frozen=True)
class Settings:
    """The controls' values.

    Attributes
    ----------
    values
        ``name -> value`` of the sliders shown (every other parameter at its default).
    policy
        China's policy (a simulator policy name).
    x_axis, y_axis, grid_size
        The phase diagram's axes and points per axis.
    request
        The forecast run (its ``policy`` is replaced by ``policy``).
    variable
        The fan chart's series.
    model
        The equilibrium panel's model: ``v1`` (the one-round game, with the committed game
        under a fixed policy) or ``v2`` (the repeated relationship).
    """

    values: Mapping[str, float] = field(default_factory=dict)
    policy: str = "equilibrium"
    x_axis: str = AXIS_DEFAULTS[0]
    y_axis: str = AXIS_DEFAULTS[1]
    grid_size: int = 21
    request: WhatIfRequest = field(default_factory=WhatIfRequest)
    variable: str = "militants_border"
    model: str = "v1"

    def key(self) -> Values:
        """The values as a sorted tuple (a cache key)."""
        return tuple(sorted((k, float(v)) for k, v in self.values.items()))

    def run_request(self) -> WhatIfRequest:
        """The forecast request with this policy."""
        r = self.request
        return WhatIfRequest(policy=self.policy, n=r.n, seed=r.seed, until=r.until,
                             window_start=r.window_start, grid_size=r.grid_size,
                             series_sample=r.series_sample)


@dataclass(frozen=True)
class DashboardView:
    """Everything the page shows, computed.

    Attributes
    ----------
    check
        The validated point (or the problems; then nothing else is computed).
    equilibrium
        The game with China free to choose its first move.
    committed
        The game with China's first move fixed by the policy (``None`` for
        ``equilibrium``, where China is free, and under model v2).
    relationship, committed_relationship
        Model v2's relationship at the point, with China free and committed to the
        policy's first move while unrecognised (``None`` under v1, and the committed one
        for ``equilibrium``); under v2 the v1 games are not computed, and the reverse.
    grid
        The phase diagram's grid.
    current
        The point's coordinates on the diagram's axes.
    forecast
        The ensemble run (``None`` when the caller asked for none).
    seconds
        Wall time of :func:`compute_view`.
    """

    check: PointCheck
    equilibrium: EquilibriumView | None = None
    committed: EquilibriumView | None = None
    grid: PhaseGrid | None = None
    current: tuple[float, float] = (float("nan"), float("nan"))
    forecast: ForecastView | None = None
    seconds: float = 0.0
    relationship: RelationshipView | None = None
    committed_relationship: RelationshipView | None = None


def compute_view(ctx: Context, settings: Settings, *, grid_fn: GridFn | None = None,
                 run_fn: RunFn | None = None, forecast: bool = True,
                 game_fn: GameFn | None = None) -> DashboardView:
    """Recompute the page for ``settings``.

    Parameters
    ----------
    ctx
        The case and registry.
    settings
        The controls' values.
    grid_fn, run_fn, game_fn
        The grid, ensemble and game steps (default: uncached :meth:`Context.grid`,
        :meth:`Context.run`, :meth:`Context.game`).
    forecast
        Run the ensemble (the app skips it in calibrated mode, which it runs itself).
    """
    import time

    start = time.perf_counter()
    check = resolve_point(ctx.registry, settings.values)
    if check.point is None:
        return DashboardView(check, seconds=time.perf_counter() - start)
    point = check.point
    check_model(settings.model)
    free: EquilibriumView | None = None
    committed: EquilibriumView | None = None
    relationship: RelationshipView | None = None
    committed_v2: RelationshipView | None = None
    game = game_fn or ctx.game
    key = settings.key()
    fixed = None if policy_first_move(settings.policy) is None else settings.policy
    if settings.model == "v2":
        relationship = _as(RelationshipView, game(key, None, "v2"))
        committed_v2 = None if fixed is None else _as(RelationshipView, game(key, fixed, "v2"))
    else:
        free = _as(EquilibriumView, game(key, None, "v1"))
        committed = None if fixed is None else _as(EquilibriumView, game(key, fixed, "v1"))
    x, y = settings.x_axis, settings.y_axis
    others = tuple(kv for kv in settings.key() if kv[0] not in (x, y))
    size = (settings.grid_size if settings.model == "v1"
            else min(settings.grid_size, V2_GRID_SIZE))
    grid = (grid_fn or ctx.grid)(others, x, y, size, settings.model)
    run = None
    if forecast:
        run = (run_fn or ctx.run)(settings.key(), settings.run_request())
    return DashboardView(check, free, committed, grid, (point[x], point[y]), run,
                         time.perf_counter() - start, relationship, committed_v2)


_T = TypeVar("_T")


def _as(kind: type[_T], value: object) -> _T:
    if not isinstance(value, kind):
        raise TypeError(f"game_fn returned {type(value).__name__}, expected {kind.__name__}")
    return value


def view_charts(view: DashboardView, variable: str, since: dt.date | None = None
                ) -> tuple[Any, Any]:
    """The phase chart and the fan chart of a view (``None`` for what was not computed)."""
    phase = None if view.grid is None else phase_chart(view.grid, view.current)
    fan = None if view.forecast is None else fan_chart(view.forecast, variable, since)
    return phase, fan
