"""Editor forwards, the press officer answers in the portal, the editor uses the answer, replies and resolves."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inbox.extensions import db
from inbox.forwarding.models import Forward
from tests.conftest import browser_login, new_page


@pytest.mark.browser
def test_forward_answer_use_and_resolve_in_the_browser(city, browser, live_server):
    conversation_url = f"/conversations/{city.conversation.id}"
    editor = new_page(browser, live_server)
    browser_login(editor, city.editor)
    editor.goto(conversation_url)
    editor.get_by_text("An Fachamt weiterleiten", exact=True).first.click()
    editor.select_option("#fw-department", str(city.ordnung.id))
    editor.fill("#fw-question", "Bis wann ist Musik am Marktplatz erlaubt?")
    editor.get_by_role("button", name="An Fachamt weiterleiten").click()
    expect(editor.locator(".conv-head")).to_contain_text("wartet auf Fachamt")

    officer = new_page(browser, live_server)
    browser_login(officer, city.officer)
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
    expect(editor.locator("#history li.msg-out")).to_contain_text("Danach hilft das Ordnungsamt.")
    editor.get_by_role("button", name="Erledigt").click()
    # The reply has not reached the citizen (no mail server for her address): the workspace asks first.
    editor.get_by_role("button", name="Trotzdem erledigen").click()
    expect(editor.locator(".conv-head")).to_contain_text("erledigt")
    expect(editor.locator("#weiterleitungen")).to_contain_text("abgeschlossen")
    db.session.expire_all()
    assert db.session.scalar(select(Forward.state)) == "closed"
