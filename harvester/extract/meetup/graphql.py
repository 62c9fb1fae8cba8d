"""GraphQL answers -> facts: gql-ext (2025 on) and the legacy gql schema (2021-2025).

Apart because this is the API mode's one surface: search, group, event and Pro network queries,
their connections and paging, and the errors that arrive with HTTP 200 (kept in `errors`).
"""

from __future__ import annotations

from typing import Any

from harvester.extract.facts import MeetupFacts
from harvester.extract.meetup.entities import event_from_node, group_from_node, pro_network
from harvester.extract.meetup.merge import add_event, add_group
from harvester.extract.meetup.payload import load_json
from harvester.extract.meetup.values import as_int, as_str, first, get_key, get_path, nodes

GROUP_EVENT_CONNECTIONS = ("events", "unifiedEvents", "pastEvents", "upcomingEvents", "draftEvents")


def _paging(facts: MeetupFacts, conn: Any) -> None:
    if not isinstance(conn, dict) or facts.next_cursor is not None or facts.has_next_page:
        return
    info = conn.get("pageInfo") or {}
    facts.has_next_page = bool(info.get("hasNextPage"))
    facts.next_cursor = as_str(info.get("endCursor")) if facts.has_next_page else None
    if facts.total_count is None:
        facts.total_count = as_int(first(conn.get("totalCount"), conn.get("count")))


def graphql_errors(payload: Any) -> list[str]:
    """Readable messages of a GraphQL `errors` array (classification appended when given)."""
    out: list[str] = []
    for err in (payload.get("errors") or []) if isinstance(payload, dict) else []:
        if isinstance(err, dict):
            msg = as_str(err.get("message")) or "unknown GraphQL error"
            cls = as_str((err.get("extensions") or {}).get("classification")) \
                if isinstance(err.get("extensions"), dict) else None
            out.append(f"{msg} ({cls})" if cls else msg)
        else:
            out.append(str(err))
    return out


def parse_graphql(source_url: str, payload: Any, variables: dict[str, Any] | None = None,
                  ) -> MeetupFacts:
    """A gql-ext or legacy gql answer (dict, str or bytes) -> facts; `errors` kept as errors."""
    data, problem = load_json(payload)
    facts = MeetupFacts(source_url=source_url, source_kind="gql-ext")
    if problem:
        facts.errors.append(problem)
        return facts
    if not isinstance(data, dict):
        facts.errors.append("GraphQL answer is not a JSON object")
        return facts
    facts.errors += graphql_errors(data)
    root = data.get("data") or {}
    if not isinstance(root, dict):
        return facts
    variables = variables or {}

    if "keywordSearch" in root:
        facts.source_kind = "gql"
        conn = root.get("keywordSearch")
        for node in nodes(conn):
            result = node.get("result") if isinstance(node, dict) and "result" in node else node
            if isinstance(result, dict) and (result.get("eventUrl") or result.get("dateTime")):
                add_event(facts, event_from_node(result))
            else:
                add_group(facts, group_from_node(result))
        _paging(facts, conn)

    for name in ("groupSearch", "recommendedGroups"):
        conn = root.get(name)
        for node in nodes(conn):
            add_group(facts, group_from_node(node))
        _paging(facts, conn)

    for name in ("eventSearch", "recommendedEvents"):
        conn = root.get(name)
        for node in nodes(conn):
            add_event(facts, event_from_node(node))
        _paging(facts, conn)

    if isinstance(root.get("event"), dict):
        add_event(facts, event_from_node(root["event"]))

    group = root.get("groupByUrlname") or root.get("group")
    if isinstance(group, dict):
        if any(k in group for k in GROUP_EVENT_CONNECTIONS[1:]):
            facts.source_kind = "gql"
        urlname_hint = variables.get("urlname") or next(
            (get_path(n, "group", "urlname") for c in GROUP_EVENT_CONNECTIONS
             for n in nodes(get_key(group, c)) if get_path(n, "group", "urlname")), None)
        g = group_from_node(group) or (group_from_node({**group, "urlname": urlname_hint})
                                       if urlname_hint else None)
        if g is not None:
            counts = [as_int(first(get_key(group, c).get("totalCount"), get_key(group, c).get("count")))
                      for c in GROUP_EVENT_CONNECTIONS if isinstance(get_key(group, c), dict)]
            g.event_count = g.event_count if g.event_count is not None else (
                max((c for c in counts if c is not None), default=None))
        add_group(facts, g)
        urlname = g.urlname if g else None
        for cname in GROUP_EVENT_CONNECTIONS:
            conn = get_key(group, cname)
            if not isinstance(conn, dict):
                continue
            for node in nodes(conn):
                add_event(facts, event_from_node(node, group_urlname=urlname))
            if nodes(conn) or cname == "events":
                _paging(facts, conn)

    network = root.get("proNetwork")
    if isinstance(network, dict):
        pro = pro_network({**network, "urlname": network.get("urlname") or variables.get("urlname")})
        conn = get_key(network, "groupsSearch")
        for node in nodes(conn):
            g = group_from_node(node)
            if g is not None and pro and not g.pro_network:
                g.pro_network = dict(pro)
            add_group(facts, g)
        _paging(facts, conn)
        econn = get_key(network, "eventsSearch")
        for node in nodes(econn):
            add_event(facts, event_from_node(node))
        if not nodes(conn):
            _paging(facts, econn)
    return facts
