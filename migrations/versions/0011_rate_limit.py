"""rate_limit: per-client attempt counts shared by all web processes (contact form, login)

Revision ID: 0011_rate_limit
Revises: 0010_rota_lead_rules
Create Date: 2026-12-05 10:00:00

"""
import sqlalchemy as sa
from alembic import op

from inbox.core.types import UTCDateTime

revision = '0011_rate_limit'
down_revision = '0010_rota_lead_rules'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_limit',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('reset_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit'))
    )
    with op.batch_alter_table('rate_limit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_reset_at'), ['reset_at'], unique=False)


def downgrade():
    with op.batch_alter_table('rate_limit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_reset_at'))
    op.drop_table('rate_limit')
