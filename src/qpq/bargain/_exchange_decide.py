"""One round of the exchange model under decide-exchange-model 2025.3.1's rules.

The default round (:mod:`qpq.bargain._exchange_run`) re-sizes every remaining exchange against
the current voting positions and exact outcomes. Decide does something else, and to give the
same trajectory we follow it rule by rule (the rules were read from the package; no code is
taken from it):

* **Candidates.** For each pair of issues (p, q) in input order, actors are grouped by side
  of the round-start outcome (``x <= O`` counts as *left*); those right of both outcomes
  trade with those left of both, then left-of-p/right-of-q with right-of-p/left-of-q, in
  actor order. The one with the higher ratio ``s_p / s_q`` demands p (exact ties: the first).
* **Sizing** (as in the default) against the exchange's own view: each side keeps its own
  supply position (updated only when an executed exchange moved that actor on that issue)
  and a private "updates" table of other actors' moved positions, filled only when an
  executed exchange shared one of its actors' demand issues. The outcome limit is checked
  against that partial view, so an exchange untouched by earlier ones keeps its round-start
  size even where the true outcome has moved.
* **Move caps.** Every side keeps a list of its moves this round: its current size and,
  each time an executed exchange moved that actor on that issue, the size it had before
  (Decide appends the inherited move and then drops the last entry of both sides' lists);
  a move is refused when it is below 1e-10 or above 100, leaves [0, 100], when the list
  sums to more than 100, or when the list holds moves of both signs. Exchanges gaining less
  than 1e-10 are refused.
* **Order.** The list of exchanges is stably sorted by gain each step; the first is taken.
  If the second has exactly the same gain, a draw of ``random.Random(seed).random()``
  decides: ``>= 0.5`` takes the second and puts the first at the end of the list; otherwise
  the first is taken and the second is *also* put at the end (it is then listed twice, and
  is re-sized twice after every exchange; Decide does this, so we do too). Until the first
  valid exchange is made, invalid ones stay in the list (and count in ties); after it, only
  valid ones.
* **Re-sizing.** After an exchange, every listed exchange sharing one of its (actor, supply
  issue) or (actor, demand issue) pairs is re-sized; the rest keep their stale size.

Python's ``random`` is used (not numpy's generator) because Decide breaks ties with it: the
peer seeded with the same integer then makes the same draws. Decide computes in 28-digit
decimals (Python's ``decimal``, default context); so do we, with the same operations in the
same order (sums over actors in input order), because its choices hinge on them: gains of
different exchanges often agree to 16 digits, so floats would order them differently, and
Decide calls gains tied only below 1e-20 (in the 1,281 sorts of COP21's 10 rounds, 8,987
neighbouring pairs agree within 1e-12 as floats but differ as decimals, which set their
order). Inputs become decimals through their shortest repr (``0.65`` ->
``Decimal('0.65')``), as Decide reads them from text. Floats serve only to skip the exact
outcome sums of the outcome limit where a float pre-test is clear by 1e-9 (its float twins
of positions and moves are within ~1e-12 of the decimals).

Only the exchanges sharing an actor and issue with an executed one are re-sized (they are
indexed by those keys). Re-sizing one reads only the executed exchange and changes only
itself, so in the usual step they are re-sized in any order; the list order is followed
where it matters (the round's first exchange, when invalid ones leave the list; an executed
exchange still listed, whose own re-sizing moves positions that later ones read; an exchange
listed twice).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

import numpy as np

from qpq.bargain._data import FloatArray, IssueSet
from qpq.bargain._exchange import _LIMITS, Exchange, ExchangeOptions, _externalities

__all__: list[str] = []

# Decide compares decimals with these floats; Decimal(float) is exact, so the comparisons
# are the same and avoid a conversion each time.
_FLOOR = Decimal.from_float(1e-10)  # Decide's floor on gains and moves
_TIE = Decimal.from_float(1e-20)  # Decide's exact-tie threshold on gains
_CAP = Decimal(100)  # Decide's cap on a move and on the sum of a side's moves in a round
_MARGIN = 1e-9  # float estimates of outcomes are far closer than this to the exact ones
_ZERO = Decimal(0)
_by_gain = attrgetter("gain")

Grid = list[list[Decimal | None]]


class _Side:
    """One actor's side of an exchange: it supplies ``sup_issue`` and demands ``dem_issue``."""

    __slots__ = ("actor", "dem", "dem_f", "dem_issue", "move", "move_f", "moves", "start",
                 "sup", "sup_f", "sup_issue", "y")

    def __init__(self, actor: int, sup_issue: int, dem_issue: int, x: Grid,
                 xf: list[list[float]]) -> None:
        self.actor = actor
        self.sup_issue = sup_issue
        self.dem_issue = dem_issue
        sup, dem = x[actor][sup_issue], x[actor][dem_issue]
        assert sup is not None and dem is not None
        self.sup = sup
        self.start = sup
        self.dem = dem
        # float twins of sup, dem and move, for the outcome limit's float pre-test
        self.sup_f = xf[actor][sup_issue]
        self.dem_f = xf[actor][dem_issue]
        self.moves: list[Decimal] = []
        self.move = _ZERO
        self.move_f = 0.0
        self.y = sup


