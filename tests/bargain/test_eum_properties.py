"""Properties every variant of the expected utility model must hold."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qpq.bargain import (
    EUMOptions,
    OfferKind,
    RiskReference,
    Stability,
    Stakeholders,
    eum_options,
    run_eum,
)
from qpq.errors import BadInputError
from tests.bargain.conftest import random_stakeholders

VARIANTS = {
    "default": EUMOptions(max_rounds=3),
    "scholz-compat": EUMOptions.scholz_compat(max_rounds=3),
    "positions-risk": EUMOptions(max_rounds=3, risk_reference=RiskReference.POSITIONS),
    "q-half": EUMOptions(max_rounds=3, q=0.5, t=0.3),
}

stakeholders = st.integers(2, 9).flatmap(lambda n: st.builds(
    lambda pos, cap, sal: Stakeholders(
        actors=tuple(f"a{i}" for i in range(n)), capability=np.array(cap),
        position=np.array(pos, dtype=float), salience=np.array(sal), scale=(0.0, 100.0)),
    st.lists(st.integers(0, 100), min_size=n, max_size=n),
    st.lists(st.floats(0.01, 1.0), min_size=n, max_size=n),
    st.lists(st.floats(0.01, 1.0), min_size=n, max_size=n)))


def _near_tie(result, eps=1e-9):
    """True if a round-1 decision between actors at different positions is within eps of a
    boundary (there rounding may flip it); such examples are skipped."""
    r = result.rounds[1]
    x = result.rounds[0].position
    contest = x[:, None] != x[None, :]
    ij, ji = r.eu_ij[contest], r.eu_ji[contest]
    gaps = np.concatenate([np.abs(ij), np.abs(ji), np.abs(ji - ij), np.abs(ji + ij)])
    return bool(gaps.size) and float(gaps.min()) < eps


@settings(max_examples=60, deadline=None)
@given(stakeholders, st.sampled_from(sorted(VARIANTS)))
def test_risk_exponents_lie_in_half_to_two(data, variant):
    for rnd in run_eum(data, VARIANTS[variant]).rounds[1:]:
        assert rnd.risk is not None
        assert np.all(rnd.risk >= 0.5 - 1e-12) and np.all(rnd.risk <= 2.0 + 1e-12)


@settings(max_examples=60, deadline=None)
@given(stakeholders, st.sampled_from(sorted(VARIANTS)))
def test_compromise_moves_strictly_between(data, variant):
    result = run_eum(data, VARIANTS[variant])
    for prev, rnd in zip(result.rounds, result.rounds[1:], strict=False):
        where = dict(zip(result.actors, prev.position, strict=True))
        for m in rnd.moves:
            target = where[m.partner]
            assert m.start == where[m.actor] and target != m.start
            if m.kind == OfferKind.COMPROMISE:
                assert 0.0 < m.fraction < 1.0
                lo, hi = sorted((m.start, target))
                assert lo <= m.end <= hi and m.end != m.start
            else:
                assert m.end == target


@settings(max_examples=40, deadline=None)
@given(stakeholders, st.sampled_from([0.25, 0.5, 2.0, 8.0]),
       st.sampled_from(sorted(VARIANTS)))
def test_power_of_two_rescaling_changes_nothing(data, scale, variant):
    """Scaling positions (and the scale) by 2^k is exact in floating point: same moves."""
    opts = VARIANTS[variant]
    ref = run_eum(data, opts)
    moved = run_eum(data.with_values(position=data.position * scale,
                                     scale=(0.0, 100.0 * scale)), opts)
    assert np.array_equal(moved.positions, ref.positions * scale)
    assert [m.actor for r in moved.rounds for m in r.moves] == \
        [m.actor for r in ref.rounds for m in r.moves]
    more = run_eum(data.with_values(capability=data.capability * scale), opts)
    assert np.array_equal(more.positions, ref.positions)


@settings(max_examples=60, deadline=None)
@given(stakeholders, st.floats(0.01, 50.0), st.floats(-1000.0, 1000.0),
       st.floats(0.01, 100.0), st.sampled_from(sorted(VARIANTS)))
def test_affine_rescaling_and_capability_scaling(data, a, b, k, variant):
    """Any positive affine map of positions, or scaling capabilities: the same round-1 moves."""
    opts = dataclasses.replace(VARIANTS[variant], max_rounds=1)
    ref = run_eum(data, opts, keep_perceptions=True)
    assume(not _near_tie(ref))
    lo, hi = data.scale
    for other in (data.with_values(position=a * data.position + b, scale=(a * lo + b,
                                                                          a * hi + b)),
                  data.with_values(capability=k * data.capability)):
        got = run_eum(other, opts)
        shift = (other.position - data.position * (other.position_range
                                                   / data.position_range))[0]
        expect = ref.positions * (other.position_range / data.position_range) + shift
        assert np.allclose(got.positions, expect, rtol=1e-9, atol=1e-9 * other.position_range)
        assert [(m.actor, m.partner, m.kind) for m in got.rounds[1].moves] == \
            [(m.actor, m.partner, m.kind) for m in ref.rounds[1].moves]


@settings(max_examples=40, deadline=None)
@given(stakeholders)
def test_default_variant_is_reflection_invariant(data):
    opts = EUMOptions(max_rounds=1)
    ref = run_eum(data, opts, keep_perceptions=True)
    assume(not _near_tie(ref))
    flipped = run_eum(data.with_values(position=100.0 - data.position), opts)
    assert np.allclose(flipped.positions, 100.0 - ref.positions, atol=1e-9)


def test_everyone_agreeing_converges_at_once():
    data = Stakeholders.from_rows([("a", 1, 5, 0.5), ("b", 2, 5, 0.9)])
    result = run_eum(data)
    assert result.stability == Stability.CONVERGED and len(result.rounds) == 2
    assert result.forecast == 5.0 and result.movers() == {}
    # scholz-compat's tolerance is 0: a round without moves still converges
    strict = run_eum(data, EUMOptions.scholz_compat())
    assert strict.stability == Stability.CONVERGED and len(strict.rounds) == 2


@pytest.mark.parametrize(("seed", "options", "stability"), [
    (1, EUMOptions.scholz_compat(max_rounds=30), Stability.CYCLE),
    (5, EUMOptions(max_rounds=30), Stability.CONVERGED),
    (0, EUMOptions(max_rounds=30), Stability.UNSETTLED),
])
def test_stability_flags(seed, options, stability):
    rng = np.random.default_rng(seed)
    data = random_stakeholders(rng, int(rng.integers(3, 7)))
    result = run_eum(data, options)
    assert result.stability == stability
    if stability == Stability.CYCLE:
        p = result.cycle_length
        assert p is not None and np.array_equal(result.positions[-1], result.positions[-1 - p])


def test_q_below_one_uses_t(eu):
    base = run_eum(eu, EUMOptions(q=0.5, t=1.0, max_rounds=3))
    other = run_eum(eu, EUMOptions(q=0.5, t=0.0, max_rounds=3))
    assert not np.array_equal(base.positions, other.positions)
    same = run_eum(eu, EUMOptions(q=1.0, t=0.0, max_rounds=3))
    assert np.array_equal(same.positions, run_eum(eu, EUMOptions(max_rounds=3)).positions)


@pytest.mark.parametrize(("bad", "refusal"), [
    ({"q": 1.5}, "q: must lie in [0, 1], got 1.5"),
    ({"t": -0.1}, "t: must lie in [0, 1], got -0.1"),
    ({"max_rounds": -1}, "max_rounds: must be an integer >= 0, got -1"),
    ({"tolerance": -1.0}, "tolerance: must be a number >= 0, got -1.0"),
    ({"probability": "local"}, "probability: 'local' is not one of: pairwise, global"),
    ({"offer_rule": "nearest"}, "offer_rule: 'nearest' is not one of: least-move, scholz"),
    # True is an int to Python, and was read as 1
    ({"q": True}, "q: must lie in [0, 1], got True"),
    ({"tolerance": True}, "tolerance: must be a number >= 0, got True"),
])
def test_bad_options_are_rejected(bad, refusal):
    with pytest.raises(BadInputError, match=re.escape(refusal)) as info:
        EUMOptions(**bad)
    assert len(info.value.problems) == 1      # the one bad option, no other


def test_unknown_variant():
    with pytest.raises(BadInputError, match="scholz-compat"):
        eum_options("bdm-1985")
    assert eum_options("scholz-compat", max_rounds=4).max_rounds == 4


def test_an_unknown_option_name_and_a_variant_name_for_options_are_refused(eu):
    # they ended in dataclasses' "unexpected keyword argument 'nope'" and in
    # "'str' object has no attribute 'median_rule'"
    for variant in ("default", "scholz-compat"):
        with pytest.raises(BadInputError, match=r"unknown option 'nope'; allowed: .*q, t"):
            eum_options(variant, nope=1)
    with pytest.raises(BadInputError, match="did you mean max_rounds"):
        eum_options(max_round=3)
    with pytest.raises(BadInputError, match=r"options must be an EUMOptions.*got 'default'"):
        run_eum(eu, options="default")


@settings(max_examples=25, deadline=None)
@given(stakeholders, st.sampled_from([1.0, 0.6]))
def test_positions_risk_reference_equals_moving_the_actor(data, q):
    """Security at each held position = recompute everything with the actor moved there."""
    from qpq.bargain._eum import _expected_utilities, _pair_probabilities, _security_positions

    opts = EUMOptions(risk_reference=RiskReference.POSITIONS, q=q, t=0.5)
    x, c, s = data.position, data.capability, data.salience
    scale, mu = data.position_range, float(np.median(x))
    sec, lo, hi = _security_positions(x, c * s, s, scale, mu, opts)
    ones = np.ones_like(x)
    for i in range(x.size):
        dangers = []
        for y in np.unique(x):
            moved = x.copy()
            moved[i] = y
            probs = _pair_probabilities(moved, c * s, ones, scale, opts)
            _, eu_ji = _expected_utilities(moved, s, ones, probs, scale, mu, opts)
            dangers.append(np.delete(eu_ji[i], i).sum())
        assert sec[i] == pytest.approx(dangers[list(np.unique(x)).index(x[i])], abs=1e-9)
        assert (lo[i], hi[i]) == pytest.approx((min(dangers), max(dangers)), abs=1e-9)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"capitulation": "no"}, "capitulation: must be true or false, got 'no'"),
    ({"max_rounds": True}, "max_rounds: must be an integer >= 0, got True"),
])
def test_a_switch_or_count_of_another_type_is_refused(kwargs, field):
    # "no" is true to Python and kept the capitulation quadrant on
    with pytest.raises(BadInputError, match=re.escape(field)):
        EUMOptions(**kwargs)


def test_numpy_true_is_a_switch():
    # check_flag takes numpy's bools; this switch refused np.True_ ("must be true or false")
    assert EUMOptions(capitulation=np.False_).capitulation is False


def test_numpy_counts_and_switches_are_taken_as_plain_values():
    import json

    opts = EUMOptions(max_rounds=np.int64(5), capitulation=np.True_)
    assert opts.max_rounds == 5 and type(opts.max_rounds) is int
    numbers = EUMOptions(q=np.int64(1), t=np.float32(0.5), tolerance=np.int64(0))
    assert (numbers.q, numbers.t, numbers.tolerance) == (1.0, 0.5, 0.0)
    json.dumps(opts.to_dict())


def _round_one_by_hand(data, q, t, global_rule):
    """Round 1 from the formulas of docs/model-bargain.md §2 in plain loops: exponents,
    P_ij, EU_ij, EU_ji and each actor's accepted offer (least move; ties by kind, then input
    order). Positions are chosen without exact median ties."""
    x, c, s = list(data.position), list(data.capability), list(data.salience)
    n, big_r = len(x), data.position_range
    w = [c[k] * s[k] for k in range(n)]
    held = sorted(set(x))
    spread = [sum(w[k] * abs(x[k] - p) for k in range(n)) for p in held]
    mu = held[spread.index(min(spread))]

    def vote(a, b, r):  # votes for position a over position b
        return sum(max(0.0, w[k] * ((abs(x[k] - b) / big_r) ** r[k]
                                    - (abs(x[k] - a) / big_r) ** r[k])) for k in range(n))

    def prob(i, j, r):
        if x[i] == x[j]:
            return 0.0
        if global_rule:
            total = sum(abs(w[k] * ((abs(x[k] - x[b]) / big_r) ** r[k]
                                    - (abs(x[k] - x[a]) / big_r) ** r[k]))
                        for k in range(n) for a in range(n) for b in range(n))
            return vote(x[i], x[j], r) / total
        cast = vote(x[i], x[j], r) + vote(x[j], x[i], r)
        return vote(x[i], x[j], r) / cast if cast > 0 else 0.5

    def eu(chal, target, p, e):  # challenger's EU against target, perceived with exponent e
        d = abs(x[chal] - x[target]) / big_r
        u_s, u_f = 2 - 4 * (0.5 - 0.5 * d) ** e, 2 - 4 * (0.5 + 0.5 * d) ** e
        drift = 0.25 * (abs(x[chal] - mu) / big_r + d)
        u_b, u_w = 2 - 4 * (0.5 - drift) ** e, 2 - 4 * (0.5 + drift) ** e
        sq = q * (2 - 4 * 0.5 ** e) + (1 - q) * (t * u_b + (1 - t) * u_w)
        return s[target] * (p * u_s + (1 - p) * u_f) + (1 - s[target]) * u_s - sq

    ones = [1.0] * n
    sec = [sum(eu(j, i, prob(j, i, ones), 1.0) for j in range(n) if j != i) for i in range(n)]
    hi, lo = max(sec), min(sec)
    big = [0.0 if hi - lo < 1e-12 else (2 * sv - hi - lo) / (hi - lo) for sv in sec]
    r = [(1 - b / 3) / (1 + b / 3) for b in big]
    p = [[prob(i, j, r) for j in range(n)] for i in range(n)]
    eu_ij = [[eu(i, j, p[i][j], r[i]) for j in range(n)] for i in range(n)]
    eu_ji = [[eu(j, i, p[j][i], r[i]) for j in range(n)] for i in range(n)]
    moves = {}
    for i in range(n):
        offers = []
        for j in range(n):
            a, b = eu_ij[i][j], eu_ji[i][j]
            if x[j] == x[i]:
                continue
            if b > a > 0:
                offers.append((abs(x[j] - x[i]), 0, j, "confrontation", x[j]))
            elif b > 0 > a and b > -a:
                end = x[i] + (x[j] - x[i]) * (-a / b)
                offers.append((abs(end - x[i]), 1, j, "compromise", end))
            elif b > 0 > a and b < -a:
                offers.append((abs(x[j] - x[i]), 2, j, "capitulation", x[j]))
        if offers:
            least = min(o[0] for o in offers)
            _, _, j, kind, end = min(o for o in offers if o[0] <= least + 1e-9 * big_r)
            moves[data.actors[i]] = (data.actors[j], kind, end)
    return r, p, eu_ij, eu_ji, moves


def _check_round_one(data, q=1.0, t=1.0, global_rule=False):
    opts = EUMOptions(max_rounds=1, q=q, t=t, probability="global" if global_rule
                      else "pairwise")
    got = run_eum(data, opts, keep_perceptions=True)
    r, p, eu_ij, eu_ji, moves = _round_one_by_hand(data, q, t, global_rule)
    rnd = got.rounds[1]
    assert rnd.risk == pytest.approx(r, abs=1e-9)
    assert rnd.probability == pytest.approx(np.array(p), abs=1e-9)
    assert rnd.eu_ij == pytest.approx(np.array(eu_ij), abs=1e-9)
    assert rnd.eu_ji == pytest.approx(np.array(eu_ji), abs=1e-9)
    if not _near_tie(got, 1e-7):
        width = data.position_range
        assert {m.actor: (m.partner, m.kind.value, pytest.approx(m.end, abs=1e-9 * width))
                for m in rnd.moves} == moves
    return moves


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("width", [100.0, 1e-4])
@pytest.mark.parametrize(("q", "t", "global_rule"), [
    (1.0, 1.0, False), (0.4, 0.3, False), (0.6, 0.8, True)])
def test_round_one_equals_the_documented_formulas(seed, width, q, t, global_rule):
    # few distinct positions, so that partners share positions and offers tie in distance;
    # on the narrow scale, offers a few 1e-7 apart must not count as tied
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 7))
    data = Stakeholders(actors=tuple(f"a{i}" for i in range(n)),
                        capability=rng.uniform(0.05, 1.0, n),
                        position=rng.choice([0.0, 0.3, 0.55, 1.0], n) * width,
                        salience=rng.uniform(0.05, 1.0, n), scale=(0.0, width))
    _check_round_one(data, q, t, global_rule)


def test_an_offer_tie_in_distance_goes_to_confrontation_before_capitulation():
    # b sits halfway between a (who offers a confrontation) and c (who offers a
    # capitulation): both moves are 50 long
    data = Stakeholders.from_rows([("a", 0.9, 0, 0.7), ("b", 1.0, 50, 0.7),
                                   ("c", 0.8, 100, 0.8)], scale=(0.0, 100.0))
    moves = _check_round_one(data)
    assert moves["b"] == ("a", "confrontation", 0.0)


def test_two_mirror_actors_both_expect_to_win_and_stay():
    # P = 1/2 and r = 1 by symmetry, so EU_ij = EU_ji = 2 (1 - s) > 0 for both: a
    # confrontation that neither expects to lose (it needs EU_ji > EU_ij), so no move
    data = Stakeholders.from_rows([("a", 1.0, 0, 0.5), ("b", 1.0, 100, 0.5)],
                                  scale=(0.0, 100.0))
    result = run_eum(data, EUMOptions(max_rounds=3), keep_perceptions=True)
    assert result.rounds[1].eu_ij[0, 1] == result.rounds[1].eu_ji[0, 1] == pytest.approx(1.0)
    assert result.rounds[1].moves == () and result.stability == Stability.CONVERGED


def test_a_tiny_difference_in_security_spreads_exponents_fully():
    # R_i is normalised by S_max - S_min, so any difference above 1e-12 gives R = -1 and +1;
    # S_i = 2 (1 - 2 s_i^2 / (s_a + s_b)) here: the more salient actor is less secure, r = 2
    data = Stakeholders.from_rows([("a", 1.0, 0, 0.5), ("b", 1.0, 100, 0.5 + 1e-7)],
                                  scale=(0.0, 100.0))
    rnd = run_eum(data, EUMOptions(max_rounds=1)).rounds[1]
    assert rnd.risk == pytest.approx([0.5, 2.0])


def test_quadrants_follow_the_documented_signs_and_sizes() -> None:
    """docs/model-bargain.md: both > 0 confrontation, both <= 0 status quo; mixed signs
    compromise when the gainer gains more than the loser loses, else capitulation."""
    from qpq.bargain._eum import quadrants

    cases = [((2.0, 1.0), "confrontation"), ((-1.0, -2.0), "status quo"),
             ((0.0, 0.0), "status quo"), ((0.0, -1.0), "status quo"),
             ((3.0, -1.0), "compromise"), ((-1.0, 3.0), "compromise"),
             ((1.0, -3.0), "capitulation"), ((-3.0, 1.0), "capitulation"),
             ((2.0, -2.0), "capitulation"), ((1.0, 0.0), "compromise")]
    eu_ij = np.array([[c[0][0] for c in cases]])
    eu_ji = np.array([[c[0][1] for c in cases]])
    got = quadrants(eu_ij, eu_ji)
    assert got.tolist() == [[c[1] for c in cases]]
    # whose view it is does not change the kind of contest
    assert quadrants(eu_ji, eu_ij).tolist() == got.tolist()
    same = np.zeros_like(eu_ij, dtype=bool)
    same[0, 0] = True
    assert quadrants(eu_ij, eu_ji, same)[0, 0] == "none"
