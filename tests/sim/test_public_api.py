import qpq.sim

EXPECTED = {
    "BLOCK_SIZE", "EVENTS", "OUTPUTS", "SERIES", "SIM_PARAMETERS", "UNCALIBRATED",
    "CalibrationResult", "ContinuationTable", "Fact", "ForecastResult", "Override",
    "ParameterPool", "Particles", "Regime", "RunRequest", "RunSpec", "SimPolicy", "SimResult",
    "StepOptions", "Timeline", "WindowStat", "build_table", "build_timeline", "calibrate",
    "default_pool", "event_values", "forecast", "forecast_stats", "resolve_policy",
    "run_policies", "sample_pool", "sim_registry", "simulate", "stylised_facts",
}


def test_exported_names_are_pinned():
    assert set(qpq.sim.__all__) == EXPECTED
    for name in EXPECTED:
        assert hasattr(qpq.sim, name)


def test_every_registry_policy_has_behaviour():
    from qpq.model.policies import POLICIES

    for p in POLICIES:
        assert qpq.sim.resolve_policy(p.name).name == p.name
