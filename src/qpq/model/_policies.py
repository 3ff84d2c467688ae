"""China's levers, named once: first moves, published promises, final actions, policies.

The one-round game (docs/model-game.md §7.2) and the simulator (docs/model-dynamics.md) speak of
China boycotting, engaging with a published promise, recognising, and afterwards
rewarding, withholding, downgrading, turning to a multilateral Plan B or intervening.
This module defines those names and what each combination *means* — whether the Taliban
end the round recognised (R), whether aid flows (A), whether China grants recognition
this round (G), whether it breaks its word — so that the game's payoffs, the simulator's
state transitions and every label read one table.

It also declares the simulator's built-in policies as frozen specification objects
(:data:`POLICIES`); the simulator implements their behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from qpq.errors import BadInputError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike, NDArray

# NumPy is imported inside the two element-wise functions: the CLI lists the policies in its
# help without paying for NumPy (tests/cli/test_import_cost.py).

__all__ = [
    "FINAL_ACTIONS",
    "FIRST_MOVES",
    "POLICIES",
    "Consequence",
    "FinalAction",
    "FirstMove",
    "MoveKind",
    "Policy",
    "Promise",
    "breaks_word",
    "check_policy",
    "consequence",
    "final_actions",
    "first_move",
    "policy_names",
]


class Promise(Enum):
    """A published rule saying when China will recognise, ρ(s, d, r) (docs/model-game.md §7.2)."""

    NO_PROMISE = "no_promise"
    REWARD_IF_SUPPRESSED = "reward_if_suppressed"
    REWARD_IF_SUPPRESSED_AND_CLEAN = "reward_if_suppressed_and_clean"
    REWARD_IF_QUIET = "reward_if_quiet"

    @property
    def words(self) -> str:
        """The rule in plain words.

        Its signals: s, suppression seen; d, defection to ISKP seen; r, the UN report finds
        close Taliban–al-Qaeda ties.
        """
        return {
            Promise.NO_PROMISE: "no promise: nothing binding is said about recognition",
            Promise.REWARD_IF_SUPPRESSED: "recognition if China sees the militants suppressed",
            Promise.REWARD_IF_SUPPRESSED_AND_CLEAN:
                "recognition if China sees the militants suppressed and the UN's monitoring "
                "report finds no close Taliban–al-Qaeda ties",
            Promise.REWARD_IF_QUIET:
                "recognition if China sees the militants suppressed and no defection to ISKP",
        }[self]

    @property
    def binding(self) -> bool:
        """Whether the promise prescribes anything (``no_promise`` is cheap talk)."""
        return self is not Promise.NO_PROMISE

    @property
    def needs_report(self) -> bool:
        """Whether the rule reads the UN report r."""
        return self is Promise.REWARD_IF_SUPPRESSED_AND_CLEAN

    def prescribes(self, s: ArrayLike, d: ArrayLike, r_close: ArrayLike) -> NDArray[np.bool_]:
        """Whether the rule says "recognise" at signals (s, d, r); element-wise.

        ``r_close`` is 1 when the UN report says "close ties". ``no_promise`` prescribes
        nothing; it returns ``False`` everywhere and :func:`breaks_word` ignores it.
        """
        import numpy as np

        s_ = np.asarray(s) == 1
        d_ = np.asarray(d) == 1
        close = np.asarray(r_close) == 1
        if self is Promise.REWARD_IF_SUPPRESSED:
            return np.asarray(s_ & np.ones_like(d_))
        if self is Promise.REWARD_IF_SUPPRESSED_AND_CLEAN:
            return np.asarray(s_ & ~close & np.ones_like(d_))
        if self is Promise.REWARD_IF_QUIET:
            return np.asarray(s_ & ~d_ & np.ones_like(close))
        return np.zeros(np.broadcast(s_, d_, close).shape, dtype=bool)


class MoveKind(Enum):
    """China's first move, without the promise."""

    BOYCOTT = "Boycott"
    ENGAGE = "Engage"
    RECOGNIZE = "Recognize"


