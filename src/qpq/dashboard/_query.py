"""The dashboard's settings in its URL: every control's value written to and read from it.

A URL such as ``?policy=boycott&iskp_pull=2.5&run=calibrated&as_of=2024-06-30`` opens the
page with those settings, so a view can be shared. :class:`Controls` is every control's
value; :func:`controls_query` writes it as query parameters (every control, so that the
URL says everything the page shows) and :func:`controls_from_query` reads them back. A
value that is unknown, malformed or out of range never stops the page: it is reported in
one sentence (which setting, what was given, what is allowed) and the default is used.

Parameters are keyed by their own names (``iskp_pull=2.5``); a parameter outside
:data:`~qpq.dashboard._controls.KEY_PARAMETERS` given a value is added to "more sliders".
The other controls use the short keys of :data:`CONTROL_KEYS`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from qpq.case import Case
from qpq.dashboard._controls import AXIS_DEFAULTS, KEY_PARAMETERS, SliderSpec, slider_spec
from qpq.dashboard._evidence import EVIDENCE_QUERY
from qpq.dashboard._view import Context
from qpq.dashboard._whatif import FAN_VARIABLES
from qpq.model import GAME_PARAMETERS, POLICIES
from qpq.model import MODELS as MODEL_VERSIONS

__all__ = [
    "AS_OF_FIRST",
    "CONTROL_KEYS",
    "GRID_RANGE",
    "MODELS",
    "MODEL_DESCRIPTIONS",
    "MODES",
    "N_RANGE",
    "SEED_RANGE",
    "UNTIL_RANGE",
    "Controls",
    "QueryRead",
    "as_of_range",
    "controls_from_query",
    "controls_query",
    "default_controls",
    "extra_choices",
]

MODES: Mapping[str, str] = {"whatif": "what-if at these parameters",
                            "calibrated": "calibrated as of a date"}
"""The forecast's modes: URL value -> the radio's label."""

MODEL_DESCRIPTIONS: Mapping[str, str] = {"v1": "one round", "v2": "repeated relationship"}
"""The switch's words for each of :data:`qpq.model.MODELS` (a test holds one per model)."""

MODELS: Mapping[str, str] = {m: f"{m}: {MODEL_DESCRIPTIONS[m]}" if m in MODEL_DESCRIPTIONS
                             else m for m in MODEL_VERSIONS}
"""The equilibrium panel's models, those of :data:`qpq.model.MODELS` in its order: URL value ->
the switch's label (the bare name where a model has no description yet)."""

N_RANGE = (100, 50_000)
SEED_RANGE = (0, 2**31 - 1)
GRID_RANGE = (5, 41)
AS_OF_FIRST = dt.date(2002, 1, 1)
"""The earliest date of the calibrated forecast's picker."""
UNTIL_RANGE = (AS_OF_FIRST.year, 2040)
"""The horizon slider's years: from the picker's first year (a calibrated forecast's past
window; the what-if's must end after the record's last day, which the page says) to 2040."""


def as_of_range(case: Case) -> tuple[dt.date, dt.date]:
    """The calibrated forecast's dates: from :data:`AS_OF_FIRST` to the record's last day.

    The last day is the case's ``run.forecast_as_of`` (:func:`qpq.sim.check_known_by`): the
    picker ended on 2025-12-31, after the built-in record, where a forecast now stops.
    """
    return AS_OF_FIRST, case.run.forecast_as_of

CONTROL_KEYS: tuple[str, ...] = (
    "policy", "more", "x", "y", "grid", "run", "n", "seed", "until", "fan", "as_of", "model",
    EVIDENCE_QUERY,
)
"""The URL keys of the controls other than the parameter sliders, in the URL's order."""


@dataclass(frozen=True)
class Controls:
    """Every control's value (what the URL holds).

    Attributes
    ----------
    policy
        China's policy.
    extra
        Parameters added under "more sliders".
    values
        ``name -> value`` of every slider shown (key parameters and ``extra``).
    x_axis, y_axis, grid_size
        The phase diagram's axes and points per axis.
    mode
        ``whatif`` or ``calibrated`` (keys of :data:`MODES`).
    n, seed, until
        Scenarios, seed and the horizon's year.
    variable
        The fan chart's series.
    as_of
        The calibrated forecast's date.
    model
        ``v1`` or ``v2`` (keys of :data:`MODELS`).
    evidence
        The evidence item open in the evidence panel (``None``: none).
    """

    policy: str
    extra: tuple[str, ...]
    values: Mapping[str, float]
    x_axis: str
    y_axis: str
    grid_size: int
    mode: str
    n: int
    seed: int
    until: int
    variable: str
    as_of: dt.date
    model: str
    evidence: str | None = None


@dataclass(frozen=True)
class QueryRead:
    """Controls read from a URL, and one sentence per value that could not be used."""

    controls: Controls
    problems: tuple[str, ...] = ()


def extra_choices(ctx: Context) -> tuple[str, ...]:
    """Parameters "more sliders" offers: every game and simulator parameter not shown."""
    names = {*GAME_PARAMETERS, *(p.name for p in ctx.registry)}
    return tuple(sorted(n for n in names if n not in KEY_PARAMETERS))


def default_controls(ctx: Context) -> Controls:
    """The page's defaults: key parameters at their defaults, the case's dates."""
    values = {n: slider_spec(ctx.registry, n).default for n in KEY_PARAMETERS}
    return Controls(policy="equilibrium", extra=(), values=values, x_axis=AXIS_DEFAULTS[0],
                    y_axis=AXIS_DEFAULTS[1], grid_size=21, mode="whatif", n=2000, seed=0,
                    until=ctx.case.run.until.year, variable="militants_border",
                    as_of=ctx.case.run.forecast_as_of, model="v1")


