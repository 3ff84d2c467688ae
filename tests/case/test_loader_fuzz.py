"""Property-based: random and mutated case files never crash the loader.

Whatever the bytes, loading either succeeds or raises BadInputError whose problems all
name a file — never any other exception.
"""

import copy
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qpq.case import load_case
from qpq.case._loader import builtin_case_path
from qpq.errors import BadInputError
from tests.case.regressions import REGRESSIONS
from tests.conftest import MINI_CASE, write_case

FILES = sorted(k for k in MINI_CASE if k != "case.yaml")

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True), st.text(max_size=20),
                    st.sampled_from(["2021-08-15", "2021", "china", "paper", "x/y", "1999-02-30"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)


def _load(files):
    root = Path(tempfile.mkdtemp(prefix="qpq-fuzz-"))
    try:
        write_case(root / "c", files)
        try:
            load_case(root / "c")
        except BadInputError as exc:
            assert exc.problems, "a BadInputError must list its problems"
            assert all(p.file for p in exc.problems)
    finally:
        shutil.rmtree(root)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FILES), values)
def test_replacing_a_whole_file(name, value):
    files = copy.deepcopy(MINI_CASE)
    files[name] = yaml.safe_dump(value)
    _load(files)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FILES), st.integers(0, 10), st.text(min_size=1, max_size=10), values)
def test_mutating_one_field(name, index, key, value):
    files = copy.deepcopy(MINI_CASE)
    items = files[name]
    item = items[index % len(items)]
    fields = sorted(item)
    target = fields[index % len(fields)] if index % 3 else key
    item[target] = value
    _load(files)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FILES), st.binary(max_size=200))
def test_random_bytes(name, data):
    files = copy.deepcopy(MINI_CASE)
    root = Path(tempfile.mkdtemp(prefix="qpq-fuzz-"))
    try:
        write_case(root / "c", files)
        (root / "c" / name).write_bytes(data)
        try:
            load_case(root / "c")
        except BadInputError as exc:
            assert exc.problems
    finally:
        shutil.rmtree(root)


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_issue_20_regressions_are_refused_at_their_root(name, tmp_path):
    """The fixed regression set: each input is refused, its file named first, with a line."""
    mutate, fname, field = REGRESSIONS[name]
    root = tmp_path / "case"
    shutil.copytree(builtin_case_path(), root)
    mutate(root)
    with pytest.raises(BadInputError) as info:
        load_case(root)
    first = info.value.problems[0]
    assert first.file.endswith(fname), str(info.value)
    assert first.line is not None or "missing" in first.message, str(first)
    if field is not None:
        assert first.field is not None and re.search(re.escape(field), first.field), str(first)
