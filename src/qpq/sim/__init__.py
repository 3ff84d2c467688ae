"""The dynamics lens: the quid pro quo quarter by quarter, vectorised over an ensemble.

A run steps N scenarios at once through quarters from 1996 (docs/model-dynamics.md): history
from the case's dated phases and events (:mod:`~qpq.sim._timeline`), China's policy and the
Taliban's best response from the one-round game (:mod:`~qpq.sim._lookup`,
:mod:`~qpq.sim._policies`), militant flows, Poisson attacks and Bayesian updating
(:mod:`~qpq.sim._dynamics`), in chunks of random-stream blocks so results do not depend on
chunking or workers (:mod:`~qpq.sim._engine`, :mod:`~qpq.sim._rng`). Calibration to the
stylised facts (:mod:`~qpq.sim._calibration`) and on the record with ABC-SMC
(:mod:`~qpq.sim._abc`, :mod:`~qpq.sim._record`), as-of forecasts (:mod:`~qpq.sim._forecast`),
propositions in time (:mod:`~qpq.sim._propositions_in_time`), Parquet output
(:mod:`~qpq.sim._parquet`), charts and report sections complete the lens.
"""


from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.sim._abc import (
        QUICK_RECORD_SETTINGS,
        AbcSettings,
        ActingGamePoints,
        FactsTogether,
        RecordCalibration,
        SyntheticRecovery,
        TradeOff,
        acting_game_points,
        calibrate_record,
        default_population,
        observed_text,
        predictive_text,
        record_calibrator,
        required_game_points,
        synthetic_record,
        synthetic_recovery,
    )
    from qpq.sim._backtest import (
        BacktestResult,
        BacktestSpec,
        backtest,
        scored_occurrences,
    )
    from qpq.sim._calibration import (
        CALIBRATION_DRAWS,
        CALIBRATION_REPLICATES,
        CALIBRATIONS,
        DEFAULT_CALIBRATION,
        UNCALIBRATED,
        CalibrationResult,
        calibrate,
        check_calibration,
        check_known_by,
        given_others_words,
        others_histories,
    )
    from qpq.sim._calibrators import (
        calibrator_for,
        given_options,
    )
    from qpq.sim._charts import (
        INDICATOR_SERIES,
        band_frame,
        bands_chart,
        events_chart,
        fact_match_chart,
        fan_chart,
        trajectory_chart,
    )
    from qpq.sim._dynamics import (
        OUTPUTS,
        StepOptions,
    )
    from qpq.sim._engine import (
        SERIES,
        Particles,
        RunSpec,
        SimResult,
        Statistic,
        WindowStat,
        simulate,
    )
    from qpq.sim._facts import (
        Fact,
        stylised_facts,
    )
    from qpq.sim._forecast import (
        EVENTS,
        SERIES_EVENTS,
        ForecastResult,
        KnownState,
        RecognitionBelief,
        RecordOutcome,
        check_window,
        derived_text,
        event_values,
        forecast,
        forecast_stats,
        known_state,
        packaged_skill,
        recognition_belief,
        record_outcomes,
    )
    from qpq.sim._lookup import (
        ContinuationTable,
        build_table,
        stage_point,
    )
    from qpq.sim._parquet import (
        write_parquet,
    )
    from qpq.sim._policies import (
        SimPolicy,
        moves_for,
        relationship_moves,
        resolve_policy,
    )
    from qpq.sim._policy_runs import (
        PolicyRuns,
        RunRequest,
        run_policies,
    )
    from qpq.sim._pools import (
        SIM_PARAMETERS,
        ParameterPool,
        default_pool,
        sample_pool,
        sim_registry,
    )
    from qpq.sim._propositions_in_time import (
        p1_boycott,
        p1_made_of,
        p3_capacity,
        p5_conundrum,
        p6_free_ride,
    )
    from qpq.sim._record import (
        DERIVED,
        describe_observations,
    )
    from qpq.sim._record_events import (
        RECORD_EVENTS,
    )
    from qpq.sim._relationship_table import (
        RelationshipTable,
        build_relationship_table,
        check_table_budget,
    )
    from qpq.sim._rng import (
        BLOCK_SIZE,
    )
    from qpq.sim._tables import (
        relationship_tables,
        table_for,
    )
    from qpq.sim._timeline import (
        Override,
        Regime,
        Timeline,
        build_timeline,
        quarter_of,
    )

