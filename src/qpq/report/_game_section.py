"""The report section of the strategic core: the game's equilibria at the default parameters."""

from __future__ import annotations

from html import escape
from typing import Any

import altair as alt
import pandas as pd

from qpq.game import FULL_GAME
from qpq.model import FinalAction
from qpq.palette import OKABE_ITO
from qpq.report._sections import Figure, ReportContext, SectionContent
from qpq.report._shared import game_solution, selected_equilibrium

__all__ = ["game_section"]

EFFORTS = tuple(e.label for e in FULL_GAME.efforts)
"""The efforts of the game the section solves, in their order (colours follow it)."""


def _effort_chart(equilibria: list[dict[str, Any]]) -> Any:
    """A grid: one column per equilibrium, one row per type, coloured by its main effort."""
    rows = []
    for i, eq in enumerate(equilibria):
        for typ, dist in eq["outcome"]["effort_by_type"].items():
            main = max(dist, key=lambda k: dist[k])
            rows.append({
                "equilibrium": f"{i + 1}{'*' if eq['selected'] else ''}", "order": i,
                "type": typ, "effort": main, "share": dist[main],
                "play": ", ".join(f"{k} {v:.2f}" for k, v in dist.items() if v > 1e-9),
                "first move": eq["first_move"], "label": eq["label"],
            })
    frame = pd.DataFrame(rows)
    return alt.Chart(frame).mark_rect(stroke="white").encode(
        x=alt.X("equilibrium:N", sort=alt.SortField("order"), title="equilibrium (* selected)"),
        y=alt.Y("type:N", title="Taliban type"),
        color=alt.Color("effort:N", title="main effort", sort=list(EFFORTS),
                        scale=alt.Scale(domain=list(EFFORTS), range=OKABE_ITO[4:4 + len(EFFORTS)])),
        opacity=alt.Opacity("share:Q", title="its share", scale=alt.Scale(domain=[0.5, 1])),
        tooltip=["equilibrium:N", "first move:N", "label:N", "type:N", "play:N"],
    ).properties(width=max(240, 28 * len(equilibria)), height=150)


def _same_path(equilibria: list[dict[str, Any]], selected: dict[str, Any] | None
               ) -> list[int]:
    """The listed PBE (numbered from 1) that the table cannot tell from the selected one."""
    if selected is None:
        return []

    def seen(e: dict[str, Any]) -> tuple[Any, ...]:
        # what the table shows, at the precision solutions agree to
        values = (*e["outcome"].values(), *e["payoffs"].values())
        return (e["first_move"], e["pure"],
                *(round(v, 9) if isinstance(v, float) else v for v in values))
    return [i + 1 for i, e in enumerate(equilibria)
            if e is not selected and seen(e) == seen(selected)]


def _information_set_key() -> str:
    """How to read an information set's name and China's final actions, under the table."""
    actions = "; ".join(f"{a.value}: {a.words}" for a in FinalAction)
    return ("<p class='howto'>An information set <code>C|m,s,d,r</code> is what China has "
            "seen when it makes its final move: its first move m, then s1 if the militants "
            "were seen suppressed (s0 if not), d1 if a defection to ISKP was seen (d0 if "
            "not), and the UN monitoring report's reading of Taliban–al-Qaeda ties, close or "
            "far. P(sincere) is China's belief there that the Taliban are sincere. "
            "Defections to ISKP follow pressure on the militants (their probability rises "
            "with the effort's intensity), so a defection seen is evidence of effort and can "
            "raise that belief. China's "
            f"final actions: {escape(actions)}.</p>")


