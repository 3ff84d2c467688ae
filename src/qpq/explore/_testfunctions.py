"""Functions with known answers, to validate the exploration pipeline end to end.

* :func:`ishigami` — Ishigami & Homma (1990), f(x) = sin x₁ + a sin² x₂ + b x₃⁴ sin x₁ on
  [−π, π]³, whose Sobol' indices are analytic (:func:`ishigami_indices`; Sobol' &
  Levitan 1999). With a = 7, b = 0.1: S1 ≈ (0.314, 0.442, 0), ST ≈ (0.558, 0.442, 0.244).
* :func:`box_data` — points uniform in the unit cube with a binary outcome that is 1
  inside a known box (with a chosen density inside and outside): PRIM must recover it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

__all__ = ["box_data", "ishigami", "ishigami_indices"]

FloatArray = NDArray[np.float64]


def ishigami(x: FloatArray, a: float = 7.0, b: float = 0.1) -> FloatArray:
    """The Ishigami function at points (n, 3) of [−π, π]³."""
    x = np.asarray(x, dtype=float)
    return np.asarray(np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2
                      + b * x[:, 2] ** 4 * np.sin(x[:, 0]))


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, dict[str, float]]:
    """Analytic first- and total-order indices of :func:`ishigami` (keys x1, x2, x3)."""
    pi4 = math.pi ** 4
    v1 = 0.5 * (1.0 + b * pi4 / 5.0) ** 2
    v2 = a * a / 8.0
    v13 = 8.0 * b * b * math.pi ** 8 / 225.0
    v = v1 + v2 + v13
    return {"S1": {"x1": v1 / v, "x2": v2 / v, "x3": 0.0},
            "ST": {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v}}


def box_data(n: int, box: Mapping[int, tuple[float, float]], d: int,
             rng: np.random.Generator, inside: float = 0.9, outside: float = 0.05
             ) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Uniform points in [0, 1]^d and a binary outcome that marks a known box.

    y = 1 with probability ``inside`` in the box and ``outside`` elsewhere.

    Parameters
    ----------
    n, d
        Points and dimensions.
    box
        ``dimension -> (low, high)``; dimensions not named are unrestricted.
    rng
        The random generator.
    inside, outside
        Probabilities of y = 1 inside and outside the box.
    """
    x = rng.random((n, d))
    hit = np.ones(n, dtype=bool)
    for j, (lo, hi) in box.items():
        hit &= (x[:, j] >= lo) & (x[:, j] <= hi)
    y = rng.random(n) < np.where(hit, inside, outside)
    return x, y
