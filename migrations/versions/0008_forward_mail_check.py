"""answers by e-mail: how the sender was checked, who confirmed or discarded a held one

Revision ID: 0008_forward_mail_check
Revises: 0007_login_sessions
Create Date: 2026-12-10 10:00:00

"""
import sqlalchemy as sa
from alembic import op

import inbox.core.types

revision = '0008_forward_mail_check'
down_revision = '0007_login_sessions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('forward_entry', schema=None) as batch_op:
        # Answers by e-mail stored before this check existed keep an empty mark: "per E-Mail", unchecked.
        batch_op.add_column(sa.Column('mail_check', sa.String(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', inbox.core.types.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_forward_entry_reviewed_by_id_user'), 'user', ['reviewed_by_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('forward_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_forward_entry_reviewed_by_id_user'), type_='foreignkey')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('mail_check')
