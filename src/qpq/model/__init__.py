"""The shared domain model: parameters, utilities, China's levers and the outcomes.

One source of truth for every lens: :mod:`qpq.game`, the simulator and exploration read
their numbers through the parameter registry, compute payoffs with the utilities here and
name China's options and the outcomes from the registries here.
"""

from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.model.outcomes import OUTCOMES, Direction, Lens, Outcome, outcome
    from qpq.model.parameters import (
        CANONICAL_PARAMETERS,
        CONSTRAINTS,
        DYNAMICS_PARAMETERS,
        GAME_PARAMETERS,
        Constraint,
        ParameterRegistry,
        ParameterSet,
    )
    from qpq.model.policies import (
        FIRST_MOVES,
        POLICIES,
        Consequence,
        FinalAction,
        FirstMove,
        MoveKind,
        Policy,
        Promise,
        breaks_word,
        consequence,
        final_actions,
        first_move,
    )
    from qpq.model.utilities import (
        china_utility,
        continuation_value,
        defection_logit,
        defection_prob,
        future_harm,
        round_harm,
        suppression_prob,
        taliban_utility,
        un_close_prob,
    )

__all__ = [
    "CANONICAL_PARAMETERS",
    "CONSTRAINTS",
    "DYNAMICS_PARAMETERS",
    "FIRST_MOVES",
    "GAME_PARAMETERS",
    "OUTCOMES",
    "POLICIES",
    "Consequence",
    "Constraint",
    "Direction",
    "FinalAction",
    "FirstMove",
    "Lens",
    "MoveKind",
    "Outcome",
    "ParameterRegistry",
    "ParameterSet",
    "Policy",
    "Promise",
    "breaks_word",
    "china_utility",
    "consequence",
    "continuation_value",
    "defection_logit",
    "defection_prob",
    "final_actions",
    "first_move",
    "future_harm",
    "outcome",
    "round_harm",
    "suppression_prob",
    "taliban_utility",
    "un_close_prob",
]

# Each name's module is imported on first use (qpq._lazy), so importing one submodule
# does not import its siblings' libraries.
_EXPORTS = {
    "qpq.model.outcomes": ("OUTCOMES", "Direction", "Lens", "Outcome", "outcome"),
    "qpq.model.parameters": (
        "CANONICAL_PARAMETERS", "CONSTRAINTS", "DYNAMICS_PARAMETERS", "GAME_PARAMETERS",
        "Constraint", "ParameterRegistry", "ParameterSet",
    ),
    "qpq.model.policies": (
        "FIRST_MOVES", "POLICIES", "Consequence", "FinalAction", "FirstMove", "MoveKind", "Policy",
        "Promise", "breaks_word", "consequence", "final_actions", "first_move",
    ),
    "qpq.model.utilities": (
        "china_utility", "continuation_value", "defection_logit", "defection_prob", "future_harm",
        "round_harm", "suppression_prob", "taliban_utility", "un_close_prob",
    ),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
