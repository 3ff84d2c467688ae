"""What a test needs that may be missing here: fail under CI (``CI`` set), skip elsewhere.

CI installs everything the tests need (``make test``: the pinned extras; ``.ci/run``:
Debian's Chromium), so a missing need there is a broken setup that must not pass as a skip.
On a developer's machine the test is skipped with the reason and how to install it.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest


def unavailable(reason: str, *, needed_by: str) -> NoReturn:
    """Fail under CI, skip elsewhere (also at a module's top, before its tests)."""
    if os.environ.get("CI"):
        pytest.fail(f"{needed_by} need it, and CI must run them: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_module(name: str, *, install: str, needed_by: str) -> ModuleType:
    """The module ``name``, imported; where it is missing, :func:`unavailable`.

    Only a missing module: one that is there but fails to import raises, as
    ``pytest.importorskip`` does.
    """
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = str(exc)
    # outside the except block, so the report is the reason alone, not a chained traceback
    unavailable(f"{name} is not installed ({install}): {missing}", needed_by=needed_by)


def require_pygambit() -> ModuleType:
    """pygambit, the game solver's independent oracle (pinned in the ``game`` extra)."""
    return require_module("pygambit", install="the 'game' extra: make setup, or pip install "
                          "-e '.[game]'", needed_by="the pygambit oracle's tests")