@dataclass(frozen=True, slots=True)
class FirstMove:
    """China's first move m: Boycott, Engage[ρ] or Recognize."""

    kind: MoveKind
    promise: Promise | None = None

    def __post_init__(self) -> None:
        if (self.kind is MoveKind.ENGAGE) != (self.promise is not None):
            raise ValueError("Engage needs a promise; Boycott and Recognize take none")

    @property
    def label(self) -> str:
        """The label used in output and in the .efg file, e.g. ``Engage[no_promise]``."""
        if self.promise is None:
            return self.kind.value
        return f"{self.kind.value}[{self.promise.value}]"

    def __str__(self) -> str:
        return self.label


FIRST_MOVES: tuple[FirstMove, ...] = (
    FirstMove(MoveKind.BOYCOTT),
    *(FirstMove(MoveKind.ENGAGE, p) for p in Promise),
    FirstMove(MoveKind.RECOGNIZE),
)
"""Every first move, from least to most committal (the spec's tie-breaking order)."""


def first_move(label: str) -> FirstMove:
    """The first move with this label (``Boycott``, ``Engage[reward_if_quiet]``, ...)."""
    for m in FIRST_MOVES:
        if m.label.lower() == label.strip().lower():
            return m
    raise ValueError(f"unknown first move {label!r}; known: "
                     + ", ".join(m.label for m in FIRST_MOVES))


class FinalAction(Enum):
    """China's final move f, after it has seen the signals."""

    STAY_OUT = "StayOut"
    REWARD = "Reward"
    WITHHOLD = "Withhold"
    MAINTAIN = "Maintain"
    DOWNGRADE = "Downgrade"
    PLAN_B = "PlanB"
    INTERVENE = "Intervene"

    @property
    def words(self) -> str:
        """The action in plain words (docs/model-game.md: what each does to recognition)."""
        return {
            FinalAction.STAY_OUT: "stay out (no further step)",
            FinalAction.REWARD: "recognise the Taliban (the reward)",
            FinalAction.WITHHOLD: "withhold recognition, engagement going on",
            FinalAction.MAINTAIN: "keep the recognition given",
            FinalAction.DOWNGRADE: "withdraw the recognition given",
            FinalAction.PLAN_B: "turn to the multilateral Plan B",
            FinalAction.INTERVENE: "intervene directly (ending any recognition)",
        }[self]


FINAL_ACTIONS: tuple[FinalAction, ...] = tuple(FinalAction)
"""Every final action in one global order: arrays over final actions of any first move use
this order (a move's own actions are a subsequence)."""

_FINAL_ACTIONS: dict[MoveKind, tuple[FinalAction, ...]] = {
    MoveKind.BOYCOTT: (FinalAction.STAY_OUT, FinalAction.PLAN_B, FinalAction.INTERVENE),
    MoveKind.ENGAGE: (FinalAction.REWARD, FinalAction.WITHHOLD, FinalAction.PLAN_B,
                      FinalAction.INTERVENE),
    MoveKind.RECOGNIZE: (FinalAction.MAINTAIN, FinalAction.DOWNGRADE, FinalAction.PLAN_B,
                         FinalAction.INTERVENE),
}


def final_actions(kind: MoveKind) -> tuple[FinalAction, ...]:
    """China's final actions after a first move of this kind (docs/model-game.md §7.2)."""
    return _FINAL_ACTIONS[kind]


@dataclass(frozen=True, slots=True)
class Consequence:
    """What a (first move, final action) pair means for the round's payoffs.

    Attributes
    ----------
    engaged
        m ≠ Boycott (China's economic gain and the absence of the boycott bond).
    recognised
        R: the Taliban end the round recognised.
    aid
        A: aid flows.
    grants
        G: China grants recognition this round (pays ``recognition_cost``).
    plan_b, intervene
        China turns to Plan B / intervenes unilaterally.
    """

    engaged: bool
    recognised: bool
    aid: bool
    grants: bool
    plan_b: bool
    intervene: bool


def consequence(m: FirstMove, f: FinalAction) -> Consequence:
    """R, A, G, Plan B and intervention for a first move and a final action.

    Rules (docs/model-game.md §7.2, item 6): R = 1 when (m = Engage and f = Reward) or
    (m = Recognize and f ∉ {Downgrade, Intervene}); A = 1 when m ≠ Boycott and
    f ∉ {Downgrade, Intervene}; G = 1 when m = Recognize or f = Reward. Plan B leaves
    recognition and aid as they were; intervention ends both.
    """
    if f not in final_actions(m.kind):
        raise ValueError(f"{f.value} is not a final action after {m.label}")
    cut = f in (FinalAction.DOWNGRADE, FinalAction.INTERVENE)
    recognised = (m.kind is MoveKind.ENGAGE and f is FinalAction.REWARD) or (
        m.kind is MoveKind.RECOGNIZE and not cut)
    return Consequence(
        engaged=m.kind is not MoveKind.BOYCOTT,
        recognised=recognised,
        aid=m.kind is not MoveKind.BOYCOTT and not cut,
        grants=m.kind is MoveKind.RECOGNIZE or f is FinalAction.REWARD,
        plan_b=f is FinalAction.PLAN_B,
        intervene=f is FinalAction.INTERVENE,
    )


