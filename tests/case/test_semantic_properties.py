"""One property test per semantic rule of issue 20: an input is accepted exactly when the
rule holds, whatever the values hypothesis picks (an independent statement of each rule
here is compared with what the schema, the loader or the reader decides).
"""

from __future__ import annotations

import copy
import graphlib
import math
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from qpq.bargain._io import read_csv_table
from qpq.case import load_case
from qpq.case._loader import _cycles
from qpq.case._schema import (
    PHASE_ATTRIBUTES,
    Attack,
    BargainingIssue,
    BargainingPosition,
    Claim,
    Parameter,
    Phase,
    Place,
    Quantity,
    Source,
    bargaining_problems,
)
from qpq.case._units import UNITS
from qpq.errors import BadInputError
from tests.conftest import MINI_CASE, write_case

FAST = settings(max_examples=60, deadline=None)
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.floats(allow_nan=True, allow_infinity=True)
QUANTITY = {"id": "q", "measure": "m", "value": 1, "unit": "km", "as_stated": "1 km",
            "description": "d", "sources": ["s"]}


def _accepted(model, data) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


@FAST
@given(numbers)
def test_quantity_value_is_finite_and_non_negative(value):
    assert _accepted(Quantity, dict(QUANTITY, value=value)) == (math.isfinite(value)
                                                                and value >= 0)


@FAST
@given(numbers, numbers)
def test_quantity_range_is_ordered(low, high):
    ok = all(math.isfinite(v) and v >= 0 for v in (low, high)) and low <= high
    assert _accepted(Quantity, dict(QUANTITY, value=low, value_high=high)) == ok


@FAST
@given(st.one_of(st.sampled_from(sorted(UNITS)), st.text(max_size=12)))
def test_unit_is_from_the_vocabulary(unit):
    # str_strip_whitespace: a unit is judged by its stripped spelling
    assert _accepted(Quantity, dict(QUANTITY, unit=unit)) == (unit.strip() in UNITS)


PHASE = {"id": "ph", "name": "n", "start": "2001", "end": "2002", "description": "d",
         "sources": ["s"]}


@FAST
@given(st.one_of(st.sampled_from(sorted(PHASE_ATTRIBUTES)), st.text(max_size=10)), numbers)
def test_phase_attribute_is_known_and_in_range(name, value):
    ok = name in PHASE_ATTRIBUTES and PHASE_ATTRIBUTES[name][0] <= value <= PHASE_ATTRIBUTES[
        name][1]
    assert _accepted(Phase, dict(PHASE, attributes={name: value})) == ok


dates = st.tuples(st.integers(1990, 2030), st.none() | st.integers(1, 12))


def _text(d):
    return f"{d[0]}" if d[1] is None else f"{d[0]}-{d[1]:02d}"


def _span(d):
    return (d[0], d[1] or 1), (d[0], d[1] or 12)


@FAST
@given(dates, dates)
def test_phase_does_not_start_after_it_ends(start, end):
    ok = _span(start)[0] <= _span(end)[1]
    assert _accepted(Phase, dict(PHASE, start=_text(start), end=_text(end))) == ok


@FAST
@given(st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_source_can_be_found_and_dated(title, publisher, author, date, note):
    data = {"id": "s", "kind": "web"}
    data |= {"title": "T"} if title else {}
    data |= {"publisher": "P"} if publisher else {}
    data |= {"authors": ["A"]} if author else {}
    data |= {"date": "2020"} if date else {}
    data |= {"note": "why"} if note else {}
    assert _accepted(Source, data) == ((title or publisher or author) and (date or note))


@FAST
@given(st.lists(st.sampled_from(["c", "d", "e"]), max_size=4),
       st.lists(st.sampled_from(["c", "d"]), max_size=3))
def test_claim_does_not_cite_itself(evidence, first):
    data = {"id": "c", "kind": "empirical", "text": "t", "evidence": evidence,
            "first_reported": first}
    assert _accepted(Claim, data) == ("c" not in evidence and "c" not in first)


@FAST
@given(st.dictionaries(st.sampled_from("abcdef"), st.lists(st.sampled_from("abcdef"),
                                                           max_size=3), max_size=6))
def test_cycles_are_found_exactly_when_the_graph_has_one(edges):
    try:
        graphlib.TopologicalSorter({k: set(v) & set(edges) for k, v in edges.items()}
                                   ).prepare()
        cyclic = False
    except graphlib.CycleError:
        cyclic = True
    found = _cycles(edges)
    assert bool(found) == cyclic
    for cycle in found:  # each reported cycle is a real one
        for here, there in zip(cycle, cycle[1:] + cycle[:1], strict=True):
            assert there in edges[here]


@FAST
@given(numbers, numbers)
def test_issue_scale_is_ordered(low, high):
    ok = math.isfinite(low) and math.isfinite(high) and low < high
    data = {"id": "i", "name": "n", "description": "d", "scale_min": low, "scale_max": high}
    assert _accepted(BargainingIssue, data) == ok


def _position(actor, x):
    return BargainingPosition(issue="i", actor=actor, position=x, capability=1, salience=0.5,
                              assumption=True)


@FAST
@given(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3), st.floats(-1e3, 1e3))
def test_position_lies_on_its_issue_scale(low, high, x):
    if not low < high:
        return
    issue = BargainingIssue(id="i", name="n", description="d", scale_min=low, scale_max=high)
    problems = bargaining_problems([issue], [_position("a", x), _position("b", low)])
    assert (not problems) == (low <= x <= high)


