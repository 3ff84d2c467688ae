"""The report's offline basemap and the projection the labels are placed in."""

from __future__ import annotations

import re

import pytest
import vl_convert as vlc

from qpq.case import load_case
from qpq.report._basemap import MapFrame, load_basemap
from qpq.report._map_section import FRAME


def test_the_builtin_case_ships_its_basemap_with_source_and_licence():
    basemap = load_basemap(load_case())
    assert basemap is not None
    assert "Natural Earth" in basemap.source and "public domain" in basemap.licence
    assert "ISC" in basemap.licence
    names = {f["properties"]["name"] for f in basemap.features}
    assert {"Afghanistan", "China", "Pakistan", "Tajikistan"} <= names
    # clipped to the window the maps may show, rings closed
    for f in basemap.features:
        for poly in f["geometry"]["coordinates"]:
            for ring in poly:
                assert ring[0] == ring[-1] and len(ring) >= 4
                assert all(58 <= lon <= 92 and 22 <= lat <= 46 for lon, lat in ring)


def test_a_case_without_a_basemap_gets_none(make_case):
    assert load_basemap(load_case(make_case())) is None


@pytest.mark.parametrize("frame", [FRAME, MapFrame((60.0, 80.0), (23.0, 44.0), 260)])
def test_vega_draws_points_where_the_frame_says(frame):
    # Labels are placed with MapFrame.to_pixels: Vega's projection must agree with it.
    places = [(69.17, 34.53), (75.99, 39.47), (frame.lon[0] + 1, frame.lat[1] - 1)]
    spec = {"data": {"values": [{"lon": lon, "lat": lat} for lon, lat in places]},
            "mark": "point", "projection": frame.projection().to_dict(),
            "width": frame.width, "height": frame.height,
            "encoding": {"longitude": {"field": "lon", "type": "quantitative"},
                         "latitude": {"field": "lat", "type": "quantitative"}}}
    root = vlc.vegalite_to_scenegraph(spec)["scenegraph"]

    def symbols(mark):
        for item in mark.get("items", []):
            if mark.get("marktype") == "symbol":
                yield item["x"], item["y"]
            for child in item.get("items", []) if mark.get("marktype") == "group" else []:
                yield from symbols(child)

    drawn = list(symbols(root))
    assert len(drawn) == len(places)
    for (lon, lat), (x, y) in zip(places, drawn, strict=True):
        assert frame.to_pixels(lon, lat) == pytest.approx((x, y), abs=0.5)
        assert frame.to_lonlat(x, y) == pytest.approx((lon, lat), abs=0.02)


@pytest.mark.parametrize(("text", "words"), [
    ("{not json", "not a GeoJSON file"),
    ("\x00\xff\xfe", "not a GeoJSON file"),
    ("[1, 2]", "features: missing or not a list"),
    ('{"features": [{"properties": {"name": "X"}, "geometry": {"type": "Point", '
     '"coordinates": [1, 2]}}]}', "features[0]: allowed: a Feature with properties.name"),
    ('{"features": [{"geometry": {"type": "MultiPolygon", "coordinates": []}}]}',
     "features[0]"),
])
def test_a_damaged_basemap_is_bad_input_naming_the_file(tmp_path, monkeypatch, text, words):
    # it passed `evidence validate` and ended a report after its other sections in a
    # JSONDecodeError (found 2026-12-06); now the map section says it does not apply
    import dataclasses

    from qpq.errors import BadInputError
    from qpq.report._basemap import BASEMAP_FILE

    (tmp_path / BASEMAP_FILE).write_bytes(text.encode("latin-1"))
    case = dataclasses.replace(load_case(), root=tmp_path)
    with pytest.raises(BadInputError, match=re.escape(words)) as info:
        load_basemap(case)
    assert BASEMAP_FILE in str(info.value)