def breaks_word(m: FirstMove, f: FinalAction, s: ArrayLike, d: ArrayLike, r_close: ArrayLike
                ) -> NDArray[np.bool_]:
    """Whether China breaks its word (and pays ``reneging_cost``); element-wise in signals.

    After Engage[ρ] with a binding ρ: when the recognition decision R differs from
    ρ(s, d, r). After Recognize: Downgrade and Intervene break the recognition given.
    After Boycott or Engage[no_promise]: never.
    """
    import numpy as np

    shape = np.broadcast(np.asarray(s), np.asarray(d), np.asarray(r_close)).shape
    if m.kind is MoveKind.RECOGNIZE:
        cut = f in (FinalAction.DOWNGRADE, FinalAction.INTERVENE)
        return np.full(shape, cut, dtype=bool)
    if m.kind is MoveKind.ENGAGE and m.promise is not None and m.promise.binding:
        recognised = consequence(m, f).recognised
        return np.asarray(m.promise.prescribes(s, d, r_close) != recognised)
    return np.zeros(shape, dtype=bool)


@dataclass(frozen=True, slots=True)
class Policy:
    """A built-in China policy for the simulator: a frozen specification, not behaviour.

    Attributes
    ----------
    name
        Stable identifier (used in scenario files and the CLI).
    description
        What China does each quarter.
    first_move
        The first move it plays when that is fixed; ``None`` when it depends on the state.
    parameters
        Names of the parameters the policy reads.
    """

    name: str
    description: str
    first_move: FirstMove | None = None
    parameters: tuple[str, ...] = ()


POLICIES: tuple[Policy, ...] = (
    Policy("boycott", "Join the international isolation: no aid, no recognition.",
           FirstMove(MoveKind.BOYCOTT)),
    *(Policy(f"engage_{p.value}", f"Engage with aid and publish the promise {p.value!r} "
             f"({p.words}); recognise according to the final move that is best at the "
             f"signals seen (the game's first move Engage[{p.value}]).",
             FirstMove(MoveKind.ENGAGE, p), ("reneging_cost",)) for p in Promise),
    Policy("recognise", "Recognise de jure at once (and keep aid flowing); keep or withdraw "
           "the recognition by the final move that is best at the signals seen (the game's "
           "first move Recognize, its final moves Maintain or Downgrade).",
           FirstMove(MoveKind.RECOGNIZE)),
    Policy("conditional", "Engage; recognise once the belief that the Taliban are sincere "
           "reaches recognition_threshold and no attack has occurred for quiet_quarters.",
           None, ("recognition_threshold", "quiet_quarters")),
    Policy("plan_b_after_failure", "Engage; if the Taliban fail (no suppression), turn to "
           "the multilateral Plan B.", None, ("planb_cost", "planb_effect")),
    Policy("equilibrium", "Each quarter play the selected perfect Bayesian equilibrium of "
           "the one-round game with China's current belief as the prior.", None,
           ("prior_sincere",)),
)
"""The simulator's built-in policies (docs/model-dynamics.md §7.1)."""


def policy_names() -> tuple[str, ...]:
    """Names of the registry's policies."""
    return tuple(p.name for p in POLICIES)


def check_policy(name: str, *, field: str | None = None) -> str:
    """``name`` if it is one of :func:`policy_names`, else a :class:`~qpq.errors.BadInputError`.

    Every lens checks a policy name here, so the message is the same wherever a bad one
    enters: ``field`` (the option or setting that carried it, e.g. ``"--lever"``) where
    given, the name and the allowed ones.
    """
    if name not in policy_names():
        raise BadInputError(f"{field + ': ' if field else ''}unknown policy {name!r}; "
                            f"allowed: {', '.join(policy_names())}")
    return name
