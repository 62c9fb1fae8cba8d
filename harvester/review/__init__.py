"""Reviewing the snowball's candidates: a local web application (`app.create_app`, run by
`harvester serve`) and a terminal queue (`terminal`, run by `harvester review`).

Nothing is imported here, so `harvester review` does not load the web stack.
"""
