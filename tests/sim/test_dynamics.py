import datetime as dt

import numpy as np
import pytest
from scipy import stats

from qpq.model._utilities import suppression_prob
from qpq.sim._dynamics import OUTPUTS, StepOptions
from qpq.sim._policies import BOYCOTT, RECOGNIZE, REWARD, WITHHOLD
from qpq.sim._rng import Stream
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


def _set_up_stocks(dyn, rng: np.random.Generator) -> None:
    """Stocks, ISKP and Plan B spread over their ranges, so that every term of a rate or an
    update is non-zero somewhere (a fresh state has no ISKP and no Plan B)."""
    st, n = dyn.s, dyn.s.n
    st.border = rng.uniform(0, 800, n)
    st.interior = rng.uniform(0, 300, n)
    st.iskp = rng.uniform(0, 200, n)
    st.founded = rng.random(n) < 0.5
    st.strength = np.where(st.founded, rng.uniform(0, 1, n), 0.0)
    st.control = rng.uniform(0.05, 1.0, n)
    st.planb = rng.integers(0, 3, n).astype(np.int8)


def test_v1_attack_rates_are_the_documented_formulas(make_spec):
    # docs/model-dynamics.md A.3, from the stocks at the start of the quarter; the count tests
    # above compare counts with these rates, so a wrong rate would pass them
    spec = make_spec(dt.date(2022, 1, 1), dt.date(2022, 3, 31), n=1024)
    dyn = stepper(spec)
    _set_up_stocks(dyn, np.random.default_rng(5))
    st = dyn.s
    b, i, k, strength, planb = (st.border.copy(), st.interior.copy(), st.iskp.copy(),
                                st.strength.copy(), st.planb.copy())
    out = dyn.step(spec.timeline.start)
    p = spec.pool.point(0)
    effect = np.choose(planb, [0.0, p["planb_effect"], p["intervene_effect"]])
    free = (1 - out["suppressed"]) * (1 - effect)
    k_term = p["iskp_attack_weight"] * strength * k * (1 - p["planb_covers_iskp"] * effect)
    rate, share = p["attack_rate"] / 100, p["cross_border_share"]
    exposure = np.where(out["first_move"] == BOYCOTT, p["boycott_exposure"], 1.0)
    expected = {
        "china": rate * (free * b + k_term) * (1 - share),
        "central_asia": rate * (free * b + k_term) * share,
        "nationals": rate * exposure * (p["interior_reach"] * free * (b + i) + k_term),
        "nationals_iskp": rate * exposure * k_term,
        "central_asia_iskp": rate * k_term * share,
    }
    assert (planb > 0).any() and (out["suppressed"] == 0).any()
    for kind, lam in expected.items():
        np.testing.assert_allclose(out[f"expected_attacks_{kind}"], lam, rtol=1e-12,
                                   err_msg=kind)


@pytest.mark.parametrize("start", [dt.date(2015, 1, 1), dt.date(2022, 1, 1)])
def test_iskp_strength_and_control_follow_the_documented_update(make_spec, start):
    # §7.5 for one quarter, in plain arithmetic: v1's ISKP is founded in its founding year's
    # first quarter at its initial strength, then grows logistically, gains from recruits and
    # loses to pressure (US presence in 2015, the governing Taliban's control in 2022);
    # control drifts to its target with a centred shock, clipped to [floor, 1]. The overrides
    # make each term visible: recruits push strength to its upper clip, shocks push control
    # below its floor
    over = {"iskp_growth": 0.2, "iskp_recruit_gain": 0.005, "iskp_control_drag": 0.8,
            "control_noise": 0.2, "control_floor": 0.2, "control_adjust": 0.5,
            "iskp_founding_year": 2015}
    spec = make_spec(start, start + dt.timedelta(days=80), n=2048, overrides=over)
    dyn = stepper(spec)
    _set_up_stocks(dyn, np.random.default_rng(9))
    dyn.s.border = np.random.default_rng(10).uniform(0, 5000, dyn.s.n)
    st = dyn.s
    founded, strength, control = st.founded.copy(), st.strength.copy(), st.control.copy()
    q = spec.timeline.start
    out = dyn.step(q)
    p = spec.pool.point(0)
    us = float(spec.timeline.us_presence[0])
    in_power = spec.timeline.in_power(q)
    assert (us, in_power) == ((1.0, False) if start.year == 2015 else (0.0, True))
    s0 = np.where(founded, strength, p["iskp_strength_initial"])
    pressure = us * p["us_suppression"] + in_power * control
    grown = (s0 + p["iskp_growth"] * s0 * (1 - s0)
             + p["iskp_recruit_gain"] * out["militants_to_iskp"]
             - p["iskp_attrition"] * pressure * s0)
    new_strength = np.clip(grown, 0.0, 1.0)
    assert st.founded.all() and (grown > 1).any()
    np.testing.assert_allclose(out["iskp_strength"], new_strength, rtol=1e-12, atol=1e-15)
    target = 1 - p["iskp_control_drag"] * new_strength if in_power else p["insurgent_control"]
    u = dyn.u[Stream.CONTROL_SHOCK].astype(float)          # the quarter's shock uniform
    moved = control + p["control_adjust"] * (target - control) + p["control_noise"] * (2 * u - 1)
    assert (moved < p["control_floor"]).any()
    # the shock is drawn in single precision
    np.testing.assert_allclose(out["taliban_control"], np.clip(moved, p["control_floor"], 1.0),
                               rtol=0, atol=1e-7)


