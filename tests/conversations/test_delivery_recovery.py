"""No reply stays "wird gesendet" for good: the periodic check takes up replies whose send never reported back.

A worker killed during the platform call leaves its reply claimed ("sending"); a platform that takes a
POST and never answers leaves it the same way. Past the deadline the check looks on the platform: found,
the reply is sent; certainly not there, it is sent again with the same idempotency key; where the
platform cannot tell, it is "unklar" and the editor chooses "Als gesendet markieren" or "Erneut senden".
"""

import re

import pytest
from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.channels import http
from inbox.channels.adapters import ADAPTERS
from inbox.conversations import delivery
from inbox.conversations.models import Message
from inbox.conversations.tasks import check_delivery
from inbox.extensions import db
from tests.channels.conftest import FakeChatAdapter
from tests.deliveryfaults import (
    FakeMastodon,
    Held,
    actions,
    conversation_on,
    fresh,
    left_sending,
    past_the_deadline,
    periodic_pass,
    queued_reply,
)
from tests.fakeapi import Reply

UNCLEAR = ("unklar: Die Plattform hat nicht geantwortet; Testkanal lässt nicht nachsehen, "
           "ob eine Antwort angekommen ist")


def delivery_shown(page: str) -> list[str]:
    found = re.findall(r'<span class="delivery [^"]+"[^>]*>(.*?)</span>', page, re.S)
    return [" ".join(text.split()) for text in found]


@pytest.fixture
def fakechat(app):
    ADAPTERS[FakeChatAdapter.kind] = FakeChatAdapter()
    yield ADAPTERS[FakeChatAdapter.kind]
    ADAPTERS.pop(FakeChatAdapter.kind, None)


@pytest.fixture
def held(fake_api):
    """Answers of the fake platform held back until the test ends (released before the server stops)."""
    hold = Held()
    yield hold
    hold.release.set()


@pytest.fixture
def org(create_org):
    return create_org()


@pytest.fixture
def chat(org, create_channel, fakechat, fake_api):
    channel = create_channel(org, "fakechat", settings={"api_url": fake_api.url}, credentials={"token": "tok"})
    return conversation_on(channel)


@pytest.fixture
def editor(org, create_user, auth):
    user = create_user(org, "editor")
    auth.login(user)
    return user


def page_of(client, conversation) -> str:
    return client.get(f"/conversations/{conversation.id}").get_data(as_text=True)


def test_a_reply_whose_worker_died_becomes_unclear_with_both_choices(client, chat, editor, fake_api):
    message = left_sending(chat, editor, "Ja, ab 9 Uhr.")
    assert delivery_shown(page_of(client, chat)) == ["wird gesendet"]

    periodic_pass()  # before the deadline: the send may still be under way
    assert fresh(message).delivery_state == "sending"

    past_the_deadline()
    assert periodic_pass()["replies_checked"] == 1
    page = page_of(client, chat)
    assert delivery_shown(page) == [UNCLEAR]
    assert f'action="/messages/{message.id}/mark-sent"' in page and "Als gesendet markieren" in page
    assert f'action="/messages/{message.id}/retry"' in page and "Erneut senden" in page
    assert "Versand unklar:" in page  # in the history too
    assert fake_api.received("POST", "/messages") == []  # nothing was sent blindly
    assert actions(message)[-1] == "message.unclear"


def test_editor_marks_an_unclear_reply_as_sent_without_sending(client, chat, editor, fake_api):
    message = left_sending(chat, editor, "Ja, ab 9 Uhr.")
    past_the_deadline()
    periodic_pass()
    assert client.post(f"/messages/{message.id}/mark-sent").status_code == 400  # no CSRF token
    assert fresh(message).delivery_state == "unclear"

    assert client.post_form(f"/messages/{message.id}/mark-sent").status_code == 303
    page = page_of(client, chat)
    assert delivery_shown(page) == ["gesendet"]
    assert "Als gesendet markieren" not in page and "Erneut senden" not in page
    assert "Erika Muster hat die Antwort als gesendet markiert" in page
    assert fake_api.received("POST", "/messages") == []
    assert client.post_form(f"/messages/{message.id}/mark-sent").status_code == 400  # only unclear ones
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "message.marked_sent"))
    assert event.actor_id == editor.id and event.object_id == message.id


def test_editor_sends_an_unclear_reply_again(client, chat, editor, fake_api):
    fake_api.route("POST", "/messages", {"id": "out-1"})
    message = left_sending(chat, editor, "Ja, ab 9 Uhr.")
    past_the_deadline()
    periodic_pass()
    assert client.post_form(f"/messages/{message.id}/retry").status_code == 303
    assert delivery_shown(page_of(client, chat)) == ["gesendet"]
    assert fresh(message).external_id == "out-1" and len(fake_api.received("POST", "/messages")) == 1
    assert "message.retry" in actions(message)


def test_only_staff_of_the_conversations_team_decide_on_an_unclear_reply(client, auth, org, chat, create_org,
                                                                       create_user, fake_api):
    from inbox.orgs.operations import create_department, create_team

    author = create_user(org, "editor")
    message = left_sending(chat, author, "Ja, ab 9 Uhr.")
    past_the_deadline()
    periodic_pass()
    other_team = create_team(org, "feuerwehr", "Feuerwehr")
    department = create_department(org, "Ordnungsamt", "32", "presse.ordnung@example.org")
    db.session.commit()
    outsiders = [create_user(create_org(), "editor"), create_user(org, "editor", team=other_team),
                 create_user(org, "press_officer", department=department)]
    for outsider in outsiders:
        auth.login(outsider)
        for action in ("mark-sent", "retry"):
            assert client.post_form(f"/messages/{message.id}/{action}").status_code in (403, 404)
        auth.logout()
    assert fresh(message).delivery_state == "unclear"
    assert fake_api.received("POST", "/messages") == []


