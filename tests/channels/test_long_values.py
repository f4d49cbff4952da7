"""Platform values longer than their columns land (cut, or ids in a digest form), and unknown slugs are bounded.

On PostgreSQL a String(255) column refuses a longer value: the message failed to store and the
raw event was marked failed after five attempts.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.channels.directory import EXTENSION as DIRECTORY
from inbox.channels.models import Channel, RawEvent
from inbox.conversations.models import Contact, Conversation, Message
from inbox.core.safetext import column_length
from inbox.extensions import db
from tests.channels.conftest import count, only
from tests.channels.test_meta import ig_comment
from tests.channels.test_threads import USER, reply_event
from tests.channels.test_whatsapp import NUMBER_ID, inbound, text_message

LONG = 300


def all_processed() -> bool:
    return {e.status for e in db.session.scalars(select(RawEvent))} == {"processed"}


def fits(value: str, column) -> bool:
    return len(value) <= column_length(column)


@pytest.fixture
def threads_channel(meta_channel):
    return meta_channel("threads", {"user_id": USER, "username": "teststadt"})


def test_threads_over_long_values_land(meta_post, threads_channel):
    root, first_id, second_id = "1" * LONG, "9" * LONG, "9" * (LONG - 1) + "8"  # the same first 255 characters
    assert meta_post(threads_channel, reply_event(first_id, username="k" * LONG, root=root, replied_to=root)
                     ).status_code == 200
    assert meta_post(threads_channel, reply_event(second_id, username="k" * LONG, root=root, replied_to=first_id,
                                                  text="Und wo?")).status_code == 200
    meta_post(threads_channel, reply_event(first_id, username="k" * LONG, root=root, replied_to=root))  # a retry

    first, second = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert (first.text, second.text) == ("Wann ist das Stadtfest?", "Und wo?")
    assert first.external_id != second.external_id and fits(first.external_id, Message.external_id)
    assert second.parent_external_id == first.external_id and second.conversation_id == first.conversation_id
    conversation = db.session.get(Conversation, first.conversation_id)
    assert conversation.thread_key.startswith("post:111") and fits(conversation.thread_key, Conversation.thread_key)
    handle = conversation.contact.handle
    assert handle.startswith("@kkk") and handle.endswith("…") and len(handle) == column_length(Contact.handle)
    assert all_processed()


def test_instagram_over_long_values_land(meta_post, meta_channel):
    channel = meta_channel("instagram")
    comment = ig_comment(comment_id="1" * LONG, media="2" * LONG, sender="3" * LONG, text="Wann öffnet das Freibad?")
    comment["entry"][0]["changes"][0]["value"]["from"]["username"] = "karin" * 60
    assert meta_post(channel, comment).status_code == 200
    other = ig_comment(comment_id="1" * (LONG - 1) + "0", media="2" * LONG, sender="3" * (LONG - 1) + "0",
                       text="Und das Hallenbad?")
    assert meta_post(channel, other).status_code == 200

    assert count(Message) == 2 and count(Contact) == 2  # long ids sharing their start stay apart
    message = only(Message, text="Wann öffnet das Freibad?")
    contact = db.session.get(Conversation, message.conversation_id).contact
    assert contact.handle.startswith("@karinkarin") and fits(contact.handle, Contact.handle)
    assert fits(contact.external_id, Contact.external_id)
    assert all_processed()


def test_whatsapp_over_long_values_land(meta_post, meta_channel):
    channel = meta_channel("whatsapp", {"phone_number_id": NUMBER_ID})
    sender = "49" * (LONG // 2)
    message = {**text_message(wamid="wamid." + "A" * LONG, body="Ist der Wertstoffhof offen?"), "from": sender}
    payload = inbound(message, name="Karin Vogel " * 30)
    payload["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = sender
    assert meta_post(channel, payload).status_code == 200
    assert meta_post(channel, payload).status_code == 200  # a retry

    stored = only(Message)
    assert stored.text == "Ist der Wertstoffhof offen?" and stored.external_id.startswith("wamid.AAA")
    contact = db.session.get(Conversation, stored.conversation_id).contact
    assert contact.name.startswith("Karin Vogel Karin") and contact.name.endswith("…")
    assert fits(contact.name, Contact.name) and fits(contact.handle, Contact.handle)
    assert all_processed()


# --- the channel directory's unknown slugs ----------------------------------------------------------------------

def test_unknown_slugs_are_remembered_only_up_to_a_bound(app, create_org, create_channel):
    channel = create_channel(create_org())
    directory = app.extensions[DIRECTORY]
    directory.max_unknown = 20
    assert directory.get(channel.slug) is not None

    for number in range(50):
        assert directory.get(f"scan-{number}") is None

    assert directory.unknown_count() == 20
    assert directory.peek("scan-49") == (True, None)  # the latest are still known to be unknown
    assert directory.peek("scan-0") == (False, None)  # the oldest were forgotten
    fresh, key = directory.peek(channel.slug)  # a flood of invented slugs does not push out real channels
    assert fresh and key.id == channel.id


def test_a_slug_no_channel_can_have_is_unknown_without_a_lookup(app, client, monkeypatch):
    from inbox.channels import directory as module

    monkeypatch.setattr(module, "_read", lambda slug: pytest.fail(f"looked up {slug!r}"))
    slug = "x" * (column_length(Channel.slug) + 1)
    response = client.post(f"/webhooks/{slug}", data=b"{}", content_type="application/json")
    assert (response.status_code, response.json) == (404, {"error": "unknown channel"})
    assert app.extensions[DIRECTORY].unknown_count() == 0
