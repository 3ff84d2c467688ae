"""The dashboard's tables as data frames: what the page shows is what a CSV download holds.

Each function builds one table of the page from a computed view; the app shows it and
offers it as CSV (:func:`csv_bytes`). The events table keeps its numbers as numbers here
(value, 90% interval bounds in their own columns); :func:`events_display` formats them for
the page. The calibrated forecast's events add its backtest skill and calibration
constraint columns, as ``qpq sim forecast`` prints them, and, over a window the record has
passed, what the record shows.
"""

from __future__ import annotations

import pandas as pd

from qpq.dashboard._equilibrium import EquilibriumView, StateView
from qpq.dashboard._whatif import ForecastView

__all__ = [
    "RECORD_COLUMNS",
    "SKILL_COLUMNS",
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


SKILL_COLUMNS: tuple[str, ...] = (
    "skill_score", "skill_vs_climatology", "skill_vs_persistence", "parameters_constrained",
    "constrained", "unconstrained")
"""The events table's columns that only a calibrated forecast has (after ``status``)."""

RECORD_COLUMNS: tuple[str, ...] = ("record_value", "record_shows")
"""The events table's columns over a window the record has passed (after the skill's):
the outcome as the backtest scores it (a count, 1/0, a band's index) and in words."""


def events_frame(f: ForecastView) -> pd.DataFrame:
    """The forecast's events over its window: value, 90% interval, unit, status, meaning.

    A calibrated forecast's events also carry :data:`SKILL_COLUMNS`: the backtest score
    and skill vs climatology and vs persistence of their event type (empty where it has
    none, or where a skill is undefined), whether the calibration constrained ``all``,
    ``some`` or ``none`` of the parameters they depend on, and those parameters split
    by it (names joined by ``;``). Over a window the record has passed they carry
    :data:`RECORD_COLUMNS` too (:attr:`ForecastView.record`; empty for an event without a
    record event).
    """
    ev = f.events
    columns: dict[str, list[object]] = {
        "event": [e.name for e in ev],
        "value": [e.value for e in ev],
        "low_90": [e.interval[0] if e.interval else None for e in ev],
        "high_90": [e.interval[1] if e.interval else None for e in ev],
        "unit": [e.unit for e in ev],
        "status": [e.label for e in ev],
    }
    if any(e.parameters_constrained is not None for e in ev):
        columns |= {
            "skill_score": [e.skill_score for e in ev],
            "skill_vs_climatology": [e.skill_vs_climatology for e in ev],
            "skill_vs_persistence": [e.skill_vs_persistence for e in ev],
            "parameters_constrained": [e.parameters_constrained for e in ev],
            "constrained": ["; ".join(n for n, c in e.constrained_parameters if c) for e in ev],
            "unconstrained": ["; ".join(n for n, c in e.constrained_parameters if not c)
                              for e in ev],
        }
    if f.record:
        shown = {o.event: o for o in f.record}
        columns |= {
            "record_value": [shown[e.name].value if e.name in shown else None for e in ev],
            "record_shows": [shown[e.name].words() if e.name in shown else None for e in ev],
        }
    columns |= {"what": [e.description for e in ev],
                "window": [f"{f.window[0]}–{f.window[1]}"] * len(ev)}
    return pd.DataFrame(columns)


def _fmt(x: object) -> str:
    return "—" if x is None or pd.isna(x) else f"{float(x):.3g}"  # type: ignore[arg-type]


def _skill(score: object, clim: object, pers: object) -> str:
    if not isinstance(score, str):  # empty: the event type has no backtest
        return "no backtest"
    return " / ".join("undefined" if x is None or pd.isna(x) else _fmt(x)
                      for x in (clim, pers)) + f" ({score})"


def _constraint(label: str, constrained: str, unconstrained: str) -> str:
    hit, miss = (len([n for n in s.split("; ") if n]) for s in (constrained, unconstrained))
    return f"{label} ({hit} of {hit + miss})"


def events_display(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`events_frame` as the page prints it: value and interval in one column.

    A calibrated forecast's skill shows as ``vs climatology / vs persistence (score)``
    and its constraint as ``some (2 of 4)``, as ``qpq sim forecast`` prints them.
    """
    value = [_fmt(v) + ("" if pd.isna(lo) else f" [{_fmt(lo)}, {_fmt(hi)}]")
             for v, lo, hi in zip(frame["value"], frame["low_90"], frame["high_90"],
                                  strict=True)]
    shown: dict[str, object] = {"event": frame["event"], "value": value,
                                "unit": frame["unit"], "status": frame["status"]}
    if "skill_score" in frame:
        shown["skill vs climatology / persistence"] = [
            _skill(*r) for r in zip(frame["skill_score"], frame["skill_vs_climatology"],
                                    frame["skill_vs_persistence"], strict=True)]
        shown["parameters constrained"] = [
            _constraint(*r) for r in zip(frame["parameters_constrained"],
                                         frame["constrained"], frame["unconstrained"],
                                         strict=True)]
    if "record_shows" in frame:
        shown["the record shows"] = [w if isinstance(w, str) else "no record event"
                                     for w in frame["record_shows"]]
    shown["what"] = frame["what"]
    return pd.DataFrame(shown)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as UTF-8 CSV (no index column)."""
    text: str = frame.to_csv(index=False)
    return text.encode("utf-8")
