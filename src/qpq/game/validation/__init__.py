"""Checks of the game solver against independent answers.

The explicit game tree and its Gambit .efg export (:func:`build_tree`, :func:`write_efg`),
a small general solver for any finite extensive game, games with published answers (Watson,
Beer-Quiche, pygambit's catalogue), zero-sum checks and the pygambit bridge. The tests and
benchmarks use them to judge :func:`qpq.game.solve`; nothing in the core imports this
package.
"""


from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.game.validation._efg import (
        write_efg,
    )
    from qpq.game.validation._gambit import (
        reduced_structure,
    )
    from qpq.game.validation._pbe import (
        intuitive_filter,
    )
    from qpq.game.validation._stage import (
        stage_strategy,
        stage_tree,
    )
    from qpq.game.validation._tree import (
        build_tree,
    )

__all__ = [
    "build_tree",
    "intuitive_filter",
    "reduced_structure",
    "stage_strategy",
    "stage_tree",
    "write_efg",
]

# Each name's module is imported on first use (qpq._lazy), so importing the package
# for one name does not import its siblings' libraries.
_EXPORTS = {
    "qpq.game.validation._pbe": ("intuitive_filter",),
    "qpq.game.validation._efg": ("write_efg",),
    "qpq.game.validation._gambit": ("reduced_structure",),
    "qpq.game.validation._stage": ("stage_strategy", "stage_tree"),
    "qpq.game.validation._tree": ("build_tree",),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
