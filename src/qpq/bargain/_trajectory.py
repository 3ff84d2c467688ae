"""Running the expected utility model round after round: the forecast trajectory.

:func:`run_eum` applies :func:`qpq.bargain._eum.bargaining_round` until ``max_rounds`` or until
nobody moves (within the tolerance). Round 0 is the input. After each round it records the
positions, the forecast median (:class:`~qpq.bargain._options.MedianRule`) and the capability ×
salience weighted mean, the risk exponents and the accepted moves.

These models need not converge: the published EU emission-standards run oscillates. The
result therefore carries a :class:`Stability` flag: ``converged`` (a round without moves),
``cycle`` (the positions returned to an earlier state: the trajectory repeats forever) or
``unsettled`` (still moving when the rounds ran out).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from qpq.bargain._data import FloatArray, Stakeholders
from qpq.bargain._eum import Move, bargaining_round
from qpq.bargain._options import VARIANTS, EUMOptions, MedianRule
from qpq.bargain._votes import condorcet_median, net_votes, scholz_pass_median, weighted_mean
from qpq.errors import BadInputError

__all__ = ["EUMResult", "EUMRound", "Stability", "forecast_median", "run_eum"]

METHOD = ("expected utility model (Bueno de Mesquita 1994, as reconstructed by Scholz, "
          "Calbert & Smith 2011)")


class Stability(StrEnum):
    """How a trajectory ended (see the module docstring)."""

    CONVERGED = "converged"
    CYCLE = "cycle"
    UNSETTLED = "unsettled"


@dataclass(frozen=True, eq=False)
class EUMRound:
    """The state after one round (round 0: the input, with no moves or exponents).

    ``risk`` holds the exponents used in the round; ``eu_ij``, ``eu_ji`` (i's expected utility
    of challenging j and of being challenged by j) and ``probability`` (P_ij) are kept only
    when the run was asked to keep perceptions.
    """

    round: int
    position: FloatArray
    median: float
    mean: float
    moves: tuple[Move, ...] = ()
    risk: FloatArray | None = None
    eu_ij: FloatArray | None = None
    eu_ji: FloatArray | None = None
    probability: FloatArray | None = None

    def to_dict(self, actors: tuple[str, ...]) -> dict[str, Any]:
        """JSON-ready mapping: round, median, mean, positions by actor, moves, exponents."""
        out: dict[str, Any] = {
            "round": self.round, "median": self.median, "mean": self.mean,
            "positions": {a: float(x) for a, x in zip(actors, self.position, strict=True)},
            "moves": [m.to_dict() for m in self.moves],
        }
        if self.risk is not None:
            out["risk"] = {a: float(r) for a, r in zip(actors, self.risk, strict=True)}
        return out


@dataclass(frozen=True, eq=False)
class EUMResult:
    """A full run: the data, the options, every round and the stability verdict."""

    data: Stakeholders
    options: EUMOptions
    rounds: tuple[EUMRound, ...]
    stability: Stability
    cycle_length: int | None
    method: str = METHOD

    @property
    def actors(self) -> tuple[str, ...]:
        """Actor ids, in input order."""
        return self.data.actors

    @property
    def forecast(self) -> float:
        """The median after the last round (the model's prediction)."""
        return self.rounds[-1].median

    @property
    def medians(self) -> FloatArray:
        """Median after each round (round 0 first)."""
        return np.array([r.median for r in self.rounds])

    @property
    def means(self) -> FloatArray:
        """Weighted mean after each round (round 0 first)."""
        return np.array([r.mean for r in self.rounds])

    @property
    def positions(self) -> FloatArray:
        """Positions as a (rounds + 1) × actors array."""
        return np.vstack([r.position for r in self.rounds])

    def pairwise_votes(self, round_no: int = 0) -> tuple[FloatArray, FloatArray]:
        """Held positions after a round and the net linear votes between them.

        Returns ``(positions, N)`` with ``N[a, b]`` the capability × salience weighted margin
        (in units of the scale width) by which position a beats position b; the median rule
        works on these votes.
        """
        x = self.rounds[round_no].position
        cands = np.unique(x)
        weight = self.data.capability * self.data.salience
        return cands, net_votes(x, weight, cands, self.data.position_range)

    def movers(self) -> dict[str, int]:
        """How many times each actor moved, for actors that moved at least once."""
        counts = Counter(m.actor for r in self.rounds for m in r.moves)
        return {a: counts[a] for a in self.actors if counts[a]}

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``qpq bargain eum --json``."""
        return {
            "method": self.method,
            "issue": self.data.issue,
            "options": self.options.to_dict(),
            "position_range": self.data.position_range,
            "stability": self.stability.value,
            "cycle_length": self.cycle_length,
            "forecast": {"median": self.rounds[-1].median, "mean": self.rounds[-1].mean},
            "movers": self.movers(),
            "rounds": [r.to_dict(self.actors) for r in self.rounds],
        }


def forecast_median(position: FloatArray, weight: FloatArray, scale: float,
                    opts: EUMOptions) -> float:
    """The round's median under the chosen :class:`~qpq.bargain._options.MedianRule`."""
    if opts.median_rule == MedianRule.SCHOLZ_PASS:
        return scholz_pass_median(position, weight, scale)
    return condorcet_median(position, weight)


def run_eum(data: Stakeholders, options: EUMOptions | None = None, *,
            keep_perceptions: bool = False) -> EUMResult:
    """Run the expected utility model on one issue.

    Parameters
    ----------
    data
        The actors' capabilities, positions and saliences.
    options
        Model switches; default :class:`~qpq.bargain._options.EUMOptions` (the corrected
        reading). Use ``EUMOptions.scholz_compat()`` to reproduce the published runs.
    keep_perceptions
        Keep each round's EU_ij / EU_ji matrices (n × n; for quadrant charts of small cases).

    Returns
    -------
    EUMResult
        Every round, from round 0 (the input) to the last one run.
    """
    opts = options if options is not None else EUMOptions()
    if not isinstance(opts, EUMOptions):
        raise BadInputError(f"options must be an EUMOptions, e.g. qpq.bargain.eum_options("
                            f"{VARIANTS[0]!r}) (variants: {', '.join(VARIANTS)}); got "
                            f"{opts!r}")
    scale = data.position_range
    c, s = data.capability, data.salience
    weight = c * s
    x = data.position.copy()
    x.setflags(write=False)
    mu = forecast_median(x, weight, scale, opts)
    rounds = [EUMRound(round=0, position=x, median=mu, mean=weighted_mean(x, weight))]
    seen = {x.tobytes(): 0}
    stability, cycle = Stability.UNSETTLED, None
    for t in range(1, opts.max_rounds + 1):
        state = bargaining_round(data.actors, x, c, s, scale, mu, opts,
                                 keep_perceptions=keep_perceptions)
        new_x = state.new_position
        mu = forecast_median(new_x, weight, scale, opts)
        rounds.append(EUMRound(round=t, position=new_x, median=mu,
                               mean=weighted_mean(new_x, weight), moves=state.moves,
                               risk=state.risk, eu_ij=state.eu_ij, eu_ji=state.eu_ji,
                               probability=state.probability))
        shift = float(np.max(np.abs(new_x - x))) if x.size else 0.0
        x = new_x
        if shift <= opts.tolerance * scale:
            stability, cycle = Stability.CONVERGED, None
            break
        key = x.tobytes()
        if key in seen and cycle is None:
            stability, cycle = Stability.CYCLE, t - seen[key]
        seen.setdefault(key, t)
    return EUMResult(data=data, options=opts, rounds=tuple(rounds), stability=stability,
                     cycle_length=cycle)
