"""partial index for the inbox's unresolved views

Revision ID: 0004_inbox_index
Revises: 0006_routing
Create Date: 2026-11-21 23:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0004_inbox_index'
down_revision = '0006_routing'
branch_labels = None
depends_on = None


def upgrade():
    predicate = sa.text("status <> 'resolved'")
    op.create_index('ix_conversation_unresolved_recent', 'conversation', ['organization_id', 'last_activity_at', 'id'],
                    unique=False, postgresql_where=predicate, sqlite_where=predicate)


def downgrade():
    op.drop_index('ix_conversation_unresolved_recent', table_name='conversation')
