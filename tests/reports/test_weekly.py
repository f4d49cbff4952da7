"""The weekly report by e-mail: to leads who opted in, with their own team's figures, once per week."""

import pytest
from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.extensions import db
from tests.mailservers import SMTPCapture
from tests.reports.helpers import at, citizen_writes, roll_up


@pytest.fixture
def smtp(app):
    server = SMTPCapture()
    app.config["SETTINGS"]["mail"].update(smtp_host="127.0.0.1", smtp_port=server.port,
                                          from_address="presse@rheinfeld.example", base_url="http://mitreden.test")
    yield server
    server.stop()


def test_the_periodic_pass_mails_last_weeks_report_once_to_leads_who_opted_in(
        client, auth, smtp, create_org, create_user, create_channel, post_webhook, citizen_message):
    from inbox.core import clock
    from inbox.orgs.operations import create_team
    from inbox.periodic import run_all

    org = create_org()
    fire = create_team(org, "feuerwehr", "Feuerwehr")
    db.session.commit()
    citizen_writes(post_webhook, citizen_message, create_channel(org, name="Kontaktformular"), "2026-11-18 10:00")
    citizen_writes(post_webhook, citizen_message, create_channel(org, name="Feuerwehr-Formular", team=fire),
                   "2026-11-18 11:00")
    roll_up("2026-11-18 12:00")
    lead, quiet = create_user(org, "lead", email="lead@rheinfeld.example"), create_user(org, "lead")
    auth.login(lead)
    assert client.post_form("/berichte/wochenbericht", {"wanted": "y"}).status_code == 303
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == lead.id)).all()
    assert [a for a in actions if not a.startswith("session.")] == ["reports.weekly_mail_on"]
    clock.set_time(at("2026-11-23 07:00"))  # Monday: last week is 16-22 November
    run_all()
    db.session.commit()
    run_all()  # a second pass in the same week sends nothing more
    db.session.commit()
    [mail] = smtp.messages
    assert mail["To"] == "lead@rheinfeld.example" and mail["Subject"] == "Wochenbericht 16.11.2026 – 22.11.2026"
    text = mail.get_content()
    assert "Kontaktformular | 1 | 0 | neu" in text and "Feuerwehr-Formular" not in text
    assert quiet.email not in str([m["To"] for m in smtp.messages])
