"""The plain-English reasons a candidate is proposed ('linked as partner from A and B; ...').

Pure (no Session, no I/O): the wording a researcher reads is kept apart from the scoring, so
it can change without touching a number.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from harvester.models import Cluster, OrgKind
from harvester.snowball.results import ProposedContact
from harvester.snowball.rows import _Org
from harvester.snowball.weights import KIND_WEIGHTS

MAX_NAMES = 3  # names listed in an explanation before "and N more"
MAX_KIND_PHRASES = 3  # relation kinds spelled out in an explanation; the rest are counted

SECTOR_VOICE = {"government": "a government", "industry": "an industry", "university": "a university",
                "third_sector": "a third-sector"}
KIND_PHRASE = {"partner": "partner", "funder": "funder", "sponsor": "sponsor", "member_of": "member",
               "client": "client", "hosts_event": "event host", "organises": "organiser",
               "venue": "venue"}


def name_list(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, C and 2 more'."""
    if len(names) > MAX_NAMES:
        return f"{', '.join(names[:MAX_NAMES])} and {len(names) - MAX_NAMES} more"
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _why(org: _Org, ptrs: dict[int, set[str]], best_kinds: dict[int, str], included: dict[int, _Org],
         touched: set[int], labels: dict[int, str], sector_gap: float, gap_area: str | None,
         sector_counts: Counter[str], area_counts: Counter[str], n_inc: int, area_labels: dict[str, str],
         groups: int, events: int, roles: dict[str, int], kind: str, inside: bool | None,
         home: Cluster | None, reconsider: str | None, deferred: tuple[str, datetime, str] | None,
         quota: str | None, contact: ProposedContact | None) -> str:
    """One plain-English sentence per reason, joined by '; '."""
    parts: list[str] = []
    if reconsider:
        parts.append(reconsider)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for p in sorted(ptrs, key=lambda p: (included[p].name.casefold(), p) if p in included else ("", p)):
        if p in included:
            by_kind[best_kinds[p]].append(included[p].name)
    kinds = sorted(by_kind, key=lambda k: (-KIND_WEIGHTS.get(k, 1.0), k))
    rest = sum(len(by_kind[k]) for k in kinds[MAX_KIND_PHRASES:])
    for k in kinds[:MAX_KIND_PHRASES]:
        names = name_list(by_kind[k])
        if k == "referral":
            parts.append(f"referred by an interviewee at {names}")
        elif k == "links_to":
            parts.append(f"linked from {names}")
        else:
            parts.append(f"linked as {KIND_PHRASE.get(k, k)} from {names}")
    if rest:
        parts.append(f"linked from {rest} more included organisation{'s' if rest != 1 else ''}")
    for role in ("runs", "hosts", "sponsors"):
        n = roles.get(role, 0)
        if n:
            parts.append(f"{role} {n} Meetup group{'s' if n != 1 else ''}")
    if events:
        parts.append(f"{events} recent Meetup event{'s' if events != 1 else ''}")
    if len(touched) >= 2:
        names = sorted(labels[c] for c in touched)
        parts.append(f"bridges the {name_list(names)} communities")
    if sector_gap > 0 and org.sector in SECTOR_VOICE:
        parts.append(f"adds {SECTOR_VOICE[org.sector]} voice: {sector_counts.get(org.sector, 0)} "
                     f"of {n_inc} included")
    if gap_area:
        parts.append(f"adds {area_labels.get(gap_area, gap_area)}: {area_counts.get(gap_area, 0)} "
                     f"of {n_inc} included")
    if inside is False:
        parts.append(f"outside the {home.name if home else 'cluster'} area")
    if quota:
        parts.append(f"fills the {quota} quota")
    if deferred:
        parts.append(f"deferred on {deferred[1]:%Y-%m-%d}" + (f" by {deferred[2]}" if deferred[2] else ""))
    if not ptrs and not groups and not events:
        parts.append("in the cluster, not yet linked from included organisations"
                     if kind != OrgKind.meetup_group.value else "a Meetup group in the cluster")
    if contact is None:
        parts.append("no contact found yet")
    return "; ".join(parts)
