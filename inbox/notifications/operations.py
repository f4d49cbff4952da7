"""Creating and reading notifications."""

from __future__ import annotations

from sqlalchemy import func, select, update

from inbox.core import clock
from inbox.extensions import db
from inbox.live.operations import publish
from inbox.notifications.models import Notification


def notify(org_id: int, user_id: int | None, text: str, link: str = "") -> Notification | None:
    if user_id is None:
        return None
    notification = Notification(organization_id=org_id, user_id=user_id, text=text[:500], link=link[:500])
    db.session.add(notification)
    db.session.flush()
    # The user's open pages show it at once (a toast and the badge); texts are Mitreden's own.
    publish(org_id, "notification", user_id=user_id, notification=notification.id, text=notification.text,
            link=notification.link)
    return notification


def unread_count(org_id: int, user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.organization_id == org_id, Notification.user_id == user_id, Notification.read_at.is_(None)))


def latest(org_id: int, user_id: int, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.organization_id == org_id, Notification.user_id == user_id)
        .order_by(Notification.id.desc()).limit(limit)))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = clock.now()
        db.session.flush()


def mark_all_read(org_id: int, user_id: int) -> None:
    db.session.execute(update(Notification).where(
        Notification.organization_id == org_id, Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=clock.now()))