class _Deal:
    """A candidate exchange with Decide's per-exchange state. ``i`` demands p, supplies q."""

    __slots__ = ("base_f", "gain", "i", "id", "j", "k", "k_f", "limit", "listed", "p", "q",
                 "seen", "updates", "valid")

    def __init__(self, k: int, i: _Side, j: _Side) -> None:
        self.id = k
        self.i, self.j = i, j
        self.p, self.q = j.sup_issue, i.sup_issue
        self.updates: dict[int, dict[int, Decimal]] = {self.p: {}, self.q: {}}
        # per issue, the float outcome numerator of the partial view without its supplier
        # (see _Round._outcome_limit); dropped whenever the updates table changes
        self.base_f: dict[int, float] = {}
        self.gain = _ZERO
        self.valid = False
        self.limit = 0
        self.k: tuple[Decimal, ...] = ()  # the constants of its sizing (see _Round.size)
        self.k_f: tuple[float, float] = (0.0, 0.0)  # m_i / gap_p and m_j / gap_q, as floats
        self.listed = 0  # how many times it is in the round's list (a tie can list it twice)
        self.seen = -1  # the last step that re-sized it (see play_round)


Consts = dict[tuple[int, int, int, int], tuple[tuple[Decimal, ...], tuple[float, float]]]


