from __future__ import annotations

import numpy as np
import pytest

from qpq.game._labels import LABELS, SELECTION_RULE, label_flags, primary_label
from qpq.game._paths import FINAL_ORDER, PathStats
from qpq.game._spec import FULL_GAME, TYPES, GameStructure
from qpq.model import FIRST_MOVES, FinalAction, MoveKind


def test_formal_properties() -> None:
    d = FULL_GAME.describe()
    assert d["players"] == ["China", "Taliban"]
    assert d["types"] == ["S,H", "S,L", "I,H", "I,L"]
    assert [c["name"] for c in d["chance_moves"]] == ["type", "suppression", "defection",
                                                      "un_report"]
    assert len(FULL_GAME.signals) == 8 and FULL_GAME.n_profiles == 81
    assert FULL_GAME.perfect_recall


def test_infoset_labels_as_in_spec() -> None:
    engage = FIRST_MOVES[1]
    sig = next(s for s in FULL_GAME.signals if (s.s, s.d, s.r_close) == (1, 0, 1))
    assert FULL_GAME.china_infoset(engage, sig) == "C|Engage[no_promise],s1,d0,rclose"
    assert FULL_GAME.taliban_infoset(TYPES[0], engage) == "T|S,H|Engage[no_promise]"
    small = GameStructure(types=TYPES[:2], first_moves=(engage,), un_report=False)
    assert [s.label for s in small.signals] == ["s0,d0", "s0,d1", "s1,d0", "s1,d1"]


def test_report_free_structure_rejects_clean_promise() -> None:
    with pytest.raises(ValueError, match="UN report"):
        GameStructure(first_moves=(FIRST_MOVES[3],), un_report=False)


def _stats(kind: MoveKind, final: dict[FinalAction, float], p_rec: float = 0.0,
           sincere_ok: bool = False, crackdown: float = 0.0, d: float = 0.2, s: float = 0.2,
           d_h: float = 0.2, s_h: float = 0.2) -> PathStats:
    pf = np.zeros((1, len(FINAL_ORDER)))
    for f, v in final.items():
        pf[0, FINAL_ORDER.index(f)] = v
    one = np.ones(1)
    return PathStats(kind=kind, china_value=one * 0, taliban_by_type=np.zeros((1, 4)),
                     taliban_value=one * 0, beliefs=np.zeros((1, 8, 4)),
                     p_signal=np.zeros((1, 8)), p_final=pf, p_recognised=one * p_rec,
                     p_aid=one, p_breach=one * 0, p_suppressed=one * s, p_defected=one * d,
                     p_close=one * 0.5, p_suppressed_harbour=one * s_h,
                     p_defected_harbour=one * d_h, p_crackdown=one * crackdown,
                     sincere_effort_ok=np.array([sincere_ok]), round_harm=one,
                     future_harm=one, security=-one)


def _label(stats: PathStats, etim: float = 1.0, iskp: float = 1.0) -> tuple[str, list[str]]:
    flags = label_flags(stats, etim, iskp)
    prim = int(primary_label(flags)[0])
    return LABELS[prim], [LABELS[i] for i in np.flatnonzero(flags[0]) if i != prim]


def test_label_priority_and_ties() -> None:
    F = FinalAction
    assert _label(_stats(MoveKind.BOYCOTT, {F.INTERVENE: 1.0}))[0] == "boycott"
    # a tie in "most likely final action" goes to the higher priority
    assert _label(_stats(MoveKind.ENGAGE, {F.INTERVENE: 0.5, F.PLAN_B: 0.5}))[0] == (
        "intervention")
    assert _label(_stats(MoveKind.ENGAGE, {F.PLAN_B: 0.5, F.REWARD: 0.5},
                         p_rec=0.5))[0] == "Plan B"
    deal = _stats(MoveKind.ENGAGE, {F.REWARD: 0.7, F.WITHHOLD: 0.3}, p_rec=0.7,
                  sincere_ok=True)
    assert _label(deal) == ("deal holds", [])
    no_deal = _stats(MoveKind.ENGAGE, {F.REWARD: 0.7, F.WITHHOLD: 0.3}, p_rec=0.7)
    assert _label(no_deal)[0] == "recognition without deal"
    withdrawn = _stats(MoveKind.RECOGNIZE, {F.DOWNGRADE: 0.6, F.MAINTAIN: 0.4}, p_rec=0.4)
    assert _label(withdrawn)[0] == "recognition withdrawn"
    assert _label(_stats(MoveKind.ENGAGE, {F.WITHHOLD: 1.0}))[0] == (
        "engage without recognition")


def test_crackdown_backfires_label() -> None:
    F = FinalAction
    # ISKP harm added 2*(0.6-0.2)=0.8 exceeds ETIM harm removed 1*(0.5-0.2)=0.3
    st = _stats(MoveKind.ENGAGE, {F.WITHHOLD: 1.0}, crackdown=0.4, d=0.6, s=0.5)
    assert _label(st, etim=1.0, iskp=2.0)[0] == "crackdown backfires"
    assert _label(st, etim=3.0, iskp=1.0)[0] == "engage without recognition"
    # no crackdown on the path: never "backfires"
    st2 = _stats(MoveKind.ENGAGE, {F.WITHHOLD: 1.0}, crackdown=0.0, d=0.6, s=0.5)
    assert _label(st2, etim=1.0, iskp=2.0)[0] == "engage without recognition"


def test_selection_rule_is_stated() -> None:
    assert "least committal" in SELECTION_RULE
    for label in LABELS:
        assert label in SELECTION_RULE