__all__ = [
    "BLOCK_SIZE",
    "CALIBRATIONS",
    "CALIBRATION_DRAWS",
    "CALIBRATION_REPLICATES",
    "DEFAULT_CALIBRATION",
    "DERIVED",
    "EVENTS",
    "INDICATOR_SERIES",
    "OUTPUTS",
    "QUICK_RECORD_SETTINGS",
    "RECORD_EVENTS",
    "SERIES",
    "SERIES_EVENTS",
    "SIM_PARAMETERS",
    "UNCALIBRATED",
    "AbcSettings",
    "ActingGamePoints",
    "BacktestResult",
    "BacktestSpec",
    "CalibrationResult",
    "ContinuationTable",
    "Fact",
    "FactsTogether",
    "ForecastResult",
    "KnownState",
    "Override",
    "ParameterPool",
    "Particles",
    "PolicyRuns",
    "RecognitionBelief",
    "RecordCalibration",
    "RecordOutcome",
    "Regime",
    "RelationshipTable",
    "RunRequest",
    "RunSpec",
    "SimPolicy",
    "SimResult",
    "Statistic",
    "StepOptions",
    "SyntheticRecovery",
    "Timeline",
    "TradeOff",
    "WindowStat",
    "acting_game_points",
    "backtest",
    "band_frame",
    "bands_chart",
    "build_relationship_table",
    "build_table",
    "build_timeline",
    "calibrate",
    "calibrate_record",
    "calibrator_for",
    "check_calibration",
    "check_known_by",
    "check_table_budget",
    "check_window",
    "default_pool",
    "default_population",
    "derived_text",
    "describe_observations",
    "event_values",
    "events_chart",
    "fact_match_chart",
    "fan_chart",
    "forecast",
    "forecast_stats",
    "given_options",
    "given_others_words",
    "known_state",
    "moves_for",
    "observed_text",
    "others_histories",
    "p1_boycott",
    "p1_made_of",
    "p3_capacity",
    "p5_conundrum",
    "p6_free_ride",
    "packaged_skill",
    "predictive_text",
    "quarter_of",
    "recognition_belief",
    "record_calibrator",
    "record_outcomes",
    "relationship_moves",
    "relationship_tables",
    "required_game_points",
    "resolve_policy",
    "run_policies",
    "sample_pool",
    "scored_occurrences",
    "sim_registry",
    "simulate",
    "stage_point",
    "stylised_facts",
    "synthetic_record",
    "synthetic_recovery",
    "table_for",
    "trajectory_chart",
    "write_parquet",
]

# Each name's module is imported on first use (qpq._lazy), so importing the package
# for one name does not import its siblings' libraries.
_EXPORTS = {
    "qpq.sim._abc": (
        "AbcSettings", "ActingGamePoints", "FactsTogether", "QUICK_RECORD_SETTINGS",
        "RecordCalibration",
        "SyntheticRecovery", "TradeOff", "acting_game_points", "calibrate_record",
        "default_population", "observed_text", "predictive_text", "record_calibrator",
        "required_game_points",
        "synthetic_record", "synthetic_recovery",
    ),
    "qpq.sim._backtest": ("BacktestResult", "BacktestSpec", "backtest", "scored_occurrences"),
    "qpq.sim._calibration": (
        "CALIBRATIONS", "CALIBRATION_DRAWS", "CALIBRATION_REPLICATES", "CalibrationResult",
        "DEFAULT_CALIBRATION", "UNCALIBRATED", "calibrate", "check_calibration",
        "check_known_by", "given_others_words", "others_histories",
    ),
    "qpq.sim._calibrators": ("calibrator_for", "given_options"),
    "qpq.sim._charts": (
        "INDICATOR_SERIES", "band_frame", "bands_chart", "events_chart", "fact_match_chart",
        "fan_chart", "trajectory_chart",
    ),
    "qpq.sim._dynamics": ("OUTPUTS", "StepOptions"),
    "qpq.sim._engine": (
        "Particles", "RunSpec", "SERIES", "SimResult", "Statistic", "WindowStat", "simulate",
    ),
    "qpq.sim._facts": ("Fact", "stylised_facts"),
    "qpq.sim._forecast": (
        "EVENTS", "ForecastResult", "KnownState", "RecognitionBelief", "RecordOutcome",
        "SERIES_EVENTS", "check_window", "derived_text", "event_values", "forecast",
        "forecast_stats", "known_state", "packaged_skill", "recognition_belief",
        "record_outcomes",
    ),
    "qpq.sim._lookup": ("ContinuationTable", "build_table", "stage_point"),
    "qpq.sim._record": ("DERIVED", "describe_observations"),
    "qpq.sim._record_events": ("RECORD_EVENTS",),
    "qpq.sim._relationship_table": ("RelationshipTable", "build_relationship_table",
                                    "check_table_budget"),
    "qpq.sim._parquet": ("write_parquet",),
    "qpq.sim._policies": ("SimPolicy", "moves_for", "relationship_moves", "resolve_policy"),
    "qpq.sim._policy_runs": ("PolicyRuns", "RunRequest", "run_policies"),
    "qpq.sim._pools": (
        "ParameterPool", "SIM_PARAMETERS", "default_pool", "sample_pool", "sim_registry",
    ),
    "qpq.sim._propositions_in_time": (
        "p1_boycott", "p1_made_of", "p3_capacity", "p5_conundrum", "p6_free_ride",
    ),
    "qpq.sim._rng": ("BLOCK_SIZE",),
    "qpq.sim._tables": ("relationship_tables", "table_for"),
    "qpq.sim._timeline": ("Override", "Regime", "Timeline", "build_timeline", "quarter_of"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
