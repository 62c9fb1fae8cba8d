"""Meetup harvesting: sources (seed block -> jobs), the gql-ext API client, storage of facts.

Parsing lives in `harvester.extract.meetup` (pure); this package does the I/O around it:

    sources.jobs_for_cluster(cluster.meetup, api_mode=...)   what to fetch
    api.MeetupApi(token, ...)                                 the official GraphQL API (token mode)
    store.store_meetup_facts(session, facts, ...)            facts -> organisations, events, relations
"""
