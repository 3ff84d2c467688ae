import datetime as dt

import numpy as np
from scipy import stats

from qpq.model._utilities import suppression_prob
from qpq.sim._dynamics import OUTPUTS, StepOptions
from qpq.sim._state import STOCKS
from qpq.sim._timeline import quarter_of

from .conftest import se, stepper


def test_militants_are_conserved_across_flows(make_spec):
    spec = make_spec(n=1024)
    dyn = stepper(spec)
    st = dyn.s
    for q in range(spec.timeline.start, spec.timeline.stop):
        before = st.total().copy()
        out = dyn.step(q)
        np.testing.assert_allclose(st.total() - before, out["militants_recruited"],
                                   rtol=1e-12, atol=1e-9)
        assert min(getattr(st, s).min() for s in STOCKS) >= 0.0
        assert set(out) == set(OUTPUTS)


def test_us_strikes_decay_the_border_stock_as_computed(make_spec, defaults):
    # 2002-2010: the US is present, the Taliban are out of power, ISKP does not exist yet.
    over = {"recruitment": 0.0, "return_rate": 0.0}
    spec = make_spec(dt.date(2002, 1, 1), dt.date(2010, 12, 31), n=8192, overrides=over)
    dyn = stepper(spec)
    b0 = dyn.s.border.copy()
    for q in range(spec.timeline.start, spec.timeline.stop):
        dyn.step(q)
    p = spec.pool.point(0)
    factor = (1 - p["us_suppression"] * p["us_strike_rate"]) * (
        1 - p["base_suppression"] * p["base_neutralise_rate"])
    expected = b0.mean() * factor ** spec.timeline.n_quarters
    ratio = dyn.s.border / b0
    assert abs(dyn.s.border.mean() - expected) < 4 * se(ratio) * b0.mean()


def test_suppression_frequency_is_the_shared_formula(make_spec):
    spec = make_spec(dt.date(1996, 1, 1), dt.date(1996, 3, 31), n=20_000, forced_type=0)
    out = stepper(spec, StepOptions(forced_effort=2)).step(spec.timeline.start)
    p = spec.pool.point(0) | {"us_presence": 0.0}
    x = p["capacity_high"] * 1.0 * p["crackdown_intensity"]      # control starts at 1
    expected = float(suppression_prob(x, p))
    assert abs(out["suppressed"].mean() - expected) < 4 * np.sqrt(expected * (1 - expected)
                                                                   / 20_000)


def test_attack_counts_are_poisson_with_the_reported_rates(make_spec):
    # the mean alone does not tell a Poisson draw from, e.g., floor(rate + u): the spread does
    spec = make_spec(dt.date(2022, 1, 1), dt.date(2022, 3, 31), n=20_000)
    out = stepper(spec).step(spec.timeline.start)
    for kind in ("china", "nationals", "central_asia"):
        lam = out[f"expected_attacks_{kind}"]
        count = out[f"attacks_{kind}"]
        n = lam.size
        assert abs(count.mean() - lam.mean()) < 5 * np.sqrt(lam.mean() / n) + 1e-12
        # a Poisson mixture's variance is E[rate] + Var(rate); the sample variance's standard
        # error is sqrt((m4 - var^2) / n), m4 the fourth central moment
        dev = count - count.mean()
        se_var = np.sqrt((np.mean(dev**4) - np.mean(dev**2) ** 2) / n)
        assert abs(count.var() - (lam.mean() + lam.var())) < 5 * se_var, kind
        # within the commonest positive rate, each count's frequency is Poisson's (a binomial
        # count of the stratum's draws, held to 5 standard errors)
        rates, sizes = np.unique(lam[lam > 0], return_counts=True)
        rate = rates[np.argmax(sizes)]
        stratum = count[lam == rate].astype(int)
        m = stratum.size
        assert m > 1000, kind
        k = np.arange(stratum.max() + 3)
        seen = np.bincount(stratum, minlength=k.size)
        p = stats.poisson.pmf(k, rate)
        assert np.all(np.abs(seen - m * p) < 5 * np.sqrt(m * p * (1 - p)) + 1), (kind, seen)
        assert np.all(count[lam == 0] == 0), kind


def test_china_belief_is_a_martingale_under_its_own_model(make_spec):
    spec = make_spec(dt.date(1996, 1, 1), dt.date(2001, 9, 30), n=8192, seed=11)
    dyn = stepper(spec)
    mu0 = dyn.s.mu.mean()
    for q in range(spec.timeline.start, spec.timeline.stop):
        dyn.step(q)
    assert abs(dyn.s.mu.mean() - mu0) < 4 * se(dyn.s.mu)
    assert dyn.s.mu.std() > 0.05                         # China does learn something


def test_belief_moves_towards_the_true_type(make_spec):
    ends = {}
    for t in (0, 3):                                      # S,H versus I,L
        spec = make_spec(dt.date(2021, 10, 1), dt.date(2025, 12, 31), n=2048, forced_type=t)
        dyn = stepper(spec)
        for q in range(spec.timeline.start, spec.timeline.stop):
            dyn.step(q)
        ends[t] = dyn.s.mu.mean()
    prior = 0.3
    assert ends[0] > prior > ends[3]


def test_boycott_never_recognises_and_recognise_does_at_once(make_spec):
    first = quarter_of(dt.date(1996, 1, 1))
    spec = make_spec(dt.date(1996, 1, 1), dt.date(1997, 12, 31), n=1024, policy="boycott")
    dyn = stepper(spec)
    for q in range(first, spec.timeline.stop):
        out = dyn.step(q)
        assert out["recognised"].max() == 0 and out["engaged"].max() == 0
    spec = make_spec(dt.date(1996, 1, 1), dt.date(1996, 3, 31), n=1024, policy="recognise")
    out = stepper(spec).step(first)
    assert np.all(out["first_move"] == 5)
    # after Recognize China maintains, downgrades or turns elsewhere, never 'Reward'
    assert set(np.unique(out["final_action"])) <= {3, 4, 5, 6}


def test_no_quid_pro_quo_while_the_taliban_are_out_of_power(make_spec):
    spec = make_spec(dt.date(2005, 1, 1), dt.date(2005, 12, 31), n=1024)
    dyn = stepper(spec)
    for q in range(spec.timeline.start, spec.timeline.stop):
        out = dyn.step(q)
        assert np.all(out["first_move"] == -1) and np.all(out["taliban_effort"] == 0)
        assert out["un_report"].max() == 0


def test_plan_b_after_failure_turns_to_plan_b_exactly_when_not_suppressed(make_spec):
    spec = make_spec(dt.date(2022, 1, 1), dt.date(2022, 12, 31), n=1024,
                     policy="plan_b_after_failure")
    dyn = stepper(spec)
    for q in range(spec.timeline.start, spec.timeline.stop):
        out = dyn.step(q)
        failed = out["suppressed"] == 0
        assert np.all(out["final_action"][failed] == 5)
        assert np.all(out["final_action"][~failed] != 5)
