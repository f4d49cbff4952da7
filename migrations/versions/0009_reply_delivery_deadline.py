"""replies carry a delivery deadline, so a reply whose worker died is checked instead of staying "sending"

Revision ID: 0009_delivery_deadline
Revises: 0008_forward_mail_check
Create Date: 2026-12-03 10:00:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from inbox.core.types import UTCDateTime

revision = '0009_delivery_deadline'
down_revision = '0008_forward_mail_check'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_deadline', UTCDateTime(), nullable=True))
    predicate = sa.text("delivery_deadline IS NOT NULL")
    op.create_index('ix_message_delivery_deadline', 'message', ['delivery_deadline'], unique=False,
                    postgresql_where=predicate, sqlite_where=predicate)
    # Replies left "sending" or "queued" before this version get a deadline now, so the check takes them up.
    message = sa.table('message', sa.column('delivery_state', sa.String()), sa.column('delivery_deadline', UTCDateTime()))
    op.execute(message.update().where(message.c.delivery_state.in_(['queued', 'retrying', 'sending']))
               .values(delivery_deadline=datetime.now(UTC)))


def downgrade():
    op.drop_index('ix_message_delivery_deadline', table_name='message')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('delivery_deadline')
