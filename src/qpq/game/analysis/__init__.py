"""Analyses of the game over its parameters: phase diagrams and the paper's propositions.

* :func:`phase_diagram` — the selected equilibrium's label over a grid of two parameters
  (v1's one-round game, or v2's relationship with ``model="v2"``);
* :func:`run_study` — the propositions P1-P7 as shares of the plausible ranges in which they
  hold, with their falsification counterparts (Monte Carlo over the assumption ranges);
* the lens's verdict protocol, generic over a solver and a proposition predicate (so a
  later model plugs in): :func:`pbe_verdict` (selected / some / every PBE and China's
  selection margin), :func:`small_share`, :func:`most_influential`, :func:`nearest_flip`.

Built on the ensemble solver of :mod:`qpq.game`; nothing in the core imports this package.
"""


from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.game.analysis._draws import (
        AssumptionSample,
        sample_assumptions,
    )
    from qpq.game.analysis._propositions import (
        Kind,
    )
    from qpq.game.analysis._study import (
        PropositionResult,
        PropositionStudy,
        run_study,
    )
    from qpq.game.analysis._sweep import (
        FOUND_BY,
        LABEL_COLOURS,
        LABEL_KEY,
        NO_PURE_NAME,
        OUTSIDE,
        OUTSIDE_COLOUR,
        PhaseDiagram,
        cell_edges,
        phase_diagram,
    )
    from qpq.game.analysis._verdicts import (
        SMALL_MARGIN,
        Flip,
        PbeVerdict,
        most_influential,
        nearest_flip,
        pbe_verdict,
        small_share,
    )

__all__ = [
    "FOUND_BY",
    "LABEL_COLOURS",
    "LABEL_KEY",
    "NO_PURE_NAME",
    "OUTSIDE",
    "OUTSIDE_COLOUR",
    "SMALL_MARGIN",
    "AssumptionSample",
    "Flip",
    "Kind",
    "PbeVerdict",
    "PhaseDiagram",
    "PropositionResult",
    "PropositionStudy",
    "cell_edges",
    "most_influential",
    "nearest_flip",
    "pbe_verdict",
    "phase_diagram",
    "run_study",
    "sample_assumptions",
    "small_share",
]

# Each name's module is imported on first use (qpq._lazy), so importing the package
# for one name does not import its siblings' libraries.
_EXPORTS = {
    "qpq.game.analysis._draws": ("AssumptionSample", "sample_assumptions"),
    "qpq.game.analysis._propositions": ("Kind",),
    "qpq.game.analysis._study": ("PropositionResult", "PropositionStudy", "run_study"),
    "qpq.game.analysis._verdicts": (
        "SMALL_MARGIN", "Flip", "PbeVerdict", "most_influential", "nearest_flip",
        "pbe_verdict", "small_share",
    ),
    "qpq.game.analysis._sweep": (
        "FOUND_BY", "LABEL_COLOURS", "LABEL_KEY", "NO_PURE_NAME", "OUTSIDE", "OUTSIDE_COLOUR",
        "PhaseDiagram", "cell_edges", "phase_diagram",
    ),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
