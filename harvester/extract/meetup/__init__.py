"""Meetup parsers: API answers and public pages -> `MeetupFacts`, whatever the source.

Pure functions, no I/O. Every surface documented in `../shared/reference/meetup.md` lands in the
same facts, so storage does not care which mode ran:

    parse_graphql(url, payload, variables=None)  gql-ext (2025) and legacy gql (2021-2025) answers
    parse_rest_v3(url, payload)                   retired REST v3 JSON (archives, WARC replays)
    parse_next_data(url, html)                    `__NEXT_DATA__` / Apollo state of current pages
    parse_jsonld(url, html)                       schema.org *Event JSON-LD of event pages
    parse_app_runtime(url, html)                  `window.APP_RUNTIME` of 2017-2020 (MWP) pages
    parse_dom(url, html)                          2023 and post-October-2025 DOM selectors
    parse_meetup_page(url, body, headers)         all of the above, merged (JSON first, DOM last)

GraphQL errors arrive with HTTP 200 and are returned in `MeetupFacts.errors`, never as an empty
result. Only organisers (roles ORGANIZER, COORGANIZER, ASST_ORGANIZER, EVENT_ORGANIZER or status
LEADER) are kept from membership lists; ordinary members are dropped here, before anything else
sees them.

One module a job: `capture` (the entry point above), one module a surface (`graphql`, `rest_v3`,
`next_data`, `jsonld_events`, `app_runtime`, `dom`), and what they share: `entities` (an event,
group or venue in any shape), `organisers` (the rule above), `merge`, `descriptions` (text and
outbound links), `times`, `urls`, `values` (tolerant JSON readers) and `payload` (JSON loading).
"""

from harvester.extract.facts import (
    MeetupEventFacts,
    MeetupFacts,
    MeetupGroupFacts,
    MeetupSponsor,
    MeetupVenue,
)
from harvester.extract.meetup.app_runtime import parse_app_runtime
from harvester.extract.meetup.capture import parse_meetup_page
from harvester.extract.meetup.dom import parse_dom
from harvester.extract.meetup.graphql import parse_graphql
from harvester.extract.meetup.jsonld_events import parse_jsonld
from harvester.extract.meetup.next_data import parse_next_data
from harvester.extract.meetup.rest_v3 import parse_rest_v3

__all__ = [
    "MeetupEventFacts",
    "MeetupFacts",
    "MeetupGroupFacts",
    "MeetupSponsor",
    "MeetupVenue",
    "parse_app_runtime",
    "parse_dom",
    "parse_graphql",
    "parse_jsonld",
    "parse_meetup_page",
    "parse_next_data",
    "parse_rest_v3",
]
