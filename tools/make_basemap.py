"""Cut the case's offline basemap from Natural Earth's 1:50m countries (world-atlas on npm).

Run once, by hand, when the map window changes; the output is committed, so nothing is
fetched when the report is built:

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python tools/make_basemap.py package/countries-50m.json \
        src/qpq/cases/china_taliban/basemap.geojson

world-atlas (ISC licence, Mike Bostock) redistributes Natural Earth's vector data (public
domain) as TopoJSON. The script decodes the TopoJSON, clips every country's rings to the
window below and writes GeoJSON with rounded coordinates (about 100 m), with the source and
licence as foreign members of the collection.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# The window the report's maps may show (longitude, latitude): Afghanistan, Pakistan, the
# Pamirs, Central Asia, Xinjiang; each map zooms to its own part.
LON = (58.0, 92.0)
LAT = (22.0, 46.0)
Point = tuple[float, float]


def _arcs(topo: dict[str, Any]) -> list[list[Point]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # quantised and delta-encoded
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def _ring(indices: list[int], arcs: list[list[Point]]) -> list[Point]:
    ring: list[Point] = []
    for i in indices:
        part = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(part if not ring else part[1:])  # consecutive arcs share an end point
    return ring


def _clip(ring: list[Point]) -> list[Point]:
    """Sutherland–Hodgman clipping of a ring to the window (a convex clip region)."""
    edges = [(0, LON[0], True), (0, LON[1], False), (1, LAT[0], True), (1, LAT[1], False)]
    out = ring
    for axis, bound, keep_above in edges:
        src, out = out, []
        if not src:
            break

        def inside(p: Point, axis: int = axis, bound: float = bound,
                   keep_above: bool = keep_above) -> bool:
            return p[axis] >= bound if keep_above else p[axis] <= bound

        prev = src[-1]
        for cur in src:
            if inside(cur) != inside(prev):
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                cross = (prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1]))
                out.append(cross)
            if inside(cur):
                out.append(cur)
            prev = cur
    rounded = [(round(x, 3), round(y, 3)) for x, y in out]
    ring_out = [p for k, p in enumerate(rounded) if k == 0 or p != rounded[k - 1]]
    if len(ring_out) >= 3 and ring_out[0] != ring_out[-1]:
        ring_out.append(ring_out[0])
    return ring_out if len(ring_out) >= 4 else []


def main(src: Path, dst: Path) -> None:
    """Write ``dst`` (GeoJSON, clipped to the window) from world-atlas's ``src`` TopoJSON."""
    topo = json.loads(src.read_text(encoding="utf-8"))
    arcs = _arcs(topo)
    features = []
    for geom in topo["objects"]["countries"]["geometries"]:
        polys = ([geom["arcs"]] if geom["type"] == "Polygon"
                 else geom["arcs"] if geom["type"] == "MultiPolygon" else [])
        out = []
        for poly in polys:
            rings = [_clip(_ring(r, arcs)) for r in poly]
            if rings and rings[0]:
                out.append([r for r in rings if r])
        if out:
            features.append({"type": "Feature", "id": geom.get("id"),
                             "properties": {"name": geom["properties"]["name"]},
                             "geometry": {"type": "MultiPolygon", "coordinates": out}})
    doc = {
        "type": "FeatureCollection",
        "source": "Natural Earth 1:50m Admin 0 countries, version 4.1.0, via world-atlas "
                  "2.0.2 (npm; TopoJSON by Mike Bostock, ISC licence)",
        "licence": "Natural Earth data are in the public domain "
                   "(naturalearthdata.com/about/terms-of-use); world-atlas: Copyright "
                   "2013-2019 Michael Bostock, ISC licence (permission to use, copy, modify "
                   "and distribute with this notice)",
        "boundaries": "de facto boundaries as Natural Earth draws them; no claim about "
                      "disputed borders (Kashmir, Aksai Chin) is made",
        "window": {"lon": list(LON), "lat": list(LAT)},
        "features": features,
    }
    dst.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
