"""Propositions in time, with common random numbers and falsification counterparts."""

import dataclasses
import itertools
import re

from qpq.sim._propositions_in_time import (
    p1_boycott,
    p1_made_of,
    p3_capacity,
    p5_conundrum,
    p6_free_ride,
)

N = 512


def test_p1_reports_effect_and_counterpart(case):
    r = p1_boycott(case, n=N)
    # the counterpart must hold: without a strategic response engagement is no safer
    assert r.falsification_holds
    assert set(r.details["security"]) == {"boycott", "engage_no_promise", "equilibrium"}
    # the boycott keeps Chinese nationals out of harm's way (assumption boycott_exposure < 1)
    att = r.details["expected_attacks_on_nationals"]
    assert att["boycott"] < att["engage_no_promise"]


def test_p1_says_how_much_of_it_the_boycott_exposure_makes(case):
    r = p1_boycott(case, n=N)
    x = r.details["exposure"]
    assert x["parameter"] == "boycott_exposure" and x["default"] < 1 and x["assumption"]
    at_one = x["engage_no_promise_minus_boycott_at_one"]
    # with the boycott keeping fewer nationals exposed, boycott looks safer than at 1
    assert at_one > r.effect
    text = p1_made_of(r)
    from qpq.stats import percent

    said = re.search(r"that assumption makes (-?[\d.]+%) of it", text).group(1)
    assert said == percent((r.effect - at_one) / r.effect)
    assert f"{r.details['suppressed_share']['boycott']:.1%} under boycott" in text
    # a case whose default already is 1: the counterfactual is the run itself
    ones = dataclasses.replace(case, parameters=tuple(
        p.model_copy(update={"default": 1.0}) if p.name == "boycott_exposure" else p
        for p in case.parameters))
    same = p1_boycott(ones, n=N)
    assert same.details["exposure"]["engage_no_promise_minus_boycott_at_one"] == same.effect
    assert "boycott_exposure (the share of China's nationals in Afghanistan still exposed " \
        "while China boycotts) is 1" in p1_made_of(same)


def test_p3_capacity_caps_delivery_and_vanishes_at_equal_capacity(case):
    r = p3_capacity(case, n=N)
    assert r.holds and r.effect > 0.1
    assert r.falsification_holds and r.falsification_effect == 0.0


def test_p5_no_conundrum_without_iskp_pull(case):
    r = p5_conundrum(case, n=N, pulls=(3.0,), intensities=(0.5, 0.75, 1.0), draws=4,
                     replicates=8)
    assert r.share is not None and 0.0 <= r.share <= 1.0
    zero = r.details["zero_pull"]["china"]
    assert all(b <= a for a, b in itertools.pairwise(zero))
    assert r.falsification_holds


def test_p6_free_ride_vanishes_without_us_suppression(case):
    r = p6_free_ride(case, n=N)
    assert r.falsification_holds and r.falsification_effect == 0.0


# ---- found by a mutation read of qpq.sim._propositions_in_time (2026-12): each test below
# failed on a deliberate change of the rule it states, which the tests above let pass.

def test_run_measures_reads_the_quid_pro_quo_window(case):
    """The measures are over the takeover's quarter to the horizon's, and security is minus
    the severity-weighted expected attacks per year of that window (the module's docstring),
    checked against the same run with the window's statistics spelled out here."""
    import datetime as dt

    import numpy as np

    from qpq.sim._engine import RunSpec, WindowStat, simulate
    from qpq.sim._pools import default_pool, sim_registry
    from qpq.sim._propositions_in_time import run_measures
    from qpq.sim._tables import table_for
    from qpq.sim._timeline import build_timeline, quarter_label, quarter_of

    horizon, n, seed, policy = dt.date(2023, 12, 31), 64, 5, "engage_no_promise"
    pool = default_pool(sim_registry(case))
    got = run_measures(case, pool, policy, n=n, seed=seed, horizon=horizon, grid_size=8)
    first, last = quarter_of(case.run.takeover), quarter_of(horizon)
    assert (quarter_label(first), quarter_label(last)) == ("2021Q3", "2023Q4")  # 10 quarters
    timeline = build_timeline(case, case.run.start, horizon)
    stats = (WindowStat("china", "expected_attacks_china", first, last, "sum"),
             WindowStat("nationals", "expected_attacks_nationals", first, last, "sum"),
             WindowStat("suppressed", "suppressed", first, last, "mean"))
    sim = simulate(RunSpec(timeline=timeline, pool=pool, table=table_for(pool, timeline.regimes, 8),
                           policy=policy, n=n, seed=seed, stats=stats))
    for name in ("china", "nationals", "suppressed"):
        np.testing.assert_array_equal(got[name], sim.stats[name])
    severity = next(p.default for p in case.parameters if p.name == "nationals_severity")
    # the premises that let the checks below tell the rules apart
    assert severity != 1 and sim.stats["nationals"].max() > 0
    assert 0 < sim.stats["suppressed"].max() < 1
    np.testing.assert_allclose(got["security"],
                               -(sim.stats["china"] + severity * sim.stats["nationals"]) / 2.5)


