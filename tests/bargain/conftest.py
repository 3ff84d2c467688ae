"""Factories shared by the bargaining tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qpq.bargain import Stakeholders
from tests.bargain.reference_runs import EU_EMISSIONS


@pytest.fixture
def eu() -> Stakeholders:
    """The EU emission-standards data (Bueno de Mesquita 1994)."""
    return Stakeholders.from_rows(EU_EMISSIONS, issue="emissions", source="eu")


def random_stakeholders(rng: np.random.Generator, n: int, *, integer: bool = True
                        ) -> Stakeholders:
    """n actors with random capability, position (integers 0..100 by default), salience."""
    pos = rng.integers(0, 101, n).astype(float) if integer else rng.uniform(0, 100, n)
    if np.ptp(pos) == 0:
        pos[0] = 0.0 if pos[0] else 100.0
    return Stakeholders(actors=tuple(f"a{i}" for i in range(n)),
                        capability=rng.uniform(0.05, 1.0, n), position=pos,
                        salience=rng.uniform(0.05, 1.0, n), scale=(0.0, 100.0))


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a text file in the test's temporary folder and return its path."""

    def factory(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return factory
