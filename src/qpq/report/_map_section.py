"""The "places involved" section: a schematic map drawn from the case's gazetteer points.

No map tiles and no outlines are shipped: the map plots each place at its gazetteer
coordinates (provinces at their capitals, as the case records) on a plain longitude/latitude
grid, so it opens offline and makes no claim about borders it cannot source.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from qpq.palette import OKABE_ITO
from qpq.report._sections import Figure, ReportContext, SectionContent

__all__ = ["map_section"]

# The window the paper's geography lives in: Afghanistan, the Pamirs, western Xinjiang.
LON = (60.0, 90.0)
LAT = (29.0, 45.0)
KEY_PLACES = ("badakhshan", "wakhan", "baghlan", "takhar", "kabul", "xinjiang", "kashgar",
              "china-afghanistan-border", "dushanbe")


def map_section(ctx: ReportContext) -> SectionContent:
    """Places in the region, labelled, with the source of each coordinate on hover."""
    rows = [
        {"id": p.id, "place": p.name, "kind": p.kind, "lat": p.lat, "lon": p.lon,
         "coordinates": p.coords_source, "key": p.id in KEY_PLACES,
         "position": ("approximate" if p.coords_source.startswith("approximate")
                      else "gazetteer")}
        for p in ctx.case.places
        if LON[0] <= p.lon <= LON[1] and LAT[0] <= p.lat <= LAT[1]
    ]
    if not rows:
        return SectionContent("<p class='empty'>This case has no places in the mapped "
                              "region.</p>")
    frame = pd.DataFrame(rows)
    kinds = sorted(frame["kind"].unique())
    colour = alt.Color("kind:N", title="kind of place",
                       scale=alt.Scale(domain=kinds, range=OKABE_ITO[: len(kinds)]))
    x = alt.X("lon:Q", title="longitude (°E)", scale=alt.Scale(domain=list(LON)))
    y = alt.Y("lat:Q", title="latitude (°N)", scale=alt.Scale(domain=list(LAT)))
    tooltip = ["place:N", "kind:N", "lat:Q", "lon:Q", "coordinates:N"]
    base = alt.Chart(frame)
    points = base.mark_point(filled=True, size=90).encode(
        x=x, y=y, color=colour, tooltip=tooltip,
        shape=alt.Shape("position:N", title="position", scale=alt.Scale(
            domain=["gazetteer", "approximate"], range=["circle", "triangle-up"])))
    labels = base.transform_filter(alt.datum.key).mark_text(
        align="left", dx=7, dy=-6, fontSize=11).encode(x=x, y=y, text="place:N")
    chart = (points + labels).properties(width=720, height=400)
    fig = Figure(
        "map", "Places in the case, at their gazetteer coordinates",
        "Each mark is a place at the coordinates the case records (a province at its capital; "
        "triangles mark approximate positions with no gazetteer entry). The Wakhan corridor runs "
        "east from Badakhshan to the short China–Afghanistan border; the Taliban moved Uyghur "
        "militants from Badakhshan south-west to Baghlan and Takhar. Hover for the source of "
        "each coordinate. This is a schematic: no borders are drawn.",
        chart,
    )
    n_out = len(ctx.case.places) - len(rows)
    n_approx = sum(r["position"] == "approximate" for r in rows)
    html = (f"<p>{len(rows)} places in the region ({n_out} further away, such as capitals "
            f"abroad, are not drawn); {n_approx} have approximate positions because no "
            "gazetteer lists them. Hover a point for the source of its coordinates.</p>")
    return SectionContent(html, (fig,))