def test_recognition_in_force_makes_the_first_move_recognize(make_spec):
    # §3 step 2 (and A.1): while recognised, China's move is Recognize whatever the lookup
    # would select at its belief
    spec = make_spec(dt.date(2022, 1, 1), dt.date(2022, 3, 31), n=1024)
    dyn = stepper(spec)
    rec = np.random.default_rng(3).random(dyn.s.n) < 0.5
    dyn.s.recognised = rec.copy()
    out = dyn.step(spec.timeline.start)
    assert np.all(out["first_move"][rec] == RECOGNIZE)
    assert np.any(out["first_move"][~rec] != RECOGNIZE)


def test_quiet_quarters_count_and_the_conditional_rule_reads_them(make_spec):
    # `quiet` counts quarters since the last attack on China or its nationals; `conditional`
    # rewards once the posterior reaches recognition_threshold after quiet_quarters of them
    # (§7.1), so a scenario one quiet quarter short before this one qualifies after it
    spec = make_spec(dt.date(2022, 1, 1), dt.date(2022, 3, 31), n=2048, policy="conditional")
    dyn = stepper(spec)
    p = spec.pool.point(0)
    rng = np.random.default_rng(4)
    n, need = dyn.s.n, int(p["quiet_quarters"])
    dyn.s.quiet = rng.integers(need - 2, need + 1, n)
    mu = rng.uniform(0.3, 1.0, n)                     # China's belief that they are sincere
    dyn.s.belief = np.stack([mu / 2, mu / 2, (1 - mu) / 2, (1 - mu) / 2])
    before = dyn.s.quiet.copy()
    out = dyn.step(spec.timeline.start)
    attacked = (out["attacks_china"] + out["attacks_nationals"]) > 0
    quiet = np.array([0 if attacked[j] else before[j] + 1 for j in range(n)])
    np.testing.assert_array_equal(dyn.s.quiet, quiet)
    ready = (out["belief_sincere"] >= p["recognition_threshold"]) & (quiet >= need)
    assert (ready & (quiet == need)).any() and (~ready).any()
    np.testing.assert_array_equal(out["final_action"], np.where(ready, REWARD, WITHHOLD))


def test_v1_un_reports_come_in_the_period_s_quarters(make_spec):
    # A.1: every un_report_period quarters while the Taliban govern, in quarters with
    # q % period == 0 (Q1 and Q3 at the default 2)
    spec = make_spec(dt.date(2022, 1, 1), dt.date(2022, 12, 31), n=64)
    assert spec.pool.point(0)["un_report_period"] == 2
    dyn = stepper(spec)
    seen = [dyn.step(q)["un_report"] for q in range(spec.timeline.start, spec.timeline.stop)]
    assert [float(r.mean()) for r in seen] == [1.0, 0.0, 1.0, 0.0]


def test_a_third_party_recognition_lowers_what_recognition_costs_china(make_spec):
    # §3: each third-party recognition multiplies recognition_cost by
    # third_party_recognition_factor (Russia's, 2025-07-03, is the case's first)
    paid = {}
    for start in (dt.date(2025, 4, 1), dt.date(2025, 10, 1)):
        spec = make_spec(start, start + dt.timedelta(days=80), n=256, policy="recognise")
        out = stepper(spec).step(spec.timeline.start)
        p = spec.pool.point(0)
        # China grants recognition with the move Recognize (or a Reward), and pays for it
        # besides the aid it gives
        grants = (out["first_move"] == RECOGNIZE) | (out["final_action"] == REWARD)
        aid = out["recognition_status"] >= 1
        assert grants.all()
        paid[start.month] = out["china_pays"] - p["aid_cost"] * aid
    p = spec.pool.point(0)
    np.testing.assert_allclose(paid[4], p["recognition_cost"], rtol=1e-12)
    np.testing.assert_allclose(paid[10], p["recognition_cost"]
                               * p["third_party_recognition_factor"], rtol=1e-12)


def test_the_first_quarter_starts_from_the_documented_state(make_spec):
    # §5: the prior's stocks, no ISKP, no recognition; control 1 while the Taliban govern,
    # insurgent_control otherwise; types drawn with P(S) = prior_sincere and P(H) =
    # p_high_capacity independently (binomial counts, 5 standard errors)
    n = 8192
    for start, in_power in ((dt.date(2005, 1, 1), False), (dt.date(2022, 1, 1), True)):
        spec = make_spec(start, start + dt.timedelta(days=80), n=n)
        assert spec.timeline.in_power(spec.timeline.start) == in_power
        st = stepper(spec).s
        p = spec.pool.point(0)
        np.testing.assert_array_equal(st.border, p["militants_initial_border"])
        np.testing.assert_array_equal(st.abroad, p["militants_initial_abroad"])
        for name in ("interior", "coopted", "iskp", "neutralised", "transferred", "strength"):
            assert not getattr(st, name).any(), name
        assert not (st.founded.any() or st.recognised.any() or st.planb.any())
        np.testing.assert_array_equal(st.control, 1.0 if in_power else p["insurgent_control"])
        np.testing.assert_allclose(st.mu, p["prior_sincere"], rtol=1e-12)
        for seen, prob in ((st.sincere, p["prior_sincere"]),
                           (st.high_capacity, p["p_high_capacity"]),
                           (st.sincere & st.high_capacity,
                            p["prior_sincere"] * p["p_high_capacity"])):
            assert abs(seen.mean() - prob) < 5 * np.sqrt(prob * (1 - prob) / n)
