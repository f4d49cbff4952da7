"""accounts: idle and renewed login sessions, two-factor login (TOTP, recovery codes, required per organization)

Revision ID: 0015_accounts_security
Revises: 0014_live_event
Create Date: 2026-12-02 07:00:00

"""
import sqlalchemy as sa
from alembic import op

import inbox.core.types

revision = '0015_accounts_security'
down_revision = '0014_live_event'
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

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('totp_enabled_at', inbox.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_2fa', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', inbox.core.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_recovery_code_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_code_code_hash'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('require_2fa')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_column('renew')
        batch_op.drop_column('last_seen_at')
