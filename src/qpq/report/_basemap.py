"""The offline basemap: country outlines a case ships, drawn under a fixed Mercator projection.

A case may ship ``basemap.geojson`` (the built-in one: Natural Earth's 1:50m countries, cut by
``tools/make_basemap.py``; the source and licence are in the file). The projection is set
explicitly (centre, scale, translate) rather than fitted by Vega, so the report can place
text labels in pixels (:func:`qpq.labels.place_labels`) and know where Vega will draw them.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qpq.case import Case
from qpq.errors import BadInputError

if TYPE_CHECKING:
    import altair as alt

__all__ = ["BASEMAP_FILE", "Basemap", "MapFrame", "load_basemap"]

BASEMAP_FILE = "basemap.geojson"


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


@dataclass(frozen=True)
class MapFrame:
    """A longitude/latitude window drawn ``width`` pixels wide in the Mercator projection."""

    lon: tuple[float, float]
    lat: tuple[float, float]
    width: float

    @property
    def scale(self) -> float:
        return self.width / math.radians(self.lon[1] - self.lon[0])

    @property
    def height(self) -> float:
        return self.scale * (_merc(self.lat[1]) - _merc(self.lat[0]))

    @property
    def centre(self) -> tuple[float, float]:
        mid = (_merc(self.lat[0]) + _merc(self.lat[1])) / 2
        return ((self.lon[0] + self.lon[1]) / 2,
                math.degrees(2 * math.atan(math.exp(mid)) - math.pi / 2))

    def contains(self, lon: float, lat: float) -> bool:
        return self.lon[0] <= lon <= self.lon[1] and self.lat[0] <= lat <= self.lat[1]

    def to_pixels(self, lon: float, lat: float) -> tuple[float, float]:
        """Pixel position (y down) of a point, as Vega's projection below draws it."""
        clon, clat = self.centre
        return (self.width / 2 + self.scale * math.radians(lon - clon),
                self.height / 2 - self.scale * (_merc(lat) - _merc(clat)))

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        clon, clat = self.centre
        m = _merc(clat) - (y - self.height / 2) / self.scale
        return (clon + math.degrees((x - self.width / 2) / self.scale),
                math.degrees(2 * math.atan(math.exp(m)) - math.pi / 2))

    def projection(self) -> alt.Projection:
        import altair as alt

        return alt.Projection(type="mercator", center=list(self.centre), scale=self.scale,
                              translate=[self.width / 2, self.height / 2])


@dataclass(frozen=True)
class Basemap:
    """Country outlines (GeoJSON features) and where they come from."""

    features: tuple[dict[str, Any], ...]
    source: str
    licence: str
    boundaries: str

    def layer(self, frame: MapFrame, highlight: str | None = None) -> alt.Chart:
        """The countries as a grey geoshape layer (``highlight`` a shade darker)."""
        # Altair is imported where a chart is drawn: `qpq evidence validate` reads the
        # basemap without drawing it, and altair's import costs about a second.
        import altair as alt

        fill: Any = alt.value("#F3F3F3")
        if highlight is not None:
            fill = alt.condition(f"datum.properties.name === {json.dumps(highlight)}",
                                 alt.value("#DDDDDD"),
                                 alt.value("#F3F3F3"))
        data: Any = alt.Data(values=list(self.features))  # type: ignore[no-untyped-call]
        chart: alt.Chart = alt.Chart(data).mark_geoshape(
            stroke="#888888", strokeWidth=0.7, clip=True).encode(
            fill=fill, tooltip=alt.Tooltip("properties.name:N", title="country")
        ).project(**frame.projection().to_dict())
        return chart

    def country_anchors(self, frame: MapFrame) -> dict[str, tuple[float, float, float]]:
        """Each country's label anchor in pixels, with the area (pixels²) it covers there.

        The anchor is the centroid of the country's largest outer ring inside the frame, a
        rough but stable place for its name.
        """
        out: dict[str, tuple[float, float, float]] = {}
        for f in self.features:
            best: tuple[float, float, float] | None = None
            for poly in f["geometry"]["coordinates"]:
                ring = [frame.to_pixels(lon, lat) for lon, lat in poly[0]]
                ring = [(min(max(x, 0.0), frame.width), min(max(y, 0.0), frame.height))
                        for x, y in ring]
                a = cx = cy = 0.0
                for (x0, y0), (x1, y1) in itertools.pairwise(ring):
                    cross = x0 * y1 - x1 * y0
                    a += cross
                    cx += (x0 + x1) * cross
                    cy += (y0 + y1) * cross
                if abs(a) > 1e-9 and (best is None or abs(a) / 2 > best[2]):
                    best = (cx / (3 * a), cy / (3 * a), abs(a) / 2)
            if best is not None:
                out[f["properties"]["name"]] = best
        return out


def load_basemap(case: Case) -> Basemap | None:
    """The case's basemap, or None where it ships none (the map is then schematic)."""
    path = Path(case.root) / BASEMAP_FILE
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{path}: not a GeoJSON file ({exc}); allowed: a UTF-8 JSON "
                            "FeatureCollection of country outlines") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise BadInputError(f"{path}: features: missing or not a list; allowed: a GeoJSON "
                            "FeatureCollection of country outlines")
    for i, f in enumerate(features):
        if not _is_outline(f):
            raise BadInputError(
                f"{path}: features[{i}]: allowed: a Feature with properties.name and a "
                "MultiPolygon geometry (longitude, latitude pairs)")
    return Basemap(tuple(features), str(doc.get("source", "")),
                   str(doc.get("licence", "")), str(doc.get("boundaries", "")))


def _is_outline(feature: Any) -> bool:
    try:
        name = feature["properties"]["name"]
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        return (isinstance(name, str) and geometry["type"] == "MultiPolygon"
                and all(len(pair) == 2 and all(isinstance(v, int | float) for v in pair)
                        for poly in polygons for ring in poly for pair in ring))
    except (KeyError, TypeError, IndexError):
        return False
