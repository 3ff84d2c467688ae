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


# ---- found by a mutation read of qpq.sim._facts (2026-12): each test below failed on a
# deliberate change of the rule it states, which the tests above let pass.

def _fact(op="<=", value=1.0, high=None, statistic="mean", start="2000", end="2001-06",
          quantity="militants_border", id="cl-sf-test"):
    return Claim(id=id, kind="stylised_fact", text="x",
                 target=FactTarget(quantity=quantity, start=start, end=end, op=op, value=value,
                                   value_high=high, statistic=statistic))


def _facts(case, *claims):
    from dataclasses import replace

    return stylised_facts(replace(case, claims=claims))


def test_a_fuzzy_window_runs_from_its_start_s_first_day_to_its_end_s_last(case):
    """"2000".."2001-06" covers 2000Q1 (its first day) to 2001Q2 (its last day)."""
    from qpq.sim._timeline import quarter_label

    (f,) = _facts(case, _fact(start="2000", end="2001-06"))
    assert (quarter_label(f.start), quarter_label(f.stop)) == ("2000Q1", "2001Q2")
    (g,) = _facts(case, _fact(start="2021-08", end="2021"))
    assert (quarter_label(g.start), quarter_label(g.stop)) == ("2021Q3", "2021Q4")


def test_any_cannot_use_between(case):
    with pytest.raises(BadInputError, match="'any' cannot use 'between'"):
        _facts(case, _fact(op="between", value=1, high=2, statistic="any"))


@pytest.mark.parametrize(("op", "statistic"), [(">", "max"), (">=", "max"), ("<", "min"),
                                                ("<=", "min")])
def test_any_quarter_is_the_window_s_max_or_min(case, op, statistic):
    """'op holds in some quarter': for > and >= the largest quarter decides, for < and <=
    the smallest (quarters 0, 0, 3 against 1: some quarter is above, some below)."""
    (f,) = _facts(case, _fact(op=op, value=1.0, statistic="any"))
    (w,) = fact_stats([f], f.start, f.stop)
    assert w.statistic == statistic
    quarters = np.array([0.0, 0.0, 3.0])
    assert f.holds(np.array([getattr(np, statistic)(quarters)])).tolist() == [True]
    # other statistics pass through unchanged
    (g,) = _facts(case, _fact(op=op, statistic="sum"))
    assert fact_stats([g], g.start, g.stop)[0].statistic == "sum"


def test_a_window_sharing_one_quarter_with_the_run_is_kept_and_clipped(case):
    (f,) = _facts(case, _fact(start="2000", end="2001-06"))     # six quarters
    # the run ends in the fact's first quarter, or starts in its last: one quarter shared
    (a,) = fact_stats([f], f.start - 5, f.start)
    assert (a.start, a.stop) == (f.start, f.start)
    (b,) = fact_stats([f], f.stop, f.stop + 5)
    assert (b.start, b.stop) == (f.stop, f.stop)
    # a run inside the window: the window is cut to it at both ends
    (c,) = fact_stats([f], f.start + 1, f.stop - 1)
    assert (c.start, c.stop) == (f.start + 1, f.stop - 1)
    assert fact_stats([f], f.stop + 1, f.stop + 5) == ()
    assert fact_stats([f], f.start - 5, f.start - 1) == ()


def test_pass_matrix_keeps_one_row_per_history_and_only_facts_with_statistics(case):
    from qpq.sim._facts import pass_matrix

    f, g = _facts(case, _fact(op=">", value=1.0, id="cl-sf-a"), _fact(id="cl-sf-b"))
    ids, mat = pass_matrix([f, g], {"cl-sf-a": np.array([0.0, 2.0, 5.0])})
    assert ids == ("cl-sf-a",) and mat.tolist() == [[False], [True], [True]]
    # no fact with a statistic: every one of the three histories matches all (none) of them
    ids, mat = pass_matrix([g], {"other": np.zeros(3)})
    assert ids == () and mat.shape == (3, 0) and mat.all(axis=1).tolist() == [True] * 3


def test_describe_and_holds(case):
    (f,) = _facts(case, _fact(op="between", value=100, high=999, statistic="max",
                              start="1997", end="2001-09"))
    assert f.describe() == "max(militants_border, 1997..2001-09) in [100, 999]"
    bare = Claim(id="cl-sf-bare", kind="stylised_fact", text="x")
    (u,) = _facts(case, bare)
    assert not u.mapped
    assert u.describe() == "unmapped: no target in the case file"
    with pytest.raises(ValueError, match="cl-sf-bare has no target"):
        u.holds(np.zeros(2))
