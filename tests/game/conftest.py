"""Shared factories for the game tests: the registry and random parameter points."""

from __future__ import annotations

import numpy as np
import pytest

from qpq.model import ParameterRegistry, ParameterSet

_PAIRS = (("restrain_intensity", "crackdown_intensity"),
          ("effort_cost_sincere", "effort_cost_insincere"),
          ("capacity_low", "capacity_high"))


def random_arrays(registry: ParameterRegistry, n: int, seed: int) -> dict[str, np.ndarray]:
    """n points drawn uniformly over the ranges, respecting the spec's orderings."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for p in registry:
        if p.integer:
            out[p.name] = rng.integers(int(p.low), int(p.high) + 1, n).astype(float)
        else:
            out[p.name] = rng.uniform(p.low, p.high, n)
    for lo, hi in _PAIRS:
        a, b = out[lo], out[hi]
        bad = a >= b
        # redraw the pair inside the overlap of the ranges so that lo < hi
        plo, phi = registry[lo], registry[hi]
        for i in np.flatnonzero(bad):
            while True:
                x = rng.uniform(plo.low, plo.high)
                y = rng.uniform(phi.low, phi.high)
                if x < y:
                    a[i], b[i] = x, y
                    break
    return registry.validate_arrays(out)


def random_points(registry: ParameterRegistry, n: int, seed: int) -> list[ParameterSet]:
    arrays = random_arrays(registry, n, seed)
    return [registry.point({k: float(v[i]) for k, v in arrays.items()}) for i in range(n)]


@pytest.fixture(scope="session")
def registry() -> ParameterRegistry:
    return ParameterRegistry.load()


@pytest.fixture(scope="session")
def defaults(registry: ParameterRegistry) -> ParameterSet:
    return registry.defaults()
