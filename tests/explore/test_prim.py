"""PRIM recovers a known box (peeling and pasting); CART scores the right inputs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qpq.explore._cart import cart
from qpq.explore._prim import box_stats, paste, prim
from qpq.explore._testfunctions import box_data

NAMES = [f"x{i}" for i in range(5)]
BOX = {0: (0.2, 0.6), 2: (0.5, 1.0)}
BOUNDS = np.array([[0.0, 1.0]] * 5)


@pytest.fixture(scope="module")
def data():
    return box_data(3000, BOX, 5, np.random.default_rng(3))


def test_prim_recovers_the_box(data):
    x, y = data
    res = prim(x, y, NAMES, bounds=[(0, 1)] * 5)
    box = res.chosen
    limits = box.limits(NAMES)
    assert limits["x0"] == pytest.approx((0.2, 0.6), abs=0.03)
    assert limits["x2"][0] == pytest.approx(0.5, abs=0.03) and limits["x2"][1] == 1.0
    for name in box.restricted:
        if name not in ("x0", "x2"):
            assert box.quasi_p[name] > 0.01          # spurious restrictions test as such
    assert box.quasi_p["x0"] < 1e-10 and box.quasi_p["x2"] < 1e-10
    assert box.coverage > 0.75 and box.density > 0.8
    masses = [b.mass for b in res.trajectory]
    assert masses == sorted(masses, reverse=True) and masses[-1] >= 0.05


def test_pasting_regrows_an_over_peeled_box():
    rng = np.random.default_rng(4)
    x = rng.random((4000, 3))
    y = (x[:, 0] >= 0.2) & (x[:, 0] <= 0.6) & (x[:, 1] >= 0.5)         # deterministic box
    bounds = np.array([[0.0, 1.0]] * 3)
    lower, upper = np.array([0.3, 0.7, 0.0]), np.array([0.45, 1.0, 1.0])   # too tight
    lo, hi = paste(x, y, lower, upper, bounds, alpha=0.05)
    grown = box_stats(x, y, lo, hi, bounds, ["a", "b", "c"])
    step = 0.03                     # one paste adds 5% of the box's points: a slab this wide
    assert lo[0] == pytest.approx(0.2, abs=step) and hi[0] == pytest.approx(0.6, abs=step)
    assert lo[1] == pytest.approx(0.5, abs=step)
    assert grown.density == 1.0 and grown.coverage > 0.9
    assert grown.restricted == ("a", "b")


def test_prim_pastes_its_chosen_box(data):
    x, y = data
    res = prim(x, y, NAMES, bounds=[(0, 1)] * 5)
    assert res.chosen.density >= res.peeled.density - 1e-12
    assert res.chosen.coverage >= res.peeled.coverage


def test_prim_json_and_validation(data):
    x, y = data
    doc = prim(x, y, NAMES).to_json()
    assert {"chosen", "peeled", "trajectory", "settings"} <= set(doc)
    assert doc["base_density"] == pytest.approx(y.mean())
    with pytest.raises(ValueError):
        prim(x, y, NAMES[:3])


def test_cart_scores_the_box_dimensions(data):
    x, y = data
    tree = cart(x, y, NAMES, max_depth=3)
    top = sorted(tree.scores, key=lambda k: -tree.scores[k])[:2]
    assert set(top) == {"x0", "x2"}
    assert sum(tree.scores.values()) == pytest.approx(1.0)
    best = tree.leaves()[0]
    assert best.density > 0.8
    assert {c[0] for c in best.rule} <= {"x0", "x2"}
    assert min(leaf.n_points for leaf in tree.leaves()) >= 0.05 * 3000
    assert max(nd.depth for nd in tree.nodes) == 3          # the depth limit, reached
    assert len(cart(x, y, NAMES, max_depth=1).nodes) == 3   # one split: the root's
    # the scores from their definition: each split's impurity decrease, weighted by the
    # share of points in its node (Gini 1 - p^2 - (1 - p)^2), normalised to sum to 1
    def weighted_gini(nd):
        return nd.n_points / 3000 * (1 - nd.density ** 2 - (1 - nd.density) ** 2)

    decrease = dict.fromkeys(NAMES, 0.0)
    for nd in tree.nodes:
        if not nd.is_leaf:
            left, right = tree.nodes[nd.left], tree.nodes[nd.right]
            decrease[nd.feature] += (weighted_gini(nd) - weighted_gini(left)
                                     - weighted_gini(right))
    total = sum(decrease.values())
    for name in NAMES:
        assert tree.scores[name] == pytest.approx(decrease[name] / total)


@pytest.mark.parametrize("coverage", [2.0, -1.0, float("nan"), "0.5"])
def test_min_coverage_is_a_share(coverage):
    from qpq.errors import BadInputError

    x, y = np.array([[0.1], [0.9]]), np.array([True, False])
    with pytest.raises(BadInputError, match=r"min_coverage must be a number within \[0, 1\]"):
        prim(x, y, ["a"], min_coverage=coverage)


@pytest.mark.parametrize(("alpha", "words"), [
    (0.0, "must be a number strictly between 0 and 1"),
    (1.0, "must be a number strictly between 0 and 1"),
    # not a number: check_number's words (True would also fail "0 < x < 1", in other words)
    ("0.1", "must be a finite number; got '0.1'"), (True, "must be a finite number; got True"),
])
def test_peeling_shares_lie_strictly_between_0_and_1(alpha, words):
    from qpq.errors import BadInputError

    x, y = np.array([[0.1], [0.9]]), np.array([True, False])
    with pytest.raises(BadInputError, match=f"peel_alpha {words}"):
        prim(x, y, ["a"], peel_alpha=alpha)


@pytest.mark.parametrize("alpha", [0.0, 1.0, 1.5, -0.5])
def test_a_peeling_share_out_of_range_is_refused_in_one_wording(alpha):
    # 1.5 read "within [0, 1]" (from check_number), 1 "strictly between 0 and 1"
    from qpq.errors import BadInputError

    x, y = np.array([[0.1], [0.9]]), np.array([True, False])
    with pytest.raises(BadInputError, match="paste_alpha must be a number strictly between 0 "
                                            "and 1; got"):
        prim(x, y, ["a"], paste_alpha=alpha)


def test_a_design_with_nan_is_refused():
    x, y = np.array([[0.1], [np.nan]]), np.array([True, False])
    with pytest.raises(ValueError, match="every value finite"):
        prim(x, y, ["a"])


def test_the_discovery_and_comparison_helpers_name_a_wrong_value():
    # max_depth=1.5 was taken; min_leaf, num_resamples and threshold of the wrong type ended
    # in TypeErrors deep inside (an outside read, 2026-12-07)
    from qpq.errors import BadInputError
    from qpq.explore._cart import cart
    from qpq.explore._robustness import compare_policies
    from qpq.explore._sensitivity import sobol_indices

    x, y = np.array([[0.1], [0.9]]), np.array([True, False])
    with pytest.raises(BadInputError, match="max_depth must be a whole number"):
        cart(x, y, ["a"], max_depth=1.5)
    with pytest.raises(BadInputError, match="min_leaf must be a number within"):
        cart(x, y, ["a"], min_leaf="0.05")
    with pytest.raises(BadInputError, match="num_resamples must be a whole number"):
        sobol_indices(["a", "b"], np.zeros(12), num_resamples=1.5)
    with pytest.raises(BadInputError, match=r"conf_level must be a number within \[0, 1\]"):
        sobol_indices(["a", "b"], np.zeros(12), conf_level="0.95")
    with pytest.raises(BadInputError, match="threshold must be a finite number"):
        compare_policies({"a": np.ones(3), "b": np.zeros(3)}, "y", 1, threshold="0.5")


# a hand-sized case: six points, four cases of interest; the box a in [0.25, 0.75],
# b in [0, 0.5] holds points 1-3 (its limits are inclusive), all three cases
HAND_X = np.array([[0.0, 0.0], [0.25, 0.0], [0.5, 0.0], [0.75, 0.0], [1.0, 0.0], [0.5, 1.0]])
HAND_Y = np.array([False, True, True, True, False, True])
HAND_BOUNDS = np.array([[0.0, 1.0], [0.0, 1.0]])


def test_box_statistics_by_hand():
    box = box_stats(HAND_X, HAND_Y, np.array([0.25, 0.0]), np.array([0.75, 0.5]), HAND_BOUNDS,
                    ["a", "b"])
    assert (box.n_points, box.n_cases) == (3, 3)
    assert box.coverage == 3 / 4          # cases in the box / all cases
    assert box.density == 1.0             # cases in the box / points in the box
    assert box.mass == 3 / 6              # points in the box / all points
    assert box.restricted == ("a", "b")
    whole = box_stats(HAND_X, HAND_Y, HAND_BOUNDS[:, 0], HAND_BOUNDS[:, 1], HAND_BOUNDS,
                      ["a", "b"])
    assert (whole.n_points, whole.coverage, whole.density, whole.restricted) == (6, 1.0,
                                                                               4 / 6, ())


def test_quasi_p_values_by_hand():
    from math import comb

    from qpq.explore._prim import quasi_p_values

    box = box_stats(HAND_X, HAND_Y, np.array([0.25, 0.0]), np.array([0.75, 0.5]), HAND_BOUNDS,
                    ["a", "b"])
    p = quasi_p_values(HAND_X, HAND_Y, box, ["a", "b"])
    # a's limits dropped: points 0-4, three cases; P(all 3 drawn of them are cases)
    assert p["a"] == pytest.approx(comb(3, 3) * comb(2, 0) / comb(5, 3))
    # b's limits dropped: points 1, 2, 3, 5, all cases: finding 3 cases of 3 is certain
    assert p["b"] == pytest.approx(1.0)


def test_each_peel_removes_the_alpha_share_of_the_box():
    from qpq.explore._prim import peel

    rng = np.random.default_rng(8)
    x = rng.random((400, 2))                  # distinct values: a peel removes exactly k
    y = rng.random(400) < x[:, 0]
    for alpha in (0.05, 0.1):
        traj = peel(x, y, np.array([[0.0, 1.0]] * 2), alpha, mass_min=0.2)
        sizes = [int(box_stats(x, y, lo, hi, BOUNDS[:2], ["a", "b"]).n_points)
                 for lo, hi in traj]
        assert len(sizes) > 5 and sizes[0] == 400
        for before, after in itertools.pairwise(sizes):
            assert before - after == max(1, int(np.floor(alpha * before)))
        assert sizes[-1] >= 0.2 * 400 > sizes[-1] - max(1, int(np.floor(alpha * sizes[-1])))


def test_min_coverage_limits_the_chosen_box(data):
    x, y = data
    free = prim(x, y, NAMES, bounds=[(0, 1)] * 5)
    assert free.peeled.coverage < 0.9         # so the constraint below binds
    res = prim(x, y, NAMES, bounds=[(0, 1)] * 5, min_coverage=0.9)
    assert res.peeled.coverage >= 0.9
    base = res.base_density
    wracc = [b.mass * (b.density - base) for b in res.trajectory]
    ok = [i for i, b in enumerate(res.trajectory) if b.coverage >= 0.9]
    assert res.chosen_index == max(ok, key=lambda i: wracc[i])


# a whole-number input: four levels of four points each, with 0, 0, 1 and 3 cases per level
LEVEL_X = np.repeat([0.0, 1.0, 2.0, 3.0], 4)[:, None]
LEVEL_Y = np.array([False] * 8 + [True, False, False, False] + [True, True, True, False])


@pytest.mark.parametrize("mirrored", [False, True])
def test_whole_number_inputs_peel_whole_levels(mirrored):
    # peel_alpha = 0.1 of 16 points is one point, but a peel removes a whole level: from
    # below, levels 1-3 hold 4 cases in 12 points (levels 0-2: 1 in 12), then levels 2-3
    # 4 in 8 (levels 1-2: 1 in 8), then level 3 alone 3 in 4 (level 2: 1 in 4). Level 3's
    # 4 points are exactly mass_min = 0.25 of the 16, which is allowed ("stop before the
    # mass falls below"); the one-level box left cannot be peeled further
    from qpq.explore._prim import peel

    x = 3.0 - LEVEL_X if mirrored else LEVEL_X
    traj = peel(x, LEVEL_Y, np.array([[0.0, 3.0]]), alpha=0.1, mass_min=0.25)
    got = [(float(lo[0]), float(hi[0])) for lo, hi in traj]
    if mirrored:
        assert got == [(0.0, 3.0), (0.0, 2.0), (0.0, 1.0), (0.0, 0.0)]
    else:
        assert got == [(0.0, 3.0), (1.0, 3.0), (2.0, 3.0), (3.0, 3.0)]


def test_a_peeling_tie_keeps_the_larger_box():
    # 20 points, 10 cases; alpha = 0.1 is 2 points. Column a is whole-numbered (level 0:
    # rows 0-3, level 1: rows 4-15, level 2: rows 16-19), column b is the row number.
    # Peeling a from below removes level 0 (rows 0-3, 2 cases): 8 cases in 16 points;
    # peeling b from below removes rows 0-1 (1 case): 9 in 18. Both leave density 0.5 (the
    # other two peels less: 6/16 and 8/18), and the tie goes to the larger box: b >= 2
    from qpq.explore._prim import peel

    a = np.array([0.0] * 4 + [1.0] * 12 + [2.0] * 4)
    b = np.arange(20.0)
    y = np.isin(np.arange(20), [0, 2, 4, 6, 8, 10, 16, 17, 18, 19])
    traj = peel(np.stack([a, b], axis=1), y, np.array([[0.0, 2.0], [0.0, 19.0]]), alpha=0.1,
                mass_min=0.5)
    lo, hi = traj[1]
    assert (list(lo), list(hi)) == ([0.0, 2.0], [2.0, 19.0])


def test_the_choice_ties_go_to_the_larger_coverage_and_min_coverage_is_inclusive():
    # the whole-level trajectory above: boxes of 16, 12, 8, 4 points holding 4, 4, 4, 3
    # cases; base density 4/16. Weighted relative accuracy mass x (density - base):
    # 0, 0.75 x (1/3 - 1/4) = 1/16, 0.5 x (1/2 - 1/4) = 1/8, 0.25 x (3/4 - 1/4) = 1/8:
    # boxes 2 and 3 tie (exactly, in binary), and box 2 has the larger coverage (1 vs 3/4)
    res = prim(LEVEL_X, LEVEL_Y, ["a"], bounds=[(0.0, 3.0)], peel_alpha=0.1, mass_min=0.25)
    assert len(res.trajectory) == 4 and res.chosen_index == 2
    assert res.peeled.limits(["a"]) == {"a": (2.0, 3.0)}
    # "at least min_coverage": a box holding every case qualifies for min_coverage = 1
    res = prim(LEVEL_X, LEVEL_Y, ["a"], bounds=[(0.0, 3.0)], peel_alpha=0.1, mass_min=0.25,
               min_coverage=1.0)
    assert res.chosen_index == 2 and res.peeled.coverage == 1.0


def test_each_paste_adds_the_alpha_share_of_the_box():
    # x = 0..9, cases at 1, 3, 5; the box [3, 6] holds 2 cases in 4 points (density 0.5).
    # alpha = 0.5 of 4 points is 2: adding 2 and 1 below keeps 3/6 = 0.5 (a tie grows the
    # box), adding 7 and 8 above gives 2/6. Then 3 points a paste: 0 below (3/7) or 7-9
    # above (3/9) both lower the density, so pasting stops at [1, 6]. (One point at a time,
    # 2 alone would have lowered the density to 2/5 and pasting would not have started.)
    x = np.arange(10.0)[:, None]
    y = np.isin(np.arange(10), [1, 3, 5])
    lo, hi = paste(x, y, np.array([3.0]), np.array([6.0]), np.array([[0.0, 9.0]]), alpha=0.5)
    assert (lo[0], hi[0]) == (1.0, 6.0)


@pytest.mark.parametrize(("cases", "expected"), [("below", (-1.0, 6.0)),
                                                 ("above", (3.0, 10.0))])
def test_a_box_pasted_to_the_datas_edge_takes_the_bound(cases, expected):
    # x = 0..9 within bounds [-1, 10]; the cases are x <= 6 (or x >= 3) and the box [3, 6]
    # has density 1. Alpha = 0.5: two points, then three, are pasted on the cases' side at
    # density 1 (the other side dilutes); once the box reaches the smallest (largest) value
    # in the data, no point lies beyond it, and its limit is the bound: not restricted there
    x = np.arange(10.0)[:, None]
    y = x[:, 0] <= 6 if cases == "below" else x[:, 0] >= 3
    bounds = np.array([[-1.0, 10.0]])
    lo, hi = paste(x, y, np.array([3.0]), np.array([6.0]), bounds, alpha=0.5)
    assert (lo[0], hi[0]) == expected


def test_default_bounds_are_the_datas_range():
    # without bounds a limit is restricted only when tighter than the data's own range
    rng = np.random.default_rng(5)
    x = np.stack([10.0 + 5.0 * rng.random(200), -3.0 + rng.random(200)], axis=1)
    y = x[:, 0] > 12.5
    res = prim(x, y, ["a", "b"])
    assert res.bounds == ((x[:, 0].min(), x[:, 0].max()), (x[:, 1].min(), x[:, 1].max()))
    first = res.trajectory[0]
    assert (first.n_points, first.restricted) == (200, ())
    assert "a" in res.chosen.restricted and res.chosen.lower[0] > 12.0


def test_quasi_p_values_are_those_of_the_pasted_box():
    # the hypergeometric tail by its definition, in whole numbers, for the box reported
    from math import comb

    x, y = box_data(300, {0: (0.2, 0.6), 1: (0.5, 1.0)}, 3, np.random.default_rng(0),
                    inside=0.7, outside=0.15)
    res = prim(x, y, ["a", "b", "c"], bounds=[(0, 1)] * 3)
    box = res.chosen
    assert box.lower != res.peeled.lower         # pasting moved the box: the test can tell
    assert set(box.quasi_p) == set(box.restricted) and box.restricted
    for j, name in enumerate(("a", "b", "c")):
        if name not in box.restricted:
            continue
        keep = np.ones(300, dtype=bool)
        for i in range(3):
            if i != j:
                keep &= (x[:, i] >= box.lower[i]) & (x[:, i] <= box.upper[i])
        big_n, big_k = int(keep.sum()), int(y[keep].sum())
        n, k = box.n_points, box.n_cases
        tail = sum(comb(big_k, i) * comb(big_n - big_k, n - i) for i in range(k, min(n, big_k) + 1))
        assert box.quasi_p[name] == pytest.approx(tail / comb(big_n, n), rel=1e-9)


# CART by hand: eight points of one input with a tied level, cases only at a >= 2 (two of
# the four points at a = 2; stable sorting puts them last among their level)
CART_X = np.array([1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0])[:, None]
CART_Y = np.array([False, False, False, False, True, True, True, True])


def test_cart_splits_halfway_between_distinct_values_by_hand():
    # thresholds only between distinct values: 1.5 (2 | 6 points, weighted Gini
    # 6/8 x 2 (4/6)(2/6) = 1/3) or 2.5 (6 | 2, also 1/3): the first, 1.5, halfway. The
    # "perfect" cut between the tied 2s could not be applied (a <= 2 takes all four)
    tree = cart(CART_X, CART_Y, ["a"], max_depth=1, min_leaf=0.25)
    root, left, right = tree.nodes
    assert (root.feature, root.threshold) == ("a", 1.5)
    assert (left.n_points, left.n_cases, right.n_points, right.n_cases) == (2, 0, 6, 4)
    assert left.rule == (("a", "<=", 1.5),) and right.rule == (("a", ">", 1.5),)
    leaves = {tuple(leaf["rule"][0]): leaf for leaf in tree.to_json()["leaves"]}
    assert leaves[("a", ">", 1.5)]["coverage"] == 1.0      # all 4 cases, of 4
    assert leaves[("a", "<=", 1.5)]["coverage"] == 0.0


def test_cart_leaves_hold_at_least_min_leaf_of_the_points():
    # min_leaf 0.25 of 8 points is 2: the 2 | 6 split is allowed; 0.3 of 8 is 2.4, so 3
    # points: neither 2 | 6 nor 6 | 2 qualifies and the root stays a leaf
    assert len(cart(CART_X, CART_Y, ["a"], max_depth=1, min_leaf=0.25).nodes) == 3
    assert len(cart(CART_X, CART_Y, ["a"], max_depth=1, min_leaf=0.3).nodes) == 1


def test_cart_does_not_split_a_pure_node():
    tree = cart(CART_X, np.ones(8, dtype=bool), ["a"], max_depth=2, min_leaf=0.25)
    assert len(tree.nodes) == 1 and tree.nodes[0].is_leaf
    assert tree.scores == {"a": 0.0}
