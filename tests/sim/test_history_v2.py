"""Model v2: history changes the stage game through sourced phase attributes.

The first Taliban rule (1998Q2) and the second (2023Q2) are governed by the same payoff
functions; what differs is the case's dated, sourced attributes, which
:func:`qpq.model.apply_history` turns into the stage game's parameters.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qpq.game import FULL_GAME, solve_relationship
from qpq.model import HISTORY_EFFECTS, PRESENCE_FLOOR, FirstMove, MoveKind, apply_history
from qpq.sim import build_relationship_table, build_timeline, quarter_of

Q1998 = quarter_of(dt.date(1998, 5, 15))
Q2023 = quarter_of(dt.date(2023, 5, 15))


@pytest.fixture(scope="module")
def timeline(case):
    return build_timeline(case, dt.date(1996, 1, 1), dt.date(2025, 6, 30))


def test_the_two_rules_differ_in_sourced_attributes(case, timeline) -> None:
    sources = {s.id for s in case.sources}
    differ = []
    stage = [e for e in HISTORY_EFFECTS if e.stage]     # the dynamics' own are not the game's
    for eff in stage:
        a, b = timeline.value(eff.attribute, Q1998), timeline.value(eff.attribute, Q2023)
        for q in (Q1998, Q2023):
            cited = timeline.cited(eff.attribute, q)
            assert cited and set(cited) <= sources, (eff.attribute, q)
        if a != b:
            differ.append(eff.attribute)
    assert differ == [e.attribute for e in stage]
    # the same regime of v1 (no US, no third-party recognition) in both quarters
    assert timeline.regime_index[Q1998 - timeline.start] == timeline.regime_index[
        Q2023 - timeline.start]
    _, index = timeline.v2_regimes()
    assert index[Q1998 - timeline.start] != index[Q2023 - timeline.start]


def test_attributes_scale_the_parameters_they_bear_on(registry) -> None:
    d = registry.defaults().arrays()
    p = apply_history(d, {"taliban_isolation": 0.25, "iskp_present": 0.0,
                          "iskp_targets_china": 0.0, "china_exposure_afghanistan": 0.5})
    assert p["recognition_value"][0] == pytest.approx(0.25 * d["recognition_value"][0])
    assert p["econ_gain"][0] == pytest.approx(0.5 * d["econ_gain"][0])
    assert p["iskp_threat"][0] == pytest.approx(PRESENCE_FLOOR * d["iskp_threat"][0])
    assert p["iskp_presence"][0] == PRESENCE_FLOOR
    assert set(apply_history(d, {})) == set(d)          # no attribute: nothing changes


def test_the_stage_game_differs_between_the_two_rules(registry, timeline) -> None:
    """At the defaults China boycotts the first rule and engages the second."""
    d = registry.defaults().arrays()
    moves = []
    for q in (Q1998, Q2023):
        p = apply_history(d, {e.attribute: timeline.value(e.attribute, q)
                              for e in HISTORY_EFFECTS})
        rel = solve_relationship(p)
        assert rel.regret[0] <= 1e-9 * 100
        moves.append(FULL_GAME.first_moves[int(rel.first_move[0])].label)
    assert moves[0] == "Boycott" and moves[1] != "Boycott"


def test_relationship_tables_follow_the_stage_regimes(registry, timeline) -> None:
    from qpq.sim import default_pool

    pool = default_pool(registry)
    regimes, _ = timeline.v2_regimes()
    table = build_relationship_table(pool, regimes, 2)
    by_regime = [dict(r.attributes) for r in regimes]
    first = [i for i, a in enumerate(by_regime) if a["china_exposure_afghanistan"] == 0.0]
    later = [i for i, a in enumerate(by_regime) if a["china_exposure_afghanistan"] == 1.0]
    assert first and later
    boycott = FULL_GAME.first_moves.index(FirstMove(MoveKind.BOYCOTT))
    assert np.all(table.move[0, first, :, boycott] == 1.0)
    assert np.all(table.move[0, later, :, boycott] < 1.0)
