"""Factories for routing, rota and SLA tests: a team with editors, a channel, published shifts, a simulator."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from inbox.core import clock

BERLIN = ZoneInfo("Europe/Berlin")


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BERLIN)


@pytest.fixture
def team_setup(create_org, create_user, create_channel):
    org = create_org()
    team = org.teams[0]
    people = {name: create_user(org, "editor", name=name, email=f"{name.lower()}@example.org")
              for name in ("Anna", "Ben", "Cem")}
    lead = create_user(org, "lead", name="Lea Leitung", email="lea@example.org")
    channel = create_channel(org)
    return SimpleNamespace(org=org, team=team, lead=lead, channel=channel, **{k.lower(): v for k, v in people.items()})


@pytest.fixture
def publish(app):
    """publish(team, [(user, "2026-10-22", "F"), ...]): published rotas for the months concerned."""
    from inbox.extensions import db
    from inbox.rota import operations

    def make(team, shifts):
        by_month: dict[tuple[int, int], dict] = {}
        for user, day, code in shifts:
            d = date.fromisoformat(day)
            by_month.setdefault((d.year, d.month), {})[(user.id, d)] = code
        for (year, month), cells in by_month.items():
            rota = operations.rota_for(team, year, month)
            operations.save_cells(rota, cells)
            operations.publish(rota)
        db.session.commit()

    return make


class Simulator:
    """Moves the clock, lets citizens write through the signed webhook, runs the sweep like the scheduler."""

    def __init__(self, setup, post_webhook, citizen_message):
        self.setup, self.post, self.message = setup, post_webhook, citizen_message

    def at(self, when: str) -> None:
        clock.set_time(local(when))

    def write(self, who: str, text: str = "Frage") -> int:
        from inbox.conversations.models import Contact, Conversation
        from inbox.extensions import db

        response = self.post(self.setup.channel, self.message(name=who, email=f"{who}@example.net", subject=who,
                                                              text=text))
        assert response.status_code == 200
        db.session.expire_all()
        return db.session.scalar(select(Conversation.id).join(Contact, Contact.id == Conversation.contact_id)
                                 .where(Contact.email == f"{who}@example.net"))

    def sweep(self, when: str | None = None) -> dict:
        from inbox import jobs
        from inbox.extensions import db
        from inbox.routing import sweep

        if when:
            self.at(when)
        totals = sweep.run()
        db.session.commit()
        jobs.run_ready()
        db.session.expire_all()
        return totals

    def reply(self, conversation_id: int, user) -> None:
        from inbox import jobs
        from inbox.conversations import operations
        from inbox.conversations.models import Conversation
        from inbox.extensions import db

        operations.reply(db.session.get(Conversation, conversation_id), user.id, "Danke, wir kümmern uns.")
        db.session.commit()
        jobs.run_ready()

    def owner(self, conversation_id: int) -> str | None:
        from inbox.conversations.models import Conversation
        from inbox.extensions import db

        conversation = db.session.get(Conversation, conversation_id)
        db.session.refresh(conversation)
        return conversation.assignee.name if conversation.assignee else None


@pytest.fixture
def sim(team_setup, post_webhook, citizen_message):
    return Simulator(team_setup, post_webhook, citizen_message)
