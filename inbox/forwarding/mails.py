"""The texts of forwarding e-mails and who receives them."""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from inbox.accounts.models import Membership, User
from inbox.conversations.models import Conversation
from inbox.core import mailer
from inbox.core.web import local_time
from inbox.extensions import db
from inbox.forwarding import links
from inbox.forwarding.models import Forward

SUBJECTS = {
    "new": "Anfrage der Social-Media-Redaktion",
    "reminder": "Erinnerung: Anfrage der Social-Media-Redaktion",
    "clarified": "Antwort auf Ihre Rückfrage",
    "handover": "Ihnen übergeben: Anfrage der Social-Media-Redaktion",
    "escalation": "Überfällig: Anfrage an",
}
INTROS = {
    "new": "die Social-Media-Redaktion bittet Sie um Auskunft zu einer Bürgeranfrage.",
    "reminder": "die folgende Anfrage ist bald fällig und noch nicht beantwortet.",
    "clarified": "die Redaktion hat Ihre Rückfrage beantwortet:\n\n{reply}",
    "handover": "eine Kollegin oder ein Kollege hat Ihnen diese Anfrage übergeben.",
}


def department_members(department_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.department_id == department_id, Membership.role == "press_officer",
               User.active.is_(True)).distinct().order_by(User.name)))


def press_recipients(forward: Forward, kind: str) -> list[str]:
    officer = [forward.officer.email] if forward.officer else []
    if kind == "handover":
        return officer
    office = [forward.department.press_email] if forward.department.press_email else [
        u.email for u in department_members(forward.department_id)]
    return list(dict.fromkeys(office + officer))


def lead_users(forward: Forward) -> list[User]:
    team_id = db.session.get(Conversation, forward.conversation_id).team_id
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == forward.organization_id, Membership.role == "lead",
               (Membership.team_id == team_id) | Membership.team_id.is_(None), User.active.is_(True))
        .distinct()))


def _context_text(forward: Forward) -> str:
    parts = []
    contact = forward.context.get("contact")
    if contact:
        who = " · ".join(v for v in (contact.get("name"), contact.get("handle"), contact.get("email")) if v)
        parts.append(f"Person: {who}")
    for message in forward.context.get("messages", []):
        parts.append(f"Nachricht der Person:\n{message['text']}")
    if forward.files:
        parts.append("Anhänge (im Portal): " + ", ".join(f.filename for f in forward.files))
    return "\n\n".join(parts)


def press_mail(forward: Forward, kind: str) -> EmailMessage:
    last_reply = next((e.text for e in reversed(forward.entries) if e.kind == "reply"), "")
    link = mailer.absolute("portal.open_link", token=links.make_token(forward))
    hours = int(current_app.config["SETTINGS"]["forwarding"]["link_valid_hours"])
    body = "\n\n".join(filter(None, [
        "Guten Tag,", INTROS[kind].format(reply=last_reply),
        f"Fachamt: {forward.department.name}\nBitte antworten bis: {local_time(forward.due_at)}",
        f"Frage:\n{forward.question}", _context_text(forward),
        f"Im Portal antworten (der Link gilt einmal und {hours} Stunden):\n{link}",
        f"Mit Anmeldung: {mailer.absolute('portal.show', forward_id=forward.id)}",
        "Sie können auch einfach auf diese E-Mail antworten; Ihre Antwort wird der Anfrage zugeordnet.",
    ]))
    subject = f"{SUBJECTS[kind]} (Nr. {forward.id}, {forward.department.short_name})"
    return mailer.build(press_recipients(forward, kind), subject, body, token=forward.token,
                        in_reply_to=forward.mail_message_id if kind != "new" else "")


def escalation_mail(forward: Forward, recipients: list[str]) -> EmailMessage:
    body = "\n\n".join([
        "Guten Tag,",
        f"die Anfrage Nr. {forward.id} an {forward.department.name} war fällig am {local_time(forward.due_at)} "
        "und ist noch nicht beantwortet.",
        f"Frage:\n{forward.question}",
        f"Übersicht: {mailer.absolute('forwarding.overview')}",
    ])
    return mailer.build(recipients, f"{SUBJECTS['escalation']} {forward.department.name} (Nr. {forward.id})", body)


def editor_mail(forward: Forward, user: User, kind: str) -> EmailMessage:
    what = {"answered": "hat geantwortet", "question": "hat eine Rückfrage", "declined": "hat abgelehnt"}[kind]
    # The step this mail is about, not simply the newest entry: a held answer by e-mail may be newer.
    entry_kind = {"answered": "answer", "question": "question", "declined": "decline"}[kind]
    latest = next((e.text for e in reversed(forward.entries) if e.kind == entry_kind), "")
    body = "\n\n".join([
        f"Hallo {user.name},", f"{forward.department.name} {what} (Weiterleitung Nr. {forward.id}):", latest,
        f"Zur Unterhaltung: {mailer.absolute('conversations.show', conversation_id=forward.conversation_id)}",
    ])
    return mailer.build([user.email], f"{forward.department.short_name} {what} (Nr. {forward.id})", body)
