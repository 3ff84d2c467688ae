"""The equal-gain exchange model: unit cases, equal gains, limits, ties, externalities."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qpq.bargain import (
    CarryOver,
    ExchangeOptions,
    IssueSet,
    Sizing,
    Stakeholders,
    nash_bargaining_solution,
    run_exchange,
)
from qpq.bargain._exchange import _LIMITS
from qpq.errors import BadInputError
from tests.bargain.reference_runs import NBS_CASES


def issue_set(rows, issues=("p", "q"), lower=0.0, upper=100.0):
    """rows: actor -> [(position, capability, salience) per issue]."""
    actors = tuple(rows)
    pos = np.array([[v[0] for v in rows[a]] for a in actors], dtype=float)
    cap = np.array([[v[1] for v in rows[a]] for a in actors], dtype=float)
    sal = np.array([[v[2] for v in rows[a]] for a in actors], dtype=float)
    k = len(issues)
    return IssueSet(actors=actors, issues=tuple(issues), position=pos, capability=cap,
                    salience=sal, lower=np.full(k, lower), upper=np.full(k, upper))


@pytest.mark.parametrize(("positions", "outcome"), NBS_CASES)
def test_nash_bargaining_solution_unit_cases(positions, outcome):
    ones = np.ones(3)
    assert nash_bargaining_solution(np.array(positions), ones, ones) == pytest.approx(outcome)


def test_nash_bargaining_solution_refuses_arrays_of_other_shapes():
    # one capability for three positions was broadcast to all of them in silence
    # (found 2026-12-06)
    with pytest.raises(ValueError, match="need one shape"):
        nash_bargaining_solution(np.array([0.0, 50.0, 100.0]), np.ones(1), np.ones(3))


def test_two_actor_exchange_by_hand():
    data = issue_set({"A": [(100, 1, 0.8), (100, 1, 0.2)], "B": [(0, 1, 0.2), (0, 1, 0.8)]})
    result = run_exchange(data, ExchangeOptions(rounds=1))
    (e,) = result.rounds[0].exchanges
    # A cares more about p (0.8/0.2 > 0.2/0.8): A demands p, B supplies it.
    assert (e.i, e.p, e.j, e.q) == ("A", "p", "B", "q")
    # Outcomes 80 and 20; exchange ratio (0.8+0.2)/(0.2+0.8) = 1; gain 20*(0.64-0.04)/1.
    assert e.shift_p == pytest.approx(20.0) and e.shift_q == pytest.approx(20.0)
    assert e.gain == pytest.approx(12.0)
    assert (e.j_from, e.j_to, e.i_from, e.i_to) == pytest.approx((0, 100, 100, 0))
    assert result.rounds[0].outcome_end == pytest.approx([100.0, 0.0])
    assert result.final_outcome == pytest.approx([100.0, 0.0])
    # min_gain is the user's threshold: a 12-point exchange is made above 10, not above 13
    assert len(run_exchange(data, ExchangeOptions(rounds=1, min_gain=10.0)).exchanges()) == 1
    assert run_exchange(data, ExchangeOptions(rounds=1, min_gain=13.0)).exchanges() == []


NAN = (np.nan, np.nan, np.nan)


@pytest.mark.parametrize(("c_p", "b", "d_q", "expect"), [
    # C (on p only) lies beyond A: O_p = (72 + 60) / 1.6 = 82.5 reaches A's 90 after 7.5,
    # before B reaches A (11.25) or anything on q (ratio 1: 20)
    ((100, 1, 0.6), [(0, 1, 0.2), (0, 1, 0.8)], NAN,
     {"limit": "outcome reaches i on p", "shift_p": 7.5, "shift_q": 7.5, "gain": 4.5,
      "j_to": 60.0, "i_to": 62.5, "end": [90.0, 12.5], "ext": {"C": 0.6 * 7.5}}),
    # ratio (0.8 + 0.2) / (0.2 + 0.6) = 1.25, factor (0.48 - 0.04) / 0.8 = 0.55; O_q = 32
    # reaches B's 20 after 12 / 1.25 = 9.6 (A reaching B: 0.2 * 80 / 1.25 = 12.8; B
    # reaching A on p: 0.2 * 100 / 1.6 = 12.5)
    ((50, 1, 0.6), [(0, 1, 0.2), (20, 1, 0.6)], (0, 1, 0.2),
     {"limit": "outcome reaches j on q", "shift_p": 9.6, "shift_q": 12.0, "gain": 5.28,
      "j_to": 76.8, "i_to": 40.0, "end": [78.35, 20.0],
      "ext": {"C": 0.6 * (18.75 - 28.35), "D": 0.2 * 12.0}}),
])
def test_three_party_exchange_by_hand(c_p, b, d_q, expect):
    a_p = 90 if c_p[0] == 100 else 100
    rows = {"A": [(a_p, 1, 0.8), (100, 1, 0.2)], "B": b, "C": [c_p, NAN], "D": [NAN, d_q]}
    result = run_exchange(issue_set(rows), ExchangeOptions(rounds=1))
    (e,) = result.exchanges()
    assert (e.i, e.j, e.p, e.q, e.limit) == ("A", "B", "p", "q", expect["limit"])
    assert (e.shift_p, e.shift_q, e.gain) == pytest.approx(
        (expect["shift_p"], expect["shift_q"], expect["gain"]))
    assert (e.j_to, e.i_to) == pytest.approx((expect["j_to"], expect["i_to"]))
    assert result.final_outcome == pytest.approx(expect["end"])
    # the traders' own gains are not externalities; actors not touched are left out
    assert dict(e.externalities) == pytest.approx(expect["ext"])


def test_no_exchange_without_opposite_sides_or_different_priorities():
    same_side = issue_set({"A": [(100, 1, 0.8), (100, 1, 0.2)], "B": [(90, 1, 0.2), (0, 1, 0.8)],
                           "C": [(0, 1, 0.5), (50, 1, 0.5)]})
    result = run_exchange(same_side, ExchangeOptions(rounds=1))
    assert all({e.i, e.j} != {"A", "B"} for e in result.exchanges())
    equal_ratio = issue_set({"A": [(100, 1, 0.5), (100, 1, 0.5)], "B": [(0, 1, 0.5), (0, 1, 0.5)]})
    assert run_exchange(equal_ratio, ExchangeOptions(rounds=1)).exchanges() == []


def _random_set(rng, n, k):
    pos = rng.integers(0, 101, (n, k)).astype(float)
    cap = rng.uniform(0.1, 1.0, (n, k))
    sal = rng.uniform(0.05, 1.0, (n, k))
    gaps = rng.random((n, k)) < 0.1
    pos[gaps] = cap[gaps] = sal[gaps] = np.nan
    return IssueSet(actors=tuple(f"a{i}" for i in range(n)), issues=tuple(f"d{j}" for j in
                    range(k)), position=pos, capability=cap, salience=sal,
                    lower=np.zeros(k), upper=np.full(k, 100.0))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(3, 8), st.integers(2, 4),
       st.sampled_from(list(CarryOver)))
def test_every_exchange_gains_equally_and_respects_its_limits(seed, n, k, carry):
    data = _random_set(np.random.default_rng(seed), n, k)
    result = run_exchange(data, ExchangeOptions(rounds=3, carry_over=carry))
    sal = {(a, d): data.salience[i, j] for i, a in enumerate(data.actors)
           for j, d in enumerate(data.issues)}
    cap = {(a, d): data.capability[i, j] for i, a in enumerate(data.actors)
           for j, d in enumerate(data.issues)}
    total = {d: np.nansum(data.capability[:, j] * data.salience[:, j])
             for j, d in enumerate(data.issues)}
    for e in result.exchanges():
        gain_i = sal[e.i, e.p] * e.shift_p - sal[e.i, e.q] * e.shift_q
        gain_j = sal[e.j, e.q] * e.shift_q - sal[e.j, e.p] * e.shift_p
        assert gain_i == pytest.approx(e.gain, rel=1e-9, abs=1e-12)
        assert gain_j == pytest.approx(e.gain, rel=1e-9, abs=1e-12)
        assert e.gain > 0
        # The outcome shifts are what the moves imply.
        assert e.shift_p == pytest.approx(cap[e.j, e.p] * sal[e.j, e.p] * abs(e.j_to - e.j_from)
                                          / total[e.p], rel=1e-9)
        assert e.shift_q == pytest.approx(cap[e.i, e.q] * sal[e.i, e.q] * abs(e.i_to - e.i_from)
                                          / total[e.q], rel=1e-9)


@pytest.mark.parametrize("sizing", list(Sizing))
def test_both_sizings_name_limits_from_one_list(sizing):
    data = _random_set(np.random.default_rng(3), 6, 3)
    result = run_exchange(data, ExchangeOptions(rounds=2, sizing=sizing))
    limits = {e.limit for e in result.exchanges()}
    assert limits and limits <= set(_LIMITS)


@pytest.mark.parametrize("seed", [7, 8, 9, 10])
def test_replayed_outcomes_match_limits_and_externalities(seed):
    data = _random_set(np.random.default_rng(seed), 8, 3)
    result = run_exchange(data, ExchangeOptions(rounds=2))
    totals = dict.fromkeys(data.actors, 0.0)
    idx = {a: i for i, a in enumerate(data.actors)}
    col = {d: j for j, d in enumerate(data.issues)}
    start = np.array(data.position)
    for rnd in result.rounds:
        vote = start.copy()
        direction = {}
        for e in rnd.exchanges:
            before = nash_bargaining_solution(vote, data.capability, data.salience)
            i, j, p, q = idx[e.i], idx[e.j], col[e.p], col[e.q]
            assert vote[j, p] == pytest.approx(e.j_from) and vote[i, q] == pytest.approx(e.i_from)
            # a supplier never reverses a move made this round, and its own (round-start)
            # position still lies behind the outcome it pushes
            for a, d, frm, to in ((j, p, e.j_from, e.j_to), (i, q, e.i_from, e.i_to)):
                step = np.sign(to - frm)
                assert direction.setdefault((a, d), step) == step
                assert (start[a, d] - before[d]) * step <= 1e-9
            # Never past the partner's position, never pushing the outcome past the demander.
            assert abs(e.j_to - e.j_from) <= abs(start[i, p] - e.j_from) + 1e-9
            assert abs(e.i_to - e.i_from) <= abs(start[j, q] - e.i_from) + 1e-9
            vote[j, p], vote[i, q] = e.j_to, e.i_to
            after = nash_bargaining_solution(vote, data.capability, data.salience)
            assert (start[i, p] - after[p]) * (start[i, p] - before[p]) >= -1e-9
            assert (start[j, q] - after[q]) * (start[j, q] - before[q]) >= -1e-9
            ext = dict(e.externalities)
            for a, k in idx.items():
                if a in (e.i, e.j):
                    continue
                expect = sum(np.nan_to_num(data.salience[k, d]) * (
                    abs(before[d] - start[k, d]) - abs(after[d] - start[k, d]))
                    for d in (p, q) if not np.isnan(start[k, d]))
                assert ext.get(a, 0.0) == pytest.approx(expect, abs=1e-9)
                totals[a] += ext.get(a, 0.0)
        assert rnd.outcome_end == pytest.approx(
            nash_bargaining_solution(vote, data.capability, data.salience))
        start = rnd.next_position
    assert result.externality_totals() == pytest.approx(totals)


def test_decide_carry_over_keeps_part_of_the_shift():
    data = _random_set(np.random.default_rng(11), 6, 2)
    opts = ExchangeOptions(rounds=1, carry_over=CarryOver.DECIDE)
    rnd = run_exchange(data, opts).rounds[0]
    keep = 0.1 + 0.4 * (1 - data.salience)
    expect = data.position + keep * (rnd.voting_position - data.position)
    assert np.allclose(np.nan_to_num(rnd.next_position), np.nan_to_num(expect))


def test_ties_are_broken_by_the_seed_deterministically():
    # Two identical suppliers: their exchanges with A tie exactly.
    rows = {"A": [(100, 1, 0.8), (100, 1, 0.2)], "B1": [(0, 1, 0.2), (0, 1, 0.8)],
            "B2": [(0, 1, 0.2), (0, 1, 0.8)]}
    data = issue_set(rows)
    firsts = set()
    for seed in range(12):
        one = run_exchange(data, ExchangeOptions(rounds=1, seed=seed)).exchanges()[0]
        again = run_exchange(data, ExchangeOptions(rounds=1, seed=seed)).exchanges()[0]
        assert one == again
        firsts.add(one.j)
    assert firsts == {"B1", "B2"}


def test_one_issue_is_not_enough():
    single = IssueSet.from_stakeholders([Stakeholders.from_rows([("a", 1, 0, 1), ("b", 1, 9, 1)],
                                                                issue="only")])
    with pytest.raises(BadInputError, match="at least two issues"):
        run_exchange(single)


def test_bad_exchange_options():
    with pytest.raises(BadInputError):
        ExchangeOptions(carry_over="half")
    with pytest.raises(BadInputError):
        ExchangeOptions(salience_weight=0.8, fixed_weight=0.5)
    # a negative or fractional seed reached numpy only when the exchange ran
    for seed in (-1, 1.5, True):
        with pytest.raises(BadInputError, match="seed"):
            ExchangeOptions(seed=seed)  # type: ignore[arg-type]
    assert ExchangeOptions(seed=np.int64(3)).seed == 3
    assert ExchangeOptions(seed=1.0).seed == 1     # a whole float, as check_seed takes it
    # rounds likewise: True passed an isinstance(int) check
    for rounds in (-1, 1.5, True):
        with pytest.raises(BadInputError, match="rounds: must be an integer >= 0"):
            ExchangeOptions(rounds=rounds)  # type: ignore[arg-type]
    assert ExchangeOptions(rounds=3.0).rounds == 3
    # "0.4" ended in "'<=' not supported between instances of 'float' and 'str'", True was
    # read as 1
    for name in ("salience_weight", "fixed_weight", "min_gain", "tie_tolerance"):
        for value in ("0.1", True, None):
            with pytest.raises(BadInputError, match=f"{name}: must be a number, got "
                                                    f"{re.escape(repr(value))}") as info:
                ExchangeOptions(**{name: value})
            assert len(info.value.problems) == 1
    assert ExchangeOptions(salience_weight=np.float64(0.3)).salience_weight == 0.3


def test_units_follow_the_issue_scale():
    """Positions on another scale (here 0-10) come back in that scale; gains do not change."""
    base = {"A": [(100, 1, 0.8), (100, 1, 0.2)], "B": [(0, 1, 0.2), (0, 1, 0.8)],
            "C": [(40, 1, 0.5), (70, 1, 0.3)]}
    small = {a: [(x / 10, c, s) for x, c, s in v] for a, v in base.items()}
    r100 = run_exchange(issue_set(base), ExchangeOptions(rounds=2))
    r10 = run_exchange(issue_set(small, upper=10.0), ExchangeOptions(rounds=2))
    for a, b in zip(r100.exchanges(), r10.exchanges(), strict=True):
        assert a.gain == pytest.approx(b.gain)
        assert a.j_to / 10 == pytest.approx(b.j_to)
    assert r100.final_outcome / 10 == pytest.approx(r10.final_outcome)


def test_run_exchange_names_options_of_the_wrong_kind():
    # a variant name or a dict ended in "'str' object has no attribute 'sizing'"
    data = IssueSet.from_stakeholders([
        Stakeholders.from_rows([("a", 1, 0, 1), ("b", 1, 9, 1)], issue="one"),
        Stakeholders.from_rows([("a", 1, 9, 1), ("b", 1, 0, 1)], issue="two")])
    for bad in ("default", {"rounds": 2}):
        with pytest.raises(BadInputError, match="options must be an ExchangeOptions"):
            run_exchange(data, bad)  # type: ignore[arg-type]
