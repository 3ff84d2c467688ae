"""The pinned commands still print their golden JSON (regenerate: ``python -m tests.golden``)."""

import json

import pytest

from tests.golden.commands import COMMANDS, NAMES, differences, path_of, run


@pytest.mark.parametrize("name", sorted(NAMES))
def test_output_matches_golden(name):
    expected = json.loads(path_of(name).read_text())
    diff = differences(expected, run(name))
    what = f"qpq {' '.join(COMMANDS[name])}" if name in COMMANDS else f"{name} (CALLS)"
    assert not diff, (f"{what} differs from {path_of(name).name} "
                      f"in {len(diff)} places (first: {diff[:5]}); if deliberate, "
                      "regenerate with `python -m tests.golden` and say why in the commit")


def test_comparison_sees_a_changed_number():
    doc = {"a": [1.0, {"b": 2.5}], "c": "x"}
    assert differences(doc, json.loads(json.dumps(doc))) == []
    assert differences(doc, {"a": [1.0, {"b": 2.5000001}], "c": "x"})
    assert differences(doc, {"a": [1.0, {"b": 2.5}], "c": "y"})
    assert differences(doc, {"a": [1.0], "c": "x"})
