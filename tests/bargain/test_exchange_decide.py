"""The decide-compat exchange variant against decide-exchange-model 2025.3.1.

Inputs are generated here in Decide's file format (small numbers with few decimals, some
actors duplicated so that exact ties occur and the seeded draws matter). The peer's own
outcomes for two of them are pinned in ``reference_runs.DECIDE_SYNTHETIC`` (so the check
runs without the peer); where the peer's environment exists
(``bench/peers/decide/setup.sh``) it is also run live, on more inputs and seeds.
"""

from __future__ import annotations

import json
import random
import subprocess
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from qpq.bargain import ExchangeOptions, IssueSet, Sizing, nash_bargaining_solution, run_exchange
from qpq.bargain._exchange_decide import _candidates, _Round, _to_decimal, play_round
from qpq.bargain._io import read_decide
from tests.bargain.reference_runs import DECIDE_SYNTHETIC

ROOT = Path(__file__).resolve().parents[2]
PEER_DIR = ROOT / "bench" / "peers" / "decide"
PEER_PY = PEER_DIR / ".venv" / "bin" / "python"
TOL = 1e-6


def decide_text(seed: int, n: int = 9, k: int = 5, twins: int = 2) -> str:
    """A Decide input file: n actors (the last ``twins`` copy earlier ones) on k issues."""
    rng = np.random.default_rng(seed)
    lines = [f"#A\ta{a}\ta{a}" for a in range(n + twins)]
    for d in range(k):
        lines += [f"#P\td{d}\td{d}", f"#M\td{d}\t0", f"#M\td{d}\t100"]
    rows = []
    for _ in range(n):
        rows.append([(int(rng.integers(0, 21)) * 5, round(float(rng.uniform(0.1, 1.0)), 2),
                      round(float(rng.uniform(0.05, 1.0)), 2)) for _ in range(k)])
    rows += [rows[t] for t in range(twins)]
    for a, row in enumerate(rows):
        for d, (x, s, c) in enumerate(row):
            lines.append(f"#D\ta{a}\td{d}\t{x}\t{s}\t{c}")
    return "\n".join(lines) + "\n"


def _ours(path: Path, seed: int, rounds: int = 10):
    return run_exchange(read_decide(path), ExchangeOptions.decide_compat(seed=seed,
                                                                         rounds=rounds))


def _max_diff(result, outcomes: dict[str, list[float]]) -> float:
    data = result.data
    ours = np.array([[r.outcome_start[d] for r in result.rounds] for d in range(len(data.issues))])
    theirs = np.array([outcomes[name][: len(result.rounds)] for name in data.issues])
    return float(np.abs(ours - theirs).max())


@pytest.mark.parametrize("case", sorted(DECIDE_SYNTHETIC))
def test_pinned_peer_trajectories(case, tmp_path):
    gen_seed, tie_seed = case
    ref = DECIDE_SYNTHETIC[case]
    path = tmp_path / "in.csv"
    path.write_text(decide_text(gen_seed))
    result = _ours(path, tie_seed)
    assert [len(r.exchanges) for r in result.rounds] == ref["exchanges_per_round"]
    assert sum(r.ties for r in result.rounds) == ref["tie_count"] > 0
    assert _max_diff(result, ref["preference_mds"]) < TOL


def test_default_sizing_departs_from_decide(tmp_path):
    """The switch matters: with Decide's carry-over but the default sizing, outcomes drift."""
    case = sorted(DECIDE_SYNTHETIC)[0]
    path = tmp_path / "in.csv"
    path.write_text(decide_text(case[0]))
    data = read_decide(path)
    other = run_exchange(data, ExchangeOptions.decide_compat(sizing=Sizing.CURRENT,
                                                             seed=case[1]))
    assert _max_diff(other, DECIDE_SYNTHETIC[case]["preference_mds"]) > 0.01


