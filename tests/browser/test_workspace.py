"""The editor's workspace in the browser: split view by htmx, keyboard flow, the failed-send guard, no JavaScript."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inbox.conversations.models import Conversation
from inbox.extensions import db
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def inbox_with_two(create_org, create_user, create_channel, post_webhook, citizen_message):
    org = create_org()
    editor = create_user(org, name="Jana Redakteurin")
    channel = create_channel(org)
    post_webhook(channel, citizen_message(subject="Baustelle Hauptstraße", name="Dirk Hansen",
                                          email="d.hansen@example.net", text="Wie lange dauert die Baustelle noch?"))
    post_webhook(channel, citizen_message(subject="Sperrmüll Ringstraße", name="Karin Vogel",
                                          text="Wann wird in der Ringstraße der Sperrmüll abgeholt?"))
    return editor


def _status(subject: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Conversation.status).where(Conversation.subject == subject))


def test_keyboard_flow_open_reply_resolve_without_the_mouse(page, inbox_with_two):
    page.set_viewport_size({"width": 1366, "height": 900})
    browser_login(page, inbox_with_two)
    page.wait_for_url("**/inbox")
    page.evaluate("window.__noReload = 1")
    page.keyboard.press("j")  # the first row
    first = page.locator("#conv-list a[data-row]").first
    expect(first).to_be_focused()
    assert "Ungelesen" in first.inner_text()  # for screen readers; nobody opened it yet
    subject = first.inner_text().removeprefix("Ungelesen:").strip()
    page.keyboard.press("Enter")
    expect(page.locator("#conv-title")).to_have_text(subject)
    expect(page.locator("#reply-text")).to_be_focused()  # focus lands in the composer
    page.keyboard.type("Am Donnerstag ab 7 Uhr.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#history li.msg-out")).to_contain_text("Am Donnerstag ab 7 Uhr.")
    # No mail server in the tests: the reply fails, and the flash says so instead of a green "sent".
    expect(page.locator("#flashes")).to_contain_text("Antwort fehlgeschlagen")
    expect(page.locator("#flashes .kern-alert--danger")).to_be_visible()
    page.keyboard.press("Escape")  # out of the composer, back to the list
    page.keyboard.press("e")
    # The failed-send guard asks first; focus is on the confirmation, Enter confirms.
    expect(page.locator("#confirm-resolve")).to_contain_text("nicht erhalten")
    assert _status(subject) == "open"
    expect(page.get_by_role("button", name="Trotzdem erledigen")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#conv-state")).to_have_text("erledigt")
    assert _status(subject) == "resolved"
    expect(page.get_by_role("button", name="Rückgängig")).to_be_visible()
    assert page.evaluate("window.__noReload") == 1  # all of it without a full page load


def test_split_view_opens_and_acts_without_reload(page, inbox_with_two):
    page.set_viewport_size({"width": 1366, "height": 900})
    browser_login(page, inbox_with_two)
    page.evaluate("window.__noReload = 1")
    page.get_by_role("link", name="Baustelle Hauptstraße").click()
    expect(page.locator("#conv-title")).to_have_text("Baustelle Hauptstraße")
    expect(page.locator("#list-pane")).to_be_visible()  # list and conversation side by side
    expect(page).to_have_url(re.compile(r"/conversations/\d+"))
    page.get_by_role("button", name="Mir zuweisen").click()
    expect(page.locator("#assignee")).to_have_text("Jana Redakteurin")
    row = page.locator("#conv-list .conv-row", has_text="Baustelle Hauptstraße")
    expect(row).to_contain_text("bei Jana Redakteurin")  # the row is updated too
    page.fill("#note-text", "Tiefbauamt fragen")
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.locator("#history .note")).to_contain_text("Tiefbauamt fragen")
    page.get_by_role("link", name="Nicht zugewiesen").click()
    expect(page.locator("#conv-list")).not_to_contain_text("Baustelle Hauptstraße")
    expect(page.locator("#conv-title")).to_have_text("Baustelle Hauptstraße")  # the open one stays
    assert page.evaluate("window.__noReload") == 1


def test_workspace_works_without_javascript(browser, live_server, inbox_with_two):
    context = browser.new_context(base_url=live_server, locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    browser_login(page, inbox_with_two)
    page.wait_for_url("**/inbox")
    page.get_by_role("link", name="Sperrmüll Ringstraße").click()
    expect(page.locator("#conv-title")).to_have_text("Sperrmüll Ringstraße")
    page.fill("#reply-text", "Am Donnerstag ab 7 Uhr.")
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.locator("#history li.msg-out")).to_contain_text("Am Donnerstag ab 7 Uhr.")
    expect(page.locator("#flashes")).to_contain_text("Antwort fehlgeschlagen")
    page.get_by_role("button", name="Erledigt").click()
    expect(page.locator("#confirm-resolve")).to_contain_text("Trotzdem als erledigt markieren?")
    assert _status("Sperrmüll Ringstraße") == "open"
    page.get_by_role("button", name="Trotzdem erledigen").click()
    expect(page.locator("#conv-state")).to_have_text("erledigt")
    page.get_by_role("button", name="Rückgängig").click()
    expect(page.locator("#conv-state")).to_have_text("offen")
    assert _status("Sperrmüll Ringstraße") == "open"
    context.close()
