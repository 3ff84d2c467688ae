"""Colour-blind-safe colours shared by every figure (Okabe & Ito 2008)."""

from collections.abc import Sequence

__all__ = ["MAX_CATEGORIES", "OKABE_ITO", "categorical", "fixed_colours"]

OKABE_ITO = [
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#999999",  # grey
    "#882255",  # wine (Tol) for a tenth category
]

# Paul Tol's "muted" scheme, less the colours too near Okabe-Ito's: for families with more
# than ten members (the record's estimating bodies), where a repeated colour would merge
# two of them in the legend
_MORE = [
    "#332288",  # indigo
    "#88CCEE",  # cyan
    "#44AA99",  # teal
    "#117733",  # green
    "#999933",  # olive
    "#DDCC77",  # sand
    "#CC6677",  # rose
    "#AA4499",  # purple
]


MAX_CATEGORIES = len(OKABE_ITO) + len(_MORE)
"""The most categories :func:`categorical` colours apart; past it a chart falls back to its
library's scheme (colours repeat) rather than fail."""


def categorical(n: int) -> list[str]:
    """``n`` distinct colours, Okabe-Ito's first; a ValueError past the colours there are.

    Slicing :data:`OKABE_ITO` past its ten colours would silently repeat them in Vega-Lite,
    giving two categories one colour.
    """
    if n > MAX_CATEGORIES:
        raise ValueError(f"{n} categories need {n} colours; the palette has {MAX_CATEGORIES}")
    return (OKABE_ITO + _MORE)[:n]


def fixed_colours(names: Sequence[str], order: Sequence[str]) -> list[str]:
    """The colour of each name by its place in a fixed ``order``, not in ``names``.

    A chart that shows some categories of a family (three of the nine policies, say) then
    gives each the colour it has in every other chart. Names outside ``order`` share the
    colours past it, in turn.
    """
    out = []
    extra = len(order)
    for name in names:
        if name in order:
            out.append(OKABE_ITO[order.index(name) % len(OKABE_ITO)])
        else:
            out.append(OKABE_ITO[extra % len(OKABE_ITO)])
            extra += 1
    return out
