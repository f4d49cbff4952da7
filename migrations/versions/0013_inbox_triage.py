"""inbox triage: preview, public or private, urgency sort key on the conversation; read markers per editor

Revision ID: 0013_inbox_triage
Revises: 0012_reports
Create Date: 2026-12-12 09:00:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import inbox.core.types

revision = '0013_inbox_triage'
down_revision = '0012_reports'
branch_labels = None
depends_on = None

UNRESOLVED = sa.text("status <> 'resolved'")
PREVIEW_LENGTH = 160
CHUNK = 5000
UTC_TYPE = inbox.core.types.UTCDateTime()


def upgrade():
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_message_preview', sa.String(length=PREVIEW_LENGTH), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('last_message_direction', sa.String(length=3), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('is_public', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('urgency_tier', sa.SmallInteger(), nullable=False, server_default='0'))
        # A placeholder only until the backfill below sets every row.
        batch_op.add_column(sa.Column('urgency_at', UTC_TYPE, nullable=False,
                                      server_default='1970-01-01 00:00:00'))
    op.create_index('ix_conversation_unresolved_urgency', 'conversation',
                    ['organization_id', 'urgency_tier', 'urgency_at', 'id'], unique=False,
                    postgresql_where=UNRESOLVED, sqlite_where=UNRESOLVED)
    op.create_index('ix_conversation_assignee_urgency', 'conversation',
                    ['organization_id', 'assignee_id', 'urgency_tier', 'urgency_at', 'id'], unique=False,
                    postgresql_where=UNRESOLVED, sqlite_where=UNRESOLVED)

    op.create_table('conversation_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', UTC_TYPE, nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'],
                            name=op.f('fk_conversation_read_conversation_id_conversation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                            name=op.f('fk_conversation_read_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_conversation_read_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_read')),
    sa.UniqueConstraint('conversation_id', 'user_id', name=op.f('uq_conversation_read_conversation_id_user_id'))
    )
    with op.batch_alter_table('conversation_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_read_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_read_user_id'), ['user_id'], unique=False)

    _backfill(op.get_bind())


def downgrade():
    with op.batch_alter_table('conversation_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_read_user_id'))
        batch_op.drop_index(batch_op.f('ix_conversation_read_organization_id'))
    op.drop_table('conversation_read')
    op.drop_index('ix_conversation_assignee_urgency', table_name='conversation',
                  postgresql_where=UNRESOLVED, sqlite_where=UNRESOLVED)
    op.drop_index('ix_conversation_unresolved_urgency', table_name='conversation',
                  postgresql_where=UNRESOLVED, sqlite_where=UNRESOLVED)
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_column('urgency_at')
        batch_op.drop_column('urgency_tier')
        batch_op.drop_column('is_public')
        batch_op.drop_column('last_message_direction')
        batch_op.drop_column('last_message_preview')


# --- backfill: the same rules as inbox/conversations (operations.show_in_list, urgency.key), frozen here ---

conversation = sa.table('conversation', sa.column('id', sa.Integer), sa.column('status', sa.String),
                        sa.column('assignee_id', sa.Integer), sa.column('last_inbound_at', UTC_TYPE),
                        sa.column('last_activity_at', UTC_TYPE), sa.column('resolved_at', UTC_TYPE),
                        sa.column('last_message_preview', sa.String), sa.column('last_message_direction', sa.String),
                        sa.column('is_public', sa.Boolean), sa.column('urgency_tier', sa.SmallInteger),
                        sa.column('urgency_at', UTC_TYPE))
message = sa.table('message', sa.column('id', sa.Integer), sa.column('conversation_id', sa.Integer),
                   sa.column('direction', sa.String), sa.column('author_id', sa.Integer), sa.column('text', sa.Text),
                   sa.column('is_public', sa.Boolean))
sla = sa.table('conversation_sla', sa.column('conversation_id', sa.Integer), sa.column('due_at', UTC_TYPE),
               sa.column('paused_at', UTC_TYPE))


def _backfill(conn) -> None:
    last_id = 0
    while True:
        rows = conn.execute(sa.select(conversation.c.id).where(conversation.c.id > last_id)
                            .order_by(conversation.c.id).limit(CHUNK)).scalars().all()
        if not rows:
            return
        _backfill_range(conn, rows[0], rows[-1])
        last_id = rows[-1]


def _latest(lo: int, hi: int, condition):
    return (sa.select(message.c.conversation_id, sa.func.max(message.c.id).label('mid'))
            .where(message.c.conversation_id.between(lo, hi), condition)
            .group_by(message.c.conversation_id).subquery())


def _backfill_range(conn, lo: int, hi: int) -> None:
    shown = _latest(lo, hi, (message.c.direction == 'in') | message.c.author_id.is_not(None))
    inbound = _latest(lo, hi, message.c.direction == 'in')
    shown_msg, inbound_msg = message.alias('shown_msg'), message.alias('inbound_msg')
    query = (sa.select(conversation.c.id, conversation.c.status, conversation.c.assignee_id,
                       conversation.c.last_inbound_at, conversation.c.last_activity_at, conversation.c.resolved_at,
                       sa.func.substr(shown_msg.c.text, 1, 4 * PREVIEW_LENGTH).label('text'),
                       shown_msg.c.direction, inbound_msg.c.is_public, sla.c.due_at, sla.c.paused_at)
             .select_from(conversation)
             .outerjoin(shown, shown.c.conversation_id == conversation.c.id)
             .outerjoin(shown_msg, shown_msg.c.id == shown.c.mid)
             .outerjoin(inbound, inbound.c.conversation_id == conversation.c.id)
             .outerjoin(inbound_msg, inbound_msg.c.id == inbound.c.mid)
             .outerjoin(sla, sla.c.conversation_id == conversation.c.id)
             .where(conversation.c.id.between(lo, hi)))
    updates = [_values(row) for row in conn.execute(query)]
    if updates:
        conn.execute(conversation.update().where(conversation.c.id == sa.bindparam('b_id'))
                     .values(last_message_preview=sa.bindparam('b_preview'),
                             last_message_direction=sa.bindparam('b_direction'),
                             is_public=sa.bindparam('b_public'), urgency_tier=sa.bindparam('b_tier'),
                             urgency_at=sa.bindparam('b_at')), updates)


def _values(row) -> dict:
    tier, at = _urgency(row)
    return {'b_id': row.id, 'b_preview': ' '.join((row.text or '').split())[:PREVIEW_LENGTH],
            'b_direction': row.direction or '', 'b_public': bool(row.is_public), 'b_tier': tier,
            'b_at': at or datetime.now(UTC)}


def _urgency(row) -> tuple[int, datetime | None]:
    if row.status == 'resolved':
        return 4, row.resolved_at or row.last_activity_at
    if row.status == 'waiting' or row.paused_at is not None:
        return 3, row.paused_at or row.last_activity_at
    if row.due_at is not None:
        return 0, row.due_at
    return (2 if row.assignee_id else 1), row.last_inbound_at or row.last_activity_at