def test_per_draw_is_each_draw_s_mean_and_zero_where_it_has_none():
    import numpy as np

    from qpq.sim._propositions_in_time import _per_draw

    got = _per_draw(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 0.0, 1.0, 3.0]), 4)
    assert got.tolist() == [1.5, 3.0, 0.0, 4.0]


class _Runs:
    """Stands in for ``run_measures``: each run's measures follow from its settings by the
    rules written here, so what a proposition makes of them can be worked out by hand.

    Scenario ``i`` belongs to draw ``i % pool.size``. Security: 0 under engagement, -1.5
    under equilibrium, -(1 + 2 x) under boycott with x its boycott_exposure (-1 with the
    effort forced to harbour, where engagement is still 1e-4 safer, a residue the
    falsification must not hide). Suppressed (P3): the type's capacity when forced to crack
    down, half that on the equilibrium path; at equal capacities the low type is 0.1 off
    either way in alternate scenarios. China's attacks (P5) on the crackdown curve: pull
    times (k - 0.7)^2 minus k, plus 0.2 at k = 0.75 at pull 0 (a rise there). P6: China pays
    2 + us_suppression after the withdrawal and 2 where the US stays; it engages 0.5 where
    the US stays, and 0.8 after the withdrawal, whatever us_suppression is.
    """

    def __init__(self):
        self.calls = []

    def __call__(self, case, pool, policy, *, n, seed, horizon=None, overrides=(),
                 options=None, forced_type=None, grid_size=24):
        import numpy as np

        effort = None if options is None else options.forced_effort
        self.calls.append({"policy": policy, "n": n, "effort": effort, "type": forced_type,
                           "overrides": overrides, "size": pool.size,
                           "pull": float(pool.values["iskp_pull"][0])})
        idx = np.arange(n) % pool.size
        v = {k: np.asarray(a)[idx] for k, a in pool.values.items()}
        one = np.ones(n)
        if policy == "boycott":
            security = -one if effort == 0 else -(1 + 2 * v["boycott_exposure"])
        elif policy == "equilibrium":
            security = -1.5 * one
        else:
            security = 0 * one if effort != 0 else 1e-4 * one - 1
        cap = {None: None, 0: v["capacity_high"], 1: v["capacity_low"]}[forced_type]
        suppressed = 0.25 * one
        if cap is not None:
            suppressed = cap * (1.0 if effort == 2 else 0.5)
            if forced_type == 1 and np.all(v["capacity_high"] == v["capacity_low"]):
                suppressed = suppressed + 0.1 * np.where(np.arange(n) % 2, 1, -1)
        k, pull = v["crackdown_intensity"], v["iskp_pull"]
        china = pull * (k - 0.7) ** 2 - k + 0.2 * ((pull == 0) & (k == 0.75))
        if policy == "engage_no_promise" and effort == 2:
            # P5's curve; odd draws of a prior have no hump: security rises to full intensity
            security = np.where(idx % 2 == 1, k, -china) if pool.size > 1 else -china
        stays = any(o.name == "us_presence" and o.value == 1.0 for o in overrides)
        pays = 2 * one if stays else 2 + v["us_suppression"]
        engaged = 0.5 * one if stays else 0.8 * one
        return {"china": china, "nationals": one, "suppressed": suppressed, "pays": pays,
                "engaged": engaged, "recognised": 0 * one, "committal": engaged,
                "security": security, "pool_index": idx.astype(float)}


def _faked(monkeypatch):
    from qpq.sim import _propositions_in_time as mod

    runs = _Runs()
    monkeypatch.setattr(mod, "run_measures", runs)
    return runs


def test_p1_reads_the_runs_as_its_statement_says(case, monkeypatch):
    """Effect: engagement's security minus boycott's (0 + 1.6 at the default exposure 0.3);
    the same with the exposure at 1 (3); the falsification at forced harbour must see the
    1e-4 residue; the share over prior draws counts draws where engagement is safer."""
    import pytest

    runs = _faked(monkeypatch)
    r = p1_boycott(case, n=8, draws=4, replicates=3)
    x0 = next(p.default for p in case.parameters if p.name == "boycott_exposure")
    assert r.effect == pytest.approx(1 + 2 * x0) and r.holds
    d = r.details
    assert d["equilibrium_minus_boycott"] == pytest.approx(-1.5 + 1 + 2 * x0)
    at_one = d["exposure"]["engage_no_promise_minus_boycott_at_one"]
    assert at_one == pytest.approx(3.0)
    assert d["exposure"]["share"] == pytest.approx((1 + 2 * x0 - 3.0) / (1 + 2 * x0))
    assert r.falsification_effect == pytest.approx(1e-4) and not r.falsification_holds
    # each prior draw: boycott's security -(1 + 2 x) < 0 for every x in [0, 1]
    assert r.share == 1.0
    harbour = [c for c in runs.calls if c["effort"] is not None]
    assert {c["effort"] for c in harbour} == {0}       # harbour is effort 0
    prior = [c for c in runs.calls if c["size"] == 4]
    assert prior and all(c["n"] == 4 * 3 for c in prior)


