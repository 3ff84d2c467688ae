"""The results a notebook shows print as one line that says what they are.

The default dataclass reprs printed every item, particle or continuation: 450,000
characters for a Case, 380,000 for a record calibration (an outside read, 2026-12-06).
"""

import datetime as dt

import numpy as np

import qpq

AS_OF = dt.date(2025, 6, 30)


def test_results_print_as_one_short_line():
    case = qpq.load_case()
    cal = qpq.sim.calibrate(case, AS_OF, draws=16, replicates=1)
    fc = qpq.sim.forecast(case, cal, dt.date(2026, 6, 30), n=32)
    rec = qpq.sim.calibrate_record(case, dt.date(2020, 6, 30), rng=np.random.default_rng(0),
                                   settings=qpq.sim.AbcSettings(
                                       population=10, max_simulations=60, game_points=1,
                                       grid_size=4, start=dt.date(2014, 1, 1), ppc_draws=4,
                                       attribution=False, min_ess=1.0, model="v1"))
    solution = qpq.solve_game(case)
    runs = qpq.simulate_policies(case, "boycott", n=8)
    study = qpq.explore_policies(case=case, n=8, levers=["boycott", "engage_no_promise"])
    from qpq.game.analysis import run_study
    from qpq.model import ParameterRegistry

    props = run_study(ParameterRegistry.from_case(case), 8, seed=1, flips=False)
    said = {
        "Case": (case, [case.meta.id, f"{len(case.parameters)} parameters"]),
        "GameSolution": (solution, [repr(solution.label), f"selected={solution.selected}"]),
        "CalibrationResult": (cal, ["kind='facts'", f"accepted={cal.accepted.size:,}"]),
        "ForecastResult": (fc, ["until='2026-06-30'", "china_recognizes_de_jure"]),
        "RecordCalibration": (rec, ["as_of='2020-06-30'", f"of {rec.simulations:,}"]),
        "PolicyRuns": (runs, ["policies=['boycott']", "n=8"]),
        # every experiment's outcomes, over several lines (6,800 characters at n=8)
        "ComparisonStudy": (study, ["levers=['boycott', 'engage_no_promise']",
                                    "experiments=8"]),
        # every result's arrays (15,000 characters at 20 draws)
        "PropositionStudy": (props, ["n_draws=8", "P1 "]),
    }
    for name, (obj, parts) in said.items():
        text = repr(obj)
        assert text.startswith(f"{name}(") and "\n" not in text and len(text) < 400, text
        for part in parts:
            assert part in text, (name, part, text)
