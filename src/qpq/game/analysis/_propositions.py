"""The paper's propositions P1–P7 as measurements on the game, vectorised over points.

Each proposition is a frozen :class:`Proposition`: the paper's statement, whether it is a
**strategic result** (it follows from equilibrium play: P1, P2, P4) or **built into a
mechanism** (an assumption of the payoffs whose size and region are measured: P3, P5, P6,
P7), its definition in the model (docs/model-game.md A.5), and its falsification
counterpart — a transformation of the parameters under which the logic says it must fail.
:func:`qpq.game.analysis._measures.evaluate` measures all of them at any number of
parameter points at once. "Security" is China's security as the spec defines it for P1 and P5:
−(this round's expected harm + ``future_weight`` × the expected future harm in W).

Definitions (per point; "preferred continuation" = China's preferred pure continuation
equilibrium after a first move, what it plays there on or off the path):

* P1 — security after China's best Engage[ρ] (preferred continuation) exceeds security
  after Boycott (preferred continuation).
* P2 — on the selected PBE's path China does not boycott, some type restrains and no type
  cracks down (visible but partial steps, not elimination).
* P3 — even at a crackdown, the sincere low-capacity type suppresses with lower
  probability than the sincere high-capacity type (the cap, by its size); also measured on
  the selected path.
* P4 — China's selected first move is Engage[ρ] and, when the UN report says "close ties",
  its most likely reaction is to withhold recognition while engagement continues
  (P(Withhold | close) ≥ 1/2).
* P5 (mechanism) — at fixed type (sincere, high capacity) and fixed final action (no
  recognition, no Plan B), China's security as a function of effort intensity x ∈
  [0, ``crackdown_intensity``] rises and then falls: its maximum is interior.
* P5 (path) — along the selected PBE held fixed (first move, efforts, China's responses),
  security as a function of ``crackdown_intensity`` (over its range above
  ``restrain_intensity``) peaks below the top of the range.
* P6 — with US/NATO present (``us_presence`` = 1) China pays less (expected aid cost plus
  recognition cost on the selected path) than after withdrawal (``us_presence`` = 0), and
  its first move is no more committal. P6s: the same for security-motivated engagement,
  tested at the defaults over its whole region ``econ_gain`` in (0, ``aid_cost``].
* P7 — at every final information set where the Taliban failed (s = 0), after every first
  move, China's expected payoff from Plan B exceeds that from intervention, given its
  posterior under its preferred continuation (the exact condition, a sum of named terms:
  :func:`qpq.game.analysis._measures.p7_terms`); the spec's analytic reduction is
  reported alongside as an explanation, with the terms it drops.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np
from numpy.typing import NDArray

__all__ = ["PROPOSITIONS", "PROPOSITIONS_V2", "SECURITY_ONLY", "V2_DEFINITIONS", "Condition",
           "Kind", "Proposition", "Region",
           "proposition"]

FloatArray = NDArray[np.float64]
Params = dict[str, FloatArray]


class Kind(Enum):
    """Whether a proposition is derived from equilibrium play or assumed in a mechanism."""

    STRATEGIC = "strategic result"
    MECHANISM = "built into a mechanism (an assumption)"


@dataclass(frozen=True)
class Condition:
    """A region of the parameter space, by name and membership test."""

    description: str
    test: Callable[[Mapping[str, FloatArray]], NDArray[np.bool_]] = field(compare=False)


@dataclass(frozen=True)
class Region:
    """A test region along one parameter, the others at their values: (low, high].

    ``high_from`` names the parameter whose value is the top (e.g. ``aid_cost``); the
    bottom ``low`` is excluded (P6s: security-motivated engagement is ``econ_gain`` in
    (0, ``aid_cost``], the boundary value 0 is one end of it, not the region).
    """

    parameter: str
    low: float
    high_from: str

    def bounds(self, values: Mapping[str, float]) -> tuple[float, float]:
        """(low, high) at a parameter point."""
        return self.low, float(values[self.high_from])

    def describe(self, values: Mapping[str, float] | None = None) -> str:
        """The region in words, with its numbers at ``values`` when given."""
        text = f"{self.parameter} in ({self.low:g}, {self.high_from}]"
        if values is not None:
            text += f" = ({self.low:g}, {float(values[self.high_from]):g}]"
        return text + ", the other parameters at their values"


@dataclass(frozen=True)
class Proposition:
    """One proposition: statement, kind, model definition and falsification counterpart.

    ``counterfactual`` maps parameter arrays to the arrays under which the logic says the
    proposition must fail (its values may leave the plausible ranges: they are thought
    experiments, within what the model allows). ``at_defaults`` adjusts the defaults for
    the test at the defaults;
    ``condition`` is the part of the ranges where the paper expects the proposition (its
    share there is reported too); ``region`` makes the test at the defaults a test over
    a whole region along one parameter (P6s), not at one value.
    """

    id: str
    statement: str
    kind: Kind
    definition: str
    falsification: str
    counterfactual: Callable[[Params], Params] = field(compare=False)
    at_defaults: dict[str, float] = field(default_factory=dict)
    condition: Condition | None = None
    region: Region | None = None

    def test_region(self, values: Mapping[str, float] | None = None) -> str:
        """Where the verdict at the defaults is tested, in words."""
        if self.region is not None:
            return self.region.describe(values)
        if self.at_defaults:
            return "the defaults with " + ", ".join(f"{k} = {v:g}"
                                                    for k, v in self.at_defaults.items())
        return "the point of the defaults"


def _set(**values: float) -> Callable[[Params], Params]:
    def apply(p: Params) -> Params:
        n = next(iter(p.values())).shape[0]
        return {**p, **{k: np.full(n, float(v)) for k, v in values.items()}}
    return apply


def _equal_capacity(p: Params) -> Params:
    return {**p, "capacity_low": p["capacity_high"].copy()}


def _cheap_intervention(p: Params) -> Params:
    return {**p, "intervene_cost": p["planb_cost"].copy(),
            "intervene_effect": np.maximum(p["intervene_effect"], p["planb_effect"])}


_HIGH_PULL = Condition("high ISKP pull (iskp_pull >= 2, the top third of its range)",
                       lambda p: np.asarray(p["iskp_pull"] >= 2.0))
SECURITY_ONLY = Condition("security-motivated engagement (econ_gain <= aid_cost)",
                           lambda p: np.asarray(p["econ_gain"] <= p["aid_cost"]))
_NOTHING_TO_EARN = dict(recognition_value=0.0, aid_value=0.0, sovereignty_cost=0.0)

PROPOSITIONS: tuple[Proposition, ...] = (
    Proposition(
        "P1", "Boycott leaves China less secure than engagement.", Kind.STRATEGIC,
        "security (this round's harm + future harm in W) after China's best Engage[ρ] "
        "exceeds security after Boycott, each with China's preferred continuation",
        "engagement can buy nothing and costs nothing, and isolation does not bond: "
        "recognition_value = aid_value = sovereignty_cost = aid_cost = 0, boycott_bond = 1",
        _set(**_NOTHING_TO_EARN, aid_cost=0.0, boycott_bond=1.0)),
    Proposition(
        "P2", "A Taliban that wants recognition takes visible but partial steps rather "
        "than eliminating the militants.", Kind.STRATEGIC,
        "on the selected PBE path China does not boycott, some type restrains and no type "
        "cracks down",
        "a Taliban that wants nothing China controls: recognition_value = aid_value = "
        "sovereignty_cost = 0", _set(**_NOTHING_TO_EARN)),
    Proposition(
        "P3", "Low capacity caps what even a sincere Taliban delivers.", Kind.MECHANISM,
        "at a crackdown, P(suppression) of the sincere low-capacity type is below that of "
        "the sincere high-capacity type (size: the gap)",
        "no capacity difference: capacity_low = capacity_high", _equal_capacity),
    Proposition(
        "P4", "With the Taliban–al-Qaeda tie 'close', China engages but withholds de jure "
        "recognition.", Kind.STRATEGIC,
        "the selected first move is Engage[ρ] and after a UN report of 'close ties' China "
        "most likely withholds (engagement continues, no recognition): P(Withhold | close) "
        ">= 1/2",
        "recognising costs nothing, an insincere Taliban does not hurt: "
        "recognition_cost = 0, future_value_insincere = -1e-6; a recognised Taliban's "
        "continued effort feeds no ISKP defections (iskp_pull = 0); and no promise binds, so "
        "withholding cannot serve as an incentive (reneging_cost = 0)",
        _set(recognition_cost=0.0, future_value_insincere=-1e-6, iskp_pull=0.0,
             reneging_cost=0.0)),
    Proposition(
        "P5m", "Beyond some crackdown intensity, defections to ISKP make China's net "
        "security worse when ISKP's pull is high (mechanism).", Kind.MECHANISM,
        "sincere high-capacity type, no recognition and no Plan B held fixed: security as "
        "a function of effort intensity in [0, crackdown_intensity] peaks inside the range",
        "ISKP has no pull: iskp_pull = 0", _set(iskp_pull=0.0), condition=_HIGH_PULL),
    Proposition(
        "P5p", "Beyond some crackdown intensity, defections to ISKP make China's net "
        "security worse (equilibrium path, fixed selection).", Kind.MECHANISM,
        "the selected PBE held fixed: security as a function of crackdown_intensity "
        "(above restrain_intensity) peaks below the top of its range",
        "ISKP has no pull: iskp_pull = 0", _set(iskp_pull=0.0), condition=_HIGH_PULL),
    Proposition(
        "P6", "With US/NATO present, China free-rides; after withdrawal it must engage.",
        Kind.MECHANISM,
        "with us_presence = 1 China pays less (aid_cost·P(aid) + recognition_cost·P(grant) "
        "on the selected path) than with us_presence = 0, with a first move no more "
        "committal",
        "the US presence suppresses nothing: us_suppression = 0", _set(us_suppression=0.0)),
    Proposition(
        "P6s", "P6 for security-motivated engagement alone.", Kind.MECHANISM,
        "as P6, where econ_gain <= aid_cost (at the defaults: over econ_gain in "
        "(0, aid_cost])",
        "the US presence suppresses nothing: us_suppression = 0", _set(us_suppression=0.0),
        condition=SECURITY_ONLY, region=Region("econ_gain", 0.0, "aid_cost")),
    Proposition(
        "P7", "If the Taliban fail, China prefers a multilateral Plan B over unilateral "
        "intervention.", Kind.MECHANISM,
        "at every information set with s = 0 after every first move, China's expected "
        "payoff of Plan B exceeds that of intervention (posterior from its preferred "
        "continuation): the exact condition; the spec's analytic reduction is an "
        "explanation only (it drops the aid saved by intervening after Engage, the "
        "relationship value and reneging cost lost by intervening after Recognize, and "
        "effort-dependent future harm)",
        "intervention costs no more than Plan B and achieves at least as much: "
        "intervene_cost = planb_cost, intervene_effect = max(intervene_effect, "
        "planb_effect)", _cheap_intervention),
)
"""P1–P7 (P5 in two versions, P6 also for security-motivated engagement)."""


def proposition(pid: str) -> Proposition:
    """The proposition with this id (``P1`` … ``P7``, ``P5m``, ``P5p``, ``P6s``)."""
    for p in PROPOSITIONS:
        if p.id.lower() == pid.lower():
            return p
    raise KeyError(f"unknown proposition {pid!r}; known: "
                   + ", ".join(p.id for p in PROPOSITIONS))


V2_DEFINITIONS: dict[str, str] = {
    "P1": "security (the discounted harm stream from the unrecognised state, Plan B's and "
          "intervention's relief included) when China opens the quarter with its best "
          "Engage[ρ] exceeds security when it opens with Boycott, each followed by the "
          "relationship's equilibrium (strategies after that move, then its values)",
    "P2": "in the unrecognised state, on the path of the relationship's equilibrium: China "
          "does not boycott, some type restrains and no type cracks down",
    "P3": "the capacity cap of the shared utilities, which v2 does not change: at a "
          "crackdown, P(suppression) of the sincere low-capacity type is below that of the "
          "sincere high-capacity type (the path version reads the unrecognised state)",
    "P4": "in the unrecognised state China's most probable first move is Engage[ρ] and, "
          "after a UN report of 'close ties', P(Withhold | close) >= 1/2",
    "P5m": "one quarter's mechanism (v2's stage has no W): sincere high-capacity type at "
           "effort x every quarter, never recognised, no Plan B: security (stage harm over "
           "1 - δ) as a function of x in [0, crackdown_intensity] peaks inside the range",
    "P5p": "the relationship's strategies held fixed in both states: security from the "
           "unrecognised state as a function of crackdown_intensity (above "
           "restrain_intensity) peaks below the top of its range, where some type cracks "
           "down",
    "P6": "with us_presence = 1 China's expected discounted payments from the unrecognised "
          "state (aid_cost per quarter of aid, recognition_cost per grant) are lower than "
          "with us_presence = 0, with a most probable first move no more committal",
    "P6s": "as P6 (v2), where econ_gain <= aid_cost (at the defaults: over econ_gain in "
           "(0, aid_cost])",
    "P7": "at every information set with s = 0, after every first move and in both states, "
          "China's expected payoff of Plan B (the relationship's continuation included) "
          "exceeds that of intervention, at its Bayes posterior under the strategies",
}
"""How each proposition reads in model v2's repeated relationship (docs/model-game.md §8.2)."""

PROPOSITIONS_V2: tuple[Proposition, ...] = tuple(
    replace(p, definition=V2_DEFINITIONS[p.id]) for p in PROPOSITIONS)
"""P1–P7 read in model v2: v1's statements, kinds and falsification counterparts, v2's
definitions. P8 (what matters most) is the exploration lens's and has no reading here."""