def test_p1_share_counts_only_draws_where_engagement_is_safer(case, monkeypatch):
    import numpy as np

    from qpq.sim import _propositions_in_time as mod

    runs = _faked(monkeypatch)

    def tied(case, pool, policy, **kw):
        out = runs(case, pool, policy, **kw)
        if pool.size == 4 and policy == "boycott":
            # per draw, engagement minus boycott is 1, 0, -1, 1: safer in 2 of 4 draws
            out["security"] = -np.array([1.0, 0.0, -1.0, 1.0])[out["pool_index"].astype(int)]
        return out

    monkeypatch.setattr(mod, "run_measures", tied)
    assert p1_boycott(case, n=8, draws=4, replicates=2).share == 0.5


def test_p1_made_of_names_each_policy_s_share():
    from qpq.sim._propositions_in_time import PropositionResult

    r = PropositionResult("P1", "", "", 0.5, True, None, "", 0.0, True, {
        "suppressed_share": {"engage_no_promise": 0.4, "boycott": 0.1},
        "exposure": {"parameter": "boycott_exposure", "default": 0.3, "assumption": True,
                     "range": [0.0, 1.0], "engage_no_promise_minus_boycott_at_one": 0.2,
                     "share": 0.6}})
    assert p1_made_of(r) == (
        "The militants are suppressed in 40.0% of the quarters under engagement and 10.0% "
        "under boycott. With boycott_exposure at 1 instead of its default 0.3 (an "
        "assumption, range 0–1: the share of China's nationals in Afghanistan still exposed "
        "while China boycotts), the difference is +0.2: that assumption makes 60% of it.")


def test_p3_forces_the_crackdown_and_sees_any_scenario_s_difference(case, monkeypatch):
    import pytest

    runs = _faked(monkeypatch)
    r = p3_capacity(case, n=8)
    high, low = (next(p.default for p in case.parameters if p.name == f"capacity_{s}")
                 for s in ("high", "low"))
    assert r.effect == pytest.approx(high - low)               # both crack down: capacity
    assert r.details["equilibrium_path_effect"] == pytest.approx((high - low) / 2)
    # at equal capacities one type is 0.1 off in every scenario, +0.1 and -0.1 alternately:
    # they do not deliver the same, though the mean difference is 0
    assert r.falsification_effect == pytest.approx(0.1) and not r.falsification_holds
    forced = [c for c in runs.calls if c["effort"] is not None]
    assert {c["effort"] for c in forced} == {2}                 # crackdown is effort 2


def test_p5_reads_its_curves_as_its_statement_says(case, monkeypatch):
    """Security -(pull (k - 0.7)^2 - k) peaks inside the intensities; the drop is from that
    peak to full intensity, the largest over the pulls; at pull 0 attacks on China rise
    once (by 0.075), so the falsification must fail."""
    import numpy as np
    import pytest

    runs = _faked(monkeypatch)
    ks = (0.5, 0.625, 0.75, 0.875, 1.0)
    r = p5_conundrum(case, n=4, pulls=(1.0, 3.0), intensities=ks, draws=4, replicates=2)
    k = np.array(ks)

    def security(pull):
        return -(pull * (k - 0.7) ** 2 - k)

    drops = {p: security(p).max() - security(p)[-1] for p in (1.0, 3.0)}
    assert drops[3.0] > drops[1.0] and security(3.0).argmax() not in (0, len(ks) - 1)
    assert r.details["drop_by_pull"] == pytest.approx(drops)
    assert r.effect == pytest.approx(drops[3.0]) and r.holds
    # the share at the highest pull: even draws peak inside, odd ones rise to the end
    assert r.share == 0.5
    assert {c["pull"] for c in runs.calls if c["size"] > 1} == {3.0}
    zero = -k + 0.2 * (k == 0.75)
    assert r.details["zero_pull"]["china"] == pytest.approx(list(zero))
    assert r.falsification_effect == pytest.approx(0.075)
    assert not r.falsification_holds
    assert {(c["policy"], c["effort"]) for c in runs.calls} == {("engage_no_promise", 2)}


def test_p6_reads_its_runs_as_its_statement_says(case, monkeypatch):
    import pytest

    runs = _faked(monkeypatch)
    r = p6_free_ride(case, n=4)
    us = next(p.default for p in case.parameters if p.name == "us_suppression")
    assert r.effect == pytest.approx(us) and r.holds
    assert r.details["engaged_difference"] == pytest.approx(0.8 - 0.5)
    # with us_suppression 0 the payments agree, but China still engages more after the
    # withdrawal: the presence changes something, so the falsification fails
    assert r.falsification_effect == pytest.approx(0.3) and not r.falsification_holds
    counter = [o for c in runs.calls for o in c["overrides"]]
    assert counter and all((o.name, o.value, o.start) == ("us_presence", 1.0, case.run.takeover)
                           for o in counter)
    assert "2021Q3–2030Q4" in r.measure      # from the takeover to the run's last quarter
