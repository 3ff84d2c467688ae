"""The notebook API refuses what it cannot honour, naming the argument, before any work.

Each case was found by a probe of the public Python API (2026-12-06): it was quietly taken
for something else (seed None ran seed 0, 1.5 ran seed 1, ``n=True`` one scenario), answered
wrongly (a forecast "as of 2100", ``tol=-1`` finding no equilibrium, ``tol=0.1`` running for
minutes), or ended deep in numpy.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pytest

import qpq
from qpq.errors import BadInputError


@pytest.fixture(scope="module")
def case():
    return qpq.load_case()


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"seed": None}, "seed must be a whole number of at least 0; got None"),
    ({"seed": 1.5}, "seed must be a whole number of at least 0; got 1.5"),
    ({"seed": -1}, "seed must be a whole number of at least 0; got -1"),
    ({"seed": np.random.default_rng(0)}, "got a numpy Generator"),
    ({"n": True}, "n must be a whole number of at least 1; got True"),
    ({"n": 2.5}, "n must be a whole number of at least 1; got 2.5"),
    ({"workers": 0}, "workers must be a whole number of at least 1; got 0"),
    ({"draws": -5}, "draws must be a whole number of at least 0; got -5"),
    ({"policies": []}, "policies is empty"),
    ({"until": dt.datetime(2030, 1, 1)}, "not a datetime"),
])
def test_simulate_policies_refuses(case, kwargs, words):
    with pytest.raises(BadInputError) as info:
        qpq.simulate_policies(case, **{"n": 8, **kwargs})
    assert words in str(info.value)


def test_a_whole_float_count_is_a_count(case):
    # n=1e2 is how a notebook writes a hundred
    runs = qpq.simulate_policies(case, "boycott", n=1e2, until="2022-12-31")
    assert runs.request.n == 100 and runs.request.policies == ("boycott",)


@pytest.mark.parametrize(("kwargs", "words"), [
    # after the record's last day the quarters read as quarters without events
    ({"as_of": "2100-06-30", "until": "2100-12-31"}, "after the record's last day 2025-06-30"),
    ({"as_of": "2025-09-30", "until": "2026-06-30"}, "after the record's last day 2025-06-30"),
    ({"draws": 0}, "draws must be a whole number of at least 1; got 0"),
    ({"replicates": -1}, "replicates must be a whole number of at least 1; got -1"),
    ({"seed": -1}, "seed must be a whole number of at least 0"),
    ({"workers": 0}, "workers must be a whole number of at least 1"),
    ({"as_of": 2025}, "as_of: 2025 is not a date"),
])
def test_forecast_refuses_before_calibrating(case, monkeypatch, kwargs, words):
    # refused up front: the calibration is never set up (a check of order, not a timing)
    def no_calibration(*args, **kwargs):
        raise AssertionError("the calibration was set up before the input was checked")

    monkeypatch.setattr("qpq.api._notebook.calibrator_for", no_calibration)
    with pytest.raises(BadInputError) as info:
        qpq.forecast(case=case, **{"n": 8, **kwargs})
    assert words in str(info.value)


@pytest.mark.parametrize("tol", [-1.0, math.nan, 0.0, 0.1, 1.0, "1e-9"])
def test_solve_game_refuses_a_tolerance_that_finds_nothing_or_everything(case, tol):
    # -1 and NaN listed no equilibrium, 0.1 ran for more than 40 s
    with pytest.raises(BadInputError, match=r"tol \(--tol\) must be a number in \(0, 0\.001\]"):
        qpq.solve_game(case, tol=tol)


def test_solve_game_refuses_overrides_that_are_not_a_mapping(case):
    with pytest.raises(BadInputError, match="overrides must be a mapping"):
        qpq.solve_game(case, [("iskp_pull", 2.0)])


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"n": 2.5}, "n must be a whole number of at least 1; got 2.5"),
    ({"workers": 0}, "workers must be a whole number of at least 1; got 0"),
    ({"levers": []}, "levers is empty"),
])
def test_explore_policies_refuses(case, kwargs, words):
    with pytest.raises(BadInputError) as info:
        qpq.explore_policies(case=case, **kwargs)
    assert words in str(info.value)


@pytest.mark.parametrize(("call", "words"), [
    (lambda c: qpq.simulate_policies(c, "boycott", n=8, overrides=["iskp_pull"]),
     "overrides must be a mapping name -> value"),
    (lambda c: qpq.solve_game(c, mixed="no"), "mixed must be True or False; got 'no'"),
    (lambda c: qpq.solve_game(5), "case must be a loaded Case, a case folder or None"),
    (lambda c: qpq.explore_policies(c, n=8), "scenario: got a Case; the scenario comes first"),
    (lambda c: qpq.explore_policies(5, c), "scenario must be a scenario file or id"),
    (lambda c: qpq.forecast(case=c, n=8, record={"population": 10}),
     "record must be qpq.sim.AbcSettings"),
    (lambda c: qpq.forecast(case=c, n=8, cache_dir=5), "cache_dir must be a folder path"),
])
def test_a_wrong_type_is_named_not_a_library_s_error(case, call, words):
    # each ended in the standard library or deep in the code: dict()'s "dictionary update
    # sequence element #0", pathlib's "expected str, bytes or os.PathLike", an AttributeError
    # on a dict, or a string taken as true (an outside read, 2026-12-06)
    with pytest.raises(BadInputError, match=re.escape(words)):
        call(case)
