"""Reading stakeholder data from files: plain CSV, Decide's tagged format and KTAB's SMP CSV.

Three formats are understood, told apart by their first lines (:func:`read_issue_data`):

Plain CSV
    A header with the columns ``actor, capability, position, salience`` (any order, any
    case; more columns are ignored) and one row per actor. An optional ``issue`` column makes
    it a long table of several issues.
Decide (``decide-exchange-model``)
    Tab-, comma- or semicolon-separated rows whose first field is a tag: ``#A key name``
    (actor), ``#P key name`` (issue), ``#M issue position description`` (a labelled point of
    the issue's scale; the lowest and highest give its range, default 0–100), ``#D actor
    issue position salience power`` (a position) and ``#0`` / ``#/`` comments. Fields may be
    quoted with ``'`` or ``"``; a row's separator is the one after its tag.
KTAB SMP CSV
    Line 1: ``scenario name, description, number of actors, number of dimensions``;
    line 2: ``Actor, Description, Power, <dim 1>, <sal 1>, ...``; then one row per actor with
    its power and, per dimension, a position and a salience, both on 0–100 (KTAB rescales
    them by 1/100 and requires each actor's saliences to sum to at most 100).

Errors are collected and raised together as one :class:`qpq.errors.BadInputError` whose
problems name the file, the line and the column. Beyond each number's own range, every reader
refuses magnitudes beyond :data:`MAX_MAGNITUDE` (the models square distances and multiply
capabilities, which overflows long before a float does) and an issue with fewer than
:data:`MIN_ACTORS` actors (nobody to bargain with).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from qpq.bargain._data import IssueSet, Stakeholders
from qpq.errors import BadInputError, Problem

__all__ = ["detect_format", "read_csv_table", "read_decide", "read_issue_data", "read_ktab_smp",
           "read_stakeholders"]

_COLUMNS = ("actor", "capability", "position", "salience")

MAX_MAGNITUDE = 1e9
"""Largest position, scale mark or capability a data file may give, in absolute value."""

MIN_ACTORS = 2
"""Fewest actors an issue needs: the expected utility model needs a challenger and a target;
the exchange model needs two actors on each of at least two issues."""


def _too_few_actors(file: str, issue: str | None, actors: list[str], line: int | None
                    ) -> Problem:
    on = f"issue {issue!r} has" if issue is not None else "the file has"
    who = ", ".join(repr(a) for a in actors) or "none"
    return Problem(file, f"{on} {len(actors)} actor{'s' if len(actors) != 1 else ''} ({who}); "
                   f"the expected utility model needs at least {MIN_ACTORS} on an issue, the "
                   f"exchange model at least {MIN_ACTORS} on each of two issues", field="actor",
                   line=line)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInputError(f"data file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read data file {path}: {exc}") from None


def _clean(field: str) -> str:
    field = field.strip()
    if len(field) >= 2 and field[0] == field[-1] and field[0] in "'\"":
        field = field[1:-1]
    return field.strip()


def _number(raw: str, file: str, line: int, column: str, problems: list[Problem],
            low: float | None = None, high: float | None = None, what: str = "") -> float:
    """Parse a number and check its range, recording a located problem if it fails."""
    text = _clean(raw)
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(file, f"{what}{column} must be a number, got {text!r}",
                                field=column, line=line))
        return math.nan
    if not math.isfinite(value):
        problems.append(Problem(file, f"{what}{column} must be finite, got {text!r}",
                                field=column, line=line))
    elif low is not None and value < low:
        problems.append(Problem(file, f"{what}{column} must be >= {low:g}, got {value:g}",
                                field=column, line=line))
    elif high is not None and value > high:
        problems.append(Problem(file, f"{what}{column} must be <= {high:g}, got {value:g}",
                                field=column, line=line))
    return value


def detect_format(path: str | Path) -> str:
    """``"decide"``, ``"ktab"`` or ``"csv"``, from the first non-empty lines of the file."""
    lines = [ln for ln in _text(Path(path)).splitlines() if ln.strip()][:2]
    if lines and _clean(lines[0].replace("\t", ",").split(",")[0]).startswith("#"):
        return "decide"
    if len(lines) == 2 and [_clean(f).lower() for f in lines[1].split(",")[:3]] == [
            "actor", "description", "power"]:
        return "ktab"
    return "csv"


def read_csv_table(path: str | Path) -> IssueSet:
    """Read a plain CSV (``actor, capability, position, salience`` [, ``issue``])."""
    path = Path(path)
    file = path.name
    rows = list(csv.reader(_text(path).splitlines()))
    problems: list[Problem] = []
    # the header is the first line with text (blank lines before it are skipped, as after)
    top = next((i for i, r in enumerate(rows) if any(f.strip() for f in r)), None)
    if top is None:
        raise BadInputError(f"{file} is empty", [Problem(file, "no header row", line=1)])
    header = [_clean(h).lower() for h in rows[top]]
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        raise BadInputError(f"{file}: missing column(s) {', '.join(missing)}", [
            Problem(file, f"missing column {c!r}; the header must name: "
                    + ", ".join(_COLUMNS) + " (and optionally issue)", field=c, line=top + 1)
            for c in missing])
    col = {name: header.index(name) for name in (*_COLUMNS, "issue") if name in header}
    parts: dict[str, list[tuple[str, float, float, float]]] = {}
    first_seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows[top + 1:], start=top + 2):
        if not any(f.strip() for f in row):
            continue
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        actor = _clean(row[col["actor"]])
        issue = _clean(row[col["issue"]]) if "issue" in col else "issue"
        if not actor:
            problems.append(Problem(file, "actor is empty", field="actor", line=line))
            continue
        if not issue:
            problems.append(Problem(file, "issue is empty", field="issue", line=line))
            continue
        what = f"actor {actor!r}: "
        cap = _number(row[col["capability"]], file, line, "capability", problems, low=0.0,
                      high=MAX_MAGNITUDE, what=what)
        pos = _number(row[col["position"]], file, line, "position", problems, -MAX_MAGNITUDE,
                      MAX_MAGNITUDE, what)
        sal = _number(row[col["salience"]], file, line, "salience", problems, 0.0, 1.0, what)
        key = (issue, actor)
        if key in first_seen:
            problems.append(Problem(file, f"duplicate actor {actor!r}"
                                    + (f" on issue {issue!r}" if "issue" in col else "")
                                    + f" (first on line {first_seen[key]})", field="actor",
                                    line=line))
            continue
        first_seen[key] = line
        parts.setdefault(issue, []).append((actor, cap, pos, sal))
    if not parts and not problems:
        problems.append(Problem(file, "no data rows after the header", line=top + 2))
    for issue, rows_of in parts.items():
        if len(rows_of) < MIN_ACTORS:
            problems.append(_too_few_actors(file, issue if "issue" in col else None,
                                            [r[0] for r in rows_of],
                                            first_seen[(issue, rows_of[0][0])]))
    if problems:
        raise BadInputError(f"{file} has {len(problems)} problem(s):", problems)
    tables = [Stakeholders.from_rows(r, issue=k, source=file) for k, r in parts.items()]
    return IssueSet.from_stakeholders(tables, source=file)


_SEPARATORS = "\t;,"
_QUOTES = "'\""


def _separator(line: str) -> str | None:
    """The separator right after the row's tag (quoted or not); ``None``: spaces separate.

    Read from the tag rather than from the whole line, because a later field may hold another
    separator in its text (``#P,x,"Tax; rate"`` is a comma-separated row, ``#0 a note; more``
    a space-separated comment).
    """
    rest = line.lstrip(" ")
    close = rest.find(rest[0], 1) if rest[:1] in _QUOTES else -1
    end = close + 1 if close > 0 else next(
        (i for i, ch in enumerate(rest) if ch in " " + _SEPARATORS), len(rest))
    after = rest[end:]
    if after[:1] == "\t":
        return "\t"
    after = after.lstrip(" ")
    return after[0] if after[:1] and after[0] in _SEPARATORS else None


def _split(line: str) -> list[str]:
    """A Decide row's fields, quotes kept (:func:`_clean` takes them off).

    A field that opens with ``'`` or ``"`` runs to the same quote, separators included; a
    quote that is never closed is read as text (the rest of the row split plainly).
    """
    sep = _separator(line)
    if sep is None:
        # spaces separate, however many; a quoted field keeps its own
        return [f for f in _fields(line.replace("\t", " "), " ") if f.strip()]
    return _fields(line, sep)


def _fields(line: str, sep: str) -> list[str]:
    fields: list[str] = []
    start, quote, opening = 0, "", True
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch == sep:
            fields.append(line[start:i])
            start, opening = i + 1, True
        elif opening and ch in _QUOTES:
            quote, opening = ch, False
        elif not ch.isspace():
            opening = False
    return fields + line[start:].split(sep) if quote else [*fields, line[start:]]


def read_decide(path: str | Path) -> IssueSet:
    """Read Decide's ``#``-tagged input format (see the module docstring)."""
    path = Path(path)
    file = path.name
    problems: list[Problem] = []
    actors: dict[str, int] = {}
    issues: dict[str, int] = {}
    names: dict[str, str] = {}
    marks: dict[str, list[float]] = {}
    mark_lines: dict[str, int] = {}
    data: dict[tuple[str, str], tuple[float, float, float, int]] = {}
    for line, raw in enumerate(_text(path).splitlines(), start=1):
        if not raw.strip():
            continue
        fields = [_clean(f) for f in _split(raw)]
        tag = fields[0].upper()
        need = {"#A": 2, "#P": 2, "#M": 3, "#D": 6}.get(tag)
        if tag in {"#0", "#/"}:
            continue
        if need is None:
            problems.append(Problem(file, f"unknown row tag {fields[0]!r}; expected #A, #P, #M,"
                                    " #D or a #0 / #/ comment", field="tag", line=line))
            continue
        if len(fields) < need:
            problems.append(Problem(file, f"{tag} row needs {need} fields, got {len(fields)}",
                                    line=line))
            continue
        if tag == "#A":
            if fields[1] in actors:
                problems.append(Problem(file, f"actor {fields[1]!r} defined twice (first on "
                                        f"line {actors[fields[1]]})", field="actor", line=line))
            actors.setdefault(fields[1], line)
        elif tag == "#P":
            if fields[1] in issues:
                problems.append(Problem(file, f"issue {fields[1]!r} defined twice", line=line,
                                        field="issue"))
            issues.setdefault(fields[1], line)
            names[fields[1]] = fields[2] if len(fields) > 2 and fields[2] else fields[1]
        elif tag == "#M":
            mark_lines.setdefault(fields[1], line)
            marks.setdefault(fields[1], []).append(
                _number(fields[2], file, line, "position", problems, -MAX_MAGNITUDE,
                        MAX_MAGNITUDE))
        else:
            actor, issue = fields[1], fields[2]
            what = f"actor {actor!r} on issue {issue!r}: "
            pos = _number(fields[3], file, line, "position", problems, what=what)
            sal = _number(fields[4], file, line, "salience", problems, 0.0, 1.0, what)
            cap = _number(fields[5], file, line, "power", problems, 0.0, MAX_MAGNITUDE, what)
            if (actor, issue) in data:
                problems.append(Problem(file, f"duplicate position of actor {actor!r} on issue "
                                        f"{issue!r} (first on line {data[(actor, issue)][3]})",
                                        field="actor", line=line))
            else:
                data[(actor, issue)] = (pos, sal, cap, line)
    for (actor, issue), (pos, _, _, line) in data.items():
        if actor not in actors:
            problems.append(Problem(file, f"actor {actor!r} is not defined by an #A row",
                                    field="actor", line=line))
        if issue not in issues:
            problems.append(Problem(file, f"issue {issue!r} is not defined by a #P row",
                                    field="issue", line=line))
            continue
        lo, hi = _bounds(marks.get(issue, []))
        if math.isfinite(pos) and not lo <= pos <= hi:
            problems.append(Problem(file, f"position {pos:g} of actor {actor!r} lies outside "
                                    f"issue {issue!r}'s range [{lo:g}, {hi:g}]",
                                    field="position", line=line))
    for issue, line in mark_lines.items():
        if issue not in issues:
            # a typo in an #M row's issue would otherwise leave that issue on the default
            # scale, 0-100, without a word
            problems.append(Problem(file, f"issue {issue!r} of an #M row is not defined by a "
                                    "#P row", field="issue", line=line))
    if not data and not problems:
        problems.append(Problem(file, "no #D (position) rows"))
    for issue, line in issues.items():
        on_issue = [a for (a, i) in data if i == issue]
        if len(on_issue) < MIN_ACTORS:
            problems.append(_too_few_actors(file, issue, on_issue, line))
    if problems:
        raise BadInputError(f"{file} has {len(problems)} problem(s):", problems)
    actor_ids, issue_ids = list(actors), list(issues)
    shape = (len(actor_ids), len(issue_ids))
    pos_a, sal_a, cap_a = (np.full(shape, np.nan) for _ in range(3))
    for (actor, issue), (pos, sal, cap, _) in data.items():
        a, d = actor_ids.index(actor), issue_ids.index(issue)
        pos_a[a, d], sal_a[a, d], cap_a[a, d] = pos, sal, cap
    bounds = [_bounds(marks.get(i, [])) for i in issue_ids]
    return IssueSet(actors=tuple(actor_ids), issues=tuple(issue_ids), position=pos_a,
                    capability=cap_a, salience=sal_a, lower=np.array([b[0] for b in bounds]),
                    upper=np.array([b[1] for b in bounds]),
                    issue_names=tuple(names[i] for i in issue_ids), source=file)


