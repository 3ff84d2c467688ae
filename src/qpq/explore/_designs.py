"""Samplers and the experiment design they produce (EMA: the experiments).

Six samplers draw points in the unit hypercube, each from an injected
:class:`numpy.random.Generator` (never the global state):

* :func:`monte_carlo` — independent uniforms, drawn block by block from streams keyed by
  (seed, block), so any rows can be drawn without the others (runs of millions);
* :func:`latin_hypercube` — scipy.stats.qmc's Latin hypercube (scrambled strata);
* :func:`sobol_sequence` — scipy.stats.qmc's scrambled Sobol' sequence (n a power of 2);
* :func:`saltelli` — the cross-sampled matrices of Saltelli (2002/2010) built on a 2D-dim
  Sobol' sequence, in the row layout :func:`SALib.analyze.sobol.analyze` reads (per base
  sample: A, AB₁ … AB_D, B), for first- and total-order indices;
* :func:`morris` — SALib's Morris (1991) one-at-a-time trajectories on a ``levels`` grid;
* :func:`full_factorial` — every combination of ``levels`` evenly spaced values (ends
  included), capped at :data:`MAX_FACTORIAL` experiments.

:func:`make_design` turns them into a :class:`Design`: unit points, parameter values
(:func:`qpq.explore._transform.to_values`) and the **noise groups**. Consecutive rows
``g·k … g·k + g − 1`` (``g = group_size``) share the simulator's random numbers (noise index
k): a Saltelli base sample's D + 2 rows, a Morris trajectory's D + 1 points, or a single
experiment for the other designs. So the differences the estimators take (A against AB_i,
one step of a trajectory) compare the parameters, not two draws of the noise (common random
numbers). The design of a study is a pure function of (study, method, n, seed).

:func:`design_rows` draws rows ``[lo, hi)`` of a design without drawing the rest, for the
samplers that allow it (:data:`STREAMED`: Monte Carlo, Sobol' by fast-forwarding the
scrambled sequence, Saltelli from its Sobol' base rows, the full factorial from the row
index); the rows equal those of :func:`make_design` exactly (tested). Latin hypercube and
Morris designs are drawn whole.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

from qpq.checks import check_generator, check_whole
from qpq.errors import BadInputError
from qpq.explore._scenario import Study
from qpq.explore._transform import to_values
from qpq.sim import BLOCK_SIZE

__all__ = [
    "MAX_FACTORIAL",
    "METHODS",
    "STREAMED",
    "Design",
    "Method",
    "design_rng",
    "design_rows",
    "design_size",
    "experiments_of",
    "full_factorial",
    "latin_hypercube",
    "make_design",
    "monte_carlo",
    "morris",
    "saltelli",
    "sobol_sequence",
]

FloatArray = NDArray[np.float64]
Method = Literal["lhs", "sobol", "saltelli", "morris", "factorial", "mc"]
METHODS: tuple[Method, ...] = ("lhs", "sobol", "saltelli", "morris", "factorial", "mc")
STREAMED: tuple[Method, ...] = ("mc", "sobol", "saltelli", "factorial")
"""Samplers whose rows :func:`design_rows` draws without drawing the whole design."""
MAX_FACTORIAL = 1_000_000
_DESIGN_KEY = 0x45585053  # "EXPS": the design's stream, apart from the simulator's purposes


def design_rng(seed: int, method: Method) -> np.random.Generator:
    """The generator a study's design of ``method`` draws from: keyed by (seed, method)."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(_DESIGN_KEY, METHODS.index(method)))
    return np.random.Generator(np.random.PCG64(ss))


def _mc_rng(seed: int, block: int) -> np.random.Generator:
    ss = np.random.SeedSequence(int(seed), spawn_key=(_DESIGN_KEY, METHODS.index("mc"),
                                                      int(block)))
    return np.random.Generator(np.random.Philox(ss))


