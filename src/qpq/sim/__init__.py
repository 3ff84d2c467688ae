"""The dynamics lens: the quid pro quo quarter by quarter, vectorised over an ensemble.

A run steps N scenarios at once through quarters from 1996 (docs/model-dynamics.md): history
from the case's dated phases and events (:mod:`~qpq.sim.timeline`), China's policy and the
Taliban's best response from the one-round game (:mod:`~qpq.sim.equilibrium`,
:mod:`~qpq.sim.policies`), militant flows, Poisson attacks and Bayesian updating
(:mod:`~qpq.sim.dynamics`), in chunks of random-stream blocks so results do not depend on
chunking or workers (:mod:`~qpq.sim.engine`, :mod:`~qpq.sim.rng`). Calibration to the
stylised facts (:mod:`~qpq.sim.calibration`), as-of forecasts (:mod:`~qpq.sim.forecast`),
propositions in time (:mod:`~qpq.sim.propositions`), Parquet output (:mod:`~qpq.sim.store`),
charts and report sections complete the lens.
"""

from qpq.sim.calibration import UNCALIBRATED, CalibrationResult, calibrate
from qpq.sim.dynamics import OUTPUTS, StepOptions
from qpq.sim.engine import SERIES, Particles, RunSpec, SimResult, WindowStat, simulate
from qpq.sim.equilibrium import ContinuationTable, build_table
from qpq.sim.facts import Fact, stylised_facts
from qpq.sim.forecast import EVENTS, ForecastResult, event_values, forecast, forecast_stats
from qpq.sim.params import SIM_PARAMETERS, ParameterPool, default_pool, sample_pool, sim_registry
from qpq.sim.policies import SimPolicy, resolve_policy
from qpq.sim.rng import BLOCK_SIZE
from qpq.sim.runs import RunRequest, run_policies
from qpq.sim.timeline import Override, Regime, Timeline, build_timeline

__all__ = [
    "BLOCK_SIZE",
    "EVENTS",
    "OUTPUTS",
    "SERIES",
    "SIM_PARAMETERS",
    "UNCALIBRATED",
    "CalibrationResult",
    "ContinuationTable",
    "Fact",
    "ForecastResult",
    "Override",
    "ParameterPool",
    "Particles",
    "Regime",
    "RunRequest",
    "RunSpec",
    "SimPolicy",
    "SimResult",
    "StepOptions",
    "Timeline",
    "WindowStat",
    "build_table",
    "build_timeline",
    "calibrate",
    "default_pool",
    "event_values",
    "forecast",
    "forecast_stats",
    "resolve_policy",
    "run_policies",
    "sample_pool",
    "sim_registry",
    "simulate",
    "stylised_facts",
]
