"""Triage in the inbox list: the urgency sort, preview and public/private, SLA timer, unread per editor."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from inbox.conversations.models import Conversation, ConversationRead
from inbox.core import clock
from inbox.extensions import db
from inbox.sla.models import ConversationSLA


@pytest.fixture(autouse=True)
def _sessions_outlast_the_clock(app, monkeypatch):
    """These tests move the clock by hours to cross service hours or messaging windows; the editor's login
    session would time out on the way (tests/accounts/test_session_timeouts.py covers that)."""
    security = app.config["SETTINGS"]["security"]
    monkeypatch.setitem(security, "session_idle_minutes", 7 * 24 * 60)
    monkeypatch.setitem(security, "session_absolute_hours", 30 * 24)



def html(response) -> str:
    return response.get_data(as_text=True)


def at(hour: int, minute: int = 0) -> None:
    """Wednesday 18 November 2026 (a working day), local time, clock frozen."""
    clock.set_time(datetime(2026, 11, 18, hour, minute, tzinfo=clock.BERLIN))


def row_of(page: str, subject: str) -> str:
    """The list row of the conversation with this subject."""
    rows = [r for r in re.findall(r'<li id="conv-\d+".*?</li>', page, flags=re.S) if f">{subject}<" in r]
    assert len(rows) == 1, f"{subject!r} is in {len(rows)} rows"
    return rows[0]


def order(page: str, subjects: list[str]) -> list[str]:
    return sorted(subjects, key=lambda s: page.index(f">{s}<"))


def sla_row(conversation) -> ConversationSLA:
    return db.session.scalar(select(ConversationSLA).where(ConversationSLA.conversation_id == conversation.id))


def test_urgency_order_overdue_then_due_then_unassigned_then_assigned_then_waiting(
        client, auth, create_org, create_user, create_channel, create_conversation):
    from inbox.conversations import operations
    from inbox.routing.operations import claim
    from inbox.sla import operations as sla

    org = create_org()
    channel, editor = create_channel(org), create_user(org, name="Jana Redakteurin")
    made = {}
    # Each citizen writes at a different time; routing starts a clock of two business hours.
    for subject, hour, minute in (("Wartet auf Amt", 7, 0), ("Zugewiesen alt", 7, 10), ("Seit einer Stunde", 8, 0),
                                  ("Ohne Uhr alt", 8, 5), ("Zehn Minuten drüber", 8, 50), ("Gleich fällig", 9, 5),
                                  ("Ohne Uhr neu", 10, 0), ("Noch Zeit", 10, 30), ("Schon erledigt", 9, 30)):
        at(hour, minute)
        made[subject] = create_conversation(org, channel=channel, subject=subject, email=f"{hour}{minute}@example.net")
    at(10, 45)
    for subject in ("Ohne Uhr alt", "Ohne Uhr neu", "Zugewiesen alt"):
        sla.answered(sla_row(made[subject]))  # the editor replied: no clock runs
    # Routing's claim is a bulk UPDATE; the sort key must follow it all the same.
    assert claim(made["Zugewiesen alt"], None, editor.id)
    waiting = made["Wartet auf Amt"]
    waiting.status = "waiting"  # what forwarding does, and it pauses the clock
    sla.pause(waiting)
    operations.resolve(made["Schon erledigt"])
    db.session.commit()

    at(11, 0)
    auth.login(editor)
    page = html(client.get("/inbox?sort=urgency"))
    expected = ["Seit einer Stunde", "Zehn Minuten drüber", "Gleich fällig", "Noch Zeit", "Ohne Uhr alt",
                "Ohne Uhr neu", "Zugewiesen alt", "Wartet auf Amt"]
    assert order(page, expected) == expected
    assert ">Schon erledigt<" not in page
    assert "überfällig seit 1 Std." in row_of(page, "Seit einer Stunde")
    assert 'sla--overdue' in row_of(page, "Zehn Minuten drüber")
    soon = row_of(page, "Gleich fällig")
    assert "fällig in 5 Min." in soon and 'sla--soon' in soon
    assert "fällig in 1 Std. 30 Min." in row_of(page, "Noch Zeit")
    assert "pausiert" in row_of(page, "Wartet auf Amt")
    # The other views keep the same order within what they show.
    assert order(html(client.get("/inbox?view=mine&sort=urgency")), ["Zugewiesen alt"]) == ["Zugewiesen alt"]
    unassigned = html(client.get("/inbox?view=unassigned&sort=urgency"))
    assert ">Zugewiesen alt<" not in unassigned
    assert order(unassigned, expected[:-2]) == expected[:-2]


def test_default_sort_is_urgency_in_service_hours_and_newest_outside(client, auth, create_org, create_user,
                                                                      create_channel, create_conversation):
    org = create_org()
    channel = create_channel(org)
    at(9)
    create_conversation(org, channel=channel, subject="Früh gefragt", email="a@example.net")
    at(10)
    create_conversation(org, channel=channel, subject="Später gefragt", email="b@example.net")
    auth.login(create_user(org))
    at(11)  # service hours (07:00-22:00): the earlier due time comes first
    assert order(html(client.get("/inbox")), ["Früh gefragt", "Später gefragt"]) == ["Früh gefragt", "Später gefragt"]
    assert order(html(client.get("/inbox?sort=recent")), ["Früh gefragt", "Später gefragt"]) == [
        "Später gefragt", "Früh gefragt"]
    at(22, 30)  # closed: newest first
    page = html(client.get("/inbox"))
    assert order(page, ["Früh gefragt", "Später gefragt"]) == ["Später gefragt", "Früh gefragt"]
    assert '<option value="recent" selected>' in page
    assert order(html(client.get("/inbox?sort=urgency")), ["Früh gefragt", "Später gefragt"]) == [
        "Früh gefragt", "Später gefragt"]


def test_preview_and_last_activity_follow_inbound_messages_and_replies(
        client, auth, create_org, create_user, create_channel, post_webhook, citizen_message):
    org = create_org()
    channel = create_channel(org)
    editor = create_user(org)
    at(9)
    long_text = "Wann kommt der Sperrmüll\n\nin die   Hauptstraße? " + "Bitte antworten Sie bald. " * 10
    assert post_webhook(channel, citizen_message(subject="Sperrmüll", text=long_text)).status_code == 200
    conversation = db.session.scalar(select(Conversation))
    assert conversation.last_message_preview.startswith("Wann kommt der Sperrmüll in die Hauptstraße? Bitte")
    assert len(conversation.last_message_preview) == 160
    auth.login(editor)
    row = row_of(html(client.get("/inbox")), "Sperrmüll")
    assert "Wann kommt der Sperrmüll in die Hauptstraße?" in row and "privat" in row and "vor " not in row

    at(9, 20)
    client.post_form(f"/conversations/{conversation.id}/reply", {"text": "Am Donnerstag\nab 7 Uhr."})
    db.session.refresh(conversation)
    assert conversation.last_message_preview == "Am Donnerstag ab 7 Uhr."
    assert conversation.last_activity_at == clock.now()
    row = row_of(html(client.get("/inbox")), "Sperrmüll")
    assert "Antwort: Am Donnerstag ab 7 Uhr." in row and "Wann kommt" not in row and "vor 20 Min." in row

    at(9, 40)
    assert post_webhook(channel, citizen_message(subject="Sperrmüll", text="Danke, und Elektroschrott?")
                        ).status_code == 200
    db.session.refresh(conversation)
    assert conversation.last_message_preview == "Danke, und Elektroschrott?"
    assert conversation.last_inbound_at == conversation.last_activity_at == clock.now()
    row = row_of(html(client.get("/inbox")), "Sperrmüll")
    assert "Danke, und Elektroschrott?" in row and "Antwort:" not in row


def test_public_comment_and_its_withdrawal(client, auth, create_org, create_user, create_channel):
    from inbox.channels.adapters.base import InboundMessage
    from inbox.conversations import operations

    org = create_org()
    channel = create_channel(org, "mastodon", name="Mastodon")
    operations.ingest(channel, InboundMessage(external_id="t1", text="Warum ist die Brücke gesperrt?",
                                              author_id="42", author_handle="@anna", subject="Brücke",
                                              thread_key="post-1", is_public=True))
    db.session.commit()
    auth.login(create_user(org))
    row = row_of(html(client.get("/inbox")), "Brücke")
    assert "öffentlich" in row and "Warum ist die Brücke gesperrt?" in row
    # The citizen deletes the comment: the list keeps no copy of the text.
    operations.ingest(channel, InboundMessage(external_id="t1", text="", author_id="42", event="delete"))
    db.session.commit()
    row = row_of(html(client.get("/inbox")), "Brücke")
    assert "Warum ist die Brücke" not in row


def test_unread_marker_per_editor(client, auth, create_org, create_user, create_channel, post_webhook,
                                  citizen_message):
    org = create_org()
    channel = create_channel(org)
    anna = create_user(org, name="Anna", email="anna@example.org")
    ben = create_user(org, name="Ben", email="ben@example.org")
    at(9)
    assert post_webhook(channel, citizen_message(subject="Parkausweis", email="p@example.net")).status_code == 200
    conversation = db.session.scalar(select(Conversation))

    def marked_for(user) -> bool:
        auth.logout()
        auth.login(user)
        return "Ungelesen" in row_of(html(client.get("/inbox")), "Parkausweis")

    assert marked_for(anna) and marked_for(ben)
    at(9, 5)
    auth.logout()
    auth.login(anna)
    assert client.get(f"/conversations/{conversation.id}").status_code == 200
    assert not marked_for(anna)
    assert marked_for(ben)
    at(9, 10)
    assert post_webhook(channel, citizen_message(subject="Parkausweis", email="p@example.net",
                                                 text="Noch eine Frage")).status_code == 200
    assert marked_for(anna) and marked_for(ben)
    auth.logout()
    auth.login(anna)
    client.get(f"/conversations/{conversation.id}")
    client.get(f"/conversations/{conversation.id}")  # opened again: still one marker row
    assert db.session.scalar(select(ConversationRead.read_at).where(ConversationRead.user_id == anna.id)) == \
        clock.now()
    assert len(db.session.scalars(select(ConversationRead)).all()) == 1


def test_no_rows_or_markers_cross_organizations(client, auth, create_org, create_user, create_channel,
                                                create_conversation):
    ours, theirs = create_org(), create_org()
    create_conversation(ours, channel=create_channel(ours), subject="Unsere Frage", email="u@example.net")
    foreign = create_conversation(theirs, channel=create_channel(theirs), subject="Fremde Frage",
                                  email="f@example.net")
    auth.login(create_user(ours))
    for view in ("open", "mine", "unassigned", "resolved"):
        for sort in ("urgency", "recent"):
            page = html(client.get(f"/inbox?view={view}&sort={sort}"))
            assert "Fremde Frage" not in page
    assert "Unsere Frage" in html(client.get("/inbox?sort=urgency"))
    assert "Fremde Frage" not in html(client.get(f"/inbox?sort=urgency&channel={foreign.channel_id}"))
    assert client.get(f"/conversations/{foreign.id}").status_code == 404
    assert db.session.scalars(select(ConversationRead)).all() == []


def test_urgency_key_follows_sla_changes_made_anywhere(app, create_org, create_conversation):
    from inbox.conversations import urgency
    from inbox.sla import operations as sla

    at(9)
    conversation = create_conversation(create_org())
    row = sla_row(conversation)
    assert (conversation.urgency_tier, conversation.urgency_at) == (urgency.DUE, row.due_at)
    clock.advance(timedelta(minutes=10))
    sla.pause(conversation)
    db.session.commit()
    db.session.refresh(conversation)
    assert (conversation.urgency_tier, conversation.urgency_at) == (urgency.PAUSED, clock.now())
    sla.resume(conversation)
    db.session.commit()
    db.session.refresh(conversation)
    assert conversation.urgency_tier == urgency.DUE and conversation.urgency_at == sla_row(conversation).due_at
