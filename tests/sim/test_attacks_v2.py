"""Model v2's attacks: by region and perpetrator, scaled by exposure, overdispersed.

Checked on the quarters of the built-in history (2022-2024: ISKP present and naming China,
China's exposure sourced) and on the same history with attributes overridden, one quarter
at a time through the dynamics.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from qpq.sim import build_relationship_table, build_timeline, default_pool
from qpq.sim._engine import RunSpec
from qpq.sim._policies import BOYCOTT
from qpq.sim._timeline import Override
from tests.sim.conftest import stepper

START, STOP = dt.date(2023, 1, 1), dt.date(2023, 12, 31)


_TABLES: dict[object, object] = {}
"""Relationship tables by their inputs: a lone point's solve costs seconds, and several
tests here run the same history at the same point (the session's case and registry)."""


def _spec(case, registry, n: int = 4096, overrides: dict[str, float] | None = None,
          timeline_overrides: tuple[Override, ...] = ()) -> RunSpec:
    pool = default_pool(registry, overrides or {})
    tl = build_timeline(case, START, STOP, timeline_overrides)
    key = (tuple(sorted((overrides or {}).items())), timeline_overrides)
    if key not in _TABLES:
        _TABLES[key] = build_relationship_table(pool, tl.v2_regimes()[0], 2)
    return RunSpec(timeline=tl, pool=pool, table=_TABLES[key], policy="equilibrium", n=n,
                   seed=3)


def _quarter(spec: RunSpec, strength: float = 0.6, militants: bool = True
             ) -> dict[str, np.ndarray]:
    dyn = stepper(spec)
    dyn.s.strength[:] = strength
    dyn.s.founded[:] = True
    if not militants:                      # only ISKP left to attack
        dyn.s.border[:] = 0.0
        dyn.s.interior[:] = 0.0
    return dyn.step(spec.timeline.start)


def test_no_exposure_no_attacks_on_nationals(case, registry) -> None:
    base = _quarter(_spec(case, registry))
    assert base["expected_attacks_nationals"].mean() > 0
    none = _quarter(_spec(case, registry, timeline_overrides=(
        Override("china_exposure_afghanistan", 0.0, START),)))
    assert none["expected_attacks_nationals"].max() == 0.0
    assert none["attacks_nationals"].max() == 0.0
    # attacks into China do not depend on China's exposure abroad
    np.testing.assert_array_equal(none["expected_attacks_china"], base["expected_attacks_china"])


def test_iskp_attacks_chinese_targets_only_while_it_names_china(case, registry) -> None:
    """Without border militants only ISKP attacks; it stops when it does not target China."""
    on = _quarter(_spec(case, registry), militants=False)
    off = _quarter(_spec(case, registry, timeline_overrides=(
        Override("iskp_targets_china", 0.0, START),)), militants=False)
    assert on["expected_attacks_nationals"].mean() > 0
    assert on["expected_attacks_china"].max() == 0.0          # ISKP does not strike Xinjiang
    assert off["expected_attacks_nationals"].max() == 0.0
    assert off["expected_attacks_central_asia"].max() == 0.0
    # linear in ISKP's strength
    half = _quarter(_spec(case, registry), strength=0.3, militants=False)
    np.testing.assert_allclose(half["expected_attacks_nationals"],
                               on["expected_attacks_nationals"] / 2, rtol=1e-12)


def test_counts_are_negative_binomial(case, registry) -> None:
    """Gamma-mixed Poisson: mean = the expected rate; variance = mean + mean²/k."""
    n = 40_000
    ratios = {}
    for k in (0.2, 50.0):
        spec = _spec(case, registry, n=n, overrides={
            "attack_dispersion": k, "iskp_china_attack_rate": 1.0})
        out = _quarter(spec, strength=1.0, militants=False)
        lam = out["expected_attacks_nationals"]
        counts = out["attacks_nationals"]
        assert np.ptp(lam) < 1e-12                          # one rate for every scenario
        mu = float(lam[0])
        assert abs(counts.mean() - mu) <= 4 * np.sqrt((mu + mu * mu / k) / n)
        ratios[k] = counts.var() / counts.mean()
        assert abs(ratios[k] - (1 + mu / k)) <= 0.15 * (1 + mu / k)
    assert ratios[0.2] > 2 * ratios[50.0]


def test_the_rates_are_the_documented_formulas(case, registry) -> None:
    """§7.3 term by term, with exposures apart from 1 and from each other, and some Plan B or
    intervention in force (the other tests here compare rates with rates)."""
    exp_af, exp_ca = 0.5, 0.25
    spec = _spec(case, registry, n=1024, timeline_overrides=(
        Override("china_exposure_afghanistan", exp_af, START),
        Override("china_exposure_central_asia", exp_ca, START)))
    dyn = stepper(spec)
    rng = np.random.default_rng(8)
    st, n = dyn.s, dyn.s.n
    st.border, st.interior = rng.uniform(0, 800, n), rng.uniform(0, 300, n)
    st.strength, st.founded = rng.uniform(0, 1, n), np.ones(n, dtype=bool)
    st.planb = rng.integers(0, 3, n).astype(np.int8)
    b, i, strength, planb = st.border.copy(), st.interior.copy(), st.strength.copy(), st.planb
    out = dyn.step(spec.timeline.start)
    p = spec.pool.point(0)
    effect = np.choose(planb, [0.0, p["planb_effect"], p["intervene_effect"]])
    free = (1 - out["suppressed"]) * (1 - effect)
    rate, share = p["attack_rate"] / 100, p["cross_border_share"]
    iskp = p["iskp_china_attack_rate"] * strength * (1 - p["planb_covers_iskp"] * effect)
    exposure = exp_af * np.where(out["first_move"] == BOYCOTT, p["boycott_exposure"], 1.0)
    expected = {
        "china": rate * free * b * (1 - share),
        "central_asia": exp_ca * (rate * free * b + iskp) * share,
        "nationals": exposure * (rate * p["interior_reach"] * free * (b + i) + iskp),
        "nationals_iskp": exposure * iskp,
        "central_asia_iskp": exp_ca * iskp * share,
    }
    assert (planb > 0).any() and (out["suppressed"] == 0).any()
    assert spec.timeline.attributes["iskp_targets_china"][0] == 1.0
    for kind, lam in expected.items():
        np.testing.assert_allclose(out[f"expected_attacks_{kind}"], lam, rtol=1e-12,
                                   err_msg=kind)
