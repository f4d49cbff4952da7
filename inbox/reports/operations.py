"""Changes the reports domain makes: mood corrections and the organization's report settings. Each flushes."""

from __future__ import annotations

from sqlalchemy import select

from inbox.audit.operations import record
from inbox.conversations.models import Message
from inbox.core import clock
from inbox.extensions import db
from inbox.reports.models import ReportSettings, ReportSubscription
from inbox.reports.mood import LABELS

MOOD_LABELS = {"negative": "negativ", "neutral": "neutral", "positive": "positiv"}


def correct_mood(message: Message, label: str, user_id: int) -> None:
    """An editor's judgement of an inbound message's mood; kept beside the analyser's, and it wins in reports.

    Choosing the analyser's own label again clears the correction.
    """
    if message.direction != "in":
        raise ValueError("Nur Nachrichten von Bürgerinnen und Bürgern haben eine Stimmung.")
    if label not in LABELS:
        raise ValueError("Unbekannte Stimmung.")
    previous = message.effective_mood
    message.mood_corrected = None if label == message.mood else label
    message.mood_corrected_by_id = user_id if message.mood_corrected else None
    message.mood_corrected_at = clock.now() if message.mood_corrected else None
    db.session.flush()
    record(message.organization_id, "message.mood_corrected", message, conversation_id=message.conversation_id,
           actor_id=user_id, mood=label, previous=previous, analyser=message.mood)


def set_per_editor(org_id: int, enabled: bool, user_id: int) -> ReportSettings:
    """Turn the per-editor figures on or off; works council rules often forbid them, so the change is audited."""
    row = db.session.scalar(select(ReportSettings).where(ReportSettings.organization_id == org_id))
    if row is None:
        row = ReportSettings(organization_id=org_id, per_editor=False)
        db.session.add(row)
        db.session.flush()
    if row.per_editor != enabled:
        row.per_editor = enabled
        db.session.flush()
        record(org_id, "reports.per_editor_changed", row, actor_id=user_id, enabled=enabled)
    return row


def set_weekly_mail(org_id: int, user_id: int, wanted: bool) -> None:
    """A lead opts in to (or out of) the weekly report by e-mail."""
    row = db.session.scalar(select(ReportSubscription).where(ReportSubscription.organization_id == org_id,
                                                             ReportSubscription.user_id == user_id))
    if wanted and row is None:
        row = ReportSubscription(organization_id=org_id, user_id=user_id)
        db.session.add(row)
        db.session.flush()
        record(org_id, "reports.weekly_mail_on", row, actor_id=user_id)
    elif not wanted and row is not None:
        record(org_id, "reports.weekly_mail_off", row, actor_id=user_id)
        db.session.delete(row)
        db.session.flush()


def weekly_mail_wanted(org_id: int, user_id: int) -> bool:
    return db.session.scalar(select(ReportSubscription.id).where(ReportSubscription.organization_id == org_id,
                                                                 ReportSubscription.user_id == user_id)) is not None
