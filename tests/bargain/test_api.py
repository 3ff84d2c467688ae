"""Pin the public surface of qpq.bargain so that changes to it are deliberate."""

import qpq.bargain


def test_exported_names():
    assert set(qpq.bargain.__all__) == {
        "CarryOver", "EUMOptions", "EUMResult", "EUMRound", "Exchange", "ExchangeOptions",
        "ExchangeResult", "ExchangeRound", "IssueSet", "MedianRule", "MonteCarloResult", "Move",
        "OfferKind", "OfferRule", "ProbabilityRule", "Quadrant", "RiskReference", "Sizing",
        "Stability", "Stakeholders", "VARIANTS", "bargain_charts", "bargain_report_data",
        "case_issue", "case_issue_set", "case_stakeholders", "draw_issue_set", "eum_options",
        "input_table",
        "monte_carlo",
        "nash_bargaining_solution", "read_issue_data", "read_stakeholders", "run_eum",
        "run_exchange"}
    for name in qpq.bargain.__all__:
        assert hasattr(qpq.bargain, name), name


def test_importing_the_models_does_not_import_altair():
    import subprocess
    import sys

    code = "import sys, qpq.bargain; print('altair' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
