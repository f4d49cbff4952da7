"""reports: the mood of each inbound message and an editor's correction, the report rollups and settings, the weekly report mail

Revision ID: 0012_reports
Revises: 0011_rate_limit
Create Date: 2026-12-14 10:00:00

"""
import sqlalchemy as sa
from alembic import op

import inbox.core.types

revision = '0012_reports'
down_revision = '0011_rate_limit'
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
    _create_rollups()
    _create_weekly_mail()


def _create_rollups():
    # Filled by the first periodic pass of each organization (inbox/reports/rollup.py), not here.
    op.create_table('report_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('per_editor', sa.Boolean(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_report_settings_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_settings')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_report_settings_organization_id'))
    )
    with op.batch_alter_table('report_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_settings_organization_id'), ['organization_id'], unique=False)

    op.create_table('report_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_event_id', sa.Integer(), nullable=False),
    sa.Column('covered_until', inbox.core.types.UTCDateTime(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_report_state_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_state')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_report_state_organization_id'))
    )
    with op.batch_alter_table('report_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_state_organization_id'), ['organization_id'], unique=False)

    op.create_table('report_term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_report_term_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_report_term_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_term')),
    sa.UniqueConstraint('organization_id', 'team_id', 'day', 'term', name=op.f('uq_report_term_organization_id_team_id_day_term'))
    )
    with op.batch_alter_table('report_term', schema=None) as batch_op:
        batch_op.create_index('ix_report_term_org_day', ['organization_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_term_organization_id'), ['organization_id'], unique=False)

    op.create_table('report_hourly',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('hour', inbox.core.types.UTCDateTime(), nullable=False),
    sa.Column('arrivals', sa.Integer(), nullable=False),
    sa.Column('arrivals_closed', sa.Integer(), nullable=False),
    sa.Column('mood_negative', sa.Integer(), nullable=False),
    sa.Column('mood_neutral', sa.Integer(), nullable=False),
    sa.Column('mood_positive', sa.Integer(), nullable=False),
    sa.Column('replies', sa.Integer(), nullable=False),
    sa.Column('handled', sa.Integer(), nullable=False),
    sa.Column('handle_seconds', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_report_hourly_channel_id_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_report_hourly_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_report_hourly_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_hourly')),
    sa.UniqueConstraint('organization_id', 'team_id', 'channel_id', 'hour', name=op.f('uq_report_hourly_organization_id_team_id_channel_id_hour'))
    )
    with op.batch_alter_table('report_hourly', schema=None) as batch_op:
        batch_op.create_index('ix_report_hourly_org_hour', ['organization_id', 'hour'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_hourly_organization_id'), ['organization_id'], unique=False)

    op.create_table('report_conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('opened_at', inbox.core.types.UTCDateTime(), nullable=False),
    sa.Column('opened_closed', sa.Boolean(), nullable=False),
    sa.Column('wait_open_minutes', sa.Integer(), nullable=True),
    sa.Column('first_response_at', inbox.core.types.UTCDateTime(), nullable=True),
    sa.Column('first_response_minutes', sa.Integer(), nullable=True),
    sa.Column('first_responder_id', sa.Integer(), nullable=True),
    sa.Column('resolution_minutes', sa.Integer(), nullable=True),
    sa.Column('sla_target_minutes', sa.Integer(), nullable=False),
    sa.Column('sla_due_at', inbox.core.types.UTCDateTime(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_report_conversation_channel_id_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_report_conversation_conversation_id_conversation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['first_responder_id'], ['user.id'], name=op.f('fk_report_conversation_first_responder_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_report_conversation_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_report_conversation_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_conversation')),
    sa.UniqueConstraint('conversation_id', name=op.f('uq_report_conversation_conversation_id'))
    )
    with op.batch_alter_table('report_conversation', schema=None) as batch_op:
        batch_op.create_index('ix_report_conversation_org_opened', ['organization_id', 'opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_conversation_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_org_created', ['organization_id', 'created_at'], unique=False)


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


def _create_weekly_mail():
    op.create_table('report_mailing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('sent_at', inbox.core.types.UTCDateTime(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_report_mailing_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_report_mailing_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_mailing')),
    sa.UniqueConstraint('organization_id', 'user_id', 'week', name=op.f('uq_report_mailing_organization_id_user_id_week'))
    )
    with op.batch_alter_table('report_mailing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_mailing_organization_id'), ['organization_id'], unique=False)

    op.create_table('report_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_report_subscription_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_report_subscription_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_subscription')),
    sa.UniqueConstraint('organization_id', 'user_id', name=op.f('uq_report_subscription_organization_id_user_id'))
    )
    with op.batch_alter_table('report_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_subscription_organization_id'), ['organization_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_subscription_organization_id'))
    op.drop_table('report_subscription')
    with op.batch_alter_table('report_mailing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_mailing_organization_id'))
    op.drop_table('report_mailing')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_org_created')
    with op.batch_alter_table('report_conversation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_conversation_organization_id'))
        batch_op.drop_index('ix_report_conversation_org_opened')
    op.drop_table('report_conversation')
    with op.batch_alter_table('report_hourly', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_hourly_organization_id'))
        batch_op.drop_index('ix_report_hourly_org_hour')
    op.drop_table('report_hourly')
    with op.batch_alter_table('report_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_term_organization_id'))
        batch_op.drop_index('ix_report_term_org_day')
    op.drop_table('report_term')
    with op.batch_alter_table('report_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_state_organization_id'))
    op.drop_table('report_state')
    with op.batch_alter_table('report_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_settings_organization_id'))
    op.drop_table('report_settings')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_message_mood_corrected_by_id_user'), type_='foreignkey')
        batch_op.drop_column('mood_corrected_at')
        batch_op.drop_column('mood_corrected_by_id')
        batch_op.drop_column('mood_corrected')
        batch_op.drop_column('mood')