def game_section(ctx: ReportContext) -> SectionContent:
    """Solve the game at the case's defaults; show the selected PBE and the others."""
    if not ctx.case.parameters:
        return SectionContent("<p class='empty'>This case defines no game parameters.</p>")
    solution = game_solution(ctx)
    equilibria = solution["equilibria"]
    selected = selected_equilibrium(solution)
    rows = []
    for i, eq in enumerate(equilibria):
        o = eq["outcome"]
        rows.append(
            f"<tr><td>{i + 1}{' ✔' if eq['selected'] else ''}</td>"
            f"<td>{escape(eq['first_move'])}</td><td>{escape(eq['label'])}</td>"
            f"<td>{'pure' if eq['pure'] else 'mixed'}</td><td>{o['p_recognised']:.2f}</td>"
            f"<td>{o['p_suppressed']:.2f}</td><td>{o['p_defected']:.2f}</td>"
            f"<td>{eq['payoffs']['China']:.2f}</td><td>{eq['payoffs']['Taliban']:.2f}</td></tr>")
    table = ("<table class='data'><thead><tr><th>PBE</th><th>China's first move</th>"
             "<th>label</th><th>kind</th><th>P(recognised)</th><th>P(suppressed)</th>"
             "<th>P(defection)</th><th>China</th><th>Taliban</th></tr></thead><tbody>"
             + "".join(rows) + "</tbody></table>")
    twins = _same_path(equilibria, selected)
    if twins:
        table += (f"<p class='howto'>PBE {', '.join(str(i) for i in twins)} and the selected "
                  "one play the same path (the same first move, the same outcome and payoffs "
                  "as shown); they differ only off it, after first moves China does not "
                  "make. Between such equilibria the selection rule's last clause decides: "
                  "off the path China's preferred continuation is played.</p>")
    beliefs = ""
    if selected is not None:
        prefix = f"C|{selected['first_move']},"
        china = selected["strategy"]["China"]
        brows = []
        for key, belief in selected["beliefs"].items():
            if not key.startswith(prefix):
                continue
            action = ", ".join(a for a, p in china.get(key, {}).items() if p > 0.5) or "mixed"
            sincere = sum(v for t, v in belief.items() if t.startswith("S"))
            brows.append(f"<tr><td><code>{escape(key)}</code></td><td>{escape(action)}</td>"
                         f"<td>{sincere:.2f}</td></tr>")
        beliefs = ("<details><summary>China's final move and belief at each information set "
                   "after its first move in the selected PBE</summary><table class='data'>"
                   "<thead><tr><th>information set</th><th>action</th><th>P(sincere)</th>"
                   "</tr></thead><tbody>" + "".join(brows) + "</tbody></table>"
                   + _information_set_key() + "</details>")
    n_assumed = sum(p.assumption for p in ctx.case.parameters)
    html = (
        f"<p><strong>Selected equilibrium: {escape(str(solution['label']))}</strong>"
        + (f" (also: {escape(', '.join(solution['secondary_labels']))})"
           if solution["secondary_labels"] else "")
        + f". {solution['n_equilibria']} perfect Bayesian equilibria at the default parameters"
        f" ({len(equilibria)} listed); flags: {escape(', '.join(solution['flags']) or 'none')}."
        f" {n_assumed} of {len(ctx.case.parameters)} defaults are assumptions, so this is one "
        "point of a wide space (phase diagrams explore it).</p>"
        + table + beliefs
        + f"<p class='howto'><strong>Selection rule:</strong> "
        f"{escape(solution['selection_rule'])}</p>"
        + f"<p class='howto'><strong>Mixed search:</strong> "
        f"{escape(solution['mixed_search']['coverage'])}</p>"
    )
    fig = Figure(
        "game-efforts", "The Taliban's effort by type in each equilibrium at the defaults",
        "One column per perfect Bayesian equilibrium (* the selected one, numbered as in the "
        "table); one row per Taliban type (S/I sincere or insincere, H/L high or low "
        "capacity); colour is the type's main effort, paler where it mixes. Hover for details.",
        _effort_chart(equilibria),
    )
    summary = (f"game: {solution['label']} ({solution['n_equilibria']} PBE; "
               f"{', '.join(solution['flags']) or 'no flags'})")
    return SectionContent(html, (fig,), summary)
