"""Helpers shared by every CLI sub-command: JSON output, errors, progress, option parsing.

Conventions (all lenses follow them): ``--json`` prints exactly one JSON document on stdout
and nothing else there; human output goes through :data:`console`; errors raise
:class:`qpq.errors.QpqError` / :class:`qpq.errors.BadInputError` and the entry point turns
them into a plain sentence on stderr and exit code 1 / 2 (a traceback only with ``--debug``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from qpq.errors import BadInputError

__all__ = ["FIGURE_FORMATS", "GROUP_HELP", "ExecutorOpt", "SchedulerOpt",
           "check_figure_path", "console", "count_printer", "day_option", "err_console",
           "fit_table", "parse_assignments", "print_json", "progress", "save_chart",
           "save_figures", "to_jsonable"]

# The options of every command that runs its work on qpq.parallel's executors (one spelling)
ExecutorOpt = Annotated[str, typer.Option("--executor", help="auto, in-process, pool or dask "
                                          "(auto: dask with --scheduler, pool with --workers "
                                          "> 1)")]
SchedulerOpt = Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address, "
                                                  "e.g. tcp://HOST:8786")]


def day_option(text: str, option: str, *, end: bool = True) -> dt.date:
    """The day a date option names: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    A year or month stands for its last day where the option ends something (``end``: an
    as-of date, a horizon) or its first where it starts something (``--start``); an
    interval ``START/END``, which the case's dates may be, is refused: one option, one date
    (an as-of interval was read as its end without a word). Raises :class:`BadInputError`
    naming ``option``.
    """
    from qpq.case import DateParseError, FuzzyDate

    try:
        fuzzy = FuzzyDate.parse(text, interval=False)
    except DateParseError as exc:
        raise BadInputError(f"{option}: {exc}") from None
    return fuzzy.latest if end else fuzzy.earliest


GROUP_HELP: dict[str, str] = {
    "evidence": "Query and audit the evidence base (the case file).",
    "game": "Solve the quid pro quo game (perfect Bayesian equilibria) and export it to Gambit's "
            ".efg format.",
    "bargain": "Stakeholder bargaining: expected utility and exchange models.",
    "sim": "Dynamics: the quid pro quo quarter by quarter, vectorised over an ensemble "
           "(backcast, calibration, forecasts).",
    "explore": "Exploration: sensitivity (Sobol'/Morris), scenario discovery (PRIM) and policy "
               "comparison under deep uncertainty.",
}
"""Each sub-command group (module ``qpq.cli._<name>``) and its help, in ``qpq --help``'s order.

