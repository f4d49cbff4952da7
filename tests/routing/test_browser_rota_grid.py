"""In a real browser: the lead changes cells by keyboard and sees the violation and coverage at once, unsaved."""

import pytest
from sqlalchemy import select

from inbox.extensions import db
from inbox.rota.models import RotaAssignment
from tests.conftest import browser_login, new_page


@pytest.mark.browser
def test_keyboard_edit_shows_the_violation_without_saving(app, team_setup, live_server, browser):
    s = team_setup
    page = new_page(browser, live_server)
    browser_login(page, "lea@example.org")
    page.goto(f"/dienstplan/{s.team.id}/2026/11")
    assert "Ruhezeit" not in page.inner_text("#violations")  # the empty month breaks only the weekly hours
    page.focus(f'select[name="c-{s.anna.id}-2026-11-02"]')
    page.keyboard.press("s")  # late shift on Monday ...
    page.keyboard.press("ArrowRight")
    page.keyboard.press("f")  # ... and early shift on Tuesday: under 11 hours of rest
    page.wait_for_selector("#violations li:has-text('Ruhezeit zwischen 02.11. 22:00 und 03.11. 07:00')")
    tuesday = page.locator(f'select[name="c-{s.anna.id}-2026-11-03"]')
    assert tuesday.input_value() == "F"
    assert "marked" in page.get_attribute(f'td:has(> select[name="c-{s.anna.id}-2026-11-03"])', "class")
    assert page.inner_text('tfoot td[data-day="2026-11-03"]').startswith("1")
    assert "2 ungespeicherte Änderungen" in page.inner_text("#unsaved")
    db.session.rollback()
    assert db.session.scalar(select(RotaAssignment)) is None  # checked, not saved
    # Freeing the day by keyboard takes the violation away again.
    page.keyboard.press("Delete")
    page.wait_for_selector("#violations li:has-text('Ruhezeit')", state="detached")
    assert not page.locator(f'td.marked:has(> select[name="c-{s.anna.id}-2026-11-03"])').count()
    page.click("#save-grid")
    assert "1 Änderungen gespeichert." in page.inner_text(".flashes")
