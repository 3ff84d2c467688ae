"""The quantile levels have one owner, qpq.stats: no module spells them again."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import qpq
from qpq.stats import FAN_QUANTILES, INTERVAL_90, MEDIAN, median_interval, quantile_name

SRC = Path(qpq.__file__).parent

# a quantile call, or a tuple/list of levels, that writes one of the shared levels itself
_SPELLED = re.compile(r"quantile\([^)]*\b0\.(05|25|75|95)\b|[(\[]0\.05, 0\.(25|5)\b")


def test_levels_and_names() -> None:
    assert FAN_QUANTILES == (0.05, 0.25, 0.5, 0.75, 0.95)
    assert (FAN_QUANTILES[0], FAN_QUANTILES[-1]) == INTERVAL_90 and MEDIAN in FAN_QUANTILES
    assert [quantile_name(q) for q in FAN_QUANTILES] == ["q05", "q25", "q50", "q75", "q95"]


def test_median_interval() -> None:
    x = np.arange(101.0)
    assert median_interval(x) == (5.0, 50.0, 95.0)
    assert all(np.isnan(v) for v in median_interval(np.empty(0)))


def test_no_module_spells_the_levels_again() -> None:
    hits = [f"{path.relative_to(SRC)}: {line.strip()}"
            for path in sorted(SRC.rglob("*.py")) if path != SRC / "stats.py"
            for line in path.read_text(encoding="utf-8").splitlines() if _SPELLED.search(line)]
    assert not hits, "use qpq.stats instead of spelling quantile levels:\n" + "\n".join(hits)
