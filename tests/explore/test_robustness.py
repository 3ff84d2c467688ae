"""Robustness metrics on a toy small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pytest

from qpq.explore._robustness import compare_policies

# three policies, four experiments; higher is better
TOY = {"a": np.array([1.0, 2.0, 3.0, 4.0]),
       "b": np.array([4.0, 0.0, 0.0, 4.0]),
       "c": np.array([2.0, 2.0, 2.0, 2.0])}
# best per experiment: 4, 2, 3, 4 -> regrets a: 3,0,0,0  b: 0,2,3,0  c: 2,0,1,2


def test_toy_metrics_by_hand():
    c = compare_policies(TOY, "y", sign=1, threshold=2.0)
    a, b, cc = c.metric("a"), c.metric("b"), c.metric("c")
    assert (a.max_regret, b.max_regret, cc.max_regret) == (3.0, 3.0, 2.0)
    assert (a.mean_regret, b.mean_regret, cc.mean_regret) == (0.75, 1.25, 1.25)
    assert (a.mean, b.mean, cc.mean) == (2.5, 2.0, 2.0)
    assert (a.satisficing, b.satisficing, cc.satisficing) == (0.75, 0.5, 1.0)
    # 90th percentile of regret, linear interpolation of the sorted regrets at 0.9 * 3 = 2.7
    assert a.p90_regret == pytest.approx(0 + 0.7 * 3)        # 0, 0, 0, 3
    assert b.p90_regret == pytest.approx(2 + 0.7 * 1)        # 0, 0, 2, 3
    assert cc.p90_regret == pytest.approx(2.0)               # 0, 1, 2, 2
    assert c.most_robust == {"minimax_regret": ("c",), "mean": ("a",),
                             "worst_decile": ("c",), "satisficing": ("c",)}
    assert c.threshold_source == "scenario"


def test_lower_is_better_flips_regret():
    c = compare_policies({k: -v for k, v in TOY.items()}, "y", sign=-1, threshold=-2.0)
    assert c.metric("c").max_regret == 2.0 and c.most_robust["minimax_regret"] == ("c",)
    assert c.metric("a").worst_decile == pytest.approx(np.quantile(-TOY["a"], 0.9))


def test_lower_is_better_mirrors_higher_is_better():
    # negating the outcome and its direction is the same question: every regret, share and
    # choice is the same, the levels and worst deciles are negated (a met threshold included)
    up = compare_policies(TOY, "y", sign=1, threshold=2.0)
    down = compare_policies({k: -v for k, v in TOY.items()}, "y", sign=-1, threshold=-2.0)
    assert down.most_robust == up.most_robust
    for p in TOY:
        u, d = up.metric(p), down.metric(p)
        assert (d.max_regret, d.mean_regret, d.p90_regret, d.satisficing) == pytest.approx(
            (u.max_regret, u.mean_regret, u.p90_regret, u.satisficing))
        assert (d.mean, d.worst_decile) == pytest.approx((-u.mean, -u.worst_decile))


def test_default_threshold_is_the_pooled_median():
    c = compare_policies(TOY, "y", sign=1)
    assert c.threshold == 2.0 and c.threshold_source == "median over all policies"


def test_descriptive_outcomes_have_no_regret():
    c = compare_policies(TOY, "y", sign=0)
    assert c.most_robust == {} and c.metric("a").max_regret is None
    assert c.to_json()["direction"] == "descriptive"


def test_rejects_ragged_or_missing_values():
    with pytest.raises(ValueError):
        compare_policies({"a": np.array([1.0, np.nan])}, "y", 1)
    with pytest.raises(ValueError):
        compare_policies({}, "y", 1)


def test_ties_are_reported_as_ties():
    # every policy meets the threshold everywhere: no policy is "the" most robust there
    c = compare_policies(TOY, "y", sign=1, threshold=-1.0)
    assert c.most_robust["satisficing"] == ("a", "b", "c")
    # a second policy within 1% of the outcome's SD of the best mean ties with it ...
    sd = float(np.std(np.stack([TOY["a"], TOY["a"] - 0.001, TOY["c"]])))
    near = compare_policies({"a": TOY["a"], "a2": TOY["a"] - 0.001, "c": TOY["c"]}, "y", 1)
    assert near.tie_tolerance == pytest.approx(0.01 * sd)
    assert near.most_robust["mean"] == ("a", "a2")
    # ... and one just outside it does not
    far = compare_policies({"a": TOY["a"], "a2": TOY["a"] - 0.05, "c": TOY["c"]}, "y", 1)
    assert far.most_robust["mean"] == ("a",)
    assert "tied" in near.to_json()["ties"]


@pytest.mark.parametrize("sign", [5, -7, 0.5])
def test_the_sign_is_a_direction_not_a_scale(sign):
    # a sign of 5 scaled every regret by 5 (found 2026-12-06)
    values = {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([2.0, 2.0, 2.0])}
    with pytest.raises(ValueError, match="sign must be"):
        compare_policies(values, "x", sign)


def test_no_experiments_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        compare_policies({"a": np.array([]), "b": np.array([])}, "x", 1)


def test_levels_and_percentiles_by_hand():
    # a skewed policy: its mean (100 / 4 = 25) and its median (2.5) differ; percentiles by
    # linear interpolation of the sorted values 1, 2, 3, 94 at q x 3 (0.3, 1.5 and 2.7)
    values = {"a": np.array([3.0, 94.0, 1.0, 2.0]), "b": np.zeros(4)}
    a = compare_policies(values, "y", sign=1, threshold=1.0).metric("a")
    assert a.mean == 25.0
    assert (a.p10, a.p50, a.p90) == pytest.approx((1.3, 2.5, 3.0 + 0.7 * 91.0))
    assert a.worst_decile == pytest.approx(1.3)          # higher is better: the 10th


def test_satisficing_ties_are_within_a_share_whatever_the_outcomes_units():
    # outcomes in the thousands (1% of their SD is about 13) still compare shares as shares:
    # 3 of 4 experiments met against 2 of 4 is no tie
    big = {"a": np.array([0.0, 1000.0, 2000.0, 3000.0]),
           "b": np.array([0.0, 0.0, 3000.0, 3000.0])}
    c = compare_policies(big, "y", sign=1, threshold=1000.0)
    assert (c.metric("a").satisficing, c.metric("b").satisficing) == (0.75, 0.5)
    assert c.most_robust["satisficing"] == ("a",)
    # 101 of 200 against 100 of 200: 0.005 apart, within TIE_SHARE = 0.01, a tie
    a, b = np.r_[np.ones(101), np.zeros(99)], np.r_[np.ones(100), np.zeros(100)]
    near = compare_policies({"a": a, "b": b}, "y", sign=1, threshold=0.5)
    assert near.most_robust["satisficing"] == ("a", "b")


def test_policies_that_never_differ_tie_on_every_metric():
    # an outcome no policy and no experiment moves: its SD (so the tie tolerance) is 0, and
    # every policy is exactly as good as the best by every metric
    same = {"a": np.full(3, 2.0), "b": np.full(3, 2.0)}
    c = compare_policies(same, "y", sign=1)
    assert c.tie_tolerance == 0.0
    assert c.most_robust == dict.fromkeys(
        ("minimax_regret", "mean", "worst_decile", "satisficing"), ("a", "b"))


def test_a_descriptive_outcome_has_no_threshold():
    # without a better direction there is nothing to satisfice: a threshold given is not used
    c = compare_policies(TOY, "y", sign=0, threshold=2.0)
    assert (c.threshold, c.threshold_source, c.metric("a").satisficing) == (None, None, None)
