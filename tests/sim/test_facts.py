import datetime as dt

import numpy as np
import pytest

from qpq.case._asof import case_as_of
from qpq.case._schema import Claim, FactTarget
from qpq.errors import BadInputError
from qpq.sim._facts import UNMAPPED_REASONS, evaluate, fact_stats, stylised_facts
from qpq.sim._timeline import quarter_of


def test_every_stylised_fact_is_mapped_or_explained(case):
    facts = stylised_facts(case)
    assert len(facts) == 12
    for f in facts:
        assert f.mapped or f.id in UNMAPPED_REASONS
    issue_facts = {"cl-sf-camps-tolerated", "cl-sf-etim-managed-us-presence",
                   "cl-sf-uyghurs-deported", "cl-sf-relocation", "cl-sf-may-2023-pledge",
                   "cl-sf-iskp-recruits-uyghurs", "cl-sf-no-chinese-recognition"}
    assert issue_facts <= {f.id for f in facts if f.mapped}


def test_windows_are_the_overlapping_quarters(case):
    f = next(x for x in stylised_facts(case) if x.id == "cl-sf-taliban-aq-close")
    window = (quarter_of(dt.date(2023, 12, 16)), quarter_of(dt.date(2024, 1, 23)))
    assert (f.start, f.stop) == window
    stats = fact_stats([f], f.start + 1, f.stop + 10)
    assert stats[0].start == f.start + 1 and stats[0].stop == f.stop
    assert fact_stats([f], f.stop + 1, f.stop + 10) == ()


@pytest.mark.parametrize(("op", "value", "high", "expected"), [
    ("<", 1, None, [True, False, False, False]),
    ("<=", 1, None, [True, True, False, False]),
    (">", 1, None, [False, False, True, False]),
    (">=", 1, None, [False, True, True, False]),
    ("between", 1, 2, [False, True, True, False]),
])
def test_evaluate(op, value, high, expected):
    t = FactTarget(quantity="engaged", start="2000", end="2001", op=op, value=value,
                   value_high=high)
    got = evaluate(t, np.array([0.5, 1.0, 2.0, np.nan]))
    assert got.tolist() == expected


def test_bad_target_is_bad_input(case):
    bad = Claim(id="cl-sf-x", kind="stylised_fact", text="x",
                target=FactTarget(quantity="no_such_output", start="2000", end="2001",
                                  op=">", value=0))
    from dataclasses import replace

    with pytest.raises(BadInputError, match="not a simulator output"):
        stylised_facts(replace(case, claims=(bad,)))


def test_as_of_decides_which_facts_are_known(case):
    from qpq.case._asof import known_dates

    cut = dt.date(2025, 6, 30)
    known = {c.id for c in case_as_of(case, cut).claims}
    dates = known_dates(case)
    for f in stylised_facts(case):
        assert (f.id in known) == (dates[f.id] is None or dates[f.id] <= cut)


def test_transfers_are_bounded_above_only(case):
    """The ~400 transfers are counted over 28 countries: Afghanistan's are at most that."""
    f = next(x for x in stylised_facts(case) if x.id == "cl-sf-uyghurs-deported")
    got = f.holds(np.array([0.0, 120.0, 450.0, 451.0, np.nan]))
    assert got.tolist() == [True, True, True, False, False]
    assert f.describe() == "sum(militants_transferred, 2000..2021-06) <= 450"