class _Round:
    """One round's start state and Decide's arithmetic on it.

    ``consts``: the sizing constants of exchanges (i, j, p, q), kept across the rounds of a
    run (they read only saliences, capabilities and who is present, which rounds keep).
    """

    def __init__(self, x: Grid, cap: Grid, sal: Grid, consts: Consts) -> None:
        n, k = len(x), len(x[0])
        self.x = x
        self.consts = consts
        # absent actor-issues are never read through s and c, so 0 stands in for None
        self.s = [[_ZERO if v is None else v for v in row] for row in sal]
        self.c = [[_ZERO if v is None else v for v in row] for row in cap]
        self.members = [[a for a in range(n) if x[a][d] is not None] for d in range(k)]
        self.den: list[Decimal] = []
        for d in range(k):
            total: Decimal = _ZERO
            for a in self.members[d]:
                total += self.s[a][d] * self.c[a][d]
            self.den.append(total)
        self.outcome = [self.nbs(d, {}) for d in range(k)]
        # Float shadows, only to skip exact outcome sums whose sign test is not close.
        self.xf = [[0.0 if v is None else float(v) for v in row] for row in x]
        self.csf = [[float(self.s[a][d] * self.c[a][d]) if x[a][d] is not None else 0.0
                     for d in range(k)] for a in range(n)]
        self.numf = [sum(self.csf[a][d] * self.xf[a][d] for a in range(n)) for d in range(k)]
        self.denf = [float(v) for v in self.den]

    def nbs(self, d: int, place: dict[int, Decimal]) -> Decimal:
        """Outcome on issue d with the actors in ``place`` moved there (input-order sum)."""
        if self.den[d] == 0:
            return _ZERO
        num: Decimal = _ZERO
        x, s, c = self.x, self.s, self.c
        for a in self.members[d]:
            num += _dec(place.get(a, x[a][d])) * s[a][d] * c[a][d]
        return num / self.den[d]

    @staticmethod
    def move_ok(side: _Side) -> bool:
        """Decide's validity test of a side's move (``side.move``, to ``side.y``).

        Its move history's last entry is that move.
        """
        size = abs(side.move)
        if size > _CAP or size <= _FLOOR:
            return False
        if side.y < 0 or side.y > _CAP:
            return False
        moves = side.moves
        if len(moves) == 1:
            return True  # one non-zero move within the cap: the tests below all pass
        if sum(moves) > _CAP:
            return False
        lo, hi = min(moves), max(moves)
        return (lo < 0 and hi < 0) or (lo > 0 and hi > 0)

    def size(self, e: _Deal) -> None:
        """Size ``e`` from its sides' supply positions (appends one move to each history)."""
        i, j = e.i, e.j
        if not e.k:
            e.k, e.k_f = self._constants(i.actor, j.actor, e.p, e.q)
        s_ip, s_jp, s_iq, _s_jq, c_iq, c_jp, r_pq, r_qp, cs_i, cs_j, den_p, den_q = e.k
        gap_p = abs(i.dem - j.sup)
        d_p = gap_p * s_jp * c_jp / den_p  # j moves all the way to i on p
        d_q = r_pq * d_p
        m_i = d_q * den_q / cs_i
        m_j = gap_p
        e.limit = 0
        gap_q = abs(j.dem - i.sup)
        if abs(m_i) > gap_q:  # i would overshoot j on q: i moves all the way
            d_q = gap_q * s_iq * c_iq / den_q
            d_p = r_qp * d_q
            m_i = gap_q
            m_j = d_p * den_p / cs_j
            e.limit = 2
        i_down, j_down = i.sup > j.dem, j.sup > i.dem
        if i_down:
            m_i = -m_i
        if j_down:
            m_j = -m_j
        i.move, j.move = m_i, m_j
        i.moves.append(m_i)
        j.moves.append(m_j)
        i.y, j.y = i.sup + m_i, j.sup + m_j
        e.gain = abs(d_q * s_iq - d_p * s_ip)
        e.valid = self.move_ok(i) and self.move_ok(j) and not e.gain < _FLOOR
        if e.valid:
            # float twins of the moves (same limit and directions) for the outcome limit's
            # float pre-test
            if e.limit:
                m_i_f = abs(j.dem_f - i.sup_f)
                m_j_f = m_i_f * e.k_f[1]
            else:
                m_j_f = abs(i.dem_f - j.sup_f)
                m_i_f = m_j_f * e.k_f[0]
            i.move_f = -m_i_f if i_down else m_i_f
            j.move_f = -m_j_f if j_down else m_j_f
            shrunk_i = self._outcome_limit(e, i, j)
            shrunk_j = self._outcome_limit(e, j, i)
            if shrunk_i or shrunk_j:  # otherwise the moves just tested stand
                e.valid = self.move_ok(i) and self.move_ok(j)

    def _constants(self, a: int, b: int, p: int, q: int
                   ) -> tuple[tuple[Decimal, ...], tuple[float, float]]:
        """Sizing constants of a demanding p from b and supplying q (see ``size``).

        Decimal results are deterministic: computing these once gives the same digits as
        Decide computing them every time.
        """
        got = self.consts.get((a, b, p, q))
        if got is None:
            s, c = self.s, self.c
            s_ip, s_jp, s_iq, s_jq = s[a][p], s[b][p], s[a][q], s[b][q]
            k = (s_ip, s_jp, s_iq, s_jq, c[a][q], c[b][p], (s_jp + s_ip) / (s_jq + s_iq),
                 (s_iq + s_jq) / (s_ip + s_jp), c[a][q] * s_iq, c[b][p] * s_jp,
                 self.den[p], self.den[q])
            # m_i / gap_p and m_j / gap_q as floats, for the moves' float twins
            k_f = (float(k[6] * k[1] * k[5] / k[10] * k[11] / k[8]),
                   float(k[7] * k[2] * k[4] / k[11] * k[10] / k[9]))
            got = self.consts[a, b, p, q] = (k, k_f)
        return got

    def _outcome_limit(self, e: _Deal, a: _Side, b: _Side) -> bool:
        """Shrink ``e`` where a's move pushes its supply outcome past b's position.

        The outcome is e's partial view (its updates table for that issue). Returns whether
        it shrank ``e``.
        """
        d, d_b, ia, ib = a.sup_issue, b.sup_issue, a.actor, b.actor
        upd = e.updates[d]
        target = b.dem
        den_f = self.denf[d]
        if den_f > 0:
            base = e.base_f.get(d)
            if base is None:
                csf, xf = self.csf, self.xf
                base = self.numf[d] - csf[ia][d] * xf[ia][d]
                for m, held in upd.items():
                    if m != ia:
                        base += csf[m][d] * (float(held) - xf[m][d])
                e.base_f[d] = base
            cs_a = self.csf[ia][d]
            gap_0 = b.dem_f - (base + cs_a * a.sup_f) / den_f
            gap_1 = b.dem_f - (base + cs_a * (a.sup_f + a.move_f)) / den_f
            if (gap_0 > _MARGIN and gap_1 > _MARGIN) or (gap_0 < -_MARGIN and gap_1 < -_MARGIN):
                return False  # clearly no crossing: the exact test below would agree
        before = self.nbs(d, {**upd, ia: a.sup})
        after = self.nbs(d, {**upd, ia: a.y})
        if (target - before >= 0 and target - after >= 0) or (
                target - before <= 0 and target - after <= 0):
            return False
        s, c, den = self.s, self.c, self.den
        s_a, c_a = s[ia][d], c[ia][d]
        # the move of a that brings the outcome to b's position; here the updates table
        # overrides a's own supply position (Decide applies it after placing a)
        num: Decimal = _ZERO
        for m in self.members[d]:
            pos: Decimal | None = upd[m] if m in upd else a.sup if m == ia else self.x[m][d]
            num += _dec(pos) * s[m][d] * c[m][d]
        step = abs((target * den[d] - num) / (s_a * c_a))
        dd_a = step * s_a * c_a / den[d]
        dd_b = (s_a + s[ib][d]) / (s[ia][d_b] + s[ib][d_b]) * dd_a
        m_b = abs(dd_b * den[d_b] / (c[ib][d_b] * s[ib][d_b]))
        m_a = step
        if b.sup > a.dem:
            m_b = -m_b
        if a.sup > b.dem:
            m_a = -m_a
        a.move, b.move = m_a, m_b
        a.move_f, b.move_f = float(m_a), float(m_b)
        b.moves[-1] = m_b
        a.moves[-1] = m_a
        a.y, b.y = a.sup + m_a, b.sup + m_b
        e.gain = abs(dd_b * s[ib][d_b] - dd_a * s[ib][d])
        e.limit = 3 if a is e.i else 1
        return True

    def resize_after(self, e: _Deal, done: _Deal) -> None:
        """Decide's update of ``e`` after ``done`` was executed (``e`` may be ``done``).

        A side of ``e`` that ``done`` moved on its supply issue takes the new position and
        keeps its last own move in its history (Decide appends the inherited move and then
        drops the last entry of both sides' histories); every other side's last own move is
        replaced by the re-sizing.
        """
        di, dj, ei, ej = done.i, done.j, e.i, e.j
        redo = False
        keep_i = keep_j = False
        for side in (ei, ej):
            if side.actor == di.actor and side.sup_issue == di.sup_issue:
                src = di
            elif side.actor == dj.actor and side.sup_issue == dj.sup_issue:
                src = dj
            else:
                continue
            side.sup = src.y
            side.sup_f = float(src.y)
            redo = True
            if side is ei:
                keep_i = True
            else:
                keep_j = True
        if redo:
            if not keep_i:
                ei.moves.pop()
            if not keep_j:
                ej.moves.pop()
        # A demander in `done` that demands the same issue here learns its supplier's move.
        for demander, supplier in ((dj, di), (di, dj)):
            a, d = demander.actor, demander.dem_issue
            if (ej.actor == a and ej.dem_issue == d) or (ei.actor == a and ei.dem_issue == d):
                upd = e.updates[d]
                e.base_f.pop(d, None)
                old = upd.get(supplier.actor)
                if old is None:
                    upd[supplier.actor] = supplier.y
                elif supplier.start <= old:
                    upd[supplier.actor] = min(old, supplier.y)
                else:
                    upd[supplier.actor] = max(old, supplier.y)
                if not redo:
                    ei.moves.pop()
                    ej.moves.pop()
                    redo = True
        if redo:
            self.size(e)


