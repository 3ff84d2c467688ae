"""How many game points the record calibration solves (issue 16): the rule, the default it
gives, an acting point among the default's, and the solved regimes' cache."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import fields

import numpy as np
import pytest

import qpq.sim._abc as abc
from qpq.errors import BadInputError
from qpq.sim import (
    AbcSettings,
    acting_game_points,
    build_relationship_table,
    calibrate_record,
    required_game_points,
)
from qpq.sim._abc import ACTING_POINTS_MEASURED, _prepare
from qpq.sim._tables import concat_tables
from qpq.stats import binomial_interval

AS_OF = dt.date(2024, 6, 30)
SMALL = AbcSettings(population=10, max_simulations=60, game_points=2, grid_size=4,
                    start=dt.date(2014, 1, 1), ppc_draws=4, attribution=False, min_ess=1.0)


@pytest.mark.parametrize("p", [0.01, 0.05, 0.1, 0.3365, 0.42, 0.5, 0.9, 0.99])
@pytest.mark.parametrize("confidence", [0.9, 0.99])
def test_required_game_points_is_the_fewest_that_hold_an_acting_one(p, confidence):
    n = required_game_points(p, confidence=confidence, floor=1)
    # an independent oracle: count up until an acting point is likely enough
    k = 1
    while 1.0 - (1.0 - p) ** k < confidence:
        k += 1
    assert n == k
    assert required_game_points(p, confidence=confidence, floor=30) == max(k, 30)


def test_required_game_points_refuses_shares_that_cannot_act():
    with pytest.raises(BadInputError, match="share of acting game points"):
        required_game_points(0.0)
    with pytest.raises(BadInputError, match="confidence"):
        required_game_points(0.5, confidence=1.0)
    assert required_game_points(1.0, floor=1) == 1


def test_the_default_number_of_game_points_is_the_rule_s():
    s = AbcSettings()
    low, _ = binomial_interval(*ACTING_POINTS_MEASURED, 0.90, method="exact")
    assert s.game_points == required_game_points(low, floor=s.min_ess)
    # enough to label the game's parameters (the min_ess floor), and an acting point likely
    assert s.game_points >= s.min_ess
    assert 1.0 - (1.0 - low) ** s.game_points >= 0.99


def test_the_rule_s_input_is_the_measurement_the_docs_show():
    # the constant feeds the rule; the docs' block is regenerated from the measurement
    # (python docs/regenerate_numbers.py record-calibration-game-points): they must agree
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "model-dynamics.md").read_text(
        encoding="utf-8")
    block = text.split("<!-- numbers:record-calibration-game-points -->", 1)[1]
    found = re.search(r"\*\*(\d+) of (\d+)\*\* points", block)
    assert found is not None
    assert (int(found[1]), int(found[2])) == ACTING_POINTS_MEASURED


@pytest.mark.slow
def test_the_default_game_points_hold_one_where_the_taliban_act(case):
    """The default calibration's own game points (game seed 0, belief grid 12): solved one at
    a time (a point's answers do not depend on its neighbours; tested below) until one acts."""
    s = AbcSettings()
    found = None
    for i in range(s.game_points):
        m = acting_game_points(case, AS_OF, histories=40, rng=np.random.default_rng(i),
                               settings=s, points=[i])
        if m.acting:
            found = (i, float(m.share[0]))
            break
    assert found is not None
    assert 0.0 < found[1] <= 1.0


def test_acting_game_points_measures_each_point(case):
    m = acting_game_points(case, AS_OF, histories=20, rng=np.random.default_rng(0),
                           settings=dataclasses.replace(SMALL, game_points=3))
    assert m.points == 3 and m.histories == 20 and m.share.shape == (3,)
    assert np.all((m.share >= 0.0) & (m.share <= 1.0))
    assert m.acting == int((m.share > 0).sum()) and m.p == m.acting / 3
    low, high = m.interval()
    assert 0.0 <= low <= m.p <= high <= 1.0
    # the same Generator, the same shares
    again = acting_game_points(case, AS_OF, histories=20, rng=np.random.default_rng(0),
                               settings=dataclasses.replace(SMALL, game_points=3))
    np.testing.assert_array_equal(again.share, m.share)


def test_acting_game_points_refuses_what_it_cannot_measure(case):
    with pytest.raises(BadInputError, match="before the takeover"):
        acting_game_points(case, dt.date(2019, 6, 30), histories=5,
                           rng=np.random.default_rng(0), settings=SMALL)
    with pytest.raises(BadInputError, match="at least one history"):
        acting_game_points(case, AS_OF, histories=0, rng=np.random.default_rng(0),
                           settings=SMALL)


def _arrays(table):
    return {f.name: getattr(table, f.name) for f in fields(table)
            if isinstance(getattr(table, f.name), np.ndarray) and f.name != "grid"}


def test_a_point_s_answers_do_not_depend_on_what_it_is_solved_beside(case):
    """What the per-regime cache and the one-point-at-a-time measurement rely on."""
    fw = _prepare(case, case, AS_OF, dataclasses.replace(SMALL, game_points=3), None)
    regimes = fw.timeline.v2_regimes()[0][-3:]          # three suffice, and keep it quick
    whole = build_relationship_table(fw.game_pool, regimes, 4)
    by_regime = concat_tables([build_relationship_table(fw.game_pool, (r,), 4) for r in regimes],
                              axis=1)
    alone = build_relationship_table(fw.game_pool.take(np.array([1])), regimes, 4)
    assert by_regime.regimes == whole.regimes
    for name, x in _arrays(whole).items():
        np.testing.assert_array_equal(getattr(by_regime, name), x, err_msg=name)
        np.testing.assert_array_equal(getattr(alone, name)[0], x[1], err_msg=name)


def test_solved_regimes_are_cached_on_disk_and_reused(case, tmp_path, monkeypatch):
    solved: list[int] = []
    real = abc.build_relationship_table

    def counting(pool, regimes, grid_size, **kw):
        solved.append(len(regimes))
        return real(pool, regimes, grid_size, **kw)

    monkeypatch.setattr(abc, "build_relationship_table", counting)
    monkeypatch.setattr(abc, "_TABLES", {})
    early = dt.date(2021, 12, 31)
    first = calibrate_record(case, early, rng=np.random.default_rng(0), settings=SMALL,
                             cache_dir=tmp_path)
    n_early = len(_prepare(case, case, early, SMALL, None).timeline.v2_regimes()[0])
    assert solved == [n_early] and len(list(tmp_path.glob("relationship-*.pkl"))) == n_early
    # a later origin: only the regimes the earlier one did not have are solved
    abc._TABLES.clear()
    calibrate_record(case, AS_OF, rng=np.random.default_rng(0), settings=SMALL,
                     cache_dir=tmp_path)
    n_late = len(_prepare(case, case, AS_OF, SMALL, None).timeline.v2_regimes()[0])
    assert n_late > n_early and solved == [n_early, n_late - n_early]
    # other settings (ppc_draws) at the first date: nothing solved, and the same answers as
    # without the cache
    abc._TABLES.clear()
    solved.clear()
    again = calibrate_record(case, early, rng=np.random.default_rng(0),
                             settings=dataclasses.replace(SMALL, ppc_draws=5),
                             cache_dir=tmp_path)
    assert solved == []
    abc._TABLES.clear()
    plain = calibrate_record(case, early, rng=np.random.default_rng(0),
                             settings=dataclasses.replace(SMALL, ppc_draws=5))
    assert solved == [n_early]
    np.testing.assert_array_equal(again.weights, plain.weights)
    for name in first.points:
        np.testing.assert_array_equal(again.points[name], plain.points[name])
    assert math.isclose(again.ess, plain.ess)
