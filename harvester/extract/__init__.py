"""Pure extraction: (URL, bytes, headers) -> typed facts. No sockets, no database sessions."""