def _dec(value: Decimal | None) -> Decimal:
    assert value is not None
    return value


def _candidates(rnd: _Round) -> list[_Deal]:
    """Decide's candidate list, in its order (see the module docstring)."""
    x, s = rnd.x, rnd.s
    n, k = len(x), len(x[0])
    deals: list[_Deal] = []
    for p in range(k):
        for q in range(p + 1, k):
            groups: list[list[int]] = [[], [], [], []]
            for a in range(n):
                xp, xq = x[a][p], x[a][q]
                if xp is not None and xq is not None:
                    groups[int(xp <= rnd.outcome[p]) | int(xq <= rnd.outcome[q]) * 2].append(a)
            for g_i, g_j in ((0, 3), (1, 2)):
                for a in groups[g_i]:
                    for b in groups[g_j]:
                        if not (s[a][q] and s[b][q] and rnd.c[a][p] and rnd.c[a][q]
                                and rnd.c[b][p] and rnd.c[b][q] and s[a][p] and s[b][p]):
                            continue  # Decide divides by these (and fails); they cannot trade
                        # the one with the higher s_p / s_q demands p
                        if s[a][p] / s[a][q] < s[b][p] / s[b][q]:
                            a_, b_ = b, a
                        else:
                            a_, b_ = a, b
                        deal = _Deal(len(deals), _Side(a_, q, p, x, rnd.xf),
                                     _Side(b_, p, q, x, rnd.xf))
                        rnd.size(deal)
                        deals.append(deal)
    return deals


