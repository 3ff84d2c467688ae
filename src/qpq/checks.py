"""Checks of the arguments a Python caller gives: sizes, seeds, generators, numbers, names.

The CLI's options are checked by Click before any code runs; a notebook's arguments reach the
lenses as given, and a wrong one ended deep in numpy (``expected non-negative integer``,
``'int' object has no attribute 'integers'``), or was quietly taken for something else (a
seed of 1.5 ran seed 1, ``n=True`` one scenario, a lone policy name iterated letter by
letter). Each function here returns the value in its canonical type or raises
:class:`~qpq.errors.BadInputError` naming the argument, what it got and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from qpq.errors import BadInputError

__all__ = ["as_date", "as_folder", "as_mapping", "as_names", "check_flag", "check_generator",
           "check_number", "check_seed", "check_whole", "check_workers", "did_you_mean",
           "with_article"]


def did_you_mean(name: str, known: Iterable[str], *, cutoff: float = 0.6) -> str:
    """``"; did you mean a, b?"`` for the known names closest to a misspelt ``name``.

    Empty when none is close; every message that refuses an unknown name appends it.
    """
    import difflib

    close = difflib.get_close_matches(name, list(known), n=3, cutoff=cutoff)
    return f"; did you mean {', '.join(close)}?" if close else ""


def with_article(word: str) -> str:
    """``word`` after its indefinite article: ``"an actor"``, ``"a source"``, ``"an int"``."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _shown(value: object) -> str:
    return "a numpy Generator" if isinstance(value, np.random.Generator) else repr(value)


def check_whole(value: object, name: str, *, minimum: int = 0) -> int:
    """``value`` as an ``int`` of at least ``minimum``: integers and whole floats (``1e4``)."""
    whole: int | None = None
    # True is an int to Python, never a count to a caller
    if isinstance(value, bool | np.bool_):
        whole = None
    elif isinstance(value, numbers.Integral):
        whole = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        whole = int(float(value))
    if whole is None or whole < minimum:
        raise BadInputError(f"{name} must be a whole number of at least {minimum}; got "
                            f"{_shown(value)}")
    return whole


def check_flag(value: object, name: str) -> bool:
    """A yes/no switch: ``True`` or ``False`` (numpy's too), nothing that merely has a truth.

    ``"no"`` and ``"false"`` are true to Python: ``mixed="no"`` ran the mixed search and
    ``coopt="no"`` let the Taliban co-opt.
    """
    if not isinstance(value, bool | np.bool_):
        raise BadInputError(f"{name} must be True or False; got {_shown(value)}")
    return bool(value)


def as_folder(value: object, name: str) -> Path | None:
    """A folder path (``str`` or :class:`~pathlib.Path`) as a Path, or ``None``."""
    # 3 ended in "unsupported operand type(s) for /" when the folder was first used
    if value is None:
        return None
    if not isinstance(value, str | Path):
        raise BadInputError(f"{name} must be a folder path or None; got {_shown(value)}")
    return Path(value)


def as_mapping(value: object, name: str, *, example: str = "{'iskp_pull': 2.0}"
               ) -> dict[str, object]:
    """A mapping ``name -> value`` as a dict (a list of pairs or names is refused).

    ``None`` is no mapping given: an empty one (``overrides=None`` is no overrides).
    """
    if value is None:
        return {}
    # a list of names reached dict() ("dictionary update sequence element #0 ...")
    if not isinstance(value, Mapping):
        raise BadInputError(f"{name} must be a mapping name -> value, e.g. {example}; "
                            f"got {_shown(value)}")
    bad = [k for k in value if not isinstance(k, str)]
    if bad:
        raise BadInputError(f"{name} must map names (strings) to values; got the key "
                            f"{bad[0]!r}")
    return dict(value)


def check_workers(value: object, name: str = "workers") -> int | None:
    """Worker processes: a whole number of at least 1, or ``None`` (up to two, as cores allow).

    :func:`qpq.parallel.worker_count` resolves ``None``.
    """
    return None if value is None else check_whole(value, name, minimum=1)


def check_seed(value: object, name: str = "seed") -> int:
    """A seed: a whole number of at least 0 (the streams are derived from it, never drawn)."""
    if isinstance(value, np.random.Generator):
        raise BadInputError(f"{name} must be a whole number of at least 0 (the streams are "
                            "derived from it by purpose and block); got a numpy Generator")
    return check_whole(value, name, minimum=0)


def check_generator(value: object, name: str = "rng") -> np.random.Generator:
    """A :class:`numpy.random.Generator`, as every random draw here takes (never a seed)."""
    if not isinstance(value, np.random.Generator):
        raise BadInputError(f"{name} must be a numpy.random.Generator, e.g. "
                            f"numpy.random.default_rng(0); got {_shown(value)}")
    return value


def check_number(value: object, name: str, *, low: float = -math.inf,
                 high: float = math.inf) -> float:
    """A finite number within [``low``, ``high``] (a share: ``low=0, high=1``)."""
    if (isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or not low <= float(value) <= high):
        # one bound alone is said as such ("within [0, inf]" read oddly)
        allowed = ("a finite number" if (low, high) == (-math.inf, math.inf) else
                   f"a finite number of at least {low:g}" if high == math.inf else
                   f"a finite number of at most {high:g}" if low == -math.inf else
                   f"a number within [{low:g}, {high:g}]")
        raise BadInputError(f"{name} must be {allowed}; got {_shown(value)}")
    return float(value)


def as_date(value: object, name: str) -> dt.date:
    """A :class:`datetime.date` from a date or ``YYYY-MM-DD``.

    A datetime is refused: it is a date to Python, and its time would be dropped unsaid.
    """
    if isinstance(value, dt.datetime):
        raise BadInputError(f"{name} must be a date (datetime.date or YYYY-MM-DD), not a "
                            f"datetime; got {value!r} (use its .date())")
    if isinstance(value, dt.date):
        return value
    # fromisoformat also takes 20240630 and 2024-W26-7 (Python 3.11), forms the message
    # and the case files do not allow
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise BadInputError(f"{name}: {value!r} is not a date; write YYYY-MM-DD or pass a "
                        "datetime.date")


def as_names(value: str | Iterable[str] | None, name: str, *, empty_ok: bool = False
             ) -> tuple[str, ...] | None:
    """One name or several as a tuple (a lone string is one name, not its letters).

    ``None`` stays ``None`` (the caller's default); an empty collection is refused unless
    ``empty_ok``, since it would otherwise mean "all" in some places and "none" in others.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Mapping):
        # iterating a mapping gives its keys, and its values were dropped unsaid
        raise BadInputError(f"{name} must be a name or a list of names, not a mapping; got "
                            f"{_shown(value)}")
    try:
        names = tuple(value)
    except TypeError:
        raise BadInputError(f"{name} must be a name or a list of names; got "
                            f"{_shown(value)}") from None
    bad = [v for v in names if not isinstance(v, str)]
    if bad:
        raise BadInputError(f"{name} must hold names (strings); got {bad[0]!r}")
    if not names and not empty_ok:
        raise BadInputError(f"{name} is empty; give at least one name, or leave it out for "
                            "the default")
    return names
