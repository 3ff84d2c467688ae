"""Propositions in time, with common random numbers and falsification counterparts."""

import dataclasses
import itertools
import re

from qpq.sim._propositions_in_time import (
    p1_boycott,
    p1_made_of,
    p3_capacity,
    p5_conundrum,
    p6_free_ride,
)

N = 512


def test_p1_reports_effect_and_counterpart(case):
    r = p1_boycott(case, n=N)
    # the counterpart must hold: without a strategic response engagement is no safer
    assert r.falsification_holds
    assert set(r.details["security"]) == {"boycott", "engage_no_promise", "equilibrium"}
    # the boycott keeps Chinese nationals out of harm's way (assumption boycott_exposure < 1)
    att = r.details["expected_attacks_on_nationals"]
    assert att["boycott"] < att["engage_no_promise"]


def test_p1_says_how_much_of_it_the_boycott_exposure_makes(case):
    r = p1_boycott(case, n=N)
    x = r.details["exposure"]
    assert x["parameter"] == "boycott_exposure" and x["default"] < 1 and x["assumption"]
    at_one = x["engage_no_promise_minus_boycott_at_one"]
    # with the boycott keeping fewer nationals exposed, boycott looks safer than at 1
    assert at_one > r.effect
    text = p1_made_of(r)
    from qpq.stats import percent

    said = re.search(r"that assumption makes (-?[\d.]+%) of it", text).group(1)
    assert said == percent((r.effect - at_one) / r.effect)
    assert f"{r.details['suppressed_share']['boycott']:.1%} under boycott" in text
    # a case whose default already is 1: the counterfactual is the run itself
    ones = dataclasses.replace(case, parameters=tuple(
        p.model_copy(update={"default": 1.0}) if p.name == "boycott_exposure" else p
        for p in case.parameters))
    same = p1_boycott(ones, n=N)
    assert same.details["exposure"]["engage_no_promise_minus_boycott_at_one"] == same.effect
    assert "boycott_exposure (the share of China's nationals in Afghanistan still exposed " \
        "while China boycotts) is 1" in p1_made_of(same)


def test_p3_capacity_caps_delivery_and_vanishes_at_equal_capacity(case):
    r = p3_capacity(case, n=N)
    assert r.holds and r.effect > 0.1
    assert r.falsification_holds and r.falsification_effect == 0.0


def test_p5_no_conundrum_without_iskp_pull(case):
    r = p5_conundrum(case, n=N, pulls=(3.0,), intensities=(0.5, 0.75, 1.0), draws=4,
                     replicates=8)
    assert r.share is not None and 0.0 <= r.share <= 1.0
    zero = r.details["zero_pull"]["china"]
    assert all(b <= a for a, b in itertools.pairwise(zero))
    assert r.falsification_holds


def test_p6_free_ride_vanishes_without_us_suppression(case):
    r = p6_free_ride(case, n=N)
    assert r.falsification_holds and r.falsification_effect == 0.0
