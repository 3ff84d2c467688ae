"""The ETIM/TIP stock's ledger (``qpq.sim._flows.LEDGER``) accounts for every fighter.

``militant_flows`` moves the stocks and returns each flow of the quarter; the diagnosis of the
stock (docs/model-dynamics.md §7.4, block ``tip-stock-flows``) sums those flows, so they must
add up to the stocks' changes exactly, whatever the signals, efforts and parameters. The
oracle is the state before and after the call, not the flows' own formulas.
"""

from __future__ import annotations

import numpy as np
import pytest

from qpq.game import Effort
from qpq.sim._flows import LEDGER, militant_flows
from qpq.sim._state import ChunkState

N = 4096

INS = ("recruits", "returned")
OUTS = ("us_killed", "base_neutralised", "crackdown_neutralised", "crackdown_abroad", "to_iskp")


def _state(rng: np.random.Generator) -> ChunkState:
    def stock(high: float) -> np.ndarray:
        return rng.uniform(0.0, high, N)

    return ChunkState(
        pool_index=np.arange(N), type_index=rng.integers(0, 4, N), border=stock(800),
        interior=stock(300), coopted=stock(100), iskp=stock(200), abroad=stock(500),
        neutralised=stock(50), transferred=stock(20), strength=rng.uniform(0, 1, N),
        founded=rng.random(N) < 0.5, control=rng.uniform(0.05, 1.0, N),
        belief=np.full((4, N), 0.25), recognised=np.zeros(N, dtype=bool),
        planb=np.zeros(N, dtype=np.int8), quiet=np.zeros(N, dtype=np.int64))


def _params(rng: np.random.Generator) -> dict[str, np.ndarray]:
    def u(lo: float, hi: float) -> np.ndarray:
        return rng.uniform(lo, hi, N)

    return {"taliban_action_rate": u(0.05, 0.8), "coopt_share": u(0, 0.8),
            "crackdown_neutralise_share": u(0.2, 0.9), "us_strike_rate": u(0.02, 0.4),
            "base_neutralise_rate": u(0.01, 0.5), "defection_share": u(0.02, 0.4),
            "us_suppression": u(0, 0.9), "iskp_fighter_attrition": u(0, 0.1),
            "return_rate": u(0, 0.1), "recruitment": u(0, 40), "transfer_share": u(0.1, 1.0)}


def _afghanistan(st: ChunkState) -> np.ndarray:
    return np.asarray(st.border + st.interior + st.coopted)


@pytest.mark.parametrize(("in_power", "us", "coopt"),
                         [(True, 0.0, False), (True, 0.0, True), (False, 1.0, False),
                          (True, 1.0, True)])
def test_the_ledger_balances_every_stock(in_power: bool, us: float, coopt: bool) -> None:
    rng = np.random.default_rng(17)
    st, p = _state(rng), _params(rng)
    efforts = 4 if coopt else 3
    e_idx = rng.integers(0, efforts, N)
    x = rng.uniform(0, 1, N) * (e_idx > 0)
    s_t, s_us, s_b, d = (rng.random((4, N)) < 0.5)
    before = {"afg": _afghanistan(st), "border": st.border.copy(), "coopted": st.coopted.copy(),
              "abroad": st.abroad.copy(), "transferred": st.transferred.copy()}
    flows = militant_flows(st, p, s_t, s_us, s_b, d, e_idx, x, us, in_power, coopt)
    assert set(flows) == set(LEDGER) | {"change"}
    assert all(np.shape(flows[k]) == (N,) and np.all(flows[k] >= 0) for k in LEDGER)
    # the stock in Afghanistan changes by the inflows less the outflows, nothing else
    net = sum(flows[k] for k in INS) - sum(flows[k] for k in OUTS)
    np.testing.assert_allclose(_afghanistan(st) - before["afg"], net, atol=1e-9)
    # the co-opted and the border stocks change by their own flows (so the interior, the
    # rest of the total, does too)
    np.testing.assert_allclose(st.coopted - before["coopted"], flows["coopted"], atol=1e-9)
    np.testing.assert_allclose(st.border - before["border"], flows["change"], atol=1e-9)
    np.testing.assert_allclose(st.abroad - before["abroad"],
                               flows["crackdown_abroad"] - flows["returned"], atol=1e-9)
    # transfers are transfer_share of the neutralisations by the Taliban and other CT
    np.testing.assert_allclose(
        flows["transferred"],
        p["transfer_share"] * (flows["crackdown_neutralised"] + flows["base_neutralised"]),
        atol=1e-9)
    np.testing.assert_allclose(st.transferred - before["transferred"], flows["transferred"],
                               atol=1e-9)
    if not in_power:
        # out of power the Taliban move no one (choice D1)
        for k in ("relocated", "coopted", "crackdown_neutralised", "crackdown_abroad"):
            assert not flows[k].any(), k
    if us == 0.0:
        assert not flows["us_killed"].any()
    else:
        assert flows["us_killed"][s_us].min() > 0 and not flows["us_killed"][~s_us].any()
    if coopt:
        absorbing = s_t & (e_idx == int(Effort.COOPT))
        assert flows["coopted"][absorbing].min() > 0


