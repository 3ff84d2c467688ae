"""The fuzz campaign at scale: 10,000+ malformed inputs over every input surface.

The generator and classifier are ``tests/fuzzing.py`` (the test suite runs a small sample of
the same inputs). Each surface gets one row: its figure is the number of inputs, its notes
the count of every outcome class; a last row gives the totals and the time taken. The goal
is zero tracebacks, hangs, silent acceptances and damage (the notes say whether it is met).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from tests import fuzzing

ABOUT = """
## Fuzz campaign (`python -m bench fuzz`)

The `fuzz:` rows come from `tests/fuzzing.py`, whose first few hundred inputs the test suite
also runs (`tests/test_fuzz_campaign.py`, which asserts zero of the four bad classes). It
generates malformed inputs for every input surface: each case file kind (the mini test case,
and the built-in case for the optional files), the scenario file, the three bargaining data
formats (CSV, Decide, KTAB SMP), command-line arguments, and finished `qpq explore run`
stores. Mutations know the structure: fields dropped, renamed or of the wrong type, NaN and
infinities, bad dates, dangling references, duplicate ids, huge strings, odd unicode, YAML
tags, alias bombs and deep nesting, truncation and byte flips, CSV rows cut short or
repeated, unknown options and ids, clashing options, chunks and manifests deleted, cut,
flipped or edited. Each input runs in a worker process (in-process `qpq.cli.main` or the
loader behind it) with a 20 s deadline, and is classed as:

* **clean refusal**: exit code 2 naming the file (and field or option); `qpq explore status`
  reporting a damaged store as damaged (exit 2) counts here;
* **vague refusal**: another exit code, or a message that does not name them;
* **traceback**: any other exception escaped;
* **hang**: no answer by the deadline;
* **silent acceptance**: exit 0 on an input whose mutation is known to make it invalid;
* **damage**: a refused command changed or removed a file that existed before it (an
  earlier report, export or store; hashed before and after);
* **accepted**: exit 0 on an input not known to be invalid (a byte flip in a comment, a
  longer name).

The goal is zero tracebacks, hangs, silent acceptances and damage.
"""

SEED = 20260618
WORKERS = 2


def _progress(done: int, total: int) -> None:
    if done % 1000 == 0 or done == total:
        print(f"    {done}/{total} inputs", flush=True)


def run() -> list[dict[str, Any]]:
    start = time.perf_counter()
    results = fuzzing.run_campaign(fuzzing.BENCH_PLAN, seed=SEED, workers=WORKERS,
                                   progress=_progress)
    seconds = time.perf_counter() - start
    print(fuzzing.summary(results), flush=True)
    for r in fuzzing.bad(results)[:20]:
        print(f"    {r.outcome}: {r.surface} #{r.index} {r.kind}: {r.mutation}: "
              f"{r.detail[:300]}", file=sys.stderr)
    entries = []
    for surface, counts in fuzzing.figures(results).items():
        entries.append({
            "name": f"fuzz: {surface}", "figure": sum(counts.values()), "unit": "inputs",
            "n": sum(counts.values()),
            "notes": "; ".join(f"{o} {c}" for o, c in counts.items())})
    bad = len(fuzzing.bad(results))
    entries.append({
        "name": "fuzz: all surfaces", "figure": len(results), "unit": "inputs",
        "n": len(results),
        "notes": "; ".join(f"{o} {sum(1 for r in results if r.outcome == o)}"
                           for o in fuzzing.OUTCOMES)
                 + f"; goal zero tracebacks, hangs, silent acceptances and damage "
                   f"({'met' if bad == 0 else f'NOT met: {bad}'}); seed {SEED}, {WORKERS} "
                   f"workers, {fuzzing.DEADLINE_S:g} s deadline per input, "
                   f"{seconds:.0f} s in all"})
    return entries
