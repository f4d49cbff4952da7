"""Changes to forwards. Each function flushes; the request or job commits.

Every step is written to the audit trail with the conversation's id and a German label, so it
shows in the conversation's history.
"""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import func, select

from inbox.audit.operations import record
from inbox.conversations.models import Conversation, Message
from inbox.core import clock
from inbox.extensions import db
from inbox.forwarding import business_time
from inbox.forwarding.models import ACTIVE, Forward, ForwardEntry
from inbox.notifications.operations import notify
from inbox.orgs.models import Department, Organization
from inbox.sla import operations as sla


class ForwardStateError(ValueError):
    """The step does not fit the forward's state (answering a closed forward, ...)."""


def default_due(org: Organization):
    days = int(current_app.config["SETTINGS"]["forwarding"]["due_business_days"])
    return business_time.due_after_business_days(clock.now(), days, org)


def prefill_question(conversation: Conversation) -> str:
    last_in = db.session.scalar(select(Message).where(
        Message.conversation_id == conversation.id, Message.direction == "in", Message.deleted_at.is_(None))
        .order_by(Message.id.desc()).limit(1))
    return last_in.text if last_in else ""


def build_context(conversation: Conversation, *, include_messages: bool, include_contact: bool) -> dict:
    """What goes along with the question; the citizen's identity only when the editor ticked it."""
    context: dict = {"channel": conversation.channel.kind}
    if include_messages:
        messages = db.session.scalars(select(Message).where(
            Message.conversation_id == conversation.id, Message.direction == "in", Message.deleted_at.is_(None))
            .order_by(Message.id))
        context["messages"] = [{"at": m.created_at.isoformat(), "text": m.text} for m in messages]
    if include_contact:
        contact = conversation.contact
        context["contact"] = {"name": contact.name, "handle": contact.handle, "email": contact.email}
    return context


def create_forward(conversation: Conversation, department: Department, author_id: int, question: str, *,
                   include_messages: bool = False, include_contact: bool = False, due_at=None) -> Forward:
    from inbox.forwarding.tasks import send_forward_mail
    from inbox.jobs import enqueue

    org = db.session.get(Organization, conversation.organization_id)
    forward = Forward(organization_id=conversation.organization_id, conversation_id=conversation.id,
                      department_id=department.id, created_by_id=author_id, question=question,
                      context=build_context(conversation, include_messages=include_messages,
                                            include_contact=include_contact),
                      state="open", due_at=due_at or default_due(org), token=secrets.token_hex(16))
    db.session.add(forward)
    db.session.flush()
    due = _local(forward.due_at)
    _record(forward, "forward.created", f"An Fachamt {department.name} weitergeleitet, fällig {due}",
            department_id=department.id, with_contact=include_contact, with_messages=include_messages)
    sync_conversation(conversation)
    enqueue(send_forward_mail, forward.id, "new")
    return forward


def _local(moment) -> str:
    from inbox.core.web import local_time

    return local_time(moment)


def _record(forward: Forward, action: str, label: str, *, actor_id=None, **detail) -> None:
    record(forward.organization_id, action, forward, conversation_id=forward.conversation_id,
           actor_id=actor_id, label=label, forward_id=forward.id, **detail)


def _entry(forward: Forward, kind: str, text: str, *, author_id=None, author_label="", via="portal",
           mail_message_id=None, mail_check="") -> ForwardEntry:
    entry = ForwardEntry(organization_id=forward.organization_id, forward_id=forward.id, kind=kind,
                         author_id=author_id, author_label=author_label, via=via, text=text,
                         mail_message_id=mail_message_id, mail_check=mail_check)
    db.session.add(entry)
    db.session.flush()
    return entry


def _require(forward: Forward, states: tuple[str, ...]) -> None:
    if forward.state not in states:
        raise ForwardStateError(f"Die Weiterleitung ist {forward.state_label}; das geht jetzt nicht.")


def editor_id(forward: Forward) -> int | None:
    """Who hears back: the conversation's assignee, else whoever forwarded it."""
    conversation = db.session.get(Conversation, forward.conversation_id)
    return conversation.assignee_id or forward.created_by_id


def _tell_editor(forward: Forward, text: str, kind: str) -> None:
    from inbox.forwarding.tasks import send_editor_mail
    from inbox.jobs import enqueue

    target = editor_id(forward)
    notify(forward.organization_id, target, text, f"/conversations/{forward.conversation_id}#weiterleitungen")
    if target and current_app.config["SETTINGS"]["forwarding"].get("notify_editor_by_email"):
        enqueue(send_editor_mail, forward.id, target, kind)