def test_ties_follow_the_seed(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(decide_text(1))
    runs = {seed: _ours(path, seed, rounds=3) for seed in range(6)}
    again = _ours(path, 0, rounds=3)
    assert [e.to_dict() for e in again.exchanges()] == [e.to_dict() for e in
                                                       runs[0].exchanges()]
    orders = {tuple((e.i, e.j, e.p, e.q) for e in r.exchanges()) for r in runs.values()}
    assert len(orders) > 1  # the draws decide which of two tied exchanges goes first


def test_exchanges_gain_equally_and_shift_what_they_move(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(decide_text(2))
    result = _ours(path, 0, rounds=4)
    data = result.data
    sal = {(a, d): data.salience[i, j] for i, a in enumerate(data.actors)
           for j, d in enumerate(data.issues)}
    assert result.exchanges()
    for e in result.exchanges():
        assert sal[e.i, e.p] * e.shift_p - sal[e.i, e.q] * e.shift_q == pytest.approx(e.gain)
        assert sal[e.j, e.q] * e.shift_q - sal[e.j, e.p] * e.shift_p == pytest.approx(e.gain)
        assert e.gain > 1e-10


@pytest.mark.parametrize(("gen_seed", "tie_seed"), [(1, 0), (3, 0), (4, 7)])
def test_resizing_out_of_list_order_changes_nothing(gen_seed, tie_seed, tmp_path):
    """The shortcut (re-size the touched exchanges in any order when no list order matters)
    against re-sizing in list order after every step, as Decide does: same rounds, digit for
    digit, over rounds with tie draws (twice-listed exchanges)."""
    path = tmp_path / "in.csv"
    path.write_text(decide_text(gen_seed))
    data = read_decide(path)
    x = _to_decimal(data.position)  # already on 0-100
    cap, sal = _to_decimal(data.capability), _to_decimal(data.salience)
    keep = (Decimal.from_float(0.4), Decimal.from_float(0.1))  # as run_decide
    fast_rng, slow_rng = random.Random(tie_seed), random.Random(tie_seed)
    ties = 0
    for _ in range(4):
        fast = play_round(x, cap, sal, fast_rng, keep)
        slow = play_round(x, cap, sal, slow_rng, keep, in_list_order=True)
        assert (fast.vote, fast.next, fast.ties) == (slow.vote, slow.next, slow.ties)
        assert ([(e.i.actor, e.j.actor, e.p, e.q, *rest) for e, *rest in fast.made]
                == [(e.i.actor, e.j.actor, e.p, e.q, *rest) for e, *rest in slow.made])
        ties += fast.ties
        x = fast.next
    assert ties > 0


def _peer(path: Path, seed: int) -> dict:
    proc = subprocess.run([str(PEER_PY), str(PEER_DIR / "run_decide.py"), str(path),
                           "--iterations", "10", "--seed", str(seed)],
                          capture_output=True, text=True, check=True, timeout=600)
    doc: dict = json.loads(proc.stdout)
    return doc


@pytest.mark.skipif(not PEER_PY.is_file(), reason="decide-exchange-model needs Python 3.13: "
                    "its peer environment bench/peers/decide/.venv is made by "
                    "bench/peers/decide/setup.sh; .ci/run makes it where a Python 3.13 exists")
@pytest.mark.parametrize(("gen_seed", "tie_seed"), [(3, 0), (4, 7), (5, 1)])
def test_same_trajectory_as_the_peer(gen_seed, tie_seed, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(decide_text(gen_seed))
    peer = _peer(path, tie_seed)
    result = _ours(path, tie_seed)
    assert [len(r.exchanges) for r in result.rounds] == peer["exchanges_per_round"]
    assert sum(r.ties for r in result.rounds) == peer["tie_count"]
    assert _max_diff(result, peer["preference_mds"]) < TOL
    ends = {name: [r.outcome_end[d] for r in result.rounds]
            for d, name in enumerate(result.data.issues)}
    assert max(abs(a - b) for name in ends for a, b in
               zip(ends[name], peer["voting_mds"][name], strict=True)) < TOL
    first = [(e.j, e.p, e.i, e.q, e.gain) for e in result.rounds[0].exchanges]
    for (j, p, i, q, g), (a, sa, b, sb, pg) in zip(first, peer["round1_exchanges"], strict=True):
        assert {(j, p), (i, q)} == {(a, sa), (b, sb)}
        # Decide reports an exchange's gain as it stands at the end of the round: one still
        # listed (a tie put it there twice) was re-sized against itself and shows 0; we
        # report the gain it was executed with.
        assert g == pytest.approx(pg, abs=1e-9) or pg == 0.0


# Hand-worked cases (a mutation read of _exchange_decide: these behaviours passed every test
# that runs without the peer). Capabilities are 1 unless given; NaN = absent.
NAN = np.nan


def _two_issues(pos, sal, lower=(0.0, 0.0), upper=(100.0, 100.0)) -> IssueSet:
    pos, sal = np.array(pos, dtype=float), np.array(sal, dtype=float)
    return IssueSet(actors=tuple("ABC"[:len(pos)]), issues=("p", "q"), position=pos,
                    capability=np.where(np.isnan(pos), NAN, 1.0), salience=sal,
                    lower=np.array(lower), upper=np.array(upper))


def _decide_round(data: IssueSet):
    return run_exchange(data, ExchangeOptions.decide_compat(rounds=1)).rounds[0]


# C sits beyond A on p only: O_p = (0.5*60 + 0.5*0 + 0.5*100) / 1.5 = 160/3, O_q = 0.8*100 = 80.
# A (s_p/s_q = 2.5) demands p from B (0.625). In units of O_p: B reaching A takes
# 0.5*60/1.5 = 20, O_p reaching A's 60 takes 20/3, A reaching B on q 0.2*100 * (0.2+0.8) /
# (0.5+0.5) = 20, O_q reaching B 20. So O_p's limit binds: B moves (20/3)*1.5/0.5 = 20 (0 -> 20),
# O_q shifts 20/3 and A moves (20/3)/0.2 = 100/3 on q; gain (20/3)(0.5*0.8 - 0.2*0.5)/1 = 2;
# C's externality 0.5 * (|160/3 - 100| - |60 - 100|) = 10/3. Swapping the issues swaps the
# roles: the same exchange, bound by the outcome on q.
OUTCOME_BINDS = ([[60, 0], [0, 100], [100, NAN]], [[0.5, 0.2], [0.5, 0.8], [0.5, NAN]])


@pytest.mark.parametrize("swap", [False, True])
def test_an_outcome_limit_by_hand(swap):
    pos, sal = (np.array(v, dtype=float) for v in OUTCOME_BINDS)
    if swap:
        pos, sal = pos[:, ::-1], sal[:, ::-1]
    rnd = _decide_round(_two_issues(pos, sal))
    (e,) = rnd.exchanges
    if swap:
        assert (e.i, e.j, e.p, e.q, e.limit) == ("B", "A", "p", "q", "outcome reaches j on q")
        assert (e.j_to, e.i_to) == pytest.approx((100 / 3, 20.0))
        assert rnd.outcome_end == pytest.approx([80 + 20 / 3, 60.0])
    else:
        assert (e.i, e.j, e.p, e.q, e.limit) == ("A", "B", "p", "q", "outcome reaches i on p")
        assert (e.j_to, e.i_to) == pytest.approx((20.0, 100 / 3))
        assert rnd.outcome_end == pytest.approx([60.0, 80 + 20 / 3])
    assert e.gain == pytest.approx(2.0)
    assert dict(e.externalities) == pytest.approx({"C": 10 / 3})


def test_an_actor_without_salience_on_an_issue_does_not_trade_on_it():
    # Decide divides by saliences and capabilities: pairs with a 0 are left out. C now sits
    # on q too, with salience 0 (so the outcomes, and A and B's exchange, stay as above);
    # with any salience it would face A across both outcomes and trade.
    pos = [[60, 0], [0, 100], [100, 0]]
    rnd = _decide_round(_two_issues(pos, [[0.5, 0.2], [0.5, 0.8], [0.5, 0.0]]))
    assert [(e.i, e.j, e.limit) for e in rnd.exchanges] == [("A", "B", "outcome reaches i on p")]
    assert rnd.exchanges[0].gain == pytest.approx(2.0)


@pytest.mark.parametrize(("eps", "made"), [(1e-9, True), (1e-12, False)])
def test_gains_below_decides_floor_are_refused(eps, made):
    # A at (90, 10), B at (10, 90), saliences (0.5, 0.5) and (0.5, 0.5 + eps): A demands p,
    # O_p = 50, and each limit (B reaching A, O_p reaching A, A reaching B, O_q reaching B)
    # is 40 points of O_p, so the gain is 40 * (0.5 * (0.5 + eps) - 0.5 * 0.5) / (1 + eps)
    # = 20 eps / (1 + eps): made above Decide's floor of 1e-10, refused below it.
    rnd = _decide_round(_two_issues([[90, 10], [10, 90]], [[0.5, 0.5], [0.5, 0.5 + eps]]))
    assert len(rnd.exchanges) == int(made)
    if made:
        (e,) = rnd.exchanges
        assert e.gain == pytest.approx(20 * eps / (1 + eps), rel=1e-6)
        assert (e.j_to, e.i_to) == pytest.approx((90.0, 90.0))


def test_an_actor_exactly_at_the_outcome_counts_as_left():
    # O_p = (0.5*50 + 0.5*0 + 0.5*100) / 1.5 = 50 exactly, A's position. A counts as left of
    # p (and is right of q, O_q = 0.2*100/1.7): it faces C (right of p, left of q), not B
    # (left of both). A's s_p/s_q = 2.5 beats C's 0.5/0.9, so A demands p from C.
    dec = [[Decimal(v) for v in row] for row in ([50, 100], [0, 0], [100, 0])]
    cap = [[Decimal(1)] * 2 for _ in range(3)]
    sal = [[Decimal("0.5"), Decimal(v)] for v in ("0.2", "0.6", "0.9")]
    rnd = _Round(dec, cap, sal, {})
    assert rnd.outcome[0] == 50
    assert [(d.i.actor, d.j.actor, d.p, d.q) for d in _candidates(rnd)] == [(0, 2, 0, 1)]


def test_another_scale_gives_the_same_round_in_its_own_units(tmp_path):
    # positions on [-5, 5] (x / 10 - 5, exact in binary and decimal) are worked on 0-100 as
    # the same decimals, so the run is the same; positions and outcomes come back on
    # [-5, 5], gains and shifts stay in 0-100 points
    path = tmp_path / "in.csv"
    path.write_text(decide_text(1))
    data = read_decide(path)
    k = len(data.issues)
    small = IssueSet(actors=data.actors, issues=data.issues, position=data.position / 10 - 5,
                     capability=data.capability, salience=data.salience,
                     lower=np.full(k, -5.0), upper=np.full(k, 5.0))
    opts = ExchangeOptions.decide_compat(rounds=2)
    wide, narrow = run_exchange(data, opts), run_exchange(small, opts)
    assert wide.exchanges()
    for a, b in zip(wide.exchanges(), narrow.exchanges(), strict=True):
        assert (a.i, a.j, a.p, a.q, a.limit) == (b.i, b.j, b.p, b.q, b.limit)
        assert (a.gain, a.shift_p, a.shift_q) == pytest.approx((b.gain, b.shift_p, b.shift_q))
        assert np.array([a.j_from, a.j_to, a.i_from, a.i_to]) / 10 - 5 == pytest.approx(
            [b.j_from, b.j_to, b.i_from, b.i_to])
        assert dict(a.externalities) == pytest.approx(dict(b.externalities))
    for r, s in zip(wide.rounds, narrow.rounds, strict=True):
        assert r.outcome_end / 10 - 5 == pytest.approx(s.outcome_end)


@pytest.mark.parametrize("gen_seed", [0, 2])
def test_votes_outcomes_limits_and_externalities_replayed(gen_seed, tmp_path):
    # Without twin actors there are no exact ties, so no exchange is re-sized after it was
    # executed and the records alone give the voting positions. Replayed from each round's
    # start: every exchange moves j on p from j_from to j_to and i on q from i_to; an
    # exchange bound by a partner's position ends there; third actors' externalities are
    # s (|O before - x| - |O after - x|) from their round-start positions x.
    path = tmp_path / "in.csv"
    path.write_text(decide_text(gen_seed, twins=0))
    data = read_decide(path)
    result = run_exchange(data, ExchangeOptions.decide_compat(rounds=2))
    idx = {a: i for i, a in enumerate(data.actors)}
    col = {d: j for j, d in enumerate(data.issues)}
    start = np.array(data.position)
    for rnd in result.rounds:
        assert rnd.ties == 0 and rnd.exchanges
        vote = start.copy()
        for e in rnd.exchanges:
            i, j, p, q = idx[e.i], idx[e.j], col[e.p], col[e.q]
            assert (vote[j, p], vote[i, q]) == pytest.approx((e.j_from, e.i_from))
            if e.limit == "j reaches i on p":
                assert e.j_to == pytest.approx(start[i, p])
            if e.limit == "i reaches j on q":
                assert e.i_to == pytest.approx(start[j, q])
            before = nash_bargaining_solution(vote, data.capability, data.salience)
            vote[j, p], vote[i, q] = e.j_to, e.i_to
            after = nash_bargaining_solution(vote, data.capability, data.salience)
            expect = {}
            for a, k in idx.items():
                change = sum(data.salience[k, d] * (abs(before[d] - start[k, d])
                                                    - abs(after[d] - start[k, d])) for d in (p, q))
                if a not in (e.i, e.j) and abs(change) > 1e-12:
                    expect[a] = change
            assert dict(e.externalities) == pytest.approx(expect, abs=1e-9)
        assert rnd.voting_position == pytest.approx(vote)
        assert rnd.outcome_end == pytest.approx(
            nash_bargaining_solution(vote, data.capability, data.salience))
        start = rnd.next_position
