"""In a real browser: a lead generates and publishes a rota, an editor then sees their shifts."""

import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(app):
    app.config["SETTINGS"]["rota"]["solver_seconds"] = 3
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def login(page, base, email):
    from tests.conftest import PASSWORD

    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


@pytest.mark.browser
def test_lead_plans_and_editor_sees_shifts(team_setup, live_server, browser):
    lead_page = browser.new_page()
    login(lead_page, live_server, "lea@example.org")
    lead_page.goto(f"{live_server}/dienstplan/{team_setup.team.id}/2031/3")
    lead_page.click("#generate")
    lead_page.wait_for_selector("#run-message", timeout=60000)
    assert "Dienste geplant" in lead_page.inner_text("#run-message")
    lead_page.click("#publish")
    assert "Veröffentlicht" in lead_page.inner_text("#rota-status")
    editor = browser.new_page()
    login(editor, live_server, "anna@example.org")
    editor.click("text=Meine Dienste")
    table = editor.inner_text("#my-shifts")
    assert "03.2031" in table
    assert "dienst" in table  # Früh-, Spät- or Tagdienst
