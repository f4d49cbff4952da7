"""The audit trail as a page for admins: filters, CSV export, only the own organization; and append-only."""

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from inbox.audit.guard import AuditAppendOnly
from inbox.audit.models import AuditEvent
from inbox.audit.operations import record, scrub_detail
from inbox.core import clock
from inbox.extensions import db


def _event(org, action, obj, actor=None, at=None, **detail):
    with clock.frozen(at or clock.now()):
        event = record(org.id, action, obj, actor_id=actor.id if actor else None, **detail)
    db.session.commit()
    return event


@pytest.fixture
def trail(create_org, create_user):
    org, other = create_org(name="Stadt A"), create_org(name="Stadt B")
    admin = create_user(org, "admin", name="Ada Admin")
    editor = create_user(org, "editor", name="Ed Redakteur")
    stranger = create_user(other, "admin", name="Fremde Admin")
    team = org.teams[0]
    _event(org, "team.renamed", team, editor, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), text="Vorher")
    _event(org, "user.deactivated", editor, admin, datetime(2026, 11, 10, 9, 0, tzinfo=UTC))
    _event(other, "team.renamed", other.teams[0], stranger, datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
           text="Geheim in B")
    return org, admin, editor


def test_admins_see_their_organizations_trail_only(client, auth, trail):
    _org, admin, _editor = trail
    auth.login(admin)
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "team.renamed" in page and "user.deactivated" in page and "Ed Redakteur" in page
    assert "Geheim in B" not in page and "Fremde Admin" not in page


def test_editors_cannot_open_the_trail(client, auth, trail):
    auth.login(trail[2])
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403


def test_filters_by_user_object_action_and_date(client, auth, trail):
    org, admin, editor = trail
    auth.login(admin)

    def rows(**args):
        page = client.get("/admin/audit/", query_string=args).get_data(as_text=True)
        return page.split('id="audit"')[1] if 'id="audit"' in page else ""

    assert "team.renamed" in rows(actor=editor.id) and "user.deactivated" not in rows(actor=editor.id)
    assert "team.renamed" not in rows(object_type="user") and "user.deactivated" in rows(object_type="user")
    assert "user.deactivated" in rows(action="user.") and "team.renamed" not in rows(action="user.")
    assert "team.renamed" in rows(object_type="team", object_id=org.teams[0].id)
    in_range = rows(**{"from": "2026-11-01", "to": "2026-11-05"})
    assert "team.renamed" in in_range and "user.deactivated" not in in_range
    assert "user.deactivated" in rows(**{"from": "2026-11-10", "to": "2026-11-10"})


def test_a_bad_filter_is_a_visible_400(client, auth, trail):
    auth.login(trail[1])
    response = client.get("/admin/audit/", query_string={"from": "gestern"})
    assert response.status_code == 400 and "kein gültiges Datum" in response.get_data(as_text=True)


def test_the_trail_is_paginated(app, client, auth, trail):
    org, admin, _editor = trail
    app.config["SETTINGS"]["app"]["page_size"] = 2
    try:
        auth.login(admin)  # the login adds a third entry
        first = client.get("/admin/audit/").get_data(as_text=True)
        assert "Ältere" in first
        second = client.get("/admin/audit/", query_string={"page": 2}).get_data(as_text=True)
        assert "team.renamed" in second and "Neuere" in second
    finally:
        app.config["SETTINGS"]["app"]["page_size"] = 25


def test_the_export_is_csv_of_the_filtered_entries(client, auth, trail):
    org, admin, editor = trail
    _event(org, "note.added", org.teams[0], editor, text="=HYPERLINK(\"http://evil.example\")")
    auth.login(admin)
    response = client.get("/admin/audit/export.csv", query_string={"actor": editor.id})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0][:4] == ["Zeit", "Person", "E-Mail", "Aktion"]
    assert sorted(r[3] for r in table[1:]) == ["note.added", "team.renamed"]
    assert all(r[1] == "Ed Redakteur" for r in table[1:])
    assert "Geheim in B" not in response.get_data(as_text=True)
    note = next(r for r in table[1:] if r[3] == "note.added")
    assert not note[7].startswith("=")  # detail is JSON, never a formula


def test_audit_entries_cannot_be_changed_or_deleted(trail):
    org = trail[0]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.organization_id == org.id).limit(1))
    event.action = "nothing.happened"
    with pytest.raises(AuditAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AuditAppendOnly):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AuditAppendOnly):
        db.session.execute(update(AuditEvent).where(AuditEvent.id == event.id).values(action="x"))
    db.session.rollback()
    with pytest.raises(AuditAppendOnly):
        db.session.execute(delete(AuditEvent).where(AuditEvent.organization_id == org.id))
    db.session.rollback()
    with pytest.raises(AuditAppendOnly):
        db.session.execute(delete(AuditEvent.__table__))
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).action != "nothing.happened"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.id == event.id)) is not None


def test_scrubbing_removes_content_and_keeps_who_and_what(trail):
    org, _admin, editor = trail
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.organization_id == org.id,
                                                       AuditEvent.action == "team.renamed"))
    scrub_detail([event])
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(AuditEvent, event.id)
    assert kept.detail == {"scrubbed": True} and kept.actor_id == editor.id and kept.action == "team.renamed"
    # A scrub rewrites detail only: nothing else goes through it.
    from inbox.audit.guard import scrubbing
    with pytest.raises(AuditAppendOnly), scrubbing(db.session, [kept]):
        kept.action = "other"
    db.session.rollback()


