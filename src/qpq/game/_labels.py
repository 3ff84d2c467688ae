"""Plain-language labels of an equilibrium path, and the selection rule they go with.

Labels (docs/model-game.md §7.6), in priority order; the first that applies is the primary
label and the others that apply are listed as secondary ones:

1. ``boycott``: China's first move is Boycott;
2. ``intervention``: Intervene is China's most likely final action;
3. ``Plan B``: PlanB is China's most likely final action;
4. ``crackdown backfires``: crackdown is on the path and the ISKP harm it adds exceeds the
   ETIM harm it removes, ``iskp_threat``·(P(d) − P(d | harbour)) >
   ``etim_threat``·(P(s) − P(s | harbour));
5. ``deal holds``: P(R) ≥ 0.5 and every sincere type restrains or cracks down;
6. ``recognition without deal``: P(R) ≥ 0.5 otherwise;
7. ``recognition withdrawn``: the first move is Recognize and P(R) < 0.5;
8. ``engage without recognition``: otherwise.

Ties in "most likely final action" are broken by the same priority (Intervene before
PlanB before any other action).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qpq.game._paths import FINAL_ORDER, PathStats
from qpq.model import FinalAction, MoveKind

__all__ = ["LABELS", "SELECTION_RULE", "label_flags", "primary_label"]

LABELS: tuple[str, ...] = (
    "boycott",
    "intervention",
    "Plan B",
    "crackdown backfires",
    "deal holds",
    "recognition without deal",
    "recognition withdrawn",
    "engage without recognition",
)
"""Every label, in priority order."""

SELECTION_RULE = (
    "China's preferred PBE (highest expected payoff for China, which moves first); pure PBE "
    "are preferred to mixed ones found by the bounded search; ties in China's value across "
    "first moves (relative tolerance) go to the least committal first move (Boycott, "
    "Engage[no_promise], Engage[reward_if_suppressed], Engage[reward_if_suppressed_and_clean], "
    "Engage[reward_if_quiet], Recognize); ties within a first move go to the first "
    "continuation found (least effort first); off the path China's preferred continuation "
    "is played. Label = first applicable of: " + ", ".join(LABELS) + "."
)
"""The selection rule reported next to every label."""


def label_flags(stats: PathStats, etim_threat: ArrayLike, iskp_threat: ArrayLike,
                tol: float = 1e-9) -> NDArray[np.bool_]:
    """Which labels apply, shape (n, len(LABELS)), in :data:`LABELS` order."""
    n = stats.china_value.shape[0]
    flags = np.zeros((n, len(LABELS)), dtype=bool)
    pf = stats.p_final
    top = pf.max(axis=1)
    i_int = FINAL_ORDER.index(FinalAction.INTERVENE)
    i_pb = FINAL_ORDER.index(FinalAction.PLAN_B)
    intervention = pf[:, i_int] >= top - tol
    plan_b = (pf[:, i_pb] >= top - tol) & ~intervention
    added_iskp = np.asarray(iskp_threat) * (stats.p_defected - stats.p_defected_harbour)
    removed_etim = np.asarray(etim_threat) * (stats.p_suppressed - stats.p_suppressed_harbour)
    backfires = (stats.p_crackdown > tol) & (added_iskp > removed_etim + tol)
    recognised = stats.p_recognised >= 0.5 - tol
    flags[:, 0] = stats.kind is MoveKind.BOYCOTT
    flags[:, 1] = intervention
    flags[:, 2] = plan_b
    flags[:, 3] = backfires
    flags[:, 4] = recognised & stats.sincere_effort_ok
    flags[:, 5] = recognised & ~stats.sincere_effort_ok
    flags[:, 6] = (stats.kind is MoveKind.RECOGNIZE) & ~recognised
    flags[:, 7] = ~flags[:, :7].any(axis=1)
    return flags


def primary_label(flags: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Index (into :data:`LABELS`) of the first applicable label of each row."""
    return np.asarray(np.argmax(flags, axis=1), dtype=np.int64)
