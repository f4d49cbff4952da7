"""The demo shows the product: every channel kind seeded, editors on shift at any hour, replies really go out."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from inbox.core import clock
from inbox.demo.content import CHANNELS
from tests.conftest import TEST_START, CSRFClient, _empty_tables

DEMO_PASSWORD = "mitreden-demo"
# A weekday morning in service hours, and a Sunday night outside them.
STARTS = [TEST_START, datetime(2026, 11, 22, 3, 0, tzinfo=clock.BERLIN)]


@pytest.fixture(scope="module", params=STARTS, ids=["weekday-10h", "sunday-3h"])
def seeded_demo(request, database_url, tmp_path_factory):
    """The demo app in-process, its stand-ins running, seeded (without the solver's plan, to stay fast).

    Seeding takes seconds, so the tests of one start time share it; the test that replies runs last.
    """
    from inbox import create_app
    from inbox.demo import prepare, start_standins
    from inbox.extensions import db

    clock.start_at(request.param)
    app = create_app({"DEMO": True, "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "JOBS_RAISE": True,
                      "DATA_DIR": str(tmp_path_factory.mktemp("demo")), "SERVER_NAME": None})
    app.test_client_class = CSRFClient
    with app.app_context():
        standins = start_standins(app)
        lines = prepare(standins, plan=False)
        try:
            yield app, standins, lines, request.param
        finally:
            standins.stop()
            db.session.remove()
            _empty_tables(db)
            db.engine.dispose()


@pytest.fixture
def demo(seeded_demo):
    app, standins, lines, start = seeded_demo
    clock.start_at(start)  # the per-test clock fixture set the tests' default start again
    yield app, standins, lines
    from inbox.extensions import db

    # End this test's transaction: on PostgreSQL an idle one would block the next TRUNCATE for ever.
    db.session.remove()


def login(app, email: str) -> CSRFClient:
    client = app.test_client()
    client.post_form("/login", {"email": email, "password": DEMO_PASSWORD})
    return client


def test_every_channel_kind_has_conversations_and_editors_have_their_own_now(demo):
    from inbox.accounts.models import User
    from inbox.channels.models import Channel
    from inbox.conversations.models import Conversation, Message
    from inbox.extensions import db
    from inbox.sla.models import ConversationSLA

    app, _standins, lines = demo
    firsts = db.session.execute(select(Channel.kind, Message.is_public).join(Message, Message.channel_id == Channel.id)
                                .where(Message.direction == "in")).all()
    assert {kind for kind, _ in firsts} == {kind for kind, *_ in CHANNELS}
    private = {kind for kind, is_public in firsts if not is_public}
    public = {kind for kind, is_public in firsts if is_public}
    assert {"facebook", "instagram", "x", "mastodon"} <= public & private
    assert {"bluesky", "threads", "youtube"} <= public and {"whatsapp", "email", "webform"} <= private

    now = clock.now()
    dues = [d for d in db.session.scalars(select(ConversationSLA.due_at)) if d]
    assert any(d < now for d in dues), "some SLAs overdue"
    assert any(now < d < now + timedelta(minutes=30) for d in dues), "some SLAs due soon"
    statuses = dict(db.session.execute(select(Conversation.status, func.count()).group_by(Conversation.status)).all())
    assert statuses["waiting"] >= 2 and statuses["resolved"] >= 1

    jana = db.session.scalar(select(User).where(User.email == "redaktion@example.org"))
    mine = db.session.scalars(select(Conversation).where(Conversation.assignee_id == jana.id,
                                                         Conversation.status != "resolved")).all()
    assert len(mine) >= 3
    page = login(app, jana.email).get("/inbox?view=mine").get_data(as_text=True)
    for conversation in mine:
        assert conversation.subject[:40].replace("&", "&amp;").replace("'", "&#39;") in page
    if now.astimezone(clock.BERLIN).weekday() == 6:
        assert any("Krisenmodus" in line for line in lines)


def test_only_admins_and_leads_see_the_outbox(demo):
    app, _standins, _lines = demo
    assert login(app, "redaktion@example.org").get("/admin/demo-postausgang/").status_code == 403
    assert login(app, "leitung@example.org").get("/admin/demo-postausgang/").status_code == 200


REPLIES = {
    "facebook": "Danke für Ihre Geduld! Der Spielplatz öffnet am Montag <b>wieder</b>.",
    "whatsapp": "Hallo Frau Yilmaz, ja, bitte melden Sie den Hund innerhalb von 14 Tagen an.",
    "email": "Sehr geehrte Frau Schmitz, Termine gibt es online unter rheinfeld.example/termine.",
}


def test_replies_on_three_channel_kinds_reach_the_stand_ins_and_end_sent(demo):
    from inbox.channels.models import Channel
    from inbox.conversations.models import Conversation, Message
    from inbox.extensions import db

    app, standins, _lines = demo
    editor = login(app, "redaktion@example.org")
    for kind, text in REPLIES.items():
        conversation = db.session.scalar(
            select(Conversation).join(Channel).where(Channel.kind == kind, Conversation.status == "open")
            .order_by(Conversation.id).limit(1))
        response = editor.post_form(f"/conversations/{conversation.id}/reply", {"text": text})
        assert response.status_code == 303
        reply = db.session.scalar(select(Message).where(Message.conversation_id == conversation.id,
                                                        Message.text == text))
        db.session.refresh(reply)
        assert reply.delivery_state == "sent", reply.delivery_error
        page = editor.get(f"/conversations/{conversation.id}").get_data(as_text=True)
        assert "gesendet" in page
        if kind == "email":
            mail = next(m for m in standins.smtp.received() if m.text.strip() == text)
            assert mail.recipients == ["m.schmitz@example.net"] and mail.subject.startswith("Re: ")
        else:
            sent = standins.sent(kind)[0]
            assert sent.text == text and sent.answered_id == reply.external_id
    assert standins.sent("whatsapp")[0].answered_id.startswith("wamid.")

    outbox = login(app, "admin@example.org").get("/admin/demo-postausgang/")
    html = outbox.get_data(as_text=True)
    assert outbox.status_code == 200 and "Demo-Postausgang" in html
    assert "öffnet am Montag &lt;b&gt;wieder&lt;/b&gt;." in html and "<b>wieder</b>" not in html
    assert REPLIES["whatsapp"] in html and REPLIES["email"] in html
    # Newest first: the e-mail reply was sent last, the press office's notifications before it.
    assert html.index(REPLIES["email"]) < html.index("presse.ordnungsamt@example.org")
