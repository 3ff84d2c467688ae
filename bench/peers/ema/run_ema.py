"""EMA Workbench peer of ``qpq explore``: the same experiments through EMA's SequentialEvaluator.

Run in bench/peers/ema/.venv (see setup.sh), not in qpq's environment:

    python run_ema.py SPEC.json

SPEC.json is written by bench/explore_bench.py: the scenario (a built-in id or a file),
the policy, the outcome, and a sample of the study's experiments (parameter values by
uncertainty name). The EMA model's function is qpq's own per-experiment code
(:func:`qpq.explore.evaluate.evaluate_block` on a block of one experiment: the
equilibrium lookup of its parameter point, the four Taliban types simulated from 1996,
the prior-weighted outcome), so both sides compute the same equations; what differs is
that EMA evaluates one experiment per call, as its evaluators do, while qpq evaluates
thousands at once. Each experiment uses its own random-number block (its index), so the
outcomes agree with qpq's in distribution, not number for number.

Prints one JSON line: timing, the EMA version, and the outcomes' mean.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

warnings.filterwarnings("ignore", message="ipyparallel not installed")

import numpy as np  # noqa: E402
from ema_workbench import (  # noqa: E402
    IntegerParameter,
    Model,
    RealParameter,
    Sample,
    ScalarOutcome,
    SequentialEvaluator,
    __version__,
)

from qpq.case import load_case  # noqa: E402
from qpq.explore import evaluate_block, load_study, model_setup  # noqa: E402


def main(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        spec = json.load(fh)
    case = load_case(spec.get("case"))
    study = load_study(spec["scenario"], case)
    setup = model_setup(case, study, [spec["outcome"]])
    names, policy, outcome = list(study.names), spec["policy"], spec["outcome"]

    def experiment(noise_block: int, **params: float) -> dict[str, float]:
        row = np.array([[params[n] for n in names]])
        y = evaluate_block(setup, row, 1, int(noise_block), [policy])[policy][outcome]
        return {outcome: float(y[0])}

    model = Model("qpq", function=experiment)
    model.uncertainties = [RealParameter(u.name, u.low, u.high) for u in study.uncertainties] + [
        IntegerParameter("noise_block", 0, 2**31 - 1)]
    model.outcomes = [ScalarOutcome(outcome)]
    samples = [Sample(**dict(zip(names, row, strict=True)), noise_block=i)
               for i, row in enumerate(spec["experiments"])]
    t0, c0 = time.perf_counter(), time.process_time()
    with SequentialEvaluator(model) as evaluator:
        _, outcomes = evaluator.perform_experiments(scenarios=samples)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    y = np.asarray(outcomes[outcome], dtype=float)
    print(json.dumps({"ema": __version__, "experiments": len(samples), "seconds": seconds,
                      "per_experiment_s": seconds / len(samples),
                      "cpu_per_experiment_s": cpu / len(samples), "mean": float(y.mean())}))


if __name__ == "__main__":
    main(sys.argv[1])
