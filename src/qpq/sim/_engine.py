"""The ensemble engine: chunks of whole blocks, any number of workers, same numbers.

:func:`simulate` cuts the N scenarios of a :class:`RunSpec` into execution chunks of
``chunk_blocks`` random-stream blocks, runs each chunk through every quarter
(:class:`qpq.sim._dynamics.Dynamics`) in this process or in worker processes, and merges
the chunks **in block order**. Per-scenario window statistics (:class:`WindowStat`) are
exact per scenario; ensemble means per quarter are sums over fixed blocks added in block
order; a deterministic subsample of scenarios keeps full time series. So the result is
identical for any chunk size and any number of workers (tested), and memory is bounded by
one chunk's working set plus a few numbers per scenario.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from qpq.parallel import ChunkExecutor, executor_for, map_ordered
from qpq.sim._dynamics import Dynamics, StepOptions
from qpq.sim._lookup import ContinuationTable
from qpq.sim._policies import resolve_policy
from qpq.sim._pools import ParameterPool
from qpq.sim._relationship_table import RelationshipTable
from qpq.sim._rng import BLOCK_SIZE, Purpose, block_bounds, block_generator
from qpq.sim._state import ChunkState, fresh_state
from qpq.sim._timeline import Timeline

__all__ = [
    "SERIES",
    "ChunkResult",
    "Particles",
    "RunSpec",
    "SimResult",
    "Statistic",
    "WindowStat",
    "simulate",
]

FloatArray = NDArray[np.float64]
Statistic = Literal["mean", "final", "max", "min", "sum", "discounted_sum", "first_positive"]

SERIES: tuple[str, ...] = (
    "militants_border", "militants_interior", "militants_coopted", "militants_iskp",
    "militants_abroad", "militants_neutralised", "iskp_strength", "taliban_control",
    "belief_sincere", "engaged", "recognised", "taliban_effort", "expected_attacks_china",
    "expected_attacks_nationals", "expected_attacks_central_asia",
)
"""Variables recorded per quarter (ensemble means and the sampled scenarios' series)."""


@dataclass(frozen=True, slots=True)
class WindowStat:
    """A per-scenario statistic of one output over the quarters ``[start, stop]``.

    ``first_positive`` is the number of quarters from ``start`` to the first quarter with a
    positive value (NaN if none); ``discounted_sum`` discounts by ``quarterly_discount``
    from ``start``.
    """

    name: str
    quantity: str
    start: int
    stop: int
    statistic: Statistic = "mean"


@dataclass(frozen=True)
class Particles:
    """Scenario states to start from (calibrated particles) instead of a fresh 1996 state.

    ``arrays`` holds :meth:`ChunkState.to_arrays` output for every particle (its
    ``pool_index`` points into the run's pool); each scenario picks a particle uniformly
    from its block's resampling stream.
    """

    arrays: Mapping[str, NDArray[Any]]

    @property
    def size(self) -> int:
        """Number of particles."""
        return int(np.asarray(self.arrays["pool_index"]).shape[0])

    def take(self, index: NDArray[np.int64]) -> Particles:
        """The particles at ``index``, as a new set."""
        return Particles(ChunkState.from_arrays(self.arrays, index).to_arrays())


@dataclass(frozen=True)
class RunSpec:
    """Everything a chunk needs: history, parameters, lookup, policy, seed, what to record.

    Attributes
    ----------
    timeline
        The quarters to simulate and their history.
    pool, table
        Parameter points and their lookup (same P): v1's continuation table or model v2's
        relationship table.
    policy
        Name of a registry policy.
    n, seed
        Ensemble size and seed.
    purpose
        Which dynamics stream family to use (history or forecast).
    particles
        Start from these states (else a fresh state; scenario i uses pool point
        ``i * P // n``).
    stats
        Per-scenario window statistics to return.
    series_sample
        About this many scenarios keep full series (every ``ceil(n / k)``-th).
    keep_state
        Return every scenario's final state (for calibration particles).
    options
        Proposition-test switches; ``forced_type`` gives every scenario one type.
    """

    timeline: Timeline
    pool: ParameterPool
    table: ContinuationTable | RelationshipTable
    policy: str
    n: int
    seed: int
    purpose: Purpose = Purpose.DYNAMICS
    particles: Particles | None = None
    stats: tuple[WindowStat, ...] = ()
    series_sample: int = 0
    keep_state: bool = False
    options: StepOptions = field(default_factory=StepOptions)
    forced_type: int | None = None

    @property
    def n_blocks(self) -> int:
        """Number of random-stream blocks."""
        return (self.n + BLOCK_SIZE - 1) // BLOCK_SIZE

    @property
    def stride(self) -> int:
        """Every ``stride``-th scenario keeps its series."""
        return max(1, math.ceil(self.n / self.series_sample)) if self.series_sample else 0


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk returns (arrays over its scenarios, in global order)."""

    first: int
    stats: dict[str, FloatArray]
    block_sums: FloatArray
    sample_index: NDArray[np.int64]
    sample_series: FloatArray
    type_index: NDArray[np.int64]
    pool_index: NDArray[np.int64]
    state: dict[str, NDArray[Any]] | None


@dataclass(frozen=True)
class SimResult:
    """The merged result of :func:`simulate`.

    Attributes
    ----------
    spec
        The run.
    stats
        ``name -> (n,)`` per-scenario window statistics.
    mean_series
        (T, V) ensemble means per quarter of :data:`SERIES`.
    sample_index, sample_series
        Scenarios with full series and their series (T, k, V).
    type_index, pool_index
        Each scenario's true type and parameter point.
    state
        Final states (when ``keep_state``).
    """

    spec: RunSpec
    stats: dict[str, FloatArray]
    mean_series: FloatArray
    sample_index: NDArray[np.int64]
    sample_series: FloatArray
    type_index: NDArray[np.int64]
    pool_index: NDArray[np.int64]
    state: dict[str, NDArray[Any]] | None

    def series_frame(self) -> dict[str, FloatArray]:
        """Ensemble means by variable name, (T,) each."""
        return {v: self.mean_series[:, j] for j, v in enumerate(SERIES)}


# --------------------------------------------------------------------------- one chunk


class _Window:
    def __init__(self, w: WindowStat, n: int, discount: Any) -> None:
        self.w = w
        self.discount = discount
        init = {"max": -np.inf, "min": np.inf, "first_positive": np.nan}.get(w.statistic, 0.0)
        self.value = np.full(n, init)
        self.count = 0

    def update(self, q: int, x: NDArray[Any]) -> None:
        w = self.w
        if not w.start <= q <= w.stop:
            return
        stat = w.statistic
        if stat in ("mean", "sum"):
            self.value += x
        elif stat == "final":
            self.value = np.array(x, dtype=float)
        elif stat == "max":
            np.maximum(self.value, x, out=self.value)
        elif stat == "min":
            np.minimum(self.value, x, out=self.value)
        elif stat == "discounted_sum":
            self.value += np.asarray(self.discount) ** (q - w.start) * x
        elif stat == "first_positive":
            hit = np.isnan(self.value) & (np.asarray(x) > 0)
            self.value[hit] = q - w.start
        self.count += 1

    def result(self) -> FloatArray:
        if self.w.statistic == "mean":
            return self.value / self.count if self.count else np.full_like(self.value, np.nan)
        if self.count == 0 and self.w.statistic != "first_positive":
            return np.full_like(self.value, np.nan)
        return self.value


def _initial_state(spec: RunSpec, blocks: list[tuple[int, int, int]]) -> ChunkState:
    lo, hi = blocks[0][1], blocks[-1][2]
    idx = np.arange(lo, hi)
    if spec.particles is None:
        pool_index = (idx * spec.pool.size) // spec.n
        params = {k: v[pool_index] for k, v in spec.pool.values.items()}
        return fresh_state(pool_index, params, blocks, spec.seed,
                           spec.timeline.in_power(spec.timeline.start), spec.forced_type)
    pick = np.empty(hi - lo, dtype=np.int64)
    for b, b_lo, b_hi in blocks:
        gen = block_generator(spec.seed, Purpose.RESAMPLE, b)
        pick[b_lo - lo:b_hi - lo] = gen.integers(0, spec.particles.size, size=b_hi - b_lo)
    state = ChunkState.from_arrays(spec.particles.arrays, pick)
    if spec.forced_type is not None:
        state.type_index[:] = spec.forced_type
    return state


def run_chunk(spec: RunSpec, block_start: int, block_stop: int) -> ChunkResult:
    """Simulate blocks ``[block_start, block_stop)`` of ``spec`` through every quarter."""
    blocks = block_bounds(spec.n, block_start, block_stop)
    first, last = blocks[0][1], blocks[-1][2]
    n = last - first
    state = _initial_state(spec, blocks)
    needed = frozenset({w.quantity for w in spec.stats} | set(SERIES))
    dyn = Dynamics(state, spec.pool.values, spec.table, resolve_policy(spec.policy),
                   spec.timeline, blocks, spec.seed, spec.purpose, spec.options, needed)
    windows = [_Window(w, n, dyn.p["quarterly_discount"]) for w in spec.stats]
    t_len = spec.timeline.n_quarters
    starts = np.array([lo - first for _, lo, _ in blocks])
    sums = np.zeros((t_len, len(blocks), len(SERIES)))
    idx = np.arange(first, last)
    sample = idx[idx % spec.stride == 0] if spec.stride else np.zeros(0, dtype=np.int64)
    local = sample - first
    series = np.zeros((t_len, sample.shape[0], len(SERIES)))
    for t, q in enumerate(range(spec.timeline.start, spec.timeline.stop)):
        out = dyn.step(q)
        for w in windows:
            w.update(q, out[w.w.quantity])
        for j, v in enumerate(SERIES):
            x = out[v]
            sums[t, :, j] = np.add.reduceat(x, starts)
            if local.size:
                series[t, :, j] = x[local]
    return ChunkResult(
        first=first, stats={w.w.name: w.result() for w in windows}, block_sums=sums,
        sample_index=sample, sample_series=series, type_index=state.type_index.copy(),
        pool_index=state.pool_index.copy(),
        state=state.to_arrays() if spec.keep_state else None)


def _run_chunk_args(args: tuple[RunSpec, int, int]) -> ChunkResult:
    return run_chunk(*args)


# --------------------------------------------------------------------------- the ensemble


def simulate(spec: RunSpec, *, chunk_blocks: int = 32, workers: int = 1,
             on_chunk: Callable[[int, int], None] | None = None,
             sink: Callable[[RunSpec, ChunkResult], None] | None = None,
             executor: ChunkExecutor | None = None) -> SimResult:
    """Run the whole ensemble of ``spec``.

    Parameters
    ----------
    spec
        The run.
    chunk_blocks
        Blocks of :data:`~qpq.sim._rng.BLOCK_SIZE` scenarios per execution chunk.
    workers
        Worker processes (1: run here). Results do not depend on it.
    on_chunk
        Called with (scenarios done, total) after each chunk (progress bars).
    sink
        Called with each chunk's result in block order (e.g. a Parquet writer).
    executor
        Run chunks on this executor (:mod:`qpq.parallel`; kept by the caller across runs,
        so worker processes start once); otherwise ``workers`` > 1 starts a process pool
        for this run.
    """
    if chunk_blocks < 1 or workers < 1:
        raise ValueError("chunk_blocks and workers must be at least 1")
    ranges = [(b, min(b + chunk_blocks, spec.n_blocks))
              for b in range(0, spec.n_blocks, chunk_blocks)]
    results: list[ChunkResult] = []
    def done(r: ChunkResult) -> None:
        results.append(r)
        if sink is not None:
            sink(spec, r)
        if on_chunk is not None:
            on_chunk(r.first + r.type_index.shape[0], spec.n)

    tasks = [(spec, lo, hi) for lo, hi in ranges]
    if executor is not None and len(ranges) > 1:
        for r in map_ordered(executor, _run_chunk_args, tasks):
            done(r)
    else:
        with executor_for(workers if len(ranges) > 1 else 1) as ex:
            for r in map_ordered(ex, _run_chunk_args, tasks):
                done(r)
    return _merge(spec, results)


def _merge(spec: RunSpec, results: Sequence[ChunkResult]) -> SimResult:
    stats = {w.name: np.concatenate([r.stats[w.name] for r in results]) for w in spec.stats}
    block_sums = np.concatenate([r.block_sums for r in results], axis=1)   # (T, B, V)
    mean = block_sums.sum(axis=1) / spec.n
    state = None
    if spec.keep_state:
        keys = results[0].state or {}
        state = {k: np.concatenate([r.state[k] for r in results if r.state is not None],
                                   axis=1 if k == "belief" else 0) for k in keys}
    return SimResult(
        spec=spec, stats=stats, mean_series=mean,
        sample_index=np.concatenate([r.sample_index for r in results]),
        sample_series=np.concatenate([r.sample_series for r in results], axis=1),
        type_index=np.concatenate([r.type_index for r in results]),
        pool_index=np.concatenate([r.pool_index for r in results]), state=state)