The root lists the groups from here without importing them (``qpq --help`` stays fast); each
group's own ``typer.Typer`` takes its help from here too.
"""

class _FittingConsole(Console):
    """A console whose tables show every header and cell whole, at any terminal width.

    Rich cuts what a narrow column cannot hold ("expecte…" for two different columns in an
    80-column terminal), which leaves a reader guessing. Every table printed here folds
    instead, a snake_case header breaks at its underscores (the JSON keeps the name), and a
    table wider than the terminal drops its vertical lines and gives each column at least
    its longest word, so words break only where even that does not fit. A header given as a
    :class:`rich.text.Text` is a name the user types back (a query's column, ``count_star()``)
    and is printed exactly: no underscore becomes a space and no bracket is taken for markup.
    """

    def print(self, *objects: Any, **kwargs: Any) -> None:
        for obj in objects:
            if isinstance(obj, Table):
                fit_table(obj, self.width)
        super().print(*objects, **kwargs)


def _words(text: object) -> list[str]:
    if isinstance(text, Text):
        return text.plain.split()       # an exact name breaks at its spaces only
    return str(text).replace("_", " ").split() if isinstance(text, str) else []


def fit_table(table: Table, width: int | None = None) -> Table:
    """Fit ``table`` to ``width`` columns without cutting any text (see the console's doc)."""
    for col in table.columns:
        col.overflow = "fold" if col.overflow == "ellipsis" else col.overflow
        # no_wrap crops a header that must wrap ("max re" for "max regret"), and a ratio
        # overrides the widths set below; cells keep whole words either way
        col.no_wrap, col.ratio = False, None
        if isinstance(col.header, str) and "_" in col.header and " " not in col.header:
            col.header = col.header.replace("_", " ")
    if width is None or not table.columns or not table.row_count:
        return table
    head = [max((len(w) for w in _words(col.header)), default=1) for col in table.columns]
    full = [max([len(str(col.header))] + [len(str(c)) for c in col.cells])
            for col in table.columns]
    natural = [max([h] + [len(str(c)) for c in col.cells]) for h, col
               in zip(head, table.columns, strict=True)]
    need = [max([h] + [max((len(w) for w in str(c).split()), default=0) for c in col.cells])
            for h, col in zip(head, table.columns, strict=True)]     # names stay whole
    n = len(natural)
    if sum(full) + 3 * n + 1 <= width:
        return table                    # fits as it is
    if sum(natural) + 3 * n + 1 <= width:
        # fits with lines if headers wrap: share what is left in proportion to header length
        spare = width - 3 * n - 1 - sum(natural)
        excess = [f - m for f, m in zip(full, natural, strict=True)]
        total = sum(excess) or 1
        for col, m, e in zip(table.columns, natural, excess, strict=True):
            col.width = min(m + (spare * e) // total, m + e)
        return table
    # Too wide with lines: drop them (two spaces between columns) and share what is left
    # beyond each column's longest word in proportion to what the column would like.
    table.box, table.padding, table.pad_edge = None, (0, 1), False
    table.header_style = "bold underline"
    room = width - 2 * n + 2
    if sum(need) > room:
        return table                    # nothing fits whole: rich folds inside words
    spare, excess = room - sum(need), [a - b for a, b in zip(natural, need, strict=True)]
    total = sum(excess) or 1
    for col, m, e in zip(table.columns, need, excess, strict=True):
        col.width = min(m + (spare * e) // total, m + e)
    return table


console = _FittingConsole()
err_console = _FittingConsole(stderr=True)

T = TypeVar("T")


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, dates, paths, sets and dataclass-likes to JSON types."""
    if obj is None or isinstance(obj, str | bool | int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "tolist"):
        return to_jsonable(obj.tolist())
    if hasattr(obj, "model_dump"):
        return to_jsonable(obj.model_dump(mode="json"))
    if hasattr(obj, "__dataclass_fields__"):
        return {f: to_jsonable(getattr(obj, f)) for f in obj.__dataclass_fields__}
    return str(obj)


def print_json(obj: Any) -> None:
    """Print one JSON document on stdout."""
    sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False) + "\n")


def parse_assignments(items: Iterable[str], option: str = "--set") -> dict[str, str]:
    """Parse ``NAME=VALUE`` pairs given to an option such as ``--set``."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise BadInputError(f"{option} expects NAME=VALUE, got {item!r}")
        out[name.strip()] = value.strip()
    return out


FIGURE_FORMATS = (".html", ".png", ".svg", ".json")
"""The figure files the CLI writes, by suffix (``.json``: the Vega-Lite specification)."""


def _names_a_folder(path: Path) -> bool:
    # an existing folder, or a new path without a suffix
    return path.is_dir() or (path.suffix == "" and not path.exists())


def check_figure_path(path: Path | None, option: str, *, folder: bool = True) -> None:
    """Refuse, before any work is done, a figure path the CLI could not write.

    An existing folder, or a path without a suffix that does not exist yet, is a folder when
    ``folder`` is allowed; otherwise (a file, a pipe, ``/dev/stdout``) its suffix must be one
    of :data:`FIGURE_FORMATS`.
    """
    if path is None or (folder and _names_a_folder(path)):
        return
    suffix = path.suffix.lower()
    if suffix not in FIGURE_FORMATS:
        allowed = ", ".join(FIGURE_FORMATS) + (" or a folder" if folder else "")
        raise BadInputError(f"{option} {path}: unknown figure format {suffix or '(none)'}; "
                            f"allowed: {allowed}")


def save_chart(chart: Any, path: Path) -> Path:
    """Write an Altair chart whole, in the format its suffix names (:data:`FIGURE_FORMATS`)."""
    import altair as alt

    from qpq.files import write_file

    check_figure_path(path, "figure", folder=False)
    suffix = path.suffix.lower()
    data: str | bytes
    # Altair's 5,000-row guard is for notebooks; a file holds what the chart needs (all
    # nine policies' trajectories are 7,560 rows: `sim run --charts` ended in MaxRowsError)
    with alt.data_transformers.disable_max_rows():
        if suffix == ".html":
            data = chart.to_html()
        else:
            import vl_convert as vlc

            spec = chart.to_dict()
            data = (vlc.vegalite_to_png(spec, scale=2) if suffix == ".png"
                    else vlc.vegalite_to_svg(spec) if suffix == ".svg"
                    else json.dumps(spec, indent=1) + "\n")
    write_file(path, data)      # the folder is made if missing
    return path


def save_figures(path: Path, charts: Mapping[str, Any]) -> list[Path]:
    """Write named charts to a ``--chart PATH`` (checked by :func:`check_figure_path`).

    A folder gets ``NAME.html`` per chart; a file gets the chart itself when there is one,
    else one file per chart beside it, ``STEM_NAME.SUFFIX``, in the file's format (a name
    given is never dropped in silence).
    """
    if _names_a_folder(path):
        targets = {name: path / f"{name}.html" for name in charts}
    elif len(charts) == 1:
        targets = {name: path for name in charts}
    else:
        targets = {name: path.with_name(f"{path.stem}_{name}{path.suffix}") for name in charts}
    return [save_chart(chart, targets[name]) for name, chart in charts.items()]


def count_printer() -> Callable[[str, int, int], None]:
    """A ``(stage, done, total)`` progress callback that prints on stderr.

    On a terminal the count is rewritten in place. Elsewhere (a pipe, a log, CI) a line is
    printed when a stage starts and when it finishes, never a carriage return, so a log keeps
    what ran and nothing runs into the table printed next.
    """
    last: list[str] = []

    def show(stage: str, done: int, total: int) -> None:
        final = done >= total
        if err_console.is_terminal:
            err_console.print(f"[dim]{stage}: {done}/{total}[/dim]",
                              end="\n" if final else "\r")
        elif final or last[-1:] != [stage]:
            err_console.print(f"{stage}: {done}/{total}", highlight=False)
        last[:] = [stage]

    return show


def progress(items: Iterable[T], total: int | None, description: str, *, enabled: bool = True
             ) -> Iterator[T]:
    """Iterate with a rich progress bar on stderr (done, rate, time left)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if not enabled:
        yield from items
        return
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)
