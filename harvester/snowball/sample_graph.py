"""The relations touching the sample as numpy arrays: pointers, neighbours, co_link sums, communities.

Pure (no Session, no I/O): the proposal reads the rows once and this module turns them into
per-organisation arrays, so that scoring thousands of candidates is a few vector operations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from harvester.snowball.weights import KIND_WEIGHTS, Weights

KIND_LIST = tuple(KIND_WEIGHTS)
KIND_CODES = {k: i for i, k in enumerate(KIND_LIST)}  # relation kinds as small integers in arrays
REFERRAL_CODE = KIND_CODES["referral"]
# A group page lists its sponsors and a sponsor's page its groups: for these kinds who published
# the page does not say who "points at" whom, so they count in both directions.
BOTH_WAYS = frozenset({"sponsor", "hosts_event", "organises", "venue"})


@dataclass
class _SampleGraph:
    """The relations touching the sample as arrays indexed by organisation id.

    pairs     (candidate, included pointer, strongest kind code): one row per distinct pointer
    neigh     (candidate, included neighbour): any relation either way, for bridging
    co_sum    Σ kind weight over each candidate's distinct pointers; n_ptrs their number
    """

    size: int
    inc_edges: list[tuple[int, int, float]]
    pair_cand: np.ndarray
    pair_ptr: np.ndarray
    pair_code: np.ndarray
    neigh_cand: np.ndarray
    neigh_ptr: np.ndarray
    co_sum: np.ndarray
    n_ptrs: np.ndarray
    referred: np.ndarray
    n_comm: np.ndarray
    community: np.ndarray

    @classmethod
    def build(cls, edges: list[tuple[Any, ...]], referrals: list[tuple[Any, ...]], inc_ids: set[int],
              size: int, weights: Weights) -> _SampleGraph:
        e = np.array(edges, dtype=np.int64).reshape(-1, 3)
        r = np.array(referrals, dtype=np.int64).reshape(-1, 2)
        src, dst, code = e[:, 0], e[:, 1], e[:, 2]
        is_inc = np.zeros(size, dtype=bool)
        is_inc[np.fromiter(inc_ids, dtype=np.int64, count=len(inc_ids))] = True
        kind_w = np.array([weights.kinds.get(k, 1.0) for k in KIND_LIST] + [1.0])
        both_ways = np.array([k in BOTH_WAYS for k in KIND_LIST] + [False])
        s_inc, d_inc = is_inc[src], is_inc[dst]
        m_ii, m_out, m_in = s_inc & d_inc, s_inc & ~d_inc, ~s_inc & d_inc
        m_back = m_in & both_ways[code]
        r = r[~is_inc[r[:, 1]]]
        lo, hi = np.minimum(src[m_ii], dst[m_ii]), np.maximum(src[m_ii], dst[m_ii])
        inc_edges = sorted(zip(lo.tolist(), hi.tolist(),
                               kind_w[code[m_ii]].tolist(), strict=True))
        p_cand = np.concatenate([dst[m_out], src[m_back], r[:, 1]])
        p_ptr = np.concatenate([src[m_out], dst[m_back], r[:, 0]])
        p_code = np.concatenate([code[m_out], code[m_back], np.full(len(r), REFERRAL_CODE, dtype=np.int64)])
        # One row per (candidate, pointer): its strongest kind (ties: the kind listed first).
        w = kind_w[p_code]
        key = p_cand * size + p_ptr
        order = np.lexsort((p_code, -w, key))
        first = np.ones(len(order), dtype=bool)
        first[1:] = key[order][1:] != key[order][:-1]
        sel = order[first]
        pair_cand, pair_ptr, pair_code = p_cand[sel], p_ptr[sel], p_code[sel]
        referred = np.zeros(size, dtype=bool)
        referred[pair_cand[pair_code == REFERRAL_CODE]] = True
        return cls(size=size, inc_edges=inc_edges, pair_cand=pair_cand, pair_ptr=pair_ptr,
                   pair_code=pair_code,
                   neigh_cand=np.concatenate([dst[m_out], src[m_in], r[:, 1]]),
                   neigh_ptr=np.concatenate([src[m_out], dst[m_in], r[:, 0]]),
                   co_sum=np.bincount(pair_cand, weights=kind_w[pair_code], minlength=size),
                   n_ptrs=np.bincount(pair_cand, minlength=size), referred=referred,
                   n_comm=np.zeros(size, dtype=np.int64), community=np.full(size, -1, dtype=np.int64))

    def linked(self) -> list[int]:
        return np.unique(self.neigh_cand).tolist()

    def set_communities(self, community: dict[int, int]) -> None:
        """Count, per candidate, the distinct communities among its included neighbours."""
        if community:
            ids = np.fromiter(community, dtype=np.int64, count=len(community))
            self.community[ids] = np.fromiter(community.values(), dtype=np.int64, count=len(community))
        comm = self.community[self.neigh_ptr]
        keep = comm >= 0
        n = int(self.community.max()) + 2
        keys = np.unique(self.neigh_cand[keep] * n + comm[keep])
        self.n_comm = np.bincount(keys // n, minlength=self.size)

    def details(self, ids: list[int]) -> tuple[dict[int, dict[int, str]], dict[int, set[int]]]:
        """For the candidates shown: pointer -> strongest kind, and the communities they touch."""
        wanted = np.array(ids, dtype=np.int64)
        pointers: dict[int, dict[int, str]] = defaultdict(dict)
        m = np.isin(self.pair_cand, wanted)
        for c, p, k in zip(self.pair_cand[m].tolist(), self.pair_ptr[m].tolist(), self.pair_code[m].tolist(),
                           strict=True):
            pointers[c][p] = KIND_LIST[k] if k < len(KIND_LIST) else "links_to"
        touched: dict[int, set[int]] = defaultdict(set)
        m = np.isin(self.neigh_cand, wanted)
        comms = self.community[self.neigh_ptr[m]].tolist()
        for c, comm in zip(self.neigh_cand[m].tolist(), comms, strict=True):
            if comm >= 0:
                touched[c].add(comm)
        return pointers, touched