def _bounds(marks: list[float]) -> tuple[float, float]:
    good = [m for m in marks if math.isfinite(m)]
    if len(good) >= 2 and min(good) < max(good):
        return min(good), max(good)
    return 0.0, 100.0


def read_ktab_smp(path: str | Path) -> IssueSet:
    """Read KTAB's SMP scenario CSV (see the module docstring)."""
    path = Path(path)
    file = path.name
    lines = [ln for ln in _text(path).splitlines()]
    rows = list(csv.reader(lines))
    problems: list[Problem] = []
    if len(rows) < 2:
        raise BadInputError(f"{file}: a KTAB SMP file needs a scenario line and a header line")
    head = [_clean(f) for f in rows[0]] + ["", "", "", ""]
    n_act = _number(head[2], file, 1, "number of actors", problems, low=1)
    n_dim = _number(head[3], file, 1, "number of dimensions", problems, low=1)
    if problems or n_act != int(n_act) or n_dim != int(n_dim):
        raise BadInputError(f"{file}: line 1 must be 'name, description, number of actors, "
                            "number of dimensions' (whole numbers)", problems)
    n_act, n_dim = int(n_act), int(n_dim)
    if n_act < MIN_ACTORS:
        problems.append(_too_few_actors(file, None, [_clean(r[0]) for r in rows[2:] if r], 1))
    header = [_clean(f) for f in rows[1]]
    dims = [header[3 + 2 * d] if len(header) > 3 + 2 * d and header[3 + 2 * d] else f"dim{d + 1}"
            for d in range(n_dim)]
    body = [(i + 3, r) for i, r in enumerate(rows[2:]) if any(f.strip() for f in r)]
    if len(body) != n_act:
        problems.append(Problem(file, f"line 1 announces {n_act} actors but {len(body)} rows "
                                "follow", line=1))
    actors: list[str] = []
    cap = np.zeros(len(body))
    pos, sal = np.zeros((len(body), n_dim)), np.zeros((len(body), n_dim))
    for k, (line, row) in enumerate(body):
        row = [_clean(f) for f in row] + [""] * (3 + 2 * n_dim)
        name = row[0]
        if not name:
            problems.append(Problem(file, "actor name is empty", field="Actor", line=line))
        elif name in actors:
            problems.append(Problem(file, f"duplicate actor {name!r}", field="Actor", line=line))
        actors.append(name or f"row{line}")
        what = f"actor {name!r}: "
        cap[k] = _number(row[2], file, line, "Power", problems, 0.0, 1e8, what)
        for d in range(n_dim):
            pos[k, d] = _number(row[3 + 2 * d], file, line, dims[d], problems, 0.0, 100.0, what)
            sal[k, d] = _number(row[4 + 2 * d], file, line, f"salience of {dims[d]}", problems,
                                0.0, 100.0, what)
        if np.nansum(sal[k]) > 100.0 + 1e-9:
            problems.append(Problem(file, f"actor {name!r}: saliences sum to "
                                    f"{np.nansum(sal[k]):g} > 100", line=line))
    if problems:
        raise BadInputError(f"{file} has {len(problems)} problem(s):", problems)
    return IssueSet(actors=tuple(actors), issues=tuple(dims), position=pos,
                    capability=np.repeat(cap[:, None], n_dim, axis=1), salience=sal / 100.0,
                    lower=np.zeros(n_dim), upper=np.full(n_dim, 100.0), source=file)


def read_issue_data(path: str | Path) -> IssueSet:
    """Read any supported format (detected from the content) as an :class:`IssueSet`."""
    kind = detect_format(path)
    if kind == "decide":
        return read_decide(path)
    if kind == "ktab":
        return read_ktab_smp(path)
    return read_csv_table(path)


def read_stakeholders(path: str | Path, issue: str | None = None) -> Stakeholders:
    """Read one issue (default: the first) from any supported format."""
    return read_issue_data(path).stakeholders(issue)
