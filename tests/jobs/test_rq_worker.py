"""Jobs go to the real Redis after commit and a real RQ worker processes them."""

import pytest
from sqlalchemy import func, select

from inbox.channels.models import RawEvent
from inbox.conversations.models import Conversation, Message
from inbox.extensions import db
from tests.waiting import wait_for

pytestmark = pytest.mark.redis


def test_webhook_message_is_processed_by_a_real_worker(rq_app, run_worker, create_org, create_channel,
                                                       post_webhook, citizen_message):
    from inbox import jobs

    channel = create_channel(create_org())
    assert post_webhook(channel, citizen_message("rq-1", text="Gilt das Parkverbot auch sonntags?")).status_code == 200
    # Accepted and stored, not processed yet: the job waits in Redis.
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0
    assert db.session.scalar(select(RawEvent)).status == "pending"
    # The writer's dispatcher waits a few milliseconds for more events to share the job.
    assert wait_for(lambda: jobs.get_queue().count == 1)

    [result] = run_worker()
    assert result.returncode == 0, result.stdout

    db.session.expire_all()
    message = db.session.scalar(select(Message))
    assert message.text == "Gilt das Parkverbot auch sonntags?"
    assert db.session.get(Conversation, message.conversation_id).status == "open"
    assert db.session.scalar(select(RawEvent)).status == "processed"
    assert jobs.get_queue().count == 0


def test_job_is_not_enqueued_when_the_transaction_rolls_back(rq_app, create_org, create_channel):
    from inbox import jobs
    from inbox.channels.tasks import process_raw_events

    channel = create_channel(create_org())
    event = RawEvent(organization_id=channel.organization_id, channel_id=channel.id, body=b"{}")
    db.session.add(event)
    db.session.flush()
    jobs.enqueue(process_raw_events, [event.id])
    db.session.rollback()
    assert jobs.get_queue().count == 0


def test_jobs_refuse_orm_objects(rq_app, create_org):
    from inbox import jobs
    from inbox.channels.tasks import process_raw_events

    with pytest.raises(TypeError, match="ids, not ORM objects"):
        jobs.enqueue(process_raw_events, create_org())
