"""A pinned model-v2 simulator run on synthetic strategies (`qpq sim run --model v2` solves them).

The strategies are a synthetic :class:`qpq.sim.RelationshipTable` drawn from a seeded
generator rather than solved: the dynamics do not care whether the strategies are an
equilibrium, solving takes seconds per cell, and random behaviour strategies reach every
branch of a v2 quarter — pure and mixed first moves, efforts and responses, in both
recognition states. The history is the built-in case's (1996-2027: the Taliban in and out
of power, US presence, the phase attributes of v2's stage regimes); the pool is the
defaults and three draws over the ranges, two of them with heavy attack rates and extreme
dispersions so that the negative-binomial counts are often positive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np

from qpq.case import load_case
from qpq.game import FULL_GAME
from qpq.game.analysis import sample_assumptions
from qpq.model import FINAL_ACTIONS, FIRST_MOVES
from qpq.sim import (
    ParameterPool,
    RelationshipTable,
    RunSpec,
    StepOptions,
    WindowStat,
    build_timeline,
    simulate,
)
from qpq.sim._lookup import mu_grid
from qpq.sim._policies import CONSEQUENCES, RECOGNIZE
from qpq.sim._pools import sim_registry

GRID = 4
N = 2048
GROUPS = 32          # per-scenario statistics are pinned as sums over groups of N / GROUPS


def _strategy(rng: np.random.Generator, shape: tuple[int, ...], valid: np.ndarray
              ) -> np.ndarray:
    """Behaviour strategies over the last axis: about half the rows pure, the rest mixed."""
    w = rng.gamma(0.7, size=(*shape, valid.size)) * valid
    w[w.sum(axis=-1) == 0] = valid          # an all-zero row plays the valid ones evenly
    pure = rng.random(shape) < 0.5
    one = np.zeros_like(w)
    np.put_along_axis(one, w.argmax(axis=-1)[..., None], 1.0, axis=-1)
    w = np.where(pure[..., None], one, w)
    return np.asarray(w / w.sum(axis=-1, keepdims=True))


def synthetic_table(pool: ParameterPool, regimes: tuple[Any, ...], seed: int
                    ) -> RelationshipTable:
    """Random behaviour strategies with the shapes and supports of a solved table."""
    rng = np.random.default_rng(seed)
    p, r, g = pool.size, len(regimes), GRID
    n_m, n_t, n_s = len(FIRST_MOVES), len(FULL_GAME.types), len(FULL_GAME.signals)
    n_e = FULL_GAME.n_efforts
    move = _strategy(rng, (p, r, g), np.ones(n_m, dtype=bool))
    effort0 = _strategy(rng, (p, r, g, n_m, n_t), np.ones(n_e, dtype=bool))
    effort1 = _strategy(rng, (p, r, g, n_t), np.ones(n_e, dtype=bool))
    response0 = np.stack([_strategy(rng, (p, r, g, n_s), CONSEQUENCES.valid[mi])
                          for mi in range(n_m)], axis=3)
    response1 = _strategy(rng, (p, r, g, n_s), CONSEQUENCES.valid[RECOGNIZE])
    assert response0.shape[-1] == len(FINAL_ACTIONS)
    shape = (p, r, g)
    return RelationshipTable(
        grid=mu_grid(g), regimes=regimes, move=move, effort0=effort0, effort1=effort1,
        response0=response0, response1=response1, regret=np.zeros(shape),
        traced=np.zeros(shape, dtype=bool), pure=np.zeros(shape, dtype=bool),
        value=np.zeros(shape))


def _groups(x: np.ndarray) -> list[float]:
    return [float(v) for v in x.reshape(GROUPS, -1).sum(axis=1)]


def run() -> dict[str, Any]:
    """The pinned document: ensemble means per quarter, grouped per-scenario statistics."""
    case = load_case()
    registry = sim_registry(case)
    base = registry.defaults()
    draws = sample_assumptions(registry, 3, np.random.default_rng(5)).params
    values = {k: np.concatenate([[base.arrays()[k][0]], np.asarray(draws[k], dtype=float)])
              for k in registry.names}
    values["attack_rate"][1:] *= (1.0, 20.0, 20.0)
    values["iskp_china_attack_rate"][2:] = 1.0
    values["attack_dispersion"][2:] = (0.2, 50.0)
    pool = ParameterPool(values, "golden")
    tl = build_timeline(case, dt.date(1996, 1, 1), dt.date(2027, 12, 31))
    table = synthetic_table(pool, tl.v2_regimes()[0], seed=11)
    first, last = tl.start, tl.stop - 1
    stats = tuple(WindowStat(f"{q}_{s}", q, first, last, s) for q, s in (
        ("china_payoff", "discounted_sum"), ("taliban_payoff", "sum"), ("china_pays", "sum"),
        ("attacks_china", "sum"), ("attacks_nationals", "sum"),
        ("attacks_central_asia", "sum"), ("first_move", "sum"), ("final_action", "sum"),
        ("taliban_effort", "sum"), ("defected", "sum"), ("un_report_close", "sum"),
        ("recognition_status", "sum"), ("planb_status", "sum"),
        ("militants_transferred", "sum"), ("attacks_nationals", "first_positive")))
    spec = RunSpec(timeline=tl, pool=pool, table=table, policy="equilibrium", n=N, seed=3,
                   stats=stats, keep_state=True)
    doc: dict[str, Any] = {}
    for name, run_spec in (
            ("equilibrium", spec),
            ("fixed_belief", dataclasses.replace(spec, options=StepOptions(fixed_belief=True))),
            ("forced_effort", dataclasses.replace(spec, options=StepOptions(forced_effort=2)))):
        res = simulate(run_spec, chunk_blocks=1)
        state = res.state or {}
        doc[name] = {
            "mean_series": {k: [float(x) for x in v] for k, v in res.series_frame().items()},
            "stats": {k: _groups(np.nan_to_num(v, nan=-1.0)) for k, v in res.stats.items()},
            "final_state": {k: _groups(np.asarray(v, dtype=float).reshape(-1, N).sum(axis=0))
                            for k, v in state.items()},
        }
    return doc
