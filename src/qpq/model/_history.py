"""How dated history changes the stage game (model v2): phase attributes → parameters.

v1 plays one game from 1996 to the horizon, changed only by US presence and third-party
recognitions, so "Omar refused in 2000" and "the Taliban acted on the 2023 pledge" must
come from the same payoffs. In v2 the case's sourced phase attributes
(:data:`qpq.case.PHASE_ATTRIBUTES`, docs/case-file.md) scale the parameters they bear on,
quarter by quarter; 1996–2001 and 2021– differ through them, not through eras written in
code. Each effect is one multiplicative rule, declared here once and applied by
:func:`apply_history` (the simulator's v2 tables and anyone solving the stage game at a
date).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["HISTORY_EFFECTS", "PRESENCE_FLOOR", "HistoryEffect", "apply_history"]

PRESENCE_FLOOR = 1e-6
"""Smallest multiplier an indicator attribute applies: before ISKP exists a defection keeps
probability ×1e-6, so every information set of China stays reached and Bayes' rule
defines its belief there (the game's full-support requirement); its payoff effect is
negligible."""


@dataclass(frozen=True, slots=True)
class HistoryEffect:
    """Parameter ``parameter`` is multiplied by phase attribute ``attribute``.

    ``stage`` says whether the parameter is one of the stage game's (so its regimes differ
    in the attribute) or only the simulator's dynamics read it.
    """

    attribute: str
    parameter: str
    why: str
    alternative: str
    stage: bool = True


HISTORY_EFFECTS: tuple[HistoryEffect, ...] = (
    HistoryEffect(
        "taliban_isolation", "recognition_value",
        "China's recognition is worth most to a Taliban government no one else recognises; "
        "with three recognising states (1997–2001) a quarter as much",
        "a value that falls with isolation only below a threshold, or a separate "
        "legitimacy term"),
    HistoryEffect(
        "iskp_present", "iskp_presence",
        "no one can defect to ISKP before it exists (announced 26 January 2015); the "
        "defection probability is multiplied by this indicator",
        "v1's choice D6: decisions price defection even before ISKP exists"),
    HistoryEffect(
        "iskp_targets_china", "iskp_threat",
        "defections to ISKP harm China once ISKP names China and its nationals as targets "
        "(from the October 2021 Kunduz claim)",
        "a partial threat before explicit targeting (a floor parameter)"),
    HistoryEffect(
        "china_exposure_afghanistan", "econ_gain",
        "what engagement earns China scales with its stake in Afghanistan (embassy, "
        "nationals, resource contracts)",
        "econ_gain as an expectation of future contracts, independent of today's stake"),
    HistoryEffect(
        "iskp_under_pressure", "iskp_campaign_attrition",
        "ISKP's strength takes extra attrition while sourced campaigns break its hold (its "
        "Nangarhar stronghold from September 2019, its losses in Kunar and Nangarhar during "
        "2020); the smooth index alone cannot fall to the UN's 2021 figures and recover",
        "a larger iskp_attrition at all times, or a shock to strength on one date",
        stage=False),
)
"""Every way history enters model v2, with its reason and the alternative: the stage game's
parameters and (``stage=False``) the simulator's dynamics alone."""


def apply_history(params: Mapping[str, ArrayLike], attributes: Mapping[str, ArrayLike]
                  ) -> dict[str, NDArray[np.float64]]:
    """The stage game's parameters under the given phase attributes.

    ``attributes`` maps attribute names to values broadcasting with the parameters; an
    attribute not given leaves its parameter unchanged. ``iskp_presence`` (1 unless an
    ``iskp_present`` attribute is given) multiplies the defection probability in
    :func:`qpq.model.defection_prob`.
    """
    out = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    for eff in HISTORY_EFFECTS:
        if eff.attribute not in attributes:
            continue
        value = np.maximum(np.asarray(attributes[eff.attribute], dtype=float),
                           PRESENCE_FLOOR)
        like = next(iter(out.values()), np.float64(1.0))
        base = out.get(eff.parameter, np.ones_like(like))
        out[eff.parameter] = np.asarray(base * value, dtype=float)
    return out
