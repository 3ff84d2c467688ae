"""Running experiments through the simulator: outcomes per policy, block by block.

An experiment is one parameter point of a :class:`~qpq.explore._designs.Design`. Its
outcome is the **expectation over the Taliban's type**: the experiment is simulated once
per type (types forced, China's belief starting at the experiment's prior) with
``replicates`` scenarios each, and the four type means are weighted by the prior
P(S)·P(H) of the experiment's ``prior_sincere`` and ``p_high_capacity``. This removes the
largest source of noise (the type lottery) exactly, at four runs per experiment; the rest
(suppression, defection, reports, control shocks) is averaged over the replicates.

Every run is the whole history from ``study.start`` (1996) to ``study.until`` under one of
China's policies; outcomes are measured over [``window_start``, ``until``]:

* ``china_security`` = −(expected attacks on China + ``nationals_severity`` × expected
  attacks on Chinese nationals) per year (expected counts, v1's Poisson rates or v2's
  negative-binomial means, so no count noise);
* ``militants_border``, ``militants_iskp``, ``iskp_strength``: values at the horizon;
* ``recognition_time``: quarters from the window start to de jure recognition, censored at
  the window's length when it never happens;
* ``china_payoff``, ``taliban_payoff``: discounted sums of the quarter's payoffs (v1's
  one-round game, v2's stage game).

**Determinism and chunks.** Experiments are evaluated by *noise block*: the rows whose
noise index (row // ``group_size``) lies in one block of
:data:`~qpq.sim._rng.BLOCK_SIZE`. Block b draws every random number from streams keyed by
(``seed``·2³² + b, purpose, replicate block) — nothing else — and all rows of a noise
index share them, for every policy and type (common random numbers). So
:func:`evaluate_block` is a pure function of (setup, design rows, block), and a study cut
into any chunks of whole blocks, run in any order on any number of workers, gives the same
numbers bit for bit.

**Memory allocator.** The lookup's kernel allocates and frees many arrays of a few
megabytes. glibc hands such blocks back to the operating system when they are freed and
faults fresh pages in at the next allocation; measured, that doubled the lookup's cost
(half of it in the kernel's page-fault handler). :func:`keep_freed_memory` raises glibc's
mmap and trim thresholds for the process that evaluates (once, explicitly, at the start of
every block; a no-op where there is no glibc), so freed blocks are reused.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from qpq.case import Case
from qpq.checks import as_names
from qpq.explore._designs import Design
from qpq.explore._scenario import TABLE_PARAMETERS, Study
from qpq.game import TYPES, type_prior
from qpq.model import check_model
from qpq.parallel import ChunkExecutor, InProcess, map_ordered
from qpq.sim import (
    BLOCK_SIZE,
    ContinuationTable,
    ParameterPool,
    RelationshipTable,
    RunSpec,
    Statistic,
    Timeline,
    WindowStat,
    build_table,
    build_timeline,
    moves_for,
    quarter_of,
    relationship_tables,
    simulate,
)

__all__ = [
    "Evaluation",
    "ModelSetup",
    "block_seed",
    "evaluate",
    "evaluate_block",
    "keep_freed_memory",
    "model_setup",
]

FloatArray = NDArray[np.float64]

# outcome -> (window statistics it needs: (name, output, statistic))
_NEEDS: dict[str, tuple[tuple[str, str, Statistic], ...]] = {
    "china_security": (("china", "expected_attacks_china", "sum"),
                       ("nationals", "expected_attacks_nationals", "sum")),
    "militants_border": (("militants_border", "militants_border", "final"),),
    "militants_iskp": (("militants_iskp", "militants_iskp", "final"),),
    "iskp_strength": (("iskp_strength", "iskp_strength", "final"),),
    "recognition_time": (("recognition_time", "recognised", "first_positive"),),
    "china_payoff": (("china_payoff", "china_payoff", "discounted_sum"),),
    "taliban_payoff": (("taliban_payoff", "taliban_payoff", "discounted_sum"),),
}


@dataclass(frozen=True)
class ModelSetup:
    """What a worker needs to evaluate experiments (picklable, no case object).

    Attributes
    ----------
    timeline
        History from ``start`` to ``until``.
    base
        The full parameter point the uncertainties vary around.
    names
        Uncertainty names (the design's columns).
    first, last
        The outcome window's first and last quarter (absolute numbers).
    grid_size, replicates, seed
        Lookup grid, scenarios per experiment and type, study seed.
    outcomes
        Outcome names to compute.
    model
        ``v1`` (the one-round game each quarter) or ``v2`` (the repeated relationship: one
        relationship table per distinct commitment of China, docs/model-dynamics.md §7.9).
    """

    timeline: Timeline
    base: Mapping[str, float]
    names: tuple[str, ...]
    first: int
    last: int
    grid_size: int
    replicates: int
    seed: int
    outcomes: tuple[str, ...]
    model: str = "v1"

    @property
    def stats(self) -> tuple[WindowStat, ...]:
        """The window statistics the outcomes need."""
        seen: dict[str, WindowStat] = {}
        for o in self.outcomes:
            for name, output, stat in _NEEDS[o]:
                seen[name] = WindowStat(name, output, self.first, self.last, stat)
        return tuple(seen.values())


def model_setup(case: Case, study: Study, outcomes: Sequence[str] | None = None,
                model: str = "v1") -> ModelSetup:
    """The :class:`ModelSetup` of ``study`` (its outcomes unless ``outcomes`` is given)."""
    check_model(model)      # "v3" was accepted and ran as v1
    timeline = build_timeline(case, study.start, study.until)
    first = max(quarter_of(study.window_start), timeline.start)
    # a lone outcome was read letter by letter, one outcome per letter
    given = as_names(outcomes, "outcomes")
    names = given if given is not None else tuple(o.name for o in study.outcomes)
    return ModelSetup(timeline, dict(study.base), study.names, first, timeline.stop - 1,
                      study.grid_size, study.replicates, study.seed, names, model)


@dataclass(frozen=True)
class Evaluation:
    """Outcomes of a design's rows ``[lo, hi)`` under each policy.

    ``outcomes[policy][outcome]`` is an array over the rows.
    """

    lo: int
    hi: int
    outcomes: Mapping[str, Mapping[str, FloatArray]]

    def __getitem__(self, policy: str) -> Mapping[str, FloatArray]:
        return self.outcomes[policy]


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3     # glibc's mallopt parameters


@lru_cache(maxsize=1)
def keep_freed_memory() -> bool:
    """Let this process reuse freed blocks of up to 32 MB instead of returning them.

    Sets glibc's ``M_MMAP_THRESHOLD`` to 32 MB and ``M_TRIM_THRESHOLD`` to 256 MB (once per
    process). Returns whether it could (False without glibc).
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
    except OSError:
        mallopt = None
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 * 2**20) and
                mallopt(_M_TRIM_THRESHOLD, 256 * 2**20))


