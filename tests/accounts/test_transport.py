"""HTTPS: Secure cookies and HSTS where the app is served over TLS; pages with personal data are not stored."""

import pytest

from tests.conftest import PASSWORD

KEY = "k" * 32
HTTPS = "https://localhost"


@pytest.fixture
def https_app(database_url, tmp_path):
    """The app as in production ([app] https = true, the default), on the test database."""
    from inbox import create_app
    from inbox.extensions import db
    from tests.conftest import CSRFClient

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": KEY, "DATA_DIR": str(tmp_path)})
    app.test_client_class = CSRFClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_https_is_on_by_default_and_off_for_the_demo(tmp_path):
    from inbox import create_app

    production = create_app({"SECRET_KEY": KEY, "DATA_DIR": str(tmp_path)})
    assert production.config["SESSION_COOKIE_SECURE"] is True and production.config["REMEMBER_COOKIE_SECURE"]
    demo = create_app({"DEMO": True, "DATA_DIR": str(tmp_path)})
    assert demo.config["SESSION_COOKIE_SECURE"] is False


def test_login_over_https_sets_a_secure_cookie_and_hsts(https_app, create_org, create_user):
    user = create_user(create_org())
    browser = https_app.test_client()
    page = browser.get("/login", base_url=HTTPS)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "ohne HTTPS" not in page.get_data(as_text=True)
    # Over HTTPS, Flask-WTF also wants the Referer a browser sends for a form of the same site.
    response = browser.post("/login", base_url=HTTPS, headers={"Referer": f"{HTTPS}/login"},
                            data={"email": user.email, "password": PASSWORD, "csrf_token": browser.csrf_token()})
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert "; Secure" in cookies["session"] and "; HttpOnly" in cookies["session"]
    assert "; Secure" in cookies["mitreden_browser"]


def test_no_hsts_over_plain_http_and_a_visible_hint(https_app):
    page = https_app.test_client().get("/login")
    assert "Strict-Transport-Security" not in page.headers
    assert "Diese Seite kam ohne HTTPS an" in page.get_data(as_text=True)


def test_forwarded_proto_counts_only_from_a_trusted_proxy(database_url, tmp_path, monkeypatch):
    from inbox import create_app

    settings = tmp_path / "proxy.toml"
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
    untrusting = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": KEY, "DATA_DIR": str(tmp_path)})
    assert "Strict-Transport-Security" not in untrusting.test_client().get("/login", headers=headers).headers
    settings.write_text("[app]\ntrusted_proxies = 1\n")
    monkeypatch.setenv("MITREDEN_CONFIG", str(settings))
    behind_proxy = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": KEY,
                               "DATA_DIR": str(tmp_path)})
    assert "Strict-Transport-Security" in behind_proxy.test_client().get("/login", headers=headers).headers


def test_pages_with_personal_data_are_not_stored(client, auth, create_org, create_user, create_channel,
                                                 post_webhook, citizen_message):
    from sqlalchemy import select

    from inbox.conversations.models import Message
    from inbox.extensions import db

    org = create_org()
    assert post_webhook(create_channel(org), citizen_message(subject="Sperrmüll")).status_code == 200
    conversation_id = db.session.scalar(select(Message.conversation_id))
    auth.login(create_user(org))
    for path in ("/inbox", f"/conversations/{conversation_id}", "/login"):
        assert "no-store" in client.get(path).headers["Cache-Control"], path
    static = client.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
