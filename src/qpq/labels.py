"""Text labels that do not overprint: a greedy placer for the labels of point charts.

Vega-Lite draws a text mark where its data says, so labels of nearby points collide. The
charts that label points (the report's map, the perception quadrants) place their labels
here first, in pixel space: each label tries positions around its point, nearest first, and
takes the first whose box overlaps no label already placed, no point and nothing outside the
plot. A label with no free position is left off (its point keeps a tooltip). Boxes are
estimated from the character count, generously, so the rendered text (whose exact width
depends on the viewer's font) stays inside the box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CHAR_WIDTH", "LabelBox", "label_box", "leader", "place_labels"]

CHAR_WIDTH = 0.66
"""Width of one character in font sizes: above the average of common sans-serif fonts
(about 0.55–0.6), so the estimated box holds the drawn text."""

_LINE = 1.3  # line height in font sizes
_PAD = 2.0  # pixels kept free around a label
# Directions tried around the point (right, left, above, below, then the diagonals), as unit
# multiples of the gap; each ring is tried at growing distances.
_DIRECTIONS = ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1))
_DISTANCES = (1.0, 2.0, 3.2)


@dataclass(frozen=True)
class LabelBox:
    """A placed label: its centre in pixels and its half width and half height."""

    x: float
    y: float
    half_w: float
    half_h: float

    def overlaps(self, other: LabelBox, pad: float = _PAD) -> bool:
        """Whether the boxes come closer than ``pad`` pixels on both axes."""
        return (abs(self.x - other.x) < self.half_w + other.half_w + pad
                and abs(self.y - other.y) < self.half_h + other.half_h + pad)


def label_box(text: str, font_size: float, x: float = 0.0, y: float = 0.0) -> LabelBox:
    """The estimated box of ``text`` centred at (x, y)."""
    return LabelBox(x, y, CHAR_WIDTH * font_size * len(text) / 2, _LINE * font_size / 2)


def place_labels(points: Sequence[tuple[float, float]], texts: Sequence[str], *,
                 width: float, height: float, font_size: float = 11.0,
                 marker: float = 5.0, obstacles: Sequence[tuple[float, float]] = (),
                 taken: Sequence[LabelBox] = ()) -> list[LabelBox | None]:
    """A centre (pixels, y down) for each label of a point, or None where none fits.

    ``points`` and ``texts`` go together, in order of priority: earlier labels are placed
    first. ``marker`` is the radius of a point's mark (no label covers a mark);
    ``obstacles`` are further marks without a label; ``taken`` are labels already placed
    (other texts the new labels must keep clear of). Deterministic: the same input gives the
    same placement.
    """
    if len(points) != len(texts):
        raise ValueError(f"{len(points)} points but {len(texts)} labels")
    marks = [LabelBox(x, y, marker, marker) for x, y in (*points, *obstacles)]
    placed: list[LabelBox] = list(taken)
    out: list[LabelBox | None] = []
    for (px, py), text in zip(points, texts, strict=True):
        box = label_box(text, font_size)
        gap_x, gap_y = box.half_w + marker + _PAD, box.half_h + marker + _PAD
        choice = None
        for dist in _DISTANCES:
            for ux, uy in _DIRECTIONS:
                # horizontal neighbours sit beside the mark; vertical ones above or below it
                cx = px + ux * (gap_x if dist == 1.0 else gap_x + (dist - 1) * 2 * marker)
                cy = py + uy * gap_y * dist
                cand = LabelBox(cx, cy, box.half_w, box.half_h)
                if (cx - cand.half_w < 0 or cx + cand.half_w > width or cy - cand.half_h < 0
                        or cy + cand.half_h > height):
                    continue
                if any(cand.overlaps(b) for b in placed) or any(
                        cand.overlaps(m, pad=0.0) for m in marks):
                    continue
                choice = cand
                break
            if choice is not None:
                break
        if choice is not None:
            placed.append(choice)
        out.append(choice)
    return out


def leader(point: tuple[float, float], box: LabelBox, *, marker: float = 5.0
           ) -> tuple[float, float, float, float] | None:
    """A line from a point's mark to its label's box, or None where the label is beside it.

    Labels pushed away from their point (the placer's farther rings) need a line to say
    whose they are.
    """
    px, py = point
    # the nearest point of the box to the point
    nx = min(max(px, box.x - box.half_w), box.x + box.half_w)
    ny = min(max(py, box.y - box.half_h), box.y + box.half_h)
    dist = ((nx - px) ** 2 + (ny - py) ** 2) ** 0.5
    if dist <= marker + 2 * _PAD + 1:
        return None
    ux, uy = (nx - px) / dist, (ny - py) / dist
    return (px + ux * marker, py + uy * marker, nx - ux * _PAD / 2, ny - uy * _PAD / 2)