@FAST
@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=5))
def test_one_position_per_actor_and_issue_and_two_actors(actors):
    issue = BargainingIssue(id="i", name="n", description="d")
    fields = [f for _, f, _ in bargaining_problems([issue], [_position(a, 50) for a in actors])]
    assert fields.count("actor") == len(actors) - len(set(actors))
    assert ("issue" in fields) == (len(set(actors)) < 2)


@SLOW
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_phase_attribute_inside_the_parameter_range_it_feeds(low, high, value):
    if not low <= high:
        low, high = high, low
    files = copy.deepcopy(MINI_CASE)
    files["parameters.yaml"].append({"name": "us_presence", "description": "d", "unit": "1",
                                     "default": low, "low": low, "high": high,
                                     "assumption": True})
    files["phases.yaml"][0]["attributes"] = {"us_presence": value}
    root = Path(tempfile.mkdtemp(prefix="qpq-prop-"))
    try:
        write_case(root / "c", files)
        try:
            load_case(root / "c")
            accepted = True
        except BadInputError as exc:
            assert all("us_presence" in str(p) for p in exc.problems)
            accepted = False
    finally:
        shutil.rmtree(root)
    assert accepted == (low <= value <= high)


@SLOW
@given(st.integers(1, 4), st.floats(allow_nan=False, allow_infinity=False))
def test_csv_needs_two_actors_and_bounded_magnitudes(n, big):
    root = Path(tempfile.mkdtemp(prefix="qpq-prop-"))
    try:
        path = root / "d.csv"
        rows = [f"a{i},1,{big if i == 0 else 50},0.5" for i in range(n)]
        path.write_text("actor,capability,position,salience\n" + "\n".join(rows) + "\n")
        try:
            read_csv_table(path)
            accepted = True
        except BadInputError:
            accepted = False
    finally:
        shutil.rmtree(root)
    assert accepted == (n >= 2 and abs(big) <= 1e9)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_no_field_takes_a_non_finite_number(value):
    place = {"id": "p", "name": "n", "kind": "city", "lat": 1, "lon": 1, "coords_source": "g"}
    assert not _accepted(Quantity, dict(QUANTITY, value_high=value))
    assert not _accepted(BargainingPosition, {"issue": "i", "actor": "a", "position": value,
                                              "capability": 1, "salience": 0.5,
                                              "assumption": True})
    assert not _accepted(Place, dict(place, lat=value))
    assert not _accepted(Parameter, {"name": "x", "description": "d", "unit": "1",
                                     "default": value, "low": 0, "high": 1,
                                     "assumption": True})


@FAST
@given(st.none() | st.integers(0, 50), st.none() | st.integers(0, 50))
def test_attack_total_covers_the_chinese_killed(chinese, total):
    from tests.conftest import MINI_RECORD

    data = dict(MINI_RECORD["attacks.yaml"][1], chinese_killed=chinese, killed_total=total)
    ok = chinese is None or total is None or total >= chinese
    assert _accepted(Attack, data) == ok


@FAST
@given(st.floats(-5, 5), st.booleans())
def test_integer_parameter_takes_whole_numbers(default, integer):
    data = {"name": "x", "description": "d", "unit": "1", "default": default, "low": -5,
            "high": 5, "assumption": True, "integer": integer}
    assert _accepted(Parameter, data) == (not integer or default.is_integer())
