"""Sessions end after idling and after a fixed time, can be listed and ended, and get new tokens on role changes."""

from datetime import timedelta

from sqlalchemy import select

from inbox.accounts.models import UserSession
from inbox.audit.models import AuditEvent
from inbox.core import clock
from inbox.extensions import db
from tests.conftest import AuthActions


def _logged_in(browser) -> bool:
    return browser.get("/inbox").status_code == 200


def test_an_idle_session_ends(client, auth, create_org, create_user):
    auth.login(create_user(create_org()))
    clock.advance(timedelta(minutes=59))
    assert _logged_in(client)  # activity moves the idle timeout on
    clock.advance(timedelta(minutes=59))
    assert _logged_in(client)
    clock.advance(timedelta(minutes=61))
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(UserSession)) is None  # the timed-out session is gone from the server


def test_a_session_ends_after_its_absolute_time_however_busy(client, auth, create_org, create_user):
    auth.login(create_user(create_org()))
    for _ in range(14):  # 11 h 40 min of activity every 50 minutes
        clock.advance(timedelta(minutes=50))
        assert _logged_in(client)
    clock.advance(timedelta(minutes=21))
    assert not _logged_in(client)


def test_last_seen_is_written_at_most_once_a_minute(client, auth, create_org, create_user):
    auth.login(create_user(create_org()))
    first = db.session.scalar(select(UserSession.last_seen_at))
    clock.advance(timedelta(seconds=30))
    client.get("/inbox")
    assert db.session.scalar(select(UserSession.last_seen_at)) == first
    clock.advance(timedelta(seconds=40))
    client.get("/inbox")
    assert db.session.scalar(select(UserSession.last_seen_at)) > first


def test_my_sessions_lists_them_and_ends_the_others(client, auth, client_at, create_org, create_user):
    org = create_org()
    user = create_user(org)
    laptop = client_at("198.51.100.7")
    AuthActions(laptop).login(user)
    client.environ_base["HTTP_USER_AGENT"] = "Firefox auf dem Diensthandy"
    auth.login(user)
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "Firefox auf dem Diensthandy" in page and "(diese Sitzung)" in page and "198.51.100.x" in page
    response = client.post_form("/account/sessions/end-others", follow_redirects=True)
    assert "1 andere Sitzung beendet." in response.get_data(as_text=True)
    assert not _logged_in(laptop) and _logged_in(client)
    assert "198.51.100.x" not in client.get("/account/sessions").get_data(as_text=True)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.organization_id == org.id)).all()
    assert "session.others_ended" in actions


def test_each_login_is_a_new_session(client, auth, create_org, create_user):
    user = create_user(create_org())
    auth.login(user)
    before = client.get_cookie("session").value
    auth.login(user)
    assert db.session.scalars(select(UserSession.id)).all().__len__() == 2
    assert client.get_cookie("session").value != before


def test_a_role_change_renews_the_session_token(client, auth, client_at, create_org, create_user):
    from inbox.accounts.operations import grant

    org = create_org()
    user = create_user(org)
    auth.login(user)
    old_id = db.session.scalar(select(UserSession.id))
    copy = client_at("203.0.113.66")
    copy.set_cookie("session", client.get_cookie("session").value)
    grant(user, org.id, "lead", team_id=org.teams[0].id)
    db.session.commit()
    assert _logged_in(client)  # the owner's browser goes on, with a new token
    assert db.session.scalars(select(UserSession.id)).all() != [old_id]
    assert not _logged_in(copy)  # a cookie from before the change opens nothing
