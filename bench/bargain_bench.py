"""Bargaining lens benchmarks: the expected utility model at scale, and the exchange model
against the decide-exchange-model peer on its COP21 sample.

Entries (``run()``):

* ``eum 1000 actors x 50 rounds`` (default and scholz-compat variants): wall time of
  :func:`qpq.bargain.run_eum` on 1,000 random actors for 50 rounds (goal: <= 10 s on 2 cores).
* ``pairwise vote matrix``: the O(n² log n) prefix-sum formulation against the direct O(n³)
  sum it replaces (the "peer" here is the naive formula, same machine, same numbers).
* ``exchange model on COP21``: :func:`qpq.bargain.run_exchange` in its decide-compat
  variant (``ExchangeOptions.decide_compat()``: Decide's sizing, carry-over, 10 rounds)
  against decide-exchange-model 2025.3.1's own model loop on the same file (both break ties
  with Python's ``random`` seeded 0), plus how far the two agree: rounds whose outcomes agree
  to 1e-6, largest difference, exchanges and ties per run. The default variant (current
  sizing, Decide's carry-over) is timed too. COP21 is read from
  ``../shared/oracles/decide/cop21.csv`` relative to the repository root; without it (users
  do not have ``../shared``) or without the peer's environment
  (``bench/peers/decide/setup.sh``) these entries say why they were skipped.

``ratio`` is peer time / our time (above 1: we are faster).
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from bench.timing import median_seconds
from qpq.bargain import (
    EUMOptions,
    ExchangeOptions,
    Sizing,
    Stakeholders,
    run_eum,
    run_exchange,
)
from qpq.bargain._io import read_decide
from qpq.bargain._votes import vote_matrix, vote_matrix_naive

ROOT = Path(__file__).resolve().parents[1]
COP21 = ROOT.parent / "shared" / "oracles" / "decide" / "cop21.csv"
PEER_DIR = ROOT / "bench" / "peers" / "decide"
PEER_PYTHON = PEER_DIR / ".venv" / "bin" / "python"
PEER_NAME = "decide-exchange-model 2025.3.1"


def _random_actors(n: int, seed: int = 1) -> Stakeholders:
    rng = np.random.default_rng(seed)
    return Stakeholders(actors=tuple(f"a{i}" for i in range(n)),
                        capability=rng.uniform(0.01, 1.0, n),
                        position=rng.integers(0, 101, n).astype(float),
                        salience=rng.uniform(0.05, 1.0, n), scale=(0.0, 100.0))


def _entry(name: str, figure: float | None, unit: str, n: int, notes: str,
           peer: str | None = None, peer_figure: float | None = None) -> dict[str, Any]:
    ratio = peer_figure / figure if peer_figure is not None and figure else None
    return {"name": name, "figure": figure, "unit": unit, "peer": peer,
            "peer_figure": peer_figure, "ratio": ratio, "n": n, "notes": notes}


def eum_entries(n: int = 1000, rounds: int = 50, repeat: int = 3) -> list[dict[str, Any]]:
    """Expected utility model at scale, both variants."""
    data = _random_actors(n)
    out = []
    for label, opts in (("default", EUMOptions(max_rounds=rounds, tolerance=0.0)),
                        ("scholz-compat", EUMOptions.scholz_compat(max_rounds=rounds))):
        result = run_eum(data, opts)
        secs, _ = median_seconds(partial(run_eum, data, opts), repeat=repeat, warmup=0)
        out.append(_entry(
            f"eum {n} actors x {rounds} rounds ({label})", secs, "s", n,
            f"{len(result.rounds) - 1} rounds run ({result.stability.value}); goal <= 10 s on "
            f"2 cores; OMP/BLAS threads: {os.environ.get('OMP_NUM_THREADS', 'default')}"))
    return out


def vote_entry(n: int = 300) -> dict[str, Any]:
    """Fast vote matrix against the direct O(n·m²) sum, same inputs and answer."""
    data = _random_actors(n, seed=2)
    rng = np.random.default_rng(3)
    x = data.position + rng.uniform(-0.4, 0.4, n)  # distinct positions: m = n
    w = data.capability * data.salience
    r = rng.uniform(0.5, 2.0, n)
    cands = np.unique(x)
    fast, _ = median_seconds(lambda: vote_matrix(x, w, r, cands, 100.0), repeat=7)
    slow, _ = median_seconds(lambda: vote_matrix_naive(x, w, r, cands, 100.0), repeat=3)
    same = np.allclose(vote_matrix(x, w, r, cands, 100.0),
                       vote_matrix_naive(x, w, r, cands, 100.0), atol=1e-9)
    return _entry("pairwise vote matrix (one round)", fast * 1e3, "ms", n,
                  f"prefix sums + binary search, O(n m + m² log n); identical result: {same}",
                  peer="direct O(n m²) sum (numpy)", peer_figure=slow * 1e3)


def _peer_run(repeat: int) -> dict[str, Any]:
    if not PEER_PYTHON.exists():
        return {"skipped": f"peer environment missing: run {PEER_DIR / 'setup.sh'}"}
    proc = subprocess.run([str(PEER_PYTHON), str(PEER_DIR / "run_decide.py"), str(COP21),
                           "--iterations", "10", "--repeat", str(repeat)],
                          capture_output=True, text=True, check=False, timeout=1800)
    if proc.returncode != 0:
        return {"skipped": f"peer failed: {proc.stderr.strip()[-400:]}"}
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def compare_with_decide(repeat: int = 5, peer_repeat: int = 3) -> dict[str, Any]:
    """Run both exchange models on COP21 and measure time and agreement."""
    if not COP21.is_file():
        return {"skipped": f"COP21 sample not found at {COP21} (it lives in ../shared, which "
                "users do not have)"}
    data = read_decide(COP21)
    opts = ExchangeOptions.decide_compat()
    ours = run_exchange(data, opts)
    secs, _ = median_seconds(lambda: run_exchange(data, opts), repeat=repeat)
    out: dict[str, Any] = {"ours_seconds": secs, "n_actors": len(data.actors),
                           "n_issues": len(data.issues)}
    peer = _peer_run(peer_repeat)
    if "skipped" in peer:
        out["skipped"] = peer["skipped"]
        return out
    out["peer_seconds"] = peer["model_seconds"]
    mine = [(frozenset({(e.j, e.p), (e.i, e.q)}), e.gain) for e in ours.rounds[0].exchanges]
    theirs = [(frozenset({(a, sa), (b, sb)}), g) for a, sa, b, sb, g in peer["round1_exchanges"]]
    out["round1_same_pairs"] = sum(k1 == k2 for (k1, _), (k2, _) in zip(mine, theirs,
                                                                       strict=False))
    out["exchanges_per_round"] = [[len(r.exchanges) for r in ours.rounds],
                                  peer["exchanges_per_round"]]
    grids = []
    for key, attr in (("preference_mds", "outcome_start"), ("voting_mds", "outcome_end")):
        grids.append(np.vstack([np.abs(np.array(peer[key][issue])
                                       - np.array([getattr(r, attr)[d] for r in ours.rounds]))
                                for d, issue in enumerate(data.issues)]))
    worst = np.maximum(grids[0], grids[1]).max(axis=0)  # per round
    out["rounds_equal"] = int(np.cumprod(worst < 1e-6).sum())
    out["rounds"] = len(ours.rounds)
    out["max_abs_diff"] = float(worst.max())
    out["peer_tie_count"] = peer["tie_count"]
    out["our_tie_count"] = sum(r.ties for r in ours.rounds)
    default = ExchangeOptions.decide_compat(sizing=Sizing.CURRENT)
    out["default_seconds"], _ = median_seconds(lambda: run_exchange(data, default),
                                               repeat=repeat)
    return out


def exchange_entries() -> list[dict[str, Any]]:
    """COP21 entries (time ratio and agreement), or a skip note."""
    cmp = compare_with_decide()
    if "ours_seconds" not in cmp:
        return [_entry("exchange model on COP21 (10 rounds)", None, "s", 0,
                       f"skipped: {cmp['skipped']}", peer=PEER_NAME)]
    n = cmp["n_actors"]
    if "skipped" in cmp:
        return [_entry("exchange model on COP21 (10 rounds)", cmp["ours_seconds"], "s", n,
                       f"peer skipped: {cmp['skipped']}", peer=PEER_NAME)]
    agree = (f"outcomes (start and end of every round) equal to 1e-6 in {cmp['rounds_equal']} "
             f"of {cmp['rounds']} rounds, max abs diff {cmp['max_abs_diff']:.1e} on 0-100; "
             f"exchanges per round ours {cmp['exchanges_per_round'][0]}, peer "
             f"{cmp['exchanges_per_round'][1]}; exact ties drawn: ours {cmp['our_tie_count']}, "
             f"peer {cmp['peer_tie_count']} (both Python random seeded 0)")
    return [
        _entry("exchange model on COP21 (10 rounds, decide-compat)", cmp["ours_seconds"], "s",
               n, "decide-compat variant (Decide's sizing, decimals); peer timed in-process "
               "(model loop only, no writers); " + agree, peer=PEER_NAME,
               peer_figure=cmp["peer_seconds"]),
        _entry("exchange model on COP21: rounds identical to the peer",
               float(cmp["rounds_equal"]), "rounds", n,
               f"of {cmp['rounds']}; same trajectory when both break ties with the same seeded "
               "generator (see docs/model-bargain.md)", peer=PEER_NAME),
        _entry("exchange model on COP21 (10 rounds, default sizing)", cmp["default_seconds"],
               "s", n, "current sizing (every remaining exchange re-sized against the true "
               "outcomes, floats) with Decide's carry-over: not Decide's trajectory; the speed "
               "of the default model", peer=PEER_NAME, peer_figure=cmp["peer_seconds"]),
    ]


def run() -> list[dict[str, Any]]:
    """All bargaining benchmarks (see the module docstring)."""
    return [*eum_entries(), vote_entry(), *exchange_entries()]


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