def _number(value: float, integer: bool) -> str:
    if integer:
        return str(round(value))
    # ten significant digits: a slider's float noise (0.30000000000000004) is written 0.3
    return format(float(value), ".10g")


def controls_query(c: Controls, specs: Sequence[SliderSpec] = ()) -> dict[str, str]:
    """The URL's query parameters for ``c``: every control, then every slider shown.

    ``specs`` (the sliders' specs) say which parameters are whole numbers; others are
    written with ten significant digits.
    """
    integer = {s.name for s in specs if s.integer}
    out = {"policy": c.policy, "more": ",".join(c.extra), "x": c.x_axis, "y": c.y_axis,
           "grid": str(c.grid_size), "run": c.mode, "n": str(c.n), "seed": str(c.seed),
           "until": str(c.until), "fan": c.variable, "as_of": c.as_of.isoformat(),
           "model": c.model}
    if c.evidence:
        out[EVIDENCE_QUERY] = c.evidence
    for name, value in c.values.items():
        out[name] = _number(value, name in integer)
    return out


def _whole(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value == int(value) else None


def controls_from_query(query: Mapping[str, str | Sequence[str]], ctx: Context) -> QueryRead:
    """Read the controls from a URL's query parameters; defaults for anything unusable.

    Parameters
    ----------
    query
        ``key -> value`` (a list of values: the last one counts, as in Streamlit's
        ``st.query_params``).
    ctx
        The case and registry (parameter ranges, dates).

    Returns
    -------
    QueryRead
        The controls, and one sentence per value that was ignored (unknown key, malformed
        or out-of-range value, an axis that is not a shown game parameter ...).
    """
    d = default_controls(ctx)
    q = {k: (v if isinstance(v, str) else (v[-1] if v else "")) for k, v in query.items()}
    problems: list[str] = []

    def bad(key: str, allowed: str, default: object) -> None:
        problems.append(f"URL setting {key}={q[key]!r} ignored: {allowed}; using the "
                        f"default {default}.")

    def choice(key: str, allowed: Sequence[str], default: str) -> str:
        if key not in q:
            return default
        if q[key] in allowed:
            return q[key]
        bad(key, "expected one of " + ", ".join(allowed), default)
        return default

    def whole(key: str, rng: tuple[int, int], default: int, odd: bool = False) -> int:
        if key not in q:
            return default
        v = _whole(q[key])
        if v is None or not rng[0] <= v <= rng[1] or (odd and v % 2 == 0):
            bad(key, f"expected a{'n odd' if odd else ''} whole number in "
                f"{rng[0]}–{rng[1]}", default)
            return default
        return v

    policy = choice("policy", [p.name for p in POLICIES], d.policy)
    mode = choice("run", list(MODES), d.mode)
    model = choice("model", list(MODELS), d.model)
    variable = choice("fan", FAN_VARIABLES, d.variable)
    n = whole("n", N_RANGE, d.n)
    seed = whole("seed", SEED_RANGE, d.seed)
    until = whole("until", UNTIL_RANGE, d.until)
    grid = whole("grid", GRID_RANGE, d.grid_size, odd=True)
    as_of = d.as_of
    if "as_of" in q:
        first, last = as_of_range(ctx.case)
        try:
            as_of = dt.date.fromisoformat(q["as_of"])
            if not first <= as_of <= last:
                raise ValueError
        except ValueError:
            as_of = d.as_of
            bad("as_of", f"expected a date YYYY-MM-DD from {first} to {last} (the record's "
                "last day)", d.as_of)

    choices = extra_choices(ctx)
    extra: list[str] = []
    for name in filter(None, q.get("more", "").split(",")):
        if name in choices and name not in extra:
            extra.append(name)
        elif name not in choices:
            problems.append(f"URL setting more: {name!r} is not a parameter the dashboard "
                            "can add; ignored.")
    values = dict(d.values)
    params = set(choices) | set(KEY_PARAMETERS)
    for key in q:
        if key in CONTROL_KEYS:
            continue
        if key not in params:
            problems.append(f"URL setting {key!r} is neither a control "
                            f"({', '.join(CONTROL_KEYS)}) nor a parameter; ignored.")
            continue
        spec = slider_spec(ctx.registry, key)
        try:
            v = float(q[key])
        except ValueError:
            v = math.nan
        if not (math.isfinite(v) and spec.low <= v <= spec.high) or (
                spec.integer and v != int(v)):
            kind = "a whole number" if spec.integer else "a number"
            bad(key, f"expected {kind} in [{spec.low:g}, {spec.high:g}]", f"{spec.default:g}")
            v = spec.default
        if key not in KEY_PARAMETERS and key not in extra:
            extra.append(key)
        values[key] = v
    for name in extra:
        values.setdefault(name, slider_spec(ctx.registry, name).default)

    shown = [n for n in (*KEY_PARAMETERS, *extra) if n in GAME_PARAMETERS]
    x = choice("x", shown, d.x_axis)
    y_allowed = [n for n in shown if n != x]
    y_default = d.y_axis if d.y_axis in y_allowed else y_allowed[0]
    y = choice("y", y_allowed, y_default)

    evidence = q.get(EVIDENCE_QUERY) or None
    if evidence is not None and evidence not in ctx.case.by_id:
        problems.append(f"URL setting {EVIDENCE_QUERY}={evidence!r} ignored: the case holds no "
                        "item with that id.")
        evidence = None
    c = replace(d, policy=policy, extra=tuple(extra), values=values, x_axis=x, y_axis=y,
                grid_size=grid, mode=mode, n=n, seed=seed, until=until, variable=variable,
                as_of=as_of, model=model, evidence=evidence)
    return QueryRead(c, tuple(problems))