def answer(forward: Forward, text: str, *, author_id=None, author_label="", via="portal",
           mail_message_id=None, mail_check="") -> ForwardEntry:
    """The department's answer; by e-mail only with mail_check set, else the mail is held (hold_mail_answer)."""
    _require(forward, ACTIVE)
    entry = _entry(forward, "answer", text, author_id=author_id, author_label=author_label, via=via,
                   mail_message_id=mail_message_id, mail_check=mail_check)
    _count_answer(forward, entry)
    return entry


def _count_answer(forward: Forward, entry: ForwardEntry) -> None:
    forward.state, forward.answered_at = "answered", clock.now()
    _settle(forward)
    how = " per E-Mail" if entry.via == "email" else ""
    _record(forward, "forward.answered", f"Fachamt {forward.department.name} hat{how} geantwortet",
            actor_id=entry.author_id, via=entry.via, by=entry.author_label, mail_check=entry.mail_check,
            confirmed_by_id=entry.reviewed_by_id)
    _tell_editor(forward, f"Antwort von {forward.department.name} zu Weiterleitung Nr. {forward.id}", "answered")


def hold_mail_answer(forward: Forward, text: str, *, author_id=None, author_label="",
                     mail_message_id=None) -> ForwardEntry:
    """An answer by e-mail whose sender our receiving server did not vouch for: the From may be forged.

    It waits for a press officer of the department to confirm it in the portal. Until then it is not
    the department's answer: the forward stays owed (the citizen's SLA stays paused) and the editor
    is not told of it.
    """
    from inbox.forwarding.mails import department_members

    _require(forward, ACTIVE)
    entry = _entry(forward, "held", text, author_id=author_id, author_label=author_label, via="email",
                   mail_message_id=mail_message_id)
    _record(forward, "forward.mail_held", "Antwort per E-Mail zurückgehalten: Absender nicht geprüft, "
            f"wartet auf Bestätigung durch Fachamt {forward.department.name}", by=author_label, entry_id=entry.id)
    for officer in department_members(forward.department_id):
        notify(forward.organization_id, officer.id, f"Antwort per E-Mail zu Anfrage Nr. {forward.id} bitte "
               "im Portal bestätigen oder verwerfen", f"/portal/forwards/{forward.id}")
    return entry


def _require_held(entry: ForwardEntry) -> None:
    if entry.kind != "held":
        raise ForwardStateError("Diese Antwort per E-Mail wurde schon bestätigt oder verworfen.")


def confirm_mail_answer(forward: Forward, entry: ForwardEntry, officer) -> None:
    """A press officer vouches for a held answer by e-mail: from now on it is the department's answer."""
    _require_held(entry)
    _require(forward, ACTIVE)
    entry.kind, entry.reviewed_by_id, entry.reviewed_at = "answer", officer.id, clock.now()
    _record(forward, "forward.mail_confirmed", f"Antwort per E-Mail im Portal bestätigt von {officer.name}",
            actor_id=officer.id, by=entry.author_label, entry_id=entry.id)
    _count_answer(forward, entry)


def discard_mail_answer(forward: Forward, entry: ForwardEntry, officer) -> None:
    """Not the department's answer; it stays stored, marked discarded, and is never shown to the editor."""
    _require_held(entry)
    entry.kind, entry.reviewed_by_id, entry.reviewed_at = "discarded", officer.id, clock.now()
    db.session.flush()
    _record(forward, "forward.mail_discarded", f"Antwort per E-Mail im Portal verworfen von {officer.name}",
            actor_id=officer.id, by=entry.author_label, entry_id=entry.id)


def ask_back(forward: Forward, text: str, *, author_id=None, author_label="", via="portal") -> ForwardEntry:
    _require(forward, ("open", "overdue"))
    entry = _entry(forward, "question", text, author_id=author_id, author_label=author_label, via=via)
    forward.state = "clarification"
    db.session.flush()
    _record(forward, "forward.clarification", f"Rückfrage von Fachamt {forward.department.name}",
            actor_id=author_id, text=text[:500], via=via)
    _tell_editor(forward, f"Rückfrage von {forward.department.name} zu Weiterleitung Nr. {forward.id}", "question")
    return entry


