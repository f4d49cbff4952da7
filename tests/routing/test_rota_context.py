"""The adapter plans and checks a month with the team's published months around it and the team's rules."""

from datetime import date

import scheduling as sch
from inbox.extensions import db
from inbox.rota import adapter, operations
from inbox.rota.models import ShiftDemand, TeamRotaRules


def test_december_is_checked_and_planned_after_the_published_november(team_setup, publish, app):
    s = team_setup
    publish(s.team, [(s.anna, "2026-11-30", "S"), (s.ben, "2026-11-30", "S")])
    dec = operations.rota_for(s.team, 2026, 12)
    operations.save_cells(dec, {(s.anna.id, date(2026, 12, 1)): "F"})
    db.session.commit()
    assert [v.message for v in adapter.validate(dec) if v.code == "rest"] == [
        "Anna: Ruhezeit zwischen 30.11. 22:00 und 01.12. 07:00 nur 9 h (mindestens 11 h, § 5 ArbZG)"]
    problem = adapter.problem(dec)
    assert sch.Assignment(date(2026, 11, 30), "S", s.anna.id) in problem.context.assignments
    result = adapter.solve(problem, 10, lambda objective, elapsed, bound: None)
    assert result.rota is not None
    early = {a.editor_id for a in result.rota.on_date(date(2026, 12, 1)) if a.template == "F"}
    assert early and not early & {s.anna.id, s.ben.id}


def test_team_rules_dated_headcount_and_wishes_reach_the_planner(team_setup, app):
    s = team_setup
    operations.add_wish(s.org.id, s.anna.id, date(2026, 12, 14), "S", 7, avoid=True)
    db.session.add(ShiftDemand(organization_id=s.org.id, team_id=s.team.id, day=date(2026, 12, 6),
                               template_code="T", extra=2))
    db.session.add(TeamRotaRules(organization_id=s.org.id, team_id=s.team.id, forbidden_sequences=[["S", "F"]],
                                 long_shift_basis="§ 6 TVöD", long_shift_max_minutes=720))
    dec = operations.rota_for(s.team, 2026, 12)
    db.session.commit()
    problem = adapter.problem(dec)
    assert problem.context is None
    assert problem.wishes == [sch.Wish(s.anna.id, date(2026, 12, 14), "S", 7, avoid=True)]
    assert problem.model.dated == {(date(2026, 12, 6), "T"): 2}
    assert problem.rules.forbidden_sequences == (("S", "F"),) and problem.rules.daily_limit == 720


def test_lead_sets_dated_headcount_team_rules_and_minutes_on_the_settings_page(team_setup, client, auth, app):
    s = team_setup
    auth.login(s.lead)
    url = f"/team/{s.team.id}"
    assert client.post_form(f"{url}/besetzung", {"day": "2026-12-06", "template": "T", "extra": "2"}).status_code == 303
    answer = client.post_form(f"{url}/regeln", {"sequences": "S F\nS - *", "long_shift_basis": "§ 6 TVöD",
                                                "long_shift_max_hours": "11", "optional": ["T"]})
    assert answer.status_code == 303
    refused = client.post_form(f"{url}/regeln", {"sequences": "N F"})  # no night shift in this team
    assert "„N F“ ist keine gültige Abfolge" in client.get(refused.headers["Location"]).get_data(as_text=True)
    client.post_form(f"{url}/person/{s.anna.id}", {f"p{s.anna.id}-contract_hours_week": "30",
                                                   f"p{s.anna.id}-min_hours": "100", f"p{s.anna.id}-max_hours": "140"})
    page = client.get(f"{url}/einstellungen").get_data(as_text=True)
    assert "06.12.2026 T: 2 Personen mehr" in page and "§ 6 TVöD" in page
    problem = adapter.problem(operations.rota_for(s.team, 2026, 12))
    assert problem.model.dated == {(date(2026, 12, 6), "T"): 2}
    assert problem.rules.forbidden_sequences == (("S", "F"), ("S", "-", "*"))
    assert problem.rules.long_shift_basis == "§ 6 TVöD" and problem.rules.daily_limit == 660
    assert [t.code for t in problem.model.templates if t.optional] == ["T"]
    anna = next(e for e in problem.editors if e.id == s.anna.id)
    assert (anna.limits.min_minutes, anna.limits.max_minutes) == (6000, 8400)


def test_editor_wishes_not_to_work_one_shift(team_setup, client, auth, app):
    s = team_setup
    auth.login(s.anna)
    client.post_form("/meine-dienste/wunsch", {"day": "2026-12-14", "template": "S", "weight": "4", "avoid": "y"})
    problem = adapter.problem(operations.rota_for(s.team, 2026, 12))
    assert problem.wishes == [sch.Wish(s.anna.id, date(2026, 12, 14), "S", 4, avoid=True)]
