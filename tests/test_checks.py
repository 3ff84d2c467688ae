"""qpq.checks: a Python caller's sizes, seeds, generators, numbers, dates and names."""

import datetime as dt
import math
import re

import numpy as np
import pytest

from qpq.checks import (
    as_date,
    as_mapping,
    as_names,
    check_flag,
    check_generator,
    check_number,
    check_seed,
    check_whole,
)
from qpq.errors import BadInputError


@pytest.mark.parametrize(("value", "expected"), [
    (3, 3), (np.int64(3), 3), (1e4, 10_000), (np.float32(8.0), 8), (0, 0)])
def test_whole_numbers_come_back_as_ints(value, expected):
    got = check_whole(value, "n")
    assert got == expected and type(got) is int


@pytest.mark.parametrize("value", [True, np.True_, 2.5, math.nan, math.inf, "8", None, [1], -1])
def test_anything_else_is_refused_naming_the_argument(value):
    with pytest.raises(BadInputError, match=r"^n must be a whole number of at least 0; got"):
        check_whole(value, "n")


def test_the_minimum_is_part_of_the_rule():
    assert check_whole(2, "grid_size", minimum=2) == 2
    with pytest.raises(BadInputError, match="grid_size must be a whole number of at least 2"):
        check_whole(1, "grid_size", minimum=2)


def test_a_generator_given_as_a_seed_is_named_as_such():
    with pytest.raises(BadInputError, match="got a numpy Generator"):
        check_seed(np.random.default_rng(0))
    with pytest.raises(BadInputError, match="seed must be a whole number of at least 0"):
        check_seed(-1)
    assert check_seed(7) == 7


@pytest.mark.parametrize("value", [0, None, np.random.RandomState(0)])
def test_a_seed_given_as_a_generator_is_refused(value):
    with pytest.raises(BadInputError, match=r"rng must be a numpy.random.Generator, e.g. "
                                            r"numpy.random.default_rng\(0\)"):
        check_generator(value)
    rng = np.random.default_rng(1)
    assert check_generator(rng) is rng


def test_numbers_must_be_finite_and_within_their_bounds():
    assert check_number(0.5, "share", low=0, high=1) == 0.5
    for bad in (1.5, -0.1, math.nan, True, "0.5"):
        with pytest.raises(BadInputError, match=r"share must be a number within \[0, 1\]"):
            check_number(bad, "share", low=0, high=1)
    with pytest.raises(BadInputError, match="x must be a finite number"):
        check_number(math.inf, "x")


def test_dates_from_dates_and_iso_strings_only():
    assert as_date("2024-06-30", "as_of") == dt.date(2024, 6, 30)
    assert as_date(dt.date(2024, 6, 30), "as_of") == dt.date(2024, 6, 30)
    # a datetime is a date to Python; its time would be dropped without a word
    with pytest.raises(BadInputError, match="not a datetime"):
        as_date(dt.datetime(2024, 6, 30, 12), "as_of")
    # Python 3.11's fromisoformat also reads the basic and week forms
    for bad in ("30/06/2024", 2024, None, "20240630", "2024-W26-7", "2024-06-31"):
        with pytest.raises(BadInputError, match=r"as_of: .* is not a date"):
            as_date(bad, "as_of")


def test_a_lone_name_is_one_name_not_its_letters():
    assert as_names("boycott", "policies") == ("boycott",)
    assert as_names(["a", "b"], "policies") == ("a", "b")
    assert as_names(None, "policies") is None
    with pytest.raises(BadInputError, match="policies is empty"):
        as_names([], "policies")
    assert as_names((), "targeted", empty_ok=True) == ()
    with pytest.raises(BadInputError, match="policies must hold names"):
        as_names(["a", 3], "policies")
    with pytest.raises(BadInputError, match="policies must be a name or a list of names"):
        as_names(5, "policies")
    # a mapping's keys were taken as the names and its values dropped unsaid
    with pytest.raises(BadInputError, match="policies must be a name or a list of names, not "
                                            r"a mapping; got \{'boycott': 1\}"):
        as_names({"boycott": 1}, "policies")


def test_did_you_mean_names_the_closest_known_names() -> None:
    from qpq.checks import did_you_mean

    assert did_you_mean("iskp_pul", ["iskp_pull", "iskp_threat", "aid_cost"]) == (
        "; did you mean iskp_pull?")
    assert did_you_mean("zzz", ["iskp_pull"]) == ""
    # the messages that refuse an unknown name use it
    from qpq.errors import BadInputError
    from qpq.game.analysis._sweep import grid_axis
    from qpq.model import ParameterRegistry

    with pytest.raises(BadInputError, match="did you mean iskp_pull"):
        grid_axis(ParameterRegistry.load(), "iskp_pul", 3)


def test_with_article_takes_an_before_a_vowel() -> None:
    from qpq.checks import with_article

    assert [with_article(w) for w in ("actor", "source", "int", "event or claim", "Issue")] == [
        "an actor", "a source", "an int", "an event or claim", "an Issue"]


@pytest.mark.parametrize("value", ["no", "false", 0, 1, None])
def test_a_flag_is_true_or_false_not_anything_with_a_truth(value) -> None:
    with pytest.raises(BadInputError, match="switch must be True or False"):
        check_flag(value, "switch")
    assert check_flag(np.True_, "switch") is True


def test_a_mapping_is_a_dict_of_names() -> None:
    assert as_mapping({"a": 1}, "overrides") == {"a": 1}
    assert as_mapping(None, "overrides") == {}           # no overrides
    with pytest.raises(BadInputError, match="overrides must be a mapping name -> value"):
        as_mapping([("a", 1)], "overrides")
    with pytest.raises(BadInputError,
                       match=re.escape("must map names (strings) to values; got the key 1")):
        as_mapping({1: 2}, "overrides")


def test_a_one_sided_bound_is_said_as_such() -> None:
    with pytest.raises(BadInputError, match=r"x must be a finite number of at least 0; got -1"):
        check_number(-1, "x", low=0.0)
    with pytest.raises(BadInputError, match=r"x must be a finite number of at most 1; got 2"):
        check_number(2, "x", high=1.0)


def test_a_folder_is_a_path_or_none() -> None:
    from pathlib import Path

    from qpq.checks import as_folder

    assert as_folder("out", "out_dir") == Path("out") and as_folder(None, "out_dir") is None
    with pytest.raises(BadInputError, match="out_dir must be a folder path or None; got 3"):
        as_folder(3, "out_dir")
