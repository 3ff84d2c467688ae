"""The propositions under model v2 (docs/model-game.md §8.1).

The v2 measures (:mod:`qpq.game.analysis._v2_measures`) read the propositions off
:func:`qpq.game.solve_relationship`'s equilibrium. Here they are checked against a direct
reading of the solution and an independent computation of China's discounted security,
written from the shared utilities (``qpq.model``), not from the measures' code.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from qpq.cli._game import app
from qpq.errors import BadInputError
from qpq.game import FULL_GAME, Effort, solve_relationship
from qpq.game._payoffs import build_tensors
from qpq.game.analysis import nearest_flip, sample_assumptions
from qpq.game.analysis._propositions import PROPOSITIONS, PROPOSITIONS_V2
from qpq.game.analysis._v2_measures import (
    V2_PROPOSITIONS,
    V2Evaluator,
    evaluate_v2,
    payments,
    security_after_moves,
    solve_point,
)
from qpq.model import (
    FINAL_ACTIONS,
    FinalAction,
    FirstMove,
    MoveKind,
    ParameterRegistry,
    ParameterSet,
    consequence,
    defection_prob,
    signal_pressure,
    suppression_prob,
    un_close_prob,
)

RECOGNIZE = FirstMove(MoveKind.RECOGNIZE)


def _arrays(p: dict[str, float]) -> dict[str, np.ndarray]:
    return {k: np.array([float(v)]) for k, v in p.items()}


def _harm_tables(p: dict[str, float], efforts: list[int], responses: list[int],
                 move: FirstMove) -> tuple[np.ndarray, ...]:
    """Per type and signal of one quarter: probability, harm, next state, relief carried.

    Written from the utilities: harm = ``etim_threat``·(1 − s) + ``iskp_threat``·d; Plan B
    or intervention removes its effect of next quarter's ETIM harm (and
    ``planb_covers_iskp`` of that of ISKP harm).
    """
    st = FULL_GAME
    intensity = {Effort.HARBOUR: 0.0, Effort.RESTRAIN: p["restrain_intensity"],
                 Effort.CRACKDOWN: p["crackdown_intensity"]}
    n_t, n_s = len(st.types), len(st.signals)
    prob, harm, nxt, eff = (np.zeros((n_t, n_s)) for _ in range(4))
    for k, t in enumerate(st.types):
        kappa = p["capacity_high"] if t.high_capacity else p["capacity_low"]
        e = intensity[st.efforts[efforts[k]]]
        ps = float(suppression_prob(signal_pressure(kappa, e, p, None), p))
        pd = float(defection_prob(kappa * e, p))
        pc = float(un_close_prob(float(t.sincere), p))
        for j, g in enumerate(st.signals):
            f = FINAL_ACTIONS[responses[j]]
            c = consequence(move, f)
            prob[k, j] = ((ps if g.s else 1 - ps) * (pd if g.d else 1 - pd)
                          * (pc if g.r_close else 1 - pc))
            harm[k, j] = p["etim_threat"] * (1 - g.s) + p["iskp_threat"] * g.d
            nxt[k, j] = float(c.recognised)
            eff[k, j] = p["planb_effect"] * c.plan_b + p["intervene_effect"] * c.intervene
    return prob, harm, nxt, eff


def _prior(p: dict[str, float]) -> np.ndarray:
    # the prior over types is the stage game's (not what is under test here)
    return build_tensors(_arrays(p), FULL_GAME).prior[0]


def _oracle_security(rel, p: dict[str, float], first: int | None = None) -> float:
    """China's discounted security from the unrecognised state at its prior (pure play).

    V_x = E[harm | x] + δ·E[V_next − ε·R_next], with ε the relief carried and R_x the harm
    relief can remove in state x; ``first``: open with that first move for one quarter.
    """
    st = FULL_GAME
    delta = p["quarterly_discount"]
    moves = (st.first_moves[int(rel.first_move[0])], RECOGNIZE)
    tabs = [_harm_tables(p, list(rel.effort[0, x]), list(rel.response[0, x]), moves[x])
            for x in (0, 1)]
    d_signal = np.array([g.d for g in st.signals], dtype=float)
    s_signal = np.array([g.s for g in st.signals], dtype=float)
    prior = _prior(p)
    total = 0.0
    for k in range(len(st.types)):
        h = [(tab[0][k] * tab[1][k]).sum() for tab in tabs]
        rel_h = [(tab[0][k] * (p["etim_threat"] * (1 - s_signal) + p["planb_covers_iskp"]
                               * p["iskp_threat"] * d_signal)).sum() for tab in tabs]
        # V = h + δ Σ_j P_j (V_next(j) − ε_j R_next(j)): linear in (V_0, V_1)
        a = np.eye(2)
        b = np.zeros(2)
        for x, tab in enumerate(tabs):
            prob, _, nxt, eff = (z[k] for z in tab)
            b[x] = h[x] - delta * (prob * eff * np.where(nxt == 1, rel_h[1], rel_h[0])).sum()
            a[x, 0] -= delta * (prob * (nxt == 0)).sum()
            a[x, 1] -= delta * (prob * (nxt == 1)).sum()
        v = np.linalg.solve(a, b)
        if first is None:
            total += prior[k] * -v[0]
            continue
        m = st.first_moves[first]
        prob, harm, nxt, eff = (z[k] for z in _harm_tables(
            p, list(rel.effort_after[0, first]), list(rel.response_after[0, first]), m))
        out = (prob * (harm + delta * (np.where(nxt == 1, v[1], v[0])
                                       - eff * np.where(nxt == 1, rel_h[1], rel_h[0])))).sum()
        total += prior[k] * -out
    return total


@pytest.fixture(scope="module")
def v2_defaults(defaults: ParameterSet):
    ev = V2Evaluator()
    return ev, ev(_arrays(dict(defaults.values)))


def test_every_v1_proposition_has_a_v2_reading() -> None:
    assert [p.id for p in PROPOSITIONS_V2] == [p.id for p in PROPOSITIONS]
    assert set(V2_PROPOSITIONS) == {p.id for p in PROPOSITIONS}
    for v1, v2 in zip(PROPOSITIONS, PROPOSITIONS_V2, strict=True):
        # the statement and the falsification counterpart are kept, the reading is v2's
        assert (v2.statement, v2.falsification, v2.kind) == (v1.statement, v1.falsification,
                                                              v1.kind)
        assert v2.definition != v1.definition


def test_v2_verdicts_at_the_defaults_agree_with_the_solution(defaults: ParameterSet,
                                                             v2_defaults) -> None:
    p = dict(defaults.values)
    rel = solve_relationship(_arrays(p))
    _, m = v2_defaults
    st = FULL_GAME
    move = st.first_moves[int(rel.first_move[0])]
    efforts = [st.efforts[int(e)] for e in rel.effort[0, 0]]
    assert rel.pure[0].all()                        # judged below on pure strategies
    # P2 read directly: China does not boycott, some type restrains, none cracks down
    p2 = (move.kind is not MoveKind.BOYCOTT and Effort.RESTRAIN in efforts
          and Effort.CRACKDOWN not in efforts)
    assert bool(m["P2"].holds[0]) is p2
    # P4 read directly: Engage and Withhold at every "close" report
    close = [j for j, g in enumerate(st.signals) if g.r_close == 1]
    p4 = move.kind is MoveKind.ENGAGE and all(
        FINAL_ACTIONS[int(rel.response[0, 0, j])] is FinalAction.WITHHOLD for j in close)
    assert bool(m["P4"].holds[0]) is p4
    # P1 against the independent security: best Engage against Boycott, one quarter each
    boycott = next(i for i, mv in enumerate(st.first_moves) if mv.kind is MoveKind.BOYCOTT)
    best = int(m["P1"].metrics["engage_move"][0])
    sec_b, sec_e = _oracle_security(rel, p, boycott), _oracle_security(rel, p, best)
    assert m["P1"].metrics["security_boycott"][0] == pytest.approx(sec_b, rel=1e-9)
    assert m["P1"].metrics["security_engage"][0] == pytest.approx(sec_e, rel=1e-9)
    assert bool(m["P1"].holds[0]) is bool(sec_e > sec_b + 1e-9 * (1 + abs(sec_b)))
    # P6: payments read off the solution: aid every quarter it flows, recognition once
    pay = m["P6"].metrics
    aid_flows = all(consequence(move, FINAL_ACTIONS[int(a)]).aid for a in rel.response[0, 0])
    never_granted = rel.recognised_next[0, 0].max() == 0
    # the closed form below needs both; they hold at the defaults, and the check must not
    # quietly stop running if they ever do not
    assert aid_flows and never_granted
    assert pay["pay_us_absent"][0] == pytest.approx(
        p["aid_cost"] / (1 - p["quarterly_discount"]), rel=1e-12)


def test_security_of_the_equilibrium_equals_the_independent_sum(registry: ParameterRegistry
                                                                ) -> None:
    sample = sample_assumptions(registry, 30, np.random.default_rng(7))
    pt = solve_point(sample.params, FULL_GAME, 1e-9)
    sec = security_after_moves(pt)
    checked = 0
    for i in np.flatnonzero(pt.rel.converged)[:8]:
        p = {k: float(v[i]) for k, v in sample.params.items()}
        one = solve_relationship(_arrays(p))
        assert one.first_move[0] == pt.rel.first_move[i]          # batch-independent
        # opening with the equilibrium's own move gives the equilibrium's security
        assert sec[i, pt.rel.first_move[i]] == pytest.approx(_oracle_security(one, p),
                                                             rel=1e-8, abs=1e-9)
        for mi in range(len(FULL_GAME.first_moves)):
            assert sec[i, mi] == pytest.approx(_oracle_security(one, p, mi), rel=1e-8,
                                               abs=1e-9)
        checked += 1
    assert checked >= 5


def test_payments_equal_the_independent_sum(registry: ParameterRegistry) -> None:
    sample = sample_assumptions(registry, 30, np.random.default_rng(11))
    pt = solve_point(sample.params, FULL_GAME, 1e-9)
    pay = payments(pt, sample.params)
    st = FULL_GAME
    for i in np.flatnonzero(pt.rel.pure.all(axis=1))[:10]:
        p = {k: float(v[i]) for k, v in sample.params.items()}
        moves = (st.first_moves[int(pt.rel.first_move[i])], RECOGNIZE)
        tabs = [_harm_tables(p, list(pt.rel.effort[i, x]), list(pt.rel.response[i, x]),
                             moves[x]) for x in (0, 1)]
        delta = p["quarterly_discount"]
        total = 0.0
        prior = _prior(p)
        for k in range(len(st.types)):
            a, b = np.eye(2), np.zeros(2)
            for x, tab in enumerate(tabs):
                prob, _, nxt, _ = (z[k] for z in tab)
                cost = np.array([
                    p["aid_cost"] * consequence(moves[x], FINAL_ACTIONS[int(f)]).aid
                    + (x == 0) * p["recognition_cost"]
                    * consequence(moves[x], FINAL_ACTIONS[int(f)]).grants
                    for f in pt.rel.response[i, x]])
                b[x] = (prob * cost).sum()
                a[x, 0] -= delta * (prob * (nxt == 0)).sum()
                a[x, 1] -= delta * (prob * (nxt == 1)).sum()
            total += prior[k] * np.linalg.solve(a, b)[0]
        assert pay[i] == pytest.approx(total, rel=1e-9, abs=1e-12)


def test_counterparts_fail_at_the_defaults(defaults: ParameterSet) -> None:
    ev = V2Evaluator()
    base = _arrays(dict(defaults.values))
    for p in PROPOSITIONS_V2:
        if p.region is not None:
            continue
        got = ev(p.counterfactual(base), only=[p.id])[p.id]
        assert not (got.defined[0] and got.holds[0]), p.id


def test_one_batch_gives_each_point_its_own_answer(registry: ParameterRegistry) -> None:
    sample = sample_assumptions(registry, 6, np.random.default_rng(3))
    ev = V2Evaluator()
    ev.prime([sample.params, {k: v[:2] for k, v in sample.params.items()}])
    assert ev.solves == 1
    alone = evaluate_v2({k: v[:2] for k, v in sample.params.items()}, only=["P2", "P7"])
    both = ev({k: v[:2] for k, v in sample.params.items()}, only=["P2", "P7"])
    assert ev.solves == 1                                   # answered from the batch
    for pid in ("P2", "P7"):
        np.testing.assert_array_equal(alone[pid].holds, both[pid].holds)
        np.testing.assert_allclose(alone[pid].metrics["margin"], both[pid].metrics["margin"])


def test_a_batch_shared_out_over_workers_gives_each_point_its_answer(
        registry: ParameterRegistry) -> None:
    """Rows dealt to two processes and put back in order: the in-process measures."""
    from qpq.parallel import ProcessPool

    sample = sample_assumptions(registry, 5, np.random.default_rng(8))
    alone = evaluate_v2(sample.params, only=["P1", "P6", "P7"])
    with ProcessPool(2, start_method="fork") as ex:
        shared = V2Evaluator(executor=ex)(sample.params, only=["P1", "P6", "P7"])
    for pid, m in alone.items():
        np.testing.assert_array_equal(shared[pid].holds, m.holds)
        np.testing.assert_array_equal(shared[pid].defined, m.defined)
        assert shared[pid].metrics.keys() == m.metrics.keys()
        for name, v in m.metrics.items():
            np.testing.assert_array_equal(shared[pid].metrics[name], v, err_msg=name)


def test_flip_without_bisection_stops_at_the_grid() -> None:
    def fn(p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return p["x"] < 0.33, np.ones(p["x"].size, dtype=bool)

    f = nearest_flip(fn, {"x": 0.1}, "x", 0.0, 1.0, grid=5, rtol=1.0)
    assert f.value == 0.5 and f.verdict_beyond is False        # the grid point past 0.33
    f = nearest_flip(fn, {"x": 0.1}, "x", 0.0, 1.0, grid=5, rtol=1e-4)
    assert f.value == pytest.approx(0.33, abs=2e-4)


def test_cli_v2_json_carries_the_protocol(defaults: ParameterSet) -> None:
    out = CliRunner().invoke(app, ["propositions", "--model", "v2", "--n", "4", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["model"] == "v2" and doc["n_draws"] == 4
    assert [r["id"] for r in doc["results"]] == [p.id for p in PROPOSITIONS_V2]
    for r in doc["results"]:
        assert {"verdict", "margin", "share_small_margin", "nearest_flip", "test_region",
                "share", "falsified_share", "status_at_defaults"} <= set(r)
        assert {"selected", "some_pbe", "every_pbe"} <= set(r["verdict"])
        if r["id"] not in ("P3", "P5m", "P5p"):
            assert r["verdict"]["n_pbe"] == 1     # one stationary equilibrium per point
    p6s = next(r for r in doc["results"] if r["id"] == "P6s")
    assert p6s["test_region"].startswith("econ_gain in (0, aid_cost]")
    # the verdicts at the defaults are those read directly off solve_relationship
    rel = solve_relationship(_arrays(dict(defaults.values)))
    move = FULL_GAME.first_moves[int(rel.first_move[0])]
    efforts = [FULL_GAME.efforts[int(e)] for e in rel.effort[0, 0]]
    close = [j for j, g in enumerate(FULL_GAME.signals) if g.r_close == 1]
    direct = {
        "P2": (move.kind is not MoveKind.BOYCOTT and Effort.RESTRAIN in efforts
               and Effort.CRACKDOWN not in efforts),
        "P4": move.kind is MoveKind.ENGAGE and all(
            FINAL_ACTIONS[int(rel.response[0, 0, j])] is FinalAction.WITHHOLD for j in close)}
    by_id = {r["id"]: r for r in doc["results"]}
    for pid, verdict in direct.items():
        assert by_id[pid]["verdict"]["selected"] is verdict
        assert by_id[pid]["status_at_defaults"] == ("holds" if verdict else "fails")


def test_cli_refuses_an_unknown_model() -> None:
    out = CliRunner().invoke(app, ["propositions", "--model", "v3"])
    assert isinstance(out.exception, BadInputError) and out.exception.exit_code == 2
    assert "--model: unknown model 'v3'; allowed: v1, v2" in str(out.exception)


def test_a_v2_study_past_the_budget_is_refused_before_any_draw(registry) -> None:
    from qpq.game import RELATIONSHIP_BUDGET
    from qpq.game.analysis import _study, run_study

    # the flip search costs the same whatever the draws: it lowers the most allowed
    for flips, fixed in ((True, _study.V2_FLIP_SECONDS), (False, 0.0)):
        most = int((RELATIONSHIP_BUDGET - fixed) // _study.V2_DRAW_SECONDS)
        with pytest.raises(BadInputError, match=f"at most {most:,} draws"):
            run_study(registry, most + 1, model="v2", flips=flips)
