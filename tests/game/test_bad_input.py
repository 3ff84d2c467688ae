"""The game's solvers check plain values and tolerances given from Python (found 2026-12-06).

A registry's points are checked against the case's ranges and orderings; a plain mapping
was not: ``prior_sincere = 2`` gave "recognition without deal" with 256 equilibria, NaN a
boycott, arrays of lengths 3 and 5 five labels; a negative tolerance found no equilibrium.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.game import DEFAULT_TOL, MAX_TOL, solve, solve_ensemble, solve_relationship
from qpq.game.analysis import phase_diagram, run_study
from qpq.model import ParameterRegistry


@pytest.fixture(scope="module")
def registry():
    return ParameterRegistry.load()


@pytest.fixture(scope="module")
def point(registry):
    return registry.point().as_dict()


@pytest.mark.parametrize(("value", "words"), [
    (2.0, "prior_sincere: 2 is not a finite number within [0, 1]"),
    (math.nan, "prior_sincere: nan is not a finite number within [0, 1]"),
    ("high", "prior_sincere: 'high' is not a number"),
])
def test_solve_checks_a_plain_mapping(point, value, words):
    with pytest.raises(BadInputError) as info:
        solve({**point, "prior_sincere": value})
    assert words in str(info.value)


def test_solve_names_the_missing_parameters(point):
    given = {k: v for k, v in point.items() if k not in ("prior_sincere", "aid_cost")}
    with pytest.raises(BadInputError, match="missing: prior_sincere, aid_cost"):
        solve(given)


def test_a_valid_mapping_solves_as_its_parameter_set(registry, point):
    assert solve(point).label == solve(registry.point()).label


def test_solve_ensemble_checks_every_point_and_the_lengths(point):
    arrays = {k: np.full(3, v) for k, v in point.items()}
    arrays["prior_sincere"] = np.array([0.2, 1.5, np.nan])
    with pytest.raises(BadInputError, match=r"prior_sincere: 1\.5 at index 1"):
        solve_ensemble(arrays)
    arrays["prior_sincere"] = np.full(5, 0.5)
    with pytest.raises(BadInputError, match=r"different lengths: .*prior_sincere 5"):
        solve_ensemble(arrays)


def test_solve_relationship_checks_its_beliefs(point):
    with pytest.raises(BadInputError, match=r"beliefs: prior_sincere: -0\.5"):
        solve_relationship({**point, "quarterly_discount": 0.95}, beliefs=[0.5, -0.5])


@pytest.mark.parametrize("tol", [-1.0, math.nan, 0.0, 0.1])
def test_every_solver_refuses_a_tolerance_outside_its_range(registry, point, tol):
    calls = (lambda: solve(point, tol=tol),
             lambda: solve_ensemble({k: np.full(2, v) for k, v in point.items()}, tol=tol),
             lambda: phase_diagram(registry, "iskp_pull", "crackdown_intensity", 3, tol=tol),
             lambda: run_study(registry, 4, tol=tol))
    for call in calls:
        with pytest.raises(BadInputError, match=r"tol \(--tol\) must be a number in \(0, 0\.001\]"):
            call()


def test_the_allowed_tolerances_agree_at_the_defaults(point):
    # MAX_TOL's reason: every tolerance from 1e-12 to it finds the defaults' PBE
    reference = solve(point, tol=DEFAULT_TOL)
    for tol in (1e-12, 1e-6, MAX_TOL):
        got = solve(point, tol=tol)
        assert (got.label, got.n_equilibria) == (reference.label, reference.n_equilibria)


@pytest.mark.parametrize(("ny", "words"), [
    (0, "got 0"), (1, "got 1"), (2.5, "got 2.5")])
def test_phase_diagram_refuses_an_axis_of_fewer_than_two_values(registry, ny, words):
    # ny=0 drew an n x n grid in silence
    with pytest.raises(BadInputError, match=f"at least 2 values per axis, {words}"):
        phase_diagram(registry, "iskp_pull", "crackdown_intensity", 4, ny=ny)


def test_run_study_takes_a_generator_or_a_seed_not_both(registry):
    # the seed was ignored beside a generator, and the study recorded seed None
    with pytest.raises(BadInputError, match="give rng or seed, not both"):
        run_study(registry, 4, rng=np.random.default_rng(1), seed=5, flips=False)
    with pytest.raises(BadInputError, match=r"rng must be a numpy\.random\.Generator"):
        run_study(registry, 4, rng=3, flips=False)
    by_seed = run_study(registry, 20, seed=5, flips=False)
    by_rng = run_study(registry, 20, rng=np.random.default_rng(5), flips=False)
    assert by_seed.seed == 5 and by_rng.seed is None
    assert [r.share for r in by_seed.results] == [r.share for r in by_rng.results]


def test_sweeps_and_studies_name_the_registry_they_need():
    # a Case given for the registry ended in "'Case' object has no attribute 'defaults'"
    from qpq.case import load_case

    case = load_case()
    for call in (lambda: phase_diagram(case, "iskp_pull", "crackdown_intensity", 3),
                 lambda: run_study(case, 4)):
        with pytest.raises(BadInputError, match=r"registry must be a qpq.model."
                                                r"ParameterRegistry, e.g. ParameterRegistry"
                                                r".from_case\(case\); got Case"):
            call()


@pytest.mark.parametrize("prior", [1.5, -0.1, math.nan])
def test_type_prior_refuses_a_probability_outside_zero_one(prior):
    # 1.5 gave the types probabilities 0.75, 0.75, -0.25, -0.25
    from qpq.game import type_prior

    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        type_prior(prior, 0.5)
    assert type_prior(0.3, 0.5).sum() == pytest.approx(1.0)


def test_the_command_line_tolerance_is_the_solvers(capsys):
    # `game solve --tol` took (0, 0.01) and the solver (0, 0.001]: two messages, two limits
    from qpq.cli import main

    assert main(["game", "solve", "--tol", "0.005"]) == 2
    assert "tol (--tol) must be a number in (0, 0.001]" in capsys.readouterr().err
    assert main(["game", "solve", "--tol", "1e-6", "--json"]) == 0


def test_a_whole_float_is_a_grid_size(registry):
    assert phase_diagram(registry, "iskp_pull", "crackdown_intensity", 3.0).label.shape == (3, 3)


def test_draws_take_a_generator_and_a_whole_count(registry):
    # sample_assumptions(reg, 5, 0) ended in "'int' object has no attribute 'integers'";
    # run_study(reg, 2.5) in numpy's "expected a sequence of integers"
    from qpq.game.analysis import sample_assumptions

    with pytest.raises(BadInputError, match=r"rng must be a numpy\.random\.Generator"):
        sample_assumptions(registry, 5, 0)  # type: ignore[arg-type]
    with pytest.raises(BadInputError, match=r"n \(Monte Carlo draws\)"):
        sample_assumptions(registry, 2.5, np.random.default_rng(0))  # type: ignore[arg-type]
    with pytest.raises(BadInputError, match=r"n \(Monte Carlo draws\)"):
        run_study(registry, 2.5, seed=0, flips=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("cap", [-1, 0, 1.5, True])
def test_solve_lists_at_least_one_equilibrium(point, cap):
    # 0 and -1 were taken without a word and listed the selected equilibrium alone, as 1
    # does; a cap below 1 has no meaning of its own
    with pytest.raises(BadInputError, match="max_equilibria must be a whole number of at "
                                            "least 1"):
        solve(point, mixed=False, max_equilibria=cap)


@pytest.mark.parametrize("workers", [0, 1.5, True, "2"])
def test_the_sweeps_refuse_a_bad_number_of_workers_before_any_work(registry, point, workers,
                                                                  monkeypatch):
    # workers=0 was solve_ensemble's ValueError of its own words; phase_diagram and
    # run_study passed what they got to it or to the executor
    import qpq.game.analysis._sweep as sweep

    def solved(*args, **kwargs):
        # solve_ensemble says the same words: phase_diagram's own check must come first
        raise AssertionError("phase_diagram solved before refusing its workers")

    monkeypatch.setattr(sweep, "solve_ensemble", solved)
    words = f"workers must be a whole number of at least 1; got {workers!r}"
    for call in (lambda: solve_ensemble({k: np.array([v]) for k, v in point.items()},
                                        workers=workers),
                 lambda: phase_diagram(registry, "iskp_pull", "crackdown_intensity", 4,
                                       workers=workers),
                 lambda: run_study(registry, 4, workers=workers)):
        with pytest.raises(BadInputError, match=re.escape(words)):
            call()


@pytest.mark.parametrize("value", ["no", "false", 1, None])
def test_the_solvers_yes_no_switches_take_true_or_false_only(registry, point, value):
    # mixed="no" is true to Python: qpq.game.solve, solve_relationship and phase_diagram ran
    # the mixed search (qpq.solve_game alone checked it)
    calls = {"mixed": lambda: solve(point, mixed=value),
             "intuitive": lambda: solve(point, intuitive=value),
             "mixed ": lambda: solve_relationship({**point, "quarterly_discount": 0.95},
                                                  mixed=value),
             "mixed  ": lambda: phase_diagram(registry, "iskp_pull", "crackdown_intensity",
                                              3, mixed=value)}
    for name, call in calls.items():
        with pytest.raises(BadInputError, match=rf"^{name.strip()} must be True or False; "
                                                rf"got {re.escape(repr(value))}"):
            call()


def test_readings_take_true_or_false_and_a_tolerance_of_at_least_zero():
    # Readings(pure_over_mixed="no") was kept: true to the solver, "changed" to the report
    from qpq.game import Readings

    with pytest.raises(BadInputError, match="readings pure_over_mixed must be True or False; "
                                            "got 'no'"):
        Readings(pure_over_mixed="no")
    with pytest.raises(BadInputError, match="readings kappa_in_future_defection must be True "
                                            "or False; got 1"):
        Readings(kappa_in_future_defection=1)
    with pytest.raises(BadInputError, match=r"readings equivalence_atol must be a finite "
                                            r"number of at least 0; got -1"):
        Readings(equivalence_atol=-1)
    assert Readings(pure_over_mixed=np.False_).changed() == {"pure_over_mixed": False}


@pytest.mark.parametrize("overrides", [["iskp_pull"], [("iskp_pull", 2.0)]])
def test_the_lenses_refuse_overrides_that_are_not_a_mapping(registry, overrides):
    # a list ended in "dictionary update sequence element #0" (phase_diagram) or
    # "'list' object has no attribute 'items'" (run_study, sample_assumptions, point)
    from qpq.game.analysis import sample_assumptions

    calls = (lambda: phase_diagram(registry, "iskp_pull", "crackdown_intensity", 3,
                                   overrides=overrides),
             lambda: run_study(registry, 4, overrides=overrides, flips=False),
             lambda: sample_assumptions(registry, 3, np.random.default_rng(0),
                                        overrides=overrides),
             lambda: registry.point(overrides))
    for call in calls:
        with pytest.raises(BadInputError, match=r"overrides must be a mapping name -> value, "
                                                r"e\.g\. \{'iskp_pull': 2\.0\}; got \["):
            call()
    assert registry.point({"iskp_pull": 2.0})["iskp_pull"] == 2.0


def test_sample_assumptions_takes_a_lone_name_as_one_name(registry):
    # "iskp_pull" was read letter by letter: "unknown parameter 'i'"
    from qpq.game.analysis import sample_assumptions

    sample = sample_assumptions(registry, 3, np.random.default_rng(0), names="iskp_pull")
    assert sample.sampled == ("iskp_pull",)
