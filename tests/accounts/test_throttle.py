"""Failed logins slow the one guessing, per account and client, per client and per account, and never the owner."""

from datetime import timedelta

import pytest

from inbox.core import clock
from tests.conftest import PASSWORD, TEST_START, AuthActions


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.set_time(TEST_START)  # waits are counted in seconds: time moves only when a test moves it


def login(browser, user_or_email, password=PASSWORD):
    return AuthActions(browser).login(user_or_email, password)


def test_an_attacker_elsewhere_does_not_lock_the_owner_out(client_at, create_org, create_user):
    owner = create_user(create_org())
    attacker = client_at("203.0.113.66")
    for _ in range(5):
        assert login(attacker, owner, "wrong password!").status_code == 401
    assert login(attacker, owner).status_code == 429  # even the right password waits there
    assert login(client_at("198.51.100.7"), owner).status_code == 302


def test_the_owners_browser_gets_in_while_the_account_is_guessed_from_everywhere(client_at, create_org,
                                                                                  create_user):
    owner = create_user(create_org())
    browser = client_at("198.51.100.7")
    assert login(browser, owner).status_code == 302
    AuthActions(browser).logout()
    for n in range(12):  # a botnet: each machine a guess or two, the account's own counter runs full
        login(client_at(f"203.0.113.{n + 10}"), owner, f"guess number {n}")
    assert login(client_at("192.0.2.44"), owner).status_code == 429  # an unknown client waits
    assert login(browser, owner).status_code == 302  # the owner's known browser does not


def test_unknown_and_known_addresses_get_the_same_answers(client_at, create_org, create_user):
    owner = create_user(create_org())
    answers = {}
    for who, (address, email) in {"known": ("203.0.113.1", owner.email),
                                  "unknown": ("203.0.113.2", "nobody@example.org")}.items():
        browser = client_at(address)
        wrong = [login(browser, email, "wrong password!") for _ in range(5)]
        waiting = login(browser, email, "wrong password!")
        answers[who] = [(r.status_code, flash_of(r)) for r in [*wrong, waiting]] + [waiting.headers["Retry-After"]]
    assert answers["known"] == answers["unknown"]
    assert answers["known"][0] == (401, "E-Mail oder Passwort ist falsch.")
    assert answers["known"][5][0] == 429 and "vorübergehend gesperrt" in answers["known"][5][1]


def flash_of(response) -> str:
    page = response.get_data(as_text=True)
    return page.split('class="flash error">', 1)[1].split("</p>", 1)[0]


def test_one_client_trying_many_accounts_is_slowed(client_at, create_org, create_user):
    real = create_user(create_org())
    sprayer = client_at("203.0.113.77")
    for n in range(20):
        assert login(sprayer, f"person{n}@example.org", "Sommer2024!").status_code == 401
    assert login(sprayer, real).status_code == 429
    assert login(client_at("198.51.100.7"), real).status_code == 302


def test_ipv6_clients_count_by_their_network(client_at, create_org, create_user):
    owner = create_user(create_org())
    for n in range(5):
        login(client_at(f"2001:db8:1:2::{n + 1}"), owner, "wrong password!")
    assert login(client_at("2001:db8:1:2::99"), owner).status_code == 429
    assert login(client_at("2001:db8:1:3::1"), owner).status_code == 302


def test_each_further_failure_doubles_the_wait_and_the_owner_gets_in_afterwards(client, auth, create_org,
                                                                                  create_user):
    owner = create_user(create_org())
    for _ in range(5):
        auth.login(owner, "wrong password!")
    assert auth.login(owner).headers["Retry-After"] == "30"
    clock.advance(timedelta(seconds=30))
    assert auth.login(owner, "still wrong!").status_code == 401
    response = auth.login(owner)
    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    assert "in 1 Minute erneut" in response.get_data(as_text=True)
    clock.advance(timedelta(seconds=60))
    assert auth.login(owner).status_code == 302


def test_counters_hold_no_addresses_and_are_forgotten(app, client_at, create_org, create_user):
    from sqlalchemy import select

    from inbox.accounts.models import LoginThrottle
    from inbox.extensions import db

    owner = create_user(create_org())
    login(client_at("203.0.113.66"), owner, "wrong password!")
    rows = db.session.scalars(select(LoginThrottle)).all()
    assert sorted(r.scope for r in rows) == ["account", "client", "pair"]
    assert not any(owner.email in r.key or "203.0.113.66" in r.key for r in rows)
    clock.advance(timedelta(hours=25))
    login(client_at("198.51.100.1"), "someone@example.org", "wrong password!")
    db.session.expire_all()
    assert len(db.session.scalars(select(LoginThrottle)).all()) == 3  # only the new try's counters