def test_after_a_read_timeout_the_reply_is_looked_up_not_sent_again(client, chat, editor, fake_api, held,
                                                                     monkeypatch):
    monkeypatch.setattr(http, "TIMEOUT", (5, 0.3))
    fake_api.route("POST", "/messages", held({"id": "out-1"}))
    assert client.post_form(f"/conversations/{chat.id}/reply", {"text": "Ja, ab 9 Uhr."}).status_code == 303
    page = page_of(client, chat)
    assert delivery_shown(page) == ["wird gesendet: Keine Antwort der Plattform: ReadTimeout – es wird geprüft, "
                                    "ob die Antwort angekommen ist"]
    assert "Erneut senden" not in page

    past_the_deadline()
    periodic_pass()
    assert delivery_shown(page_of(client, chat)) == [UNCLEAR]
    assert len(fake_api.received("POST", "/messages")) == 1  # the platform may have it: never posted twice


def test_after_a_slow_answer_mastodon_shows_the_reply_once(client, org, create_channel, editor, fake_api, held,
                                                           monkeypatch):
    monkeypatch.setattr(http, "TIMEOUT", (5, 0.3))
    channel = create_channel(org, "mastodon", settings={"api_base": fake_api.url},
                             credentials={"access_token": "tok"})
    conversation = conversation_on(channel, external_id="1001", author_handle="karin@norden.social",
                                   is_public=True)
    mastodon = FakeMastodon(fake_api, "1001", held)  # posts the status, then answers too late
    client.post_form(f"/conversations/{conversation.id}/reply", {"text": "Die Ampel wird morgen repariert."})
    assert len(mastodon.posted()) == 1

    past_the_deadline()
    periodic_pass()
    assert delivery_shown(page_of(client, conversation)) == ["gesendet"]
    [status] = mastodon.posted()
    message = db.session.scalar(select(Message).where(Message.direction == "out"))
    assert message.external_id == status["id"]
    assert len(fake_api.received("POST", "/api/v1/statuses")) == 1
    assert "Antwort gesendet (auf der Plattform nachgesehen: sie ist angekommen)" in page_of(client, conversation)


def test_a_queued_reply_whose_job_was_lost_is_queued_again(chat, editor, fake_api):
    fake_api.route("POST", "/messages", {"id": "out-1"})
    message = queued_reply(chat, editor, "Ja, ab 9 Uhr.")  # the job never ran (Redis lost it, worker died)
    periodic_pass()
    assert fresh(message).delivery_state == "queued"

    past_the_deadline()
    assert periodic_pass()["replies_requeued"] == 1
    assert fresh(message).delivery_state == "sent" and len(fake_api.received("POST", "/messages")) == 1


def test_parallel_passes_check_a_reply_once_and_a_stale_check_does_nothing(chat, editor, fake_api):
    from inbox.jobs import run_ready
    from inbox.periodic import run_all

    fake_api.route("POST", "/messages", {"id": "out-1"})
    message = left_sending(chat, editor, "Ja, ab 9 Uhr.")
    past_the_deadline()
    assert run_all()["replies_checked"] == 1
    assert run_all()["replies_checked"] == 0  # the first pass moved the deadline on
    db.session.commit()
    claimed = fresh(message).delivery_attempts
    check_delivery(message.id, claimed - 1)  # a check job of an earlier pass, run late
    assert fresh(message).delivery_state == "sending"
    assert run_ready() == 1
    assert fresh(message).delivery_state == "unclear"


def test_a_platform_that_keeps_failing_the_lookup_leaves_the_reply_unclear_in_the_end(
        client, org, create_channel, editor, fake_api):
    channel = create_channel(org, "mastodon", settings={"api_base": fake_api.url},
                             credentials={"access_token": "tok"})
    conversation = conversation_on(channel, external_id="1001", author_handle="karin@norden.social")
    fake_api.route("GET", "/api/v1/accounts/verify_credentials", Reply(503, {"error": "Wartung"}))
    message = left_sending(conversation, editor, "Danke!")
    shown = []
    for _pass in range(len(delivery.BACKOFF) + 1):
        past_the_deadline()
        periodic_pass()
        shown.append(delivery_shown(page_of(client, conversation))[0])
    assert shown[0] == ("wird gesendet: Nachsehen, ob die Antwort angekommen ist, schlug fehl: HTTP 503: Wartung; "
                        "neuer Versuch folgt")
    assert shown[-1] == "unklar: Ob die Antwort angekommen ist, ließ sich nach mehreren Versuchen nicht klären"
    assert len(fake_api.received("GET", "/api/v1/accounts/verify_credentials")) == len(delivery.BACKOFF)
    assert fake_api.received("POST", "/api/v1/statuses") == []
    assert fresh(message).delivery_state == "unclear"


def test_a_job_ended_by_rq_during_the_platform_call_is_looked_up_not_failed(client, chat, editor, fakechat,
                                                                              monkeypatch):
    from rq.timeouts import JobTimeoutException

    def stopped(channel, reply):
        raise JobTimeoutException("Task exceeded maximum timeout value (180 seconds)")

    monkeypatch.setattr(fakechat, "send", stopped)
    client.post_form(f"/conversations/{chat.id}/reply", {"text": "Ja, ab 9 Uhr."})
    page = page_of(client, chat)
    assert delivery_shown(page) == ["wird gesendet: Zeitlimit des Auftrags überschritten – es wird geprüft, ob die "
                                    "Antwort angekommen ist"]
    assert "Erneut senden" not in page
