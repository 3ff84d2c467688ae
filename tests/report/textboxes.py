"""Boxes of the text marks a Vega-Lite spec draws, read from Vega's scenegraph.

vl-convert runs Vega and returns the scenegraph: every text mark's position, alignment,
baseline and font size, nested in groups with offsets. The width of each text is measured
with Pillow's bundled TrueType font, independently of the estimate the charts place their
labels with (:data:`qpq.labels.CHAR_WIDTH`), so a placer that under-estimates fails here.
Only data labels (role "mark") are collected: axis, legend and title texts are Vega's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import vl_convert as vlc
from PIL import ImageFont

Box = tuple[float, float, float, float, str]  # x0, y0, x1, y1, text


@cache
def _font(size: float) -> Any:
    return ImageFont.load_default(size=size)


def _walk(mark: dict[str, Any], ox: float, oy: float) -> Iterator[Box]:
    for item in mark.get("items", []):
        if mark.get("marktype") == "group":
            gx, gy = ox + item.get("x", 0.0), oy + item.get("y", 0.0)
            for child in item.get("items", []):
                yield from _walk(child, gx, gy)
        elif mark.get("marktype") == "text" and mark.get("role") == "mark":
            text = str(item.get("text", ""))
            if not text or item.get("opacity", 1) == 0 or item.get("fillOpacity", 1) == 0:
                continue
            size = float(item.get("fontSize", 11))
            width = _font(size).getlength(text)
            x = ox + item.get("x", 0.0) + item.get("dx", 0.0)
            y = oy + item.get("y", 0.0) + item.get("dy", 0.0)
            align = item.get("align", "left")
            x0 = x - (width / 2 if align == "center" else width if align == "right" else 0.0)
            baseline = item.get("baseline", "alphabetic")
            top = {"top": 0.0, "middle": size / 2, "bottom": size}.get(baseline, 0.8 * size)
            yield (x0, y - top, x0 + width, y - top + size, text)


def text_boxes(spec: dict[str, Any]) -> list[Box]:
    """Every data label's box (pixels) in the rendered ``spec``."""
    root = vlc.vegalite_to_scenegraph(spec)["scenegraph"]
    return list(_walk(root, 0.0, 0.0))


def overlapping(boxes: list[Box]) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap (touching is not overlapping)."""
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                out.append((a[4], b[4]))
    return out
