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
