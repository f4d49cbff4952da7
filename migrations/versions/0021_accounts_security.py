"""accounts: idle and renewed login sessions

Revision ID: 0021_accounts_security
Revises: 0010_rota_lead_rules
Create Date: 2026-12-02 07:00:00

"""
import sqlalchemy as sa
from alembic import op

import inbox.core.types

revision = '0021_accounts_security'
down_revision = '0010_rota_lead_rules'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', inbox.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('renew', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Sessions from before count as last seen at their start.
    op.execute("UPDATE user_session SET last_seen_at = created_at")
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=inbox.core.types.UTCDateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_column('renew')
        batch_op.drop_column('last_seen_at')
