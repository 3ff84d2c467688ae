"""Lazy package exports: a package's public names, each imported on first use (PEP 562).

A package ``__init__`` that imported every submodule would make importing one light submodule
(``qpq.model._policies``, ``qpq.dashboard._server``) pay for all of its siblings and their
libraries (NumPy, pandas, Altair, DuckDB). Such a package lists its names by module and
installs the ``__getattr__`` and ``__dir__`` made here; type checkers read the same names from
an ``if TYPE_CHECKING:`` import block.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, Sequence[str]],
                 subpackages: Sequence[str] = ()
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, given ``{module: names}``.

    A name is looked up in its module on first access and then cached in the package, so
    later accesses are ordinary attribute reads. ``subpackages`` are imported on first
    access too, so that ``import qpq`` then ``qpq.sim.forecast`` works as it reads (Python
    binds a subpackage to its parent only once something has imported it).
    """
    where = {name: module for module, names in exports.items() for name in names}
    where |= {name: f"{package}.{name}" for name in subpackages}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        imported = importlib.import_module(module)
        value = imported if name in subpackages else getattr(imported, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
