"""Assemble the report: run each section's builder, save figures, write one HTML file.

The HTML is self-contained and opens offline: the Vega/Vega-Lite/Vega-Embed libraries are
inlined once (from ``vl-convert``'s bundle) and every chart's specification is embedded as
JSON, so charts stay interactive (hover for details). Each figure is also written as PNG and
SVG next to the report for use in other documents.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import vl_convert as vlc

from qpq import __version__
from qpq.case import Case
from qpq.errors import BadInputError
from qpq.files import (
    check_output_folder,
    errors_named,
    replace_folder,
    signals_held,
    staged_file,
)
from qpq.report._sections import ReportContext, Section, SectionContent, default_sections

__all__ = ["ReportResult", "SectionOutcome", "build_report"]


@dataclass(frozen=True)
class SectionOutcome:
    """How one section went: built, or a placeholder.

    ``applies`` is false for a section that was built as a note saying why it does not
    apply to the case (its lens lacks what it needs); ``note`` is that reason.
    """

    id: str
    title: str
    built: bool
    seconds: float
    summary: str | None
    figures: tuple[str, ...]
    applies: bool = True
    note: str | None = None


@dataclass(frozen=True)
class ReportResult:
    """Where the report went and what it contains."""

    html: Path
    figure_dir: Path
    sections: tuple[SectionOutcome, ...]


# Expose the three libraries to the page's own script, which embeds each figure.
_BUNDLE_SNIPPET = "window.vegaEmbed = vegaEmbed; window.vegaLite = vegaLite; window.vega = vega;"

PAGE_WIDTH = 1000
"""The page's text column in px: every figure is drawn no wider (tested on the built-in
report; the record's charts, the timeline and the posteriors ran 1,040-1,070 px past it)."""

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:PAGE_WIDTHpx;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em}h2{border-bottom:2px solid #0072B2;padding-bottom:.2em;margin-top:2em}
table.data{border-collapse:collapse;font-size:.85em;width:100%}
table.data td,table.data th{border:1px solid #ccc;padding:.25em .4em;vertical-align:top}
table.data th{background:#f0f4f8;text-align:left}
.placeholder,.empty{color:#666;font-style:italic;background:#f7f7f7;padding:.6em;
border-left:4px solid #999}.figure{margin:1em 0}.howto{font-size:.85em;color:#444}
.files{font-size:.8em}
nav ul{columns:2;font-size:.9em}
""".replace("PAGE_WIDTH", str(PAGE_WIDTH))


def _figure_html(section_id: str, index: int, fig_id: str, title: str, how: str, spec: str,
                 files: tuple[str, str], note: str | None) -> str:
    div = f"fig-{section_id}-{index}"
    extra = f"<p class='howto'>{escape(note)}</p>" if note else ""
    return (
        # The chart carries its own title (so exported PNG/SVG files do too).
        f"<div class='figure' id='figure-{escape(fig_id)}' aria-label='{escape(title)}'>"
        f"<div id='{div}' class='chart' data-figure='{escape(fig_id)}'></div>"
        f"<p class='howto'><strong>How to read this:</strong> {escape(how)}</p>{extra}"
        f"<p class='files'>Files: <a href='{escape(files[0])}'>PNG</a> · "
        f"<a href='{escape(files[1])}'>SVG</a></p>"
        f"<script type='application/json' id='{div}-spec'>{spec}</script></div>"
    )


def build_report(
    case: Case,
    out_dir: str | os.PathLike[str],
    sections: list[Section] | None = None,
    *,
    reduced: bool = True,
    progress: Callable[[Sequence[Section]], Iterable[Section]] | None = None,
    as_of: dt.date | None = None,
) -> ReportResult:
    """Build every section and write ``out_dir/report.html`` and ``out_dir/figures/``.

    The page and its figures are written beside the earlier report (a staged page,
    ``.figures.partial/``) and put in place together at the end, so a failed or interrupted
    build leaves the earlier report and its figures as they were, and a figure of a section
    that is gone does not linger. ``figures/`` is the report's own: it is replaced whole.
    ``progress`` may wrap the section list (the CLI passes a progress bar; the report itself
    knows nothing of terminals). An ``as_of`` after the case's record is refused before
    anything is written (:func:`qpq.sim.check_known_by`).
    """
    if as_of is not None and case.meta.run is not None:
        # the report's calibrations and forecasts refuse it (a date after the record reads
        # its quarters as empty); a report as of 2030 also quietly dropped the packaged
        # backtest that the plain report shows
        from qpq.sim import check_known_by

        check_known_by(case, as_of)
    out_dir = Path(out_dir)
    fig_dir = out_dir / "figures"
    _check_figures_folder(out_dir, fig_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = out_dir / ".figures.partial"
    shutil.rmtree(staged, ignore_errors=True)   # a crashed build's leftovers
    try:
        # an error about the staged figures (a read-only or full disk) names the folder
        # the user gave
        with errors_named(out_dir, staged):
            staged.mkdir()
            return _build(case, out_dir, fig_dir, staged, sections, reduced, progress, as_of)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _check_figures_folder(out_dir: Path, fig_dir: Path) -> None:
    """Refuse an ``out_dir/figures`` that an earlier report did not write, before any work.

    The build replaces ``figures/`` whole, so a folder of the user's own figures there
    (``qpq report --out ~/paper``) was deleted without a word. An earlier report's is a
    folder of PNG and SVG files beside a ``report.html``; an empty one is anyone's.
    """
    option = "out_dir (--out)"
    # a hidden file (.DS_Store) is no one's work: check_output_folder passes it over
    check_output_folder(fig_dir, ("*.png", "*.svg"), option=option, kind="report",
                        files_only=True)
    if (fig_dir.is_dir() and any(not e.name.startswith(".") for e in fig_dir.iterdir())
            and not (out_dir / "report.html").is_file()):
        raise BadInputError(
            f"{option}: {fig_dir} holds figures but no report.html is beside it (an earlier "
            "report's is), and a finished report replaces the folder; allowed: a new folder, "
            "an empty one or an earlier report's")


def _build(case: Case, out_dir: Path, fig_dir: Path, staged: Path,
           sections: list[Section] | None, reduced: bool,
           progress: Callable[[Sequence[Section]], Iterable[Section]] | None,
           as_of: dt.date | None) -> ReportResult:
    ctx = ReportContext(case=case, out_dir=out_dir, generated=dt.datetime.now(dt.UTC),
                        reduced=reduced, as_of=as_of)
    chosen = sections if sections is not None else default_sections()
    outcomes: list[SectionOutcome] = []
    body: list[str] = []
    for section in (progress(chosen) if progress is not None else chosen):
        start = time.perf_counter()
        builder = section.load_builder()
        content: SectionContent | None = None
        not_applicable: str | None = None
        if builder is not None:
            try:
                content = builder(ctx)
            except BadInputError as exc:
                not_applicable = str(exc)
                # The case lacks what this lens needs (e.g. an evidence-only case has no
                # simulator parameters): say so in place, and build the rest.
                content = SectionContent(
                    "<p class='empty'>This section does not apply to this case: "
                    f"{escape(str(exc))}</p>", (), None)
        fig_names: list[str] = []
        parts = [f"<section id='{escape(section.id)}'><h2>{escape(section.title)}</h2>"]
        if content is None:
            parts.append(f"<p class='placeholder'>Not built yet. {escape(section.placeholder)}"
                         "</p>")
        else:
            parts.append(content.html)
            for i, fig in enumerate(content.figures):
                spec_dict = fig.chart.to_dict()
                spec_dict.setdefault("title", fig.title)
                png = f"figures/{fig.id}.png"
                svg = f"figures/{fig.id}.svg"
                drawn = vlc.vegalite_to_svg(spec_dict)
                (staged / f"{fig.id}.svg").write_text(drawn, encoding="utf-8")
                # rasterised from the drawn SVG (vegalite_to_png draws the chart again, then
                # rasterises it the same way: the same bytes, in half the time)
                (staged / f"{fig.id}.png").write_bytes(vlc.svg_to_png(drawn, scale=2))
                spec = json.dumps(spec_dict).replace("</", "<\\/")
                parts.append(_figure_html(section.id, i, fig.id, fig.title, fig.how_to_read,
                                          spec, (png, svg), fig.note))
                fig_names.append(fig.id)
        parts.append("</section>")
        body.append("".join(parts))
        outcomes.append(SectionOutcome(section.id, section.title, content is not None,
                                       time.perf_counter() - start,
                                       content.summary if content else None, tuple(fig_names),
                                       applies=not_applicable is None, note=not_applicable))
    nav = "".join(f"<li><a href='#{escape(o.id)}'>{escape(o.title)}</a>"
                  + ("" if o.built else " <small>(placeholder)</small>") + "</li>"
                  for o in outcomes)
    script = (
        "document.querySelectorAll('div.chart').forEach(function(el){"
        "var spec=JSON.parse(document.getElementById(el.id+'-spec').textContent);"
        "vegaEmbed('#'+el.id,spec,{actions:false,renderer:'svg'}).catch(function(e){"
        "el.textContent='Figure failed to render: '+e;console.error(e);});});"
    )
    settings = ("reduced settings (heavy studies cached or run small; see each section)"
                if reduced else "full settings")
    html = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>qpq report — {escape(case.meta.title)}</title><style>{_CSS}</style>"
        f"<script>{vlc.javascript_bundle(_BUNDLE_SNIPPET)}</script></head><body>"
        f"<h1>qpq report: {escape(case.meta.title)}</h1>"
        f"<p>Generated {ctx.generated:%Y-%m-%d %H:%M} UTC by qpq {__version__} for case "
        f"<code>{escape(case.meta.id)}</code>, with {settings}."
        + (f" <strong>Evidence as of {as_of.isoformat()}</strong>: later items are left out, "
           "and the model's calibrations and backtests use only the record known by then "
           "(the packaged backtest on the whole record is not shown)." if as_of else "")
        + "</p>"
        f"<nav><ul>{nav}</ul></nav>{''.join(body)}<script>{script}</script></body></html>"
    )
    target = out_dir / "report.html"
    # the figures and the page change together: the page is staged, then, with the signals
    # held, the figures are swapped and the page renamed into place
    with signals_held(), staged_file(target) as tmp:
        tmp.write_text(html, encoding="utf-8")
        replace_folder(staged, fig_dir)
    return ReportResult(target, fig_dir, tuple(outcomes))
