"""Shared fixtures of the simulator tests: the built-in case, small tables, a CLI runner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from qpq.case import load_case
from qpq.cli import _sim as sim_cli
from qpq.cli import main
from qpq.sim._dynamics import Dynamics, StepOptions
from qpq.sim._engine import RunSpec, _initial_state
from qpq.sim._lookup import build_table
from qpq.sim._policies import resolve_policy
from qpq.sim._pools import ParameterPool, default_pool, sim_registry
from qpq.sim._rng import block_bounds
from qpq.sim._timeline import build_timeline

GRID = 8  # a coarse belief grid keeps the lookup cheap in tests


@pytest.fixture(autouse=True)
def _calibration_cache_in_tmp(monkeypatch: pytest.MonkeyPatch,
                              tmp_path_factory: pytest.TempPathFactory) -> None:
    """The commands' record calibrations cache under a temporary folder, never the user's.

    ``qpq sim forecast`` and ``qpq sim backtest`` calibrate on the record by default and cache
    it in ``$XDG_CACHE_HOME/qpq/calibrate``; a test that leaves out ``--cache-dir`` must not
    write there (nor read what a user's run left there).
    """
    folder = tmp_path_factory.getbasetemp() / "calibrate-cache"
    monkeypatch.setattr(sim_cli, "_cache_dir", lambda: folder)


@pytest.fixture(scope="session")
def case():
    return load_case()


@pytest.fixture(scope="session")
def registry(case):
    return sim_registry(case)


@pytest.fixture(scope="session")
def defaults(registry) -> ParameterPool:
    return default_pool(registry)


@pytest.fixture
def make_spec(case, registry) -> Callable[..., RunSpec]:
    """A RunSpec over [start, stop] at the defaults (plus overrides)."""

    def factory(start: dt.date = dt.date(1996, 1, 1), stop: dt.date = dt.date(2026, 12, 31),
                *, n: int = 2048, seed: int = 1, policy: str = "equilibrium",
                overrides: dict[str, float] | None = None, **kw: Any) -> RunSpec:
        pool = default_pool(registry, overrides or {})
        tl = build_timeline(case, start, stop, kw.pop("timeline_overrides", ()))
        table = build_table(pool, tl.regimes, GRID)
        return RunSpec(timeline=tl, pool=pool, table=table, policy=policy, n=n, seed=seed, **kw)

    return factory


def stepper(spec: RunSpec, options: StepOptions | None = None) -> Dynamics:
    """A Dynamics over the whole ensemble of ``spec`` (one chunk), to step by hand."""
    blocks = block_bounds(spec.n, 0, spec.n_blocks)
    state = _initial_state(spec, blocks)
    return Dynamics(state, spec.pool.values, spec.table, resolve_policy(spec.policy),
                    spec.timeline, blocks, spec.seed, spec.purpose, options or spec.options)


def se(x: np.ndarray) -> float:
    return float(np.std(x) / np.sqrt(x.size))


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``qpq sim ...`` through the CLI's own entry point (its exit-code mapping)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
