"""Staffing from load: Erlang C, the page beside the rota, and turning it into the solver's demand."""

import pytest
from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.extensions import db
from inbox.reports.staffing import editors_needed, erlang_c, service_level
from tests.conftest import default_team
from tests.reports.helpers import citizen_writes, roll_up


def test_erlang_c_matches_the_textbook_value():
    # 10 erlangs on 11 agents: a call waits with probability 0.6821 (standard Erlang C tables).
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=1e-4)


def test_editors_needed_for_one_erlang():
    # 6 messages an hour at 10 minutes each = 1 erlang; one editor cannot keep up, two answer
    # 1 - C(2, 1) * e^-6 = 1 - e^-6 / 3 of them within the hour.
    assert service_level(2, 6, 600, 3600) == pytest.approx(1 - 2.718281828 ** -6 / 3)
    assert editors_needed(6, 600, 0.8, 3600) == 2
    assert editors_needed(0, 600, 0.8, 3600) == 0


def test_the_page_shows_need_and_the_action_sets_the_demand(client, auth, create_org, create_user, create_channel,
                                                            post_webhook, citizen_message):
    org = create_org()
    channel = create_channel(org)
    for minute in range(0, 60, 10):  # six messages on Wednesday 18 November between 10:00 and 11:00
        citizen_writes(post_webhook, citizen_message, channel, f"2026-11-18 10:{minute:02d}")
    roll_up("2026-11-18 12:00")
    lead = create_user(org, "lead")
    auth.login(lead)
    url = "/berichte/personalbedarf?von=2026-11-16&bis=2026-11-22"
    page = client.get(url).get_data(as_text=True)
    assert "angenommen" in page  # no replies yet: ten minutes per message is assumed, and said
    assert "<td class=\"\">2 / –</td>" in page
    response = client.post_form(f"/berichte/personalbedarf/{default_team(org).id}/uebernehmen?von=2026-11-16"
                                "&bis=2026-11-22")
    assert response.status_code == 303 and "/dienstplan/" in response.headers["Location"]
    from inbox.rota.models import ShiftTemplateRow

    rows = {r.code: r.headcount for r in db.session.scalars(select(ShiftTemplateRow))}
    covering_ten = [code for code, heads in rows.items() if heads.get("workday")]
    assert sum(rows[c]["workday"] for c in covering_ten) == 2
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "team.demand_changed")).first()


def test_a_lead_plans_no_other_teams_demand(client, auth, create_org, create_user):
    from inbox.orgs.operations import create_team

    org = create_org()
    other = create_team(org, "feuerwehr", "Feuerwehr")
    db.session.commit()
    auth.login(create_user(org, "lead"))
    assert client.get(f"/berichte/personalbedarf?team={other.id}").status_code == 404
    assert client.post_form(f"/berichte/personalbedarf/{other.id}/uebernehmen").status_code == 404
