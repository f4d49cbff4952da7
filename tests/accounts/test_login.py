"""Login, logout, lockout after repeated failures, and who may open what."""

from datetime import timedelta

from inbox.core import clock
from tests.conftest import PASSWORD


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


def test_repeated_failures_lock_the_account(client, auth, create_org, create_user):
    user = create_user(create_org())
    for _ in range(5):
        auth.login(user, "wrong password!")
    response = auth.login(user, PASSWORD)
    assert response.status_code == 401
    assert "vorübergehend gesperrt" in response.get_data(as_text=True)
    clock.set_time(clock.now() + timedelta(minutes=16))
    assert auth.login(user, PASSWORD).status_code == 302


def test_login_form_needs_csrf_token(client, create_org, create_user):
    user = create_user(create_org())
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/inbox").status_code == 302


def test_next_parameter_cannot_redirect_elsewhere(client, create_org, create_user):
    user = create_user(create_org())
    response = client.post_form("/login?next=//evil.example/x", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] in ("/", "/inbox", "http://localhost/")


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
