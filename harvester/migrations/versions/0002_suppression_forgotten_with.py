"""suppression.forgotten_with: the request a do-not-contact entry was added with

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 04:20:00

`forget` adds, beside the entry for what was asked, entries for the person's addresses and an
address's owner; each named its request in a `[forgotten with KIND VALUE]` tag inside the
`reason` text, which `subject-access` parsed. The request now has a column of its own ("KIND
VALUE", indexed); existing tags move into it and leave the reason as the researcher wrote it.
The downgrade puts them back.
"""
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = 'ix_suppression_forgotten_with'
# The tag 0001-era `forget` wrote: " [forgotten with person jane doe]" after the reason.
TAG = re.compile(r"\s*\[forgotten with (email|person|domain) ([^\]]+)\]")
# The table as this revision knows it (never harvester.models: a later model must not change it).
suppression = sa.table('suppression', sa.column('id', sa.Integer()), sa.column('reason', sa.String()),
                       sa.column('forgotten_with', sa.String()))


def _columns() -> set[str]:
    return {c['name'] for c in sa.inspect(op.get_bind()).get_columns('suppression')}


def _indexes() -> set[str]:
    return {i['name'] for i in sa.inspect(op.get_bind()).get_indexes('suppression')}


def upgrade() -> None:
    # A database made by create_all from newer models, then stamped at 0001, has them already.
    if 'forgotten_with' not in _columns():
        with op.batch_alter_table('suppression', schema=None) as batch_op:
            batch_op.add_column(sa.Column('forgotten_with', sa.String(), nullable=True))
    if INDEX not in _indexes():
        with op.batch_alter_table('suppression', schema=None) as batch_op:
            batch_op.create_index(INDEX, ['forgotten_with'], unique=False)
    bind = op.get_bind()
    tagged = bind.execute(sa.select(suppression.c.id, suppression.c.reason).where(
        suppression.c.reason.like('%[forgotten with %'))).all()
    for row_id, reason in tagged:
        found = TAG.search(reason)
        if found is None:
            continue
        rest = (reason[:found.start()] + reason[found.end():]).strip()
        bind.execute(suppression.update().where(suppression.c.id == row_id).values(
            forgotten_with=f"{found[1]} {found[2].strip()}", reason=rest or None))


def downgrade() -> None:
    bind = op.get_bind()
    linked = bind.execute(sa.select(suppression.c.id, suppression.c.reason, suppression.c.forgotten_with)
                          .where(suppression.c.forgotten_with.is_not(None))).all()
    for row_id, reason, request in linked:
        tag = f"[forgotten with {request}]"
        bind.execute(suppression.update().where(suppression.c.id == row_id).values(
            reason=f"{reason} {tag}" if reason else tag))
    with op.batch_alter_table('suppression', schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_column('forgotten_with')
