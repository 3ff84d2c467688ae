"""The simulator's charts: what a fan chart draws for a 0/1 series and for a stock."""

from __future__ import annotations

import datetime as dt
import json

from qpq.sim import INDICATOR_SERIES, fan_chart, simulate


def _runs(make_spec):
    return {policy: simulate(make_spec(dt.date(2018, 1, 1), dt.date(2024, 12, 31), n=64,
                                       policy=policy, series_sample=32))
            for policy in ("equilibrium", "boycott")}


def test_a_0_1_series_is_drawn_as_its_share_and_a_stock_with_its_bands(make_spec):
    runs = _runs(make_spec)
    assert "recognised" in INDICATOR_SERIES
    share = json.dumps(fan_chart(runs, "recognised").to_dict())
    # one chart of the policies' shares (their bands would be 0 and 1 in every quarter)
    assert "share of scenarios" in share and '"field": "mean"' in share
    assert '"field": "q05"' not in share
    stock = json.dumps(fan_chart(runs, "militants_border").to_dict())
    assert '"field": "q05"' in stock and "share of scenarios" not in stock