def reply_to_question(forward: Forward, author_id: int, text: str) -> ForwardEntry:
    """The editor answers the department's question back; the due time moves by the time it took."""
    from inbox.forwarding.tasks import send_forward_mail
    from inbox.jobs import enqueue

    _require(forward, ("clarification",))
    asked = db.session.scalar(select(ForwardEntry.created_at).where(
        ForwardEntry.forward_id == forward.id, ForwardEntry.kind == "question").order_by(ForwardEntry.id.desc()))
    entry = _entry(forward, "reply", text, author_id=author_id)
    _extend_due(forward, asked)
    forward.state = "overdue" if forward.escalated_at and forward.due_at <= clock.now() else "open"
    db.session.flush()
    _record(forward, "forward.clarified", f"Rückfrage von Fachamt {forward.department.name} beantwortet",
            actor_id=author_id, text=text[:500])
    enqueue(send_forward_mail, forward.id, "clarified")
    return entry


def _extend_due(forward: Forward, asked_at) -> None:
    if asked_at is None:
        return
    org = db.session.get(Organization, forward.organization_id)
    calendar = business_time.workday_calendar(org)
    waited = calendar.business_minutes_between(asked_at, clock.now())
    forward.due_at = calendar.add_business_minutes(forward.due_at, max(waited, 0))


def hand_over(forward: Forward, officer, *, actor_id=None, actor_label="") -> None:
    from inbox.forwarding.tasks import send_forward_mail
    from inbox.jobs import enqueue

    _require(forward, ACTIVE)
    previous, forward.officer_id = forward.officer_id, officer.id
    _entry(forward, "handover", f"Übergeben an {officer.name}", author_id=actor_id, author_label=actor_label)
    _record(forward, "forward.handed_over", f"Im Fachamt {forward.department.name} übergeben an {officer.name}",
            actor_id=actor_id, officer_id=officer.id, previous_officer_id=previous)
    notify(forward.organization_id, officer.id, f"Ihnen wurde Weiterleitung Nr. {forward.id} übergeben",
           f"/portal/forwards/{forward.id}")
    enqueue(send_forward_mail, forward.id, "handover")


def decline(forward: Forward, reason: str, suggested: Department | None, *, author_id=None, author_label="",
            via="portal") -> ForwardEntry:
    _require(forward, ACTIVE)
    suggestion = f" Vorschlag: {suggested.name}" if suggested else ""
    entry = _entry(forward, "decline", reason + (f"\n{suggestion.strip()}" if suggested else ""),
                   author_id=author_id, author_label=author_label, via=via)
    forward.state, forward.decline_reason = "declined", reason
    forward.suggested_department_id = suggested.id if suggested else None
    _settle(forward)
    _record(forward, "forward.declined", f"Fachamt {forward.department.name} hat abgelehnt",
            actor_id=author_id, text=(reason + suggestion)[:500],
            suggested_department_id=forward.suggested_department_id)
    _tell_editor(forward, f"{forward.department.name} hat Weiterleitung Nr. {forward.id} abgelehnt", "declined")
    return entry


def _settle(forward: Forward) -> None:
    forward.settled_at = forward.settled_at or clock.now()
    db.session.flush()
    sync_conversation(db.session.get(Conversation, forward.conversation_id))


def close_for_conversation(conversation_id: int) -> int:
    """The conversation is resolved: every forward of it is done. Returns how many were closed."""
    forwards = db.session.scalars(select(Forward).where(Forward.conversation_id == conversation_id,
                                                        Forward.state != "closed"))
    count = 0
    for forward in forwards:
        forward.state, forward.closed_at = "closed", clock.now()
        forward.settled_at = forward.settled_at or forward.closed_at
        db.session.flush()
        _record(forward, "forward.closed", f"Weiterleitung an Fachamt {forward.department.name} abgeschlossen")
        count += 1
    return count


def active_count(conversation_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Forward)
                             .where(Forward.conversation_id == conversation_id, Forward.state.in_(ACTIVE)))


def sync_conversation(conversation: Conversation) -> None:
    """Waiting while any department owes an answer; back to open when none does (unless resolved)."""
    if conversation.status == "resolved":
        return
    waiting = active_count(conversation.id) > 0
    new = "waiting" if waiting else "open"
    if conversation.status == new:
        return
    conversation.status = new
    # Pause or restart the citizen's SLA clock now, not at the next sweep.
    (sla.pause if waiting else sla.resume)(conversation)
    db.session.flush()
    label = "Wartet auf Fachamt" if waiting else "Wartet nicht mehr auf Fachamt"
    record(conversation.organization_id, f"conversation.{'waiting' if waiting else 'waiting_ended'}", conversation,
           conversation_id=conversation.id, label=label)
