"""Every ambiguous choice of the expected utility model, as a named, documented option.

Bueno de Mesquita never published his model's code; Scholz, Calbert & Smith (2011) rebuilt it
from the literature, and the open replications of their reading disagree on details that
change the trajectory. Rather than hide those choices, :class:`EUMOptions` names each one.
Two presets exist:

``default``
    Our corrected reading: per-pair probability of success, each actor accepts the offer that
    moves it least, the capitulation branch works, the median is a true Condorcet winner.
``scholz-compat``
    The choices of the replication that reproduces Scholz et al.'s published runs exactly
    (jmckib/bdm-scholz-expected-utility-model, commit e9d86fe): a global probability
    denominator, Scholz's |EU|-weighted ranking of compromises, a capitulation branch that can
    never fire, and a one-pass "median".

``docs/model-bargain.md`` discusses each option with its sources.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any

from qpq.checks import check_flag, check_number, check_whole, did_you_mean
from qpq.errors import BadInputError, Problem

__all__ = [
    "VARIANTS",
    "EUMOptions",
    "MedianRule",
    "OfferRule",
    "ProbabilityRule",
    "RiskReference",
    "eum_options",
]


class ProbabilityRule(StrEnum):
    """Denominator of the probability that i beats j in a contest.

    ``pairwise``: votes for i over j divided by the votes cast in that contest (for i plus for
    j), so probabilities of a pair sum to one (Bueno de Mesquita 1994). ``global``: votes for i
    over j divided by the sum of all votes over every ordered pair of actors (Scholz's code);
    probabilities are then tiny and depend on the number of actors.
    """

    PAIRWISE = "pairwise"
    GLOBAL = "global"


class OfferRule(StrEnum):
    """Which of its received offers an actor accepts.

    ``least-move``: the offer that moves it least, whatever its kind (Bueno de Mesquita 1994,
    Scholz et al. 2011 text); ties go to confrontation, then compromise, then capitulation,
    then input order. ``scholz``: any confrontation first (least move), else the compromise
    with the smallest |EU|-weighted position, else capitulation (Scholz's code).
    """

    LEAST_MOVE = "least-move"
    SCHOLZ = "scholz"


class RiskReference(StrEnum):
    """What an actor's security level is compared with to set its risk exponent.

    ``actors``: the highest and lowest security level of all actors this round (Scholz et al.
    2011; both open replications). ``positions``: the highest and lowest security the actor
    itself would have at each position currently held by some actor (Bueno de Mesquita 1985);
    it costs O(n² m) per round for m distinct positions.
    """

    ACTORS = "actors"
    POSITIONS = "positions"


class MedianRule(StrEnum):
    """How the round's forecast (the "median voter" position) is found.

    ``condorcet``: the position that beats every other held position in capability ×
    salience weighted pairwise votes; when several tie, the weighted median (middle of the
    tied positions). ``scholz-pass``: start from the first distinct position in Python set
    order and switch to each later one that beats the current choice (a single pass).
    """

    CONDORCET = "condorcet"
    SCHOLZ_PASS = "scholz-pass"


@dataclass(frozen=True)
class EUMOptions:
    """The switches of the expected utility model (see the module docstring).

    Parameters
    ----------
    probability
        Denominator of the probability of success, :class:`ProbabilityRule`.
    offer_rule
        Which offer an actor accepts, :class:`OfferRule`.
    capitulation
        Whether the capitulation quadrant produces offers (``False`` reproduces the bug of the
        Scholz replication, in which the branch can never fire).
    risk_reference
        Reference set for the risk exponent, :class:`RiskReference`.
    median_rule
        How the forecast median is found, :class:`MedianRule`.
    q
        Q, the probability that the status quo persists if i does not challenge j (1.0 in
        Scholz et al.; 0.5 in some of Bueno de Mesquita's applications).
    t
        T, the probability that, if the status quo changes without a challenge, it changes in
        i's favour. Matters only when ``q < 1``.
    max_rounds
        Number of bargaining rounds to run at most.
    tolerance
        Stop early when no actor moves by more than ``tolerance`` × the position range in a
        round (0 means "stop only when nobody moves at all").
    """

    probability: ProbabilityRule = ProbabilityRule.PAIRWISE
    offer_rule: OfferRule = OfferRule.LEAST_MOVE
    capitulation: bool = True
    risk_reference: RiskReference = RiskReference.ACTORS
    median_rule: MedianRule = MedianRule.CONDORCET
    q: float = 1.0
    t: float = 1.0
    max_rounds: int = 20
    tolerance: float = 1e-9

    def __post_init__(self) -> None:
        problems = []
        for name, enum in (("probability", ProbabilityRule), ("offer_rule", OfferRule),
                           ("risk_reference", RiskReference), ("median_rule", MedianRule)):
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, enum(value))
            except ValueError:
                allowed = ", ".join(m.value for m in enum)
                problems.append(Problem("options", f"{value!r} is not one of: {allowed}",
                                        field=name))

        def number(name: str, high: float, words: str) -> None:
            # qpq.checks.check_number's rule, kept as a float: True is an int to Python and
            # was read as 1; numpy's numbers are numbers (np.float32(0.5) was refused)
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, check_number(value, name, low=0.0, high=high))
            except BadInputError:
                problems.append(Problem("options", f"{words}, got {value!r}", field=name))

        number("q", 1.0, "must lie in [0, 1]")
        number("t", 1.0, "must lie in [0, 1]")
        # the project's switch and count rules (qpq.checks), kept as Python's bool and int
        # for to_dict's JSON: "no" is true to Python and True an int, np.True_ and
        # np.int64(5) are a switch and a count
        try:
            object.__setattr__(self, "capitulation",
                               check_flag(self.capitulation, "capitulation"))
        except BadInputError:
            problems.append(Problem("options", f"must be true or false, got "
                                    f"{self.capitulation!r}", field="capitulation"))
        try:
            object.__setattr__(self, "max_rounds",
                               check_whole(self.max_rounds, "max_rounds", minimum=0))
        except BadInputError:
            problems.append(Problem("options", f"must be an integer >= 0, got "
                                    f"{self.max_rounds!r}", field="max_rounds"))
        number("tolerance", math.inf, "must be a number >= 0")
        if problems:
            raise BadInputError("invalid expected utility model options:", problems)

    @classmethod
    def scholz_compat(cls, **overrides: Any) -> EUMOptions:
        """The switches that reproduce the Scholz et al. (2011) runs exactly."""
        base = cls(probability=ProbabilityRule.GLOBAL, offer_rule=OfferRule.SCHOLZ,
                   capitulation=False, risk_reference=RiskReference.ACTORS,
                   median_rule=MedianRule.SCHOLZ_PASS, q=1.0, t=1.0, max_rounds=10,
                   tolerance=0.0)
        return replace(base, **overrides)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping of every option."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.value if isinstance(value, StrEnum) else value
        return out


VARIANTS: tuple[str, ...] = ("default", "scholz-compat")
"""Names accepted by :func:`eum_options` (and the CLI's ``--variant``)."""


def eum_options(variant: str = "default", **overrides: Any) -> EUMOptions:
    """Options of a named variant, with some switches overridden.

    Raises
    ------
    BadInputError
        For an unknown variant name or an invalid override.
    """
    known = [f.name for f in fields(EUMOptions)]
    unknown = [k for k in overrides if k not in known]
    if unknown:
        # dataclasses.replace would say only "unexpected keyword argument"
        raise BadInputError(f"eum_options: unknown option {unknown[0]!r}; allowed: "
                            f"{', '.join(known)}{did_you_mean(unknown[0], known)}")
    if variant == "default":
        return replace(EUMOptions(), **overrides)
    if variant == "scholz-compat":
        return EUMOptions.scholz_compat(**overrides)
    raise BadInputError(f"unknown variant {variant!r}; choose one of: {', '.join(VARIANTS)}")
