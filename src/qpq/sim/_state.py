"""The simulator's state: one array per state variable over a chunk of scenarios.

Per scenario (docs/model-dynamics.md §2):

* Uyghur militant stocks (continuous fighters) by location and affiliation: border zone
  (Badakhshan/Wakhan), interior (Baghlan/Takhar), co-opted into Taliban ranks, ISKP,
  abroad (Syria, Pakistan) and neutralised (arrested, deported, killed; cumulative), plus
  the cumulative number transferred to China (a part of the neutralised);
* ISKP strength (index 0-1) and whether ISKP has been founded;
* Taliban control (multiplies capacity; drifts with control and conflict shocks);
* the Taliban's true type (drawn once) and China's belief over the four types;
* recognition (de jure in force), the Plan B / intervention in force this quarter
  (0 none, 1 Plan B, 2 intervention) and quarters since the last attack.

A :class:`ChunkState` is mutable working memory of the engine; calibrated particles are
stored as plain dicts of its arrays (:meth:`ChunkState.to_arrays`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.game import FULL_GAME, type_prior
from qpq.sim._rng import Purpose, block_generator

__all__ = ["STOCKS", "TYPE_CAPACITY_HIGH", "TYPE_SINCERE", "ChunkState", "fresh_state",
           "prior_belief"]

STOCKS = ("border", "interior", "coopted", "iskp", "abroad", "neutralised")
"""The militant stocks, in conservation order (their sum changes only by recruitment)."""

TYPE_SINCERE = np.array([t.sincere for t in FULL_GAME.types])
"""Sincerity of each type, in the game's order."""

TYPE_CAPACITY_HIGH = np.array([t.high_capacity for t in FULL_GAME.types])
"""High capacity of each type, in the game's order."""

FloatArray = NDArray[np.float64]


@dataclass
class ChunkState:
    """State arrays of a chunk of scenarios (all of length n; ``belief`` is (4, n))."""

    pool_index: NDArray[np.int64]
    type_index: NDArray[np.int64]
    border: FloatArray
    interior: FloatArray
    coopted: FloatArray
    iskp: FloatArray
    abroad: FloatArray
    neutralised: FloatArray
    transferred: FloatArray
    strength: FloatArray
    founded: NDArray[np.bool_]
    control: FloatArray
    belief: FloatArray
    recognised: NDArray[np.bool_]
    planb: NDArray[np.int8]
    quiet: NDArray[np.int64]

    @property
    def n(self) -> int:
        """Number of scenarios."""
        return int(self.pool_index.shape[0])

    @property
    def sincere(self) -> NDArray[np.bool_]:
        """Whether each scenario's Taliban are the sincere type."""
        return np.asarray(TYPE_SINCERE[self.type_index])

    @property
    def high_capacity(self) -> NDArray[np.bool_]:
        """Whether each scenario's Taliban have high capacity."""
        return np.asarray(TYPE_CAPACITY_HIGH[self.type_index])

    @property
    def mu(self) -> FloatArray:
        """China's belief that the Taliban are sincere."""
        return np.asarray(self.belief[0] + self.belief[1])

    def active_militants(self) -> FloatArray:
        """Militants not neutralised (border + interior + co-opted + ISKP + abroad)."""
        return np.asarray(self.border + self.interior + self.coopted + self.iskp + self.abroad)

    def total(self) -> FloatArray:
        """Sum of all six stocks (conserved up to recruitment)."""
        return np.asarray(self.active_militants() + self.neutralised)

    def to_arrays(self) -> dict[str, NDArray[Any]]:
        """Copies of every array, by field name."""
        return {f.name: np.array(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, NDArray[Any]],
                    index: NDArray[np.int64] | None = None) -> ChunkState:
        """A state from :meth:`to_arrays` output, optionally taking rows ``index``."""
        def pick(name: str) -> NDArray[Any]:
            a = np.asarray(arrays[name])
            if index is None:
                return np.array(a)
            return np.array(a[:, index] if name == "belief" else a[index])

        return cls(**{f.name: pick(f.name) for f in fields(cls)})


def prior_belief(prior_sincere: FloatArray, p_high_capacity: FloatArray) -> FloatArray:
    """China's belief over the four types where a run starts, ``(T, n)``.

    From each scenario's ``prior_sincere`` and ``p_high_capacity``; a forecast's
    counterfactual (:meth:`qpq.sim.CalibrationResult.with_prior_belief`) uses it too.
    """
    return np.ascontiguousarray(type_prior(prior_sincere, p_high_capacity).T)


def fresh_state(pool_index: NDArray[np.int64], params: Mapping[str, Any],
                blocks: list[tuple[int, int, int]], seed: int, in_power: bool,
                forced_type: int | None = None) -> ChunkState:
    """The state at the start of a run (1996 by default).

    Parameters
    ----------
    pool_index
        Parameter point of each scenario of the chunk.
    params
        Per-scenario parameters (arrays of length n, or scalars).
    blocks
        ``(block, first, stop)`` of the chunk's blocks (global scenario indices).
    seed
        Ensemble seed; the type is drawn from each block's (seed, types, block) stream.
    in_power
        Whether the Taliban govern in the first quarter (sets initial control).
    forced_type
        Give every scenario this type index (for proposition tests) instead of drawing.
    """
    n = pool_index.shape[0]
    first = blocks[0][1]
    u = np.empty((2, n))
    for b, lo, hi in blocks:
        u[:, lo - first:hi - first] = block_generator(seed, Purpose.TYPES, b).random(
            (2, hi - lo))

    def arr(name: str) -> FloatArray:
        return np.broadcast_to(np.asarray(params[name], dtype=float), (n,)).copy()

    ps, ph = arr("prior_sincere"), arr("p_high_capacity")
    if forced_type is None:
        type_index = FULL_GAME.type_index(u[0] < ps, u[1] < ph)
    else:
        type_index = np.full(n, int(forced_type), dtype=np.int64)
    belief = prior_belief(ps, ph)
    control = np.ones(n) if in_power else arr("insurgent_control")
    return ChunkState(
        pool_index=np.asarray(pool_index, dtype=np.int64), type_index=type_index,
        border=arr("militants_initial_border"), interior=np.zeros(n), coopted=np.zeros(n),
        iskp=np.zeros(n), abroad=arr("militants_initial_abroad"), neutralised=np.zeros(n),
        transferred=np.zeros(n), strength=np.zeros(n), founded=np.zeros(n, dtype=bool),
        control=control, belief=belief, recognised=np.zeros(n, dtype=bool),
        planb=np.zeros(n, dtype=np.int8), quiet=np.zeros(n, dtype=np.int64))