def block_seed(seed: int, block: int) -> int:
    """The simulator seed of noise block ``block`` (distinct for every (seed, block))."""
    return int(seed) * 2**32 + int(block)


def _pool(setup: ModelSetup, values: FloatArray) -> ParameterPool:
    arrays = {k: np.full(values.shape[0], v, dtype=float) for k, v in setup.base.items()}
    for j, name in enumerate(setup.names):
        arrays[name] = np.asarray(values[:, j], dtype=float)
    return ParameterPool(arrays, "explore")


def _outcome(name: str, stats: Mapping[str, FloatArray], pool: ParameterPool, years: float,
             window: int) -> FloatArray:
    if name == "china_security":
        severity = pool.values["nationals_severity"]
        return -(stats["china"] + severity * stats["nationals"]) / years
    if name == "recognition_time":
        t = stats["recognition_time"]
        return np.where(np.isnan(t), float(window), t)
    return np.asarray(stats[name])


def evaluate_block(setup: ModelSetup, values: FloatArray, group_size: int, block: int,
                   policies: Sequence[str]) -> dict[str, dict[str, FloatArray]]:
    """Outcomes of one noise block's rows (``values``: its rows of the design).

    A pure function of its arguments: the random numbers come from
    :func:`block_seed` (setup.seed, block) only.
    """
    keep_freed_memory()
    m = values.shape[0]
    if m % group_size:
        raise ValueError("a block must hold whole noise groups")
    k = m // group_size
    if k > BLOCK_SIZE:
        raise ValueError(f"a block holds at most {BLOCK_SIZE} noise indices")
    pool = _pool(setup, values)
    tables: Mapping[str, ContinuationTable | RelationshipTable]
    if setup.model == "v2":
        tables = relationship_tables(pool, setup.timeline.v2_regimes()[0], setup.grid_size,
                                     policies)
    else:
        table = build_table(pool, setup.timeline.regimes, setup.grid_size, moves_for(policies),
                            distinct_on=TABLE_PARAMETERS)
        tables = dict.fromkeys(policies, table)
    stats = setup.stats
    years = (setup.last - setup.first + 1) / 4.0
    window = setup.last - setup.first + 1
    seed = block_seed(setup.seed, block)
    r = setup.replicates
    out = {p: {o: np.empty(m) for o in setup.outcomes} for p in policies}
    for layer in range(group_size):
        rows = np.arange(layer, m, group_size)
        lpool = pool.take(rows)
        ps, ph = lpool.values["prior_sincere"], lpool.values["p_high_capacity"]
        weights = type_prior(ps, ph).T                                  # (T, k)
        taken: dict[int, ContinuationTable | RelationshipTable] = {}
        for policy in policies:
            whole = tables[policy]
            if id(whole) not in taken:           # policies sharing a table take it once
                taken[id(whole)] = whole.take(rows)
            ltable = taken[id(whole)]
            acc = {o: np.zeros(k) for o in setup.outcomes}
            for t in range(len(TYPES)):
                spec = RunSpec(timeline=setup.timeline, pool=lpool, table=ltable,
                               policy=policy, n=k * r, seed=seed, stats=stats, forced_type=t)
                res = simulate(spec, chunk_blocks=max(1, r))
                for o in setup.outcomes:
                    y = _outcome(o, res.stats, lpool.take(res.pool_index), years, window)
                    acc[o] += weights[t] * y.reshape(k, r).mean(axis=1)
            for o in setup.outcomes:
                out[policy][o][rows] = acc[o]
    return out


