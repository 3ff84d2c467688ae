"""Model v2: the sourced campaigns against ISKP (``iskp_under_pressure``) lower its strength.

The same v2 run (same pool, strategies and seed, so the same random numbers) is made with the
case's history and with the attribute's phases removed; the history effect is declared in
:data:`qpq.model.HISTORY_EFFECTS` and reaches only the dynamics, not the stage game.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from qpq.model import HISTORY_EFFECTS
from qpq.sim import ParameterPool, RunSpec, build_timeline, quarter_of, simulate
from qpq.sim._pools import sim_registry
from tests.golden.sim_v2 import synthetic_table

ATTRIBUTE = "iskp_under_pressure"


@pytest.fixture(scope="module")
def runs(case):
    registry = sim_registry(case)
    pool = ParameterPool(dict(registry.defaults().arrays()), "test")
    tl = build_timeline(case, dt.date(2015, 1, 1), dt.date(2022, 12, 31))
    on = tl.attributes[ATTRIBUTE]
    assert on.max() == 1.0                         # the case has dated campaign phases
    off = dataclasses.replace(tl, attributes={**tl.attributes, ATTRIBUTE: np.zeros_like(on)})
    table = synthetic_table(pool, tl.v2_regimes()[0], seed=7)
    out = {}
    for name, timeline in (("with", tl), ("without", off)):
        spec = RunSpec(timeline=timeline, pool=pool, table=table, policy="equilibrium",
                       n=512, seed=5)
        out[name] = simulate(spec, chunk_blocks=1).series_frame()["iskp_strength"]
    return tl, out


def test_the_effect_is_declared_for_the_dynamics_only() -> None:
    (eff,) = [e for e in HISTORY_EFFECTS if e.attribute == ATTRIBUTE]
    assert eff.parameter == "iskp_campaign_attrition" and not eff.stage


def test_campaign_phases_lower_iskp_strength(runs) -> None:
    tl, s = runs
    on = np.flatnonzero(tl.attributes[ATTRIBUTE] >= 0.5)
    first, last = int(on[0]), int(on[-1])
    assert first > 0
    # before the first campaign quarter the two runs are the same history
    np.testing.assert_array_equal(s["with"][:first], s["without"][:first])
    # each campaign quarter ends with ISKP weaker than without the campaigns
    assert np.all(s["with"][first:last + 1] < s["without"][first:last + 1])
    end_2020 = quarter_of(dt.date(2020, 12, 31)) - tl.start
    assert s["with"][end_2020] < 0.95 * s["without"][end_2020]
