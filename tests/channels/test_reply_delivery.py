"""What the editor sees of a reply's delivery, retrying a failed reply, and never sending a reply twice."""

import re
import threading

import pytest
from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.channels.adapters.base import InboundMessage
from inbox.conversations import operations
from inbox.conversations.models import Message
from inbox.conversations.tasks import deliver_message
from inbox.extensions import db
from tests.fakeapi import Reply


def html(response) -> str:
    return response.get_data(as_text=True)


def delivery_shown(page: str) -> list[str]:
    """The delivery state next to each reply, as the editor reads it."""
    found = re.findall(r'<span class="delivery [^"]+"[^>]*>(.*?)</span>', page, re.S)
    return [" ".join(text.split()) for text in found]


@pytest.fixture
def chat_conversation(create_org, create_channel, fakechat, fake_api):
    """A citizen's message on the test platform, whose API is the fake API."""
    org = create_org()
    channel = create_channel(org, "fakechat", settings={"api_url": fake_api.url}, credentials={"token": "tok"})
    message = operations.ingest(channel, InboundMessage(external_id="in-1", text="Ist das Freibad offen?",
                                                        author_id="citizen-7", author_name="Jana"))
    db.session.commit()
    return message.conversation_id


@pytest.fixture
def editor(create_user, auth, chat_conversation):
    from inbox.conversations.models import Conversation

    org_id = db.session.get(Conversation, chat_conversation).organization_id
    from inbox.orgs.models import Organization

    user = create_user(db.session.get(Organization, org_id), "editor")
    auth.login(user)
    return user


def reply(client, conversation_id, text="Ja, ab 9 Uhr."):
    return client.post_form(f"/conversations/{conversation_id}/reply", {"text": text})


def the_reply() -> Message:
    message = db.session.scalar(select(Message).where(Message.direction == "out"))
    db.session.refresh(message)
    return message


def test_failed_reply_shows_the_reason_and_a_retry_button(client, chat_conversation, editor, fake_api):
    fake_api.route("POST", "/messages", Reply(400, {"error": {"message": "Empfänger blockiert Nachrichten"}}))
    reply(client, chat_conversation)
    page = html(client.get(f"/conversations/{chat_conversation}"))
    assert delivery_shown(page) == ["fehlgeschlagen: HTTP 400: Empfänger blockiert Nachrichten"]
    assert f'action="/messages/{the_reply().id}/retry"' in page and "Erneut senden" in page
    assert fake_api.received("POST", "/messages")[0].json == {"to": "citizen-7", "text": "Ja, ab 9 Uhr.",
                                                              "in_reply_to": "in-1"}


def test_retry_after_failure_sends_and_shows_sent(client, chat_conversation, editor, fake_api):
    fake_api.route("POST", "/messages", Reply(503, {"error": "Wartung"}), {"id": "out-1"})
    reply(client, chat_conversation)
    message = the_reply()
    assert message.delivery_state == "failed"
    assert delivery_shown(html(client.get(f"/conversations/{chat_conversation}"))) == [
        "fehlgeschlagen: HTTP 503: Wartung"]

    assert client.post_form(f"/messages/{message.id}/retry").status_code == 303
    page = html(client.get(f"/conversations/{chat_conversation}"))
    message = the_reply()
    assert message.delivery_state == "sent" and message.external_id == "out-1"
    assert delivery_shown(page) == ["gesendet"]
    assert "Erneut senden" not in page
    assert "Versand fehlgeschlagen: HTTP 503: Wartung" in page  # the earlier failure stays in the history
    assert len(fake_api.received("POST", "/messages")) == 2
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == message.id,
                                                                             AuditEvent.object_type == "message"))]
    assert "message.retry" in actions and actions[-1] == "message.sent"


def test_retry_that_fails_again_shows_the_new_reason(client, chat_conversation, editor, fake_api):
    fake_api.route("POST", "/messages", Reply(503, {"error": "Wartung"}),
                   Reply(401, {"error": {"message": "Token abgelaufen"}}))
    reply(client, chat_conversation)
    client.post_form(f"/messages/{the_reply().id}/retry")
    page = html(client.get(f"/conversations/{chat_conversation}"))
    assert delivery_shown(page) == ["fehlgeschlagen: HTTP 401: Token abgelaufen"]
    assert "Erneut senden" in page
    assert the_reply().delivery_attempts == 2


def test_only_failed_replies_can_be_retried(client, chat_conversation, editor, fake_api):
    fake_api.route("POST", "/messages", {"id": "out-1"})
    reply(client, chat_conversation)
    assert the_reply().delivery_state == "sent"
    assert client.post_form(f"/messages/{the_reply().id}/retry").status_code == 400
    assert len(fake_api.received("POST", "/messages")) == 1


