"""Logging out and deactivating end the session on the server: a copied cookie opens nothing afterwards."""

from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.extensions import db
from tests.conftest import AuthActions


def copy_session(source, target) -> None:
    """What someone holding a copy of the browser's cookie can do: send it from elsewhere."""
    target.set_cookie("session", source.get_cookie("session").value)


def test_a_copied_cookie_stops_working_at_logout(client, auth, client_at, create_org, create_user):
    user = create_user(create_org(), name="Jana Redakteurin")
    auth.login(user)
    thief = client_at("203.0.113.66")
    copy_session(client, thief)
    assert "Jana Redakteurin" in thief.get("/inbox").get_data(as_text=True)  # the copy works while logged in
    auth.logout()
    assert client.get("/inbox").status_code == 302
    response = thief.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logging_out_in_one_browser_keeps_the_other_logged_in(client, auth, client_at, create_org, create_user):
    user = create_user(create_org(), name="Jana Redakteurin")
    laptop = client_at("198.51.100.7")
    auth.login(user)
    assert AuthActions(laptop).login(user).status_code == 302
    auth.logout()
    assert client.get("/inbox").status_code == 302
    assert laptop.get("/inbox").status_code == 200


def test_deactivating_a_user_ends_their_sessions_for_good(app, client, auth, client_at, create_org, create_user):
    from inbox.cli import main

    org = create_org()
    user = create_user(org, name="Jana Redakteurin", email="jana@example.org")
    auth.login(user)
    copy = client_at("203.0.113.66")
    copy_session(client, copy)
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["users", "deactivate", "jana@example.org"])
    assert result.exit_code == 0 and "1 session(s) ended" in result.output
    assert client.get("/inbox").status_code == 302 and copy.get("/inbox").status_code == 302
    assert auth.login(user).status_code == 401  # a deactivated user cannot log in again

    assert runner.invoke(main, ["users", "activate", "jana@example.org"]).exit_code == 0
    # Active again, but the sessions before the deactivation stay ended: only a new login opens the inbox.
    assert copy.get("/inbox").status_code == 302
    assert auth.login(user).status_code == 302 and client.get("/inbox").status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.organization_id == org.id)).all()
    assert {"session.started", "user.deactivated", "user.reactivated"} <= set(actions)


def test_logout_is_in_the_audit_trail(client, auth, create_org, create_user):
    org = create_org()
    user = create_user(org)
    auth.login(user)
    auth.logout()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.organization_id == org.id,
                                                         AuditEvent.action.like("session.%"))).all()
    assert [(e.action, e.actor_id, e.object_type, e.object_id) for e in events] == [
        ("session.started", user.id, "user", user.id), ("session.ended", user.id, "user", user.id)]
