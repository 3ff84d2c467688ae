"""Flows between the militant stocks in a quarter, driven by the realised signals.

Stocks (continuous fighters): border zone, interior, co-opted, ISKP, abroad, neutralised.
Every outflow is a share of what is left after the previous one, in this order, so stocks
stay non-negative and militants are conserved (only recruitment adds):

1. the Taliban's action, when it succeeds this quarter (s_T = 1): restrain-and-co-opt moves
   ``taliban_action_rate`` of the border stock, ``coopt_share`` of it into Taliban ranks and
   the rest to the interior (the relocation to Baghlan/Takhar); a crackdown hits the border
   and the interior alike, neutralising ``crackdown_neutralise_share`` and driving the
   rest abroad; co-optation (model v2's fourth effort, ``qpq.game.Effort.COOPT``) absorbs
   ``taliban_action_rate`` of the border and interior stocks into Taliban ranks (the
   co-opted stock, out of ISKP's reach and no longer attacking);
2. US/NATO strikes (s_US = 1) kill ``us_strike_rate`` of the border stock;
3. other counter-terrorism (s_base = 1) neutralises ``base_neutralise_rate`` of the border
   and interior stocks;
4. a defection quarter (d = 1) sends ``defection_share`` of border and interior to ISKP;
5. fighting wears down the Uyghurs in ISKP (``iskp_fighter_attrition`` at full pressure);
6. ``return_rate`` of those abroad return to the border zone; ``recruitment``·(1 − pressure)
   new recruits arrive there.

Transfers to China are ``transfer_share`` of the neutralisations by the Taliban and other
counter-terrorism (US strikes kill).

Besides the stocks, :func:`militant_flows` returns the quarter's ledger (:data:`LEDGER`): every
flow by name, so a diagnosis can say which flow fills or drains a stock
(``docs/regenerate_numbers.py tip-stock-flows``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.game import Effort
from qpq.sim._state import ChunkState

__all__ = ["LEDGER", "militant_flows"]

FloatArray = NDArray[np.float64]

LEDGER: dict[str, str] = {
    "recruits": "new recruits reaching the border zone (in)",
    "returned": "returns from abroad to the border zone (in)",
    "relocated": "moved by a restraint from the border zone to the interior (internal)",
    "coopted": "co-opted from the border zone, or absorbed from border and interior, into "
               "Taliban ranks (internal)",
    "crackdown_neutralised": "neutralised by a Taliban crackdown (out)",
    "crackdown_abroad": "driven abroad by a Taliban crackdown (out)",
    "us_killed": "killed by US/NATO strikes in the border zone (out)",
    "base_neutralised": "neutralised by other counter-terrorism (out)",
    "to_iskp": "defected to ISKP from border and interior (out)",
    "transferred": "transferred to China: transfer_share of the neutralisations by the "
                   "Taliban and other counter-terrorism (part of those outflows)",
}
"""The flows of a quarter that :func:`militant_flows` returns, with their direction for the
stock of Uyghur militants in Afghanistan (border zone, interior and co-opted)."""


def _full(x: Any, n: int) -> Any:
    """``x`` as an (n,) array, broadcast only where it is not one already.

    Most flows are; broadcasting those anyway cost 5 µs each a quarter.
    """
    return x if np.shape(x) == (n,) else np.broadcast_to(x, (n,))


def militant_flows(st: ChunkState, p: Mapping[str, Any], s_t: NDArray[np.bool_],
                   s_us: NDArray[np.bool_], s_b: NDArray[np.bool_], d: NDArray[np.bool_],
                   e_idx: NDArray[np.int64], x: FloatArray, us: float, in_power: bool,
                   coopt: bool = False) -> dict[str, FloatArray]:
    """Move militants between the stocks of ``st`` in place; return the quarter's flows.

    The returned mapping holds every flow of :data:`LEDGER` and ``change``, the border stock's
    change in the quarter.

    Parameters
    ----------
    st
        The chunk's state (stocks updated in place).
    p
        Per-scenario parameters.
    s_t, s_us, s_b
        Which suppression succeeded: the Taliban's, the US/NATO's, other counter-terrorism's.
    d
        Defection quarter (ISKP exists and the militants' logit chose it).
    e_idx, x
        The Taliban's effort (0-2, or 3 for co-optation) and the pressure behind their
        suppression signal (κ·control·e; κ·control·``coopt_visibility`` when co-opting).
    us, in_power
        US presence and whether the Taliban govern this quarter.
    coopt
        Whether co-optation is among the Taliban's efforts (model v2 with four efforts).
    """
    b0 = st.border
    border, interior, abroad = b0, st.interior, st.abroad
    zero = np.zeros(st.n)
    relocated = coopted = neutralised = cracked_out = zero
    if in_power and s_t.any():
        # Taliban action: restrain moves border militants (relocate / co-opt);
        # a crackdown hits border and interior (neutralise / flee abroad)
        hit = s_t * p["taliban_action_rate"]
        restrain = hit * (e_idx == 1)
        crack = hit * (e_idx == 2)
        moved = restrain * border
        relocated = moved * (1.0 - p["coopt_share"])
        coopted = moved * p["coopt_share"]
        cracked = crack * (border + interior)
        neutralised = cracked * p["crackdown_neutralise_share"]
        border = border - moved - crack * border
        interior = interior - crack * interior + relocated
        cracked_out = cracked - neutralised
        abroad = abroad + cracked_out
        if coopt:
            absorb = hit * (e_idx == int(Effort.COOPT))
            coopted = coopted + absorb * (border + interior)
            border = border - absorb * border
            interior = interior - absorb * interior
    killed = zero
    if us > 0.0:
        killed = s_us * p["us_strike_rate"] * border
        border = border - killed
    base_rate = s_b * p["base_neutralise_rate"]
    crack_neutralised = neutralised
    base = base_rate * (border + interior)
    border = border - base_rate * border
    interior = interior - base_rate * interior
    neutralised = neutralised + base
    to_iskp = zero
    if d.any():
        share = d * p["defection_share"]
        to_iskp = share * (border + interior)
        border = border - share * border
        interior = interior - share * interior
    pressure = np.minimum(us * p["us_suppression"] + in_power * st.control, 1.0)
    k_loss = p["iskp_fighter_attrition"] * pressure * (st.iskp + to_iskp)
    returned = p["return_rate"] * abroad
    recruits = p["recruitment"] * (1.0 - x)
    transferred = p["transfer_share"] * neutralised
    border = border + returned + recruits
    change = border - b0
    st.border = border
    st.interior = interior
    st.coopted = st.coopted + coopted
    st.iskp = st.iskp + to_iskp - k_loss
    st.abroad = abroad - returned
    st.neutralised = st.neutralised + neutralised + killed + k_loss
    st.transferred = st.transferred + transferred
    n = st.n
    return {"recruits": _full(recruits, n), "returned": returned,
            "relocated": relocated, "coopted": _full(coopted, n),
            "crackdown_neutralised": _full(crack_neutralised, n),
            "crackdown_abroad": _full(cracked_out, n),
            "us_killed": _full(killed, n), "base_neutralised": base,
            "to_iskp": to_iskp, "transferred": transferred, "change": change}
