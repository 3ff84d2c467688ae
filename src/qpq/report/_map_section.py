"""The "places involved" section: the case's gazetteer points on an offline map.

Where the case ships a basemap (country outlines, :mod:`qpq.report._basemap`), the places
are drawn on it in a fixed Mercator projection; otherwise on a plain longitude/latitude grid
with no borders, which makes no claim it cannot source. Either way the labels are placed by
:func:`qpq.labels.place_labels`, so no two overprint; a place whose label does not fit keeps
its mark and its tooltip.
"""

from __future__ import annotations

from html import escape
from typing import Any

import altair as alt
import pandas as pd

from qpq.labels import LabelBox, label_box, leader, place_labels
from qpq.palette import MAX_CATEGORIES, categorical
from qpq.report._basemap import MapFrame, load_basemap
from qpq.report._sections import Figure, ReportContext, SectionContent

__all__ = ["map_section"]

# The window the paper's geography lives in: Afghanistan, the Pamirs, western Xinjiang.
FRAME = MapFrame(lon=(60.0, 90.0), lat=(29.0, 45.0), width=720)
LON, LAT = FRAME.lon, FRAME.lat
KEY_PLACES = ("badakhshan", "wakhan", "baghlan", "takhar", "kabul", "xinjiang", "kashgar",
              "china-afghanistan-border", "dushanbe")
# After the key places, labels are tried by kind: the places the text names most, first.
KIND_ORDER = ("city", "province", "corridor", "pass", "border", "region", "other")
FONT = 11.0
COUNTRY_FONT = 13.0
MARKER = 5.0  # radius of a place's mark, in pixels


def _country_labels(anchors: dict[str, tuple[float, float, float]],
                    points: list[tuple[float, float]]) -> list[tuple[str, LabelBox]]:
    """Country names at their anchors (nudged up or down when a place's mark is there)."""
    out: list[tuple[str, LabelBox]] = []
    marks = [LabelBox(x, y, MARKER, MARKER) for x, y in points]
    for name, (x, y, area) in sorted(anchors.items(), key=lambda kv: -kv[1][2]):
        text = name.upper()
        box = label_box(text, COUNTRY_FONT, x, y)
        # A name needs room: the country's visible part must be several times its box.
        if area < 6 * (2 * box.half_w) * (2 * box.half_h):
            continue
        for shift in (0, -1, 1, -2, 2):
            cand = label_box(text, COUNTRY_FONT, x, y + shift * 2 * box.half_h)
            inside = (cand.half_w <= cand.x <= FRAME.width - cand.half_w
                      and cand.half_h <= cand.y <= FRAME.height - cand.half_h)
            if inside and not any(cand.overlaps(b) for b in [b for _, b in out] + marks):
                out.append((text, cand))
                break
    return out


def _label_rows(frame: pd.DataFrame, countries: dict[str, tuple[float, float, float]]
                ) -> list[dict[str, Any]]:
    """Text rows (text, lon and lat of the label's centre, role) for the labels that fit."""
    order = sorted(range(len(frame)), key=lambda i: (
        not frame["key"].iat[i],
        KIND_ORDER.index(k) if (k := frame["kind"].iat[i]) in KIND_ORDER else len(KIND_ORDER),
        frame["place"].iat[i]))
    points = [FRAME.to_pixels(frame["lon"].iat[i], frame["lat"].iat[i]) for i in order]
    names = [str(frame["place"].iat[i]) for i in order]
    # Country names first, where their outline leaves room; the places' labels go round them.
    fixed = _country_labels(countries, points)
    boxes = place_labels(points, names, width=FRAME.width, height=FRAME.height,
                         font_size=FONT, marker=MARKER, taken=[b for _, b in fixed])
    rows = []
    for text, fixed_box in fixed:
        lon, lat = FRAME.to_lonlat(fixed_box.x, fixed_box.y)
        rows.append({"text": text, "lon": lon, "lat": lat, "role": "country"})
    for name, point, box in zip(names, points, boxes, strict=True):
        if box is not None:
            lon, lat = FRAME.to_lonlat(box.x, box.y)
            line = leader(point, box, marker=MARKER)
            ends = (FRAME.to_lonlat(*line[:2]) + FRAME.to_lonlat(*line[2:]) if line
                    else (None,) * 4)
            rows.append({"text": name, "lon": lon, "lat": lat, "role": "place",
                         **dict(zip(("lon1", "lat1", "lon2", "lat2"), ends, strict=True))})
    return rows


