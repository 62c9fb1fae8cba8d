"""The do-not-contact list read once per transaction, for storage that checks many values.

Apart from `suppression.py` (the list itself, its rules and queries) because this is a cache
tied to a session's transaction: page storage asks it about every email, person and linked
domain of a page, and one query per value was the cost.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.models import Suppression, SuppressionKind
from harvester.suppression import entries_to_check, hold_list, redact


class SuppressionSnapshot:
    """The do-not-contact list read once, answering like `is_suppressed` without a query per
    value: storing one page checks dozens of values."""

    def __init__(self, session: Session) -> None:
        hold_list(session)  # PostgreSQL: a `forget` waits for this transaction (or it for forget)
        self.entries = {(SuppressionKind(k), v) for k, v in
                        session.exec(select(Suppression.kind, Suppression.value)).all()}

    @classmethod
    def for_session(cls, session: Session) -> SuppressionSnapshot:
        """The snapshot for the session's current transaction, read once however many pages it
        stores (a batch of a harvest: a query per page was the cost). A flush that writes or
        deletes a suppression, a commit and a rollback all drop it, so it is never staler than
        the transaction's own view."""
        snapshot = session.info.get(_SNAPSHOT_KEY)
        if snapshot is None:
            snapshot = session.info[_SNAPSHOT_KEY] = cls(session)
            if not sa.event.contains(session, "after_flush", _drop_snapshot_on_suppression):
                sa.event.listen(session, "after_flush", _drop_snapshot_on_suppression)
                sa.event.listen(session, "after_transaction_end", _drop_snapshot)
        return snapshot

    def scrubber(self) -> Any:
        """`scrub_suppressed` over this snapshot: text -> text without suppressed mentions."""
        if not self.entries:
            return lambda text: text
        targets: dict[str, list[str]] = {"emails": [], "domains": [], "people": []}
        field = {SuppressionKind.email: "emails", SuppressionKind.domain: "domains",
                 SuppressionKind.person: "people"}
        for kind, value in sorted(self.entries):
            targets[field[kind]].append(value)
        return lambda text: redact(text, **targets) if text else text

    def __call__(self, *, email: str | None = None, person: str | None = None,
                 domain: str | None = None) -> bool:
        if not self.entries:
            return False
        checks = entries_to_check(email=email, person=person, domain=domain)
        return any(check in self.entries for check in checks)


_SNAPSHOT_KEY = "harvester.resolve.suppression_snapshot"


def _drop_snapshot(session: Any, transaction: Any) -> None:
    # A flush's own sub-transaction ending changes nothing; a commit, a rollback or a savepoint's end does.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_SNAPSHOT_KEY, None)


def _drop_snapshot_on_suppression(session: Any, _context: Any) -> None:
    if any(isinstance(obj, Suppression) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_SNAPSHOT_KEY, None)
