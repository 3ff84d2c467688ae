"""The model's versions, named once for every lens that takes ``--model``."""

__all__ = ["MODELS"]

MODELS: tuple[str, ...] = ("v1", "v2")
"""``v1``: the one-round game each quarter (the default); ``v2``: the round as the stage of a
repeated relationship with history-dependent stage games (docs/model-game.md §7.5)."""
