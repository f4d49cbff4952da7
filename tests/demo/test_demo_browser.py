"""The demo in Chromium: a reply typed in the workspace goes out to the platform's loopback stand-in."""

import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from inbox.core import clock
from tests.conftest import CHROMIUM_ARGS, TEST_START, _empty_tables
from tests.demo.test_demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def served_demo(database_url, tmp_path):
    """The demo app with its stand-ins, seeded (no solver plan) and served on 127.0.0.1 for the browser."""
    from werkzeug.serving import make_server

    from inbox import create_app
    from inbox.demo import prepare, start_standins
    from inbox.extensions import db

    clock.start_at(TEST_START)
    app = create_app({"DEMO": True, "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "JOBS_RAISE": True,
                      "DATA_DIR": str(tmp_path), "SERVER_NAME": None})
    with app.app_context():
        standins = start_standins(app)
        prepare(standins, plan=False)
        db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield app, standins, f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            standins.stop()
            db.session.remove()
            _empty_tables(db)
            db.engine.dispose()


def test_reply_from_the_workspace_reaches_the_stand_in_and_shows_sent(served_demo):
    from inbox.channels.models import Channel
    from inbox.conversations.models import Conversation
    from inbox.extensions import db

    _app, standins, base_url = served_demo
    conversation = db.session.scalar(
        select(Conversation).join(Channel).where(Channel.kind == "facebook", Conversation.status == "open")
        .order_by(Conversation.id).limit(1))
    conversation_id, subject = conversation.id, conversation.subject
    db.session.remove()  # no open transaction while the server thread writes
    text = "Danke für den Hinweis, der Spielplatz öffnet am Montag wieder."
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = chromium.new_context(base_url=base_url, locale="de-DE").new_page()
            page.set_viewport_size({"width": 1366, "height": 900})
            page.goto("/login")
            page.fill("#email", "redaktion@example.org")
            page.fill("#password", DEMO_PASSWORD)
            page.get_by_role("button", name="Anmelden").click()
            page.goto(f"/conversations/{conversation_id}")
            expect(page.locator("#conv-title")).to_have_text(subject)
            page.fill("#reply-text", text)
            page.get_by_role("button", name="Antwort senden").click()
            reply = page.locator("#history li.msg-out", has_text=text)
            expect(reply.locator(".delivery")).to_have_text("gesendet")
            expect(page.locator("#flashes")).not_to_contain_text("fehlgeschlagen")
        finally:
            chromium.close()
    sent = standins.sent("facebook")
    assert sent and sent[0].text == text
