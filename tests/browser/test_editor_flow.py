"""In a real browser: an editor logs in, opens the web-form message, answers, sees the answer."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_editor_answers_a_webform_message(page, create_org, create_user, create_channel, post_webhook,
                                          citizen_message):
    org = create_org()
    editor = create_user(org, name="Jana Redakteurin")
    channel = create_channel(org)
    post_webhook(channel, citizen_message(subject="Sperrmüll Ringstraße", name="Karin Vogel",
                                          text="Wann wird in der Ringstraße der Sperrmüll abgeholt?"))

    page.goto("/login")
    page.get_by_label("E-Mail").fill(editor.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name="Sperrmüll Ringstraße").click()
    page.locator("#conv-title").wait_for()  # opened beside the list by htmx, not by a page load
    assert page.locator("#history").get_by_text("Wann wird in der Ringstraße der Sperrmüll abgeholt?").is_visible()

    page.get_by_label("Antwort an Karin Vogel").fill("Am Donnerstag ab 7 Uhr. Viele Grüße, Ihre Stadt")
    page.get_by_role("button", name="Antwort senden").click()

    history = page.locator("#history")
    history.get_by_text("Am Donnerstag ab 7 Uhr.").wait_for()
    texts = history.locator("li.msg .text").all_inner_texts()
    assert texts == ["Wann wird in der Ringstraße der Sperrmüll abgeholt?",
                     "Am Donnerstag ab 7 Uhr. Viele Grüße, Ihre Stadt"]
    assert "Jana Redakteurin" in history.locator("li.msg-out").inner_text()


def test_keyboard_only_login(page, create_org, create_user):
    editor = create_user(create_org())
    page.goto("/login")
    page.keyboard.type(editor.email)  # the e-mail field has focus on load
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox")
    assert page.get_by_role("heading", name="Posteingang").is_visible()
