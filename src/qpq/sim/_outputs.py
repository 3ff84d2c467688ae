"""The simulator's per-quarter outputs, named once with their meaning.

Every quantity a stylised fact's target, a window statistic, a chart or a forecast event
reads is one of these names; :meth:`qpq.sim._dynamics.Dynamics.step` returns an array per
name (the payoffs and the remaining-militant total only when a caller asks for them).
"""

from __future__ import annotations

__all__ = ["OUTPUTS", "PAYOFF_OUTPUTS"]

OUTPUTS: dict[str, str] = {
    "militants_border": "fighters in the border zone (Badakhshan/Wakhan), end of quarter",
    "militants_interior": "fighters relocated to the interior (Baghlan/Takhar), end of quarter",
    "militants_coopted": "fighters co-opted into Taliban ranks, end of quarter",
    "militants_iskp": "Uyghur fighters in ISKP, end of quarter",
    "militants_abroad": "fighters abroad (Syria, Pakistan), end of quarter",
    "militants_neutralised": "fighters neutralised so far (arrested, deported, killed)",
    "militants_remaining": "fighters not neutralised, end of quarter",
    "militants_border_change": "change of the border-zone stock in the quarter",
    "militants_relocated": "fighters moved from the border zone to the interior in the quarter",
    "militants_to_iskp": "fighters who joined ISKP in the quarter",
    "militants_transferred": "fighters deported or transferred to China in the quarter",
    "militants_recruited": "new recruits who reached the border zone in the quarter",
    "iskp_strength": "ISKP strength index (0-1)",
    "taliban_control": "Taliban control (multiplies capacity)",
    "belief_sincere": "China's belief that the Taliban are sincere, after the quarter",
    "first_move": "China's first move (index into FIRST_MOVES; -1: Taliban not in power)",
    "final_action": "China's final action (index into FINAL_ACTIONS; -1: none)",
    "engaged": "1 when China engages or recognises (m != Boycott)",
    "recognition_status": "0 none, 1 de facto (engaged, aid flowing), 2 de jure",
    "recognised": "1 when de jure recognition is in force after the quarter",
    "planb_status": "Plan B (1) or intervention (2) decided this quarter, in force next",
    "taliban_effort": "the Taliban's effort intensity e",
    "taliban_acts": "1 when the Taliban restrain or crack down",
    "suppressed": "suppression signal s",
    "defected": "defection signal d",
    "un_report": "1 when a UN report is issued this quarter",
    "un_report_close": "1 when a UN report finds close Taliban-al-Qaeda ties",
    "attacks_china": "attacks on China/Xinjiang (count)",
    "attacks_nationals": "attacks on Chinese nationals in Afghanistan (count)",
    "attacks_central_asia": "attacks across the border into Central Asia (count)",
    "expected_attacks_china": "expected attacks on China/Xinjiang in the quarter (the "
                               "count's mean)",
    "expected_attacks_nationals": "expected attacks on Chinese nationals in Afghanistan in "
                                   "the quarter (the count's mean)",
    "expected_attacks_central_asia": "expected attacks across the border into Central Asia "
                                      "in the quarter (the count's mean)",
    "expected_attacks_nationals_iskp": "ISKP's part of expected_attacks_nationals",
    "expected_attacks_central_asia_iskp": "ISKP's part of expected_attacks_central_asia",
    "china_payoff": "China's one-round payoff U_C this quarter (0 while T not in power)",
    "taliban_payoff": "the Taliban's one-round payoff U_T this quarter (0 while not in power)",
    "china_pays": "aid cost plus recognition cost paid by China this quarter",
}
"""Per-quarter outputs of :meth:`Dynamics.step`, with their meaning."""

PAYOFF_OUTPUTS = frozenset({"china_payoff", "taliban_payoff", "china_pays"})
"""Outputs that need the one-round payoffs (computed only when requested)."""
