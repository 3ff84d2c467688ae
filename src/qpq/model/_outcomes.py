"""The outcomes registry: what every lens reports, named once with unit and direction.

Exploration, the report and the dashboard read outcomes by these names; the game and the
simulator compute them. Each :class:`Outcome` says what it measures, in which unit, which
direction is better and for whom, and which lens produces it. Definitions follow
docs/model-dynamics.md and docs/model-game.md A.5; where a choice was open the ``definition``
says what we chose.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from qpq.errors import BadInputError

__all__ = ["OUTCOMES", "Direction", "Lens", "Outcome", "outcome"]


class Direction(Enum):
    """Which way an outcome is better, and for whom."""

    HIGHER_BETTER_FOR_CHINA = "higher is better for China"
    LOWER_BETTER_FOR_CHINA = "lower is better for China"
    HIGHER_BETTER_FOR_TALIBAN = "higher is better for the Taliban"
    DESCRIPTIVE = "descriptive (no better direction)"


class Lens(Enum):
    """Which lens computes an outcome."""

    GAME = "game"
    SIMULATION = "simulation"
    BOTH = "game and simulation"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A named outcome: unit, direction, producer and exact definition."""

    name: str
    unit: str
    direction: Direction
    lens: Lens
    description: str
    definition: str


OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        "china_security", "harm units per year (negated)", Direction.HIGHER_BETTER_FOR_CHINA,
        Lens.BOTH,
        "China's security: minus the severity-weighted expected attacks on China and on "
        "Chinese nationals.",
        "Simulation: minus severity-weighted expected attacks on China/Xinjiang and on Chinese "
        "nationals in Afghanistan per year, averaged over the reporting window. "
        "Game: minus (this round's expected harm etim_threat*(1-s) + iskp_threat*d plus "
        "future_weight times the expected future harm of W), in harm units; the preference "
        "weight w_security is not applied, so security is comparable across w_security "
        "(as in the definitions of P1/P5)."),
    Outcome(
        "round_harm", "harm units", Direction.LOWER_BETTER_FOR_CHINA, Lens.GAME,
        "This round's expected harm to China.",
        "E[etim_threat*(1-s) + iskp_threat*d] on the equilibrium path."),
    Outcome(
        "recognition_time", "quarters", Direction.DESCRIPTIVE, Lens.SIMULATION,
        "Quarters from the start of the run until China recognises the Taliban de jure.",
        "First quarter with recognition in force minus the start quarter; censored at the "
        "horizon (reported as missing when it never happens)."),
    Outcome(
        "recognition_prob", "probability", Direction.DESCRIPTIVE, Lens.GAME,
        "Probability that the round ends with the Taliban recognised (R = 1).",
        "Sum of path probabilities of plays with R = 1 in the selected equilibrium."),
    Outcome(
        "militants_border", "fighters", Direction.LOWER_BETTER_FOR_CHINA, Lens.SIMULATION,
        "Uyghur militants in the border zone (Badakhshan/Wakhan).",
        "Stock of the border-zone state at the end of the window (continuous fighters)."),
    Outcome(
        "militants_iskp", "fighters", Direction.LOWER_BETTER_FOR_CHINA, Lens.SIMULATION,
        "Uyghur militants who have joined ISKP.",
        "Stock of the ISKP state at the end of the window (continuous fighters)."),
    Outcome(
        "iskp_strength", "index (0-1)", Direction.LOWER_BETTER_FOR_CHINA, Lens.SIMULATION,
        "ISKP's strength and pull.",
        "The simulator's ISKP strength state at the end of the window."),
    Outcome(
        "defection_prob", "probability", Direction.LOWER_BETTER_FOR_CHINA, Lens.GAME,
        "Probability of defection of squeezed militants to ISKP this round.",
        "P(d = 1) on the equilibrium path."),
    Outcome(
        "taliban_payoff", "utility", Direction.HIGHER_BETTER_FOR_TALIBAN, Lens.BOTH,
        "The Taliban's expected payoff U_T.",
        "Game: ex-ante expected U_T (over types) in the selected equilibrium. Simulation: "
        "discounted sum of per-quarter U_T of the true type."),
    Outcome(
        "china_payoff", "utility", Direction.HIGHER_BETTER_FOR_CHINA, Lens.BOTH,
        "China's expected payoff U_C.",
        "Game: expected U_C in the selected equilibrium. Simulation: discounted sum of "
        "per-quarter U_C."),
)
"""Every outcome a lens may report."""


def outcome(name: str) -> Outcome:
    """The outcome with this name; :class:`BadInputError` listing the known names if unknown."""
    for o in OUTCOMES:
        if o.name == name:
            return o
    raise BadInputError(f"unknown outcome {name!r}; known: "
                        + ", ".join(o.name for o in OUTCOMES))
