"""The dashboard's tables as data frames: what the page shows is what a CSV download holds.

Each function builds one table of the page from a computed view; the app shows it and
offers it as CSV (:func:`csv_bytes`). The events table keeps its numbers as numbers here
(value, 90% interval bounds in their own columns); :func:`events_display` formats them for
the page.
"""

from __future__ import annotations

import pandas as pd

from qpq.dashboard._equilibrium import EquilibriumView, StateView
from qpq.dashboard._whatif import ForecastView

__all__ = [
    "csv_bytes",
    "efforts_frame",
    "events_display",
    "events_frame",
    "state_frame",
]


def efforts_frame(v: EquilibriumView) -> pd.DataFrame:
    """Each Taliban type's effort on the selected PBE's path (one row per type)."""
    return pd.DataFrame({"Taliban type": [e.type_label for e in v.efforts],
                         "effort": [e.effort for e in v.efforts]})


def state_frame(s: StateView) -> pd.DataFrame:
    """One state of model v2: each type's effort, values and P(recognised next quarter)."""
    china = dict(s.china_value)
    taliban = dict(s.taliban_value)
    nxt = dict(s.p_recognised_next)
    return pd.DataFrame({
        "Taliban type": [e.type_label for e in s.efforts],
        "effort": [e.effort for e in s.efforts],
        "China's value": [china[e.type_label] for e in s.efforts],
        "Taliban value": [taliban[e.type_label] for e in s.efforts],
        "P(recognised next)": [nxt[e.type_label] for e in s.efforts],
    })


def events_frame(f: ForecastView) -> pd.DataFrame:
    """The forecast's events over its window: value, 90% interval, unit, status, meaning."""
    return pd.DataFrame({
        "event": [e.name for e in f.events],
        "value": [e.value for e in f.events],
        "low_90": [e.interval[0] if e.interval else None for e in f.events],
        "high_90": [e.interval[1] if e.interval else None for e in f.events],
        "unit": [e.unit for e in f.events],
        "status": [e.label for e in f.events],
        "what": [e.description for e in f.events],
        "window": [f"{f.window[0]}–{f.window[1]}"] * len(f.events),
    })


def _fmt(x: object) -> str:
    return "—" if x is None or pd.isna(x) else f"{float(x):.3g}"  # type: ignore[arg-type]


def events_display(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`events_frame` as the page prints it: value and interval in one column."""
    value = [_fmt(v) + ("" if pd.isna(lo) else f" [{_fmt(lo)}, {_fmt(hi)}]")
             for v, lo, hi in zip(frame["value"], frame["low_90"], frame["high_90"],
                                  strict=True)]
    return pd.DataFrame({"event": frame["event"], "value": value, "unit": frame["unit"],
                         "status": frame["status"], "what": frame["what"]})


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as UTF-8 CSV (no index column)."""
    text: str = frame.to_csv(index=False)
    return text.encode("utf-8")
