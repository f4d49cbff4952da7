"""live updates: the outbox of live events

Revision ID: 0014_live_event
Revises: 0013_inbox_triage
Create Date: 2026-12-12 10:00:00

"""
import sqlalchemy as sa
from alembic import op

import inbox.core.types

revision = '0014_live_event'
down_revision = '0013_inbox_triage'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'live_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('conversation_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', inbox.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_live_event_organization_id_organization'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_live_event')),
    )
    op.create_index('ix_live_event_org_id', 'live_event', ['organization_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_live_event_org_id', table_name='live_event')
    op.drop_table('live_event')
