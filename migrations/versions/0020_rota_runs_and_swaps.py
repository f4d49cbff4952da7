"""rota runs in the background with bound, gap, history and cancel; shift swaps

Revision ID: 0020_rota_runs_swaps
Revises: 0010_rota_lead_rules
Create Date: 2026-12-02 07:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0020_rota_runs_swaps'
down_revision = '0010_rota_lead_rules'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rota_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('best_bound', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('gap', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('history', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('cancel_requested', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('rota_run', schema=None) as batch_op:
        batch_op.drop_column('cancel_requested')
        batch_op.drop_column('history')
        batch_op.drop_column('gap')
        batch_op.drop_column('best_bound')