def _by_hand(st: ChunkState, p: dict[str, np.ndarray], j: int, s_t: bool, s_us: bool,
             s_b: bool, d: bool, e: int, x: float, us: float, in_power: bool,
             coopt: bool) -> dict[str, float]:
    """Scenario ``j``'s stocks after the quarter, following docs/model-dynamics.md §7.4 step by
    step in plain floats: each flow a share of what the flows before it left."""
    def q(name: str) -> float:
        return float(p[name][j])

    b, i, c = float(st.border[j]), float(st.interior[j]), float(st.coopted[j])
    k, a = float(st.iskp[j]), float(st.abroad[j])
    crack_out = 0.0
    if in_power and s_t:                                           # 1. the Taliban's action
        h = q("taliban_action_rate")
        if e == 1:
            moved = h * b
            b, i, c = b - moved, i + moved * (1 - q("coopt_share")), c + moved * q("coopt_share")
        elif e == 2:
            cracked = h * (b + i)
            crack_out = cracked * q("crackdown_neutralise_share")
            b, i, a = b - h * b, i - h * i, a + cracked - crack_out
        elif e == int(Effort.COOPT) and coopt:
            b, i, c = b - h * b, i - h * i, c + h * (b + i)
    killed = q("us_strike_rate") * b if (s_us and us > 0) else 0.0  # 2. US/NATO strikes
    b -= killed
    base = q("base_neutralise_rate") * (b + i) if s_b else 0.0     # 3. other CT
    if s_b:
        b, i = b - q("base_neutralise_rate") * b, i - q("base_neutralise_rate") * i
    to_iskp = q("defection_share") * (b + i) if d else 0.0         # 4. defection
    if d:
        b, i = b - q("defection_share") * b, i - q("defection_share") * i
    k += to_iskp
    pressure = min(1.0, us * q("us_suppression") + in_power * float(st.control[j]))
    k_loss = q("iskp_fighter_attrition") * pressure * k            # 5. of ISKP's, new ones too
    returned = q("return_rate") * a                                # 6. after the crackdown's
    b += returned + q("recruitment") * (1 - x)
    return {"border": b, "interior": i, "coopted": c, "iskp": k - k_loss, "abroad": a - returned,
            "neutralised": float(st.neutralised[j]) + crack_out + killed + base + k_loss,
            "transferred": float(st.transferred[j]) + q("transfer_share") * (crack_out + base)}


@pytest.mark.parametrize(("in_power", "us", "coopt"),
                         [(True, 0.0, False), (True, 1.0, True), (False, 1.0, False),
                          (True, 0.4, False), (False, 0.4, True)])
def test_the_flows_follow_the_documented_order_and_shares(in_power: bool, us: float,
                                                          coopt: bool) -> None:
    # the ledger balances whatever share a flow takes; a recomputation in plain floats,
    # scenario by scenario, pins each share, the order and the pressure's cap at 1 (US
    # presence 1 with a governing Taliban puts it above 1 in most scenarios); a partial
    # US presence (0.4) still strikes
    rng = np.random.default_rng(23)
    st, p = _state(rng), _params(rng)
    e_idx = rng.integers(0, 4 if coopt else 3, N)
    x = rng.uniform(0, 1, N) * (e_idx > 0)
    s_t, s_us, s_b, d = (rng.random((4, N)) < 0.5)
    m = 300                                   # plain loops: a few hundred scenarios suffice
    expected = [_by_hand(st, p, j, bool(s_t[j]), bool(s_us[j]), bool(s_b[j]), bool(d[j]),
                         int(e_idx[j]), float(x[j]), us, in_power, coopt) for j in range(m)]
    militant_flows(st, p, s_t, s_us, s_b, d, e_idx, x, us, in_power, coopt)
    for name in expected[0]:
        np.testing.assert_allclose(getattr(st, name)[:m], [row[name] for row in expected],
                                   rtol=1e-12, atol=1e-9, err_msg=name)
