"""Editor forwards, the press officer answers in the portal, the editor uses the answer, replies and resolves."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from inbox.extensions import db
from inbox.forwarding.models import Forward
from tests.conftest import PASSWORD

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _login(page, base: str, user) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


@pytest.mark.browser
def test_forward_answer_use_and_resolve_in_the_browser(app, city, live_server):
    from playwright.sync_api import expect, sync_playwright

    conversation_url = f"{live_server}/conversations/{city.conversation.id}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            editor = browser.new_context().new_page()
            _login(editor, live_server, city.editor)
            editor.goto(conversation_url)
            editor.get_by_text("An Fachamt weiterleiten", exact=True).first.click()
            editor.select_option("#fw-department", str(city.ordnung.id))
            editor.fill("#fw-question", "Bis wann ist Musik am Marktplatz erlaubt?")
            editor.get_by_role("button", name="An Fachamt weiterleiten").click()
            expect(editor.locator(".conv-head")).to_contain_text("wartet auf Fachamt")

            officer = browser.new_context().new_page()
            _login(officer, live_server, city.officer)
            expect(officer.locator("h1")).to_have_text("Anfragen an Ihr Fachamt")
            officer.locator("table.forwards-table a").first.click()
            expect(officer.locator("#question")).to_have_text("Bis wann ist Musik am Marktplatz erlaubt?")
            officer.fill("#answer-text", "Musik ist dort bis 22 Uhr erlaubt.")
            officer.get_by_role("button", name="Antwort senden").click()
            expect(officer.locator("#forward-state")).to_have_text("beantwortet")

            editor.goto(conversation_url)
            expect(editor.locator("#nav-notifications .badge")).to_have_text("1")
            editor.get_by_role("link", name="Antwort übernehmen").click()
            expect(editor.locator("#reply-text")).to_have_value("Musik ist dort bis 22 Uhr erlaubt.")
            editor.fill("#reply-text", "Guten Tag, Musik ist dort bis 22 Uhr erlaubt. Danach hilft das Ordnungsamt.")
            editor.get_by_role("button", name="Antwort senden").click()
            editor.get_by_role("button", name="Erledigt").click()
            expect(editor.locator(".conv-head")).to_contain_text("erledigt")
            expect(editor.locator("#weiterleitungen")).to_contain_text("abgeschlossen")
        finally:
            browser.close()
    db.session.expire_all()
    assert db.session.scalar(select(Forward.state)) == "closed"
