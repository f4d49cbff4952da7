"""reports: the mood of each inbound message and an editor's correction

Revision ID: 0019_reports
Revises: 0008_forward_mail_check
Create Date: 2026-12-14 10:00:00

"""
import sqlalchemy as sa
from alembic import op

import inbox.core.types

revision = '0019_reports'
down_revision = '0008_forward_mail_check'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mood', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('mood_corrected', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('mood_corrected_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mood_corrected_at', inbox.core.types.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_message_mood_corrected_by_id_user'), 'user',
                                    ['mood_corrected_by_id'], ['id'], ondelete='SET NULL')
    _backfill_mood()


def _backfill_mood():
    """Every inbound message stored before the analyser gets its mood now, in batches by id."""
    from inbox.reports.mood import classify

    conn = op.get_bind()
    message = sa.table('message', sa.column('id', sa.Integer), sa.column('text', sa.Text),
                       sa.column('direction', sa.String), sa.column('deleted_at', sa.DateTime),
                       sa.column('mood', sa.String))
    last = 0
    while True:
        rows = conn.execute(sa.select(message.c.id, message.c.text)
                            .where(message.c.id > last, message.c.direction == 'in', message.c.deleted_at.is_(None))
                            .order_by(message.c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(message.update().where(message.c.id == sa.bindparam('mid')).values(mood=sa.bindparam('m')),
                     [{'mid': r.id, 'm': classify(r.text or '').label} for r in rows])
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_message_mood_corrected_by_id_user'), type_='foreignkey')
        batch_op.drop_column('mood_corrected_at')
        batch_op.drop_column('mood_corrected_by_id')
        batch_op.drop_column('mood_corrected')
        batch_op.drop_column('mood')
