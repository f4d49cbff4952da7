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
    result = adapter.solve(problem, 10, lambda objective, elapsed: None)
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
