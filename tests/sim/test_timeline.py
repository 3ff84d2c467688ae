import datetime as dt

import numpy as np
import pytest

from qpq.case._asof import case_as_of
from qpq.errors import BadInputError
from qpq.sim._timeline import (
    Override,
    Regime,
    build_timeline,
    quarter_end,
    quarter_label,
    quarter_mid,
    quarter_of,
    quarter_start,
)


def test_quarter_arithmetic_round_trips():
    for day in (dt.date(1996, 1, 1), dt.date(2021, 8, 15), dt.date(2025, 12, 31)):
        q = quarter_of(day)
        assert quarter_start(q) <= day <= quarter_end(q)
        assert quarter_start(q) < quarter_mid(q) < quarter_end(q)
    assert quarter_label(quarter_of(dt.date(2021, 8, 15))) == "2021Q3"
    assert quarter_end(quarter_of(dt.date(2024, 2, 1))) == dt.date(2024, 3, 31)


def test_history_read_from_phases(case):
    tl = build_timeline(case, dt.date(1996, 1, 1), dt.date(2026, 6, 30))
    at = {lab: i for i, lab in enumerate(tl.labels())}
    assert tl.n_quarters == 122
    assert tl.in_power(quarter_of(dt.date(2000, 2, 1)))          # first Taliban rule
    assert tl.us_presence[at["2000Q1"]] == 0
    assert not tl.in_power(quarter_of(dt.date(2010, 2, 1)))      # US/NATO presence
    assert tl.us_presence[at["2010Q1"]] == 1
    assert tl.in_power(quarter_of(dt.date(2021, 8, 15)))         # takeover: midpoint Aug 15
    assert tl.us_presence[at["2021Q3"]] == 0
    assert tl.us_presence[at["2001Q4"]] == 1 and not tl.in_power(quarter_of(dt.date(2001, 11, 1)))
    assert {"ph-first-taliban-rule", "ph-us-nato-presence", "ph-quid-pro-quo"} <= set(tl.sources)


def test_russian_recognition_is_a_shock_known_only_after_it(case):
    tl = build_timeline(case, dt.date(1996, 1, 1), dt.date(2026, 6, 30))
    rec = dict(zip(tl.labels(), tl.recognitions.tolist(), strict=True))
    assert rec["2025Q2"] == 0 and rec["2025Q3"] == 1 and rec["2026Q2"] == 1
    assert tl.regimes == (Regime(0.0, 0), Regime(0.0, 1))
    view = case_as_of(case, dt.date(2025, 6, 30))
    tl2 = build_timeline(view, dt.date(1996, 1, 1), dt.date(2026, 6, 30))
    assert tl2.recognitions.max() == 0                            # unknown as of mid-2025
    assert tl2.in_power(quarter_of(dt.date(2026, 3, 1)))          # the open phase runs on


def test_as_of_view_does_not_know_the_takeover(case):
    view = case_as_of(case, dt.date(2021, 6, 30))
    tl = build_timeline(view, dt.date(1996, 1, 1), dt.date(2023, 12, 31))
    assert not tl.in_power(quarter_of(dt.date(2022, 6, 1)))
    assert tl.us_presence[-1] == 1


def test_override_is_a_counterfactual(case):
    stays = (Override("us_presence", 1.0, dt.date(2021, 8, 15)),)
    tl = build_timeline(case, dt.date(2020, 1, 1), dt.date(2024, 12, 31), stays)
    assert np.all(tl.us_presence == 1)
    assert Regime(1.0, 0) in tl.regimes
    with pytest.raises(BadInputError, match="unknown timeline attribute"):
        build_timeline(case, dt.date(2020, 1, 1), dt.date(2024, 12, 31),
                       (Override("nope", 1.0, dt.date(2021, 1, 1)),))


def test_dates_out_of_range(case):
    with pytest.raises(BadInputError):
        build_timeline(case, dt.date(1900, 1, 1), dt.date(2000, 1, 1))
    with pytest.raises(BadInputError):
        build_timeline(case, dt.date(2000, 1, 1), dt.date(1999, 1, 1))
