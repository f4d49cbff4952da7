"""partial index for raw events still waiting to be processed

Revision ID: 0005_raw_event_pending
Revises: 0004_inbox_index
Create Date: 2026-11-22 01:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005_raw_event_pending'
down_revision = '0004_inbox_index'
branch_labels = None
depends_on = None


def upgrade():
    predicate = sa.text("status = 'pending'")
    op.create_index('ix_raw_event_pending', 'raw_event', ['received_at'], unique=False,
                    postgresql_where=predicate, sqlite_where=predicate)


def downgrade():
    op.drop_index('ix_raw_event_pending', table_name='raw_event')
