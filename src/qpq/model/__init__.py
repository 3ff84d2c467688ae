"""The shared domain model: parameters, utilities, China's levers and the outcomes.

One source of truth for every lens: :mod:`qpq.game`, the simulator and exploration read
their numbers through the parameter registry, compute payoffs with the utilities here and
name China's options and the outcomes from the registries here.
"""


from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.model._history import (
        HISTORY_EFFECTS,
        PRESENCE_FLOOR,
        HistoryEffect,
        apply_history,
    )
    from qpq.model._outcomes import (
        OUTCOMES,
        Direction,
        Lens,
        Outcome,
        outcome,
    )
    from qpq.model._parameters import (
        CANONICAL_PARAMETERS,
        CONSTRAINTS,
        DYNAMICS_PARAMETERS,
        GAME_PARAMETERS,
        UNCALIBRATED,
        Constraint,
        ParameterRegistry,
        ParameterSet,
        check_game_values,
        parameter_generators,
    )
    from qpq.model._policies import (
        FINAL_ACTIONS,
        FIRST_MOVES,
        POLICIES,
        Consequence,
        FinalAction,
        FirstMove,
        MoveKind,
        Policy,
        Promise,
        breaks_word,
        check_policy,
        consequence,
        final_actions,
        first_move,
        policy_names,
    )
    from qpq.model._utilities import (
        china_utility,
        continuation_value,
        defection_logit,
        defection_prob,
        expected_etim_share,
        future_harm,
        round_harm,
        signal_pressure,
        stay_prob,
        suppression_prob,
        taliban_utility,
        un_close_prob,
    )
    from qpq.model._versions import (
        MODELS,
        check_model,
    )

__all__ = [
    "CANONICAL_PARAMETERS",
    "CONSTRAINTS",
    "DYNAMICS_PARAMETERS",
    "FINAL_ACTIONS",
    "FIRST_MOVES",
    "GAME_PARAMETERS",
    "HISTORY_EFFECTS",
    "MODELS",
    "OUTCOMES",
    "POLICIES",
    "PRESENCE_FLOOR",
    "UNCALIBRATED",
    "Consequence",
    "Constraint",
    "Direction",
    "FinalAction",
    "FirstMove",
    "HistoryEffect",
    "Lens",
    "MoveKind",
    "Outcome",
    "ParameterRegistry",
    "ParameterSet",
    "Policy",
    "Promise",
    "apply_history",
    "breaks_word",
    "check_game_values",
    "check_model",
    "check_policy",
    "china_utility",
    "consequence",
    "continuation_value",
    "defection_logit",
    "defection_prob",
    "expected_etim_share",
    "final_actions",
    "first_move",
    "future_harm",
    "outcome",
    "parameter_generators",
    "policy_names",
    "round_harm",
    "signal_pressure",
    "stay_prob",
    "suppression_prob",
    "taliban_utility",
    "un_close_prob",
]

# Each name's module is imported on first use (qpq._lazy), so importing the package
# for one name does not import its siblings' libraries.
_EXPORTS = {
    "qpq.model._versions": ("MODELS", "check_model"),
    "qpq.model._history": ("HISTORY_EFFECTS", "PRESENCE_FLOOR", "HistoryEffect", "apply_history"),
    "qpq.model._outcomes": ("Direction", "Lens", "OUTCOMES", "Outcome", "outcome"),
    "qpq.model._parameters": (
        "CANONICAL_PARAMETERS", "CONSTRAINTS", "Constraint", "DYNAMICS_PARAMETERS",
        "GAME_PARAMETERS", "ParameterRegistry", "ParameterSet", "UNCALIBRATED",
        "check_game_values", "parameter_generators",
    ),
    "qpq.model._policies": (
        "Consequence", "FINAL_ACTIONS", "FIRST_MOVES", "FinalAction", "FirstMove", "MoveKind",
        "POLICIES", "Policy", "Promise", "breaks_word", "check_policy", "consequence",
        "final_actions", "first_move", "policy_names",
    ),
    "qpq.model._utilities": (
        "china_utility", "continuation_value", "defection_logit", "defection_prob",
        "expected_etim_share", "future_harm", "round_harm", "signal_pressure", "stay_prob",
        "suppression_prob", "taliban_utility", "un_close_prob",
    ),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
