"""Samplers, distributions and the spec's orderings."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.explore._designs import (
    full_factorial,
    latin_hypercube,
    make_design,
    saltelli,
    sobol_sequence,
)
from qpq.explore._loading import load_study
from qpq.explore._scenario import Ordering, Uncertainty
from qpq.explore._transform import cdf, ppf, transform

METHODS = ("lhs", "sobol", "saltelli", "morris", "factorial")


@pytest.fixture(scope="module")
def study(case):
    return load_study("deal-under-uncertainty", case)


@pytest.mark.parametrize("method", METHODS)
def test_every_design_respects_ranges_and_orderings(case, scenario_file, method):
    tiny = load_study(scenario_file(extra={"levels": 3}), case)
    d = make_design(tiny, method, 8)
    v = {n: d.values[:, j] for j, n in enumerate(d.names)}
    for j, u in enumerate(tiny.uncertainties):
        assert (d.values[:, j] >= u.low).all() and (d.values[:, j] <= u.high).all()
    assert (v["restrain_intensity"] < v["crackdown_intensity"]).all()
    # and the simulator's own check agrees
    from qpq.sim._pools import sim_registry

    sim_registry(case).validate_arrays(dict(v))


def test_orderings_at_the_edges_of_the_unit_cube(study):
    d = len(study.names)
    unit = np.array([[0.0] * d, [1.0] * d, [0.5] * d])
    values = transform(unit, study.uncertainties, study.orderings, study.base)
    col = {n: values[:, j] for j, n in enumerate(study.names)}
    assert (col["restrain_intensity"] < col["crackdown_intensity"]).all()
    assert (col["effort_cost_insincere"] > col["effort_cost_sincere"]).all()
    # where the other side leaves the whole range free, the dependent spans its range
    assert col["restrain_intensity"][0] == pytest.approx(0.1)


def test_dependent_is_its_distribution_truncated_at_the_other():
    dep = Uncertainty("a", 0.0, 1.0)
    o = Ordering("a", "b", True, "a", "b", "below", "test")
    unit = np.column_stack([np.linspace(0, 1, 11)])
    vals = transform(unit, [dep], [o], {"b": 0.4})
    assert vals[:, 0].max() < 0.4 and vals[0, 0] == 0.0
    assert np.allclose(vals[:, 0], np.linspace(0, 0.4, 11), atol=1e-8)


@pytest.mark.parametrize("dist", ["uniform", "triangular", "normal"])
def test_ppf_inverts_cdf(dist):
    u = Uncertainty("a", -2.0, 5.0, dist)
    q = np.linspace(0, 1, 101)
    x = ppf(u, q)
    assert x[0] == pytest.approx(-2.0) and x[-1] == pytest.approx(5.0)
    assert np.all(np.diff(x) >= 0)
    assert np.allclose(cdf(u, x), q, atol=1e-9)


def test_triangular_and_normal_concentrate_in_the_middle():
    q = np.array([0.25, 0.75])
    uni = ppf(Uncertainty("a", 0, 1, "uniform"), q)
    tri = ppf(Uncertainty("a", 0, 1, "triangular"), q)
    nor = ppf(Uncertainty("a", 0, 1, "normal"), q)
    assert tri[0] > uni[0] and nor[0] > uni[0] and tri[1] < uni[1]


def test_whole_numbers_are_uniform_over_their_levels():
    u = Uncertainty("k", 1.0, 4.0, integer=True)
    x = ppf(u, (np.arange(400) + 0.5) / 400)
    assert set(x.tolist()) == {1.0, 2.0, 3.0, 4.0}
    assert np.bincount(x.astype(int))[1:].tolist() == [100] * 4


def test_latin_hypercube_has_one_point_per_stratum():
    x = latin_hypercube(50, 3, np.random.default_rng(0))
    for j in range(3):
        assert sorted(np.floor(x[:, j] * 50).astype(int).tolist()) == list(range(50))


def test_saltelli_layout_matches_salib():
    from SALib.sample import sobol as salib_sobol

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    ours = saltelli(16, 3, np.random.default_rng(5))
    theirs = salib_sobol.sample(problem, 16, calc_second_order=False,
                                seed=np.random.default_rng(5))
    assert np.array_equal(ours, theirs)


def test_sobol_needs_a_power_of_two():
    with pytest.raises(BadInputError, match="power of 2"):
        sobol_sequence(100, 2, np.random.default_rng(0))


def test_factorial_is_capped(study):
    assert full_factorial(3, 2).shape == (9, 2)
    with pytest.raises(BadInputError, match="at most"):
        make_design(replace(study, levels=4), "factorial")       # 4^19 experiments


def test_designs_are_pure_functions_of_the_study(study):
    a = make_design(study, "saltelli", 8)
    b = make_design(study, "saltelli", 8)
    assert np.array_equal(a.values, b.values) and a.group_size == len(study.names) + 2
    c = make_design(study, "lhs", 8)
    assert not np.array_equal(a.values[:8], c.values)
    m = make_design(study, "morris", 3)
    d = len(study.names)
    assert m.n_experiments == 3 * (d + 1) and m.group_size == d + 1


def test_a_design_takes_a_whole_size_and_a_generator(study, case, scenario_file):
    # n=1.5 ran a Morris design of one trajectory without a word; rng=3 was taken; and a
    # caller's Generator left the study's seed in the design's provenance
    with pytest.raises(BadInputError, match=r"n \(experiments\)"):
        make_design(study, "morris", 1.5)
    with pytest.raises(BadInputError, match=r"rng must be a numpy\.random\.Generator"):
        make_design(study, "lhs", 8, rng=3)  # type: ignore[arg-type]
    own = make_design(study, "lhs", 8, rng=np.random.default_rng(1))
    assert own.seed is None and make_design(study, "lhs", 8).seed == study.seed
    # mc and factorial draw nothing from it: their rows are the study seed's
    assert make_design(study, "mc", 8, rng=np.random.default_rng(1)).seed == study.seed
    tiny = load_study(scenario_file(extra={"levels": 3}), case)
    assert make_design(tiny, "factorial", rng=np.random.default_rng(1)).seed == tiny.seed


@pytest.mark.parametrize("method,n", [("mc", 3000), ("sobol", 2048), ("saltelli", 64),
                                      ("factorial", None)])
def test_streamed_rows_equal_the_whole_design(case, scenario_file, method, n):
    from qpq.explore._designs import design_rows, design_size

    study = load_study(str(scenario_file(extra={"levels": 4})), case)
    whole = make_design(study, method, n)
    assert design_size(study, method, n) == (whole.n_base, whole.n_experiments,
                                             whole.group_size)
    total = whole.n_experiments
    for lo, hi in [(0, 10), (5, 1030), (total - 7, total + 5), (1000, 2100)]:
        assert np.array_equal(design_rows(study, method, n, lo, hi), whole.unit[lo:hi])


def test_monte_carlo_rows_do_not_depend_on_what_else_is_drawn():
    from qpq.explore._designs import monte_carlo

    whole = monte_carlo(3, 0, 5000, 4)
    assert np.array_equal(monte_carlo(3, 2000, 2100, 4), whole[2000:2100])
    assert not np.array_equal(monte_carlo(4, 0, 10, 4), whole[:10])
    assert whole.min() >= 0.0 and whole.max() < 1.0
    assert abs(whole.mean() - 0.5) < 0.01


def test_a_study_function_names_a_scenario_id_given_for_the_study(case):
    # run_sensitivity(case, "deal-under-uncertainty") ended in "'str' object has no
    # attribute 'reference_policy'"
    from qpq.explore import run_comparison, run_discovery, run_lhs, run_sensitivity

    for call in (lambda: run_sensitivity(case, "deal-under-uncertainty", method="morris", n=2),
                 lambda: run_lhs(case, "deal-under-uncertainty", ["boycott"], n=2),
                 lambda: run_discovery(case, "deal-under-uncertainty", n=2),
                 lambda: run_comparison(case, "deal-under-uncertainty", n=2)):
        with pytest.raises(BadInputError, match="study must be a Study"):
            call()


def _no_run(monkeypatch):
    # "before any run": the evaluation's own checks (model_setup, the simulator's policy
    # lookup) say the same words, so a refusal from inside the run would pass unnoticed
    import qpq.explore._studies as studies

    def run(*args, **kwargs):
        raise AssertionError("the evaluation started before the refusal")

    monkeypatch.setattr(studies, "_run", run)


def test_an_unknown_model_is_refused_in_qpq_model_words_before_any_run(case, monkeypatch):
    # run_comparison had its own check ("unknown model 'v3'; allowed: v1, v2") and run_lhs
    # none (a model it did not know ran as v1)
    from qpq.explore import load_study, run_comparison, run_lhs

    study = load_study("deal-under-uncertainty", case)
    _no_run(monkeypatch)
    for call in (lambda: run_lhs(case, study, ["boycott"], n=2, model="v3"),
                 lambda: run_comparison(case, study, n=2, model="v3")):
        with pytest.raises(BadInputError) as info:
            call()
        assert str(info.value) == "model: unknown model 'v3'; allowed: v1, v2"


def test_an_unknown_lever_is_refused_before_any_run(case, monkeypatch):
    # run_lhs and run_comparison left it to the simulator's policy lookup, inside the
    # evaluation; `qpq explore compare --lever` checked it itself before calling them
    from qpq.explore import load_study, run_comparison, run_lhs

    study = load_study("deal-under-uncertainty", case)
    _no_run(monkeypatch)
    for call in (lambda: run_lhs(case, study, ["boycott", "appease"], n=2),
                 lambda: run_comparison(case, study, n=2, levers=["appease"])):
        with pytest.raises(BadInputError, match=r"^unknown policy 'appease'; allowed: boycott,"):
            call()


def test_run_lhs_reads_a_lone_policy_as_one_name(case):
    # it was read letter by letter: "unknown policy 'a'" for "appease"
    from qpq.explore import load_study, run_lhs

    study = load_study("deal-under-uncertainty", case)
    with pytest.raises(BadInputError, match=r"^unknown policy 'appease'; allowed: boycott,"):
        run_lhs(case, study, "appease", n=2)


def test_normal_is_truncated_at_two_standard_deviations():
    # mean at the midpoint, SD a quarter of the range: the range is the mean +- 2 SD
    from scipy.stats import truncnorm

    q = np.linspace(0.0, 1.0, 11)
    x = ppf(Uncertainty("a", -2.0, 6.0, "normal"), q)
    assert x == pytest.approx(truncnorm(-2.0, 2.0, loc=2.0, scale=2.0).ppf(q), abs=1e-9)


def test_whole_numbers_reach_both_ends_of_the_unit_interval():
    # Morris grids and factorial designs hold coordinates of exactly 0 and 1
    x = ppf(Uncertainty("k", 1.0, 4.0, integer=True), np.array([0.0, 0.2499, 0.25, 1.0]))
    assert x.tolist() == [1.0, 1.0, 2.0, 4.0]


def test_morris_needs_an_even_number_of_levels():
    from qpq.explore._designs import morris

    with pytest.raises(BadInputError, match="even number of levels, got 5"):
        morris(4, 3, 5, np.random.default_rng(0))


def test_factorial_of_exactly_the_cap_is_allowed():
    from qpq.explore._designs import MAX_FACTORIAL

    assert full_factorial(1000, 2).shape == (MAX_FACTORIAL, 2)     # 1000^2 = the cap
    with pytest.raises(BadInputError, match="at most 1,000,000"):
        full_factorial(1001, 2)
