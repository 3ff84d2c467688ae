"""Fixtures of the dashboard tests: the built-in case loaded once, as the app loads it."""

from __future__ import annotations

import pytest

from qpq.dashboard._view import Context


@pytest.fixture(scope="session")
def ctx() -> Context:
    return Context.load()
