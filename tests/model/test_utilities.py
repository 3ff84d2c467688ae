from __future__ import annotations

import math

import numpy as np
import pytest

from qpq.model import ParameterRegistry
from qpq.model._utilities import (
    china_utility,
    continuation_value,
    defection_logit,
    defection_prob,
    future_harm,
    logistic,
    stay_prob,
    suppression_prob,
    taliban_utility,
    un_close_prob,
)


@pytest.fixture(scope="module")
def p() -> dict[str, float]:
    return ParameterRegistry.load().defaults().as_dict()


def test_logistic_is_stable() -> None:
    assert logistic(0.0) == pytest.approx(0.5)
    assert logistic(800.0) == pytest.approx(1.0)
    assert logistic(-800.0) == pytest.approx(0.0)
    assert np.isfinite(logistic(np.array([-1e4, 1e4]))).all()


def test_suppression_by_hand(p: dict[str, float]) -> None:
    q = dict(p, us_presence=1.0, us_suppression=0.5, base_suppression=0.1)
    # 1 - (1 - 0.32)(1 - 0.5)(1 - 0.1) = 1 - 0.68*0.5*0.9
    assert float(suppression_prob(0.8 * 0.4, q)) == pytest.approx(1 - 0.68 * 0.5 * 0.9)
    # the free ride: more US presence, more suppression at no effort
    lo = suppression_prob(0.0, dict(q, us_presence=0.0))
    hi = suppression_prob(0.0, q)
    assert float(lo) == pytest.approx(0.1) and hi > lo


def test_defection_logit_by_hand(p: dict[str, float]) -> None:
    q = dict(p, iskp_pull=1.0, iskp_join_cost=2.0, militant_temperature=0.5, base_defection=0.05)
    x = (1.0 * (1 + 0.8) - 2.0) / 0.5
    assert float(defection_logit(0.8, q)) == pytest.approx(1 / (1 + math.exp(-x)))
    assert float(defection_prob(0.8, q)) == pytest.approx(0.05 + 0.95 / (1 + math.exp(-x)))
    assert float(stay_prob(0.8, q)) == pytest.approx(1 - float(defection_prob(0.8, q)))


def test_defection_rises_with_pressure_only_when_pull_positive(p: dict[str, float]) -> None:
    pressure = np.linspace(0, 1, 11)
    rising = defection_prob(pressure, dict(p, iskp_pull=1.5))
    assert np.all(np.diff(rising) > 0)
    flat = defection_prob(pressure, dict(p, iskp_pull=0.0))
    assert np.allclose(flat, flat[0])


def test_stay_prob_keeps_precision(p: dict[str, float]) -> None:
    q = dict(p, iskp_pull=3.0, iskp_join_cost=0.0, militant_temperature=0.1)
    assert 0 < float(stay_prob(1.0, q)) < 1e-20  # 1 - defection_prob would be exactly 0


def test_un_report(p: dict[str, float]) -> None:
    assert float(un_close_prob(1, p)) == p["un_close_if_sincere"]
    assert float(un_close_prob(0, p)) == p["un_close_if_insincere"]


def test_china_utility_by_hand() -> None:
    q = {
        "w_security": 2.0, "etim_threat": 1.0, "iskp_threat": 0.5, "econ_gain": 0.3,
        "aid_cost": 0.2, "recognition_cost": 0.4, "future_weight": 1.0, "planb_cost": 0.3,
        "intervene_cost": 1.5, "reneging_cost": 0.7, "future_value_sincere": 1.2,
        "future_value_insincere": -1.0, "sincere_persistence": 0.5, "planb_effect": 0.25,
        "intervene_effect": 0.6, "planb_covers_iskp": 0.0, "base_defection": 0.1,
        "iskp_pull": 0.0, "iskp_join_cost": 0.0, "militant_temperature": 1.0,
    }
    # sigma_d at zero pull: 0.1 + 0.9*logistic(0) = 0.55 whatever the pressure
    sd = 0.55
    # Engage, Reward, sincere type, effort 0.5, kappa 0.8, s = 1, d = 0, promise kept
    harm = 0.0
    continued = 0.8 * 0.5 * 1.0
    w = 1.2 - 2.0 * 1.0 * ((1 - 0) * 1.0 * (1 - continued) + 0.5 * sd)
    expected = -2.0 * harm + w + 0.3 - 0.2 - 0.4
    got = china_utility(engaged=1, recognised=1, aid=1, grants=1, plan_b=0, intervene=0,
                        breach=0, s=1, d=0, sincere=1, kappa=0.8, effort=0.5, p=q)
    assert float(got) == pytest.approx(expected)
    # Boycott, Plan B, insincere, s = 0, d = 1
    w2 = 0.0 - 2.0 * 1.0 * ((1 - 0.25) * 1.0 + 0.5 * sd)
    expected2 = -2.0 * (1.0 + 0.5) + w2 - 2.0 * 0.3
    got2 = china_utility(engaged=0, recognised=0, aid=0, grants=0, plan_b=1, intervene=0,
                         breach=0, s=0, d=1, sincere=0, kappa=0.8, effort=0.5, p=q)
    assert float(got2) == pytest.approx(expected2)
    # breaking a promise costs exactly reneging_cost
    got3 = china_utility(engaged=1, recognised=1, aid=1, grants=1, plan_b=0, intervene=0,
                         breach=1, s=1, d=0, sincere=1, kappa=0.8, effort=0.5, p=q)
    assert float(got - got3) == pytest.approx(0.7)