@dataclass
class DecideRound:
    """What one round under Decide's rules produced (decimals on the 0–100 scale)."""

    start: Grid
    vote: Grid
    next: Grid
    made: list[tuple[_Deal, Decimal, Decimal, Decimal, Decimal, Decimal, int]]
    ties: int


def play_round(x: Grid, cap: Grid, sal: Grid, rng: random.Random,
               keep: tuple[Decimal, Decimal], in_list_order: bool = False,
               consts: Consts | None = None) -> DecideRound:
    """One round under Decide's rules from start positions ``x``.

    ``in_list_order``: after every step re-size in list order, as Decide does (the same
    result, slower; for tests of the shortcut). ``consts``: sizing constants from earlier
    rounds of the same run (filled in).
    """
    rnd = _Round(x, cap, sal, {} if consts is None else consts)
    deals = _candidates(rnd)
    by_key: dict[tuple[int, int, int], list[_Deal]] = defaultdict(list)
    for e in deals:
        for side in (e.i, e.j):
            by_key[0, side.actor, side.sup_issue].append(e)
            by_key[1, side.actor, side.dem_issue].append(e)
    listed = list(deals)
    for e in deals:
        e.listed = 1
    made = []
    ties = 0
    leaked = False  # an invalid exchange is still listed (see below)
    while listed:
        listed.sort(key=_by_gain, reverse=True)
        e = listed.pop(0)
        if listed and abs(e.gain - listed[0].gain) < _TIE:
            ties += 1
            if rng.random() >= 0.5:
                listed.append(e)
                e = listed.pop(0)
            else:
                listed.append(listed[0])  # now listed twice, as in Decide
                listed[0].listed += 1
        e.listed -= 1
        if not e.valid:  # only before the first exchange: invalid ones are still listed
            continue
        # as executed: if e is still listed it is re-sized against itself below
        made.append((e, e.j.sup, e.j.y, e.i.sup, e.i.y, e.gain, e.limit))
        hit = []
        for key in ((0, e.i.actor, e.i.sup_issue), (0, e.j.actor, e.j.sup_issue),
                    (1, e.j.actor, e.j.dem_issue), (1, e.i.actor, e.i.dem_issue)):
            for d in by_key.get(key, ()):
                if d.seen != len(made):
                    d.seen = len(made)
                    hit.append(d)
        if (not in_list_order and len(made) > 1 and not e.listed and not leaked
                and all(d.listed < 2 for d in hit)):
            # The usual step: re-sizing one exchange reads only e and changes only itself,
            # so the listed ones can be re-sized in any order, not in list order.
            dropped = False
            for d in hit:
                if d.listed and d.valid:
                    rnd.resize_after(d, e)
                    if not d.valid:
                        d.listed = 0
                        dropped = True
            if dropped:
                listed = [d for d in listed if d.valid]
        else:
            # The first exchange (invalid ones leave the list), or e or an exchange listed
            # twice: re-size in list order, as Decide does (e's own re-sizing moves its y,
            # which later ones read; a twice-listed one is re-sized twice, and if the second
            # time makes it invalid it stays listed once, until the next step drops it).
            kept = []
            for d in listed:
                d.listed = 0
                if d.valid:
                    if d.seen == len(made):
                        rnd.resize_after(d, e)
                    if d.valid:
                        kept.append(d)
            for d in kept:
                d.listed += 1
            leaked = any(not d.valid for d in kept)
            listed = kept
    # Decide's voting positions are the executed exchanges' y at the end of the round (an
    # exchange re-sized after it was executed contributes its new y).
    vote = [row[:] for row in x]
    for e, *_ in made:
        vote[e.j.actor][e.p] = e.j.y
        vote[e.i.actor][e.q] = e.i.y
    nxt = [row[:] for row in x]
    sw, fw = keep
    for e, *_ in made:
        for side in (e.i, e.j):
            s = rnd.s[side.actor][side.sup_issue]
            nxt[side.actor][side.sup_issue] = ((1 - s) * sw * side.y + fw * side.y
                                               + (1 - (1 - s) * sw - fw) * side.start)
    return DecideRound(start=x, vote=vote, next=nxt, made=made, ties=ties)