def monte_carlo(seed: int, lo: int, hi: int, d: int) -> FloatArray:
    """Rows ``[lo, hi)`` of the Monte Carlo design: uniforms in [0, 1)^d.

    Row i comes from the stream of block i // BLOCK_SIZE (keyed by (seed, block)), so any
    rows are drawn without the others.
    """
    out = np.empty((max(hi - lo, 0), d))
    for b in range(lo // BLOCK_SIZE, -(-hi // BLOCK_SIZE)):
        first = b * BLOCK_SIZE
        block = _mc_rng(seed, b).random((BLOCK_SIZE, d))
        a, z = max(lo, first), min(hi, first + BLOCK_SIZE)
        out[a - lo:z - lo] = block[a - first:z - first]
    return out


def _power_of_two(n: int, what: str) -> int:
    if n < 2 or n & (n - 1):
        raise BadInputError(f"{what} needs n to be a power of 2 (e.g. 1024, 4096), got {n}: "
                            "the balance of Sobol' points holds only for powers of 2")
    return int(n).bit_length() - 1


def latin_hypercube(n: int, d: int, rng: np.random.Generator) -> FloatArray:
    """``n`` Latin-hypercube points in [0, 1)^d."""
    return np.asarray(qmc.LatinHypercube(d=d, rng=rng).random(n))


def sobol_sequence(n: int, d: int, rng: np.random.Generator) -> FloatArray:
    """The first ``n`` points (a power of 2) of a scrambled Sobol' sequence in [0, 1)^d."""
    m = _power_of_two(n, "a Sobol' sequence")
    return np.asarray(qmc.Sobol(d=d, scramble=True, rng=rng).random_base2(m))


def saltelli(n: int, d: int, rng: np.random.Generator) -> FloatArray:
    """Saltelli's cross-sampled design: ``n·(d + 2)`` rows, per base sample A, AB₁…AB_d, B.

    A and B are the two halves of a 2d-dimensional scrambled Sobol' sequence; AB_i is A with
    column i taken from B.
    """
    return _cross(sobol_sequence(n, 2 * d, rng), d)


def _cross(base: FloatArray, d: int) -> FloatArray:
    """Saltelli rows A, AB₁…AB_d, B of each row of ``base`` = [A | B] (m × 2d → m(d+2) × d)."""
    a, b = base[:, :d], base[:, d:]
    out = np.repeat(a[:, None, :], d + 2, axis=1)
    idx = np.arange(d)
    out[:, 1 + idx, idx] = b[:, idx]
    out[:, d + 1, :] = b
    return np.asarray(out.reshape(-1, d))


def morris(n: int, d: int, levels: int, rng: np.random.Generator) -> FloatArray:
    """``n`` Morris trajectories (``n·(d + 1)`` rows) on a ``levels`` grid in [0, 1]^d."""
    from SALib.sample import morris as salib_morris

    if levels % 2:
        raise BadInputError(f"Morris needs an even number of levels, got {levels}")
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
    return np.asarray(salib_morris.sample(problem, n, num_levels=levels, seed=rng),
                      dtype=float)


def full_factorial(levels: int, d: int) -> FloatArray:
    """Every combination of ``levels`` evenly spaced values in [0, 1] (ends included)."""
    total = levels ** d
    if total > MAX_FACTORIAL:
        raise BadInputError(f"a full factorial of {levels} levels over {d} uncertainties has "
                            f"{total:,} experiments; allowed: at most {MAX_FACTORIAL:,} (use "
                            "fewer levels, fewer uncertainties or Latin hypercube sampling)")
    grid = np.linspace(0.0, 1.0, levels)
    mesh = np.meshgrid(*([grid] * d), indexing="ij")
    return np.stack([m.reshape(-1) for m in mesh], axis=1)


@dataclass(frozen=True)
class Design:
    """A set of experiments: unit points, parameter values and noise groups.

    Attributes
    ----------
    method
        The sampler (``lhs``, ``sobol``, ``saltelli``, ``morris``, ``factorial``).
    names
        Uncertainty names (columns).
    unit, values
        (n, D) unit-hypercube points and the parameter values they map to.
    group_size
        Consecutive rows sharing one noise index (common random numbers).
    n_base
        The sampler's size argument (base samples, trajectories, points or levels).
    seed
        The study seed the design was drawn with; ``None`` where a caller's Generator drew
        its points (the simulator's noise still derives from the study's seed; ``mc`` and
        ``factorial`` never draw from it, so they keep the seed).
    settings
        Method settings (e.g. Morris levels), for provenance.
    """

    method: Method
    names: tuple[str, ...]
    unit: FloatArray
    values: FloatArray
    group_size: int
    n_base: int
    seed: int | None
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_experiments(self) -> int:
        """Number of experiments (rows)."""
        return int(self.values.shape[0])

    @property
    def block_rows(self) -> int:
        """Rows per noise block: :data:`~qpq.sim._rng.BLOCK_SIZE` noise indices."""
        return BLOCK_SIZE * self.group_size

    @property
    def n_blocks(self) -> int:
        """Number of noise blocks (the unit of evaluation chunks)."""
        return -(-self.n_experiments // self.block_rows)

    def block_range(self, block: int) -> tuple[int, int]:
        """Rows ``[lo, hi)`` of noise block ``block``."""
        lo = block * self.block_rows
        return lo, min(lo + self.block_rows, self.n_experiments)

    def describe(self) -> dict[str, Any]:
        """Provenance as a JSON-ready dict."""
        return {"method": self.method, "experiments": self.n_experiments,
                "n_base": self.n_base, "group_size": self.group_size, "seed": self.seed,
                "uncertainties": list(self.names), **dict(self.settings)}


def make_design(study: Study, method: Method, n: int | None = None,
                rng: np.random.Generator | None = None) -> Design:
    """The study's experiments for ``method`` (size ``n``, default ``study.n``).

    ``n`` is the number of points (``lhs``, ``sobol``, ``mc``), of base samples
    (``saltelli``: n·(D + 2) experiments) or of trajectories (``morris``: n·(D + 1));
    ``factorial`` uses ``study.levels`` and ignores ``n``. ``rng`` defaults to
    :func:`design_rng`; ``mc`` ignores it and draws from its (seed, block) streams (see
    :func:`monte_carlo`).

    Raises
    ------
    BadInputError
        For an unknown method or a size the method cannot use.
    """
    if method not in METHODS:
        raise BadInputError(f"unknown sampling method {method!r}; allowed: "
                            + ", ".join(METHODS))
    # int(1.5) ran a design of 1 without a word
    size = study.n if n is None else check_whole(n, "n (experiments)", minimum=1)
    d = len(study.uncertainties)
    gen = check_generator(rng) if rng is not None else design_rng(study.seed, method)
    settings: dict[str, Any] = {}
    group = 1
    if method == "lhs":
        unit = latin_hypercube(size, d, gen)
    elif method == "mc":
        unit = monte_carlo(study.seed, 0, size, d)
    elif method == "sobol":
        unit = sobol_sequence(size, d, gen)
    elif method == "saltelli":
        unit, group = saltelli(size, d, gen), d + 2
        settings["calc_second_order"] = False
    elif method == "morris":
        unit, group = morris(size, d, study.morris_levels, gen), d + 1
        settings["levels"] = study.morris_levels
    else:
        unit = full_factorial(study.levels, d)
        size = study.levels
        settings["levels"] = study.levels
    values = to_values(unit, study)
    return Design(method, study.names, unit, values, group, size,
                  # mc and factorial draw nothing from the caller's Generator
                  study.seed if rng is None or method in ("mc", "factorial") else None,
                  MappingProxyType(settings))


def design_size(study: Study, method: Method, n: int | None = None
                ) -> tuple[int, int, int]:
    """``(n_base, experiments, group_size)`` of the study's ``method`` design of size ``n``.

    Checks what :func:`make_design` would check (a power of 2 for Sobol' and Saltelli, the
    factorial cap, even Morris levels) without drawing anything.
    """
    if method not in METHODS:
        raise BadInputError(f"unknown sampling method {method!r}; allowed: "
                            + ", ".join(METHODS))
    size = study.n if n is None else check_whole(n, "n (experiments)", minimum=1)
    d = len(study.uncertainties)
    if method in ("sobol", "saltelli"):
        _power_of_two(size, "a Sobol' sequence")
    if method == "morris" and study.morris_levels % 2:
        raise BadInputError(f"Morris needs an even number of levels, got "
                            f"{study.morris_levels}")
    if method == "factorial":
        size = study.levels
        if size ** d > MAX_FACTORIAL:
            full_factorial(study.levels, d)  # raises with the explanation
    return (size, *experiments_of(method, size, d))


def experiments_of(method: str, n_base: int, dims: int) -> tuple[int, int]:
    """``(experiments, group_size)`` of a ``method`` design of base size ``n_base``.

    ``dims`` is the number of uncertainties; for factorial designs ``n_base`` is the number
    of levels. The run store uses it to check a manifest's config against the chunks it lists.
    """
    if method == "saltelli":
        return n_base * (dims + 2), dims + 2
    if method == "morris":
        return n_base * (dims + 1), dims + 1
    if method == "factorial":
        return n_base ** dims, 1
    return n_base, 1


def _sobol_rows(d: int, rng: np.random.Generator, lo: int, hi: int) -> FloatArray:
    engine = qmc.Sobol(d=d, scramble=True, rng=rng)
    if lo:
        engine.fast_forward(lo)
    with warnings.catch_warnings():
        # a slice of the sequence is not itself balanced; the whole design (n a power of 2) is
        warnings.simplefilter("ignore", UserWarning)
        return np.asarray(engine.random(hi - lo))


def design_rows(study: Study, method: Method, n: int | None, lo: int, hi: int) -> FloatArray:
    """Unit points of rows ``[lo, hi)`` of ``make_design(study, method, n).unit``.

    Only for :data:`STREAMED` samplers; the cost is that of the rows asked for (plus, for
    Sobol' and Saltelli, fast-forwarding the sequence to ``lo``).
    """
    if method not in STREAMED:
        raise ValueError(f"{method} designs are drawn whole (make_design)")
    _, total, group = design_size(study, method, n)
    lo, hi = max(0, lo), min(hi, total)
    d = len(study.uncertainties)
    if hi <= lo:
        return np.empty((0, d))
    if method == "mc":
        return monte_carlo(study.seed, lo, hi, d)
    if method == "sobol":
        return _sobol_rows(d, design_rng(study.seed, method), lo, hi)
    if method == "saltelli":
        first, last = lo // group, -(-hi // group)
        rows = _cross(_sobol_rows(2 * d, design_rng(study.seed, method), first, last), d)
        return np.asarray(rows[lo - first * group:hi - first * group])
    grid = np.linspace(0.0, 1.0, study.levels)
    index = np.unravel_index(np.arange(lo, hi), (study.levels,) * d)
    return np.stack([grid[i] for i in index], axis=1)
