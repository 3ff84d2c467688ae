"""The model's versions, named once for every lens that takes ``--model``."""

from __future__ import annotations

from qpq.errors import BadInputError

__all__ = ["MODELS", "check_model"]

MODELS: tuple[str, ...] = ("v1", "v2")
"""``v1``: the one-round game each quarter (the default); ``v2``: the round as the stage of a
repeated relationship with history-dependent stage games (docs/model-game.md §7.5)."""


def check_model(model: str, *, field: str = "model") -> str:
    """``model`` if it is one of :data:`MODELS`, else a :class:`~qpq.errors.BadInputError`.

    Every lens checks its model here, so the message is the same wherever a bad one enters:
    it names ``field`` (the option or setting that carried it, e.g. ``"--model"``), the value
    and the allowed ones.
    """
    if model not in MODELS:
        raise BadInputError(f"{field}: unknown model {model!r}; allowed: {', '.join(MODELS)}")
    return model
