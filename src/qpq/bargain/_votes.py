"""Pairwise votes, probabilities of success and the median/mean forecasts.

In a contest between positions a and b every actor k "votes" with the utility difference it
sees between them, weighted by its capability × salience w_k::

    vote_k(a over b) = w_k * ((|x_k - b| / R) ** r_k - (|x_k - a| / R) ** r_k)

where R is the width of the issue's scale and r_k the voter's risk exponent. V(a, b), the
votes *for* a over b, sums the positive parts over all voters. The probability that a beats b
is V(a, b) / (V(a, b) + V(b, a)) (pairwise rule) or V(a, b) / Σ over all ordered pairs of
actors of all absolute votes (Scholz's global rule).

Summing over voters for every pair of actors is O(n³) per round. We use that a voter prefers
the nearer position whatever its exponent, so the voters for a over b are exactly those on a's
side of the midpoint (a + b) / 2. With voters sorted by position and prefix sums of
D[k, c] = w_k (|x_k - c| / R) ** r_k down each candidate column c, V(a, b) is the difference
of two prefix sums at the midpoint's rank, found by binary search: O(n m + m² log n) for m
distinct positions (:func:`vote_matrix`). :func:`vote_matrix_naive` is the direct sum, kept as
the test oracle. The global denominator is, per voter, a sum of absolute differences over all
pairs, computed after sorting in O(n m log m) (:func:`global_vote_total`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from qpq.bargain._data import FloatArray

__all__ = [
    "condorcet_median",
    "global_vote_total",
    "net_votes",
    "scholz_pass_median",
    "vote_matrix",
    "vote_matrix_naive",
    "weighted_distance_sum",
    "weighted_mean",
    "win_probability_matrix",
]

IntArray = npt.NDArray[np.intp]


def weighted_mean(position: FloatArray, weight: FloatArray) -> float:
    """Capability × salience weighted mean position (``weight`` = c·s)."""
    return float(np.sum(weight * position) / np.sum(weight))


def _utility_columns(voter_x: FloatArray, weight: FloatArray, exponent: FloatArray,
                     candidates: FloatArray, scale: float) -> FloatArray:
    """D[k, c] = w_k * (|x_k - c| / R) ** r_k, shape (voters, candidates)."""
    dist = np.abs(voter_x[:, None] - candidates[None, :]) / scale
    if np.all(exponent == 1.0):
        return weight[:, None] * dist
    return weight[:, None] * np.power(dist, exponent[:, None])


def vote_matrix(voter_x: FloatArray, weight: FloatArray, exponent: FloatArray,
                candidates: FloatArray, scale: float) -> FloatArray:
    """Votes for each candidate over each other candidate, by sorting and prefix sums.

    Parameters
    ----------
    voter_x, weight, exponent
        Each voter's position, capability × salience and risk exponent.
    candidates
        Distinct candidate positions, sorted ascending.
    scale
        Width R of the issue's scale.

    Returns
    -------
    numpy.ndarray
        ``V[a, b]`` = Σ_k max(0, vote_k(a over b)), shape ``(m, m)``, zero diagonal.
    """
    m = candidates.size
    order = np.argsort(voter_x, kind="stable")
    xs = voter_x[order]
    cols = _utility_columns(xs, weight[order], exponent[order], candidates, scale)
    prefix = np.cumsum(cols, axis=0)
    prefix = np.vstack([np.zeros((1, m)), prefix])
    total = prefix[-1]
    ia, ib = np.triu_indices(m, 1)  # candidate a left of candidate b
    rank = np.searchsorted(xs, 0.5 * (candidates[ia] + candidates[ib]), side="left")
    # Voters left of the midpoint vote for a; those right of it for b. A voter exactly at
    # the midpoint is indifferent (its two utilities are equal), so either side will do.
    for_a = prefix[rank, ib] - prefix[rank, ia]
    for_b = for_a + (total[ia] - total[ib])
    votes = np.zeros((m, m))
    votes[ia, ib] = np.maximum(for_a, 0.0)
    votes[ib, ia] = np.maximum(for_b, 0.0)
    return votes


def vote_matrix_naive(voter_x: FloatArray, weight: FloatArray, exponent: FloatArray,
                      candidates: FloatArray, scale: float) -> FloatArray:
    """The O(n m²) direct sum that :func:`vote_matrix` must equal (a test oracle)."""
    cols = _utility_columns(voter_x, weight, exponent, candidates, scale)
    diff = cols[:, None, :] - cols[:, :, None]  # [k, a, b] = D[k, b] - D[k, a]
    return np.asarray(np.maximum(diff, 0.0).sum(axis=0), dtype=np.float64)


def global_vote_total(voter_x: FloatArray, weight: FloatArray, exponent: FloatArray,
                      candidates: FloatArray, counts: IntArray, scale: float) -> float:
    """Σ over voters and over all ordered pairs of *actors* of the absolute vote.

    ``counts[c]`` is how many actors hold candidate position ``c``; actors at the same
    position count separately, as in Scholz's code. O(n m log m).
    """
    cols = _utility_columns(voter_x, weight, exponent, candidates, scale)
    order = np.argsort(cols, axis=1, kind="stable")
    values = np.take_along_axis(cols, order, axis=1)
    mult = counts[order].astype(np.float64)
    before_n = np.cumsum(mult, axis=1) - mult
    before_sum = np.cumsum(mult * values, axis=1) - mult * values
    unordered = np.sum(mult * (values * before_n - before_sum))
    return float(2.0 * unordered)


def win_probability_matrix(votes: FloatArray, rule: str, global_total: float = 0.0
                           ) -> FloatArray:
    """Probability that candidate a beats candidate b, from a vote matrix.

    ``rule`` is ``"pairwise"`` (V(a,b) / (V(a,b) + V(b,a)); 0.5 when nobody cares) or
    ``"global"`` (V(a,b) / ``global_total``). The diagonal is 0 (no contest).
    """
    if rule == "global":
        probs = votes / global_total if global_total > 0 else np.zeros_like(votes)
    else:
        cast = votes + votes.T
        with np.errstate(invalid="ignore", divide="ignore"):
            probs = np.where(cast > 0, votes / np.where(cast > 0, cast, 1.0), 0.5)
    np.fill_diagonal(probs, 0.0)
    return np.asarray(probs, dtype=np.float64)


def weighted_distance_sum(voter_x: FloatArray, weight: FloatArray, points: FloatArray
                          ) -> FloatArray:
    """F(p) = Σ_k w_k |x_k - p| for each point p, in O((n + m) log n)."""
    order = np.argsort(voter_x, kind="stable")
    xs, ws = voter_x[order], weight[order]
    cum_w = np.concatenate([[0.0], np.cumsum(ws)])
    cum_wx = np.concatenate([[0.0], np.cumsum(ws * xs)])
    k = np.searchsorted(xs, points, side="right")
    left = points * cum_w[k] - cum_wx[k]
    right = (cum_wx[-1] - cum_wx[k]) - points * (cum_w[-1] - cum_w[k])
    return np.asarray(left + right, dtype=np.float64)


def net_votes(voter_x: FloatArray, weight: FloatArray, candidates: FloatArray, scale: float
              ) -> FloatArray:
    """Net pairwise votes with linear utilities: ``N[a, b]`` = margin by which a beats b.

    With risk exponent 1 the net vote telescopes: N[a, b] = (F(b) - F(a)) / R where F is the
    weighted distance sum, so a position beats another exactly when it is nearer, in total,
    to the weighted voters.
    """
    f = weighted_distance_sum(voter_x, weight, candidates) / scale
    return np.asarray(f[None, :] - f[:, None], dtype=np.float64)


def condorcet_median(position: FloatArray, weight: FloatArray, rel_tol: float = 1e-12
                     ) -> float:
    """The held position that beats every other in weighted pairwise votes.

    Because the net vote is F(b) - F(a) (see :func:`net_votes`), the Condorcet winner is the
    held position minimising F. When several positions tie (within ``rel_tol``) no strict
    winner exists and we return the weighted median: the middle of the tied positions, which
    span the flat stretch of F.
    """
    candidates = np.unique(position)
    f = weighted_distance_sum(position, weight, candidates)
    best = float(np.min(f))
    tied = candidates[f <= best + rel_tol * max(abs(best), 1.0)]
    if tied.size == 1:
        return float(tied[0])
    return float(0.5 * (tied[0] + tied[-1]))


def scholz_pass_median(position: FloatArray, weight: FloatArray, scale: float) -> float:
    """Scholz's one-pass median, as in the replication (a named compatibility choice).

    The distinct positions are visited in CPython's set iteration order (deterministic for
    floats); the current choice is replaced by each later position that wins a linear
    pairwise vote against it. Each vote is summed voter by voter in input order, so that
    near-ties resolve exactly as in the reference.
    """
    candidates = list({float(x) for x in position})
    current = candidates[0]
    for cand in candidates[1:]:
        votes = weight * (np.abs(position - current) / scale - np.abs(position - cand) / scale)
        if float(np.cumsum(votes)[-1]) > 0:
            current = cand
    return current