def _to_decimal(values: FloatArray) -> Grid:
    return [[None if np.isnan(v) else Decimal(repr(float(v))) for v in row] for row in values]


def _to_float(grid: Grid) -> FloatArray:
    return np.array([[np.nan if v is None else float(v) for v in row] for row in grid])


def run_decide(data: IssueSet, opts: ExchangeOptions
               ) -> list[tuple[FloatArray, FloatArray, FloatArray, list[Exchange], int]]:
    """All rounds under Decide's rules.

    Per round: the start, voting and next positions (0–100 working scale), the exchanges
    made and the ties broken.
    """
    lower = [Decimal(repr(float(v))) for v in data.lower]
    step = [Decimal(100) / (Decimal(repr(float(u))) - lo) for u, lo in zip(data.upper, lower,
                                                                          strict=True)]
    raw = _to_decimal(data.position)
    x: Grid = [[None if v is None else (v - lower[d]) * step[d] for d, v in enumerate(row)]
               for row in raw]
    cap, sal = _to_decimal(data.capability), _to_decimal(data.salience)
    keep = (Decimal(opts.salience_weight), Decimal(opts.fixed_weight))
    rng = random.Random(opts.seed)
    consts: Consts = {}
    out = []
    for t in range(1, opts.rounds + 1):
        rnd = play_round(x, cap, sal, rng, keep, consts=consts)
        start = _to_float(rnd.start)
        records = _records(t, data, start, rnd)
        out.append((start, _to_float(rnd.vote), _to_float(rnd.next), records, rnd.ties))
        x = rnd.next
    return out


def _records(t: int, data: IssueSet, start: FloatArray, rnd: DecideRound) -> list[Exchange]:
    """The executed exchanges as :class:`Exchange`, in the issues' units.

    Externalities are measured on the true outcomes of the running voting positions.
    """
    lower, unit = data.lower, (data.upper - data.lower) / 100.0
    sal = np.nan_to_num(data.salience)
    cs = np.where(np.isnan(start), 0.0, np.nan_to_num(data.capability * data.salience))
    den = cs.sum(axis=0)
    vote = np.nan_to_num(start)
    out = []
    for order, (e, j_from, j_to, i_from, i_to, gain, limit) in enumerate(rnd.made, start=1):
        i, j, p, q = e.i.actor, e.j.actor, e.p, e.q
        b = [float(cs[:, d] @ vote[:, d] / den[d]) for d in (p, q)]
        vote[j, p], vote[i, q] = float(j_to), float(i_to)
        f = [float(cs[:, d] @ vote[:, d] / den[d]) for d in (p, q)]
        ext = _externalities(data.actors, sal, start, i, j, ((p, b[0], f[0]), (q, b[1], f[1])))
        out.append(Exchange(
            round=t, order=order, i=data.actors[i], j=data.actors[j], p=data.issues[p],
            q=data.issues[q], j_from=float(lower[p] + float(j_from) * unit[p]),
            j_to=float(lower[p] + float(j_to) * unit[p]),
            i_from=float(lower[q] + float(i_from) * unit[q]),
            i_to=float(lower[q] + float(i_to) * unit[q]),
            shift_p=float(cs[j, p] * abs(float(j_to) - float(j_from)) / den[p]),
            shift_q=float(cs[i, q] * abs(float(i_to) - float(i_from)) / den[q]),
            gain=float(gain), limit=_LIMITS[limit], externalities=ext))
    return out
