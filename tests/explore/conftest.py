"""Fixtures: the built-in case, and a factory writing small scenario files to edit."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from qpq.case import Case, load_case

TINY: dict[str, Any] = {
    "id": "tiny",
    "description": "A small, fast scenario for tests: a short run and a coarse belief grid.",
    "uncertainties": [
        {"parameter": "iskp_pull", "low": 0.0, "high": 3.0},
        {"parameter": "crackdown_intensity", "low": 0.5, "high": 1.0},
        {"parameter": "restrain_intensity", "low": 0.1, "high": 0.7},
        {"parameter": "defection_share", "low": 0.02, "high": 0.4},
        {"parameter": "quarterly_discount", "low": 0.9, "high": 1.0},
    ],
    "levers": ["engage_reward_if_suppressed", "boycott", "conditional"],
    "outcomes": ["china_security", "militants_iskp"],
    "n": 64,
    "seed": 7,
    "extra": {"start": "2019-01-01", "until": "2023-12-31", "window_start": "2021-08-15",
              "grid_size": 4},
}


@pytest.fixture(scope="session")
def case() -> Case:
    return load_case()


@pytest.fixture
def scenario_file(tmp_path: Path) -> Callable[..., Path]:
    """Write TINY (with top-level keys replaced, or ``extra`` keys merged) to a file."""

    def factory(name: str = "tiny.yaml", text: str | None = None, extra: dict[str, Any] | None
                = None, **replace: Any) -> Path:
        path = tmp_path / name
        if text is not None:
            path.write_text(text, encoding="utf-8")
            return path
        data = copy.deepcopy(TINY)
        data.update(replace)
        if extra:
            data["extra"] = {**data["extra"], **extra}
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return factory


RUN_POLICIES = ("boycott", "engage_reward_if_suppressed")


@pytest.fixture
def tiny_plan(case: Case, scenario_file: Callable[..., Path]) -> Callable[..., Any]:
    """A factory of run plans of TINY (Monte Carlo design, two policies, cheap to run)."""
    from qpq.explore import load_study
    from qpq.explore._chunked_runs import plan_run

    def factory(n: int = 3500, chunk_blocks: int = 1, method: str = "mc", **kw: Any) -> Any:
        study = load_study(str(scenario_file()), case)
        kw.setdefault("policies", RUN_POLICIES)
        return plan_run(case, study, method=method, n=n,  # type: ignore[arg-type]
                        chunk_blocks=chunk_blocks, **kw)

    return factory
