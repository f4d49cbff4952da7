"""Two-factor login: enrolment with a QR code, login with a TOTP code or a single-use recovery code, throttling,
and organizations that require it of admins and leads."""

import re
from datetime import timedelta

import pyotp
from sqlalchemy import select

from inbox.accounts.models import User, UserSession
from inbox.audit.models import AuditEvent
from inbox.core import clock
from inbox.extensions import db
from tests.conftest import PASSWORD


def _code(secret: str) -> str:
    return pyotp.TOTP(secret).at(clock.now())


def _next_step() -> None:
    clock.advance(timedelta(seconds=30))  # a code is accepted once: the next login needs the next one


def enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/2fa").get_data(as_text=True)
    assert "<svg" in page  # the QR code
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    done = client.post_form("/account/2fa", {"code": _code(secret)})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def test_enrolment_then_login_needs_the_code(client, auth, create_org, create_user):
    org = create_org()
    user = create_user(org)
    auth.login(user)
    secret, _codes = enrol(client)
    stored = db.session.get(User, user.id)
    assert secret not in stored.totp_secret  # encrypted at rest
    auth.logout()
    _next_step()

    response = auth.login(user)
    assert response.status_code == 303 and response.headers["Location"].endswith("/login/code")
    assert client.get("/inbox").status_code == 302  # the password alone opens nothing
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    wrong = client.post_form("/login/code", {"code": "000000" if _code(secret) != "000000" else "111111"})
    assert wrong.status_code == 401 and "Der Code stimmt nicht" in wrong.get_data(as_text=True)
    assert client.post_form("/login/code", {"code": _code(secret)}).status_code == 302
    assert client.get("/inbox").status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.organization_id == org.id)).all()
    assert "totp.enabled" in actions


def test_a_code_works_once(client, auth, create_org, create_user):
    user = create_user(create_org())
    auth.login(user)
    secret, _codes = enrol(client)
    auth.logout()
    _next_step()
    code = _code(secret)
    auth.login(user)
    assert client.post_form("/login/code", {"code": code}).status_code == 302
    auth.logout()
    auth.login(user)
    assert client.post_form("/login/code", {"code": code}).status_code == 401


def test_a_recovery_code_works_once(client, auth, create_org, create_user):
    user = create_user(create_org())
    auth.login(user)
    _secret, codes = enrol(client)
    auth.logout()
    auth.login(user)
    response = client.post_form("/login/code", {"code": codes[0].upper()}, follow_redirects=True)
    assert "Wiederherstellungscode benutzt; 9 sind noch übrig" in response.get_data(as_text=True)
    auth.logout()
    auth.login(user)
    assert client.post_form("/login/code", {"code": codes[0]}).status_code == 401
    assert client.post_form("/login/code", {"code": codes[1]}).status_code == 302


def test_guessing_the_code_is_throttled(client, auth, create_org, create_user):
    user = create_user(create_org())
    auth.login(user)
    secret, _codes = enrol(client)
    auth.logout()
    _next_step()
    auth.login(user)
    wrong = "000000" if _code(secret) != "000000" else "111111"
    for _ in range(5):
        assert client.post_form("/login/code", {"code": wrong}).status_code == 401
    refused = client.post_form("/login/code", {"code": _code(secret)})
    assert refused.status_code == 429 and "Zu viele falsche Codes" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    # A new password step does not reset the count: the waits are the account's.
    auth.login(user)
    assert client.post_form("/login/code", {"code": _code(secret)}).status_code == 429
    clock.advance(timedelta(seconds=31))
    auth.login(user)
    assert client.post_form("/login/code", {"code": _code(secret)}).status_code == 302


def test_the_code_step_expires(client, auth, create_org, create_user):
    user = create_user(create_org())
    auth.login(user)
    secret, _codes = enrol(client)
    auth.logout()
    auth.login(user)
    clock.advance(timedelta(minutes=6))
    response = client.post_form("/login/code", {"code": _code(secret)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/inbox").status_code == 302


def test_an_organization_can_require_it_of_admins_and_leads(client, auth, create_org, create_user):
    org = create_org()
    admin = create_user(org, "admin")
    editor = create_user(org, "editor")
    auth.login(admin)
    page = client.get("/account/2fa").get_data(as_text=True)
    assert "Zwei-Faktor-Anmeldung für Admins und Teamleitungen verlangen" in page
    client.post_form("/account/2fa/required", {"required": "y"})
    response = client.get("/inbox")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/2fa")
    secret, _ = enrol(client)
    assert client.get("/inbox").status_code == 200
    auth.logout()
    auth.login(editor)  # editors are not asked
    assert client.get("/inbox").status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.organization_id == org.id)).all()
    assert "organization.2fa_required" in actions


def test_enrolment_renews_the_session(client, auth, client_at, create_org, create_user):
    user = create_user(create_org())
    auth.login(user)
    copy = client_at("203.0.113.66")
    copy.set_cookie("session", client.get_cookie("session").value)
    enrol(client)
    assert client.get("/inbox").status_code == 200
    assert copy.get("/inbox").status_code == 302


def test_editors_cannot_change_the_organizations_rule(client, auth, create_org, create_user):
    auth.login(create_user(create_org()))
    assert client.post_form("/account/2fa/required", {"required": "y"}).status_code == 403


def test_disabling_needs_the_password(client, auth, create_org, create_user):
    user = create_user(create_org())
    auth.login(user)
    enrol(client)
    assert client.post_form("/account/2fa/disable", {"password": "falsch"}).status_code == 400
    assert db.session.get(User, user.id).has_2fa
    assert client.post_form("/account/2fa/disable", {"password": PASSWORD}).status_code == 303
    db.session.expire_all()
    assert not db.session.get(User, user.id).has_2fa
