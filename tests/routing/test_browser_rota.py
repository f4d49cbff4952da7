"""In a real browser: a lead generates and publishes a rota, an editor then sees their shifts."""

import pytest

from tests.conftest import browser_login, new_page


@pytest.mark.browser
def test_lead_plans_and_editor_sees_shifts(app, team_setup, live_server, browser):
    app.config["SETTINGS"]["rota"]["solver_seconds"] = 3
    lead_page = new_page(browser, live_server)
    browser_login(lead_page, "lea@example.org")
    lead_page.goto(f"/dienstplan/{team_setup.team.id}/2031/3")
    lead_page.click("#generate")
    # The panel follows the run; once it is done the page reloads with the plan.
    lead_page.wait_for_selector("#run:not([data-poll]) #run-message", timeout=60000)
    assert lead_page.get_attribute("#run", "data-run-status") == "done", lead_page.inner_text("#run")
    assert "Dienste geplant" in lead_page.inner_text("#run-message")
    lead_page.click("#publish")
    assert "Veröffentlicht" in lead_page.inner_text("#rota-status")
    editor = new_page(browser, live_server)
    browser_login(editor, "anna@example.org")
    editor.click("text=Meine Dienste")
    table = editor.inner_text("#my-shifts")
    assert "03.2031" in table
    assert "dienst" in table  # Früh-, Spät- or Tagdienst
