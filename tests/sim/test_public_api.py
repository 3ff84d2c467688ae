import qpq.sim

EXPECTED = {
        "BLOCK_SIZE", "BacktestResult", "BacktestSpec", "CalibrationResult", "ContinuationTable",
        "EVENTS", "Fact", "INDICATOR_SERIES", "ForecastResult", "KnownState", "OUTPUTS",
        "Override", "ParameterPool",
        "Particles",
        "RECORD_EVENTS", "Regime", "RelationshipTable",
        "PolicyRuns", "RunRequest", "RunSpec",
        "SERIES", "SERIES_EVENTS", "SIM_PARAMETERS", "SimPolicy", "SimResult", "Statistic",
        "StepOptions",
        "Timeline", "UNCALIBRATED", "WindowStat", "backtest", "band_frame", "bands_chart",
        "build_relationship_table", "build_table", "stage_point", "check_table_budget",
        "build_timeline", "calibrate", "check_window", "default_pool", "event_values",
        "events_chart", "fact_match_chart", "fan_chart", "forecast", "forecast_stats",
        "known_state", "moves_for",
        "p1_boycott", "p1_made_of", "p3_capacity", "p5_conundrum", "p6_free_ride", "quarter_of",
        "relationship_moves", "relationship_tables", "resolve_policy",
        "run_policies", "sample_pool", "sim_registry", "simulate", "stylised_facts", "table_for",
        "trajectory_chart", "write_parquet",
        "AbcSettings", "RecordCalibration", "calibrate_record", "record_calibrator",
        "synthetic_record", "SyntheticRecovery", "synthetic_recovery", "TradeOff", "FactsTogether",
        "CALIBRATIONS",
        "DEFAULT_CALIBRATION", "check_calibration", "check_known_by", "packaged_skill",
        "ActingGamePoints",
        "acting_game_points", "required_game_points", "QUICK_RECORD_SETTINGS", "calibrator_for",
        "default_population", "describe_observations", "given_options", "observed_text",
        "given_others_words", "others_histories", "predictive_text",
        "CALIBRATION_DRAWS", "CALIBRATION_REPLICATES", "DERIVED",
        "RecognitionBelief", "recognition_belief", "derived_text", "RecordOutcome",
        "record_outcomes",
        "scored_occurrences"}


def test_exported_names_are_pinned():
    assert set(qpq.sim.__all__) == EXPECTED
    for name in EXPECTED:
        assert hasattr(qpq.sim, name)


def test_every_registry_policy_has_behaviour():
    from qpq.model._policies import POLICIES

    for p in POLICIES:
        assert qpq.sim.resolve_policy(p.name).name == p.name
