"""The paper's propositions (docs/model-game.md A.5): status at the frozen defaults, the
falsification counterparts (which must fail), and sanity of the Monte Carlo shares.

The statuses asserted here are what the model produces at the case file's defaults, not
what the paper claims: P2, P5 (both versions) and P6 for security-motivated engagement
fail there (P6s on the part of its region econ_gain in (0, aid_cost] below a switch near
0.05), and that is reported, not tuned away.
"""

from __future__ import annotations

import numpy as np
import pytest

from qpq.game.analysis._measures import evaluate
from qpq.game.analysis._propositions import PROPOSITIONS, Kind, proposition
from qpq.game.analysis._study import WILSON_Z, PropositionStudy, run_study
from qpq.model import ParameterRegistry, ParameterSet

AT_DEFAULTS = {"P1": True, "P2": False, "P3": True, "P4": True, "P5m": False, "P5p": False,
               "P6": True, "P6s": True, "P7": True}
"""At the point tested (P6s: the top of its region, econ_gain = aid_cost)."""


def _at(point: ParameterSet, **changes: float) -> dict[str, np.ndarray]:
    return {k: np.array([changes.get(k, v)]) for k, v in point.items()}


@pytest.fixture(scope="module")
def at_defaults(defaults: ParameterSet) -> dict:
    return evaluate(_at(defaults))


@pytest.fixture(scope="module")
def study(registry: ParameterRegistry) -> PropositionStudy:
    return run_study(registry, 300, rng=np.random.default_rng(2024))


def test_kinds_follow_the_spec() -> None:
    strategic = {p.id for p in PROPOSITIONS if p.kind is Kind.STRATEGIC}
    assert strategic == {"P1", "P2", "P4"}
    assert {p.id[:2] for p in PROPOSITIONS} == {f"P{i}" for i in range(1, 8)}
    assert proposition("p5m").id == "P5m"
    with pytest.raises(KeyError):
        proposition("P9")


@pytest.mark.parametrize("pid", sorted(AT_DEFAULTS))
def test_status_at_the_defaults(pid: str, defaults: ParameterSet, at_defaults: dict) -> None:
    p = proposition(pid)
    top = {p.region.parameter: defaults[p.region.high_from]} if p.region else {}
    m = at_defaults[pid] if not (p.at_defaults or top) else evaluate(
        _at(defaults, **p.at_defaults, **top), only=[pid])[pid]
    assert bool(m.defined[0])
    assert bool(m.holds[0]) is AT_DEFAULTS[pid], m.metrics


@pytest.mark.parametrize("pid", sorted(AT_DEFAULTS))
def test_falsification_counterpart_fails_at_the_defaults(pid: str, defaults: ParameterSet
                                                         ) -> None:
    p = proposition(pid)
    top = {p.region.parameter: defaults[p.region.high_from]} if p.region else {}
    m = evaluate(p.counterfactual(_at(defaults, **p.at_defaults, **top)), only=[pid])[pid]
    assert not m.holds[0], m.metrics


def test_quantities_behind_the_defaults(at_defaults: dict) -> None:
    p1 = at_defaults["P1"].metrics
    assert p1["security_engage"][0] > p1["security_boycott"][0]
    assert p1["round_harm_engage"][0] < p1["round_harm_boycott"][0]
    # P2 fails because the sincere high-capacity type cracks down
    assert at_defaults["P2"].metrics["types_cracking_down"][0] == 1
    assert at_defaults["P3"].metrics["cap_gap"][0] == pytest.approx(0.45)
    assert at_defaults["P4"].metrics["p_withhold_if_close"][0] > 0.9
    # P5: China's security rises with effort all the way to a crackdown at the defaults
    assert at_defaults["P5m"].metrics["peak_intensity"][0] == pytest.approx(1.0)
    p6 = at_defaults["P6"].metrics
    assert p6["pay_us_present"][0] < p6["pay_us_absent"][0]
    assert at_defaults["P7"].metrics["analytic_reduction_holds"][0] == 1.0


def test_p5_mechanism_appears_where_the_logic_puts_it(defaults: ParameterSet) -> None:
    steep = _at(defaults, iskp_pull=3.0, iskp_join_cost=4.0, militant_temperature=0.2,
                iskp_threat=2.0, etim_threat=0.5)
    m = evaluate(steep, only=["P5m"])["P5m"]
    assert m.holds[0] and 0 < m.metrics["peak_intensity"][0] < 1.0
    flat = evaluate(proposition("P5m").counterfactual(steep), only=["P5m"])["P5m"]
    assert not flat.holds[0]


def test_p6_counterpart_is_exactly_neutral(defaults: ParameterSet) -> None:
    m = evaluate(proposition("P6").counterfactual(_at(defaults)), only=["P6"])["P6"]
    assert m.metrics["pay_us_present"][0] == m.metrics["pay_us_absent"][0]


def test_study_shares_are_sane(study: PropositionStudy) -> None:
    assert {r.proposition.id for r in study.results} == set(AT_DEFAULTS)
    for r in study.results:
        assert 0.0 <= r.share <= 1.0 and r.n_defined <= r.n_draws == 300
        assert r.interval[0] <= r.share <= r.interval[1]
        if r.proposition.region is None:
            assert r.status == ("holds" if AT_DEFAULTS[r.proposition.id] else "fails")
        else:       # holds on part of its region (tests/game/test_verdicts.py)
            assert r.status == "partly"
        assert r.falsified_at_defaults is False
        assert r.falsified_share <= 0.01, r.proposition.id
        assert r.falsification_ok
    assert study.result("P3").share == 1.0       # mechanical whenever capacities differ
    doc = study.to_json()
    assert doc["strategic"] == ["P1", "P2", "P4"] and len(doc["results"]) == 9


def test_study_intervals_are_wilson_s_at_z_1_96(study: PropositionStudy) -> None:
    # the study's 95% interval is the score interval at the rounded quantile: its ends solve
    # (share - p)^2 = z^2 p (1 - p) / n where they are inside (0, 1)
    assert WILSON_Z == 1.96
    for r in study.results:
        k, n = round(r.share * r.n_defined), r.n_defined
        for end in r.interval:
            if 0.0 < end < 1.0:
                gap = (k / n - end) ** 2 - WILSON_Z**2 * end * (1.0 - end) / n
                assert gap == pytest.approx(0.0, abs=1e-12), r.proposition.id
