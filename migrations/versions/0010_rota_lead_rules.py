"""what leads can say in a rota: extra headcount per date, optional templates, wishes against a shift, team rules

Revision ID: 0010_rota_lead_rules
Revises: 0009_delivery_deadline
Create Date: 2026-12-02 06:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010_rota_lead_rules'
down_revision = '0009_delivery_deadline'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shift_demand',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('template_code', sa.String(length=8), nullable=False),
    sa.Column('extra', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_shift_demand_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_shift_demand_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_demand')),
    sa.UniqueConstraint('team_id', 'day', 'template_code', name=op.f('uq_shift_demand_team_id_day_template_code'))
    )
    with op.batch_alter_table('shift_demand', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_demand_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shift_demand_team_id'), ['team_id'], unique=False)

    op.create_table('team_rota_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('forbidden_sequences', sa.JSON(), nullable=False),
    sa.Column('long_shift_basis', sa.String(length=300), nullable=False),
    sa.Column('long_shift_max_minutes', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_team_rota_rules_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_team_rota_rules_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_rota_rules')),
    sa.UniqueConstraint('team_id', name=op.f('uq_team_rota_rules_team_id'))
    )
    with op.batch_alter_table('team_rota_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_rota_rules_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('shift_template', schema=None) as batch_op:
        batch_op.add_column(sa.Column('optional', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('rota_wish', schema=None) as batch_op:
        batch_op.add_column(sa.Column('avoid', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('rota_wish', schema=None) as batch_op:
        batch_op.drop_column('avoid')
    with op.batch_alter_table('shift_template', schema=None) as batch_op:
        batch_op.drop_column('optional')
    with op.batch_alter_table('team_rota_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_rota_rules_organization_id'))
    op.drop_table('team_rota_rules')
    with op.batch_alter_table('shift_demand', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_demand_team_id'))
        batch_op.drop_index(batch_op.f('ix_shift_demand_organization_id'))
    op.drop_table('shift_demand')
