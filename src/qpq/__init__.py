"""qpq: analysing state–militant security bargains (the China–Taliban quid pro quo)."""

__version__ = "0.1.0"

__all__ = ["__version__"]
