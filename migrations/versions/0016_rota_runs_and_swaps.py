"""rota runs in the background with bound, gap, history and cancel; shift swaps

Revision ID: 0016_rota_runs_swaps
Revises: 0015_accounts_security
Create Date: 2026-12-02 07:00:00

"""
import sqlalchemy as sa

import inbox.core.types
from alembic import op

revision = '0016_rota_runs_swaps'
down_revision = '0015_accounts_security'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rota_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('best_bound', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('gap', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('history', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('cancel_requested', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('team_rota_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('swaps_without_approval', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table('rota_swap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('template_code', sa.String(length=8), nullable=False),
    sa.Column('offered_by_id', sa.Integer(), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decided_at', inbox.core.types.UTCDateTime(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('created_at', inbox.core.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_rota_swap_approved_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assignment_id'], ['rota_assignment.id'], name=op.f('fk_rota_swap_assignment_id_rota_assignment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offered_by_id'], ['user.id'], name=op.f('fk_rota_swap_offered_by_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_rota_swap_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['user.id'], name=op.f('fk_rota_swap_taken_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_rota_swap_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_swap'))
    )
    with op.batch_alter_table('rota_swap', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rota_swap_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_swap_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_swap_team_id'), ['team_id'], unique=False)


def downgrade():
    with op.batch_alter_table('rota_swap', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rota_swap_team_id'))
        batch_op.drop_index(batch_op.f('ix_rota_swap_organization_id'))
        batch_op.drop_index(batch_op.f('ix_rota_swap_assignment_id'))
    op.drop_table('rota_swap')
    with op.batch_alter_table('team_rota_rules', schema=None) as batch_op:
        batch_op.drop_column('swaps_without_approval')
    with op.batch_alter_table('rota_run', schema=None) as batch_op:
        batch_op.drop_column('cancel_requested')
        batch_op.drop_column('history')
        batch_op.drop_column('gap')
        batch_op.drop_column('best_bound')
