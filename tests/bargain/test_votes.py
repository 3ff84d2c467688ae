"""Pairwise votes: the O(n² log n) formulation against the direct sum, medians, means."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qpq.bargain._votes import (
    condorcet_median,
    global_vote_total,
    net_votes,
    scholz_pass_median,
    vote_matrix,
    vote_matrix_naive,
    weighted_distance_sum,
    weighted_mean,
    win_probability_matrix,
)
from tests.bargain.reference_runs import (
    EU_EMISSIONS,
    EU_INITIAL_MARGINS,
    EU_INITIAL_MEAN,
    EU_INITIAL_MEDIAN,
)

TOL = 1e-9


def _eu_arrays():
    c = np.array([r[1] for r in EU_EMISSIONS])
    x = np.array([r[2] for r in EU_EMISSIONS], dtype=float)
    s = np.array([r[3] for r in EU_EMISSIONS])
    return c, x, s


voters = st.integers(2, 25).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 20), min_size=n, max_size=n),          # positions (ties likely)
    st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n),         # weights (zeros allowed)
    st.lists(st.sampled_from([0.5, 0.8, 1.0, 1.5, 2.0]), min_size=n, max_size=n)))


@settings(max_examples=150, deadline=None)
@given(voters)
def test_fast_vote_matrix_equals_direct_sum(case):
    pos, w, r = (np.array(v, dtype=float) for v in case)
    cands = np.unique(pos)
    fast = vote_matrix(pos, w, r, cands, 20.0)
    slow = vote_matrix_naive(pos, w, r, cands, 20.0)
    assert np.allclose(fast, slow, atol=TOL, rtol=1e-9)


@settings(max_examples=100, deadline=None)
@given(voters)
def test_global_total_equals_sum_over_all_actor_pairs(case):
    pos, w, r = (np.array(v, dtype=float) for v in case)
    cands, counts = np.unique(pos, return_counts=True)
    d = w[:, None] * (np.abs(pos[:, None] - pos[None, :]) / 20.0) ** r[:, None]  # [k, actor]
    direct = np.abs(d[:, :, None] - d[:, None, :]).sum()
    assert global_vote_total(pos, w, r, cands, counts, 20.0) == pytest.approx(direct, abs=TOL)


def test_pairwise_probabilities_sum_to_one_and_global_are_small():
    c, x, s = _eu_arrays()
    cands = np.unique(x)
    votes = vote_matrix(x, c * s, np.ones(10), cands, 6.0)
    pair = win_probability_matrix(votes, "pairwise")
    off = ~np.eye(3, dtype=bool)
    assert np.allclose((pair + pair.T)[off], 1.0)
    total = global_vote_total(x, c * s, np.ones(10), cands, np.unique(x, return_counts=True)[1],
                              6.0)
    glob = win_probability_matrix(votes, "global", total)
    assert np.all(glob[off] < pair[off]) and np.all(np.diag(glob) == 0)


def test_eu_initial_mean_median_and_margins():
    c, x, s = _eu_arrays()
    assert weighted_mean(x, c * s) == pytest.approx(EU_INITIAL_MEAN, abs=1e-12)
    assert condorcet_median(x, c * s) == EU_INITIAL_MEDIAN
    assert scholz_pass_median(x, c * s, 6.0) == EU_INITIAL_MEDIAN
    cands = list(np.unique(x))
    margins = net_votes(x, c * s, np.unique(x), 1.0)  # unnormalised, as published
    for winner, loser, margin in EU_INITIAL_MARGINS:
        assert margins[cands.index(winner), cands.index(loser)] == pytest.approx(margin,
                                                                                 abs=5e-4)


@settings(max_examples=100, deadline=None)
@given(voters)
def test_condorcet_median_beats_every_held_position(case):
    pos, w, _ = (np.array(v, dtype=float) for v in case)
    if w.sum() == 0:
        w = w + 1.0
    med = condorcet_median(pos, w)
    net = net_votes(pos, w, np.unique(pos), 1.0)
    cands = list(np.unique(pos))
    if med in cands:  # a strict winner: it wins or ties every contest
        assert np.all(net[cands.index(med)] >= -1e-9)
    # In any case it minimises the weighted distance among held positions (or ties them).
    f = weighted_distance_sum(pos, w, np.array([med, *cands]))
    assert f[0] <= f[1:].min() + 1e-9


def test_weighted_distance_sum_matches_direct():
    rng = np.random.default_rng(3)
    x, w, p = rng.uniform(0, 10, 50), rng.uniform(0, 1, 50), rng.uniform(-1, 11, 30)
    direct = (w[:, None] * np.abs(x[:, None] - p[None, :])).sum(axis=0)
    assert np.allclose(weighted_distance_sum(x, w, p), direct)


def test_tied_medians_give_the_middle_of_the_tie():
    x = np.array([0.0, 10.0])
    assert condorcet_median(x, np.array([1.0, 1.0])) == 5.0
    assert condorcet_median(x, np.array([1.0, 2.0])) == 10.0


def test_nobody_voting_gives_even_chances():
    # a contest nobody cares about is a coin toss (documented 0.5), not a sure loss
    probs = win_probability_matrix(np.zeros((3, 3)), "pairwise")
    assert probs[~np.eye(3, dtype=bool)] == pytest.approx(0.5)
    assert np.all(np.diag(probs) == 0.0)


def test_scholz_pass_keeps_its_choice_on_an_exact_tie():
    # only a position that beats the current choice replaces it; on a tie the first one
    # visited (in set order) stays
    x = np.array([10.0, 0.0])
    first = next(iter({float(v) for v in x}))
    assert scholz_pass_median(x, np.array([1.0, 1.0]), 10.0) == first
