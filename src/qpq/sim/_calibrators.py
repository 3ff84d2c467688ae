"""Which calibration a forecast or backtest starts from: the record's or the stylised facts'.

:func:`calibrator_for` is the one switch between the two (:data:`~qpq.sim.CALIBRATIONS`) for
every front end — ``qpq sim forecast`` and ``qpq sim backtest``, :func:`qpq.forecast`,
:class:`qpq.sim.BacktestSpec` and the report's forecast — with its refusals: an unknown
kind, record calibration settings (or a cache folder for them) beside the facts'
calibration, and record settings of another model than the forecast's. Each front end
names its own inputs in the refusal (the command its options, the API its keyword
arguments); the wording is the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qpq.case import Case
from qpq.checks import check_seed, check_whole, check_workers
from qpq.errors import BadInputError
from qpq.model import check_model
from qpq.sim._abc import AbcSettings, as_settings, record_calibrator
from qpq.sim._calibration import (
    DEFAULT_CALIBRATION,
    CalibrationResult,
    calibrate,
    check_calibration,
)

__all__ = ["Calibrator", "calibrator_for", "given_options", "record_settings_for"]

Calibrator = Callable[[Case, dt.date], CalibrationResult]
"""Calibrate on a case (already cut to the as-of date) as of that date."""


def record_settings_for(record: AbcSettings | None = None,
                        model: str | None = None) -> AbcSettings:
    """The record calibration's settings: ``record``, else the defaults at ``model``.

    ``model`` left out is v1, the default model of a forecast (:class:`AbcSettings`' own
    default is v2, the model the record calibration was built for); given beside ``record``
    it must be ``record``'s model, since the calibration runs the model it forecasts with.
    """
    if model is not None:
        check_model(model)     # before the comparison, which called v9 another model
    if record is None:
        return AbcSettings(model=model or "v1")
    record = as_settings(record, "record")
    if model is not None and record.model != model:
        raise BadInputError(f"the record calibration settings' model {record.model} is not "
                            f"model {model}: the calibration runs the model it forecasts with")
    return record


def calibrator_for(kind: str = DEFAULT_CALIBRATION, *, model: str | None = None,
                   record: AbcSettings | None = None, cache_dir: Path | None = None,
                   seed: int = 0, draws: int | None = None, replicates: int | None = None,
                   on_progress: Callable[[str, int, int], None] | None = None,
                   record_inputs: Sequence[str] | None = None, option: str = "calibration",
                   **facts: Any) -> Calibrator:
    """The calibration ``kind`` names, as a :data:`Calibrator` (it pickles without progress).

    Parameters
    ----------
    kind
        ``record`` (default, :data:`qpq.sim.DEFAULT_CALIBRATION`):
        :func:`qpq.sim.record_calibrator` with :func:`record_settings_for`'s settings
        (``record``, else the defaults at ``model``), keeping its results in ``cache_dir``
        (``None``: not cached); ``facts``: :func:`qpq.sim.calibrate` on the stylised facts.
    model
        The forecast's model (``None``: ``record``'s, else v1, either kind's default).
    seed, draws, replicates, on_progress
        Either kind's: the seed, the particles' points (the record's posterior points
        resampled, the facts' prior draws) and histories per point (``None``: the owners'
        defaults), and the progress callback.
    record_inputs, option
        How the front end names what it was given for the record calibration alone, and its
        calibration option, for the refusal when ``kind`` is ``facts``: default (or where it
        names none) the keyword arguments ``record`` and ``cache_dir`` where not ``None``, and
        ``calibration`` (the command passes its options, e.g. ``--max-simulations``, and
        ``--calibration``).
    **facts
        Further keyword arguments of :func:`qpq.sim.calibrate` (``workers``,
        ``grid_size``, ``policy``, ``min_accept``, ...); the record's calibration reads
        ``workers`` alone (:func:`qpq.sim.record_calibrator`'s) and ignores the rest.

    Raises
    ------
    BadInputError
        ``kind`` is no calibration; record inputs are given with ``facts``; ``record``'s
        model is not ``model``; ``record``'s settings cannot run.
    """
    check_calibration(kind)
    # a Generator for the seed or draws=1.5 passed until the first calibration ran
    seed = check_seed(seed)
    draws, replicates = (None if v is None else check_whole(v, name, minimum=1)
                         for v, name in ((draws, "draws"), (replicates, "replicates")))
    # either kind's workers too: the facts kind's passed until its calibration ran
    if "workers" in facts:
        facts["workers"] = check_workers(facts["workers"])
    if kind == "record":
        return record_calibrator(record_settings_for(record, model), seed=seed,
                                 cache_dir=cache_dir, on_progress=on_progress,
                                 **given_options(points=draws, replicates=replicates,
                                                 workers=facts.get("workers")))
    # the front end's own names where it gives any, else the keyword arguments given
    named = list(record_inputs or ()) or [
        name for name, value in (("record", record), ("cache_dir", cache_dir))
        if value is not None]
    if named:
        raise BadInputError(f"{', '.join(named)}: record calibration settings, but {option} "
                            f"is {kind!r}; leave out {option} (record is the default), or "
                            "leave them out")
    options = {**facts, "seed": seed, "on_progress": on_progress,
               **given_options(draws=draws, replicates=replicates, model=model)}
    return _FactsCalibrator(tuple(sorted(options.items())))


def given_options(**options: Any) -> dict[str, Any]:
    """The keyword arguments given: those not ``None``.

    A front end passes its options on through this, so that an option left as ``None`` takes
    the default of the function or settings it reaches, and no default is restated (the
    notebook API's runs and forecasts, the command line's record settings, the calibrators).
    """
    return {k: v for k, v in options.items() if v is not None}


@dataclass(frozen=True)
class _FactsCalibrator:
    """:func:`qpq.sim.calibrate` with fixed keyword arguments.

    An object, not a closure, so that a process pool can pickle it (``on_progress`` must
    then be ``None``).
    """

    options: tuple[tuple[str, Any], ...]

    @property
    def workers(self) -> int:
        """Worker processes the calibration starts (as the record calibrator's)."""
        return int(dict(self.options).get("workers", 1))

    def __call__(self, case: Case, as_of: dt.date) -> CalibrationResult:
        return calibrate(case, as_of, **dict(self.options))
