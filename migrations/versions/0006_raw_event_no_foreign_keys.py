"""raw events: no foreign key checks on the ingest path, no index the status index already covers

Revision ID: 0006_raw_event_plain
Revises: 0005_raw_event_pending
Create Date: 2026-12-01 15:30:00

"""
from alembic import op

revision = '0006_raw_event_plain'
down_revision = '0005_raw_event_pending'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('raw_event', schema=None) as batch_op:
        batch_op.drop_constraint('fk_raw_event_channel_id_channel', type_='foreignkey')
        batch_op.drop_constraint('fk_raw_event_organization_id_organization', type_='foreignkey')
        batch_op.drop_index('ix_raw_event_organization_id')


def downgrade():
    with op.batch_alter_table('raw_event', schema=None) as batch_op:
        batch_op.create_index('ix_raw_event_organization_id', ['organization_id'], unique=False)
        batch_op.create_foreign_key('fk_raw_event_organization_id_organization', 'organization', ['organization_id'],
                                    ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key('fk_raw_event_channel_id_channel', 'channel', ['channel_id'], ['id'],
                                    ondelete='CASCADE')
