"""Run the decide-exchange-model peer on a Decide input file and print one JSON document.

Runs under the peer's own interpreter (Python 3.13, ``bench/peers/decide/.venv``; see
``setup.sh``), not under qpq's. It uses the package's public model API (input reader, model
factory, equal-gain model, model loop) rather than its CLI, so that the timing covers the
model and not its CSV/chart/SQLite writers, and so that every round's outcomes and the
round-1 exchanges can be read directly from the model objects.

Usage::

    bench/peers/decide/.venv/bin/python bench/peers/decide/run_decide.py FILE \
        [--iterations 10] [--repeat 1] [--seed 0]

Output: {"package", "version", "iterations", "model_seconds" (median of the timed repeats),
"times", "preference_mds" {issue: [round 0..]}, "voting_mds" {issue: [...]},
"round1_exchanges" [[actor i, supply issue i, actor j, supply issue j, gain], ...],
"exchanges_per_round", "tie_count"}.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from decide.data.modelfactory import ModelFactory
from decide.data.reader import InputDataFile
from decide.model.equalgain import EqualGainModel
from decide.model.observers.observer import Observable, Observer
from decide.model.utils import ModelLoop


class _Recorder(Observer):
    """Reads the outcomes and exchanges off the model at the loop events."""

    def __init__(self, observable: Observable) -> None:
        super().__init__(observable)
        self.preference: dict[str, list[float]] = {}
        self.voting: dict[str, list[float]] = {}
        self.round1: list[list[object]] = []
        self.per_round: list[int] = []

    def after_loop(self, realized, iteration, repetition) -> None:
        model = self.model_ref
        for issue, value in model.nbs.items():
            self.preference.setdefault(str(issue.name), []).append(float(value))
        self.per_round.append(len(realized))
        if iteration == 0:
            self.round1 = [[e.i.actor.actor_id, e.i.supply.issue.name, e.j.actor.actor_id,
                            e.j.supply.issue.name, float(e.gain)] for e in realized]

    def end_loop(self, iteration, repetition) -> None:
        for issue, value in self.model_ref.nbs.items():
            self.voting.setdefault(str(issue.name), []).append(float(value))


def _run(path: Path, iterations: int, seed: int, record: bool) -> tuple[float, object]:
    random.seed(seed)  # decide breaks exact ties with the global `random` module
    data = InputDataFile.open(path)
    model = ModelFactory(data).create(model_klass=EqualGainModel, randomized_value=None)
    with tempfile.TemporaryDirectory() as tmp:
        handler = Observable(model_ref=model, output_directory=Path(tmp))
        recorder = _Recorder(handler) if record else None
        loop = ModelLoop(model, handler, 0)
        start = time.perf_counter()
        for _ in range(iterations):
            loop.loop()
        elapsed = time.perf_counter() - start
    return elapsed, (recorder, model.tie_count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(json.dumps({"skipped": f"input file {args.file} not found"}))
        return 0
    times = [_run(args.file, args.iterations, args.seed, record=False)[0]
             for _ in range(args.repeat)]
    _, (recorder, ties) = _run(args.file, args.iterations, args.seed, record=True)
    assert isinstance(recorder, _Recorder)
    json.dump({
        "package": "decide-exchange-model",
        "version": importlib.metadata.version("decide-exchange-model"),
        "python": sys.version.split()[0],
        "iterations": args.iterations,
        "model_seconds": statistics.median(times),
        "times": times,
        "preference_mds": recorder.preference,
        "voting_mds": recorder.voting,
        "round1_exchanges": recorder.round1,
        "exchanges_per_round": recorder.per_round,
        "tie_count": ties,
    }, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
