"""Colour-blind-safe colours shared by every figure (Okabe & Ito 2008)."""

__all__ = ["OKABE_ITO"]

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