def test_taliban_utility_by_hand() -> None:
    q = {"recognition_value": 2.0, "aid_value": 0.5, "effort_cost_sincere": 0.5,
         "effort_cost_insincere": 2.0, "harbour_benefit": 0.6, "boycott_bond": 1.5,
         "iskp_threat_to_taliban": 0.4, "sovereignty_cost": 0.3}
    # insincere, boycott, no suppression, defection, intervention, effort 0.4
    got = taliban_utility(recognised=0, aid=0, boycott=1, plan_b=0, intervene=1, s=0, d=1,
                          sincere=0, effort=0.4, p=q)
    assert float(got) == pytest.approx(-2.0 * 0.16 + 0.6 * 1.5 - 0.4 - 0.6)
    # sincere, engaged and recognised, suppressed: no harbouring benefit
    got2 = taliban_utility(recognised=1, aid=1, boycott=0, plan_b=0, intervene=0, s=1, d=0,
                           sincere=1, effort=1.0, p=q)
    assert float(got2) == pytest.approx(2.0 + 0.5 - 0.5)


def test_vectorised_equals_scalar(p: dict[str, float]) -> None:
    rng = np.random.default_rng(3)
    pulls = rng.uniform(0, 3, 7)
    efforts = rng.uniform(0, 1, 7)
    arrays = dict(p, iskp_pull=pulls)
    vec = china_utility(engaged=1, recognised=0, aid=1, grants=0, plan_b=1, intervene=0,
                        breach=0, s=0, d=1, sincere=1, kappa=0.8, effort=efforts, p=arrays)
    for i in range(7):
        one = china_utility(engaged=1, recognised=0, aid=1, grants=0, plan_b=1, intervene=0,
                            breach=0, s=0, d=1, sincere=1, kappa=0.8, effort=efforts[i],
                            p=dict(p, iskp_pull=pulls[i]))
        assert float(one) == pytest.approx(vec[i])
    grid = suppression_prob(np.linspace(0, 1, 4)[:, None], dict(p, us_presence=np.array(
        [0.0, 0.5, 1.0])))
    assert grid.shape == (4, 3)


def test_continuation_value_charges_future_harm_in_every_branch(p: dict[str, float]) -> None:
    """Degeneracy guard: future harm must be charged whatever China does, and effort must
    matter to W (a W that rewarded sincerity but not effort made effort a weak signal)."""
    q = dict(p, future_weight=1.0, w_security=1.0)
    for rec, pb, iv in ((0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)):
        harm = future_harm(sincere=1, kappa=0.8, effort=0.4, recognised=rec, plan_b=pb,
                           intervene=iv, p=q)
        w = continuation_value(sincere=1, kappa=0.8, effort=0.4, recognised=rec, plan_b=pb,
                               intervene=iv, p=q)
        assert float(harm) > 0
        v = q["future_value_sincere"] * rec
        assert float(w) == pytest.approx(v - float(harm))
        more = continuation_value(sincere=1, kappa=0.8, effort=1.0, recognised=rec, plan_b=pb,
                                  intervene=iv, p=q)
        assert float(more) != pytest.approx(float(w))
    # an insincere type's effort does not persist into the future
    a = continuation_value(sincere=0, kappa=0.8, effort=0.0, recognised=1, plan_b=0,
                           intervene=0, p=q)
    b = continuation_value(sincere=0, kappa=0.8, effort=1.0, recognised=1, plan_b=0,
                           intervene=0, p=q)
    assert float(a) == pytest.approx(float(b))
