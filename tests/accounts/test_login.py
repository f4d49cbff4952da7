"""Login, logout, waiting after repeated failures, where a login may lead, and who may open what."""

import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest

from inbox.core import clock
from tests.conftest import PASSWORD, TEST_START


def test_login_and_logout(client, auth, create_org, create_user):
    user = create_user(create_org(), "editor", name="Jana Redakteurin")
    response = auth.login(user)
    assert response.status_code == 302
    page = client.get("/inbox")
    assert page.status_code == 200 and "Jana Redakteurin" in page.get_data(as_text=True)
    auth.logout()
    assert client.get("/inbox").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, auth, create_org, create_user):
    user = create_user(create_org())
    response = auth.login(user, "wrong password!")
    assert response.status_code == 401
    assert "E-Mail oder Passwort ist falsch" in response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302


def test_unknown_user_gets_the_same_answer(auth):
    response = auth.login("nobody@example.org", "whatever-password")
    assert response.status_code == 401
    assert "E-Mail oder Passwort ist falsch" in response.get_data(as_text=True)


def test_repeated_failures_make_this_client_wait(client, auth, create_org, create_user):
    clock.set_time(TEST_START)
    user = create_user(create_org())
    for _ in range(5):
        auth.login(user, "wrong password!")
    response = auth.login(user, PASSWORD)
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    assert "vorübergehend gesperrt" in response.get_data(as_text=True)
    assert "in 30 Sekunden erneut" in response.get_data(as_text=True)
    clock.advance(timedelta(seconds=31))
    assert auth.login(user, PASSWORD).status_code == 302


def test_login_form_needs_csrf_token(client, create_org, create_user):
    user = create_user(create_org())
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/inbox").status_code == 302


def where_a_browser_goes(location: str):
    """The URL a browser follows for a Location header: it drops tabs and line breaks, reads \\ as /."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("".join(map(chr, range(0x21)))).replace("\\", "/")
    return urlsplit(urljoin("http://localhost/login", cleaned))


def test_next_parameter_cannot_redirect_elsewhere(client, create_org, create_user):
    user = create_user(create_org())
    response = client.post_form("/login?next=//evil.example/x", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] in ("/", "/inbox", "http://localhost/")


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/evil.example", "%09//evil.example", "/\\evil.example",
                                    "/%5Cevil.example", "https:evil.example", "/%2F/evil.example",
                                    "%20//evil.example", "javascript:alert(1)"])
def test_next_parameter_stays_on_this_site_as_a_browser_reads_it(client, create_org, create_user, target):
    user = create_user(create_org())
    response = client.post_form(f"/login?next={target}", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    goes_to = where_a_browser_goes(response.headers["Location"])
    assert (goes_to.scheme, goes_to.netloc) == ("http", "localhost"), response.headers["Location"]


def test_next_parameter_with_a_line_break_is_no_error(client, create_org, create_user):
    user = create_user(create_org())
    response = client.post_form("/login?next=/%0d%0aX:1", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and "X" not in response.headers
    assert response.headers["Location"] in ("/", "/inbox", "http://localhost/")
    assert client.get("/inbox").status_code == 200


def test_next_parameter_leads_back_to_the_page_asked_for(client, create_org, create_user):
    user = create_user(create_org())
    asked = client.get("/inbox?view=mine")
    assert asked.status_code == 302
    response = client.post_form(asked.headers["Location"], {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/inbox?view=mine"


def test_press_officer_cannot_open_the_inbox(client, auth, create_org, create_user):
    from inbox.extensions import db
    from inbox.orgs.operations import create_department

    org = create_org()
    department = create_department(org, "Ordnungsamt", "32")
    db.session.commit()
    officer = create_user(org, "press_officer", department=department)
    auth.login(officer)
    assert client.get("/inbox").status_code == 403


def test_passwords_are_hashed_with_scrypt(create_org, create_user):
    user = create_user(create_org())
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


def test_outside_the_tests_passwords_get_full_strength_scrypt(app):
    from inbox.accounts.models import User

    app.config.pop("PASSWORD_HASH_METHOD")
    user = User(email="voll@example.org", name="Voll")
    user.set_password("ein langes Passwort")
    # Werkzeug's scrypt default: N=2**15, r=8, p=1.
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert user.check_password("ein langes Passwort")
