"""Fixtures for the model tests: a temporary case whose sources cover every cited id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from qpq.case._loader import builtin_case_path
from tests.conftest import MINI_CASE, write_case

PARAMETERS_FILE = builtin_case_path() / "parameters.yaml"


def parameter_items() -> list[dict[str, Any]]:
    """The built-in parameters.yaml as a list of dicts."""
    data = yaml.safe_load(PARAMETERS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def cited_ids(items: list[dict[str, Any]]) -> set[str]:
    return {e for item in items for e in item.get("evidence", [])}


@pytest.fixture
def param_case(tmp_path: Path) -> Callable[..., Path]:
    """Write a minimal case with the built-in parameters (optionally edited); return its folder.

    ``edit(items)`` may change the list of parameter dicts in place.
    """

    def factory(edit: Callable[[list[dict[str, Any]]], None] | None = None,
                name: str = "pcase") -> Path:
        items = parameter_items()
        for item in items:
            # This case holds no record, so the observation ids would not resolve.
            item.pop("observations", None)
        if edit is not None:
            edit(items)
        ids = sorted(cited_ids(items) | {"rehalem-2025"})
        files: dict[str, Any] = {
            "case.yaml": {
                "id": "pcase", "title": "Parameters only", "summary": "For registry tests.",
                "paper": {"author": "J. Rehalem", "title": "QPQ", "year": 2025,
                          "source": "rehalem-2025"},
                "attribution": "tests",
            },
            # Every case needs its world and evidence (REQUIRED_FILES): borrow the mini case's.
            **{name: MINI_CASE[name] for name in ("actors.yaml", "places.yaml", "phases.yaml",
                                                  "events.yaml", "claims.yaml")},
            "sources.yaml": MINI_CASE["sources.yaml"] + [
                {"id": i, "kind": "note", "title": i, "note": "a stand-in for the test"}
                for i in ids],
            "parameters.yaml": items,
        }
        return write_case(tmp_path / name, files)

    return factory