def test_retry_needs_a_csrf_token(client, chat_conversation, editor, fake_api):
    fake_api.route("POST", "/messages", Reply(400, {"error": "nein"}))
    reply(client, chat_conversation)
    assert client.post(f"/messages/{the_reply().id}/retry").status_code == 400
    assert the_reply().delivery_state == "failed"


def test_two_delivery_runs_send_once(app, chat_conversation, create_user, fake_api):
    fake_api.route("POST", "/messages", {"id": "out-1"})
    message = queued_reply(chat_conversation, create_user)
    deliver_message(message.id)
    db.session.commit()
    deliver_message(message.id)
    db.session.commit()
    assert len(fake_api.received("POST", "/messages")) == 1
    assert the_reply().delivery_state == "sent" and the_reply().delivery_attempts == 1


def test_parallel_delivery_runs_send_once(app, chat_conversation, create_user, fake_api):
    started = threading.Event()

    def slow(request):
        started.set()
        threading.Event().wait(0.3)  # keep the first send in flight while the second run starts
        return Reply(body={"id": "out-1"})

    fake_api.route("POST", "/messages", slow)
    message_id = queued_reply(chat_conversation, create_user).id
    errors = []

    def run():
        with app.app_context():
            try:
                deliver_message(message_id)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001  (reported to the test below)
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    threads[0].start()
    started.wait(5)
    threads[1].start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert len(fake_api.received("POST", "/messages")) == 1
    assert the_reply().delivery_state == "sent"


def test_adapter_crash_fails_the_reply_visibly_instead_of_leaving_it_sending(client, chat_conversation, editor,
                                                                              fakechat, monkeypatch):
    def crash(channel, reply):
        raise KeyError("api_url")

    monkeypatch.setattr(fakechat, "send", crash)
    reply(client, chat_conversation)
    message = the_reply()
    assert message.delivery_state == "failed"
    page = html(client.get(f"/conversations/{chat_conversation}"))
    assert delivery_shown(page) == ["fehlgeschlagen: Interner Fehler beim Senden (KeyError)"]
    assert "Erneut senden" in page


def queued_reply(conversation_id, create_user) -> Message:
    from inbox.conversations.models import Conversation
    from inbox.jobs import run_ready
    from inbox.orgs.models import Organization

    conversation = db.session.get(Conversation, conversation_id)
    author = create_user(db.session.get(Organization, conversation.organization_id), "editor")
    message = operations.reply(conversation, author.id, "Ja, ab 9 Uhr.")
    db.session.commit()
    db.session.info.pop("ready", None)  # the test runs the delivery itself
    assert run_ready() == 0
    return message


@pytest.fixture
def rq_queue(app):
    """Jobs go to a real Redis queue of this test only (Redis is shared: never flush it)."""
    import uuid

    from inbox import jobs

    app.config.update(REDIS_URL="redis://127.0.0.1:6379/0", RQ_QUEUE=f"mitreden-test-{uuid.uuid4().hex}")
    jobs.set_worker_app(app)
    queue = jobs.get_queue()
    yield queue
    for job_id in queue.scheduled_job_registry.get_job_ids():
        queue.scheduled_job_registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)
    jobs.set_worker_app(None)


def work(queue) -> None:
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_on_rq_a_passing_error_is_retried_later_and_a_manual_retry_requeues(client, rq_queue, chat_conversation,
                                                                              editor, fake_api):
    from inbox import jobs

    fake_api.route("POST", "/messages", Reply(503, {"error": "Wartung"}),
                   Reply(401, {"error": {"message": "Token abgelaufen"}}), {"id": "out-1"})
    reply(client, chat_conversation)
    assert the_reply().delivery_state == "queued" and len(rq_queue) == 1
    work(rq_queue)
    page = html(client.get(f"/conversations/{chat_conversation}"))
    assert delivery_shown(page) == ["neuer Versuch geplant: HTTP 503: Wartung"] and "Erneut senden" not in page
    scheduled = rq_queue.scheduled_job_registry.get_job_ids()
    assert len(scheduled) == 1

    # The scheduled retry comes due: the platform now refuses for good.
    job = rq_queue.fetch_job(scheduled[0])
    assert job.args == (deliver_message.job_name, the_reply().id)
    jobs.execute(*job.args)
    page = html(client.get(f"/conversations/{chat_conversation}"))
    assert delivery_shown(page) == ["fehlgeschlagen: HTTP 401: Token abgelaufen"] and "Erneut senden" in page

    client.post_form(f"/messages/{the_reply().id}/retry")
    assert len(rq_queue) == 1 and the_reply().delivery_state == "queued"
    work(rq_queue)
    assert delivery_shown(html(client.get(f"/conversations/{chat_conversation}"))) == ["gesendet"]
    assert len(fake_api.received("POST", "/messages")) == 3
