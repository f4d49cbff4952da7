"""In Debian's Chromium: open pages update themselves, also after the stream was cut."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inbox.extensions import db
from tests.conftest import browser_login, new_page

pytestmark = pytest.mark.browser


def live(page) -> None:
    """Wait until the page's stream is connected."""
    expect(page.locator("html")).to_have_attribute("data-live", "verbunden")


def mark_page(page) -> None:
    """A mark that a reload would lose: the assertions below prove no reload happened."""
    page.evaluate("window.__notReloaded = true")


def not_reloaded(page) -> bool:
    return page.evaluate("window.__notReloaded === true")


def test_a_webhook_message_appears_in_the_open_inbox(town, webform_message, browser, live_server):
    page = new_page(browser, live_server)
    browser_login(page, town.editor)
    page.goto("/inbox")
    expect(page.get_by_text("Keine Unterhaltungen in dieser Ansicht.")).to_be_visible()
    live(page)
    mark_page(page)

    first = webform_message(town.channel, subject="Sperrmüll Ringstraße", name="Karin Vogel")
    expect(page.get_by_role("link", name="Sperrmüll Ringstraße")).to_be_visible()
    second = webform_message(town.channel, subject="Laterne defekt", name="Paul Peters", email="p@example.net")
    row = page.locator(f"#conv-{second.id}")
    expect(row).to_contain_text("Paul Peters")
    # Newest activity first, as after a reload; another team's conversation does not show.
    webform_message(town.fire_channel, subject="Rauchmelder piept")
    third = webform_message(town.channel, subject="Baustelle", name="Ida Iks", email="i@example.net")
    expect(page.locator(f"#conv-{third.id}")).to_be_visible()
    ids = page.locator("[data-live-list] > [id^=conv-]").evaluate_all("rows => rows.map(r => r.id)")
    assert ids == [f"conv-{third.id}", f"conv-{second.id}", f"conv-{first.id}"]
    assert page.get_by_text("Rauchmelder piept").count() == 0
    assert not_reloaded(page)


def test_an_assignment_by_a_colleague_updates_the_row(town, webform_message, browser, live_server):
    from inbox.conversations.operations import assign

    conversation = webform_message(town.channel, subject="Hundekot im Park")
    page = new_page(browser, live_server)
    browser_login(page, town.editor)
    page.goto("/inbox?view=unassigned")
    expect(page.locator(f"#conv-{conversation.id}")).to_be_visible()
    live(page)
    assign(conversation, town.colleague.id)
    db.session.commit()
    # "Nicht zugewiesen" no longer holds it; in "Alle offenen" it shows the new assignee.
    expect(page.locator(f"#conv-{conversation.id}")).to_have_count(0)
    page.goto("/inbox")
    live(page)
    assign(conversation, town.editor.id)
    db.session.commit()
    expect(page.locator(f"#conv-{conversation.id}")).to_contain_text("Tim Schulte")


def test_a_press_answer_appears_on_the_open_conversation_page(town, webform_message, browser, live_server):
    from inbox.forwarding import operations as forwarding

    conversation = webform_message(town.channel, subject="Musik am Marktplatz")
    forward = forwarding.create_forward(conversation, town.department, town.editor.id,
                                        "Bis wann ist Musik am Marktplatz erlaubt?")
    db.session.commit()
    page = new_page(browser, live_server)
    browser_login(page, town.editor)
    page.goto(f"/conversations/{conversation.id}")
    live(page)
    mark_page(page)
    page.fill("#reply-text", "Guten Tag, ")  # half-written: the live update must not take it away

    forwarding.answer(forward, "Musik ist dort bis 22 Uhr erlaubt.", author_id=town.officer.id)
    db.session.commit()
    expect(page.locator("#weiterleitungen")).to_contain_text("Musik ist dort bis 22 Uhr erlaubt.")
    expect(page.locator("#history")).to_contain_text("Fachamt Ordnungsamt hat geantwortet")
    expect(page.locator("#live-toasts")).to_contain_text("Antwort von Ordnungsamt zu Weiterleitung")
    expect(page.locator("#nav-notifications .badge")).to_have_text("1")
    expect(page.locator("#reply-text")).to_have_value("Guten Tag, ")
    assert not_reloaded(page)


def test_an_update_missed_while_the_stream_was_cut_still_arrives(town, webform_message, browser, live_server, app):
    from inbox.live import fanout

    page = new_page(browser, live_server)
    browser_login(page, town.editor)
    page.goto("/inbox")
    live(page)
    mark_page(page)

    page.context.set_offline(True)  # the browser cannot reconnect until the test says so
    fanout.hub(app).close_streams()  # the server ends the stream, as when it restarts
    expect(page.locator("html")).to_have_attribute("data-live", "getrennt")
    expect(page.locator("#live-status")).to_contain_text("Verbindung unterbrochen")
    missed = webform_message(town.channel, subject="Während der Funkstille")
    page.context.set_offline(False)

    expect(page.locator(f"#conv-{missed.id}")).to_contain_text("Während der Funkstille")
    expect(page.locator("#live-status")).to_be_hidden()
    assert not_reloaded(page)


def test_a_second_editor_sees_who_has_the_conversation_open_and_is_writing(town, webform_message, browser,
                                                                         live_server):
    conversation = webform_message(town.channel, subject="Parkausweis")
    tim = new_page(browser, live_server)
    browser_login(tim, town.editor)
    tim.goto(f"/conversations/{conversation.id}")
    live(tim)

    erika = new_page(browser, live_server)
    browser_login(erika, town.colleague)
    erika.goto(f"/conversations/{conversation.id}")
    notice = erika.locator("#live-presence")
    expect(notice).to_have_text("Tim Schulte hat diese Unterhaltung geöffnet")
    # Tim learns of Erika through the stream.
    expect(tim.locator("#live-presence")).to_have_text("Erika Muster hat diese Unterhaltung geöffnet")

    tim.locator("#reply-text").press_sequentially("Guten Tag")
    expect(notice).to_have_text("Tim Schulte schreibt gerade")
    tim.close()  # leaving the page says so
    expect(notice).to_be_empty()