def map_section(ctx: ReportContext) -> SectionContent:
    """Places in the region, labelled, with the source of each coordinate on hover."""
    rows = [
        {"id": p.id, "place": p.name, "kind": p.kind, "lat": p.lat, "lon": p.lon,
         "coordinates": p.coords_source, "key": p.id in KEY_PLACES,
         "position": ("approximate" if p.coords_source.startswith("approximate")
                      else "gazetteer")}
        for p in ctx.case.places if FRAME.contains(p.lon, p.lat)
    ]
    basemap = load_basemap(ctx.case)
    n_outlined = 0
    if basemap is not None:
        # Countries are drawn as outlines with their names; their gazetteer points (the
        # capitals) would repeat the capitals' own entries.
        n_outlined = sum(r["kind"] == "country" for r in rows)
        rows = [r for r in rows if r["kind"] != "country"]
    if not rows:
        return SectionContent("<p class='empty'>This case has no places in the mapped "
                              "region.</p>")
    frame = pd.DataFrame(rows)
    anchors = basemap.country_anchors(FRAME) if basemap is not None else {}
    labels = pd.DataFrame(_label_rows(frame, anchors),
                          columns=["text", "lon", "lat", "role", "lon1", "lat1", "lon2",
                                   "lat2"])
    kinds = sorted(frame["kind"].unique())
    colour = alt.Color("kind:N", title="kind of place",
                       scale=alt.Scale(domain=kinds, range=categorical(len(kinds)))
                       if len(kinds) <= MAX_CATEGORIES else alt.Scale(domain=kinds))
    tooltip = ["place:N", "kind:N", "lat:Q", "lon:Q", "coordinates:N"]
    shape = alt.Shape("position:N", title="position", scale=alt.Scale(
        domain=["gazetteer", "approximate"], range=["circle", "triangle-up"]))
    place_text = labels[labels["role"] == "place"]
    country_text = labels[labels["role"] == "country"]
    if basemap is not None:
        geo = {"longitude": "lon:Q", "latitude": "lat:Q"}
        points = alt.Chart(frame).mark_point(filled=True, size=60, opacity=0.9).encode(
            color=colour, tooltip=tooltip, shape=shape, **geo)
        layers: list[Any] = [basemap.layer(FRAME, highlight="Afghanistan")]
        if len(country_text):
            layers.append(alt.Chart(country_text).mark_text(
                fontSize=COUNTRY_FONT, color="#777777", fontWeight="bold", align="center",
                baseline="middle").encode(text="text:N", **geo))
        leaders = place_text.dropna(subset=["lon1"])
        if len(leaders):
            layers.append(alt.Chart(leaders).mark_rule(color="#777", strokeWidth=0.8).encode(
                longitude="lon1:Q", latitude="lat1:Q", longitude2="lon2:Q",
                latitude2="lat2:Q"))
        layers += [points, alt.Chart(place_text).mark_text(
            fontSize=FONT, align="center", baseline="middle").encode(text="text:N", **geo)]
        chart = alt.layer(*layers).project(**FRAME.projection().to_dict()).properties(
            width=FRAME.width, height=round(FRAME.height))
        how = ("Each mark is a place at the coordinates the case records (a province at its "
               "capital; triangles mark approximate positions with no gazetteer entry), on "
               "country outlines from Natural Earth (public domain, 1:50m; "
               f"{basemap.boundaries}). ")
    else:
        x = alt.X("lon:Q", title="longitude (°E)", scale=alt.Scale(domain=list(LON), nice=False))
        y = alt.Y("lat:Q", title="latitude (°N)", scale=alt.Scale(domain=list(LAT), nice=False))
        points = alt.Chart(frame).mark_point(filled=True, size=90).encode(
            x=x, y=y, color=colour, tooltip=tooltip, shape=shape)
        text = alt.Chart(place_text).mark_text(
            fontSize=FONT, align="center", baseline="middle").encode(x=x, y=y, text="text:N")
        # The same pixel frame as the basemap's, so the labels sit where they were placed.
        chart = (points + text).properties(width=FRAME.width, height=round(FRAME.height))
        how = ("Each mark is a place at the coordinates the case records (a province at its "
               "capital; triangles mark approximate positions with no gazetteer entry). This "
               "is a schematic: the case ships no basemap, so no borders are drawn. ")
    fig = Figure(
        "map", "Places in the case, at their gazetteer coordinates",
        how + "The Wakhan corridor runs east from Badakhshan to the short China–Afghanistan "
        "border; the Taliban moved Uyghur militants from Badakhshan south-west to Baghlan and "
        "Takhar. Labels that would overprint another are left off: hover any mark for its "
        "name and the source of its coordinates.",
        chart,
    )
    n_out = sum(not FRAME.contains(p.lon, p.lat) for p in ctx.case.places)
    n_approx = sum(r["position"] == "approximate" for r in rows)
    n_unlabelled = len(frame) - len(place_text)
    outlined = (f", {n_outlined} countries in it drawn as outlines rather than marks"
                if n_outlined else "")
    # every place of the case is accounted for: marked, outlined or too far away
    html = (f"<p>Of the case's {len(ctx.case.places)} places, {len(frame)} are marked in the "
            f"region{outlined} ({n_out} further away, such as capitals abroad, are not "
            f"drawn); {n_approx} have approximate positions because no "
            f"gazetteer lists them; {n_unlabelled} are not labelled, for want of room. Hover a "
            "point for the source of its coordinates.</p>")
    if basemap is not None:
        html += (f"<p class='howto'>Borders: {escape(basemap.source)}. "
                 f"{escape(basemap.licence)}.</p>")
    return SectionContent(html, (fig,))
