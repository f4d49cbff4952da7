"""axe-core (WCAG 2.1 AA) on every main page, for every role: no serious or critical violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import browser_login, new_page
from tests.forwarding.conftest import city  # noqa: F401  (the town with editor, lead, press officer)

pytestmark = pytest.mark.browser
AXE = Axe()
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


def serious(page) -> list[str]:
    results = AXE.run(page, options=WCAG_AA)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}× z. B. {v['nodes'][0]['target']})"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def check(page, name: str, found: dict) -> None:
    page.wait_for_load_state()
    found[name] = serious(page)


@pytest.mark.parametrize("width", [390, 1366])
def test_main_pages_have_no_serious_violations(city, browser, live_server, create_user, width):  # noqa: F811
    found: dict[str, list[str]] = {}
    page = new_page(browser, live_server)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/login")
    check(page, "login", found)

    browser_login(page, city.editor)
    check(page, "editor inbox", found)
    page.get_by_role("link", name=city.conversation.subject).click()
    page.locator("#conv-title").wait_for()
    check(page, "conversation", found)

    for user, links in ((city.lead, ["Teamleitung", "Dienstplan"]),
                        (create_user(city.org, "admin", name="Alex Admin"), ["Kanäle", "Fachämter"]),
                        (city.officer, [])):
        other = new_page(browser, live_server)
        other.set_viewport_size({"width": width, "height": 900})
        browser_login(other, user)
        check(other, f"start page of {user.name}", found)  # the press officer's portal
        for link in links:
            other.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name=link).click()
            check(other, link, found)
    assert {name: v for name, v in found.items() if v} == {}