def _block_task(args: tuple[ModelSetup, FloatArray, int, int, tuple[str, ...]]
                ) -> dict[str, dict[str, FloatArray]]:
    return evaluate_block(*args)


def evaluate(setup: ModelSetup, design: Design, policies: Sequence[str], *,
             blocks: Sequence[int] | None = None, executor: ChunkExecutor | None = None,
             on_block: Callable[[int, int], None] | None = None) -> Evaluation:
    """Evaluate the design's noise blocks (default: all) under every policy.

    Parameters
    ----------
    setup
        The model (see :func:`model_setup`).
    design
        The experiments; ``design.names`` must equal ``setup.names``.
    policies
        China's policies, all on the same random numbers.
    blocks
        Consecutive noise blocks to run (a chunk); default all.
    executor
        Run blocks there (:mod:`qpq.parallel`; default in this process); results are merged
        in block order and do not depend on it.
    on_block
        Called with (rows done, rows total) after each block.
    """
    if tuple(design.names) != tuple(setup.names):
        raise ValueError("the design's columns differ from the setup's uncertainties")
    chosen = list(range(design.n_blocks)) if blocks is None else list(blocks)
    if chosen and chosen != list(range(chosen[0], chosen[0] + len(chosen))):
        raise ValueError("blocks must be consecutive")
    tasks = []
    for b in chosen:
        lo, hi = design.block_range(b)
        tasks.append((setup, design.values[lo:hi], design.group_size, b, tuple(policies)))
    results: list[dict[str, dict[str, FloatArray]]] = []
    sizes = [t[1].shape[0] for t in tasks]
    for res in map_ordered(executor or InProcess(), _block_task, tasks):
        results.append(res)
        if on_block is not None:
            on_block(sum(sizes[:len(results)]), sum(sizes))
    lo = design.block_range(chosen[0])[0] if chosen else 0
    hi = design.block_range(chosen[-1])[1] if chosen else 0
    merged = {p: {o: np.concatenate([r[p][o] for r in results]) if results else np.empty(0)
                  for o in setup.outcomes} for p in policies}
    return Evaluation(lo, hi, merged)
